package virtual

import (
	"encoding/binary"
	"fmt"
	"time"
)

// CTAPHID framing (CTAP 2.1 §11.2.4): an initialization packet is
// CID(4) CMD|0x80(1) BCNTH(1) BCNTL(1) DATA(57), a continuation packet is
// CID(4) SEQ(1) DATA(59) with SEQ counting 0..127.
const (
	reportLen    = 64
	initDataLen  = reportLen - 7
	contDataLen  = reportLen - 5
	maxMsgLen    = initDataLen + 128*contDataLen // 7609
	cidBroadcast = 0xffffffff
	maxQueued    = 4096 // input reports kept for a host that does not read

	hidPing      = 0x81
	hidMsg       = 0x83
	hidLock      = 0x84
	hidInit      = 0x86
	hidWink      = 0x88
	hidCBOR      = 0x90
	hidCancel    = 0x91
	hidKeepalive = 0xbb
	hidError     = 0xbf

	errInvalidCmd     = 0x01
	errInvalidLen     = 0x03
	errInvalidSeq     = 0x04
	errMsgTimeout     = 0x05
	errChannelBusy    = 0x06
	errInvalidChannel = 0x0b

	keepaliveProcessing = 1
	keepaliveUPNeeded   = 2

	capWink = 0x01
	capCBOR = 0x04
	capNMSG = 0x08 // no CTAPHID_MSG (U2F) support
)

// assembly is a request whose continuation packets are still coming.
type assembly struct {
	cid   uint32
	cmd   byte
	want  int
	buf   []byte
	seq   byte
	timer *time.Timer
}

// pending is the CBOR request being processed by a worker goroutine.
type pending struct {
	cid       uint32
	cancel    chan struct{} // closed by CTAPHID_CANCEL, resync or unplug
	cancelled bool
	aborted   bool // resync or unplug: no response is sent
}

func (p *pending) abort() {
	p.aborted = true
	p.stop()
}

func (p *pending) stop() {
	if !p.cancelled {
		p.cancelled = true
		close(p.cancel)
	}
}

// Write accepts one HID output report: 64 bytes without the report-ID byte
// (a shorter report is zero-padded, as HID does). It returns ErrClosed after
// Close or Unplug.
func (a *Authenticator) Write(report []byte) error {
	if len(report) > reportLen {
		return fmt.Errorf("virtual: report of %d bytes, want at most %d", len(report), reportLen)
	}
	var pkt [reportLen]byte
	copy(pkt[:], report)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	cid := binary.BigEndian.Uint32(pkt[:4])
	if pkt[4]&0x80 != 0 {
		a.initPacketLocked(cid, pkt[4], int(pkt[5])<<8|int(pkt[6]), pkt[7:])
	} else {
		a.contPacketLocked(cid, pkt[4], pkt[5:])
	}
	return nil
}

// Read returns the next 64-byte input report, waiting up to timeout
// (timeout < 0: for ever). It returns ErrTimeout when nothing came and
// ErrClosed after Close or Unplug.
func (a *Authenticator) Read(timeout time.Duration) ([]byte, error) {
	var expired <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	for {
		a.mu.Lock()
		if a.closed {
			a.mu.Unlock()
			return nil, ErrClosed
		}
		if len(a.out) > 0 {
			r := a.out[0]
			a.out[0] = nil
			a.out = a.out[1:]
			a.mu.Unlock()
			return r, nil
		}
		signal := a.signal
		a.mu.Unlock()
		select {
		case <-signal:
		case <-expired:
			return nil, ErrTimeout
		}
	}
}

func (a *Authenticator) initPacketLocked(cid uint32, cmd byte, bcnt int, data []byte) {
	switch {
	case cid == 0:
		a.sendErrorLocked(cid, errInvalidChannel)
	case cmd == hidInit:
		a.initCmdLocked(cid, bcnt, data)
	case cid == cidBroadcast || !a.channels[cid]:
		a.sendErrorLocked(cid, errInvalidChannel)
	case cmd == hidCancel:
		if a.busy != nil && a.busy.cid == cid {
			a.busy.stop()
		}
	case a.rx != nil && a.rx.cid == cid:
		a.dropAssemblyLocked()
		a.sendErrorLocked(cid, errInvalidSeq)
	case a.rx != nil || a.busy != nil:
		a.sendErrorLocked(cid, errChannelBusy)
	case bcnt > maxMsgLen:
		a.sendErrorLocked(cid, errInvalidLen)
	case bcnt <= initDataLen:
		a.dropQueuedLocked(func(c uint32) bool { return c == cid })
		a.dispatchLocked(cid, cmd, append([]byte(nil), data[:bcnt]...))
	default:
		a.dropQueuedLocked(func(c uint32) bool { return c == cid })
		rx := &assembly{cid: cid, cmd: cmd, want: bcnt, buf: append(make([]byte, 0, bcnt), data...)}
		rx.timer = time.AfterFunc(a.msgTimeout, func() { a.assemblyTimedOut(rx) })
		a.rx = rx
	}
}

