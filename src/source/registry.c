/* The registry source: OCI distribution / Docker registry v2 over libcurl.
 *
 * Every request goes through one transfer engine (struct xfer) driven by a
 * curl multi handle without threads: small documents (ping, token,
 * manifest) are collected into a capped buffer, blobs are pulled by the
 * caller through struct blob_reader. The engine handles authentication
 * (Basic, Bearer with a per-repository token refreshed once on 401),
 * retries with backoff on 5xx, 429 and dropped connections, resumption of
 * blobs with Range, and a bound on the total time of each request. */
#include "image/manifest.h"
#include "source/registry_int.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define REG_DEFAULT_STALL   30
#define REG_DEFAULT_RETRIES 5
#define REG_BUFFER_SIZE     (512 * 1024)

/* A curl multi handle with its one easy handle; kept between requests so
 * connections are reused. */
struct reg_conn {
	CURLM *multi;
	CURL *easy;
};

struct reg_source {
	struct source base;
	char *docker_config;
	char *ca_file;
	bool insecure;
	long timeout_s;
	long stall_s;
	int retries;
	const char *host; /* for messages: "docker.io" for Hub, else host[:port] */
	char *base_url;   /* "https://host[:port]" once the ping chose a scheme */
	pthread_mutex_t pool_lock;
	struct reg_conn *idle;
	pthread_mutex_t auth_lock;
	enum reg_scheme auth;
	bool creds_loaded;
	char *user, *pass;
	char *auth_header;      /* "Authorization: …" sent to the registry, or NULL */
	unsigned long auth_gen; /* bumped whenever auth_header changes */
};

struct xfer {
	struct reg_source *rs;
	struct reg_conn *conn;
	char *url;
	char *what;         /* "blob 'sha256:…'" for messages */
	const char *accept; /* Accept header or NULL */
	char *extra_auth;   /* Authorization header for non-registry requests */
	char *post;         /* form body to POST instead of a GET, or NULL */
	bool use_auth;      /* send the registry's Authorization header */
	bool ping;          /* any answer below 500 (but 429) ends the request */
	bool tls_probe;     /* a TLS handshake failure ends it with DR_EUNSUPPORTED */
	int64_t size;       /* expected body size or -1 */
	struct buf *sink;   /* small requests: the whole body goes here */
	/* progress */
	uint64_t delivered; /* body bytes accepted (handed out or spilled) */
	uint64_t skip;      /* bytes of this answer already delivered earlier */
	bool running, eof, paused;
	bool body_started, body_ok;
	long status;
	uint64_t attempt_bytes;
	int fail_rc; /* a fatal error found in the write callback */
	int err;     /* sticky error of a blob reader */
	struct buf errbody;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	/* the caller's buffer during a read */
	char *dst;
	size_t cap, len;
	char *spill;
	size_t spill_off, spill_len, spill_alloc;
	/* retries */
	int tries;
	struct timespec deadline;
	bool auth_retried;
	unsigned long sent_gen;
	char last_error[600];
	/* answer of a completed small request */
	char *content_type;
	char *docker_digest;
};

struct reg_blob {
	struct blob_reader base;
	struct xfer x;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

/* --- time -------------------------------------------------------------- */

static struct timespec now_plus(double s)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)s;
	t.tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static double seconds_left(const struct timespec *deadline)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(deadline->tv_sec - t.tv_sec) +
	       (double)(deadline->tv_nsec - t.tv_nsec) / 1e9;
}

static void sleep_s(double s)
{
	struct timespec t;

	if (s <= 0)
		return;
	t.tv_sec = (time_t)s;
	t.tv_nsec = (long)((s - (double)t.tv_sec) * 1e9);
	while (nanosleep(&t, &t) != 0)
		;
}

/* --- connections ----------------------------------------------------------- */

static struct reg_conn *conn_get(struct reg_source *rs)
{
	struct reg_conn *c;

	pthread_mutex_lock(&rs->pool_lock);
	c = rs->idle;
	rs->idle = NULL;
	pthread_mutex_unlock(&rs->pool_lock);
	if (c)
		return c;
	c = xcalloc(1, sizeof(*c));
	c->multi = curl_multi_init();
	c->easy = curl_easy_init();
	if (!c->multi || !c->easy) {
		fprintf(stderr, "dredge: out of memory (curl)\n");
		abort();
	}
	return c;
}

