/* Accepted findings: an ignore file lists entries of a rule id, a path glob
 * and a fingerprint, any of them optional (an entry with none is an error),
 * each with an optional reason. Two forms:
 *
 *   YAML     ignore:                        (or the list at top level)
 *              - rule: aws-access-key-id
 *                path: "srv/fixtures-*"
 *                fingerprint: "sha256:…"
 *                reason: test fixture
 *   lines    RULE [GLOB] [sha256:…] [# reason]   ("*" or "-" for any rule or
 *            path; a token starting with "sha256:" is the fingerprint; blank
 *            lines and lines starting with # are skipped)
 *
 * A finding matches an entry when its rule and fingerprint equal the
 * entry's (where given). With a path glob (fnmatch, `*` also crosses `/`),
 * only the finding's file locations whose path matches are dropped; a finding
 * left without locations is dropped whole. */
#ifndef DREDGE_IGNORE_H
#define DREDGE_IGNORE_H

#include "util/limits.h"

#include "detect/finding.h"

#include <stddef.h>

struct ignore_entry {
	char *rule;        /* NULL: any */
	char *path;        /* NULL: any */
	char *fingerprint; /* NULL: any */
	char *reason;      /* may be NULL */
	long line;         /* in the file */
};

struct ignore_list {
	struct ignore_entry *v;
	size_t n, alloc;
};

/* Parses the file's bytes; name is used in messages (DR_EFORMAT naming the
 * file and line). */
int ignore_parse(struct ignore_list *out, const char *name, const char *data, size_t len);
/* Reads and parses a file (DR_EIO / DR_ENOTFOUND when it cannot be read). */
int ignore_load(struct ignore_list *out, const char *path);
void ignore_release(struct ignore_list *l);

/* Drops the ignored findings (and locations) from fs; returns how many
 * findings were dropped whole. */
size_t ignore_apply(const struct ignore_list *l, struct findings *fs);

#endif
