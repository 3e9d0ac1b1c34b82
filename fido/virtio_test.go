package fido

import (
	"bytes"
	"testing"
)

func report(cid uint32, cmd byte, data ...byte) []byte {
	r := make([]byte, reportLen)
	r[0], r[1], r[2], r[3] = byte(cid>>24), byte(cid>>16), byte(cid>>8), byte(cid)
	r[4] = cmd
	copy(r[7:], data)
	return r
}

// The demultiplexer hands each report to the handle whose channel it is
// on, as per-file hidraw queues do, so that a late answer to a closed
// handle cannot derail the next one.
func TestDispatchRoutesByChannel(t *testing.T) {
	k := &vkey{handles: map[uintptr]*vhandle{}}
	h1 := &vhandle{k: k, in: make(chan []byte, 8), cids: map[[4]byte]bool{}}
	h2 := &vhandle{k: k, in: make(chan []byte, 8), cids: map[[4]byte]bool{}}
	k.handles[1], k.handles[2] = h1, h2
	nonce := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	h2.track(report(broadcastCID, ctapInit, nonce...))
	h1.track(report(7, ctapCBOR))

	k.dispatch(report(broadcastCID, ctapInit, append(nonce, 0, 0, 0, 9)...)) // INIT answer: channel 9 for h2
	k.dispatch(report(7, 0xbb))                                              // keepalive on h1's channel
	k.dispatch(report(9, ctapCBOR))                                          // answer on h2's new channel
	k.dispatch(report(5, ctapCBOR))                                          // a closed handle's channel: dropped

	if len(h1.in) != 1 || len(h2.in) != 2 {
		t.Fatalf("h1 got %d reports, h2 %d; want 1 and 2", len(h1.in), len(h2.in))
	}
	if r := <-h2.in; !bytes.Equal(r[7:15], nonce) {
		t.Errorf("h2's first report is not its INIT answer: % x", r[:16])
	}
	if r := <-h2.in; cid(r) != 9 {
		t.Errorf("h2's second report is on channel %d, want 9", cid(r))
	}
}

func TestVWriteWantsReportID(t *testing.T) {
	if n := vWrite(12345, make([]byte, 65)); n != -1 {
		t.Errorf("write to an unknown handle = %d, want -1", n)
	}
	if n := vRead(12345, make([]byte, 64), 0); n != -1 {
		t.Errorf("read from an unknown handle = %d, want -1", n)
	}
}
