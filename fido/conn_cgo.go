//go:build cgo

package fido

/*
#cgo pkg-config: libfido2
#cgo LDFLAGS: -Wl,--as-needed
#include <stdlib.h>
#include <fido.h>
#include "fido_c.h"
*/
import "C"

import (
	"errors"
	"sync"
	"unsafe"
)

// supported: this build has the binding; whether libfido2 loads is known
// at the first use (dl.c).
const supported = true

// conn is an open libfido2 device.
type conn struct {
	dev *C.fido_dev_t
}

var (
	initOnce sync.Once
	initErr  error
)

// fidoInit loads libfido2 (dl.c) and initialises it, once; it fails with
// ErrUnsupported when the library cannot be loaded.
func fidoInit() error {
	initOnce.Do(func() {
		if why := C.otter_fido_load(); why != nil {
			initErr = newError(ErrUnsupported, "cannot load libfido2: %s", C.GoString(why))
			return
		}
		C.fido_init(0)
	})
	return initErr
}

// loaded reports whether libfido2 loads.
func loaded() bool { return fidoInit() == nil }

// maxDevices bounds one manifest.
const maxDevices = 64

func manifest() ([]DeviceInfo, error) {
	if err := fidoInit(); err != nil {
		return nil, err
	}
	list := C.fido_dev_info_new(maxDevices)
	if list == nil {
		return nil, codeError(-9)
	}
	defer C.fido_dev_info_free(&list, maxDevices)
	var n C.size_t
	if err := codeError(int(C.fido_dev_info_manifest(list, maxDevices, &n))); err != nil {
		return nil, err
	}
	out := make([]DeviceInfo, 0, int(n))
	for i := range int(n) {
		di := C.fido_dev_info_ptr(list, C.size_t(i))
		out = append(out, DeviceInfo{
			Path:         goString(C.fido_dev_info_path(di)),
			Product:      goString(C.fido_dev_info_product_string(di)),
			Manufacturer: goString(C.fido_dev_info_manufacturer_string(di)),
		})
	}
	return out, nil
}

func openConn(path string, virtual bool, ms int) (*conn, error) {
	c, err := openConnOnce(path, virtual, ms)
	if errors.Is(err, ErrUnsupported) && loaded() {
		// libfido2 takes a key for U2F-only when its getInfo at open fails,
		// which a busy key (or a busy machine) can cause: look once more.
		c, err = openConnOnce(path, virtual, ms)
	}
	return c, err
}

