#include "detect/analyze.h"

#include "detect/analyzer.h"
#include "detect/fsview.h"
#include "detect/pkgdb.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/mono.h"

#include <stdlib.h>
#include <string.h>

#define ANALYZER_REF(name) &analyzer_##name,
static const struct analyzer_ops *const analyzers[] = {ANALYZER_LIST(ANALYZER_REF)};
#undef ANALYZER_REF
#define N_ANALYZERS (sizeof(analyzers) / sizeof(analyzers[0]))

/* A file that had findings: where it was and what its content hashes to.
 * A file that fit in the buffer keeps its content until its layer ends and
 * is hashed then only if a package database seen by then lists its path,
 * with the algorithms that database uses: most files with findings are not
 * package files, and their checksums are not needed. */
struct file_rec {
	char *path;
	size_t layer;
	bool have_sums; /* false: not fully read, or no database lists it */
	bool held;      /* its content is in the keep buffer at off */
	struct file_sums sums;
	size_t off, len;
};

/* A package database file seen in a layer (parsed at the end if it is still
 * in the image then). */
struct db_file {
	char *path;
	size_t layer;
	enum pkgdb_kind kind;
	char *data;
	size_t len;
};

struct scan_ctx {
	const struct scan_opts *opts;
	struct image *img;
	struct findings *out;
	struct findings pending; /* the current file's findings */
	struct engine_scan *es;
	struct fsview *fsv;
	void *state[N_ANALYZERS];
	struct scan_stats *stats;
	uint64_t max_file;

	/* the current regular file */
	bool in_file;
	uint64_t seen; /* content bytes so far */
	/* The contents of the layer's flagged files held for settle_recs
	 * (keep.ptr[0..held)), then the current file's first SCAN_HASH_BUFFER
	 * bytes (or all of a database). One buffer, reused: no page is mapped
	 * and zeroed afresh for each file. */
	struct buf keep;
	size_t held;
	bool hashing; /* past the buffer: checksummed as it streams */
	struct file_hasher hasher;
	bool incomplete; /* bytes were dropped: no checksum */
	enum pkgdb_kind db_kind;

	struct file_rec *recs;
	size_t n_recs, alloc_recs;
	struct db_file *dbs;
	size_t n_dbs, alloc_dbs;
	size_t first_unhashed; /* recs before this one are settled */
	unsigned hint_algos;   /* the checksums the image's package tools use */
	struct pkgdb *seen_db; /* the database files seen so far, parsed */
	size_t n_seen_dbs;
	/* findings to drop when they come out package-shipped */
	struct unpackaged {
		char *rule;
		char fingerprint[DIGEST_STR_LEN];
	} * unpk;
	size_t n_unpk, alloc_unpk;
};

void scan_report(struct scan_ctx *sc, struct finding *f)
{
	findings_add(sc->in_file ? &sc->pending : sc->out, f);
}

void scan_report_unpackaged(struct scan_ctx *sc, struct finding *f)
{
	XGROW(sc->unpk, sc->alloc_unpk, sc->n_unpk + 1);
	sc->unpk[sc->n_unpk].rule = xstrdup(f->rule);
	memcpy(sc->unpk[sc->n_unpk].fingerprint, f->fingerprint, DIGEST_STR_LEN);
	sc->n_unpk++;
	scan_report(sc, f);
}

struct findings *scan_file_findings(struct scan_ctx *sc)
{
	return &sc->pending;
}

bool scan_show_secrets(const struct scan_ctx *sc)
{
	return sc->opts->show_secrets;
}

const struct intel_set *scan_intel(const struct scan_ctx *sc)
{
	return sc->opts->intel;
}

const struct yara_set *scan_yara(const struct scan_ctx *sc)
{
	return sc->opts->yara;
}

/* ---- the walk sink ------------------------------------------------------- */

static int sink_layer_begin(void *ctx, const struct image *img, size_t index)
{
	struct scan_ctx *sc = ctx;
	int rc = 0;

	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->layer_begin)
			rc = analyzers[a]->layer_begin(sc->state[a], img, index);
	return rc;
}

/* The held bytes from off on (never a null pointer). */
static const char *kept(const struct scan_ctx *sc, size_t off)
{
	return sc->keep.ptr ? sc->keep.ptr + off : "";
}

