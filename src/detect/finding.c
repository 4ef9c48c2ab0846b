#include "detect/finding.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <stdint.h>
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
	pos_index_reset(&f->loc_index);
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

	XGROW(f->locs, f->locs_alloc, f->n_locs + 1);
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

static bool location_equal(const void *pa, const void *pb)
{
	const struct location *a = pa, *b = pb;

	return a->source == b->source && a->layer_index == b->layer_index && a->line == b->line &&
	       !strcmp(a->path ? a->path : "", b->path ? b->path : "") &&
	       !strcmp(a->field ? a->field : "", b->field ? b->field : "");
}

static uint64_t location_hash(const void *item)
{
	const struct location *l = item;
	const char *path = l->path ? l->path : "", *field = l->field ? l->field : "";
	uint64_t h = str_hash(STR_HASH_SEED, &l->source, sizeof(l->source));

	h = str_hash(h, &l->layer_index, sizeof(l->layer_index));
	h = str_hash(h, &l->line, sizeof(l->line));
	h = str_hash(h, path, strlen(path) + 1);
	return str_hash(h, field, strlen(field));
}

/* Moves g's locations not already in f to f. */
static void take_locations(struct finding *f, struct finding *g)
{
	for (size_t k = 0; k < g->n_locs; k++) {
		size_t *s;

		pos_index_sync(&f->loc_index, f->locs, sizeof(*f->locs), f->n_locs, location_hash,
		               location_equal);
		s = pos_index_find(&f->loc_index, f->locs, sizeof(*f->locs), &g->locs[k],
		                   location_hash(&g->locs[k]), location_equal);
		if (*s) {
			location_release(&g->locs[k]);
			continue;
		}
		XGROW(f->locs, f->locs_alloc, f->n_locs + 1);
		f->locs[f->n_locs++] = g->locs[k]; /* indexed by the next sync */
	}
	free(g->locs);
	g->locs = NULL;
	g->n_locs = g->locs_alloc = 0;
}

static bool key_equal(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;

	return !strcmp(a->rule, b->rule) && !strcmp(a->fingerprint, b->fingerprint);
}

static uint64_t key_hash(const void *item)
{
	const struct finding *f = item;

	return str_hash(str_hash(STR_HASH_SEED, f->rule, strlen(f->rule) + 1), f->fingerprint,
	                strlen(f->fingerprint));
}

void findings_add(struct findings *fs, struct finding *f)
{
	struct finding *g;
	size_t *s;

	pos_index_sync(&fs->index, fs->v, sizeof(*fs->v), fs->n, key_hash, key_equal);
	s = pos_index_find(&fs->index, fs->v, sizeof(*fs->v), f, key_hash(f), key_equal);
	if (!*s) {
		XGROW(fs->v, fs->alloc, fs->n + 1);
		fs->v[fs->n++] = *f; /* indexed by the next sync */
		memset(f, 0, sizeof(*f));
		return;
	}
	g = &fs->v[*s - 1];
	take_locations(g, f);
	/* the merged finding is as serious as its most serious sighting, and
	 * active if any sighting is */
	if (f->severity > g->severity)
		g->severity = f->severity;
	if (f->status < g->status)
		g->status = f->status;
	g->strong = g->strong || f->strong;
	finding_release(f);
}

void findings_move(struct findings *dst, struct findings *src)
{
	for (size_t i = 0; i < src->n; i++)
		findings_add(dst, &src->v[i]);
	src->n = 0;
	pos_index_reset(&src->index);
}

size_t findings_drop(struct findings *fs, bool (*drop)(struct finding *f, size_t pos, void *ctx),
                     void *ctx)
{
	size_t kept = 0, n = fs->n;

	for (size_t i = 0; i < n; i++) {
		if (drop(&fs->v[i], i, ctx)) {
			finding_release(&fs->v[i]);
			continue;
		}
		if (kept != i)
			fs->v[kept] = fs->v[i];
		kept++;
	}
	fs->n = kept;
	pos_index_reset(&fs->index);
	return n - kept;
}

void finding_drop_locations(struct finding *f, bool (*drop)(const struct location *l, void *ctx),
                            void *ctx)
{
	size_t kept = 0;

	for (size_t i = 0; i < f->n_locs; i++) {
		if (drop(&f->locs[i], ctx)) {
			location_release(&f->locs[i]);
			continue;
		}
		if (kept != i)
			f->locs[kept] = f->locs[i];
		kept++;
	}
	f->n_locs = kept;
	pos_index_reset(&f->loc_index);
}

/* True when a should be kept rather than b. */
static bool keep_first(const struct finding *a, const struct finding *b)
{
	if ((a->status == ST_EXAMPLE) != (b->status == ST_EXAMPLE))
		return a->status == ST_EXAMPLE;
	return a->severity >= b->severity;
}

static bool value_equal(const void *pa, const void *pb)
{
	return !strcmp(((const struct finding *)pa)->fingerprint,
	               ((const struct finding *)pb)->fingerprint);
}

void findings_fold_values(struct findings *fs, size_t first)
{
	/* the kept secret findings of v[first..kept), by fingerprint */
	struct pos_index x = {0};
	size_t kept = first;

	pos_index_init(&x, fs->n - first);
	for (size_t i = first; i < fs->n; i++) {
		struct finding *g = &fs->v[i], *f, tmp;
		bool value = g->category == CAT_SECRET && g->fingerprint[0];
		size_t *s = NULL;

		if (value) {
			s = pos_index_find(
			    &x, fs->v, sizeof(*fs->v), g,
			    str_hash(STR_HASH_SEED, g->fingerprint, strlen(g->fingerprint)),
			    value_equal);
		}
		if (s && *s) {
			f = &fs->v[*s - 1];
			if (!keep_first(f, g)) {
				tmp = *f;
				*f = *g;
				*g = tmp;
			}
			take_locations(f, g);
			finding_release(g);
			continue;
		}
		if (kept != i)
			fs->v[kept] = *g;
		kept++;
		if (s)
			*s = kept;
	}
	fs->n = kept;
	pos_index_reset(&x);
	/* a kept finding may now be another rule's */
	pos_index_reset(&fs->index);
}

void findings_release(struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		finding_release(&fs->v[i]);
	pos_index_reset(&fs->index);
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
