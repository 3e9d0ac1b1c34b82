//go:build cgo

package fido

/*
#include <stdlib.h>
#include <fido.h>
#include <fido/credman.h>
#include "fido_c.h"
*/
import "C"

import "unsafe"

func (c *conn) metadata(pin []byte) (Metadata, error) {
	md := C.fido_credman_metadata_new()
	if md == nil {
		return Metadata{}, codeError(-9)
	}
	defer C.fido_credman_metadata_free(&md)
	cpin := newCPIN(pin)
	r := C.fido_credman_get_dev_metadata(c.dev, md, cpin)
	freeCPIN(cpin, pin)
	if err := codeError(int(r)); err != nil {
		return Metadata{}, err
	}
	return Metadata{Existing: int(C.fido_credman_rk_existing(md)), Remaining: int(C.fido_credman_rk_remaining(md))}, nil
}

func (c *conn) rps(pin []byte) ([]RP, error) {
	rp := C.fido_credman_rp_new()
	if rp == nil {
		return nil, codeError(-9)
	}
	defer C.fido_credman_rp_free(&rp)
	cpin := newCPIN(pin)
	r := C.fido_credman_get_dev_rp(c.dev, rp, cpin)
	freeCPIN(cpin, pin)
	if err := codeError(int(r)); err != nil {
		return nil, err
	}
	n := int(C.fido_credman_rp_count(rp))
	out := make([]RP, 0, n)
	for i := range C.size_t(n) {
		out = append(out, RP{
			ID:     goString(C.fido_credman_rp_id(rp, i)),
			Name:   goString(C.fido_credman_rp_name(rp, i)),
			IDHash: goBytes(unsafe.Pointer(C.fido_credman_rp_id_hash_ptr(rp, i)), C.fido_credman_rp_id_hash_len(rp, i)),
		})
	}
	return out, nil
}

func (c *conn) credentials(rpID string, pin []byte) ([]Credential, error) {
	rk := C.fido_credman_rk_new()
	if rk == nil {
		return nil, codeError(-9)
	}
	defer C.fido_credman_rk_free(&rk)
	crp := C.CString(rpID)
	defer C.free(unsafe.Pointer(crp))
	cpin := newCPIN(pin)
	r := C.fido_credman_get_dev_rk(c.dev, crp, rk, cpin)
	freeCPIN(cpin, pin)
	if err := codeError(int(r)); err != nil {
		return nil, err
	}
	n := int(C.fido_credman_rk_count(rk))
	out := make([]Credential, 0, n)
	for i := range C.size_t(n) {
		cr := credential(C.fido_credman_rk(rk, i))
		cr.RPID = rpID
		out = append(out, cr)
	}
	return out, nil
}

func (c *conn) deleteCredential(id, pin []byte) error {
	p, n := cBytes(id)
	cpin := newCPIN(pin)
	defer freeCPIN(cpin, pin)
	return codeError(int(C.fido_credman_del_dev_rk(c.dev, p, n, cpin)))
}
