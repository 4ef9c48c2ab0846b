#include "detect/imageless.h"
#include "unit.h"

#include <string.h>

static struct imageless *il_get(void)
{
	static struct imageless *il;

	if (!il && imageless_new(&il))
		return NULL;
	return il;
}

static void repo_init(struct hub_repo *r, const char *ns, const char *name, const char *desc,
                      const char *full, long tags, int64_t pulls)
{
	memset(r, 0, sizeof(*r));
	r->namespace_ = ns;
	r->name = name;
	r->description = desc;
	r->full_description = full;
	r->tag_count = tags;
	r->pull_count = pulls;
	r->star_count = 0;
	r->registered = -1;
}

static bool has_rule(const struct imageless_result *res, const char *rule)
{
	for (size_t i = 0; i < res->findings.n; i++)
		if (!strcmp(res->findings.v[i].rule, rule))
			return true;
	return false;
}

static bool has_reason(const struct imageless_result *res, const char *prefix)
{
	for (size_t i = 0; i < res->n_reasons; i++)
		if (!strncmp(res->reasons[i], prefix, strlen(prefix)))
			return true;
	return false;
}

TEST(imageless, generated_names)
{
	CHECK(imageless_generated_name("synlapoolca1970"));
	CHECK(imageless_generated_name("rolirecus1975"));
	CHECK(imageless_generated_name("cuscufito1984"));
	CHECK(imageless_generated_name("xwlgvqjkpdk")); /* consonant-heavy */
	CHECK(imageless_generated_name("hijjh9bz7o9")); /* letters and digits at random */
	CHECK(!imageless_generated_name("grafana"));
	CHECK(!imageless_generated_name("nginxinc"));
	CHECK(!imageless_generated_name("bitnami"));
	CHECK(!imageless_generated_name("john1985")); /* too short to tell */
	CHECK(!imageless_generated_name("library"));
	CHECK(!imageless_generated_name("devops-team"));
}

TEST(imageless, downloader_is_phishing)
{
	struct imageless_result res;
	struct hub_repo r;

	CHECK(il_get() != NULL);
	imageless_result_init(&res);
	repo_init(&r, "synlapoolca1970", "adobe-photoshop-cc-2019-crack", "",
	          "# Adobe Photoshop CC 2019 Crack + Keygen Full Version Free Download\n\n"
	          "**MIRROR1** [Download](https://www.google.com/url?q=https%3A%2F%2Ftlniurl.com"
	          "%2F2uM9nR&sa=D&sntz=1&usg=AOv)\n**MIRROR2** blltly.com/4kd9Tq",
	          0, 0);
	CHECK_INT(imageless_classify(&res, il_get(), &r, true), 0);
	CHECK_INT(res.verdict, HUB_PHISHING);
	CHECK_INT(res.kind, HUB_KIND_DOWNLOADER);
	CHECK(res.imageless);
	CHECK(res.generated_ns);
	CHECK_INT(res.ext_links, 2);
	CHECK(res.lures & 1u << LURE_WAREZ);
	CHECK(has_reason(&res, "no tags or images"));
	CHECK(has_reason(&res, "link through a fake URL shortener 'tlniurl.com'"));
	CHECK(has_reason(&res, "open redirect to the real target: google.com>tlniurl.com"));
	CHECK(has_reason(&res, "generated account name 'synlapoolca1970'"));
	CHECK(has_rule(&res, "hub-lure-warez"));
	CHECK(has_rule(&res, "hub-link-open-redirect"));
	CHECK(has_rule(&res, "hub-link-fake-shortener"));
	CHECK(has_rule(&res, "hub-generated-account"));
	for (size_t i = 0; i < res.findings.n; i++) {
		CHECK_INT(res.findings.v[i].category, CAT_PHISHING);
		CHECK_INT(res.findings.v[i].locs[0].source, LOC_METADATA);
	}
	imageless_result_release(&res);
}

TEST(imageless, ebook_is_phishing)
{
	struct imageless_result res;
	struct hub_repo r;

	imageless_result_init(&res);
	repo_init(
	    &r, "rolirecus1975", "the-silent-garden-pdf", "The Silent Garden PDF download",
	    "<p><b>The Silent Garden</b> by Ada Novak (ISBN 978-1-234-56789-0)</p>"
	    "<p>Read online or download the EPUB for free: "
	    "<a href=\"https://readfree-book.site/dl/the-silent-garden\">Download ebook</a></p>",
	    0, 0);
	CHECK_INT(imageless_classify(&res, il_get(), &r, true), 0);
	CHECK_INT(res.verdict, HUB_PHISHING);
	CHECK_INT(res.kind, HUB_KIND_EBOOK);
	CHECK(has_rule(&res, "hub-lure-ebook"));
	CHECK(has_rule(&res, "hub-link-external"));
	imageless_result_release(&res);
}

