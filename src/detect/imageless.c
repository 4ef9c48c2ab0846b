#include "detect/imageless.h"
#include "util/embed.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <ctype.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATTERNS 512
#define EVIDENCE_LEN 48

struct pattern {
	enum lure_kind kind;
	int weight;
	bool trail; /* the match ends with the character after the word */
};

struct imageless {
	struct linker *lk;
	hs_database_t *db;
	hs_scratch_t *scratch;
	struct pattern *pats;
	size_t n_pats;
	unsigned char *seen; /* per pattern, for the repository being scanned */
	char *text;          /* name, description and full description, '\n'-joined */
	size_t text_alloc;
};

static const char *const kind_names[] = {"warez",  "cheat",  "ebook", "stream",   "casino",
                                         "pharma", "crypto", "adult", "download", "project"};
static const char *const verdict_names[] = {"clean", "spam", "phishing"};

const char *hub_verdict_name(enum hub_verdict v)
{
	return verdict_names[v];
}

const char *lure_kind_name(enum lure_kind k)
{
	return kind_names[k];
}

const struct linker *imageless_linker(const struct imageless *il)
{
	return il->lk;
}

static char *xstrdup_cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = xmalloc(la + lb + 1);

	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

static int kind_parse(enum lure_kind *out, const char *s)
{
	for (int i = 0; i < LURE_KIND_COUNT; i++)
		if (!strcmp(s, kind_names[i])) {
			*out = (enum lure_kind)i;
			return 0;
		}
	return err_set(DR_EFORMAT, "'data/hub-lures.tsv': unknown kind '%s'", s);
}

int imageless_new(struct imageless **out)
{
	struct imageless *il = xcalloc(1, sizeof(*il));
	const char *exprs[MAX_PATTERNS];
	unsigned flags[MAX_PATTERNS], ids[MAX_PATTERNS];
	size_t len;
	const char *data = embed_get("data/hub-lures.tsv", &len);
	char *text = NULL, *save = NULL, *line;
	hs_compile_error_t *cerr = NULL;
	size_t n_exprs = 0;
	int rc;

	*out = NULL;
	rc = linker_new(&il->lk);
	if (rc)
		goto done;
	if (!data) {
		rc = err_set(DR_ERROR, "no 'data/hub-lures.tsv' in this build");
		goto done;
	}
	text = xstrndup(data, len);
	il->pats = xcalloc(MAX_PATTERNS, sizeof(*il->pats));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f1, *f2, *end;
		long w;

		if (*line == '#' || !*line)
			continue;
		f1 = strchr(line, '\t');
		f2 = f1 ? strchr(f1 + 1, '\t') : NULL;
		if (!f2) {
			rc = err_set(DR_EFORMAT, "'data/hub-lures.tsv': bad line '%.40s'", line);
			goto done;
		}
		*f1 = *f2 = '\0';
		if (il->n_pats == MAX_PATTERNS) {
			rc = err_set(DR_ELIMIT, "'data/hub-lures.tsv': too many patterns");
			goto done;
		}
		rc = kind_parse(&il->pats[il->n_pats].kind, line);
		if (rc)
			goto done;
		w = strtol(f1 + 1, &end, 10);
		if (*end || w < 1 || w > 9) {
			rc = err_set(DR_EFORMAT, "'data/hub-lures.tsv': bad weight '%s'", f1 + 1);
			goto done;
		}
		il->pats[il->n_pats].weight = (int)w;
		/* a final \b becomes "one non-word character": the same matches
		 * (the scanned text ends with a newline) at twice the speed */
		{
			size_t pl = strlen(f2 + 1);
			char *e = f2 + 1;

			if (pl > 2 && !strcmp(e + pl - 2, "\\b") && e[pl - 3] != '\\') {
				e[pl - 2] = '\0';
				il->pats[il->n_pats].trail = true;
				exprs[il->n_pats] = xstrdup_cat(e, "[^a-z0-9_]");
			} else {
				exprs[il->n_pats] = xstrdup(e);
			}
		}
		flags[il->n_pats] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		ids[il->n_pats] = (unsigned)il->n_pats;
		n_exprs = ++il->n_pats;
	}
	if (hs_compile_multi(exprs, flags, ids, (unsigned)il->n_pats, HS_MODE_BLOCK, NULL, &il->db,
	                     &cerr) != HS_SUCCESS) {
		rc = err_set(DR_EFORMAT, "'data/hub-lures.tsv': pattern %d: %s",
		             cerr ? cerr->expression : -1, cerr ? cerr->message : "compile error");
		hs_free_compile_error(cerr);
		goto done;
	}
	if (hs_alloc_scratch(il->db, &il->scratch) != HS_SUCCESS) {
		rc = err_set(DR_ERROR, "cannot allocate Hyperscan scratch");
		goto done;
	}
	il->seen = xcalloc(il->n_pats, 1);
	*out = il;
	il = NULL;
	rc = 0;
