/* Literal anchors of a regex: a small set of literals of which every match
 * contains at least one, and how far a match reaches around it.
 *
 * The content engine gives Hyperscan these literals instead of the rule's
 * whole regex (literal matching runs at memory speed; literal-poor regexes
 * cost Hyperscan time per pattern) and runs the rule's PCRE2 regex only on
 * the bytes around each literal hit: at most `before` bytes before the
 * literal's start and `after` bytes after its end can belong to a match.
 *
 * The analysis reads the PCRE2 syntax the rule packs use: literals and
 * escapes, classes, `.`, groups (capturing, named, non-capturing, atomic),
 * alternation, quantifiers (greedy, lazy, possessive), assertions and
 * lookarounds (which it treats as matching anything: a superset), inline
 * flags ((?i) anywhere makes every literal caseless, also a superset).
 * Anything else (backreferences, conditionals, (?x), \p, recursion) makes it
 * give up, and the caller falls back to the whole regex. */
#ifndef DREDGE_ANCHOR_H
#define DREDGE_ANCHOR_H

#include <stdbool.h>
#include <stddef.h>

#define ANCHOR_UNBOUNDED ((size_t)-1)
#define ANCHOR_LIT_MAX   64   /* bytes of one literal */
#define ANCHOR_SET_MAX   4096 /* literals of one anchor set */

struct anchor_lit {
	unsigned char s[ANCHOR_LIT_MAX];
	size_t len;
	bool caseless; /* s is lower case; matches in any case */
};

struct anchors {
	struct anchor_lit *lit;
	size_t n;
	size_t before;    /* bytes of a match before the literal, ANCHOR_UNBOUNDED */
	size_t after;     /* bytes of a match after the literal, ANCHOR_UNBOUNDED */
	size_t max_width; /* longest match, ANCHOR_UNBOUNDED */
	bool exact;       /* the literals are the whole regex: a literal hit is a match */
};

/* Finds the best anchor set of regex re whose shortest literal has at least
 * min_len bytes. Returns false when there is none or the regex uses a
 * construct the analysis does not read; *out is then empty. */
bool anchor_extract(struct anchors *out, const char *re, size_t min_len);
/* Length of the shortest literal of a. */
size_t anchor_min_len(const struct anchors *a);
void anchor_release(struct anchors *a);

/* A run anchor, for regexes without literals: every match holds a run of at
 * least min bytes that are all `in` the class (for the wallet addresses,
 * tokens and keys that are long runs of an alphabet). */
struct anchor_run {
	bool in[256];
	size_t min;
	size_t max_width; /* longest match, ANCHOR_UNBOUNDED */
};

/* Finds the longest such run of at least min_run bytes of a class that
 * leaves some bytes out. False when there is none. */
bool anchor_run(struct anchor_run *out, const char *re, size_t min_run);

#endif
