#include "detect/netioc.h"

#include "util/mem.h"
#include "util/strutil.h"

#include <arpa/inet.h>
#include <libpsl.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX2_PATH 1
#include <immintrin.h>
#endif
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ONION_CARRY  64  /* bytes kept between chunks in onion-only mode */
#define SPLIT_WINDOW 512 /* tail of an over-long line carried to the next piece */
#define HOST_MAX     253
#define TLD_SLOTS    8192 /* remembered public-suffix answers for last labels */
#define TLD_KEY      16   /* last labels shorter than this are remembered */
#define REG_SLOTS    2048 /* remembered registrable domains of host names */
#define REG_KEY      48   /* host names shorter than this are remembered */

/* libpsl's answers depend on the name alone (the built-in list never
 * changes): remembered per last label (psl_is_public_suffix2, name zero
 * padded) and per host (psl_registrable_domain, as the offset of the domain
 * in the host, -1 for none). An empty name marks a free slot. */
struct tld_slot {
	char name[TLD_KEY];
	bool is_public;
};

struct reg_slot {
	char host[REG_KEY];
	short off;
};

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
	bool avx2; /* the 32-byte scans: the CPU runs them, not turned off */
	struct tld_slot tld[TLD_SLOTS];
	struct reg_slot reg[REG_SLOTS];
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

/* ---- fast scans ----------------------------------------------------------- */

#ifdef __SSE2__
/* Bit k set when byte k of v is a piece character (C_PIECE). */
static inline __attribute__((always_inline)) unsigned piece_bits(__m128i v)
{
	__m128i lo = _mm_or_si128(v, _mm_set1_epi8(0x20));
	/* (unsigned)(c - base) < span as a signed compare */
	__m128i alpha = _mm_cmplt_epi8(_mm_add_epi8(lo, _mm_set1_epi8((char)(0x80 - 'a'))),
	                               _mm_set1_epi8((char)(0x80 + 26)));
	__m128i digit = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - '0'))),
	                               _mm_set1_epi8((char)(0x80 + 11))); /* 0-9 and ':' */
	__m128i r = _mm_or_si128(alpha, digit);

	r = _mm_or_si128(r, _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
	r = _mm_or_si128(r, _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
	r = _mm_or_si128(r, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
	r = _mm_or_si128(r, _mm_cmpeq_epi8(v, _mm_set1_epi8('@')));
	r = _mm_or_si128(r, _mm_cmpeq_epi8(v, _mm_set1_epi8('%')));
	r = _mm_or_si128(r, _mm_cmpeq_epi8(v, _mm_set1_epi8('+')));
	r = _mm_or_si128(r, _mm_cmpeq_epi8(v, _mm_set1_epi8('[')));
	r = _mm_or_si128(r, _mm_cmpeq_epi8(v, _mm_set1_epi8(']')));
	return (unsigned)_mm_movemask_epi8(r);
}
#endif

/* Offset of the first byte of s[i..n) that is no piece character, n when
 * there is none; s[0..avail) may be read. */
static size_t piece_end(const char *s, size_t i, size_t n, size_t avail)
{
#ifdef __SSE2__
	for (; i < n && i + 16 <= avail; i += 16) {
		unsigned m =
		    ~piece_bits(_mm_loadu_si128((const __m128i *)(const void *)(s + i))) & 0xffffu;

		if (m) {
			i += (size_t)__builtin_ctz(m);
			return i < n ? i : n;
		}
	}
	if (i >= n)
		return n;
#else
	(void)avail;
#endif
	while (i < n && is_piece((unsigned char)s[i]))
		i++;
	return i;
}

/* Offset of the start of the run of piece characters that ends at i,
 * looking back no further than from. */
static size_t piece_start(const char *s, size_t from, size_t i)
{
#ifdef __SSE2__
	while (i >= from + 16) {
		unsigned m =
		    ~piece_bits(_mm_loadu_si128((const __m128i *)(const void *)(s + i - 16))) &
		    0xffffu;

		if (m)
			return i - 16 + 32 - (size_t)__builtin_clz(m);
		i -= 16;
	}
#endif
	while (i > from && is_piece((unsigned char)s[i - 1]))
		i--;
	return i;
}

/* Offset of the first '.' or ':' (C_MARK) in s[0..n), n when there is none.
 * s[0..avail) may be read (avail >= n). */
static size_t find_mark(const char *s, size_t n, size_t avail)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i dot = _mm_set1_epi8('.'), colon = _mm_set1_epi8(':');

	for (; i < n && i + 16 <= avail; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, colon)));

		if (n - i < 16)
			m &= (1u << (n - i)) - 1; /* bytes past the line */
		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
	if (i >= n)
		return n;
