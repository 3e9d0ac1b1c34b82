package fido

import (
	"bytes"
	"context"
	"unicode/utf8"
)

// Info reads the key's getInfo and its PIN retry counter.
func (d *device) Info(ctx context.Context) (Info, error) {
	var info Info
	err := d.run(ctx, "get info", func(c *conn) error {
		var err error
		if info, err = c.info(); err != nil {
			return err
		}
		info.PINRetries = -1
		if info.SupportsPIN() {
			info.PINRetries, err = c.retries()
		}
		return err
	})
	return info, err
}

// PINRetries returns how many PIN attempts are left before the PIN blocks.
func (d *device) PINRetries(ctx context.Context) (int, error) {
	var n int
	err := d.run(ctx, "get PIN retries", func(c *conn) error {
		var err error
		n, err = c.retries()
		return err
	})
	return n, err
}

// SetPIN sets the first PIN of a key that has none.
func (d *device) SetPIN(ctx context.Context, pin []byte) error {
	if err := checkNewPIN(pin); err != nil {
		return &Error{Op: "set PIN", RetriesLeft: -1, Err: err}
	}
	return d.run(ctx, "set PIN", func(c *conn) error { return c.setPIN(pin, nil) })
}

// ChangePIN replaces the key's PIN old with pin.
func (d *device) ChangePIN(ctx context.Context, old, pin []byte) error {
	if err := checkNewPIN(pin); err != nil {
		return &Error{Op: "change PIN", RetriesLeft: -1, Err: err}
	}
	if err := checkPIN(old); err != nil {
		return &Error{Op: "change PIN", RetriesLeft: -1, Err: err}
	}
	return d.run(ctx, "change PIN", func(c *conn) error { return c.setPIN(pin, old) })
}

// MakeCredential makes a new credential; the key asks for a touch. A
// self-attested credential's attestation is verified.
func (d *device) MakeCredential(ctx context.Context, o CredentialOptions) (Credential, error) {
	var cred Credential
	if o.RPID == "" || len(o.UserID) == 0 || o.CredProtect < 0 || o.CredProtect > 3 {
		return cred, &Error{Op: "make credential", RetriesLeft: -1, Err: ErrInvalidArgument}
	}
	if err := checkPIN(o.PIN); err != nil {
		return cred, &Error{Op: "make credential", RetriesLeft: -1, Err: err}
	}
	o.ClientDataHash = clientDataHash(o.ClientDataHash)
	err := d.run(ctx, "make credential", func(c *conn) error {
		var err error
		cred, err = c.makeCredential(&o)
		return err
	})
	return cred, err
}

// GetAssertion gets every assertion the key gives for o (one per allowed or
// resident credential); the key asks for a touch unless o.NoPresence.
func (d *device) GetAssertion(ctx context.Context, o AssertionOptions) ([]Assertion, error) {
	var out []Assertion
	if o.RPID == "" || (o.HMACSalt != nil && len(o.HMACSalt) != 32 && len(o.HMACSalt) != 64) {
		return nil, &Error{Op: "get assertion", RetriesLeft: -1, Err: ErrInvalidArgument}
	}
	if err := checkPIN(o.PIN); err != nil {
		return nil, &Error{Op: "get assertion", RetriesLeft: -1, Err: err}
	}
	o.ClientDataHash = clientDataHash(o.ClientDataHash)
	err := d.run(ctx, "get assertion", func(c *conn) error {
		var err error
		out, err = c.getAssertion(&o)
		return err
	})
	return out, err
}

// CredentialsMetadata counts the key's resident credentials (needs the PIN).
func (d *device) CredentialsMetadata(ctx context.Context, pin []byte) (Metadata, error) {
	var m Metadata
	err := d.withPIN(ctx, "read credential metadata", pin, func(c *conn) error {
		var err error
		m, err = c.metadata(pin)
		return err
	})
	return m, err
}

// RPs lists the relying parties with resident credentials (needs the PIN).
func (d *device) RPs(ctx context.Context, pin []byte) ([]RP, error) {
	var rps []RP
	err := d.withPIN(ctx, "list relying parties", pin, func(c *conn) error {
		var err error
		rps, err = c.rps(pin)
		return err
	})
	return rps, err
}

// Credentials lists the resident credentials of rpID (needs the PIN).
func (d *device) Credentials(ctx context.Context, rpID string, pin []byte) ([]Credential, error) {
	var creds []Credential
	err := d.withPIN(ctx, "list credentials", pin, func(c *conn) error {
		var err error
		creds, err = c.credentials(rpID, pin)
		return err
	})
	return creds, err
}

// DeleteCredential deletes the resident credential id (needs the PIN).
func (d *device) DeleteCredential(ctx context.Context, id, pin []byte) error {
	if len(id) == 0 {
		return &Error{Op: "delete credential", RetriesLeft: -1, Err: ErrInvalidArgument}
	}
	return d.withPIN(ctx, "delete credential", pin, func(c *conn) error { return c.deleteCredential(id, pin) })
}

// Reset erases every credential and the PIN. Keys accept it only within
// seconds of being plugged in (else ErrNotAllowed) and ask for a touch.
func (d *device) Reset(ctx context.Context) error {
	return d.run(ctx, "reset", func(c *conn) error { return c.reset() })
}

// withPIN runs a credential-management operation, which always needs a PIN.
func (d *device) withPIN(ctx context.Context, op string, pin []byte, f func(c *conn) error) error {
	if len(pin) == 0 {
		return &Error{Op: op, RetriesLeft: -1, Err: ErrPinRequired}
	}
	if err := checkPIN(pin); err != nil {
		return &Error{Op: op, RetriesLeft: -1, Err: err}
	}
	return d.run(ctx, op, f)
}

// checkPIN refuses PINs libfido2 cannot pass on: NUL bytes or more than 63
// bytes (CTAP 2.1 §6.5.1). A nil PIN means none.
func checkPIN(pin []byte) error {
	if pin == nil {
		return nil
	}
	if len(pin) == 0 || len(pin) > 63 || bytes.IndexByte(pin, 0) >= 0 {
		return ErrPinInvalid
	}
	return nil
}

// checkNewPIN applies CTAP's rules for a new PIN: UTF-8, at least 4
// characters, at most 63 bytes, no NUL.
func checkNewPIN(pin []byte) error {
	if !utf8.Valid(pin) || utf8.RuneCount(pin) < 4 || len(pin) > 63 || bytes.IndexByte(pin, 0) >= 0 {
		return ErrPinPolicy
	}
	return nil
}
