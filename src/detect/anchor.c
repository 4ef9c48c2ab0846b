#include "detect/anchor.h"

#include "util/mem.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ANCHOR_PRODUCT_MAX 256 /* literals a concatenation may multiply into */
/* ...or, to lengthen literals shorter than ANCHOR_SHORT bytes (which occur
 * too often in files: each hit costs a callback, most a confirm), into */
#define ANCHOR_PRODUCT_SHORT_MAX 2048
#define ANCHOR_SHORT             4
#define ANCHOR_CLASS_EXACT       10  /* a class of at most this many bytes is a literal set */
#define ANCHOR_DEPTH_MAX         64  /* group nesting read */
#define ANCHOR_RUN_SET_MAX       200 /* a run anchor's class leaves out some bytes */
#define LSET_LINEAR              16  /* literals of a set searched one by one */

struct cset {
	uint64_t b[4];
};

/* A set of literals. Sets past LSET_LINEAR literals look for duplicates
 * through an index of open addressing: slot holds index + 1, 0 when free. */
struct lset {
	struct anchor_lit *v;
	size_t n, alloc;
	uint32_t *slot;
	size_t n_slots;
};

/* What is known of one piece of a regex. exact: the piece matches exactly
 * one of these literals. req: every match of the piece contains one of these
 * literals, at most `before` bytes after the piece's start and ending at
 * most `after` bytes before its end. */
struct info {
	size_t minw, maxw;
	bool has_exact;
	struct lset exact;
	bool has_req;
	struct lset req;
	size_t before, after;
	bool has_set; /* the piece is one byte of set */
	struct cset set;
	bool has_run; /* every match holds a run of run_min or more bytes of run_set */
	struct cset run_set;
	size_t run_min;
};

struct parser {
	const char *p;
	bool caseless; /* (?i) somewhere: every literal caseless */
	int depth;
	size_t min_len;
};

static size_t sat_add(size_t a, size_t b)
{
	if (a == ANCHOR_UNBOUNDED || b == ANCHOR_UNBOUNDED || a > ANCHOR_UNBOUNDED - 1 - b)
		return ANCHOR_UNBOUNDED;
	return a + b;
}

static size_t sat_mul(size_t a, size_t n)
{
	if (!n || !a)
		return 0;
	if (a == ANCHOR_UNBOUNDED || n == ANCHOR_UNBOUNDED || a > (ANCHOR_UNBOUNDED - 1) / n)
		return ANCHOR_UNBOUNDED;
	return a * n;
}

