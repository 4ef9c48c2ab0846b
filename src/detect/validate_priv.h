/* Shared between the validator files (validate.c, validate_keys.c); not for
 * other modules. */
#ifndef DREDGE_VALIDATE_PRIV_H
#define DREDGE_VALIDATE_PRIV_H

#include "detect/validate.h"

void validate__ok(struct validation *out);
void validate__reject(struct validation *out, const char *reason);
void validate__weak(struct validation *out, enum severity sev, enum finding_status st,
                    const char *reason);

/* Base64 (standard or URL-safe, padding optional) of the bytes of s that are
 * base64 characters, skipping whitespace; NULL when s holds anything else.
 * The result is the caller's (free). */
unsigned char *validate__b64(size_t *out_len, const char *s, size_t len);

/* Private-key family: value is the matched text of the key. */
void validate__private_key(struct validation *out, const char *v, size_t len, const char *ctx,
                           size_t ctx_len);
void validate__private_key_b64(struct validation *out, const char *v, size_t len, const char *ctx,
                               size_t ctx_len);
void validate__putty_key(struct validation *out, const char *v, size_t len, const char *ctx,
                         size_t ctx_len);
void validate__gcp_service_account(struct validation *out, const char *v, size_t len,
                                   const char *ctx, size_t ctx_len);

#endif
