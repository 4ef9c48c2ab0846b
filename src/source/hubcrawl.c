#include "source/hubcrawl.h"

#include "util/buf.h"
#include "util/err.h"
#include "util/fileio.h"
#include "util/jx.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/mono.h"
#include "util/strutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define CKPT_SCHEMA       "dredge.hubcrawl-checkpoint/v1"
#define MAX_429_IN_A_ROW  50
#define BACKOFF_FIRST_MS  500
#define BACKOFF_MAX_MS    30000
#define REQUEST_TIMEOUT_S 120
#define STALL_S           30
#define TAGS_PAGE_SIZE    100

/* --- rate-limit headers ------------------------------------------------ */

void hubcrawl_rate_init(struct hubcrawl_rate *r)
{
	r->limit = r->remaining = r->reset = r->retry_at = -1;
}

/* A leading decimal number ("180", "100;w=21600"); false when none. */
static bool parse_leading_int(const char *v, int64_t *out)
{
	char num[24];
	size_t n = 0;
	uint64_t u;

	while (v[n] >= '0' && v[n] <= '9' && n < sizeof(num) - 1) {
		num[n] = v[n];
		n++;
	}
	if (n == 0 || n >= 19 || (v[n] != '\0' && v[n] != ';' && v[n] != ',' && v[n] != ' '))
		return false;
	num[n] = '\0';
	if (str_to_u64(num, &u) < 0)
		return false;
	*out = (int64_t)u;
	return true;
}

/* Values below this are deltas in seconds, above it unix times. */
#define EPOCH_THRESHOLD 1000000000

static int64_t to_absolute(int64_t v, time_t now)
{
	return v < EPOCH_THRESHOLD ? (int64_t)now + v : v;
}

int hubcrawl_parse_retry_after(int64_t *out, const char *value, time_t now)
{
	int64_t v;
	time_t t;

	if (parse_leading_int(value, &v) && strspn(value, "0123456789") == strlen(value)) {
		*out = (int64_t)now + v;
		return 0;
	}
	t = curl_getdate(value, NULL);
	if (t == (time_t)-1)
		return err_set(DR_EFORMAT, "cannot parse Retry-After '%s'", value);
	*out = (int64_t)t;
	return 0;
}

void hubcrawl_rate_header(struct hubcrawl_rate *r, const char *line, size_t len, time_t now)
{
	char name[64], value[256];
	const char *colon = memchr(line, ':', len);
	size_t nlen, vstart, vend;
	int64_t v;

	if (!colon)
		return;
	nlen = (size_t)(colon - line);
	if (nlen == 0 || nlen >= sizeof(name))
		return;
	memcpy(name, line, nlen);
	name[nlen] = '\0';
	vstart = nlen + 1;
	vend = len;
	while (vstart < vend && (line[vstart] == ' ' || line[vstart] == '\t'))
		vstart++;
	while (vend > vstart && (line[vend - 1] == '\r' || line[vend - 1] == '\n' ||
	                         line[vend - 1] == ' ' || line[vend - 1] == '\t'))
		vend--;
	if (vend - vstart >= sizeof(value) || vend == vstart)
		return;
	memcpy(value, line + vstart, vend - vstart);
	value[vend - vstart] = '\0';

	if (strcasecmp(name, "X-RateLimit-Limit") == 0) {
		if (parse_leading_int(value, &v))
			r->limit = v;
	} else if (strcasecmp(name, "X-RateLimit-Remaining") == 0) {
		if (parse_leading_int(value, &v))
			r->remaining = v;
	} else if (strcasecmp(name, "X-RateLimit-Reset") == 0) {
		if (parse_leading_int(value, &v))
			r->reset = to_absolute(v, now);
	} else if (strcasecmp(name, "X-Retry-After") == 0) {
		/* Docker Hub's: a unix time. */
		if (parse_leading_int(value, &v))
			r->retry_at = to_absolute(v, now);
	} else if (strcasecmp(name, "Retry-After") == 0) {
		/* X-Retry-After wins when both are sent. */
		if (r->retry_at < 0 && hubcrawl_parse_retry_after(&v, value, now) == 0)
			r->retry_at = v;
		err_clear();
	}
}

int64_t hubcrawl_rate_wait(const struct hubcrawl_rate *r, long status, time_t now)
{
	int64_t at = -1;

	if (status == 429) {
		if (r->retry_at >= 0)
			at = r->retry_at;
		else if (r->remaining == 0 && r->reset >= 0)
			at = r->reset;
		else
			return -1;
		return at - (int64_t)now > 1 ? at - (int64_t)now : 1;
	}
	if (r->remaining == 0 && r->reset > (int64_t)now)
		return r->reset - (int64_t)now;
	return 0;
}

/* --- origins ----------------------------------------------------------- */

static char *url_part(CURLU *u, CURLUPart part)
{
	char *p = NULL, *copy;

	if (curl_url_get(u, part, &p, part == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0) != CURLUE_OK)
		return NULL;
	copy = xstrdup(p);
	curl_free(p);
	return copy;
}

