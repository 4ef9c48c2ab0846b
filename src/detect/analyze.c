#include "detect/analyze.h"

#include "detect/analyzer.h"
#include "detect/fsview.h"
#include "detect/pkgdb.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/mono.h"
#include "util/strutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ANALYZER_REF(name) &analyzer_##name,
static const struct analyzer_ops *const analyzers[] = {ANALYZER_LIST(ANALYZER_REF)};
#undef ANALYZER_REF
#define N_ANALYZERS (sizeof(analyzers) / sizeof(analyzers[0]))

/* How the work is shared.
 *
 * The walker (the caller's thread, inside image_walk) reads the tar and
 * hands each regular file to the scanners: it records the entry in the
 * image's view (fsview) and the package tools it hints at, then queues the
 * file's event and its content in batches of consecutive files (jobs).
 * Content is not copied: each chunk keeps the layer buffer it lies in
 * (walk_hold) until a scanner is done with it.
 *
 * Each scanner thread takes the oldest job not taken, and runs its files
 * through its own lane: its own engine_scan and analyzer states, the file's
 * first bytes kept for checksums. What a file leaves behind (its findings,
 * what its checksums need, a package database) goes into the job's outs.
 *
 * Jobs are merged into the image's results strictly in the order the walker
 * made them, by whichever scanner finishes the oldest one: the findings,
 * their order and every status are the same whatever the number of threads
 * and however they run. Image-level work (config and history, layer_begin,
 * layer_end, image_end) runs on the walker's thread on the main lane while
 * no job is in flight: a layer's jobs are all merged before its layer_end.
 * The lanes are set up when the first layer begins (run_start), its blob
 * already inflating, so that the engine may be compiled meanwhile.
 *
 * Memory stays bounded: jobs in flight hold layer buffers (the inflater waits
 * for them), at most SCAN_JOB_SLOTS jobs exist, outs waiting for their merge
 * hold at most SCAN_STASH_MAX bytes beyond the oldest job's, and each lane
 * keeps SCAN_LANE_KEEP bytes of a file, one lane at a time up to
 * SCAN_HASH_BUFFER. */

/* A file that had findings: where it was and what its content hashes to.
 * A file small enough keeps its content until its layer ends and is hashed
 * then only if a package database seen by then lists its path, with the
 * algorithms that database uses: most files with findings are not package
 * files, and their checksums are not needed. A file too large to keep whose
 * findings came after its first bytes were let go is hashed after the walk,
 * if a database lists it, by reading its layer again (rehash_recs). */
struct file_rec {
	char *path;
	size_t layer;
	bool have_sums; /* false: not fully read, or no database lists it */
	bool rewalk;    /* its bytes were let go unhashed */
	struct file_sums sums;
	char *held; /* its content, until its layer ends */
	size_t len;
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

/* A regular file as the walker saw it. */
struct file_item {
	struct file_event ev;
	char *path, *raw_path, *link;
	unsigned hints; /* the package tools' checksums seen before it (likely_algos) */
};

enum item_kind { IT_BEGIN, IT_DATA, IT_END };

struct item {
	enum item_kind kind;
	struct file_item *file;    /* IT_BEGIN: the scanner takes it */
	const unsigned char *data; /* IT_DATA */
	size_t len;
	int held; /* walk_hold's number, or -1: data is a copy to free */
	struct walk_pool *pool;
};

/* What one file leaves for the merge. */
struct file_out {
	struct findings found;
	char *path;
	size_t layer;
	bool rec; /* keep a file_rec */
	bool rewalk;
	bool have_sums;
	struct file_sums sums;
	char *content; /* held at the merge if the layer's budget allows */
	size_t len;
	unsigned algos; /* else hashed with these */
	enum pkgdb_kind db_kind;
	char *db; /* a package database's content */
	size_t db_len;
};

/* A batch of consecutive files. */
struct job {
	uint64_t seq;
	struct item *items;
	size_t n, alloc;
	size_t shown; /* items a scanner may take */
	size_t taken; /* items a scanner took */
	bool open;    /* the walker may add items */
	bool done;    /* scanned: outs ready for the merge */
	size_t bytes, unshown_bytes, files;
	struct file_out *outs;
	size_t n_outs, alloc_outs;
	size_t stash; /* bytes of content and databases in outs */
};

struct scan_run;

/* A lane: one thread's scanning state, and the analyzers' handle. */
struct scan_ctx {
	struct scan_run *run;
	struct findings pending; /* the current file's findings */
	struct engine_scan *es;
	void *state[N_ANALYZERS];
	pthread_t thread;
	bool started;
	struct item *local; /* items taken from the job, processed unlocked */
	size_t alloc_local;
	struct job *job;
	bool failed;

	/* the current regular file */
	struct file_item *file;
	uint64_t seen; /* content bytes so far */
	/* Its first bytes (or all of a database): while they fit in
	 * SCAN_LANE_PINNED, the items that bring them are kept as they are
	 * (their layer buffers stay held), else they are copied to keep, which
	 * is reused from file to file up to SCAN_LANE_RESIDENT bytes. */
	bool pinning;
	struct item *pinned;
	size_t n_pinned, alloc_pinned, pinned_bytes;
	struct buf keep;
	bool extended; /* holds the shared extension of the keep budget */
	bool hashing;  /* past the buffer: checksummed as it streams */
	bool let_go;   /* past the buffer, neither kept nor hashed */
	struct file_hasher hasher;
	bool incomplete; /* bytes were dropped: no checksum */
	enum pkgdb_kind db_kind;
};

struct scan_run {
	const struct scan_opts *opts;
	const struct engine *engine;
	const struct typosquat *typosquat;
	bool started; /* the lanes are set up (run_start) */
	struct image *img;
	struct findings *out;
	struct scan_stats *stats;
	uint64_t max_file;

