/* Small string helpers that replace the banned libc calls. */
#ifndef DREDGE_STRUTIL_H
#define DREDGE_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t size);
/* Parses a whole decimal unsigned number; 0 or DR_EFORMAT. */
int str_to_u64(const char *s, uint64_t *out);
/* Like str_to_u64 but accepts a K/M/G/T (binary) suffix. */
int str_to_size(const char *s, uint64_t *out);
/* "1.5 MiB" style rendering into out. */
const char *str_human_bytes(uint64_t n, char out[32]);
/* Decodes standard base64 (padding optional); DR_EFORMAT on bad input.
 * *out is the caller's (NUL-terminated for convenience). */
int str_base64_decode(unsigned char **out, size_t *out_len, const char *s, size_t len);
/* Encodes standard base64 with padding; the caller frees the result. */
char *str_base64_encode(const unsigned char *data, size_t len);
/* True when s is valid UTF-8. */
bool str_is_utf8(const char *s, size_t len);

/* FNV-1a over n bytes of p, going on from h (STR_HASH_SEED to start): the
 * hash of the in-memory tables' string keys. */
#define STR_HASH_SEED 0xcbf29ce484222325ULL
static inline uint64_t str_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

#endif
