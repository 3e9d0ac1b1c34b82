package fido

import (
	"bytes"
	"errors"
	"time"

	"github.com/otterauth/otter/fido/virtual"
)

// The I/O side of virtual keys: libfido2 calls the C callbacks of fido.c,
// which call the exported Go functions of virtio_cgo.go, which call these.
// libfido2 1.12 (src/io.c) writes tx_len+1 = 65 bytes per report, a
// leading report-ID 0 then the 64-byte HID report, and expects the read
// callback to fill and return exactly rx_len = 64 bytes, no report ID. Its
// read timeout is in ms, -1 meaning wait for ever.

const (
	reportLen    = 64
	ctapInit     = 0x86 // CTAPHID_INIT | 0x80
	ctapCBOR     = 0x90 // CTAPHID_CBOR | 0x80
	broadcastCID = 0xffffffff
)

// vOpen opens a handle on the virtual key at path; 0 means failure.
func vOpen(path string) uintptr {
	k := findKey(path)
	if k == nil || k.unplugged() {
		return 0
	}
	reg.Lock()
	defer reg.Unlock()
	if reg.handles == nil {
		reg.handles = map[uintptr]*vhandle{}
	}
	reg.next++
	h := &vhandle{k: k, in: make(chan []byte, 256), cids: map[[4]byte]bool{}}
	reg.handles[reg.next] = h
	k.mu.Lock()
	k.handles[reg.next] = h
	if !k.pumping {
		k.pumping = true
		go k.pump()
	}
	k.mu.Unlock()
	return reg.next
}

func handle(id uintptr) *vhandle {
	reg.Lock()
	defer reg.Unlock()
	return reg.handles[id]
}

// vClose closes a handle; reports still in flight for it are dropped.
func vClose(id uintptr) {
	reg.Lock()
	h := reg.handles[id]
	delete(reg.handles, id)
	reg.Unlock()
	if h != nil {
		h.k.mu.Lock()
		delete(h.k.handles, id)
		h.k.mu.Unlock()
	}
}

// vWrite forwards one report from libfido2 (with its report-ID byte) and
// returns the bytes consumed, or -1.
func vWrite(id uintptr, buf []byte) int {
	h := handle(id)
	if h == nil || len(buf) != reportLen+1 || buf[0] != 0 {
		return -1
	}
	report := bytes.Clone(buf[1:])
	k := h.k
	k.mu.Lock()
	h.track(report)
	unplug := false
	if report[4] == ctapCBOR && cid(report) != broadcastCID {
		k.requests++
		unplug = k.unplugAfter > 0 && k.requests == k.unplugAfter
	}
	k.mu.Unlock()
	if err := k.a.Write(report); err != nil {
		if errors.Is(err, virtual.ErrClosed) {
			k.markGone()
		}
		return -1
	}
	if unplug {
		k.a.Unplug()
		k.markGone()
	}
	return len(buf)
}

// track notes the channel of an outgoing report, or the nonce of an INIT
// on the broadcast channel, so that answers find their way back.
func (h *vhandle) track(report []byte) {
	var c [4]byte
	copy(c[:], report[:4])
	if cid(report) == broadcastCID && report[4] == ctapInit {
		h.nonce = bytes.Clone(report[7:15])
		return
	}
	h.cids[c] = true
}

// vRead waits up to ms (-1: for ever) for the handle's next report and
// copies it into buf; it returns the length, or -1 on timeout or removal.
func vRead(id uintptr, buf []byte, ms int) int {
	h := handle(id)
	if h == nil {
		return -1
	}
	var timeout <-chan time.Time
	if ms >= 0 {
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case r := <-h.in:
		return copy(buf, r)
	case <-h.k.gone:
		select { // a report that arrived before the key left still counts
		case r := <-h.in:
			return copy(buf, r)
		default:
			return -1
		}
	case <-timeout:
		return -1
	}
}

// pump reads every report of the key and hands it to its handle.
func (k *vkey) pump() {
	for {
		r, err := k.a.Read(-1)
		if errors.Is(err, virtual.ErrTimeout) {
			continue
		}
		if err != nil {
			k.markGone()
			return
		}
		if len(r) != reportLen {
			continue
		}
		k.dispatch(r)
	}
}

func (k *vkey) dispatch(r []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var c [4]byte
	copy(c[:], r[:4])
	for _, h := range k.handles {
		mine := h.cids[c]
		if cid(r) == broadcastCID && r[4] == ctapInit && h.nonce != nil && bytes.Equal(r[7:15], h.nonce) {
			mine = true
			var nc [4]byte
			copy(nc[:], r[15:19])
			h.cids[nc] = true
			h.nonce = nil
		}
		if mine {
			select {
			case h.in <- r:
			default: // libfido2 stopped listening; drop
			}
			return
		}
	}
}

func cid(r []byte) uint32 {
	return uint32(r[0])<<24 | uint32(r[1])<<16 | uint32(r[2])<<8 | uint32(r[3])
}

// markGone records that the key was unplugged, once.
func (k *vkey) markGone() {
	k.goneOnce.Do(func() { close(k.gone) })
}
