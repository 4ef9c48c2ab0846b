#include "detect/engine.h"

#include "detect/anchor.h"
#include "detect/classrun.h"
#include "detect/hscache.h"
#include "detect/validate.h"
#include "util/limits.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <hs/hs.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define ENGINE_PRE_CONTEXT   16   /* bytes before a window for \b and lookbehind */
#define ENGINE_BINARY_PROBE  8192 /* a NUL in these first bytes: binary, no lines */
#define ENGINE_EVIDENCE_MAX  160  /* bytes of non-secret evidence kept */
#define ENGINE_STRING_TEXT   64   /* bytes of a strings-rule string kept */
#define ENGINE_HS_MAX_REPEAT 128  /* larger counted repeats are relaxed for Hyperscan */
#define ENGINE_ANCHOR_MIN    3    /* shortest literal worth anchoring a rule on */
#define ENGINE_RUN_MIN       16   /* shortest class run worth anchoring a rule on */
#define ENGINE_RARE_KEYWORD  5    /* keywords this long rarely occur by chance */
#define ENGINE_RUN_NONE      UINT64_MAX
#define ENGINE_SIEVE_REACH   256 /* a rule confirmed this far back from a hit has a sieve */
#define TOUCHED_CAPPED       2   /* touched_flag: the rule reached a limit in the file */

enum pat_type { PAT_RULE, PAT_KEYWORD, PAT_STRING, PAT_PATH_RULE, PAT_PATH_FILTER };

struct pat {
	uint8_t type;
	bool prefilter;
	uint32_t idx; /* crule, keyword or string index */
};

struct cstring {
	uint32_t rule; /* crule index */
	pcre2_code *re;
};

struct crule {
	const struct rule *r;
	pcre2_code *re;      /* regex rules */
	uint32_t group;      /* capture group of the value, 0: whole match */
	pcre2_code *path_re; /* path filter */
	int path_bit;        /* index into the per-file path bits, -1: no filter */
	pcre2_code **allow_re, **allow_path;
	uint32_t *kw; /* keyword indexes */
	size_t n_kw;
	uint32_t str_first; /* strings rules: first cstring index */
	/* Where a match lies around a hit of the rule's Hyperscan patterns:
	 * anchored rules are found by literals (anchor.h) and a match may begin
	 * up to lmax + before bytes before a hit's end and end up to after bytes
	 * past it; other rules by their whole regex, a hit being a match's end
	 * (lmax 0, before the rule's window, after ENGINE_LOOKAHEAD). reach: how
	 * far past a hit's end a match may end. */
	size_t lmax, before, after, reach;
	bool kw_implied; /* every anchor literal holds a keyword: no need to look */
	/* anchored rules whose matches hold a run of at least run_min bytes of
	 * run_in (anchor_run): a window without one is not confirmed */
	size_t run_min;
	bool *run_in;
	/* A rule found by its anchors or a run whose matches may begin far
	 * before a hit (lmax + before >= ENGINE_SIEVE_REACH) has a sieve. NULL:
	 * none. */
	struct sieve *sieve;
};

/* A rule's sieve: its regex in Hyperscan block mode, exact or as a
 * prefilter (never narrower). A window it does not match holds no match,
 * and PCRE2, which tries every position the match could begin at, is not
 * run there. Some of these regexes take Hyperscan a tenth of a second to
 * compile, so a sieve is compiled (or loaded from the cache) only once a
 * scan has confirmed its rule ENGINE_SIEVE_AFTER times, by the scan that
 * gets there first; the others go on without it until it is there. */
enum sieve_state { SIEVE_WAITING, SIEVE_READY, SIEVE_NONE };

struct sieve {
	pthread_mutex_t lock;
	hs_database_t *db; /* set once, atomically; NULL until then */
	bool done;         /* set once, atomically: db is final (NULL: no sieve) */
};

/* A rule found by a run of its class (anchor_run) rather than by Hyperscan. */
struct crun {
	uint32_t rule;
	struct classrun cls; /* the class and the shortest run */
};

struct engine {
	const struct rules *rs;
	struct engine_opts opts;
	char *cache_dir; /* opts.cache_dir points here */
	struct crule *cr;
	size_t n_cr;
	char **keywords;
	size_t n_keywords;
	struct cstring *strs;
	size_t n_strs;
	struct pat *pats; /* content database ids */
	size_t n_pats;
	struct pat *path_pats; /* path database ids */
	size_t n_path_pats;
	size_t n_path_bits;
	hs_database_t *db; /* content, streaming; NULL when no content rules */
	/* the content database of binary files: without the patterns of
	 * text-only rules and the keywords only they need; NULL when that is db */
	hs_database_t *bin_db;
	/* Rules with neither anchors nor a cheap whole regex but with keywords
	 * or a path filter (gated rules): each one's regex is a database of its
	 * own, scanned only in a file whose path passes the rule's filter, or
	 * else from shortly before the first occurrence of one of its keywords
	 * (its window back), as it cannot match elsewhere. A gate of its own
	 * keeps a rule with common keywords from opening the others. */
	struct gate *gates;
	size_t n_gates;
	uint32_t *kw_gate_at; /* keyword k opens gates kw_gates[kw_gate_at[k]..[k + 1]) */
	uint32_t *kw_gates;
	struct crun *runs;
	size_t n_runs;
	hs_database_t *path_db; /* paths, block; NULL when none */
	size_t ring_size;       /* power of two >= max window + lookahead + context */
	size_t cached_dbs;      /* databases loaded from the cache */
	uint32_t max_groups;
};

struct gate {
	hs_database_t *db;
	uint32_t rule; /* crule */
	size_t back;   /* bytes before a keyword a match may start at */
};

/* A gate in a scan: closed, about to open, or scanning the file. */
struct gate_scan {
	hs_stream_t *stream;
	bool open;
	uint64_t base; /* file offset of the stream's first byte */
	uint64_t from; /* where to open it after this chunk, UINT64_MAX: not */
};

struct seen_string {
	bool seen;
	long line;
	uint64_t at;
	char text[ENGINE_STRING_TEXT];
	size_t text_len;
};

struct engine_scan {
	const struct engine *e;
	struct findings *fs;
	hs_scratch_t *scratch;
	hs_scratch_t *sieve_scratch; /* sieves run inside the stream's callbacks */
	uint32_t *sieve_tries;       /* per rule: confirms while its sieve was waiting */
	uint8_t *sieve_state;        /* per rule: enum sieve_state */
	size_t sieved;               /* windows a sieve kept from PCRE2 */
	size_t capped;               /* (file, rule) pairs cut short by a limit */
	hs_stream_t *stream;         /* db's */
	hs_stream_t *bstream;        /* bin_db's */
	struct gate_scan *gs;        /* per gate */
	size_t cur_gate;             /* the gate being scanned, for its callback */
	uint64_t *run_open;          /* per crun: start of a run reaching the chunk's end */
	pcre2_match_data *md;
	pcre2_match_context *mctx; /* with the offset limit of a confirm */
	unsigned long long total_bytes;

	/* the current file */
	char *path;
	char *layer;
	long layer_index;
	bool in_file;
	uint64_t size; /* bytes so far */
	/* text or binary is decided on the first ENGINE_BINARY_PROBE bytes (or
	 * the whole file when shorter), held in probe until then */
	bool decided, binary;
	unsigned char *probe;
	size_t probe_len;
	hs_stream_t *cur;           /* stream or bstream, once decided */
	unsigned char *ring;        /* the last ring_size bytes before the current chunk */
	const unsigned char *chunk; /* the chunk being scanned */
	uint64_t chunk_base;
	size_t chunk_len;
	bool final;        /* no more bytes will come */
	uint64_t line_pos; /* newlines counted in [0, line_pos) */
	long line_count;
	unsigned char *subj; /* scratch subject buffer */
	int rc;              /* first error raised inside a callback */

	uint8_t *path_bits;
	uint64_t *scanned_to; /* per crule */
	uint64_t *pending;    /* per crule: first hit end waiting for its subject, 0 none */
	uint64_t *pend_last;  /* per crule: last hit end of the pending run */
	uint32_t *confirms;   /* per crule */
	uint32_t *reports;    /* per crule */
	uint32_t *str_count;  /* per crule: strings seen */
	uint32_t *touched;    /* crules with state to clear */
	size_t n_touched;
	uint8_t *touched_flag; /* per crule: 1 touched, | TOUCHED_CAPPED */
	uint8_t *kw_seen;
	uint32_t *kw_touched;
	size_t n_kw_touched;
	struct seen_string *strs;
	uint32_t *str_touched;
	size_t n_str_touched;
	uint64_t *reported; /* value hashes reported in this file */
	size_t n_reported, alloc_reported;
};

/* --- compiling --------------------------------------------------------- */

static char *literal_regex(const unsigned char *s, size_t n)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9'))
			buf_addc(&b, (char)s[i]);
		else
			buf_addf(&b, "\\x%02x", s[i]);
	}
	return buf_detach(&b, NULL);
}

static int pcre_compile_opts(pcre2_code **out, const char *re, const struct rule *r,
                             const char *what, uint32_t opts)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE | opts,
	                              &code, &off, NULL);

	if (!c) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		return err_set(DR_EFORMAT, "rule '%s' ('%s' line %ld): bad %s regex: %s", r->id,
		               r->file, r->line, what, (const char *)msg);
	}
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
	*out = c;
	return 0;
}

