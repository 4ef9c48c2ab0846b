#include "detect/hscache.h"

#include "util/buf.h"
#include "util/digest.h"
#include "util/fileio.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HSCACHE_MAGIC    "dredge-hsdb 1\n"
#define HSCACHE_MAX_FILE (256u << 20) /* larger files are not ours */
#define HSCACHE_TMP_AGE  3600         /* seconds after which a .tmp file is a dead writer's */

/* The sha256 of everything the database depends on. */
static void cache_key(char out[DIGEST_STR_LEN], const char *const *expr, const unsigned *flags,
                      const unsigned *ids, unsigned n, unsigned mode)
{
	struct sha256 h;
	hs_platform_info_t plat;
	char num[64];

	memset(&plat, 0, sizeof(plat));
	hs_populate_platform(&plat);
	sha256_init(&h);
	sha256_update(&h, HSCACHE_MAGIC, strlen(HSCACHE_MAGIC));
	sha256_update(&h, hs_version(), strlen(hs_version()) + 1);
	snprintf(num, sizeof(num), "%u %llu %u %u\n", plat.tune,
	         (unsigned long long)plat.cpu_features, mode, n);
	sha256_update(&h, num, strlen(num));
	for (unsigned i = 0; i < n; i++) {
		snprintf(num, sizeof(num), "%u %u %zu\n", flags[i], ids[i], strlen(expr[i]));
		sha256_update(&h, num, strlen(num));
		sha256_update(&h, expr[i], strlen(expr[i]));
	}
	sha256_final(&h, out);
}

/* True when st is ours and nobody else may write to it. */
static bool private_to_us(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

static char *cache_path(const char *dir, const char *key)
{
	struct buf p = BUF_INIT;

	buf_addf(&p, "%s/hs-%s.db", dir, digest_hex(key));
	return buf_detach(&p, NULL);
}

/* Reads path whole when it is a private regular file of sane size. */
static char *read_private(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *data = NULL;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !private_to_us(&st) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > HSCACHE_MAX_FILE)
		goto fail;
	data = xmalloc((size_t)st.st_size);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, data + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return data;
fail:
	free(data);
	close(fd);
	return NULL;
}

/* The database of a cache file: magic, the payload's sha256 and the
 * serialized database. NULL when anything is off. */
static hs_database_t *load(const char *path)
{
	size_t len = 0, head = strlen(HSCACHE_MAGIC) + DIGEST_STR_LEN;
	char *data = read_private(path, &len);
	char sum[DIGEST_STR_LEN];
	hs_database_t *db = NULL;

	if (!data)
		return NULL;
	if (len <= head || memcmp(data, HSCACHE_MAGIC, strlen(HSCACHE_MAGIC)) ||
	    data[head - 1] != '\n')
		goto done;
	sha256_digest(data + head, len - head, sum);
	if (memcmp(sum, data + strlen(HSCACHE_MAGIC), DIGEST_STR_LEN - 1))
		goto done;
	if (hs_deserialize_database(data + head, len - head, &db) != HS_SUCCESS)
		db = NULL;
done:
	free(data);
	return db;
}

/* Makes dir (and its parents) private to us; false when it is not usable. */
static bool make_dir(const char *dir)
{
	struct stat st;
	char *p = xstrdup(dir);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			free(p);
			return false;
		}
		*s = '/';
	}
	free(p);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return false;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && private_to_us(&st);
}

/* Writes the database next to path and renames it into place; true when
 * it is there. */
