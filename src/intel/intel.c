#include "intel/intel.h"

#include "util/embed.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef unsigned __int128 u128;

/* One slot of a string table (domains, URLs, hashes); the key lives in the
 * table's arena. */
struct sentry {
	uint32_t key; /* offset in the arena; 0: free slot */
	uint32_t hash;
	uint32_t feed;
	uint32_t line;
	uint8_t cat;
};

struct stable {
	struct sentry *v;
	size_t n, cap; /* cap is a power of two (or 0) */
	char *arena;   /* NUL-terminated keys, one after the other; byte 0 unused */
	size_t used, alloc;
};

#define ARENA_MAX 0xffffffffu /* bytes of keys in one table */

struct range {
	u128 lo, hi;
	u128 maxhi; /* largest hi of this and every range sorted before it */
	uint32_t feed;
	uint32_t line;
	uint8_t cat;
};

struct rtable {
	struct range *v;
	size_t n, alloc;
	bool sorted;
};

struct feed {
	char *name;
	bool builtin;
};

struct intel_set {
	struct feed *feeds;
	size_t n_feeds, alloc_feeds;
	struct stable domains, urls, hashes;
	struct rtable v4, v6;
	size_t total;
};

/* Lower is more serious: decides between entries listing the same thing. */
static int cat_rank(enum category c)
{
	switch (c) {
	case CAT_MALICIOUS_HOST:
		return 0;
	case CAT_CRYPTOMINER:
		return 1;
	case CAT_HACKTOOL:
		return 2;
	case CAT_PROXY_TUNNEL:
		return 3;
	case CAT_DYNAMIC_DNS:
		return 4;
	default:
		return 5;
	}
}

bool intel_category_ok(enum category c)
{
	return c == CAT_MALICIOUS_HOST || c == CAT_PROXY_TUNNEL || c == CAT_DYNAMIC_DNS ||
	       c == CAT_NEWLY_REGISTERED_DOMAIN || c == CAT_HACKTOOL || c == CAT_CRYPTOMINER;
}

/* ---- string tables -------------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

static bool key_eq(const struct stable *t, const struct sentry *e, const char *key, size_t n)
{
	const char *k = t->arena + e->key;

	return !strncmp(k, key, n) && !k[n];
}

static const struct sentry *stable_find(const struct stable *t, const char *key, size_t n)
{
	uint32_t h;

	if (!t->cap)
		return NULL;
	h = (uint32_t)hash_bytes(key, n);
	for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		const struct sentry *e = &t->v[i];

		if (!e->key)
			return NULL;
		if (e->hash == h && key_eq(t, e, key, n))
			return e;
	}
}

static void stable_grow(struct stable *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024;
	struct sentry *nv = xcalloc(ncap, sizeof(*nv));

	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->v[i].key)
			continue;
		for (j = t->v[i].hash & (ncap - 1); nv[j].key; j = (j + 1) & (ncap - 1))
			;
		nv[j] = t->v[i];
	}
	free(t->v);
	t->v = nv;
	t->cap = ncap;
}

/* Adds key (n bytes); returns 1 when new, 0 when it was there already (the
 * more serious category is kept), DR_ELIMIT when the arena is full. */
static int stable_add(struct stable *t, const char *key, size_t n, uint32_t feed, uint32_t line,
                      enum category cat)
{
	uint32_t h = (uint32_t)hash_bytes(key, n);
	size_t i;

	if ((t->n + 1) * 4 >= t->cap * 3)
		stable_grow(t);
	for (i = h & (t->cap - 1); t->v[i].key; i = (i + 1) & (t->cap - 1)) {
		struct sentry *e = &t->v[i];

		if (e->hash == h && key_eq(t, e, key, n)) {
			if (cat_rank(cat) < cat_rank((enum category)e->cat)) {
				e->cat = (uint8_t)cat;
				e->feed = feed;
				e->line = line;
			}
			return 0;
		}
	}
	if (!t->used)
		t->used = 1;
	if (t->used + n + 1 > ARENA_MAX)
		return DR_ELIMIT;
	XGROW(t->arena, t->alloc, t->used + n + 1);
	memcpy(t->arena + t->used, key, n);
	t->arena[t->used + n] = '\0';
	t->v[i].key = (uint32_t)t->used;
	t->used += n + 1;
	t->v[i].hash = h;
	t->v[i].feed = feed;
	t->v[i].line = line;
	t->v[i].cat = (uint8_t)cat;
	t->n++;
	return 1;
}

