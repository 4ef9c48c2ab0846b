/* Secret validators: the registry, the placeholder and entropy helpers
 * shared by every validator, and the token validators (checksums, encodings,
 * pairing with nearby values). Key validators live in validate_keys.c. */
#include "detect/validate_priv.h"
#include "detect/wallet.h"
#include "util/jx.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void validate__ok(struct validation *out)
{
	memset(out, 0, sizeof(*out));
	out->result = VALIDATION_OK;
	out->status = ST_ACTIVE;
}

void validate__reject(struct validation *out, const char *reason)
{
	memset(out, 0, sizeof(*out));
	out->result = VALIDATION_REJECT;
	out->status = ST_ACTIVE;
	str_copy(out->reason, reason, sizeof(out->reason));
}

void validate__weak(struct validation *out, enum severity sev, enum finding_status st,
                    const char *reason)
{
	memset(out, 0, sizeof(*out));
	out->result = VALIDATION_WEAK;
	out->severity = sev;
	out->status = st;
	str_copy(out->reason, reason, sizeof(out->reason));
}

unsigned char *validate__b64(size_t *out_len, const char *s, size_t len)
{
	unsigned char *d = NULL;
	char *clean = xmalloc(len + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		clean[n++] = (char)c;
	}
	clean[n] = '\0';
	if (str_base64_decode(&d, out_len, clean, n) != 0)
		d = NULL;
	free(clean);
	return d;
}

/* ---- helpers ------------------------------------------------------------ */

uint32_t secret_crc32(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return crc ^ 0xFFFFFFFFu;
}

