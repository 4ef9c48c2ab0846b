/* The netioc analyzer (registered in analyzer.h): network indicators
 * (netioc.h) of text files, of the image config (Entrypoint, Cmd, Env,
 * Labels) and of the history's created_by commands, matched against the
 * threat feeds and built-in lists of the scan (scan_intel). Binaries are
 * only searched for .onion names. Indicators no list holds are not
 * reported.
 *
 * A hit is a finding `intel-<category>` with the listed indicator (host,
 * address or URL) as evidence: malicious-host, cryptominer and hacktool hits
 * are strong (high); dynamic-dns, proxy-tunnel and newly-registered-domain
 * hits are medium and weak unless they sit in an Entrypoint/Cmd or history
 * command that downloads or connects (curl, wget, nc, socat, ssh -R, …), which
 * makes them high and strong; a weak hit that is an e-mail address or sits in
 * documentation (usr/share/doc, man, info, help, gtk-doc) is low. Hits of the built-in mining-pool
 * list are left to the rule engine (rule mining-pool-host reports exactly those hosts). */
#include "detect/analyzer.h"
#include "util/limits.h"
#include "detect/netioc.h"
#include "intel/intel.h"
#include "util/digest.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNIFF_BYTES 512 /* bytes looked at to tell text from binary */

struct netioc_an {
	struct scan_ctx *sc;
	const struct intel_set *intel;
	struct netioc *nx;
	bool config_done;

	/* where indicators of the current stream are */
	enum loc_source src;
	const char *layer;
	long layer_index;
	const char *path;
	const char *field;
	bool connects; /* the stream is a command that downloads or connects */

	/* the current file */
	bool active;
	bool sniffed;
	uint64_t seen, max;

	/* what this stream reported already */
	uint64_t *done;
	size_t n_done, alloc_done;
};

static uint64_t key_hash(const char *rule, const char *value)
{
	uint64_t h = str_hash(STR_HASH_SEED, rule, strlen(rule) + 1); /* with its NUL */

	return str_hash(h, value, strlen(value));
}

static const char *feed_base(const char *feed)
{
	const char *slash = strrchr(feed, '/');

	return slash ? slash + 1 : feed;
}

static bool weak_category(enum category c)
{
	return c == CAT_DYNAMIC_DNS || c == CAT_PROXY_TUNNEL || c == CAT_NEWLY_REGISTERED_DOMAIN;
}

static const char *category_title(enum category c)
{
	switch (c) {
	case CAT_MALICIOUS_HOST:
		return "Known malicious host";
	case CAT_PROXY_TUNNEL:
		return "Tunnelling or proxy-avoidance service";
	case CAT_DYNAMIC_DNS:
		return "Dynamic-DNS host";
	case CAT_NEWLY_REGISTERED_DOMAIN:
		return "Newly registered domain";
	case CAT_HACKTOOL:
		return "Host serving hacking tools";
	case CAT_CRYPTOMINER:
		return "Mining pool host";
	default:
		return "Listed network indicator";
	}
}

static bool doc_path(const char *path)
{
	static const char *const docs[] = {"usr/share/doc/",     "usr/share/man/",
	                                   "usr/share/info/",    "usr/share/help/",
	                                   "usr/share/gtk-doc/", NULL};

	for (int i = 0; docs[i]; i++)
		if (str_starts(path, docs[i]))
			return true;
	return false;
}

