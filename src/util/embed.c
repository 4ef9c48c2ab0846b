#include "util/embed.h"

#include <stdint.h>
#include <string.h>

struct embed_entry {
	const char *path;
	const char *data;
	uint64_t len;
};

extern const struct embed_entry embed_table[];

const char *embed_get(const char *path, size_t *len)
{
	for (const struct embed_entry *e = embed_table; e->path; e++)
		if (!strcmp(e->path, path)) {
			if (len)
				*len = (size_t)e->len;
			return e->data;
		}
	return NULL;
}

int embed_each(const char *prefix,
               int (*fn)(void *ctx, const char *path, const char *data, size_t len), void *ctx)
{
	size_t n = strlen(prefix);

	for (const struct embed_entry *e = embed_table; e->path; e++) {
		int rc;

		if (strncmp(e->path, prefix, n))
			continue;
		rc = fn(ctx, e->path, e->data, (size_t)e->len);
		if (rc)
			return rc;
	}
	return 0;
}
