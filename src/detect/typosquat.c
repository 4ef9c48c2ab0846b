#include "detect/typosquat.h"
#include "util/limits.h"
#include "util/embed.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS_SHORT 4 /* names this long or shorter need an exact transformation */

enum ts_tech {
	TECH_NONE,
	TECH_EXACT,
	TECH_OMISSION,
	TECH_REPETITION,
	TECH_TRANSPOSITION,
	TECH_KEYBOARD,
	TECH_HOMOGLYPH,
	TECH_SEPARATOR,
	TECH_AFFIX,
	TECH_NAMESPACE,
	TECH_REUSE,
};

static const char *const tech_names[] = {
    "",
    "exact",
    "omission",
    "repetition",
    "transposition",
    "keyboard",
    "homoglyph",
    "separator",
    "affix",
    "namespace-impersonation",
    "official-name-reuse",
};

enum ts_kind { KIND_OFFICIAL, KIND_POPULAR, KIND_ALIAS };

struct ts_target {
	char *name;
	char *display; /* "library/nginx", "liferay/liferay"; an alias shows its official */
	enum ts_kind kind;
	bool reuse;   /* verbatim reuse under another namespace is reported */
	bool generic; /* never imitated */
};

struct ts_slot {
	uint32_t key; /* 1 + offset of the key in the arena; 0 for an empty slot */
	uint32_t hash;
	uint32_t value; /* target, publisher or namespace word index */
	uint8_t tech;
	char c1, c2; /* the characters involved, for the reason */
};

struct ts_map {
	struct ts_slot *slots;
	size_t cap, n;
};

/* The references of one kind and every look-alike of them. */
struct ts_index {
	struct ts_map exact, variants, skel, sep;
};

struct typosquat {
	char *arena;
	size_t arena_len, arena_alloc;
	struct ts_target *targets;
	size_t n_targets, alloc_targets;
	char **pubs;
	size_t n_pubs, alloc_pubs;
	struct ts_map ignore;    /* ordinary words never reported */
	struct ts_map generic;   /* popular names never imitated */
	struct ts_index names;   /* official, popular and alias names */
	struct ts_index pubs_ix; /* trusted publisher namespaces */
	struct ts_index ns_ix;   /* look-alikes of library, docker and official */
};

/* QWERTY neighbours of each letter. */
static const char *const keyboard[26] = {
    "qwsz",   "vghn",  "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv", "gyujnb", "ujko",
    "huikmn", "jiolm", "kop",  "njk",    "bhjm", "iklp",   "ol",     "wa",     "edft",
    "awedxz", "rfgy",  "yhji", "cfgb",   "qase", "zsdc",   "tghu",   "asx",
};

/* Namespace words that claim to be Docker's own: any run of one to three of
 * these that holds a core word imitates the official namespace. */
enum { NSW_LIBRARY, NSW_DOCKER };
static const char *const ns_core[] = {"library", "libary", "official",
                                      "offical", "docker", "dockerhub"};
static const char *const ns_extra[] = {"images", "image", "hub", "inc", "team", "verified"};

/* Affixes that dress up a famous name: affixes_claim (on either side) claim
 * officialness; the others are prefixes or suffixes only. */
static const char *const affixes_claim[] = {"official", "offical", "library", "verified"};
static const char *const affixes_prefix[] = {"docker", "dockerhub"};
static const char *const affixes_suffix[] = {"docker", "dockerhub", "latest",
                                             "image",  "images",    "img"};