#endif
	for (; i < n; i++)
		if (cclass[(unsigned char)s[i]] & C_MARK)
			break;
	return i;
}

/* Lines without a '.' hold no indicator but an IPv6 address or a URL, and
 * those hold "::", "://" or two ':' at most 5 bytes apart (an address's
 * groups have 1 to 4 hex digits): a ':' marks a line only when another ':'
 * or "//" follows within COLON_REACH bytes. The ":=" and "key: value" lines
 * of code and configuration are skipped whole. */
#define COLON_REACH 5

/* Likewise a '.' marks a line only between a name character and a letter
 * or digit, as the last dot of every host name and the dots of an address
 * are: sentence ends, "..", ".*" and "./" do not. */
static bool dot_marks(const char *s, size_t n, size_t i)
{
	unsigned char prev = i ? (unsigned char)s[i - 1] : 'a';
	unsigned char next = i + 1 < n ? (unsigned char)s[i + 1] : 'a';

	return (is_alnum(prev) || prev == '_' || prev == '-') && is_alnum(next);
}

/* True when the ':' at s[i] marks its line (s[0..n) readable); a ':' too
 * close to the end to tell does. */
static bool colon_marks(const char *s, size_t n, size_t i)
{
	if (i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/')
		return true;
	if (i + COLON_REACH >= n)
		return true;
	for (size_t k = 1; k <= COLON_REACH; k++)
		if (s[i + k] == ':')
			return true;
	return false;
}

#ifdef __SSE2__
/* Bit k set when byte k of v is in [lo, hi] (both below 0x80). */
static inline __attribute__((always_inline)) __m128i in_range(__m128i v, char lo, char hi)
{
	return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
	                     _mm_cmpgt_epi8(_mm_set1_epi8((char)(hi + 1)), v));
}

/* Letters and digits of v. */
static inline __attribute__((always_inline)) __m128i alnum_of(__m128i v)
{
	return _mm_or_si128(in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z'),
	                    in_range(v, '0', '9'));
}

/* Bit k set when byte k of the 16 at s marks a line (dot_marks,
 * colon_marks; s[0..16 + COLON_REACH) readable). *carry: bit 0 says the
 * byte before s may precede a marking dot; set for the next 16 bytes. */
static inline __attribute__((always_inline)) unsigned mark_bits(const char *s, unsigned *carry)
{
	const __m128i colon = _mm_set1_epi8(':'), slash = _mm_set1_epi8('/');
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i w1 = _mm_loadu_si128((const __m128i *)(const void *)(s + 1));
	__m128i near = _mm_and_si128(
	    _mm_cmpeq_epi8(w1, slash),
	    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + 2)), slash));
	unsigned name, dots;

	for (int k = 1; k <= COLON_REACH; k++)
		near = _mm_or_si128(
		    near,
		    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + k)), colon));
	name = (unsigned)_mm_movemask_epi8(
	    _mm_or_si128(alnum_of(v), _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('_')),
	                                           _mm_cmpeq_epi8(v, _mm_set1_epi8('-')))));
	dots = (unsigned)_mm_movemask_epi8(
	           _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')), alnum_of(w1))) &
	       ((name << 1) | *carry);
	*carry = (name >> 15) & 1;
	return dots | (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(v, colon), near));
}
#endif

/* Offset of the start of the first line of s[0..n) that holds a '.' or a
 * ':' that marks it (dot_marks, colon_marks; no indicator is in the lines
 * before it), or of the unterminated last line when none does (n when s
 * ends with '\n'); *lines counts the '\n' skipped, *mark is the offset of
 * that first mark (n when there is none). */