	/* the walker's */
	struct fsview *fsv;
	unsigned hint_algos; /* the checksums the image's package tools use */
	struct job *cur;     /* the job being filled */
	size_t copied;       /* bytes of copied content in flight (mu) */

	struct scan_ctx main; /* config, history and image-level callbacks */
	struct scan_ctx *lanes;
	size_t n_lanes;

	pthread_mutex_t mu;
	pthread_cond_t cv_job;    /* scanners: a job to take */
	pthread_cond_t cv_data;   /* the scanner of an open job: more items */
	pthread_cond_t cv_merged; /* the walker and waiting scanners: a merge, or
	                             copied content given back */
	struct job jobs[SCAN_JOB_SLOTS];
	uint64_t n_made, n_shown, n_taken, n_merged;
	bool merging, stop;
	size_t stash;
	int extension; /* a lane holds the keep extension (atomic) */
	int failed;    /* the first failure of a scanner */
	char *failmsg;

	/* the merged results */
	struct file_rec *recs;
	size_t n_recs, alloc_recs;
	struct db_file *dbs;
	size_t n_dbs, alloc_dbs;
	size_t first_unsettled; /* recs before this one are settled */
	size_t held;            /* bytes of content held by recs */
	struct pkgdb *seen_db;  /* the database files merged so far, parsed */
	size_t n_seen_dbs;
	/* findings to drop when they come out package-shipped */
	pthread_mutex_t unpk_mu;
	struct unpackaged {
		char *rule;
		char fingerprint[DIGEST_STR_LEN];
	} * unpk;
	size_t n_unpk, alloc_unpk;
	struct pos_index rec_index; /* of recs, once the walk is over */
};

void scan_report(struct scan_ctx *sc, struct finding *f)
{
	/* the main lane reports between files, while no job is in flight */
	findings_add(sc->file ? &sc->pending : sc->run->out, f);
}

void scan_report_unpackaged(struct scan_ctx *sc, struct finding *f)
{
	struct scan_run *run = sc->run;

	pthread_mutex_lock(&run->unpk_mu);
	XGROW(run->unpk, run->alloc_unpk, run->n_unpk + 1);
	run->unpk[run->n_unpk].rule = xstrdup(f->rule);
	memcpy(run->unpk[run->n_unpk].fingerprint, f->fingerprint, DIGEST_STR_LEN);
	run->n_unpk++;
	pthread_mutex_unlock(&run->unpk_mu);
	scan_report(sc, f);
}

struct findings *scan_file_findings(struct scan_ctx *sc)
{
	return &sc->pending;
}

bool scan_show_secrets(const struct scan_ctx *sc)
{
	return sc->run->opts->show_secrets;
}

const struct intel_set *scan_intel(const struct scan_ctx *sc)
{
	return sc->run->opts->intel;
}

const struct yara_set *scan_yara(const struct scan_ctx *sc)
{
	return sc->run->opts->yara;
}

/* ---- a lane: one file at a time ----------------------------------------- */

static void file_item_free(struct file_item *fi)
{
	if (!fi)
		return;
	free(fi->path);
	free(fi->raw_path);
	free(fi->link);
	free(fi);
}

/* The checksums a database may list path with, known before the databases
 * of the layer are read: those of the package tools and databases the image
 * showed before the file (hints), sha256 in Python package directories; all
 * when none was seen. */
static unsigned likely_algos(unsigned hints, const char *path)
{
	unsigned algos = hints;

	if (strstr(path, "-packages/"))
		algos |= SUM_SHA256;
	return algos ? algos : SUM_ALL;
}

/* True when fs holds a finding that is not a documented example or
 * placeholder: its status depends on the package databases, which need the
 * file's checksums. */
static bool needs_sums(const struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].status != ST_EXAMPLE)
			return true;
	return false;
}

static void item_release(struct scan_run *run, struct item *it);

static int lane_begin(struct scan_ctx *sc, struct file_item *fi)
{
	bool want = true;
	int rc;

	sc->file = fi;
	sc->seen = 0;
	sc->pinning = true;
	sc->keep.len = 0;
	sc->hashing = false;
	sc->let_go = false;
	sc->incomplete = false;
	sc->db_kind = pkgdb_file_kind(fi->path);
	rc = engine_file_begin(sc->es, fi->path, fi->ev.layer_digest, (long)fi->ev.layer_index);
	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->file)
			rc = analyzers[a]->file(sc->state[a], &fi->ev, &want);
	return rc;
}

/* The bytes of the current file this lane may keep: SCAN_LANE_KEEP, and up
 * to SCAN_HASH_BUFFER for the one lane that holds the extension. */
