package fido

import (
	"encoding/hex"
	"fmt"
	"slices"
)

// DeviceInfo describes a key found by List.
type DeviceInfo struct {
	Path         string // hidraw path, or "virtual:" + state file
	Product      string
	Manufacturer string
	Virtual      bool // a software key (fido/virtual), never real hardware
}

// String is the product and path, with "(virtual)" for software keys.
func (d DeviceInfo) String() string {
	s := d.Product
	if s == "" {
		s = "FIDO key"
	}
	s += " at " + d.Path
	if d.Virtual {
		s += " (virtual)"
	}
	return s
}

// Info is what a key says about itself (authenticatorGetInfo) plus its PIN
// retry counter.
type Info struct {
	Versions          []string
	Extensions        []string
	AAGUID            []byte
	Options           map[string]bool
	PINRetries        int // -1 when the key has no PIN support
	RemainingResident int // -1 when the key does not say
	MaxMsgSize        int
	Protocols         []int // PIN/UV auth protocols
}

// HasPIN reports whether a PIN is set on the key.
func (i Info) HasPIN() bool { return i.Options["clientPin"] }

// SupportsPIN reports whether the key can have a PIN.
func (i Info) SupportsPIN() bool { _, ok := i.Options["clientPin"]; return ok }

// Supports reports whether the key lists the extension ext.
func (i Info) Supports(ext string) bool { return slices.Contains(i.Extensions, ext) }

// AAGUIDString is the AAGUID in the canonical 8-4-4-4-12 hex form.
func (i Info) AAGUIDString() string { return FormatAAGUID(i.AAGUID) }

// FormatAAGUID formats a 16-byte AAGUID as 8-4-4-4-12 hex; other lengths as
// plain hex.
func FormatAAGUID(b []byte) string {
	h := hex.EncodeToString(b)
	if len(b) != 16 {
		return h
	}
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// CredProtect levels (CTAP 2.1 credProtect extension).
const (
	CredProtectNone             = 0
	CredProtectUVOptional       = 1
	CredProtectUVOptionalWithID = 2
	CredProtectUVRequired       = 3
)

// CredentialOptions are the inputs of MakeCredential. RPID, UserID and
// UserName are required; ClientDataHash defaults to 32 random bytes.
type CredentialOptions struct {
	RPID, RPName          string
	UserID                []byte
	UserName, DisplayName string
	ClientDataHash        []byte
	Resident              bool     // a discoverable (resident) credential
	UV                    bool     // ask for built-in user verification
	CredProtect           int      // CredProtect* level; 0 leaves it out
	HMACSecret            bool     // enable the hmac-secret extension
	Exclude               [][]byte // credential ids the key must not already hold
	PIN                   []byte   // nil: no PIN; the caller zeroes it
}

// Credential is a credential made by MakeCredential or listed by
// ResidentCredentials. PublicKey is the ES256 point X‖Y (64 bytes).
type Credential struct {
	ID          []byte
	PublicKey   []byte
	AAGUID      []byte
	Format      string // attestation format ("packed", "none" …)
	RPID        string
	UserID      []byte
	UserName    string
	DisplayName string
	CredProtect int
	HMACSecret  bool // made with hmac-secret, confirmed by a verified attestation
	UV          bool // the user was verified (PIN or built-in)
}

// AssertionOptions are the inputs of GetAssertion. RPID is required;
// ClientDataHash defaults to 32 random bytes.
type AssertionOptions struct {
	RPID           string
	ClientDataHash []byte
	Allow          [][]byte // allowed credential ids; empty: resident credentials
	NoPresence     bool     // do not ask for a touch (a silent probe)
	UV             bool     // ask for built-in user verification
	HMACSalt       []byte   // 32 or 64 bytes: ask for the hmac-secret output
	PIN            []byte   // nil: no PIN; the caller zeroes it
	// PublicKey, when set (ES256 X‖Y), makes GetAssertion verify every
	// assertion's signature with it and fail with ErrInvalidSignature.
	PublicKey []byte
}

// Assertion is one assertion of GetAssertion. HMACSecret is secret: the
// caller zeroes it when done.
type Assertion struct {
	CredentialID []byte
	UserID       []byte
	UserName     string
	DisplayName  string
	AuthData     []byte // raw authenticator data
	Signature    []byte
	SignCount    uint32
	UP, UV       bool
	HMACSecret   []byte
}

// String describes a without its hmac-secret output.
func (a Assertion) String() string {
	return fmt.Sprintf("Assertion{CredentialID:%x UP:%t UV:%t SignCount:%d HMACSecret:%s}",
		a.CredentialID, a.UP, a.UV, a.SignCount, redacted(a.HMACSecret))
}

// GoString is String, so that %#v does not print the secret either.
func (a Assertion) GoString() string { return a.String() }

func redacted(b []byte) string {
	if len(b) == 0 {
		return "none"
	}
	return "redacted"
}

// Metadata counts a key's resident credentials.
type Metadata struct {
	Existing, Remaining int
}

// RP is a relying party with resident credentials on a key.
type RP struct {
	ID, Name string
	IDHash   []byte
}

// authData flag bits (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
)