void secret_base62_crc(char out[7], uint32_t n)
{
	static const char digits[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	for (int i = 5; i >= 0; i--) {
		out[i] = digits[n % 62];
		n /= 62;
	}
	out[6] = '\0';
}

double secret_entropy(const char *v, size_t len)
{
	size_t counts[256] = {0};
	double h = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		counts[(unsigned char)v[i]]++;
	for (int i = 0; i < 256; i++) {
		if (counts[i]) {
			double p = (double)counts[i] / (double)len;

			h -= p * log2(p);
		}
	}
	return h;
}

/* Drops surrounding blanks, quotes and trailing separators. */
static void trim_value(const char **v, size_t *len)
{
	const char *p = *v;
	size_t n = *len;

	while (n && strchr(" \t\r\n\"'`", *p)) {
		p++;
		n--;
	}
	while (n && strchr(" \t\r\n\"'`;,", p[n - 1]))
		n--;
	*v = p;
	*len = n;
}

static bool is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool str_starts_n(const char *v, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && strncasecmp(v, prefix, n) == 0;
}

static bool has(const char *v, size_t len, const char *needle)
{
	return memmem(v, len, needle, strlen(needle)) != NULL;
}

bool secret_is_reference(const char *v, size_t len)
{
	static const char *const code[] = {
	    "${",         "{{",     "#{",   "<%",   "%{",       "$(",       "process.env",
	    "os.environ", "getenv", "ENV[", "env(", "environ[", "secrets.", "System.getenv",
	    " + ",        "\" +",   "+ \"", "::",   "->",       ":`",
	};

	trim_value(&v, &len);
	if (len == 0)
		return false;
	if (v[0] == '$' && len > 1 && (v[1] == '{' || v[1] == '(' || is_ident(v[1])))
		return true;
	for (size_t i = 0; i < sizeof(code) / sizeof(code[0]); i++)
		if (has(v, len, code[i]))
			return true;
	/* fragments of code around the literal: "+ getPassword() +", "label:" */
	if (strchr(",;+)]}(:", v[0]) || strchr(":(+}", v[len - 1]) || has(v, len, "()"))
		return true;
	/* a URL, an ARN or a path is not a password */
	if (str_starts_n(v, len, "http://") || str_starts_n(v, len, "https://") ||
	    str_starts_n(v, len, "file://") || str_starts_n(v, len, "arn:"))
		return true;
	{
		size_t slashes = 0;
		bool pathy = true;

		for (size_t i = 0; i < len; i++) {
			slashes += v[i] == '/';
			pathy = pathy && (is_ident(v[i]) || strchr(".#:/~-@", v[i]));
		}
		if (pathy && slashes >= 2)
			return true;
	}
	if (len > 2 && v[0] == '%' && v[len - 1] == '%') {
		bool word = true;

		for (size_t i = 1; i + 1 < len; i++)
			word = word && is_ident(v[i]);
		if (word)
			return true;
	}
	/* code: a call, an attribute path or a subscript instead of a literal */
	if (is_ident(v[0]) && !isdigit((unsigned char)v[0])) {
		size_t i = 0;
		bool dot = false;

		while (i < len && (is_ident(v[i]) || v[i] == '.')) {
			dot = dot || v[i] == '.';
			i++;
		}
		if (i < len && (v[i] == '(' ||
		                (v[i] == '[' &&
		                 (dot || (i + 1 < len && (v[i + 1] == '\'' || v[i + 1] == '"'))))))
			return true;
		if (i == len && dot && i > 2 && v[len - 1] != '.') {
			/* "config.password", not "s.Z4bTMtngfLeQ18AqVoBBkUAOD1" */
			bool digit = false;

			for (size_t k = 0; k < len; k++)
				digit = digit || isdigit((unsigned char)v[k]);
			if (!digit)
				return true;
		}
	}
	return false;
}

/* Words that mark a documentation value. Short values are also matched
 * after undoing common digit/symbol substitutions (p@ssw0rd). */
#define PLACEHOLDER_SHORT 4 /* letters: a word this short must stand apart */

static const char *const long_words[] = {
    "example",
    "xxxx",
    "your",
    "placeholder",
    "dummy",
    "sample",
    "redacted",
    "changeme",
    "change_me",
    "replace",
    "insert",
    "fake",
    "0000000",
    "1234567",
    "abcdefg",
    "deadbeef",
    "<",
    ">",
    "****",
    "....",
    "####",
    "here",
    /* documentation values: jwt.io's sample token, Stripe's and AWS's examples */
    "sflkxwrjsmekkf2qt4fwpmejf36pok6yjv_adqssw5c",
    "4ec39hqlyjwdarjtt1zdp7dc",
    "wjalrxutnfemi/k7mdeng",
    "akiaiosfodnn7",
    /* RFC 6749, 6750, 5849 and OpenID Connect example tokens and credentials */
    "2yotnfzfejr1zcsicmwpaa",
    "tgzv3jokf0xg5qx2tlkwia",
    "mf_9.b5f-4.1jqm",
    "s6bhdrkqt3",
    "gx1fbat3bv",
    "czzcagrsa3f0mzpnwdfmqmf0m2jw",
    "slav32hkkg",
    "h480djs93hd8",
    "ad180jjd733klru7",
    "kd94hf93k423kf44",
    "pfkkdhi9sl3r4s00",
    "nnch734d00sl2jdk",
};
static const char *const short_words[] = {
    "password", "passwd",    "passw",       "pass",     "secret",   "changeme", "example",
    "sample",   "dummy",     "placeholder", "your",     "xxx",      "test",     "fake",
    "foo",      "qwerty",    "asdf",        "letmein",  "welcome",  "default",  "todo",
    "none",     "null",      "undefined",   "empty",    "redacted", "hidden",   "notset",
    "not-set",  "replace",   "insert",      "enter",    "value",    "token",    "apikey",
    "api_key",  "admin",     "username",    "user",     "mypass",   "secure",   "***",
    "...",      "###",       "<",           ">",        "[",        "]",        "sesame",
    "hunter2",  "anonymous", "abc123",      "iloveyou", "monkey",   "dragon",   "private",
    "tbd",      "key",       "postgres",    "mysql",    "guest",    "root",     "redis",
    "rabbitmq", "mongo",     "xyz",         "abc",      "sdf",      "lkj",      "qwe",
    "zxc",
};

static char unleet(char c)
{
	switch (c) {
	case '0':
		return 'o';
	case '1':
		return 'i';
	case '3':
		return 'e';
	case '4':
	case '@':
		return 'a';
	case '5':
	case '$':
		return 's';
	case '7':
		return 't';
	default:
		return (char)tolower((unsigned char)c);
	}
}

/* a and b are neighbours in the alphabet or among the digits (wrapping:
 * z-a, 0-9), ignoring case. */
static bool step1(unsigned char a, unsigned char b)
{
	if (isalpha(a) && isalpha(b)) {
		int d = (tolower(b) - tolower(a) + 26) % 26;

		return d == 1 || d == 25;
	}
	if (isdigit(a) && isdigit(b)) {
		int d = (b - a + 10) % 10;

		return d == 1 || d == 9;
	}
	return false;
}

/* Whether the k letters at v[i] are written as a word: all lower case,
 * all upper case or capitalised, and set apart from the letters around
 * them on one side at least (the value's edge, a character that is neither
 * a letter nor a digit) or, capitalised, on both sides by camel case. */
static bool stands_apart(const char *v, size_t len, size_t i, size_t k)
{
	size_t upper = 0;
	bool cap, edge_before, edge_after;

	for (size_t j = i; j < i + k; j++)
		upper += isupper((unsigned char)v[j]) != 0;
	cap = upper == 1 && isupper((unsigned char)v[i]);
	if (upper != 0 && upper != k && !cap)
		return false;
	edge_before = i == 0 || !isalnum((unsigned char)v[i - 1]);
	edge_after = i + k == len || !isalnum((unsigned char)v[i + k]);
	if (edge_before || edge_after)
		return true;
	return cap && !isupper((unsigned char)v[i - 1]) && !islower((unsigned char)v[i + k]);
}

/* Whether low (v in lower case) holds word. A word of PLACEHOLDER_SHORT
 * letters or fewer ("your", "here") counts only where it stands apart: a
 * random token of 40 letters and digits holds one of them by chance once in
 * a few thousand tokens. */
static bool holds_word(const char *v, const char *low, size_t len, const char *word)
{
	size_t k = strlen(word);
	bool letters = k <= PLACEHOLDER_SHORT;

	for (size_t j = 0; j < k && letters; j++)
		letters = isalpha((unsigned char)word[j]);
	if (!letters)
		return strstr(low, word) != NULL;
	for (const char *p = low; (p = strstr(p, word)); p++)
		if (stands_apart(v, len, (size_t)(p - low), k))
			return true;
	return false;
}

static bool placeholder_check(const char *v, size_t len, bool short_list)
{
	char low[VALUE_MAX + 1], leet[VALUE_MAX + 1];
	size_t counts[256] = {0}, maxc = 0, run = 1, up = 1, down = 1, step2 = 0;

	trim_value(&v, &len);
	if (len == 0)
		return true;
	if (len > VALUE_MAX)
		len = VALUE_MAX;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		low[i] = (char)tolower(c);
		leet[i] = unleet((char)c);
		if (++counts[c] > maxc)
			maxc = counts[c];
		if (i) {
			unsigned char pc = (unsigned char)v[i - 1];

			run = c == pc ? run + 1 : 1;
			up = (isalnum(c) && c == pc + 1) ? up + 1 : 1;
			down = (isalnum(c) && c + 1 == pc) ? down + 1 : 1;
			if (run >= 5 || up >= 6 || down >= 6)
				return true;
		}
		if (i >= 2) {
			/* interleaved sequences: a1b2c3d4…, z9y8x7… */
			if (step1((unsigned char)v[i - 2], c)) {
				if (++step2 >= 6)
					return true;
			} else {
				step2 = 0;
			}
		}
	}
	low[len] = leet[len] = '\0';
	if (len >= 6 && maxc * 2 > len)
		return true;
	if ((v[0] == '<' && v[len - 1] == '>') || (v[0] == '[' && v[len - 1] == ']'))
		return true;
	for (size_t i = 0; i < sizeof(long_words) / sizeof(long_words[0]); i++)
		if (holds_word(v, low, len, long_words[i]))
			return true;
	if (short_list && len <= 24) {
		for (size_t i = 0; i < sizeof(short_words) / sizeof(short_words[0]); i++)
			if (strstr(low, short_words[i]) || strstr(leet, short_words[i]))
				return true;
	}
	return false;
}