static void conn_free(struct reg_conn *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->easy);
	curl_multi_cleanup(c->multi);
	free(c);
}

static void conn_put(struct reg_source *rs, struct reg_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&rs->pool_lock);
	if (!rs->idle) {
		rs->idle = c;
		c = NULL;
	}
	pthread_mutex_unlock(&rs->pool_lock);
	conn_free(c);
}

/* --- the transfer engine ------------------------------------------------- */

static void xfer_init(struct xfer *x, struct reg_source *rs, char *url, char *what, int64_t size)
{
	memset(x, 0, sizeof(*x));
	x->rs = rs;
	x->url = url;
	x->what = what;
	x->size = size;
	buf_init(&x->errbody, REG_MAX_ERROR_BYTES);
	x->deadline = now_plus((double)rs->timeout_s);
}

static void xfer_release(struct xfer *x)
{
	if (x->conn) {
		curl_easy_setopt(x->conn->easy, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(x->conn->easy, CURLOPT_ERRORBUFFER, NULL);
		if (x->running) {
			/* Abandoned mid-transfer (possibly paused): not reusable. */
			curl_multi_remove_handle(x->conn->multi, x->conn->easy);
			conn_free(x->conn);
		} else {
			conn_put(x->rs, x->conn);
		}
	}
	x->conn = NULL;
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	free(x->url);
	free(x->what);
	free(x->extra_auth);
	free(x->post);
	free(x->spill);
	free(x->content_type);
	free(x->docker_digest);
	buf_release(&x->errbody);
	memset(x, 0, sizeof(*x));
}

/* The value of header name in the last answer (several joined by ", "), or
 * NULL; the caller frees. */
static char *last_header(CURL *easy, const char *name)
{
	struct curl_header *h;
	struct buf b = BUF_INIT;

	buf_init(&b, DR_MAX_HEADER_BYTES);
	for (size_t i = 0;; i++) {
		if (curl_easy_header(easy, name, i, CURLH_HEADER, -1, &h) != CURLHE_OK)
			break;
		if (b.len)
			buf_adds(&b, ", ");
		buf_adds(&b, h->value);
		if (i + 1 >= h->amount)
			break;
	}
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* Start offset of a "bytes START-END/TOTAL" Content-Range, or -1. */
static int64_t content_range_start(CURL *easy)
{
	char *v = last_header(easy, "Content-Range");
	uint64_t start = 0;
	int64_t res = -1;
	char *p, *dash;

	if (!v)
		return -1;
	p = v;
	if (strncasecmp(p, "bytes ", 6) == 0) {
		p += 6;
		dash = strchr(p, '-');
		if (dash) {
			*dash = '\0';
			if (str_to_u64(p, &start) == 0 && start <= INT64_MAX)
				res = (int64_t)start;
		}
	}
	free(v);
	return res;
}

static bool spill_empty(const struct xfer *x)
{
	return x->spill_off == x->spill_len;
}

static void spill_add(struct xfer *x, const char *data, size_t n)
{
	if (spill_empty(x))
		x->spill_off = x->spill_len = 0;
	if (x->spill_len + n > x->spill_alloc)
		XGROW(x->spill, x->spill_alloc, x->spill_len + n);
	memcpy(x->spill + x->spill_len, data, n);
	x->spill_len += n;
}

/* Sets up a new answer: its status decides whether the body is content. */
static int body_start(struct xfer *x)
{
	CURL *e = x->conn->easy;
	int64_t start;

	x->body_started = true;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &x->status);
	x->body_ok = false;
	if (x->status == 200) {
		x->body_ok = true;
		x->skip = x->sink ? 0 : x->delivered;
	} else if (x->status == 206 && !x->sink) {
		start = content_range_start(e);
		if (start < 0 || (uint64_t)start > x->delivered)
			return err_set(DR_ENET,
			               "registry '%s' answered a range request for %s with a bad "
			               "Content-Range",
			               x->rs->host, x->what);
		x->body_ok = true;
		x->skip = x->delivered - (uint64_t)start;
	}
	return 0;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t total = size * nmemb, n = total, room;

	if (!x->body_started) {
		x->fail_rc = body_start(x);
		if (x->fail_rc)
			return 0;
	}
	if (!x->body_ok) {
		if (x->status < 300 || x->status >= 400)
			buf_add(&x->errbody, data, n);
		return total;
	}
	if (x->sink) {
		if (buf_add(x->sink, data, n)) {
			x->fail_rc = DR_ELIMIT;
			return 0;
		}
		x->attempt_bytes += n;
		return total;
	}
	if (x->len == x->cap && !spill_empty(x)) {
		x->paused = true;
		return CURL_WRITEFUNC_PAUSE;
	}
	if (x->skip) {
		size_t d = x->skip < n ? (size_t)x->skip : n;

		x->skip -= d;
		data += d;
		n -= d;
	}
	if (x->size >= 0 && x->delivered + n > (uint64_t)x->size) {
		x->fail_rc = err_set(DR_EDIGEST,
		                     "%s from '%s' is larger than its descriptor's size of %" PRId64
		                     " bytes",
		                     x->what, x->rs->host, x->size);
		return 0;
	}
	room = x->cap - x->len;
	if (room > n)
		room = n;
	if (room) {
		memcpy(x->dst + x->len, data, room);
		x->len += room;
	}
	if (n > room)
		spill_add(x, data + room, n - room);
	x->delivered += n;
	x->attempt_bytes += n;
	return total;
}

static int attempt_start(struct xfer *x)
{
	struct reg_source *rs = x->rs;
	CURL *e;
	char range[48];
	double left = seconds_left(&x->deadline);
	long timeout_ms, connect_s;

	if (left <= 0)
		return err_set(DR_ENET, "cannot fetch %s from '%s': timed out after %ld s%s%s",
		               x->what, rs->host, rs->timeout_s, x->last_error[0] ? ": " : "",
		               x->last_error);
	if (!x->conn)
		x->conn = conn_get(rs);
	e = x->conn->easy;
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	if (x->accept) {
		char *h = NULL;
		struct buf b = BUF_INIT;

		buf_init(&b, 0);
		buf_addf(&b, "Accept: %s", x->accept);
		h = buf_detach(&b, NULL);
		x->hdrs = curl_slist_append(x->hdrs, h);
		free(h);
	}
	if (x->use_auth) {
		pthread_mutex_lock(&rs->auth_lock);
		if (rs->auth_header)
			x->hdrs = curl_slist_append(x->hdrs, rs->auth_header);
		x->sent_gen = rs->auth_gen;
		pthread_mutex_unlock(&rs->auth_lock);
	} else if (x->extra_auth) {
		x->hdrs = curl_slist_append(x->hdrs, x->extra_auth);
	}
	timeout_ms = (long)(left * 1000.0);
	if (timeout_ms < 1)
		timeout_ms = 1;
	connect_s = rs->stall_s < left ? rs->stall_s : (long)left + 1;

	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	if (x->post) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(x->post));
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->post);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(e, CURLOPT_USERAGENT, REG_USER_AGENT);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)DR_MAX_REDIRECTS);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, rs->insecure ? "http,https" : "https");
	curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)REG_BUFFER_SIZE);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, connect_s);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, rs->stall_s);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, rs->insecure ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, rs->insecure ? 0L : 2L);
	if (rs->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, rs->ca_file);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	if (!x->sink && x->delivered > 0) {
		snprintf(range, sizeof(range), "%" PRIu64 "-", x->delivered);
		curl_easy_setopt(e, CURLOPT_RANGE, range);
	} else {
		curl_easy_setopt(e, CURLOPT_RANGE, NULL);
	}
	if (x->sink)
		buf_reset(x->sink);
	buf_reset(&x->errbody);
	x->errbuf[0] = '\0';
	x->body_started = x->body_ok = x->paused = false;
	x->status = 0;
	x->skip = 0;
	x->attempt_bytes = 0;
	x->fail_rc = 0;
	if (curl_multi_add_handle(x->conn->multi, e) != CURLM_OK)
		return err_set(DR_ENET, "cannot start a request for %s", x->what);
	x->running = true;
	return 0;
}

