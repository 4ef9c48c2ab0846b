/* The content engine: every enabled rule of a rule set compiled once into
 * Hyperscan databases, then run over files (streaming: a file arrives in
 * chunks of any size and a match across chunk boundaries is found), over
 * config/history strings and over paths.
 *
 * Hyperscan does not get the rules' regexes as they are: each `regex` rule is
 * found, the first way that applies (see add_rule_patterns), by
 *   - its anchor literals (anchor.h): Hyperscan matches literals at memory
 *     speed and the regex only runs around a literal hit;
 *   - its regex in a second, gated database, scanned only in files whose
 *     path passes the rule's path filter or from shortly before the first
 *     occurrence of one of its keywords (the rule cannot match elsewhere);
 *   - a run of bytes of its class (anchor_run: wallet addresses and tokens
 *     with no literal), found by testing spaced 8-byte blocks of the
 *     class (classrun.h) and measuring the run around a full one;
 *   - its whole regex.
 * Every hit is confirmed by PCRE2 (JIT) on a bounded window of the file (as
 * far before and after the hit as a match can reach, within the rule's
 * `window`; hits close together share one window), kept in a per-file ring:
 * memory does not grow with the file. PCRE2 also extracts the value
 * (secret-group-name). keywords (one must occur in the file before the end of
 * the match), path, allow-rules, entropy and the validator then decide, and a
 * finding goes into the scan's findings with its location (path, layer,
 * 1-based line; line 0 for binary files, those with a NUL byte in their first
 * 8 KiB: a file's first bytes are held until that is known). Binary files are
 * scanned with a second content database, without the patterns of text-only
 * rules (rule->text_only), which never run on them. In binary files a value
 * the validator finds weak for its own shape (short, low-entropy, an
 * identifier) is not reported; placeholders and documented examples are,
 * downgraded.
 * A `strings` rule reports once per file when at least min-strings of its
 * strings occurred in it. Values of rules of category secret are redacted
 * (finding_set_secret) unless show_secrets; other evidence is the matched
 * text with unprintable bytes escaped.
 *
 * An engine is immutable after engine_compile and may be shared by threads;
 * each thread uses its own engine_scan. */
#ifndef DREDGE_ENGINE_H
#define DREDGE_ENGINE_H

#include "detect/finding.h"
#include "detect/rules.h"

#include <stdbool.h>
#include <stddef.h>

#define ENGINE_LOOKAHEAD   256 /* bytes after a hit the confirm step may read */
#define ENGINE_SIEVE_AFTER 256 /* confirms of a rule in one scan before it is sieved (engine.c) */

struct engine;
struct engine_scan;

struct engine_opts {
	bool show_secrets;     /* evidence of secret rules verbatim */
	const char *cache_dir; /* compiled databases kept here (hscache.h; the engine
	                          keeps a copy); NULL: none */
};

/* Compiles the enabled rules of rs (which must outlive the engine). On a rule
 * Hyperscan or PCRE2 cannot compile the message names the rule, its file and
 * line. */
int engine_compile(struct engine **out, const struct rules *rs, const struct engine_opts *opts);
void engine_free(struct engine *e);

/* Number of e's Hyperscan databases loaded from the cache, not compiled. */
size_t engine_cached_dbs(const struct engine *e);

/* Number of enabled rules of each kind compiled into e. */
size_t engine_rule_count(const struct engine *e, enum rule_kind kind);

/* A scanning context that adds findings to fs (borrowed; must outlive the
 * scan). */
int engine_scan_new(struct engine_scan **out, const struct engine *e, struct findings *fs);
void engine_scan_free(struct engine_scan *s);

/* Starts a file: path as inside the image ("usr/bin/x", no leading slash),
 * layer digest (or NULL) and index (-1: none). Runs the path rules on path.
 * A file begun must be ended before the next one begins. */
int engine_file_begin(struct engine_scan *s, const char *path, const char *layer, long layer_index);
/* The next bytes of the current file (any length, including 0). */
int engine_file_data(struct engine_scan *s, const void *data, size_t len);
/* Ends the current file: confirms pending hits and reports strings rules. */
int engine_file_end(struct engine_scan *s);

/* Scans one whole string with the rules of kind RK_CONFIG or RK_HISTORY;
 * field names it in the location ("Env[2]", "history[4].created_by"). */
int engine_scan_string(struct engine_scan *s, enum rule_kind kind, const char *layer,
                       long layer_index, const char *field, const char *str, size_t len);

/* Bytes given to engine_file_data since the scan was created. */
unsigned long long engine_scan_bytes(const struct engine_scan *s);
/* Windows around hits that the rules' sieves showed to hold no match. */
size_t engine_scan_sieved(const struct engine_scan *s);
/* Times a rule reached, in a file, its limit of findings reported
 * (ENGINE_MAX_REPORTS) or of matches checked (ENGINE_MAX_CONFIRMS): what it
 * matched beyond went unreported. Counted once per rule and file. */
size_t engine_scan_capped(const struct engine_scan *s);

#endif
