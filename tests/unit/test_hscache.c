#include "detect/engine.h"
#include "detect/hscache.h"
#include "detect/rules.h"
#include "unit.h"
#include "util/err.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const pats[] = {"abc", "x[0-9]+y"};
static const unsigned flags[] = {HS_FLAG_SINGLEMATCH, 0};
static const unsigned ids[] = {7, 9};

/* Names of the cache files in dir, counted; the last one's path in last. */
static int cache_files(const char *dir, char *last, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "hs-", 3) &&
		    (size_t)snprintf(last, cap, "%s/%s", dir, de->d_name) < cap)
			n++;
	closedir(d);
	return n;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
                    void *ctx)
{
	(void)from;
	(void)fl;
	*(unsigned long long *)ctx = id * 1000ull + to;
	return 0;
}

/* Compiles pats (the first n) through the cache; returns loaded, or -1. */
static int compile(const char *dir, unsigned n, unsigned long long *found)
{
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;
	hs_scratch_t *scratch = NULL;
	bool loaded = false;

	if (hscache_compile_multi(dir, pats, flags, ids, n, HS_MODE_BLOCK, &db, &err, &loaded) !=
	    HS_SUCCESS) {
		hs_free_compile_error(err);
		return -1;
	}
	*found = 0;
	if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS ||
	    hs_scan(db, "zz x12y abc", 11, 0, scratch, on_match, found) != HS_SUCCESS)
		*found = 1;
	hs_free_scratch(scratch);
	hs_free_database(db);
	return loaded;
}

TEST(hscache, stored_loaded_and_rebuilt_when_damaged)
{
	char tmpl[] = "/tmp/dredge-hscache-XXXXXX", dir[128], file[256];
	unsigned long long found = 0;
	struct stat st;
	FILE *f;

	CHECK(mkdtemp(tmpl) != NULL);
	snprintf(dir, sizeof(dir), "%s/a/b", tmpl);
	/* compiled, stored (parents made, private), then loaded */
	CHECK_INT(compile(dir, 2, &found), 0);
	CHECK_INT(found, 7011); /* "abc" (id 7) ends at 11, the last match */
	CHECK_INT(cache_files(dir, file, sizeof(file)), 1);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK_INT(compile(dir, 2, &found), 1);
	CHECK_INT(found, 7011);
	/* other patterns: another file */
	CHECK_INT(compile(dir, 1, &found), 0);
	CHECK_INT(cache_files(dir, file, sizeof(file)), 2);
	CHECK_INT(compile(dir, 1, &found), 1);
	/* a flipped byte or a cut file is not loaded, and is rewritten */
	f = fopen(file, "r+b");
	CHECK(f != NULL);
	fseek(f, -1, SEEK_END);
	fputc(fgetc(f) ^ 0x5a, f);
	fseek(f, -1, SEEK_END);
	fputc('!', f);
	fclose(f);
	CHECK(compile(dir, 1, &found) == 0 || compile(dir, 2, &found) == 0);
	CHECK_INT(compile(dir, 1, &found) + compile(dir, 2, &found), 2);
	CHECK(truncate(file, 20) == 0);
	CHECK(compile(dir, 1, &found) == 0 || compile(dir, 2, &found) == 0);
	CHECK_INT(compile(dir, 1, &found) + compile(dir, 2, &found), 2);
	/* a directory others may write to is not used */
	CHECK(chmod(dir, 0777) == 0);
	CHECK_INT(compile(dir, 2, &found), 1); /* our own file is still ours */
	CHECK(chmod(file, 0666) == 0);
	CHECK(compile(dir, 1, &found) == 0 || compile(dir, 2, &found) == 0);
	/* no directory: no cache */
	CHECK_INT(compile(NULL, 2, &found), 0);
	CHECK_INT(found, 7011);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
		CHECK_INT(system(cmd), 0);
	}
}