static void stable_release(struct stable *t)
{
	free(t->v);
	free(t->arena);
}

/* ---- address ranges ------------------------------------------------------- */

static u128 addr_to_u128(const unsigned char *a, size_t n)
{
	u128 x = 0;

	for (size_t i = 0; i < n; i++)
		x = x << 8 | a[i];
	return x;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi ? 1 : 0;
}

static void rtable_sort(struct rtable *t)
{
	u128 m = 0;

	if (t->sorted || !t->n)
		return;
	qsort(t->v, t->n, sizeof(*t->v), range_cmp);
	for (size_t i = 0; i < t->n; i++) {
		if (!i || t->v[i].hi > m)
			m = t->v[i].hi;
		t->v[i].maxhi = m;
	}
	t->sorted = true;
}

/* The narrowest range holding x (ties: the more serious category). */
static const struct range *rtable_find(const struct rtable *t, u128 x)
{
	const struct range *best = NULL;
	size_t lo = 0, hi = t->n;

	/* first index whose lo > x */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].lo <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && t->v[i].maxhi >= x;) {
		const struct range *r = &t->v[i];

		if (r->hi < x)
			continue;
		if (!best || r->hi - r->lo < best->hi - best->lo ||
		    (r->hi - r->lo == best->hi - best->lo &&
		     cat_rank((enum category)r->cat) < cat_rank((enum category)best->cat)))
			best = r;
	}
	return best;
}

/* ---- parsing helpers ------------------------------------------------------ */

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Parses an address "a.b.c.d" / IPv6, with "/prefix" when cidr. Fills addr
 * (16 bytes), *v6 and *prefix (full length without a prefix). */
static bool parse_net(const char *s, size_t n, bool cidr, unsigned char addr[16], bool *v6,
                      unsigned *prefix)
{
	char tmp[64];
	const char *slash = memchr(s, '/', n), *zone = memchr(s, '%', n);
	size_t alen = slash ? (size_t)(slash - s) : zone ? (size_t)(zone - s) : n;
	uint64_t p;

	/* a zone ("fe80::1%lo0" in hosts files) only on a lone address */
	if (alen == 0 || alen >= sizeof(tmp) || (slash && !cidr) || (zone && (slash || cidr)))
		return false;
	memcpy(tmp, s, alen);
	tmp[alen] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, tmp, addr) == 1)
		*v6 = false;
	else if (inet_pton(AF_INET6, tmp, addr) == 1)
		*v6 = true;
	else
		return false;
	*prefix = *v6 ? 128 : 32;
	if (slash) {
		char num[8];
		size_t nl = n - alen - 1;

		if (nl == 0 || nl >= sizeof(num))
			return false;
		memcpy(num, slash + 1, nl);
		num[nl] = '\0';
		if (str_to_u64(num, &p) || p > *prefix) {
			err_clear();
			return false;
		}
		*prefix = (unsigned)p;
	}
	return true;
}

/* Lower-cases a domain into out, dropping "*." / "." in front and a dot at
 * the end. false when it is not a plausible domain name. */
static bool norm_domain(char *out, size_t size, const char *s, size_t n)
{
	size_t label = 0, o = 0;
	bool alpha_last = false;

	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	} else if (n && s[0] == '.') {
		s++;
		n--;
	}
	if (n && s[n - 1] == '.')
		n--;
	if (!n || n > 253 || n >= size)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = lower(s[i]);

		if (c == '.') {
			if (!label)
				return false;
			label = 0;
			alpha_last = false;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		           c == '_') {
			if (++label > 63)
				return false;
			if (c >= 'a' && c <= 'z')
				alpha_last = true;
		} else {
			return false;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	/* the last label must hold a letter: "1.2.3" is a broken address */
	return label && alpha_last;
}

