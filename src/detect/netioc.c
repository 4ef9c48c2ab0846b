#include "detect/netioc.h"

#include "util/mem.h"
#include "util/strutil.h"

#include <arpa/inet.h>
#include <libpsl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ONION_CARRY  64  /* bytes kept between chunks in onion-only mode */
#define SPLIT_WINDOW 512 /* tail of an over-long line carried to the next piece */
#define HOST_MAX     253

struct netioc {
	unsigned flags;
	netioc_fn fn;
	void *ctx;
	const psl_ctx_t *psl;
	char line[NETIOC_LINE_MAX];
	size_t len;
	long lineno;
	size_t count;
	bool stopped;
	int rc;
	/* onion-only mode */
	char carry[ONION_CARRY];
	size_t carry_len;
	char *scratch;
	size_t scratch_alloc;
};

/* ---- character classes ---------------------------------------------------- */

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

enum { C_PIECE = 1, C_URL = 2, C_TRIM = 4, C_MARK = 8 };

#define C_NAME (C_PIECE | C_URL)
#define C_EDGE (C_PIECE | C_URL | C_TRIM)

/* Character classes: C_PIECE for a "piece" (hosts, addresses, e-mails,
 * ports), C_URL for what a URL may hold (quotes, brackets of prose and
 * spaces end it), C_TRIM for what cannot start or end an indicator, C_MARK
 * for the '.' or ':' every indicator holds. */
static const unsigned char cclass[256] = {
    ['a' ... 'z'] = C_NAME, ['A' ... 'Z'] = C_NAME, ['0' ... '9'] = C_NAME, ['.'] = C_EDGE | C_MARK,
    ['-'] = C_EDGE,         ['_'] = C_EDGE,         ['@'] = C_EDGE,         [':'] = C_EDGE | C_MARK,
    ['%'] = C_EDGE,         ['+'] = C_EDGE,         ['['] = C_NAME,         [']'] = C_NAME,
    ['~'] = C_URL,          ['/'] = C_URL,          ['?'] = C_URL,          ['#'] = C_URL,
    ['!'] = C_URL,          ['$'] = C_URL,          ['&'] = C_URL,          ['*'] = C_URL,
    [','] = C_URL,          [';'] = C_URL,          ['='] = C_URL,
};

static bool is_piece(unsigned char c)
{
	return cclass[c] & C_PIECE;
}

static bool is_url(unsigned char c)
{
	return cclass[c] & C_URL;
}