bool secret_is_placeholder(const char *v, size_t len)
{
	return placeholder_check(v, len, true);
}

static bool ends_with(const char *v, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(v + len - n, suffix, n) == 0;
}

bool secret_path_is_fixture(const char *path)
{
	static const char *const dirs[] = {
	    "/test/",      "/tests/",   "/testdata/", "/test-data/", "/test_data/", "/fixtures/",
	    "/fixture/",   "/spec/",    "/specs/",    "/examples/",  "/example/",   "/samples/",
	    "/__tests__/", "/testing/", "/mocks/",    "/doc/",       "/docs/",      "/share/man/",
	};
	const char *base;
	size_t blen;

	if (!path)
		return false;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		/* also match a relative path that starts with the directory */
		if (strstr(path, dirs[i]) || str_starts(path, dirs[i] + 1))
			return true;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	blen = strlen(base);
	if (str_ends(base, "_test.go") || str_ends(base, "_test.py") ||
	    str_ends(base, ".test.js") || str_ends(base, ".spec.js") ||
	    str_ends(base, ".test.ts") || str_ends(base, ".spec.ts") ||
	    str_ends(base, "_spec.rb") || str_ends(base, "Test.java") || str_ends(base, "Tests.cs"))
		return true;
	if (blen > 8 && str_starts(base, "test_") && str_ends(base, ".py"))
		return true;
	if (str_starts(base, "test.") || str_starts(base, "example."))
		return true;
	/* templates shipped for users to fill in: .env.example, config.sample.yml */
	if (str_ends(base, ".example") || str_ends(base, ".sample") ||
	    str_ends(base, ".template") || str_ends(base, ".dist") || str_ends(base, ".tmpl") ||
	    strstr(base, ".example.") || strstr(base, ".sample.") || strstr(base, ".template."))
		return true;
	return false;
}

/* ---- generic values ----------------------------------------------------- */

static bool all_in(const char *v, size_t len, const char *set)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(set, v[i]))
			return false;
	return true;
}

static bool is_hex(const char *v, size_t len)
{
	return all_in(v, len, "0123456789abcdefABCDEF");
}

static bool is_uuid(const char *v, size_t len)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? v[i] != '-' : !isxdigit((unsigned char)v[i]))
			return false;
	}
	return true;
}

/* Character classes present: lower, upper, digit, other. */
static int classes(const char *v, size_t len)
{
	int lo = 0, up = 0, di = 0, ot = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (islower(c))
			lo = 1;
		else if (isupper(c))
			up = 1;
		else if (isdigit(c))
			di = 1;
		else
			ot = 1;
	}
	return lo + up + di + ot;
}

/* A literal credential of known kind (URL password, .netrc, .pgpass, command
 * line): references are not values; placeholders are examples. */