static int default_port(const char *scheme, size_t n)
{
	static const struct {
		const char *s;
		int port;
	} d[] = {{"http", 80}, {"https", 443}, {"ftp", 21}, {"ws", 80}, {"wss", 443}};

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if (strlen(d[i].s) == n && !memcmp(d[i].s, scheme, n))
			return d[i].port;
	return -1;
}

int intel_url_normalize(char *out, size_t size, const char *url, size_t len)
{
	const char *sep = NULL, *p, *end = url + len, *auth, *auth_end, *host, *host_end, *at;
	char scheme[32];
	size_t slen, o = 0;
	long port = -1;

	for (p = url; p + 2 < end; p++)
		if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
			sep = p;
			break;
		}
	slen = sep ? (size_t)(sep - url) : 0;
	if (!sep || !slen || slen >= sizeof(scheme))
		return err_set(DR_EFORMAT, "not a url '%.*s'", (int)(len > 80 ? 80 : len), url);
	for (size_t i = 0; i < slen; i++) {
		char c = lower(url[i]);

		if (!((c >= 'a' && c <= 'z') ||
		      (i && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))))
			return err_set(DR_EFORMAT, "bad url scheme in '%.*s'",
			               (int)(len > 80 ? 80 : len), url);
		scheme[i] = c;
	}
	scheme[slen] = '\0';
	auth = sep + 3;
	for (auth_end = auth;
	     auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#'; auth_end++)
		;
	at = NULL;
	for (p = auth; p < auth_end; p++)
		if (*p == '@')
			at = p;
	host = at ? at + 1 : auth;
	if (host < auth_end && *host == '[') {
		for (host_end = host; host_end < auth_end && *host_end != ']'; host_end++)
			;
		if (host_end == auth_end)
			return err_set(DR_EFORMAT, "bad url host in '%.*s'",
			               (int)(len > 80 ? 80 : len), url);
		host_end++;
	} else {
		for (host_end = host; host_end < auth_end && *host_end != ':'; host_end++)
			;
	}
	if (host_end < auth_end) {
		if (*host_end != ':')
			return err_set(DR_EFORMAT, "bad url host in '%.*s'",
			               (int)(len > 80 ? 80 : len), url);
		port = 0;
		for (p = host_end + 1; p < auth_end; p++) {
			if (*p < '0' || *p > '9' || port > 65535)
				return err_set(DR_EFORMAT, "bad url port in '%.*s'",
				               (int)(len > 80 ? 80 : len), url);
			port = port * 10 + (*p - '0');
		}
		if (port > 65535)
			return err_set(DR_EFORMAT, "bad url port in '%.*s'",
			               (int)(len > 80 ? 80 : len), url);
		if (p == host_end + 1)
			port = -1;
	}
	if (host_end > host && host_end[-1] == '.' && host_end - host > 1 && *host != '[')
		host_end--;
	if (host_end == host)
		return err_set(DR_EFORMAT, "url without a host '%.*s'", (int)(len > 80 ? 80 : len),
		               url);
	if (slen + 3 + (size_t)(host_end - host) + 8 >= size)
		goto toolong;
	memcpy(out, scheme, slen);
	o = slen;
	memcpy(out + o, "://", 3);
	o += 3;
	for (p = host; p < host_end; p++)
		out[o++] = lower(*p);
	if (port >= 0 && port != default_port(scheme, slen))
		o += (size_t)snprintf(out + o, size - o, ":%ld", port);
	/* path and query, without the fragment */
	p = auth_end;
	{
		const char *frag = memchr(p, '#', (size_t)(end - p));
		const char *stop = frag ? frag : end;

		if (p == stop || *p != '/') {
			if (o + 1 >= size)
				goto toolong;
			out[o++] = '/';
		}
		if (o + (size_t)(stop - p) >= size)
			goto toolong;
		memcpy(out + o, p, (size_t)(stop - p));
		o += (size_t)(stop - p);
	}
	out[o] = '\0';
	return 0;
toolong:
	return err_set(DR_ELIMIT, "url longer than %zu bytes '%.*s…'", size,
	               (int)(len > 80 ? 80 : len), url);
}

