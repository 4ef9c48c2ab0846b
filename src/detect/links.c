#include "detect/links.h"
#include "util/limits.h"
#include "util/embed.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <ctype.h>
#include <gumbo.h>
#include <libpsl.h>
#include <md4c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (16u * 1024)
#define MD_PAD     64 /* zero bytes after the text md4c parses */
#define SET_BITS   12 /* shortener set: 4096 slots */

struct links_block {
	struct links_block *next;
	size_t used, cap;
	char data[];
};

enum entry_kind { ENTRY_SHORTENER, ENTRY_FAKE, ENTRY_CODE };

struct short_entry {
	const char *name;
	enum entry_kind kind;
};

#define CACHE_BITS 12 /* look-alike verdicts remembered per domain */

struct lookalike_cache {
	uint64_t key[1u << CACHE_BITS];
	uint8_t val[1u << CACHE_BITS]; /* 1: not a shortener, 2: look-alike */
	/* host -> registrable domain */
	uint64_t dkey[1u << CACHE_BITS];
	char dom[1u << CACHE_BITS][64];
};

struct linker {
	const psl_ctx_t *psl;
	struct lookalike_cache *cache; /* mutable through a const linker */
	char *list;                    /* the list's text, names point into it */
	struct short_entry set[1u << SET_BITS];
	const char **labels; /* labels of public shorteners, for look-alikes */
	size_t n_labels;
};

/* --- string storage ------------------------------------------------------ */

static char *ls_store(struct links *ls, const char *s, size_t n)
{
	struct links_block *b = ls->blocks;
	char *p;

	if (!b || b->cap - b->used < n + 1) {
		/* reuse a spare block when the head is a reset one */
		size_t cap = n + 1 > BLOCK_SIZE ? n + 1 : BLOCK_SIZE;

		b = xmalloc(sizeof(*b) + cap);
		b->cap = cap;
		b->used = 0;
		b->next = ls->blocks;
		ls->blocks = b;
	}
	p = b->data + b->used;
	memcpy(p, s, n);
	p[n] = '\0';
	b->used += n + 1;
	return p;
}

void links_reset(struct links *ls)
{
	struct links_block *b = ls->blocks;

	/* keep the newest block, free the rest */
	if (b) {
		struct links_block *rest = b->next;

		while (rest) {
			struct links_block *nx = rest->next;

			free(rest);
			rest = nx;
		}
		b->next = NULL;
		b->used = 0;
	}
	ls->n = 0;
	ls->dropped = 0;
}

void links_release(struct links *ls)
{
	struct links_block *b = ls->blocks;

	while (b) {
		struct links_block *nx = b->next;

		free(b);
		b = nx;
	}
	free(ls->v);
	free(ls->md_copy);
	memset(ls, 0, sizeof(*ls));
}

/* --- the shortener list -------------------------------------------------- */

static uint64_t hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static const struct short_entry *set_find(const struct linker *lk, const char *s, size_t n)
{
	size_t mask = (1u << SET_BITS) - 1, i = hash_str(s, n) & mask;

	while (lk->set[i].name) {
		if (!strncmp(lk->set[i].name, s, n) && lk->set[i].name[n] == '\0')
			return &lk->set[i];
		i = (i + 1) & mask;
	}
	return NULL;
}

static void set_add(struct linker *lk, const char *name, enum entry_kind kind)
{
	size_t mask = (1u << SET_BITS) - 1, n = strlen(name), i = hash_str(name, n) & mask;

	while (lk->set[i].name) {
		if (!strcmp(lk->set[i].name, name))
			return;
		i = (i + 1) & mask;
	}
	lk->set[i].name = name;
	lk->set[i].kind = kind;
}

static const char *const code_domains[] = {"github.com",
                                           "githubusercontent.com",
                                           "gitlab.com",
                                           "bitbucket.org",
                                           "readthedocs.io",
                                           "readthedocs.org",
                                           "docker.com",
                                           "docker.io",
                                           "quay.io",
                                           "ghcr.io",
                                           "gcr.io",
                                           "sourceforge.net",
                                           "pypi.org",
                                           "npmjs.com",
                                           "go.dev",
                                           "golang.org",
                                           "codeberg.org",
                                           "gitee.com",
                                           "launchpad.net",
                                           "sr.ht",
                                           "kubernetes.io",
                                           "helm.sh",
                                           "artifacthub.io",
                                           "opencontainers.org",
                                           "apache.org",
                                           "gnu.org",
                                           "python.org",
                                           "nodejs.org",
                                           "mozilla.org",
                                           "wikipedia.org",
                                           "creativecommons.org",
                                           "opensource.org",
                                           "shields.io",
                                           NULL};

