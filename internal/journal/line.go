package journal

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/otterauth/otter/vault"
)

// unlockKinds are the only kinds of event the journal holds: it records
// unlocks, nothing else may reach the audit log through it.
var unlockKinds = map[string]bool{"unlock": true, "unlock.failed": true}

// line is one line of the journal file: an event and its MAC.
type line struct {
	vault.AuditEvent
	MAC string `json:"mac"`
}

// mac is HMAC-SHA256 under the journal key of the canonical encoding of e
// for this journal's vault (see the package doc).
func (j *Journal) mac(e vault.AuditEvent) []byte {
	var b []byte
	for _, f := range []string{"otter journal v1", j.vaultID, e.ID} {
		b = appendString(b, f)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(e.At.Nanosecond()))
	b = appendString(appendString(b, e.Kind), e.Detail)
	m := hmac.New(sha256.New, j.key)
	m.Write(b)
	return m.Sum(nil)
}

func appendString(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...)
}

// encode returns the journal lines of events. The MAC covers each event
// as a reader will decode it (JSON coerces strings to valid UTF-8).
func (j *Journal) encode(events []vault.AuditEvent) ([]byte, error) {
	var buf bytes.Buffer
	for _, e := range events {
		if !unlockKinds[e.Kind] {
			return nil, fmt.Errorf("journal: %q is not an unlock event", e.Kind)
		}
		b, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		var seen vault.AuditEvent
		if err := json.Unmarshal(b, &seen); err != nil {
			return nil, err
		}
		if b, err = json.Marshal(line{seen, hex.EncodeToString(j.mac(seen))}); err != nil {
			return nil, err
		}
		buf.Write(append(b, '\n'))
	}
	return buf.Bytes(), nil
}

// decode returns the event of one journal line, false when the line does
// not parse, is not an unlock event or its MAC fails.
func (j *Journal) decode(b []byte) (vault.AuditEvent, bool) {
	var l line
	if json.Unmarshal(b, &l) != nil || !unlockKinds[l.Kind] {
		return vault.AuditEvent{}, false
	}
	got, err := hex.DecodeString(l.MAC)
	if err != nil || !hmac.Equal(got, j.mac(l.AuditEvent)) {
		return vault.AuditEvent{}, false
	}
	return l.AuditEvent, true
}
