/* The layer stream over in-memory blobs: events, whiteouts, digests. */
#include "unit.h"
#include "image/walk.h"
#include "source/tarindex.h"
#include "util/digest.h"
#include "util/err.h"

#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const unsigned char *blob_data;
static size_t blob_len;
/* When blob_fd >= 0, the blob is read from that file at blob_off instead,
 * through a reader that counts what it lends (views). */
static int blob_fd = -1;
static uint64_t blob_off;
static size_t views;

struct counting_reader {
	struct blob_reader base;
	struct blob_reader *inner;
};

static int counting_read(struct blob_reader *r, void *buf, size_t cap, size_t *out_len)
{
	return blob_read(((struct counting_reader *)r)->inner, buf, cap, out_len);
}

static int counting_view(struct blob_reader *r, size_t cap, const unsigned char **data,
                         size_t *out_len)
{
	int rc = blob_view(((struct counting_reader *)r)->inner, cap, data, out_len);

	views += rc == 0;
	return rc;
}

static void counting_unview(struct blob_reader *r, const unsigned char *data, size_t len)
{
	blob_unview(((struct counting_reader *)r)->inner, data, len);
}

static void counting_free(struct blob_reader *r)
{
	blob_reader_free(((struct counting_reader *)r)->inner);
	free(r);
}

static int mem_open_blob(struct blob_reader **out, struct source *src, const char *digest,
                         int64_t size)
{
	struct counting_reader *c;
	int rc;

	if (blob_fd < 0)
		return blob_reader_mem(out, blob_data, blob_len);
	c = calloc(1, sizeof(*c));
	if ((rc = file_reader_open(&c->inner, blob_fd, blob_off, blob_len))) {
		free(c);
		return rc;
	}
	c->base = (struct blob_reader){.read = counting_read,
	                               .free = counting_free,
	                               .view = counting_view,
	                               .unview = counting_unview};
	*out = &c->base;
	return 0;
}

/* A ustar header + n bytes of data for one entry, appended to buf. */
static void tar_add_n(struct buf *b, const char *name, char type, const char *data, size_t n,
                      const char *link)
{
	unsigned char h[512] = {0};
	unsigned sum = 0;

	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)(n & 07777777));
	snprintf((char *)h + 136, 12, "%011o", 0);
	memset(h + 148, ' ', 8);
	h[156] = (unsigned char)type;
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar\00000", 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	buf_add(b, h, 512);
	if (n) {
		static const char zero[512];

		buf_add(b, data, n);
		buf_add(b, zero, (512 - n % 512) % 512);
	}
}

/* tar_add_n of a string's bytes */
static void tar_add(struct buf *b, const char *name, char type, const char *data, const char *link)
{
	tar_add_n(b, name, type, data, data ? strlen(data) : 0, link);
}

static void tar_end(struct buf *b)
{
	static const char zero[1024];

	buf_add(b, zero, sizeof(zero));
}

struct events {
	struct buf log;
	size_t bytes;
};

static int on_file(void *ctx, const struct file_event *ev, bool *want)
{
	struct events *e = ctx;

	buf_addf(&e->log, "%s %s%s%s;", file_type_name(ev->type), ev->path,
	         ev->whiteout ? " (whiteout)" : "", ev->opaque ? " (opaque)" : "");
	*want = true;
	return 0;
}

static int on_content(void *ctx, const struct file_event *ev, const void *d, size_t n)
{
	((struct events *)ctx)->bytes += n;
	return 0;
}