/* --- hash maps over the arena ------------------------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t len)
{
	uint32_t h = (uint32_t)str_hash(STR_HASH_SEED, s, len);

	return h ? h : 1;
}

static const struct ts_slot *map_get(const struct typosquat *t, const struct ts_map *m,
                                     const char *s, size_t len)
{
	uint32_t h;
	size_t i;

	if (!m->cap)
		return NULL;
	h = hash_bytes(s, len);
	for (i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		const struct ts_slot *sl = &m->slots[i];
		const char *k;

		if (!sl->key)
			return NULL;
		if (sl->hash != h)
			continue;
		k = t->arena + sl->key - 1;
		if (!strncmp(k, s, len) && k[len] == '\0')
			return sl;
	}
}

static void map_grow(struct ts_map *m)
{
	struct ts_slot *old = m->slots;
	size_t old_cap = m->cap;

	m->cap = old_cap ? old_cap * 2 : 256;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;

		if (!old[i].key)
			continue;
		for (j = old[i].hash & (m->cap - 1); m->slots[j].key; j = (j + 1) & (m->cap - 1))
			;
		m->slots[j] = old[i];
	}
	free(old);
}

/* Adds s -> value unless s is already a key (the first entry wins); returns
 * whether it was added. */
static bool map_put(struct typosquat *t, struct ts_map *m, const char *s, size_t len,
                    uint32_t value, enum ts_tech tech, char c1, char c2)
{
	uint32_t h = hash_bytes(s, len);
	struct ts_slot *sl;
	size_t j;

	if (map_get(t, m, s, len))
		return false;
	if ((m->n + 1) * 2 > m->cap)
		map_grow(m);
	XGROW(t->arena, t->arena_alloc, t->arena_len + len + 1);
	memcpy(t->arena + t->arena_len, s, len);
	t->arena[t->arena_len + len] = '\0';
	for (j = h & (m->cap - 1); m->slots[j].key; j = (j + 1) & (m->cap - 1))
		;
	sl = &m->slots[j];
	sl->key = (uint32_t)t->arena_len + 1;
	sl->hash = h;
	sl->value = value;
	sl->tech = (uint8_t)tech;
	sl->c1 = c1;
	sl->c2 = c2;
	t->arena_len += len + 1;
	m->n++;
	return true;
}

static void map_release(struct ts_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* --- normal forms ------------------------------------------------------------------------- */

static bool is_sep(char c)
{
	return c == '-' || c == '_' || c == '.';
}

/* The name with look-alike characters folded to one letter each ("ng1nx"
 * and "nglnx" both become "nglnx"). out holds at least len + 1 bytes. */
static size_t skeleton(char *out, const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i], next = i + 1 < len ? s[i + 1] : '\0';

		if ((c == 'r' && next == 'n') || (c == 'v' && next == 'v') ||
		    (c == 'c' && next == 'l')) {
			out[n++] = c == 'r' ? 'm' : c == 'v' ? 'w' : 'd';
			i++;
			continue;
		}
		switch (c) {
		case '0':
			c = 'o';
			break;
		case '1':
		case 'i':
			c = 'l';
			break;
		case '3':
			c = 'e';
			break;
		case '4':
			c = 'a';
			break;
		case '5':
			c = 's';
			break;
		case '7':
			c = 't';
			break;
		case '6':
		case '8':
			c = 'b';
			break;
		case '9':
			c = 'g';
			break;
		default:
			break;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return n;
}

/* The name without separators. */
static size_t sepless(char *out, const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (!is_sep(s[i]))
			out[n++] = s[i];
	out[n] = '\0';
	return n;
}

/* Lower-cases src into out; DR_EFORMAT unless it is a plausible namespace or
 * repository name component. */
static int normalise(char out[TS_NAME_MAX], const char *src, const char *what)
{
	size_t n = strlen(src);

	if (n == 0)
		return err_set(DR_EFORMAT, "invalid %s '': empty", what);
	if (n >= TS_NAME_MAX)
		return err_set(DR_EFORMAT, "invalid %s '%.40s…': longer than %d bytes", what, src,
		               TS_NAME_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		char c = src[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || is_sep(c)))
			return err_set(DR_EFORMAT, "invalid %s '%.100s': byte 0x%02x not allowed",
			               what, src, (unsigned char)src[i]);
		out[i] = c;
	}
	out[n] = '\0';
	return 0;
}

/* --- building the index ------------------------------------------------------------------- */

