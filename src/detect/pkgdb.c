#include "detect/pkgdb.h"

#include "util/buf.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- checksums ------------------------------------------------------------ */

void file_hasher_init(struct file_hasher *h, unsigned algos)
{
	const EVP_MD *md[3] = {EVP_md5(), EVP_sha1(), EVP_sha256()};

	h->algos = algos;
	for (int i = 0; i < 3; i++) {
		h->ctx[i] = NULL;
		if (!(algos & (1u << i)))
			continue;
		h->ctx[i] = EVP_MD_CTX_new();
		if (!h->ctx[i] || !EVP_DigestInit_ex(h->ctx[i], md[i], NULL))
			abort();
	}
}

void file_hasher_update(struct file_hasher *h, const void *data, size_t len)
{
	for (int i = 0; i < 3; i++)
		if (h->ctx[i])
			EVP_DigestUpdate(h->ctx[i], data, len);
}

void file_hasher_final(struct file_hasher *h, struct file_sums *out)
{
	unsigned char *dst[3] = {out->md5, out->sha1, out->sha256};

	memset(out, 0, sizeof(*out));
	out->have = h->algos;
	for (int i = 0; i < 3; i++)
		if (h->ctx[i])
			EVP_DigestFinal_ex(h->ctx[i], dst[i], NULL);
	file_hasher_release(h);
}

void file_hasher_release(struct file_hasher *h)
{
	for (int i = 0; i < 3; i++) {
		EVP_MD_CTX_free(h->ctx[i]);
		h->ctx[i] = NULL;
	}
}

void file_sums_compute(struct file_sums *out, unsigned algos, const void *data, size_t len)
{
	struct file_hasher h;

	file_hasher_init(&h, algos);
	file_hasher_update(&h, data, len);
	file_hasher_final(&h, out);
}

/* ---- the (path → checksums) table ---------------------------------------- */

enum sum_algo { ALGO_MD5, ALGO_SHA1, ALGO_SHA256 };

struct pkg_sum {
	enum sum_algo algo;
	unsigned char d[32];
};

struct pkg_entry {
	char *path; /* NULL: empty slot */
	uint64_t hash;
	struct pkg_sum *sums;
	size_t n_sums, alloc_sums;
};

struct pkgdb {
	struct pkg_entry *slots;
	size_t cap, n_paths, n_entries;
};

struct pkgdb *pkgdb_new(void)
{
	struct pkgdb *db = xcalloc(1, sizeof(*db));

	db->cap = 256;
	db->slots = xcalloc(db->cap, sizeof(*db->slots));
	return db;
}

void pkgdb_free(struct pkgdb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->cap; i++) {
		free(db->slots[i].path);
		free(db->slots[i].sums);
	}
	free(db->slots);
	free(db);
}

static struct pkg_entry *slot_find(const struct pkgdb *db, const char *path, size_t len, uint64_t h)
{
	size_t mask = db->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct pkg_entry *e = &db->slots[i];

		if (!e->path ||
		    (e->hash == h && strlen(e->path) == len && !memcmp(e->path, path, len)))
			return e;
	}
}

/* Normalises path (drops "./" and "/" prefixes, resolves "." and ".."
 * components) into out; false when it escapes the root or is empty. */
static bool norm_path(struct buf *out, const char *path, size_t len)
{
	size_t i = 0;

	buf_reset(out);
	while (i < len) {
		size_t j = i;

		while (j < len && path[j] != '/')
			j++;
		if (j - i == 0 || (j - i == 1 && path[i] == '.')) {
			/* empty or "." component */
		} else if (j - i == 2 && path[i] == '.' && path[i + 1] == '.') {
			char *slash;

			if (!out->len)
				return false;
			slash = memrchr(out->ptr, '/', out->len);
			out->len = slash ? (size_t)(slash - out->ptr) : 0;
			out->ptr[out->len] = '\0';
		} else {
			if (out->len)
				buf_addc(out, '/');
			buf_add(out, path + i, j - i);
		}
		i = j + 1;
	}
	return out->len > 0;
}

