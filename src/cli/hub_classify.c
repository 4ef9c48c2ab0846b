/* dredge hub classify: verdicts on repository metadata dumps, campaigns and
 * a feed of malicious repositories. */
#include "cli/cli.h"
#include "cli/hub.h"
#include "detect/campaign.h"
#include "detect/imageless.h"
#include "detect/typosquat.h"
#include "source/hubmeta.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WARNINGS      20  /* bad lines reported one by one */
#define SUSPECT_SCORE     3   /* clean repositories still clustered from this score */
#define CAMPAIGN_MAJORITY 0.8 /* share of malicious members that makes a campaign malicious */
#define NO_ITEM           UINT32_MAX

static const char classify_usage[] =
    "usage: dredge hub classify [options] DUMP...\n"
    "\n"
    "Reads repository metadata (JSONL as `dredge hub crawl` writes it, gzip\n"
    "allowed, or the API's paginated JSON pages; '-' is standard input) and\n"
    "gives every repository a verdict: phishing, spam or clean, with reasons\n"
    "and findings. Malicious repositories are grouped into campaigns (shared\n"
    "link targets, near-identical text, the same name across accounts,\n"
    "creation bursts); a clean repository that belongs to a campaign of\n"
    "malicious ones takes the campaign's verdict. Every name is also checked\n"
    "for typosquatting. Malformed lines are reported and skipped.\n"
    "\n"
    "  --format table|json      table: counts per verdict; json: one object per\n"
    "                           repository {repository, verdict, reasons,\n"
    "                           findings, campaign} (default table)\n"
    "  --campaigns              also print the campaigns (table rows, or JSON\n"
    "                           lines {\"campaign\":{...}} after the repositories)\n"
    "  --feed FILE              write the malicious repositories (namespace/name,\n"
    "                           one a line) to FILE\n"
    "  --min-campaign-size N    fewest malicious repositories that make a campaign\n"
    "                           (10)\n"
    "  -q, --quiet              do not report malformed lines one by one\n";

/* One repository's JSON pieces in the spool file, read back in order. */
struct rec {
	uint32_t la, lr, lf; /* bytes of the head, reasons and findings */
	uint32_t item;       /* campaign item or NO_ITEM */
	uint8_t verdict;
};

struct classify {
	bool json, show_campaigns, quiet;
	const char *feed;
	size_t min_size;
	struct imageless *il;
	struct typosquat *ts;
	struct campaigns *cs;
	struct imageless_result res;
	struct buf line;
	FILE *spool;
	struct rec *recs;
	size_t n_recs, recs_alloc;
	uint8_t *item_verdict; /* final verdicts of campaign items */
	size_t n_items, items_alloc;
	uint64_t repos, verdicts[HUB_VERDICT_COUNT], typosquats, bad, upgraded;
	uint64_t warned;
};

static void on_bad(void *ctx, const char *input, long line, const char *msg)
{
	struct classify *c = ctx;

	if (c->quiet || c->warned++ >= MAX_WARNINGS)
		return;
	fprintf(stderr, "dredge: %s:%ld: %s, line skipped\n", input, line, msg);
}

static void add_json_reason(struct buf *b, const char *reason)
{
	if (b->len)
		buf_addc(b, ',');
	buf_add_json_str(b, reason, strlen(reason));
}

static int spool_write(struct classify *c, const void *data, size_t len)
{
	if (len && fwrite(data, 1, len, c->spool) != len)
		return err_set(DR_EIO, "cannot write the spool file: %s", strerror(errno));
	return 0;
}

