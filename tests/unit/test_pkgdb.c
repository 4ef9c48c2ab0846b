#include "detect/pkgdb.h"
#include "unit.h"

/* sums of "hello\n" and of something else */
static void sums_of(struct file_sums *out, const char *s)
{
	file_sums_compute(out, SUM_ALL, s, strlen(s));
}

TEST(pkgdb, kinds)
{
	CHECK_INT(pkgdb_file_kind("var/lib/dpkg/info/openssl.md5sums"), PKGDB_DPKG_MD5SUMS);
	CHECK_INT(pkgdb_file_kind("var/lib/dpkg/info/libssl3:amd64.md5sums"), PKGDB_DPKG_MD5SUMS);
	CHECK_INT(pkgdb_file_kind("var/lib/dpkg/info/openssl.list"), PKGDB_NONE);
	CHECK_INT(pkgdb_file_kind("var/lib/dpkg/status"), PKGDB_DPKG_STATUS);
	CHECK_INT(pkgdb_file_kind("lib/apk/db/installed"), PKGDB_APK_INSTALLED);
	CHECK_INT(pkgdb_file_kind("usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD"),
	          PKGDB_PY_RECORD);
	CHECK_INT(pkgdb_file_kind("srv/RECORD"), PKGDB_NONE);
}

TEST(pkgdb, dpkg_md5sums_and_status)
{
	static const char md5sums[] =
	    "da43d7440fd071ba2d10ef739364f404  usr/bin/c_rehash\n"
	    "b1946ac92492d2347c6235b4d2611184  usr/share/doc/x/hello world\n"
	    "not a line\n"
	    "zz46ac92492d2347c6235b4d2611184  usr/bad\n";
	static const char status[] = "Package: adduser\n"
	                             "Status: install ok installed\n"
	                             "Conffiles:\n"
	                             " /etc/adduser.conf cc3493ecd2d09837ffdcc3e25fdfff18\n"
	                             " /etc/hello.conf b1946ac92492d2347c6235b4d2611184 obsolete\n"
	                             "Description: add and remove users and groups\n"
	                             " /etc/not-a-conffile b1946ac92492d2347c6235b4d2611184\n";
	struct pkgdb *db = pkgdb_new();
	struct file_sums hello, other;

	sums_of(&hello, "hello\n");
	sums_of(&other, "hello!\n");
	CHECK_INT(pkgdb_parse(db, PKGDB_DPKG_MD5SUMS, "var/lib/dpkg/info/x.md5sums", md5sums,
	                      strlen(md5sums)),
	          2);
	CHECK_INT(pkgdb_parse(db, PKGDB_DPKG_STATUS, "var/lib/dpkg/status", status, strlen(status)),
	          2);
	CHECK(pkgdb_vouches(db, "usr/share/doc/x/hello world", &hello));
	CHECK(!pkgdb_vouches(db, "usr/share/doc/x/hello world", &other));
	CHECK_INT(pkgdb_algos(db, "usr/bin/c_rehash"), SUM_MD5);
	CHECK(!pkgdb_vouches(db, "usr/bin/c_rehash", &hello));
	CHECK(pkgdb_vouches(db, "etc/hello.conf", &hello));
	CHECK(!pkgdb_algos(db, "etc/not-a-conffile"));
	CHECK(!pkgdb_algos(db, "usr/bad"));
	CHECK_INT(pkgdb_count(db), 4);
	pkgdb_free(db);
}

TEST(pkgdb, apk_installed)
{
	static const char installed[] = "C:Q1SjUyuQvOPY1ogZ1EOLd1QLPBGd8=\n"
	                                "P:musl\n"
	                                "V:1.2.4-r2\n"
	                                "F:lib\n"
	                                "R:ld-musl-x86_64.so.1\n"
	                                "a:0:0:755\n"
	                                "Z:Q19XLTlvrpIGYocU+yzgD3LpTyJY8=\n"
	                                "R:libc.musl-x86_64.so.1\n"
	                                "a:0:0:777\n"
	                                "\n"
	                                "P:busybox\n"
	                                "F:bin\n"
	                                "R:busybox\n"
	                                "Z:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	struct pkgdb *db = pkgdb_new();
	struct file_sums hello;

	sums_of(&hello, "hello\n");
	CHECK_INT(pkgdb_parse(db, PKGDB_APK_INSTALLED, "lib/apk/db/installed", installed,
	                      strlen(installed)),
	          2);
	CHECK(pkgdb_vouches(db, "lib/ld-musl-x86_64.so.1", &hello));
	CHECK(!pkgdb_algos(db, "lib/libc.musl-x86_64.so.1")); /* a symlink: no checksum */
	CHECK_INT(pkgdb_algos(db, "bin/busybox"), SUM_SHA1);
	CHECK(!pkgdb_vouches(db, "bin/busybox", &hello));
	pkgdb_free(db);
}

