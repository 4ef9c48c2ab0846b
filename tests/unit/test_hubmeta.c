#include "source/hubmeta.h"
#include "unit.h"
#include "util/err.h"

#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct bad_log {
	long lines[8];
	char msgs[8][160];
	int n;
};

static void log_bad(void *ctx, const char *input, long line, const char *msg)
{
	struct bad_log *b = ctx;

	if (b->n < 8) {
		b->lines[b->n] = line;
		snprintf(b->msgs[b->n], sizeof(b->msgs[0]), "%s", msg);
	}
	b->n++;
}

TEST(hubmeta, fields)
{
	const char *in =
	    "{\"namespace\":\"synlapoolca1970\",\"name\":\"office-crack\","
	    "\"description\":\"caf\\u00e9 \\ud83d\\ude00 \\\"x\\\"\",\"full_description\":null,"
	    "\"date_registered\":\"2021-03-04T05:06:07.123456Z\",\"last_updated\":null,"
	    "\"pull_count\":0,\"star_count\":3,\"status\":1,\"is_private\":false,"
	    "\"repository_type\":\"image\",\"media_types\":[\"a\",\"b\"],\"content_types\":[],"
	    "\"tags\":[{\"name\":\"latest\",\"digest\":\"sha256:x\"},{\"name\":\"v1\"}],"
	    "\"extra\":{\"deep\":[1,2,{\"k\":true}]}}";
	char arena[1024];
	const char *ptrs[16];
	struct hub_repo r;

	CHECK_INT(hubmeta_parse_repo(&r, in, strlen(in), arena, ptrs, 16), 0);
	CHECK_STR(r.namespace_, "synlapoolca1970");
	CHECK_STR(r.name, "office-crack");
	CHECK_STR(r.description, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"x\"");
	CHECK_NULL(r.full_description);
	CHECK_INT(r.registered, 1614834367);
	CHECK_INT(r.pull_count, 0);
	CHECK_INT(r.star_count, 3);
	CHECK_INT(r.is_private, 0);
	CHECK_INT(r.n_media_types, 2);
	CHECK_STR(r.media_types[1], "b");
	CHECK_INT(r.n_content_types, 0);
	CHECK_INT(r.tag_count, 2);
	CHECK_INT(r.n_tags, 2);
	CHECK_STR(r.tags[0], "latest");
	CHECK_STR(r.tags[1], "v1");
}

TEST(hubmeta, rejects)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
	    {"{\"namespace\":\"a\",\"name\":\"b\",\"name\":\"c\"}", "duplicate key 'name'"},
	    {"{\"namespace\":\"a\",\"name\":\"b\",\"pull_count\":\"7\"}",
	     "field 'pull_count' is not an integer"},
	    {"{\"namespace\":\"a\",\"name\":\"b\",\"description\":\"\\ud800\"}",
	     "lone surrogate in string"},
	    {"{\"namespace\":\"a\",\"name\":\"b\",\"x\":[1,}", "bad number"},
	    {"{\"namespace\":\"a\",\"name\":\"b\"", "unexpected end of input"},
	    {"{\"name\":\"b\"}", "no 'namespace'"},
	    {"{\"namespace\":\"a\",\"name\":\"b\",\"description\":\"\xff\"}",
	     "invalid UTF-8 in string"},
	};
	char arena[256];
	const char *ptrs[4];
	struct hub_repo r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(
		    hubmeta_parse_repo(&r, cases[i].json, strlen(cases[i].json), arena, ptrs, 4),
		    DR_EFORMAT);
		CHECK_STR(err_msg(), cases[i].msg);
	}
}

TEST(hubmeta, deep_nesting_is_refused)
{
	char in[400], arena[512];
	const char *ptrs[4];
	struct hub_repo r;
	size_t n = 0;

	n += (size_t)snprintf(in, sizeof(in), "{\"namespace\":\"a\",\"name\":\"b\",\"x\":");
	for (int i = 0; i < 100; i++)
		in[n++] = '[';
	in[n] = '\0';
	CHECK_INT(hubmeta_parse_repo(&r, in, n, arena, ptrs, 4), DR_EFORMAT);
	CHECK_STR(err_msg(), "nesting too deep");
}