/* Walks an in-memory blob as the one layer of an image. */
static int walk_with(const struct walk_sink *sink, const unsigned char *data, size_t len,
                     const char *diff_id, struct layer *out_layer, size_t buffers)
{
	static const struct source_ops ops = {"mem", NULL, mem_open_blob, NULL};
	struct limits lim;
	struct source src = {.ops = &ops, .display = (char *)"mem"};
	char digest[DIGEST_STR_LEN];
	struct image img = {0};
	struct walk_opts opts = {.limits = &lim, .buffers = buffers};

	limits_default(&lim);
	src.limits = &lim;
	blob_data = data;
	blob_len = len;
	sha256_digest(data, len, digest);
	memset(out_layer, 0, sizeof(*out_layer));
	out_layer->desc.digest = digest;
	out_layer->desc.size = (int64_t)len;
	out_layer->diff_id = diff_id;
	img.src = &src;
	img.layers = out_layer;
	img.n_layers = 1;
	return layer_walk(&img, 0, sink, &opts);
}

static int walk_blob_n(struct events *ev, const unsigned char *data, size_t len,
                       const char *diff_id, struct layer *out_layer, size_t buffers)
{
	struct walk_sink sink = {.ctx = ev, .file = on_file, .content = on_content};

	buf_init(&ev->log, 0);
	ev->bytes = 0;
	return walk_with(&sink, data, len, diff_id, out_layer, buffers);
}

static int walk_blob(struct events *ev, const unsigned char *data, size_t len, const char *diff_id,
                     struct layer *out_layer)
{
	return walk_blob_n(ev, data, len, diff_id, out_layer, 0);
}

/* gzip of len bytes at p (the caller frees it) */
static unsigned char *gzip_of(const void *p, size_t len, size_t *out_len)
{
	size_t cap = len + len / 2 + 1024;
	unsigned char *gz = malloc(cap);
	struct isal_zstream z;

	isal_deflate_init(&z);
	z.gzip_flag = IGZIP_GZIP;
	z.end_of_stream = 1;
	z.flush = NO_FLUSH;
	z.next_in = (unsigned char *)p;
	z.avail_in = (uint32_t)len;
	z.next_out = gz;
	z.avail_out = (uint32_t)cap;
	if (isal_deflate_stateless(&z) != COMP_OK) {
		free(gz);
		return NULL;
	}
	*out_len = z.total_out;
	return gz;
}

/* The gzip of a tar of files "a.txt" to "<last>.txt", each the same 1.5 MiB
 * of numbered lines (tar_add's size field holds < 2 MiB), compressible but
 * not trivially; the tar and the file in t and file, the tar's digest in
 * diff. */
static unsigned char *lines_layer(struct buf *t, struct buf *file, char last, char *diff,
                                  size_t *gz_len)
{
	uint32_t x = 12345;

	buf_init(file, 0);
	while (file->len < (3u << 19)) {
		x = x * 1103515245u + 12345u;
		buf_addf(file, "line %u of the layer\n", (x >> 8) % 100000);
	}
	buf_init(t, 0);
	for (char name[] = "a.txt"; name[0] <= last; name[0]++)
		tar_add(t, name, '0', file->ptr, NULL);
	tar_end(t);
	sha256_digest(t->ptr, t->len, diff);
	return gzip_of(t->ptr, t->len, gz_len);
}

static void sample_tar(struct buf *t)
{
	buf_init(t, 0);
	tar_add(t, "./etc/", '5', NULL, NULL);
	tar_add(t, "./etc/motd", '0', "hello\n", NULL);
	tar_add(t, "etc/.wh.old", '0', NULL, NULL);
	tar_add(t, "var/cache/.wh..wh..opq", '0', NULL, NULL);
	tar_add(t, "/abs", '2', NULL, "etc/motd");
	tar_end(t);
}

TEST(walk, uncompressed_events_and_counts)
{
	struct buf t;
	struct events ev;
	struct layer l;
	char diff[DIGEST_STR_LEN];

	sample_tar(&t);
	sha256_digest(t.ptr, t.len, diff);
	CHECK_INT(walk_blob(&ev, (unsigned char *)t.ptr, t.len, diff, &l), 0);
	CHECK_STR(ev.log.ptr, "dir etc;reg etc/motd;reg etc/old (whiteout);reg var/cache (opaque);"
	                      "symlink abs;");
	CHECK_INT(ev.bytes, 6);
	CHECK_INT(l.entries, 5);
	CHECK_INT(l.files, 1);
	CHECK_INT(l.whiteouts, 2);
	CHECK(l.walked);
	buf_release(&ev.log);
	buf_release(&t);
}