static bool cc_retryable(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

static const char *cc_text(const struct xfer *x, CURLcode cc)
{
	return x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
}

/* ": CODE: message" from the error body, into out. */
static const char *body_summary(const struct xfer *x, char *out, size_t size)
{
	char *s = reg__error_summary(x->errbody.ptr, x->errbody.len);

	out[0] = '\0';
	if (s)
		snprintf(out, size, ": %s", s);
	free(s);
	return out;
}

static int auth_from_challenge(struct reg_source *rs, const char *challenge);

/* Handles a 401: sets up or refreshes credentials once per request.
 * Returns 1 to retry at once, or an error. */
static int on_unauthorized(struct xfer *x)
{
	struct reg_source *rs = x->rs;
	char *chal = last_header(x->conn->easy, "WWW-Authenticate");
	char summary[480];
	int rc;

	body_summary(x, summary, sizeof(summary));
	if (!x->use_auth || x->auth_retried) {
		rc = err_set(DR_EAUTH, "registry '%s' refused access to %s: HTTP 401%s", rs->host,
		             x->what, summary);
		goto done;
	}
	x->auth_retried = true;
	pthread_mutex_lock(&rs->auth_lock);
	if (x->sent_gen != rs->auth_gen) {
		/* Another request already refreshed the credentials. */
		pthread_mutex_unlock(&rs->auth_lock);
		rc = 1;
		goto done;
	}
	if (rs->auth == REG_AUTH_BASIC) {
		rc =
		    err_set(DR_EAUTH,
		            "registry '%s' refused the credentials of user '%s' for %s: HTTP 401%s",
		            rs->host, rs->user ? rs->user : "", x->what, summary);
	} else if (!chal) {
		rc = err_set(DR_EAUTH,
		             "registry '%s' answered HTTP 401 for %s without a WWW-Authenticate "
		             "challenge",
		             rs->host, x->what);
	} else {
		rc = auth_from_challenge(rs, chal);
		if (rc == 0)
			rc = 1;
	}
	pthread_mutex_unlock(&rs->auth_lock);
done:
	free(chal);
	return rc;
}

/* Ends an attempt. Returns 0 when the request is complete, 1 to go on with
 * another attempt (after any wait), or an error. */
static int attempt_end(struct xfer *x, CURLcode cc)
{
	struct reg_source *rs = x->rs;
	CURL *e = x->conn->easy;
	curl_off_t retry_after = 0;
	char summary[480];
	double wait;
	long status = 0;
	int rc;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry_after);
	curl_multi_remove_handle(x->conn->multi, e);
	x->running = false;
	x->status = status;
	if (x->fail_rc) {
		if (x->fail_rc == DR_ELIMIT && x->sink)
			return err_set(DR_ELIMIT,
			               "%s from '%s' is larger than the limit of %zu bytes",
			               x->what, rs->host, x->sink->max);
		return x->fail_rc;
	}
	if (cc == CURLE_OK) {
		body_summary(x, summary, sizeof(summary));
		if (x->ping && status != 429 && status < 500)
			return 0;
		if (status == 200 || status == 206) {
			if (x->sink) {
				char *ct = NULL;

				curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
				x->content_type = ct ? xstrdup(ct) : NULL;
				x->docker_digest = last_header(e, "Docker-Content-Digest");
			}
			return 0;
		}
		if (status == 401) {
			rc = on_unauthorized(x);
			return rc;
		}
		if (status == 403)
			return err_set(DR_EAUTH, "registry '%s' denied access to %s: HTTP 403%s",
			               rs->host, x->what, summary);
		if (status == 404)
			return err_set(DR_ENOTFOUND, "%s not found in '%s'", x->what, rs->host);
		if (status == 416 && x->size >= 0 && x->delivered == (uint64_t)x->size) {
			x->status = 206;
			return 0;
		}
		if (status != 429 && status < 500)
			return err_set(DR_ENET, "registry '%s' answered HTTP %ld for %s%s",
			               rs->host, status, x->what, summary);
		snprintf(x->last_error, sizeof(x->last_error), "HTTP %ld%s", status, summary);
	} else {
		if (x->tls_probe && (cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_RECV_ERROR ||
		                     cc == CURLE_GOT_NOTHING))
			return DR_EUNSUPPORTED;
		/* The first contact failing the handshake means a server that does
		 * not speak TLS; later, a handshake failure is transient. */
		if (cc == CURLE_SSL_CONNECT_ERROR && x->ping)
			return err_set(
			    DR_ENET,
			    "cannot reach registry '%s' over TLS: %s (use --insecure for "
			    "a plain-http registry)",
			    rs->host, cc_text(x, cc));
		if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE)
			return err_set(DR_ENET,
			               "cannot verify the TLS certificate of '%s': %s (use "
			               "--ca-file or --insecure)",
			               rs->host, cc_text(x, cc));
		if (!cc_retryable(cc))
			return err_set(DR_ENET, "cannot fetch %s from '%s': %s", x->what, rs->host,
			               cc_text(x, cc));
		snprintf(x->last_error, sizeof(x->last_error), "%s", cc_text(x, cc));
	}
	/* A transient failure: wait and try again. */
	if (x->attempt_bytes > 0 && !x->sink)
		x->tries = 0;
	x->tries++;
	if (x->tries > rs->retries)
		return err_set(DR_ENET, "cannot fetch %s from '%s' after %d attempts: %s", x->what,
		               rs->host, x->tries, x->last_error);
	wait = reg__backoff(x->tries) + (retry_after > 0 ? (double)retry_after : 0.0);
	if (wait >= seconds_left(&x->deadline))
		return err_set(DR_ENET, "cannot fetch %s from '%s' within %ld s: %s", x->what,
		               rs->host, rs->timeout_s, x->last_error);
	sleep_s(wait);
	return 1;
}

