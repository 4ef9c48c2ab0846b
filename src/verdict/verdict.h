/* Findings → a verdict for one image.
 *
 * Only findings that are still a threat count: status active or
 * removed-in-later-layer (the bytes are still in the image).
 *   malicious   a counting finding is strong (a miner binary, a miner config
 *               with a pool or a miner command line, a backdoor key or a
 *               reverse shell, a threat-feed hit, a live-looking credential).
 *               A typosquat finding becomes strong when the image also holds
 *               a counting finding of another category (secrets aside) at
 *               medium or above: a look-alike name shipping malicious content.
 *   suspicious  otherwise, a counting finding at medium or above, or a
 *               package-shipped / example finding at high or above
 *   clean       otherwise (low and info findings may remain)
 *   error       the scan failed; nothing it found is trusted
 * Every verdict but clean lists its reasons, most serious first: for
 * malicious the strong findings, for suspicious those that made it so; the
 * verdict's categories are those of the findings behind its reasons. */
#ifndef DREDGE_VERDICT_H
#define DREDGE_VERDICT_H

#include "detect/finding.h"

#include <stdbool.h>
#include <stddef.h>

enum verdict_class { VERDICT_CLEAN, VERDICT_SUSPICIOUS, VERDICT_MALICIOUS, VERDICT_ERROR };

#define VERDICT_MAX_REASONS 20 /* further reasons are summed up in one line */

struct verdict {
	enum verdict_class cls;
	bool categories[CAT_COUNT]; /* categories of the findings behind the class */
	int max_severity;           /* enum severity of the counting findings, -1: none */
	char **reasons;
	size_t n_reasons;
};

const char *verdict_class_name(enum verdict_class c);
/* "malicious", "suspicious" or "clean"; DR_EUSAGE otherwise. */
int verdict_class_parse(enum verdict_class *out, const char *s);

/* True when the finding counts toward a verdict (active or removed). */
bool verdict_counts(const struct finding *f);

/* Classifies fs; typosquat findings with malicious company are marked
 * strong in fs. *out is released with verdict_release. */
void verdict_compute(struct verdict *out, struct findings *fs);
/* The verdict of a scan that failed with message. */
void verdict_error(struct verdict *out, const char *message);
void verdict_release(struct verdict *v);

/* One reason line for f: "cryptominer: <title>: <evidence> in <path> (layer 1)".
 * The caller frees. */
char *verdict_reason(const struct finding *f);

#endif