static int pcre_compile(pcre2_code **out, const char *re, const struct rule *r, const char *what)
{
	return pcre_compile_opts(out, re, r, what, 0);
}

struct hs_list {
	char **expr;
	unsigned *flags, *ids;
	size_t n, alloc;
};

/* Hyperscan compiles large counted repeats slowly (seconds per pattern) and
 * big bounded ones bloat its state; the confirm step re-checks every hit with
 * PCRE2 anyway, so the Hyperscan pattern may match a superset: every
 * quantifier {n}, {n,} or {n,m} with a count above ENGINE_HS_MAX_REPEAT
 * becomes {min(n, ENGINE_HS_MAX_REPEAT),}. Returns NULL when nothing changed. */
static char *relax_repeats(const char *re)
{
	struct buf b = BUF_INIT;
	bool in_class = false, changed = false;
	const char *p = re;

	while (*p) {
		if (*p == '\\' && p[1]) {
			buf_add(&b, p, 2);
			p += 2;
			continue;
		}
		if (in_class) {
			if (*p == ']')
				in_class = false;
			buf_addc(&b, *p++);
			continue;
		}
		if (*p == '[') {
			in_class = true;
			buf_addc(&b, *p++);
			if (*p == '^')
				buf_addc(&b, *p++);
			if (*p == ']')
				buf_addc(&b, *p++);
			continue;
		}
		if (*p == '{') {
			char *end = NULL;
			unsigned long n = strtoul(p + 1, &end, 10), m = n;
			bool ok = end != p + 1, open = false;

			if (ok && *end == ',') {
				if (end[1] == '}') {
					open = true;
					end++;
				} else {
					char *e2 = NULL;

					m = strtoul(end + 1, &e2, 10);
					ok = e2 != end + 1;
					end = e2;
				}
			}
			if (ok && *end == '}' && (open || m > ENGINE_HS_MAX_REPEAT)) {
				buf_addf(&b, "{%lu,}",
				         n < ENGINE_HS_MAX_REPEAT ? n : ENGINE_HS_MAX_REPEAT);
				p = end + 1;
				changed = changed || !open || n > ENGINE_HS_MAX_REPEAT;
				continue;
			}
		}
		buf_addc(&b, *p++);
	}
	if (!changed) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void hs_list_push(struct hs_list *l, const char *expr, unsigned flags, unsigned id)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 64;
		l->expr = xrealloc(l->expr, l->alloc * sizeof(*l->expr));
		l->flags = xrealloc(l->flags, l->alloc * sizeof(*l->flags));
		l->ids = xrealloc(l->ids, l->alloc * sizeof(*l->ids));
	}
	l->expr[l->n] = xstrdup(expr);
	l->flags[l->n] = flags;
	l->ids[l->n] = id;
	l->n++;
}

/* Adds a pattern, choosing exact or prefilter mode; *prefilter says which. */
static int hs_list_add(struct hs_list *l, const char *re, unsigned flags, unsigned id,
                       const struct rule *r, bool *prefilter)
{
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *err = NULL;
	const char *body = re;
	char *relaxed = NULL;

	if (!strncmp(body, "(?i)", 4)) {
		body += 4;
		flags |= HS_FLAG_CASELESS;
	}
	flags |= HS_FLAG_MULTILINE;
	*prefilter = false;
	relaxed = relax_repeats(body);
	if (relaxed) {
		body = relaxed;
		*prefilter = true;
	}
	if (hs_expression_info(body, flags, &info, &err) != HS_SUCCESS) {
		hs_free_compile_error(err);
		err = NULL;
		flags |= HS_FLAG_PREFILTER;
		*prefilter = true;
		if (hs_expression_info(body, flags, &info, &err) != HS_SUCCESS) {
			int rc = err_set(DR_EFORMAT, "rule '%s' ('%s' line %ld): hyperscan: %s",
			                 r->id, r->file, r->line, err ? err->message : "?");

			hs_free_compile_error(err);
			free(relaxed);
			return rc;
		}
	}
	if (info && info->min_width == 0) {
		free(info);
		free(relaxed);
		return err_set(DR_EFORMAT, "rule '%s' ('%s' line %ld): regex matches empty text",
		               r->id, r->file, r->line);
	}
	free(info);
	hs_list_push(l, body, flags, id);
	free(relaxed);
	return 0;
}

/* Adds a literal (s, n > 0 bytes): it needs no analysis, as Hyperscan
 * matches a non-empty literal exactly. */
static void hs_list_add_literal(struct hs_list *l, const unsigned char *s, size_t n, unsigned flags,
                                unsigned id)
{
	char *re = literal_regex(s, n);

	hs_list_push(l, re, flags | HS_FLAG_MULTILINE, id);
	free(re);
}

static void hs_list_release(struct hs_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->expr[i]);
	free(l->expr);
	free(l->flags);
	free(l->ids);
	memset(l, 0, sizeof(*l));
}

static int hs_list_compile(struct engine *e, hs_database_t **out, struct hs_list *l, unsigned mode)
{
	hs_compile_error_t *err = NULL;
	bool loaded = false;

	*out = NULL;
	if (!l->n)
		return 0;
	if (hscache_compile_multi(e->opts.cache_dir, (const char *const *)l->expr, l->flags, l->ids,
	                          (unsigned)l->n, mode, out, &err, &loaded) != HS_SUCCESS) {
		int rc = err_set(DR_EFORMAT, "cannot compile rules (pattern %d): %s",
		                 err ? err->expression : -1, err ? err->message : "?");

		hs_free_compile_error(err);
		return rc;
	}
	e->cached_dbs += loaded;
	return 0;
}

static struct pat *pat_push(struct pat **v, size_t *n, enum pat_type t, uint32_t idx)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].type = (uint8_t)t;
	(*v)[*n].idx = idx;
	(*v)[*n].prefilter = false;
	return &(*v)[(*n)++];
}

static int keyword_index(struct engine *e, const char *kw)
{
	for (size_t i = 0; i < e->n_keywords; i++)
		if (!strcmp(e->keywords[i], kw))
			return (int)i;
	e->keywords = xrealloc(e->keywords, (e->n_keywords + 1) * sizeof(char *));
	e->keywords[e->n_keywords] = xstrdup(kw);
	return (int)e->n_keywords++;
}

/* True when p[0..n) holds kw in any case. */
static bool holds_caseless(const unsigned char *p, size_t n, const char *kw)
{
	size_t kl = strlen(kw);

	for (size_t i = 0; i + kl <= n; i++) {
		size_t j = 0;

		while (j < kl && tolower(p[i + j]) == tolower((unsigned char)kw[j]))
			j++;
		if (j == kl)
			return true;
	}
	return false;
}

/* True when every literal of a holds (in any case) one of r's keywords: a
 * match then always holds a keyword. */
static bool keywords_implied(const struct rule *r, const struct anchors *a)
{
	for (size_t i = 0; i < a->n; i++) {
		bool found = false;

		for (size_t k = 0; k < r->n_keywords && !found; k++)
			found = holds_caseless(a->lit[i].s, a->lit[i].len, r->keywords[k]);
		if (!found)
			return false;
	}
	return r->n_keywords > 0;
}

/* True when every keyword of r is long enough to be rare in files. */
static bool rare_keywords(const struct rule *r)
{
	for (size_t i = 0; i < r->n_keywords; i++)
		if (strlen(r->keywords[i]) < ENGINE_RARE_KEYWORD)
			return false;
	return r->n_keywords > 0;
}

/* A sieve to compile when a scan needs it (sieve_get). */
static struct sieve *sieve_new(void)
{
	struct sieve *sv = xcalloc(1, sizeof(*sv));

	pthread_mutex_init(&sv->lock, NULL);
	return sv;
}

/* How rule ci is found, the first that applies:
 *   1. its anchor literals (anchor.h), when the shortest is longer than
 *      ENGINE_ANCHOR_MIN;
 *   2. its regex in the gated database, when its keywords are rare or it has
 *      a path filter;
 *   3. its short anchor literals;
 *   4. a run of its class (anchor_run), checked outside Hyperscan (looking
 *      for runs costs more than a short literal in Hyperscan, so only
 *      regexes without literals use it);
 *   5. its regex in the gated database (keywords of any length);
 *   6. its regex in the content database. */
static int add_rule_patterns(struct engine *e, struct hs_list *content, struct hs_list *gated,
                             struct crule *c, uint32_t ci)
{
	const struct rule *r = c->r;
	struct anchors a;
	struct anchor_run run;
	bool lit = anchor_extract(&a, r->regex, ENGINE_ANCHOR_MIN);
	bool has_run = anchor_run(&run, r->regex, ENGINE_RUN_MIN);
	bool gate = r->n_keywords || r->path;
	bool rare_gate = gate && (rare_keywords(r) || r->path);
	struct pat *p;