static bool store(const char *dir, const char *path, const hs_database_t *db)
{
	char *bytes = NULL, sum[DIGEST_STR_LEN];
	size_t len = 0;
	struct buf tmp = BUF_INIT;
	int fd;
	bool ok = false;

	if (!make_dir(dir) || hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return false;
	sha256_digest(bytes, len, sum);
	buf_addf(&tmp, "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		ok = write_full(fd, HSCACHE_MAGIC, strlen(HSCACHE_MAGIC)) &&
		     write_full(fd, sum, DIGEST_STR_LEN - 1) && write_full(fd, "\n", 1) &&
		     write_full(fd, bytes, len);
		ok = close(fd) == 0 && ok;
		ok = ok && rename(tmp.ptr, path) == 0;
		if (!ok)
			unlink(tmp.ptr);
	}
	free(bytes);
	buf_release(&tmp);
	return ok;
}

hs_error_t hscache_compile_multi(const char *dir, const char *const *expr, const unsigned *flags,
                                 const unsigned *ids, unsigned n, unsigned mode, hs_database_t **db,
                                 hs_compile_error_t **err, bool *loaded)
{
	char key[DIGEST_STR_LEN];
	char *path;
	hs_error_t rc;

	*loaded = false;
	if (!dir || !dir[0])
		return hs_compile_multi(expr, flags, ids, n, mode, NULL, db, err);
	cache_key(key, expr, flags, ids, n, mode);
	path = cache_path(dir, key);
	if ((*db = load(path))) {
		/* used now: the last to go when the cache is pruned */
		utimensat(AT_FDCWD, path, NULL, AT_SYMLINK_NOFOLLOW);
		*loaded = true;
		free(path);
		return HS_SUCCESS;
	}
	rc = hs_compile_multi(expr, flags, ids, n, mode, NULL, db, err);
	if (rc == HS_SUCCESS && store(dir, path, *db))
		hscache_prune(dir, HSCACHE_MAX_BYTES, path);
	free(path);
	return rc;
}

struct cache_file {
	char *path;
	off_t size;
	time_t used;
};

static int by_use(const void *a, const void *b)
{
	const struct cache_file *x = a, *y = b;

	return (x->used > y->used) - (x->used < y->used);
}

void hscache_prune(const char *dir, uint64_t max_bytes, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct cache_file *v = NULL;
	size_t n = 0, alloc = 0;
	uint64_t total = 0;
	time_t now = time(NULL);

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct buf p = BUF_INIT;
		struct stat st;
		bool db = str_ends(de->d_name, ".db"), tmp = str_ends(de->d_name, ".tmp");

		if (strncmp(de->d_name, "hs-", 3) || (!db && !tmp))
			continue;
		buf_addf(&p, "%s/%s", dir, de->d_name);
		if (lstat(p.ptr, &st) < 0 || !S_ISREG(st.st_mode) || !private_to_us(&st)) {
			/* not ours alone: left */
		} else if (tmp) {
			/* a writer's file: removed once its writer is surely gone */
			if (now - st.st_mtime > HSCACHE_TMP_AGE)
				unlink(p.ptr);
		} else {
			total += (uint64_t)st.st_size;
			if (!keep || strcmp(p.ptr, keep)) {
				XGROW(v, alloc, n + 1);
				v[n].size = st.st_size;
				v[n].used = st.st_mtime;
				v[n++].path = buf_detach(&p, NULL);
			}
		}
		buf_release(&p);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_use);
	for (size_t i = 0; i < n; i++) {
		if (total > max_bytes && unlink(v[i].path) == 0)
			total -= (uint64_t)v[i].size;
		free(v[i].path);
	}
	free(v);
}

char *hscache_default_dir(void)
{
	const char *d = getenv("DREDGE_CACHE_DIR");
	struct buf p = BUF_INIT;

	if (d && !strcmp(d, "off"))
		return NULL;
	if (d && d[0])
		return xstrdup(d);
	if ((d = getenv("XDG_CACHE_HOME")) && d[0] == '/') {
		buf_addf(&p, "%s/dredge", d);
		return buf_detach(&p, NULL);
	}
	if ((d = getenv("HOME")) && d[0] == '/') {
		buf_addf(&p, "%s/.cache/dredge", d);
		return buf_detach(&p, NULL);
	}
	return NULL;
}
