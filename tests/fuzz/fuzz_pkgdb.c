/* The package database parsers and the authorized_keys line parser over
 * arbitrary bytes. The first byte picks the parser; whatever is parsed, a
 * lookup never crashes and a key line yields a well-formed fingerprint. */
#include "detect/filecheck.h"
#include "detect/pkgdb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {"var/lib/dpkg/info/x.md5sums", "var/lib/dpkg/status",
	                                    "lib/apk/db/installed",
	                                    "usr/lib/python3/dist-packages/x-1.0.dist-info/RECORD"};
	struct pkgdb *db;
	struct file_sums sums;
	char out[1024], digest[72];
	int which;

	if (size < 1)
		return 0;
	which = data[0] % 5;
	data++;
	size--;
	if (which == 4) {
		if (filecheck_ssh_key(out, sizeof(out), digest, (const char *)data, size) == 0 &&
		    (strncmp(digest, "sha256:", 7) || strlen(digest) != 71 ||
		     !strstr(out, " SHA256:")))
			abort();
		return 0;
	}
	db = pkgdb_new();
	pkgdb_parse(db, pkgdb_file_kind(paths[which]), paths[which], (const char *)data, size);
	file_sums_compute(&sums, SUM_ALL, data, size);
	pkgdb_vouches(db, "usr/bin/x", &sums);
	pkgdb_algos(db, "etc/x.conf");
	pkgdb_free(db);
	return 0;
}