	if (lit && (anchor_min_len(&a) > ENGINE_ANCHOR_MIN || !rare_gate)) { /* 1, 3 */
		c->kw_implied = keywords_implied(r, &a);
		c->before = a.before < r->window ? a.before : r->window;
		c->after = a.after < r->window ? a.after : r->window;
		c->reach = c->after;
		if (has_run) {
			c->run_min = run.min;
			c->run_in = xmalloc(sizeof(run.in));
			memcpy(c->run_in, run.in, sizeof(run.in));
		}
		/* the validator sees at least ENGINE_LOOKAHEAD bytes past a match */
		if (c->after < ENGINE_LOOKAHEAD)
			c->after = ENGINE_LOOKAHEAD;
		for (size_t i = 0; i < a.n; i++) {
			if (a.lit[i].len > c->lmax)
				c->lmax = a.lit[i].len;
			pat_push(&e->pats, &e->n_pats, PAT_RULE, ci);
			hs_list_add_literal(content, a.lit[i].s, a.lit[i].len,
			                    a.lit[i].caseless ? HS_FLAG_CASELESS : 0,
			                    (unsigned)(e->n_pats - 1));
		}
		anchor_release(&a);
		if (c->lmax + c->before >= ENGINE_SIEVE_REACH)
			c->sieve = sieve_new();
		return 0;
	}
	if (lit)
		anchor_release(&a);
	c->before = r->window;
	c->after = ENGINE_LOOKAHEAD;
	c->reach = 0;
	if (has_run && !rare_gate) { /* 4 */
		struct crun *cr;

		e->runs = xrealloc(e->runs, (e->n_runs + 1) * sizeof(*e->runs));
		cr = &e->runs[e->n_runs++];
		cr->rule = ci;
		classrun_init(&cr->cls, run.in, run.min);
		c->after = r->window > ENGINE_LOOKAHEAD ? r->window : ENGINE_LOOKAHEAD;
		c->reach = c->after;
		if (c->before >= ENGINE_SIEVE_REACH)
			c->sieve = sieve_new();
		return 0;
	}
	p = pat_push(&e->pats, &e->n_pats, PAT_RULE, ci);
	if (gate) /* 2, 5 */
		return hs_list_add(gated, r->regex, 0, (unsigned)(e->n_pats - 1), r, &p->prefilter);
	return hs_list_add(content, r->regex, 0, (unsigned)(e->n_pats - 1), r, &p->prefilter);
}

static int compile_rule(struct engine *e, struct hs_list *content, struct hs_list *gated,
                        struct hs_list *paths, const struct rule *r)
{
	struct crule *c;
	uint32_t ci = (uint32_t)e->n_cr;
	struct pat *p;
	int rc = 0;

	c = &e->cr[ci];
	memset(c, 0, sizeof(*c));
	c->r = r;
	c->path_bit = -1;
	if (r->regex) {
		uint32_t groups = 0;

		/* a confirm window's matches must start before its last hit */
		rc = pcre_compile_opts(&c->re, r->regex, r, "rule", PCRE2_USE_OFFSET_LIMIT);
		if (rc)
			return rc;
		if (r->secret_group)
			c->group = (uint32_t)pcre2_substring_number_from_name(
			    c->re, (PCRE2_SPTR)r->secret_group);
		pcre2_pattern_info(c->re, PCRE2_INFO_CAPTURECOUNT, &groups);
		if (groups + 1 > e->max_groups)
			e->max_groups = groups + 1;
	} else {
		c->str_first = (uint32_t)e->n_strs;
		for (size_t i = 0; i < r->n_strings; i++) {
			struct cstring *s;

			e->strs = xrealloc(e->strs, (e->n_strs + 1) * sizeof(*e->strs));
			s = &e->strs[e->n_strs];
			s->rule = ci;
			rc = pcre_compile(&s->re, r->strings[i], r, "strings");
			if (rc)
				return rc;
			e->n_strs++;
		}
	}
	if (r->path) {
		rc = pcre_compile(&c->path_re, r->path, r, "path");
		if (rc)
			return rc;
	}
	if (r->n_allow) {
		c->allow_re = xcalloc(r->n_allow, sizeof(*c->allow_re));
		c->allow_path = xcalloc(r->n_allow, sizeof(*c->allow_path));
		for (size_t i = 0; !rc && i < r->n_allow; i++) {
			if (r->allow[i].regex)
				rc = pcre_compile(&c->allow_re[i], r->allow[i].regex, r, "allow");
			if (!rc && r->allow[i].path)
				rc = pcre_compile(&c->allow_path[i], r->allow[i].path, r,
				                  "allow path");
		}
		if (rc)
			return rc;
	}
	e->n_cr = ci + 1;

	if (r->kinds & RK_CONTENT) {
		if (r->regex)
			rc = add_rule_patterns(e, content, gated, c, ci);
		for (size_t i = 0; !rc && i < r->n_strings; i++) {
			bool pre = false;

			rc = hs_list_add(content, r->strings[i], 0, (unsigned)e->n_pats, r, &pre);
			if (!rc && !pre)
				content->flags[content->n - 1] |= HS_FLAG_SINGLEMATCH;
			p = pat_push(&e->pats, &e->n_pats, PAT_STRING, c->str_first + (uint32_t)i);
			p->prefilter = pre;
		}
		if (!rc && r->path) {
			c->path_bit = (int)e->n_path_bits++;
			p = pat_push(&e->path_pats, &e->n_path_pats, PAT_PATH_FILTER, ci);
			rc = hs_list_add(paths, r->path, HS_FLAG_SINGLEMATCH,
			                 (unsigned)(e->n_path_pats - 1), r, &p->prefilter);
		}
	}
	/* keywords a match always holds need no looking for */
	if (r->n_keywords && !c->kw_implied) {
		c->kw = xcalloc(r->n_keywords, sizeof(*c->kw));
		for (size_t i = 0; i < r->n_keywords; i++)
			c->kw[c->n_kw++] = (uint32_t)keyword_index(e, r->keywords[i]);
	}
	if (!rc && (r->kinds & RK_PATH)) {
		if (!r->regex)
			return err_set(DR_EFORMAT,
			               "rule '%s' ('%s' line %ld): a path rule needs a regex",
			               r->id, r->file, r->line);
		p = pat_push(&e->path_pats, &e->n_path_pats, PAT_PATH_RULE, ci);
		rc = hs_list_add(paths, r->regex, HS_FLAG_SINGLEMATCH,
		                 (unsigned)(e->n_path_pats - 1), r, &p->prefilter);
	}
	return rc;
}

/* The content patterns binary files are scanned for: all but those of
 * text-only rules and the keywords only text-only rules look for. */
static void binary_patterns(const struct engine *e, struct hs_list *bin,
                            const struct hs_list *content)
{
	uint8_t *kw_used = xcalloc(e->n_keywords + 1, 1);

	for (size_t i = 0; i < e->n_cr; i++)
		for (size_t k = 0; k < e->cr[i].n_kw && !e->cr[i].r->text_only; k++)
			kw_used[e->cr[i].kw[k]] = 1;
	for (size_t i = 0; i < content->n; i++) {
		const struct pat *p = &e->pats[content->ids[i]];
		bool keep = p->type == PAT_KEYWORD  ? kw_used[p->idx]
		            : p->type == PAT_STRING ? !e->cr[e->strs[p->idx].rule].r->text_only
		                                    : !e->cr[p->idx].r->text_only;

		if (keep)
			hs_list_push(bin, content->expr[i], content->flags[i], content->ids[i]);
	}
	free(kw_used);
}

/* Compiles rule c's sieve (or loads it from the cache). NULL when Hyperscan
 * cannot take the regex even as a prefilter: PCRE2 alone confirms it. A
 * scan calls it, so it leaves the engine as it is (hs_list_compile counts
 * cached databases in it) and no error behind. */
static hs_database_t *sieve_compile(const struct engine *e, const struct crule *c)
{
	struct hs_list one = {0};
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;
	bool prefilter, loaded;

	if (hs_list_add(&one, c->r->regex, 0, 0, c->r, &prefilter)) {
		err_clear(); /* not an error of the scan */
	} else if (hscache_compile_multi(e->opts.cache_dir, (const char *const *)one.expr,
	                                 one.flags, one.ids, 1, HS_MODE_BLOCK, &db, &err,
	                                 &loaded) != HS_SUCCESS) {
		hs_free_compile_error(err);
		db = NULL;
	}
	hs_list_release(&one);
	return db;
}

/* One database per gated rule, and which keywords open which gates (a rule
 * with a path filter opens by its path alone). */
static int compile_gates(struct engine *e, struct hs_list *gated)
{
	uint32_t *fill;
	int rc = 0;

	e->gates = xcalloc(gated->n + 1, sizeof(*e->gates));
	e->kw_gate_at = xcalloc(e->n_keywords + 1, sizeof(*e->kw_gate_at));
	for (size_t i = 0; i < gated->n && !rc; i++) {
		struct gate *g = &e->gates[e->n_gates++];
		const struct crule *c = &e->cr[e->pats[gated->ids[i]].idx];
		struct hs_list one = {.expr = &gated->expr[i],
		                      .flags = &gated->flags[i],
		                      .ids = &gated->ids[i],
		                      .n = 1};

		g->rule = e->pats[gated->ids[i]].idx;
		g->back = c->r->window + ENGINE_PRE_CONTEXT;
		rc = hs_list_compile(e, &g->db, &one, HS_MODE_STREAM);
		if (c->path_bit < 0)
			for (size_t k = 0; k < c->n_kw; k++)
				e->kw_gate_at[c->kw[k] + 1]++;
	}
	for (size_t k = 0; k < e->n_keywords; k++)
		e->kw_gate_at[k + 1] += e->kw_gate_at[k];
	e->kw_gates = xcalloc(e->kw_gate_at[e->n_keywords] + 1, sizeof(*e->kw_gates));
	fill = xcalloc(e->n_keywords + 1, sizeof(*fill));
	memcpy(fill, e->kw_gate_at, e->n_keywords * sizeof(*fill));
	for (size_t gi = 0; gi < e->n_gates; gi++) {
		const struct crule *c = &e->cr[e->gates[gi].rule];

		if (c->path_bit < 0)
			for (size_t k = 0; k < c->n_kw; k++)
				e->kw_gates[fill[c->kw[k]]++] = (uint32_t)gi;
	}
	free(fill);
	return rc;
}

