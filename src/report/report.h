/* Reports: what `dredge scan` found in each image, rendered as JSON
 * (dredge.report/v1), SARIF 2.1.0 or a readable table. A report owns
 * copies of everything it shows, so it outlives the image.
 *
 * dredge.report/v1, one image:
 *   {"schema":"dredge.report/v1",
 *    "image":{"ref", "manifest_digest", "config_digest", "platform",
 *             "layers":[{"digest","diff_id","size","created_by"}]},
 *    "verdict":{"class":"malicious|suspicious|clean|error", "categories":[…],
 *               "max_severity":"high"|null, "reasons":[…]},
 *    "findings":[finding, …]   (finding_to_json; empty when class is error)
 *    "stats":{"bytes","files","seconds","findings","ignored","below_severity",
 *             "partial_files","capped_rules"},
 *    "error":{"code":"digest-mismatch","message":"…"}   (only when class is error)}
 * Several images (several references, or --all-platforms): one document
 *   {"schema":"dredge.report/v1","reports":[<the object above>, …]}. */
#ifndef DREDGE_REPORT_H
#define DREDGE_REPORT_H

#include "detect/finding.h"
#include "detect/rules.h"
#include "util/buf.h"
#include "verdict/verdict.h"

#include <stdbool.h>
#include <stdint.h>

#define REPORT_SCHEMA "dredge.report/v1"

struct report_layer {
	char *digest;
	char *diff_id;
	int64_t size;
	char *created_by; /* NULL when unknown */
};

struct report {
	char *ref;                                        /* as the user can pass it again */
	char *manifest_digest, *config_digest, *platform; /* NULL when unknown */
	struct report_layer *layers;
	size_t n_layers;
	struct verdict verdict;
	struct findings findings;
	uint64_t bytes, files;
	double seconds;
	uint64_t ignored;        /* dropped by the ignore file */
	uint64_t below_severity; /* dropped by --severity */
	uint64_t partial_files;  /* longer than --max-file-size: scanned in part */
	uint64_t capped_rules;   /* times a rule reached its limits in a file */
	int error;               /* DR_E* code when the scan failed, else 0 */
};

void report_release(struct report *r);

/* Rewrites doc so that it is valid UTF-8: each byte of an invalid sequence
 * becomes "\u00XX" (json: inside a JSON string, where only such bytes can
 * be) or "\xXX" (text). */
void report_fix_utf8(struct buf *doc, bool json);

struct report_opts {
	const struct rules *rules; /* for rule descriptions (SARIF); may be NULL */
	bool color;                /* table: ANSI colours */
};

/* Each appends the whole document for reports[0..n) to out. */
int report_json(struct buf *out, const struct report *reports, size_t n);
int report_sarif(struct buf *out, const struct report *reports, size_t n,
                 const struct report_opts *o);
int report_table(struct buf *out, const struct report *reports, size_t n,
                 const struct report_opts *o);

#endif
