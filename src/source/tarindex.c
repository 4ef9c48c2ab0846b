#include "source/tarindex.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAR_BLOCK 512

/* ---- header parsing ------------------------------------------------------ */

static int parse_octal(uint64_t *out, const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	if (n && (p[0] & 0x80)) {
		/* GNU base-256 for large sizes */
		v = p[0] & 0x3f;
		for (i = 1; i < n; i++) {
			if (v >> 55)
				return DR_EFORMAT;
			v = (v << 8) | p[i];
		}
		*out = v;
		return 0;
	}
	while (i < n && (p[i] == ' ' || p[i] == '\0'))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 60)
			return DR_EFORMAT;
		v = v * 8 + (uint64_t)(p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return DR_EFORMAT;
	*out = v;
	return 0;
}

static bool checksum_ok(const unsigned char *h)
{
	uint64_t want;
	uint64_t sum = 0;

	if (parse_octal(&want, h + 148, 8))
		return false;
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

static bool all_zero(const unsigned char *h)
{
	for (int i = 0; i < TAR_BLOCK; i++)
		if (h[i])
			return false;
	return true;
}

static char *normalise_name(const char *s, size_t n)
{
	while (n >= 2 && s[0] == '.' && s[1] == '/') {
		s += 2;
		n -= 2;
		while (n && *s == '/') {
			s++;
			n--;
		}
	}
	while (n && *s == '/') {
		s++;
		n--;
	}
	return xstrndup(s, strnlen(s, n));
}

/* Finds "path=" in a pax extended header body. */
static char *pax_path(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint64_t rec = 0;
		size_t j = i;

		while (j < len && body[j] >= '0' && body[j] <= '9') {
			rec = rec * 10 + (uint64_t)(body[j] - '0');
			if (rec > len)
				return NULL;
			j++;
		}
		if (j >= len || body[j] != ' ' || rec == 0 || i + rec > len)
			return NULL;
		if (rec > (j + 1 - i) + 5 && !memcmp(body + j + 1, "path=", 5)) {
			size_t start = j + 6, end = i + rec - 1; /* record ends in '\n' */

			return end > start ? normalise_name(body + start, end - start) : NULL;
		}
		i += rec;
	}
	return NULL;
}

/* Reads exactly n bytes at off from fd or memory. */
struct tar_input {
	int fd;
	const unsigned char *mem;
	uint64_t mem_len;
};

