#include "report/report.h"

#include "util/err.h"

#include <string.h>

static void jstr(struct buf *b, const char *s)
{
	if (s)
		buf_add_json_str(b, s, strlen(s));
	else
		buf_adds(b, "null");
}

static void report_one(struct buf *b, const struct report *r)
{
	const struct verdict *v = &r->verdict;
	bool first = true;

	buf_adds(b, "{\"schema\":\"" REPORT_SCHEMA "\",\"image\":{\"ref\":");
	jstr(b, r->ref);
	buf_adds(b, ",\"manifest_digest\":");
	jstr(b, r->manifest_digest);
	buf_adds(b, ",\"config_digest\":");
	jstr(b, r->config_digest);
	buf_adds(b, ",\"platform\":");
	jstr(b, r->platform);
	buf_adds(b, ",\"layers\":[");
	for (size_t i = 0; i < r->n_layers; i++) {
		const struct report_layer *l = &r->layers[i];

		buf_adds(b, i ? ",{\"digest\":" : "{\"digest\":");
		jstr(b, l->digest);
		buf_adds(b, ",\"diff_id\":");
		jstr(b, l->diff_id);
		buf_addf(b, ",\"size\":%lld,\"created_by\":", (long long)l->size);
		jstr(b, l->created_by);
		buf_adds(b, "}");
	}
	buf_adds(b, "]},\"verdict\":{\"class\":");
	jstr(b, verdict_class_name(v->cls));
	buf_adds(b, ",\"categories\":[");
	for (int c = 0; c < CAT_COUNT; c++) {
		if (!v->categories[c])
			continue;
		buf_adds(b, first ? "" : ",");
		jstr(b, category_name((enum category)c));
		first = false;
	}
	buf_adds(b, "],\"max_severity\":");
	jstr(b, v->max_severity >= 0 ? severity_name((enum severity)v->max_severity) : NULL);
	buf_adds(b, ",\"reasons\":[");
	for (size_t i = 0; i < v->n_reasons; i++) {
		buf_adds(b, i ? "," : "");
		jstr(b, v->reasons[i]);
	}
	buf_adds(b, "]},\"findings\":[");
	for (size_t i = 0; i < r->findings.n; i++) {
		buf_adds(b, i ? "," : "");
		finding_to_json(b, &r->findings.v[i]);
	}
	buf_addf(b,
	         "],\"stats\":{\"bytes\":%llu,\"files\":%llu,\"seconds\":%.3f,\"findings\":%zu,"
	         "\"ignored\":%llu,\"below_severity\":%llu,\"partial_files\":%llu,"
	         "\"capped_rules\":%llu}",
	         (unsigned long long)r->bytes, (unsigned long long)r->files, r->seconds,
	         r->findings.n, (unsigned long long)r->ignored,
	         (unsigned long long)r->below_severity, (unsigned long long)r->partial_files,
	         (unsigned long long)r->capped_rules);
	if (v->cls == VERDICT_ERROR) {
		buf_adds(b, ",\"error\":{\"code\":");
		jstr(b, err_code_name(r->error));
		buf_adds(b, ",\"message\":");
		jstr(b, v->n_reasons ? v->reasons[0] : "");
		buf_adds(b, "}");
	}
	buf_adds(b, "}");
}

int report_json(struct buf *out, const struct report *reports, size_t n)
{
	if (n == 1) {
		report_one(out, &reports[0]);
	} else {
		buf_adds(out, "{\"schema\":\"" REPORT_SCHEMA "\",\"reports\":[");
		for (size_t i = 0; i < n; i++) {
			buf_adds(out, i ? "," : "");
			report_one(out, &reports[i]);
		}
		buf_adds(out, "]}");
	}
	return buf_adds(out, "\n");
}