int engine_compile(struct engine **out, const struct rules *rs, const struct engine_opts *opts)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	struct hs_list content = {0}, gated = {0}, paths = {0};
	size_t max_window = 0, alloc_cr = 0;
	int rc = 0;

	*out = NULL;
	e->rs = rs;
	if (opts)
		e->opts = *opts;
	/* sieves are compiled (and cached) while scans run: the engine keeps
	 * its own copy of the directory */
	e->cache_dir = e->opts.cache_dir ? xstrdup(e->opts.cache_dir) : NULL;
	e->opts.cache_dir = e->cache_dir;
	e->max_groups = 1;
	for (size_t i = 0; i < rs->n; i++)
		if (!rs->v[i].disabled)
			alloc_cr++;
	e->cr = xcalloc(alloc_cr ? alloc_cr : 1, sizeof(*e->cr));
	for (size_t i = 0; i < rs->n && !rc; i++) {
		const struct rule *r = &rs->v[i];

		if (r->disabled)
			continue;
		rc = compile_rule(e, &content, &gated, &paths, r);
		if (r->window > max_window)
			max_window = r->window;
	}
	/* keywords: caseless literals, one report per file is enough */
	for (size_t i = 0; !rc && i < e->n_keywords; i++) {
		/* the rules loader refuses empty keywords */
		hs_list_add_literal(&content, (const unsigned char *)e->keywords[i],
		                    strlen(e->keywords[i]), HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH,
		                    (unsigned)e->n_pats);
		pat_push(&e->pats, &e->n_pats, PAT_KEYWORD, (uint32_t)i);
	}
	if (!rc)
		rc = compile_gates(e, &gated);
	if (!rc)
		rc = hs_list_compile(e, &e->db, &content, HS_MODE_STREAM);
	if (!rc) {
		struct hs_list bin = {0};

		binary_patterns(e, &bin, &content);
		if (bin.n < content.n)
			rc = hs_list_compile(e, &e->bin_db, &bin, HS_MODE_STREAM);
		hs_list_release(&bin);
	}
	if (!rc)
		rc = hs_list_compile(e, &e->path_db, &paths, HS_MODE_BLOCK);
	/* a pending run spans at most a quarter of the ring (see rule_hit) */
	for (size_t i = 0; i < e->n_cr; i++) {
		const struct crule *c = &e->cr[i];
		size_t span =
		    c->lmax + (c->before > c->r->window ? c->before : c->r->window) + c->after;

		if (span > max_window)
			max_window = span;
	}
	e->ring_size = 4096;
	while (e->ring_size < 2 * (max_window + ENGINE_LOOKAHEAD + ENGINE_PRE_CONTEXT))
		e->ring_size *= 2;
	hs_list_release(&content);
	hs_list_release(&gated);
	hs_list_release(&paths);
	if (rc) {
		engine_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_cr; i++) {
		struct crule *c = &e->cr[i];

		pcre2_code_free(c->re);
		pcre2_code_free(c->path_re);
		for (size_t k = 0; k < c->r->n_allow; k++) {
			if (c->allow_re)
				pcre2_code_free(c->allow_re[k]);
			if (c->allow_path)
				pcre2_code_free(c->allow_path[k]);
		}
		free(c->allow_re);
		free(c->allow_path);
		free(c->kw);
		free(c->run_in);
		if (c->sieve) {
			hs_free_database(c->sieve->db);
			pthread_mutex_destroy(&c->sieve->lock);
			free(c->sieve);
		}
	}
	free(e->cr);
	free(e->cache_dir);
	for (size_t i = 0; i < e->n_keywords; i++)
		free(e->keywords[i]);
	free(e->keywords);
	for (size_t i = 0; i < e->n_strs; i++)
		pcre2_code_free(e->strs[i].re);
	free(e->strs);
	free(e->pats);
	free(e->path_pats);
	hs_free_database(e->db);
	hs_free_database(e->bin_db);
	for (size_t i = 0; i < e->n_gates; i++)
		hs_free_database(e->gates[i].db);
	free(e->gates);
	free(e->kw_gate_at);
	free(e->kw_gates);
	free(e->runs);
	hs_free_database(e->path_db);
	free(e);
}

size_t engine_cached_dbs(const struct engine *e)
{
	return e->cached_dbs;
}

size_t engine_rule_count(const struct engine *e, enum rule_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n_cr; i++)
		if (e->cr[i].r->kinds & kind)
			n++;
	return n;
}

/* --- scanning ---------------------------------------------------------- */

