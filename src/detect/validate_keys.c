/* Private-key validators: PEM (PKCS#1, SEC1, PKCS#8, encrypted), OpenSSH,
 * PGP and PuTTY keys are decoded and parsed to prove they are keys. */
#include "detect/validate_priv.h"
#include "util/limits.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_b64c(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=' || c == '-' || c == '_';
}

/* The key text with escapes (\n, \r) turned into newlines, one line per
 * physical line, quotes and string concatenation removed. */
struct pem_parts {
	char label[64];   /* "RSA PRIVATE KEY" */
	bool has_end;     /* the END line is present */
	bool encrypted;   /* Proc-Type: 4,ENCRYPTED */
	bool placeholder; /* body holds "...", "xxx" or similar */
	char crc[8];      /* PGP armor checksum line ("=abcd"), if any */
	struct buf b64;   /* the body's base64 characters */
};

static void unescape(struct buf *out, const char *v, size_t len)
{
	for (size_t i = 0; i < len && out->len < KEY_MAX_TEXT; i++) {
		if (v[i] == '\\' && i + 1 < len && (v[i + 1] == 'n' || v[i + 1] == 'r')) {
			buf_addc(out, '\n');
			i++;
		} else if (v[i] == '\r') {
			buf_addc(out, '\n');
		} else {
			buf_addc(out, v[i]);
		}
	}
}

/* Trims one line to its content: the text inside quotes when it is quoted,
 * without surrounding blanks. */
static void line_content(const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n;

	while (len && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	/* a trailing " +" is string concatenation, never base64 */
	if (len >= 2 && p[len - 1] == '+' &&
	    (p[len - 2] == ' ' || p[len - 2] == '"' || p[len - 2] == '\'')) {
		len--;
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
	}
	if (len && (*p == '"' || *p == '\'')) {
		char q = *p;
		const char *end = memchr(p + 1, q, len - 1);

		p++;
		len = end ? (size_t)(end - p) : len - 1;
	} else if (len && (p[len - 1] == '"' || p[len - 1] == '\'')) {
		len--;
	}
	*s = p;
	*n = len;
}

static void pem_split(struct pem_parts *pp, const char *v, size_t len)
{
	struct buf text = BUF_INIT;
	const char *p, *end, *begin;
	bool in_body = false;

	memset(pp, 0, sizeof(*pp));
	buf_init(&pp->b64, KEY_MAX_TEXT);
	unescape(&text, v, len);
	p = buf_cstr(&text);
	end = p + text.len;
	begin = strstr(p, "-----BEGIN ");
	if (!begin)
		goto done;
	{
		const char *l = begin + 11, *le = strstr(l, "-----");
		size_t n = le ? (size_t)(le - l) : 0;

		if (n >= sizeof(pp->label))
			n = sizeof(pp->label) - 1;
		memcpy(pp->label, l, n);
		pp->label[n] = '\0';
		p = le ? le + 5 : end;
	}
	in_body = true;
	while (p < end && in_body) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *ls = p;
		size_t n = (nl ? nl : end) - p;

		p = nl ? nl + 1 : end;
		line_content(&ls, &n);
		if (n == 0)
			continue;
		if (n >= 8 && memmem(ls, n, "-----END", 8)) {
			pp->has_end = true;
			/* text before the END marker on the same line is body */
			n = (size_t)((const char *)memmem(ls, n, "-----END", 8) - ls);
			in_body = false;
		}
		if (memchr(ls, ':', n)) {
			if (memmem(ls, n, "ENCRYPTED", 9))
				pp->encrypted = true;
			continue;
		}
		if (n >= 2 && n <= 6 && ls[0] == '=' && pp->b64.len > 0) {
			memcpy(pp->crc, ls, n < sizeof(pp->crc) ? n : sizeof(pp->crc) - 1);
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)ls[i];

			if (is_b64c(c))
				buf_addc(&pp->b64, (char)c);
			else if (c == '.' || c == '*' || c == '<' || c == '>')
				pp->placeholder = true;
		}
	}
done:
	buf_release(&text);
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads one SSH string at *off; false when it does not fit. */
static bool ssh_string(const unsigned char *d, size_t n, size_t *off, const unsigned char **s,
                       uint32_t *slen)
{
	if (*off + 4 > n)
		return false;
	*slen = rd32(d + *off);
	if (*slen > n - *off - 4)
		return false;
	*s = d + *off + 4;
	*off += 4 + *slen;
	return true;
}