static int input_read(const struct tar_input *in, void *buf, size_t n, uint64_t off)
{
	if (in->mem) {
		if (off > in->mem_len || n > in->mem_len - off)
			return DR_EFORMAT;
		memcpy(buf, in->mem + off, n);
		return 0;
	}
	while (n) {
		ssize_t r = pread(in->fd, buf, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(DR_EIO, "cannot read archive: %s", strerror(errno));
		if (r == 0)
			return DR_EFORMAT;
		buf = (char *)buf + r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int index_build(struct tarindex *t, const struct tar_input *in, uint64_t total)
{
	unsigned char h[TAR_BLOCK];
	char *long_name = NULL;
	uint64_t off = 0;
	int rc = 0;

	if (total >= 2) {
		unsigned char magic[2];

		if ((rc = input_read(in, magic, 2, 0)))
			goto short_read;
		if ((magic[0] == 0x1f && magic[1] == 0x8b) ||
		    (magic[0] == 0x28 && magic[1] == 0xb5)) {
			rc = err_set(DR_EFORMAT, "archive '%s' is compressed; decompress it first",
			             t->path);
			goto done;
		}
	}
	for (;;) {
		uint64_t size, data_off, padded;
		char type;
		char *name;

		if (off + TAR_BLOCK > total) {
			if (off == total && off > 0)
				break; /* tolerated: archive without end blocks */
			rc = err_set(DR_EFORMAT, "archive '%s' is truncated", t->path);
			goto done;
		}
		if ((rc = input_read(in, h, TAR_BLOCK, off)))
			goto short_read;
		if (all_zero(h))
			break;
		if (!checksum_ok(h)) {
			rc = err_set(DR_EFORMAT,
			             "archive '%s': bad tar header checksum at offset %llu",
			             t->path, (unsigned long long)off);
			goto done;
		}
		if (parse_octal(&size, h + 124, 12)) {
			rc = err_set(DR_EFORMAT, "archive '%s': bad size at offset %llu", t->path,
			             (unsigned long long)off);
			goto done;
		}
		type = (char)h[156];
		data_off = off + TAR_BLOCK;
		if (size > total || data_off > total - size) {
			rc = err_set(DR_EFORMAT, "archive '%s' is truncated", t->path);
			goto done;
		}
		padded = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		if (type == 'L' || type == 'x') {
			char *body;

			if (size > DR_MAX_PATH * 4) {
				rc = err_set(DR_ELIMIT, "archive '%s': extended header too large",
				             t->path);
				goto done;
			}
			body = xmalloc(size + 1);
			if ((rc = input_read(in, body, size, data_off))) {
				free(body);
				goto short_read;
			}
			body[size] = '\0';
			free(long_name);
			long_name = type == 'L' ? normalise_name(body, size) : pax_path(body, size);
			free(body);
		} else {
			if (long_name) {
				name = long_name;
				long_name = NULL;
			} else {
				char full[256 + 1 + 100 + 1];
				size_t plen = strnlen((const char *)h + 345, 155);

				if (!memcmp(h + 257, "ustar", 5) && plen)
					snprintf(full, sizeof(full), "%.*s/%.*s", (int)plen,
					         (const char *)h + 345,
					         (int)strnlen((const char *)h, 100),
					         (const char *)h);
				else
					snprintf(full, sizeof(full), "%.*s",
					         (int)strnlen((const char *)h, 100),
					         (const char *)h);
				name = normalise_name(full, strlen(full));
			}
			if (type == '0' || type == '\0' || type == '7') {
				if (t->n >= DR_MAX_ARCHIVE_ENTRIES) {
					free(name);
					rc = err_set(DR_ELIMIT,
					             "archive '%s' has more than %d members",
					             t->path, DR_MAX_ARCHIVE_ENTRIES);
					goto done;
				}
				XGROW(t->v, t->alloc, t->n + 1);
				t->v[t->n++] = (struct tar_member){name, data_off, size};
			} else {
				free(name);
			}
		}
		off = data_off + padded;
		if (off > total)
			off = total;
	}
done:
	free(long_name);
	return rc;
short_read:
	free(long_name);
	return rc == DR_EFORMAT ? err_set(DR_EFORMAT, "archive '%s' is truncated", t->path) : rc;
}

int tarindex_open(struct tarindex **out, const char *path)
{
	struct tarindex *t = xcalloc(1, sizeof(*t));
	struct stat st;
	int rc;

	*out = NULL;
	t->path = xstrdup(path);
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0) {
		rc = err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO, "cannot open '%s': %s", path,
		             strerror(errno));
		goto fail;
	}
	if (fstat(t->fd, &st) || !S_ISREG(st.st_mode)) {
		rc = err_set(DR_EIO, "'%s' is not a regular file", path);
		goto fail;
	}
	{
		struct tar_input in = {t->fd, NULL, 0};

		rc = index_build(t, &in, (uint64_t)st.st_size);
	}
	if (rc)
		goto fail;
	*out = t;
	return 0;
fail:
	tarindex_free(t);
	return rc;
}

int tarindex_parse_mem(struct tarindex **out, const unsigned char *data, size_t len)
{
	struct tarindex *t = xcalloc(1, sizeof(*t));
	struct tar_input in = {-1, data, len};
	int rc;

	t->fd = -1;
	t->path = xstrdup("(memory)");
	in.mem = data ? data : (const unsigned char *)"";
	rc = index_build(t, &in, len);
	if (rc) {
		tarindex_free(t);
		*out = NULL;
		return rc;
	}
	*out = t;
	return 0;
}

void tarindex_free(struct tarindex *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	free(t->path);
	free(t);
}

const struct tar_member *tarindex_find(const struct tarindex *t, const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	/* later members win, as when a tar is extracted */
	for (size_t i = t->n; i-- > 0;)
		if (!strcmp(t->v[i].name, name))
			return &t->v[i];
	return NULL;
}

int tarindex_read(struct buf *out, const struct tarindex *t, const struct tar_member *m, size_t max)
{
	int rc;

	buf_init(out, max);
	if (m->size > max)
		return err_set(DR_ELIMIT, "'%s' in '%s' is larger than %zu bytes", m->name, t->path,
		               max);
	if ((rc = buf_add(out, "", 0)))
		return rc;
	out->ptr = xrealloc(out->ptr, m->size + 1);
	out->alloc = m->size + 1;
	{
		struct tar_input in = {t->fd, NULL, 0};

		rc = input_read(&in, out->ptr, m->size, m->offset);
	}
	if (rc) {
		buf_release(out);
		return rc == DR_EFORMAT ? err_set(DR_EFORMAT, "'%s' is truncated", t->path) : rc;
	}
	out->len = m->size;
	out->ptr[m->size] = '\0';
	return 0;
}

/* ---- file readers -------------------------------------------------------- */

struct file_reader {
	struct blob_reader base;
	int fd;
	bool owns_fd;
	uint64_t offset, remaining;
	bool bounded;
	/* view: the rest of the file range, mapped at the first view */
	unsigned char *map; /* at map_off, a page boundary */
	size_t map_len;
	uint64_t map_off, map_end;
	int guard; /* its slot in guarded */
	bool no_view;
};

static int file_reader_read(struct blob_reader *r, void *buf, size_t cap, size_t *out_len)
{
	struct file_reader *f = (struct file_reader *)r;
	ssize_t n;

	*out_len = 0;
	if (f->bounded && cap > f->remaining)
		cap = (size_t)f->remaining;
	if (!cap)
		return 0;
	do
		n = pread(f->fd, buf, cap, (off_t)f->offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(DR_EIO, "read error: %s", strerror(errno));
	if (n == 0 && f->bounded)
		return err_set(DR_EFORMAT, "archive member is truncated");
	f->offset += (uint64_t)n;
	if (f->bounded)
		f->remaining -= (uint64_t)n;
	*out_len = (size_t)n;
	return 0;
}

/* A mapped file that shrinks while it is read would end the process with
 * SIGBUS at the first page past its new end. The mapped ranges are listed
 * here, and a SIGBUS in one of them ends the process with a message and the
 * exit code of an I/O error instead of a crash; any other SIGBUS keeps its
 * default action. */
#define GUARDED_MAX 64

static struct {
	int used;           /* claimed (atomic) */
	uintptr_t from, to; /* the range; to is 0 while it is being set */
} guarded[GUARDED_MAX];
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;
static bool guard_on;
static int guard_exit;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] = "dredge: a file being read shrank on disk while it was read "
	                          "(changed during the scan); stopping\n";
	uintptr_t a = (uintptr_t)si->si_addr;

	(void)uc;
	for (size_t i = 0; i < GUARDED_MAX; i++) {
		uintptr_t from = __atomic_load_n(&guarded[i].from, __ATOMIC_ACQUIRE);
		uintptr_t to = __atomic_load_n(&guarded[i].to, __ATOMIC_ACQUIRE);

		if (a >= from && a < to) {
			ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);

			(void)w;
			_exit(guard_exit);
		}
	}
	signal(sig, SIG_DFL); /* not ours: fault again, as if never caught */
}

