/* The layer stream.
 *
 * Three threads share the work of one layer:
 *   inflater  reads the blob and inflates it (ISA-L igzip, zstd, or nothing);
 *   hasher    hashes the compressed bytes (blob digest) and the uncompressed
 *             ones (diff_id);
 *   walker    (the caller's thread) feeds the uncompressed bytes to
 *             libarchive through a read callback and hands entries to the
 *             sink (the scanners).
 * Buffers come from a fixed pool and carry a reference count (an
 * uncompressed buffer is read by both the hasher and the walker, and a sink
 * may keep content longer with walk_hold), so memory stays bounded whatever
 * the layer size, and on two cores decompression, hashing and scanning
 * overlap.
 *
 * A blob that its reader can lend where it lies (a file's pages, blob_view)
 * is not copied into the pool: past the first buffer, the inflater and the
 * hasher each go through it at their own pace, the hasher a little ahead
 * whenever it has no uncompressed buffer to hash (work for a second core
 * while inflating is all there is to do), and its pages leave the process
 * once both are past them. */
#include "image/walk.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <archive.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <archive_entry.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zstd.h>
#include <zstd_errors.h>

#define WALK_BUF_SIZE        (1024 * 1024) /* bytes per pool buffer */
#define WALK_ZSTD_WINDOW_LOG 25            /* 32 MiB: larger zstd windows are refused */
#define WALK_PROGRESS_NS     200000000     /* progress callback at most every 0.2 s */
#define WALK_LEAD_KEEP       (4u << 20)    /* a lent blob's lead kept mapped for the one behind */
#define WALK_QUEUE_LEN       (WALK_BUFFERS_MAX + 1) /* every buffer, and the end item */

enum item_kind { ITEM_COMPRESSED, ITEM_PLAIN, ITEM_END };

struct item {
	enum item_kind kind;
	const unsigned char *data; /* a pool buffer */
	size_t len;
};

enum codec { CODEC_NONE, CODEC_GZIP, CODEC_ZSTD };

struct queue {
	struct item v[WALK_QUEUE_LEN];
	size_t head, len;
	pthread_cond_t cv; /* its reader: an item */
};

struct walk_pool {
	pthread_mutex_t mu;
	/* each waits for one thing, so that a change wakes only who needs it */
	pthread_cond_t cv_free; /* the inflater: a free buffer */
	unsigned char *arena;   /* the buffers, WALK_BUF_SIZE each */
	size_t n_buffers;
	int refs[WALK_BUFFERS_MAX];            /* readers still holding each buffer */
	unsigned char *pool[WALK_BUFFERS_MAX]; /* free buffers */
	size_t n_free;
	struct queue to_walker; /* uncompressed buffers, in order */
	struct queue to_hasher; /* compressed and uncompressed buffers, in order */
	bool cancel;
	/* inflater results */
	int status;
	char errmsg[1024];
	enum codec codec;
	uint64_t total_in, total_out;
	/* inputs */
	struct blob_reader *reader;
	/* the blob past the first buffer, when the reader lends it (set once,
	 * under mu, after the first buffer is queued for hashing) */
	bool lent; /* the reader lends it (then rest may be NULL: nothing left) */
	const unsigned char *rest;
	size_t rest_len;
	size_t inflated, hashed; /* bytes of rest each is done with (atomic) */
	const struct limits *limits;
	uint64_t out_budget; /* uncompressed bytes this layer may still produce */
	const char *blob_name;
	/* hasher results */
	struct sha256 blob_hash, tar_hash;
};

/* ---- pool and queues ----------------------------------------------------- */

static unsigned char *pool_get(struct walk_pool *p)
{
	unsigned char *b = NULL;

	pthread_mutex_lock(&p->mu);
	while (!p->n_free && !p->cancel)
		pthread_cond_wait(&p->cv_free, &p->mu);
	if (!p->cancel)
		b = p->pool[--p->n_free];
	pthread_mutex_unlock(&p->mu);
	return b;
}

static bool in_pool(const struct walk_pool *p, const unsigned char *b)
{
	return b >= p->arena && b < p->arena + p->n_buffers * WALK_BUF_SIZE;
}

/* The number of the pool buffer that b lies in. */
static size_t buf_number(const struct walk_pool *p, const unsigned char *b)
{
	return (size_t)(b - p->arena) / WALK_BUF_SIZE;
}

static void release_locked(struct walk_pool *p, const unsigned char *b)
{
	size_t i = buf_number(p, b);

	if (--p->refs[i] <= 0) {
		p->refs[i] = 0;
		if (!p->n_free)
			pthread_cond_signal(&p->cv_free);
		p->pool[p->n_free++] = p->arena + i * WALK_BUF_SIZE;
	}
}