TEST(imageless, seo_and_casino_are_spam)
{
	struct imageless_result res;
	struct hub_repo r;

	imageless_result_init(&res);
	repo_init(&r, "cuscufito1984", "website", "",
	          "42 year old dental hygienist Mia from Leeds has knitting and chess. "
	          "[my site](https://www.bestpizzadeals.com/)",
	          0, 0);
	CHECK_INT(imageless_classify(&res, il_get(), &r, true), 0);
	CHECK_INT(res.verdict, HUB_SPAM);
	CHECK_INT(res.kind, HUB_KIND_SEO);
	CHECK(has_reason(&res, "no word about software, only a link"));
	CHECK_INT(res.findings.v[0].category, CAT_SPAM);

	repo_init(&r, "lucky-bonus-2", "best-online-casino-free-spins", "",
	          "Best online casino free spins and no deposit bonus! Play slots and poker: "
	          "<a href=\"https://spinwin.top/?aff=12\">Claim bonus</a>",
	          0, 0);
	CHECK_INT(imageless_classify(&res, il_get(), &r, false), 0);
	CHECK_INT(res.verdict, HUB_SPAM);
	CHECK_INT(res.kind, HUB_KIND_OTHER);
	CHECK(res.lures & 1u << LURE_CASINO);
	CHECK_INT(res.findings.n, 0); /* not asked for */
	imageless_result_release(&res);
}

TEST(imageless, project_links_stay_clean)
{
	struct imageless_result res;
	struct hub_repo r;

	imageless_result_init(&res);
	/* a placeholder pointing to GitHub and docs */
	repo_init(&r, "rolirecus1975", "fluent-bit", "Placeholder for the fluent-bit image",
	          "Reserved for the fluent-bit log processor. Source code: "
	          "https://github.com/fluent/fluent-bit, docs: https://docs.fluentbit.io/manual",
	          0, 0);
	CHECK_INT(imageless_classify(&res, il_get(), &r, true), 0);
	CHECK_INT(res.verdict, HUB_CLEAN);
	CHECK_INT(res.ext_links, 0);
	CHECK_INT(res.findings.n, 0);
	CHECK_INT(res.n_reasons, 0);
	/* the namespace's own site */
	repo_init(
	    &r, "acme", "widget-server", "",
	    "The widget server image will be published here. See https://www.acmewidgets.com/ "
	    "and https://acme.example.org/docs",
	    0, 0);
	CHECK_INT(imageless_classify(&res, il_get(), &r, true), 0);
	CHECK_INT(res.verdict, HUB_CLEAN);
	CHECK_INT(res.ext_links, 0);
	/* an image-bearing eBook manager whose README says PDF, EPUB and Kindle */
	repo_init(
	    &r, "linuxserver", "calibre", "Calibre eBook manager",
	    "Calibre is a powerful eBook manager. Convert between EPUB, MOBI and PDF, read "
	    "books online and send them to your Kindle. Website: https://calibre-ebook.com\n\n"
	    "```\ndocker run -d -p 8080:8080 -v /config:/config linuxserver/calibre\n```\n"
	    "Source: https://github.com/linuxserver/docker-calibre",
	    42, 50000000);
	CHECK_INT(imageless_classify(&res, il_get(), &r, true), 0);
	CHECK(!res.imageless);
	CHECK_INT(res.verdict, HUB_CLEAN);
	CHECK_INT(res.links.n, 0); /* not examined: it has images */
	/* unknown tag count but media types: it has images too */
	repo_init(&r, "synlapoolca1970", "office-crack", "",
	          "Office crack keygen download "
	          "https://tlniurl.com/2uM9nR",
	          -1, 0);
	r.n_media_types = 1;
	CHECK_INT(imageless_classify(&res, il_get(), &r, true), 0);
	CHECK_INT(res.verdict, HUB_CLEAN);
	r.n_media_types = 0;
	CHECK_INT(imageless_classify(&res, il_get(), &r, true), 0);
	CHECK_INT(res.verdict, HUB_PHISHING);
	imageless_result_release(&res);
}

TEST(imageless, lure_without_links_is_spam_only_when_strong)
{
	struct imageless_result res;
	struct hub_repo r;

	imageless_result_init(&res);
	repo_init(&r, "bcdfghjklmn", "fortnite-free-vbucks-generator", "",
	          "Fortnite free V-Bucks generator, no human verification, unlimited V-Bucks hack",
	          0, 0);
	CHECK_INT(imageless_classify(&res, il_get(), &r, true), 0);
	CHECK_INT(res.verdict, HUB_SPAM); /* a lure with nowhere to go yet */
	CHECK(res.lures & 1u << LURE_CHEAT);
	repo_init(&r, "alice", "notes", "", "My notes on game hacking talks", 0, 0);
	CHECK_INT(imageless_classify(&res, il_get(), &r, true), 0);
	CHECK_INT(res.verdict, HUB_CLEAN);
	imageless_result_release(&res);
}

TEST(imageless, own_domain)
{
	CHECK(imageless_own_domain("www.grafana.com", "grafana.com", "grafana", "grafana"));
	CHECK(imageless_own_domain("bob.example.org", "example.org", "bob", "app"));
	CHECK(imageless_own_domain("www.acmewidgets.com", "acmewidgets.com", "acme", "x"));
	CHECK(!imageless_own_domain("tlniurl.com", "tlniurl.com", "synlapoolca1970", "website"));
	CHECK(!imageless_own_domain("download-crack.com", "download-crack.com", "abc", "download"));
}
