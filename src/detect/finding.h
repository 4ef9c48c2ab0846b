/* Findings: what every detector produces and every output derives from.
 * The JSON form is the contract in DESIGN.md. */
#ifndef DREDGE_FINDING_H
#define DREDGE_FINDING_H

#include "util/buf.h"
#include "util/digest.h"
#include "util/posindex.h"

#include <stdbool.h>
#include <stddef.h>

enum severity { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

/* Mirrors the 2022 study's chart, plus the metadata categories. */
#define CATEGORY_LIST(X)                                                                           \
	X(CAT_CRYPTOMINER, "cryptominer")                                                          \
	X(CAT_SECRET, "secret")                                                                    \
	X(CAT_BACKDOOR, "backdoor")                                                                \
	X(CAT_MALICIOUS_HOST, "malicious-host")                                                    \
	X(CAT_PROXY_TUNNEL, "proxy-tunnel")                                                        \
	X(CAT_DYNAMIC_DNS, "dynamic-dns")                                                          \
	X(CAT_NEWLY_REGISTERED_DOMAIN, "newly-registered-domain")                                  \
	X(CAT_HACKTOOL, "hacktool")                                                                \
	X(CAT_SUSPICIOUS_BUILD, "suspicious-build")                                                \
	X(CAT_TYPOSQUAT, "typosquat")                                                              \
	X(CAT_PHISHING, "phishing")                                                                \
	X(CAT_SPAM, "spam")

#define CATEGORY_ENUM(id, name) id,
enum category { CATEGORY_LIST(CATEGORY_ENUM) CAT_COUNT };
#undef CATEGORY_ENUM

enum loc_source { LOC_FILE, LOC_CONFIG, LOC_HISTORY, LOC_METADATA };

enum finding_status {
	ST_ACTIVE,
	ST_REMOVED,         /* "removed-in-later-layer": still in the image */
	ST_PACKAGE_SHIPPED, /* vouched for by the image's package database */
	ST_EXAMPLE,         /* documented example, placeholder or test fixture */
};

struct location {
	enum loc_source source;
	char *layer;      /* layer digest (diff_id or blob digest) or NULL */
	long layer_index; /* -1 when not a layer */
	char *path;       /* file path, NULL for config/history/metadata */
	long line;        /* 1-based, 0 unknown */
	char *field;      /* "Env[3]", "history[5].created_by", "full_description", … */
};

struct finding {
	char *rule; /* stable id, e.g. "aws-access-key-id" */
	enum category category;
	enum severity severity;
	char *title;
	struct location *locs;
	size_t n_locs;
	char *evidence;                   /* already redacted where it is a secret */
	char fingerprint[DIGEST_STR_LEN]; /* sha256 of the matched value */
	enum finding_status status;
	bool strong; /* strong evidence: alone makes the verdict malicious */
	size_t locs_alloc;
	struct pos_index loc_index; /* finding.c's, of locs */
};

/* A set of findings; adding one with the same rule and fingerprint as an
 * existing one merges its locations (one finding, many places). Findings
 * leave v only through findings_move and findings_drop, which keep the
 * index true. */
struct findings {
	struct finding *v;
	size_t n, alloc;
	struct pos_index index; /* of v, by rule and fingerprint */
};

const char *severity_name(enum severity s);
int severity_parse(enum severity *out, const char *s);
const char *category_name(enum category c);
int category_parse(enum category *out, const char *s);
const char *status_name(enum finding_status s);

/* Takes ownership of f's strings and locations (f is zeroed). */
void findings_add(struct findings *fs, struct finding *f);
/* Adds every finding of src to dst; src is left empty. */
void findings_move(struct findings *dst, struct findings *src);
/* Releases and takes out the findings drop returns true for (it is given
 * each one's position, in order), keeping the order of the others; returns
 * how many were dropped. */
size_t findings_drop(struct findings *fs, bool (*drop)(struct finding *f, size_t pos, void *ctx),
                     void *ctx);
/* Releases and takes out the locations of f that drop returns true for,
 * keeping the order of the others. */
void finding_drop_locations(struct finding *f, bool (*drop)(const struct location *l, void *ctx),
                            void *ctx);
void findings_release(struct findings *fs);
void finding_release(struct finding *f);
/* One secret value that several rules matched (a generic assignment rule
 * and a vendor rule on the same key) becomes one finding: among the secret
 * findings of fs from index first on with the same fingerprint, the one
 * kept is a documented example if any is (its validator knew the value),
 * else the most severe, else the first; the others' locations join it. */
void findings_fold_values(struct findings *fs, size_t first);
/* Helpers to build one finding. The strings are copied. */
void finding_init(struct finding *f, const char *rule, enum category c, enum severity s,
                  const char *title);
void finding_add_location(struct finding *f, enum loc_source src, const char *layer,
                          long layer_index, const char *path, long line, const char *field);
/* Sets the fingerprint from the matched value and the evidence to its
 * redacted form unless show is true: "AKIA…[20 chars, sha256:1a2b3c4d]". */
void finding_set_secret(struct finding *f, const char *value, size_t len, bool show);
/* Sets fingerprint from value and evidence to value verbatim (not secret). */
void finding_set_evidence(struct finding *f, const char *value, size_t len);

/* Appends the finding as one JSON object (DESIGN.md contract). */
int finding_to_json(struct buf *out, const struct finding *f);

#endif