TEST(walk, gzip_and_diff_id_mismatch)
{
	struct buf t;
	struct events ev;
	struct layer l;
	char diff[DIGEST_STR_LEN];
	unsigned char *gz;
	size_t gz_len = 0;

	sample_tar(&t);
	sha256_digest(t.ptr, t.len, diff);
	gz = gzip_of(t.ptr, t.len, &gz_len);
	CHECK(gz != NULL);
	CHECK_INT(walk_blob(&ev, gz, gz_len, diff, &l), 0);
	CHECK_INT(l.uncompressed_bytes, t.len);
	CHECK_INT(l.compressed_bytes, gz_len);
	buf_release(&ev.log);
	diff[10] = diff[10] == 'a' ? 'b' : 'a';
	CHECK_INT(walk_blob(&ev, gz, gz_len, diff, &l), DR_EDIGEST);
	CHECK(strstr(err_msg(), "diff_id mismatch") != NULL);
	CHECK(!l.walked);
	buf_release(&ev.log);
	CHECK_INT(walk_blob(&ev, gz, gz_len - 20, diff, &l), DR_EFORMAT);
	CHECK(strstr(err_msg(), "truncated gzip stream") != NULL);
	buf_release(&ev.log);
	free(gz);
	buf_release(&t);
}

/* A layer many times the pool: every byte arrives and both digests check,
 * whatever the number of buffers (out-of-range counts are clamped). */
TEST(walk, any_buffer_count_streams_the_whole_layer)
{
	static const size_t counts[] = {0, 1, WALK_BUFFERS_MIN, WALK_BUFFERS_MAX, 1000};
	struct buf t, file;
	struct events ev;
	struct layer l;
	char diff[DIGEST_STR_LEN];
	unsigned char *gz;
	size_t gz_len = 0;

	/* 12 MiB in eight files */
	gz = lines_layer(&t, &file, 'h', diff, &gz_len);
	CHECK(gz != NULL);
	for (size_t i = 0; gz && i < sizeof(counts) / sizeof(counts[0]); i++) {
		CHECK_INT(walk_blob_n(&ev, gz, gz_len, diff, &l, counts[i]), 0);
		CHECK_INT(ev.bytes, 8 * file.len);
		CHECK_STR(ev.log.ptr, "reg a.txt;reg b.txt;reg c.txt;reg d.txt;reg e.txt;reg f.txt;"
		                      "reg g.txt;reg h.txt;");
		CHECK_INT(l.uncompressed_bytes, t.len);
		CHECK(l.walked);
		buf_release(&ev.log);
	}
	free(gz);
	buf_release(&t);
	buf_release(&file);
}

/* A sink that keeps the chunks it is given past the content callback
 * (walk_hold), at most two at a time, and checks at release that their
 * bytes did not change. */
struct holder {
	struct {
		const unsigned char *data;
		size_t len;
		int held;
		uint32_t sum;
	} v[3];
	size_t n, kept, in_pool, bytes, entries_ends;
	bool changed;
	int fail_at; /* file callback that fails (0: none) */
	int files;
	struct walk_pool *pool;
};

