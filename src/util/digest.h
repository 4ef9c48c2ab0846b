/* sha256 hashing (OpenSSL EVP, SHA-NI where the CPU has it) and the
 * "sha256:<64 hex>" digest strings of the OCI spec. */
#ifndef DREDGE_DIGEST_H
#define DREDGE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "sha256:" + 64 hex + NUL */
#define DIGEST_STR_LEN 72

struct sha256 {
	void *ctx; /* EVP_MD_CTX */
	uint64_t bytes;
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* Writes "sha256:<hex>" into out and releases the context. */
void sha256_final(struct sha256 *h, char out[DIGEST_STR_LEN]);
/* Releases a context that was not finalised (NULL ctx is fine). */
void sha256_release(struct sha256 *h);
/* One-shot digest of a buffer. */
void sha256_digest(const void *data, size_t len, char out[DIGEST_STR_LEN]);

/* True when s is "sha256:" followed by exactly 64 lower-case hex digits. */
bool digest_valid(const char *s);
/* Validates a digest string from input; DR_EUNSUPPORTED for another
 * algorithm (sha512, …), DR_EFORMAT for anything malformed. */
int digest_check(const char *s);
/* The 64-hex part of a valid digest (borrowed from s). */
const char *digest_hex(const char *s);
/* "sha256:abcdef012345" style short form for messages (12 hex). */
const char *digest_short(const char *s, char out[20]);

#endif