bool hubcrawl_same_origin(const char *base, const char *url)
{
	CURLU *a = curl_url(), *b = curl_url();
	static const CURLUPart parts[] = {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT};
	bool same = false;

	if (!a || !b || curl_url_set(a, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(b, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto done;
	same = true;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && same; i++) {
		char *pa = url_part(a, parts[i]), *pb = url_part(b, parts[i]);

		same = pa && pb && strcasecmp(pa, pb) == 0;
		free(pa);
		free(pb);
	}
	if (same) {
		/* No credentials smuggled into a followed link. */
		char *user = NULL;

		if (curl_url_get(b, CURLUPART_USER, &user, 0) == CURLUE_OK) {
			same = false;
			curl_free(user);
		}
	}
done:
	curl_url_cleanup(a);
	curl_url_cleanup(b);
	return same;
}

/* --- checkpoint -------------------------------------------------------- */

void hubcrawl_ckpt_init(struct hubcrawl_ckpt *c)
{
	memset(c, 0, sizeof(*c));
}

void hubcrawl_ckpt_release(struct hubcrawl_ckpt *c)
{
	free(c->api);
	free(c->sources);
	free(c->next);
	hubcrawl_ckpt_init(c);
}

static int read_small_file(struct buf *out, const char *path, size_t max)
{
	char chunk[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO, "cannot open '%s': %s",
		               path, strerror(errno));
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_set(DR_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max) {
			rc = err_set(DR_EFORMAT, "'%s' is larger than %zu bytes", path, max);
			goto done;
		}
		if ((rc = buf_add(out, chunk, (size_t)n)) < 0)
			goto done;
	}
done:
	close(fd);
	return rc;
}

static bool get_u64(const json_t *o, const char *key, uint64_t *out)
{
	int64_t v;

	if (!jx_int(o, key, &v) || v < 0)
		return false;
	*out = (uint64_t)v;
	return true;
}

int hubcrawl_ckpt_read(struct hubcrawl_ckpt *out, const char *path)
{
	struct buf b = BUF_INIT;
	json_t *root = NULL, *next;
	const char *schema, *api, *sources;
	int rc;

	hubcrawl_ckpt_release(out);
	if ((rc = read_small_file(&b, path, HUBCRAWL_MAX_CKPT_BYTES)) < 0)
		goto done;
	if ((rc = jx_parse(&root, b.ptr ? b.ptr : "", b.len, DR_MAX_JSON_DEPTH, path)) < 0) {
		rc = err_set(DR_EFORMAT, "checkpoint '%s' is not valid JSON", path);
		goto done;
	}
	schema = jx_str(root, "schema");
	api = jx_str(root, "api");
	sources = jx_str(root, "sources");
	next = json_object_get(root, "next");
	if (!schema || strcmp(schema, CKPT_SCHEMA) != 0 || !api || !sources ||
	    !(json_is_null(next) || json_is_string(next)) ||
	    !get_u64(root, "source", &out->source) || !get_u64(root, "page", &out->page) ||
	    !get_u64(root, "repos", &out->repos) || !get_u64(root, "bytes", &out->bytes) ||
	    !get_u64(root, "malformed", &out->malformed) ||
	    !get_u64(root, "not_found", &out->not_found)) {
		rc = err_set(DR_EFORMAT, "'%s' is not a hub crawl checkpoint", path);
		goto done;
	}
	out->api = xstrdup(api);
	out->sources = xstrdup(sources);
	out->next = json_is_string(next) ? xstrdup(json_string_value(next)) : NULL;
done:
	if (rc < 0)
		hubcrawl_ckpt_release(out);
	json_decref(root);
	buf_release(&b);
	return rc;
}

static int fsync_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir =
	    slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) < 0)
		rc = err_set(DR_EIO, "cannot sync directory '%s': %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int hubcrawl_ckpt_write(const char *path, const struct hubcrawl_ckpt *c)
{
	struct buf b = BUF_INIT, tmp = BUF_INIT;
	int fd = -1, rc;

	buf_adds(&b, "{\"schema\":\"" CKPT_SCHEMA "\",\"api\":");
	buf_add_json_str(&b, c->api ? c->api : "", strlen(c->api ? c->api : ""));
	buf_adds(&b, ",\"sources\":");
	buf_add_json_str(&b, c->sources ? c->sources : "", strlen(c->sources ? c->sources : ""));
	buf_addf(&b, ",\"source\":%" PRIu64 ",\"next\":", c->source);
	if (c->next)
		buf_add_json_str(&b, c->next, strlen(c->next));
	else
		buf_adds(&b, "null");
	buf_addf(&b,
	         ",\"page\":%" PRIu64 ",\"repos\":%" PRIu64 ",\"bytes\":%" PRIu64
	         ",\"malformed\":%" PRIu64 ",\"not_found\":%" PRIu64 "}\n",
	         c->page, c->repos, c->bytes, c->malformed, c->not_found);
	buf_addf(&tmp, "%s.tmp", path);
	fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = err_set(DR_EIO, "cannot create '%s': %s", tmp.ptr, strerror(errno));
		goto done;
	}
	if (!write_full(fd, b.ptr, b.len)) {
		rc = err_set(DR_EIO, "cannot write '%s': %s", tmp.ptr, strerror(errno));
		goto done;
	}
	if (fsync(fd) < 0) {
		rc = err_set(DR_EIO, "cannot sync '%s': %s", tmp.ptr, strerror(errno));
		goto done;
	}
	close(fd);
	fd = -1;
	if (rename(tmp.ptr, path) < 0) {
		rc = err_set(DR_EIO, "cannot rename '%s' to '%s': %s", tmp.ptr, path,
		             strerror(errno));
		goto done;
	}
	rc = fsync_dir_of(path);
done:
	if (fd >= 0) {
		close(fd);
		unlink(tmp.ptr);
	}
	buf_release(&b);
	buf_release(&tmp);
	return rc;
}

