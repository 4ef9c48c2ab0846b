#include "detect/finding.h"
#include "util/err.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define CATEGORY_NAME(id, name) name,
static const char *const category_names[] = {CATEGORY_LIST(CATEGORY_NAME)};
#undef CATEGORY_NAME

static const char *const severity_names[] = {"info", "low", "medium", "high", "critical"};
static const char *const status_names[] = {"active", "removed-in-later-layer", "package-shipped",
                                           "example"};
static const char *const source_names[] = {"file", "config", "history", "metadata"};

const char *severity_name(enum severity s)
{
	return severity_names[s];
}

int severity_parse(enum severity *out, const char *s)
{
	for (int i = 0; i <= SEV_CRITICAL; i++)
		if (!strcmp(s, severity_names[i])) {
			*out = (enum severity)i;
			return 0;
		}
	return err_set(DR_EUSAGE, "unknown severity '%s'", s);
}

const char *category_name(enum category c)
{
	return category_names[c];
}

int category_parse(enum category *out, const char *s)
{
	for (int i = 0; i < CAT_COUNT; i++)
		if (!strcmp(s, category_names[i])) {
			*out = (enum category)i;
			return 0;
		}
	return err_set(DR_EUSAGE, "unknown category '%s'", s);
}

const char *status_name(enum finding_status s)
{
	return status_names[s];
}

static void location_release(struct location *l)
{
	free(l->layer);
	free(l->path);
	free(l->field);
}

void finding_release(struct finding *f)
{
	free(f->rule);
	free(f->title);
	free(f->evidence);
	for (size_t i = 0; i < f->n_locs; i++)
		location_release(&f->locs[i]);
	free(f->locs);
	memset(f, 0, sizeof(*f));
}

void finding_init(struct finding *f, const char *rule, enum category c, enum severity s,
                  const char *title)
{
	memset(f, 0, sizeof(*f));
	f->rule = xstrdup(rule);
	f->category = c;
	f->severity = s;
	f->title = xstrdup(title);
}

void finding_add_location(struct finding *f, enum loc_source src, const char *layer,
                          long layer_index, const char *path, long line, const char *field)
{
	struct location *l;

	f->locs = xrealloc(f->locs, (f->n_locs + 1) * sizeof(*f->locs));
	l = &f->locs[f->n_locs++];
	l->source = src;
	l->layer = layer ? xstrdup(layer) : NULL;
	l->layer_index = layer_index;
	l->path = path ? xstrdup(path) : NULL;
	l->line = line;
	l->field = field ? xstrdup(field) : NULL;
}

void finding_set_secret(struct finding *f, const char *value, size_t len, bool show)
{
	struct buf b = BUF_INIT;
	size_t prefix = len >= 16 ? 4 : len >= 8 ? 2 : 0;

	sha256_digest(value, len, f->fingerprint);
	free(f->evidence);
	if (show) {
		f->evidence = xstrndup(value, len);
		return;
	}
	/* the prefix may come from a binary: keep the evidence printable */
	for (size_t i = 0; i < prefix; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c >= 0x20 && c < 0x7f)
			buf_addc(&b, (char)c);
		else
			buf_addf(&b, "\\x%02x", c);
	}
	buf_addf(&b, "…[%zu chars, %.15s]", len, f->fingerprint);
	f->evidence = buf_detach(&b, NULL);
}

void finding_set_evidence(struct finding *f, const char *value, size_t len)
{
	sha256_digest(value, len, f->fingerprint);
	free(f->evidence);
	f->evidence = xstrndup(value, len);
}

static bool location_equal(const struct location *a, const struct location *b)
{
	return a->source == b->source && a->layer_index == b->layer_index && a->line == b->line &&
	       !strcmp(a->path ? a->path : "", b->path ? b->path : "") &&
	       !strcmp(a->field ? a->field : "", b->field ? b->field : "");
}

/* Moves g's locations not already in f to f. */
static void take_locations(struct finding *f, struct finding *g)
{
	for (size_t k = 0; k < g->n_locs; k++) {
		bool dup = false;

		for (size_t j = 0; j < f->n_locs && !dup; j++)
			dup = location_equal(&f->locs[j], &g->locs[k]);
		if (dup) {
			location_release(&g->locs[k]);
			continue;
		}
		f->locs = xrealloc(f->locs, (f->n_locs + 1) * sizeof(*f->locs));
		f->locs[f->n_locs++] = g->locs[k];
	}
	free(g->locs);
	g->locs = NULL;
	g->n_locs = 0;
}