static void v_credential(struct validation *out, const char *v, size_t len, const char *ctx,
                         size_t ctx_len)
{
	char dec[VALUE_MAX];
	size_t n = 0;

	trim_value(&v, &len);
	if (len == 0) {
		validate__reject(out, "empty value");
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			validate__reject(out, "binary bytes, not a value");
			return;
		}
	}
	if (secret_is_reference(v, len)) {
		validate__reject(out, "variable reference, not a value");
		return;
	}
	/* URL-decode so "P%40ssw0rd" reads as the placeholder it is */
	for (size_t i = 0; i < len && n < sizeof(dec); i++) {
		if (v[i] == '%' && i + 2 < len && isxdigit((unsigned char)v[i + 1]) &&
		    isxdigit((unsigned char)v[i + 2])) {
			char hx[3] = {v[i + 1], v[i + 2], 0};

			dec[n++] = (char)strtol(hx, NULL, 16);
			i += 2;
		} else {
			dec[n++] = v[i];
		}
	}
	if (secret_is_placeholder(dec, n)) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "placeholder value");
		return;
	}
	if (n <= 5) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "short value");
		return;
	}
	validate__ok(out);
}

/* user:password from a URL or a command line (-u user:password); a value
 * without a colon is the password alone. */
static void v_url_userinfo(struct validation *out, const char *v, size_t len, const char *ctx,
                           size_t ctx_len)
{
	const char *colon, *pw;
	size_t plen;

	trim_value(&v, &len);
	colon = memchr(v, ':', len);
	pw = colon ? colon + 1 : v;
	plen = colon ? len - (size_t)(colon - v) - 1 : len;
	if (plen == 0 || (colon && secret_is_reference(v, (size_t)(colon - v)) &&
	                  secret_is_reference(pw, plen))) {
		validate__reject(out, "no password");
		return;
	}
	if (colon && (size_t)(colon - v) == plen && memcmp(v, pw, plen) == 0 &&
	    !secret_is_reference(pw, plen)) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "password equals the user name");
		return;
	}
	v_credential(out, pw, plen, ctx, ctx_len);
}

/* A value of an assignment that reads as code or prose rather than a
 * credential: an unquoted identifier (Unicode, SEC_ERROR_BASE, index_info) or
 * a quoted phrase of several words. */
static const char *not_credential_like(const char *v, size_t len)
{
	bool quoted = len && (v[0] == '"' || v[0] == '\'');
	size_t spaces = 0;
	bool ident = true, word = true, code = false, number = true;
	int lo = 0, up = 0, di = 0;

	trim_value(&v, &len);
	while (!quoted && len > 1 && v[len - 1] == '=')
		len--; /* "scmVersion=": the next assignment, not base64 padding */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		spaces += c == ' ';
		number = number && (isdigit(c) || c == '.');
		/* bytes >= 0x80 count as letters: "parolă" is a word */
		word = word && (isalpha(c) || c == '_' || c == '-' || c >= 0x80);
		ident = ident && (isalnum(c) || c == '_' || c >= 0x80);
		code = code || strchr("[](){}<>+*^", c);
		lo |= islower(c) != 0;
		up |= isupper(c) != 0;
		di |= isdigit(c) != 0;
	}
	if (!quoted && word)
		return "unquoted identifier";
	/* ERRLOG2_BASE, UTF8String, String15: names, unless random-looking */
	if (!quoted && ident && !(len >= 12 && lo && up && di && secret_entropy(v, len) >= 3.3))
		return "unquoted identifier";
	if (!quoted && code)
		return "code expression";
	if (number)
		return "number or version";
	if (spaces >= 2)
		return "phrase";
	return NULL;
}

static void v_password(struct validation *out, const char *v, size_t len, const char *ctx,
                       size_t ctx_len)
{
	const char *why = not_credential_like(v, len);

	trim_value(&v, &len);
	v_credential(out, v, len, ctx, ctx_len);
	if (out->result != VALIDATION_OK)
		return;
	if (why) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, why);
		return;
	}
	if (len < 6) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "short value");
		return;
	}
	if (classes(v, len) < 2 || secret_entropy(v, len) < 2.8) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "low-entropy value");
		return;
	}
}

static void v_generic_secret(struct validation *out, const char *v, size_t len, const char *ctx,
                             size_t ctx_len)
{
	const char *why = not_credential_like(v, len);

	trim_value(&v, &len);
	if (len < 8) {
		validate__reject(out, "too short for a key");
		return;
	}
	v_credential(out, v, len, ctx, ctx_len);
	if (out->result != VALIDATION_OK)
		return;
	if (why) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, why);
		return;
	}
	if (is_hex(v, len) || is_uuid(v, len)) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "hex value (may be an identifier or hash)");
		return;
	}
	if (secret_entropy(v, len) < 3.0 || classes(v, len) < 2) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "low-entropy value");
		return;
	}
}

/* A token of a known vendor format: the regex proved the shape. */
/* Whether a long value reads as encoded binary data rather than a random
 * token: after the value's leading run (some formats begin with a fixed run
 * of 'A'), one character makes up more than 1/TOKEN_DOMINANT_SHARE of it.
 * Random tokens spread over their alphabet; base64 of integer tables
 * ("EAAAoBUAACMUAACJ...": zero bytes read 'A') does not. */