/* The checksums of the package tool whose files path belongs to, if any. */
static unsigned tool_algos(const char *path)
{
	if (!strncmp(path, "var/lib/dpkg/", 13) || !strncmp(path, "etc/dpkg/", 9))
		return SUM_MD5;
	if (!strncmp(path, "lib/apk/", 8) || !strncmp(path, "etc/apk/", 8))
		return SUM_SHA1;
	return 0;
}

/* The checksums a database may list path with, known before the databases
 * of the layer are read: those of the package tools and databases the image
 * showed so far, sha256 in Python package directories; all when none was
 * seen. */
static unsigned likely_algos(const struct scan_ctx *sc, const char *path)
{
	unsigned algos = sc->hint_algos;

	if (strstr(path, "-packages/"))
		algos |= SUM_SHA256;
	return algos ? algos : SUM_ALL;
}

static int sink_file(void *ctx, const struct file_event *ev, bool *want)
{
	struct scan_ctx *sc = ctx;
	enum fsview_op op = ev->whiteout         ? FSV_WHITEOUT
	                    : ev->opaque         ? FSV_OPAQUE
	                    : ev->type == FT_DIR ? FSV_WRITE_DIR
	                                         : FSV_WRITE_FILE;
	int rc = 0;

	fsview_record(sc->fsv, ev->layer_index, ev->path, op);
	sc->hint_algos |= tool_algos(ev->path);
	if (ev->type == FT_REG && !ev->whiteout && !ev->opaque) {
		sc->stats->files++;
		sc->in_file = true;
		sc->seen = 0;
		sc->keep.len = sc->held;
		sc->hashing = false;
		sc->incomplete = false;
		sc->db_kind = pkgdb_file_kind(ev->path);
		if (ev->size > sc->max_file)
			sc->stats->truncated++;
		*want = true;
		rc = engine_file_begin(sc->es, ev->path, ev->layer_digest, (long)ev->layer_index);
	}
	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->file)
			rc = analyzers[a]->file(sc->state[a], ev, want);
	return rc;
}

static int sink_content(void *ctx, const struct file_event *ev, const void *data, size_t len)
{
	struct scan_ctx *sc = ctx;
	int rc = 0;

	if (!sc->in_file)
		goto analyzers;
	if (sc->seen < sc->max_file) {
		size_t n = sc->max_file - sc->seen < len ? (size_t)(sc->max_file - sc->seen) : len;

		if ((rc = engine_file_data(sc->es, data, n)))
			return rc;
	}
	sc->seen += len;
	if (sc->hashing) {
		file_hasher_update(&sc->hasher, data, len);
	} else if (sc->keep.len - sc->held + len <=
	           (sc->db_kind != PKGDB_NONE ? SCAN_PKGDB_FILE_MAX : SCAN_HASH_BUFFER)) {
		buf_add(&sc->keep, data, len);
	} else if (sc->db_kind != PKGDB_NONE) {
		sc->incomplete = true; /* an oversized database is not read */
	} else {
		/* too big to hold: checksummed as it streams, in case */
		file_hasher_init(&sc->hasher, likely_algos(sc, ev->path));
		file_hasher_update(&sc->hasher, kept(sc, sc->held), sc->keep.len - sc->held);
		file_hasher_update(&sc->hasher, data, len);
		sc->keep.len = sc->held;
		sc->hashing = true;
	}
analyzers:
	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->content)
			rc = analyzers[a]->content(sc->state[a], ev, data, len);
	return rc;
}

static void keep_db_file(struct scan_ctx *sc, const struct file_event *ev)
{
	struct db_file *d;

	XGROW(sc->dbs, sc->alloc_dbs, sc->n_dbs + 1);
	d = &sc->dbs[sc->n_dbs++];
	d->path = xstrdup(ev->path);
	d->layer = ev->layer_index;
	d->kind = sc->db_kind;
	sc->hint_algos |= pkgdb_kind_algos(d->kind);
	d->len = sc->keep.len - sc->held;
	d->data = xmalloc(d->len + 1);
	memcpy(d->data, kept(sc, sc->held), d->len);
	d->data[d->len] = '\0';
	sc->keep.len = sc->held;
}

/* True when every finding of fs is a documented example or placeholder:
 * their status does not depend on the package databases, and the file's
 * checksums are not needed. */
