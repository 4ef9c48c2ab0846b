#include "verdict/verdict.h"

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

static const char *const class_names[] = {"clean", "suspicious", "malicious", "error"};

const char *verdict_class_name(enum verdict_class c)
{
	return class_names[c];
}

int verdict_class_parse(enum verdict_class *out, const char *s)
{
	for (int i = VERDICT_CLEAN; i <= VERDICT_MALICIOUS; i++)
		if (!strcmp(s, class_names[i])) {
			*out = (enum verdict_class)i;
			return 0;
		}
	return err_set(DR_EUSAGE, "unknown verdict '%s' (malicious, suspicious or clean)", s);
}

bool verdict_counts(const struct finding *f)
{
	return f->status == ST_ACTIVE || f->status == ST_REMOVED;
}

#define REASON_EVIDENCE_MAX 96

char *verdict_reason(const struct finding *f)
{
	struct buf b = BUF_INIT;
	const struct location *l = f->n_locs ? &f->locs[0] : NULL;

	buf_addf(&b, "%s: %s", category_name(f->category), f->title);
	if (f->evidence && f->evidence[0] && f->category != CAT_SECRET) {
		size_t n = strlen(f->evidence);

		if (n > REASON_EVIDENCE_MAX)
			buf_addf(&b, ": %.*s…", REASON_EVIDENCE_MAX, f->evidence);
		else
			buf_addf(&b, ": %s", f->evidence);
	}
	if (l) {
		switch (l->source) {
		case LOC_FILE:
			buf_addf(&b, " in %s", l->path ? l->path : "?");
			break;
		case LOC_CONFIG:
			buf_addf(&b, " in config %s", l->field ? l->field : "");
			break;
		case LOC_HISTORY:
			buf_addf(&b, " in %s", l->field ? l->field : "history");
			break;
		case LOC_METADATA:
			buf_addf(&b, " in repository %s", l->field ? l->field : "metadata");
			break;
		}
		if (l->layer_index >= 0)
			buf_addf(&b, " (layer %ld)", l->layer_index);
		if (f->n_locs > 1)
			buf_addf(&b, " and %zu more place%s", f->n_locs - 1,
			         f->n_locs == 2 ? "" : "s");
	}
	if (f->status == ST_REMOVED)
		buf_adds(&b, " [removed in a later layer, still in the image]");
	else if (f->status != ST_ACTIVE)
		buf_addf(&b, " [%s]", status_name(f->status));
	return buf_detach(&b, NULL);
}

static void add_reason(struct verdict *v, const struct finding *f, size_t *extra)
{
	v->categories[f->category] = true;
	if (v->n_reasons >= VERDICT_MAX_REASONS) {
		(*extra)++;
		return;
	}
	v->reasons = xrealloc(v->reasons, (v->n_reasons + 1) * sizeof(*v->reasons));
	v->reasons[v->n_reasons++] = verdict_reason(f);
}

/* Order of reasons: strong first, then by severity, then as found. */
static int reason_rank(const struct finding *f)
{
	return (f->strong ? 10 : 0) + (int)f->severity;
}

void verdict_compute(struct verdict *out, struct findings *fs)
{
	bool malicious_company = false;
	size_t extra = 0;

	memset(out, 0, sizeof(*out));
	out->max_severity = -1;
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];

		if (verdict_counts(f) && f->category != CAT_TYPOSQUAT &&
		    f->category != CAT_SECRET && (f->strong || f->severity >= SEV_MEDIUM))
			malicious_company = true;
	}
	for (size_t i = 0; i < fs->n; i++) {
		struct finding *f = &fs->v[i];

		if (f->category == CAT_TYPOSQUAT && verdict_counts(f) && malicious_company)
			f->strong = true;
		if (!verdict_counts(f)) {
			if (f->severity >= SEV_HIGH && out->cls < VERDICT_SUSPICIOUS)
				out->cls = VERDICT_SUSPICIOUS;
			continue;
		}
		if ((int)f->severity > out->max_severity)
			out->max_severity = (int)f->severity;
		if (f->strong)
			out->cls = VERDICT_MALICIOUS;
		else if (f->severity >= SEV_MEDIUM && out->cls < VERDICT_SUSPICIOUS)
			out->cls = VERDICT_SUSPICIOUS;
	}
	if (out->cls == VERDICT_CLEAN)
		return;
	/* reasons: what made the class, most serious first */
	for (int rank = 10 + SEV_CRITICAL; rank >= 0; rank--) {
		for (size_t i = 0; i < fs->n; i++) {
			const struct finding *f = &fs->v[i];
			bool counts = verdict_counts(f);

			if (reason_rank(f) != rank)
				continue;
			if (out->cls == VERDICT_MALICIOUS) {
				if (counts && f->strong)
					add_reason(out, f, &extra);
			} else if (counts ? f->severity >= SEV_MEDIUM : f->severity >= SEV_HIGH) {
				add_reason(out, f, &extra);
			}
		}
	}
	if (extra) {
		struct buf b = BUF_INIT;

		buf_addf(&b, "… and %zu more finding%s", extra, extra == 1 ? "" : "s");
		out->reasons = xrealloc(out->reasons, (out->n_reasons + 1) * sizeof(*out->reasons));
		out->reasons[out->n_reasons++] = buf_detach(&b, NULL);
	}
}

void verdict_error(struct verdict *out, const char *message)
{
	memset(out, 0, sizeof(*out));
	out->cls = VERDICT_ERROR;
	out->max_severity = -1;
	out->reasons = xmalloc(sizeof(*out->reasons));
	out->reasons[0] = xstrdup(message && message[0] ? message : "scan failed");
	out->n_reasons = 1;
}

void verdict_release(struct verdict *v)
{
	for (size_t i = 0; i < v->n_reasons; i++)
		free(v->reasons[i]);
	free(v->reasons);
	memset(v, 0, sizeof(*v));
}
