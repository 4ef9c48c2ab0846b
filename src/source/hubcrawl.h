/* A crawler for Docker Hub's repository API (or any server speaking it).
 *
 * It walks the repositories of namespaces (/v2/repositories/NS/) and of
 * search queries (/v2/search/repositories/?query=Q, each hit fetched in full
 * from /v2/repositories/NS/NAME/), follows `next` links on the API's origin
 * only, adds each repository's tags, and writes one compact JSON object per
 * line: the API's repository object with "tags" and "tag_count" added.
 *
 * Durability: a page's lines are written and fsync'd before the checkpoint
 * (a small JSON file replaced by atomic rename) records the position after
 * that page and the output length. Resuming truncates the output to the
 * recorded length, so a crawl killed at any instant loses and repeats no
 * repository. A repository seen twice (by two sources, or because the API's
 * pages shifted) is written once.
 *
 * Politeness: a 429 waits for X-Retry-After (unix time), Retry-After
 * (seconds or HTTP-date) or X-RateLimit-Reset; a response announcing
 * X-RateLimit-Remaining: 0 waits for X-RateLimit-Reset before the next
 * request; 5xx and dropped connections are retried with exponential backoff.
 * Everything is bounded by the total time budget. */
#ifndef DREDGE_HUBCRAWL_H
#define DREDGE_HUBCRAWL_H

#include "util/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HUBCRAWL_DEFAULT_API "https://hub.docker.com"

enum hubcrawl_source_kind { HUBCRAWL_NAMESPACE, HUBCRAWL_QUERY };

struct hubcrawl_source {
	enum hubcrawl_source_kind kind;
	const char *value; /* namespace or query text; borrowed */
};

struct hubcrawl_opts {
	const char *api; /* base URL; NULL: HUBCRAWL_DEFAULT_API */
	const struct hubcrawl_source *sources;
	size_t n_sources;
	const char *out_path;        /* NULL: stdout (no checkpoint possible) */
	const char *checkpoint_path; /* NULL: no checkpoint */
	unsigned page_size;          /* 0: 100 */
	uint64_t max_pages;          /* pages per source; 0: HUBCRAWL_MAX_PAGES */
	uint64_t max_repos;          /* repositories in the output; 0: no cap */
	bool no_tags;
	long timeout_s; /* whole crawl, waits included; 0: 86400 */
	int retries;    /* attempts after the first on 5xx, drops, malformed pages; <0: 0 */
	bool insecure;  /* TLS not verified */
	const char *ca_file;
	/* Told every skipped page or repository and every rate-limit wait (the
	 * library prints nothing); may be NULL. */
	void (*notify)(void *ctx, bool warning, const char *msg);
	void *notify_ctx;
};

struct hubcrawl_stats {
	uint64_t repos;      /* lines in the output, previous runs included */
	uint64_t new_repos;  /* written by this run */
	uint64_t pages;      /* listing pages fetched by this run */
	uint64_t requests;   /* HTTP requests made by this run */
	uint64_t duplicates; /* repositories skipped as already written */
	uint64_t malformed;  /* pages/objects skipped as malformed (all runs) */
	uint64_t not_found;  /* namespaces/repositories answered 404 (all runs) */
	uint64_t rate_waits; /* waits for rate limits */
	double waited_s;     /* seconds spent in them */
	bool resumed;
	bool complete; /* every source walked to its end */
};

/* Runs the crawl. Returns 0 when every source was walked (or max_repos
 * reached) even if pages were skipped: stats->malformed / not_found say so;
 * DR_EUSAGE for bad options or a checkpoint made by another crawl; DR_ENET /
 * DR_EAUTH when the API keeps failing or refuses; DR_ELIMIT when the time
 * budget ran out; DR_EIO on local files. A failed crawl's checkpoint is
 * valid, and the same call resumes it. */
int hubcrawl_run(struct hubcrawl_stats *out, const struct hubcrawl_opts *opts);

/* --- pieces, public for tests ------------------------------------------ */

/* Rate-limit state from one response's headers. Times are unix seconds;
 * -1 means absent. */
struct hubcrawl_rate {
	int64_t limit, remaining, reset;
	int64_t retry_at; /* from X-Retry-After or Retry-After, absolute */
};

void hubcrawl_rate_init(struct hubcrawl_rate *r);
/* Feeds one raw header line ("Name: value\r\n"); unknown or malformed
 * headers leave r unchanged. Retry-After's delta seconds, and
 * X-Retry-After / X-RateLimit-Reset values below 10^9 (deltas, not unix
 * times), are made absolute with now. X-Retry-After wins over Retry-After. */
void hubcrawl_rate_header(struct hubcrawl_rate *r, const char *line, size_t len, time_t now);
/* Absolute time of a Retry-After value: delta seconds or an HTTP-date.
 * DR_EFORMAT when it is neither. */
int hubcrawl_parse_retry_after(int64_t *out, const char *value, time_t now);
/* Seconds to wait before the next request after a response with status
 * and headers r (0: go on): a 429 waits for retry_at, else for the reset
 * when remaining is 0, else -1 (no hint: the caller backs off); any other
 * status waits only when remaining is 0 and reset is in the future. */
int64_t hubcrawl_rate_wait(const struct hubcrawl_rate *r, long status, time_t now);

/* True when url has the same scheme, host and port as base. */
bool hubcrawl_same_origin(const char *base, const char *url);

/* The resume position. */
struct hubcrawl_ckpt {
	char *api;
	char *sources;      /* the sources as one string ("ns:a\nquery:b") to match a resume */
	uint64_t source;    /* index of the source being walked; n_sources: done */
	char *next;         /* URL of the next page of that source; NULL: its first */
	uint64_t page;      /* pages of that source already done */
	uint64_t repos;     /* lines in the output */
	uint64_t bytes;     /* output length */
	uint64_t malformed; /* skipped so far */
	uint64_t not_found;
};

void hubcrawl_ckpt_init(struct hubcrawl_ckpt *c);
void hubcrawl_ckpt_release(struct hubcrawl_ckpt *c);
/* Reads a checkpoint: DR_ENOTFOUND when the file does not exist, DR_EFORMAT
 * naming the file when it is not one of ours. */
int hubcrawl_ckpt_read(struct hubcrawl_ckpt *out, const char *path);
/* Writes path atomically (temp file, fsync, rename, fsync of the directory). */
int hubcrawl_ckpt_write(const char *path, const struct hubcrawl_ckpt *c);

#endif