static void put_variant(struct typosquat *t, struct ts_index *ix, const char *key, size_t len,
                        uint32_t value, enum ts_tech tech, char c1, char c2)
{
	if (map_get(t, &ix->exact, key, len) || map_get(t, &t->ignore, key, len))
		return;
	map_put(t, &ix->variants, key, len, value, tech, c1, c2);
}

/* Every single-edit look-alike of s: omission, repetition, transposition and
 * keyboard replacement; short names get only the exact transformations that
 * do not turn them into ordinary words. The first character is never dropped
 * nor replaced ("host" is not a typo of "ghost"). */
static void index_add_variants(struct typosquat *t, struct ts_index *ix, const char *s,
                               uint32_t value)
{
	size_t n = strlen(s);
	char v[TS_NAME_MAX + 1];
	bool is_short = n <= TS_SHORT;

	if (n + 1 >= TS_NAME_MAX)
		return;
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] == s[i + 1] || is_sep(s[i]) || is_sep(s[i + 1]))
			continue;
		memcpy(v, s, n + 1);
		v[i] = s[i + 1];
		v[i + 1] = s[i];
		put_variant(t, ix, v, n, value, TECH_TRANSPOSITION, s[i], s[i + 1]);
	}
	for (size_t i = 0; i < n; i++) {
		if (is_sep(s[i]))
			continue;
		memcpy(v, s, i + 1);
		memcpy(v + i + 1, s + i, n - i + 1);
		put_variant(t, ix, v, n + 1, value, TECH_REPETITION, s[i], 0);
	}
	if (is_short)
		return;
	for (size_t i = 1; i < n; i++) {
		if (is_sep(s[i]))
			continue;
		memcpy(v, s, i);
		memcpy(v + i, s + i + 1, n - i);
		put_variant(t, ix, v, n - 1, value, TECH_OMISSION, s[i], 0);
	}
	for (size_t i = 1; i < n; i++) {
		const char *nb;

		if (s[i] < 'a' || s[i] > 'z')
			continue;
		for (nb = keyboard[s[i] - 'a']; *nb; nb++) {
			memcpy(v, s, n + 1);
			v[i] = *nb;
			put_variant(t, ix, v, n, value, TECH_KEYBOARD, s[i], *nb);
		}
	}
}

/* Adds the homoglyph and separator forms of s. */
static void index_add_forms(struct typosquat *t, struct ts_index *ix, const char *s, uint32_t value)
{
	size_t n = strlen(s);
	char v[TS_NAME_MAX + 1];

	if (n >= TS_NAME_MAX)
		return;
	map_put(t, &ix->skel, v, skeleton(v, s, n), value, TECH_HOMOGLYPH, 0, 0);
	map_put(t, &ix->sep, v, sepless(v, s, n), value, TECH_SEPARATOR, 0, 0);
}

static void index_release(struct ts_index *ix)
{
	map_release(&ix->exact);
	map_release(&ix->variants);
	map_release(&ix->skel);
	map_release(&ix->sep);
}

/* Calls fn on each line of an embedded list with its tab-separated fields,
 * skipping blank lines and '#' comments. */
struct ts_fields {
	char *f[4];
	int n;
	int line;
};

