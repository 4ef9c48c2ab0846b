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
#define DR_MAX_MANIFEST_BYTES  (4 * MIB)   /* manifest or index document */
#define DR_MAX_CONFIG_BYTES    (8 * MIB)   /* image config blob */
#define DR_MAX_LAYERS          512         /* layers in one image */
#define DR_MAX_INDEX_ENTRIES   1024        /* manifests in one index */
#define DR_MAX_INDEX_DEPTH     4           /* index nested in index */
#define DR_MAX_HISTORY         10000       /* entries in an image config's history */
#define DR_MAX_ENTRIES         5000000     /* tar entries in one layer */
#define DR_MAX_PATH            4096        /* bytes in one path or link target */
#define DR_MAX_TOTAL_BYTES     (256 * GIB) /* uncompressed bytes in one image */
#define DR_MAX_RATIO           200         /* uncompressed/compressed bytes */
#define DR_RATIO_GRACE         (64 * MIB)  /* output allowed before the ratio applies */
#define DR_MAX_JSON_DEPTH      64          /* nesting of any JSON document */
#define DR_MAX_SMALL_FILE      (16 * MIB)  /* small JSON files read whole (archives, auth) */
#define DR_MAX_HEADER_BYTES    (64 * KIB)  /* one HTTP header line */
#define DR_MAX_REDIRECTS       10          /* HTTP redirects followed */
#define DR_MAX_ARCHIVE_ENTRIES 1000000     /* members of a docker/oci archive tar */

/* registry client */
#define REG_MAX_TOKEN_BYTES   (1024 * 1024) /* token endpoint answer */
#define REG_MAX_ERROR_BYTES   (16 * 1024)   /* error body kept for messages */
#define REG_MAX_HELPER_NAME   64            /* bytes of a credential helper's name */
#define REG_MAX_HELPER_OUTPUT (64 * 1024)   /* bytes a credential helper may write */

/* Docker Hub crawler */
#define HUBCRAWL_MAX_PAGE_BYTES (16u * 1024 * 1024) /* one API response */
#define HUBCRAWL_MAX_PAGE_SIZE  100                 /* results asked per page */
#define HUBCRAWL_MAX_PAGES      100000              /* pages of one source (default) */
#define HUBCRAWL_MAX_TAGS       1000                /* tag objects kept per repository */
#define HUBCRAWL_MAX_WAIT_S     3600                /* one rate-limit wait */
#define HUBCRAWL_MAX_CKPT_BYTES (64u * 1024)        /* checkpoint file */

/* typosquat check */
#define TS_NAME_MAX 256 /* bytes in a namespace or repository name, with the NUL */

/* rule packs */
#define RULES_MAX_PACK_BYTES (4 * 1024 * 1024) /* one pack file */
#define RULES_MAX_RULES      20000             /* rules over all packs */
#define RULES_MAX_REGEX      65536             /* bytes of one regex after list expansion */
#define RULES_MAX_LIST_BYTES (1024 * 1024)     /* one list file */
#define RULES_MAX_PACK_FILES 1000              /* pack files in one --rules directory */
#define RULE_WINDOW_MAX      (64 * 1024)       /* bytes a rule's confirm window looks back */

/* secret validators */
#define VALUE_MAX    4096        /* bytes of a value the word checks look at */
#define KEY_MAX_TEXT (64 * 1024) /* bytes of private key text parsed */

/* content engine */
#define ENGINE_MAX_CONFIRMS 2000 /* confirm runs of one rule in one file */
#define ENGINE_MAX_REPORTS  64   /* findings of one rule in one file */

/* threat feeds */
#define INTEL_LINE_MAX    4096      /* bytes of one feed line */
#define INTEL_MAX_ENTRIES 20000000u /* entries in one set, all feeds together */
#define INTEL_URL_MAX     2048      /* bytes of one normalised URL */

/* network indicators */
#define NETIOC_LINE_MAX       4096          /* bytes of one line looked at as a whole */
#define NETIOC_MAX_PER_STREAM 1000          /* indicators reported from one stream */
#define NETIOC_URL_MAX        2048          /* longer URLs are cut there */
#define NETIOC_TEXT_MAX       (4ull << 20)  /* bytes of one text file searched */
#define NETIOC_BINARY_MAX     (64ull << 20) /* bytes of one binary searched for .onion */

/* YARA */
#define YARA_FILE_MAX  (64u << 20) /* larger files are not given to YARA */
#define YARA_MAX_FILES 10000       /* rule files read from one directory */
#define YARA_TIMEOUT   60          /* seconds for one file's scan */

/* repository metadata */
#define HUBMETA_MAX_LINE  (16u * 1024 * 1024) /* one JSONL line or one page document */
#define HUBMETA_MAX_ARRAY 4096                /* strings kept from one array field */
#define HUBMETA_MAX_DEPTH 64                  /* JSON nesting */

/* links in descriptions */
#define LINKS_MAX      256        /* links kept from one text */
#define LINKS_MAX_HOPS 5          /* redirects unwrapped from one link */
#define LINKS_MAX_URL  4096       /* bytes of one URL */
#define LINKS_MAX_HTML (1u << 20) /* HTML bytes of one text handed to gumbo */

/* scan pipeline */
#define SCAN_MAX_FILE_SIZE_DEFAULT (64ULL << 20) /* bytes of one file the engine sees */
#define SCAN_HASH_BUFFER           (32u << 20)   /* bytes of one file kept for checksums */
#define SCAN_PKGDB_FILE_MAX        (64u << 20)   /* largest package database file read */
#define SCAN_RETAIN_MAX            (16u << 20)   /* flagged files held to layer end */
#define SCAN_WALK_BUFFERS          40            /* 1 MiB buffers the inflater may run ahead */
#define SCAN_LANE_KEEP             (16u << 20)   /* bytes of one file each scanner keeps */
#define SCAN_LANE_PINNED           (4u << 20)    /* of which are kept in the layer buffers */
#define SCAN_LANE_RESIDENT         (16u << 20)   /* stay allocated between files */
#define SCAN_WORKERS_MAX           8             /* threads scanning the files of an image */
#define SCAN_JOB_SLOTS             64            /* batches of files in flight */
#define SCAN_JOB_FILES             64            /* files that close a batch */
#define SCAN_JOB_BYTES             (256u << 10)  /* content bytes that close a batch */
#define SCAN_JOB_SHOW              (1u << 20)    /* content bytes of an open batch shown */
#define SCAN_STASH_MAX             (32u << 20)   /* kept bytes waiting for the ordered merge */
#define SCAN_COPY_MAX              (8u << 20)    /* content bytes copied out of the walk */
#define FILECHECK_TEXT_MAX         (1u << 20)    /* bytes of a checked text file read */
#define IGNORE_MAX_FILE            (4u << 20)    /* bytes of an ignore file */

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
