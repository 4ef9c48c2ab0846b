#include "source/hubcrawl.h"
#include "unit.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW ((time_t)1700000000)

static void feed(struct hubcrawl_rate *r, const char *line)
{
	hubcrawl_rate_header(r, line, strlen(line), NOW);
}

TEST(hubcrawl, retry_after_seconds)
{
	int64_t at = 0;

	CHECK_INT(hubcrawl_parse_retry_after(&at, "120", NOW), 0);
	CHECK_INT(at, NOW + 120);
	CHECK_INT(hubcrawl_parse_retry_after(&at, "0", NOW), 0);
	CHECK_INT(at, NOW);
}

TEST(hubcrawl, retry_after_http_dates)
{
	int64_t at = 0;

	/* RFC 9110's three forms of one instant. */
	CHECK_INT(hubcrawl_parse_retry_after(&at, "Wed, 21 Oct 2015 07:28:00 GMT", NOW), 0);
	CHECK_INT(at, 1445412480);
	CHECK_INT(hubcrawl_parse_retry_after(&at, "Wednesday, 21-Oct-15 07:28:00 GMT", NOW), 0);
	CHECK_INT(at, 1445412480);
	CHECK_INT(hubcrawl_parse_retry_after(&at, "Wed Oct 21 07:28:00 2015", NOW), 0);
	CHECK_INT(at, 1445412480);
}

TEST(hubcrawl, retry_after_garbage)
{
	int64_t at = 42;

	CHECK_INT(hubcrawl_parse_retry_after(&at, "soon", NOW), DR_EFORMAT);
	CHECK_INT(hubcrawl_parse_retry_after(&at, "-5", NOW), DR_EFORMAT);
	CHECK_INT(at, 42);
	CHECK(strstr(err_msg(), "'-5'") != NULL);
}

TEST(hubcrawl, ratelimit_headers)
{
	struct hubcrawl_rate r;

	hubcrawl_rate_init(&r);
	CHECK_INT(r.limit, -1);
	feed(&r, "X-RateLimit-Limit: 100;w=21600\r\n");
	feed(&r, "x-ratelimit-remaining:   0 \r\n");
	feed(&r, "X-RATELIMIT-RESET: 1700000042\r\n");
	CHECK_INT(r.limit, 100);
	CHECK_INT(r.remaining, 0);
	CHECK_INT(r.reset, 1700000042);
	CHECK_INT(r.retry_at, -1);
	/* A reset given as seconds from now. */
	feed(&r, "X-RateLimit-Reset: 30\r\n");
	CHECK_INT(r.reset, NOW + 30);
	/* Malformed values and other headers change nothing. */
	feed(&r, "X-RateLimit-Remaining: many\r\n");
	feed(&r, "X-RateLimit-Remaining:\r\n");
	feed(&r, "Content-Type: application/json\r\n");
	feed(&r, "no colon here\r\n");
	CHECK_INT(r.remaining, 0);
	CHECK_INT(r.limit, 100);
}

TEST(hubcrawl, retry_after_headers)
{
	struct hubcrawl_rate r;

	hubcrawl_rate_init(&r);
	feed(&r, "Retry-After: 7\r\n");
	CHECK_INT(r.retry_at, NOW + 7);
	/* Docker Hub's X-Retry-After (a unix time) wins over Retry-After. */
	feed(&r, "X-Retry-After: 1700000100\r\n");
	CHECK_INT(r.retry_at, 1700000100);
	feed(&r, "Retry-After: 3\r\n");
	CHECK_INT(r.retry_at, 1700000100);

	hubcrawl_rate_init(&r);
	feed(&r, "Retry-After: Tue, 14 Nov 2023 22:14:20 GMT\r\n");
	CHECK_INT(r.retry_at, 1700000060);
	hubcrawl_rate_init(&r);
	feed(&r, "Retry-After: whenever\r\n");
	CHECK_INT(r.retry_at, -1);
}

TEST(hubcrawl, rate_wait)
{
	struct hubcrawl_rate r;

	hubcrawl_rate_init(&r);
	/* 429 without any hint: the caller backs off. */
	CHECK_INT(hubcrawl_rate_wait(&r, 429, NOW), -1);
	CHECK_INT(hubcrawl_rate_wait(&r, 200, NOW), 0);
	r.retry_at = NOW + 5;
	CHECK_INT(hubcrawl_rate_wait(&r, 429, NOW), 5);
	/* A retry time in the past still waits one second. */
	r.retry_at = NOW - 10;
	CHECK_INT(hubcrawl_rate_wait(&r, 429, NOW), 1);
	r.retry_at = -1;
	r.remaining = 0;
	r.reset = NOW + 9;
	CHECK_INT(hubcrawl_rate_wait(&r, 429, NOW), 9);
	/* A success that used up the budget pauses until the reset. */
	CHECK_INT(hubcrawl_rate_wait(&r, 200, NOW), 9);
	r.reset = NOW - 1;
	CHECK_INT(hubcrawl_rate_wait(&r, 200, NOW), 0);
	r.remaining = 3;
	r.reset = NOW + 9;
	CHECK_INT(hubcrawl_rate_wait(&r, 200, NOW), 0);
}

