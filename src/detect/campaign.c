#include "detect/campaign.h"
#include "util/err.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define BANDS     8
#define AGREE_MIN 8 /* of 16 bins: estimated Jaccard >= 0.5 */
#define NONE32    UINT32_MAX

/* --- u64 -> u32 open-addressing map ------------------------------------- */

struct map {
	uint64_t *keys; /* 0: empty */
	uint32_t *vals;
	size_t cap, n;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return mix64(h);
}

static void map_grow(struct map *m)
{
	struct map nm;

	nm.cap = m->cap ? m->cap * 2 : 1024;
	nm.n = m->n;
	nm.keys = xcalloc(nm.cap, sizeof(*nm.keys));
	nm.vals = xmalloc(nm.cap * sizeof(*nm.vals));
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->keys[i])
			continue;
		j = mix64(m->keys[i]) & (nm.cap - 1);
		while (nm.keys[j])
			j = (j + 1) & (nm.cap - 1);
		nm.keys[j] = m->keys[i];
		nm.vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	*m = nm;
}

/* The slot of key; inserted with val when absent (*found false). */
static uint32_t *map_put(struct map *m, uint64_t key, uint32_t val, bool *found)
{
	size_t i;

	if (!key)
		key = 1;
	if ((m->n + 1) * 4 > m->cap * 3)
		map_grow(m);
	i = mix64(key) & (m->cap - 1);
	while (m->keys[i]) {
		if (m->keys[i] == key) {
			*found = true;
			return &m->vals[i];
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	*found = false;
	return &m->vals[i];
}

static void map_release(struct map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* --- the item store ------------------------------------------------------ */

struct campaigns {
	size_t n, alloc;
	uint32_t *parent;
	uint32_t *attach; /* weak items: the strong item they joined, or NONE32 */
	uint32_t *ns_id;  /* account number */
	int64_t *created;
	uint8_t *kind, *verdict;
	uint32_t (*sig)[CAMPAIGN_SIG];
	uint32_t (*dom)[2]; /* domain ids for the top-domains table */
	size_t *name_off;   /* "namespace/name" in names */
	char *names;
	size_t names_len, names_alloc;
	char *domains; /* domain strings */
	size_t domains_len, domains_alloc;
	size_t *dom_off;
	size_t n_dom, dom_alloc;
	struct map by_ns, by_link, by_name, by_band, dom_ids, ns_ids;
	struct map burst_first, burst_second, burst_n;
	uint32_t n_ns;
	/* results */
	uint32_t *item_cid;
	struct campaign *v;
	size_t n_campaigns;
	bool finished;
};

static const char *const type_names[] = {"downloader", "ebook-phishing", "website-seo", "other"};

const char *campaign_type_name(enum campaign_type t)
{
	return type_names[t];
}

int campaigns_new(struct campaigns **out)
{
	*out = xcalloc(1, sizeof(**out));
	return 0;
}

void campaigns_free(struct campaigns *cs)
{
	if (!cs)
		return;
	free(cs->parent);
	free(cs->attach);
	free(cs->ns_id);
	free(cs->created);
	free(cs->kind);
	free(cs->verdict);
	free(cs->sig);
	free(cs->dom);
	free(cs->name_off);
	free(cs->names);
	free(cs->domains);
	free(cs->dom_off);
	map_release(&cs->by_ns);
	map_release(&cs->by_link);
	map_release(&cs->by_name);
	map_release(&cs->burst_first);
	map_release(&cs->burst_second);
	map_release(&cs->burst_n);
	map_release(&cs->by_band);
	map_release(&cs->dom_ids);
	map_release(&cs->ns_ids);
	free(cs->item_cid);
	free(cs->v);
	free(cs);
}

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
	uint32_t root = x;

	while (parent[root] != root)
		root = parent[root];
	while (parent[x] != root) {
		uint32_t nx = parent[x];

		parent[x] = root;
		x = nx;
	}
	return root;
}

static void uf_union(uint32_t *parent, uint32_t a, uint32_t b)
{
	a = uf_find(parent, a);
	b = uf_find(parent, b);
	/* the older item stays the root: stable and deterministic */
	if (a < b)
		parent[b] = a;
	else if (b < a)
		parent[a] = b;
}

/* --- text signature ------------------------------------------------------ */

void campaign_signature(uint32_t out[CAMPAIGN_SIG], const char *const *texts, size_t n_texts)
{
	uint64_t prev = 0;
	bool have_prev = false, any = false;

	for (int i = 0; i < CAMPAIGN_SIG; i++)
		out[i] = UINT32_MAX;
	for (size_t t = 0; t < n_texts; t++) {
		const unsigned char *p = (const unsigned char *)texts[t];

		if (!p)
			continue;
		while (*p) {
			uint64_t h = 1469598103934665603ull;
			size_t len = 0;
			bool digit = false;

			while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			               (*p >= '0' && *p <= '9')))
				p++;
			while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			       (*p >= '0' && *p <= '9')) {
				unsigned char c = *p >= 'A' && *p <= 'Z' ? *p + 32 : *p;

				digit |= c >= '0' && c <= '9';
				h = (h ^ c) * 1099511628211ull;
				len++;
				p++;
			}
			if (len < 2)
				continue;
			if (digit)
				h = 0x30; /* every number is the same token */
			if (have_prev) {
				uint64_t s = mix64(prev * 0x9e3779b97f4a7c15ull + h);
				unsigned bin = (unsigned)(s >> 60);
				uint32_t v = (uint32_t)(s >> 8);

				if (v < out[bin])
					out[bin] = v;
				any = true;
			}
			prev = h;
			have_prev = true;
		}
	}
	if (!any)
		return;
	/* densify: an empty bin borrows its next non-empty neighbour's value */
	for (int i = 0; i < CAMPAIGN_SIG; i++) {
		if (out[i] != UINT32_MAX)
			continue;
		for (int k = 1; k < CAMPAIGN_SIG; k++) {
			uint32_t v = out[(i + k) % CAMPAIGN_SIG];

			if (v != UINT32_MAX && !(v == 0 && k > 1)) {
				out[i] = (uint32_t)mix64((uint64_t)v * 31 + (uint64_t)k) | 1u;
				break;
			}
		}
	}
}