void findings_add(struct findings *fs, struct finding *f)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct finding *g = &fs->v[i];

		if (strcmp(g->rule, f->rule) || strcmp(g->fingerprint, f->fingerprint))
			continue;
		take_locations(g, f);
		/* the merged finding is as serious as its most serious sighting,
		 * and active if any sighting is */
		if (f->severity > g->severity)
			g->severity = f->severity;
		if (f->status < g->status)
			g->status = f->status;
		g->strong = g->strong || f->strong;
		finding_release(f);
		return;
	}
	XGROW(fs->v, fs->alloc, fs->n + 1);
	fs->v[fs->n++] = *f;
	memset(f, 0, sizeof(*f));
}

/* True when a should be kept rather than b. */
static bool keep_first(const struct finding *a, const struct finding *b)
{
	if ((a->status == ST_EXAMPLE) != (b->status == ST_EXAMPLE))
		return a->status == ST_EXAMPLE;
	return a->severity >= b->severity;
}

void findings_fold_values(struct findings *fs, size_t first)
{
	for (size_t i = first; i < fs->n; i++) {
		if (fs->v[i].category != CAT_SECRET || !fs->v[i].fingerprint[0])
			continue;
		for (size_t j = i + 1; j < fs->n;) {
			struct finding *f = &fs->v[i], *g = &fs->v[j], tmp;

			if (g->category != CAT_SECRET || strcmp(f->fingerprint, g->fingerprint)) {
				j++;
				continue;
			}
			if (!keep_first(f, g)) {
				tmp = *f;
				*f = *g;
				*g = tmp;
			}
			take_locations(f, g);
			finding_release(g);
			memmove(g, g + 1, (fs->n - j - 1) * sizeof(*g));
			fs->n--;
		}
	}
}

void findings_release(struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		finding_release(&fs->v[i]);
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

static int opt_str(struct buf *out, const char *key, const char *v, bool comma)
{
	int rc = buf_addf(out, "%s\"%s\":", comma ? "," : "", key);

	if (rc)
		return rc;
	return v ? buf_add_json_str(out, v, strlen(v)) : buf_adds(out, "null");
}

static int location_to_json(struct buf *out, const struct location *l)
{
	int rc = 0;

	rc |= buf_adds(out, "{");
	rc |= opt_str(out, "source", source_names[l->source], false);
	rc |= opt_str(out, "layer", l->layer, true);
	if (l->layer_index >= 0)
		rc |= buf_addf(out, ",\"layer_index\":%ld", l->layer_index);
	rc |= opt_str(out, "path", l->path, true);
	if (l->line > 0)
		rc |= buf_addf(out, ",\"line\":%ld", l->line);
	rc |= opt_str(out, "field", l->field, true);
	rc |= buf_adds(out, "}");
	return rc;
}

int finding_to_json(struct buf *out, const struct finding *f)
{
	int rc = 0;

	rc |= buf_adds(out, "{");
	rc |= opt_str(out, "rule", f->rule, false);
	rc |= opt_str(out, "category", category_name(f->category), true);
	rc |= opt_str(out, "severity", severity_name(f->severity), true);
	rc |= opt_str(out, "title", f->title, true);
	/* "location" is the first sighting (the contract's single location);
	 * "locations" lists every place the same value was seen */
	rc |= buf_adds(out, ",\"location\":");
	if (f->n_locs)
		rc |= location_to_json(out, &f->locs[0]);
	else
		rc |= buf_adds(out, "null");
	rc |= buf_adds(out, ",\"locations\":[");
	for (size_t i = 0; i < f->n_locs; i++) {
		if (i)
			rc |= buf_adds(out, ",");
		rc |= location_to_json(out, &f->locs[i]);
	}
	rc |= buf_adds(out, "]");
	rc |= opt_str(out, "evidence", f->evidence, true);
	rc |= opt_str(out, "fingerprint", f->fingerprint[0] ? f->fingerprint : NULL, true);
	rc |= opt_str(out, "status", status_name(f->status), true);
	rc |= buf_addf(out, ",\"strong\":%s}", f->strong ? "true" : "false");
	return rc ? DR_ELIMIT : 0;
}