static bool keep_fits(struct scan_ctx *sc, size_t need)
{
	int free_ext = 0;

	if (sc->db_kind != PKGDB_NONE)
		return need <= SCAN_PKGDB_FILE_MAX;
	if (need <= SCAN_LANE_KEEP || (sc->extended && need <= SCAN_HASH_BUFFER))
		return true;
	if (sc->extended || need > SCAN_HASH_BUFFER)
		return false;
	sc->extended = __atomic_compare_exchange_n(&sc->run->extension, &free_ext, 1, false,
	                                           __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	return sc->extended;
}

static void drop_extension(struct scan_ctx *sc)
{
	if (sc->extended)
		__atomic_store_n(&sc->run->extension, 0, __ATOMIC_RELEASE);
	sc->extended = false;
}

/* Gives back the pinned items of the file. */
static void unpin(struct scan_ctx *sc)
{
	for (size_t i = 0; i < sc->n_pinned; i++)
		item_release(sc->run, &sc->pinned[i]);
	sc->n_pinned = sc->pinned_bytes = 0;
}

/* Copies the pinned bytes to keep (which they fit) and gives the items back:
 * the file's first bytes are in keep from here on. */
static void unpin_to_keep(struct scan_ctx *sc)
{
	for (size_t i = 0; i < sc->n_pinned; i++)
		buf_add(&sc->keep, sc->pinned[i].data, sc->pinned[i].len);
	unpin(sc);
	sc->pinning = false;
}

/* The next bytes of the current file, from it, which the lane gives back
 * or keeps. */
static int lane_content(struct scan_ctx *sc, struct item *it)
{
	struct file_item *fi = sc->file;
	const unsigned char *data = it->data;
	size_t len = it->len;
	uint64_t max_file = sc->run->max_file;
	bool pin = sc->pinning && sc->pinned_bytes + len <= SCAN_LANE_PINNED;
	int rc = 0;

	if (sc->seen < max_file) {
		size_t n = max_file - sc->seen < len ? (size_t)(max_file - sc->seen) : len;

		rc = engine_file_data(sc->es, data, n);
	}
	sc->seen += len;
	if (pin) {
		XGROW(sc->pinned, sc->alloc_pinned, sc->n_pinned + 1);
		sc->pinned[sc->n_pinned++] = *it;
		sc->pinned_bytes += len;
	} else if (sc->pinning) {
		unpin_to_keep(sc);
	}
	if (pin || sc->hashing || sc->let_go) {
		if (sc->hashing)
			file_hasher_update(&sc->hasher, data, len);
	} else if (keep_fits(sc, sc->keep.len + len)) {
		buf_add(&sc->keep, data, len);
	} else if (sc->db_kind != PKGDB_NONE) {
		sc->incomplete = true; /* an oversized database is not read */
	} else if (!needs_sums(&sc->pending)) {
		/* too big to hold, and no finding needs its checksums yet: let go
		 * (most large files never get one; one that does is hashed after
		 * the walk, from its layer read again) */
		sc->keep.len = 0;
		sc->let_go = true;
		drop_extension(sc);
	} else {
		/* too big to hold, with findings: checksummed as it streams */
		file_hasher_init(&sc->hasher, likely_algos(fi->hints, fi->path));
		file_hasher_update(&sc->hasher, sc->keep.ptr ? sc->keep.ptr : "", sc->keep.len);
		file_hasher_update(&sc->hasher, data, len);
		sc->keep.len = 0;
		sc->hashing = true;
		drop_extension(sc);
	}
	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->content)
			rc = analyzers[a]->content(sc->state[a], &fi->ev, data, len);
	if (!pin) /* a pinned item is given back when the file ends */
		item_release(sc->run, it);
	return rc;
}

/* Leaves what the merge needs of the file just ended in the job's outs: its
 * findings; for a file with findings that are not all examples, its
 * checksums or its content; a package database's content. */
static void lane_leave(struct scan_ctx *sc)
{
	struct file_item *fi = sc->file;
	bool rec = needs_sums(&sc->pending);
	bool db = sc->db_kind != PKGDB_NONE && !sc->incomplete;
	const char *kept;
	struct job *job = sc->job;
	struct file_out *o;

	if (!sc->pending.n && !db)
		return;
	if (sc->pinning)
		unpin_to_keep(sc);
	kept = sc->keep.ptr ? sc->keep.ptr : "";
	XGROW(job->outs, job->alloc_outs, job->n_outs + 1);
	o = &job->outs[job->n_outs++];
	memset(o, 0, sizeof(*o));
	o->found = sc->pending;
	memset(&sc->pending, 0, sizeof(sc->pending));
	o->path = xstrdup(fi->path);
	o->layer = fi->ev.layer_index;
	o->rec = rec;
	o->algos = likely_algos(fi->hints, fi->path);
	if (rec && sc->hashing) {
		file_hasher_final(&sc->hasher, &o->sums);
		sc->hashing = false;
		o->have_sums = true;
	} else if (rec && sc->let_go) {
		o->rewalk = true;
	} else if (rec && !sc->incomplete && !db && sc->keep.len <= SCAN_RETAIN_MAX) {
		o->content = xstrndup(kept, sc->keep.len);
		o->len = sc->keep.len;
	} else if (rec && !sc->incomplete) {
		file_sums_compute(&o->sums, o->algos, kept, sc->keep.len);
		o->have_sums = true;
	}
	if (db) {
		o->db_kind = sc->db_kind;
		o->db = xstrndup(kept, sc->keep.len);
		o->db_len = sc->keep.len;
	}
	job->stash += o->len + o->db_len;
}

/* Drops the current file of a lane that stopped scanning. */
static void lane_abandon(struct scan_ctx *sc)
{
	unpin(sc);
	if (sc->hashing)
		file_hasher_release(&sc->hasher);
	sc->hashing = false;
	drop_extension(sc);
	file_item_free(sc->file);
	sc->file = NULL;
}

static int lane_end(struct scan_ctx *sc)
{
	int rc = engine_file_end(sc->es);

	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->file_end)
			rc = analyzers[a]->file_end(sc->state[a], &sc->file->ev);
	if (!rc)
		lane_leave(sc);
	lane_abandon(sc);
	/* a large file's buffer is given back, not kept resident */
	if (sc->keep.alloc > SCAN_LANE_RESIDENT)
		buf_release(&sc->keep);
	return rc;
}

/* ---- the scanners -------------------------------------------------------- */