int campaign_sig_agree(const uint32_t *a, const uint32_t *b)
{
	int n = 0;

	for (int i = 0; i < CAMPAIGN_SIG; i++)
		n += a[i] == b[i];
	return n;
}

/* --- adding -------------------------------------------------------------- */

static const char *const platform_domains[] = {
    "youtube.com",   "youtu.be",      "facebook.com", "twitter.com", "x.com",
    "instagram.com", "google.com",    "linkedin.com", "t.me",        "telegram.me",
    "reddit.com",    "pinterest.com", "medium.com",   "tiktok.com",  "discord.gg",
    "discord.com",   "wa.me",         "whatsapp.com", NULL};

static bool is_platform(const char *domain)
{
	for (int i = 0; platform_domains[i]; i++)
		if (!strcmp(domain, platform_domains[i]))
			return true;
	return false;
}

static size_t store(char **buf, size_t *len, size_t *alloc, const char *a, const char *sep,
                    const char *b)
{
	size_t la = strlen(a), ls = sep ? strlen(sep) : 0, lb = b ? strlen(b) : 0, off = *len;

	XGROW(*buf, *alloc, *len + la + ls + lb + 1);
	memcpy(*buf + off, a, la);
	memcpy(*buf + off + la, sep ? sep : "", ls);
	memcpy(*buf + off + la + ls, b ? b : "", lb);
	(*buf)[off + la + ls + lb] = '\0';
	*len += la + ls + lb + 1;
	return off;
}

static uint32_t domain_id(struct campaigns *cs, const char *domain)
{
	bool found;
	uint32_t *slot =
	    map_put(&cs->dom_ids, hash_bytes(domain, strlen(domain)), (uint32_t)cs->n_dom, &found);

	if (!found) {
		XGROW(cs->dom_off, cs->dom_alloc, cs->n_dom + 1);
		cs->dom_off[cs->n_dom++] =
		    store(&cs->domains, &cs->domains_len, &cs->domains_alloc, domain, NULL, NULL);
	}
	return *slot;
}