static void db_add(struct pkgdb *db, const char *path, size_t len, enum sum_algo algo,
                   const unsigned char *d)
{
	struct buf p = BUF_INIT;
	struct pkg_entry *e;
	uint64_t h;
	size_t dlen = algo == ALGO_MD5 ? 16 : algo == ALGO_SHA1 ? 20 : 32;

	if (!norm_path(&p, path, len))
		goto done;
	if ((db->n_paths + 1) * 4 > db->cap * 3) {
		struct pkg_entry *old = db->slots;
		size_t old_cap = db->cap;

		db->cap *= 2;
		db->slots = xcalloc(db->cap, sizeof(*db->slots));
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].path)
				*slot_find(db, old[i].path, strlen(old[i].path), old[i].hash) =
				    old[i];
		free(old);
	}
	h = str_hash(STR_HASH_SEED, p.ptr, p.len);
	e = slot_find(db, p.ptr, p.len, h);
	if (!e->path) {
		e->path = buf_detach(&p, NULL);
		e->hash = h;
		db->n_paths++;
	}
	XGROW(e->sums, e->alloc_sums, e->n_sums + 1);
	e->sums[e->n_sums].algo = algo;
	memset(e->sums[e->n_sums].d, 0, sizeof(e->sums[e->n_sums].d));
	memcpy(e->sums[e->n_sums].d, d, dlen);
	e->n_sums++;
	db->n_entries++;
done:
	buf_release(&p);
}

static const struct pkg_entry *db_get(const struct pkgdb *db, const char *path)
{
	size_t len;
	const struct pkg_entry *e;

	while (*path == '/')
		path++;
	len = strlen(path);
	e = slot_find(db, path, len, str_hash(STR_HASH_SEED, path, len));
	return e->path ? e : NULL;
}

static unsigned algo_bit(enum sum_algo a)
{
	return a == ALGO_MD5 ? SUM_MD5 : a == ALGO_SHA1 ? SUM_SHA1 : SUM_SHA256;
}

unsigned pkgdb_algos(const struct pkgdb *db, const char *path)
{
	const struct pkg_entry *e = db_get(db, path);
	unsigned algos = 0;

	for (size_t i = 0; e && i < e->n_sums; i++)
		algos |= algo_bit(e->sums[i].algo);
	return algos;
}

unsigned pkgdb_kind_algos(enum pkgdb_kind kind)
{
	switch (kind) {
	case PKGDB_DPKG_MD5SUMS:
	case PKGDB_DPKG_STATUS:
		return SUM_MD5;
	case PKGDB_APK_INSTALLED:
		return SUM_SHA1;
	case PKGDB_PY_RECORD:
		return SUM_SHA256;
	case PKGDB_NONE:
		break;
	}
	return 0;
}

bool pkgdb_vouches(const struct pkgdb *db, const char *path, const struct file_sums *sums)
{
	const struct pkg_entry *e = db_get(db, path);

	if (!e)
		return false;
	for (size_t i = 0; i < e->n_sums; i++) {
		const struct pkg_sum *s = &e->sums[i];

		if (!(sums->have & algo_bit(s->algo)))
			continue;
		if ((s->algo == ALGO_MD5 && !memcmp(s->d, sums->md5, 16)) ||
		    (s->algo == ALGO_SHA1 && !memcmp(s->d, sums->sha1, 20)) ||
		    (s->algo == ALGO_SHA256 && !memcmp(s->d, sums->sha256, 32)))
			return true;
	}
	return false;
}

size_t pkgdb_count(const struct pkgdb *db)
{
	return db->n_entries;
}

/* ---- parsers ------------------------------------------------------------- */