/* Drops one reference to b (a buffer never queued has one: its taker's). */
static void pool_put(struct walk_pool *p, const unsigned char *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&p->mu);
	release_locked(p, b);
	pthread_mutex_unlock(&p->mu);
}

/* One of the inflater and the hasher is done with rest[from, to) (mine is
 * its progress, theirs the other's): the pages leave the process when the
 * other is past them too, or far behind (it maps them again). Whichever of
 * the two comes second sees the other's progress. */
static void rest_done(struct walk_pool *p, size_t *mine, const size_t *theirs, size_t from,
                      size_t to)
{
	size_t other;

	__atomic_store_n(mine, to, __ATOMIC_SEQ_CST);
	other = __atomic_load_n(theirs, __ATOMIC_SEQ_CST);
	if (other >= to || to - other > WALK_LEAD_KEEP)
		blob_unview(p->reader, p->rest + from, to - from);
}

static bool in_rest(const struct walk_pool *p, const unsigned char *in)
{
	return p->rest && in && in >= p->rest && in < p->rest + p->rest_len;
}

/* The inflater gives back its input: the first buffer, or part of rest. */
static void input_put(struct walk_pool *p, const unsigned char *in, size_t len)
{
	if (in_rest(p, in)) {
		size_t from = (size_t)(in - p->rest);

		rest_done(p, &p->inflated, &p->hashed, from, from + len);
	} else {
		pool_put(p, in);
	}
}

int walk_hold(struct walk_pool *p, const void *data)
{
	const unsigned char *d = data;
	size_t i;

	if (!p || !in_pool(p, d))
		return -1;
	i = buf_number(p, d);
	pthread_mutex_lock(&p->mu);
	p->refs[i]++;
	pthread_mutex_unlock(&p->mu);
	return (int)i;
}

void walk_release(struct walk_pool *p, int held)
{
	if (held >= 0)
		pool_put(p, p->arena + (size_t)held * WALK_BUF_SIZE);
}

static void queue_add(struct queue *q, struct item it)
{
	q->v[(q->head + q->len) % WALK_QUEUE_LEN] = it;
	if (!q->len++)
		pthread_cond_signal(&q->cv);
}

/* Queues an item: uncompressed buffers to the walker and the hasher,
 * compressed ones to the hasher only, the end to both. The caller's
 * reference passes to the queues. */
static void queue_push(struct walk_pool *p, enum item_kind kind, const unsigned char *data,
                       size_t len)
{
	struct item it = {.kind = kind, .data = data, .len = len};

	pthread_mutex_lock(&p->mu);
	if (data && in_pool(p, data))
		p->refs[buf_number(p, data)] = kind == ITEM_PLAIN ? 2 : 1;
	queue_add(&p->to_hasher, it);
	if (kind != ITEM_COMPRESSED)
		queue_add(&p->to_walker, it);
	pthread_mutex_unlock(&p->mu);
}

/* Takes the oldest item of a queue that has one (mu held). */
static struct item queue_take(struct queue *q)
{
	struct item it = q->v[q->head];

	q->head = (q->head + 1) % WALK_QUEUE_LEN;
	q->len--;
	return it;
}

static struct item queue_pop(struct walk_pool *p, struct queue *q)
{
	struct item it;

	pthread_mutex_lock(&p->mu);
	while (!q->len)
		pthread_cond_wait(&q->cv, &p->mu);
	it = queue_take(q);
	pthread_mutex_unlock(&p->mu);
	return it;
}

static void pipeline_cancel(struct walk_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->cancel = true;
	pthread_cond_broadcast(&p->cv_free);
	pthread_mutex_unlock(&p->mu);
}

/* ---- hasher thread ------------------------------------------------------- */

/* Whether the hasher may hash more of rest: it goes at most WALK_LEAD_KEEP
 * ahead of the inflater, so that the pages stay mapped for it. */
static bool rest_to_hash(struct walk_pool *p)
{
	size_t hashed = __atomic_load_n(&p->hashed, __ATOMIC_RELAXED);

	return p->rest && !__atomic_load_n(&p->cancel, __ATOMIC_RELAXED) && hashed < p->rest_len &&
	       hashed < __atomic_load_n(&p->inflated, __ATOMIC_RELAXED) + WALK_LEAD_KEEP;
}

/* Hashes the next part of rest. */
static void hash_rest(struct walk_pool *p)
{
	size_t from = p->hashed;
	size_t n = p->rest_len - from < WALK_BUF_SIZE ? p->rest_len - from : WALK_BUF_SIZE;

	sha256_update(&p->blob_hash, p->rest + from, n);
	rest_done(p, &p->hashed, &p->inflated, from, from + n);
}

/* Waits for the hasher's next item (*queued), for rest to hash, or, once
 * the end item came, returns at once. */
static struct item hasher_next(struct walk_pool *p, bool ended, bool *queued)
{
	struct item it = {.kind = ITEM_END};

