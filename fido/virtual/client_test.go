package virtual

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// This file is a small CTAPHID + CTAP2 client that drives an Authenticator
// only through its exported HID API, as libfido2 does.

var testEnc = func() cbor.EncMode {
	m, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

type testKey struct {
	t    *testing.T
	a    *Authenticator
	path string
	cid  uint32
}

// newKey opens a fresh authenticator and allocates a channel.
func newKey(t *testing.T) *testKey {
	t.Helper()
	return openKey(t, filepath.Join(t.TempDir(), "state.json"))
}

func openKey(t *testing.T, path string) *testKey {
	t.Helper()
	a, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	k := &testKey{t: t, a: a, path: path}
	k.cid = k.init()
	return k
}

// reopen simulates unplugging the key and plugging it in again.
func (k *testKey) reopen() *testKey {
	k.t.Helper()
	k.a.Close()
	return openKey(k.t, k.path)
}

// send frames a CTAPHID message into reports and writes them.
func (k *testKey) send(cid uint32, cmd byte, payload []byte) {
	k.t.Helper()
	pkt := make([]byte, 64)
	binary.BigEndian.PutUint32(pkt, cid)
	pkt[4] = cmd
	binary.BigEndian.PutUint16(pkt[5:], uint16(len(payload)))
	n := copy(pkt[7:], payload)
	k.write(pkt)
	for seq := byte(0); n < len(payload); seq++ {
		pkt = make([]byte, 64)
		binary.BigEndian.PutUint32(pkt, cid)
		pkt[4] = seq
		n += copy(pkt[5:], payload[n:])
		k.write(pkt)
	}
}

func (k *testKey) write(pkt []byte) {
	k.t.Helper()
	if err := k.a.Write(pkt); err != nil {
		k.t.Fatalf("Write: %v", err)
	}
}

func (k *testKey) readReport() []byte {
	k.t.Helper()
	r, err := k.a.Read(5 * time.Second)
	if err != nil {
		k.t.Fatalf("Read: %v", err)
	}
	if len(r) != 64 {
		k.t.Fatalf("report of %d bytes", len(r))
	}
	return r
}

// recv reads one message for cid, returning its command, payload and the
// statuses of the keepalives that came before it.
func (k *testKey) recv(cid uint32) (cmd byte, payload []byte, keepalives []byte) {
	k.t.Helper()
	for {
		r := k.readReport()
		if got := binary.BigEndian.Uint32(r); got != cid {
			k.t.Fatalf("report for channel %#x, want %#x", got, cid)
		}
		if r[4] == hidKeepalive {
			keepalives = append(keepalives, r[7])
			continue
		}
		if r[4]&0x80 == 0 {
			k.t.Fatalf("continuation packet first: % x", r[:8])
		}
		cmd = r[4]
		n := int(binary.BigEndian.Uint16(r[5:]))
		payload = append(payload, r[7:7+min(n, 57)]...)
		for seq := byte(0); len(payload) < n; seq++ {
			c := k.readReport()
			if c[4] != seq || binary.BigEndian.Uint32(c) != cid {
				k.t.Fatalf("continuation % x, want seq %d", c[:5], seq)
			}
			payload = append(payload, c[5:5+min(n-len(payload), 59)]...)
		}
		return cmd, payload, keepalives
	}
}

// init allocates a channel with CTAPHID_INIT on the broadcast channel.
func (k *testKey) init() uint32 {
	k.t.Helper()
	nonce := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	k.send(cidBroadcast, hidInit, nonce)
	cmd, resp, _ := k.recv(cidBroadcast)
	if cmd != hidInit || len(resp) != 17 || !bytes.Equal(resp[:8], nonce) {
		k.t.Fatalf("INIT response %#x % x", cmd, resp)
	}
	return binary.BigEndian.Uint32(resp[8:])
}

// expectError reads a CTAPHID_ERROR with the given code on cid.
func (k *testKey) expectError(cid uint32, code byte) {
	k.t.Helper()
	cmd, payload, _ := k.recv(cid)
	if cmd != hidError || len(payload) != 1 || payload[0] != code {
		k.t.Fatalf("got %#x % x, want ERROR %#x", cmd, payload, code)
	}
}

// expectQuiet checks that no report is waiting.
func (k *testKey) expectQuiet() {
	k.t.Helper()
	if r, err := k.a.Read(20 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		k.t.Fatalf("unexpected report % x (%v)", r, err)
	}
}

// request sends a CTAP2 command with CBOR parameters (nil: none).
func (k *testKey) request(cmd byte, req any) {
	k.t.Helper()
	msg := []byte{cmd}
	if req != nil {
		enc, err := testEnc.Marshal(req)
		if err != nil {
			k.t.Fatal(err)
		}
		msg = append(msg, enc...)
	}
	k.send(k.cid, hidCBOR, msg)
}

// response reads a CTAP2 response: its status and decoded map (if any).
func (k *testKey) response() (byte, map[int]cbor.RawMessage, []byte) {
	k.t.Helper()
	cmd, payload, keepalives := k.recv(k.cid)
	if cmd != hidCBOR || len(payload) == 0 {
		k.t.Fatalf("got %#x % x, want a CBOR response", cmd, payload)
	}
	var m map[int]cbor.RawMessage
	if len(payload) > 1 {
		checkCanonical(k.t, payload[1:])
		if err := cbor.Unmarshal(payload[1:], &m); err != nil {
			k.t.Fatalf("response is not a CBOR map: %v", err)
		}
	}
	return payload[0], m, keepalives
}

// call runs a CTAP2 command and returns its status and response map.
func (k *testKey) call(cmd byte, req any) (byte, map[int]cbor.RawMessage) {
	k.t.Helper()
	k.request(cmd, req)
	st, m, _ := k.response()
	return st, m
}

// mustCall runs a CTAP2 command that must succeed.
func (k *testKey) mustCall(cmd byte, req any) map[int]cbor.RawMessage {
	k.t.Helper()
	st, m := k.call(cmd, req)
	if st != 0 {
		k.t.Fatalf("command %#x: status %#x", cmd, st)
	}
	return m
}

// checkCanonical checks that a response is in CTAP2 canonical CBOR: decoding
// and re-encoding canonically gives the same bytes.
func checkCanonical(t *testing.T, b []byte) {
	t.Helper()
	var v any
	if err := cbor.Unmarshal(b, &v); err != nil {
		t.Fatalf("bad CBOR: %v", err)
	}
	again, err := testEnc.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Fatalf("response is not canonical CBOR:\n got % x\nwant % x", b, again)
	}
}

func decodeAs[T any](t *testing.T, raw cbor.RawMessage) T {
	t.Helper()
	var v T
	if err := cbor.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
	return v
}
