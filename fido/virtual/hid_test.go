package virtual

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

func TestInitAllocatesChannels(t *testing.T) {
	k := newKey(t)
	nonce := []byte("abcdefgh")
	k.send(cidBroadcast, hidInit, nonce)
	cmd, resp, _ := k.recv(cidBroadcast)
	if cmd != hidInit || len(resp) != 17 || !bytes.Equal(resp[:8], nonce) {
		t.Fatalf("INIT response %#x % x", cmd, resp)
	}
	second := binary.BigEndian.Uint32(resp[8:])
	if second == k.cid || second == 0 || second == cidBroadcast {
		t.Fatalf("channel %#x after %#x", second, k.cid)
	}
	if resp[12] != 2 {
		t.Errorf("CTAPHID protocol version %d, want 2", resp[12])
	}
	if caps := resp[16]; caps&capCBOR == 0 || caps&capWink == 0 || caps&capNMSG == 0 {
		t.Errorf("capabilities %#x, want CBOR, WINK and NMSG", caps)
	}
	// INIT on an allocated channel resynchronises it and keeps its CID.
	k.send(second, hidInit, nonce)
	_, resp, _ = k.recv(second)
	if got := binary.BigEndian.Uint32(resp[8:]); got != second {
		t.Errorf("resync gave channel %#x, want %#x", got, second)
	}
}

func TestPingLongestMessage(t *testing.T) {
	k := newKey(t)
	msg := make([]byte, maxMsgLen)
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	k.send(k.cid, hidPing, msg)
	cmd, echo, _ := k.recv(k.cid)
	if cmd != hidPing || !bytes.Equal(echo, msg) {
		t.Fatalf("PING of %d bytes came back as %#x with %d bytes", len(msg), cmd, len(echo))
	}
	pkt := make([]byte, 64)
	binary.BigEndian.PutUint32(pkt, k.cid)
	pkt[4] = hidPing
	binary.BigEndian.PutUint16(pkt[5:], maxMsgLen+1)
	k.write(pkt)
	k.expectError(k.cid, errInvalidLen)
}

func TestFramingErrors(t *testing.T) {
	k := newKey(t)
	other := k.init()
	start := func(cid uint32) {
		pkt := make([]byte, 64)
		binary.BigEndian.PutUint32(pkt, cid)
		pkt[4], pkt[5], pkt[6] = hidPing, 0, 100
		k.write(pkt)
	}
	cont := func(cid uint32, seq byte) {
		pkt := make([]byte, 64)
		binary.BigEndian.PutUint32(pkt, cid)
		pkt[4] = seq
		k.write(pkt)
	}

	start(k.cid)
	cont(k.cid, 1)
	k.expectError(k.cid, errInvalidSeq)

	start(k.cid)
	k.send(other, hidPing, []byte("x"))
	k.expectError(other, errChannelBusy)
	cont(other, 0) // spurious: ignored
	cont(k.cid, 0)
	if cmd, echo, _ := k.recv(k.cid); cmd != hidPing || len(echo) != 100 {
		t.Fatalf("PING after busy: %#x, %d bytes", cmd, len(echo))
	}

	start(k.cid)
	k.send(k.cid, hidPing, []byte("x")) // new request before the old one ended
	k.expectError(k.cid, errInvalidSeq)

	k.a.msgTimeout = 50 * time.Millisecond // read only by Write, on this goroutine
	start(k.cid)
	k.expectError(k.cid, errMsgTimeout)

	k.send(cidBroadcast, hidPing, []byte("x"))
	k.expectError(cidBroadcast, errInvalidChannel)
	k.send(0x12345678, hidPing, []byte("x"))
	k.expectError(0x12345678, errInvalidChannel)
	k.send(k.cid, hidInit, []byte("short"))
	k.expectError(k.cid, errInvalidLen)
	k.send(k.cid, hidMsg, []byte{0, 3, 0, 0, 0, 0, 0})
	k.expectError(k.cid, errInvalidCmd)
	k.send(k.cid, hidWink, nil)
	if cmd, _, _ := k.recv(k.cid); cmd != hidWink {
		t.Fatalf("WINK answered with %#x", cmd)
	}
	k.expectQuiet()
}