#define TOKEN_DOMINANT_MIN   40
#define TOKEN_FIXED_RUN      5 /* a leading run this long is part of a format */
#define TOKEN_DOMINANT_SHARE 5

/* Length of the run of v[0] that begins v (len > 0). */
static size_t leading_run(const char *v, size_t len)
{
	size_t i = 1;

	while (i < len && v[i] == v[0])
		i++;
	return i;
}

/* tail: the value after its leading run. */
static bool encoded_data(const char *tail, size_t len)
{
	size_t counts[256] = {0}, top = 0;

	if (len < TOKEN_DOMINANT_MIN)
		return false;
	for (size_t k = 0; k < len; k++) {
		size_t c = ++counts[(unsigned char)tail[k]];

		if (c > top)
			top = c;
	}
	return top * TOKEN_DOMINANT_SHARE > len;
}

static void v_token(struct validation *out, const char *v, size_t len, const char *ctx,
                    size_t ctx_len)
{
	size_t run, lead;

	trim_value(&v, &len);
	if (len == 0) {
		validate__reject(out, "empty value");
		return;
	}
	/* a fixed leading run (Twitter's 21 'A's) is judged by what follows */
	run = leading_run(v, len);
	lead = run >= TOKEN_FIXED_RUN && len - run >= TOKEN_DOMINANT_MIN ? run : 0;
	if (placeholder_check(v + lead, len - lead, false)) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "placeholder token");
		return;
	}
	if (len >= 16 && secret_entropy(v + lead, len - lead) < 2.5) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "low-entropy token");
		return;
	}
	if (encoded_data(v + run, len - run)) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "one character dominates: encoded data");
		return;
	}
	validate__ok(out);
}

/* Azure DevOps PAT (84 characters, "AZDO" at 76): the first 52 characters
 * are random, the rest is a fixed-layout header with long runs of 'A'. */
static void v_azure_devops_pat(struct validation *out, const char *v, size_t len, const char *ctx,
                               size_t ctx_len)
{
	trim_value(&v, &len);
	if (len != 84 || memcmp(v + 76, "AZDO", 4) != 0) {
		validate__reject(out, "not an Azure DevOps token");
		return;
	}
	v_token(out, v, 52, ctx, ctx_len);
}

/* ---- checksummed tokens ------------------------------------------------- */

/* prefix_len: bytes before the 30-character random part; the last 6
 * characters are the base62 CRC-32 of that part. */
static void check_crc_token(struct validation *out, const char *v, size_t len, size_t prefix_len)
{
	char want[7];

	v_token(out, v, len, NULL, 0);
	if (out->result != VALIDATION_OK)
		return;
	if (len != prefix_len + 36) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "unexpected token length");
		return;
	}
	secret_base62_crc(want, secret_crc32(v + prefix_len, 30));
	if (memcmp(want, v + prefix_len + 30, 6) != 0) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "checksum does not match");
		return;
	}
	validate__ok(out);
	str_copy(out->reason, "checksum verified", sizeof(out->reason));
}

static void v_github_token(struct validation *out, const char *v, size_t len, const char *ctx,
                           size_t ctx_len)
{
	trim_value(&v, &len);
	if (len > 11 && memcmp(v, "github_pat_", 11) == 0) {
		v_token(out, v, len, ctx, ctx_len);
		return;
	}
	if (len < 4 || v[0] != 'g' || v[1] != 'h' || v[3] != '_' || !strchr("pousr", v[2])) {
		validate__reject(out, "not a GitHub token");
		return;
	}
	if (v[2] == 'r' && len != 40) {
		/* refresh tokens are longer and carry no checksum suffix */
		v_token(out, v, len, ctx, ctx_len);
		return;
	}
	check_crc_token(out, v, len, 4);
}

static void v_npm_token(struct validation *out, const char *v, size_t len, const char *ctx,
                        size_t ctx_len)
{
	trim_value(&v, &len);
	if (len < 4 || memcmp(v, "npm_", 4) != 0) {
		validate__reject(out, "not an npm token");
		return;
	}
	check_crc_token(out, v, len, 4);
}

/* ---- cloud keys --------------------------------------------------------- */

static void v_aws_key_id(struct validation *out, const char *v, size_t len, const char *ctx,
                         size_t ctx_len)
{
	trim_value(&v, &len);
	if (len != 20) {
		validate__reject(out, "not 20 characters");
		return;
	}
	if (ends_with(v, len, "EXAMPLE")) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "documented example key");
		return;
	}
	if (secret_is_placeholder(v + 4, 16) || has(v, len, "DEADBEEF") ||
	    has(v, len, "ABCDEFGH")) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "placeholder key id");
		return;
	}
	if (!all_in(v + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "not base32");
		return;
	}
	validate__ok(out);
}

static bool memcasemem(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return true;
	return false;
}

