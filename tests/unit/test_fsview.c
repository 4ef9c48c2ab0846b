#include "detect/fsview.h"
#include "unit.h"

TEST(fsview, deleted_replaced_and_kept)
{
	struct fsview *v = fsview_new();

	/* layer 0: a tree; layer 1: deletes one file, empties one dir, adds a
	 * dir entry over another; layer 2: a file where a dir was */
	fsview_record(v, 0, "srv", FSV_WRITE_DIR);
	fsview_record(v, 0, "srv/.env", FSV_WRITE_FILE);
	fsview_record(v, 0, "srv/keep.txt", FSV_WRITE_FILE);
	fsview_record(v, 0, "opt/app/secret.pem", FSV_WRITE_FILE);
	fsview_record(v, 0, "var/cache/x/blob", FSV_WRITE_FILE);
	fsview_record(v, 0, "home/u/.ssh/authorized_keys", FSV_WRITE_FILE);
	fsview_record(v, 0, "etc/conf", FSV_WRITE_FILE);
	fsview_record(v, 1, "srv/.env", FSV_WHITEOUT);
	fsview_record(v, 1, "opt/app/", FSV_OPAQUE);
	fsview_record(v, 1, "srv", FSV_WRITE_DIR);
	fsview_record(v, 1, "etc/conf", FSV_WRITE_FILE);
	fsview_record(v, 2, "var/cache", FSV_WRITE_FILE);
	fsview_record(v, 2, "home", FSV_WHITEOUT);

	CHECK(fsview_removed(v, 0, "srv/.env"));
	CHECK(!fsview_removed(v, 1, "srv/.env"));
	CHECK(!fsview_removed(v, 0, "srv/keep.txt")); /* a dir entry above keeps it */
	CHECK(fsview_removed(v, 0, "opt/app/secret.pem"));
	CHECK(fsview_removed(v, 0, "var/cache/x/blob"));
	CHECK(fsview_removed(v, 1, "var/cache/x/blob"));
	CHECK(!fsview_removed(v, 2, "var/cache/x/blob"));
	CHECK(fsview_removed(v, 0, "home/u/.ssh/authorized_keys"));
	CHECK(fsview_removed(v, 0, "etc/conf")); /* rewritten by layer 1 */
	CHECK(!fsview_removed(v, 1, "etc/conf"));
	CHECK(!fsview_removed(v, 0, "never/seen"));
	/* "srv/.envx" is not under "srv/.env" */
	fsview_record(v, 0, "srv/.envx", FSV_WRITE_FILE);
	CHECK(!fsview_removed(v, 0, "srv/.envx"));
	CHECK_INT(fsview_paths(v), 11);
	fsview_free(v);
	fsview_free(NULL);
}

TEST(fsview, many_paths_grow)
{
	struct fsview *v = fsview_new();
	char p[64];

	for (int i = 0; i < 5000; i++) {
		snprintf(p, sizeof(p), "usr/share/f%d", i);
		fsview_record(v, 0, p, FSV_WRITE_FILE);
	}
	fsview_record(v, 3, "usr/share/f4321", FSV_WHITEOUT);
	CHECK(fsview_removed(v, 0, "usr/share/f4321"));
	CHECK(!fsview_removed(v, 0, "usr/share/f4320"));
	CHECK_INT(fsview_paths(v), 5000);
	fsview_free(v);
}