/* ---- loading -------------------------------------------------------------- */

struct loader {
	struct intel_set *s;
	const char *name;
	uint32_t feed;
	int category; /* -1 until known */
	bool explicit_cat;
	long line;
	bool seen_entry;
};

static int add_count(struct loader *ld, int added)
{
	if (added < 0)
		return err_set(DR_ELIMIT, "'%s' line %ld: more than %u bytes of feed entries",
		               ld->name, ld->line, ARENA_MAX);
	ld->s->total += (size_t)added;
	ld->seen_entry = true;
	if (ld->s->total > INTEL_MAX_ENTRIES)
		return err_set(DR_ELIMIT, "'%s' line %ld: more than %u feed entries", ld->name,
		               ld->line, INTEL_MAX_ENTRIES);
	return 0;
}

static int add_net(struct loader *ld, const unsigned char addr[16], bool v6, unsigned prefix)
{
	struct rtable *t = v6 ? &ld->s->v6 : &ld->s->v4;
	unsigned bits = v6 ? 128 : 32;
	u128 a = addr_to_u128(addr, v6 ? 16 : 4);
	u128 hostmask = prefix >= bits ? 0
	                : prefix == 0  ? ~(u128)0 >> (128 - bits)
	                               : (((u128)1 << (bits - prefix)) - 1);
	struct range *r;

	XGROW(t->v, t->alloc, t->n + 1);
	r = &t->v[t->n++];
	r->lo = a & ~hostmask;
	r->hi = r->lo | hostmask;
	r->feed = ld->feed;
	r->line = (uint32_t)ld->line;
	r->cat = (uint8_t)ld->category;
	t->sorted = false;
	return add_count(ld, 1);
}

static bool hosts_skip(const char *name)
{
	static const char *const skip[] = {"localhost",
	                                   "localhost.localdomain",
	                                   "local",
	                                   "broadcasthost",
	                                   "ip6-localhost",
	                                   "ip6-loopback",
	                                   "ip6-localnet",
	                                   "ip6-mcastprefix",
	                                   "ip6-allnodes",
	                                   "ip6-allrouters",
	                                   "ip6-allhosts",
	                                   "0.0.0.0",
	                                   NULL};

	for (int i = 0; skip[i]; i++)
		if (!strcmp(name, skip[i]))
			return true;
	return false;
}

static int bad_line(const struct loader *ld, const char *what, const char *tok, size_t n)
{
	return err_set(DR_EFORMAT, "'%s' line %ld: %s '%.*s'", ld->name, ld->line, what,
	               (int)(n > 80 ? 80 : n), tok);
}

static int header_line(struct loader *ld, const char *s, size_t n)
{
	static const char key[] = "category:";
	enum category c;
	char name[64];
	size_t i = 1, k;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i < sizeof(key) - 1 || strncasecmp(s + i, key, sizeof(key) - 1))
		return 0;
	i += sizeof(key) - 1;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (k = 0; i < n && s[i] != ' ' && s[i] != '\t' && k + 1 < sizeof(name); i++)
		name[k++] = s[i];
	name[k] = '\0';
	if (ld->explicit_cat || ld->seen_entry)
		return 0;
	if (category_parse(&c, name) || !intel_category_ok(c)) {
		err_clear();
		return bad_line(ld, "unknown feed category", name, k);
	}
	ld->category = (int)c;
	return 0;
}

#define MAX_TOKENS 64

