//go:build cgo

package fido

// #include <stdint.h>
// #include <stddef.h>
import "C"

import "unsafe"

// The Go ends of the virtual-key I/O callbacks in fido.c. Only
// declarations may sit in this file's preamble (it has //export), so the
// C lives in fido.c.

//export otterVirtOpen
func otterVirtOpen(path *C.char) C.uintptr_t {
	return C.uintptr_t(vOpen(C.GoString(path)))
}

//export otterVirtClose
func otterVirtClose(h C.uintptr_t) {
	vClose(uintptr(h))
}

//export otterVirtRead
func otterVirtRead(h C.uintptr_t, buf *C.uchar, n C.size_t, ms C.int) C.int {
	b := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))
	return C.int(vRead(uintptr(h), b, int(ms)))
}

//export otterVirtWrite
func otterVirtWrite(h C.uintptr_t, buf *C.uchar, n C.size_t) C.int {
	b := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))
	return C.int(vWrite(uintptr(h), b))
}
