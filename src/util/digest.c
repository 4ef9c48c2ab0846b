#include "util/digest.h"
#include "util/err.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sha256_init(struct sha256 *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		fprintf(stderr, "dredge: cannot initialise sha256\n");
		abort();
	}
	h->ctx = ctx;
	h->bytes = 0;
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
	h->bytes += len;
}

void sha256_final(struct sha256 *h, char out[DIGEST_STR_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int n = 0;

	EVP_DigestFinal_ex(h->ctx, md, &n);
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
	sha256_release(h);
}

void sha256_release(struct sha256 *h)
{
	if (h->ctx)
		EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void sha256_digest(const void *data, size_t len, char out[DIGEST_STR_LEN])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, data, len);
	sha256_final(&h, out);
}

bool digest_valid(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7) != 0)
		return false;
	for (int i = 0; i < 64; i++) {
		char c = s[7 + i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return s[71] == '\0';
}

int digest_check(const char *s)
{
	const char *colon;

	if (digest_valid(s))
		return 0;
	if (!s)
		return err_set(DR_EFORMAT, "missing digest");
	colon = strchr(s, ':');
	if (colon && colon != s && strncmp(s, "sha256:", 7) != 0) {
		for (const char *p = s; p < colon; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' ||
			      *p == '.' || *p == '_' || *p == '-'))
				return err_set(DR_EFORMAT, "malformed digest '%.80s'", s);
		return err_set(DR_EUNSUPPORTED, "unsupported digest algorithm in '%.80s'", s);
	}
	return err_set(DR_EFORMAT, "malformed digest '%.80s'", s);
}

const char *digest_hex(const char *s)
{
	return s + 7;
}

const char *digest_short(const char *s, char out[20])
{
	if (!s) {
		snprintf(out, 20, "(none)");
		return out;
	}
	snprintf(out, 20, "%.19s", s);
	return out;
}