static int load_line(struct loader *ld, const char *s, size_t n)
{
	const char *tok[MAX_TOKENS];
	size_t tlen[MAX_TOKENS], nt = 0, i = 0;
	unsigned char addr[16];
	char norm[INTEL_URL_MAX];
	unsigned prefix;
	bool v6;
	int rc = 0;

	if (n && s[n - 1] == '\r')
		n--;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return 0;
	if (s[i] == '#')
		return header_line(ld, s + i, n - i);
	while (i < n) {
		size_t st = i;

		if ((s[i] == '#' || s[i] == ';') && nt)
			break; /* trailing comment */
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		if (nt == MAX_TOKENS)
			return bad_line(ld, "too many fields in line", s, n);
		tok[nt] = s + st;
		tlen[nt++] = i - st;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
	}
	if (ld->category < 0)
		return err_set(DR_EFORMAT,
		               "'%s' line %ld: feed has no category (use --intel CATEGORY=FILE or "
		               "a '# category: NAME' header)",
		               ld->name, ld->line);
	/* sha256 [name…] */
	if (tlen[0] == 64) {
		bool hex = true;

		for (size_t k = 0; k < 64 && hex; k++)
			hex = is_hex(tok[0][k]);
		if (hex) {
			for (size_t k = 0; k < 64; k++)
				norm[k] = lower(tok[0][k]);
			return add_count(ld, stable_add(&ld->s->hashes, norm, 64, ld->feed,
			                                (uint32_t)ld->line,
			                                (enum category)ld->category));
		}
	}
	if (memmem(tok[0], tlen[0], "://", 3)) {
		if (nt > 1)
			return bad_line(ld, "unexpected text after url", tok[1], tlen[1]);
		if ((rc = intel_url_normalize(norm, sizeof(norm), tok[0], tlen[0])))
			return err_wrap(rc, "'%s' line %ld", ld->name, ld->line);
		return add_count(ld, stable_add(&ld->s->urls, norm, strlen(norm), ld->feed,
		                                (uint32_t)ld->line, (enum category)ld->category));
	}
	if (parse_net(tok[0], tlen[0], nt == 1, addr, &v6, &prefix)) {
		if (nt == 1)
			return add_net(ld, addr, v6, prefix);
		/* hosts-file form: "<address> name [name…]" */
		for (size_t k = 1; k < nt && !rc; k++) {
			if (tlen[k] < sizeof(norm)) {
				memcpy(norm, tok[k], tlen[k]);
				norm[tlen[k]] = '\0';
				if (hosts_skip(norm))
					continue;
			}
			if (!norm_domain(norm, sizeof(norm), tok[k], tlen[k]))
				return bad_line(ld, "not a host name", tok[k], tlen[k]);
			if (hosts_skip(norm))
				continue;
			rc = add_count(ld,
			               stable_add(&ld->s->domains, norm, strlen(norm), ld->feed,
			                          (uint32_t)ld->line, (enum category)ld->category));
		}
		return rc;
	}
	if (nt > 1)
		return bad_line(ld, "not an address, network, domain, url or sha256", s + 0, n);
	if (!norm_domain(norm, sizeof(norm), tok[0], tlen[0]))
		return bad_line(ld, "not an address, network, domain, url or sha256", tok[0],
		                tlen[0]);
	return add_count(ld, stable_add(&ld->s->domains, norm, strlen(norm), ld->feed,
	                                (uint32_t)ld->line, (enum category)ld->category));
}

static uint32_t add_feed(struct intel_set *s, const char *name, bool builtin)
{
	XGROW(s->feeds, s->alloc_feeds, s->n_feeds + 1);
	s->feeds[s->n_feeds].name = xstrdup(name);
	s->feeds[s->n_feeds].builtin = builtin;
	return (uint32_t)s->n_feeds++;
}

static void loader_init(struct loader *ld, struct intel_set *s, const char *name, int category,
                        bool builtin)
{
	memset(ld, 0, sizeof(*ld));
	ld->s = s;
	ld->feed = add_feed(s, name, builtin);
	ld->name = s->feeds[ld->feed].name;
	ld->category = category;
	ld->explicit_cat = category >= 0;
}

static int load_mem(struct intel_set *s, const char *name, int category, const char *data,
                    size_t len, bool builtin)
{
	struct loader ld;
	const char *p = data, *end = data + len;
	int rc = 0;

	if (category >= 0 && !intel_category_ok((enum category)category))
		return err_set(DR_EUSAGE, "'%s': category '%s' is not a feed category", name,
		               category_name((enum category)category));
	loader_init(&ld, s, name, category, builtin);
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		ld.line++;
		if (n > INTEL_LINE_MAX)
			rc = err_set(DR_ELIMIT, "'%s' line %ld: longer than %d bytes", name,
			             ld.line, INTEL_LINE_MAX);
		else
			rc = load_line(&ld, p, n);
		p += n + 1;
	}
	rtable_sort(&s->v4);
	rtable_sort(&s->v6);
	return rc;
}

