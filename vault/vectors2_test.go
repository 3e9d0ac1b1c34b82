package vault

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	"filippo.io/age"
)

var updateVectors2 = flag.Bool("update-vectors-v2", false, "regenerate testdata/vectors-v2")

// The format 2 test vectors of docs/vault-format.md, in testdata/vectors-v2:
// a format 2 vault with one slot of every type (the age slot's identity is
// committed), and the format 1 vector of testdata/vectors migrated by one
// write (legacy slots). TestWriteVectorsV2 regenerates them; TestVectorV2Opens
// and the reader of spec_test.go check them.
const (
	vector2Dir           = "testdata/vectors-v2"
	vector2File          = vector2Dir + "/vault.otter"
	vector2PwFile        = vector2Dir + "/password.txt"
	vector2RKFile        = vector2Dir + "/recovery-key.txt"
	vector2AgeFile       = vector2Dir + "/age-identity.txt"
	vector2DataFile      = vector2Dir + "/expected.json"
	vector2KeysFile      = vector2Dir + "/keys.json"
	vector2MigFile       = vector2Dir + "/migrated.otter"
	vector2MigDataFile   = vector2Dir + "/migrated-expected.json"
	vector2MigKeysFile   = vector2Dir + "/migrated-keys.json"
	vector2Seed          = "otter vault format 2 test vector"
	vector2MigSeed       = "otter vault format 1 migrated 2 "
	vector2CryptoSeed    = 2  // testing/cryptotest seed of the v2 vault
	vector2MigCryptoSeed = 21 // and of the migration
	// vector2Password differs from the format 1 vector's password.
	vector2Password    = "tr0ub4dor & 3 — Ångström"
	vector2RecoveryKey = "X2Q4-9MKT-7HVA-3RWN-0CPD-5EYG-JZ8B-6FS1"
)

// The schema of keys.json and migrated-keys.json in vectors-v2: the
// intermediate values, in hex (the identity in its text form).
type (
	vec2Keys struct {
		VaultID      string     `json:"vault_id"`
		Version      int        `json:"version"`
		HeaderLength int        `json:"header_length"`
		PayloadNonce string     `json:"payload_nonce"`
		DEK          string     `json:"dek"`
		Payload      string     `json:"payload_plaintext"`
		Slots        []vec2Slot `json:"slots"`
	}
	vec2Slot struct {
		ID        string `json:"id"`
		Type      string `json:"type"`
		Input     string `json:"kdf_input,omitempty"` // the secret the KEK is derived from
		KEK       string `json:"kek,omitempty"`       // not for an age slot
		Legacy    bool   `json:"legacy,omitempty"`
		SlotKey   string `json:"slot_key,omitempty"` // a legacy slot's format 1 slot key
		Identity  string `json:"identity"`
		Recipient string `json:"recipient"`
		FileKey   string `json:"file_key"`
		K         string `json:"k"`
	}
)

func vector2Options(seed string) *Options {
	var s [32]byte
	copy(s[:], seed)
	return &Options{Now: func() time.Time { return vectorNow }, Rand: mrand.NewChaCha8(s),
		AllowWeakKDF: true, DeviceID: vecID("device 1")}
}

func vector2Credentials(t testing.TB) []Credential {
	key, err := ParseRecoveryKey([]byte(vector2RecoveryKey))
	if err != nil {
		t.Fatal(err)
	}
	return []Credential{Password{Secret: []byte(vector2Password), KDF: vectorKDF},
		RecoveryKey{Key: key}, vectorKeyring{}, vectorFIDO2{}}
}