static int each_line(struct typosquat *t, const char *path,
                     int (*fn)(struct typosquat *t, const char *path, struct ts_fields *fl))
{
	size_t len = 0;
	const char *data = embed_get(path, &len);
	char *copy = NULL, *save = NULL, *line;
	int rc = 0, lineno = 0;

	if (!data) {
		rc = err_set(DR_ENOTFOUND, "embedded list '%s' is missing", path);
		goto done;
	}
	copy = xstrndup(data, len);
	for (char *p = copy; p; p = save) {
		struct ts_fields fl = {{NULL}, 0, 0};
		char *fsave = NULL, *tok;
		size_t l;

		line = p;
		save = strchr(p, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		l = strlen(line);
		while (l && (line[l - 1] == '\r' || line[l - 1] == ' '))
			line[--l] = '\0';
		if (!l || line[0] == '#')
			continue;
		for (tok = strtok_r(line, "\t", &fsave); tok && fl.n < 4;
		     tok = strtok_r(NULL, "\t", &fsave))
			fl.f[fl.n++] = tok;
		fl.line = lineno;
		rc = fn(t, path, &fl);
		if (rc)
			goto done;
	}
done:
	free(copy);
	return rc;
}

static int check_word(const char *path, int line, const char *w)
{
	char tmp[TS_NAME_MAX];
	int rc = normalise(tmp, w, "name");

	if (rc)
		return err_wrap(rc, "%s:%d", path, line);
	if (strcmp(tmp, w))
		return err_set(DR_EFORMAT, "%s:%d: '%s' is not lower case", path, line, w);
	return 0;
}

static int add_target(struct typosquat *t, const char *name, const char *display, enum ts_kind kind,
                      bool reuse, bool generic)
{
	struct ts_target *tg;

	if (map_get(t, &t->names.exact, name, strlen(name)))
		return 0;
	XGROW(t->targets, t->alloc_targets, t->n_targets + 1);
	tg = &t->targets[t->n_targets];
	tg->name = xstrdup(name);
	tg->display = xstrdup(display);
	tg->kind = kind;
	tg->reuse = reuse;
	tg->generic = generic;
	map_put(t, &t->names.exact, name, strlen(name), (uint32_t)t->n_targets, TECH_EXACT, 0, 0);
	t->n_targets++;
	return 0;
}

static void add_publisher(struct typosquat *t, const char *ns)
{
	if (!strcmp(ns, "library"))
		return;
	if (!map_put(t, &t->pubs_ix.exact, ns, strlen(ns), (uint32_t)t->n_pubs, TECH_EXACT, 0, 0))
		return;
	XGROW(t->pubs, t->alloc_pubs, t->n_pubs + 1);
	t->pubs[t->n_pubs++] = xstrdup(ns);
}

static int load_names(struct typosquat *t, const char *path, struct ts_fields *fl)
{
	int rc = 0;

	if (fl->n < 2 || (strcmp(fl->f[0], "alias") && strcmp(fl->f[0], "generic") &&
	                  strcmp(fl->f[0], "ignore")))
		return err_set(DR_EFORMAT, "%s:%d: expected 'alias|generic|ignore<TAB>NAME'", path,
		               fl->line);
	rc = check_word(path, fl->line, fl->f[1]);
	if (!rc && !strcmp(fl->f[0], "ignore"))
		map_put(t, &t->ignore, fl->f[1], strlen(fl->f[1]), 0, TECH_NONE, 0, 0);
	if (!rc && !strcmp(fl->f[0], "generic"))
		map_put(t, &t->generic, fl->f[1], strlen(fl->f[1]), 0, TECH_NONE, 0, 0);
	return rc;
}

static int load_official(struct typosquat *t, const char *path, struct ts_fields *fl)
{
	char display[TS_NAME_MAX + 16];
	int rc = check_word(path, fl->line, fl->f[0]);

	if (rc)
		return rc;
	snprintf(display, sizeof(display), "library/%s", fl->f[0]);
	return add_target(t, fl->f[0], display, KIND_OFFICIAL, true, false);
}

static int load_popular(struct typosquat *t, const char *path, struct ts_fields *fl)
{
	char display[2 * TS_NAME_MAX];
	char *save = NULL, *ns, *first = NULL;
	const char *name = fl->f[0];
	bool generic, has_sep;
	int rc;

	if (fl->n != 2)
		return err_set(DR_EFORMAT, "%s:%d: expected 'NAME<TAB>NAMESPACE,...'", path,
		               fl->line);
	rc = check_word(path, fl->line, name);
	for (ns = strtok_r(fl->f[1], ",", &save); !rc && ns; ns = strtok_r(NULL, ",", &save)) {
		rc = check_word(path, fl->line, ns);
		if (!rc && !first)
			first = ns;
		if (!rc)
			add_publisher(t, ns);
	}
	if (rc)
		return rc;
	if (!first)
		return err_set(DR_EFORMAT, "%s:%d: '%s' has no namespace", path, fl->line, name);
	generic = map_get(t, &t->generic, name, strlen(name)) != NULL;
	has_sep = strpbrk(name, "-_.") != NULL;
	snprintf(display, sizeof(display), "%s/%s", first, name);
	return add_target(t, name, display, KIND_POPULAR, !has_sep && !generic, generic);
}

static int load_alias(struct typosquat *t, const char *path, struct ts_fields *fl)
{
	const struct ts_slot *sl;
	char display[TS_NAME_MAX + 16];

	if (strcmp(fl->f[0], "alias"))
		return 0;
	if (fl->n != 3)
		return err_set(DR_EFORMAT, "%s:%d: expected 'alias<TAB>NAME<TAB>OFFICIAL'", path,
		               fl->line);
	sl = map_get(t, &t->names.exact, fl->f[2], strlen(fl->f[2]));
	if (!sl || t->targets[sl->value].kind != KIND_OFFICIAL)
		return err_set(DR_EFORMAT, "%s:%d: '%s' is not an official image", path, fl->line,
		               fl->f[2]);
	snprintf(display, sizeof(display), "library/%s", fl->f[2]);
	return add_target(t, fl->f[1], display, KIND_ALIAS, false, false);
}

static int load_publisher(struct typosquat *t, const char *path, struct ts_fields *fl)
{
	int rc = check_word(path, fl->line, fl->f[0]);

	if (!rc)
		add_publisher(t, fl->f[0]);
	return rc;
}

/* The namespace look-alikes of "library", "docker" and "official". */
static void build_ns_index(struct typosquat *t)
{
	size_t n_core = sizeof(ns_core) / sizeof(ns_core[0]);
	size_t n_extra = sizeof(ns_extra) / sizeof(ns_extra[0]);
	size_t n_all = n_core + n_extra;
	char key[128];

	/* runs of one to three distinct words, at least one of them core */
	for (size_t a = 0; a < n_all; a++)
		for (size_t b = 0; b <= n_all; b++)
			for (size_t c = 0; c <= n_all; c++) {
				size_t w[3] = {a, b, c}, k = 0;
				bool core = false, docker_only = true;

				if ((b == n_all && c != n_all) || (b != n_all && b == a) ||
				    (c != n_all && (c == a || c == b)))
					continue;
				key[0] = '\0';
				for (int i = 0; i < 3; i++) {
					const char *word;

					if (w[i] == n_all)
						continue;
					word =
					    w[i] < n_core ? ns_core[w[i]] : ns_extra[w[i] - n_core];
					if (w[i] < n_core) {
						core = true;
						if (strncmp(word, "docker", 6))
							docker_only = false;
					}
					k += (size_t)snprintf(key + k, sizeof(key) - k, "%s", word);
				}
				if (!core)
					continue;
				map_put(t, &t->ns_ix.exact, key, k,
				        docker_only ? NSW_DOCKER : NSW_LIBRARY, TECH_EXACT, 0, 0);
			}
	for (size_t i = 0; i < t->ns_ix.exact.cap; i++) {
		const struct ts_slot *sl = &t->ns_ix.exact.slots[i];
		char k[128];

		if (!sl->key)
			continue;
		str_copy(k, t->arena + sl->key - 1, sizeof(k));
		index_add_forms(t, &t->ns_ix, k, sl->value);
	}
	index_add_variants(t, &t->ns_ix, "library", NSW_LIBRARY);
	index_add_variants(t, &t->ns_ix, "official", NSW_LIBRARY);
	index_add_variants(t, &t->ns_ix, "docker", NSW_DOCKER);
}

int typosquat_new(struct typosquat **out)
{
	struct typosquat *t = xcalloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	rc = each_line(t, "data/typosquat-names.tsv", load_names);
	if (!rc)
		rc = each_line(t, "data/official-images.txt", load_official);
	if (!rc)
		rc = each_line(t, "data/popular-images.tsv", load_popular);
	if (!rc)
		rc = each_line(t, "data/typosquat-names.tsv", load_alias);
	if (!rc)
		rc = each_line(t, "data/typosquat-publishers.txt", load_publisher);
	if (rc)
		goto done;
	for (size_t i = 0; i < t->n_targets; i++)
		if (!t->targets[i].generic)
			index_add_forms(t, &t->names, t->targets[i].name, (uint32_t)i);
	for (size_t i = 0; i < t->n_targets; i++)
		if (!t->targets[i].generic)
			index_add_variants(t, &t->names, t->targets[i].name, (uint32_t)i);
	for (size_t i = 0; i < t->n_pubs; i++)
		index_add_forms(t, &t->pubs_ix, t->pubs[i], (uint32_t)i);
	for (size_t i = 0; i < t->n_pubs; i++)
		index_add_variants(t, &t->pubs_ix, t->pubs[i], (uint32_t)i);
	build_ns_index(t);
	*out = t;
	t = NULL;
done:
	typosquat_free(t);
	return rc;
}

void typosquat_free(struct typosquat *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_targets; i++) {
		free(t->targets[i].name);
		free(t->targets[i].display);
	}
	free(t->targets);
	for (size_t i = 0; i < t->n_pubs; i++)
		free(t->pubs[i]);
	free(t->pubs);
	map_release(&t->ignore);
	map_release(&t->generic);
	index_release(&t->names);
	index_release(&t->pubs_ix);
	index_release(&t->ns_ix);
	free(t->arena);
	free(t);
}

