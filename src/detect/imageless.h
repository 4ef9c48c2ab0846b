/* Verdicts on repository metadata: is an imageless repository a lure?
 *
 * Only repositories without images are examined: no tags (tag_count 0), or
 * an unknown tag count and no media or content types. A repository with
 * images is clean here; its images are what dredge scans.
 *
 * Signals, each with a weight, added into a score (malicious from
 * IMAGELESS_THRESHOLD): no tags or images; links in the description that leave the project's own
 * code hosts, docs and registry (links.h), through URL shorteners (fake ones
 * weigh more), open redirects or blogger hops; lure lexicons from
 * data/hub-lures.tsv (cracks/keygens, game cheats, free eBooks, streaming,
 * casino, pharma, crypto doubling, adult, download bait), matched with
 * Hyperscan in the name, description and full description; generated
 * account names (a pronounceable word plus a 4-digit year, consonant-heavy
 * or letter/digit-mixed strings); zero pulls; and the absence of any
 * software-project vocabulary.
 *
 * A repository is `phishing` when it lures (pirated software, cheats,
 * eBooks, streaming, crypto doubling) towards an external link, `spam` when
 * it is malicious by score but promotes (SEO text, casino, pharma, adult)
 * rather than lures, and `clean` otherwise. */
#ifndef DREDGE_IMAGELESS_H
#define DREDGE_IMAGELESS_H

#include "detect/finding.h"
#include "detect/links.h"
#include "source/hubmeta.h"

#include <stdbool.h>
#include <stddef.h>

#define IMAGELESS_MAX_REASONS 12
#define IMAGELESS_REASON_LEN  160
#define IMAGELESS_THRESHOLD   6 /* score of a malicious repository */

enum hub_verdict { HUB_CLEAN, HUB_SPAM, HUB_PHISHING, HUB_VERDICT_COUNT };

enum lure_kind {
	LURE_WAREZ,
	LURE_CHEAT,
	LURE_EBOOK,
	LURE_STREAM,
	LURE_CASINO,
	LURE_PHARMA,
	LURE_CRYPTO,
	LURE_ADULT,
	LURE_DOWNLOAD,
	LURE_PROJECT, /* not a lure: software-project words */
	LURE_KIND_COUNT
};

/* What kind of campaign a repository looks like it belongs to. */
enum hub_kind { HUB_KIND_NONE, HUB_KIND_DOWNLOADER, HUB_KIND_EBOOK, HUB_KIND_SEO, HUB_KIND_OTHER };

struct imageless_result {
	enum hub_verdict verdict;
	enum hub_kind kind;
	int score;
	bool imageless;
	bool generated_ns;
	unsigned lures; /* bit (1 << lure_kind) per lure kind present */
	int lure_weight[LURE_KIND_COUNT];
	size_t ext_links;       /* links off the project's own hosts */
	size_t disguised_links; /* of those, through shorteners, redirects or blog hops */
	struct links links;     /* every link, in field order */
	size_t desc_links;      /* links[0..desc_links) come from `description` */
	char reasons[IMAGELESS_MAX_REASONS][IMAGELESS_REASON_LEN];
	size_t n_reasons;
	struct findings findings; /* filled when asked for, and only when not clean */
};

struct imageless;

/* Loads the lexicon and compiles it; *out is the caller's. One context
 * serves one thread at a time. */
int imageless_new(struct imageless **out);
void imageless_free(struct imageless *il);

void imageless_result_init(struct imageless_result *r);
/* Empties r for the next repository, keeping its memory. */
void imageless_result_reset(struct imageless_result *r);
void imageless_result_release(struct imageless_result *r);

/* Classifies repo into out (reset first): signals and their weights are
 * no tags +2 (when it has links or lures), external links +1 each (at most
 * 3), fake shortener +3 (public one +2), open redirect +3, blog hop +2, IP
 * +2, each lure kind +3 (two at most; download bait +1), generated account
 * +2, no pulls +1, only a link and no software word +1, software words -2
 * (3 or more) or -3 (5 or more). Findings (category phishing or
 * spam, location metadata with field description / full_description /
 * name / namespace) are built only when with_findings is set. */
int imageless_classify(struct imageless_result *out, struct imageless *il,
                       const struct hub_repo *repo, bool with_findings);

/* The linker the context uses (shared with campaign clustering). */
const struct linker *imageless_linker(const struct imageless *il);

const char *hub_verdict_name(enum hub_verdict v);
const char *lure_kind_name(enum lure_kind k);

/* True when ns looks machine-made: a pronounceable word plus a 4-digit year
 * (`synlapoolca1970`), a consonant-heavy run, or letters and digits mixed
 * at random (`x7kq2p9z`). */
bool imageless_generated_name(const char *ns);

/* True when a link's host is the repository's own: a label of the host
 * below its registrable domain equals the namespace or the name, or the
 * domain's label equals either or contains the namespace. */
bool imageless_own_domain(const char *host, const char *domain, const char *ns, const char *name);

#endif
