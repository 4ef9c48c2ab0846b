/* Link extraction over arbitrary Markdown/HTML/text: every link found has a
 * host and a registrable domain, and a target no longer than the limit. */
#include "detect/links.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct linker *lk;
	struct links ls = LINKS_INIT;

	if (!lk && linker_new(&lk))
		abort();
	links_extract(&ls, lk, (const char *)data, size);
	if (ls.n > LINKS_MAX)
		abort();
	for (size_t i = 0; i < ls.n; i++) {
		const struct link *l = &ls.v[i];

		if (!l->host[0] || !l->domain[0] || strlen(l->target) >= LINKS_MAX_URL ||
		    l->hops > LINKS_MAX_HOPS)
			abort();
	}
	links_release(&ls);
	return 0;
}
