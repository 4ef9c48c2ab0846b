/* Files shipped inside the binary: every rule pack (rules/NAME.yaml) and data
 * list (data/NAME) of the source tree, embedded at build time (scripts/gen-embed),
 * so a dredge binary needs nothing else on disk. */
#ifndef DREDGE_EMBED_H
#define DREDGE_EMBED_H

#include <stddef.h>

/* The contents of the embedded file at path ("data/official-images.txt"),
 * NUL-terminated, or NULL when there is none. Borrowed, static. */
const char *embed_get(const char *path, size_t *len);

/* Calls fn for every embedded file whose path starts with prefix, in build
 * order; stops and returns the first non-zero return of fn. */
int embed_each(const char *prefix,
               int (*fn)(void *ctx, const char *path, const char *data, size_t len), void *ctx);

#endif
