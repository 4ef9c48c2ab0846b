/* Analyzers: detectors that see an image as the scan pipeline (analyze.h)
 * walks it, next to the content engine that every regular file goes
 * through anyway.
 *
 * Adding one: write src/detect/<name>.c defining
 *     const struct analyzer_ops analyzer_<name> = {.name = "<name>", ...};
 * and add X(<name>) to ANALYZER_LIST below. Nothing else registers it.
 *
 * Per image, the pipeline calls init once per scanning lane: once for the
 * main lane, which gets layer_begin, layer_end and image_end (on the caller's
 * thread, while no file is being scanned), and once for each scanner thread,
 * whose lane gets, for each regular file it is given, file → content* →
 * file_end (a file's callbacks all come on one thread; other files go
 * through the other lanes at the same time, each with its own state). Then
 * free, for every lane. Per layer, layer_begin comes before any file of the
 * layer and layer_end after all of them. Every callback may be NULL.
 * Callbacks return 0 or a negative DR_E* code that fails the scan.
 *
 * Findings go through scan_report. A finding reported between a file's
 * `file` and `file_end` callbacks is attributed to that file (and joins the
 * image's findings in the layer's order, whatever the thread): at the end of
 * the scan its status is resolved from where it was found (a file that a
 * later layer deletes or replaces: removed-in-later-layer; a file whose path
 * and checksum the image's package database lists: package-shipped). */
#ifndef DREDGE_ANALYZER_H
#define DREDGE_ANALYZER_H

#include "detect/finding.h"
#include "image/image.h"
#include "image/walk.h"

#include <stdbool.h>
#include <stddef.h>

struct scan_ctx;

struct analyzer_ops {
	const char *name;
	/* Sets *out to the analyzer's state for one image (may stay NULL). */
	int (*init)(void **out, struct scan_ctx *sc);
	int (*layer_begin)(void *st, const struct image *img, size_t index);
	/* Set *want_content to receive a regular file's bytes (every regular
	 * file's content is read for the engine anyway: asking costs nothing). */
	int (*file)(void *st, const struct file_event *ev, bool *want_content);
	/* Chunks of the file in order; data is borrowed for the call. */
	int (*content)(void *st, const struct file_event *ev, const void *data, size_t len);
	/* Called after the content engine finished the file, so that
	 * scan_file_findings shows what the engine found in it. */
	int (*file_end)(void *st, const struct file_event *ev);
	int (*layer_end)(void *st, const struct image *img, size_t index);
	int (*image_end)(void *st, const struct image *img);
	void (*free)(void *st);
};

/* The registered analyzers, in the order they are called. */
#define ANALYZER_LIST(X) X(filecheck) X(netioc) X(hashfeed) X(yara)

#define ANALYZER_DECLARE(name) extern const struct analyzer_ops analyzer_##name;
ANALYZER_LIST(ANALYZER_DECLARE)
#undef ANALYZER_DECLARE

/* ---- what the pipeline offers analyzers ---------------------------------- */

/* Adds a finding (ownership taken, f is zeroed); see above for attribution. */
void scan_report(struct scan_ctx *sc, struct finding *f);

/* Like scan_report, but the finding is dropped at the end of the scan if its
 * status comes out package-shipped (for findings only worth reporting about
 * files no package installed). */
void scan_report_unpackaged(struct scan_ctx *sc, struct finding *f);

/* Findings reported so far for the current file (the engine's and the
 * analyzers'); analyzers may adjust them in file_end. Empty outside a file. */
struct findings *scan_file_findings(struct scan_ctx *sc);

/* True when secrets may be shown verbatim in evidence (--show-secrets). */
bool scan_show_secrets(const struct scan_ctx *sc);

struct intel_set;
struct yara_set;
/* The threat feeds and built-in lists of the scan (intel/intel.h); NULL
 * when the scan matches no network indicators. */
const struct intel_set *scan_intel(const struct scan_ctx *sc);
/* The user's YARA rules (detect/yarascan.h), NULL without --yara. */
const struct yara_set *scan_yara(const struct scan_ctx *sc);

#endif