func openConnOnce(path string, virtual bool, ms int) (*conn, error) {
	if err := fidoInit(); err != nil {
		return nil, err
	}
	dev := C.fido_dev_new()
	if dev == nil {
		return nil, codeError(-9)
	}
	fail := func(r C.int) (*conn, error) {
		C.fido_dev_free(&dev)
		return nil, codeError(int(r))
	}
	if virtual {
		if r := C.otter_set_virtual_io(dev); r != C.FIDO_OK {
			return fail(r)
		}
	}
	if r := C.fido_dev_set_timeout(dev, C.int(ms)); r != C.FIDO_OK {
		return fail(r)
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if r := C.fido_dev_open(dev, cpath); r != C.FIDO_OK {
		return fail(r)
	}
	c := &conn{dev: dev}
	if !C.fido_dev_is_fido2(dev) { // or getInfo failed and libfido2 fell back to U2F
		c.close()
		return nil, newError(ErrUnsupported, "a U2F-only key: otter needs FIDO2")
	}
	return c, nil
}

func (c *conn) close() {
	C.fido_dev_close(c.dev)
	C.fido_dev_free(&c.dev)
}

func (c *conn) setTimeout(ms int) error {
	return codeError(int(C.fido_dev_set_timeout(c.dev, C.int(ms))))
}

func (c *conn) cancel() { C.fido_dev_cancel(c.dev) }

func (c *conn) retries() (int, error) {
	var n C.int
	err := codeError(int(C.fido_dev_get_retry_count(c.dev, &n)))
	return int(n), err
}

func (c *conn) reset() error { return codeError(int(C.fido_dev_reset(c.dev))) }

func (c *conn) touchBegin() error { return codeError(int(C.fido_dev_get_touch_begin(c.dev))) }

func (c *conn) touchStatus(ms int) (bool, error) {
	var touched C.int
	err := codeError(int(C.fido_dev_get_touch_status(c.dev, &touched, C.int(ms))))
	return touched != 0, err
}

func (c *conn) info() (Info, error) {
	ci := C.fido_cbor_info_new()
	if ci == nil {
		return Info{}, codeError(-9)
	}
	defer C.fido_cbor_info_free(&ci)
	if err := codeError(int(C.fido_dev_get_cbor_info(c.dev, ci))); err != nil {
		return Info{}, err
	}
	info := Info{
		Versions:          goStrings(C.fido_cbor_info_versions_ptr(ci), C.fido_cbor_info_versions_len(ci)),
		Extensions:        goStrings(C.fido_cbor_info_extensions_ptr(ci), C.fido_cbor_info_extensions_len(ci)),
		AAGUID:            goBytes(unsafe.Pointer(C.fido_cbor_info_aaguid_ptr(ci)), C.fido_cbor_info_aaguid_len(ci)),
		Options:           map[string]bool{},
		MaxMsgSize:        int(C.fido_cbor_info_maxmsgsiz(ci)),
		RemainingResident: int(C.fido_cbor_info_rk_remaining(ci)),
	}
	names := goStrings(C.fido_cbor_info_options_name_ptr(ci), C.fido_cbor_info_options_len(ci))
	if len(names) > 0 {
		vals := unsafe.Slice(C.fido_cbor_info_options_value_ptr(ci), len(names))
		for i, n := range names {
			info.Options[n] = bool(vals[i])
		}
	}
	for _, p := range goBytes(unsafe.Pointer(C.fido_cbor_info_protocols_ptr(ci)), C.fido_cbor_info_protocols_len(ci)) {
		info.Protocols = append(info.Protocols, int(p))
	}
	return info, nil
}

func (c *conn) setPIN(pin, old []byte) error {
	cpin, cold := newCPIN(pin), newCPIN(old)
	defer freeCPIN(cpin, pin)
	defer freeCPIN(cold, old)
	return codeError(int(C.fido_dev_set_pin(c.dev, cpin, cold)))
}

// newCPIN copies pin into the C heap; nil stays NULL. Free it with freeCPIN.
func newCPIN(pin []byte) *C.char {
	if pin == nil {
		return nil
	}
	p := C.otter_pin_new((*C.uchar)(unsafe.SliceData(pin)), C.size_t(len(pin)))
	if p == nil {
		panic("fido: out of memory")
	}
	return p
}

// freeCPIN wipes and frees a copy made by newCPIN.
func freeCPIN(p *C.char, pin []byte) { C.otter_pin_free(p, C.size_t(len(pin))) }

func goString(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

func goStrings(p **C.char, n C.size_t) []string {
	if p == nil || n == 0 {
		return nil
	}
	out := make([]string, 0, int(n))
	for _, s := range unsafe.Slice(p, int(n)) {
		out = append(out, goString(s))
	}
	return out
}

// goBytes copies n bytes at p; a NULL p gives nil.
func goBytes(p unsafe.Pointer, n C.size_t) []byte {
	if p == nil || n == 0 {
		return nil
	}
	return C.GoBytes(p, C.int(n))
}

// cBytes points C at b's bytes for the duration of a call (libfido2
// copies what it keeps).
func cBytes(b []byte) (*C.uchar, C.size_t) {
	return (*C.uchar)(unsafe.SliceData(b)), C.size_t(len(b))
}

// strerr is libfido2's name for an error code.
func strerr(code int) string { return C.GoString(C.fido_strerr(C.int(code))) }
