#include "detect/anchor.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

/* The literals of a as "lit|lit|..." (caseless ones prefixed with "i:"). */
static void join(const struct anchors *a, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = 0;
	for (size_t i = 0; i < a->n && n + a->lit[i].len + 4 < cap; i++) {
		if (i)
			out[n++] = '|';
		if (a->lit[i].caseless) {
			out[n++] = 'i';
			out[n++] = ':';
		}
		memcpy(out + n, a->lit[i].s, a->lit[i].len);
		n += a->lit[i].len;
		out[n] = 0;
	}
}

TEST(anchor, token_prefix_with_bounded_reach)
{
	struct anchors a;
	char s[512];

	CHECK(anchor_extract(&a, "\\b(?P<secret>npm_[A-Za-z0-9]{36})\\b", 3));
	join(&a, s, sizeof(s));
	CHECK_STR(s, "npm_");
	CHECK_INT(a.before, 0);
	CHECK_INT(a.after, 36);
	CHECK_INT(a.max_width, 40);
	anchor_release(&a);
}

TEST(anchor, caseless_alternation_multiplied_out)
{
	struct anchors a;
	char s[512];

	CHECK(anchor_extract(&a, "(?i)stratum2?\\+(?:tcp|ssl)://", 3));
	join(&a, s, sizeof(s));
	CHECK_STR(s, "i:stratum2+tcp://|i:stratum2+ssl://|i:stratum+tcp://|i:stratum+ssl://");
	CHECK_INT(a.before, 0);
	CHECK_INT(a.after, 0);
	CHECK(a.exact);
	anchor_release(&a);
}

TEST(anchor, unbounded_side_is_reported)
{
	struct anchors a;
	char s[512];

	/* the END marker: nothing unbounded after it */
	CHECK(anchor_extract(&a,
	                     "-----BEGIN[ A-Z0-9]{0,24}PRIVATE KEY-----[\\s\\S]*?"
	                     "-----END[ A-Z0-9]{0,24}PRIVATE KEY-----",
	                     3));
	join(&a, s, sizeof(s));
	CHECK_STR(s, "-----END");
	CHECK(a.before == ANCHOR_UNBOUNDED);
	CHECK_INT(a.after, 40);
	anchor_release(&a);
}

TEST(anchor, small_classes_and_whitespace_expand)
{
	struct anchors a;

	CHECK(anchor_extract(&a, "ab[cd]", 3));
	CHECK_INT(a.n, 2);
	anchor_release(&a);
	/* \s is six bytes: " -e" and its tab, newline, ... variants */
	CHECK(anchor_extract(&a, "\\bnc\\b[^\\n]{0,80}?\\s-e\\b", 3));
	CHECK_INT(a.n, 6);
	CHECK_INT(a.lit[0].len, 3);
	CHECK(a.before != ANCHOR_UNBOUNDED && a.before >= 82);
	anchor_release(&a);
}

TEST(anchor, short_literals_multiply_further)
{
	struct anchors a;

	/* three-byte literals (3 x 4 x 10 of them) multiply by a fourth byte of
	 * ten past the usual 256: 1200 literals of four bytes */
	CHECK(anchor_extract(&a, "\\b[MNO][DTjz][AEIMQUYcgk][w-z0-5][A-Za-z0-9_-]{19,23}\\.", 3));
	CHECK_INT(a.n, 1200);
	CHECK_INT(anchor_min_len(&a), 4);
	anchor_release(&a);
	/* literals already long do not: 3 x 100 would be no better anchor */
	CHECK(anchor_extract(&a, "sk-ant-(?:api|admin|sid)\\d{2}-[A-Za-z0-9_-]{80,120}AA", 3));
	CHECK_INT(a.n, 3);
	anchor_release(&a);
}

TEST(anchor, lookaround_and_flags_are_supersets)
{
	struct anchors a;
	char s[512];

	CHECK(anchor_extract(&a, "(?<=[>|])\\s*/etc/ld\\.so\\.preload\\b", 3));
	join(&a, s, sizeof(s));
	CHECK_STR(s, "/etc/ld.so.preload");
	anchor_release(&a);
	/* an inline (?i) anywhere makes every literal caseless */
	CHECK(anchor_extract(&a, "Token(?i:abc)", 3));
	CHECK(a.lit[0].caseless);
	join(&a, s, sizeof(s));
	CHECK_STR(s, "i:tokenabc");
	anchor_release(&a);
}

TEST(anchor, gives_up_without_literals_or_on_unknown_syntax)
{
	struct anchors a;

	CHECK(!anchor_extract(&a, "foo\\d+|[a-z]+", 3)); /* one branch has none */
	CHECK(!anchor_extract(&a, "(abcd)\\1", 3));      /* backreference */
	CHECK(!anchor_extract(&a, "(?x) abcd ", 3));     /* extended syntax */
	CHECK(!anchor_extract(&a, "\\p{L}abcd", 3));
	CHECK(!anchor_extract(&a, "ab\\d{20}", 3)); /* "ab" is too short */
	CHECK(anchor_extract(&a, "ab\\d{20}", 2));
	anchor_release(&a);
	CHECK(!anchor_extract(&a, "abc(", 3));
	CHECK(!anchor_extract(&a, "[abc", 3));
}

TEST(anchor, octal_and_hex_escapes)
{
	struct anchors a;

	CHECK(!anchor_extract(&a, "\\012abc", 3)); /* octal: not read */
	CHECK(anchor_extract(&a, "\\x41\\x{42}C", 3));
	CHECK_INT(a.n, 1);
	CHECK(!memcmp(a.lit[0].s, "ABC", 3));
	anchor_release(&a);
}

TEST(anchor, run_of_a_class)
{
	struct anchor_run r;

	CHECK(anchor_run(&r,
	                 "(?:^|[^1-9A-HJ-NP-Za-km-z])(?P<addr>[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}"
	                 "(?:[1-9A-HJ-NP-Za-km-z]{11})?)(?:$|[^1-9A-HJ-NP-Za-km-z])",
	                 16));
	CHECK_INT(r.min, 93);
	CHECK(r.in['1'] && r.in['z'] && r.in['A']);
	CHECK(!r.in['0'] && !r.in['O'] && !r.in['I'] && !r.in['l'] && !r.in[' ']);
	/* both branches hold a run: the union of their classes, the shorter */
	CHECK(anchor_run(&r, "x[0-9]{20}|y[a-f]{30}", 16));
	CHECK_INT(r.min, 20);
	CHECK(r.in['5'] && r.in['c'] && !r.in['x']);
	CHECK(!anchor_run(&r, "[a-z]{8}", 16));
	CHECK(!anchor_run(&r, "[\\s\\S]{40}", 16)); /* every byte: no run to find */
	CHECK(!anchor_run(&r, "x[0-9]{20}|y", 16));
}
