package vault

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"flag"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var updateVectors = flag.Bool("update-vectors", false, "regenerate testdata/vectors")

// The format 1 test vectors of docs/vault-format.md, in testdata/vectors:
// a vault made from fixed inputs, its credentials, the data it holds and
// the intermediate keys. TestWriteVectors regenerates them; the other tests
// check that this package (TestVectorOpens) and a reader written from the
// document alone (spec_test.go) open the file and find the same data.
const (
	vectorDir      = "testdata/vectors"
	vectorFile     = vectorDir + "/vault.otter"
	vectorPwFile   = vectorDir + "/password.txt"
	vectorRKFile   = vectorDir + "/recovery-key.txt"
	vectorDataFile = vectorDir + "/expected.json"
	vectorKeysFile = vectorDir + "/keys.json"

	// vectorSeed seeds the ChaCha8 stream every random byte comes from.
	vectorSeed = "otter vault format 1 test vector"
	// vectorRecoveryKey is the recovery key's display form.
	vectorRecoveryKey = "7K3M-Q9XT-2VHR-8DWN-5PBZ-F4GA-JC6E-1YS0"
	// vectorPassword is in NFC, as a reader must normalise it.
	vectorPasswordText = "correct horse battery staple — Zoë"
)

// vectorKDF is the password slot's Argon2id cost: 1 MiB, 2 passes, one
// lane; below otter's minimum, so that a reader checks it in milliseconds.
var vectorKDF = KDFParams{Memory: 1024, Time: 2, Threads: 1}

var vectorNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// vectorKeyringSecret and vectorHMACOutput stand in for the keyring's
// secret and the FIDO2 key's hmac-secret output.
var (
	vectorKeyringSecret = labelBytes("keyring secret")
	vectorHMACOutput    = labelBytes("fido2 hmac-secret output")
	vectorCredentialID  = append(labelBytes("fido2 credential id 1"), labelBytes("fido2 credential id 2")...)
)

// vecID is a fixed record id.
func vecID(label string) string { return hex.EncodeToString(labelBytes(label)[:16]) }

func labelBytes(label string) []byte {
	s := sha256.Sum256([]byte("otter test vector: " + label))
	return s[:]
}

// vectorKeyring is Keyring with a fixed secret and no store, so that the
// vector is deterministic; TestVectorOpens opens its slot with the real
// Keyring.
type vectorKeyring struct{}

func (vectorKeyring) SlotType() SlotType { return SlotKeyring }
func (c vectorKeyring) Enrol(vid string, s *Slot) ([]byte, error) {
	return c.Derive(vid, s)
}
func (vectorKeyring) Derive(_ string, s *Slot) ([]byte, error) {
	return hkdfKey(vectorKeyringSecret, s.Salt, "otter keyring slot")
}

// vectorFIDO2 derives as cmd/otter's fido2 credential does (fido2KEK),
// with a fixed hmac-secret output in place of a key's answer.
type vectorFIDO2 struct{}

func (vectorFIDO2) SlotType() SlotType { return SlotFIDO2 }
func (c vectorFIDO2) Enrol(vid string, s *Slot) ([]byte, error) {
	s.CredentialID, s.RPID, s.UV, s.PIN = bytes.Clone(vectorCredentialID), "otter", true, true
	return c.Derive(vid, s)
}
func (vectorFIDO2) Derive(vid string, s *Slot) ([]byte, error) {
	return hkdf.Key(sha256.New, vectorHMACOutput, s.Salt, "otter fido2 slot"+vid, keyLen)
}

func vectorCredentials(t testing.TB) []Credential {
	key, err := ParseRecoveryKey([]byte(vectorRecoveryKey))
	if err != nil {
		t.Fatal(err)
	}
	return []Credential{Password{Secret: []byte(vectorPasswordText), KDF: vectorKDF},
		RecoveryKey{Key: key}, vectorKeyring{}, vectorFIDO2{}}
}