/* Runs the transfer until the caller's buffer holds bytes or the request
 * is complete (x->eof). */
static int xfer_step(struct xfer *x)
{
	int rc = 0;

	for (;;) {
		CURLMsg *m;
		CURLMcode mc;
		CURLcode cc = CURLE_OK;
		bool done = false;
		int still, queued;

		if (!x->running) {
			rc = attempt_start(x);
			if (rc)
				return rc;
		}
		if (x->paused) {
			x->paused = false;
			curl_easy_pause(x->conn->easy, CURLPAUSE_CONT);
			if (x->len > 0)
				return 0;
		}
		mc = curl_multi_perform(x->conn->multi, &still);
		if (mc != CURLM_OK)
			return err_set(DR_ENET, "cannot fetch %s from '%s': %s", x->what,
			               x->rs->host, curl_multi_strerror(mc));
		if (x->len > 0)
			return 0;
		while ((m = curl_multi_info_read(x->conn->multi, &queued)) != NULL) {
			if (m->msg == CURLMSG_DONE) {
				done = true;
				cc = m->data.result;
			}
		}
		if (done) {
			rc = attempt_end(x, cc);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				x->eof = true;
				return 0;
			}
			continue;
		}
		mc = curl_multi_poll(x->conn->multi, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK)
			return err_set(DR_ENET, "cannot fetch %s from '%s': %s", x->what,
			               x->rs->host, curl_multi_strerror(mc));
	}
}