/* An access key id anywhere in the bytes. */
static bool find_aws_key_id(const char *s, size_t n)
{
	static const char *const pre[] = {"AKIA", "ASIA", "AGPA", "AIDA", "AROA",
	                                  "AIPA", "ANPA", "ANVA", "ABIA", "ACCA"};

	for (size_t i = 0; s && i + 20 <= n; i++) {
		if (s[i] != 'A')
			continue;
		for (size_t k = 0; k < sizeof(pre) / sizeof(pre[0]); k++) {
			if (memcmp(s + i, pre[k], 4) == 0 &&
			    all_in(s + i + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") &&
			    (i + 20 == n || !isalnum((unsigned char)s[i + 20])))
				return true;
		}
	}
	return false;
}

static void v_aws_secret_key(struct validation *out, const char *v, size_t len, const char *ctx,
                             size_t ctx_len)
{
	trim_value(&v, &len);
	if (len != 40 ||
	    !all_in(v, len, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+")) {
		validate__reject(out, "not a 40-character key");
		return;
	}
	if (has(v, len, "EXAMPLEKEY") || ends_with(v, len, "EXAMPLE")) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "documented example key");
		return;
	}
	if (secret_is_placeholder(v, len)) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "placeholder key");
		return;
	}
	if (secret_entropy(v, len) < 3.5) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "low-entropy value");
		return;
	}
	if (!find_aws_key_id(ctx, ctx_len)) {
		if (!ctx || !memcasemem(ctx, ctx_len, "aws")) {
			validate__reject(out, "no AWS context");
			return;
		}
		validate__weak(out, SEV_HIGH, ST_ACTIVE, "no access key id nearby");
		return;
	}
	validate__ok(out);
	str_copy(out->reason, "paired with an access key id", sizeof(out->reason));
}

static void v_aws_session_token(struct validation *out, const char *v, size_t len, const char *ctx,
                                size_t ctx_len)
{
	v_token(out, v, len, ctx, ctx_len);
	if (out->result != VALIDATION_OK)
		return;
	trim_value(&v, &len);
	if (len < 100)
		validate__weak(out, SEV_LOW, ST_ACTIVE, "shorter than a session token");
}

/* Base64 that decodes to exactly want bytes. */
static void v_b64_bytes(struct validation *out, const char *v, size_t len, size_t want,
                        const char *what)
{
	size_t n = 0;
	unsigned char *d;
	char reason[96];

	trim_value(&v, &len);
	v_token(out, v, len, NULL, 0);
	if (out->result != VALIDATION_OK)
		return;
	d = validate__b64(&n, v, len);
	free(d);
	if (!d || n != want) {
		snprintf(reason, sizeof(reason), "does not decode to a %zu-byte %s", want, what);
		validate__weak(out, SEV_LOW, ST_ACTIVE, reason);
		return;
	}
	validate__ok(out);
}

static void v_azure_storage_key(struct validation *out, const char *v, size_t len, const char *ctx,
                                size_t ctx_len)
{
	v_b64_bytes(out, v, len, 64, "storage key");
}

static void v_wireguard_key(struct validation *out, const char *v, size_t len, const char *ctx,
                            size_t ctx_len)
{
	v_b64_bytes(out, v, len, 32, "key");
}

static void v_azure_sas(struct validation *out, const char *v, size_t len, const char *ctx,
                        size_t ctx_len)
{
	char dec[256];
	size_t n = 0, dn = 0;
	unsigned char *d;

	trim_value(&v, &len);
	for (size_t i = 0; i < len && n < sizeof(dec); i++) {
		if (v[i] == '%' && i + 2 < len) {
			char hx[3] = {v[i + 1], v[i + 2], 0};

			dec[n++] = (char)strtol(hx, NULL, 16);
			i += 2;
		} else {
			dec[n++] = v[i];
		}
	}
	if (!ctx || (!has(ctx, ctx_len, "sv=") && !has(ctx, ctx_len, "se="))) {
		validate__reject(out, "sig= without a SAS version or expiry");
		return;
	}
	if (secret_is_placeholder(dec, n)) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "placeholder signature");
		return;
	}
	d = validate__b64(&dn, dec, n);
	free(d);
	if (!d || dn != 32) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "signature is not a 32-byte HMAC");
		return;
	}
	validate__ok(out);
}

/* ---- vendor tokens ------------------------------------------------------ */

static void v_stripe_key(struct validation *out, const char *v, size_t len, const char *ctx,
                         size_t ctx_len)
{
	v_token(out, v, len, ctx, ctx_len);
	if (out->result != VALIDATION_OK)
		return;
	trim_value(&v, &len);
	if (has(v, len, "_test_"))
		validate__weak(out, SEV_LOW, ST_ACTIVE, "test-mode key");
}

static void v_telegram_bot(struct validation *out, const char *v, size_t len, const char *ctx,
                           size_t ctx_len)
{
	const char *colon;

	trim_value(&v, &len);
	colon = memchr(v, ':', len);
	if (!colon || colon - v < 8 || colon - v > 10 || len - (size_t)(colon - v) - 1 < 32) {
		validate__reject(out, "not a bot token");
		return;
	}
	v_token(out, colon + 1, len - (size_t)(colon - v) - 1, ctx, ctx_len);
}