static bool all_examples(const struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].status != ST_EXAMPLE)
			return false;
	return true;
}

/* Records a file with findings: its checksums, or its content until its
 * layer ends (settle_recs). */
static void keep_rec(struct scan_ctx *sc, const struct file_event *ev)
{
	struct file_rec *r;
	size_t len = sc->keep.len - sc->held;

	XGROW(sc->recs, sc->alloc_recs, sc->n_recs + 1);
	r = &sc->recs[sc->n_recs++];
	r->path = xstrdup(ev->path);
	r->layer = ev->layer_index;
	r->have_sums = !sc->incomplete;
	r->held = false;
	r->off = r->len = 0;
	if (sc->hashing) {
		file_hasher_final(&sc->hasher, &r->sums);
	} else if (r->have_sums && sc->db_kind == PKGDB_NONE && sc->keep.len <= SCAN_RETAIN_MAX) {
		r->held = true;
		r->off = sc->held;
		r->len = len;
		sc->held = sc->keep.len;
		r->have_sums = false;
	} else if (r->have_sums) {
		file_sums_compute(&r->sums, likely_algos(sc, ev->path), kept(sc, sc->held), len);
	}
	sc->hashing = false;
}

static int sink_file_end(void *ctx, const struct file_event *ev)
{
	struct scan_ctx *sc = ctx;
	int rc = 0;

	if (sc->in_file)
		rc = engine_file_end(sc->es);
	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->file_end)
			rc = analyzers[a]->file_end(sc->state[a], ev);
	if (!sc->in_file)
		return rc;
	if (sc->pending.n && !all_examples(&sc->pending))
		keep_rec(sc, ev);
	for (size_t i = 0; i < sc->pending.n; i++)
		findings_add(sc->out, &sc->pending.v[i]);
	sc->pending.n = 0;
	if (sc->hashing) {
		file_hasher_release(&sc->hasher);
		sc->hashing = false;
	}
	if (sc->db_kind != PKGDB_NONE && !sc->incomplete)
		keep_db_file(sc, ev);
	sc->in_file = false;
	return rc;
}

/* Settles the files kept since the last layer end: hashed when a database
 * seen so far lists their path, else left without checksums. */
static void settle_recs(struct scan_ctx *sc)
{
	for (; sc->n_seen_dbs < sc->n_dbs; sc->n_seen_dbs++) {
		const struct db_file *d = &sc->dbs[sc->n_seen_dbs];

		pkgdb_parse(sc->seen_db, d->kind, d->path, d->data, d->len);
	}
	for (; sc->first_unhashed < sc->n_recs; sc->first_unhashed++) {
		struct file_rec *r = &sc->recs[sc->first_unhashed];
		unsigned algos;

		if (!r->held)
			continue;
		if ((algos = pkgdb_algos(sc->seen_db, r->path))) {
			file_sums_compute(&r->sums, algos, kept(sc, r->off), r->len);
			r->have_sums = true;
		}
		r->held = false;
	}
	sc->held = sc->keep.len = 0;
}

static int sink_layer_end(void *ctx, const struct image *img, size_t index)
{
	struct scan_ctx *sc = ctx;
	int rc = 0;

	settle_recs(sc);
	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->layer_end)
			rc = analyzers[a]->layer_end(sc->state[a], img, index);
	return rc;
}

/* ---- config, history and name ------------------------------------------- */

static void join_strv(struct buf *b, const struct strv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		if (b->len)
			buf_addc(b, ' ');
		buf_adds(b, v->v[i]);
	}
}