static uint32_t sum_of(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void holder_drop(struct holder *h, size_t i)
{
	if (sum_of(h->v[i].data, h->v[i].len) != h->v[i].sum)
		h->changed = true;
	walk_release(h->pool, h->v[i].held);
	h->v[i] = h->v[--h->n];
}

static int hold_file(void *ctx, const struct file_event *ev, bool *want)
{
	struct holder *h = ctx;

	*want = true;
	return h->fail_at && ++h->files == h->fail_at ? err_set(DR_EFORMAT, "stop here") : 0;
}

static int hold_content(void *ctx, const struct file_event *ev, const void *d, size_t n)
{
	struct holder *h = ctx;
	int held = walk_hold(ev->pool, d);

	h->pool = ev->pool;
	h->bytes += n;
	if (held < 0)
		return 0;
	h->in_pool++;
	if (h->n == 2)
		holder_drop(h, 0);
	h->v[h->n].data = d;
	h->v[h->n].len = n;
	h->v[h->n].held = held;
	h->v[h->n].sum = sum_of(d, n);
	h->n++;
	h->kept++;
	return 0;
}

static int hold_entries_end(void *ctx, size_t index)
{
	struct holder *h = ctx;

	h->entries_ends++;
	while (h->n)
		holder_drop(h, h->n - 1);
	return 0;
}

/* Content kept with walk_hold stays as it was while the walk goes on (with
 * the fewest buffers, so they are reused), comes back with walk_release,
 * and entries_end comes once per layer, also when a callback fails. */
TEST(walk, held_content_outlives_its_callback)
{
	struct buf t, file;
	struct holder h;
	struct layer l;
	char diff[DIGEST_STR_LEN];
	unsigned char *gz;
	size_t gz_len = 0;
	int here = 0;
	struct walk_sink sink = {
	    .ctx = &h, .file = hold_file, .content = hold_content, .entries_end = hold_entries_end};

	gz = lines_layer(&t, &file, 'f', diff, &gz_len);
	CHECK(gz != NULL);
	for (int fail_at = 0; gz && fail_at <= 4; fail_at += 4) {
		memset(&h, 0, sizeof(h));
		h.fail_at = fail_at;
		CHECK_INT(walk_with(&sink, gz, gz_len, diff, &l, WALK_BUFFERS_MIN),
		          fail_at ? DR_EFORMAT : 0);
		CHECK_INT(h.entries_ends, 1);
		CHECK_INT(h.n, 0);
		CHECK(!h.changed);
		CHECK(h.kept > 6);
		CHECK_INT(h.in_pool, h.kept);
		CHECK_INT(h.bytes, (fail_at ? 3 : 6) * file.len);
	}
	CHECK_INT(walk_hold(NULL, &here), -1);
	free(gz);
	buf_release(&t);
	buf_release(&file);
}

TEST(walk, garbage_is_malformed_not_a_crash)
{
	struct events ev;
	struct layer l;
	unsigned char junk[3000];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7 + 3);
	CHECK_INT(walk_blob(&ev, junk, sizeof(junk), "sha256:00", &l), DR_EFORMAT);
	buf_release(&ev.log);
}

TEST(tarindex, members_and_long_names)
{
	struct buf t;
	struct tarindex *ti = NULL;
	const struct tar_member *m;
	struct buf body = BUF_INIT;

	sample_tar(&t);
	CHECK_INT(tarindex_parse_mem(&ti, (unsigned char *)t.ptr, t.len), 0);
	CHECK_INT(ti->n, 3); /* regular files only */
	m = tarindex_find(ti, "etc/motd");
	CHECK(m != NULL);
	CHECK_INT(m->size, 6);
	CHECK_INT(m->offset, 1024);
	CHECK(tarindex_find(ti, "./etc/motd") == m);
	CHECK_NULL(tarindex_find(ti, "etc/none"));
	tarindex_free(ti);
	CHECK_INT(tarindex_parse_mem(&ti, (unsigned char *)t.ptr, 700), DR_EFORMAT);
	t.ptr[148] ^= 1; /* break the first checksum */
	CHECK_INT(tarindex_parse_mem(&ti, (unsigned char *)t.ptr, t.len), DR_EFORMAT);
	CHECK(strstr(err_msg(), "bad tar header checksum") != NULL);
	buf_release(&body);
	buf_release(&t);
}