/* --- checking ----------------------------------------------------------------------------- */

struct ts_match {
	enum ts_tech tech; /* TECH_NONE: no match */
	uint32_t value;
	char c1, c2;
	const char *affix;
};

static void match_slot(struct ts_match *m, const struct ts_slot *sl, enum ts_tech tech)
{
	m->tech = tech;
	m->value = sl->value;
	m->c1 = sl->c1;
	m->c2 = sl->c2;
}

/* Matches s against the index: exactly, then by homoglyph, by a single-edit
 * typo, by separators. */
static void index_match(const struct typosquat *t, const struct ts_index *ix, const char *s,
                        struct ts_match *m)
{
	size_t len = strlen(s);
	char v[TS_NAME_MAX];
	const struct ts_slot *sl;

	memset(m, 0, sizeof(*m));
	if (map_get(t, &t->ignore, s, len))
		return;
	if ((sl = map_get(t, &ix->exact, s, len))) {
		match_slot(m, sl, TECH_EXACT);
		return;
	}
	if ((sl = map_get(t, &ix->skel, v, skeleton(v, s, len)))) {
		match_slot(m, sl, TECH_HOMOGLYPH);
		return;
	}
	if ((sl = map_get(t, &ix->variants, s, len))) {
		match_slot(m, sl, (enum ts_tech)sl->tech);
		return;
	}
	if ((sl = map_get(t, &ix->sep, v, sepless(v, s, len))))
		match_slot(m, sl, TECH_SEPARATOR);
}