static void guard_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	guard_exit = err_exit_code(DR_EIO);
	guard_on = sigaction(SIGBUS, &sa, NULL) == 0;
}

/* A slot for a mapped range, or -1 (then the file is read, not mapped). */
static int guard_add(const unsigned char *map, size_t len)
{
	pthread_once(&guard_once, guard_install);
	if (!guard_on)
		return -1;
	for (int i = 0; i < GUARDED_MAX; i++) {
		int free_slot = 0;

		if (__atomic_compare_exchange_n(&guarded[i].used, &free_slot, 1, false,
		                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&guarded[i].from, (uintptr_t)map, __ATOMIC_RELEASE);
			__atomic_store_n(&guarded[i].to, (uintptr_t)map + len, __ATOMIC_RELEASE);
			return i;
		}
	}
	return -1;
}

static void guard_drop(int slot)
{
	__atomic_store_n(&guarded[slot].to, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&guarded[slot].from, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&guarded[slot].used, 0, __ATOMIC_RELEASE);
}

/* Maps what is left of the range: false when it cannot be (not a regular
 * file, shorter than the range, no address space or guard slot), and read
 * is used. */
static bool file_reader_map(struct file_reader *f)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct stat st;
	void *m;

	if (fstat(f->fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < f->offset)
		return false;
	f->map_end = f->bounded ? f->offset + f->remaining : (uint64_t)st.st_size;
	if ((uint64_t)st.st_size < f->map_end || f->map_end - f->offset < page)
		return false; /* a short file is reported by read; a tiny one is not worth it */
	f->map_off = f->offset - f->offset % page;
	if (f->map_end - f->map_off > SIZE_MAX)
		return false;
	f->map_len = (size_t)(f->map_end - f->map_off);
	m = mmap(NULL, f->map_len, PROT_READ, MAP_PRIVATE, f->fd, (off_t)f->map_off);
	if (m == MAP_FAILED)
		return false;
	if ((f->guard = guard_add(m, f->map_len)) < 0) {
		munmap(m, f->map_len);
		return false;
	}
	f->map = m;
	madvise(f->map, f->map_len, MADV_SEQUENTIAL);
	return true;
}