/* One repository: classify, typosquat-check, cluster, spool its JSON. */
static int classify_one(struct classify *c, const struct hub_repo *repo)
{
	struct typosquat_hit hit;
	struct finding tf;
	bool typo = false;
	uint32_t item = NO_ITEM;
	struct imageless_result *r = &c->res;
	int rc;

	rc = imageless_classify(r, c->il, repo, c->json);
	if (rc)
		return rc;
	if (typosquat_check(c->ts, repo->namespace_, repo->name, &hit) == 1) {
		typo = true;
		c->typosquats++;
	}
	c->repos++;
	c->verdicts[r->verdict]++;
	if (r->verdict != HUB_CLEAN ||
	    (r->imageless && r->score >= SUSPECT_SCORE && r->kind != HUB_KIND_NONE)) {
		item = campaigns_add(c->cs, repo, r);
		XGROW(c->item_verdict, c->items_alloc, c->n_items + 1);
		c->item_verdict[c->n_items++] = (uint8_t)r->verdict;
	}
	if (!c->json)
		return 0;
	{
		struct rec *rec;
		struct buf *b = &c->line;
		size_t la, lr;
		char full[512];

		snprintf(full, sizeof(full), "%s/%s", repo->namespace_, repo->name);
		buf_reset(b);
		buf_adds(b, "{\"repository\":");
		buf_add_json_str(b, full, strlen(full));
		la = b->len;
		{
			struct buf rs = BUF_INIT;

			for (size_t i = 0; i < r->n_reasons; i++)
				add_json_reason(&rs, r->reasons[i]);
			if (typo)
				add_json_reason(&rs, hit.reason);
			buf_add(b, rs.ptr ? rs.ptr : "", rs.len);
			buf_release(&rs);
		}
		lr = b->len - la;
		for (size_t i = 0; i < r->findings.n; i++) {
			if (i)
				buf_addc(b, ',');
			finding_to_json(b, &r->findings.v[i]);
		}
		if (typo) {
			typosquat_finding(&tf, &hit, full);
			if (r->findings.n)
				buf_addc(b, ',');
			finding_to_json(b, &tf);
			finding_release(&tf);
		}
		XGROW(c->recs, c->recs_alloc, c->n_recs + 1);
		rec = &c->recs[c->n_recs++];
		rec->la = (uint32_t)la;
		rec->lr = (uint32_t)lr;
		rec->lf = (uint32_t)(b->len - la - lr);
		rec->item = item;
		rec->verdict = (uint8_t)r->verdict;
		return spool_write(c, b->ptr, b->len);
	}
}

static int classify_file(struct classify *c, const char *path)
{
	struct hubmeta *hm = NULL;
	const struct hub_repo *repo;
	uint64_t bad = 0;
	int rc;

	rc = hubmeta_open(&hm, path, on_bad, c);
	if (rc)
		goto done;
	while ((rc = hubmeta_next(hm, &repo)) == 1) {
		rc = classify_one(c, repo);
		if (rc)
			goto done;
	}
done:
	if (hm) {
		hubmeta_counts(hm, NULL, NULL, &bad);
		c->bad += bad;
	}
	hubmeta_free(hm);
	return rc;
}

/* A clean member of a mostly malicious campaign takes its verdict. */
static enum hub_verdict campaign_verdict(const struct campaign *cp)
{
	size_t bad = cp->verdicts[HUB_PHISHING] + cp->verdicts[HUB_SPAM];

	if ((double)bad < CAMPAIGN_MAJORITY * (double)cp->repos)
		return HUB_CLEAN;
	return cp->verdicts[HUB_PHISHING] >= cp->verdicts[HUB_SPAM] ? HUB_PHISHING : HUB_SPAM;
}

static void upgrade_items(struct classify *c)
{
	for (size_t i = 0; i < c->n_items; i++) {
		unsigned cid = campaigns_of(c->cs, (uint32_t)i);
		enum hub_verdict v;

		if (!cid || c->item_verdict[i] != HUB_CLEAN)
			continue;
		v = campaign_verdict(campaigns_at(c->cs, cid - 1));
		if (v == HUB_CLEAN)
			continue;
		c->item_verdict[i] = (uint8_t)v;
		c->verdicts[HUB_CLEAN]--;
		c->verdicts[v]++;
		c->upgraded++;
	}
}

static void fmt_time(char out[32], int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t < 0 || !gmtime_r(&tt, &tm)) {
		str_copy(out, "-", 32);
		return;
	}
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void campaign_json(struct buf *b, const struct campaign *cp)
{
	char first[32], last[32];

	fmt_time(first, cp->first);
	fmt_time(last, cp->last);
	buf_addf(b,
	         "{\"campaign\":{\"id\":%u,\"type\":\"%s\",\"repositories\":%zu,\"accounts\":%zu,"
	         "\"first_created\":\"%s\",\"last_created\":\"%s\",\"verdicts\":{\"phishing\":%zu,"
	         "\"spam\":%zu,\"clean\":%zu},\"top_domains\":[",
	         cp->id, campaign_type_name(cp->type), cp->repos, cp->accounts, first, last,
	         cp->verdicts[HUB_PHISHING], cp->verdicts[HUB_SPAM], cp->verdicts[HUB_CLEAN]);
	for (size_t i = 0; i < cp->n_top; i++) {
		buf_adds(b, i ? ",{\"domain\":" : "{\"domain\":");
		buf_add_json_str(b, cp->top_domains[i], strlen(cp->top_domains[i]));
		buf_addf(b, ",\"repositories\":%zu}", cp->top_counts[i]);
	}
	buf_adds(b, "],\"samples\":[");
	for (size_t i = 0; i < cp->n_samples; i++) {
		if (i)
			buf_addc(b, ',');
		buf_add_json_str(b, cp->samples[i], strlen(cp->samples[i]));
	}
	buf_adds(b, "]}}\n");
}