static struct job *job_at(struct scan_run *run, uint64_t seq)
{
	return &run->jobs[seq % SCAN_JOB_SLOTS];
}

static void job_reset(struct job *job)
{
	for (size_t i = 0; i < job->n_outs; i++) {
		findings_release(&job->outs[i].found);
		free(job->outs[i].path);
		free(job->outs[i].content);
		free(job->outs[i].db);
	}
	job->n_outs = 0;
	job->n = job->shown = job->taken = 0;
	job->open = job->done = false;
	job->bytes = job->unshown_bytes = job->files = job->stash = 0;
}

/* Gives back what an item holds. */
static void item_release(struct scan_run *run, struct item *it)
{
	if (it->kind == IT_BEGIN) {
		file_item_free(it->file);
	} else if (it->kind == IT_DATA) {
		if (it->held >= 0) {
			walk_release(it->pool, it->held);
		} else {
			free((void *)it->data);
			pthread_mutex_lock(&run->mu);
			run->copied -= it->len;
			pthread_cond_broadcast(&run->cv_merged);
			pthread_mutex_unlock(&run->mu);
		}
	}
}

/* Records the first failure of a scanner: the walker stops at its next
 * callback and the scan fails with this message. */
static void lane_fail(struct scan_ctx *sc, int rc)
{
	struct scan_run *run = sc->run;

	sc->failed = true;
	pthread_mutex_lock(&run->mu);
	if (!run->failed) {
		run->failed = rc;
		run->failmsg = xstrdup(err_msg());
	}
	pthread_mutex_unlock(&run->mu);
}

static void lane_run(struct scan_ctx *sc, struct item *it)
{
	int rc = 0;

	if (sc->failed || __atomic_load_n(&sc->run->failed, __ATOMIC_RELAXED)) {
		/* the scan failed: items are only given back */
		sc->failed = true;
		if (it->kind == IT_END)
			lane_abandon(sc);
		item_release(sc->run, it);
		return;
	}
	switch (it->kind) {
	case IT_BEGIN:
		rc = lane_begin(sc, it->file); /* the lane owns the file from here */
		break;
	case IT_DATA:
		rc = lane_content(sc, it);
		break;
	case IT_END:
		rc = lane_end(sc);
		break;
	}
	if (rc)
		lane_fail(sc, rc);
}

/* Merges job into the image's results (only the merging thread touches
 * them while jobs are in flight). */
static void merge_job(struct scan_run *run, struct job *job)
{
	for (size_t i = 0; i < job->n_outs && !run->failed; i++) {
		struct file_out *o = &job->outs[i];

		if (o->rec) {
			struct file_rec *r;

			XGROW(run->recs, run->alloc_recs, run->n_recs + 1);
			r = &run->recs[run->n_recs++];
			memset(r, 0, sizeof(*r));
			r->path = xstrdup(o->path);
			r->layer = o->layer;
			r->have_sums = o->have_sums;
			r->rewalk = o->rewalk;
			r->sums = o->sums;
			if (o->content && run->held + o->len <= SCAN_RETAIN_MAX) {
				r->held = o->content;
				r->len = o->len;
				run->held += o->len;
				o->content = NULL;
			} else if (o->content) {
				file_sums_compute(&r->sums, o->algos, o->content, o->len);
				r->have_sums = true;
			}
		}
		findings_move(run->out, &o->found);
		if (o->db) {
			struct db_file *d;

			XGROW(run->dbs, run->alloc_dbs, run->n_dbs + 1);
			d = &run->dbs[run->n_dbs++];
			d->path = xstrdup(o->path);
			d->layer = o->layer;
			d->kind = o->db_kind;
			d->data = o->db;
			d->len = o->db_len;
			o->db = NULL;
		}
	}
}

/* Merges the finished jobs at the head of the order, unless another thread
 * is merging (it will take them). Called and returns with mu held. */
static void merge_ready(struct scan_run *run)
{
	while (!run->merging && run->n_merged < run->n_taken) {
		struct job *job = job_at(run, run->n_merged);

		if (!job->done)
			break;
		run->merging = true;
		pthread_mutex_unlock(&run->mu);
		merge_job(run, job);
		pthread_mutex_lock(&run->mu);
		run->stash -= job->stash;
		job_reset(job);
		run->n_merged++;
		run->merging = false;
		pthread_cond_broadcast(&run->cv_merged);
	}
}

/* Scans one job: its items as the walker shows them, until it is closed and
 * all are taken. Called and returns with mu held. */
static void scan_job(struct scan_ctx *sc, struct job *job)
{
	struct scan_run *run = sc->run;

	sc->job = job;
	for (;;) {
		size_t n;

		while (job->taken == job->shown && job->open)
			pthread_cond_wait(&run->cv_data, &run->mu);
		if (job->taken == job->shown)
			break;
		n = job->shown - job->taken;
		XGROW(sc->local, sc->alloc_local, n);
		memcpy(sc->local, job->items + job->taken, n * sizeof(*sc->local));
		job->taken += n;
		pthread_mutex_unlock(&run->mu);
		for (size_t i = 0; i < n; i++)
			lane_run(sc, &sc->local[i]);
		pthread_mutex_lock(&run->mu);
	}
	if (sc->file) {
		/* the walk stopped inside this file (a malformed tar): the scan
		 * fails, and the file's layer buffers are given back now */
		pthread_mutex_unlock(&run->mu);
		lane_abandon(sc);
		pthread_mutex_lock(&run->mu);
		sc->failed = true;
	}
	/* outs wait for the merge within the stash budget (the oldest job
	 * never waits, so the merge always moves on) */
	while (job->seq != run->n_merged && run->stash + job->stash > SCAN_STASH_MAX)
		pthread_cond_wait(&run->cv_merged, &run->mu);
	run->stash += job->stash;
	job->done = true;
	sc->job = NULL;
	merge_ready(run);
}

