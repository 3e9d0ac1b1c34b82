package virtual

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/otterauth/otter/internal/atomicfile"
)

const (
	stateVersion  = 1
	maxPINRetries = 8
	residentSlots = 25
)

// persisted is the JSON content of the state file.
type persisted struct {
	Version     int         `json:"version"`
	MasterKey   []byte      `json:"master_key"`
	PINHash     []byte      `json:"pin_hash,omitempty"` // LEFT(SHA-256(PIN), 16)
	PINRetries  int         `json:"pin_retries"`
	SignCount   uint32      `json:"sign_count"` // of non-resident credentials
	NextSerial  uint64      `json:"next_serial"`
	Credentials []*resident `json:"credentials"`
}

// resident is a discoverable credential.
type resident struct {
	RPID            string `json:"rp_id"`
	RPName          string `json:"rp_name,omitempty"`
	UserID          []byte `json:"user_id"`
	UserName        string `json:"user_name,omitempty"`
	UserDisplayName string `json:"user_display_name,omitempty"`
	ID              []byte `json:"credential_id"`
	PrivateKey      []byte `json:"private_key"`
	CredProtect     int    `json:"cred_protect"`
	HMACSecret      bool   `json:"hmac_secret"`
	CredRandomUV    []byte `json:"cred_random_uv,omitempty"`
	CredRandomNoUV  []byte `json:"cred_random_no_uv,omitempty"`
	SignCount       uint32 `json:"sign_count"`
	Serial          uint64 `json:"serial"` // creation order
}

// String describes the state without its secrets.
func (s *persisted) String() string {
	return fmt.Sprintf("virtual state (pin set %t, %d retries, %d resident credentials)",
		s.PINHash != nil, s.PINRetries, len(s.Credentials))
}

// String describes the credential without its secrets.
func (r *resident) String() string {
	return fmt.Sprintf("resident credential for %q", r.RPID)
}

// device is the CTAP2 state of an authenticator: what is persisted and what
// lasts until the next power cycle (Open).
type device struct {
	path   string
	st     *persisted
	noSync bool // tests and fuzzing: skip fsync
	rand   io.Reader
	now    func() time.Time

	keyAgreement *ecdh.PrivateKey // regenerated at power-up and after PIN mismatches
	token        *pinToken        // nil until a PIN was verified
	mismatches   int              // consecutive wrong PINs since power-up
	nextAssert   *assertIter
	credMgmtIter *credMgmtIter
}

func openDevice(path string) (*device, error) {
	d := &device{path: path, rand: rand.Reader, now: time.Now}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.st, err = newState(d.rand)
		if err == nil {
			err = d.save()
		}
	case err == nil:
		d.st, err = parseState(data)
	}
	if err != nil {
		return nil, fmt.Errorf("virtual: state file %s: %w", path, err)
	}
	if d.keyAgreement, err = ecdh.P256().GenerateKey(d.rand); err != nil {
		return nil, fmt.Errorf("virtual: failed to generate the key agreement key: %w", err)
	}
	return d, nil
}

func newState(r io.Reader) (*persisted, error) {
	st := &persisted{Version: stateVersion, MasterKey: make([]byte, 32), PINRetries: maxPINRetries}
	if _, err := io.ReadFull(r, st.MasterKey); err != nil {
		return nil, fmt.Errorf("failed to generate the master key: %w", err)
	}
	return st, nil
}

func parseState(data []byte) (*persisted, error) {
	var st persisted
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("failed to parse: %w", err)
	}
	switch {
	case st.Version != stateVersion:
		return nil, fmt.Errorf("unsupported version %d", st.Version)
	case len(st.MasterKey) != 32:
		return nil, errors.New("master key is not 32 bytes")
	case st.PINHash != nil && len(st.PINHash) != 16:
		return nil, errors.New("PIN hash is not 16 bytes")
	case st.PINRetries < 0 || st.PINRetries > maxPINRetries:
		return nil, fmt.Errorf("PIN retries %d out of range", st.PINRetries)
	case len(st.Credentials) > residentSlots:
		return nil, fmt.Errorf("%d resident credentials, at most %d fit", len(st.Credentials), residentSlots)
	}
	for _, c := range st.Credentials {
		if err := c.check(); err != nil {
			return nil, err
		}
	}
	return &st, nil
}

func (r *resident) check() error {
	if _, err := parsePrivateKey(r.PrivateKey); err != nil {
		return fmt.Errorf("resident credential for %q: %w", r.RPID, err)
	}
	if len(r.ID) == 0 || len(r.UserID) == 0 || r.RPID == "" {
		return fmt.Errorf("resident credential for %q: missing id, user id or rp id", r.RPID)
	}
	if r.HMACSecret && (len(r.CredRandomUV) != 32 || len(r.CredRandomNoUV) != 32) {
		return fmt.Errorf("resident credential for %q: CredRandom is not 32 bytes", r.RPID)
	}
	return nil
}

// save writes the state atomically (internal/atomicfile).
func (d *device) save() error {
	data, err := json.MarshalIndent(d.st, "", "\t")
	if err != nil {
		return fmt.Errorf("failed to encode the state: %w", err)
	}
	fsys := atomicfile.OS
	if d.noSync {
		fsys = atomicfile.Unsynced
	}
	if err := atomicfile.Write(fsys, d.path, data); err != nil {
		return fmt.Errorf("failed to save the state: %w", err)
	}
	return nil
}

// commit saves the state, turning a failure into CTAP2_ERR_OTHER.
func (d *device) commit() error {
	if err := d.save(); err != nil {
		return errOther
	}
	return nil
}

// findResident returns the resident credential with the given ID.
func (d *device) findResident(id []byte) *resident {
	for _, c := range d.st.Credentials {
		if string(c.ID) == string(id) {
			return c
		}
	}
	return nil
}

func (d *device) deleteResident(r *resident) {
	creds := d.st.Credentials[:0]
	for _, c := range d.st.Credentials {
		if c != r {
			creds = append(creds, c)
		}
	}
	clear(d.st.Credentials[len(creds):])
	d.st.Credentials = creds
}
