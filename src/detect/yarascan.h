/* User YARA rules (`--yara FILE|DIR`), compiled with libyara and run on
 * whole files held in memory.
 *
 * Metadata a rule may carry (all optional):
 *   category = "<dredge category>"   the finding's category (default hacktool)
 *   severity = "critical|high|medium|low|info"   default high
 *   strong   = true | "true"         strong evidence; also implied by the
 *                                    categories cryptominer and backdoor
 * A meta value that is not a known category or severity fails the load. */
#ifndef DREDGE_YARASCAN_H
#define DREDGE_YARASCAN_H

#include "util/limits.h"
#include "detect/finding.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct yara_set;

struct yara_match {
	const char *rule; /* rule identifier */
	const char *ns;   /* namespace ("default" unless set) */
	enum category category;
	enum severity severity;
	bool strong;
	const char *strings; /* identifiers of the strings that matched, comma-separated
	                        ("$a,$b"); "" for a condition without strings */
};

/* Compiles path: one rule file, or every *.yar / *.yara file of a directory
 * (not recursive, in name order). DR_ENOTFOUND when there is nothing to
 * read, DR_EFORMAT for a compile error or a bad meta value, with the rule
 * file and line in the message. *out is the caller's (yara_set_free). */
int yara_set_load(struct yara_set **out, const char *path);
void yara_set_free(struct yara_set *ys);
/* Rules compiled. */
size_t yara_set_count(const struct yara_set *ys);

/* Runs the rules over data; fn is called for each matching rule (strings
 * borrowed for the call; a non-zero return stops and is returned).
 * Thread-safe for one set. DR_ERROR when libyara fails (timeout, …). */
int yara_set_scan(const struct yara_set *ys, const void *data, size_t len,
                  int (*fn)(void *ctx, const struct yara_match *m), void *ctx);

/* Whether a file is worth YARA's time: an ELF, a script (shebang), an
 * executable (any x bit) or a file named *.sh, *.bash, *.py, *.pl, *.js,
 * *.php, *.rb, *.ps1. head holds the file's first bytes. */
bool yara_file_eligible(const char *path, uint32_t mode, const void *head, size_t n);

#endif