static int on_ioc(void *ctx, const struct ioc *ioc)
{
	struct netioc_an *na = ctx;
	struct intel_hit hit;
	const char *evidence;
	char rule[64], title[256];
	struct finding f;
	enum severity sev;
	uint64_t h;
	bool strong;

	if (ioc->kind == IOC_URL && intel_match_url(na->intel, ioc->value, &hit))
		evidence = ioc->value;
	else if (intel_match_host(na->intel, ioc->host, &hit))
		evidence = ioc->host;
	else
		return 0;
	if (hit.builtin && hit.category == CAT_CRYPTOMINER)
		return 0;
	snprintf(rule, sizeof(rule), "intel-%s", category_name(hit.category));
	h = key_hash(rule, evidence);
	for (size_t i = 0; i < na->n_done; i++)
		if (na->done[i] == h)
			return 0;
	XGROW(na->done, na->alloc_done, na->n_done + 1);
	na->done[na->n_done++] = h;

	strong = !weak_category(hit.category) || na->connects;
	sev = strong ? SEV_HIGH : SEV_MEDIUM;
	/* an address to write to, or a name in documentation, is no host the
	 * image contacts */
	if (!strong && (ioc->kind == IOC_EMAIL || (na->path && doc_path(na->path))))
		sev = SEV_LOW;
	snprintf(title, sizeof(title), "%s (%s '%s' line %ld)", category_title(hit.category),
	         hit.builtin ? "built-in list" : "threat feed", feed_base(hit.feed), hit.line);
	finding_init(&f, rule, hit.category, sev, title);
	f.strong = strong;
	finding_add_location(&f, na->src, na->layer, na->layer_index, na->path,
	                     na->src == LOC_FILE ? ioc->line : 0, na->field);
	finding_set_evidence(&f, evidence, strlen(evidence));
	scan_report(na->sc, &f);
	return 0;
}

/* ---- config and history --------------------------------------------------- */

/* True when a command line downloads or opens a connection. */
static bool command_connects(const char *s)
{
	static const char *const tools[] = {"curl",   "wget",  "nc",     "ncat", "netcat", "socat",
	                                    "telnet", "fetch", "aria2c", "ftp",  "tftp",   NULL};
	const char *p = s;
	bool ssh = false;

	if (strstr(s, "/dev/tcp/") || strstr(s, "/dev/udp/"))
		return true;
	while (*p) {
		const char *st, *base;
		size_t n;

		while (*p && strchr(" \t\n;&|()`'\"$<>={}", *p))
			p++;
		st = p;
		while (*p && !strchr(" \t\n;&|()`'\"$<>={}", *p))
			p++;
		n = (size_t)(p - st);
		if (!n)
			continue;
		base = st;
		for (const char *q = st; q < p; q++)
			if (*q == '/')
				base = q + 1;
		n = (size_t)(p - base);
		for (int i = 0; tools[i]; i++)
			if (strlen(tools[i]) == n && !memcmp(base, tools[i], n))
				return true;
		if (n == 3 && !memcmp(base, "ssh", 3))
			ssh = true;
		else if (ssh && (size_t)(p - st) == 2 && !memcmp(st, "-R", 2))
			return true;
	}
	return false;
}

static void stream_start(struct netioc_an *na, enum loc_source src, const char *layer,
                         long layer_index, const char *path, const char *field, bool connects)
{
	na->src = src;
	na->layer = layer;
	na->layer_index = layer_index;
	na->path = path;
	na->field = field;
	na->connects = connects;
	na->n_done = 0;
}

static int scan_text(struct netioc_an *na, const char *s)
{
	return netioc_scan(na->nx, 0, s, strlen(s), on_ioc, na);
}

static void join(struct buf *b, const struct strv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		if (b->len)
			buf_addc(b, ' ');
		buf_adds(b, v->v[i]);
	}
}

