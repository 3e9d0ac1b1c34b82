package virtual

import "time"

// waitPresence asks for user presence for the request p, answering with
// what SetPresence says. While it waits it sends KEEPALIVE (UPNEEDED) every
// 100 ms; CTAPHID_CANCEL ends the wait with CTAP2_ERR_KEEPALIVE_CANCEL.
func (a *Authenticator) waitPresence(p *pending) error {
	a.mu.Lock()
	timeout := a.presenceTimeout
	a.mu.Unlock()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(keepaliveInterval)
	defer tick.Stop()
	a.keepalive(p, keepaliveUPNeeded)
	for {
		select {
		case <-p.cancel:
			return errKeepaliveCancel
		default:
		}
		a.mu.Lock()
		mode := a.presence
		a.mu.Unlock()
		switch mode {
		case Approve:
			return nil
		case Deny:
			return errOperationDenied
		}
		select {
		case <-p.cancel:
			return errKeepaliveCancel
		case <-deadline.C:
			return errUserActionTimeout
		case <-tick.C:
			a.keepalive(p, keepaliveUPNeeded)
		}
	}
}