// TestWriteVectorsV2 regenerates testdata/vectors-v2:
//
//	go test ./vault -run TestWriteVectorsV2 -args -update-vectors-v2
//
// age draws its identities and ephemeral keys from crypto/rand, which
// testing/cryptotest makes deterministic; Go does not promise that stream
// stays the same across releases, so the files may differ when regenerated.
func TestWriteVectorsV2(t *testing.T) {
	if !*updateVectors2 {
		t.Skip("run with -args -update-vectors-v2 to regenerate " + vector2Dir)
	}
	cryptotest.SetGlobalRandom(t, vector2CryptoSeed)
	ageID, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vault.otter")
	creds := vector2Credentials(t)
	v, err := Create(path, vector2Options(vector2Seed), creds[:3]...)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	fido2, err := v.AddSlot(creds[3], "blue key")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddSlot(AgeRecipient{Recipient: ageID.Recipient().String()}, "laptop"); err != nil {
		t.Fatal(err)
	}
	if err := v.Update(func(d *Data) error { fillVectorData(d, fido2.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	raw := readFile(t, path)
	writeFile(t, vector2File, raw)
	writeFile(t, vector2PwFile, []byte(vector2Password+"\n"))
	writeFile(t, vector2RKFile, []byte(vector2RecoveryKey+"\n"))
	writeFile(t, vector2AgeFile, []byte(ageID.String()+"\n"))
	want := vectorDataOf(v.Data(), v.VaultID(), v.Generation())
	want.DeviceID = "" // a format 2 writer omits it
	writeFile(t, vector2DataFile, jsonOf(t, want))
	writeFile(t, vector2KeysFile, jsonOf(t, vector2KeysOf(t, raw, v.dek, append(creds, AgeIdentities{[]age.Identity{ageID}}))))
	writeMigratedVector(t)
}

// writeMigratedVector writes the format 1 vector after one write, unlocked
// with its password: the password slot is format 2, the others legacy.
func writeMigratedVector(t *testing.T) {
	cryptotest.SetGlobalRandom(t, vector2MigCryptoSeed)
	path := filepath.Join(t.TempDir(), "vault.otter")
	writeFile(t, path, readFile(t, vectorFile))
	l, err := Load(path, vector2Options(vector2MigSeed))
	if err != nil {
		t.Fatal(err)
	}
	creds := vectorCredentials(t)
	v, err := l.Unlock(creds[0])
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Update(func(*Data) error { return nil }); err != nil {
		t.Fatal(err)
	}
	raw := readFile(t, path)
	writeFile(t, vector2MigFile, raw)
	want := vectorDataOf(v.Data(), v.VaultID(), v.Generation())
	want.DeviceID = "" // a format 2 writer omits the creator's
	writeFile(t, vector2MigDataFile, jsonOf(t, want))
	writeFile(t, vector2MigKeysFile, jsonOf(t, vector2KeysOf(t, raw, v.dek, creds)))
}

// vector2KeysOf records the intermediate values of the format 2 file raw.
func vector2KeysOf(t testing.TB, raw, dek []byte, creds []Credential) vec2Keys {
	p, err := parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := p.openPayload(dek)
	if err != nil {
		t.Fatal(err)
	}
	out := vec2Keys{VaultID: p.hdr.VaultID, Version: int(p.hdr.Version), HeaderLength: len(p.ad) - prefixLen,
		PayloadNonce: hex.EncodeToString(p.nonce), DEK: hex.EncodeToString(dek), Payload: hex.EncodeToString(plain)}
	for _, c := range creds {
		for _, s := range p.hdr.Slots {
			if s.Type == c.SlotType() {
				out.Slots = append(out.Slots, vector2Slot(t, p.hdr.VaultID, &s, c, dek))
			}
		}
	}
	return out
}

// vector2Slot opens s with c step by step.
func vector2Slot(t testing.TB, vid string, s *Slot, c Credential, dek []byte) vec2Slot {
	out := vec2Slot{ID: s.ID, Type: string(s.Type), Recipient: s.Recipient, Input: kdfInput(c)}
	var id []byte
	if ai, ok := c.(AgeIdentities); ok {
		id = []byte(ai.Identities[0].(*age.X25519Identity).String())
	} else {
		kek, err := withOptions(c, true).Derive(vid, s)
		if err != nil {
			t.Fatal(err)
		}
		out.KEK = hex.EncodeToString(kek)
		if len(s.Legacy) == 0 {
			id, err = unseal(kek, s.Wrapped, identityAD(vid, s))
		} else {
			var sk []byte
			if sk, err = unseal(kek, s.Wrapped, slotAD(vid, s)); err == nil {
				out.Legacy, out.SlotKey = true, hex.EncodeToString(sk)
				id, err = unseal(sk, s.Legacy, legacyAD(vid, s))
			}
		}
		if err != nil {
			t.Fatalf("%s slot: %v", s.Type, err)
		}
	}
	out.Identity = string(id)
	x, err := parseIdentity(id)
	if err != nil {
		t.Fatal(err)
	}
	fileKey, err := x.Unwrap([]*age.Stanza{{Type: s.Stanza.Type, Args: s.Stanza.Args, Body: s.Stanza.Body}})
	if err != nil {
		t.Fatalf("%s slot: %v", s.Type, err)
	}
	k, err := hkdfKey(fileKey, nil, dekInfo(vid, s))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := unseal(k, s.WrappedDEK, []byte(dekInfo(vid, s))); err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("%s slot: the data key does not unwrap (%v)", s.Type, err)
	}
	out.FileKey, out.K = hex.EncodeToString(fileKey), hex.EncodeToString(k)
	return out
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func readLine(t testing.TB, path string) string {
	t.Helper()
	return strings.TrimSuffix(string(readFile(t, path)), "\n")
}

// TestVectorV2Opens: this package opens the format 2 vector with every
// slot's credential (the keyring slot through the real Keyring, the age
// slot with the committed identity), and the migrated format 1 vector with
// the format 1 credentials (its legacy slots through their slot keys), and
// finds the expected data and data key.
func TestVectorV2Opens(t *testing.T) {
	rk, err := ParseRecoveryKey([]byte(readLine(t, vector2RKFile)))
	if err != nil {
		t.Fatal(err)
	}
	ageID, err := age.ParseX25519Identity(readLine(t, vector2AgeFile))
	if err != nil {
		t.Fatal(err)
	}
	vectorV2Opens(t, vector2File, vector2DataFile, vector2KeysFile, Password{Secret: []byte(readLine(t, vector2PwFile))},
		RecoveryKey{Key: rk}, nil, vectorFIDO2{}, AgeIdentities{[]age.Identity{ageID}})
	rk1, err := ParseRecoveryKey([]byte(readLine(t, vectorRKFile)))
	if err != nil {
		t.Fatal(err)
	}
	vectorV2Opens(t, vector2MigFile, vector2MigDataFile, vector2MigKeysFile, Password{Secret: []byte(readLine(t, vectorPwFile))},
		RecoveryKey{Key: rk1}, nil, vectorFIDO2{})
}

// vectorV2Opens opens the vault at path with every credential; a nil one
// stands for the real Keyring holding the vector's secret.
func vectorV2Opens(t *testing.T, path, dataFile, keysFile string, creds ...Credential) {
	var want vecData
	var keys vec2Keys
	readJSON(t, dataFile, &want)
	readJSON(t, keysFile, &keys)
	l, err := Load(path, &Options{AllowWeakKDF: true})
	if err != nil {
		t.Fatal(err)
	}
	store := newMemStore()
	for _, s := range l.Slots() {
		store.Set(keyringAccount(l.VaultID(), s.ID), vectorKeyringSecret)
	}
	for _, c := range creds {
		if c == nil {
			c = Keyring{Store: store}
		}
		v, err := l.Unlock(c)
		if err != nil {
			t.Fatalf("%s: %s: %v", path, c.SlotType(), err)
		}
		got := vectorDataOf(v.Data(), l.VaultID(), v.Generation())
		got.DeviceID = ""
		if g, w := jsonOf(t, got), jsonOf(t, want); !bytes.Equal(g, w) {
			t.Errorf("%s: %s: data differs from %s:\n%s", path, c.SlotType(), dataFile, g)
		}
		if hex.EncodeToString(v.dek) != keys.DEK {
			t.Errorf("%s: %s: DEK %x, %s says %s", path, c.SlotType(), v.dek, keysFile, keys.DEK)
		}
		i := slices.IndexFunc(keys.Slots, func(s vec2Slot) bool { return s.ID == v.Unlocked().SlotID })
		if i < 0 || string(v.keys[keys.Slots[i].ID]) != keys.Slots[i].Identity {
			t.Errorf("%s: %s: identity differs from %s", path, c.SlotType(), keysFile)
		}
		v.Close()
	}
}