static void check_openssh(struct validation *out, const unsigned char *d, size_t n)
{
	const unsigned char *cipher, *kdf, *kdfopt, *pub, *priv;
	uint32_t lc, lk, lo, lp, lv;
	size_t off = 15;

	if (!ssh_string(d, n, &off, &cipher, &lc) || !ssh_string(d, n, &off, &kdf, &lk) ||
	    !ssh_string(d, n, &off, &kdfopt, &lo) || off + 4 > n) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "truncated OpenSSH key");
		return;
	}
	if (rd32(d + off) != 1) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "OpenSSH key with unexpected key count");
		return;
	}
	off += 4;
	if (!ssh_string(d, n, &off, &pub, &lp) || !ssh_string(d, n, &off, &priv, &lv) || lp < 8) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "truncated OpenSSH key");
		return;
	}
	if (lc == 4 && memcmp(cipher, "none", 4) == 0) {
		if (lv < 8 || rd32(priv) != rd32(priv + 4)) {
			validate__weak(out, SEV_LOW, ST_ACTIVE, "OpenSSH key check bytes differ");
			return;
		}
		validate__ok(out);
		str_copy(out->reason, "unencrypted OpenSSH key", sizeof(out->reason));
		return;
	}
	validate__ok(out);
	str_copy(out->reason, "passphrase-protected OpenSSH key", sizeof(out->reason));
}

static uint32_t crc24(const unsigned char *d, size_t n)
{
	uint32_t crc = 0xB704CEu;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint32_t)d[i] << 16;
		for (int b = 0; b < 8; b++) {
			crc <<= 1;
			if (crc & 0x1000000u)
				crc ^= 0x1864CFBu;
		}
	}
	return crc & 0xFFFFFFu;
}

static void check_pgp(struct validation *out, const struct pem_parts *pp, const unsigned char *d,
                      size_t n)
{
	unsigned tag;

	if (n < 2 || !(d[0] & 0x80)) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "not an OpenPGP packet");
		return;
	}
	tag = (d[0] & 0x40) ? (d[0] & 0x3fu) : ((d[0] >> 2) & 0xfu);
	if (tag != 5 && tag != 7) {
		validate__weak(out, SEV_LOW, ST_ACTIVE,
		               "OpenPGP block without a secret-key packet");
		return;
	}
	if (pp->crc[0] == '=') {
		size_t cl = 0;
		unsigned char *c = validate__b64(&cl, pp->crc + 1, strlen(pp->crc + 1));
		bool bad = !c || cl != 3 ||
		           (((uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2]) != crc24(d, n));

		free(c);
		if (bad) {
			validate__weak(out, SEV_LOW, ST_ACTIVE, "OpenPGP armor checksum mismatch");
			return;
		}
	}
	validate__ok(out);
	str_copy(out->reason, "OpenPGP secret key", sizeof(out->reason));
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

static void check_der(struct validation *out, const struct pem_parts *pp, const unsigned char *d,
                      size_t n)
{
	const unsigned char *p = d;

	if (strstr(pp->label, "ENCRYPTED")) {
		X509_SIG *sig = d2i_X509_SIG(NULL, &p, (long)n);

		if (sig) {
			X509_SIG_free(sig);
			validate__ok(out);
			str_copy(out->reason, "encrypted PKCS#8 key", sizeof(out->reason));
		} else {
			validate__weak(out, SEV_LOW, ST_ACTIVE, "does not parse as a key");
		}
		return;
	}
	if (pp->encrypted) {
		/* Legacy PEM encryption: the body is ciphertext, whole cipher blocks. */
		if (n >= 64 && n % 8 == 0) {
			validate__ok(out);
			str_copy(out->reason, "passphrase-protected PEM key", sizeof(out->reason));
		} else {
			validate__weak(out, SEV_LOW, ST_ACTIVE, "truncated encrypted key");
		}
		return;
	}
	{
		EVP_PKEY *k = d2i_AutoPrivateKey(NULL, &p, (long)n);

		if (!k) {
			/* Let the PEM reader try the other structures (EC, DSA, PKCS#8). */
			char *b64 = str_base64_encode(d, n);
			struct buf pem = BUF_INIT;
			BIO *bio;

			buf_addf(&pem, "-----BEGIN %s-----\n", pp->label);
			for (size_t i = 0, l = strlen(b64); i < l; i += 64)
				buf_addf(&pem, "%.*s\n", (int)(l - i < 64 ? l - i : 64), b64 + i);
			buf_addf(&pem, "-----END %s-----\n", pp->label);
			bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
			if (bio)
				k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
			BIO_free(bio);
			buf_release(&pem);
			free(b64);
		}
		ERR_clear_error();
		if (!k) {
			validate__weak(out, SEV_LOW, ST_ACTIVE,
			               pp->has_end ? "does not parse as a key" : "truncated key");
			return;
		}
		validate__ok(out);
		snprintf(out->reason, sizeof(out->reason), "parses as a %d-bit %s key",
		         EVP_PKEY_get_bits(k), EVP_PKEY_get0_type_name(k));
		EVP_PKEY_free(k);
	}
}