/* --- the set of repositories written ---------------------------------- */

struct seen {
	char **slots;
	size_t alloc; /* power of two */
	size_t count;
};

static bool seen_has(const struct seen *s, const char *key)
{
	if (!s->alloc)
		return false;
	for (size_t i = str_hash(STR_HASH_SEED, key, strlen(key)) & (s->alloc - 1);;
	     i = (i + 1) & (s->alloc - 1)) {
		if (!s->slots[i])
			return false;
		if (strcmp(s->slots[i], key) == 0)
			return true;
	}
}

static void seen_insert(struct seen *s, char *key)
{
	size_t i = str_hash(STR_HASH_SEED, key, strlen(key)) & (s->alloc - 1);

	while (s->slots[i])
		i = (i + 1) & (s->alloc - 1);
	s->slots[i] = key;
}

/* Adds key (copied) unless present. */
static void seen_add(struct seen *s, const char *key)
{
	if (seen_has(s, key))
		return;
	if ((s->count + 1) * 2 > s->alloc) {
		struct seen bigger = {NULL, s->alloc ? s->alloc * 2 : 1024, s->count};

		bigger.slots = xcalloc(bigger.alloc, sizeof(char *));
		for (size_t i = 0; i < s->alloc; i++)
			if (s->slots[i])
				seen_insert(&bigger, s->slots[i]);
		free(s->slots);
		*s = bigger;
	}
	seen_insert(s, xstrdup(key));
	s->count++;
}