int engine_scan_new(struct engine_scan **out, const struct engine *e, struct findings *fs)
{
	struct engine_scan *s = xcalloc(1, sizeof(*s));
	size_t n = e->n_cr ? e->n_cr : 1;
	int rc = 0;

	*out = NULL;
	s->e = e;
	s->fs = fs;
	s->layer_index = -1;
	if ((e->db && hs_alloc_scratch(e->db, &s->scratch) != HS_SUCCESS) ||
	    (e->bin_db && hs_alloc_scratch(e->bin_db, &s->scratch) != HS_SUCCESS) ||
	    (e->bin_db && hs_open_stream(e->bin_db, 0, &s->bstream) != HS_SUCCESS) ||
	    (e->path_db && hs_alloc_scratch(e->path_db, &s->scratch) != HS_SUCCESS) ||
	    (e->db && hs_open_stream(e->db, 0, &s->stream) != HS_SUCCESS)) {
		rc = err_set(DR_ERROR, "cannot allocate hyperscan scratch space");
		goto done;
	}
	s->gs = xcalloc(e->n_gates + 1, sizeof(*s->gs));
	for (size_t i = 0; i < e->n_gates; i++) {
		s->gs[i].from = UINT64_MAX;
		if (hs_alloc_scratch(e->gates[i].db, &s->scratch) != HS_SUCCESS ||
		    hs_open_stream(e->gates[i].db, 0, &s->gs[i].stream) != HS_SUCCESS) {
			rc = err_set(DR_ERROR, "cannot allocate hyperscan scratch space");
			goto done;
		}
	}
	s->md = pcre2_match_data_create(e->max_groups, NULL);
	s->mctx = pcre2_match_context_create(NULL);
	s->ring = xmalloc(e->ring_size);
	s->probe = xmalloc(ENGINE_BINARY_PROBE);
	s->subj = xmalloc(2 * e->ring_size);
	s->path_bits = xcalloc(e->n_path_bits + 1, 1);
	s->scanned_to = xcalloc(n, sizeof(*s->scanned_to));
	s->pending = xcalloc(n, sizeof(*s->pending));
	s->pend_last = xcalloc(n, sizeof(*s->pend_last));
	s->run_open = xcalloc(e->n_runs + 1, sizeof(*s->run_open));
	s->confirms = xcalloc(n, sizeof(*s->confirms));
	s->sieve_tries = xcalloc(n, sizeof(*s->sieve_tries));
	s->sieve_state = xcalloc(n, 1);
	s->reports = xcalloc(n, sizeof(*s->reports));
	s->str_count = xcalloc(n, sizeof(*s->str_count));
	s->touched = xcalloc(n, sizeof(*s->touched));
	s->touched_flag = xcalloc(n, 1);
	s->kw_seen = xcalloc(e->n_keywords + 1, 1);
	s->kw_touched = xcalloc(e->n_keywords + 1, sizeof(*s->kw_touched));
	s->strs = xcalloc(e->n_strs + 1, sizeof(*s->strs));
	s->str_touched = xcalloc(e->n_strs + 1, sizeof(*s->str_touched));
done:
	if (rc) {
		engine_scan_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void engine_scan_free(struct engine_scan *s)
{
	if (!s)
		return;
	if (s->stream)
		hs_close_stream(s->stream, s->scratch, NULL, NULL);
	if (s->bstream)
		hs_close_stream(s->bstream, s->scratch, NULL, NULL);
	for (size_t i = 0; s->gs && i < s->e->n_gates; i++)
		if (s->gs[i].stream)
			hs_close_stream(s->gs[i].stream, s->scratch, NULL, NULL);
	free(s->gs);
	hs_free_scratch(s->scratch);
	hs_free_scratch(s->sieve_scratch);
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	free(s->path);
	free(s->layer);
	free(s->ring);
	free(s->probe);
	free(s->subj);
	free(s->path_bits);
	free(s->scanned_to);
	free(s->pending);
	free(s->pend_last);
	free(s->run_open);
	free(s->confirms);
	free(s->sieve_tries);
	free(s->sieve_state);
	free(s->reports);
	free(s->str_count);
	free(s->touched);
	free(s->touched_flag);
	free(s->kw_seen);
	free(s->kw_touched);
	free(s->strs);
	free(s->str_touched);
	free(s->reported);
	free(s);
}

unsigned long long engine_scan_bytes(const struct engine_scan *s)
{
	return s->total_bytes;
}

size_t engine_scan_sieved(const struct engine_scan *s)
{
	return s->sieved;
}

size_t engine_scan_capped(const struct engine_scan *s)
{
	return s->capped;
}

static size_t count_nl(const unsigned char *p, size_t n)
{
	size_t c = 0, i = 0;

#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();

	/* per-byte counters (a match is -1) summed every 255 blocks */
	while (i + 16 <= n) {
		size_t end = n - i > 16 * 255 ? i + 16 * 255 : n;
		__m128i acc = zero, sum;

		for (; i + 16 <= end; i += 16)
			acc = _mm_sub_epi8(
			    acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), nl));
		sum = _mm_sad_epu8(acc, zero);
		c += (size_t)_mm_cvtsi128_si32(sum) + (size_t)_mm_extract_epi16(sum, 4);
	}
#endif
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* Oldest absolute offset whose byte is still available (ring or chunk). */
static uint64_t avail_start(const struct engine_scan *s)
{
	return s->chunk_base > s->e->ring_size ? s->chunk_base - s->e->ring_size : 0;
}

/* Copies bytes [from, to) of the file (from >= avail_start, to <= chunk end)
 * into dst. */
static void copy_bytes(const struct engine_scan *s, unsigned char *dst, uint64_t from, uint64_t to)
{
	size_t mask = s->e->ring_size - 1;

	while (from < to && from < s->chunk_base) {
		size_t at = (size_t)(from & mask);
		size_t n = s->e->ring_size - at;

		if (n > s->chunk_base - from)
			n = (size_t)(s->chunk_base - from);
		if (n > to - from)
			n = (size_t)(to - from);
		memcpy(dst, s->ring + at, n);
		dst += n;
		from += n;
	}
	if (from < to)
		memcpy(dst, s->chunk + (from - s->chunk_base), (size_t)(to - from));
}

/* Counts newlines in [from, to) of the available bytes. */
static size_t count_nl_range(const struct engine_scan *s, uint64_t from, uint64_t to)
{
	size_t mask = s->e->ring_size - 1, c = 0;

	while (from < to && from < s->chunk_base) {
		size_t at = (size_t)(from & mask);
		size_t n = s->e->ring_size - at;

		if (n > s->chunk_base - from)
			n = (size_t)(s->chunk_base - from);
		if (n > to - from)
			n = (size_t)(to - from);
		c += count_nl(s->ring + at, n);
		from += n;
	}
	if (from < to)
		c += count_nl(s->chunk + (from - s->chunk_base), (size_t)(to - from));
	return c;
}

/* 1-based line of absolute offset at (which must be available), 0 for binaries. */
static long line_at(struct engine_scan *s, uint64_t at)
{
	if (s->binary)
		return 0;
	if (at >= s->line_pos) {
		s->line_count += (long)count_nl_range(s, s->line_pos, at);
		s->line_pos = at;
		return s->line_count + 1;
	}
	return s->line_count - (long)count_nl_range(s, at, s->line_pos) + 1;
}

/* False for a text-only rule while the file is a binary. */
static bool rule_applies(const struct engine_scan *s, uint32_t ci)
{
	return !(s->binary && s->e->cr[ci].r->text_only);
}

static void touch(struct engine_scan *s, uint32_t ci)
{
	if (!s->touched_flag[ci]) {
		s->touched_flag[ci] = 1;
		s->touched[s->n_touched++] = ci;
	}
}

/* Rule ci reached one of its limits in this file (ENGINE_MAX_REPORTS
 * findings, ENGINE_MAX_CONFIRMS checks): counted once a file. */
static void capped(struct engine_scan *s, uint32_t ci)
{
	touch(s, ci);
	if (!(s->touched_flag[ci] & TOUCHED_CAPPED)) {
		s->touched_flag[ci] |= TOUCHED_CAPPED;
		s->capped++;
	}
}

static bool keyword_in(const struct engine *e, const struct crule *c, const unsigned char *p,
                       size_t n)
{
	for (size_t k = 0; k < c->n_kw; k++)
		if (holds_caseless(p, n, e->keywords[c->kw[k]]))
			return true;
	return false;
}

/* One of the rule's keywords occurs in p[0..n) or, for content, earlier in the file. */
static bool keywords_ok(const struct engine_scan *s, const struct crule *c, const unsigned char *p,
                        size_t n, bool content)
{
	if (content)
		for (size_t k = 0; k < c->n_kw; k++)
			if (s->kw_seen[c->kw[k]])
				return true;
	return keyword_in(s->e, c, p, n);
}

static bool re_find(pcre2_code *re, const void *p, size_t n)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int m = pcre2_match(re, (PCRE2_SPTR)p, n, 0, 0, md, NULL);

	pcre2_match_data_free(md);
	return m >= 0;
}

static char *printable(const unsigned char *p, size_t n)
{
	struct buf b = BUF_INIT;
	size_t lim = n > ENGINE_EVIDENCE_MAX ? ENGINE_EVIDENCE_MAX : n;

	for (size_t i = 0; i < lim; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f)
			buf_addc(&b, (char)p[i]);
		else if (p[i] == '\t')
			buf_adds(&b, "\\t");
		else if (p[i] == '\n')
			buf_adds(&b, "\\n");
		else
			buf_addf(&b, "\\x%02x", p[i]);
	}
	if (lim < n)
		buf_adds(&b, "…");
	return buf_detach(&b, NULL);
}

static uint64_t hash64(const void *p, size_t n, uint32_t salt)
{
	uint64_t h = 1469598103934665603ull ^ salt;

	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211ull;
	return h;
}

/* True when this (rule, value) was already reported for the current file. */
static bool already_reported(struct engine_scan *s, uint32_t ci, const void *v, size_t n)
{
	uint64_t h = hash64(v, n, ci);

	for (size_t i = 0; i < s->n_reported; i++)
		if (s->reported[i] == h)
			return true;
	XGROW(s->reported, s->alloc_reported, s->n_reported + 1);
	s->reported[s->n_reported++] = h;
	return false;
}

struct where {
	enum loc_source source;
	bool content;      /* subject is file content: lines and keywords seen earlier apply */
	const char *path;  /* file path or NULL */
	const char *field; /* config/history field or NULL */
	const char *layer;
	long layer_index;
	long line;
};

/* Decides on one confirmed match and adds its finding. subject/n is the
 * context handed to the validator. */
static void report(struct engine_scan *s, uint32_t ci, const unsigned char *value, size_t vlen,
                   const unsigned char *subject, size_t n, const struct where *w)
{
	const struct crule *c = &s->e->cr[ci];
	const struct rule *r = c->r;
	struct validation v = {VALIDATION_OK, r->severity, ST_ACTIVE, ""};
	struct finding f;

	if (!vlen)
		return;
	for (size_t k = 0; k < r->n_allow; k++) {
		bool re_ok = !c->allow_re[k] || re_find(c->allow_re[k], value, vlen);
		bool path_ok = !c->allow_path[k] ||
		               (w->path && re_find(c->allow_path[k], w->path, strlen(w->path)));

		if (re_ok && path_ok)
			return;
	}
	if (r->entropy > 0 && secret_entropy((const char *)value, vlen) < r->entropy)
		return;
	if (r->validate) {
		validator_fn fn = validator_find(r->validate);

		if (fn)
			fn(&v, (const char *)value, vlen, (const char *)subject, n);
		if (v.result == VALIDATION_REJECT)
			return;
		/* binaries are full of assignment-like fragments ("pass=%s",
		 * "token:x"): there a value the validator finds weak for its own
		 * shape (short, low-entropy, an identifier) is not a credential.
		 * Documented examples and placeholders are still reported. */
		if (v.result == VALIDATION_WEAK && v.status == ST_ACTIVE && w->content && s->binary)
			return;
		if (v.result == VALIDATION_OK)
			v.severity = r->severity;
	}
	if (w->source == LOC_FILE) {
		if (already_reported(s, ci, value, vlen))
			return;
		if (s->reports[ci] >= ENGINE_MAX_REPORTS) {
			capped(s, ci);
			return;
		}
		touch(s, ci);
		s->reports[ci]++;
	}
	if (v.reason[0]) {
		char title[512];

		snprintf(title, sizeof(title), "%s (%s)", r->title, v.reason);
		finding_init(&f, r->id, r->category, v.severity, title);
	} else {
		finding_init(&f, r->id, r->category, v.severity, r->title);
	}
	f.status = v.status;
	if (r->category == CAT_SECRET && w->path && secret_path_is_fixture(w->path)) {
		f.status = ST_EXAMPLE;
		if (f.severity > SEV_LOW)
			f.severity = SEV_LOW;
	}
	f.strong = r->strong && v.result == VALIDATION_OK && f.status == ST_ACTIVE;
	finding_add_location(&f, w->source, w->layer, w->layer_index, w->path, w->line, w->field);
	if (r->category == CAT_SECRET) {
		finding_set_secret(&f, (const char *)value, vlen, s->e->opts.show_secrets);
	} else {
		char *ev = printable(value, vlen);

		finding_set_evidence(&f, ev, strlen(ev));
		free(ev);
	}
	findings_add(s->fs, &f);
}

/* Runs rule ci's regex over subject[start_off..n) and reports matches that
 * begin at or before start_limit (PCRE2_UNSET: anywhere) and end after
 * done_to (absolute offsets: subject[0] is at base). match_opts is
 * PCRE2_NOTBOL when subject[0] does not begin a line. */