static size_t skip_plain(const char *s, size_t n, long *lines, size_t *mark)
{
	size_t i = 0, start = 0;
	long nl = 0;

#ifdef __SSE2__
	const __m128i eol = _mm_set1_epi8('\n');
	unsigned carry = 1; /* the byte before s is not known */

	for (; i + 16 + COLON_REACH <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned m = mark_bits(s + i, &carry);
		unsigned l = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, eol));

		if (m)
			l &= (1u << __builtin_ctz(m)) - 1; /* the '\n' before the mark */
		if (l)
			start = i + 32 - (size_t)__builtin_clz(l);
		for (; l; l &= l - 1)
			nl++;
		if (m) {
			i += (size_t)__builtin_ctz(m);
			goto done;
		}
	}
#endif
	for (; i < n; i++) {
		if ((s[i] == '.' && dot_marks(s, n, i)) || (s[i] == ':' && colon_marks(s, n, i)))
			break;
		if (s[i] == '\n') {
			nl++;
			start = i + 1;
		}
	}
#ifdef __SSE2__
done:
#endif
	*lines = nl;
	*mark = i;
	return start;
}

/* The first ".onion" in s[0..n), NULL when there is none. */
static const char *find_onion(const char *s, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i dot = _mm_set1_epi8('.'), o = _mm_set1_epi8('o'), en = _mm_set1_epi8('n');

	/* '.' at k, 'o' at k + 1 and 'n' at k + 5, then the rest */
	for (; i + 5 + 16 <= n; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 1));
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 5));
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_and_si128(_mm_cmpeq_epi8(a, dot),
		                  _mm_and_si128(_mm_cmpeq_epi8(b, o), _mm_cmpeq_epi8(c, en))));

		for (; m; m &= m - 1) {
			size_t k = i + (size_t)__builtin_ctz(m);

			if (!memcmp(s + k + 2, "nio", 3))
				return s + k;
		}
	}
#endif
	for (; i + 6 <= n; i++)
		if (s[i] == '.' && !memcmp(s + i + 1, "onion", 5))
			return s + i;
	return NULL;
}

#ifdef HAVE_AVX2_PATH
/* Letters and digits of v. */
__attribute__((target("avx2"))) static inline __m256i alnum_of256(__m256i v)
{
	__m256i low = _mm256_or_si256(v, _mm256_set1_epi8(0x20));

	return _mm256_or_si256(_mm256_and_si256(_mm256_cmpgt_epi8(low, _mm256_set1_epi8('a' - 1)),
	                                        _mm256_cmpgt_epi8(_mm256_set1_epi8('z' + 1), low)),
	                       _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8('0' - 1)),
	                                        _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), v)));
}

/* skip_plain 32 bytes at a time; *eol is the offset of the first '\n' after
 * *mark when it is in the same 32 bytes, 0 when not known. */
__attribute__((target("avx2,popcnt"))) static size_t
skip_plain_avx2(const char *s, size_t n, long *lines, size_t *mark, size_t *eol)
{
	const __m256i dot = _mm256_set1_epi8('.'), colon = _mm256_set1_epi8(':'),
	              slash = _mm256_set1_epi8('/'), eol_c = _mm256_set1_epi8('\n'),
	              under = _mm256_set1_epi8('_'), dash = _mm256_set1_epi8('-');
	size_t i = 0, start = 0, rest_start, rest_mark;
	long nl = 0, rest_lines;
	uint32_t carry = 1; /* the byte before s is not known */

	for (; i + 32 + COLON_REACH <= n; i += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
		__m256i w1 = _mm256_loadu_si256((const __m256i *)(const void *)(s + i + 1));
		__m256i near = _mm256_and_si256(
		    _mm256_cmpeq_epi8(w1, slash),
		    _mm256_cmpeq_epi8(
		        _mm256_loadu_si256((const __m256i *)(const void *)(s + i + 2)), slash));
		uint32_t m, l, name, after = 0;

		for (int k = 1; k <= COLON_REACH; k++)
			near = _mm256_or_si256(
			    near, _mm256_cmpeq_epi8(_mm256_loadu_si256(
			                                (const __m256i *)(const void *)(s + i + k)),
			                            colon));
		name = (uint32_t)_mm256_movemask_epi8(
		    _mm256_or_si256(alnum_of256(v), _mm256_or_si256(_mm256_cmpeq_epi8(v, under),
		                                                    _mm256_cmpeq_epi8(v, dash))));
		m = (uint32_t)_mm256_movemask_epi8(
		        _mm256_and_si256(_mm256_cmpeq_epi8(v, dot), alnum_of256(w1))) &
		    ((name << 1) | carry);
		carry = name >> 31;
		m |= (uint32_t)_mm256_movemask_epi8(
		    _mm256_and_si256(_mm256_cmpeq_epi8(v, colon), near));
		l = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, eol_c));
		if (m) {
			after = l & ~((2u << __builtin_ctz(m)) - 1);
			l &= (1u << __builtin_ctz(m)) - 1;
		}
		if (l) {
			nl += __builtin_popcount(l);
			start = i + 32 - (size_t)__builtin_clz(l);
		}
		if (m) {
			*lines = nl;
			*mark = i + (size_t)__builtin_ctz(m);
			*eol = after ? i + (size_t)__builtin_ctz(after) : 0;
			return start;
		}
	}
	*eol = 0;
	rest_start = skip_plain(s + i, n - i, &rest_lines, &rest_mark);
	*lines = nl + rest_lines;
	*mark = i + rest_mark;
	return rest_lines ? i + rest_start : start;
}

