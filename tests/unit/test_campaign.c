#include "detect/campaign.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

static struct imageless *il_get(void)
{
	static struct imageless *il;

	if (!il && imageless_new(&il))
		return NULL;
	return il;
}

/* Classifies and adds one imageless repository; returns its item. */
static uint32_t add(struct campaigns *cs, struct imageless_result *res, const char *ns,
                    const char *name, const char *full, int64_t created)
{
	struct hub_repo r;

	memset(&r, 0, sizeof(r));
	r.namespace_ = ns;
	r.name = name;
	r.full_description = full;
	r.tag_count = 0;
	r.pull_count = 0;
	r.star_count = 0;
	r.registered = created;
	imageless_classify(res, il_get(), &r, false);
	return campaigns_add(cs, &r, res);
}

TEST(campaign, signature)
{
	const char *a[1] = {"Adobe Photoshop 2019 crack keygen full version free download fast "
	                    "mirrors safe and trusted by many users it works on all systems with "
	                    "new features and tools you need today for home and work"};
	const char *b[1] = {"Autodesk AutoCAD 2021 crack keygen full version free download fast "
	                    "mirrors safe and trusted by many users it works on all systems with "
	                    "new features and tools you need today for home and work"};
	const char *c[1] = {"The Silent Garden by Ada Novak: read online or download the EPUB, "
	                    "a gripping thriller about a family and its secrets in a small town"};
	const char *empty[1] = {"a"};
	uint32_t sa[CAMPAIGN_SIG], sb[CAMPAIGN_SIG], sc[CAMPAIGN_SIG], se[CAMPAIGN_SIG];

	campaign_signature(sa, a, 1);
	campaign_signature(sb, b, 1);
	campaign_signature(sc, c, 1);
	campaign_signature(se, empty, 1);
	CHECK_INT(campaign_sig_agree(sa, sa), 16);
	CHECK(campaign_sig_agree(sa, sb) >= 8);
	CHECK(campaign_sig_agree(sa, sc) <= 3);
	for (int i = 0; i < CAMPAIGN_SIG; i++)
		CHECK(se[i] == UINT32_MAX);
}

TEST(campaign, grouping)
{
	struct campaigns *cs;
	struct imageless_result res;
	uint32_t dl[6], seo[4], lone, weak, bridge;
	char name[64], text[512];
	const struct campaign *c;

	CHECK(il_get() != NULL);
	imageless_result_init(&res);
	CHECK_INT(campaigns_new(&cs), 0);
	/* downloader: two accounts, links to the same fake shortener */
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "product-%d-crack-keygen-download", i);
		snprintf(
		    text, sizeof(text),
		    "Product %d crack keygen full version free download. "
		    "[MIRROR1](https://www.google.com/url?q=https%%3A%%2F%%2Ftlniurl.com%%2Fa%dB)",
		    i, i);
		dl[i] = add(cs, &res, i < 3 ? "synlapoolca1970" : "rolirecus1975", name, text,
		            1617235200 + i * 60);
		CHECK_INT(res.verdict, HUB_PHISHING);
	}
	/* website SEO: one repository per account, the same name, different sites */
	for (int i = 0; i < 4; i++) {
		char ns[32];

		snprintf(ns, sizeof(ns), "cuscufito%d", 1980 + i);
		snprintf(text, sizeof(text),
		         "%d year old baker Noah from Leeds has fishing. https://www.site%c%c.com/",
		         30 + i, 'a' + i, 'k' + i);
		seo[i] = add(cs, &res, ns, "website", text, 1620000000 + i * 86400 * 3);
		CHECK_INT(res.verdict, HUB_SPAM);
	}
	/* unrelated */
	lone = add(cs, &res, "xwlgvqjkpdk", "buy-viagra",
	           "Buy viagra online without prescription https://meds-now.top/x", 1630000000);
	CHECK_INT(res.verdict, HUB_SPAM);
	/* a clean repository sharing only the shortener stays out of the group */
	weak = add(cs, &res, "alice", "tools",
	           "Free download of our docker image builds and container releases, see the "
	           "docs: https://tlniurl.com/zz9Q1",
	           1600000000);
	CHECK_INT(res.verdict, HUB_CLEAN);
	CHECK_INT(res.kind, HUB_KIND_DOWNLOADER);
	/* a clean one sharing a downloader account and the SEO name joins one group only */
	bridge = add(cs, &res, "rolirecus1975", "website",
	             "website docs for our docker image builds and container releases "
	             "https://www.sitea.com/",
	             1600000001);
	CHECK_INT(res.verdict, HUB_CLEAN);
	CHECK_INT(res.kind, HUB_KIND_SEO);
	CHECK_INT(campaigns_finish(cs, 2), 0);

	CHECK_INT(campaigns_count(cs), 2);
	c = campaigns_at(cs, 0);
	CHECK_INT(c->id, 1);
	CHECK_INT(c->type, CAMPAIGN_DOWNLOADER);
	CHECK_INT(c->repos, 7);
	CHECK_INT(c->accounts, 2);
	CHECK_INT(c->verdicts[HUB_PHISHING], 6);
	CHECK_STR(c->top_domains[0], "tlniurl.com");
	CHECK_INT(c->first, 1600000001); /* the attached clean member counts */
	CHECK_STR(c->samples[0], "synlapoolca1970/product-0-crack-keygen-download");
	c = campaigns_at(cs, 1);
	CHECK_INT(c->type, CAMPAIGN_SEO);
	CHECK_INT(c->accounts, c->repos);
	CHECK_INT(c->last, 1620000000 + 3 * 86400 * 3);
	for (int i = 0; i < 6; i++)
		CHECK_INT(campaigns_of(cs, dl[i]), 1);
	for (int i = 0; i < 4; i++)
		CHECK_INT(campaigns_of(cs, seo[i]), 2);
	CHECK_INT(campaigns_of(cs, lone), 0);
	CHECK_INT(campaigns_of(cs, weak), 0);
	CHECK_INT(campaigns_of(cs, bridge), 1);
	CHECK_INT(campaigns_at(cs, 1)->repos, 4);
	CHECK_STR(campaigns_item_name(cs, weak), "alice/tools");
	campaigns_free(cs);
	imageless_result_release(&res);
}

TEST(campaign, min_size)
{
	struct campaigns *cs;
	struct imageless_result res;

	imageless_result_init(&res);
	CHECK_INT(campaigns_new(&cs), 0);
	add(cs, &res, "synlapoolca1970", "a-crack",
	    "A crack keygen download https://blltly.com/x1Y", 1);
	add(cs, &res, "synlapoolca1970", "b-crack",
	    "B crack keygen download https://blltly.com/x2Y", 2);
	CHECK_INT(campaigns_finish(cs, 3), 0);
	CHECK_INT(campaigns_count(cs), 0);
	CHECK_INT(campaigns_of(cs, 0), 0);
	campaigns_free(cs);
	imageless_result_release(&res);
}