/* ---- literal sets ------------------------------------------------------- */

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static void lset_release(struct lset *s)
{
	free(s->v);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

static bool lit_eq(const struct anchor_lit *a, const struct anchor_lit *b)
{
	return a->len == b->len && a->caseless == b->caseless && !memcmp(a->s, b->s, a->len);
}

static size_t lit_hash(const struct anchor_lit *l)
{
	uint64_t h = 1469598103934665603ull ^ l->caseless;

	for (size_t i = 0; i < l->len; i++)
		h = (h ^ l->s[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

/* The index slot of l: where it is, or the free slot where it would go. */
static uint32_t *lset_slot(const struct lset *s, const struct anchor_lit *l)
{
	size_t mask = s->n_slots - 1;

	for (size_t i = lit_hash(l) & mask;; i = (i + 1) & mask)
		if (!s->slot[i] || lit_eq(&s->v[s->slot[i] - 1], l))
			return &s->slot[i];
}

/* Rebuilds the index with room for twice the literals it holds. */
static void lset_reindex(struct lset *s)
{
	free(s->slot);
	s->n_slots = 64;
	while (s->n_slots < 4 * s->n)
		s->n_slots *= 2;
	s->slot = xcalloc(s->n_slots, sizeof(*s->slot));
	for (size_t i = 0; i < s->n; i++)
		*lset_slot(s, &s->v[i]) = (uint32_t)i + 1;
}

/* Adds a literal (deduplicated). False when the set or the literal is too big. */
static bool lset_add(struct lset *s, const unsigned char *p, size_t len, bool caseless)
{
	struct anchor_lit l;
	uint32_t *slot = NULL;

	if (len > ANCHOR_LIT_MAX || s->n >= ANCHOR_SET_MAX)
		return false;
	l.len = len;
	l.caseless = caseless;
	for (size_t i = 0; i < len; i++)
		l.s[i] = caseless ? fold(p[i]) : p[i];
	if (s->n < LSET_LINEAR) {
		for (size_t i = 0; i < s->n; i++)
			if (lit_eq(&s->v[i], &l))
				return true;
	} else {
		if (!s->slot || 2 * (s->n + 1) > s->n_slots)
			lset_reindex(s);
		slot = lset_slot(s, &l);
		if (*slot)
			return true;
	}
	XGROW(s->v, s->alloc, s->n + 1);
	s->v[s->n++] = l;
	if (slot)
		*slot = (uint32_t)s->n;
	return true;
}

static bool lset_union(struct lset *dst, const struct lset *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (!lset_add(dst, src->v[i].s, src->v[i].len, src->v[i].caseless))
			return false;
	return true;
}

static void lset_copy(struct lset *dst, const struct lset *src)
{
	memset(dst, 0, sizeof(*dst));
	lset_union(dst, src);
}

static size_t lset_min_len(const struct lset *s);

/* out = every a followed by every b; false when it would be too big. */
static bool lset_product(struct lset *out, const struct lset *a, const struct lset *b)
{
	size_t n = a->n * b->n;
	size_t cap = lset_min_len(a) < ANCHOR_SHORT ? ANCHOR_PRODUCT_SHORT_MAX : ANCHOR_PRODUCT_MAX;

	memset(out, 0, sizeof(*out));
	if (n > ANCHOR_SET_MAX || (n > cap && a->n > 1 && b->n > 1))
		return false;
	for (size_t i = 0; i < a->n; i++) {
		for (size_t j = 0; j < b->n; j++) {
			unsigned char buf[2 * ANCHOR_LIT_MAX];
			const struct anchor_lit *x = &a->v[i], *y = &b->v[j];

			if (x->len + y->len > ANCHOR_LIT_MAX)
				goto fail;
			memcpy(buf, x->s, x->len);
			memcpy(buf + x->len, y->s, y->len);
			if (!lset_add(out, buf, x->len + y->len, x->caseless || y->caseless))
				goto fail;
		}
	}
	return true;
fail:
	lset_release(out);
	return false;
}

static size_t lset_min_len(const struct lset *s)
{
	struct anchors view = {.lit = s->v, .n = s->n};

	return anchor_min_len(&view);
}
/* How good a set is as an anchor: longer shortest literal first, then fewer
 * literals, then a bounded reach. Negative: unusable. */
static long lset_score(const struct lset *s, size_t before, size_t after, size_t min_len)
{
	size_t ml;
	long q;

	if (!s->n)
		return -1;
	ml = lset_min_len(s);
	if (ml < min_len)
		return -1;
	q = (long)(ml > 8 ? 8 : ml) * 100000;
	q -= (long)(s->n > 9999 ? 9999 : s->n) * 10;
	q += after != ANCHOR_UNBOUNDED ? 5 : 0;
	q += before != ANCHOR_UNBOUNDED ? 2 : 0;
	return q;
}

/* ---- infos -------------------------------------------------------------- */

static void info_init(struct info *i)
{
	memset(i, 0, sizeof(*i));
}

static void info_release(struct info *i)
{
	lset_release(&i->exact);
	lset_release(&i->req);
	info_init(i);
}

/* An info matching exactly the literal p (p may be empty: zero width). */
static void info_literal(struct info *i, const unsigned char *p, size_t len, bool caseless)
{
	info_init(i);
	i->minw = i->maxw = len;
	i->has_exact = true;
	lset_add(&i->exact, p, len, caseless);
	if (len == 1) {
		unsigned char c = caseless ? fold(p[0]) : p[0];

		i->has_set = true;
		i->set.b[c >> 6] |= 1ull << (c & 63);
		if (caseless && c >= 'a' && c <= 'z')
			i->set.b[(c - 32) >> 6] |= 1ull << ((c - 32) & 63);
	}
}

/* An info of a piece of width [minw, maxw] with no literal known. */
static void info_any(struct info *i, size_t minw, size_t maxw)
{
	info_init(i);
	i->minw = minw;
	i->maxw = maxw;
}

/* Makes (set, before, after) the info's req when it scores better. Takes
 * ownership of set. */
static void offer_req(struct parser *ps, struct info *i, struct lset *set, size_t before,
                      size_t after)
{
	long q = lset_score(set, before, after, ps->min_len);

	if (!i->has_req || q > lset_score(&i->req, i->before, i->after, ps->min_len)) {
		lset_release(&i->req);
		i->req = *set;
		i->before = before;
		i->after = after;
		i->has_req = true;
	} else {
		lset_release(set);
	}
	memset(set, 0, sizeof(*set));
}

/* Completes an info whose exact set is known: the set is also a req. */
static void exact_as_req(struct parser *ps, struct info *i)
{
	struct lset c;

	if (!i->has_exact)
		return;
	lset_copy(&c, &i->exact);
	offer_req(ps, i, &c, 0, 0);
}

/* ---- combining -------------------------------------------------------- */

/* The info of items[0..n) in sequence. */
static void combine_concat(struct parser *ps, struct info *out, struct info *items, size_t n)
{
	size_t *pre = xcalloc(n + 1, sizeof(*pre)), *post = xcalloc(n + 1, sizeof(*post));

	info_init(out);
	for (size_t i = 0; i < n; i++) {
		out->minw = sat_add(out->minw, items[i].minw);
		pre[i + 1] = sat_add(pre[i], items[i].maxw);
	}
	out->maxw = pre[n];
	for (size_t i = n; i-- > 0;)
		post[i] = sat_add(post[i + 1], items[i].maxw);
	/* each item's own anchor */
	for (size_t i = 0; i < n; i++) {
		struct lset c;

		if (!items[i].has_req)
			continue;
		lset_copy(&c, &items[i].req);
		offer_req(ps, out, &c, sat_add(pre[i], items[i].before),
		          sat_add(items[i].after, post[i + 1]));
	}
	/* the longest run any item holds */
	for (size_t i = 0; i < n; i++)
		if (items[i].has_run && (!out->has_run || items[i].run_min > out->run_min)) {
			out->has_run = true;
			out->run_set = items[i].run_set;
			out->run_min = items[i].run_min;
		}
	if (n == 1 && items[0].has_set) {
		out->has_set = true;
		out->set = items[0].set;
	}
	/* runs of exact items multiplied out */
	for (size_t i = 0; i < n; i++) {
		struct lset run;
		size_t j;

		if (!items[i].has_exact)
			continue;
		lset_copy(&run, &items[i].exact);
		for (j = i + 1; j < n && items[j].has_exact; j++) {
			struct lset next;

			if (!lset_product(&next, &run, &items[j].exact))
				break;
			lset_release(&run);
			run = next;
		}
		if (i == 0 && j == n) {
			lset_copy(&out->exact, &run);
			out->has_exact = true;
		}
		offer_req(ps, out, &run, pre[i], post[j]);
	}
	free(pre);
	free(post);
}

/* The info of branches[0..n) as alternatives. */
static void combine_alt(struct info *out, struct info *br, size_t n)
{
	bool exact = true, req = true;

	info_init(out);
	out->minw = ANCHOR_UNBOUNDED;
	for (size_t i = 0; i < n; i++) {
		if (br[i].minw < out->minw)
			out->minw = br[i].minw;
		if (br[i].maxw == ANCHOR_UNBOUNDED || br[i].maxw > out->maxw)
			out->maxw = br[i].maxw;
		exact = exact && br[i].has_exact;
		req = req && br[i].has_req;
	}
	for (size_t i = 0; exact && i < n; i++)
		exact = lset_union(&out->exact, &br[i].exact);
	out->has_exact = exact;
	if (!exact)
		lset_release(&out->exact);
	for (size_t i = 0; req && i < n; i++) {
		req = lset_union(&out->req, &br[i].req);
		if (br[i].before == ANCHOR_UNBOUNDED || br[i].before > out->before)
			out->before = br[i].before;
		if (br[i].after == ANCHOR_UNBOUNDED || br[i].after > out->after)
			out->after = br[i].after;
	}
	out->has_req = req;
	if (!req) {
		lset_release(&out->req);
		out->before = out->after = 0;
	}
	out->has_run = true;
	out->has_set = true;
	for (size_t i = 0; i < n; i++) {
		out->has_run = out->has_run && br[i].has_run;
		out->has_set = out->has_set && br[i].has_set && br[i].minw == 1;
	}
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 4; k++) {
			if (out->has_run)
				out->run_set.b[k] |= br[i].run_set.b[k];
			if (out->has_set)
				out->set.b[k] |= br[i].set.b[k];
		}
		if (out->has_run && (!i || br[i].run_min < out->run_min))
			out->run_min = br[i].run_min;
	}
}

/* x repeated lo..hi times (hi ANCHOR_UNBOUNDED: no limit). Consumes x. */
static void combine_repeat(struct parser *ps, struct info *out, struct info *x, size_t lo,
                           size_t hi)
{
	info_init(out);
	if (x->has_set && lo >= 2) {
		out->has_run = true;
		out->run_set = x->set;
		out->run_min = lo;
	} else if (x->has_run && lo >= 1) {
		out->has_run = true;
		out->run_set = x->run_set;
		out->run_min = x->run_min;
	}
	out->minw = sat_mul(x->minw, lo);
	out->maxw =
	    hi == ANCHOR_UNBOUNDED ? (x->maxw ? ANCHOR_UNBOUNDED : 0) : sat_mul(x->maxw, hi);
	if (lo >= 1 && x->has_req) {
		/* the first repetition holds a literal; the others follow it */
		out->has_req = true;
		out->req = x->req;
		memset(&x->req, 0, sizeof(x->req));
		out->before = x->before;
		out->after =
		    sat_add(x->after, hi == ANCHOR_UNBOUNDED ? (x->maxw ? ANCHOR_UNBOUNDED : 0)
		                                             : sat_mul(x->maxw, hi - 1));
	}
	if (x->has_exact && lo == hi && lo <= 8) {
		struct lset acc;
		bool ok = true;
		unsigned char none = 0;

		memset(&acc, 0, sizeof(acc));
		lset_add(&acc, &none, 0, false);
		for (size_t k = 0; ok && k < lo; k++) {
			struct lset next;

			ok = lset_product(&next, &acc, &x->exact);
			lset_release(&acc);
			acc = next;
		}
		if (ok) {
			out->exact = acc;
			out->has_exact = true;
			exact_as_req(ps, out);
		} else {
			lset_release(&acc);
		}
	} else if (x->has_exact && lo == 0 && hi == 1) {
		unsigned char none = 0;

		lset_copy(&out->exact, &x->exact);
		out->has_exact = lset_add(&out->exact, &none, 0, false);
		if (!out->has_exact)
			lset_release(&out->exact);
	}
	info_release(x);
}

/* ---- parsing ---------------------------------------------------------- */

static void cset_add(struct cset *c, unsigned v)
{
	c->b[v >> 6] |= 1ull << (v & 63);
}

static bool cset_has(const struct cset *c, unsigned v)
{
	return c->b[v >> 6] >> (v & 63) & 1;
}

static void cset_range(struct cset *c, unsigned lo, unsigned hi)
{
	for (unsigned v = lo; v <= hi; v++)
		cset_add(c, v);
}

/* \d \w \s \h \v and their negations (byte semantics, as PCRE2 without UTF). */
static bool cset_escape(struct cset *c, char e)
{
	struct cset t = {{0}};
	bool neg = e >= 'A' && e <= 'Z';

	switch (fold((unsigned char)e)) {
	case 'd':
		cset_range(&t, '0', '9');
		break;
	case 'w':
		cset_range(&t, '0', '9');
		cset_range(&t, 'a', 'z');
		cset_range(&t, 'A', 'Z');
		cset_add(&t, '_');
		break;
	case 's':
		cset_range(&t, 9, 13);
		cset_add(&t, ' ');
		break;
	case 'h':
		cset_add(&t, 9);
		cset_add(&t, ' ');
		cset_add(&t, 0xa0);
		break;
	case 'v':
		cset_range(&t, 10, 13);
		cset_add(&t, 0x85);
		break;
	default:
		return false;
	}
	for (int i = 0; i < 4; i++)
		c->b[i] |= neg ? ~t.b[i] : t.b[i];
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)fold((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A single-byte escape after the backslash (ps->p at the letter): \n \t \xHH
 * and escaped punctuation. -1: not one. */
static int escape_byte(struct parser *ps)
{
	const char *p = ps->p;
	int v;

	switch (*p) {
	case 'n':
		ps->p++;
		return '\n';
	case 'r':
		ps->p++;
		return '\r';
	case 't':
		ps->p++;
		return '\t';
	case 'f':
		ps->p++;
		return '\f';
	case 'e':
		ps->p++;
		return 27;
	case 'a':
		ps->p++;
		return 7;
	case '0':
		if (p[1] >= '0' && p[1] <= '7')
			return -1; /* octal */
		ps->p++;
		return 0;
	case 'x':
		if (p[1] == '{') {
			v = 0;
			p += 2;
			while (hexval(*p) >= 0 && v <= 0xff)
				v = v * 16 + hexval(*p++);
			if (*p != '}' || v > 0xff)
				return -1;
			ps->p = p + 1;
			return v;
		}
		if (hexval(p[1]) < 0)
			return -1;
		v = hexval(p[1]);
		p += 2;
		if (hexval(*p) >= 0)
			v = v * 16 + hexval(*p++);
		ps->p = p;
		return v;
	default:
		if (*p && !(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9')) {
			ps->p++;
			return (unsigned char)*p;
		}
		return -1;
	}
}

static const struct {
	const char *name;
	char esc;
} posix_classes[] = {
    {"digit", 'd'},
    {"space", 's'},
    {"word", 'w'},
};

/* The info of one byte of set c: a literal set when c is small. False when
 * c is empty. */
static bool info_cset(const struct parser *ps, struct info *out, const struct cset *c)
{
	unsigned count = 0;

	for (unsigned v = 0; v < 256; v++)
		count += cset_has(c, v);
	if (!count)
		return false;
	info_any(out, 1, 1);
	out->has_set = true;
	out->set = *c;
	if (count <= ANCHOR_CLASS_EXACT) {
		out->has_exact = true;
		for (unsigned v = 0; v < 256; v++) {
			unsigned char b = (unsigned char)v;

			if (cset_has(c, v))
				lset_add(&out->exact, &b, 1, ps->caseless);
		}
	}
	return true;
}

/* [...] with ps->p after the '['. */
static bool parse_class(struct parser *ps, struct info *out)
{
	struct cset c = {{0}};
	bool neg = false, first = true;

	if (*ps->p == '^') {
		neg = true;
		ps->p++;
	}
	for (;;) {
		int lo;

		if (!*ps->p)
			return false;
		if (*ps->p == ']' && !first) {
			ps->p++;
			break;
		}
		first = false;
		if (ps->p[0] == '[' && ps->p[1] == ':') {
			const char *end = strstr(ps->p + 2, ":]");
			bool known = false;

			for (size_t k = 0;
			     end && k < sizeof(posix_classes) / sizeof(*posix_classes); k++) {
				if ((size_t)(end - ps->p - 2) == strlen(posix_classes[k].name) &&
				    !strncmp(ps->p + 2, posix_classes[k].name,
				             strlen(posix_classes[k].name))) {
					cset_escape(&c, posix_classes[k].esc);
					known = true;
				}
			}
			if (!known)
				return false;
			ps->p = end + 2;
			continue;
		}
		if (*ps->p == '\\') {
			ps->p++;
			if (cset_escape(&c, *ps->p)) {
				ps->p++;
				continue;
			}
			if (*ps->p == 'b') { /* backspace inside a class */
				ps->p++;
				lo = 8;
			} else if ((lo = escape_byte(ps)) < 0) {
				return false;
			}
		} else {
			lo = (unsigned char)*ps->p++;
		}
		if (*ps->p == '-' && ps->p[1] && ps->p[1] != ']') {
			int hi;

			ps->p++;
			if (*ps->p == '\\') {
				ps->p++;
				if ((hi = escape_byte(ps)) < 0)
					return false;
			} else {
				hi = (unsigned char)*ps->p++;
			}
			if (hi < lo)
				return false;
			cset_range(&c, (unsigned)lo, (unsigned)hi);
			continue;
		}
		cset_add(&c, (unsigned)lo);
	}
	if (ps->caseless) {
		for (unsigned v = 'a'; v <= 'z'; v++) {
			if (cset_has(&c, v) || cset_has(&c, v - 32)) {
				cset_add(&c, v);
				cset_add(&c, v - 32);
			}
		}
	}
	if (neg)
		for (int i = 0; i < 4; i++)
			c.b[i] = ~c.b[i];
	return info_cset(ps, out, &c);
}

static bool parse_alt(struct parser *ps, struct info *out);

/* (...) with ps->p after the '('. */
static bool parse_group(struct parser *ps, struct info *out)
{
	bool zero = false, ok;

	if (++ps->depth > ANCHOR_DEPTH_MAX)
		return false;
	if (*ps->p == '?') {
		ps->p++;
		if (*ps->p == ':' || *ps->p == '>' || *ps->p == '|') {
			if (*ps->p == '|')
				return false; /* branch reset */
			ps->p++;
		} else if (*ps->p == '=' || *ps->p == '!') {
			ps->p++;
			zero = true;
		} else if (*ps->p == '<' && (ps->p[1] == '=' || ps->p[1] == '!')) {
			ps->p += 2;
			zero = true;
		} else if (*ps->p == 'P' && ps->p[1] == '<') {
			const char *e = strchr(ps->p, '>');

			if (!e)
				return false;
			ps->p = e + 1;
		} else if (*ps->p == '<' || *ps->p == '\'') {
			const char *e = strchr(ps->p + 1, *ps->p == '<' ? '>' : '\'');

			if (!e)
				return false;
			ps->p = e + 1;
		} else if (*ps->p == '#') {
			const char *e = strchr(ps->p, ')');

			if (!e)
				return false;
			ps->p = e + 1;
			ps->depth--;
			info_literal(out, (const unsigned char *)"", 0, false);
			return true;
		} else {
			/* inline flags: (?i) (?-i) (?s) (?m) (?i:...) */
			const char *f = ps->p;

			while (*f && strchr("imsnU-", *f))
				f++;
			if (f == ps->p || (*f != ')' && *f != ':'))
				return false;
			ps->p = f + 1;
			if (*f == ')') {
				ps->depth--;
				info_literal(out, (const unsigned char *)"", 0, false);
				return true;
			}
		}
	}
	ok = parse_alt(ps, out);
	if (!ok || *ps->p != ')') {
		if (ok)
			info_release(out);
		return false;
	}
	ps->p++;
	ps->depth--;
	if (zero) {
		info_release(out);
		info_literal(out, (const unsigned char *)"", 0, false);
	}
	return true;
}

/* One atom without its quantifier. */
static bool parse_atom(struct parser *ps, struct info *out)
{
	char c = *ps->p;
	int b;

	switch (c) {
	case '(':
		ps->p++;
		return parse_group(ps, out);
	case '[':
		ps->p++;
		return parse_class(ps, out);
	case '.': {
		struct cset dot = {{~0ull, ~0ull, ~0ull, ~0ull}};

		ps->p++;
		dot.b[0] &= ~(1ull << '\n');
		return info_cset(ps, out, &dot);
	}
	case '^':
	case '$':
		ps->p++;
		info_literal(out, (const unsigned char *)"", 0, false);
		return true;
	case '\\':
		ps->p++;
		c = *ps->p;
		if (strchr("bBAzZG", c) && c) {
			ps->p++;
			info_literal(out, (const unsigned char *)"", 0, false);
			return true;
		}
		if (c && strchr("dDwWsShHvV", c)) {
			struct cset set = {{0}};

			ps->p++;
			cset_escape(&set, c);
			info_cset(ps, out, &set);
			return true;
		}
		if (c == 'N') {
			ps->p++;
			info_any(out, 1, 1);
			return true;
		}
		if (c == 'R') {
			ps->p++;
			info_any(out, 1, 2);
			return true;
		}
		if (c == 'Q') {
			const char *e = strstr(ps->p + 1, "\\E");
			size_t n = e ? (size_t)(e - ps->p - 1) : strlen(ps->p + 1);

			if (n > ANCHOR_LIT_MAX)
				return false;
			info_literal(out, (const unsigned char *)ps->p + 1, n, ps->caseless);
			ps->p += 1 + n + (e ? 2 : 0);
			return true;
		}
		if ((b = escape_byte(ps)) < 0)
			return false;
		{
			unsigned char ch = (unsigned char)b;

			info_literal(out, &ch, 1, ps->caseless);
		}
		return true;
	case ')':
	case '|':
	case '\0':
	case '*':
	case '+':
	case '?':
		return false;
	default: {
		unsigned char ch = (unsigned char)c;

		ps->p++;
		info_literal(out, &ch, 1, ps->caseless);
		return true;
	}
	}
}

/* A quantifier at ps->p: true and the bounds, or false (none; ps->p kept). */
static bool parse_quant(struct parser *ps, size_t *lo, size_t *hi)
{
	const char *p = ps->p;

	switch (*p) {
	case '*':
		*lo = 0;
		*hi = ANCHOR_UNBOUNDED;
		p++;
		break;
	case '+':
		*lo = 1;
		*hi = ANCHOR_UNBOUNDED;
		p++;
		break;
	case '?':
		*lo = 0;
		*hi = 1;
		p++;
		break;
	case '{': {
		char *end;
		unsigned long a, b;

		if (p[1] < '0' || p[1] > '9')
			return false;
		a = strtoul(p + 1, &end, 10);
		b = a;
		if (*end == ',') {
			if (end[1] == '}') {
				b = ULONG_MAX;
				end++;
			} else {
				char *e2;

				if (end[1] < '0' || end[1] > '9')
					return false;
				b = strtoul(end + 1, &e2, 10);
				end = e2;
			}
		}
		if (*end != '}' || b < a || a > 65535)
			return false;
		*lo = a;
		*hi = b == ULONG_MAX ? ANCHOR_UNBOUNDED : (size_t)b;
		p = end + 1;
		break;
	}
	default:
		return false;
	}
	if (*p == '?' || *p == '+')
		p++; /* lazy, possessive */
	ps->p = p;
	return true;
}

static bool parse_concat(struct parser *ps, struct info *out)
{
	struct info *items = NULL;
	size_t n = 0, alloc = 0;
	bool ok = true;

	while (*ps->p && *ps->p != '|' && *ps->p != ')') {
		struct info atom;
		size_t lo, hi;

		XGROW(items, alloc, n + 1);
		if (!parse_atom(ps, &atom)) {
			ok = false;
			break;
		}
		if (parse_quant(ps, &lo, &hi))
			combine_repeat(ps, &items[n], &atom, lo, hi);
		else
			items[n] = atom;
		if (items[n].has_exact)
			exact_as_req(ps, &items[n]);
		n++;
	}
	if (ok && !n) {
		info_literal(out, (const unsigned char *)"", 0, false);
	} else if (ok) {
		combine_concat(ps, out, items, n);
	}
	for (size_t i = 0; i < n; i++)
		info_release(&items[i]);
	free(items);
	return ok;
}

static bool parse_alt(struct parser *ps, struct info *out)
{
	struct info *br = NULL;
	size_t n = 0, alloc = 0;
	bool ok = true;

	for (;;) {
		XGROW(br, alloc, n + 1);
		if (!parse_concat(ps, &br[n])) {
			ok = false;
			break;
		}
		n++;
		if (*ps->p != '|')
			break;
		ps->p++;
	}
	if (ok && n == 1) {
		*out = br[0];
		n = 0;
	} else if (ok) {
		combine_alt(out, br, n);
		if (out->has_exact)
			exact_as_req(ps, out);
	}
	for (size_t i = 0; i < n; i++)
		info_release(&br[i]);
	free(br);
	return ok;
}

/* (?i) or (?...i...: / (?...i...) anywhere outside a class. */
static bool has_caseless_flag(const char *re)
{
	bool in_class = false;

	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (in_class) {
			in_class = *p != ']';
			continue;
		}
		if (*p == '[') {
			in_class = true;
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
			continue;
		}
		if (p[0] == '(' && p[1] == '?') {
			const char *f = p + 2;

			while (*f && strchr("imsnU", *f)) {
				if (*f == 'i')
					return true;
				f++;
			}
		}
	}
	return false;
}

bool anchor_extract(struct anchors *out, const char *re, size_t min_len)
{
	struct parser ps = {re, has_caseless_flag(re), 0, min_len ? min_len : 1};
	struct info top;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (!parse_alt(&ps, &top))
		return false;
	ok = !*ps.p && top.has_req && lset_score(&top.req, top.before, top.after, ps.min_len) >= 0;
	if (ok) {
		out->lit = top.req.v;
		out->n = top.req.n;
		free(top.req.slot);
		memset(&top.req, 0, sizeof(top.req));
		out->before = top.before;
		out->after = top.after;
		out->max_width = top.maxw;
		out->exact =
		    top.has_exact && top.before == 0 && top.after == 0 && top.exact.n == out->n;
	}
	info_release(&top);
	return ok;
}

bool anchor_run(struct anchor_run *out, const char *re, size_t min_run)
{
	struct parser ps = {re, has_caseless_flag(re), 0, 1};
	struct info top;
	unsigned count = 0;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (!parse_alt(&ps, &top))
		return false;
	for (unsigned v = 0; v < 256; v++)
		count += cset_has(&top.run_set, v);
	ok = !*ps.p && top.has_run && top.run_min >= min_run && count <= ANCHOR_RUN_SET_MAX;
	if (ok) {
		for (unsigned v = 0; v < 256; v++)
			out->in[v] = cset_has(&top.run_set, v);
		out->min = top.run_min;
		out->max_width = top.maxw;
	}
	info_release(&top);
	return ok;
}

size_t anchor_min_len(const struct anchors *a)
{
	size_t m = ANCHOR_UNBOUNDED;

	for (size_t i = 0; i < a->n; i++)
		if (a->lit[i].len < m)
			m = a->lit[i].len;
	return m;
}

void anchor_release(struct anchors *a)
{
	free(a->lit);
	memset(a, 0, sizeof(*a));
}