static bool affix_is_claim(const char *a)
{
	for (size_t i = 0; i < sizeof(affixes_claim) / sizeof(affixes_claim[0]); i++)
		if (a == affixes_claim[i])
			return true;
	return false;
}

/* Strips one affix from the front (prefix) or back of s[0, len), with or
 * without a separator, and looks the rest up; recurses once more so that
 * "docker-nginx-official" is found too. */
static bool affix_match(const struct typosquat *t, const char *s, size_t len, int depth,
                        struct ts_match *m)
{
	const char *const *lists[3] = {affixes_claim, affixes_prefix, affixes_suffix};
	size_t counts[3] = {sizeof(affixes_claim) / sizeof(affixes_claim[0]),
	                    sizeof(affixes_prefix) / sizeof(affixes_prefix[0]),
	                    sizeof(affixes_suffix) / sizeof(affixes_suffix[0])};

	for (int side = 0; side < 2; side++)
		for (int l = 0; l < 3; l++) {
			if ((side == 0 && l == 2) || (side == 1 && l == 1))
				continue;
			for (size_t i = 0; i < counts[l]; i++) {
				const char *a = lists[l][i];
				size_t al = strlen(a), off, rl;
				const struct ts_slot *sl;

				if (al >= len)
					continue;
				if (side == 0 ? strncmp(s, a, al) : strncmp(s + len - al, a, al))
					continue;
				off = side == 0 ? al : 0;
				rl = len - al;
				if (side == 0 && is_sep(s[off])) {
					off++;
					rl--;
				} else if (side == 1 && is_sep(s[rl - 1])) {
					rl--;
				}
				if (!rl)
					continue;
				sl = map_get(t, &t->names.exact, s + off, rl);
				if (sl && !t->targets[sl->value].generic &&
				    (t->targets[sl->value].reuse ||
				     t->targets[sl->value].kind == KIND_ALIAS)) {
					match_slot(m, sl, TECH_AFFIX);
					m->affix = a;
					return true;
				}
				if (depth < 1 && affix_match(t, s + off, rl, depth + 1, m)) {
					if (affix_is_claim(a))
						m->affix = a;
					return true;
				}
			}
		}
	return false;
}