done:
	for (size_t i = 0; i < n_exprs; i++)
		free((char *)exprs[i]);
	free(text);
	imageless_free(il);
	return rc;
}

void imageless_free(struct imageless *il)
{
	if (!il)
		return;
	linker_free(il->lk);
	hs_free_scratch(il->scratch);
	hs_free_database(il->db);
	free(il->pats);
	free(il->seen);
	free(il->text);
	free(il);
}

void imageless_result_init(struct imageless_result *r)
{
	memset(r, 0, sizeof(*r));
}

void imageless_result_reset(struct imageless_result *r)
{
	struct links keep = r->links;
	struct findings fs = r->findings;

	links_reset(&keep);
	findings_release(&fs);
	memset(r, 0, sizeof(*r));
	r->links = keep;
}

void imageless_result_release(struct imageless_result *r)
{
	links_release(&r->links);
	findings_release(&r->findings);
	memset(r, 0, sizeof(*r));
}

/* --- names --------------------------------------------------------------- */

static bool is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

bool imageless_generated_name(const char *ns)
{
	size_t n = strlen(ns), letters = 0, digits = 0, vowels = 0, run = 0, max_run = 0;
	size_t switches = 0;

	if (n < 6 || n > 40)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = ns[i];

		if (c >= 'a' && c <= 'z') {
			letters++;
			if (is_vowel(c)) {
				vowels++;
				run = 0;
			} else if (++run > max_run) {
				max_run = run;
			}
		} else if (c >= '0' && c <= '9') {
			digits++;
			run = 0;
		} else {
			run = 0;
		}
		if (i && isdigit((unsigned char)c) != isdigit((unsigned char)ns[i - 1]))
			switches++;
	}
	/* word + year: letters only, then 19xx/20xx */
	if (n >= 9 && digits == 4 && letters == n - 4 && isdigit((unsigned char)ns[n - 4]) &&
	    ((ns[n - 4] == '1' && ns[n - 3] == '9') || (ns[n - 4] == '2' && ns[n - 3] == '0')))
		return true;
	if (letters >= 8 && max_run >= 5)
		return true;
	if (letters >= 8 && digits == 0 && vowels * 5 < letters)
		return true;
	if (digits >= 2 && letters >= 3 && switches >= 4)
		return true;
	return false;
}

