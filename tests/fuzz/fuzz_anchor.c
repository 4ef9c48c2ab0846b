/* The anchor analysis against PCRE2 itself. The input is a regex, a newline
 * and a subject. When anchor_extract gives literals, every match PCRE2 finds
 * in the subject holds one of them (in any case when caseless) no more than
 * `before` bytes after the match's start and ending no more than `after`
 * bytes before its end; when anchor_run gives a run, every match holds that
 * many consecutive bytes of its class. */
#include "detect/anchor.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char low(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static bool lit_at(const struct anchor_lit *l, const unsigned char *p)
{
	for (size_t i = 0; i < l->len; i++)
		if ((l->caseless ? low(p[i]) : p[i]) != l->s[i])
			return false;
	return true;
}

/* Some literal of a lies in s[ms, me) within the bounds. */
static bool holds_literal(const struct anchors *a, const unsigned char *s, size_t ms, size_t me)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct anchor_lit *l = &a->lit[i];

		for (size_t at = ms; at + l->len <= me; at++) {
			if (a->before != ANCHOR_UNBOUNDED && at - ms > a->before)
				break;
			if (a->after != ANCHOR_UNBOUNDED && me - (at + l->len) > a->after)
				continue;
			if (lit_at(l, s + at))
				return true;
		}
	}
	return false;
}

static bool holds_run(const struct anchor_run *r, const unsigned char *s, size_t ms, size_t me)
{
	size_t run = 0;

	for (size_t i = ms; i < me; i++) {
		run = r->in[s[i]] ? run + 1 : 0;
		if (run >= r->min)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	char re[512];
	size_t rlen, slen;
	const unsigned char *subj;
	struct anchors a;
	struct anchor_run run;
	bool have_lit, have_run;
	pcre2_code *code;
	pcre2_match_data *md;
	int err;
	PCRE2_SIZE eoff, off = 0;

	if (!nl || (size_t)(nl - data) >= sizeof(re) || memchr(data, 0, (size_t)(nl - data)))
		return 0;
	rlen = (size_t)(nl - data);
	memcpy(re, data, rlen);
	re[rlen] = 0;
	subj = nl + 1;
	slen = size - rlen - 1;
	code = pcre2_compile((PCRE2_SPTR)re, rlen, PCRE2_MULTILINE, &err, &eoff, NULL);
	if (!code)
		return 0;
	have_lit = anchor_extract(&a, re, 1);
	have_run = anchor_run(&run, re, 2);
	md = pcre2_match_data_create_from_pattern(code, NULL);
	while ((have_lit || have_run) && off <= slen &&
	       pcre2_match(code, subj, slen, off, 0, md, NULL) >= 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

		/* \K can make a match end before it starts: skip those */
		if (ov[1] >= ov[0]) {
			if (have_lit && !holds_literal(&a, subj, ov[0], ov[1]))
				abort();
			if (have_run && !holds_run(&run, subj, ov[0], ov[1]))
				abort();
			if (have_lit && a.max_width != ANCHOR_UNBOUNDED &&
			    ov[1] - ov[0] > a.max_width)
				abort();
		}
		off = ov[1] > off ? ov[1] : off + 1;
	}
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	if (have_lit)
		anchor_release(&a);
	return 0;
}
