//go:build cgo

/*
 * C side of the otter libfido2 binding: the I/O callbacks that plug the
 * virtual keys of fido/virtual in behind libfido2 (they call the Go
 * functions exported by virtio_cgo.go), and small helpers that keep C-heap
 * copies of PINs under control.
 */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>
#include <fido/es256.h>

#include "fido_c.h"
#include "_cgo_export.h"

static void *
virt_open(const char *path)
{
	uintptr_t h = otterVirtOpen((char *)path);

	return h == 0 ? NULL : (void *)h;
}

static void
virt_close(void *h)
{
	otterVirtClose((uintptr_t)h);
}

static int
virt_read(void *h, unsigned char *buf, size_t len, int ms)
{
	return otterVirtRead((uintptr_t)h, buf, len, ms);
}

static int
virt_write(void *h, const unsigned char *buf, size_t len)
{
	return otterVirtWrite((uintptr_t)h, (unsigned char *)buf, len);
}

static const fido_dev_io_t virt_io = {
	virt_open, virt_close, virt_read, virt_write,
};

/* otter_set_virtual_io routes dev's I/O to a virtual key. */
int
otter_set_virtual_io(fido_dev_t *dev)
{
	return fido_dev_set_io_functions(dev, &virt_io);
}

/* otter_pin_new copies a PIN into a NUL-terminated C string. */
char *
otter_pin_new(const unsigned char *pin, size_t len)
{
	char *p;

	if ((p = calloc(1, len + 1)) == NULL)
		return NULL;
	memcpy(p, pin, len);
	return p;
}

/* otter_pin_free wipes and frees a string of otter_pin_new. */
void
otter_pin_free(char *pin, size_t len)
{
	if (pin == NULL)
		return;
	explicit_bzero(pin, len + 1);
	free(pin);
}

/* otter_assert_verify_es256 checks assertion idx against an ES256 key X||Y. */
int
otter_assert_verify_es256(const fido_assert_t *a, size_t idx,
    const unsigned char *pk, size_t len)
{
	es256_pk_t *k;
	int r;

	if ((k = es256_pk_new()) == NULL)
		return FIDO_ERR_INTERNAL;
	if ((r = es256_pk_from_ptr(k, pk, len)) == FIDO_OK)
		r = fido_assert_verify(a, idx, COSE_ES256, k);
	es256_pk_free(&k);
	return r;
}

/*
 * otter_cred_verify checks a new credential's attestation: against its
 * certificate when there is one, else as self-attestation; format "none"
 * carries nothing to check.
 */
int
otter_cred_verify(const fido_cred_t *cred)
{
	const char *fmt = fido_cred_fmt(cred);

	if (fmt != NULL && strcmp(fmt, "none") == 0)
		return FIDO_OK;
	if (fido_cred_x5c_len(cred) > 0)
		return fido_cred_verify(cred);
	return fido_cred_verify_self(cred);
}