static bool is_base32(unsigned char c)
{
	c = (unsigned char)lower((char)c);
	return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

/* ---- addresses ------------------------------------------------------------ */

bool netioc_ip_public(const unsigned char *a, bool v6)
{
	if (v6) {
		if ((a[0] & 0xe0) != 0x20) /* only global unicast 2000::/3 */
			return false;
		if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
			return false;
		if (a[0] == 0x3f && a[1] == 0xff && (a[2] & 0xf0) == 0)
			return false;
		return true;
	}
	switch (a[0]) {
	case 0:
	case 10:
	case 127:
		return false;
	case 100:
		return (a[1] & 0xc0) != 64;
	case 169:
		return a[1] != 254;
	case 172:
		return (a[1] & 0xf0) != 16;
	case 192:
		return !(a[1] == 168 || (a[1] == 0 && (a[2] == 0 || a[2] == 2)));
	case 198:
		return !((a[1] & 0xfe) == 18 || (a[1] == 51 && a[2] == 100));
	case 203:
		return !(a[1] == 0 && a[2] == 113);
	default:
		return a[0] < 224;
	}
}

/* A strict dotted quad: four octets 0-255, no leading zeros. */
static bool parse_v4(const char *s, size_t n, unsigned char out[4])
{
	size_t i = 0;

	for (int o = 0; o < 4; o++) {
		unsigned v = 0;
		size_t st = i;

		if (o) {
			if (i >= n || s[i] != '.')
				return false;
			st = ++i;
		}
		while (i < n && is_digit((unsigned char)s[i]) && i - st < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == st || v > 255 || (i - st > 1 && s[st] == '0'))
			return false;
		out[o] = (unsigned char)v;
	}
	return i == n;
}

/* ---- .onion --------------------------------------------------------------- */

static int b32val(char c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z' ? c - 'a' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
}

bool netioc_onion_valid(const char *s, size_t n)
{
	unsigned char raw[35], digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	uint64_t acc = 0;
	int bits = 0;
	size_t o = 0;
	EVP_MD_CTX *md;
	bool ok;

	for (size_t i = 0; i < n; i++)
		if (b32val(s[i]) < 0)
			return false;
	if (n == 16)
		return true;
	if (n != 56)
		return false;
	for (size_t i = 0; i < n; i++) {
		acc = acc << 5 | (uint64_t)b32val(s[i]);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			raw[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (o != 35 || raw[34] != 3)
		return false;
	md = EVP_MD_CTX_new();
	ok = md && EVP_DigestInit_ex(md, EVP_sha3_256(), NULL) &&
	     EVP_DigestUpdate(md, ".onion checksum", 15) && EVP_DigestUpdate(md, raw, 32) &&
	     EVP_DigestUpdate(md, raw + 34, 1) && EVP_DigestFinal_ex(md, digest, &dlen);
	EVP_MD_CTX_free(md);
	return ok && dlen >= 2 && digest[0] == raw[32] && digest[1] == raw[33];
}

/* ---- reporting ------------------------------------------------------------ */

static void emit(struct netioc *x, enum ioc_kind kind, const char *value, const char *host,
                 const char *domain, bool is_ip)
{
	struct ioc ioc;

	if (x->stopped)
		return;
	ioc.kind = kind;
	ioc.value = value;
	ioc.host = host;
	ioc.domain = domain;
	ioc.host_is_ip = is_ip;
	ioc.line = x->lineno;
	x->count++;
	if ((x->rc = x->fn(x->ctx, &ioc)) || x->count >= NETIOC_MAX_PER_STREAM)
		x->stopped = true;
}

/* File extensions that are also top-level domains: "name.ext" alone is a
 * file name far more often than a host. */
static bool ext_like(const char *tld)
{
	static const char *const ext[] = {"py",  "sh", "pl",   "pm", "so",    "md",   "rs", "zip",
	                                  "mov", "am", "in",   "ac", "cc",    "ps",   "mk", "ml",
	                                  "mo",  "la", "name", "id", "email", "host", NULL};

	for (int i = 0; ext[i]; i++)
		if (!strcmp(tld, ext[i]))
			return true;
	return false;
}

/* Validates and lower-cases a host name into out; sets *reg to its
 * registrable domain (a pointer into out). strict: outside a URL or an
 * e-mail address (the file-name rule applies).
 * Returns 1 for a host, 2 for an onion name, 0 otherwise. */
static int host_check(struct netioc *x, const char *s, size_t n, bool strict, char *out,
                      const char **reg)
{
	size_t labels = 1, label = 0, last_dot = 0;
	bool digits_only = true, numeric_label = false;

	*reg = NULL;
	while (n && s[n - 1] == '.')
		n--;
	if (!n || n > HOST_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = lower(s[i]);

		if (c == '.') {
			if (!label || s[i - 1] == '-')
				return 0;
			labels++;
			label = 0;
			last_dot = i;
			numeric_label = numeric_label || digits_only;
			digits_only = true;
		} else if (is_alnum((unsigned char)c) || c == '-' || c == '_') {
			if ((!label && c == '-') || ++label > 63)
				return 0;
			if (!is_digit((unsigned char)c))
				digits_only = false;
		} else {
			return 0;
		}
		out[i] = c;
	}
	out[n] = '\0';
	if (labels < 2 || digits_only || !label)
		return 0;
	if (!strcmp(out + last_dot + 1, "onion")) {
		size_t st = last_dot;

		while (st > 0 && out[st - 1] != '.')
			st--;
		if (!netioc_onion_valid(out + st, last_dot - st))
			return 0;
		memmove(out, out + st, n - st + 1); /* the service name, without subdomains */
		return 2;
	}
	if (!str_starts(out + last_dot + 1, "xn--"))
		for (const char *t = out + last_dot + 1; *t; t++)
			if (*t < 'a' || *t > 'z')
				return 0;
	if (!psl_is_public_suffix2(x->psl, out + last_dot + 1,
	                           PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
		return 0;
	/* "setup.py", "libfoo-1.2.3.so": file names, not hosts */
	if (strict && (labels == 2 || numeric_label) && ext_like(out + last_dot + 1))
		return 0;
	*reg = psl_registrable_domain(x->psl, out);
	return *reg ? 1 : 0;
}

/* ---- version-number context ----------------------------------------------- */

static bool space_or_quote(char c)
{
	return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '`';
}

/* True when the text before off of line says a version number follows. */
static bool version_context(const char *line, size_t off)
{
	size_t i = off, end;
	char word[32];
	size_t wl = 0;

	while (i > 0 && space_or_quote(line[i - 1]))
		i--;
	if (!i)
		return false;
	if (line[i - 1] == '^' || line[i - 1] == '~')
		return true;
	if (line[i - 1] == '=' || line[i - 1] == ':') {
		if (line[i - 1] == '=' && i >= 2 && strchr("=<>~!", line[i - 2]))
			return true;
		i--;
	} else {
		return false;
	}
	while (i > 0 && (space_or_quote(line[i - 1]) || line[i - 1] == '=' || line[i - 1] == ':'))
		i--;
	end = i;
	while (i > 0 && end - i < 40 &&
	       (is_alnum((unsigned char)line[i - 1]) || line[i - 1] == '_' || line[i - 1] == '-'))
		i--;
	for (size_t k = i; k < end && wl + 1 < sizeof(word); k++)
		if (line[k] != '_' && line[k] != '-')
			word[wl++] = lower(line[k]);
	word[wl] = '\0';
	return str_ends(word, "version") || str_ends(word, "release") || !strcmp(word, "ver") ||
	       !strcmp(word, "rev") || !strcmp(word, "revision") || !strcmp(word, "v");
}

/* ---- pieces and URLs ------------------------------------------------------ */

static void emit_host(struct netioc *x, const char *s, size_t n, bool strict)
{
	char host[HOST_MAX + 1];
	const char *reg;
	int k = host_check(x, s, n, strict, host, &reg);

	if (k == 1)
		emit(x, IOC_HOST, host, host, reg, false);
	else if (k == 2)
		emit(x, IOC_ONION, host, host, NULL, false);
}

static void emit_v4(struct netioc *x, const unsigned char a[4])
{
	char txt[INET_ADDRSTRLEN];

	if (!netioc_ip_public(a, false) || !inet_ntop(AF_INET, a, txt, sizeof(txt)))
		return;
	emit(x, IOC_IPV4, txt, txt, NULL, true);
}

static void try_v6(struct netioc *x, const char *s, size_t n)
{
	char tmp[64], txt[INET6_ADDRSTRLEN];
	unsigned char a[16];
	const char *pct;

	if (n && s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (!rb)
			return;
		s++;
		n = (size_t)(rb - s);
	}
	pct = memchr(s, '%', n);
	if (pct)
		n = (size_t)(pct - s);
	if (n < 3 || n >= sizeof(tmp))
		return;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET6, tmp, a) != 1 || !netioc_ip_public(a, true) ||
	    !inet_ntop(AF_INET6, a, txt, sizeof(txt)))
		return;
	emit(x, IOC_IPV6, txt, txt, NULL, true);
}

static void do_piece(struct netioc *x, const char *line, size_t st, size_t n)
{
	const char *s = line + st, *at = NULL, *colon;
	size_t colons = 0;
	bool dot = false;

	/* trim what cannot start or end an indicator */
	while (n && (cclass[(unsigned char)*s] & C_TRIM)) {
		s++;
		st++;
		n--;
	}
	while (n && ((cclass[(unsigned char)s[n - 1]] & C_TRIM) || s[n - 1] == '['))
		n--;
	if (n < 4)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '@')
			at = s + i;
		else if (s[i] == ':')
			colons++;
		else if (s[i] == '.')
			dot = true;
	}
	if (!dot && colons < 2)
		return;
	if (at) {
		const char *dom = at + 1;
		size_t dn = (size_t)(s + n - dom), ln = (size_t)(at - s);
		unsigned char a[4];
		char host[HOST_MAX + 1], email[HOST_MAX + 80];
		const char *reg;
		bool local_ok = ln > 0 && ln <= 64;

		colon = memchr(dom, ':', dn);
		if (colon)
			dn = (size_t)(colon - dom);
		if (parse_v4(dom, dn, a)) {
			emit_v4(x, a);
			return;
		}
		for (size_t i = 0; i < ln && local_ok; i++)
			local_ok = is_alnum((unsigned char)s[i]) || strchr("._%+-", s[i]);
		if (!colon && local_ok && host_check(x, dom, dn, false, host, &reg) == 1) {
			snprintf(email, sizeof(email), "%.*s@%s", (int)ln, s, host);
			emit(x, IOC_EMAIL, email, host, reg, false);
		} else {
			emit_host(x, dom, dn, colon == NULL && !local_ok);
		}
		return;
	}
	if (colons >= 2) {
		try_v6(x, s, n);
		return;
	}
	colon = memchr(s, ':', n);
	if (colon)
		n = (size_t)(colon - s);
	if (n && is_digit((unsigned char)s[0]) && is_digit((unsigned char)s[n - 1])) {
		unsigned char a[4];

		if (parse_v4(s, n, a) && !version_context(line, st))
			emit_v4(x, a);
		return;
	}
	emit_host(x, s, n, true);
}

/* A URL whose "://" is at sep; returns the index just past it. */
static size_t do_url(struct netioc *x, const char *line, size_t len, size_t sep)
{
	size_t st = sep, end = sep + 3, hs, he;
	char url[NETIOC_URL_MAX + 1], host[HOST_MAX + 1];
	const char *reg = NULL;
	bool is_ip = false;
	unsigned char a[16];
	size_t un;

	while (st > 0 && (is_alnum((unsigned char)line[st - 1]) || line[st - 1] == '+' ||
	                  line[st - 1] == '-' || line[st - 1] == '.'))
		st--;
	while (st < sep &&
	       !((line[st] >= 'a' && line[st] <= 'z') || (line[st] >= 'A' && line[st] <= 'Z')))
		st++;
	while (end < len && is_url((unsigned char)line[end]))
		end++;
	while (end > sep + 3 && strchr(".,;:!?*", line[end - 1]))
		end--;
	if (st == sep || end == sep + 3)
		return sep + 3;
	/* authority */
	hs = sep + 3;
	for (he = hs; he < end && !strchr("/?#", line[he]); he++)
		if (line[he] == '@')
			hs = he + 1;
	if (hs < he && line[hs] == '[') {
		size_t rb = hs;

		while (rb < he && line[rb] != ']')
			rb++;
		if (rb == he || rb - hs - 1 >= sizeof(host))
			return end;
		memcpy(host, line + hs + 1, rb - hs - 1);
		host[rb - hs - 1] = '\0';
		if (inet_pton(AF_INET6, host, a) != 1)
			return end;
		is_ip = true;
	} else {
		size_t hn;
		int k;

		for (hn = 0; hs + hn < he && line[hs + hn] != ':'; hn++)
			;
		if (!hn || hn > HOST_MAX)
			return end;
		if (parse_v4(line + hs, hn, a)) {
			memcpy(host, line + hs, hn);
			host[hn] = '\0';
			is_ip = true;
		} else if ((k = host_check(x, line + hs, hn, false, host, &reg)) == 0) {
			/* a host libpsl does not know (localhost, a service name) */
			bool ok = true;

			for (size_t i = 0; i < hn && ok; i++) {
				ok = is_alnum((unsigned char)line[hs + i]) ||
				     strchr(".-_", line[hs + i]);
				host[i] = lower(line[hs + i]);
			}
			if (!ok)
				return end;
			host[hn] = '\0';
		} else if (k == 2) {
			emit(x, IOC_ONION, host, host, NULL, false);
			return end;
		}
	}
	un = end - st > NETIOC_URL_MAX ? NETIOC_URL_MAX : end - st;
	memcpy(url, line + st, un);
	url[un] = '\0';
	emit(x, IOC_URL, url, host, reg, is_ip);
	return end;
}

static void do_line(struct netioc *x, const char *line, size_t len)
{
	size_t i = 0;

	if (!memchr(line, '.', len) && !memchr(line, ':', len))
		return;
	while (i < len && !x->stopped) {
		unsigned seen = 0;
		size_t st;

		while (i < len && !is_piece((unsigned char)line[i]))
			i++;
		st = i;
		while (i < len && is_piece((unsigned char)line[i]))
			seen |= cclass[(unsigned char)line[i++]];
		if (i == st)
			continue;
		/* "scheme://" ends this piece */
		if (i + 1 < len && line[i - 1] == ':' && line[i] == '/' && line[i + 1] == '/') {
			i = do_url(x, line, len, i - 1);
			continue;
		}
		if (!(seen & C_MARK) || i - st < 4)
			continue; /* a plain word */
		do_piece(x, line, st, i - st);
	}
}

/* ---- onion-only mode ------------------------------------------------------ */

/* Onion names in buf: ".onion" preceded by 16 or 56 base32 characters and
 * not followed by a name character. Only those ending at or after from. */
static void scan_onions(struct netioc *x, const char *buf, size_t len, size_t from)
{
	const char *p = buf, *end = buf + len;

	while (!x->stopped && (p = memmem(p, (size_t)(end - p), ".onion", 6))) {
		size_t dot = (size_t)(p - buf), st = dot;
		char name[64];

		p += 6;
		if (dot + 6 < from || (p < end && (is_alnum((unsigned char)*p) || *p == '-')))
			continue;
		if (p == end && len != from) /* may continue in the next chunk */
			continue;
		while (st > 0 && dot - st < 57 && is_base32((unsigned char)buf[st - 1]))
			st--;
		if (st > 0 && (is_alnum((unsigned char)buf[st - 1]) || buf[st - 1] == '-'))
			continue;
		if ((dot - st != 16 && dot - st != 56) || !netioc_onion_valid(buf + st, dot - st))
			continue;
		for (size_t i = st; i < dot; i++)
			name[i - st] = lower(buf[i]);
		memcpy(name + (dot - st), ".onion", 7);
		emit(x, IOC_ONION, name, name, NULL, false);
	}
}

static void onion_feed(struct netioc *x, const char *data, size_t len)
{
	/* a name split before "onion" shows in the joint below */
	bool maybe = memmem(data, len, ".onion", 6) != NULL;
	size_t keep;

	if (!maybe && x->carry_len) {
		char joint[ONION_CARRY + 8];
		size_t k = len < 6 ? len : 6;

		memcpy(joint, x->carry, x->carry_len);
		memcpy(joint + x->carry_len, data, k);
		maybe = memmem(joint, x->carry_len + k, "onion", 5) != NULL;
	}
	if (maybe) {
		size_t n = x->carry_len + len;

		if (x->scratch_alloc < n) {
			free(x->scratch);
			x->scratch = xmalloc(n);
			x->scratch_alloc = n;
		}
		memcpy(x->scratch, x->carry, x->carry_len);
		memcpy(x->scratch + x->carry_len, data, len);
		/* names ending inside the carry were looked at already */
		scan_onions(x, x->scratch, n, x->carry_len ? x->carry_len : 0);
	}
	/* carry the tail for names split across chunks */
	if (len >= ONION_CARRY) {
		memcpy(x->carry, data + len - ONION_CARRY, ONION_CARRY);
		x->carry_len = ONION_CARRY;
	} else {
		keep = x->carry_len + len > ONION_CARRY ? ONION_CARRY - len : x->carry_len;
		memmove(x->carry, x->carry + x->carry_len - keep, keep);
		memcpy(x->carry + keep, data, len);
		x->carry_len = keep + len;
	}
}

/* ---- the stream ----------------------------------------------------------- */

struct netioc *netioc_new(void)
{
	struct netioc *x = xcalloc(1, sizeof(*x));

	x->psl = psl_builtin();
	return x;
}

void netioc_free(struct netioc *x)
{
	if (!x)
		return;
	free(x->scratch);
	free(x);
}

void netioc_begin(struct netioc *x, unsigned flags, netioc_fn fn, void *ctx)
{
	x->flags = flags;
	x->fn = fn;
	x->ctx = ctx;
	x->len = 0;
	x->lineno = 1;
	x->count = 0;
	x->stopped = false;
	x->rc = 0;
	x->carry_len = 0;
}

size_t netioc_count(const struct netioc *x)
{
	return x->count;
}

/* The line buffer is full: looks at it up to its last separator and keeps
 * the rest (at most SPLIT_WINDOW bytes) for the next piece. */
static void flush_full(struct netioc *x)
{
	size_t cut = x->len;

	while (cut > x->len - SPLIT_WINDOW && is_url((unsigned char)x->line[cut - 1]))
		cut--;
	if (cut == x->len - SPLIT_WINDOW)
		cut = x->len;
	do_line(x, x->line, cut);
	memmove(x->line, x->line + cut, x->len - cut);
	x->len -= cut;
}

int netioc_feed(struct netioc *x, const void *data, size_t len)
{
	const char *p = data;

	if (x->stopped || !x->psl)
		return x->rc;
	if (x->flags & NETIOC_ONION_ONLY) {
		onion_feed(x, p, len);
		return x->rc;
	}
	while (len && !x->stopped) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl ? (size_t)(nl - p) : len;

		if (nl && !x->len && n < NETIOC_LINE_MAX) {
			/* a whole line in the chunk: no copy */
			do_line(x, p, n);
			x->lineno++;
			p += n + 1;
			len -= n + 1;
			continue;
		}
		while (n && !x->stopped) {
			size_t take = NETIOC_LINE_MAX - x->len < n ? NETIOC_LINE_MAX - x->len : n;

			memcpy(x->line + x->len, p, take);
			x->len += take;
			p += take;
			n -= take;
			len -= take;
			if (x->len == NETIOC_LINE_MAX)
				flush_full(x);
		}
		if (nl && !x->stopped) {
			do_line(x, x->line, x->len);
			x->len = 0;
			x->lineno++;
			p++;
			len--;
		}
	}
	return x->rc;
}

int netioc_end(struct netioc *x)
{
	if (x->stopped || !x->psl)
		return x->rc;
	if (x->flags & NETIOC_ONION_ONLY) {
		if (x->carry_len)
			scan_onions(x, x->carry, x->carry_len, x->carry_len);
	} else if (x->len) {
		do_line(x, x->line, x->len);
		x->len = 0;
	}
	return x->rc;
}

int netioc_scan(struct netioc *x, unsigned flags, const char *s, size_t len, netioc_fn fn,
                void *ctx)
{
	int rc;

	netioc_begin(x, flags, fn, ctx);
	if ((rc = netioc_feed(x, s, len)))
		return rc;
	return netioc_end(x);
}