/* Discord bot token: base64(user id) . timestamp . HMAC */
static void v_discord_token(struct validation *out, const char *v, size_t len, const char *ctx,
                            size_t ctx_len)
{
	const char *dot;
	unsigned char *d;
	size_t n = 0;
	bool digits = true;

	trim_value(&v, &len);
	dot = memchr(v, '.', len);
	if (!dot) {
		validate__reject(out, "not a bot token");
		return;
	}
	d = validate__b64(&n, v, (size_t)(dot - v));
	for (size_t i = 0; d && i < n; i++)
		digits = digits && isdigit(d[i]);
	free(d);
	if (!d || n < 17 || !digits) {
		validate__reject(out, "first part is not a base64 user id");
		return;
	}
	v_token(out, v, len, ctx, ctx_len);
}

/* base64 of "user:password" (Docker config auths, HTTP Basic). */
static void v_basic_auth(struct validation *out, const char *v, size_t len, const char *ctx,
                         size_t ctx_len)
{
	size_t n = 0;
	unsigned char *d;
	const char *colon;

	trim_value(&v, &len);
	d = validate__b64(&n, v, len);
	if (!d || n < 3 || !str_is_utf8((const char *)d, n)) {
		validate__reject(out, "not base64 of text");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (d[i] < 0x20 || d[i] == 0x7f) {
			validate__reject(out, "not base64 of text");
			goto done;
		}
	}
	colon = memchr(d, ':', n);
	if (!colon || colon == (const char *)d || (size_t)(colon - (const char *)d) + 1 >= n) {
		validate__reject(out, "no user:password pair");
		goto done;
	}
	if (n == 19 && memcmp(d, "Aladdin:open sesame", 19) == 0) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "documented example credentials");
		goto done;
	}
	v_credential(out, colon + 1, n - (size_t)(colon - (const char *)d) - 1, ctx, ctx_len);
done:
	free(d);
}

static bool json_decodes(json_t **out, const char *seg, size_t len)
{
	size_t n = 0;
	unsigned char *d = validate__b64(&n, seg, len);
	int rc = -1;

	*out = NULL;
	if (d && n > 1 && d[0] == '{')
		rc = jx_parse(out, (const char *)d, n, 8, "jwt");
	free(d);
	return rc == 0 && json_is_object(*out);
}

/* True when an HS256/384/512 token's signature verifies with one of the
 * secrets documentation and tutorials use (jwt.io's "your-256-bit-secret",
 * PyJWT's "secret"): a sample, not a credential. */
static bool jwt_example_secret(const char *alg, const char *signed_part, size_t signed_len,
                               const char *sig, size_t sig_len)
{
	static const char *const secrets[] = {
	    "secret",
	    "your-256-bit-secret",
	    "your-384-bit-secret",
	    "your-512-bit-secret",
	    "key",
	    "password",
	    "changeme",
	    "test",
	    "example",
	    "secretkey",
	    "secret-key",
	    "mysecret",
	    "my_secret",
	    "my-secret",
	    "supersecret",
	    "shhhhh",
	    "",
	};
	const EVP_MD *md = !strcmp(alg, "HS256")   ? EVP_sha256()
	                   : !strcmp(alg, "HS384") ? EVP_sha384()
	                   : !strcmp(alg, "HS512") ? EVP_sha512()
	                                           : NULL;
	unsigned char want[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
	unsigned char *d;
	size_t n = 0;
	unsigned mlen = 0;
	bool hit = false;

	if (!md)
		return false;
	d = validate__b64(&n, sig, sig_len);
	if (!d || n != (size_t)EVP_MD_get_size(md)) {
		free(d);
		return false;
	}
	memcpy(want, d, n);
	free(d);
	for (size_t i = 0; !hit && i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (HMAC(md, secrets[i], (int)strlen(secrets[i]),
		         (const unsigned char *)signed_part, signed_len, mac, &mlen) &&
		    mlen == n && CRYPTO_memcmp(mac, want, n) == 0)
			hit = true;
	}
	return hit;
}

static void v_jwt(struct validation *out, const char *v, size_t len, const char *ctx,
                  size_t ctx_len)
{
	const char *d1, *d2;
	json_t *hdr = NULL, *body = NULL;
	const char *alg;
	int64_t exp = 0;

	trim_value(&v, &len);
	d1 = memchr(v, '.', len);
	d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 - v) - 1) : NULL;
	if (!d2) {
		validate__reject(out, "not three parts");
		goto done;
	}
	if (!json_decodes(&hdr, v, (size_t)(d1 - v))) {
		size_t n = 0;
		unsigned char *raw = validate__b64(&n, v, (size_t)(d1 - v));
		bool looks = raw && n > 8 && raw[0] == '{' && memmem(raw, n, "\"alg\"", 5);

		free(raw);
		if (looks)
			validate__weak(out, SEV_LOW, ST_ACTIVE, "malformed header");
		else
			validate__reject(out, "header is not JSON with alg");
		goto done;
	}
	if (placeholder_check(v, len, false)) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE, "documentation example token");
		goto done;
	}
	alg = jx_str(hdr, "alg");
	if (!alg) {
		validate__reject(out, "header has no alg");
		goto done;
	}
	if (strcmp(alg, "none") == 0 || strcmp(alg, "None") == 0) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "unsigned token (alg none)");
		goto done;
	}
	if ((size_t)(v + len - d2) <= 1) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "no signature");
		goto done;
	}
	if (jwt_example_secret(alg, v, (size_t)(d2 - v), d2 + 1, len - (size_t)(d2 - v) - 1)) {
		validate__weak(out, SEV_INFO, ST_EXAMPLE,
		               "signed with a well-known example secret");
		goto done;
	}
	if (json_decodes(&body, d1 + 1, (size_t)(d2 - d1 - 1)) && jx_int(body, "exp", &exp) &&
	    exp > 0 && exp < (int64_t)time(NULL)) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "expired token");
		goto done;
	}
	validate__ok(out);
