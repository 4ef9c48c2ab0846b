/* The readable report: per image a verdict line with its reasons, then the
 * findings grouped by category, most severe first. Evidence is shown as the
 * finding holds it (secrets redacted unless --show-secrets), cut to one line. */
#include "report/report.h"
#include "util/limits.h"

#include <string.h>

#define EVIDENCE_COLS 60

enum { C_RESET, C_RED, C_YELLOW, C_GREEN, C_BOLD, C_DIM };

static const char *color(const struct report_opts *o, int c)
{
	static const char *const codes[] = {"\033[0m",  "\033[31m", "\033[33m",
	                                    "\033[32m", "\033[1m",  "\033[2m"};

	return o && o->color ? codes[c] : "";
}

static int severity_color(enum severity s)
{
	return s >= SEV_HIGH ? C_RED : s == SEV_MEDIUM ? C_YELLOW : C_DIM;
}

static void add_cut(struct buf *b, const char *s, size_t cols)
{
	size_t n = 0, chars = 0;

	if (!s)
		return;
	/* cut at the first newline or after cols characters (UTF-8 aware) */
	while (s[n] && s[n] != '\n' && s[n] != '\r') {
		if (((unsigned char)s[n] & 0xc0) != 0x80 && ++chars > cols)
			break;
		n++;
	}
	buf_add(b, s, n);
	if (s[n])
		buf_adds(b, "…");
}

static void location_text(struct buf *b, const struct location *l)
{
	switch (l->source) {
	case LOC_FILE:
		buf_adds(b, l->path ? l->path : "?");
		if (l->line > 0)
			buf_addf(b, ":%ld", l->line);
		break;
	case LOC_CONFIG:
		buf_addf(b, "config %s", l->field ? l->field : "");
		break;
	case LOC_HISTORY:
		buf_adds(b, l->field ? l->field : "history");
		break;
	case LOC_METADATA:
		buf_addf(b, "repository %s", l->field ? l->field : "");
		break;
	}
	if (l->layer_index >= 0)
		buf_addf(b, " (layer %ld)", l->layer_index);
}

static void table_one(struct buf *b, const struct report *r, const struct report_opts *o)
{
	const struct verdict *v = &r->verdict;
	int vc = v->cls == VERDICT_MALICIOUS || v->cls == VERDICT_ERROR ? C_RED
	         : v->cls == VERDICT_SUSPICIOUS                         ? C_YELLOW
	                                                                : C_GREEN;
	bool any = false;
	char up[16];

	for (size_t i = 0; i <= strlen(verdict_class_name(v->cls)) && i < sizeof(up); i++) {
		char c = verdict_class_name(v->cls)[i];

		up[i] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
	}
	buf_addf(b, "%s%s%s%s  %s", color(o, C_BOLD), color(o, vc), up, color(o, C_RESET),
	         r->ref ? r->ref : "?");
	for (int c = 0; c < CAT_COUNT; c++)
		if (v->categories[c]) {
			buf_addf(b, "%s%s", any ? ", " : "  [", category_name((enum category)c));
			any = true;
		}
	buf_adds(b, any ? "]\n" : "\n");
	for (size_t i = 0; i < v->n_reasons; i++)
		buf_addf(b, "  - %s\n", v->reasons[i]);
	if (r->manifest_digest)
		buf_addf(b, "  %smanifest %s%s\n", color(o, C_DIM), r->manifest_digest,
		         color(o, C_RESET));
	for (int c = 0; c < CAT_COUNT; c++) {
		bool header = false;

		for (int s = SEV_CRITICAL; s >= SEV_INFO; s--)
			for (size_t i = 0; i < r->findings.n; i++) {
				const struct finding *f = &r->findings.v[i];

				if ((int)f->category != c || (int)f->severity != s)
					continue;
				if (!header) {
					buf_addf(b, "\n  %s%s%s\n", color(o, C_BOLD),
					         category_name((enum category)c),
					         color(o, C_RESET));
					header = true;
				}
				buf_addf(b, "    %s%-8s%s %s  ",
				         color(o, severity_color(f->severity)),
				         severity_name(f->severity), color(o, C_RESET), f->rule);
				add_cut(b, f->title, 80);
				if (f->status != ST_ACTIVE)
					buf_addf(b, " [%s]", status_name(f->status));
				buf_adds(b, "\n");
				for (size_t k = 0; k < f->n_locs && k < 5; k++) {
					buf_adds(b, "             at ");
					location_text(b, &f->locs[k]);
					buf_adds(b, "\n");
				}
				if (f->n_locs > 5)
					buf_addf(b, "             … and %zu more places\n",
					         f->n_locs - 5);
				if (f->evidence && f->evidence[0]) {
					buf_adds(b, "             evidence: ");
					add_cut(b, f->evidence, EVIDENCE_COLS);
					buf_adds(b, "\n");
				}
			}
	}
	buf_addf(b, "\n  %zu finding%s", r->findings.n, r->findings.n == 1 ? "" : "s");
	if (r->ignored)
		buf_addf(b, ", %llu ignored", (unsigned long long)r->ignored);
	if (r->below_severity)
		buf_addf(b, ", %llu below --severity", (unsigned long long)r->below_severity);
	buf_addf(b, "; %llu file%s, %.2f s\n", (unsigned long long)r->files,
	         r->files == 1 ? "" : "s", r->seconds);
	if (r->partial_files)
		buf_addf(b, "  %llu file%s scanned in part: longer than --max-file-size\n",
		         (unsigned long long)r->partial_files, r->partial_files == 1 ? "" : "s");
	if (r->capped_rules)
		buf_addf(b,
		         "  %llu time%s a rule reached its limit in a file (%d findings or %d "
		         "matches checked): more may be unreported\n",
		         (unsigned long long)r->capped_rules, r->capped_rules == 1 ? "" : "s",
		         ENGINE_MAX_REPORTS, ENGINE_MAX_CONFIRMS);
}

int report_table(struct buf *out, const struct report *reports, size_t n,
                 const struct report_opts *o)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(out, "\n");
		table_one(out, &reports[i], o);
	}
	return 0;
}
