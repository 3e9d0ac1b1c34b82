//go:build cgo

package fido

/*
#include <stdlib.h>
#include <fido.h>
#include "fido_c.h"
*/
import "C"

import "unsafe"

func (c *conn) makeCredential(o *CredentialOptions) (Credential, error) {
	cred := C.fido_cred_new()
	if cred == nil {
		return Credential{}, codeError(-9)
	}
	defer C.fido_cred_free(&cred)
	if err := setCred(cred, o); err != nil {
		return Credential{}, err
	}
	cpin := newCPIN(o.PIN)
	r := C.fido_dev_make_cred(c.dev, cred, cpin)
	freeCPIN(cpin, o.PIN)
	if err := codeError(int(r)); err != nil {
		return Credential{}, err
	}
	if err := codeError(int(C.otter_cred_verify(cred))); err != nil {
		return Credential{}, err
	}
	out := credential(cred)
	out.AAGUID = goBytes(unsafe.Pointer(C.fido_cred_aaguid_ptr(cred)), C.fido_cred_aaguid_len(cred))
	out.Format = goString(C.fido_cred_fmt(cred))
	out.RPID = o.RPID
	out.UV = C.fido_cred_flags(cred)&flagUV != 0
	out.HMACSecret = o.HMACSecret && out.Format != "none" // otter_cred_verify checked the extension
	return out, nil
}

// setCred fills cred from o; every setter copies what it keeps.
func setCred(cred *C.fido_cred_t, o *CredentialOptions) error {
	crp, crpName := C.CString(o.RPID), cStringOrNil(o.RPName)
	cname, cdisp := C.CString(o.UserName), cStringOrNil(o.DisplayName)
	defer freeAll(crp, crpName, cname, cdisp)
	cdh, cdhLen := cBytes(o.ClientDataHash)
	uid, uidLen := cBytes(o.UserID)
	rs := []C.int{
		C.fido_cred_set_type(cred, C.COSE_ES256),
		C.fido_cred_set_clientdata_hash(cred, cdh, cdhLen),
		C.fido_cred_set_rp(cred, crp, crpName),
		C.fido_cred_set_user(cred, uid, uidLen, cname, cdisp, nil),
	}
	if o.Resident {
		rs = append(rs, C.fido_cred_set_rk(cred, C.FIDO_OPT_TRUE))
	}
	if o.UV {
		rs = append(rs, C.fido_cred_set_uv(cred, C.FIDO_OPT_TRUE))
	}
	if o.HMACSecret {
		rs = append(rs, C.fido_cred_set_extensions(cred, C.FIDO_EXT_HMAC_SECRET))
	}
	if o.CredProtect != 0 {
		rs = append(rs, C.fido_cred_set_prot(cred, C.int(o.CredProtect)))
	}
	for _, id := range o.Exclude {
		p, n := cBytes(id)
		rs = append(rs, C.fido_cred_exclude(cred, p, n))
	}
	for _, r := range rs {
		if err := codeError(int(r)); err != nil {
			return err
		}
	}
	return nil
}

// credential reads what every credential has: id, user and public key.
func credential(cred *C.fido_cred_t) Credential {
	return Credential{
		ID:          goBytes(unsafe.Pointer(C.fido_cred_id_ptr(cred)), C.fido_cred_id_len(cred)),
		PublicKey:   goBytes(unsafe.Pointer(C.fido_cred_pubkey_ptr(cred)), C.fido_cred_pubkey_len(cred)),
		UserID:      goBytes(unsafe.Pointer(C.fido_cred_user_id_ptr(cred)), C.fido_cred_user_id_len(cred)),
		UserName:    goString(C.fido_cred_user_name(cred)),
		DisplayName: goString(C.fido_cred_display_name(cred)),
		CredProtect: int(C.fido_cred_prot(cred)),
	}
}

func (c *conn) getAssertion(o *AssertionOptions) ([]Assertion, error) {
	a := C.fido_assert_new()
	if a == nil {
		return nil, codeError(-9)
	}
	defer C.fido_assert_free(&a)
	if err := setAssert(a, o); err != nil {
		return nil, err
	}
	cpin := newCPIN(o.PIN)
	r := C.fido_dev_get_assert(c.dev, a, cpin)
	freeCPIN(cpin, o.PIN)
	if err := codeError(int(r)); err != nil {
		return nil, err
	}
	n := int(C.fido_assert_count(a))
	out := make([]Assertion, 0, n)
	for i := range n {
		if o.PublicKey != nil {
			pk, pkLen := cBytes(o.PublicKey)
			if err := codeError(int(C.otter_assert_verify_es256(a, C.size_t(i), pk, pkLen))); err != nil {
				wipeAssertions(out)
				return nil, err
			}
		}
		out = append(out, assertion(a, C.size_t(i)))
	}
	return out, nil
}

func setAssert(a *C.fido_assert_t, o *AssertionOptions) error {
	crp := C.CString(o.RPID)
	defer C.free(unsafe.Pointer(crp))
	cdh, cdhLen := cBytes(o.ClientDataHash)
	rs := []C.int{
		C.fido_assert_set_rp(a, crp),
		C.fido_assert_set_clientdata_hash(a, cdh, cdhLen),
	}
	for _, id := range o.Allow {
		p, n := cBytes(id)
		rs = append(rs, C.fido_assert_allow_cred(a, p, n))
	}
	if o.NoPresence {
		rs = append(rs, C.fido_assert_set_up(a, C.FIDO_OPT_FALSE))
	}
	if o.UV {
		rs = append(rs, C.fido_assert_set_uv(a, C.FIDO_OPT_TRUE))
	}
	if o.HMACSalt != nil {
		salt, saltLen := cBytes(o.HMACSalt)
		rs = append(rs, C.fido_assert_set_extensions(a, C.FIDO_EXT_HMAC_SECRET),
			C.fido_assert_set_hmac_salt(a, salt, saltLen))
	}
	for _, r := range rs {
		if err := codeError(int(r)); err != nil {
			return err
		}
	}
	return nil
}

func assertion(a *C.fido_assert_t, i C.size_t) Assertion {
	flags := C.fido_assert_flags(a, i)
	return Assertion{
		CredentialID: goBytes(unsafe.Pointer(C.fido_assert_id_ptr(a, i)), C.fido_assert_id_len(a, i)),
		UserID:       goBytes(unsafe.Pointer(C.fido_assert_user_id_ptr(a, i)), C.fido_assert_user_id_len(a, i)),
		UserName:     goString(C.fido_assert_user_name(a, i)),
		DisplayName:  goString(C.fido_assert_user_display_name(a, i)),
		AuthData:     cborBytes(goBytes(unsafe.Pointer(C.fido_assert_authdata_ptr(a, i)), C.fido_assert_authdata_len(a, i))),
		Signature:    goBytes(unsafe.Pointer(C.fido_assert_sig_ptr(a, i)), C.fido_assert_sig_len(a, i)),
		SignCount:    uint32(C.fido_assert_sigcount(a, i)),
		UP:           flags&flagUP != 0,
		UV:           flags&flagUV != 0,
		HMACSecret:   goBytes(unsafe.Pointer(C.fido_assert_hmac_secret_ptr(a, i)), C.fido_assert_hmac_secret_len(a, i)),
	}
}

func cStringOrNil(s string) *C.char {
	if s == "" {
		return nil
	}
	return C.CString(s)
}

func freeAll(ps ...*C.char) {
	for _, p := range ps {
		C.free(unsafe.Pointer(p))
	}
}
