/* Links in repository descriptions: found in Markdown (md4c), in the HTML it
 * lets through (gumbo) and as bare URLs or host/path words in the text;
 * each is unwrapped through open redirects (google.TLD/url?q=, href.li/?,
 * away.php?to=, l.php?u=, blogger hops, any ?url=/?q=… carrying a URL) so
 * that the target is what gets judged, and its host is reduced to the
 * registrable domain (libpsl's built-in list).
 *
 * Shorteners are recognised offline from data/url-shorteners.txt and by
 * look-alike names carrying a short code as their path (a label within two
 * edits of a known shortener's, one edit for short names unless both ends
 * are kept; or a short "url"/"ly"/"link" name with a mixed-case code): what
 * they point to is unknown, so being shortened is itself the signal. */
#ifndef DREDGE_LINKS_H
#define DREDGE_LINKS_H

#include "util/limits.h"

#include <stdbool.h>
#include <stddef.h>

enum link_flag {
	LINK_MARKDOWN = 1u << 0,       /* a Markdown link or autolink */
	LINK_HTML = 1u << 1,           /* href/src of HTML */
	LINK_BARE = 1u << 2,           /* a URL or host/path in plain text */
	LINK_SHORTENER = 1u << 3,      /* a known public URL shortener */
	LINK_FAKE_SHORTENER = 1u << 4, /* a shortener look-alike or campaign shortener */
	LINK_REDIRECT = 1u << 5,       /* reached through an open redirect */
	LINK_BLOG_HOP = 1u << 6,       /* through or onto blogger.com / *.blogspot.* */
	LINK_CODE_HOST = 1u << 7,      /* code host, docs site or container registry */
	LINK_IP = 1u << 8,             /* the target host is an IP address */
};

struct link {
	const char *url;    /* as written */
	const char *target; /* after unwrapping redirects (url when none) */
	const char *host;   /* target's host, lower case */
	const char *domain; /* registrable domain of host (host when none) */
	const char *chain;  /* registrable domains of the hops, '>'-joined, target last */
	unsigned flags;
	int hops; /* redirects unwrapped */
};

struct links_block;

/* The links of one text; strings live in the set's own blocks. */
struct links {
	struct link *v;
	size_t n, alloc;
	size_t dropped; /* links beyond LINKS_MAX */
	struct links_block *blocks;
	char *md_copy; /* the text handed to md4c, NUL-padded */
	size_t md_alloc;
};

#define LINKS_INIT                                                                                 \
	{                                                                                          \
		NULL, 0, 0, 0, NULL, NULL, 0                                                       \
	}

struct linker;

/* Loads the shortener list. *out is the caller's (linker_free). A linker
 * remembers look-alike verdicts per domain: it serves one thread at a time. */
int linker_new(struct linker **out);
void linker_free(struct linker *lk);

/* Appends the links of text (Markdown with HTML) to out; a URL already in
 * out is not added twice. */
int links_extract(struct links *out, const struct linker *lk, const char *text, size_t len);

/* Adds one URL (scheme optional) as found with flags (LINK_MARKDOWN, …). */
void links_add_url(struct links *out, const struct linker *lk, const char *url, size_t len,
                   unsigned flags);

/* Empties the set, keeping memory for reuse. */
void links_reset(struct links *ls);
void links_release(struct links *ls);

/* Registrable domain of host into out (lower case); false when host is
 * empty or too long. */
bool linker_domain(const struct linker *lk, const char *host, char *out, size_t size);

/* True when domain (registrable) is a known shortener; *fake set when it is
 * a campaign or look-alike one. */
bool linker_is_shortener(const struct linker *lk, const char *domain, bool *fake);

#endif