int intel_load_text(struct intel_set *s, const char *name, int category, const char *data,
                    size_t len)
{
	return load_mem(s, name, category, data, len, false);
}

int intel_load_file(struct intel_set *s, const char *spec)
{
	const char *eq = strchr(spec, '=');
	const char *path = spec;
	int category = -1, rc = 0;
	struct loader ld;
	FILE *fp = NULL;
	char *block = NULL, *line = NULL;
	size_t line_len = 0;
	bool bom_checked = false, overlong = false;

	if (eq) {
		char cat[64];
		enum category c;
		size_t n = (size_t)(eq - spec);

		if (n < sizeof(cat)) {
			memcpy(cat, spec, n);
			cat[n] = '\0';
		}
		if (n < sizeof(cat) && !category_parse(&c, cat)) {
			if (!intel_category_ok(c))
				return err_set(DR_EUSAGE,
				               "--intel '%s': '%s' is not a feed category (one of "
				               "malicious-host, proxy-tunnel, dynamic-dns, "
				               "newly-registered-domain, hacktool, cryptominer)",
				               spec, cat);
			category = (int)c;
			path = eq + 1;
		} else {
			err_clear();
			/* an '=' in a plain file name: the file must exist as named */
			if (access(spec, F_OK))
				return err_set(DR_EUSAGE,
				               "--intel '%s': unknown category '%.*s' (one of "
				               "malicious-host, proxy-tunnel, dynamic-dns, "
				               "newly-registered-domain, hacktool, cryptominer)",
				               spec, (int)(n > 60 ? 60 : n), spec);
		}
	}
	fp = fopen(path, "rb");
	if (!fp) {
		rc = err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO, "cannot open feed '%s': %s",
		             path, strerror(errno));
		goto done;
	}
	loader_init(&ld, s, path, category, false);
	block = xmalloc(64 * 1024);
	line = xmalloc(INTEL_LINE_MAX + 1);
	for (;;) {
		size_t got = fread(block, 1, 64 * 1024, fp), off = 0;

		if (!got) {
			if (ferror(fp))
				rc = err_set(DR_EIO, "cannot read feed '%s'", path);
			break;
		}
		if (!bom_checked) {
			bom_checked = true;
			if (got >= 3 && !memcmp(block, "\xef\xbb\xbf", 3))
				off = 3;
		}
		while (off < got && !rc) {
			char *nl = memchr(block + off, '\n', got - off);
			size_t n = nl ? (size_t)(nl - (block + off)) : got - off;

			if (line_len + n > INTEL_LINE_MAX) {
				overlong = true;
			} else {
				memcpy(line + line_len, block + off, n);
				line_len += n;
			}
			off += n;
			if (!nl)
				break;
			off++;
			ld.line++;
			if (overlong)
				rc = err_set(DR_ELIMIT, "'%s' line %ld: longer than %d bytes", path,
				             ld.line, INTEL_LINE_MAX);
			else
				rc = load_line(&ld, line, line_len);
			line_len = 0;
		}
		if (rc)
			break;
	}
	if (!rc && (line_len || overlong)) {
		ld.line++;
		rc = overlong ? err_set(DR_ELIMIT, "'%s' line %ld: longer than %d bytes", path,
		                        ld.line, INTEL_LINE_MAX)
		              : load_line(&ld, line, line_len);
	}
	if (!rc && ld.category < 0 && !ld.seen_entry)
		rc = err_set(DR_EFORMAT, "feed '%s' has no entries and no category", path);
	rtable_sort(&s->v4);
	rtable_sort(&s->v6);
done:
	if (fp)
		fclose(fp);
	free(block);
	free(line);
	return rc;
}

struct intel_set *intel_new_empty(void)
{
	return xcalloc(1, sizeof(struct intel_set));
}