/* A temporary file holding pad bytes then data; its path in path. */
static int temp_file_with(char *path, size_t pad, const void *data, size_t len)
{
	int fd;

	snprintf(path, 64, "%s", "/tmp/dredge-unit-blob-XXXXXX");
	if ((fd = mkstemp(path)) < 0)
		return -1;
	/* the pad is a hole: zeros */
	if (ftruncate(fd, (off_t)pad) || pwrite(fd, data, len, (off_t)pad) != (ssize_t)len)
		return -1;
	return fd;
}

/* A file reader lends the file's own pages, from any offset, the same bytes
 * read would give; a range the file is too short for is not lent, and read
 * says it is truncated. */
TEST(tarindex, file_reader_lends_the_file_pages)
{
	size_t len = (3u << 20) + 100, got = 0, n = 0;
	unsigned char *data = malloc(len), tiny[16];
	const unsigned char *v = NULL;
	struct blob_reader *r = NULL;
	char path[64];
	int fd;

	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 31 + (i >> 12));
	fd = temp_file_with(path, 777, data, len);
	CHECK(fd >= 0);
	/* a bounded range at an offset off any page boundary, after a read */
	CHECK_INT(file_reader_open(&r, fd, 777, len), 0);
	CHECK_INT(blob_read(r, tiny, sizeof(tiny), &n), 0);
	CHECK_INT(n, sizeof(tiny));
	CHECK(memcmp(tiny, data, n) == 0);
	got = n;
	for (;;) {
		CHECK_INT(blob_view(r, 1u << 20, &v, &n), 0);
		if (!n)
			break;
		CHECK(memcmp(v, data + got, n) == 0);
		blob_unview(r, v, n);
		got += n;
	}
	CHECK_INT(got, len);
	blob_reader_free(r);
	/* the whole file by path */
	CHECK_INT(file_reader_open_path(&r, path), 0);
	CHECK_INT(blob_view(r, 1000, &v, &n), 0);
	CHECK_INT(n, 1000);
	CHECK(memcmp(v + 777, data, 223) == 0);
	blob_reader_free(r);
	/* a range past the end of the file */
	CHECK_INT(file_reader_open(&r, fd, 777, len + 5000), 0);
	CHECK_INT(blob_view(r, 1u << 20, &v, &n), DR_EUNSUPPORTED);
	for (got = 0; !blob_read(r, data, len, &n) && n; got += n)
		;
	CHECK_INT(got, len);
	CHECK(strstr(err_msg(), "truncated") != NULL);
	blob_reader_free(r);
	close(fd);
	unlink(path);
	free(data);
}

/* A file that shrinks under its lent pages ends the process with a message
 * and the exit code of an I/O error (10), not a crash. */
TEST(tarindex, a_file_shrinking_while_lent_is_an_io_error)
{
	size_t len = 2u << 20;
	unsigned char *data = calloc(1, len);
	char path[64], msg[256] = "";
	int fd, pipefd[2], status = 0;
	pid_t pid;
	ssize_t got;

	fd = temp_file_with(path, 0, data, len);
	CHECK(fd >= 0);
	CHECK(pipe(pipefd) == 0);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct blob_reader *r = NULL;
		const unsigned char *v = NULL;
		size_t n = 0;
		volatile unsigned char c;

		dup2(pipefd[1], STDERR_FILENO);
		if (file_reader_open(&r, fd, 0, len) || blob_view(r, len, &v, &n) || n != len)
			_exit(90);
		c = v[0];
		if (ftruncate(fd, 0))
			_exit(91);
		c = v[len - 1]; /* past the end of the file now */
		(void)c;
		_exit(92);
	}
	close(pipefd[1]);
	got = read(pipefd[0], msg, sizeof(msg) - 1);
	msg[got > 0 ? got : 0] = '\0';
	close(pipefd[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 10);
	CHECK(strstr(msg, "shrank on disk while it was read") != NULL);
	close(fd);
	unlink(path);
	free(data);
}

/* A gzip layer read from a file: its compressed bytes are lent in place
 * (views) and the walk is the same as from memory; a stream corrupt past
 * the first buffer is still read to its end and reported as corrupt. */