bool imageless_own_domain(const char *host, const char *domain, const char *ns, const char *name)
{
	const char *dot = strchr(domain, '.');
	size_t ln = dot ? (size_t)(dot - domain) : strlen(domain), nsl = strlen(ns);
	size_t hl = strlen(host) - strlen(domain);
	char label[128];

	/* a label of the host below the registrable domain: ns.example.org */
	for (const char *p = host; p < host + hl;) {
		const char *e = memchr(p, '.', (size_t)(host + hl - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(host + hl - p);

		if (n >= 3 &&
		    ((n == nsl && !memcmp(p, ns, n)) || (n == strlen(name) && !memcmp(p, name, n))))
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	if (ln < 3 || ln >= sizeof(label))
		return false;
	memcpy(label, domain, ln);
	label[ln] = '\0';
	if (!strcmp(label, ns) || !strcmp(label, name))
		return true;
	return nsl >= 4 && strstr(label, ns) != NULL;
}

/* --- lexicon scan -------------------------------------------------------- */

struct scan_ctx {
	struct imageless *il;
	struct imageless_result *r;
	const char *text;
	size_t end_name, end_desc; /* field boundaries in text */
	/* first hit of each kind, for evidence */
	const char *first_field[LURE_KIND_COUNT];
	char first_text[LURE_KIND_COUNT][EVIDENCE_LEN + 1];
};

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ud)
{
	struct scan_ctx *c = ud;
	const struct pattern *p = &c->il->pats[id];

	if (c->il->seen[id])
		return 0;
	c->il->seen[id] = 1;
	c->r->lure_weight[p->kind] += p->weight;
	if (p->trail)
		to--;
	if (!c->first_field[p->kind]) {
		size_t start = to > EVIDENCE_LEN ? (size_t)to - EVIDENCE_LEN : 0;
		size_t field_start = to <= c->end_name   ? 0
		                     : to <= c->end_desc ? c->end_name + 1
		                                         : c->end_desc + 1;
		const char *field = to <= c->end_name   ? "name"
		                    : to <= c->end_desc ? "description"
		                                        : "full_description";

		if (start < field_start)
			start = field_start;
		/* begin at a word start inside the window, if there is one */
		if (start > 0) {
			size_t s = start;

			while (s < to && isalnum((unsigned char)c->text[s - 1]))
				s++;
			if (s < to)
				start = s;
		}
		while (start < to && ((unsigned char)c->text[start] & 0xc0) == 0x80)
			start++; /* never begin inside a UTF-8 sequence */
		c->first_field[p->kind] = field;
		memcpy(c->first_text[p->kind], c->text + start, (size_t)(to - start));
		c->first_text[p->kind][to - start] = '\0';
		for (char *q = c->first_text[p->kind]; *q; q++)
			if ((unsigned char)*q < ' ')
				*q = ' ';
	}
	return 0;
}

/* Appends s to the scan text after a '\n'; returns the new length. */
static size_t text_add(struct imageless *il, size_t len, const char *s, size_t n)
{
	XGROW(il->text, il->text_alloc, len + n + 2);
	if (len)
		il->text[len++] = '\n';
	memcpy(il->text + len, s, n);
	return len + n;
}

/* --- result building ----------------------------------------------------- */

static void add_reason(struct imageless_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_reason(struct imageless_result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n_reasons == IMAGELESS_MAX_REASONS)
		return;
	va_start(ap, fmt);
	vsnprintf(r->reasons[r->n_reasons++], IMAGELESS_REASON_LEN, fmt, ap);
	va_end(ap);
}

static void add_finding(struct imageless_result *r, const char *rule, enum category cat,
                        enum severity sev, const char *title, const char *field,
                        const char *evidence)
{
	struct finding f;

	finding_init(&f, rule, cat, sev, title);
	finding_add_location(&f, LOC_METADATA, NULL, -1, NULL, 0, field);
	finding_set_evidence(&f, evidence, strlen(evidence));
	f.strong = sev >= SEV_HIGH;
	findings_add(&r->findings, &f);
}

static bool is_phishing_lure(unsigned lures)
{
	return lures & (1u << LURE_WAREZ | 1u << LURE_CHEAT | 1u << LURE_EBOOK | 1u << LURE_STREAM |
	                1u << LURE_CRYPTO);
}

static enum hub_kind kind_of(const struct imageless_result *r)
{
	const int *w = r->lure_weight;

	if (r->lures & (1u << LURE_WAREZ | 1u << LURE_CHEAT)) {
		if ((r->lures & 1u << LURE_EBOOK) && w[LURE_EBOOK] > w[LURE_WAREZ] + w[LURE_CHEAT])
			return HUB_KIND_EBOOK;
		return HUB_KIND_DOWNLOADER;
	}
	if (r->lures & 1u << LURE_EBOOK)
		return HUB_KIND_EBOOK;
	if (r->lures & 1u << LURE_DOWNLOAD)
		return HUB_KIND_DOWNLOADER; /* "mirror 1 … download" bait alone */
	if (r->lures & (1u << LURE_STREAM | 1u << LURE_CASINO | 1u << LURE_PHARMA |
	                1u << LURE_CRYPTO | 1u << LURE_ADULT))
		return HUB_KIND_OTHER;
	/* SEO wants its real domain seen; hiding the target is the downloaders' way */
	if (r->disguised_links)
		return HUB_KIND_DOWNLOADER;
	if (r->ext_links)
		return HUB_KIND_SEO;
	return HUB_KIND_NONE;
}

int imageless_classify(struct imageless_result *out, struct imageless *il,
                       const struct hub_repo *repo, bool with_findings)
{
	struct scan_ctx sc;
	char name_words[256];
	size_t n_short = 0, n_fake = 0, n_redir = 0, n_blog = 0, n_ip = 0;
	const struct link *shown_fake = NULL, *shown_short = NULL, *shown_redir = NULL,
	                  *shown_blog = NULL, *shown_ext = NULL;
	int score = 0, project;
	size_t n_lure_kinds = 0;
	bool zero_pulls;

	imageless_result_reset(out);
	memset(&sc, 0, sizeof(sc));
	sc.il = il;
	sc.r = out;
	memset(il->seen, 0, il->n_pats);

	out->imageless = repo->tag_count == 0 || (repo->tag_count < 0 && repo->n_media_types == 0 &&
	                                          repo->n_content_types == 0);
	if (!out->imageless)
		return 0; /* images are judged by scanning them, not their description */
	/* links, description first */
	if (repo->description)
		links_extract(&out->links, il->lk, repo->description, strlen(repo->description));
	out->desc_links = out->links.n;
	if (repo->full_description)
		links_extract(&out->links, il->lk, repo->full_description,
		              strlen(repo->full_description));
	for (size_t i = 0; i < out->links.n; i++) {
		const struct link *l = &out->links.v[i];

		if (l->flags & LINK_CODE_HOST)
			continue;
		if (!(l->flags & (LINK_SHORTENER | LINK_FAKE_SHORTENER | LINK_REDIRECT)) &&
		    imageless_own_domain(l->host, l->domain, repo->namespace_, repo->name))
			continue;
		out->ext_links++;
		if (!shown_ext)
			shown_ext = l;
		if (l->flags & LINK_FAKE_SHORTENER) {
			n_fake++;
			shown_fake = shown_fake ? shown_fake : l;
		} else if (l->flags & LINK_SHORTENER) {
			n_short++;
			shown_short = shown_short ? shown_short : l;
		}
		if (l->flags & LINK_REDIRECT) {
			n_redir++;
			shown_redir = shown_redir ? shown_redir : l;
		}
		if (l->flags & LINK_BLOG_HOP) {
			n_blog++;
			shown_blog = shown_blog ? shown_blog : l;
		}
		if (l->flags & LINK_IP)
			n_ip++;
	}
	/* lexicon: name (separators as spaces), description, full description in
	 * one scan; a description repeated in the full description once */
	{
		size_t n = str_copy(name_words, repo->name, sizeof(name_words)), len;
		size_t dl = repo->description ? strlen(repo->description) : 0;
		size_t fl = repo->full_description ? strlen(repo->full_description) : 0;

		if (n >= sizeof(name_words))
			n = sizeof(name_words) - 1;
		for (size_t i = 0; i < n; i++)
			if (name_words[i] == '_' || name_words[i] == '.')
				name_words[i] = ' ';
		len = text_add(il, 0, name_words, n);
		sc.end_name = len;
		if (dl && !(fl && memmem(repo->full_description, fl, repo->description, dl)))
			len = text_add(il, len, repo->description, dl);
		sc.end_desc = len;
		if (fl)
			len = text_add(il, len, repo->full_description, fl);
		il->text[len++] = '\n'; /* room kept by text_add */
		sc.text = il->text;
		hs_scan(il->db, il->text, (unsigned)len, 0, il->scratch, on_match, &sc);
	}
	for (int k = 0; k < LURE_KIND_COUNT; k++)
		if (k != LURE_PROJECT && out->lure_weight[k] >= 3)
			out->lures |= 1u << k;
	project = out->lure_weight[LURE_PROJECT];
	out->generated_ns = imageless_generated_name(repo->namespace_);
	zero_pulls = repo->pull_count == 0;

	/* the score */
	if (out->imageless && (out->ext_links || out->lures)) {
		score += 2;
		add_reason(out, "no tags or images");
	}
	if (out->ext_links) {
		score += out->ext_links > 3 ? 3 : (int)out->ext_links;
		add_reason(out, "%zu external link%s (first to '%s')", out->ext_links,
		           out->ext_links > 1 ? "s" : "", shown_ext->domain);
	}
	if (n_fake) {
		score += 3;
		add_reason(out, "link through a fake URL shortener '%s'", shown_fake->domain);
	} else if (n_short) {
		score += 2;
		add_reason(out, "link through URL shortener '%s'", shown_short->domain);
	}
	if (n_redir) {
		score += 3;
		add_reason(out, "open redirect to the real target: %s", shown_redir->chain);
	}
	if (n_blog) {
		score += 2;
		add_reason(out, "link through a blog hop '%s'", shown_blog->host);
	}
	if (n_ip) {
		score += 2;
		add_reason(out, "link to an IP address");
	}
	for (int k = 0; k < LURE_PROJECT; k++) {
		if (!(out->lures & 1u << k))
			continue;
		if (k == LURE_DOWNLOAD) {
			score += 1;
		} else if (n_lure_kinds < 2) {
			score += 3;
			n_lure_kinds++;
		}
		add_reason(out, "%s lure in %s: '%s'", kind_names[k], sc.first_field[k],
		           sc.first_text[k]);
	}
	if (out->generated_ns && (out->ext_links || out->lures)) {
		score += 2;
		add_reason(out, "generated account name '%s'", repo->namespace_);
	}
	if (out->imageless && zero_pulls && (out->ext_links || out->lures)) {
		score += 1;
		add_reason(out, "no pulls");
	}
	if (project >= 3) {
		score -= project >= 5 ? 3 : 2;
	} else if (out->imageless && out->ext_links && project == 0 && !out->lures) {
		score += 1;
		add_reason(out, "no word about software, only a link");
	}
	out->score = score;
	out->disguised_links = n_fake + n_short + n_redir + n_blog;
	out->kind = kind_of(out);
	if ((out->ext_links || out->lures) && score >= IMAGELESS_THRESHOLD)
		out->verdict = out->ext_links && (is_phishing_lure(out->lures) ||
		                                  ((out->lures & 1u << LURE_DOWNLOAD) &&
		                                   n_fake + n_short + n_redir + n_blog))
		                   ? HUB_PHISHING
		                   : HUB_SPAM;
	if (out->verdict == HUB_CLEAN) {
		out->n_reasons = 0;
		return 0;
	}
	if (with_findings) {
		enum category cat = out->verdict == HUB_PHISHING ? CAT_PHISHING : CAT_SPAM;

		for (int k = 0; k < LURE_PROJECT; k++) {
			char rule[32], title[96];

			if (!(out->lures & 1u << k))
				continue;
			snprintf(rule, sizeof(rule), "hub-lure-%s", kind_names[k]);
			snprintf(title, sizeof(title), "%s lure text in repository metadata",
			         kind_names[k]);
			add_finding(out, rule, cat, SEV_MEDIUM, title, sc.first_field[k],
			            sc.first_text[k]);
		}
		for (size_t i = 0; i < out->links.n; i++) {
			const struct link *l = &out->links.v[i];
			const char *field =
			    i < out->desc_links ? "description" : "full_description";
			const char *rule = NULL, *title = NULL;
			enum severity sev = SEV_MEDIUM;

			if (l->flags & LINK_CODE_HOST)
				continue;
			if (l->flags & LINK_REDIRECT)
				add_finding(out, "hub-link-open-redirect", cat, SEV_HIGH,
				            "link hidden behind an open redirect", field, l->chain);
			if (l->flags & LINK_FAKE_SHORTENER) {
				rule = "hub-link-fake-shortener";
				title = "link through a fake URL shortener";
				sev = SEV_HIGH;
			} else if (l->flags & LINK_REDIRECT) {
				/* reported above */
			} else if (l->flags & LINK_SHORTENER) {
				rule = "hub-link-shortener";
				title = "link through a URL shortener";
			} else if (l->flags & LINK_BLOG_HOP) {
				rule = "hub-link-blog-hop";
				title = "link through a blog hop";
			} else if (!imageless_own_domain(l->host, l->domain, repo->namespace_,
			                                 repo->name)) {
				rule = "hub-link-external";
				title = "external link in a lure repository";
				sev = SEV_LOW;
			}
			if (rule)
				add_finding(out, rule, cat, sev, title, field, l->chain);
		}
		if (out->generated_ns)
			add_finding(out, "hub-generated-account", cat, SEV_LOW,
			            "machine-generated account name", "namespace",
			            repo->namespace_);
	}
	return 0;
}