/* Runs a small request to its end; the body lands in sink. */
static int xfer_run(struct xfer *x, struct buf *sink)
{
	int rc = 0;

	x->sink = sink;
	while (!x->eof && rc == 0)
		rc = xfer_step(x);
	return rc;
}

/* --- authentication -------------------------------------------------------- */

static int load_creds(struct reg_source *rs)
{
	char *path = NULL;
	int rc = 0;

	if (rs->creds_loaded)
		return 0;
	path = reg__docker_config_path(rs->docker_config);
	if (!path)
		goto done;
	rc = reg__docker_creds(&rs->user, &rs->pass, path, rs->base.ref.registry, rs->base.ref.hub,
	                       rs->timeout_s);
	if (rc == DR_ENOTFOUND) {
		err_clear();
		rc = 0;
	}
done:
	free(path);
	if (rc == 0)
		rs->creds_loaded = true;
	return rc;
}

static char *basic_header(const char *user, const char *pass)
{
	struct buf b = BUF_INIT;
	char *raw, *enc;

	buf_init(&b, 0);
	buf_addf(&b, "%s:%s", user, pass);
	raw = buf_detach(&b, NULL);
	enc = str_base64_encode((const unsigned char *)raw, strlen(raw));
	buf_init(&b, 0);
	buf_addf(&b, "Authorization: Basic %s", enc);
	free(raw);
	free(enc);
	return buf_detach(&b, NULL);
}

static void set_auth_header(struct reg_source *rs, enum reg_scheme scheme, char *header)
{
	free(rs->auth_header);
	rs->auth_header = header;
	rs->auth = scheme;
	rs->auth_gen++;
}

/* True when the credentials are an identity (OAuth2 refresh) token, which
 * docker's config and helpers give as user "<token>". */