	pthread_mutex_lock(&p->mu);
	while (!p->to_hasher.len && !rest_to_hash(p) && !ended)
		pthread_cond_wait(&p->to_hasher.cv, &p->mu);
	if ((*queued = p->to_hasher.len > 0))
		it = queue_take(&p->to_hasher);
	pthread_mutex_unlock(&p->mu);
	return it;
}

/* Queued buffers first (they hold pool buffers the inflater waits for),
 * then rest as far as it may go; after the end item, what the inflater got
 * to is hashed and the thread ends (all of rest, unless the inflater
 * stopped early on an error that the digest cannot explain, or the walk
 * was cancelled). */
static void *hasher_main(void *arg)
{
	struct walk_pool *p = arg;
	bool ended = false;

	for (;;) {
		bool queued;
		struct item it = hasher_next(p, ended, &queued);

		if (!queued) {
			if (rest_to_hash(p))
				hash_rest(p);
			else if (ended)
				return NULL;
			continue;
		}
		if (it.kind == ITEM_END) {
			ended = true;
			continue;
		}
		/* codec is set before the first item is queued */
		if (it.kind == ITEM_COMPRESSED) {
			if (p->codec != CODEC_NONE)
				sha256_update(&p->blob_hash, it.data, it.len);
		} else {
			sha256_update(&p->tar_hash, it.data, it.len);
			if (p->codec == CODEC_NONE)
				sha256_update(&p->blob_hash, it.data, it.len);
		}
		pool_put(p, it.data);
	}
}

/* ---- inflater thread ----------------------------------------------------- */