TEST(hubcrawl, same_origin)
{
	const char *api = "http://127.0.0.1:8080";

	CHECK(hubcrawl_same_origin(api, "http://127.0.0.1:8080/v2/repositories/x/?page=2"));
	CHECK(hubcrawl_same_origin("https://hub.docker.com",
	                           "https://HUB.docker.com:443/v2/repositories/x/?page=2"));
	CHECK(!hubcrawl_same_origin(api, "http://127.0.0.1:8081/v2/repositories/x/?page=2"));
	CHECK(!hubcrawl_same_origin(api, "https://127.0.0.1:8080/v2/"));
	CHECK(!hubcrawl_same_origin(api, "http://127.0.0.2:8080/v2/"));
	CHECK(!hubcrawl_same_origin(api, "http://user:pw@127.0.0.1:8080/v2/"));
	CHECK(!hubcrawl_same_origin(api, "/v2/repositories/x/?page=2"));
	CHECK(
	    !hubcrawl_same_origin("https://hub.docker.com", "https://hub.docker.com.evil.io/v2/"));
}

static char *tmp_path(const char *name)
{
	char *p = malloc(256);
	const char *dir = getenv("TMPDIR");

	snprintf(p, 256, "%s/dredge-unit-%d-%s", dir ? dir : "/tmp", (int)getpid(), name);
	return p;
}

TEST(hubcrawl, checkpoint_round_trip)
{
	char *path = tmp_path("ckpt"), tmp[300];
	struct hubcrawl_ckpt w, r;
	struct stat sb;
	int rc;

	hubcrawl_ckpt_init(&w);
	hubcrawl_ckpt_init(&r);
	w.api = "http://127.0.0.1:1";
	w.sources = "namespace:alpha\nquery:free \"pdf\"";
	w.source = 1;
	w.next = "http://127.0.0.1:1/v2/search/repositories/?query=free%20%22pdf%22&page=3";
	w.page = 2;
	w.repos = 12345678901ull;
	w.bytes = 98765432109ull;
	w.malformed = 3;
	w.not_found = 4;
	rc = hubcrawl_ckpt_write(path, &w);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (rc == 0)
		rc = hubcrawl_ckpt_read(&r, path);
	unlink(path);
	CHECK_INT(rc, 0);
	CHECK_INT(stat(tmp, &sb), -1);
	CHECK_STR(r.api, w.api);
	CHECK_STR(r.sources, w.sources);
	CHECK_STR(r.next, w.next);
	CHECK_INT(r.source, 1);
	CHECK_INT(r.page, 2);
	CHECK_INT(r.repos, 12345678901ull);
	CHECK_INT(r.bytes, 98765432109ull);
	CHECK_INT(r.malformed, 3);
	CHECK_INT(r.not_found, 4);
	hubcrawl_ckpt_release(&r);
	CHECK_NULL(r.api);

	/* No next page: null, read back as NULL; a rewrite replaces the file. */
	w.next = NULL;
	w.source = 2;
	rc = hubcrawl_ckpt_write(path, &w);
	if (rc == 0)
		rc = hubcrawl_ckpt_write(path, &w);
	if (rc == 0)
		rc = hubcrawl_ckpt_read(&r, path);
	unlink(path);
	free(path);
	CHECK_INT(rc, 0);
	CHECK_NULL(r.next);
	CHECK_INT(r.source, 2);
	hubcrawl_ckpt_release(&r);
}

TEST(hubcrawl, checkpoint_missing_and_foreign)
{
	char *path = tmp_path("bad");
	struct hubcrawl_ckpt r;
	static const char *const bad[] = {
	    "not json",
	    "{\"schema\":\"other/v1\",\"api\":\"a\",\"sources\":\"s\",\"source\":0,\"next\":null,"
	    "\"page\":0,\"repos\":0,\"bytes\":0,\"malformed\":0,\"not_found\":0}",
	    "{\"schema\":\"dredge.hubcrawl-checkpoint/v1\",\"api\":\"a\",\"sources\":\"s\","
	    "\"source\":0,\"next\":null,\"page\":0,\"repos\":-1,\"bytes\":0,\"malformed\":0,"
	    "\"not_found\":0}",
	    "{\"schema\":\"dredge.hubcrawl-checkpoint/v1\",\"api\":\"a\",\"sources\":\"s\","
	    "\"source\":0,\"next\":7,\"page\":0,\"repos\":0,\"bytes\":0,\"malformed\":0,"
	    "\"not_found\":0}",
	};
	int rcs[4];
	FILE *f;

	hubcrawl_ckpt_init(&r);
	unlink(path);
	CHECK_INT(hubcrawl_ckpt_read(&r, path), DR_ENOTFOUND);
	for (size_t i = 0; i < 4; i++) {
		f = fopen(path, "w");
		fputs(bad[i], f);
		fclose(f);
		rcs[i] = hubcrawl_ckpt_read(&r, path);
	}
	unlink(path);
	free(path);
	for (size_t i = 0; i < 4; i++)
		CHECK_INT(rcs[i], DR_EFORMAT);
	CHECK_NULL(r.api);
}