static void *scanner_main(void *arg)
{
	struct scan_ctx *sc = arg;
	struct scan_run *run = sc->run;

	pthread_mutex_lock(&run->mu);
	for (;;) {
		while (!run->stop && run->n_taken == run->n_shown)
			pthread_cond_wait(&run->cv_job, &run->mu);
		if (run->stop)
			break;
		scan_job(sc, job_at(run, run->n_taken++));
	}
	pthread_mutex_unlock(&run->mu);
	return NULL;
}

/* ---- the walker's side --------------------------------------------------- */

/* Lets the scanners see the items of the current job so far. With mu. */
static void show_job(struct scan_run *run, struct job *job)
{
	if (job->seq == run->n_shown) {
		run->n_shown++;
		pthread_cond_signal(&run->cv_job);
	}
	job->shown = job->n;
	job->unshown_bytes = 0;
	pthread_cond_broadcast(&run->cv_data);
}

static void close_job(struct scan_run *run)
{
	if (!run->cur)
		return;
	pthread_mutex_lock(&run->mu);
	run->cur->open = false;
	show_job(run, run->cur);
	pthread_mutex_unlock(&run->mu);
	run->cur = NULL;
}

/* Adds an item to the current job, starting one when there is none. A job
 * is shown to the scanners when it closes, and as it goes once it holds a
 * buffer's worth of content (a large file streams through). */
static void push_item(struct scan_run *run, const struct item *it)
{
	struct job *job;

	pthread_mutex_lock(&run->mu);
	if (!(job = run->cur)) {
		while (run->n_made - run->n_merged >= SCAN_JOB_SLOTS)
			pthread_cond_wait(&run->cv_merged, &run->mu);
		job = run->cur = job_at(run, run->n_made);
		job->seq = run->n_made++;
		job->open = true;
	}
	XGROW(job->items, job->alloc, job->n + 1);
	job->items[job->n++] = *it;
	job->bytes += it->len;
	job->unshown_bytes += it->len;
	if (job->unshown_bytes >= SCAN_JOB_SHOW)
		show_job(run, job);
	pthread_mutex_unlock(&run->mu);
}

/* The failure a scanner recorded, set as this thread's error; 0 if none. */
static int run_failure(struct scan_run *run)
{
	int rc;

	if (!__atomic_load_n(&run->failed, __ATOMIC_RELAXED))
		return 0;
	pthread_mutex_lock(&run->mu);
	rc = run->failed;
	pthread_mutex_unlock(&run->mu);
	return rc ? err_set(rc, "%s", run->failmsg) : 0;
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

static int run_start(struct scan_run *run);

static int sink_layer_begin(void *ctx, const struct image *img, size_t index)
{
	struct scan_run *run = ctx;
	int rc = run->started ? 0 : run_start(run);

	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->layer_begin)
			rc = analyzers[a]->layer_begin(run->main.state[a], img, index);
	return rc;
}

static int sink_file(void *ctx, const struct file_event *ev, bool *want)
{
	struct scan_run *run = ctx;
	enum fsview_op op = ev->whiteout         ? FSV_WHITEOUT
	                    : ev->opaque         ? FSV_OPAQUE
	                    : ev->type == FT_DIR ? FSV_WRITE_DIR
	                                         : FSV_WRITE_FILE;
	struct file_item *fi;

	fsview_record(run->fsv, ev->layer_index, ev->path, op);
	run->hint_algos |= tool_algos(ev->path);
	if (ev->type != FT_REG || ev->whiteout || ev->opaque)
		return 0;
	run->hint_algos |= pkgdb_kind_algos(pkgdb_file_kind(ev->path));
	run->stats->files++;
	if (ev->size > run->max_file)
		run->stats->truncated++;
	*want = true;
	fi = xcalloc(1, sizeof(*fi));
	fi->ev = *ev;
	fi->path = xstrdup(ev->path);
	fi->raw_path = xstrdup(ev->raw_path);
	fi->link = ev->link_target ? xstrdup(ev->link_target) : NULL;
	fi->ev.path = fi->path;
	fi->ev.raw_path = fi->raw_path;
	fi->ev.link_target = fi->link;
	fi->hints = run->hint_algos;
	push_item(run, &(struct item){.kind = IT_BEGIN, .file = fi});
	return run_failure(run);
}

static int sink_content(void *ctx, const struct file_event *ev, const void *data, size_t len)
{
	struct scan_run *run = ctx;
	struct item it = {.kind = IT_DATA, .data = data, .len = len, .pool = ev->pool};

	if ((it.held = walk_hold(ev->pool, data)) < 0) {
		/* not in a layer buffer: copied, within a budget */
		pthread_mutex_lock(&run->mu);
		while (run->copied && run->copied + len > SCAN_COPY_MAX) {
			if (run->cur)
				show_job(run, run->cur); /* the copies may all be in it */
			pthread_cond_wait(&run->cv_merged, &run->mu);
		}
		run->copied += len;
		pthread_mutex_unlock(&run->mu);
		it.data = (const unsigned char *)xstrndup(data, len);
	}
	push_item(run, &it);
	return 0;
}

static int sink_file_end(void *ctx, const struct file_event *ev)
{
	struct scan_run *run = ctx;

	if (ev->type != FT_REG || ev->whiteout || ev->opaque)
		return 0;
	push_item(run, &(struct item){.kind = IT_END});
	if (++run->cur->files >= SCAN_JOB_FILES || run->cur->bytes >= SCAN_JOB_BYTES)
		close_job(run);
	return 0;
}