static const uint32_t *map_find(const struct map *m, uint64_t key)
{
	size_t i;

	if (!key)
		key = 1;
	if (!m->cap)
		return NULL;
	i = mix64(key) & (m->cap - 1);
	while (m->keys[i]) {
		if (m->keys[i] == key)
			return &m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

/* Joins a strong item with the first strong item that had key (or records
 * it as the first). A weak item (clean by content) only attaches to the
 * first strong item it meets, and only through strong keys (weak_ok: its
 * account, its text): it never joins two groups, and a shared link or name
 * alone does not make it a member. */
static void link_key(struct campaigns *cs, struct map *m, uint64_t key, uint32_t item, bool weak_ok)
{
	bool found;
	uint32_t *slot;

	if (cs->verdict[item] == HUB_CLEAN) {
		const uint32_t *other = weak_ok ? map_find(m, key) : NULL;

		if (other && cs->attach[item] == NONE32)
			cs->attach[item] = *other;
		return;
	}
	slot = map_put(m, key, item, &found);
	if (found)
		uf_union(cs->parent, *slot, item);
}

/* A new account in a (name shape, kind, time window) bucket: the bucket's
 * accounts are joined once it holds CAMPAIGN_BURST_MIN of them, so two
 * accounts that merely happen to share a window stay apart. */
static void burst_add(struct campaigns *cs, uint64_t key, uint32_t item)
{
	bool found;
	uint32_t *n = map_put(&cs->burst_n, key, 0, &found);
	uint32_t first, second;

	if (++*n == 1) {
		map_put(&cs->burst_first, key, item, &found);
		return;
	}
	if (*n == 2)
		map_put(&cs->burst_second, key, item, &found);
	if (*n < CAMPAIGN_BURST_MIN)
		return;
	first = *map_put(&cs->burst_first, key, item, &found);
	second = *map_put(&cs->burst_second, key, item, &found);
	uf_union(cs->parent, first, second);
	uf_union(cs->parent, first, item);
}

/* "word1970" -> shape hash of letter runs and digit-run lengths. */
static uint64_t name_shape(const char *ns)
{
	char shape[64];
	size_t n = 0;

	for (const char *p = ns; *p && n + 2 < sizeof(shape); p++) {
		char c = *p >= '0' && *p <= '9' ? '9' : (*p >= 'a' && *p <= 'z') ? 'a' : *p;

		if (c == 'a' && n && shape[n - 1] == 'a')
			continue;
		shape[n++] = c;
	}
	return hash_bytes(shape, n);
}

uint32_t campaigns_add(struct campaigns *cs, const struct hub_repo *repo,
                       const struct imageless_result *res)
{
	uint32_t item = (uint32_t)cs->n;
	uint64_t kind_salt = 0x9e3779b97f4a7c15ull * ((uint64_t)res->kind + 1);
	const char *texts[2] = {repo->description, repo->full_description};
	size_t nd = 0;
	bool found, account_seen = false;

	if (cs->n == cs->alloc) {
		size_t na = cs->alloc ? cs->alloc * 2 : 4096;

		cs->parent = xrealloc(cs->parent, na * sizeof(*cs->parent));
		cs->attach = xrealloc(cs->attach, na * sizeof(*cs->attach));
		cs->ns_id = xrealloc(cs->ns_id, na * sizeof(*cs->ns_id));
		cs->created = xrealloc(cs->created, na * sizeof(*cs->created));
		cs->kind = xrealloc(cs->kind, na);
		cs->verdict = xrealloc(cs->verdict, na);
		cs->sig = xrealloc(cs->sig, na * sizeof(*cs->sig));
		cs->dom = xrealloc(cs->dom, na * sizeof(*cs->dom));
		cs->name_off = xrealloc(cs->name_off, na * sizeof(*cs->name_off));
		cs->alloc = na;
	}
	cs->n++;
	cs->parent[item] = item;
	cs->attach[item] = NONE32;
	cs->created[item] = repo->registered;
	cs->kind[item] = (uint8_t)res->kind;
	cs->verdict[item] = (uint8_t)res->verdict;
	cs->dom[item][0] = cs->dom[item][1] = NONE32;
	cs->name_off[item] =
	    store(&cs->names, &cs->names_len, &cs->names_alloc, repo->namespace_, "/", repo->name);

	/* the same account */
	{
		uint64_t h = hash_bytes(repo->namespace_, strlen(repo->namespace_));
		uint32_t *slot = map_put(&cs->ns_ids, h, cs->n_ns, &found);

		if (!found)
			cs->n_ns++;
		cs->ns_id[item] = *slot;
		account_seen = found;
		link_key(cs, &cs->by_ns, h, item, true);
	}
	campaign_signature(cs->sig[item], texts, 2);
	if (res->kind == HUB_KIND_NONE)
		return item;

	/* link targets */
	for (size_t i = 0; i < res->links.n; i++) {
		const struct link *l = &res->links.v[i];
		const char *key = l->domain;

		if (l->flags & LINK_CODE_HOST ||
		    (!(l->flags & (LINK_SHORTENER | LINK_FAKE_SHORTENER | LINK_REDIRECT)) &&
		     imageless_own_domain(l->host, l->domain, repo->namespace_, repo->name)))
			continue;
		if (nd < 2) {
			uint32_t id = domain_id(cs, l->domain);

			if (nd == 0 || cs->dom[item][0] != id)
				cs->dom[item][nd++] = id;
		}
		if (is_platform(l->domain))
			continue;
		if (l->flags & LINK_SHORTENER)
			key = l->target; /* the exact short link */
		link_key(cs, &cs->by_link, hash_bytes(key, strlen(key)) ^ kind_salt, item, false);
	}
	/* the same name under another account */
	link_key(cs, &cs->by_name, hash_bytes(repo->name, strlen(repo->name)) ^ kind_salt, item,
	         false);
	/* creation bursts */
	if (repo->registered >= 0 && !account_seen && res->verdict != HUB_CLEAN)
		burst_add(cs,
		          name_shape(repo->namespace_) ^ kind_salt ^
		              mix64((uint64_t)(repo->registered / CAMPAIGN_BURST_S)),
		          item);
	/* near-identical text */
	if (cs->sig[item][0] != UINT32_MAX || cs->sig[item][1] != UINT32_MAX) {
		for (int b = 0; b < BANDS; b++) {
			uint64_t key = mix64(((uint64_t)cs->sig[item][2 * b] << 32 |
			                      cs->sig[item][2 * b + 1]) +
			                     (uint64_t)b) ^
			               kind_salt;
			const uint32_t *other = map_find(&cs->by_band, key);

			if (other &&
			    campaign_sig_agree(cs->sig[*other], cs->sig[item]) >= AGREE_MIN) {
				if (cs->verdict[item] != HUB_CLEAN)
					uf_union(cs->parent, *other, item);
				else if (cs->attach[item] == NONE32)
					cs->attach[item] = *other;
			} else if (!other && cs->verdict[item] != HUB_CLEAN) {
				map_put(&cs->by_band, key, item, &found);
			}
		}
	}
	return item;
}

/* --- grouping ------------------------------------------------------------ */

struct root_size {
	uint32_t root, size;
};

/* The group of an item: its union-find root, or for a weak item the root of
 * the item it attached to (NONE32 when it attached to none). */
static uint32_t root_of(struct campaigns *cs, uint32_t i)
{
	if (cs->verdict[i] == HUB_CLEAN)
		return cs->attach[i] == NONE32 ? NONE32 : uf_find(cs->parent, cs->attach[i]);
	return uf_find(cs->parent, i);
}

static int by_size(const void *a, const void *b)
{
	const struct root_size *x = a, *y = b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->root < y->root ? -1 : x->root > y->root;
}

int campaigns_finish(struct campaigns *cs, size_t min_size)
{
	uint32_t *count = xcalloc(cs->n ? cs->n : 1, sizeof(*count));
	uint32_t *cid_of_root = NULL;
	struct root_size *rs = NULL;
	size_t n_rs = 0, (*kinds)[HUB_KIND_OTHER + 1] = NULL;
	struct map pairs = {0}, accounts = {0};

	if (min_size < 1)
		min_size = 1;
	/* the size that counts is the malicious members': clean ones attached
	 * to a single malicious repository do not make a campaign */
	for (size_t i = 0; i < cs->n; i++) {
		uint32_t r = root_of(cs, (uint32_t)i);

		if (r != NONE32 && cs->verdict[i] != HUB_CLEAN)
			count[r]++;
	}
	for (size_t i = 0; i < cs->n; i++)
		if (count[i] >= min_size)
			n_rs++;
	rs = xmalloc((n_rs ? n_rs : 1) * sizeof(*rs));
	n_rs = 0;
	for (size_t i = 0; i < cs->n; i++)
		if (count[i] >= min_size)
			rs[n_rs++] = (struct root_size){(uint32_t)i, count[i]};
	qsort(rs, n_rs, sizeof(*rs), by_size);
	cid_of_root = count; /* reuse: count is no longer needed per root */
	memset(cid_of_root, 0, (cs->n ? cs->n : 1) * sizeof(*cid_of_root));
	cs->v = xcalloc(n_rs ? n_rs : 1, sizeof(*cs->v));
	cs->n_campaigns = n_rs;
	kinds = xcalloc(n_rs ? n_rs : 1, sizeof(*kinds));
	for (size_t c = 0; c < n_rs; c++) {
		cid_of_root[rs[c].root] = (uint32_t)c + 1;
		cs->v[c].id = (unsigned)c + 1;
		cs->v[c].first = cs->v[c].last = -1;
	}
	cs->item_cid = xcalloc(cs->n ? cs->n : 1, sizeof(*cs->item_cid));
	for (size_t i = 0; i < cs->n; i++) {
		uint32_t r = root_of(cs, (uint32_t)i);
		uint32_t cid = r == NONE32 ? 0 : cid_of_root[r];
		struct campaign *c;
		int64_t t = cs->created[i];

		cs->item_cid[i] = cid;
		if (!cid)
			continue;
		c = &cs->v[cid - 1];
		c->repos++;
		c->verdicts[cs->verdict[i]]++;
		kinds[cid - 1][cs->kind[i]]++;
		{
			bool found;

			map_put(&accounts, (uint64_t)cid << 32 | cs->ns_id[i], 1, &found);
			if (!found)
				c->accounts++;
		}
		if (t >= 0 && (c->first < 0 || t < c->first))
			c->first = t;
		if (t >= 0 && t > c->last)
			c->last = t;
		if (c->n_samples < CAMPAIGN_TOP)
			c->samples[c->n_samples++] = cs->names + cs->name_off[i];
		for (int d = 0; d < 2 && cs->dom[i][d] != NONE32; d++) {
			bool found;
			uint32_t *slot =
			    map_put(&pairs, (uint64_t)cid << 32 | cs->dom[i][d], 1, &found);

			if (found)
				(*slot)++;
		}
	}
	/* top domains */
	for (size_t s = 0; s < pairs.cap; s++) {
		struct campaign *c;
		uint32_t dom, n = pairs.vals[s];
		size_t pos;

		if (!pairs.keys[s])
			continue;
		c = &cs->v[(pairs.keys[s] >> 32) - 1];
		dom = (uint32_t)pairs.keys[s];
		pos = c->n_top;
		while (pos > 0 && c->top_counts[pos - 1] < n)
			pos--;
		if (pos >= CAMPAIGN_TOP)
			continue;
		if (c->n_top < CAMPAIGN_TOP)
			c->n_top++;
		memmove(&c->top_domains[pos + 1], &c->top_domains[pos],
		        (c->n_top - 1 - pos) * sizeof(c->top_domains[0]));
		memmove(&c->top_counts[pos + 1], &c->top_counts[pos],
		        (c->n_top - 1 - pos) * sizeof(c->top_counts[0]));
		c->top_domains[pos] = cs->domains + cs->dom_off[dom];
		c->top_counts[pos] = n;
	}
	/* equal counts: alphabetical, so output does not depend on table order */
	for (size_t c = 0; c < n_rs; c++) {
		struct campaign *cp = &cs->v[c];

		for (size_t i = 1; i < cp->n_top; i++)
			for (size_t j = i; j > 0 && cp->top_counts[j] == cp->top_counts[j - 1] &&
			                   strcmp(cp->top_domains[j], cp->top_domains[j - 1]) < 0;
			     j--) {
				const char *t = cp->top_domains[j];

				cp->top_domains[j] = cp->top_domains[j - 1];
				cp->top_domains[j - 1] = t;
			}
	}
	/* type: the majority kind */
	for (size_t c = 0; c < n_rs; c++) {
		size_t *k = kinds[c], best = HUB_KIND_DOWNLOADER;
		struct campaign *cp = &cs->v[c];

		for (size_t j = HUB_KIND_EBOOK; j <= HUB_KIND_OTHER; j++)
			if (k[j] > k[best])
				best = j;
		if (k[best] * 2 <= cp->repos)
			cp->type = CAMPAIGN_OTHER;
		else if (best == HUB_KIND_DOWNLOADER)
			cp->type = CAMPAIGN_DOWNLOADER;
		else if (best == HUB_KIND_EBOOK)
			cp->type = CAMPAIGN_EBOOK;
		else if (best == HUB_KIND_SEO && cp->repos * 2 <= cp->accounts * 3)
			cp->type = CAMPAIGN_SEO; /* about one repository per account */
		else
			cp->type = CAMPAIGN_OTHER;
	}
	map_release(&pairs);
	map_release(&accounts);
	free(kinds);
	free(rs);
	free(count);
	cs->finished = true;
	return 0;
}

size_t campaigns_count(const struct campaigns *cs)
{
	return cs->n_campaigns;
}

const struct campaign *campaigns_at(const struct campaigns *cs, size_t i)
{
	return &cs->v[i];
}

unsigned campaigns_of(const struct campaigns *cs, uint32_t item)
{
	return cs->finished && item < cs->n ? cs->item_cid[item] : 0;
}

const char *campaigns_item_name(const struct campaigns *cs, uint32_t item)
{
	return item < cs->n ? cs->names + cs->name_off[item] : NULL;
}
