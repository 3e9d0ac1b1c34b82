//go:build cgo

/*
 * Lazy loading of libfido2. The binary does not link libfido2 (and with it
 * libcrypto, libcbor, libudev, libz): every command would pay about 2 ms
 * for the dynamic loader to map and relocate them, although only the
 * FIDO2 commands use them. Instead this file defines each libfido2
 * function the binding calls (the declarations in <fido.h> make the
 * compiler check every signature below) as a stub that loads
 * libfido2.so.1 with dlopen on first use and calls through a pointer from
 * dlsym. If the library cannot be loaded, otter_fido_load says why and
 * the stubs return FIDO_ERR_INTERNAL, NULL, 0 or false, so nothing calls
 * into a missing library; fido_init's Go caller checks otter_fido_load
 * first and reports ErrUnsupported.
 *
 * A function the binding starts to use must be added to FIDO_FUNCS: until
 * it is, the linker links libfido2 again (#cgo pkg-config still names it;
 * --as-needed drops it only while nothing refers to it) and
 * TestBinaryDoesNotLinkLibfido2 fails.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include <fido.h>
#include <fido/credman.h>
#include <fido/es256.h>

#include "fido_c.h"

#define LIBFIDO2 "libfido2.so.1"

/* F(return type, name, parameters, arguments, value when not loaded); V for void. */
#define FIDO_FUNCS(F, V) \
	V(es256_pk_free, (es256_pk_t **a), (a)) \
	F(int, es256_pk_from_ptr, (es256_pk_t *a, const void *b, size_t c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(es256_pk_t *, es256_pk_new, (void), (), NULL) \
	F(int, fido_assert_allow_cred, (fido_assert_t *a, const unsigned char *b, size_t c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(size_t, fido_assert_authdata_len, (const fido_assert_t *a, size_t b), (a, b), 0) \
	F(const unsigned char *, fido_assert_authdata_ptr, (const fido_assert_t *a, size_t b), (a, b), NULL) \
	F(size_t, fido_assert_count, (const fido_assert_t *a), (a), 0) \
	F(uint8_t, fido_assert_flags, (const fido_assert_t *a, size_t b), (a, b), 0) \
	V(fido_assert_free, (fido_assert_t **a), (a)) \
	F(size_t, fido_assert_hmac_secret_len, (const fido_assert_t *a, size_t b), (a, b), 0) \
	F(const unsigned char *, fido_assert_hmac_secret_ptr, (const fido_assert_t *a, size_t b), (a, b), NULL) \
	F(size_t, fido_assert_id_len, (const fido_assert_t *a, size_t b), (a, b), 0) \
	F(const unsigned char *, fido_assert_id_ptr, (const fido_assert_t *a, size_t b), (a, b), NULL) \
	F(fido_assert_t *, fido_assert_new, (void), (), NULL) \
	F(int, fido_assert_set_clientdata_hash, (fido_assert_t *a, const unsigned char *b, size_t c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(int, fido_assert_set_extensions, (fido_assert_t *a, int b), (a, b), FIDO_ERR_INTERNAL) \
	F(int, fido_assert_set_hmac_salt, (fido_assert_t *a, const unsigned char *b, size_t c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(int, fido_assert_set_rp, (fido_assert_t *a, const char *b), (a, b), FIDO_ERR_INTERNAL) \
	F(int, fido_assert_set_up, (fido_assert_t *a, fido_opt_t b), (a, b), FIDO_ERR_INTERNAL) \
	F(int, fido_assert_set_uv, (fido_assert_t *a, fido_opt_t b), (a, b), FIDO_ERR_INTERNAL) \
	F(size_t, fido_assert_sig_len, (const fido_assert_t *a, size_t b), (a, b), 0) \
	F(const unsigned char *, fido_assert_sig_ptr, (const fido_assert_t *a, size_t b), (a, b), NULL) \
	F(uint32_t, fido_assert_sigcount, (const fido_assert_t *a, size_t b), (a, b), 0) \
	F(const char *, fido_assert_user_display_name, (const fido_assert_t *a, size_t b), (a, b), NULL) \
	F(size_t, fido_assert_user_id_len, (const fido_assert_t *a, size_t b), (a, b), 0) \
	F(const unsigned char *, fido_assert_user_id_ptr, (const fido_assert_t *a, size_t b), (a, b), NULL) \
	F(const char *, fido_assert_user_name, (const fido_assert_t *a, size_t b), (a, b), NULL) \
	F(int, fido_assert_verify, (const fido_assert_t *a, size_t b, int c, const void *d), (a, b, c, d), FIDO_ERR_INTERNAL) \
	F(size_t, fido_cbor_info_aaguid_len, (const fido_cbor_info_t *a), (a), 0) \
	F(const unsigned char *, fido_cbor_info_aaguid_ptr, (const fido_cbor_info_t *a), (a), NULL) \
	F(size_t, fido_cbor_info_extensions_len, (const fido_cbor_info_t *a), (a), 0) \
	F(char **, fido_cbor_info_extensions_ptr, (const fido_cbor_info_t *a), (a), NULL) \
	V(fido_cbor_info_free, (fido_cbor_info_t **a), (a)) \
	F(uint64_t, fido_cbor_info_maxmsgsiz, (const fido_cbor_info_t *a), (a), 0) \
	F(fido_cbor_info_t *, fido_cbor_info_new, (void), (), NULL) \
	F(size_t, fido_cbor_info_options_len, (const fido_cbor_info_t *a), (a), 0) \
	F(char **, fido_cbor_info_options_name_ptr, (const fido_cbor_info_t *a), (a), NULL) \
	F(const bool *, fido_cbor_info_options_value_ptr, (const fido_cbor_info_t *a), (a), NULL) \
	F(size_t, fido_cbor_info_protocols_len, (const fido_cbor_info_t *a), (a), 0) \
	F(const uint8_t *, fido_cbor_info_protocols_ptr, (const fido_cbor_info_t *a), (a), NULL) \
	F(int64_t, fido_cbor_info_rk_remaining, (const fido_cbor_info_t *a), (a), 0) \
	F(size_t, fido_cbor_info_versions_len, (const fido_cbor_info_t *a), (a), 0) \
	F(char **, fido_cbor_info_versions_ptr, (const fido_cbor_info_t *a), (a), NULL) \
	F(size_t, fido_cred_aaguid_len, (const fido_cred_t *a), (a), 0) \
	F(const unsigned char *, fido_cred_aaguid_ptr, (const fido_cred_t *a), (a), NULL) \
	F(const char *, fido_cred_display_name, (const fido_cred_t *a), (a), NULL) \
	F(int, fido_cred_exclude, (fido_cred_t *a, const unsigned char *b, size_t c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(uint8_t, fido_cred_flags, (const fido_cred_t *a), (a), 0) \
	F(const char *, fido_cred_fmt, (const fido_cred_t *a), (a), NULL) \
	V(fido_cred_free, (fido_cred_t **a), (a)) \
	F(size_t, fido_cred_id_len, (const fido_cred_t *a), (a), 0) \
	F(const unsigned char *, fido_cred_id_ptr, (const fido_cred_t *a), (a), NULL) \
	F(fido_cred_t *, fido_cred_new, (void), (), NULL) \
	F(int, fido_cred_prot, (const fido_cred_t *a), (a), 0) \
	F(size_t, fido_cred_pubkey_len, (const fido_cred_t *a), (a), 0) \
	F(const unsigned char *, fido_cred_pubkey_ptr, (const fido_cred_t *a), (a), NULL) \
	F(int, fido_cred_set_clientdata_hash, (fido_cred_t *a, const unsigned char *b, size_t c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(int, fido_cred_set_extensions, (fido_cred_t *a, int b), (a, b), FIDO_ERR_INTERNAL) \
	F(int, fido_cred_set_prot, (fido_cred_t *a, int b), (a, b), FIDO_ERR_INTERNAL) \
	F(int, fido_cred_set_rk, (fido_cred_t *a, fido_opt_t b), (a, b), FIDO_ERR_INTERNAL) \
	F(int, fido_cred_set_rp, (fido_cred_t *a, const char *b, const char *c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(int, fido_cred_set_type, (fido_cred_t *a, int b), (a, b), FIDO_ERR_INTERNAL) \
	F(int, fido_cred_set_user, (fido_cred_t *a, const unsigned char *b, size_t c, const char *d, const char *e, const char *f), (a, b, c, d, e, f), FIDO_ERR_INTERNAL) \
	F(int, fido_cred_set_uv, (fido_cred_t *a, fido_opt_t b), (a, b), FIDO_ERR_INTERNAL) \
	F(size_t, fido_cred_user_id_len, (const fido_cred_t *a), (a), 0) \
	F(const unsigned char *, fido_cred_user_id_ptr, (const fido_cred_t *a), (a), NULL) \
	F(const char *, fido_cred_user_name, (const fido_cred_t *a), (a), NULL) \
	F(int, fido_cred_verify, (const fido_cred_t *a), (a), FIDO_ERR_INTERNAL) \
	F(int, fido_cred_verify_self, (const fido_cred_t *a), (a), FIDO_ERR_INTERNAL) \
	F(size_t, fido_cred_x5c_len, (const fido_cred_t *a), (a), 0) \
	F(int, fido_credman_del_dev_rk, (fido_dev_t *a, const unsigned char *b, size_t c, const char *d), (a, b, c, d), FIDO_ERR_INTERNAL) \
	F(int, fido_credman_get_dev_metadata, (fido_dev_t *a, fido_credman_metadata_t *b, const char *c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(int, fido_credman_get_dev_rk, (fido_dev_t *a, const char *b, fido_credman_rk_t *c, const char *d), (a, b, c, d), FIDO_ERR_INTERNAL) \
	F(int, fido_credman_get_dev_rp, (fido_dev_t *a, fido_credman_rp_t *b, const char *c), (a, b, c), FIDO_ERR_INTERNAL) \
	V(fido_credman_metadata_free, (fido_credman_metadata_t **a), (a)) \
	F(fido_credman_metadata_t *, fido_credman_metadata_new, (void), (), NULL) \
	F(const fido_cred_t *, fido_credman_rk, (const fido_credman_rk_t *a, size_t b), (a, b), NULL) \
	F(size_t, fido_credman_rk_count, (const fido_credman_rk_t *a), (a), 0) \
	F(uint64_t, fido_credman_rk_existing, (const fido_credman_metadata_t *a), (a), 0) \
	V(fido_credman_rk_free, (fido_credman_rk_t **a), (a)) \
	F(fido_credman_rk_t *, fido_credman_rk_new, (void), (), NULL) \
	F(uint64_t, fido_credman_rk_remaining, (const fido_credman_metadata_t *a), (a), 0) \
	F(size_t, fido_credman_rp_count, (const fido_credman_rp_t *a), (a), 0) \
	V(fido_credman_rp_free, (fido_credman_rp_t **a), (a)) \
	F(const char *, fido_credman_rp_id, (const fido_credman_rp_t *a, size_t b), (a, b), NULL) \
	F(size_t, fido_credman_rp_id_hash_len, (const fido_credman_rp_t *a, size_t b), (a, b), 0) \
	F(const unsigned char *, fido_credman_rp_id_hash_ptr, (const fido_credman_rp_t *a, size_t b), (a, b), NULL) \
	F(const char *, fido_credman_rp_name, (const fido_credman_rp_t *a, size_t b), (a, b), NULL) \
	F(fido_credman_rp_t *, fido_credman_rp_new, (void), (), NULL) \
	F(int, fido_dev_cancel, (fido_dev_t *a), (a), FIDO_ERR_INTERNAL) \
	F(int, fido_dev_close, (fido_dev_t *a), (a), FIDO_ERR_INTERNAL) \
	V(fido_dev_free, (fido_dev_t **a), (a)) \
	F(int, fido_dev_get_assert, (fido_dev_t *a, fido_assert_t *b, const char *c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(int, fido_dev_get_cbor_info, (fido_dev_t *a, fido_cbor_info_t *b), (a, b), FIDO_ERR_INTERNAL) \
	F(int, fido_dev_get_retry_count, (fido_dev_t *a, int *b), (a, b), FIDO_ERR_INTERNAL) \
	F(int, fido_dev_get_touch_begin, (fido_dev_t *a), (a), FIDO_ERR_INTERNAL) \
	F(int, fido_dev_get_touch_status, (fido_dev_t *a, int *b, int c), (a, b, c), FIDO_ERR_INTERNAL) \
	V(fido_dev_info_free, (fido_dev_info_t **a, size_t b), (a, b)) \
	F(int, fido_dev_info_manifest, (fido_dev_info_t *a, size_t b, size_t *c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(const char *, fido_dev_info_manufacturer_string, (const fido_dev_info_t *a), (a), NULL) \
	F(fido_dev_info_t *, fido_dev_info_new, (size_t a), (a), NULL) \
	F(const char *, fido_dev_info_path, (const fido_dev_info_t *a), (a), NULL) \
	F(const char *, fido_dev_info_product_string, (const fido_dev_info_t *a), (a), NULL) \
	F(const fido_dev_info_t *, fido_dev_info_ptr, (const fido_dev_info_t *a, size_t b), (a, b), NULL) \
	F(bool, fido_dev_is_fido2, (const fido_dev_t *a), (a), false) \
	F(int, fido_dev_make_cred, (fido_dev_t *a, fido_cred_t *b, const char *c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(fido_dev_t *, fido_dev_new, (void), (), NULL) \
	F(int, fido_dev_open, (fido_dev_t *a, const char *b), (a, b), FIDO_ERR_INTERNAL) \
	F(int, fido_dev_reset, (fido_dev_t *a), (a), FIDO_ERR_INTERNAL) \
	F(int, fido_dev_set_io_functions, (fido_dev_t *a, const fido_dev_io_t *b), (a, b), FIDO_ERR_INTERNAL) \
	F(int, fido_dev_set_pin, (fido_dev_t *a, const char *b, const char *c), (a, b, c), FIDO_ERR_INTERNAL) \
	F(int, fido_dev_set_timeout, (fido_dev_t *a, int b), (a, b), FIDO_ERR_INTERNAL) \
	V(fido_init, (int a), (a)) \
	F(const char *, fido_strerr, (int a), (a), "libfido2 is not loaded")

#define POINTER(ret, name, params, args, fail) static ret(*p_##name) params;
#define VPOINTER(name, params, args) static void(*p_##name) params;
FIDO_FUNCS(POINTER, VPOINTER)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *load_error = "not loaded yet";
static char load_buf[256];

static void
load(void)
{
	void *lib;

	if ((lib = dlopen(LIBFIDO2, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(load_buf, sizeof(load_buf), "%s", dlerror());
		load_error = load_buf;
		return;
	}
#define RESOLVE(name) \
	if ((*(void **)&p_##name = dlsym(lib, #name)) == NULL) { \
		snprintf(load_buf, sizeof(load_buf), "%s has no %s", LIBFIDO2, #name); \
		load_error = load_buf; \
		return; \
	}
#define FRESOLVE(ret, name, params, args, fail) RESOLVE(name)
#define VRESOLVE(name, params, args) RESOLVE(name)
	FIDO_FUNCS(FRESOLVE, VRESOLVE)
	load_error = NULL;
}

/* otter_fido_load loads libfido2 once; it returns NULL or why it failed. */
const char *
otter_fido_load(void)
{
	pthread_once(&once, load);
	return load_error;
}

#define STUB(ret, name, params, args, fail) \
	ret name params \
	{ \
		if (otter_fido_load() != NULL) \
			return fail; \
		return p_##name args; \
	}
#define VSTUB(name, params, args) \
	void name params \
	{ \
		if (otter_fido_load() == NULL) \
			p_##name args; \
	}
FIDO_FUNCS(STUB, VSTUB)