enum pkgdb_kind pkgdb_file_kind(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!strcmp(path, "var/lib/dpkg/status"))
		return PKGDB_DPKG_STATUS;
	if (str_starts(path, "var/lib/dpkg/info/") && str_ends(path, ".md5sums") &&
	    !strchr(path + strlen("var/lib/dpkg/info/"), '/'))
		return PKGDB_DPKG_MD5SUMS;
	if (!strcmp(path, "lib/apk/db/installed"))
		return PKGDB_APK_INSTALLED;
	if (!strcmp(base, "RECORD") && base - path > (ptrdiff_t)strlen(".dist-info/") &&
	    !strncmp(base - strlen(".dist-info/"), ".dist-info/", strlen(".dist-info/")))
		return PKGDB_PY_RECORD;
	return PKGDB_NONE;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex_decode(unsigned char *out, const char *s, size_t n_bytes)
{
	for (size_t i = 0; i < n_bytes; i++) {
		int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

/* Decodes base64 (standard or URL-safe, padding optional) of exactly want
 * bytes. */
static bool b64_decode_exact(unsigned char *out, size_t want, const char *s, size_t len)
{
	char tmp[128];
	unsigned char *raw = NULL;
	size_t n = 0;
	bool ok;

	if (len >= sizeof(tmp))
		return false;
	for (size_t i = 0; i < len; i++)
		tmp[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	if (str_base64_decode(&raw, &n, tmp, len))
		return false;
	ok = n == want;
	if (ok)
		memcpy(out, raw, want);
	free(raw);
	return ok;
}

/* Calls fn on each line of data (without the newline or a trailing \r). */
#define FOR_EACH_LINE(data, len, line, n)                                                          \
	for (const char *line = (data), *line##_end = (data) + (len), *line##_nl;                  \
	     line < line##_end; line = line##_nl ? line##_nl + 1 : line##_end)                     \
		for (size_t n = (size_t)(((line##_nl =                                             \
		                               memchr(line, '\n', (size_t)(line##_end - line)))    \
		                              ? line##_nl                                          \
		                              : line##_end) -                                      \
		                         line),                                                    \
		            n##_once = 1;                                                          \
		     n##_once; n##_once = 0)

static size_t parse_md5sums(struct pkgdb *db, const char *data, size_t len)
{
	size_t added = 0;

	FOR_EACH_LINE(data, len, line, n)
	{
		unsigned char d[16];
		size_t k = 32;

		if (n && line[n - 1] == '\r')
			n--;
		if (n < 35 || !hex_decode(d, line, 16) || (line[32] != ' ' && line[32] != '\t'))
			continue;
		while (k < n && (line[k] == ' ' || line[k] == '\t' || line[k] == '*'))
			k++;
		if (k >= n)
			continue;
		db_add(db, line + k, n - k, ALGO_MD5, d);
		added++;
	}
	return added;
}

/* dpkg status: " /etc/x <md5>" continuation lines of a Conffiles field. */
static size_t parse_dpkg_status(struct pkgdb *db, const char *data, size_t len)
{
	size_t added = 0;
	bool in_conffiles = false;

	FOR_EACH_LINE(data, len, line, n)
	{
		const char *sp;
		unsigned char d[16];

		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0 || (line[0] != ' ' && line[0] != '\t')) {
			in_conffiles = n >= 10 && !strncmp(line, "Conffiles:", 10);
			continue;
		}
		if (!in_conffiles)
			continue;
		while (n && (line[0] == ' ' || line[0] == '\t')) {
			line++;
			n--;
		}
		/* "<path> <md5>[ obsolete|remove-on-upgrade]": the path may hold
		 * spaces, so find the md5 from the right */
		for (sp = line + n; sp > line; sp--) {
			const char *tok = sp;

			while (tok > line && tok[-1] != ' ')
				tok--;
			if (sp - tok == 32 && hex_decode(d, tok, 16)) {
				if (tok - line > 1) {
					db_add(db, line, (size_t)(tok - 1 - line), ALGO_MD5, d);
					added++;
				}
				break;
			}
			sp = tok;
			if (sp == line)
				break;
		}
	}
	return added;
}

static size_t parse_apk(struct pkgdb *db, const char *data, size_t len)
{
	struct buf dir = BUF_INIT, file = BUF_INIT, full = BUF_INIT;
	bool have_file = false;
	size_t added = 0;

	FOR_EACH_LINE(data, len, line, n)
	{
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0) {
			buf_reset(&dir);
			have_file = false;
			continue;
		}
		if (n < 2 || line[1] != ':')
			continue;
		if (line[0] == 'F') {
			buf_reset(&dir);
			buf_add(&dir, line + 2, n - 2);
			have_file = false;
		} else if (line[0] == 'R') {
			buf_reset(&file);
			buf_add(&file, line + 2, n - 2);
			have_file = true;
		} else if (line[0] == 'Z' && have_file && n > 4 && line[2] == 'Q' &&
		           line[3] == '1') {
			unsigned char d[20];

			if (!b64_decode_exact(d, 20, line + 4, n - 4))
				continue;
			buf_reset(&full);
			if (dir.len)
				buf_addf(&full, "%s/", dir.ptr);
			buf_add(&full, file.ptr, file.len);
			db_add(db, full.ptr, full.len, ALGO_SHA1, d);
			added++;
			have_file = false;
		}
	}
	buf_release(&dir);
	buf_release(&file);
	buf_release(&full);
	return added;
}

/* One CSV field starting at *p (quoted or not) into out; advances past the
 * comma. */
static void csv_field(struct buf *out, const char **p, const char *end)
{
	const char *s = *p;

	buf_reset(out);
	if (s < end && *s == '"') {
		s++;
		while (s < end) {
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"') {
					buf_addc(out, '"');
					s += 2;
					continue;
				}
				s++;
				break;
			}
			buf_addc(out, *s++);
		}
		while (s < end && *s != ',')
			s++;
	} else {
		const char *c = memchr(s, ',', (size_t)(end - s));

		buf_add(out, s, (size_t)((c ? c : end) - s));
		s = c ? c : end;
	}
	*p = s < end ? s + 1 : end;
}

static size_t parse_record(struct pkgdb *db, const char *path, const char *data, size_t len)
{
	struct buf f_path = BUF_INIT, f_hash = BUF_INIT, full = BUF_INIT;
	const char *dist = strstr(path, ".dist-info/RECORD");
	size_t base_len, added = 0;

	/* entries are relative to the directory holding the .dist-info dir */
	while (dist > path && dist[-1] != '/')
		dist--;
	base_len = (size_t)(dist - path);
	FOR_EACH_LINE(data, len, line, n)
	{
		const char *p = line, *end = line + n;
		unsigned char d[32];

		if (n && line[n - 1] == '\r')
			end--;
		csv_field(&f_path, &p, end);
		csv_field(&f_hash, &p, end);
		if (!f_path.len || !str_starts(buf_cstr(&f_hash), "sha256=") ||
		    !b64_decode_exact(d, 32, f_hash.ptr + 7, f_hash.len - 7))
			continue;
		buf_reset(&full);
		buf_add(&full, path, base_len);
		buf_add(&full, f_path.ptr, f_path.len);
		db_add(db, full.ptr, full.len, ALGO_SHA256, d);
		added++;
	}
	buf_release(&f_path);
	buf_release(&f_hash);
	buf_release(&full);
	return added;
}

size_t pkgdb_parse(struct pkgdb *db, enum pkgdb_kind kind, const char *path, const char *data,
                   size_t len)
{
	switch (kind) {
	case PKGDB_DPKG_MD5SUMS:
		return parse_md5sums(db, data, len);
	case PKGDB_DPKG_STATUS:
		return parse_dpkg_status(db, data, len);
	case PKGDB_APK_INSTALLED:
		return parse_apk(db, data, len);
	case PKGDB_PY_RECORD:
		return parse_record(db, path, data, len);
	case PKGDB_NONE:
		break;
	}
	return 0;
}