static int inflater_fail(struct walk_pool *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int inflater_fail(struct walk_pool *p, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

/* Reads until buf is full or the blob ends. */
static int read_full(struct walk_pool *p, unsigned char *buf, size_t cap, size_t *out)
{
	size_t got = 0;

	while (got < cap) {
		size_t n = 0;
		int rc = blob_read(p->reader, buf + got, cap - got, &n);

		if (rc) {
			snprintf(p->errmsg, sizeof(p->errmsg), "%s", err_msg());
			return rc;
		}
		if (n == 0)
			break;
		got += n;
	}
	*out = got;
	return 0;
}

/* Accounts for n new uncompressed bytes; enforces the ratio and size caps. */
static int account_out(struct walk_pool *p, size_t n)
{
	char detail[96];

	p->total_out += n;
	if (p->total_out > p->out_budget) {
		snprintf(detail, sizeof(detail), "%llu",
		         (unsigned long long)p->limits->total_bytes);
		return inflater_fail(p, DR_ELIMIT,
		                     "layer '%s' inflates past the total-bytes limit of %s bytes",
		                     p->blob_name, detail);
	}
	if (p->codec != CODEC_NONE && p->total_out > DR_RATIO_GRACE &&
	    p->total_out / (p->total_in ? p->total_in : 1) > p->limits->ratio) {
		snprintf(detail, sizeof(detail), "%llu", (unsigned long long)p->limits->ratio);
		return inflater_fail(p, DR_ELIMIT,
		                     "layer '%s' inflates more than %s times its size "
		                     "(decompression bomb? raise --limit ratio=N to allow)",
		                     p->blob_name, detail);
	}
	return 0;
}

static const char *isal_error_name(int rc)
{
	switch (rc) {
	case ISAL_INVALID_BLOCK:
		return "invalid deflate block";
	case ISAL_INVALID_SYMBOL:
		return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK:
		return "invalid lookback distance";
	case ISAL_INVALID_WRAPPER:
		return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "unsupported compression method";
	case ISAL_INCORRECT_CHECKSUM:
		return "gzip checksum mismatch";
	default:
		return "inflate error";
	}
}

static int next_input(struct walk_pool *p, const unsigned char **in, size_t *in_len);

/* After a corrupt stream, the current input buffer and the rest of the blob
 * are still hashed, so that the caller can tell a corrupt blob (digest
 * mismatch) from a well-formed blob holding a corrupt stream. Returns a read
 * error, or DR_EFORMAT. */
static int drain_input(struct walk_pool *p, const unsigned char **in, size_t in_len)
{
	int rc;

	while (*in) {
		if ((rc = next_input(p, in, &in_len)))
			return rc;
	}
	return DR_EFORMAT;
}

/* When the reader lends the blob past the first buffer (first), queues
 * first for hashing at once, the inflater keeping a reference, then lends
 * the rest to the hasher, which hashes it in that order. DR_EUNSUPPORTED
 * when the reader cannot: first is queued when the inflater is done. */
static int lend_rest(struct walk_pool *p, const unsigned char *first, size_t first_len)
{
	struct item it = {.kind = ITEM_COMPRESSED, .data = first, .len = first_len};
	const unsigned char *rest = NULL;
	size_t len = 0;
	int rc = blob_view(p->reader, SIZE_MAX, &rest, &len);

	if (rc)
		return rc;
	pthread_mutex_lock(&p->mu);
	p->refs[buf_number(p, first)] = 2;
	queue_add(&p->to_hasher, it);
	p->lent = true;
	p->rest = len ? rest : NULL;
	p->rest_len = len;
	pthread_cond_signal(&p->to_hasher.cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* Queues one buffer of output; returns the accounting result. */
static int emit(struct walk_pool *p, unsigned char **out, size_t len)
{
	queue_push(p, ITEM_PLAIN, *out, len);
	*out = NULL;
	return account_out(p, len);
}

/* Takes the next input, giving back the current one: the next part of a
 * lent rest (the hasher hashes it on its own), else a pool buffer read into
 * after queueing the current one for hashing; *in is NULL and *in_len 0 at
 * the end of the blob. */
static int next_input(struct walk_pool *p, const unsigned char **in, size_t *in_len)
{
	unsigned char *b;
	int rc;

	if (p->lent) {
		size_t at = in_rest(p, *in) ? (size_t)(*in - p->rest) + *in_len : 0;

		input_put(p, *in, *in_len);
		*in_len = p->rest_len - at < WALK_BUF_SIZE ? p->rest_len - at : WALK_BUF_SIZE;
		*in = *in_len ? p->rest + at : NULL;
		__atomic_fetch_add(&p->total_in, *in_len, __ATOMIC_RELAXED);
		return 0;
	}
	queue_push(p, ITEM_COMPRESSED, *in, *in_len);
	*in = NULL;
	*in_len = 0;
	if (!(b = pool_get(p)))
		return 0;
	*in = b;
	if ((rc = read_full(p, b, WALK_BUF_SIZE, in_len)))
		return rc;
	__atomic_fetch_add(&p->total_in, *in_len, __ATOMIC_RELAXED);
	if (!*in_len) {
		pool_put(p, *in);
		*in = NULL;
	}
	return 0;
}

static int inflate_gzip(struct walk_pool *p, unsigned char *first, size_t first_len)
{
	struct inflate_state *st = xmalloc(sizeof(*st));
	const unsigned char *in = first;
	unsigned char *out = NULL;
	size_t in_len = first_len;
	bool finished = false;
	int rc = 0;

	isal_inflate_init(st);
	st->crc_flag = ISAL_GZIP;
	while (in) {
		st->next_in = (uint8_t *)in; /* only read */
		st->avail_in = (uint32_t)in_len;
		for (;;) {
			uint32_t before = st->avail_in;
			size_t produced;
			int r;

			if (finished) {
				if (!st->avail_in)
					break;
				/* another gzip member, or garbage */
				if (st->next_in[0] != 0x1f ||
				    (st->avail_in > 1 && st->next_in[1] != 0x8b)) {
					rc = inflater_fail(
					    p, DR_EFORMAT, "layer '%s': %s", p->blob_name,
					    "trailing garbage after the gzip stream");
					goto corrupt;
				}
				isal_inflate_reset(st);
				st->crc_flag = ISAL_GZIP;
				finished = false;
			}
			if (!out && !(out = pool_get(p)))
				goto done;
			st->next_out = out;
			st->avail_out = WALK_BUF_SIZE;
			r = isal_inflate(st);
			if (r < 0) {
				rc = inflater_fail(p, DR_EFORMAT,
				                   "layer '%s': corrupt gzip stream: %s",
				                   p->blob_name, isal_error_name(r));
				goto corrupt;
			}
			produced = WALK_BUF_SIZE - st->avail_out;
			finished = st->block_state == ISAL_BLOCK_FINISH;
			if (produced && (rc = emit(p, &out, produced)))
				goto done;
			if (!produced && (!st->avail_in || st->avail_in == before))
				break; /* needs more input */
		}
		if ((rc = next_input(p, &in, &in_len)))
			goto done;
	}
	if (!finished)
		rc = inflater_fail(p, DR_EFORMAT, "layer '%s': %s", p->blob_name,
		                   "truncated gzip stream");
	goto done;
corrupt:
	rc = drain_input(p, &in, in_len);
done:
	input_put(p, in, in_len);
	pool_put(p, out);
	free(st);
	return rc;
}

static int inflate_zstd(struct walk_pool *p, unsigned char *first, size_t first_len)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	const unsigned char *in = first;
	unsigned char *out = NULL;
	size_t in_len = first_len, last = 0;
	int rc = 0;

	if (!z ||
	    ZSTD_isError(ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, WALK_ZSTD_WINDOW_LOG))) {
		rc = inflater_fail(p, DR_ERROR, "layer '%s': %s", p->blob_name,
		                   "cannot create zstd stream");
		goto done;
	}
	while (in) {
		ZSTD_inBuffer ib = {in, in_len, 0};

		for (;;) {
			ZSTD_outBuffer ob;

			if (!out && !(out = pool_get(p)))
				goto done;
			ob = (ZSTD_outBuffer){out, WALK_BUF_SIZE, 0};
			last = ZSTD_decompressStream(z, &ob, &ib);
			if (ZSTD_isError(last)) {
				bool window = ZSTD_getErrorCode(last) ==
				              ZSTD_error_frameParameter_windowTooLarge;

				if (window) {
					rc = inflater_fail(p, DR_ELIMIT, "layer '%s': %s",
					                   p->blob_name,
					                   "zstd window larger than 32 MiB");
					goto done;
				}
				rc = inflater_fail(p, DR_EFORMAT,
				                   "layer '%s': corrupt zstd stream: %s",
				                   p->blob_name, ZSTD_getErrorName(last));
				goto corrupt;
			}
			if (ob.pos && (rc = emit(p, &out, ob.pos)))
				goto done;
			if (ib.pos == ib.size && ob.pos < ob.size)
				break;
		}
		if ((rc = next_input(p, &in, &in_len)))
			goto done;
	}
	if (last != 0)
		rc = inflater_fail(p, DR_EFORMAT, "layer '%s': %s", p->blob_name,
		                   "truncated zstd stream");
	goto done;
corrupt:
	rc = drain_input(p, &in, in_len);
done:
	input_put(p, in, in_len);
	pool_put(p, out);
	ZSTD_freeDStream(z);
	return rc;
}

static int inflate_none(struct walk_pool *p, unsigned char *first, size_t first_len)
{
	unsigned char *in = first;
	size_t in_len = first_len;
	int rc = 0;

	while (in_len) {
		queue_push(p, ITEM_PLAIN, in, in_len);
		in = NULL;
		if ((rc = account_out(p, in_len)))
			goto done;
		if (!(in = pool_get(p)))
			goto done;
		if ((rc = read_full(p, in, WALK_BUF_SIZE, &in_len)))
			goto done;
		__atomic_fetch_add(&p->total_in, in_len, __ATOMIC_RELAXED);
	}
done:
	pool_put(p, in);
	return rc;
}

static void *inflater_main(void *arg)
{
	struct walk_pool *p = arg;
	unsigned char *first = pool_get(p);
	size_t n = 0;
	int rc = 0;

	if (!first)
		goto done;
	rc = read_full(p, first, WALK_BUF_SIZE, &n);
	if (rc) {
		pool_put(p, first);
		goto done;
	}
	__atomic_store_n(&p->total_in, n, __ATOMIC_RELAXED);
	if (n >= 2 && first[0] == 0x1f && first[1] == 0x8b)
		p->codec = CODEC_GZIP;
	else if (n >= 4 && first[0] == 0x28 && first[1] == 0xb5 && first[2] == 0x2f &&
	         first[3] == 0xfd)
		p->codec = CODEC_ZSTD;
	else
		p->codec = CODEC_NONE;
	/* compressed bytes are only hashed and inflated: past the first buffer
	 * they may stay where they lie; plain ones go to the scanners, from the
	 * pool */
	if (p->codec != CODEC_NONE && (rc = lend_rest(p, first, n)) != DR_EUNSUPPORTED && rc) {
		rc = inflater_fail(p, rc, "%s", err_msg());
		pool_put(p, first);
		goto done;
	}
	rc = 0;
	switch (p->codec) {
	case CODEC_GZIP:
		rc = inflate_gzip(p, first, n);
		break;
	case CODEC_ZSTD:
		rc = inflate_zstd(p, first, n);
		break;
	case CODEC_NONE:
		rc = inflate_none(p, first, n);
		break;
	}
done:
	p->status = rc;
	queue_push(p, ITEM_END, NULL, 0);
	return NULL;
}

/* ---- walker side --------------------------------------------------------- */

struct walker {
	struct walk_pool *p;
	const unsigned char *current; /* buffer lent to libarchive */
	bool ended;
	uint64_t plain_bytes;
	/* progress */
	const struct walk_opts *opts;
	struct walk_progress prog;
	struct timespec last_progress;
	const char *layer_name;
};

static void walker_progress(struct walker *w, bool force)
{
	struct timespec now;
	int64_t ns;

	if (!w->opts->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (now.tv_sec - w->last_progress.tv_sec) * 1000000000LL +
	     (now.tv_nsec - w->last_progress.tv_nsec);
	if (!force && ns < WALK_PROGRESS_NS)
		return;
	w->last_progress = now;
	w->prog.uncompressed = w->plain_bytes;
	w->prog.compressed = __atomic_load_n(&w->p->total_in, __ATOMIC_RELAXED);
	w->opts->progress(w->opts->progress_ctx, &w->prog);
}

/* The next uncompressed buffer, or the end item. */
static struct item walker_next_plain(struct walker *w)
{
	struct item it;

	if (w->ended)
		return (struct item){.kind = ITEM_END};
	it = queue_pop(w->p, &w->p->to_walker);
	if (it.kind == ITEM_END)
		w->ended = true;
	else
		w->plain_bytes += it.len;
	return it;
}

static la_ssize_t walker_read(struct archive *a, void *ud, const void **buf)
{
	struct walker *w = ud;
	struct item it;

	pool_put(w->p, w->current);
	w->current = NULL;
	it = walker_next_plain(w);
	if (it.kind == ITEM_END) {
		if (w->p->status) {
			archive_set_error(a, EIO, "%s", w->p->errmsg);
			return -1;
		}
		return 0;
	}
	w->current = it.data;
	*buf = it.data;
	return (la_ssize_t)it.len;
}

/* Reads what libarchive did not: the end-of-archive blocks and any padding
 * are part of both digests. */
static void walker_drain(struct walker *w)
{
	pool_put(w->p, w->current);
	w->current = NULL;
	for (;;) {
		struct item it = walker_next_plain(w);

		if (it.kind == ITEM_END)
			break;
		pool_put(w->p, it.data);
	}
}

const char *file_type_name(enum file_type t)
{
	static const char *const names[] = {"reg", "dir",  "symlink", "hardlink", "chr",
	                                    "blk", "fifo", "sock",    "other"};

	return names[t];
}

static enum file_type entry_type(struct archive_entry *e)
{
	if (archive_entry_hardlink(e))
		return FT_HARDLINK;
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		return FT_REG;
	case AE_IFDIR:
		return FT_DIR;
	case AE_IFLNK:
		return FT_SYMLINK;
	case AE_IFCHR:
		return FT_CHR;
	case AE_IFBLK:
		return FT_BLK;
	case AE_IFIFO:
		return FT_FIFO;
	case AE_IFSOCK:
		return FT_SOCK;
	default:
		return FT_OTHER;
	}
}

/* Normalises a tar path into out: drops leading "/" and "./", repeated and
 * trailing slashes; flags absolute paths and ".." components. */
static void normalise_path(struct buf *out, const char *raw, bool *unsafe)
{
	const char *s = raw;

	*unsafe = raw[0] == '/';
	buf_reset(out);
	while (*s) {
		const char *end;
		size_t n;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		end = strchr(s, '/');
		n = end ? (size_t)(end - s) : strlen(s);
		if (n == 1 && s[0] == '.') {
			s += n;
			continue;
		}
		if (n == 2 && s[0] == '.' && s[1] == '.')
			*unsafe = true;
		if (out->len)
			buf_addc(out, '/');
		buf_add(out, s, n);
		s += n;
	}
	if (!out->len)
		buf_adds(out, ".");
}

static int walk_entries(struct walker *w, struct image *img, size_t index,
                        const struct walk_sink *sink, struct layer *layer)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct buf path = BUF_INIT, tmp = BUF_INIT;
	const struct limits *lim = w->opts->limits;
	int rc = 0;

	archive_read_support_format_tar(a);
	archive_read_support_filter_none(a);
	if (archive_read_open(a, w, NULL, walker_read, NULL) != ARCHIVE_OK) {
		rc = w->p->status ? w->p->status : DR_EFORMAT;
		err_set(rc, "layer '%s': %s", w->layer_name,
		        w->p->status ? w->p->errmsg : archive_error_string(a));
		goto done;
	}
	for (;;) {
		struct file_event ev = {0};
		const char *raw, *base, *link;
		bool want = false;
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			rc = w->p->status ? w->p->status : DR_EFORMAT;
			if (w->p->status)
				err_copy(w->p->errmsg);
			else
				err_set(rc, "layer '%s': malformed tar: %s", w->layer_name,
				        archive_error_string(a));
			goto done;
		}
		if (++layer->entries > lim->entries) {
			rc = err_set(DR_ELIMIT, "layer '%s' has more than %llu entries",
			             w->layer_name, (unsigned long long)lim->entries);
			goto done;
		}
		raw = archive_entry_pathname(e);
		if (!raw)
			raw = archive_entry_pathname_utf8(e);
		if (!raw) {
			rc = err_set(DR_EFORMAT, "layer '%s': tar entry %llu has no readable name",
			             w->layer_name, (unsigned long long)layer->entries);
			goto done;
		}
		if (strlen(raw) > lim->path_len) {
			rc = err_set(DR_ELIMIT, "layer '%s': path longer than %llu bytes: '%.80s…'",
			             w->layer_name, (unsigned long long)lim->path_len, raw);
			goto done;
		}
		normalise_path(&path, raw, &ev.unsafe_path);
		ev.raw_path = raw;
		ev.path = path.ptr;
		ev.type = entry_type(e);
		ev.mode = (uint32_t)(archive_entry_mode(e) & 07777);
		ev.uid = archive_entry_uid(e);
		ev.gid = archive_entry_gid(e);
		ev.size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0;
		ev.mtime = archive_entry_mtime(e);
		ev.rdev_major = archive_entry_rdevmajor(e);
		ev.rdev_minor = archive_entry_rdevminor(e);
		link = ev.type == FT_HARDLINK  ? archive_entry_hardlink(e)
		       : ev.type == FT_SYMLINK ? archive_entry_symlink(e)
		                               : NULL;
		if (link && strlen(link) > lim->path_len) {
			rc = err_set(DR_ELIMIT, "layer '%s': link target longer than %llu bytes",
			             w->layer_name, (unsigned long long)lim->path_len);
			goto done;
		}
		ev.link_target = link;
		ev.non_utf8 = !str_is_utf8(raw, strlen(raw));
		ev.layer_index = index;
		ev.layer_digest = layer->diff_id;
		ev.pool = w->p;
		base = strrchr(path.ptr, '/');
		base = base ? base + 1 : path.ptr;
		if (str_starts(base, ".wh.")) {
			size_t dir_len = (size_t)(base - path.ptr);

			buf_reset(&tmp);
			if (!strcmp(base, ".wh..wh..opq")) {
				ev.opaque = true;
				buf_add(&tmp, path.ptr, dir_len ? dir_len - 1 : 0);
				if (!tmp.len)
					buf_adds(&tmp, ".");
			} else {
				ev.whiteout = true;
				buf_add(&tmp, path.ptr, dir_len);
				buf_adds(&tmp, base + 4);
			}
			ev.path = tmp.ptr;
			layer->whiteouts++;
		} else if (ev.type == FT_REG) {
			layer->files++;
		}
		if (sink->file) {
			rc = sink->file(sink->ctx, &ev, &want);
			if (rc)
				goto done;
		}
		if (want && ev.type == FT_REG && !ev.whiteout) {
			for (;;) {
				const void *data;
				size_t n;
				la_int64_t off;

				r = archive_read_data_block(a, &data, &n, &off);
				if (r == ARCHIVE_EOF)
					break;
				if (r < ARCHIVE_WARN) {
					rc = w->p->status ? w->p->status : DR_EFORMAT;
					if (w->p->status)
						err_copy(w->p->errmsg);
					else
						err_set(rc, "layer '%s': malformed tar in '%s': %s",
						        w->layer_name, ev.path,
						        archive_error_string(a));
					goto done;
				}
				if (n && sink->content &&
				    (rc = sink->content(sink->ctx, &ev, data, n)))
					goto done;
			}
		}
		if (sink->file_end && (rc = sink->file_end(sink->ctx, &ev)))
			goto done;
		walker_progress(w, false);
		w->prog.entries = layer->entries;
	}
done:
	archive_read_free(a);
	buf_release(&path);
	buf_release(&tmp);
	return rc;
}