static void confirm_regex(struct engine_scan *s, uint32_t ci, const unsigned char *subject,
                          size_t n, size_t start_off, size_t start_limit, uint64_t base,
                          uint64_t done_to, const struct where *w0, uint32_t match_opts)
{
	const struct crule *c = &s->e->cr[ci];
	size_t off = start_off;

	pcre2_set_offset_limit(s->mctx, start_limit);
	while (off <= n) {
		int m = pcre2_match(c->re, (PCRE2_SPTR)subject, n, off, match_opts, s->md, s->mctx);
		PCRE2_SIZE *ov;
		size_t ms, me, vs, ve;
		struct where w = *w0;

		if (m < 0)
			break;
		ov = pcre2_get_ovector_pointer(s->md);
		ms = ov[0];
		me = ov[1];
		off = me > ms ? me : me + 1;
		if (base + me <= done_to)
			continue;
		vs = ms;
		ve = me;
		if (c->group) {
			if ((int)c->group >= m || ov[2 * c->group] == PCRE2_UNSET)
				continue;
			vs = ov[2 * c->group];
			ve = ov[2 * c->group + 1];
		}
		if (c->n_kw && !keywords_ok(s, c, subject, w.content ? me : n, w.content))
			continue;
		if (w.content && !w.line)
			w.line = line_at(s, base + ms);
		report(s, ci, subject + vs, ve - vs, subject, n, &w);
	}
}

static void where_file(const struct engine_scan *s, struct where *w)
{
	w->source = LOC_FILE;
	w->content = false;
	w->path = s->path;
	w->field = NULL;
	w->layer = s->layer;
	w->layer_index = s->layer_index;
	w->line = 0;
}

static int sieve_hit(unsigned int id, unsigned long long from, unsigned long long to,
                     unsigned int flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	*(bool *)ctx = true;
	return 1; /* one is enough */
}

/* Rule ci's sieve, when this scan may use it: once the rule has been
 * confirmed ENGINE_SIEVE_AFTER times, the sieve (compiled here unless another
 * scan is at it), with room for it in the scan's sieve scratch. */
static hs_database_t *sieve_get(struct engine_scan *s, uint32_t ci)
{
	struct sieve *sv = s->e->cr[ci].sieve;
	hs_database_t *db;

	if (s->sieve_state[ci] != SIEVE_WAITING)
		return s->sieve_state[ci] == SIEVE_READY ? sv->db : NULL;
	if (++s->sieve_tries[ci] < ENGINE_SIEVE_AFTER)
		return NULL;
	if (!__atomic_load_n(&sv->done, __ATOMIC_ACQUIRE)) {
		if (pthread_mutex_trylock(&sv->lock))
			return NULL; /* another scan is compiling it */
		if (!sv->done) {
			__atomic_store_n(&sv->db, sieve_compile(s->e, &s->e->cr[ci]),
			                 __ATOMIC_RELEASE);
			__atomic_store_n(&sv->done, true, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&sv->lock);
	}
	db = __atomic_load_n(&sv->db, __ATOMIC_ACQUIRE);
	if (!db || hs_alloc_scratch(db, &s->sieve_scratch) != HS_SUCCESS) {
		s->sieve_state[ci] = SIEVE_NONE;
		return NULL;
	}
	s->sieve_state[ci] = SIEVE_READY;
	return db;
}

/* Whether sieve db lets subject[0..n) through to PCRE2 (a scan that fails
 * lets it through). */
static bool sieve_passes(struct engine_scan *s, hs_database_t *db, const unsigned char *subject,
                         size_t n)
{
	bool hit = false;
	hs_error_t r =
	    hs_scan(db, (const char *)subject, (unsigned)n, 0, s->sieve_scratch, sieve_hit, &hit);

	return hit || (r != HS_SUCCESS && r != HS_SCAN_TERMINATED);
}

/* True when p[0..n) holds a run of at least min bytes of class in: one
 * byte in every min is looked at, and runs are measured from those that
 * belong to the class. */
static bool holds_run(const unsigned char *p, size_t n, size_t min, const bool *in)
{
	size_t lo = 0;

	for (size_t i = min - 1; i < n;) {
		size_t a = i, b = i + 1;

		if (!in[p[i]]) {
			i += min;
			continue;
		}
		while (a > lo && in[p[a - 1]])
			a--;
		while (b < n && in[p[b]])
			b++;
		if (b - a >= min)
			return true;
		lo = b;
		i = b + min;
	}
	return false;
}

/* Confirms the hits of rule ci whose ends lie in [first, last]: runs its
 * regex from where the first one's match may begin to subject_end (absolute;
 * bytes up to subject_end are available); a match holding one of them
 * begins at or before last. The subject is the chunk itself when it lies
 * there, else a copy. */
static void confirm_range(struct engine_scan *s, uint32_t ci, uint64_t first, uint64_t last,
                          uint64_t subject_end)
{
	const struct crule *c = &s->e->cr[ci];
	uint64_t lo = avail_start(s), from, ctx, back = c->lmax + c->before;
	const unsigned char *subject;
	unsigned char before = 0;
	hs_database_t *sieve;
	bool bol;
	struct where w;

	touch(s, ci);
	if (s->confirms[ci] >= ENGINE_MAX_CONFIRMS) {
		capped(s, ci);
		return;
	}
	s->confirms[ci]++;
	from = first > back ? first - back : 0;
	if (from < lo)
		from = lo;
	/* the regex runs from `from`; the bytes before it are context for \b,
	 * lookbehind and the validator (which may look for a paired value within
	 * the rule's window) */
	if (back < c->r->window)
		back = c->r->window;
	back += ENGINE_PRE_CONTEXT;
	ctx = first > back ? first - back : 0;
	if (ctx < lo)
		ctx = lo;
	/* the window begins a line only at the start of the file or after a
	 * newline that is still in the ring */
	if (ctx > lo) {
		copy_bytes(s, &before, ctx - 1, ctx);
		bol = before == '\n';
	} else {
		bol = ctx == 0;
	}
	if (ctx >= s->chunk_base) {
		subject = s->chunk + (ctx - s->chunk_base);
	} else {
		copy_bytes(s, s->subj, ctx, subject_end);
		subject = s->subj;
	}
	/* no match without a run of the rule's value class, inside the match:
	 * from the earliest byte a match may begin at */
	if (c->run_min && !holds_run(subject + (from - ctx), (size_t)(subject_end - from),
	                             c->run_min, c->run_in)) {
		s->scanned_to[ci] = subject_end;
		return;
	}
	if (c->sieve && (sieve = sieve_get(s, ci)) &&
	    !sieve_passes(s, sieve, subject, (size_t)(subject_end - ctx))) {
		s->sieved++;
		s->scanned_to[ci] = subject_end;
		return;
	}
	where_file(s, &w);
	w.content = true;
	confirm_regex(s, ci, subject, (size_t)(subject_end - ctx), (size_t)(from - ctx),
	              (size_t)(last - ctx), ctx, s->scanned_to[ci], &w, bol ? 0 : PCRE2_NOTBOL);
	s->scanned_to[ci] = subject_end;
}

/* A hit of rule ci ending at `to`: hits close together make one pending run,
 * confirmed once the bytes a match may reach past the last one are in (at
 * the latest when the run spans a quarter of the ring). */
static void rule_hit(struct engine_scan *s, uint32_t ci, uint64_t to)
{
	const struct crule *c = &s->e->cr[ci];
	uint64_t chunk_end = s->chunk_base + s->chunk_len;

	if (s->pending[ci]) {
		uint64_t reach = s->pend_last[ci] + c->after;

		if (to <= reach && to - s->pending[ci] <= s->e->ring_size / 4) {
			s->pend_last[ci] = to;
			return;
		}
		confirm_range(s, ci, s->pending[ci], s->pend_last[ci],
		              reach < chunk_end ? reach : chunk_end);
		s->pending[ci] = 0;
	}
	if (to + c->reach <= s->scanned_to[ci])
		return;
	touch(s, ci);
	s->pending[ci] = to;
	s->pend_last[ci] = to;
}

/* A strings-rule string hit: confirm with PCRE2 and remember its text. */
static void string_hit(struct engine_scan *s, uint32_t si, uint64_t end, bool prefilter)
{
	const struct engine *e = s->e;
	const struct cstring *cs = &e->strs[si];
	const struct rule *r = e->cr[cs->rule].r;
	struct seen_string *ss = &s->strs[si];
	uint64_t lo = avail_start(s), from, to, chunk_end = s->chunk_base + s->chunk_len;
	int m;
	PCRE2_SIZE *ov;

	if (ss->seen || (e->cr[cs->rule].path_bit >= 0 && !s->path_bits[e->cr[cs->rule].path_bit]))
		return;
	from = end > r->window ? end - r->window : 0;
	if (from < lo)
		from = lo;
	to = prefilter ? (end + ENGINE_LOOKAHEAD < chunk_end ? end + ENGINE_LOOKAHEAD : chunk_end)
	               : end;
	copy_bytes(s, s->subj, from, to);
	/* the string ends at end: search the tail of the window for it */
	m = pcre2_match(cs->re, s->subj, (size_t)(to - from), 0, 0, s->md, NULL);
	if (m < 0)
		return;
	ov = pcre2_get_ovector_pointer(s->md);
	if (!prefilter) {
		/* take the last match, the one ending at the hit */
		size_t off = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
		PCRE2_SIZE ms = ov[0], me = ov[1];

		while (off <= (size_t)(to - from) &&
		       pcre2_match(cs->re, s->subj, (size_t)(to - from), off, 0, s->md, NULL) >=
		           0) {
			ms = ov[0];
			me = ov[1];
			off = me > ms ? me : me + 1;
		}
		ov[0] = ms;
		ov[1] = me;
	}
	ss->seen = true;
	ss->at = from + ov[0];
	ss->line = line_at(s, from + ov[0]);
	ss->text_len = ov[1] - ov[0] < ENGINE_STRING_TEXT ? ov[1] - ov[0] : ENGINE_STRING_TEXT;
	memcpy(ss->text, s->subj + ov[0], ss->text_len);
	s->str_touched[s->n_str_touched++] = si;
	touch(s, cs->rule);
	s->str_count[cs->rule]++;
}

static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ctx)
{
	struct engine_scan *s = ctx;
	const struct pat *p = &s->e->pats[id];

	(void)from;
	(void)flags;
	switch (p->type) {
	case PAT_KEYWORD:
		if (!s->kw_seen[p->idx]) {
			s->kw_seen[p->idx] = 1;
			s->kw_touched[s->n_kw_touched++] = p->idx;
		}
		for (uint32_t k = s->e->kw_gate_at[p->idx]; k < s->e->kw_gate_at[p->idx + 1]; k++) {
			const struct gate *g = &s->e->gates[s->e->kw_gates[k]];
			struct gate_scan *gs = &s->gs[s->e->kw_gates[k]];
			uint64_t at = to > g->back ? to - g->back : 0;

			if (!gs->open && at < gs->from)
				gs->from = at;
		}
		break;
	case PAT_STRING:
		string_hit(s, p->idx, to, p->prefilter);
		break;
	case PAT_RULE: {
		const struct crule *c = &s->e->cr[p->idx];

		if ((c->path_bit < 0 || s->path_bits[c->path_bit]) && rule_applies(s, p->idx))
			rule_hit(s, p->idx, to);
		break;
	}
	default:
		break;
	}
	return 0;
}