int linker_new(struct linker **out)
{
	struct linker *lk = xcalloc(1, sizeof(*lk));
	size_t len, count = 0, cap = 0;
	const char *data = embed_get("data/url-shorteners.txt", &len);
	char *save = NULL, *line;
	int rc = 0;

	*out = NULL;
	lk->psl = psl_builtin();
	lk->cache = xcalloc(1, sizeof(*lk->cache));
	if (!lk->psl || !data) {
		rc = err_set(DR_ERROR, "no %s", lk->psl ? "'data/url-shorteners.txt'" : "psl list");
		goto done;
	}
	lk->list = xstrndup(data, len);
	for (line = strtok_r(lk->list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp;
		bool fake;

		if (*line == '#' || !*line)
			continue;
		sp = strchr(line, ' ');
		fake = sp && strstr(sp, "fake");
		if (sp)
			*sp = '\0';
		if (++count >= (1u << SET_BITS) / 2) {
			rc = err_set(DR_ELIMIT, "'data/url-shorteners.txt': too many entries");
			goto done;
		}
		set_add(lk, line, fake ? ENTRY_FAKE : ENTRY_SHORTENER);
		if (!fake) {
			/* look-alikes copy the label ("tinyurl") or the whole name
			 * folded into one ("bit.ly" -> "bitly") */
			char *dot = strchr(line, '.');

			if (dot && dot - line >= 5) {
				XGROW(lk->labels, cap, lk->n_labels + 1);
				lk->labels[lk->n_labels++] = xstrndup(line, (size_t)(dot - line));
			}
			if (dot && !strchr(dot + 1, '.') && strlen(line) - 1 >= 5) {
				char folded[64];

				snprintf(folded, sizeof(folded), "%.*s%s", (int)(dot - line), line,
				         dot + 1);
				XGROW(lk->labels, cap, lk->n_labels + 1);
				lk->labels[lk->n_labels++] = xstrdup(folded);
			}
		}
	}
	for (int i = 0; code_domains[i]; i++)
		set_add(lk, code_domains[i], ENTRY_CODE);
	*out = lk;
	lk = NULL;
done:
	linker_free(lk);
	return rc;
}

void linker_free(struct linker *lk)
{
	if (!lk)
		return;
	for (size_t i = 0; i < lk->n_labels; i++)
		free((char *)lk->labels[i]);
	free(lk->labels);
	free(lk->list);
	free(lk->cache);
	free(lk);
}

/* Optimal string alignment distance of a and b when at most 2, else 3. */
static int edit_distance2(const char *a, size_t na, const char *b, size_t nb)
{
	int d[34][34];

	if (na > 32 || nb > 32 || (na > nb ? na - nb : nb - na) > 2)
		return 3;
	for (size_t i = 0; i <= na; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= nb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= na; i++) {
		int row_min = 99;

		for (size_t j = 1; j <= nb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
			if (v < row_min)
				row_min = v;
		}
		if (row_min > 2)
			return 3;
	}
	return d[na][nb] > 2 ? 3 : d[na][nb];
}

bool linker_is_shortener(const struct linker *lk, const char *domain, bool *fake)
{
	const struct short_entry *e = set_find(lk, domain, strlen(domain));
	const char *dot = strchr(domain, '.');
	size_t n = dot ? (size_t)(dot - domain) : strlen(domain);

	*fake = false;
	if (e && e->kind == ENTRY_CODE)
		return false;
	if (e) {
		*fake = e->kind == ENTRY_FAKE;
		return true;
	}
	if (n < 5)
		return false;
	{
		uint64_t h = hash_str(domain, strlen(domain)) | 1;
		size_t slot = h & ((1u << CACHE_BITS) - 1);
		bool hit = false;

		if (lk->cache->key[slot] == h) {
			*fake = lk->cache->val[slot] == 2;
			return *fake;
		}
		for (size_t i = 0; i < lk->n_labels && !hit; i++) {
			const char *l = lk->labels[i];
			size_t ln = strlen(l);

			/* two edits on a long name or when the ends are kept
			 * ("blltly" for "bitly"), one edit otherwise: five-letter
			 * words two edits apart are everywhere */
			int allowed =
			    ln >= 7 || (domain[0] == l[0] && domain[n - 1] == l[ln - 1]) ? 2 : 1;

			hit = edit_distance2(domain, n, l, ln) <= allowed &&
			      !(ln == n && !memcmp(domain, l, n));
		}
		lk->cache->key[slot] = h;
		lk->cache->val[slot] = hit ? 2 : 1;
		*fake = hit;
		return hit;
	}
}

static bool is_ip(const char *host)
{
	if (host[0] == '[')
		return true;
	for (const char *p = host; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return false;
	return true;
}

bool linker_domain(const struct linker *lk, const char *host, char *out, size_t size)
{
	const char *reg;
	size_t n = strlen(host), slot;
	uint64_t h;

	if (!n || n >= size)
		return false;
	h = hash_str(host, n) | 1;
	slot = h & ((1u << CACHE_BITS) - 1);
	if (lk->cache->dkey[slot] == h) {
		str_copy(out, lk->cache->dom[slot], size);
		return true;
	}
	reg = is_ip(host) ? NULL : psl_registrable_domain(lk->psl, host);
	str_copy(out, reg ? reg : host, size);
	if (strlen(out) < sizeof(lk->cache->dom[0])) {
		lk->cache->dkey[slot] = h;
		str_copy(lk->cache->dom[slot], out, sizeof(lk->cache->dom[0]));
	}
	return true;
}

/* --- URLs ---------------------------------------------------------------- */

struct url_parts {
	char host[256];
	const char *path, *query; /* into the URL; query without '?' */
	size_t path_len, query_len;
};

static bool ci_prefix(const char *s, size_t n, const char *p)
{
	size_t pn = strlen(p);

	return n >= pn && !strncasecmp(s, p, pn);
}

/* Splits an http(s) URL; false when it has no usable host. */
static bool url_split(struct url_parts *u, const char *url, size_t n)
{
	const char *p = url, *end = url + n, *auth, *a_end, *at, *h, *h_end;
	size_t hn;

	memset(u, 0, sizeof(*u));
	if (ci_prefix(p, n, "http://"))
		p += 7;
	else if (ci_prefix(p, n, "https://"))
		p += 8;
	else if (n >= 2 && p[0] == '/' && p[1] == '/')
		p += 2;
	auth = p;
	while (p < end && *p != '/' && *p != '?' && *p != '#' && *p != '\\')
		p++;
	a_end = p;
	at = NULL;
	for (const char *q = auth; q < a_end; q++)
		if (*q == '@')
			at = q;
	h = at ? at + 1 : auth;
	h_end = h;
	if (h < a_end && *h == '[') {
		while (h_end < a_end && *h_end != ']')
			h_end++;
		if (h_end < a_end)
			h_end++;
	} else {
		while (h_end < a_end && *h_end != ':')
			h_end++;
	}
	hn = (size_t)(h_end - h);
	while (hn && h[hn - 1] == '.')
		hn--;
	if (!hn || hn >= sizeof(u->host))
		return false;
	for (size_t i = 0; i < hn; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c <= ' ' || c == '%' || c == '"' || c == '<' || c == '>')
			return false;
		u->host[i] = (char)tolower(c);
	}
	u->host[hn] = '\0';
	u->path = a_end;
	while (p < end && *p != '?' && *p != '#')
		p++;
	u->path_len = (size_t)(p - a_end);
	if (p < end && *p == '?') {
		const char *q = ++p;

		while (p < end && *p != '#')
			p++;
		u->query = q;
		u->query_len = (size_t)(p - q);
	}
	return true;
}

/* Percent-decodes (and '+' to space) n bytes into out; returns the length. */
static size_t pct_decode(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		if (s[i] == '%' && i + 2 < n + 0 && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hx[3] = {s[i + 1], s[i + 2], 0};

			out[o++] = (char)strtol(hx, NULL, 16);
			i += 2;
		} else if (s[i] == '+') {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return o;
}

static bool looks_http(const char *s, size_t n)
{
	return ci_prefix(s, n, "http://") || ci_prefix(s, n, "https://") || ci_prefix(s, n, "www.");
}

/* The value of query parameter name (raw), or NULL. */
static const char *query_param(const struct url_parts *u, const char *name, size_t *len)
{
	const char *p = u->query, *end = u->query ? u->query + u->query_len : NULL;
	size_t nn = strlen(name);

	while (p && p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;

		if ((size_t)(pe - p) > nn && !memcmp(p, name, nn) && p[nn] == '=') {
			*len = (size_t)(pe - p - nn - 1);
			return p + nn + 1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

static const char *const redirect_params[] = {
    "q",    "url",         "u",        "to",       "link",  "target",
    "dest", "destination", "goto",     "redirect", "redir", "redirect_uri",
    "out",  "blogspotURL", "continue", "r",        NULL};

/* The URL a redirector link forwards to, decoded into out; false when the
 * link is not an open redirect. *blog set for blogger hops. */
static bool unwrap_once(const struct url_parts *u, const char *domain, char *out, size_t cap,
                        bool *blog)
{
	*blog = !strcmp(domain, "blogger.com") || strstr(u->host, ".blogspot.") ||
	        !strncmp(domain, "blogspot.", 9);
	if (!u->query)
		return false;
	if (!strcmp(domain, "href.li")) {
		size_t n = pct_decode(out, cap, u->query, u->query_len);

		return looks_http(out, n);
	}
	for (int i = 0; redirect_params[i]; i++) {
		size_t vn;
		const char *v = query_param(u, redirect_params[i], &vn);

		if (v) {
			size_t n = pct_decode(out, cap, v, vn);

			if (looks_http(out, n) && !(n >= 2 && out[0] == '/'))
				return true;
		}
	}
	return false;
}

static bool is_code_host(const struct linker *lk, const char *host, const char *domain)
{
	const struct short_entry *e = set_find(lk, domain, strlen(domain));

	if (e && e->kind == ENTRY_CODE)
		return true;
	if (str_ends(host, ".github.io") || str_ends(host, ".gitlab.io") ||
	    str_ends(host, ".readthedocs.io"))
		return true;
	if ((str_starts(host, "docs.") || str_starts(host, "doc.") || str_starts(host, "wiki.")) &&
	    strcmp(domain, "google.com"))
		return true;
	return false;
}

/* A short random path ("/2uM9nR") after a short name with url/ly/link in it. */
/* A short link's code as the whole path: "/2uM9nR" (mixed: two character
 * classes at least). */
static bool code_path(const struct url_parts *u, bool mixed)
{
	size_t pn = u->path_len;
	const char *p = u->path;
	int digits = 0, upper = 0, lower = 0;

	if (pn < 4 || pn > 13 || p[0] != '/')
		return false;
	for (size_t i = 1; i < pn; i++) {
		unsigned char c = (unsigned char)p[i];

		if (isdigit(c))
			digits++;
		else if (isupper(c))
			upper++;
		else if (islower(c))
			lower++;
		else
			return false;
	}
	return !mixed || (digits > 0) + (upper > 0) + (lower > 0) >= 2;
}

static bool shortener_shape(const char *domain, const struct url_parts *u)
{
	const char *dot = strchr(domain, '.');
	size_t ln = dot ? (size_t)(dot - domain) : strlen(domain);

	if (ln > 9 || u->path_len < 5 || u->path_len > 11)
		return false;
	if (!(memmem(domain, ln, "url", 3) || memmem(domain, ln, "lnk", 3) ||
	      memmem(domain, ln, "link", 4) || memmem(domain, ln, "short", 5) ||
	      (ln >= 2 && domain[ln - 2] == 'l' && domain[ln - 1] == 'y')))
		return false;
	return code_path(u, true);
}

/* The link already in ls with the same target (scheme aside), or NULL. */
static struct link *find_target(struct links *ls, const char *target)
{
	const char *t = target;

	if (!strncasecmp(t, "https://", 8))
		t += 8;
	else if (!strncasecmp(t, "http://", 7))
		t += 7;
	for (size_t i = 0; i < ls->n; i++) {
		const char *o = ls->v[i].target;

		if (!strncasecmp(o, "https://", 8))
			o += 8;
		else if (!strncasecmp(o, "http://", 7))
			o += 7;
		if (!strcmp(o, t))
			return &ls->v[i];
	}
	return NULL;
}

void links_add_url(struct links *out, const struct linker *lk, const char *url, size_t len,
                   unsigned flags)
{
	char cur[LINKS_MAX_URL], next[LINKS_MAX_URL], domain[256], chain[1024];
	struct url_parts u;
	struct link *l;
	size_t chain_len = 0;
	int hops = 0;
	bool blog = false, fake;

	while (len && isspace((unsigned char)*url))
		url++, len--;
	while (len && isspace((unsigned char)url[len - 1]))
		len--;
	if (!len || len >= sizeof(cur))
		return;
	if (!looks_http(url, len) && !(len > 2 && url[0] == '/' && url[1] == '/')) {
		/* bare host/path or another scheme */
		const char *colon = memchr(url, ':', len);
		const char *slash = memchr(url, '/', len);

		if (colon && (!slash || colon < slash) && colon + 1 < url + len &&
		    !isdigit((unsigned char)colon[1]))
			return; /* mailto:, javascript:, ftp: … */
		if (url[0] == '/' || url[0] == '#' || url[0] == '.' || url[0] == '?')
			return; /* relative */
		if (!memchr(url, '.', slash ? (size_t)(slash - url) : len))
			return;
	}
	memcpy(cur, url, len);
	cur[len] = '\0';
	chain[0] = '\0';
	for (;;) {
		bool hop_blog = false;

		if (!url_split(&u, cur, strlen(cur)) ||
		    !linker_domain(lk, u.host, domain, sizeof(domain)))
			return;
		if (chain_len + strlen(domain) + 2 < sizeof(chain))
			chain_len += (size_t)snprintf(chain + chain_len, sizeof(chain) - chain_len,
			                              "%s%s", chain_len ? ">" : "", domain);
		if (hops >= LINKS_MAX_HOPS ||
		    !unwrap_once(&u, domain, next, sizeof(next), &hop_blog)) {
			blog |= hop_blog;
			break;
		}
		blog |= hop_blog;
		hops++;
		memcpy(cur, next, strlen(next) + 1);
	}
	{
		struct link *dup = find_target(out, cur);

		if (dup) { /* the same target written twice: one link, all its forms */
			dup->flags |= flags;
			return;
		}
	}
	if (out->n >= LINKS_MAX) {
		out->dropped++;
		return;
	}
	XGROW(out->v, out->alloc, out->n + 1);
	l = &out->v[out->n++];
	l->url = ls_store(out, url, len);
	l->target = hops ? ls_store(out, cur, strlen(cur)) : l->url;
	l->host = ls_store(out, u.host, strlen(u.host));
	l->domain = ls_store(out, domain, strlen(domain));
	l->chain = hops ? ls_store(out, chain, chain_len) : l->domain;
	l->hops = hops;
	l->flags = flags;
	if (hops)
		l->flags |= LINK_REDIRECT;
	if (blog)
		l->flags |= LINK_BLOG_HOP;
	if (is_ip(u.host))
		l->flags |= LINK_IP;
	else if (set_find(lk, domain, strlen(domain)) &&
	         set_find(lk, domain, strlen(domain))->kind != ENTRY_CODE)
		l->flags |= set_find(lk, domain, strlen(domain))->kind == ENTRY_FAKE
		                ? LINK_FAKE_SHORTENER
		                : LINK_SHORTENER;
	else if (code_path(&u, false) && linker_is_shortener(lk, domain, &fake))
		l->flags |= LINK_FAKE_SHORTENER; /* a look-alike name carrying a code */
	else if (shortener_shape(domain, &u))
		l->flags |= LINK_FAKE_SHORTENER;
	else if (is_code_host(lk, u.host, domain))
		l->flags |= LINK_CODE_HOST;
}

/* --- bare URLs in text --------------------------------------------------- */

static const char *const common_tlds[] = {
    "com",    "net",      "org",  "info",   "io",    "co",  "biz",   "xyz",     "top",  "ru",
    "me",     "ly",       "site", "online", "club",  "app", "dev",   "ai",      "cc",   "tk",
    "ml",     "ga",       "cf",   "gq",     "pw",    "ws",  "su",    "us",      "eu",   "uk",
    "de",     "fr",       "nl",   "it",     "es",    "pl",  "in",    "cn",      "jp",   "br",
    "au",     "ca",       "shop", "store",  "live",  "pro", "link",  "click",   "win",  "bid",
    "stream", "download", "loan", "vip",    "today", "fun", "space", "website", "life", "world",
    "one",    "tv",       "fm",   "to",     "gg",    "ink", "best",  "cloud",   "icu",  NULL};

/* Characters that end a bare URL: controls, space and <>"'()[]{}|\^` */
static const uint32_t delim_bits[8] = {0xffffffffu, 0x50000385u, 0x78000000u, 0x38000001u,
                                       0,           0,           0,           0};

static inline bool is_delim(unsigned char c)
{
	return delim_bits[c >> 5] >> (c & 31) & 1;
}

static void bare_token(struct links *out, const struct linker *lk, const char *t, size_t n,
                       unsigned flags)
{
	const char *host_end, *last_dot = NULL;
	char tld[32];
	bool path;

	while (n && (*t == '*' || *t == '_' || *t == '~'))
		t++, n--;
	while (n && memchr(".,;:!?*_~", t[n - 1], 9))
		n--;
	if (n < 4 || !memchr(t, '.', n))
		return;
	if (looks_http(t, n)) {
		links_add_url(out, lk, t, n, flags);
		return;
	}
	if (memmem(t, n, "://", 3))
		return;
	host_end = t;
	while (host_end < t + n &&
	       (isalnum((unsigned char)*host_end) || *host_end == '-' || *host_end == '.')) {
		if (*host_end == '.') {
			if (host_end == t || host_end[-1] == '.')
				return;
			last_dot = host_end;
		}
		host_end++;
	}
	if (!last_dot || host_end - last_dot - 1 < 2 ||
	    (size_t)(host_end - last_dot - 1) >= sizeof(tld))
		return;
	if (host_end < t + n && *host_end != '/' && *host_end != '?' && *host_end != ':' &&
	    *host_end != '#')
		return; /* "user@host", "a.b*c" */
	for (const char *p = last_dot + 1; p < host_end; p++) {
		if (!isalpha((unsigned char)*p))
			return;
		tld[p - last_dot - 1] = (char)tolower((unsigned char)*p);
	}
	tld[host_end - last_dot - 1] = '\0';
	path = host_end < t + n && *host_end == '/' && host_end + 1 < t + n;
	if (!path) {
		bool common = false;

		for (int i = 0; common_tlds[i]; i++)
			if (!strcmp(tld, common_tlds[i]))
				common = true;
		if (!common)
			return;
	} else if (!psl_is_public_suffix2(lk->psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE)) {
		return;
	}
	links_add_url(out, lk, t, n, flags);
}

static void scan_bare(struct links *out, const struct linker *lk, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t start;

		while (i < n && is_delim((unsigned char)s[i]))
			i++;
		start = i;
		while (i < n && !is_delim((unsigned char)s[i]))
			i++;
		if (i - start >= 4)
			bare_token(out, lk, s + start, i - start, LINK_BARE);
	}
}

/* --- HTML ---------------------------------------------------------------- */

static void html_walk(struct links *out, const struct linker *lk, const GumboNode *node, int depth)
{
	if (depth > 200)
		return;
	if (node->type == GUMBO_NODE_TEXT) {
		const char *t = node->v.text.text;

		scan_bare(out, lk, t, strlen(t));
		return;
	}
	if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT)
		return;
	if (node->type == GUMBO_NODE_ELEMENT) {
		const GumboElement *el = &node->v.element;
		const GumboAttribute *a = NULL;

		switch (el->tag) {
		case GUMBO_TAG_A:
		case GUMBO_TAG_AREA:
			a = gumbo_get_attribute(&el->attributes, "href");
			break;
		case GUMBO_TAG_IFRAME:
			a = gumbo_get_attribute(&el->attributes, "src");
			break;
		case GUMBO_TAG_FORM:
			a = gumbo_get_attribute(&el->attributes, "action");
			break;
		case GUMBO_TAG_META: {
			const GumboAttribute *eq =
			    gumbo_get_attribute(&el->attributes, "http-equiv");
			const GumboAttribute *c = gumbo_get_attribute(&el->attributes, "content");

			if (eq && c && !strcasecmp(eq->value, "refresh")) {
				const char *u = strcasestr(c->value, "url=");

				if (u)
					links_add_url(out, lk, u + 4, strlen(u + 4), LINK_HTML);
			}
			break;
		}
		default:
			break;
		}
		if (a)
			links_add_url(out, lk, a->value, strlen(a->value), LINK_HTML);
	}
	{
		const GumboVector *kids = node->type == GUMBO_NODE_DOCUMENT
		                              ? &node->v.document.children
		                              : &node->v.element.children;

		for (unsigned i = 0; i < kids->length; i++)
			html_walk(out, lk, kids->data[i], depth + 1);
	}
}

static void scan_html(struct links *out, const struct linker *lk, const char *s, size_t n)
{
	GumboOutput *g = gumbo_parse_with_options(&kGumboDefaultOptions, s, n);

	if (!g)
		return;
	html_walk(out, lk, g->document, 0);
	gumbo_destroy_output(&kGumboDefaultOptions, g);
}

/* --- Markdown ------------------------------------------------------------ */

struct md_ctx {
	struct links *out;
	const struct linker *lk;
	const char *in, *in_end; /* the parsed text */
	char *html;
	size_t html_len, html_alloc;
};

static int md_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
	return 0;
}

static int md_enter_span(MD_SPANTYPE type, void *detail, void *ud)
{
	struct md_ctx *c = ud;

	if (type == MD_SPAN_A) {
		const MD_SPAN_A_DETAIL *a = detail;

		links_add_url(c->out, c->lk, a->href.text, a->href.size, LINK_MARKDOWN);
	}
	return 0;
}

static int md_leave_span(MD_SPANTYPE type, void *detail, void *ud)
{
	return 0;
}

static int md_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *ud)
{
	struct md_ctx *c = ud;

	/* never read past the parsed text, whatever span md4c reports */
	if (text >= c->in && text < c->in_end + MD_PAD)
		size = text >= c->in_end                    ? 0
		       : size > (MD_SIZE)(c->in_end - text) ? (MD_SIZE)(c->in_end - text)
		                                            : size;
	if (type == MD_TEXT_NORMAL || type == MD_TEXT_CODE) {
		scan_bare(c->out, c->lk, text, size);
	} else if (type == MD_TEXT_HTML && c->html_len + size + 1 < LINKS_MAX_HTML) {
		XGROW(c->html, c->html_alloc, c->html_len + size + 2);
		memcpy(c->html + c->html_len, text, size);
		c->html_len += size;
		c->html[c->html_len++] = '\n';
	}
	return 0;
}

int links_extract(struct links *out, const struct linker *lk, const char *text, size_t len)
{
	struct md_ctx c = {out, lk, NULL, NULL, NULL, 0, 0};
	MD_PARSER p = {0,
	               MD_DIALECT_GITHUB & ~(unsigned)MD_FLAG_PERMISSIVEAUTOLINKS,
	               md_block,
	               md_block,
	               md_enter_span,
	               md_leave_span,
	               md_text,
	               NULL,
	               NULL};

	if (!memchr(text, '[', len) && !memchr(text, '<', len)) {
		scan_bare(out, lk, text, len);
		return 0;
	}
	/* md4c reads a private copy with zero padding after its end, and
	 * md_text clamps every span it reports to the text */
	XGROW(out->md_copy, out->md_alloc, len + MD_PAD);
	memcpy(out->md_copy, text, len);
	memset(out->md_copy + len, 0, MD_PAD);
	c.in = out->md_copy;
	c.in_end = out->md_copy + len;
	if (md_parse(c.in, (MD_SIZE)len, &p, &c)) {
		/* md4c gave up (out of memory): fall back to plain text */
		scan_bare(out, lk, text, len);
	}
	if (c.html_len)
		scan_html(out, lk, c.html, c.html_len);
	free(c.html);
	return 0;
}
