/* Every size, count and depth that an input controls has a cap, and all of
 * them live here. Defaults are generous for real images; each can be
 * overridden at run time with `--limit NAME=VALUE` (see limits_set). */
#ifndef DREDGE_LIMITS_H
#define DREDGE_LIMITS_H

#include <stdint.h>

#define KIB (1024ull)
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)

/* Defaults. */
#define DR_MAX_MANIFEST_BYTES (4 * MIB)   /* manifest or index document */
#define DR_MAX_CONFIG_BYTES (8 * MIB)     /* image config blob */
#define DR_MAX_LAYERS 512                 /* layers in one image */
#define DR_MAX_INDEX_ENTRIES 1024         /* manifests in one index */
#define DR_MAX_INDEX_DEPTH 4              /* index nested in index */
#define DR_MAX_HISTORY 10000              /* entries in an image config's history */
#define DR_MAX_ENTRIES 5000000            /* tar entries in one layer */
#define DR_MAX_PATH 4096                  /* bytes in one path or link target */
#define DR_MAX_TOTAL_BYTES (256 * GIB)    /* uncompressed bytes in one image */
#define DR_MAX_RATIO 200                  /* uncompressed/compressed bytes */
#define DR_RATIO_GRACE (64 * MIB)         /* output allowed before the ratio applies */
#define DR_MAX_JSON_DEPTH 64              /* nesting of any JSON document */
#define DR_MAX_SMALL_FILE (16 * MIB)      /* small JSON files read whole (archives, auth) */
#define DR_MAX_HEADER_BYTES (64 * KIB)    /* one HTTP header line */
#define DR_MAX_REDIRECTS 10               /* HTTP redirects followed */
#define DR_MAX_ARCHIVE_ENTRIES 1000000    /* members of a docker/oci archive tar */

struct limits {
	uint64_t manifest_bytes;
	uint64_t config_bytes;
	uint64_t layers;
	uint64_t entries;
	uint64_t path_len;
	uint64_t total_bytes;
	uint64_t ratio;
	uint64_t json_depth;
};

/* Fills l with the defaults above. */
void limits_default(struct limits *l);

/* Applies one "name=value" override (value may end in K, M, G or T).
 * Returns DR_EUSAGE with a message for an unknown name or bad value. */
int limits_set(struct limits *l, const char *assignment);

/* Names of the overridable limits, NULL-terminated, for help text. */
extern const char *const limits_names[];

#endif
