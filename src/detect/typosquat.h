/* Typosquatting: does a repository name imitate an official or popular
 * image?
 *
 * The references are the embedded lists data/official-images.txt,
 * data/popular-images.tsv and data/typosquat-names.tsv (aliases such as
 * "mongodb" for "mongo"); trusted publishers come from
 * data/typosquat-publishers.txt and the namespaces of popular-images.tsv.
 * typosquat_new precomputes every look-alike of every reference, so a check
 * is a handful of hash lookups whatever the size of the lists.
 *
 * Techniques, each naming the imitated target:
 *   omission, repetition, transposition, keyboard (QWERTY neighbour),
 *   homoglyph (0/o, 1/l/i, rn/m, vv/w, cl/d, 3/e, 4/a, 5/s, 7/t, 8/b, 9/g),
 *   separator ('-', '_', '.' or none), affix ("-official", "docker-", ...),
 *   namespace-impersonation ("libary/", "dockerofficial/", "bltnami/") and
 *   official-name-reuse (an official or popular name verbatim under an
 *   unrelated namespace: a weak signal, severity low; a popular name with a
 *   separator such as "node-exporter" is an ordinary name and not reported).
 * Typos are medium; homoglyphs, affixes that claim officialness and namespace
 * impersonation are high, and impersonating the library/docker namespace is
 * strong on its own.
 * Names of four characters or fewer are matched only by repetition,
 * transposition, homoglyph, separator and affix, never by omission or
 * keyboard replacement, which would turn "bash" into "hash". Ordinary words
 * that a transformation happens to produce are listed as "ignore" in
 * data/typosquat-names.tsv. */
#ifndef DREDGE_TYPOSQUAT_H
#define DREDGE_TYPOSQUAT_H

#include "detect/finding.h"

#include <stdbool.h>

struct typosquat;

/* Loads the embedded lists and builds the look-alike index. *out is the
 * caller's (typosquat_free); DR_EFORMAT when an embedded list is malformed. */
int typosquat_new(struct typosquat **out);
void typosquat_free(struct typosquat *t);

struct typosquat_hit {
	enum severity severity;
	bool strong;        /* strong on its own (namespace impersonation of library/docker) */
	char target[160];   /* the imitated name, e.g. "library/nginx" or "bitnami/redis" */
	char technique[48]; /* "omission", "homoglyph", "official-name-reuse", ... */
	char reason[256];   /* one human sentence */
};

/* Checks the repository ns/name (lower or upper case; ns NULL, "" or
 * "library" for an official image). Returns 1 with *out filled when it
 * imitates a reference, 0 when clean (out untouched), DR_EFORMAT when ns or
 * name is empty, too long or holds characters a repository name cannot.
 * t is only read: one instance may serve several threads at once. */
int typosquat_check(const struct typosquat *t, const char *ns, const char *name,
                    struct typosquat_hit *out);

/* Fills *out (finding_init: the caller releases it) with the finding for hit:
 * category typosquat, rule "typosquat-<technique>", the hit's severity and
 * strength, title the reason, evidence full_name ("someuser/liferay"),
 * location metadata field "name". */
void typosquat_finding(struct finding *out, const struct typosquat_hit *hit, const char *full_name);

#endif