static void name_match(const struct typosquat *t, const char *name, struct ts_match *m)
{
	index_match(t, &t->names, name, m);
	if (m->tech == TECH_NONE)
		affix_match(t, name, strlen(name), 0, m);
}

/* snprintf that may cut a long name short: a reason is one line. */
static void text_set(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void text_set(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

static void describe(char *out, size_t size, const struct typosquat *t, const char *name,
                     const struct ts_match *m)
{
	const struct ts_target *tg = &t->targets[m->value];
	char ref[TS_NAME_MAX + 64];

	if (tg->kind == KIND_ALIAS)
		text_set(ref, sizeof(ref), "'%s' (the usual name of %s)", tg->name, tg->display);
	else
		text_set(ref, sizeof(ref), "'%s'", tg->name);
	switch (m->tech) {
	case TECH_OMISSION:
		text_set(out, size, "'%s' drops '%c' from %s", name, m->c1, ref);
		break;
	case TECH_REPETITION:
		text_set(out, size, "'%s' doubles '%c' in %s", name, m->c1, ref);
		break;
	case TECH_TRANSPOSITION:
		text_set(out, size, "'%s' swaps '%c' and '%c' in %s", name, m->c1, m->c2, ref);
		break;
	case TECH_KEYBOARD:
		text_set(out, size, "'%s' has '%c', a keyboard neighbour, for '%c' in %s", name,
		         m->c2, m->c1, ref);
		break;
	case TECH_HOMOGLYPH:
		text_set(out, size, "'%s' spells %s with look-alike characters", name, ref);
		break;
	case TECH_SEPARATOR:
		text_set(out, size, "'%s' is %s with other separators", name, ref);
		break;
	case TECH_AFFIX:
		text_set(out, size, "'%s' is %s with the added word '%s'", name, ref, m->affix);
		break;
	default:
		text_set(out, size, "'%s' is %s", name, ref);
		break;
	}
}

static void hit_set(struct typosquat_hit *out, enum severity sev, bool strong, const char *target,
                    enum ts_tech tech)
{
	memset(out, 0, sizeof(*out));
	out->severity = sev;
	out->strong = strong;
	str_copy(out->target, target, sizeof(out->target));
	str_copy(out->technique, tech_names[tech], sizeof(out->technique));
}

/* A hit when the namespace nsb imitates Docker's own namespaces or a trusted
 * publisher; nm is the name's match, to name the target. */
static bool namespace_hit(const struct typosquat *t, const char *nsb, const char *nb,
                          const struct ts_match *nm, struct typosquat_hit *out)
{
	char key[TS_NAME_MAX], target[2 * TS_NAME_MAX], what[2 * TS_NAME_MAX];
	struct ts_match pm;
	const char *word;

	sepless(key, nsb, strlen(nsb));
	index_match(t, &t->ns_ix, key, &pm);
	if (pm.tech != TECH_NONE) {
		word = pm.value == NSW_DOCKER ? "docker" : "library";
		if (nm->tech != TECH_NONE && !t->targets[nm->value].generic)
			str_copy(target, t->targets[nm->value].display, sizeof(target));
		else
			text_set(target, sizeof(target), "%s/%s", word, nb);
		hit_set(out, SEV_HIGH, true, target, TECH_NAMESPACE);
		if (nm->tech != TECH_NONE && nm->tech != TECH_EXACT) {
			describe(what, sizeof(what), t, nb, nm);
			text_set(out->reason, sizeof(out->reason),
			         "namespace '%s' imitates Docker's official '%s' namespace and %s",
			         nsb, word, what);
		} else {
			text_set(out->reason, sizeof(out->reason),
			         "namespace '%s' imitates Docker's official '%s' namespace", nsb,
			         word);
		}
		return true;
	}
	index_match(t, &t->pubs_ix, nsb, &pm);
	if (pm.tech != TECH_NONE) {
		const char *pub = t->pubs[pm.value];

		text_set(target, sizeof(target), "%s/%s", pub, nb);
		hit_set(out, nm->tech == TECH_EXACT ? SEV_HIGH : SEV_MEDIUM, false, target,
		        TECH_NAMESPACE);
		text_set(out->reason, sizeof(out->reason),
		         "namespace '%s' imitates the publisher '%s' (%s)", nsb, pub,
		         tech_names[pm.tech]);
		return true;
	}
	return false;
}

/* A hit when the name itself imitates a reference; nsb is NULL for the
 * official namespace. */
static bool name_hit(const struct typosquat *t, const char *nsb, const char *nb,
                     const struct ts_match *nm, struct typosquat_hit *out)
{
	const struct ts_target *tg;
	enum severity sev = SEV_MEDIUM;

	if (nm->tech == TECH_NONE)
		return false;
	tg = &t->targets[nm->value];
	if (nm->tech == TECH_EXACT) {
		if (!nsb || !tg->reuse)
			return false;
		hit_set(out, SEV_LOW, false, tg->display, TECH_REUSE);
		text_set(out->reason, sizeof(out->reason),
		         "'%s' is the name of the %s image '%s', here under the unrelated "
		         "namespace '%s'",
		         nb, tg->kind == KIND_OFFICIAL ? "official" : "popular", tg->display, nsb);
		return true;
	}
	if (nm->tech == TECH_HOMOGLYPH || (nm->tech == TECH_AFFIX && affix_is_claim(nm->affix)))
		sev = SEV_HIGH;
	hit_set(out, sev, false, tg->display, nm->tech);
	describe(out->reason, sizeof(out->reason), t, nb, nm);
	return true;
}

int typosquat_check(const struct typosquat *t, const char *ns, const char *name,
                    struct typosquat_hit *out)
{
	char nsb[TS_NAME_MAX] = "", nb[TS_NAME_MAX];
	struct ts_match nm;
	bool official_ns = !ns || !*ns;
	int rc;

	rc = normalise(nb, name, "repository name");
	if (!rc && !official_ns)
		rc = normalise(nsb, ns, "namespace");
	if (rc)
		goto done;
	official_ns = official_ns || !strcmp(nsb, "library") || !strcmp(nsb, "_");
	if (!official_ns && map_get(t, &t->pubs_ix.exact, nsb, strlen(nsb)))
		goto done; /* a trusted publisher */
	name_match(t, nb, &nm);
	if (!official_ns && namespace_hit(t, nsb, nb, &nm, out))
		rc = 1;
	else
		rc = name_hit(t, official_ns ? NULL : nsb, nb, &nm, out) ? 1 : 0;
done:
	return rc;
}

void typosquat_finding(struct finding *out, const struct typosquat_hit *hit, const char *full_name)
{
	char rule[64];

	snprintf(rule, sizeof(rule), "typosquat-%s", hit->technique);
	finding_init(out, rule, CAT_TYPOSQUAT, hit->severity, hit->reason);
	out->strong = hit->strong;
	finding_set_evidence(out, full_name, strlen(full_name));
	finding_add_location(out, LOC_METADATA, NULL, -1, NULL, 0, "name");
}