/* Waits for every job of the layer to be merged (their layer buffers are
 * then all given back). */
static int sink_entries_end(void *ctx, size_t index)
{
	struct scan_run *run = ctx;

	(void)index;
	close_job(run);
	pthread_mutex_lock(&run->mu);
	while (run->n_merged < run->n_made || run->merging)
		pthread_cond_wait(&run->cv_merged, &run->mu);
	pthread_mutex_unlock(&run->mu);
	return run_failure(run);
}

/* Settles the files kept since the last layer end: hashed when a database
 * seen so far lists their path, else left without checksums. */
static void settle_recs(struct scan_run *run)
{
	for (; run->n_seen_dbs < run->n_dbs; run->n_seen_dbs++) {
		const struct db_file *d = &run->dbs[run->n_seen_dbs];

		pkgdb_parse(run->seen_db, d->kind, d->path, d->data, d->len);
	}
	for (; run->first_unsettled < run->n_recs; run->first_unsettled++) {
		struct file_rec *r = &run->recs[run->first_unsettled];
		unsigned algos;

		if (!r->held)
			continue;
		if ((algos = pkgdb_algos(run->seen_db, r->path))) {
			file_sums_compute(&r->sums, algos, r->held, r->len);
			r->have_sums = true;
		}
		free(r->held);
		r->held = NULL;
	}
	run->held = 0;
}

static int sink_layer_end(void *ctx, const struct image *img, size_t index)
{
	struct scan_run *run = ctx;
	int rc = 0;

	settle_recs(run);
	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->layer_end)
			rc = analyzers[a]->layer_end(run->main.state[a], img, index);
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

