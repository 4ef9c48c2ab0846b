/* SARIF 2.1.0: one run for all images; the rules that fired become
 * tool.driver.rules; each finding location becomes a result location whose
 * artifact URI is the image reference followed by the path. */
#include "report/report.h"

#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static void jstr(struct buf *b, const char *s)
{
	if (s)
		buf_add_json_str(b, s, strlen(s));
	else
		buf_adds(b, "null");
}

static const char *sarif_level(enum severity s)
{
	return s >= SEV_HIGH ? "error" : s == SEV_MEDIUM ? "warning" : "note";
}

/* GitHub code scanning reads this property as a CVSS-like score. */
static const char *security_severity(enum severity s)
{
	static const char *const v[] = {"0.0", "2.0", "5.0", "8.0", "9.5"};

	return v[s];
}

struct fired {
	const struct finding *first; /* a finding of this rule */
};

static size_t rule_index(const struct fired *rules, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rules[i].first->rule, id))
			return i;
	return n;
}

static void location_json(struct buf *b, const struct report *r, const struct location *l)
{
	struct buf uri = BUF_INIT;

	buf_adds(&uri, r->ref ? r->ref : "");
	if (l->source == LOC_FILE && l->path)
		buf_addf(&uri, "/%s", l->path);
	buf_adds(b, "{\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
	jstr(b, uri.ptr);
	buf_adds(b, "}");
	if (l->line > 0)
		buf_addf(b, ",\"region\":{\"startLine\":%ld}", l->line);
	buf_adds(b, "}");
	if (l->source != LOC_FILE || l->layer) {
		buf_adds(b, ",\"logicalLocations\":[");
		if (l->source != LOC_FILE) {
			buf_adds(b, "{\"name\":");
			jstr(b, l->field ? l->field : "");
			buf_adds(b, ",\"kind\":");
			jstr(b, l->source == LOC_CONFIG    ? "config"
			        : l->source == LOC_HISTORY ? "history"
			                                   : "metadata");
			buf_adds(b, "}");
		}
		if (l->layer) {
			buf_adds(b, l->source != LOC_FILE ? ",{\"name\":" : "{\"name\":");
			jstr(b, l->layer);
			buf_addf(b, ",\"kind\":\"layer\",\"index\":%ld}", l->layer_index);
		}
		buf_adds(b, "]");
	}
	buf_adds(b, "}");
	buf_release(&uri);
}

int report_sarif(struct buf *out, const struct report *reports, size_t n,
                 const struct report_opts *o)
{
	struct fired *rules = NULL;
	size_t n_rules = 0, alloc_rules = 0;
	bool ok = true, first = true;

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < reports[k].findings.n; i++) {
			const struct finding *f = &reports[k].findings.v[i];

			if (rule_index(rules, n_rules, f->rule) < n_rules)
				continue;
			XGROW(rules, alloc_rules, n_rules + 1);
			rules[n_rules++].first = f;
		}
	buf_adds(out, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
	              "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"dredge\","
	              "\"rules\":[");
	for (size_t i = 0; i < n_rules; i++) {
		const struct finding *f = rules[i].first;
		const struct rule *rd = o && o->rules ? rules_find(o->rules, f->rule) : NULL;

		buf_adds(out, i ? ",{\"id\":" : "{\"id\":");
		jstr(out, f->rule);
		buf_adds(out, ",\"name\":");
		jstr(out, f->rule);
		buf_adds(out, ",\"shortDescription\":{\"text\":");
		jstr(out, rd ? rd->title : f->title);
		buf_addf(out, "},\"defaultConfiguration\":{\"level\":\"%s\"},",
		         sarif_level(rd ? rd->severity : f->severity));
		buf_adds(out, "\"properties\":{\"tags\":[\"security\",");
		jstr(out, category_name(f->category));
		buf_addf(out, "],\"security-severity\":\"%s\"}}",
		         security_severity(rd ? rd->severity : f->severity));
	}
	buf_adds(out, "]}},\"results\":[");
	for (size_t k = 0; k < n; k++) {
		const struct report *r = &reports[k];

		ok = ok && r->verdict.cls != VERDICT_ERROR;
		for (size_t i = 0; i < r->findings.n; i++) {
			const struct finding *f = &r->findings.v[i];
			struct buf msg = BUF_INIT;

			buf_adds(out, first ? "{\"ruleId\":" : ",{\"ruleId\":");
			first = false;
			jstr(out, f->rule);
			buf_addf(out, ",\"ruleIndex\":%zu,\"level\":\"%s\",\"message\":{\"text\":",
			         rule_index(rules, n_rules, f->rule), sarif_level(f->severity));
			buf_addf(&msg, "%s", f->title);
			if (f->evidence && f->evidence[0])
				buf_addf(&msg, ": %s", f->evidence);
			if (f->status != ST_ACTIVE)
				buf_addf(&msg, " (%s)", status_name(f->status));
			jstr(out, msg.ptr);
			buf_release(&msg);
			buf_adds(out, "},\"locations\":[");
			for (size_t l = 0; l < f->n_locs; l++) {
				buf_adds(out, l ? "," : "");
				location_json(out, r, &f->locs[l]);
			}
			buf_adds(out, "],\"partialFingerprints\":{\"dredgeFingerprint/v1\":");
			jstr(out, f->fingerprint[0] ? f->fingerprint : "");
			buf_adds(out, "},\"properties\":{\"image\":");
			jstr(out, r->ref);
			buf_adds(out, ",\"category\":");
			jstr(out, category_name(f->category));
			buf_adds(out, ",\"severity\":");
			jstr(out, severity_name(f->severity));
			buf_adds(out, ",\"status\":");
			jstr(out, status_name(f->status));
			buf_addf(out, ",\"strong\":%s}}", f->strong ? "true" : "false");
		}
	}
	buf_addf(out,
	         "],\"invocations\":[{\"executionSuccessful\":%s,"
	         "\"toolExecutionNotifications\":[",
	         ok ? "true" : "false");
	first = true;
	for (size_t k = 0; k < n; k++) {
		const struct report *r = &reports[k];
		struct buf msg = BUF_INIT;

		buf_addf(&msg, "%s: %s", r->ref ? r->ref : "?", verdict_class_name(r->verdict.cls));
		if (r->verdict.cls == VERDICT_ERROR && r->verdict.n_reasons)
			buf_addf(&msg, ": %s", r->verdict.reasons[0]);
		buf_addf(out, "%s{\"level\":\"%s\",\"message\":{\"text\":", first ? "" : ",",
		         r->verdict.cls == VERDICT_ERROR ? "error" : "note");
		jstr(out, msg.ptr);
		buf_adds(out, "}}");
		buf_release(&msg);
		first = false;
	}
	buf_adds(out, "]}]}]}\n");
	free(rules);
	return 0;
}