static void seen_release(struct seen *s)
{
	for (size_t i = 0; i < s->alloc; i++)
		free(s->slots[i]);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* --- HTTP -------------------------------------------------------------- */

struct crawl {
	const struct hubcrawl_opts *o;
	struct hubcrawl_stats *st;
	char *api; /* without trailing slashes */
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	struct buf body;
	bool too_big;
	struct hubcrawl_rate rate;
	time_t hdr_time;     /* when the last header line arrived */
	double deadline;     /* monotonic seconds */
	int64_t pause_until; /* unix time before which no request goes out */
	struct seen seen;
	struct hubcrawl_ckpt ck;
	int out_fd;
	const char *out_name;
	bool stop; /* max_repos reached */
};

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void notify(struct crawl *c, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void notify(struct crawl *c, bool warning, const char *fmt, ...)
{
	struct buf m = BUF_INIT;
	va_list ap;

	if (!c->o->notify)
		return;
	va_start(ap, fmt);
	buf_vaddf(&m, fmt, ap);
	va_end(ap);
	c->o->notify(c->o->notify_ctx, warning, buf_cstr(&m));
	buf_release(&m);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct crawl *c = ctx;

	if (buf_add(&c->body, data, size * n) < 0) {
		c->too_big = true;
		err_clear();
		return 0;
	}
	return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct crawl *c = ctx;

	c->hdr_time = time(NULL);
	if (size * n >= 5 && memcmp(data, "HTTP/", 5) == 0)
		hubcrawl_rate_init(&c->rate);
	else
		hubcrawl_rate_header(&c->rate, data, size * n, c->hdr_time);
	return size * n;
}

/* Waits s seconds if the time budget allows; DR_ELIMIT when it does not. */
static int wait_within_budget(struct crawl *c, double s, const char *url)
{
	if (mono_now() + s > c->deadline)
		return err_set(DR_ELIMIT,
		               "waiting %.0f s for '%s' would exceed the crawl's time budget", s,
		               url);
	sleep_s(s);
	return 0;
}

static int backoff(struct crawl *c, int attempt, const char *url)
{
	double ms = BACKOFF_FIRST_MS;

	for (int i = 1; i < attempt && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	return wait_within_budget(c, ms / 1000.0, url);
}

static int retries_of(const struct hubcrawl_opts *o)
{
	return o->retries < 0 ? 0 : o->retries;
}

/* GETs url into c->body. Returns 0 with *out_status 2xx or 404; rate
 * limits, 5xx, dropped connections and same-origin redirects are handled
 * here. DR_ELIMIT for a body over the page cap (c->too_big set). */
static int http_get(struct crawl *c, const char *start_url, long *out_status)
{
	char *url = xstrdup(start_url);
	int attempt = 0, in_a_row_429 = 0, redirects = 0, rc = 0;
	long status = 0;

	c->too_big = false;

	for (;;) {
		CURLcode cc;
		int64_t wait;
		double left;
		time_t now = time(NULL);

		if (c->pause_until > (int64_t)now) {
			struct timespec ts;
			double s;

			clock_gettime(CLOCK_REALTIME, &ts);
			s = (double)c->pause_until - (double)ts.tv_sec - (double)ts.tv_nsec / 1e9;

			c->st->rate_waits++;
			c->st->waited_s += s;
			notify(c, false, "rate limit exhausted: waiting %.1f s before '%s'", s,
			       url);
			if ((rc = wait_within_budget(c, s, url)) < 0)
				goto done;
		}
		left = c->deadline - mono_now();
		if (left <= 0) {
			rc = err_set(DR_ELIMIT, "the crawl's time budget ran out before '%s'", url);
			goto done;
		}
		buf_reset(&c->body);
		c->too_big = false;
		c->errbuf[0] = '\0';
		hubcrawl_rate_init(&c->rate);
		c->hdr_time = 0;
		curl_easy_setopt(c->curl, CURLOPT_URL, url);
		curl_easy_setopt(c->curl, CURLOPT_TIMEOUT,
		                 (long)(left < REQUEST_TIMEOUT_S ? left + 1 : REQUEST_TIMEOUT_S));
		c->st->requests++;
		cc = curl_easy_perform(c->curl);
		if (c->too_big) {
			rc = err_set(DR_ELIMIT, "response of '%s' is larger than %u bytes", url,
			             HUBCRAWL_MAX_PAGE_BYTES);
			goto done;
		}
		if (cc != CURLE_OK) {
			if (++attempt > retries_of(c->o)) {
				rc = err_set(DR_ENET, "cannot fetch '%s': %s", url,
				             c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
				goto done;
			}
			if ((rc = backoff(c, attempt, url)) < 0)
				goto done;
			continue;
		}
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
		/* Waits count from the headers' arrival, as Retry-After's deltas do. */
		now = c->hdr_time ? c->hdr_time : time(NULL);
		if (status == 429) {
			if (++in_a_row_429 > MAX_429_IN_A_ROW) {
				rc = err_set(DR_ENET, "'%s' kept answering 429 (%d times)", url,
				             MAX_429_IN_A_ROW);
				goto done;
			}
			wait = hubcrawl_rate_wait(&c->rate, status, now);
			if (wait < 0) {
				if ((rc = backoff(c, in_a_row_429, url)) < 0)
					goto done;
				continue;
			}
			if (wait > HUBCRAWL_MAX_WAIT_S)
				wait = HUBCRAWL_MAX_WAIT_S;
			c->st->rate_waits++;
			c->st->waited_s += (double)wait;
			notify(c, false, "rate limited by '%s': waiting %" PRId64 " s", url, wait);
			if ((rc = wait_within_budget(c, (double)wait, url)) < 0)
				goto done;
			continue;
		}
		if (status >= 500 || status == 408) {
			if (++attempt > retries_of(c->o)) {
				rc = err_set(DR_ENET, "'%s' answered HTTP %ld after %d attempts",
				             url, status, attempt);
				goto done;
			}
			if ((rc = backoff(c, attempt, url)) < 0)
				goto done;
			continue;
		}
		if (status >= 300 && status < 400) {
			char *loc = NULL;

			curl_easy_getinfo(c->curl, CURLINFO_REDIRECT_URL, &loc);
			if (!loc || ++redirects > DR_MAX_REDIRECTS ||
			    !hubcrawl_same_origin(c->api, loc)) {
				rc = err_set(DR_ENET, "refusing redirect of '%s' to '%s'", url,
				             loc ? loc : "(none)");
				goto done;
			}
			free(url);
			url = xstrdup(loc);
			continue;
		}
		if (status == 401 || status == 403) {
			rc = err_set(DR_EAUTH, "'%s' refused access (HTTP %ld)", url, status);
			goto done;
		}
		if (status != 404 && (status < 200 || status >= 300)) {
			rc = err_set(DR_ENET, "'%s' answered HTTP %ld", url, status);
			goto done;
		}
		wait = hubcrawl_rate_wait(&c->rate, status, now);
		if (wait > 0)
			c->pause_until = (int64_t)now +
			                 (wait > HUBCRAWL_MAX_WAIT_S ? HUBCRAWL_MAX_WAIT_S : wait);
		break;
	}
	*out_status = status;
done:
	free(url);
	return rc;
}

enum doc_kind { DOC_PAGE, DOC_OBJECT };

/* Fetches url and parses it as a listing page (an object with a "results"
 * array) or as one object. A page that fails to parse is fetched again up
 * to the retry count. Returns 0 (root set, status 200), 0 with status 404
 * (root NULL), DR_EFORMAT naming the url when it stays malformed, or a
 * fatal error from http_get. */
static int fetch_doc(struct crawl *c, json_t **root, long *status, const char *url,
                     enum doc_kind kind)
{
	char *quoted = NULL;
	struct buf q = BUF_INIT;
	int rc = 0;

	buf_addf(&q, "'%s'", url);
	quoted = buf_detach(&q, NULL);
	*root = NULL;
	for (int attempt = 0;; attempt++) {
		json_t *doc = NULL;
		json_t *next;

		rc = http_get(c, url, status);
		if (rc == DR_ELIMIT && c->too_big) {
			rc = DR_EFORMAT; /* message already names url and the cap */
		} else if (rc < 0 || *status == 404) {
			goto done;
		} else if (jx_parse(&doc, buf_cstr(&c->body), c->body.len, DR_MAX_JSON_DEPTH,
		                    quoted) < 0) {
			rc = err_wrap(DR_EFORMAT, "malformed response");
		} else if (!json_is_object(doc)) {
			rc = err_set(DR_EFORMAT, "malformed response: '%s' is not a JSON object",
			             url);
		} else if (kind == DOC_PAGE && !jx_arr(doc, "results")) {
			rc = err_set(DR_EFORMAT, "malformed page: '%s' has no \"results\" array",
			             url);
		} else if (kind == DOC_PAGE && (next = json_object_get(doc, "next")) &&
		           !json_is_null(next) && !json_is_string(next)) {
			rc = err_set(DR_EFORMAT, "malformed page: '%s' has a non-string \"next\"",
			             url);
		} else {
			*root = doc;
			rc = 0;
			goto done;
		}
		json_decref(doc);
		if (attempt >= retries_of(c->o))
			goto done;
		if (backoff(c, attempt + 1, url) < 0) {
			rc = DR_ELIMIT;
			goto done;
		}
	}
done:
	free(quoted);
	return rc;
}

/* The "next" of a page: NULL at the end; DR_EFORMAT when it leaves the
 * API's origin. */
static int page_next(struct crawl *c, char **out, const json_t *page, const char *url)
{
	const char *next = jx_str(page, "next");

	*out = NULL;
	if (!next || !*next)
		return 0;
	if (!hubcrawl_same_origin(c->api, next))
		return err_set(DR_EFORMAT,
		               "refusing \"next\" link '%s' of '%s': not on the API origin '%s'",
		               next, url, c->api);
	*out = xstrdup(next);
	return 0;
}

static char *escape(struct crawl *c, const char *s)
{
	char *e = curl_easy_escape(c->curl, s, 0);
	char *copy = xstrdup(e ? e : "");

	curl_free(e);
	return copy;
}

static char *repo_url(struct crawl *c, const char *ns, const char *name, const char *suffix)
{
	struct buf u = BUF_INIT;
	char *ens = escape(c, ns), *ename = escape(c, name);

	buf_addf(&u, "%s/v2/repositories/%s/%s/%s", c->api, ens, ename, suffix);
	free(ens);
	free(ename);
	return buf_detach(&u, NULL);
}

/* --- tags -------------------------------------------------------------- */

/* Sets "tags" and "tag_count" on repo, or leaves them out and says why
 * (counted as malformed or not found). A fatal error is returned. */
static int add_tags(struct crawl *c, json_t *repo, const char *ns, const char *name)
{
	char *first = repo_url(c, ns, name, ""), *url;
	json_t *tags = json_array();
	int64_t count = -1;
	bool complete = false;
	int rc = 0;
	struct buf u = BUF_INIT;

	buf_addf(&u, "%stags/?page_size=%d", first, TAGS_PAGE_SIZE);
	free(first);
	url = buf_detach(&u, NULL);
	for (uint64_t pages = 0; url && pages < HUBCRAWL_MAX_PAGES; pages++) {
		json_t *page = NULL, *results, *t;
		long status;
		char *next = NULL;
		size_t i;

		rc = fetch_doc(c, &page, &status, url, DOC_PAGE);
		if (rc == DR_EFORMAT) {
			c->ck.malformed++;
			notify(c, true, "%s; repository '%s/%s' written without tags", err_msg(),
			       ns, name);
			rc = 0;
			goto done;
		}
		if (rc < 0)
			goto done;
		if (status == 404) {
			c->ck.not_found++;
			notify(c, true, "tags of '%s/%s' not found at '%s'; written without tags",
			       ns, name, url);
			goto done;
		}
		if (count < 0 && !jx_int(page, "count", &count))
			count = -1;
		results = jx_arr(page, "results");
		json_array_foreach(results, i, t)
		{
			json_t *slim;
			const char *tname = jx_str(t, "name");

			if (!tname || json_array_size(tags) >= HUBCRAWL_MAX_TAGS)
				continue;
			slim = json_object();
			json_object_set_new(slim, "name", json_string(tname));
			if (jx_str(t, "last_updated"))
				json_object_set(slim, "last_updated",
				                json_object_get(t, "last_updated"));
			if (jx_str(t, "digest"))
				json_object_set(slim, "digest", json_object_get(t, "digest"));
			json_array_append_new(tags, slim);
		}
		if (page_next(c, &next, page, url) < 0) {
			c->ck.malformed++;
			notify(c, true, "%s; repository '%s/%s' written without tags", err_msg(),
			       ns, name);
			json_decref(page);
			goto done;
		}
		json_decref(page);
		free(url);
		url = next;
		if (json_array_size(tags) >= HUBCRAWL_MAX_TAGS && count >= 0)
			break;
	}
	complete = true;
done:
	if (complete) {
		if (count < 0 || (!url && count < (int64_t)json_array_size(tags)))
			count = (int64_t)json_array_size(tags);
		json_object_set_new(repo, "tags", tags);
		json_object_set_new(repo, "tag_count", json_integer(count));
	} else {
		json_decref(tags);
	}
	free(url);
	return rc;
}

/* --- output ------------------------------------------------------------ */

static int out_write(struct crawl *c, const struct buf *page)
{
	if (!page->len)
		return 0;
	if (!write_full(c->out_fd, page->ptr, page->len))
		return err_set(DR_EIO, "cannot write '%s': %s", c->out_name, strerror(errno));
	if (fsync(c->out_fd) < 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP)
		return err_set(DR_EIO, "cannot sync '%s': %s", c->out_name, strerror(errno));
	c->ck.bytes += page->len;
	return 0;
}

static int checkpoint(struct crawl *c)
{
	if (!c->o->checkpoint_path)
		return 0;
	return hubcrawl_ckpt_write(c->o->checkpoint_path, &c->ck);
}

/* Adds repo's line to page unless already written. Fills tags first. */
static int emit_repo(struct crawl *c, struct buf *page, json_t *repo, const char *ns,
                     const char *name, const char *key)
{
	char *line;
	int rc;

	if (!c->o->no_tags && (rc = add_tags(c, repo, ns, name)) < 0)
		return rc;
	line = json_dumps(repo, JSON_COMPACT);
	if (!line)
		return err_set(DR_ERROR, "cannot serialise repository '%s'", key);
	buf_adds(page, line);
	buf_addc(page, '\n');
	free(line);
	seen_add(&c->seen, key);
	c->ck.repos++;
	c->st->new_repos++;
	if (c->o->max_repos && c->ck.repos >= c->o->max_repos)
		c->stop = true;
	return 0;
}

/* One result of a namespace listing: written as listed, or fetched in full
 * when the listing leaves out full_description. */
static int do_listed(struct crawl *c, struct buf *page, json_t *item, const char *src_ns,
                     const char *url)
{
	const char *ns = jx_str(item, "namespace"), *name = jx_str(item, "name");
	json_t *full = NULL;
	struct buf key = BUF_INIT;
	int rc = 0;

	if (!ns)
		ns = src_ns;
	if (!json_is_object(item) || !name || !*name) {
		c->ck.malformed++;
		notify(c, true, "malformed result in '%s': not a repository object; skipped", url);
		goto done;
	}
	buf_addf(&key, "%s/%s", ns, name);
	if (seen_has(&c->seen, key.ptr)) {
		c->st->duplicates++;
		goto done;
	}
	if (!json_object_get(item, "full_description")) {
		char *durl = repo_url(c, ns, name, "");
		long status;

		rc = fetch_doc(c, &full, &status, durl, DOC_OBJECT);
		if (rc == DR_EFORMAT) {
			c->ck.malformed++;
			notify(c, true, "%s; repository '%s' written as listed", err_msg(),
			       key.ptr);
			rc = 0;
		} else if (rc == 0 && status == 404) {
			c->ck.not_found++;
			notify(c, true, "repository '%s' not found at '%s'; written as listed",
			       key.ptr, durl);
		}
		free(durl);
		if (rc < 0)
			goto done;
	}
	rc = emit_repo(c, page, full ? full : item, ns, name, key.ptr);
done:
	json_decref(full);
	buf_release(&key);
	return rc;
}

/* One search hit: "repo_name" is NS/NAME (official images: NAME). */
static int do_hit(struct crawl *c, struct buf *page, json_t *hit, const char *url)
{
	const char *rn = jx_str(hit, "repo_name"), *slash;
	char *ns = NULL, *name = NULL, *durl = NULL;
	json_t *full = NULL;
	struct buf key = BUF_INIT;
	long status;
	int rc = 0;

	if (!rn || !*rn || rn[strlen(rn) - 1] == '/' || rn[0] == '/') {
		c->ck.malformed++;
		notify(c, true, "malformed result in '%s': no \"repo_name\"; skipped", url);
		goto done;
	}
	slash = strchr(rn, '/');
	ns = slash ? xstrndup(rn, (size_t)(slash - rn)) : xstrdup("library");
	name = xstrdup(slash ? slash + 1 : rn);
	buf_addf(&key, "%s/%s", ns, name);
	if (seen_has(&c->seen, key.ptr)) {
		c->st->duplicates++;
		goto done;
	}
	durl = repo_url(c, ns, name, "");
	rc = fetch_doc(c, &full, &status, durl, DOC_OBJECT);
	if (rc == DR_EFORMAT) {
		c->ck.malformed++;
		notify(c, true, "%s; repository '%s' skipped", err_msg(), key.ptr);
		rc = 0;
		goto done;
	}
	if (rc < 0)
		goto done;
	if (status == 404) {
		c->ck.not_found++;
		notify(c, true, "repository '%s' not found at '%s'; skipped", key.ptr, durl);
		goto done;
	}
	rc = emit_repo(c, page, full, ns, name, key.ptr);
done:
	json_decref(full);
	buf_release(&key);
	free(ns);
	free(name);
	free(durl);
	return rc;
}

static char *source_first_url(struct crawl *c, const struct hubcrawl_source *s)
{
	struct buf u = BUF_INIT;
	char *e = escape(c, s->value);
	unsigned ps = c->o->page_size ? c->o->page_size : HUBCRAWL_MAX_PAGE_SIZE;

	if (s->kind == HUBCRAWL_NAMESPACE)
		buf_addf(&u, "%s/v2/repositories/%s/?page=1&page_size=%u", c->api, e, ps);
	else
		buf_addf(&u, "%s/v2/search/repositories/?query=%s&page=1&page_size=%u", c->api, e,
		         ps);
	free(e);
	return buf_detach(&u, NULL);
}

static const char *source_label(const struct hubcrawl_source *s)
{
	return s->kind == HUBCRAWL_NAMESPACE ? "namespace" : "query";
}

/* Walks the current source from the checkpoint's position to its end (or
 * to max_repos), one checkpoint per page. */
static int walk_source(struct crawl *c)
{
	const struct hubcrawl_source *s = &c->o->sources[c->ck.source];
	uint64_t max_pages = c->o->max_pages ? c->o->max_pages : HUBCRAWL_MAX_PAGES;
	char *url = c->ck.next ? xstrdup(c->ck.next) : source_first_url(c, s);
	struct buf page = BUF_INIT;
	int rc = 0;

	while (url) {
		json_t *doc = NULL, *results, *item;
		char *next = NULL;
		long status;
		size_t i;

		if (c->ck.page >= max_pages) {
			notify(c, true, "%s '%s': stopped after %" PRIu64 " pages (--max-pages)",
			       source_label(s), s->value, c->ck.page);
			break;
		}
		rc = fetch_doc(c, &doc, &status, url, DOC_PAGE);
		if (rc == DR_EFORMAT) {
			c->ck.malformed++;
			notify(c, true, "%s; skipping the rest of %s '%s'", err_msg(),
			       source_label(s), s->value);
			rc = 0;
			break;
		}
		if (rc < 0)
			goto done;
		if (status == 404) {
			c->ck.not_found++;
			notify(c, true, "%s '%s' not found at '%s'; skipped", source_label(s),
			       s->value, url);
			break;
		}
		c->st->pages++;
		buf_reset(&page);
		results = jx_arr(doc, "results");
		json_array_foreach(results, i, item)
		{
			if (s->kind == HUBCRAWL_NAMESPACE)
				rc = do_listed(c, &page, item, s->value, url);
			else
				rc = do_hit(c, &page, item, url);
			if (rc < 0 || c->stop)
				break;
		}
		if (rc < 0) {
			json_decref(doc);
			goto done;
		}
		if ((rc = out_write(c, &page)) < 0) {
			json_decref(doc);
			goto done;
		}
		if (c->stop && i + 1 < json_array_size(results)) {
			/* Part of this page is written: resume re-reads it, and
			 * the written repositories are skipped as seen. */
			json_decref(doc);
			free(c->ck.next);
			c->ck.next = url;
			url = NULL;
			rc = checkpoint(c);
			goto done;
		}
		if (page_next(c, &next, doc, url) < 0) {
			c->ck.malformed++;
			notify(c, true, "%s; skipping the rest of %s '%s'", err_msg(),
			       source_label(s), s->value);
		}
		json_decref(doc);
		free(url);
		url = next;
		c->ck.page++;
		free(c->ck.next);
		c->ck.next = url ? xstrdup(url) : NULL;
		if (!url)
			break;
		if ((rc = checkpoint(c)) < 0)
			goto done;
		if (c->stop)
			goto done;
	}
	/* The source is done: move to the next one. */
	c->ck.source++;
	c->ck.page = 0;
	free(c->ck.next);
	c->ck.next = NULL;
	rc = checkpoint(c);
done:
	free(url);
	buf_release(&page);
	return rc;
}

/* Rebuilds the set of written repositories from the first bytes of the
 * output (a resumed crawl). */
static int load_seen(struct crawl *c, uint64_t bytes)
{
	FILE *f = fopen(c->o->out_path, "rb");
	char *line = NULL;
	size_t cap = 0;
	uint64_t pos = 0, lineno = 0;
	int rc = 0;

	if (!f)
		return err_set(DR_EIO, "cannot open '%s': %s", c->o->out_path, strerror(errno));
	while (pos < bytes) {
		ssize_t n = getline(&line, &cap, f);
		json_t *o = NULL;
		const char *ns, *name;

		if (n <= 0)
			break;
		pos += (uint64_t)n;
		lineno++;
		if (jx_parse(&o, line, (size_t)n, DR_MAX_JSON_DEPTH, c->o->out_path) < 0)
			err_clear();
		ns = jx_str(o, "namespace");
		name = jx_str(o, "name");
		if (!ns || !name) {
			json_decref(o);
			rc = err_set(DR_EFORMAT, "'%s' line %" PRIu64 " is not a repository object",
			             c->o->out_path, lineno);
			goto done;
		}
		{
			struct buf key = BUF_INIT;

			buf_addf(&key, "%s/%s", ns, name);
			seen_add(&c->seen, key.ptr);
			buf_release(&key);
		}
		json_decref(o);
	}
done:
	free(line);
	fclose(f);
	return rc;
}

static char *sources_string(const struct hubcrawl_opts *o)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < o->n_sources; i++)
		buf_addf(&b, "%s%s:%s", i ? "\n" : "", source_label(&o->sources[i]),
		         o->sources[i].value);
	return buf_detach(&b, NULL);
}

/* Opens the output, resuming from the checkpoint when there is one. */
static int open_output(struct crawl *c)
{
	const struct hubcrawl_opts *o = c->o;
	char *want_sources = sources_string(o);
	struct stat sb;
	int rc = 0;

	c->out_name = o->out_path ? o->out_path : "(stdout)";
	if (o->checkpoint_path) {
		rc = hubcrawl_ckpt_read(&c->ck, o->checkpoint_path);
		if (rc == 0) {
			if (strcmp(c->ck.api, c->api) != 0 ||
			    strcmp(c->ck.sources, want_sources) != 0 ||
			    c->ck.source > o->n_sources) {
				rc = err_set(DR_EUSAGE,
				             "checkpoint '%s' belongs to another crawl (api or "
				             "sources differ)",
				             o->checkpoint_path);
				goto done;
			}
			c->st->resumed = true;
		} else if (rc != DR_ENOTFOUND) {
			goto done;
		} else {
			err_clear();
			rc = 0;
		}
	}
	if (!c->st->resumed) {
		hubcrawl_ckpt_release(&c->ck);
		c->ck.api = xstrdup(c->api);
		c->ck.sources = xstrdup(want_sources);
	}
	if (!o->out_path) {
		c->out_fd = STDOUT_FILENO;
		goto done;
	}
	c->out_fd = open(o->out_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (c->out_fd < 0) {
		rc = err_set(DR_EIO, "cannot open '%s': %s", o->out_path, strerror(errno));
		goto done;
	}
	if (flock(c->out_fd, LOCK_EX | LOCK_NB) < 0) {
		rc = err_set(
		    errno == EWOULDBLOCK ? DR_EUSAGE : DR_EIO, "cannot lock '%s': %s", o->out_path,
		    errno == EWOULDBLOCK ? "another crawl is writing it" : strerror(errno));
		goto done;
	}
	if (c->st->resumed) {
		if (fstat(c->out_fd, &sb) < 0 || (uint64_t)sb.st_size < c->ck.bytes) {
			rc = err_set(DR_EIO,
			             "'%s' is shorter than checkpoint '%s' records (%" PRIu64
			             " bytes)",
			             o->out_path, o->checkpoint_path, c->ck.bytes);
			goto done;
		}
		/* Lines written after the last checkpoint go: their page is
		 * fetched again. */
		if (ftruncate(c->out_fd, (off_t)c->ck.bytes) < 0 || fsync(c->out_fd) < 0) {
			rc = err_set(DR_EIO, "cannot truncate '%s': %s", o->out_path,
			             strerror(errno));
			goto done;
		}
		if ((rc = load_seen(c, c->ck.bytes)) < 0)
			goto done;
	} else if (ftruncate(c->out_fd, 0) < 0) {
		rc = err_set(DR_EIO, "cannot truncate '%s': %s", o->out_path, strerror(errno));
		goto done;
	}
	if (lseek(c->out_fd, (off_t)c->ck.bytes, SEEK_SET) < 0) {
		rc = err_set(DR_EIO, "cannot seek '%s': %s", o->out_path, strerror(errno));
		goto done;
	}
	rc = checkpoint(c);
done:
	free(want_sources);
	return rc;
}

static int setup_curl(struct crawl *c)
{
	c->curl = curl_easy_init();
	if (!c->curl)
		return err_set(DR_ERROR, "cannot initialise libcurl");
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, (long)STALL_S);
	curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "dredge-hubcrawl");
	if (c->o->insecure) {
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->o->ca_file)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->o->ca_file);
	return 0;
}