TEST(walk, a_layer_file_is_inflated_from_its_own_pages)
{
	struct buf t, file;
	struct events ev;
	struct layer l;
	char diff[DIGEST_STR_LEN], path[64];
	unsigned char *gz;
	size_t gz_len = 0;
	int fd;

	gz = lines_layer(&t, &file, 'h', diff, &gz_len);
	CHECK(gz != NULL);
	CHECK(gz_len > (2u << 20)); /* beyond the first buffer, which is read */
	fd = temp_file_with(path, 513, gz, gz_len);
	CHECK(fd >= 0);
	blob_fd = fd;
	blob_off = 513;
	views = 0;
	CHECK_INT(walk_blob(&ev, gz, gz_len, diff, &l), 0);
	CHECK_INT(views, 1);
	CHECK_INT(ev.bytes, 8 * file.len);
	CHECK_STR(ev.log.ptr, "reg a.txt;reg b.txt;reg c.txt;reg d.txt;reg e.txt;reg f.txt;"
	                      "reg g.txt;reg h.txt;");
	CHECK_INT(l.uncompressed_bytes, t.len);
	CHECK_INT(l.compressed_bytes, gz_len);
	buf_release(&ev.log);
	/* corrupt in the lent part: the whole blob is still hashed */
	gz[gz_len * 2 / 3] ^= 0x55;
	CHECK(pwrite(fd, gz + gz_len * 2 / 3, 1, 513 + (off_t)(gz_len * 2 / 3)) == 1);
	CHECK_INT(walk_blob(&ev, gz, gz_len, diff, &l), DR_EFORMAT);
	CHECK(strstr(err_msg(), "corrupt gzip stream") != NULL ||
	      strstr(err_msg(), "gzip checksum mismatch") != NULL);
	CHECK_INT(l.compressed_bytes, gz_len);
	buf_release(&ev.log);
	blob_fd = -1;
	close(fd);
	unlink(path);
	free(gz);
	buf_release(&t);
	buf_release(&file);
}

/* A lent blob is hashed by the hasher on its own, the first buffer first:
 * whether the inflater runs ahead of it (stored blocks inflate at memcpy
 * speed, hashing does not) or behind, with few buffers or many, both
 * digests come out right. */
TEST(walk, a_lent_blob_is_hashed_at_the_hasher_pace)
{
	size_t len = 48u << 20, gz_len = 0;
	struct buf t = BUF_INIT;
	struct events ev;
	struct layer l;
	char diff[DIGEST_STR_LEN], path[64];
	unsigned char *gz;
	char *body = malloc(len);
	uint64_t x = 88172645463325252ull;
	int fd;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(body + i, &x, 8);
	}
	/* random bytes in 1 MiB files (tar_add's size field holds < 2 MiB) */
	for (size_t i = 0; i < len / (1u << 20); i++) {
		char name[32];

		snprintf(name, sizeof(name), "r%03zu", i);
		tar_add_n(&t, name, '0', body + i * (1u << 20), 1u << 20, NULL);
	}
	tar_end(&t);
	sha256_digest(t.ptr, t.len, diff);
	gz = gzip_of(t.ptr, t.len, &gz_len);
	CHECK(gz != NULL);
	fd = temp_file_with(path, 0, gz, gz_len);
	CHECK(fd >= 0);
	blob_fd = fd;
	blob_off = 0;
	views = 0;
	for (size_t i = 0; i < 3; i++) {
		static const size_t counts[] = {WALK_BUFFERS_MIN, 16, WALK_BUFFERS_MAX};

		CHECK_INT(walk_blob_n(&ev, gz, gz_len, diff, &l, counts[i]), 0);
		CHECK_INT(l.uncompressed_bytes, t.len);
		buf_release(&ev.log);
	}
	CHECK_INT(views, 3); /* the rest of the blob, once a walk */
	blob_fd = -1;
	close(fd);
	unlink(path);
	free(gz);
	free(body);
	buf_release(&t);
}