void validate__private_key(struct validation *out, const char *v, size_t len, const char *ctx,
                           size_t ctx_len)
{
	struct pem_parts pp;
	unsigned char *d = NULL;
	size_t n = 0;

	if (len >= 20 && memcmp(v, "PuTTY-User-Key-File-", 20) == 0) {
		validate__putty_key(out, v, len, ctx, ctx_len);
		return;
	}
	pem_split(&pp, v, len);
	if (!strstr(pp.label, "PRIVATE KEY")) {
		validate__reject(out, "not a private key block");
		goto done;
	}
	if (pp.b64.len < 64) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "placeholder key body");
		goto done;
	}
	d = validate__b64(&n, pp.b64.ptr, pp.b64.len & ~(size_t)3);
	if (!d || n < 16) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "key body is not base64");
		goto done;
	}
	if (n >= 15 && memcmp(d, "openssh-key-v1", 15) == 0)
		check_openssh(out, d, n);
	else if (strstr(pp.label, "PGP"))
		check_pgp(out, &pp, d, n);
	else if (strstr(pp.label, "OPENSSH"))
		validate__weak(out, SEV_LOW, ST_ACTIVE, "OpenSSH key without its magic");
	else
		check_der(out, &pp, d, n);
	if (out->result == VALIDATION_WEAK && pp.placeholder && !pp.has_end) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "placeholder key body");
	}
done:
	free(d);
	buf_release(&pp.b64);
}

void validate__private_key_b64(struct validation *out, const char *v, size_t len, const char *ctx,
                               size_t ctx_len)
{
	size_t n = 0;
	unsigned char *d;

	while (len && (v[len - 1] == '=' || v[len - 1] == '\n' || v[len - 1] == '\r'))
		len--;
	d = validate__b64(&n, v, len & ~(size_t)3);
	if (!d || n < 32 || memmem(d, n, "PRIVATE KEY", 11) == NULL) {
		validate__reject(out, "does not decode to a private key");
	} else {
		validate__private_key(out, (const char *)d, n, ctx, ctx_len);
		if (out->result == VALIDATION_REJECT)
			validate__weak(out, SEV_LOW, ST_ACTIVE, "decodes to a damaged key");
	}
	free(d);
}

void validate__putty_key(struct validation *out, const char *v, size_t len, const char *ctx,
                         size_t ctx_len)
{
	bool enc_none = false, have_enc = false, have_pub = false, have_priv = false;
	bool have_mac = false;
	const char *p = v, *end = v + len;
	long want = -1; /* remaining base64 lines of the current section */

	if (len < 22 || memcmp(v, "PuTTY-User-Key-File-", 20) != 0) {
		validate__reject(out, "not a PuTTY key");
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		const char *ls = p;

		p = nl ? nl + 1 : end;
		if (n && ls[n - 1] == '\r')
			n--;
		if (want > 0) {
			for (size_t i = 0; i < n; i++)
				if (!is_b64c((unsigned char)ls[i]))
					goto bad;
			want--;
			continue;
		}
		if (n > 12 && memcmp(ls, "Encryption: ", 12) == 0) {
			have_enc = true;
			enc_none = n == 16 && memcmp(ls + 12, "none", 4) == 0;
		} else if (n > 14 && memcmp(ls, "Public-Lines: ", 14) == 0) {
			char num[16] = "";
			uint64_t x = 0;

			memcpy(num, ls + 14, n - 14 < 15 ? n - 14 : 15);
			if (str_to_u64(num, &x) != 0 || x == 0 || x > 64)
				goto bad;
			want = (long)x;
			have_pub = true;
		} else if (n > 15 && memcmp(ls, "Private-Lines: ", 15) == 0) {
			char num[16] = "";
			uint64_t x = 0;

			memcpy(num, ls + 15, n - 15 < 15 ? n - 15 : 15);
			if (str_to_u64(num, &x) != 0 || x == 0 || x > 64)
				goto bad;
			want = (long)x;
			have_priv = true;
		} else if (n > 13 && memcmp(ls, "Private-MAC: ", 13) == 0) {
			have_mac = true;
		}
	}
	if (!have_enc || !have_pub || !have_priv || want > 0 || !have_mac) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "truncated PuTTY key");
		return;
	}
	validate__ok(out);
	str_copy(out->reason, enc_none ? "unencrypted PuTTY key" : "passphrase-protected PuTTY key",
	         sizeof(out->reason));
	return;
bad:
	validate__weak(out, SEV_LOW, ST_ACTIVE, "malformed PuTTY key");
}

void validate__gcp_service_account(struct validation *out, const char *v, size_t len,
                                   const char *ctx, size_t ctx_len)
{
	validate__private_key(out, v, len, ctx, ctx_len);
	if (out->result != VALIDATION_OK)
		return;
	if (!ctx || !memmem(ctx, ctx_len, "service_account", 15)) {
		validate__weak(out, SEV_HIGH, ST_ACTIVE,
		               "private key in JSON without service_account type");
		return;
	}
	str_copy(out->reason, "service-account key parses", sizeof(out->reason));
}