static bool identity_creds(const struct reg_source *rs)
{
	return rs->user && !strcmp(rs->user, REG_IDENTITY_USER);
}

/* Fetches a pull token for our repository; called with auth_lock held.
 * With an identity token, the token is asked for by an OAuth2 POST
 * (grant_type=refresh_token), as docker does; else by a GET, with Basic
 * credentials when there are some. */
static int token_fetch(struct reg_source *rs, const struct reg_challenge *c)
{
	struct xfer x;
	struct buf body = BUF_INIT;
	struct buf scope = BUF_INIT;
	char *token = NULL, *what;
	struct buf w = BUF_INIT;
	const char *refused = rs->user ? "the credentials" : "anonymous access";
	char summary[480];
	int rc;

	buf_init(&scope, 0);
	buf_addf(&scope, "repository:%s:pull", rs->base.ref.repository);
	buf_init(&w, 0);
	buf_addf(&w, "a token for '%s'", rs->base.ref.repository);
	what = buf_detach(&w, NULL);
	if (identity_creds(rs)) {
		xfer_init(&x, rs, xstrdup(c->realm), what, -1);
		x.post = reg__token_form(c->service, scope.ptr, rs->pass);
		refused = "the identity token";
	} else {
		xfer_init(&x, rs, reg__token_url(c->realm, c->service, scope.ptr), what, -1);
		if (rs->user)
			x.extra_auth = basic_header(rs->user, rs->pass);
	}
	x.ping = true;
	buf_init(&body, REG_MAX_TOKEN_BYTES);
	rc = xfer_run(&x, &body);
	if (rc)
		goto done;
	body_summary(&x, summary, sizeof(summary));
	if (x.status == 401 || x.status == 403 || (x.post && x.status == 400)) {
		rc = err_set(DR_EAUTH, "token server '%s' refused %s for registry '%s': HTTP %ld%s",
		             c->realm, refused, rs->host, x.status, summary);
		goto done;
	}
	if (x.status != 200) {
		rc = err_set(DR_EAUTH, "token server '%s' for registry '%s' answered HTTP %ld%s",
		             c->realm, rs->host, x.status, summary);
		goto done;
	}
	rc = reg__token_parse(&token, body.ptr ? body.ptr : "", body.len);
	if (rc) {
		rc = err_wrap(DR_EAUTH, "token server '%s' for registry '%s'", c->realm, rs->host);
		goto done;
	}
	buf_init(&w, 0);
	buf_addf(&w, "Authorization: Bearer %s", token);
	set_auth_header(rs, REG_AUTH_BEARER, buf_detach(&w, NULL));
done:
	free(token);
	buf_release(&body);
	buf_release(&scope);
	xfer_release(&x);
	return rc;
}

/* Sets up credentials from a WWW-Authenticate value; auth_lock held. */
static int auth_from_challenge(struct reg_source *rs, const char *value)
{
	struct reg_challenge c;
	int rc;

	rc = reg__challenge_parse(&c, value);
	if (rc) {
		rc = err_set(DR_EAUTH, "registry '%s' asks for an unsupported authentication: '%s'",
		             rs->host, value);
		goto done;
	}
	rc = load_creds(rs);
	if (rc)
		goto done;
	if (c.scheme == REG_AUTH_BASIC) {
		if (!rs->user) {
			rc = err_set(DR_EAUTH,
			             "registry '%s' requires credentials (HTTP 401); pass --creds "
			             "or log in with docker login",
			             rs->host);
			goto done;
		}
		if (identity_creds(rs)) {
			rc = err_set(
			    DR_EAUTH,
			    "registry '%s' asks for a password (Basic), but the credentials "
			    "for it are an identity token; pass --creds",
			    rs->host);
			goto done;
		}
		set_auth_header(rs, REG_AUTH_BASIC, basic_header(rs->user, rs->pass));
		goto done;
	}
	rc = token_fetch(rs, &c);
done:
	reg__challenge_release(&c);
	return rc;
}