TEST(pkgdb, python_record)
{
	static const char record[] =
	    "six.py,sha256=WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM,6\n"
	    "\"odd,name.py\",sha256=WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM,6\n"
	    "../../../bin/six-tool,sha256=WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM,6\n"
	    "six-1.16.0.dist-info/RECORD,,\n"
	    "six-1.16.0.dist-info/INSTALLER,md5=abc,4\n";
	struct pkgdb *db = pkgdb_new();
	struct file_sums hello;

	sums_of(&hello, "hello\n");
	CHECK_INT(pkgdb_parse(db, PKGDB_PY_RECORD,
	                      "usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD",
	                      record, strlen(record)),
	          3);
	CHECK(pkgdb_vouches(db, "usr/local/lib/python3.11/site-packages/six.py", &hello));
	CHECK(pkgdb_vouches(db, "/usr/local/lib/python3.11/site-packages/odd,name.py", &hello));
	CHECK(pkgdb_vouches(db, "usr/local/bin/six-tool", &hello));
	CHECK(
	    !pkgdb_algos(db, "usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/RECORD"));
	pkgdb_free(db);
}

TEST(pkgdb, only_computed_sums_vouch)
{
	static const char md5sums[] = "b1946ac92492d2347c6235b4d2611184  usr/bin/hello\n";
	struct pkgdb *db = pkgdb_new();
	struct file_sums s;

	pkgdb_parse(db, PKGDB_DPKG_MD5SUMS, "var/lib/dpkg/info/x.md5sums", md5sums,
	            strlen(md5sums));
	CHECK_INT(pkgdb_kind_algos(PKGDB_DPKG_STATUS), SUM_MD5);
	CHECK_INT(pkgdb_kind_algos(PKGDB_PY_RECORD), SUM_SHA256);
	file_sums_compute(&s, SUM_MD5, "hello\n", 6);
	CHECK_INT(s.have, SUM_MD5);
	CHECK(pkgdb_vouches(db, "usr/bin/hello", &s));
	/* sha1 and sha256 alone say nothing of an md5 entry, even if zero */
	file_sums_compute(&s, SUM_SHA1 | SUM_SHA256, "hello\n", 6);
	CHECK(!pkgdb_vouches(db, "usr/bin/hello", &s));
	memset(&s, 0, sizeof(s));
	CHECK(!pkgdb_vouches(db, "usr/bin/hello", &s));
	pkgdb_free(db);
}

TEST(pkgdb, real_md5sums_of_this_machine)
{
	/* the md5sums of an installed package vouch for its installed files */
	FILE *f = fopen("/var/lib/dpkg/info/openssl.md5sums", "rb");
	char buf[65536], *file = NULL;
	size_t n, fn = 0;
	struct pkgdb *db;
	struct file_sums s;
	FILE *bin;

	if (!f)
		UNIT_FAIL("openssl is installed (scripts/install-deps)");
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	db = pkgdb_new();
	CHECK(pkgdb_parse(db, PKGDB_DPKG_MD5SUMS, "var/lib/dpkg/info/openssl.md5sums", buf, n) > 5);
	bin = fopen("/usr/bin/openssl", "rb");
	CHECK(bin != NULL);
	file = malloc(8 << 20);
	fn = fread(file, 1, 8 << 20, bin);
	fclose(bin);
	file_sums_compute(&s, SUM_ALL, file, fn);
	CHECK(pkgdb_vouches(db, "usr/bin/openssl", &s));
	file[0] ^= 1;
	file_sums_compute(&s, SUM_ALL, file, fn);
	CHECK(!pkgdb_vouches(db, "usr/bin/openssl", &s));
	free(file);
	pkgdb_free(db);
}
