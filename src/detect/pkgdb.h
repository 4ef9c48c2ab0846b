/* The image's own package databases, as a list of (path, checksum) pairs
 * that the distribution or packaging tool vouches for:
 *
 *   dpkg    var/lib/dpkg/info/<pkg>[:arch].md5sums  "<md5 hex>  usr/bin/x"
 *           var/lib/dpkg/status                     Conffiles: " /etc/x <md5 hex>"
 *   apk     lib/apk/db/installed                    F:<dir> R:<file> Z:Q1<base64 sha1>
 *   Python  <site>/<dist>.dist-info/RECORD          <path>,sha256=<urlsafe b64>,<size>
 *
 * A file is package-shipped when the database lists its path with the
 * checksum of its content. Parsers take untrusted bytes: malformed lines are
 * skipped, never trusted. */
#ifndef DREDGE_PKGDB_H
#define DREDGE_PKGDB_H

#include <stdbool.h>
#include <stddef.h>

/* Checksum algorithms, as a mask: dpkg uses md5, apk sha1, Python sha256. */
enum {
	SUM_MD5 = 1,
	SUM_SHA1 = 2,
	SUM_SHA256 = 4,
	SUM_ALL = SUM_MD5 | SUM_SHA1 | SUM_SHA256,
};

/* The checksums of one file's content, as the databases use them; have
 * says which were computed. */
struct file_sums {
	unsigned have;
	unsigned char md5[16];
	unsigned char sha1[20];
	unsigned char sha256[32];
};

/* Streaming computation of some of them (OpenSSL EVP). */
struct file_hasher {
	unsigned algos;
	void *ctx[3];
};
void file_hasher_init(struct file_hasher *h, unsigned algos);
void file_hasher_update(struct file_hasher *h, const void *data, size_t len);
/* Writes the sums and releases the contexts. */
void file_hasher_final(struct file_hasher *h, struct file_sums *out);
/* Releases a hasher that was not finalised (a zeroed one is fine). */
void file_hasher_release(struct file_hasher *h);
void file_sums_compute(struct file_sums *out, unsigned algos, const void *data, size_t len);

enum pkgdb_kind {
	PKGDB_NONE,
	PKGDB_DPKG_MD5SUMS,
	PKGDB_DPKG_STATUS,
	PKGDB_APK_INSTALLED,
	PKGDB_PY_RECORD,
};

/* The kind of database a file at path is, or PKGDB_NONE. */
enum pkgdb_kind pkgdb_file_kind(const char *path);

struct pkgdb;

struct pkgdb *pkgdb_new(void);
void pkgdb_free(struct pkgdb *db);

/* Adds the entries of one database file (its image path and content).
 * Returns the number of entries added. */
size_t pkgdb_parse(struct pkgdb *db, enum pkgdb_kind kind, const char *path, const char *data,
                   size_t len);

/* True when a database lists path (normalised, no leading slash) with the
 * checksum its algorithm gives for sums (only computed sums count). */
bool pkgdb_vouches(const struct pkgdb *db, const char *path, const struct file_sums *sums);

/* The algorithms of the checksums the databases list path with; 0 when
 * none lists it. */
unsigned pkgdb_algos(const struct pkgdb *db, const char *path);

/* The algorithms a database of this kind uses. */
unsigned pkgdb_kind_algos(enum pkgdb_kind kind);

/* Number of (path, checksum) entries. */
size_t pkgdb_count(const struct pkgdb *db);

#endif