static int file_reader_view(struct blob_reader *r, size_t cap, const unsigned char **data,
                            size_t *out_len)
{
	struct file_reader *f = (struct file_reader *)r;
	size_t n;

	if (!f->map && !f->no_view)
		f->no_view = !file_reader_map(f);
	if (f->no_view)
		return DR_EUNSUPPORTED;
	n = f->map_end - f->offset < cap ? (size_t)(f->map_end - f->offset) : cap;
	*data = f->map + (f->offset - f->map_off);
	*out_len = n;
	f->offset += n;
	if (f->bounded)
		f->remaining -= n;
	return 0;
}

/* The pages of the bytes given back leave the process (the page cache keeps
 * them), so that memory stays bounded by what is lent. Bytes are given back
 * in the order they were lent: the page they start in is done with, the one
 * they end in may not be. (A page dropped too early would only be mapped
 * again.) */
static void file_reader_unview(struct blob_reader *r, const unsigned char *data, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = (uintptr_t)data / page * page;
	uintptr_t to = ((uintptr_t)data + len) / page * page;

	(void)r;
	if (to > from)
		madvise((void *)from, to - from, MADV_DONTNEED);
}

static void file_reader_free(struct blob_reader *r)
{
	struct file_reader *f = (struct file_reader *)r;

	if (f->map) {
		guard_drop(f->guard);
		munmap(f->map, f->map_len);
	}
	if (f->owns_fd && f->fd >= 0)
		close(f->fd);
	free(f);
}

int file_reader_open(struct blob_reader **out, int fd, uint64_t offset, uint64_t size)
{
	struct file_reader *f = xcalloc(1, sizeof(*f));

	f->base.read = file_reader_read;
	f->base.free = file_reader_free;
	f->base.view = file_reader_view;
	f->base.unview = file_reader_unview;
	f->fd = fd;
	f->offset = offset;
	f->remaining = size;
	f->bounded = true;
	posix_fadvise(fd, (off_t)offset, (off_t)size, POSIX_FADV_SEQUENTIAL);
	*out = &f->base;
	return 0;
}

int file_reader_open_path(struct blob_reader **out, const char *path)
{
	struct file_reader *f;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO, "cannot open '%s': %s",
		               path, strerror(errno));
	f = xcalloc(1, sizeof(*f));
	f->base.read = file_reader_read;
	f->base.free = file_reader_free;
	f->base.view = file_reader_view;
	f->base.unview = file_reader_unview;
	f->fd = fd;
	f->owns_fd = true;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	*out = &f->base;
	return 0;
}