int intel_new(struct intel_set **out)
{
	static const struct {
		const char *path;
		enum category cat;
	} builtin[] = {
	    {"data/dynamic-dns.txt", CAT_DYNAMIC_DNS},
	    {"data/proxy-tunnel.txt", CAT_PROXY_TUNNEL},
	    {"data/mining-pools.txt", CAT_CRYPTOMINER},
	};
	struct intel_set *s = intel_new_empty();
	int rc = 0;

	*out = NULL;
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]) && !rc; i++) {
		size_t len;
		const char *data = embed_get(builtin[i].path, &len);

		if (!data)
			rc = err_set(DR_ERROR, "built-in list '%s' is missing", builtin[i].path);
		else
			rc = load_mem(s, builtin[i].path, (int)builtin[i].cat, data, len, true);
	}
	if (rc) {
		intel_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void intel_free(struct intel_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_feeds; i++)
		free(s->feeds[i].name);
	free(s->feeds);
	stable_release(&s->domains);
	stable_release(&s->urls);
	stable_release(&s->hashes);
	free(s->v4.v);
	free(s->v6.v);
	free(s);
}

/* ---- lookups -------------------------------------------------------------- */

static void fill_hit(const struct intel_set *s, struct intel_hit *out, uint32_t feed, uint32_t line,
                     uint8_t cat)
{
	if (!out)
		return;
	out->category = (enum category)cat;
	out->feed = s->feeds[feed].name;
	out->builtin = s->feeds[feed].builtin;
	out->line = (long)line;
}

bool intel_match_ip(const struct intel_set *s, const unsigned char *addr, bool v6,
                    struct intel_hit *out)
{
	const struct rtable *t = v6 ? &s->v6 : &s->v4;
	const struct range *r;

	if (!t->n)
		return false;
	r = rtable_find(t, addr_to_u128(addr, v6 ? 16 : 4));
	if (!r)
		return false;
	fill_hit(s, out, r->feed, r->line, r->cat);
	return true;
}

bool intel_match_host(const struct intel_set *s, const char *host, struct intel_hit *out)
{
	char norm[256];
	unsigned char addr[16];
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(norm)) {
		memcpy(norm, host + 1, n - 2);
		norm[n - 2] = '\0';
		return inet_pton(AF_INET6, norm, addr) == 1 && intel_match_ip(s, addr, true, out);
	}
	if (inet_pton(AF_INET, host, addr) == 1)
		return intel_match_ip(s, addr, false, out);
	if (strchr(host, ':'))
		return inet_pton(AF_INET6, host, addr) == 1 && intel_match_ip(s, addr, true, out);
	if (!s->domains.n || !norm_domain(norm, sizeof(norm), host, n))
		return false;
	for (const char *p = norm; p;) {
		const struct sentry *e = stable_find(&s->domains, p, strlen(p));
		const char *dot;

		if (e) {
			fill_hit(s, out, e->feed, e->line, e->cat);
			return true;
		}
		dot = strchr(p, '.');
		p = dot ? dot + 1 : NULL;
	}
	return false;
}

bool intel_match_url(const struct intel_set *s, const char *url, struct intel_hit *out)
{
	char norm[INTEL_URL_MAX];
	const struct sentry *e;

	if (!s->urls.n)
		return false;
	if (intel_url_normalize(norm, sizeof(norm), url, strlen(url))) {
		err_clear();
		return false;
	}
	e = stable_find(&s->urls, norm, strlen(norm));
	if (!e)
		return false;
	fill_hit(s, out, e->feed, e->line, e->cat);
	return true;
}

bool intel_match_sha256(const struct intel_set *s, const char *hex, struct intel_hit *out)
{
	char norm[65];
	const struct sentry *e;

	if (!s->hashes.n || strlen(hex) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		norm[i] = lower(hex[i]);
	norm[64] = '\0';
	e = stable_find(&s->hashes, norm, 64);
	if (!e)
		return false;
	fill_hit(s, out, e->feed, e->line, e->cat);
	return true;
}

bool intel_has_hashes(const struct intel_set *s)
{
	return s && s->hashes.n;
}

size_t intel_count(const struct intel_set *s)
{
	return s->v4.n + s->v6.n + s->domains.n + s->urls.n + s->hashes.n;
}