static int scan_config(struct scan_ctx *sc)
{
	const struct image_config *c = &sc->img->config;
	struct engine_scan *es = sc->es;
	struct buf s = BUF_INIT;
	char field[160];
	int rc = 0;

	join_strv(&s, &c->entrypoint);
	join_strv(&s, &c->cmd);
	if (s.len) {
		const char *name = c->entrypoint.n && c->cmd.n ? "Entrypoint+Cmd"
		                   : c->entrypoint.n           ? "Entrypoint"
		                                               : "Cmd";

		if ((rc = engine_scan_string(es, RK_CONFIG, NULL, -1, name, s.ptr, s.len)))
			goto done;
	}
	for (size_t i = 0; i < c->env.n; i++) {
		snprintf(field, sizeof(field), "Env[%zu]", i);
		if ((rc = engine_scan_string(es, RK_CONFIG, NULL, -1, field, c->env.v[i],
		                             strlen(c->env.v[i]))))
			goto done;
	}
	for (size_t i = 0; i < c->n_labels; i++) {
		buf_reset(&s);
		buf_addf(&s, "%s=%s", c->labels[i].key, c->labels[i].value);
		snprintf(field, sizeof(field), "Labels[%.120s]", c->labels[i].key);
		if ((rc = engine_scan_string(es, RK_CONFIG, NULL, -1, field, s.ptr, s.len)))
			goto done;
	}
	if (c->user && c->user[0] &&
	    (rc = engine_scan_string(es, RK_CONFIG, NULL, -1, "User", c->user, strlen(c->user))))
		goto done;
	if (c->working_dir && c->working_dir[0] &&
	    (rc = engine_scan_string(es, RK_CONFIG, NULL, -1, "WorkingDir", c->working_dir,
	                             strlen(c->working_dir))))
		goto done;
	for (size_t i = 0; i < c->n_history; i++) {
		const struct history_entry *h = &c->history[i];
		long li = h->layer;
		const char *layer =
		    li >= 0 && (size_t)li < sc->img->n_layers ? sc->img->layers[li].diff_id : NULL;

		if (!h->created_by || !h->created_by[0])
			continue;
		snprintf(field, sizeof(field), "history[%zu].created_by", i);
		if ((rc = engine_scan_string(es, RK_HISTORY, layer, layer ? li : -1, field,
		                             h->created_by, strlen(h->created_by))))
			goto done;
	}
done:
	buf_release(&s);
	return rc;
}

static void scan_name(struct scan_ctx *sc)
{
	const struct image_ref *ref = &sc->img->src->ref;
	const char *slash;
	struct typosquat_hit hit;
	struct finding f;
	char ns[256];

	if (!sc->opts->typosquat || ref->transport != REF_DOCKER || !ref->repository)
		return;
	slash = strrchr(ref->repository, '/');
	if (slash && (size_t)(slash - ref->repository) >= sizeof(ns))
		return;
	if (slash) {
		memcpy(ns, ref->repository, (size_t)(slash - ref->repository));
		ns[slash - ref->repository] = '\0';
	} else {
		ns[0] = '\0';
	}
	if (typosquat_check(sc->opts->typosquat, ns, slash ? slash + 1 : ref->repository, &hit) !=
	    1) {
		err_clear();
		return;
	}
	typosquat_finding(&f, &hit, ref->repository);
	findings_add(sc->out, &f);
}

/* ---- resolving statuses -------------------------------------------------- */

static const struct file_rec *find_rec(const struct scan_ctx *sc, size_t layer, const char *path)
{
	for (size_t i = sc->n_recs; i-- > 0;)
		if (sc->recs[i].layer == layer && !strcmp(sc->recs[i].path, path))
			return &sc->recs[i];
	return NULL;
}

static size_t read_pkgdbs(struct scan_ctx *sc, struct pkgdb *db)
{
	size_t n = 0;

	for (size_t i = 0; i < sc->n_dbs; i++) {
		const struct db_file *d = &sc->dbs[i];

		if (!fsview_removed(sc->fsv, d->layer, d->path))
			n += pkgdb_parse(db, d->kind, d->path, d->data, d->len);
	}
	return n;
}

static enum finding_status location_status(const struct scan_ctx *sc, const struct pkgdb *db,
                                           const struct location *l)
{
	const struct file_rec *r;

	if (l->source != LOC_FILE || !l->path || l->layer_index < 0)
		return ST_ACTIVE;
	r = find_rec(sc, (size_t)l->layer_index, l->path);
	if (r && r->have_sums && pkgdb_vouches(db, l->path, &r->sums))
		return ST_PACKAGE_SHIPPED;
	if (fsview_removed(sc->fsv, (size_t)l->layer_index, l->path))
		return ST_REMOVED;
	return ST_ACTIVE;
}

