package virtual

import "crypto/ecdh"

// reset answers authenticatorReset (CTAP 2.1 §6.6): within the reset window
// after power-up and with user presence, it forgets every credential and the
// PIN and makes a new master key, which voids all non-resident credentials.
func (a *Authenticator) reset(pr *pending) error {
	if !a.resetAllowed() {
		return errNotAllowed
	}
	if err := a.waitPresence(pr); err != nil {
		return err
	}
	d := a.dev
	st, err := newState(d.rand)
	if err != nil {
		return errOther
	}
	key, err := ecdh.P256().GenerateKey(d.rand)
	if err != nil {
		return errOther
	}
	d.st, d.keyAgreement = st, key
	d.token, d.mismatches = nil, 0
	return d.commit()
}

// selection answers authenticatorSelection (CTAP 2.1 §6.9): success once the
// user touches the key.
func (a *Authenticator) selection(pr *pending) error {
	return a.waitPresence(pr)
}
