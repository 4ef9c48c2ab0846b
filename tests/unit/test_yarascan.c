#include "unit.h"

#include "detect/yarascan.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void rmdir_files(const char *dir, const char *const *names)
{
	char path[512];

	for (int i = 0; names[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static int collect(void *ctx, const struct yara_match *m)
{
	struct buf *b = ctx;

	buf_addf(b, "%s %s %s %s%s [%s]\n", m->ns, m->rule, category_name(m->category),
	         severity_name(m->severity), m->strong ? " strong" : "", m->strings);
	return 0;
}

static const char *const files[] = {"a.yar", "b.yara", "notes.txt", "bad.yar", NULL};

TEST(yarascan, compile_and_match)
{
	char dir[] = "/tmp/dredge-yara-XXXXXX";
	struct yara_set *ys = NULL;
	struct buf b = BUF_INIT;
	static const char script[] = "#!/bin/sh\nmasscan -p1-65535 --rate 100000 10.0.0.0/8\n"
	                             "./xmrig --donate-level 1\n";

	CHECK(mkdtemp(dir) != NULL);
	put(dir, "a.yar",
	    "rule masscan { meta: category = \"hacktool\" strings: $a = \"masscan\" $b = "
	    "\"--rate\" condition: all of them }\n"
	    "rule miner { meta: category = \"cryptominer\" severity = \"critical\"\n"
	    "  strings: $d = \"--donate-level\" condition: $d }\n");
	put(dir, "b.yara",
	    "rule flagged { meta: strong = true severity = \"medium\" condition: uint16(0) == "
	    "0x2123 }\n"
	    "rule quiet { meta: category = \"suspicious-build\" strong = \"false\" strings: $x = "
	    "\"nothing here\" condition: $x }\n");
	put(dir, "notes.txt", "this is { not yara\n");
	CHECK_INT(yara_set_load(&ys, dir), 0);
	CHECK_INT(yara_set_count(ys), 4);
	CHECK_INT(yara_set_scan(ys, script, sizeof(script) - 1, collect, &b), 0);
	CHECK_STR(buf_cstr(&b), "default masscan hacktool high [$a,$b]\n"
	                        "default miner cryptominer critical strong [$d]\n"
	                        "default flagged hacktool medium strong []\n");
	buf_reset(&b);
	CHECK_INT(yara_set_scan(ys, "plain text", 10, collect, &b), 0);
	CHECK_STR(buf_cstr(&b), "");
	yara_set_free(ys);
	ys = NULL;

	/* a compile error names the file and the line */
	put(dir, "bad.yar",
	    "rule ok { condition: true }\nrule broken {\n  condition:\n"
	    "    $missing }\n");
	CHECK_INT(yara_set_load(&ys, dir), DR_EFORMAT);
	CHECK_NULL(ys);
	CHECK(strstr(err_msg(), "bad.yar' line 4") != NULL);
	CHECK(strstr(err_msg(), "$missing") != NULL);
	/* a meta value dredge does not know */
	put(dir, "bad.yar", "rule odd { meta: category = \"virus\" condition: true }\n");
	CHECK_INT(yara_set_load(&ys, dir), DR_EFORMAT);
	CHECK(strstr(err_msg(), "'odd'") != NULL);
	put(dir, "bad.yar", "rule odd { meta: severity = \"severe\" condition: true }\n");
	CHECK_INT(yara_set_load(&ys, dir), DR_EFORMAT);
	rmdir_files(dir, files);
	buf_release(&b);
	err_clear();
}

TEST(yarascan, nothing_to_load)
{
	char dir[] = "/tmp/dredge-yara-XXXXXX";
	struct yara_set *ys = NULL;
	static const char *const none[] = {"notes.txt", NULL};

	CHECK(mkdtemp(dir) != NULL);
	put(dir, "notes.txt", "no rules\n");
	CHECK_INT(yara_set_load(&ys, dir), DR_ENOTFOUND);
	CHECK_INT(yara_set_load(&ys, "/nonexistent/rules.yar"), DR_ENOTFOUND);
	CHECK_NULL(ys);
	rmdir_files(dir, none);
	err_clear();
}

TEST(yarascan, eligible_files)
{
	CHECK(yara_file_eligible("usr/bin/tool", 0755,
	                         "\x7f"
	                         "ELF",
	                         4));
	CHECK(yara_file_eligible("opt/data.bin", 0644,
	                         "\x7f"
	                         "ELF\x02",
	                         5));
	CHECK(yara_file_eligible("opt/run", 0644, "#!/bin/sh\n", 10));
	CHECK(yara_file_eligible("app/x.py", 0644, "import os\n", 10));
	CHECK(yara_file_eligible("app/x.php", 0644, "<?php\n", 6));
	CHECK(!yara_file_eligible("etc/motd", 0644, "hello\n", 6));
	CHECK(!yara_file_eligible("usr/share/doc/x.txt", 0644, "#!", 1));
}