/* A run [a, b) of run rule ri's class, at least its minimum long: hits
 * along it, so that the confirm windows cover all of it. */
static void run_found(struct engine_scan *s, size_t ri, uint64_t a, uint64_t b)
{
	const struct crun *cr = &s->e->runs[ri];
	const struct crule *c = &s->e->cr[cr->rule];
	uint64_t t = a + cr->cls.min, lo = avail_start(s) + c->before;

	if (c->path_bit >= 0 && !s->path_bits[c->path_bit])
		return;
	if (t < lo)
		t = lo; /* the start of a very long run is gone from the ring */
	for (; t < b; t += c->after)
		rule_hit(s, cr->rule, t);
	rule_hit(s, cr->rule, b);
}

/* Finds the runs of run rule ri's class in the current chunk: a run that
 * long holds one of the blocks classrun_next_block looks at (classrun.h),
 * and the run is measured around each block of the class; a run reaching
 * the chunk's end stays open into the next chunk. */
static void run_scan(struct engine_scan *s, size_t ri)
{
	const struct crun *cr = &s->e->runs[ri];
	const bool *in = cr->cls.in;
	const unsigned char *p = s->chunk;
	size_t len = s->chunk_len, j = 0, i, t;
	uint64_t base = s->chunk_base;

	if (s->run_open[ri] != ENGINE_RUN_NONE) {
		while (j < len && in[p[j]])
			j++;
		if (j == len)
			return;
		if (base + j - s->run_open[ri] >= cr->cls.min)
			run_found(s, ri, s->run_open[ri], base + j);
		s->run_open[ri] = ENGINE_RUN_NONE;
	}
	while ((i = classrun_next_block(&cr->cls, p, j, len)) < len) {
		size_t a = i, b = i + CLASSRUN_BLOCK;

		while (a > j && in[p[a - 1]])
			a--;
		while (b < len && in[p[b]])
			b++;
		if (b == len) {
			s->run_open[ri] = base + a;
			return;
		}
		if (b - a >= cr->cls.min)
			run_found(s, ri, base + a, base + b);
		j = b;
	}
	for (t = len; t > j && in[p[t - 1]];)
		t--;
	if (t < len)
		s->run_open[ri] = base + t;
}

/* At the end of a file: the run still open ends there. */
static void run_close(struct engine_scan *s, size_t ri)
{
	if (s->run_open[ri] != ENGINE_RUN_NONE &&
	    s->size - s->run_open[ri] >= s->e->runs[ri].cls.min)
		run_found(s, ri, s->run_open[ri], s->size);
	s->run_open[ri] = ENGINE_RUN_NONE;
}

/* A hit of the gate being scanned: its offsets count from its base. */
static int on_gated_hit(unsigned int id, unsigned long long from, unsigned long long to,
                        unsigned int flags, void *ctx)
{
	struct engine_scan *s = ctx;
	uint64_t base = s->gs[s->cur_gate].base;

	return on_hit(id, from + base, to + base, flags, ctx);
}

/* Scans bytes with gate gi's database; a failure is kept in s->rc. */
static int gated_scan(struct engine_scan *s, size_t gi, const unsigned char *p, size_t n)
{
	s->cur_gate = gi;
	if (hs_scan_stream(s->gs[gi].stream, (const char *)p, (unsigned)n, 0, s->scratch,
	                   on_gated_hit, s) != HS_SUCCESS)
		s->rc = err_set(DR_ERROR, "engine: scan failed in '%s'", s->path);
	return s->rc;
}

/* Opens gate gi's stream at file offset from (its bytes up to the end of the
 * current chunk must be available) and scans them. */
static void gate_open(struct engine_scan *s, size_t gi, uint64_t from)
{
	uint64_t lo = avail_start(s), end = s->chunk_base + s->chunk_len;

	if (from < lo)
		from = lo;
	s->gs[gi].open = true;
	s->gs[gi].base = from;
	s->gs[gi].from = UINT64_MAX;
	while (from < end) {
		const unsigned char *p;
		size_t n;

		if (from < s->chunk_base) {
			n = (size_t)(s->chunk_base - from);
			if (n > 2 * s->e->ring_size)
				n = 2 * s->e->ring_size;
			copy_bytes(s, s->subj, from, from + n);
			p = s->subj;
		} else {
			n = (size_t)(end - from);
			p = s->chunk + (from - s->chunk_base);
		}
		if (gated_scan(s, gi, p, n))
			return;
		from += n;
	}
}

/* Gives the gates the current chunk: an open gate scans it, one a keyword
 * asked for opens (a gate of a text-only rule stays shut in a binary). */
static void gates_feed(struct engine_scan *s, const unsigned char *p, size_t n)
{
	for (size_t gi = 0; gi < s->e->n_gates && !s->rc; gi++) {
		struct gate_scan *gs = &s->gs[gi];

		if (!rule_applies(s, s->e->gates[gi].rule))
			continue;
		if (gs->open)
			gated_scan(s, gi, p, n);
		else if (gs->from != UINT64_MAX)
			gate_open(s, gi, gs->from);
	}
}

/* Confirms the pending runs whose bytes are all in (all when final). */
static void resolve_pending(struct engine_scan *s)
{
	uint64_t chunk_end = s->chunk_base + s->chunk_len;

	for (size_t i = 0; i < s->n_touched; i++) {
		uint32_t ci = s->touched[i];
		uint64_t reach = s->pend_last[ci] + s->e->cr[ci].after;

		if (!s->pending[ci])
			continue;
		if (s->final || reach <= chunk_end) {
			confirm_range(s, ci, s->pending[ci], s->pend_last[ci],
			              s->final ? chunk_end : reach);
			s->pending[ci] = 0;
		}
	}
}

static void ring_append(struct engine_scan *s, const unsigned char *p, size_t n)
{
	size_t rs = s->e->ring_size, mask = rs - 1;
	uint64_t at = s->chunk_base;

	if (n > rs) {
		at += n - rs;
		p += n - rs;
		n = rs;
	}
	while (n) {
		size_t o = (size_t)(at & mask), k = rs - o;

		if (k > n)
			k = n;
		memcpy(s->ring + o, p, k);
		p += k;
		at += k;
		n -= k;
	}
}

static void path_rules(struct engine_scan *s);

int engine_file_begin(struct engine_scan *s, const char *path, const char *layer, long layer_index)
{
	if (s->in_file)
		return err_set(DR_ERROR, "engine: file '%s' begun before '%s' ended", path,
		               s->path);
	free(s->path);
	free(s->layer);
	s->path = xstrdup(path);
	s->layer = layer ? xstrdup(layer) : NULL;
	s->layer_index = layer_index;
	s->in_file = true;
	s->size = 0;
	s->decided = false;
	s->binary = false;
	s->probe_len = 0;
	s->cur = NULL;
	s->chunk_base = 0;
	s->chunk_len = 0;
	s->chunk = NULL;
	s->final = false;
	s->line_pos = 0;
	s->line_count = 0;
	s->rc = 0;
	s->n_reported = 0;
	memset(s->path_bits, 0, s->e->n_path_bits + 1);
	for (size_t i = 0; i < s->e->n_runs; i++)
		s->run_open[i] = ENGINE_RUN_NONE;
	path_rules(s);
	/* a gated rule with a path filter scans the files it passes, whole */
	for (size_t gi = 0; gi < s->e->n_gates; gi++) {
		int bit = s->e->cr[s->e->gates[gi].rule].path_bit;

		s->gs[gi].open = bit >= 0 && s->path_bits[bit];
		s->gs[gi].base = 0;
		s->gs[gi].from = UINT64_MAX;
	}
	return s->rc;
}