static int scan_config(struct scan_run *run)
{
	const struct image_config *c = &run->img->config;
	struct engine_scan *es = run->main.es;
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
		const char *layer = li >= 0 && (size_t)li < run->img->n_layers
		                        ? run->img->layers[li].diff_id
		                        : NULL;

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

static void scan_name(struct scan_run *run)
{
	const struct image_ref *ref = &run->img->src->ref;
	const char *slash;
	struct typosquat_hit hit;
	struct finding f;
	char ns[256];

	if (!run->typosquat || ref->transport != REF_DOCKER || !ref->repository)
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
	if (typosquat_check(run->typosquat, ns, slash ? slash + 1 : ref->repository, &hit) != 1) {
		err_clear();
		return;
	}
	typosquat_finding(&f, &hit, ref->repository);
	findings_add(run->out, &f);
}

/* ---- resolving statuses -------------------------------------------------- */

static bool rec_equal(const void *pa, const void *pb)
{
	const struct file_rec *a = pa, *b = pb;

	return a->layer == b->layer && !strcmp(a->path, b->path);
}

static uint64_t rec_hash(const void *item)
{
	const struct file_rec *r = item;

	return str_hash(str_hash(STR_HASH_SEED, &r->layer, sizeof(r->layer)), r->path,
	                strlen(r->path));
}

/* The last record of path in layer (run->rec_index is in sync: the walk is
 * over). */
static const struct file_rec *find_rec(const struct scan_run *run, size_t layer, const char *path)
{
	struct file_rec key = {.path = (char *)path, .layer = layer};
	const size_t *s = pos_index_find(&run->rec_index, run->recs, sizeof(*run->recs), &key,
	                                 rec_hash(&key), rec_equal);

	return *s ? &run->recs[*s - 1] : NULL;
}

static size_t read_pkgdbs(struct scan_run *run, struct pkgdb *db)
{
	size_t n = 0;

	for (size_t i = 0; i < run->n_dbs; i++) {
		const struct db_file *d = &run->dbs[i];

		if (!fsview_removed(run->fsv, d->layer, d->path))
			n += pkgdb_parse(db, d->kind, d->path, d->data, d->len);
	}
	return n;
}

/* The files of one layer to hash on a second walk. */
struct rehash {
	struct file_rec **want; /* the last rec of each path */
	unsigned *algos;
	size_t n;
	struct file_rec *cur; /* the file going by, or NULL */
	struct file_hasher hasher;
};

static int rehash_file(void *ctx, const struct file_event *ev, bool *want)
{
	struct rehash *rh = ctx;

	rh->cur = NULL;
	if (ev->type != FT_REG || ev->whiteout || ev->opaque)
		return 0;
	for (size_t i = 0; i < rh->n && !rh->cur; i++) {
		if (!strcmp(rh->want[i]->path, ev->path)) {
			rh->cur = rh->want[i];
			file_hasher_init(&rh->hasher, rh->algos[i]);
			*want = true;
		}
	}
	return 0;
}

static int rehash_content(void *ctx, const struct file_event *ev, const void *data, size_t len)
{
	struct rehash *rh = ctx;

	(void)ev;
	if (rh->cur)
		file_hasher_update(&rh->hasher, data, len);
	return 0;
}

/* A path seen twice in a layer: the later entry, the one the layer leaves
 * in the image, gives the checksums. */
static int rehash_file_end(void *ctx, const struct file_event *ev)
{
	struct rehash *rh = ctx;

	(void)ev;
	if (rh->cur) {
		file_hasher_final(&rh->hasher, &rh->cur->sums);
		rh->cur->have_sums = true;
		rh->cur = NULL;
	}
	return 0;
}

/* Hashes the files that had findings after their first bytes were let go
 * unhashed (lane_content) and that a database lists: each of their layers
 * is read again, its digests verified again, for them alone. */
static int rehash_recs(struct scan_run *run, const struct pkgdb *db, const struct walk_opts *wo)
{
	struct walk_opts ro = *wo;
	struct walk_sink sink = {0};
	struct rehash rh = {0};
	int rc = 0;

	ro.progress = NULL;
	sink.ctx = &rh;
	sink.file = rehash_file;
	sink.content = rehash_content;
	sink.file_end = rehash_file_end;
	rh.want = xcalloc(run->n_recs + 1, sizeof(*rh.want));
	rh.algos = xcalloc(run->n_recs + 1, sizeof(*rh.algos));
	for (size_t layer = 0; layer < run->img->n_layers && !rc; layer++) {
		double seconds = run->img->layers[layer].seconds;

		rh.n = 0;
		for (size_t i = 0; i < run->n_recs; i++) {
			struct file_rec *r = &run->recs[i];
			unsigned algos;

			if (r->layer != layer || !r->rewalk || find_rec(run, layer, r->path) != r ||
			    !(algos = pkgdb_algos(db, r->path)))
				continue;
			rh.want[rh.n] = r;
			rh.algos[rh.n++] = algos;
		}
		if (!rh.n)
			continue;
		rc = layer_walk(run->img, layer, &sink, &ro);
		if (rh.cur) /* the walk failed inside the file */
			file_hasher_release(&rh.hasher);
		rh.cur = NULL;
		run->img->layers[layer].seconds = seconds; /* the scan's own walk */
	}
	free(rh.want);
	free(rh.algos);
	return rc;
}

static enum finding_status location_status(const struct scan_run *run, const struct pkgdb *db,
                                           const struct location *l)
{
	const struct file_rec *r;

	if (l->source != LOC_FILE || !l->path || l->layer_index < 0)
		return ST_ACTIVE;
	r = find_rec(run, (size_t)l->layer_index, l->path);
	if (r && r->have_sums && pkgdb_vouches(db, l->path, &r->sums))
		return ST_PACKAGE_SHIPPED;
	if (fsview_removed(run->fsv, (size_t)l->layer_index, l->path))
		return ST_REMOVED;
	return ST_ACTIVE;
}

static int unpackaged_cmp(const void *pa, const void *pb)
{
	const struct unpackaged *a = pa, *b = pb;
	int c = strcmp(a->rule, b->rule);

	return c ? c : strcmp(a->fingerprint, b->fingerprint);
}

struct unpackaged_drop {
	const struct scan_run *run;
	size_t first; /* the image's first finding */
};

/* A finding of this image that came out package-shipped, of a kind
 * reported only when it is not (scan_report_unpackaged). */
static bool shipped_unpackaged(struct finding *f, size_t pos, void *ctx)
{
	const struct unpackaged_drop *d = ctx;
	struct unpackaged key = {.rule = f->rule};

	if (pos < d->first || f->status != ST_PACKAGE_SHIPPED)
		return false;
	memcpy(key.fingerprint, f->fingerprint, DIGEST_STR_LEN);
	return bsearch(&key, d->run->unpk, d->run->n_unpk, sizeof(*d->run->unpk), unpackaged_cmp);
}

static void resolve_statuses(struct scan_run *run, const struct pkgdb *db, size_t first)
{
	for (size_t i = first; i < run->out->n; i++) {
		struct finding *f = &run->out->v[i];
		enum finding_status st = ST_PACKAGE_SHIPPED;
		bool any_file = false;

		if (f->status == ST_EXAMPLE)
			continue;
		for (size_t k = 0; k < f->n_locs; k++) {
			enum finding_status ls = location_status(run, db, &f->locs[k]);

			any_file = any_file || f->locs[k].source == LOC_FILE;
			/* active beats removed beats package-shipped */
			if (ls == ST_ACTIVE || (ls == ST_REMOVED && st == ST_PACKAGE_SHIPPED))
				st = ls;
		}
		if (any_file && f->n_locs)
			f->status = st;
	}
	if (!run->n_unpk)
		return;
	qsort(run->unpk, run->n_unpk, sizeof(*run->unpk), unpackaged_cmp);
	findings_drop(run->out, shipped_unpackaged, &(struct unpackaged_drop){run, first});
}

/* ---- the scan ------------------------------------------------------------ */

static int scanner_count(const struct scan_opts *opts)
{
	long n = opts->workers;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > SCAN_WORKERS_MAX ? SCAN_WORKERS_MAX : (int)n;
}

static int lane_init(struct scan_ctx *sc, struct scan_run *run)
{
	int rc;

	sc->run = run;
	if ((rc = engine_scan_new(&sc->es, run->engine, &sc->pending)))
		return rc;
	for (size_t a = 0; a < N_ANALYZERS; a++)
		if (analyzers[a]->init && (rc = analyzers[a]->init(&sc->state[a], sc)))
			return rc;
	return 0;
}

static void lane_release(struct scan_ctx *sc)
{
	if (!sc->run)
		return;
	lane_abandon(sc);
	for (size_t a = 0; a < N_ANALYZERS; a++)
		if (analyzers[a]->free)
			analyzers[a]->free(sc->state[a]);
	engine_scan_free(sc->es);
	findings_release(&sc->pending);
	buf_release(&sc->keep);
	free(sc->pinned);
	free(sc->local);
}

static void stop_scanners(struct scan_run *run)
{
	pthread_mutex_lock(&run->mu);
	run->stop = true;
	pthread_cond_broadcast(&run->cv_job);
	pthread_mutex_unlock(&run->mu);
	for (size_t i = 0; i < run->n_lanes; i++)
		if (run->lanes[i].started)
			pthread_join(run->lanes[i].thread, NULL);
	for (size_t i = 0; i < run->n_lanes; i++)
		run->lanes[i].started = false;
}

static void run_release(struct scan_run *run)
{
	stop_scanners(run);
	for (size_t i = 0; i < run->n_lanes; i++)
		lane_release(&run->lanes[i]);
	free(run->lanes);
	lane_release(&run->main);
	for (size_t i = 0; i < SCAN_JOB_SLOTS; i++) {
		for (size_t k = run->jobs[i].taken; k < run->jobs[i].n; k++)
			item_release(run, &run->jobs[i].items[k]);
		job_reset(&run->jobs[i]);
		free(run->jobs[i].items);
		free(run->jobs[i].outs);
	}
	fsview_free(run->fsv);
	for (size_t i = 0; i < run->n_recs; i++) {
		free(run->recs[i].path);
		free(run->recs[i].held);
	}
	free(run->recs);
	pos_index_reset(&run->rec_index);
	pkgdb_free(run->seen_db);
	for (size_t i = 0; i < run->n_dbs; i++) {
		free(run->dbs[i].path);
		free(run->dbs[i].data);
	}
	free(run->dbs);
	for (size_t i = 0; i < run->n_unpk; i++)
		free(run->unpk[i].rule);
	free(run->unpk);
	free(run->failmsg);
	pthread_mutex_destroy(&run->mu);
	pthread_mutex_destroy(&run->unpk_mu);
	pthread_cond_destroy(&run->cv_job);
	pthread_cond_destroy(&run->cv_data);
	pthread_cond_destroy(&run->cv_merged);
}

/* Sets up the lanes, scans the config and the name and starts the scanner
 * threads: when the first layer begins, as its blob starts to inflate (the
 * engine may still be in the making until then: opts->prepare). */
static int run_start(struct scan_run *run)
{
	int rc;

	run->started = true;
	run->engine = run->opts->engine;
	run->typosquat = run->opts->typosquat;
	if (run->opts->prepare &&
	    (rc = run->opts->prepare(run->opts->prepare_ctx, &run->engine, &run->typosquat)))
		return rc;
	if ((rc = lane_init(&run->main, run)))
		return rc;
	for (size_t i = 0; i < run->n_lanes; i++)
		if ((rc = lane_init(&run->lanes[i], run)))
			return rc;
	/* config and history findings go straight to the image's set */
	if ((rc = scan_config(run)))
		return rc;
	findings_move(run->out, &run->main.pending);
	scan_name(run);
	for (size_t i = 0; i < run->n_lanes; i++) {
		if (pthread_create(&run->lanes[i].thread, NULL, scanner_main, &run->lanes[i]))
			return err_set(DR_ERROR, "cannot start a scan thread");
		run->lanes[i].started = true;
	}
	return 0;
}

int scan_image(struct findings *out, struct scan_stats *stats, struct image *img,
               const struct scan_opts *opts)
{
	struct scan_run run = {0};
	struct walk_sink sink = {0};
	struct walk_opts wo = {0};
	struct pkgdb *db = NULL;
	size_t first = out->n;
	double t0 = mono_now();
	int rc;

	memset(stats, 0, sizeof(*stats));
	run.opts = opts;
	run.img = img;
	run.out = out;
	run.stats = stats;
	run.max_file = opts->max_file_size ? opts->max_file_size : SCAN_MAX_FILE_SIZE_DEFAULT;
	run.fsv = fsview_new();
	run.seen_db = pkgdb_new();
	pthread_mutex_init(&run.mu, NULL);
	pthread_mutex_init(&run.unpk_mu, NULL);
	pthread_cond_init(&run.cv_job, NULL);
	pthread_cond_init(&run.cv_data, NULL);
	pthread_cond_init(&run.cv_merged, NULL);
	run.n_lanes = (size_t)scanner_count(opts);
	run.lanes = xcalloc(run.n_lanes, sizeof(*run.lanes));
	sink.ctx = &run;
	sink.layer_begin = sink_layer_begin;
	sink.file = sink_file;
	sink.content = sink_content;
	sink.file_end = sink_file_end;
	sink.entries_end = sink_entries_end;
	sink.layer_end = sink_layer_end;
	if (opts->walk)
		wo = *opts->walk;
	if (!wo.buffers)
		wo.buffers = SCAN_WALK_BUFFERS;
	/* the lanes start at the first layer_begin (an image without layers:
	 * here) */
	if ((rc = image_walk(img, &sink, &wo)) || (!run.started && (rc = run_start(&run))))
		goto done;
	stop_scanners(&run);
	stats->capped = engine_scan_capped(run.main.es);
	for (size_t i = 0; i < run.n_lanes; i++)
		stats->capped += engine_scan_capped(run.lanes[i].es);
	for (size_t a = 0; a < N_ANALYZERS && !rc; a++)
		if (analyzers[a]->image_end)
			rc = analyzers[a]->image_end(run.main.state[a], img);
	if (rc)
		goto done;
	db = pkgdb_new();
	stats->pkgdb_entries = read_pkgdbs(&run, db);
	pos_index_sync(&run.rec_index, run.recs, sizeof(*run.recs), run.n_recs, rec_hash,
	               rec_equal);
	if ((rc = rehash_recs(&run, db, &wo)))
		goto done;
	resolve_statuses(&run, db, first);
	findings_fold_values(out, first);
	for (size_t i = 0; i < img->n_layers; i++)
		stats->bytes += img->layers[i].uncompressed_bytes;
done:
	pkgdb_free(db);
	run_release(&run);
	stats->seconds = mono_now() - t0;
	return rc;
}