int hubcrawl_run(struct hubcrawl_stats *out, const struct hubcrawl_opts *o)
{
	struct crawl c;
	const char *api = o->api ? o->api : HUBCRAWL_DEFAULT_API;
	size_t alen = strlen(api);
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.st = out;
	c.out_fd = -1;
	buf_init(&c.body, HUBCRAWL_MAX_PAGE_BYTES);
	hubcrawl_ckpt_init(&c.ck);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	while (alen > 0 && api[alen - 1] == '/')
		alen--;
	c.api = xstrndup(api, alen);
	if (!str_starts(c.api, "http://") && !str_starts(c.api, "https://")) {
		rc = err_set(DR_EUSAGE, "api '%s' is not an http(s) URL", api);
		goto done;
	}
	if (!hubcrawl_same_origin(c.api, c.api)) {
		rc = err_set(DR_EUSAGE, "cannot parse api URL '%s'", api);
		goto done;
	}
	if (o->n_sources == 0) {
		rc = err_set(DR_EUSAGE, "nothing to crawl: give a namespace or a query");
		goto done;
	}
	if (o->page_size > HUBCRAWL_MAX_PAGE_SIZE) {
		rc = err_set(DR_EUSAGE, "page size %u is over the API's maximum of %d",
		             o->page_size, HUBCRAWL_MAX_PAGE_SIZE);
		goto done;
	}
	if (o->checkpoint_path && !o->out_path) {
		rc = err_set(DR_EUSAGE, "a checkpoint needs an output file");
		goto done;
	}
	c.deadline = mono_now() + (double)(o->timeout_s > 0 ? o->timeout_s : 86400);
	if ((rc = setup_curl(&c)) < 0 || (rc = open_output(&c)) < 0)
		goto done;
	while (c.ck.source < o->n_sources && !c.stop &&
	       !(o->max_repos && c.ck.repos >= o->max_repos)) {
		if ((rc = walk_source(&c)) < 0)
			goto done;
	}
	out->complete = c.ck.source >= o->n_sources;
done:
	out->repos = c.ck.repos;
	out->malformed = c.ck.malformed;
	out->not_found = c.ck.not_found;
	if (c.out_fd > STDOUT_FILENO)
		close(c.out_fd);
	if (c.curl)
		curl_easy_cleanup(c.curl);
	curl_global_cleanup();
	hubcrawl_ckpt_release(&c.ck);
	seen_release(&c.seen);
	buf_release(&c.body);
	free(c.api);
	return rc;
}