/* GET /v2/: picks the scheme and learns how the registry authenticates. */
static int registry_ping(struct reg_source *rs)
{
	const char *schemes[2] = {"https", "http"};
	struct buf body = BUF_INIT;
	char *chal = NULL;
	int rc = 0;

	for (int i = 0; i < (rs->insecure ? 2 : 1); i++) {
		struct xfer x;
		struct buf u = BUF_INIT;

		buf_init(&u, 0);
		buf_addf(&u, "%s://%s", schemes[i], rs->base.ref.registry);
		free(rs->base_url);
		rs->base_url = buf_detach(&u, NULL);
		buf_init(&u, 0);
		buf_addf(&u, "%s/v2/", rs->base_url);
		xfer_init(&x, rs, buf_detach(&u, NULL), xstrdup("the API root '/v2/'"), -1);
		x.ping = true;
		x.tls_probe = rs->insecure && i == 0;
		buf_init(&body, REG_MAX_ERROR_BYTES);
		rc = xfer_run(&x, &body);
		if (rc == 0 && x.status == 401)
			chal = last_header(x.conn->easy, "WWW-Authenticate");
		if (rc == 0 && x.status == 401 && !chal)
			rc = err_set(DR_EAUTH,
			             "registry '%s' answered HTTP 401 without a WWW-Authenticate "
			             "challenge",
			             rs->host);
		xfer_release(&x);
		buf_release(&body);
		if (rc != DR_EUNSUPPORTED)
			break;
		err_clear();
	}
	if (rc == 0 && chal) {
		pthread_mutex_lock(&rs->auth_lock);
		rc = auth_from_challenge(rs, chal);
		pthread_mutex_unlock(&rs->auth_lock);
	}
	free(chal);
	return rc;
}

/* --- source operations ----------------------------------------------------- */

static bool tag_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-')
		return false;
	for (const char *p = s; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	}
	return true;
}

/* Content-Type without parameters; the caller frees. */
static char *media_type_of(const char *ct)
{
	size_t n;

	if (!ct)
		return NULL;
	n = strcspn(ct, "; \t");
	return n ? xstrndup(ct, n) : NULL;
}

static int reg_get_manifest(struct source *src, const char *reference, struct buf *out,
                            char **media_type, bool *synthetic)
{
	struct reg_source *rs = (struct reg_source *)src;
	const char *want = reference;
	bool by_digest;
	struct xfer x;
	struct buf u = BUF_INIT, w = BUF_INIT;
	char got[DIGEST_STR_LEN];
	int rc;

	*media_type = NULL;
	*synthetic = false;
	memset(&x, 0, sizeof(x));
	buf_init(out, src->limits->manifest_bytes);
	if (!want)
		want = src->ref.digest ? src->ref.digest : src->ref.tag;
	if (!want)
		want = "latest";
	by_digest = strchr(want, ':') != NULL;
	if (by_digest) {
		rc = digest_check(want);
		if (rc) {
			rc = err_wrap(rc, "manifest reference '%s'", want);
			goto done;
		}
	} else if (!tag_valid(want)) {
		rc = err_set(DR_EFORMAT, "invalid tag '%s'", want);
		goto done;
	}
	buf_init(&u, 0);
	buf_addf(&u, "%s/v2/%s/manifests/%s", rs->base_url, src->ref.repository, want);
	buf_init(&w, 0);
	buf_addf(&w, "manifest '%s%c%s'", src->ref.repository, by_digest ? '@' : ':', want);
	xfer_init(&x, rs, buf_detach(&u, NULL), buf_detach(&w, NULL), -1);
	x.accept = manifest_accept;
	x.use_auth = true;
	rc = xfer_run(&x, out);
	if (rc)
		goto done;
	sha256_digest(out->ptr ? out->ptr : "", out->len, got);
	if (by_digest && strcmp(got, want) != 0) {
		rc = err_set(DR_EDIGEST, "%s from '%s': digest mismatch: asked for '%s', got '%s'",
		             x.what, rs->host, want, got);
		goto done;
	}
	if (!by_digest && x.docker_digest && strcmp(x.docker_digest, got) != 0) {
		rc = err_set(DR_EDIGEST,
		             "%s from '%s': digest mismatch: Docker-Content-Digest says '%.100s', "
		             "got '%s'",
		             x.what, rs->host, x.docker_digest, got);
		goto done;
	}
	*media_type = media_type_of(x.content_type);
done:
	xfer_release(&x);
	if (rc)
		buf_release(out);
	return rc;
}

