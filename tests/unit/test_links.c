#include "detect/links.h"
#include "unit.h"

#include <string.h>

static struct linker *lk_get(void)
{
	static struct linker *lk;

	if (!lk && linker_new(&lk))
		return NULL;
	return lk;
}

static const struct link *only(struct links *ls, const char *text)
{
	links_reset(ls);
	links_extract(ls, lk_get(), text, strlen(text));
	return ls->n == 1 ? &ls->v[0] : NULL;
}

TEST(links, google_redirect_to_fake_shortener)
{
	struct links ls = LINKS_INIT;
	const struct link *l = only(&ls, "**MIRROR1** [Download](https://www.google.com/url?q="
	                                 "https%3A%2F%2Ftlniurl.com%2F2uM9nR&sa=D&sntz=1&usg=AOv)");

	CHECK(l != NULL);
	CHECK_STR(l->target, "https://tlniurl.com/2uM9nR");
	CHECK_STR(l->domain, "tlniurl.com");
	CHECK_STR(l->chain, "google.com>tlniurl.com");
	CHECK_INT(l->hops, 1);
	CHECK(l->flags & LINK_MARKDOWN);
	CHECK(l->flags & LINK_REDIRECT);
	CHECK(l->flags & LINK_FAKE_SHORTENER);
	links_release(&ls);
}

TEST(links, other_redirectors)
{
	struct links ls = LINKS_INIT;
	const struct link *l;

	l = only(&ls, "see https://www.google.co.uk/url?sa=t&url=https://evil.example.net/x now");
	CHECK(l != NULL);
	CHECK_STR(l->domain, "example.net");
	CHECK_STR(l->chain, "google.co.uk>example.net");
	CHECK(l->flags & LINK_BARE);
	l = only(&ls, "<a href=\"https://href.li/?https://landing.site/offer\">x</a>");
	CHECK(l != NULL);
	CHECK_STR(l->domain, "landing.site");
	CHECK(l->flags & LINK_HTML);
	l = only(&ls, "[go](https://vk.com/away.php?to=https%3A%2F%2Fcasino.top%2F&cc_key=)");
	CHECK(l != NULL);
	CHECK_STR(l->chain, "vk.com>casino.top");
	l = only(&ls, "[blog](https://www.blogger.com/blogin.g?blogspotURL="
	              "https%3A%2F%2Fcrack-download-21.blogspot.com%2F)");
	CHECK(l != NULL);
	CHECK_STR(l->domain, "crack-download-21.blogspot.com");
	CHECK(l->flags & LINK_BLOG_HOP);
	CHECK(l->flags & LINK_REDIRECT);
	/* a redirect inside a redirect */
	l = only(&ls, "https://www.google.com/url?q=https%3A%2F%2Fl.facebook.com%2Fl.php%3Fu%3D"
	              "https%253A%252F%252Fbit.ly%252F3abcDEF");
	CHECK(l != NULL);
	CHECK_STR(l->chain, "google.com>facebook.com>bit.ly");
	CHECK_INT(l->hops, 2);
	CHECK(l->flags & LINK_SHORTENER);
	CHECK(!(l->flags & LINK_FAKE_SHORTENER));
	links_release(&ls);
}

TEST(links, shorteners_and_lookalikes)
{
	struct linker *lk = lk_get();
	bool fake;

	CHECK(lk != NULL);
	CHECK(linker_is_shortener(lk, "bit.ly", &fake) && !fake);
	CHECK(linker_is_shortener(lk, "tinyurl.com", &fake) && !fake);
	CHECK(linker_is_shortener(lk, "blltly.com", &fake) && fake);   /* listed */
	CHECK(linker_is_shortener(lk, "tinyurll.net", &fake) && fake); /* one edit */
	CHECK(linker_is_shortener(lk, "tlnyurl.co", &fake) && fake);
	CHECK(!linker_is_shortener(lk, "github.com", &fake));
	CHECK(!linker_is_shortener(lk, "example.com", &fake));
	CHECK(!linker_is_shortener(lk, "pypi.org", &fake));
}

TEST(links, shortener_shape)
{
	struct links ls = LINKS_INIT;
	const struct link *l = only(&ls, "get it: urlgoal.com/2uM9nR");

	CHECK(l != NULL);
	CHECK(l->flags & LINK_FAKE_SHORTENER);
	CHECK(l->flags & LINK_BARE);
	l = only(&ls, "https://tinyurll.net/x9Kd2"); /* a look-alike with a code */
	CHECK(l != NULL);
	CHECK(l->flags & LINK_FAKE_SHORTENER);
	l = only(&ls, "visit https://www.cuscus.net/ today"); /* close to cutt.us, no code */
	CHECK(l != NULL);
	CHECK(!(l->flags & (LINK_FAKE_SHORTENER | LINK_SHORTENER)));
	l = only(&ls, "docs: example.com/install");
	CHECK(l != NULL);
	CHECK(!(l->flags & (LINK_FAKE_SHORTENER | LINK_SHORTENER)));
	links_release(&ls);
}

TEST(links, code_hosts_and_docs)
{
	struct links ls = LINKS_INIT;
	const char *text =
	    "Source: https://github.com/grafana/grafana, docs at "
	    "<https://grafana.readthedocs.io/en/latest/> and [site](https://docs.example.org/x) "
	    "and https://gitlab.com/a/b and `docker pull quay.io/x/y`";

	links_extract(&ls, lk_get(), text, strlen(text));
	CHECK_INT(ls.n, 5);
	for (size_t i = 0; i < ls.n; i++)
		CHECK(ls.v[i].flags & LINK_CODE_HOST);
	CHECK_STR(ls.v[0].domain, "github.com");
	CHECK_STR(ls.v[1].domain, "grafana.readthedocs.io");
	links_release(&ls);
}

TEST(links, bare_words_that_are_not_links)
{
	struct links ls = LINKS_INIT;
	const char *text = "Edit README.md and docker-compose.yml, run app.py with node.js v1.2.3, "
	                   "e.g. see /etc/nginx/nginx.conf or mail admin@example.com";

	links_extract(&ls, lk_get(), text, strlen(text));
	CHECK_INT(ls.n, 0);
	links_release(&ls);
}

TEST(links, html_block_and_dedup)
{
	struct links ls = LINKS_INIT;
	const char *text =
	    "<div><p>Download <a href=\"https://fast-dl.xyz/a\">here</a> or "
	    "https://mirror.top/b</p><iframe src=\"//frame.site/c\"></iframe></div>\n\n"
	    "[fast-dl.xyz/a](https://fast-dl.xyz/a) and fast-dl.xyz/a again";

	links_extract(&ls, lk_get(), text, strlen(text));
	CHECK_INT(ls.n, 3);
	CHECK_STR(ls.v[0].domain, "fast-dl.xyz");
	CHECK_STR(ls.v[1].domain, "mirror.top");
	CHECK_STR(ls.v[2].domain, "frame.site");
	CHECK(ls.v[0].flags & LINK_HTML);
	links_release(&ls);
}

TEST(links, domain_reduction)
{
	char d[256];

	CHECK(linker_domain(lk_get(), "www.news.bbc.co.uk", d, sizeof(d)));
	CHECK_STR(d, "bbc.co.uk");
	CHECK(linker_domain(lk_get(), "some-name.blogspot.com", d, sizeof(d)));
	CHECK_STR(d, "some-name.blogspot.com");
	CHECK(linker_domain(lk_get(), "192.168.1.9", d, sizeof(d)));
	CHECK_STR(d, "192.168.1.9");
	CHECK(!linker_domain(lk_get(), "", d, sizeof(d)));
}