func (a *Authenticator) contPacketLocked(cid uint32, seq byte, data []byte) {
	rx := a.rx
	if rx == nil || rx.cid != cid {
		return // spurious continuation packets are ignored
	}
	if seq != rx.seq {
		a.dropAssemblyLocked()
		a.sendErrorLocked(cid, errInvalidSeq)
		return
	}
	rx.seq++
	rx.buf = append(rx.buf, data[:min(len(data), rx.want-len(rx.buf))]...)
	if len(rx.buf) == rx.want {
		a.dropAssemblyLocked()
		a.dispatchLocked(cid, rx.cmd, rx.buf)
	}
}

func (a *Authenticator) dropAssemblyLocked() {
	if a.rx != nil {
		a.rx.timer.Stop()
		a.rx = nil
	}
}

func (a *Authenticator) assemblyTimedOut(rx *assembly) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rx == rx && !a.closed {
		a.rx = nil
		a.sendErrorLocked(rx.cid, errMsgTimeout)
	}
}

// initCmdLocked handles CTAPHID_INIT: on the broadcast channel it allocates
// a channel, on an allocated one it resynchronises (aborting its request).
func (a *Authenticator) initCmdLocked(cid uint32, bcnt int, data []byte) {
	if bcnt != 8 {
		a.sendErrorLocked(cid, errInvalidLen)
		return
	}
	newCID := cid
	if cid == cidBroadcast {
		newCID = a.allocateLocked()
		// A new host session starts: replies nobody waits for any more
		// would only confuse it.
		a.dropQueuedLocked(func(c uint32) bool { return a.busy == nil || c != a.busy.cid })
	} else {
		if !a.channels[cid] {
			a.sendErrorLocked(cid, errInvalidChannel)
			return
		}
		if a.rx != nil && a.rx.cid == cid {
			a.dropAssemblyLocked()
		}
		if a.busy != nil && a.busy.cid == cid {
			a.busy.abort()
			a.busy = nil // its worker ends at once; the next one waits for it
		}
		a.dropQueuedLocked(func(c uint32) bool { return c == cid })
	}
	resp := make([]byte, 17)
	copy(resp, data[:8])
	binary.BigEndian.PutUint32(resp[8:], newCID)
	resp[12] = 2 // CTAPHID protocol version
	resp[13], resp[14], resp[15] = 1, 0, 0
	resp[16] = capWink | capCBOR | capNMSG
	a.sendLocked(cid, hidInit, resp)
}

func (a *Authenticator) allocateLocked() uint32 {
	for a.nextCID == 0 || a.nextCID == cidBroadcast || a.channels[a.nextCID] {
		a.nextCID++
	}
	cid := a.nextCID
	a.nextCID++
	a.channels[cid] = true
	return cid
}

// dispatchLocked runs a complete request.
func (a *Authenticator) dispatchLocked(cid uint32, cmd byte, payload []byte) {
	switch cmd {
	case hidPing:
		a.sendLocked(cid, hidPing, payload)
	case hidWink:
		a.sendLocked(cid, hidWink, nil)
	case hidCBOR:
		if len(payload) == 0 {
			a.sendErrorLocked(cid, errInvalidLen)
			return
		}
		p := &pending{cid: cid, cancel: make(chan struct{})}
		a.busy = p
		a.workers.Add(1)
		go a.runCBOR(p, payload)
	default: // MSG (U2F), LOCK and anything else
		a.sendErrorLocked(cid, errInvalidCmd)
	}
}

func (a *Authenticator) runCBOR(p *pending, req []byte) {
	defer a.workers.Done()
	a.work.Lock()
	resp := a.handleCBOR(p, req)
	a.work.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.busy == p {
		a.busy = nil
	}
	if !a.closed && !p.aborted {
		a.sendLocked(p.cid, hidCBOR, resp)
	}
}

// keepalive sends CTAPHID_KEEPALIVE for the request p unless it was aborted.
func (a *Authenticator) keepalive(p *pending, status byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.closed && !p.aborted && a.busy == p {
		a.sendLocked(p.cid, hidKeepalive, []byte{status})
	}
}

func (a *Authenticator) sendErrorLocked(cid uint32, code byte) {
	a.sendLocked(cid, hidError, []byte{code})
}

// sendLocked frames a response into input reports and queues them.
func (a *Authenticator) sendLocked(cid uint32, cmd byte, payload []byte) {
	pkt := make([]byte, reportLen)
	binary.BigEndian.PutUint32(pkt, cid)
	pkt[4] = cmd
	pkt[5], pkt[6] = byte(len(payload)>>8), byte(len(payload))
	n := copy(pkt[7:], payload)
	a.queueLocked(pkt)
	for seq := byte(0); n < len(payload); seq++ {
		pkt = make([]byte, reportLen)
		binary.BigEndian.PutUint32(pkt, cid)
		pkt[4] = seq
		n += copy(pkt[5:], payload[n:])
		a.queueLocked(pkt)
	}
	a.notifyLocked()
}

func (a *Authenticator) queueLocked(pkt []byte) {
	if len(a.out) >= maxQueued {
		a.out = a.out[1:]
	}
	a.out = append(a.out, pkt)
}

// dropQueuedLocked forgets queued reports of the channels drop selects.
func (a *Authenticator) dropQueuedLocked(drop func(cid uint32) bool) {
	kept := a.out[:0]
	for _, r := range a.out {
		if !drop(binary.BigEndian.Uint32(r)) {
			kept = append(kept, r)
		}
	}
	clear(a.out[len(kept):])
	a.out = kept
}
