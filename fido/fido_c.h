/* C helpers of the otter libfido2 binding; see fido.c. */
#ifndef OTTER_FIDO_C_H
#define OTTER_FIDO_C_H

#include <stddef.h>
#include <fido.h>

const char *otter_fido_load(void);
int otter_set_virtual_io(fido_dev_t *dev);
char *otter_pin_new(const unsigned char *pin, size_t len);
void otter_pin_free(char *pin, size_t len);
int otter_assert_verify_es256(const fido_assert_t *a, size_t idx, const unsigned char *pk, size_t len);
int otter_cred_verify(const fido_cred_t *cred);

#endif