int layer_walk(struct image *img, size_t index, const struct walk_sink *sink,
               const struct walk_opts *opts)
{
	struct layer *layer = &img->layers[index];
	struct walk_pool p;
	struct walker w;
	struct blob_reader *reader = NULL;
	char blob_digest[DIGEST_STR_LEN], tar_digest[DIGEST_STR_LEN];
	pthread_t inflater, hasher;
	bool started = false, hashing = false;
	struct timespec t0, t1;
	int rc, walk_rc = 0;
	size_t n_buffers;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&p, 0, sizeof(p));
	memset(&w, 0, sizeof(w));
	layer->walked = false;
	layer->entries = layer->files = layer->whiteouts = 0;
	if (layer->desc.media_type && strstr(layer->desc.media_type, "+encrypted"))
		return err_set(DR_EUNSUPPORTED, "layer '%s' is encrypted (%s)", layer->desc.digest,
		               layer->desc.media_type);
	rc = img->src->ops->open_blob(&reader, img->src, layer->desc.digest, layer->desc.size);
	if (rc)
		return err_wrap(rc, "cannot read layer '%s'", layer->desc.digest);

	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv_free, NULL);
	pthread_cond_init(&p.to_walker.cv, NULL);
	pthread_cond_init(&p.to_hasher.cv, NULL);
	/* the number of buffers bounds memory */
	n_buffers = opts->buffers ? opts->buffers : WALK_BUFFERS_DEFAULT;
	if (n_buffers < WALK_BUFFERS_MIN)
		n_buffers = WALK_BUFFERS_MIN;
	if (n_buffers > WALK_BUFFERS_MAX)
		n_buffers = WALK_BUFFERS_MAX;
	p.arena = xmalloc(n_buffers * WALK_BUF_SIZE);
	p.n_buffers = n_buffers;
	for (size_t i = 0; i < n_buffers; i++)
		p.pool[p.n_free++] = p.arena + i * WALK_BUF_SIZE;
	p.reader = reader;
	p.limits = opts->limits;
	p.out_budget = opts->limits->total_bytes;
	for (size_t i = 0; i < index; i++)
		p.out_budget -= p.out_budget > img->layers[i].uncompressed_bytes
		                    ? img->layers[i].uncompressed_bytes
		                    : p.out_budget;
	p.blob_name = layer->desc.digest;
	w.p = &p;
	w.opts = opts;
	w.layer_name = layer->desc.digest;
	w.prog.layer = index;
	w.prog.n_layers = img->n_layers;
	w.prog.compressed_total = layer->desc.size >= 0 ? (uint64_t)layer->desc.size : (uint64_t)-1;
	sha256_init(&p.blob_hash);
	sha256_init(&p.tar_hash);

	if (pthread_create(&hasher, NULL, hasher_main, &p)) {
		rc = err_set(DR_ERROR, "cannot start the hash thread");
		goto done;
	}
	hashing = true;
	if (pthread_create(&inflater, NULL, inflater_main, &p)) {
		rc = err_set(DR_ERROR, "cannot start the inflate thread");
		goto done;
	}
	started = true;
	if (sink->layer_begin && (walk_rc = sink->layer_begin(sink->ctx, img, index)))
		goto verify;
	walk_rc = walk_entries(&w, img, index, sink, layer);
	if (sink->entries_end) {
		int end_rc = sink->entries_end(sink->ctx, index);

		if (!walk_rc)
			walk_rc = end_rc;
	}