static int read_exact(FILE *f, struct buf *b, size_t len)
{
	buf_reset(b);
	if (len) {
		char tmp[8192];

		while (len) {
			size_t n = len < sizeof(tmp) ? len : sizeof(tmp);

			if (fread(tmp, 1, n, f) != n)
				return err_set(DR_EIO, "cannot read the spool file back");
			buf_add(b, tmp, n);
			len -= n;
		}
	}
	return 0;
}

static int print_json(struct classify *c)
{
	struct buf head = BUF_INIT, reasons = BUF_INIT, findings = BUF_INIT, out = BUF_INIT;
	int rc = 0;

	fflush(c->spool);
	rewind(c->spool);
	for (size_t i = 0; i < c->n_recs; i++) {
		const struct rec *rec = &c->recs[i];
		unsigned cid = rec->item != NO_ITEM ? campaigns_of(c->cs, rec->item) : 0;
		enum hub_verdict v = rec->item != NO_ITEM
		                         ? (enum hub_verdict)c->item_verdict[rec->item]
		                         : (enum hub_verdict)rec->verdict;

		if ((rc = read_exact(c->spool, &head, rec->la)) ||
		    (rc = read_exact(c->spool, &reasons, rec->lr)) ||
		    (rc = read_exact(c->spool, &findings, rec->lf)))
			goto done;
		buf_reset(&out);
		buf_add(&out, head.ptr, head.len);
		buf_addf(&out, ",\"verdict\":\"%s\",\"reasons\":[", hub_verdict_name(v));
		buf_add(&out, reasons.ptr ? reasons.ptr : "", reasons.len);
		if (v != (enum hub_verdict)rec->verdict) {
			char msg[128];
			const struct campaign *cp = campaigns_at(c->cs, cid - 1);

			snprintf(msg, sizeof(msg), "member of campaign %u (%zu repositories, %s)",
			         cid, cp->repos, campaign_type_name(cp->type));
			add_json_reason(&reasons, msg);
			buf_reset(&out);
			buf_add(&out, head.ptr, head.len);
			buf_addf(&out, ",\"verdict\":\"%s\",\"reasons\":[", hub_verdict_name(v));
			buf_add(&out, reasons.ptr, reasons.len);
			buf_adds(&out, "],\"findings\":[");
			buf_add(&out, findings.ptr ? findings.ptr : "", findings.len);
			{
				struct finding f;
				char ev[32];

				finding_init(&f, "hub-campaign-member",
				             v == HUB_PHISHING ? CAT_PHISHING : CAT_SPAM,
				             SEV_MEDIUM,
				             "member of a campaign of malicious repositories");
				finding_add_location(&f, LOC_METADATA, NULL, -1, NULL, 0,
				                     "full_description");
				snprintf(ev, sizeof(ev), "campaign %u", cid);
				finding_set_evidence(&f, ev, strlen(ev));
				if (findings.len)
					buf_addc(&out, ',');
				finding_to_json(&out, &f);
				finding_release(&f);
			}
		} else {
			buf_adds(&out, "],\"findings\":[");
			buf_add(&out, findings.ptr ? findings.ptr : "", findings.len);
		}
		if (cid)
			buf_addf(&out, "],\"campaign\":%u}\n", cid);
		else
			buf_adds(&out, "],\"campaign\":null}\n");
		if (fwrite(out.ptr, 1, out.len, stdout) != out.len) {
			rc = err_set(DR_EIO, "cannot write the output");
			goto done;
		}
	}
	if (c->show_campaigns)
		for (size_t i = 0; i < campaigns_count(c->cs); i++) {
			buf_reset(&out);
			campaign_json(&out, campaigns_at(c->cs, i));
			fwrite(out.ptr, 1, out.len, stdout);
		}
done:
	buf_release(&head);
	buf_release(&reasons);
	buf_release(&findings);
	buf_release(&out);
	return rc;
}

static void print_table(struct classify *c)
{
	size_t nc = campaigns_count(c->cs);

	printf("%-14s %" PRIu64 "\n", "repositories", c->repos);
	printf("%-14s %" PRIu64 "\n", "phishing", c->verdicts[HUB_PHISHING]);
	printf("%-14s %" PRIu64 "\n", "spam", c->verdicts[HUB_SPAM]);
	printf("%-14s %" PRIu64 "\n", "clean", c->verdicts[HUB_CLEAN]);
	printf("%-14s %" PRIu64 "\n", "typosquats", c->typosquats);
	printf("%-14s %" PRIu64 " (clean by content, malicious by campaign)\n", "by campaign",
	       c->upgraded);
	printf("%-14s %" PRIu64 "\n", "malformed", c->bad);
	printf("%-14s %zu (of %zu or more repositories)\n", "campaigns", nc, c->min_size);
	if (!c->show_campaigns || !nc)
		return;
	printf("\n%-5s %-15s %8s %8s %-10s %-10s %-40s %s\n", "ID", "TYPE", "REPOS", "ACCOUNTS",
	       "FIRST", "LAST", "TOP DOMAINS", "SAMPLE");
	for (size_t i = 0; i < nc; i++) {
		const struct campaign *cp = campaigns_at(c->cs, i);
		char first[32], last[32], doms[256] = "";
		size_t dl = 0;

		fmt_time(first, cp->first);
		fmt_time(last, cp->last);
		first[10] = last[10] = '\0';
		for (size_t d = 0; d < cp->n_top && d < 3 && dl < sizeof(doms); d++)
			dl += (size_t)snprintf(doms + dl, sizeof(doms) - dl, "%s%s(%zu)",
			                       d ? " " : "", cp->top_domains[d], cp->top_counts[d]);
		printf("%-5u %-15s %8zu %8zu %-10s %-10s %-40s %s\n", cp->id,
		       campaign_type_name(cp->type), cp->repos, cp->accounts, first, last,
		       doms[0] ? doms : "-", cp->n_samples ? cp->samples[0] : "-");
	}
}