// TestWriteVectors regenerates testdata/vectors:
//
//	go test ./vault -run TestWriteVectors -args -update-vectors
func TestWriteVectors(t *testing.T) {
	if !*updateVectors {
		t.Skip("run with -args -update-vectors to regenerate " + vectorDir)
	}
	var seed [32]byte
	copy(seed[:], vectorSeed)
	o := &Options{Now: func() time.Time { return vectorNow }, Rand: mrand.NewChaCha8(seed), AllowWeakKDF: true}
	path := filepath.Join(t.TempDir(), "vault.otter")
	creds := vectorCredentials(t)
	v, err := Create(path, o, creds[:3]...)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	fido2, err := v.AddSlot(creds[3], "blue key")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Update(func(d *Data) error { fillVectorData(d, fido2.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	raw := readFile(t, path)
	writeFile(t, vectorFile, raw)
	writeFile(t, vectorPwFile, []byte(vectorPasswordText+"\n"))
	writeFile(t, vectorRKFile, []byte(vectorRecoveryKey+"\n"))
	writeFile(t, vectorDataFile, jsonOf(t, vectorDataOf(v.Data(), v.hdr.VaultID, v.Generation())))
	writeFile(t, vectorKeysFile, jsonOf(t, vectorKeysOf(t, raw, v.dek, creds)))
}

// fillVectorData replaces d's records with the vector's: every id is fixed,
// every stamp comes from d.Tick.
func fillVectorData(d *Data, fido2Slot string) {
	day := func(n int) time.Time { return vectorNow.AddDate(0, 0, -n) }
	acct := func(id string, a Account, created time.Time) Account {
		a.ID, a.Created, a.Updated, a.Stamp = id, created, created, d.Tick(created)
		return a
	}
	github, bank, vpn, steam, gone := vecID("account 1"), vecID("account 2"), vecID("account 3"), vecID("account 4"), vecID("account 5")
	d.Accounts = []Account{
		acct(github, Account{Issuer: "GitHub", Name: "alice@example.com", Secret: []byte("12345678901234567890"),
			Type: "totp", Algorithm: "SHA1", Digits: 6, Period: 30, Tags: []string{"work", "code"},
			Notes: "recovery codes are in the drawer", URL: "https://github.com/login", Pinned: true,
			LastUsed: day(1), UseCount: 17}, day(30)),
		acct(bank, Account{Issuer: "Zoë's Bank", Name: "alice", Secret: []byte("12345678901234567890123456789012"),
			Type: "totp", Algorithm: "SHA256", Digits: 8, Period: 60, Tags: []string{"money"}}, day(20)),
		acct(vpn, Account{Issuer: "ACME VPN", Name: "alice", Secret: []byte("12345678901234567890"),
			Type: "hotp", Algorithm: "SHA1", Digits: 6, Counter: 42}, day(10)),
		acct(steam, Account{Issuer: "Steam", Name: "alice_gamer", Secret: labelBytes("steam")[:20], Type: "steam"}, day(5)),
		acct(gone, Account{Deleted: true}, day(40)),
	}
	d.Accounts[4].Updated = day(2)
	d.Recovery = []RecoverySet{{ID: vecID("recovery set 1"), AccountID: github, Codes: []RecoveryCode{
		{Code: "1111-2222", Added: day(30), UsedAt: day(3)},
		{Code: "3333-4444", Added: day(30)},
		{Code: "5555-6666", Added: day(30)},
	}, Stamp: d.Tick(day(3))}}
	d.Keys = []HardwareKey{{ID: vecID("hardware key 1"), Nickname: "blue key", AAGUID: "cb69481e-8ff7-4039-93ec-0a2729a154a8",
		Product: "YubiKey 5 NFC", Added: vectorNow, Accounts: []string{github}, SlotID: fido2Slot, Stamp: d.Tick(vectorNow)}}
	d.Audit = []AuditEvent{
		{ID: vecID("audit event 1"), At: vectorNow, Kind: "slot.add", Detail: "fido2 slot " + fido2Slot[:8] + ` "blue key"`},
		{ID: vecID("audit event 2"), At: vectorNow, Kind: "unlock", Detail: "password slot"},
	}
	d.Settings = Settings{ClipboardClear: 20 * time.Second, AutoLock: 5 * time.Minute}
}

func jsonOf(t testing.TB, v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// The schema of expected.json: what a reader finds in the vector. Times
// are RFC 3339 in UTC ("" for an absent time), durations nanoseconds,
// secrets base32 (RFC 4648, upper case, no padding).
type (
	vecData struct {
		VaultID    string        `json:"vault_id"`
		Generation uint64        `json:"generation"`
		DeviceID   string        `json:"device_id"`
		Accounts   []vecAccount  `json:"accounts"`
		Recovery   []vecRecovery `json:"recovery"`
		Keys       []vecKey      `json:"keys"`
		Audit      []vecEvent    `json:"audit"`
		Settings   vecSettings   `json:"settings"`
		Clock      vecStamp      `json:"clock"`
	}
	vecStamp struct {
		MS  int64  `json:"ms"`
		C   uint32 `json:"c"`
		Dev string `json:"dev"`
	}
	vecAccount struct {
		ID        string   `json:"id"`
		Issuer    string   `json:"issuer"`
		Name      string   `json:"name"`
		Type      string   `json:"type"`
		Algorithm string   `json:"algorithm"`
		Digits    int64    `json:"digits"`
		Period    int64    `json:"period"`
		Counter   uint64   `json:"counter"`
		Secret    string   `json:"secret"`
		Tags      []string `json:"tags"`
		Notes     string   `json:"notes"`
		URL       string   `json:"url"`
		Pinned    bool     `json:"pinned"`
		Created   string   `json:"created"`
		Updated   string   `json:"updated"`
		LastUsed  string   `json:"last_used"`
		UseCount  int64    `json:"use_count"`
		Deleted   bool     `json:"deleted"`
		Stamp     vecStamp `json:"stamp"`
	}
	vecRecovery struct {
		ID        string    `json:"id"`
		AccountID string    `json:"account_id"`
		Codes     []vecCode `json:"codes"`
		Stamp     vecStamp  `json:"stamp"`
		Deleted   bool      `json:"deleted"`
	}
	vecCode struct {
		Code   string `json:"code"`
		Added  string `json:"added"`
		UsedAt string `json:"used_at"`
	}
	vecKey struct {
		ID       string   `json:"id"`
		Nickname string   `json:"nickname"`
		AAGUID   string   `json:"aaguid"`
		Product  string   `json:"product"`
		Added    string   `json:"added"`
		Lost     bool     `json:"lost"`
		Accounts []string `json:"accounts"`
		SlotID   string   `json:"slot_id"`
		Stamp    vecStamp `json:"stamp"`
		Deleted  bool     `json:"deleted"`
	}
	vecEvent struct {
		ID     string `json:"id"`
		At     string `json:"at"`
		Kind   string `json:"kind"`
		Detail string `json:"detail"`
	}
	vecSettings struct {
		ClipboardClear int64 `json:"clipboard_clear_ns"`
		AutoLock       int64 `json:"auto_lock_ns"`
	}
)

// The schema of keys.json: the intermediate values of the vector, hex.
type (
	vecKeys struct {
		VaultID      string    `json:"vault_id"`
		HeaderLength int       `json:"header_length"`
		PayloadNonce string    `json:"payload_nonce"`
		DEK          string    `json:"dek"`
		Payload      string    `json:"payload_plaintext"`
		Slots        []vecSlot `json:"slots"`
	}
	vecSlot struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Input   string `json:"kdf_input"` // the secret the KEK is derived from
		KEK     string `json:"kek"`
		SlotKey string `json:"slot_key"`
	}
)

var vecBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func vecTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func vecStampOf(s Stamp) vecStamp { return vecStamp(s) }

func vectorDataOf(d *Data, vaultID string, gen uint64) vecData {
	out := vecData{VaultID: vaultID, Generation: gen, DeviceID: d.DeviceID, Clock: vecStampOf(d.Clock),
		Settings: vecSettings{int64(d.Settings.ClipboardClear), int64(d.Settings.AutoLock)}}
	for _, a := range d.Accounts {
		out.Accounts = append(out.Accounts, vecAccount{ID: a.ID, Issuer: a.Issuer, Name: a.Name, Type: a.Type,
			Algorithm: a.Algorithm, Digits: int64(a.Digits), Period: int64(a.Period), Counter: a.Counter,
			Secret: vecBase32.EncodeToString(a.Secret), Tags: a.Tags, Notes: a.Notes, URL: a.URL, Pinned: a.Pinned,
			Created: vecTime(a.Created), Updated: vecTime(a.Updated), LastUsed: vecTime(a.LastUsed),
			UseCount: int64(a.UseCount), Deleted: a.Deleted, Stamp: vecStampOf(a.Stamp)})
	}
	for _, r := range d.Recovery {
		vr := vecRecovery{ID: r.ID, AccountID: r.AccountID, Stamp: vecStampOf(r.Stamp), Deleted: r.Deleted}
		for _, c := range r.Codes {
			vr.Codes = append(vr.Codes, vecCode{c.Code, vecTime(c.Added), vecTime(c.UsedAt)})
		}
		out.Recovery = append(out.Recovery, vr)
	}
	for _, k := range d.Keys {
		out.Keys = append(out.Keys, vecKey{ID: k.ID, Nickname: k.Nickname, AAGUID: k.AAGUID, Product: k.Product,
			Added: vecTime(k.Added), Lost: k.Lost, Accounts: k.Accounts, SlotID: k.SlotID,
			Stamp: vecStampOf(k.Stamp), Deleted: k.Deleted})
	}
	for _, e := range d.Audit {
		out.Audit = append(out.Audit, vecEvent{e.ID, vecTime(e.At), e.Kind, e.Detail})
	}
	return out
}

// vectorKeysOf records the intermediate values of the vector file raw.
func vectorKeysOf(t testing.TB, raw, dek []byte, creds []Credential) vecKeys {
	p, err := parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := p.openPayload(dek)
	if err != nil {
		t.Fatal(err)
	}
	vid := p.hdr.VaultID
	out := vecKeys{VaultID: vid, HeaderLength: len(p.ad) - prefixLen, PayloadNonce: hex.EncodeToString(p.nonce),
		DEK: hex.EncodeToString(dek), Payload: hex.EncodeToString(plain)}
	for _, c := range creds {
		for _, s := range p.hdr.Slots {
			if s.Type != c.SlotType() {
				continue
			}
			kek, err := withOptions(c, true).Derive(vid, &s)
			if err != nil {
				t.Fatal(err)
			}
			sk, err := unseal(kek, s.Wrapped, slotAD(vid, &s))
			if err != nil {
				t.Fatalf("%s slot: %v", s.Type, err)
			}
			out.Slots = append(out.Slots, vecSlot{ID: s.ID, Type: string(s.Type), Input: kdfInput(c),
				KEK: hex.EncodeToString(kek), SlotKey: hex.EncodeToString(sk)})
		}
	}
	return out
}

// kdfInput is the secret a credential derives its KEK from.
func kdfInput(c Credential) string {
	switch c := c.(type) {
	case Password:
		return hex.EncodeToString(c.Secret)
	case RecoveryKey:
		return hex.EncodeToString(c.Key)
	case vectorKeyring:
		return hex.EncodeToString(vectorKeyringSecret)
	case vectorFIDO2:
		return hex.EncodeToString(vectorHMACOutput)
	}
	return ""
}

// readVector reads the vector's password, recovery key, expected data and
// intermediate values.
func readVector(t testing.TB) (pw, rk string, want vecData, keys vecKeys) {
	t.Helper()
	pw = strings.TrimSuffix(string(readFile(t, vectorPwFile)), "\n")
	rk = strings.TrimSuffix(string(readFile(t, vectorRKFile)), "\n")
	if err := json.Unmarshal(readFile(t, vectorDataFile), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(readFile(t, vectorKeysFile), &keys); err != nil {
		t.Fatal(err)
	}
	return pw, rk, want, keys
}

// TestVectorOpens: this package opens the format 1 vector with each of its
// four slots' credentials (the keyring slot through the real Keyring) and
// finds the expected data and keys.
func TestVectorOpens(t *testing.T) {
	pw, rkText, want, keys := readVector(t)
	rk, err := ParseRecoveryKey([]byte(rkText))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Load(vectorFile, &Options{AllowWeakKDF: true})
	if err != nil {
		t.Fatal(err)
	}
	store := newMemStore()
	for _, s := range l.Slots() {
		store.Set(keyringAccount(l.VaultID(), s.ID), vectorKeyringSecret)
	}
	for _, c := range []Credential{Password{Secret: []byte(pw)}, RecoveryKey{Key: rk}, Keyring{Store: store}, vectorFIDO2{}} {
		v, err := l.Unlock(c)
		if err != nil {
			t.Fatalf("%s: %v", c.SlotType(), err)
		}
		got := vectorDataOf(v.Data(), l.VaultID(), v.Generation())
		// The device id is each device's own now (Options.DeviceID): the
		// vector's payload still holds the creator's, which readers ignore.
		got.DeviceID = want.DeviceID
		if g, w := jsonOf(t, got), jsonOf(t, want); !bytes.Equal(g, w) {
			t.Errorf("%s: data differs from %s:\n%s", c.SlotType(), vectorDataFile, g)
		}
		if hex.EncodeToString(v.dek) != keys.DEK {
			t.Errorf("%s: DEK %x, %s says %s", c.SlotType(), v.dek, vectorKeysFile, keys.DEK)
		}
		i := slices.IndexFunc(keys.Slots, func(s vecSlot) bool { return s.ID == v.Unlocked().SlotID })
		if i < 0 || hex.EncodeToString(v.keys[keys.Slots[i].ID]) != keys.Slots[i].SlotKey {
			t.Errorf("%s: slot key differs from %s", c.SlotType(), vectorKeysFile)
		}
		v.Close()
	}
}