done:
	json_decref(hdr);
	json_decref(body);
}

/* age identity: Bech32 with human-readable part "age-secret-key-". */
static uint32_t bech32_polymod(const unsigned char *v, size_t n)
{
	static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
	uint32_t chk = 1;

	for (size_t i = 0; i < n; i++) {
		uint32_t top = chk >> 25;

		chk = (chk & 0x1ffffff) << 5 ^ v[i];
		for (int k = 0; k < 5; k++)
			if ((top >> k) & 1)
				chk ^= gen[k];
	}
	return chk;
}

static void v_bech32(struct validation *out, const char *v, size_t len, const char *ctx,
                     size_t ctx_len)
{
	static const char cs[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	unsigned char buf[512];
	size_t sep, n = 0;

	trim_value(&v, &len);
	for (sep = len; sep > 0 && v[sep - 1] != '1'; sep--)
		;
	if (sep < 2 || len - sep < 6 || sep - 1 + 1 + (len - sep) + (sep - 1) > sizeof(buf)) {
		validate__reject(out, "not bech32");
		return;
	}
	for (size_t i = 0; i + 1 < sep; i++)
		buf[n++] = (unsigned char)(tolower((unsigned char)v[i]) >> 5);
	buf[n++] = 0;
	for (size_t i = 0; i + 1 < sep; i++)
		buf[n++] = (unsigned char)(tolower((unsigned char)v[i]) & 31);
	for (size_t i = sep; i < len; i++) {
		const char *p = strchr(cs, tolower((unsigned char)v[i]));

		if (!p || !v[i]) {
			validate__reject(out, "not bech32");
			return;
		}
		buf[n++] = (unsigned char)(p - cs);
	}
	if (bech32_polymod(buf, n) != 1) {
		validate__weak(out, SEV_LOW, ST_ACTIVE, "checksum does not match");
		return;
	}
	validate__ok(out);
	str_copy(out->reason, "checksum verified", sizeof(out->reason));
}

/* ---- registry ----------------------------------------------------------- */

#define VALIDATOR_LIST(X)                                                                          \
	X("private-key", validate__private_key)                                                    \
	X("private-key-base64", validate__private_key_b64)                                         \
	X("putty-key", validate__putty_key)                                                        \
	X("gcp-service-account", validate__gcp_service_account)                                    \
	X("github-token", v_github_token)                                                          \
	X("npm-token", v_npm_token)                                                                \
	X("aws-key-id", v_aws_key_id)                                                              \
	X("aws-secret-key", v_aws_secret_key)                                                      \
	X("aws-session-token", v_aws_session_token)                                                \
	X("azure-storage-key", v_azure_storage_key)                                                \
	X("azure-sas", v_azure_sas)                                                                \
	X("wireguard-key", v_wireguard_key)                                                        \
	X("azure-devops-pat", v_azure_devops_pat)                                                  \
	X("stripe-key", v_stripe_key)                                                              \
	X("telegram-bot-token", v_telegram_bot)                                                    \
	X("discord-token", v_discord_token)                                                        \
	X("basic-auth", v_basic_auth)                                                              \
	X("jwt", v_jwt)                                                                            \
	X("bech32", v_bech32)                                                                      \
	X("monero-address", validate__monero_address)                                              \
	X("bitcoin-address", validate__bitcoin_address)                                            \
	X("ethereum-address", validate__ethereum_address)                                          \
	X("token", v_token)                                                                        \
	X("credential", v_credential)                                                              \
	X("url-userinfo", v_url_userinfo)                                                          \
	X("password", v_password)                                                                  \
	X("generic-secret", v_generic_secret)

#define VALIDATOR_NAME(name, fn) name,
const char *const validator_names[] = {VALIDATOR_LIST(VALIDATOR_NAME) NULL};
#undef VALIDATOR_NAME

validator_fn validator_find(const char *name)
{
#define VALIDATOR_MATCH(n, fn)                                                                     \
	if (strcmp(name, n) == 0)                                                                  \
		return fn;
	if (!name)
		return NULL;
	VALIDATOR_LIST(VALIDATOR_MATCH)
#undef VALIDATOR_MATCH
	return NULL;
}
