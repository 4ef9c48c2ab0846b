/* The scan pipeline for one image: the image config and history through the
 * engine's config/history rules, the repository name through the typosquat
 * check, then every layer walked once with each file event fanned out to the
 * content engine and the analyzers (analyzer.h). At the end the package
 * databases found in the image are read and each finding's status resolved:
 *
 *   package-shipped          every file location is vouched for by a dpkg,
 *                            apk or Python RECORD entry (same path, same
 *                            checksum) that is itself still in the image
 *   removed-in-later-layer   no location is active and at least one lies in
 *                            a file that a later layer deleted or replaced
 *   active                   otherwise (example status from a validator is kept)
 *
 * Content given to the engine: the first max_file_size bytes of every
 * regular file, binaries included. Files are scanned by opts->workers threads
 * while the walk goes on (analyze.c tells how); findings and statuses do not
 * depend on their number. Memory stays bounded: a file's bytes are kept only
 * up to SCAN_LANE_KEEP (SCAN_HASH_BUFFER for one thread at a time), to
 * checksum files that turn out to have findings. A larger file is
 * checksummed as it streams when it has findings by then, else let go; if
 * findings come later and a package database lists its path, its layer is
 * read again after the walk to checksum it. */
#ifndef DREDGE_ANALYZE_H
#define DREDGE_ANALYZE_H

#include "util/limits.h"
#include "detect/engine.h"
#include "detect/finding.h"
#include "detect/typosquat.h"
#include "image/image.h"
#include "image/walk.h"

#include <stdbool.h>
#include <stdint.h>

struct intel_set;
struct yara_set;

struct scan_opts {
	const struct engine *engine;       /* required, unless prepare sets it */
	const struct typosquat *typosquat; /* NULL: no repository name check */
	/* When set, called once on the walker's thread before engine and
	 * typosquat are first used: once the image is open and its first layer
	 * has begun to inflate, so that a caller may make them on another
	 * thread meanwhile. It sets both (typosquat may be NULL), or returns the
	 * error that fails the scan. */
	int (*prepare)(void *ctx, const struct engine **engine, const struct typosquat **typosquat);
	void *prepare_ctx;
	uint64_t max_file_size; /* 0: SCAN_MAX_FILE_SIZE_DEFAULT */
	bool show_secrets;
	const struct walk_opts *walk;  /* limits and progress for image_walk */
	const struct intel_set *intel; /* feeds and built-in lists; NULL: no network
	                                  indicators, no file-hash matching */
	const struct yara_set *yara;   /* NULL: no YARA rules */
	int workers;                   /* threads scanning files; 0: one per CPU
	                                  (at most SCAN_WORKERS_MAX) */
};

struct scan_stats {
	uint64_t bytes;         /* uncompressed layer bytes walked */
	uint64_t files;         /* regular files */
	uint64_t truncated;     /* files longer than max_file_size (scanned in part) */
	uint64_t capped;        /* times a rule reached its limits in a file */
	uint64_t pkgdb_entries; /* (path, checksum) pairs read from package databases */
	double seconds;
};

/* Scans img, adding its findings to out (statuses resolved). On failure
 * returns the negative code with the message set; whatever was added to out
 * must then be discarded by the caller (a failed walk is never trusted). */
int scan_image(struct findings *out, struct scan_stats *stats, struct image *img,
               const struct scan_opts *opts);

#endif