TEST(hscache, engine_loads_its_databases)
{
	static const char pack[] = "pack: t\n"
	                           "rules:\n"
	                           "  - {id: s, category: cryptominer, title: S, severity: high, "
	                           "path: 'x$', regex: 'stratum\\+tcp://[a-z.]+:[0-9]+'}\n";
	char tmpl[] = "/tmp/dredge-hscache-XXXXXX";
	struct engine_opts o = {.cache_dir = tmpl};
	struct rules rs;
	struct engine *e = NULL;
	char cmd[300];

	memset(&rs, 0, sizeof(rs));
	CHECK(mkdtemp(tmpl) != NULL);
	if (rules_load_buffer(&rs, "t.yaml", pack, strlen(pack)))
		UNIT_FAIL("%s", err_msg());
	CHECK_INT(engine_compile(&e, &rs, &o), 0);
	CHECK_INT(engine_cached_dbs(e), 0);
	engine_free(e);
	CHECK_INT(engine_compile(&e, &rs, &o), 0);
	CHECK_INT(engine_cached_dbs(e), 2); /* content and path databases */
	engine_free(e);
	CHECK_INT(engine_compile(&e, &rs, NULL), 0);
	CHECK_INT(engine_cached_dbs(e), 0);
	engine_free(e);
	rules_release(&rs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	CHECK_INT(system(cmd), 0);
}

/* A file of size bytes in dir, last modified age seconds ago. */
static bool make_file(const char *dir, const char *name, size_t size, long age)
{
	char path[256];
	struct timespec ts[2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")))
		return false;
	for (size_t i = 0; i < size; i++)
		fputc('x', f);
	fclose(f);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - age;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	return utimensat(AT_FDCWD, path, ts, 0) == 0 && chmod(path, 0600) == 0;
}

static bool exists(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

TEST(hscache, pruned_least_recently_used_first)
{
	char dir[] = "/tmp/dredge-hscache-XXXXXX", keep[256], file[256], cmd[300];
	unsigned long long found = 0;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	/* made in an order that is not the order of use (readdir may list them
	 * in either order of making) */
	CHECK(make_file(dir, "hs-a.db", 3000, 400));
	CHECK(make_file(dir, "hs-x.db", 3000, 200));
	CHECK(make_file(dir, "hs-y.db", 3000, 300));
	CHECK(make_file(dir, "hs-z.db", 3000, 100));
	CHECK(make_file(dir, "notes.txt", 5000, 9000));
	CHECK(make_file(dir, "hs-d.db.41.tmp", 10, 7200)); /* a dead writer's */
	CHECK(make_file(dir, "hs-e.db.42.tmp", 10, 0));    /* a live writer's */
	CHECK(make_file(dir, "hs-f.db", 100, 50));
	snprintf(file, sizeof(file), "%s/hs-f.db", dir);
	CHECK(chmod(file, 0666) == 0); /* not ours alone: left */
	/* 12000 bytes of ours over 9500: the least recently used but a (kept)
	 * goes */
	snprintf(keep, sizeof(keep), "%s/hs-a.db", dir);
	hscache_prune(dir, 9500, keep);
	CHECK(exists(dir, "hs-a.db"));
	CHECK(exists(dir, "hs-x.db"));
	CHECK(!exists(dir, "hs-y.db"));
	CHECK(exists(dir, "hs-z.db"));
	CHECK(exists(dir, "notes.txt"));
	CHECK(!exists(dir, "hs-d.db.41.tmp"));
	CHECK(exists(dir, "hs-e.db.42.tmp"));
	CHECK(exists(dir, "hs-f.db"));
	/* within the cap: nothing more goes */
	hscache_prune(dir, 9000, NULL);
	CHECK(exists(dir, "hs-a.db") && exists(dir, "hs-x.db") && exists(dir, "hs-z.db"));
	/* a no longer kept: the oldest of the rest */
	hscache_prune(dir, 6000, NULL);
	CHECK(!exists(dir, "hs-a.db") && exists(dir, "hs-x.db") && exists(dir, "hs-z.db"));
	hscache_prune(dir, 0, NULL);
	CHECK(!exists(dir, "hs-x.db") && !exists(dir, "hs-z.db"));
	CHECK(exists(dir, "notes.txt") && exists(dir, "hs-e.db.42.tmp") && exists(dir, "hs-f.db"));
	snprintf(cmd, sizeof(cmd), "rm -f '%s'/hs-* '%s'/notes.txt", dir, dir);
	CHECK_INT(system(cmd), 0);

	/* a database loaded from the cache is marked used */
	CHECK_INT(compile(dir, 2, &found), 0);
	CHECK_INT(cache_files(dir, file, sizeof(file)), 1);
	{
		struct timespec ts[2] = {{time(NULL) - 86400, 0}, {time(NULL) - 86400, 0}};

		CHECK(utimensat(AT_FDCWD, file, ts, 0) == 0);
	}
	CHECK_INT(compile(dir, 2, &found), 1);
	CHECK(stat(file, &st) == 0 && st.st_mtime >= time(NULL) - 60);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}
