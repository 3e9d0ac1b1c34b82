package virtual

import (
	"bytes"
	"crypto/sha256"
	"sort"
)

// authenticatorCredentialManagement subcommands (CTAP 2.1 §6.8).
const (
	cmGetCredsMetadata    = 0x01
	cmEnumerateRPsBegin   = 0x02
	cmEnumerateRPsNext    = 0x03
	cmEnumerateCredsBegin = 0x04
	cmEnumerateCredsNext  = 0x05
	cmDeleteCredential    = 0x06
	cmUpdateUser          = 0x07
)

// credMgmtIter carries an enumeration over to its getNext subcommand.
type credMgmtIter struct {
	rps   []*resident // one credential per RP still to list
	creds []*resident // credentials still to list
}

// credentialManagement answers authenticatorCredentialManagement, both as
// 0x0A and as the prototype 0x41, which differ only in the command byte.
// The pinUvAuthParam of the subcommands that need one is authenticate(token,
// subCommand || subCommandParams as sent).
func (a *Authenticator) credentialManagement(cmd byte, body []byte) (any, error) {
	p, err := parseParams(body)
	if err != nil {
		return nil, err
	}
	sub, err := p.uint(0x01)
	if err != nil {
		return nil, err
	}
	d := a.dev
	switch sub {
	case cmEnumerateRPsNext:
		return d.nextRP()
	case cmEnumerateCredsNext:
		return d.nextCred()
	case cmGetCredsMetadata, cmEnumerateRPsBegin, cmEnumerateCredsBegin, cmDeleteCredential, cmUpdateUser:
	default:
		return nil, errInvalidSubcommand
	}
	d.credMgmtIter = nil
	t, err := d.credMgmtAuth(cmd, p, sub)
	if err != nil {
		return nil, err
	}
	var sp params
	if p.has(0x02) {
		if err := p.get(0x02, majorMap, &sp); err != nil {
			return nil, err
		}
	}
	switch sub {
	case cmGetCredsMetadata:
		return d.credsMetadata(t)
	case cmEnumerateRPsBegin:
		return d.beginRPs(t)
	case cmEnumerateCredsBegin:
		return d.beginCreds(t, sp)
	case cmDeleteCredential:
		return nil, d.deleteCredential(t, sp)
	}
	return nil, d.updateUser(t, sp)
}

// credMgmtAuth verifies pinUvAuthParam and the cm permission (which a legacy
// getPinToken token has for the prototype command only).
func (d *device) credMgmtAuth(cmd byte, p params, sub uint64) (*pinToken, error) {
	if !p.has(0x04) {
		return nil, errPUATRequired
	}
	auth, err := p.bytes(0x04)
	if err != nil {
		return nil, err
	}
	proto, err := p.uint(0x03)
	if err != nil {
		return nil, err
	}
	msg := append([]byte{byte(sub)}, p[0x02]...)
	t, err := d.verifyToken(proto, auth, msg)
	if err != nil {
		return nil, err
	}
	if t.perms&permCredMgmt == 0 && !(t.legacy && cmd == cmdCredMgmtPreview) {
		return nil, errPINAuthInvalid
	}
	return t, nil
}

func (d *device) credsMetadata(t *pinToken) (any, error) {
	if t.rpID != "" {
		return nil, errPINAuthInvalid
	}
	n := len(d.st.Credentials)
	return map[int]any{0x01: n, 0x02: residentSlots - n}, nil
}

// byAge returns the credentials in creation order.
func byAge(creds []*resident) []*resident {
	out := append([]*resident(nil), creds...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Serial < out[j].Serial })
	return out
}

func (d *device) beginRPs(t *pinToken) (any, error) {
	if t.rpID != "" {
		return nil, errPINAuthInvalid
	}
	var rps []*resident
	seen := map[string]bool{}
	for _, c := range byAge(d.st.Credentials) {
		if !seen[c.RPID] {
			seen[c.RPID] = true
			rps = append(rps, c)
		}
	}
	if len(rps) == 0 {
		return nil, errNoCredentials
	}
	resp := rpResponse(rps[0])
	resp[0x05] = len(rps)
	d.credMgmtIter = &credMgmtIter{rps: rps[1:]}
	return resp, nil
}

func rpResponse(c *resident) map[int]any {
	rp := map[string]any{"id": c.RPID}
	if c.RPName != "" {
		rp["name"] = c.RPName
	}
	h := sha256.Sum256([]byte(c.RPID))
	return map[int]any{0x03: rp, 0x04: h[:]}
}

func (d *device) nextRP() (any, error) {
	it := d.credMgmtIter
	if it == nil || len(it.rps) == 0 {
		return nil, errNotAllowed
	}
	c := it.rps[0]
	it.rps = it.rps[1:]
	return rpResponse(c), nil
}

func (d *device) beginCreds(t *pinToken, sp params) (any, error) {
	hash, err := sp.bytes(0x01)
	if err != nil {
		return nil, err
	}
	if t.rpID != "" {
		h := sha256.Sum256([]byte(t.rpID))
		if !bytes.Equal(h[:], hash) {
			return nil, errPINAuthInvalid
		}
	}
	var creds []*resident
	for _, c := range byAge(d.st.Credentials) {
		h := sha256.Sum256([]byte(c.RPID))
		if bytes.Equal(h[:], hash) {
			creds = append(creds, c)
		}
	}
	if len(creds) == 0 {
		return nil, errNoCredentials
	}
	resp, err := credResponse(creds[0])
	if err != nil {
		return nil, err
	}
	resp[0x09] = len(creds)
	d.credMgmtIter = &credMgmtIter{creds: creds[1:]}
	return resp, nil
}

func credResponse(r *resident) (map[int]any, error) {
	c := residentCredential(r)
	if c == nil {
		return nil, errOther
	}
	user := map[string]any{"id": r.UserID}
	addNames(user, r)
	level := r.CredProtect
	if level == 0 {
		level = 1
	}
	return map[int]any{
		0x06: user,
		0x07: descriptorFor(r.ID),
		0x08: coseES256Key(&c.priv.PublicKey),
		0x0a: level,
	}, nil
}

func (d *device) nextCred() (any, error) {
	it := d.credMgmtIter
	if it == nil || len(it.creds) == 0 {
		return nil, errNotAllowed
	}
	r := it.creds[0]
	it.creds = it.creds[1:]
	return credResponse(r)
}

// residentByDescriptor finds the resident credential named by subCommandParams[2].
func (d *device) residentByDescriptor(t *pinToken, sp params) (*resident, error) {
	raw, ok := sp[0x02]
	if !ok {
		return nil, errMissingParameter
	}
	desc, err := parseDescriptor(raw)
	if err != nil {
		return nil, err
	}
	r := d.findResident(desc.ID)
	if r == nil {
		return nil, errNoCredentials
	}
	if t.rpID != "" && t.rpID != r.RPID {
		return nil, errPINAuthInvalid
	}
	return r, nil
}

func (d *device) deleteCredential(t *pinToken, sp params) error {
	r, err := d.residentByDescriptor(t, sp)
	if err != nil {
		return err
	}
	d.deleteResident(r)
	return d.commit()
}

func (d *device) updateUser(t *pinToken, sp params) error {
	r, err := d.residentByDescriptor(t, sp)
	if err != nil {
		return err
	}
	u, err := parseUser(sp[0x03])
	if err != nil {
		return err
	}
	if !bytes.Equal(u.id, r.UserID) {
		return errInvalidParameter
	}
	r.UserName, r.UserDisplayName = u.name, u.displayName
	return d.commit()
}