static void resolve_statuses(struct scan_ctx *sc, size_t first)
{
	struct pkgdb *db = pkgdb_new();

	sc->stats->pkgdb_entries = read_pkgdbs(sc, db);
	for (size_t i = first; i < sc->out->n; i++) {
		struct finding *f = &sc->out->v[i];
		enum finding_status st = ST_PACKAGE_SHIPPED;
		bool any_file = false;

		if (f->status == ST_EXAMPLE)
			continue;
		for (size_t k = 0; k < f->n_locs; k++) {
			enum finding_status ls = location_status(sc, db, &f->locs[k]);

			any_file = any_file || f->locs[k].source == LOC_FILE;
			/* active beats removed beats package-shipped */
			if (ls == ST_ACTIVE || (ls == ST_REMOVED && st == ST_PACKAGE_SHIPPED))
				st = ls;
		}
		if (any_file && f->n_locs)
			f->status = st;
	}
	pkgdb_free(db);
	for (size_t i = first; i < sc->out->n;) {
		struct finding *f = &sc->out->v[i];
		bool drop = false;

		for (size_t k = 0; k < sc->n_unpk && f->status == ST_PACKAGE_SHIPPED && !drop; k++)
			drop = !strcmp(sc->unpk[k].rule, f->rule) &&
			       !strcmp(sc->unpk[k].fingerprint, f->fingerprint);
		if (!drop) {
			i++;
			continue;
		}
		finding_release(f);
		memmove(f, f + 1, (sc->out->n - i - 1) * sizeof(*f));
		sc->out->n--;
	}
}

/* ---- the scan ------------------------------------------------------------ */

int scan_image(struct findings *out, struct scan_stats *stats, struct image *img,
               const struct scan_opts *opts)
{
	struct scan_ctx sc = {0};
	struct walk_sink sink = {0};
	struct walk_opts wo = {0};
	size_t first = out->n;
	double t0 = mono_now();
	int rc;

	memset(stats, 0, sizeof(*stats));
	sc.opts = opts;
	sc.img = img;
	sc.out = out;
	sc.stats = stats;
	sc.max_file = opts->max_file_size ? opts->max_file_size : SCAN_MAX_FILE_SIZE_DEFAULT;
	sc.fsv = fsview_new();
	sc.seen_db = pkgdb_new();
	if ((rc = engine_scan_new(&sc.es, opts->engine, &sc.pending)))
		goto done;
	for (size_t a = 0; a < N_ANALYZERS; a++)
		if (analyzers[a]->init && (rc = analyzers[a]->init(&sc.state[a], &sc)))
			goto done;
	/* config and history findings go straight to the image's set */
	if ((rc = scan_config(&sc)))
		goto done;
	for (size_t i = 0; i < sc.pending.n; i++)
		findings_add(out, &sc.pending.v[i]);
	sc.pending.n = 0;
	scan_name(&sc);

	sink.ctx = &sc;
	sink.layer_begin = sink_layer_begin;
	sink.file = sink_file;
	sink.content = sink_content;
	sink.file_end = sink_file_end;
	sink.layer_end = sink_layer_end;
	if (opts->walk)
		wo = *opts->walk;
	if (!wo.buffers)
		wo.buffers = SCAN_WALK_BUFFERS;
	if ((rc = image_walk(img, &sink, &wo)))
		goto done;
	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->image_end)
			rc = analyzers[a]->image_end(sc.state[a], img);
	if (rc)
		goto done;
	resolve_statuses(&sc, first);
	findings_fold_values(out, first);
	for (size_t i = 0; i < img->n_layers; i++)
		stats->bytes += img->layers[i].uncompressed_bytes;
done:
	if (sc.in_file && sc.hashing)
		file_hasher_release(&sc.hasher);
	for (size_t a = 0; a < N_ANALYZERS; a++)
		if (analyzers[a]->free)
			analyzers[a]->free(sc.state[a]);
	engine_scan_free(sc.es);
	findings_release(&sc.pending);
	fsview_free(sc.fsv);
	buf_release(&sc.keep);
	for (size_t i = 0; i < sc.n_recs; i++)
		free(sc.recs[i].path);
	pkgdb_free(sc.seen_db);
	free(sc.recs);
	for (size_t i = 0; i < sc.n_dbs; i++) {
		free(sc.dbs[i].path);
		free(sc.dbs[i].data);
	}
	free(sc.dbs);
	for (size_t i = 0; i < sc.n_unpk; i++)
		free(sc.unpk[i].rule);
	free(sc.unpk);
	stats->seconds = mono_now() - t0;
	return rc;
}