TEST(hubmeta, stream_goes_on_after_bad_lines)
{
	const char *in = "{\"namespace\":\"a\",\"name\":\"one\",\"tag_count\":0}\n"
	                 "\n"
	                 "{broken\n"
	                 "[1,2]\n"
	                 "{\"namespace\":\"a\",\"name\":\"two\"}\n"
	                 "{\"namespace\":\"a\",\"name\":\"three\"} trailing\n"
	                 "{\"namespace\":\"b\",\"name\":\"four\"}";
	struct bad_log log = {0};
	struct hubmeta *h;
	const struct hub_repo *r;
	uint64_t lines, repos, bad;

	CHECK_INT(hubmeta_open_mem(&h, "mem", in, strlen(in), log_bad, &log), 0);
	CHECK_INT(hubmeta_next(h, &r), 1);
	CHECK_STR(r->name, "one");
	CHECK_INT(r->tag_count, 0);
	CHECK_INT(r->line, 1);
	CHECK_INT(hubmeta_next(h, &r), 1);
	CHECK_STR(r->name, "two");
	CHECK_INT(r->line, 5);
	CHECK_INT(r->tag_count, -1);
	CHECK_INT(hubmeta_next(h, &r), 1);
	CHECK_STR(r->name, "four");
	CHECK_INT(r->line, 7);
	CHECK_INT(hubmeta_next(h, &r), 0);
	hubmeta_counts(h, &lines, &repos, &bad);
	CHECK_INT(lines, 7);
	CHECK_INT(repos, 3);
	CHECK_INT(bad, 3);
	CHECK_INT(log.n, 3);
	CHECK_INT(log.lines[0], 3);
	CHECK_STR(log.msgs[0], "malformed JSON: expected a key");
	CHECK_INT(log.lines[1], 4);
	CHECK_STR(log.msgs[1], "not a JSON object");
	CHECK_INT(log.lines[2], 6);
	CHECK_STR(log.msgs[2], "trailing data after the object");
	hubmeta_free(h);
}

TEST(hubmeta, api_pages)
{
	const char *in = "{\"count\":3,\"next\":\"http://x/?page=2\",\"results\":["
	                 "{\"namespace\":\"a\",\"name\":\"p1\"},{\"name\":\"no-ns\"},"
	                 "{\"namespace\":\"a\",\"name\":\"p2\"}]}\n"
	                 "{\"count\":3,\"next\":null,\"results\":[]}\n"
	                 "{\"namespace\":\"c\",\"name\":\"plain\"}\n";
	const char *pretty = "{\n  \"count\": 1,\n  \"results\": [\n    {\n      \"namespace\": "
	                     "\"n\",\n      \"name\": \"pretty\"\n    }\n  ]\n}\n";
	struct bad_log log = {0};
	struct hubmeta *h;
	const struct hub_repo *r;

	CHECK_INT(hubmeta_open_mem(&h, "page", in, strlen(in), log_bad, &log), 0);
	CHECK_INT(hubmeta_next(h, &r), 1);
	CHECK_STR(r->name, "p1");
	CHECK_INT(hubmeta_next(h, &r), 1);
	CHECK_STR(r->name, "p2");
	CHECK_INT(hubmeta_next(h, &r), 1);
	CHECK_STR(r->name, "plain");
	CHECK_INT(r->line, 3);
	CHECK_INT(hubmeta_next(h, &r), 0);
	CHECK_INT(log.n, 1);
	CHECK_INT(log.lines[0], 1);
	CHECK_STR(log.msgs[0], "results[1]: no 'namespace'");
	hubmeta_free(h);

	CHECK_INT(hubmeta_open_mem(&h, "pretty", pretty, strlen(pretty), NULL, NULL), 0);
	CHECK_INT(hubmeta_next(h, &r), 1);
	CHECK_STR(r->namespace_, "n");
	CHECK_STR(r->name, "pretty");
	CHECK_INT(hubmeta_next(h, &r), 0);
	hubmeta_free(h);
}

/* gzip (two members, as `cat a.gz b.gz` makes) read from a file. */
TEST(hubmeta, gzip_file)
{
	char path[] = "/tmp/dredge-hubmeta-XXXXXX";
	const char *parts[2] = {"{\"namespace\":\"g\",\"name\":\"first\"}\n",
	                        "{\"namespace\":\"g\",\"name\":\"second\"}\n"};
	int fd = mkstemp(path);
	struct hubmeta *h = NULL;
	const struct hub_repo *r;

	CHECK(fd >= 0);
	for (int i = 0; i < 2; i++) {
		struct isal_zstream zs;
		struct isal_gzip_header gh;
		unsigned char out[4096];

		isal_deflate_stateless_init(&zs);
		isal_gzip_header_init(&gh);
		zs.gzip_flag = IGZIP_GZIP;
		zs.next_in = (uint8_t *)parts[i];
		zs.avail_in = (uint32_t)strlen(parts[i]);
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		zs.end_of_stream = 1;
		zs.flush = NO_FLUSH;
		CHECK_INT(isal_deflate_stateless(&zs), COMP_OK);
		CHECK_INT(write(fd, out, zs.total_out), (long long)zs.total_out);
	}
	close(fd);
	CHECK_INT(hubmeta_open(&h, path, NULL, NULL), 0);
	CHECK_INT(hubmeta_next(h, &r), 1);
	CHECK_STR(r->name, "first");
	CHECK_INT(hubmeta_next(h, &r), 1);
	CHECK_STR(r->name, "second");
	CHECK_INT(hubmeta_next(h, &r), 0);
	hubmeta_free(h);
	unlink(path);
	CHECK_INT(hubmeta_open(&h, "/nonexistent/dump.jsonl", NULL, NULL), DR_ENOTFOUND);
}

TEST(hubmeta, times)
{
	CHECK_INT(hubmeta_parse_time("1970-01-01T00:00:00Z"), 0);
	CHECK_INT(hubmeta_parse_time("2021-03-04 05:06:07"), 1614834367);
	CHECK_INT(hubmeta_parse_time("2021-13-04T05:06:07Z"), -1);
	CHECK_INT(hubmeta_parse_time("yesterday"), -1);
}
