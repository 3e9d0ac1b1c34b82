package virtual

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// seedRequests are real CTAP2 requests (command byte + CBOR) for the fuzzers.
func seedRequests(t testing.TB) [][]byte {
	enc := func(cmd byte, v any) []byte {
		b, err := testEnc.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return append([]byte{cmd}, b...)
	}
	cose := map[int]any{1: 2, 3: -25, -1: 1, -2: make([]byte, 32), -3: make([]byte, 32)}
	return [][]byte{
		{cmdGetInfo},
		{cmdGetNextAssertion},
		{cmdReset},
		{cmdSelection},
		enc(cmdMakeCredential, mcOpts{rk: true, credProtect: 2, hmacSecret: true, exclude: [][]byte{make([]byte, idLen)}}.request()),
		enc(cmdGetAssertion, gaOpts{allow: [][]byte{make([]byte, idLen)}}.request()),
		enc(cmdGetAssertion, map[int]any{1: "example.com", 2: make([]byte, 32),
			4: map[string]any{"hmac-secret": map[int]any{1: cose, 2: make([]byte, 48), 3: make([]byte, 32), 4: 2}}}),
		enc(cmdClientPIN, map[int]any{1: 2, 2: 1}),
		enc(cmdClientPIN, map[int]any{1: 1, 2: 2}),
		enc(cmdClientPIN, map[int]any{1: 2, 2: 3, 3: cose, 4: make([]byte, 32), 5: make([]byte, 80)}),
		enc(cmdClientPIN, map[int]any{1: 2, 2: 9, 3: cose, 6: make([]byte, 32), 9: 3, 10: "example.com"}),
		enc(cmdCredMgmt, map[int]any{1: 1, 3: 2, 4: make([]byte, 32)}),
		enc(cmdCredMgmtPreview, map[int]any{1: 4, 2: map[int]any{1: make([]byte, 32)}, 3: 1, 4: make([]byte, 16)}),
	}
}

// frame splits a CTAPHID message into reports.
func frame(cid uint32, cmd byte, payload []byte) []byte {
	var out []byte
	pkt := make([]byte, 64)
	binary.BigEndian.PutUint32(pkt, cid)
	pkt[4] = cmd
	binary.BigEndian.PutUint16(pkt[5:], uint16(len(payload)))
	n := copy(pkt[7:], payload)
	out = append(out, pkt...)
	for seq := byte(0); n < len(payload); seq++ {
		pkt = make([]byte, 64)
		binary.BigEndian.PutUint32(pkt, cid)
		pkt[4] = seq
		n += copy(pkt[5:], payload[n:])
		out = append(out, pkt...)
	}
	return out
}

// FuzzCTAPHID writes random report sequences: they must never panic, and
// every report read back must be 64 bytes.
func FuzzCTAPHID(f *testing.F) {
	init := frame(cidBroadcast, hidInit, []byte("12345678"))
	f.Add(init)
	for _, req := range seedRequests(f) {
		f.Add(append(bytes.Clone(init), frame(1, hidCBOR, req)...)) // channel 1 is allocated first
	}
	f.Add(append(bytes.Clone(init), frame(1, hidPing, make([]byte, 300))...))
	f.Add(append(bytes.Clone(init), frame(1, hidCancel, nil)...))
	dir := f.TempDir()
	path := filepath.Join(dir, "state.json")
	a, err := Open(path) // a state file to start each run from, without fsync
	if err != nil {
		f.Fatal(err)
	}
	a.Close()
	fresh, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, fresh, 0o600); err != nil {
			t.Fatal(err)
		}
		a, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		a.dev.noSync = true
		a.msgTimeout = 5 * time.Millisecond
		a.SetPresenceTimeout(5 * time.Millisecond)
		a.SetPresence(Presence(len(data) % 3))
		for len(data) > 0 {
			n := min(len(data), 64)
			if err := a.Write(data[:n]); err != nil {
				t.Fatalf("Write: %v", err)
			}
			data = data[n:]
			drain(t, a, 0)
		}
	})
}

func drain(t *testing.T, a *Authenticator, wait time.Duration) {
	for {
		r, err := a.Read(wait)
		if errors.Is(err, ErrTimeout) {
			return
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if len(r) != 64 {
			t.Fatalf("report of %d bytes", len(r))
		}
	}
}

// FuzzCBORRequest runs random command bodies: they must never panic and
// always answer with a status byte (followed, on success only, by CBOR).
func FuzzCBORRequest(f *testing.F) {
	for _, req := range seedRequests(f) {
		f.Add(req)
	}
	var mu sync.Mutex
	var a *Authenticator
	f.Cleanup(func() {
		if a != nil {
			a.Close()
		}
	})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, req []byte) {
		mu.Lock()
		defer mu.Unlock()
		if a == nil {
			var err error
			if a, err = Open(filepath.Join(dir, "state.json")); err != nil {
				t.Fatal(err)
			}
			a.dev.noSync = true
		}
		resp := a.handleCBOR(&pending{cancel: make(chan struct{})}, req)
		if len(resp) == 0 {
			t.Fatal("no status byte")
		}
		if resp[0] != 0 && len(resp) != 1 {
			t.Fatalf("status %#x with %d bytes of data", resp[0], len(resp)-1)
		}
		if resp[0] == 0 && len(resp) > 1 {
			checkCanonical(t, resp[1:])
		}
	})
}