static int write_feed(struct classify *c)
{
	FILE *f = fopen(c->feed, "w");

	if (!f)
		return err_set(DR_EIO, "cannot write '%s': %s", c->feed, strerror(errno));
	for (size_t i = 0; i < c->n_items; i++)
		if (c->item_verdict[i] != HUB_CLEAN)
			fprintf(f, "%s\n", campaigns_item_name(c->cs, (uint32_t)i));
	if (fclose(f))
		return err_set(DR_EIO, "cannot write '%s': %s", c->feed, strerror(errno));
	return 0;
}

int cmd_hub_classify(int argc, char **argv)
{
	struct classify c;
	const char **dumps = NULL;
	size_t n_dumps = 0;
	int rc = 0, code = 0;

	memset(&c, 0, sizeof(c));
	c.min_size = 10;
	imageless_result_init(&c.res);
	buf_init(&c.line, 0);
	dumps = xcalloc((size_t)argc + 1, sizeof(*dumps));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(classify_usage, stdout);
			goto done;
		} else if (!strcmp(a, "--format") && i + 1 < argc) {
			const char *v = argv[++i];

			if (!strcmp(v, "json"))
				c.json = true;
			else if (strcmp(v, "table")) {
				rc = err_set(DR_EUSAGE, "unknown format '%s' (table, json)", v);
				goto done;
			}
		} else if (!strcmp(a, "--campaigns")) {
			c.show_campaigns = true;
		} else if (!strcmp(a, "--feed") && i + 1 < argc) {
			c.feed = argv[++i];
		} else if (!strcmp(a, "--min-campaign-size") && i + 1 < argc) {
			uint64_t v;

			if (str_to_u64(argv[++i], &v) || v < 1 || v > 100000000) {
				rc = err_set(DR_EUSAGE, "bad --min-campaign-size '%s'", argv[i]);
				goto done;
			}
			c.min_size = (size_t)v;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			c.quiet = true;
		} else if (a[0] == '-' && a[1]) {
			rc = err_set(DR_EUSAGE, "unknown or incomplete option '%s'", a);
			goto done;
		} else {
			dumps[n_dumps++] = a;
		}
	}
	if (!n_dumps) {
		fputs(classify_usage, stderr);
		code = 2;
		goto done;
	}
	if ((rc = imageless_new(&c.il)) || (rc = typosquat_new(&c.ts)) ||
	    (rc = campaigns_new(&c.cs)))
		goto done;
	if (c.json) {
		c.spool = tmpfile();
		if (!c.spool) {
			rc = err_set(DR_EIO, "cannot create a spool file: %s", strerror(errno));
			goto done;
		}
	}
	for (size_t i = 0; i < n_dumps; i++) {
		rc = classify_file(&c, dumps[i]);
		if (rc)
			goto done;
	}
	rc = campaigns_finish(c.cs, c.min_size);
	if (rc)
		goto done;
	upgrade_items(&c);
	if (c.json)
		rc = print_json(&c);
	else
		print_table(&c);
	if (!rc && c.feed)
		rc = write_feed(&c);
	if (!rc && c.bad && c.warned > MAX_WARNINGS && !c.quiet)
		fprintf(stderr, "dredge: %" PRIu64 " malformed lines skipped in all\n", c.bad);
done:
	if (rc)
		code = cli_fail(rc);
	if (fflush(stdout) && !code)
		code = cli_fail(err_set(DR_EIO, "cannot write the output"));
	if (c.spool)
		fclose(c.spool);
	free(dumps);
	free(c.recs);
	free(c.item_verdict);
	buf_release(&c.line);
	imageless_result_release(&c.res);
	campaigns_free(c.cs);
	typosquat_free(c.ts);
	imageless_free(c.il);
	return code;
}