/* find_onion 32 bytes at a time. */
__attribute__((target("avx2"))) static const char *find_onion_avx2(const char *s, size_t n)
{
	const __m256i dot = _mm256_set1_epi8('.'), o = _mm256_set1_epi8('o'),
	              en = _mm256_set1_epi8('n');
	size_t i = 0;

	for (; i + 5 + 32 <= n; i += 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(s + i + 1));
		__m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(s + i + 5));
		uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
		    _mm256_cmpeq_epi8(a, dot),
		    _mm256_and_si256(_mm256_cmpeq_epi8(b, o), _mm256_cmpeq_epi8(c, en))));

		for (; m; m &= m - 1) {
			size_t k = i + (size_t)__builtin_ctz(m);

			if (!memcmp(s + k + 2, "nio", 3))
				return s + k;
		}
	}
	return find_onion(s + i, n - i);
}
#endif

/* skip_plain, and *eol as skip_plain_avx2 sets it. */
static size_t skip_plain_any(const struct netioc *x, const char *s, size_t n, long *lines,
                             size_t *mark, size_t *eol)
{
#ifdef HAVE_AVX2_PATH
	if (x->avx2)
		return skip_plain_avx2(s, n, lines, mark, eol);
#endif
	*eol = 0;
	return skip_plain(s, n, lines, mark);
}