verify:
	/* Whatever happened, the rest is read so that the digests can be
	 * checked: a blob that is not what its descriptor says explains every
	 * other failure, so it is reported first. */
	walker_drain(&w);
	pthread_join(inflater, NULL);
	pthread_join(hasher, NULL);
	started = hashing = false;
	sha256_final(&p.blob_hash, blob_digest);
	sha256_final(&p.tar_hash, tar_digest);
	layer->compressed_bytes = p.total_in;
	layer->uncompressed_bytes = w.plain_bytes;
	if (p.status && p.status != DR_EFORMAT) {
		/* the blob could not be read, or a limit stopped it */
		err_copy(p.errmsg);
		rc = p.status;
		goto done;
	}
	if (layer->desc.size >= 0 && p.total_in != (uint64_t)layer->desc.size) {
		rc = err_set(DR_EDIGEST,
		             "layer '%s': size mismatch: descriptor says %lld bytes, blob has %llu",
		             layer->desc.digest, (long long)layer->desc.size,
		             (unsigned long long)p.total_in);
		goto done;
	}
	if (strcmp(blob_digest, layer->desc.digest)) {
		rc = err_set(DR_EDIGEST, "layer '%s': digest mismatch: blob hashes to '%s'",
		             layer->desc.digest, blob_digest);
		goto done;
	}
	if (p.status) {
		err_copy(p.errmsg);
		rc = p.status;
		goto done;
	}
	if (walk_rc && walk_rc != DR_ESTOP) {
		rc = walk_rc;
		goto done;
	}
	if (!layer->diff_id || strcmp(tar_digest, layer->diff_id)) {
		rc = err_set(DR_EDIGEST,
		             "layer '%s': diff_id mismatch: config says '%s', uncompressed tar "
		             "hashes to '%s'",
		             layer->desc.digest, layer->diff_id ? layer->diff_id : "(none)",
		             tar_digest);
		goto done;
	}
	layer->walked = true;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	layer->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	w.prog.done = true;
	walker_progress(&w, true);
	if (sink->layer_end)
		rc = sink->layer_end(sink->ctx, img, index);
done:
	if (started) {
		pipeline_cancel(&p);
		walker_drain(&w);
		pthread_join(inflater, NULL);
	} else if (hashing) {
		/* the inflater never ran: end the hasher's queue ourselves */
		queue_push(&p, ITEM_END, NULL, 0);
	}
	if (hashing || started)
		pthread_join(hasher, NULL);
	sha256_release(&p.blob_hash);
	sha256_release(&p.tar_hash);
	free(p.arena);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv_free);
	pthread_cond_destroy(&p.to_walker.cv);
	pthread_cond_destroy(&p.to_hasher.cv);
	blob_reader_free(reader);
	return rc;
}

int image_walk(struct image *img, const struct walk_sink *sink, const struct walk_opts *opts)
{
	for (size_t i = 0; i < img->n_layers; i++) {
		int rc = layer_walk(img, i, sink, opts);

		if (rc)
			return rc;
	}
	return 0;
}