static int path_hit(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
	struct engine_scan *s = ctx;
	const struct pat *p = &s->e->path_pats[id];
	const struct crule *c = &s->e->cr[p->idx];

	(void)from;
	(void)to;
	(void)flags;
	if (p->type == PAT_PATH_FILTER) {
		if (!p->prefilter || re_find(c->path_re, s->path, strlen(s->path)))
			s->path_bits[c->path_bit] = 1;
	} else {
		struct where w;

		where_file(s, &w);
		confirm_regex(s, p->idx, (const unsigned char *)s->path, strlen(s->path), 0,
		              PCRE2_UNSET, 0, 0, &w, 0);
	}
	return 0;
}

static void path_rules(struct engine_scan *s)
{
	size_t n = strlen(s->path);

	if (!s->e->path_db || !n)
		return;
	if (hs_scan(s->e->path_db, s->path, (unsigned)n, 0, s->scratch, path_hit, s) != HS_SUCCESS)
		s->rc = err_set(DR_ERROR, "engine: path scan failed for '%s'", s->path);
}

/* Scans the next bytes of a file whose kind is decided. */
static int feed(struct engine_scan *s, const unsigned char *p, size_t len)
{
	while (len) {
		/* hyperscan takes unsigned lengths: feed at most 1 GiB at a time */
		size_t n = len > (1u << 30) ? (1u << 30) : len;

		s->chunk = p;
		s->chunk_len = n;
		s->chunk_base = s->size;
		if (s->cur && hs_scan_stream(s->cur, (const char *)p, (unsigned)n, 0, s->scratch,
		                             on_hit, s) != HS_SUCCESS) {
			s->rc = err_set(DR_ERROR, "engine: scan failed in '%s'", s->path);
			break;
		}
		gates_feed(s, p, n);
		if (s->rc)
			break;
		for (size_t i = 0; i < s->e->n_runs; i++)
			if (rule_applies(s, s->e->runs[i].rule))
				run_scan(s, i);
		resolve_pending(s);
		/* move the line counter to the end of the chunk */
		if (!s->binary)
			line_at(s, s->chunk_base + n);
		ring_append(s, p, n);
		s->size += n;
		s->total_bytes += n;
		s->chunk_base = s->size;
		s->chunk_len = 0;
		s->chunk = NULL;
		p += n;
		len -= n;
	}
	return s->rc;
}

/* The file is text or binary from here on: scans the bytes held so far. */
static int decide(struct engine_scan *s, bool binary)
{
	size_t held = s->probe_len;

	s->decided = true;
	s->binary = binary;
	s->cur = binary && s->bstream ? s->bstream : s->stream;
	s->probe_len = 0;
	return held ? feed(s, s->probe, held) : 0;
}

int engine_file_data(struct engine_scan *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (!s->in_file)
		return err_set(DR_ERROR, "engine: data outside a file");
	if (!s->decided && len) {
		size_t want = ENGINE_BINARY_PROBE - s->probe_len;

		if (memchr(p, 0, len < want ? len : want)) {
			if (decide(s, true))
				return s->rc;
		} else if (len >= want) {
			if (decide(s, false))
				return s->rc;
		} else {
			memcpy(s->probe + s->probe_len, p, len);
			s->probe_len += len;
			return 0;
		}
	}
	return feed(s, p, len);
}

static void report_strings(struct engine_scan *s, const struct where *w0)
{
	for (size_t i = 0; i < s->n_touched; i++) {
		uint32_t ci = s->touched[i];
		const struct crule *c = &s->e->cr[ci];
		struct buf ev = BUF_INIT;
		struct where w = *w0;
		long line = 0;
		bool first = true;

		if (c->r->regex || s->str_count[ci] < c->r->min_strings ||
		    (c->n_kw && !keywords_ok(s, c, NULL, 0, true)))
			continue;
		for (size_t k = 0; k < c->r->n_strings; k++) {
			const struct seen_string *ss = &s->strs[c->str_first + k];
			char *t;

			if (!ss->seen)
				continue;
			if (first || (ss->line && ss->line < line))
				line = ss->line;
			t = printable((const unsigned char *)ss->text, ss->text_len);
			buf_addf(&ev, "%s%s", first ? "" : ", ", t);
			free(t);
			first = false;
		}
		if (w.source == LOC_FILE)
			w.line = line;
		report(s, ci, (const unsigned char *)ev.ptr, ev.len, NULL, 0, &w);
		buf_release(&ev);
	}
}

static void reset_file_state(struct engine_scan *s)
{
	for (size_t i = 0; i < s->n_touched; i++) {
		uint32_t ci = s->touched[i];

		s->scanned_to[ci] = 0;
		s->pending[ci] = 0;
		s->confirms[ci] = 0;
		s->reports[ci] = 0;
		s->str_count[ci] = 0;
		s->touched_flag[ci] = 0;
	}
	s->n_touched = 0;
	for (size_t i = 0; i < s->n_kw_touched; i++)
		s->kw_seen[s->kw_touched[i]] = 0;
	s->n_kw_touched = 0;
	for (size_t i = 0; i < s->n_str_touched; i++)
		s->strs[s->str_touched[i]].seen = false;
	s->n_str_touched = 0;
}

int engine_file_end(struct engine_scan *s)
{
	struct where w;
	int rc;

	if (!s->in_file)
		return err_set(DR_ERROR, "engine: end outside a file");
	if (!s->decided)
		decide(s, false); /* shorter than the probe, without a NUL */
	/* bytes of the file are all in the ring now: the last chunk is empty */
	s->final = true;
	s->chunk_base = s->size;
	s->chunk_len = 0;
	s->chunk = (const unsigned char *)"";
	if (s->cur && hs_reset_stream(s->cur, 0, s->scratch, on_hit, s) != HS_SUCCESS)
		s->rc = err_set(DR_ERROR, "engine: scan failed in '%s'", s->path);
	for (size_t gi = 0; gi < s->e->n_gates; gi++) {
		struct gate_scan *gs = &s->gs[gi];

		if (!gs->open && gs->from != UINT64_MAX && rule_applies(s, s->e->gates[gi].rule))
			gate_open(s, gi, gs->from); /* a keyword in the file's last bytes */
		s->cur_gate = gi;
		if (gs->open &&
		    hs_reset_stream(gs->stream, 0, s->scratch, on_gated_hit, s) != HS_SUCCESS)
			s->rc = err_set(DR_ERROR, "engine: scan failed in '%s'", s->path);
		gs->open = false;
		gs->from = UINT64_MAX;
	}
	for (size_t i = 0; i < s->e->n_runs; i++)
		run_close(s, i);
	resolve_pending(s);
	where_file(s, &w);
	report_strings(s, &w);
	reset_file_state(s);
	s->in_file = false;
	s->chunk = NULL;
	rc = s->rc;
	s->rc = 0;
	return rc;
}

int engine_scan_string(struct engine_scan *s, enum rule_kind kind, const char *layer,
                       long layer_index, const char *field, const char *str, size_t len)
{
	const struct engine *e = s->e;
	struct where w = {kind == RK_HISTORY ? LOC_HISTORY : LOC_CONFIG,
	                  false,
	                  NULL,
	                  field,
	                  layer,
	                  layer_index,
	                  0};

	if (s->in_file)
		return err_set(DR_ERROR, "engine: string scanned inside file '%s'", s->path);
	if (kind != RK_CONFIG && kind != RK_HISTORY)
		return err_set(DR_EUSAGE, "engine: strings are scanned as config or history");
	for (size_t ci = 0; ci < e->n_cr; ci++) {
		const struct crule *c = &e->cr[ci];

		if (!(c->r->kinds & kind))
			continue;
		if (c->re) {
			confirm_regex(s, (uint32_t)ci, (const unsigned char *)str, len, 0,
			              PCRE2_UNSET, 0, 0, &w, 0);
			continue;
		}
		struct buf ev = BUF_INIT;
		size_t seen = 0;

		if (c->n_kw && !keyword_in(e, c, (const unsigned char *)str, len))
			continue;

		for (size_t k = 0; k < c->r->n_strings; k++) {
			pcre2_code *re = e->strs[c->str_first + k].re;
			PCRE2_SIZE *ov;

			if (pcre2_match(re, (PCRE2_SPTR)str, len, 0, 0, s->md, NULL) < 0)
				continue;
			ov = pcre2_get_ovector_pointer(s->md);
			char *t =
			    printable((const unsigned char *)str + ov[0],
			              ov[1] - ov[0] < ENGINE_STRING_TEXT ? ov[1] - ov[0]
			                                                 : ENGINE_STRING_TEXT);
			buf_addf(&ev, "%s%s", seen ? ", " : "", t);
			free(t);
			seen++;
		}
		if (seen >= c->r->min_strings)
			report(s, (uint32_t)ci, (const unsigned char *)ev.ptr, ev.len,
			       (const unsigned char *)str, len, &w);
		buf_release(&ev);
	}
	return 0;
}