static int scan_config(struct netioc_an *na, const struct image *img)
{
	const struct image_config *c = &img->config;
	struct buf cmd = BUF_INIT, one = BUF_INIT;
	char field[160];
	bool connects;
	int rc = 0;

	na->config_done = true;
	join(&cmd, &c->entrypoint);
	join(&cmd, &c->cmd);
	connects = cmd.len && command_connects(cmd.ptr);
	join(&one, &c->entrypoint);
	stream_start(na, LOC_CONFIG, NULL, -1, NULL, "Entrypoint", connects);
	if (one.len && (rc = scan_text(na, one.ptr)))
		goto done;
	buf_reset(&one);
	join(&one, &c->cmd);
	stream_start(na, LOC_CONFIG, NULL, -1, NULL, "Cmd", connects);
	if (one.len && (rc = scan_text(na, one.ptr)))
		goto done;
	for (size_t i = 0; i < c->env.n; i++) {
		snprintf(field, sizeof(field), "Env[%zu]", i);
		stream_start(na, LOC_CONFIG, NULL, -1, NULL, field, false);
		if ((rc = scan_text(na, c->env.v[i])))
			goto done;
	}
	for (size_t i = 0; i < c->n_labels; i++) {
		snprintf(field, sizeof(field), "Labels[%.120s]", c->labels[i].key);
		stream_start(na, LOC_CONFIG, NULL, -1, NULL, field, false);
		if (c->labels[i].value && (rc = scan_text(na, c->labels[i].value)))
			goto done;
	}
	for (size_t i = 0; i < c->n_history; i++) {
		const struct history_entry *h = &c->history[i];
		long li = h->layer;
		const char *layer =
		    li >= 0 && (size_t)li < img->n_layers ? img->layers[li].diff_id : NULL;

		if (!h->created_by || !h->created_by[0])
			continue;
		snprintf(field, sizeof(field), "history[%zu].created_by", i);
		stream_start(na, LOC_HISTORY, layer, layer ? li : -1, NULL, field,
		             command_connects(h->created_by));
		if ((rc = scan_text(na, h->created_by)))
			goto done;
	}
done:
	buf_release(&cmd);
	buf_release(&one);
	return rc;
}

/* ---- analyzer callbacks -------------------------------------------------- */

static int na_init(void **out, struct scan_ctx *sc)
{
	const struct intel_set *intel = scan_intel(sc);
	struct netioc_an *na;

	*out = NULL;
	if (!intel)
		return 0;
	na = xcalloc(1, sizeof(*na));
	na->sc = sc;
	na->intel = intel;
	na->nx = netioc_new();
	*out = na;
	return 0;
}

static int na_layer_begin(void *st, const struct image *img, size_t index)
{
	struct netioc_an *na = st;

	if (!na || index != 0 || na->config_done)
		return 0;
	return scan_config(na, img);
}

static int na_file(void *st, const struct file_event *ev, bool *want)
{
	struct netioc_an *na = st;

	if (!na)
		return 0;
	na->active = ev->type == FT_REG && !ev->whiteout && !ev->opaque && ev->size > 0;
	if (!na->active)
		return 0;
	*want = true;
	na->sniffed = false;
	na->seen = 0;
	stream_start(na, LOC_FILE, ev->layer_digest, (long)ev->layer_index, ev->path, NULL, false);
	return 0;
}

static int na_content(void *st, const struct file_event *ev, const void *data, size_t len)
{
	struct netioc_an *na = st;

	if (!na || !na->active)
		return 0;
	if (!na->sniffed) {
		size_t n = len < SNIFF_BYTES ? len : SNIFF_BYTES;
		bool binary = (len >= 4 && !memcmp(data,
		                                   "\x7f"
		                                   "ELF",
		                                   4)) ||
		              memchr(data, '\0', n) != NULL;

		na->sniffed = true;
		na->max = binary ? NETIOC_BINARY_MAX : NETIOC_TEXT_MAX;
		netioc_begin(na->nx, binary ? NETIOC_ONION_ONLY : 0, on_ioc, na);
	}
	if (na->seen >= na->max)
		return 0;
	if (len > na->max - na->seen)
		len = (size_t)(na->max - na->seen);
	na->seen += len;
	return netioc_feed(na->nx, data, len);
}

static int na_file_end(void *st, const struct file_event *ev)
{
	struct netioc_an *na = st;
	int rc = 0;

	if (!na || !na->active)
		return 0;
	if (na->sniffed)
		rc = netioc_end(na->nx);
	na->active = false;
	return rc;
}

static int na_image_end(void *st, const struct image *img)
{
	struct netioc_an *na = st;

	/* an image without layers has its config looked at here */
	if (!na || na->config_done)
		return 0;
	return scan_config(na, img);
}

static void na_free(void *st)
{
	struct netioc_an *na = st;

	if (!na)
		return;
	netioc_free(na->nx);
	free(na->done);
	free(na);
}

const struct analyzer_ops analyzer_netioc = {
    .name = "netioc",
    .init = na_init,
    .layer_begin = na_layer_begin,
    .file = na_file,
    .content = na_content,
    .file_end = na_file_end,
    .image_end = na_image_end,
    .free = na_free,
};
