/* The repository-metadata reader over arbitrary bytes (JSONL, API pages,
 * gzip): every line is either a repository with a namespace and a name or a
 * counted bad line, and every repository is classified without fault. */
#include "detect/imageless.h"
#include "source/hubmeta.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct imageless *il;
	static struct imageless_result res;
	struct hubmeta *h;
	const struct hub_repo *r;
	uint64_t lines, repos, bad, seen = 0;
	int rc;

	if (!il && imageless_new(&il))
		abort();
	hubmeta_open_mem(&h, "fuzz", (const char *)data, size, NULL, NULL);
	while ((rc = hubmeta_next(h, &r)) == 1) {
		if (!r->namespace_ || !*r->namespace_ || !r->name || !*r->name)
			abort();
		imageless_classify(&res, il, r, true);
		seen++;
	}
	hubmeta_counts(h, &lines, &repos, &bad);
	if (repos != seen)
		abort();
	hubmeta_free(h);
	return 0;
}