static const char *find_onion_any(const struct netioc *x, const char *s, size_t n)
{
#ifdef HAVE_AVX2_PATH
	if (x->avx2)
		return find_onion_avx2(s, n);
#endif
	return find_onion(s, n);
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

/* True when the last label tld (n bytes, NUL-terminated) is a public suffix
 * of its own, asking libpsl once per label. */
static bool tld_public(struct netioc *x, const char *tld, size_t n)
{
	struct tld_slot *slot;
	char key[TLD_KEY] = {0};

	if (n >= TLD_KEY)
		return psl_is_public_suffix2(x->psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
	memcpy(key, tld, n);
	slot = &x->tld[str_hash(STR_HASH_SEED, tld, n) % TLD_SLOTS];
	if (memcmp(slot->name, key, TLD_KEY)) {
		slot->is_public =
		    psl_is_public_suffix2(x->psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
		memcpy(slot->name, key, TLD_KEY);
	}
	return slot->is_public;
}

/* psl_registrable_domain of host (n bytes, NUL-terminated, n > 0): a pointer
 * into host or NULL. */
static const char *reg_domain(struct netioc *x, const char *host, size_t n)
{
	struct reg_slot *slot;
	const char *reg;

	if (n >= REG_KEY)
		return psl_registrable_domain(x->psl, host);
	slot = &x->reg[str_hash(STR_HASH_SEED, host, n) % REG_SLOTS];
	if (memcmp(slot->host, host, n + 1)) {
		reg = psl_registrable_domain(x->psl, host);
		slot->off = reg ? (short)(reg - host) : -1;
		memcpy(slot->host, host, n + 1);
	}
	return slot->off < 0 ? NULL : host + slot->off;
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
	/* most names end in a word that is no public suffix: look at it first */
	for (last_dot = n; last_dot > 0 && s[last_dot - 1] != '.'; last_dot--)
		;
	if (!last_dot)
		return 0;
	if (n - last_dot < TLD_KEY) {
		char tld[TLD_KEY];
		size_t tn = n - last_dot, i = 0;

		for (; i < tn && (tld[i] = lower(s[last_dot + i])) >= 'a' && tld[i] <= 'z'; i++)
			;
		tld[tn] = '\0';
		if (i == tn && !(tn == 5 && !memcmp(tld, "onion", 5)) && !tld_public(x, tld, tn))
			return 0;
	}
	last_dot = 0;
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
	if (!tld_public(x, out + last_dot + 1, n - last_dot - 1))
		return 0;
	/* "setup.py", "libfoo-1.2.3.so": file names, not hosts */
	if (strict && (labels == 2 || numeric_label) && ext_like(out + last_dot + 1))
		return 0;
	*reg = reg_domain(x, out, n);
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

/* Indicators of line (len bytes, line[0..avail) readable, no '.' or ':'
 * before mark). */
static void do_line(struct netioc *x, const char *line, size_t len, size_t avail, size_t mark)
{
	size_t i = 0;

	/* only pieces holding a '.' or ':' can be (or start) an indicator */
	while (i < len && !x->stopped) {
		size_t from = i, st;

		if (i < mark)
			st = mark < len ? mark : len;
		else
			st = i + find_mark(line + i, len - i, avail - i);

		if (st == len)
			break;
		i = piece_end(line, st + 1, len, avail);
		st = piece_start(line, from, st);
		/* "scheme://" ends this piece */
		if (i + 1 < len && line[i - 1] == ':' && line[i] == '/' && line[i + 1] == '/') {
			i = do_url(x, line, len, i - 1);
			continue;
		}
		if (i - st >= 4)
			do_piece(x, line, st, i - st);
	}
}

/* ---- onion-only mode ------------------------------------------------------ */

/* Onion names in buf: ".onion" preceded by 16 or 56 base32 characters and
 * not followed by a name character. Only those ending at or after from. */
static void scan_onions(struct netioc *x, const char *buf, size_t len, size_t from)
{
	const char *p = buf, *end = buf + len;

	while (!x->stopped && (p = find_onion_any(x, p, (size_t)(end - p)))) {
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
	bool maybe = find_onion_any(x, data, len) != NULL;
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
#ifdef HAVE_AVX2_PATH
	x->avx2 = __builtin_cpu_supports("avx2");
#endif
	return x;
}

void netioc_allow_avx2(struct netioc *x, bool allow)
{
#ifdef HAVE_AVX2_PATH
	x->avx2 = allow && __builtin_cpu_supports("avx2");
#else
	(void)x;
	(void)allow;
#endif
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
	do_line(x, x->line, cut, cut, 0);
	memmove(x->line, x->line + cut, x->len - cut);
	x->len -= cut;
}

int netioc_feed(struct netioc *x, const void *data, size_t len)
{
	const char *p = data;

	if (x->stopped || !x->psl)
		return x->rc;
	if (x->flags & NETIOC_ONION_ONLY) {
		if (len) /* nothing new: the carry was looked at already */
			onion_feed(x, p, len);
		return x->rc;
	}
	while (len && !x->stopped) {
		const char *nl;
		size_t n, mark = 0, eol = 0;

		if (!x->len) {
			long lines;
			size_t skip = skip_plain_any(x, p, len, &lines, &mark, &eol);

			x->lineno += lines;
			p += skip;
			len -= skip;
			mark -= skip; /* no '\n' before it on this line */
			if (eol)
				eol -= skip;
			if (!len)
				break;
		}
		nl = eol ? p + eol : memchr(p + mark, '\n', len - mark);
		n = nl ? (size_t)(nl - p) : len;

		if (nl && !x->len && n < NETIOC_LINE_MAX) {
			/* a whole line in the chunk: no copy */
			do_line(x, p, n, len, mark);
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
			do_line(x, x->line, x->len, x->len, 0);
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
		do_line(x, x->line, x->len, x->len, 0);
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