func TestWriteRejectsLongReports(t *testing.T) {
	k := newKey(t)
	if err := k.a.Write(make([]byte, 65)); err == nil {
		t.Fatal("a 65-byte report was accepted")
	}
	if _, err := k.a.Read(10 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Read on an idle key: %v, want ErrTimeout", err)
	}
}

func TestPresence(t *testing.T) {
	tests := []struct {
		name     string
		presence Presence
		want     byte
		minKeep  int
	}{
		{"approve", Approve, 0, 1},
		{"deny", Deny, byte(errOperationDenied), 1},
		{"timeout", TimeOut, byte(errUserActionTimeout), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKey(t)
			k.a.SetPresence(tt.presence)
			k.a.SetPresenceTimeout(350 * time.Millisecond)
			start := time.Now()
			k.request(cmdMakeCredential, mcOpts{}.request())
			st, _, keepalives := k.response()
			if st != tt.want {
				t.Fatalf("status %#x, want %#x", st, tt.want)
			}
			if len(keepalives) < tt.minKeep || bytes.Count(keepalives, []byte{keepaliveUPNeeded}) != len(keepalives) {
				t.Fatalf("keepalives % x, want at least %d UPNEEDED", keepalives, tt.minKeep)
			}
			if tt.presence == TimeOut && time.Since(start) < 300*time.Millisecond {
				t.Fatalf("timed out after %v", time.Since(start))
			}
		})
	}
}

func TestTouchLater(t *testing.T) {
	k := newKey(t)
	k.a.SetPresence(TimeOut)
	k.request(cmdSelection, nil)
	k.waitKeepalive()
	k.a.SetPresence(Approve)
	if st, _, _ := k.response(); st != 0 {
		t.Fatalf("selection after a late touch: status %#x", st)
	}
}

// waitKeepalive waits for the first UPNEEDED keepalive of a pending request.
func (k *testKey) waitKeepalive() {
	k.t.Helper()
	r := k.readReport()
	if r[4] != hidKeepalive || r[7] != keepaliveUPNeeded {
		k.t.Fatalf("got % x, want KEEPALIVE UPNEEDED", r[:8])
	}
}

func TestCancelDuringPresence(t *testing.T) {
	k := newKey(t)
	k.a.SetPresence(TimeOut)
	k.request(cmdGetAssertion, gaOpts{}.request())
	k.expectErrorStatus(errNoCredentials) // no presence needed to say so
	k.request(cmdMakeCredential, mcOpts{}.request())
	k.waitKeepalive()
	other := k.init()
	k.send(other, hidPing, []byte("x"))
	k.expectError(other, errChannelBusy)
	k.send(k.cid, hidCancel, nil)
	if st, _, _ := k.response(); st != byte(errKeepaliveCancel) {
		t.Fatalf("status %#x after CANCEL, want KEEPALIVE_CANCEL", st)
	}
	k.a.SetPresence(Approve)
	k.mustMakeCred(mcOpts{})
}

func (k *testKey) expectErrorStatus(want status) {
	k.t.Helper()
	if st, _, _ := k.response(); st != byte(want) {
		k.t.Fatalf("status %#x, want %#x", st, byte(want))
	}
}

func TestResyncAbortsRequest(t *testing.T) {
	k := newKey(t)
	k.a.SetPresence(TimeOut)
	k.request(cmdSelection, nil)
	k.waitKeepalive()
	k.send(k.cid, hidInit, []byte("12345678"))
	if cmd, _, _ := k.recv(k.cid); cmd != hidInit {
		t.Fatalf("resync answered %#x", cmd)
	}
	k.a.SetPresence(Approve)
	k.mustCall(cmdGetInfo, nil) // the aborted request no longer holds the key
}

func TestUnplugDuringOperation(t *testing.T) {
	k := newKey(t)
	k.a.SetPresence(TimeOut)
	k.request(cmdMakeCredential, mcOpts{}.request())
	k.waitKeepalive()
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := k.a.Read(-1); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	k.a.Unplug()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("pending Read after Unplug: %v, want ErrClosed", err)
	}
	if err := k.a.Write(make([]byte, 64)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Unplug: %v, want ErrClosed", err)
	}
	if _, err := k.a.Read(0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Read after Unplug: %v, want ErrClosed", err)
	}
	if err := k.a.Close(); err != nil {
		t.Fatalf("Close after Unplug: %v", err)
	}
}