static int reg_blob_read(struct blob_reader *r, void *buf, size_t cap, size_t *out_len)
{
	struct xfer *x = &((struct reg_blob *)r)->x;
	int rc = 0;

	*out_len = 0;
	if (x->err)
		return x->err;
	if (cap == 0)
		return 0;
	if (!spill_empty(x)) {
		size_t n = x->spill_len - x->spill_off;

		if (n > cap)
			n = cap;
		memcpy(buf, x->spill + x->spill_off, n);
		x->spill_off += n;
		*out_len = n;
		return 0;
	}
	if (x->eof)
		return 0;
	x->dst = buf;
	x->cap = cap;
	x->len = 0;
	rc = xfer_step(x);
	*out_len = rc ? 0 : x->len;
	x->dst = NULL;
	x->cap = x->len = 0;
	if (rc)
		x->err = rc;
	return rc;
}

static void reg_blob_free(struct blob_reader *r)
{
	struct reg_blob *b = (struct reg_blob *)r;

	if (!b)
		return;
	xfer_release(&b->x);
	free(b);
}

static int reg_open_blob(struct blob_reader **out, struct source *src, const char *digest,
                         int64_t size)
{
	struct reg_source *rs = (struct reg_source *)src;
	struct reg_blob *b;
	struct buf u = BUF_INIT, w = BUF_INIT;
	int rc;

	*out = NULL;
	rc = digest_check(digest);
	if (rc)
		return err_wrap(rc, "blob '%.80s'", digest);
	b = xcalloc(1, sizeof(*b));
	b->base.read = reg_blob_read;
	b->base.free = reg_blob_free;
	buf_init(&u, 0);
	buf_addf(&u, "%s/v2/%s/blobs/%s", rs->base_url, src->ref.repository, digest);
	buf_init(&w, 0);
	buf_addf(&w, "blob '%s'", digest);
	xfer_init(&b->x, rs, buf_detach(&u, NULL), buf_detach(&w, NULL), size);
	b->x.use_auth = true;
	*out = &b->base;
	return 0;
}

static void reg_free(struct source *src)
{
	struct reg_source *rs = (struct reg_source *)src;

	if (!rs)
		return;
	conn_free(rs->idle);
	free(rs->docker_config);
	free(rs->ca_file);
	free(rs->base_url);
	free(rs->user);
	free(rs->pass);
	free(rs->auth_header);
	pthread_mutex_destroy(&rs->pool_lock);
	pthread_mutex_destroy(&rs->auth_lock);
	source__release(&rs->base);
	free(rs);
}

static const struct source_ops registry_ops = {
    .name = "docker",
    .get_manifest = reg_get_manifest,
    .open_blob = reg_open_blob,
    .free = reg_free,
};

int registry_source_open(struct source **out, const struct image_ref *ref,
                         const struct net_opts *net, const struct limits *limits)
{
	static const struct net_opts none;
	struct reg_source *rs = NULL;
	int rc;

	*out = NULL;
	if (!net)
		net = &none;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc)
		return err_set(DR_ENET, "cannot initialise libcurl");
	if (!ref->registry || !ref->repository)
		return err_set(DR_EUSAGE, "reference has no registry or repository");
	rs = xcalloc(1, sizeof(*rs));
	source__init(&rs->base, &registry_ops, ref, limits);
	pthread_mutex_init(&rs->pool_lock, NULL);
	pthread_mutex_init(&rs->auth_lock, NULL);
	rs->docker_config = net->docker_config ? xstrdup(net->docker_config) : NULL;
	rs->ca_file = net->ca_file ? xstrdup(net->ca_file) : NULL;
	rs->insecure = net->insecure;
	rs->timeout_s = net->timeout_s > 0 ? net->timeout_s : REG_DEFAULT_TIMEOUT;
	rs->stall_s = net->stall_s > 0 ? net->stall_s : REG_DEFAULT_STALL;
	rs->retries = net->retries > 0 ? net->retries : net->retries < 0 ? 0 : REG_DEFAULT_RETRIES;
	rs->host = rs->base.ref.hub ? REF_HUB_DISPLAY : rs->base.ref.registry;
	if (net->creds) {
		rc = reg__split_creds(&rs->user, &rs->pass, net->creds);
		if (rc)
			goto done;
		rs->creds_loaded = true;
	}
	rc = registry_ping(rs);
	if (rc)
		goto done;
	*out = &rs->base;
	rs = NULL;
done:
	reg_free(rs ? &rs->base : NULL);
	return rc;
}
