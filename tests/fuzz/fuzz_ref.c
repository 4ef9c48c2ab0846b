/* ref_parse over arbitrary text: every parse either fails with a message or
 * yields a reference whose canonical form parses to the same canonical form. */
#include "image/ref.h"
#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct image_ref r, again;
	char *f = NULL, *g = NULL, *pinned = NULL;

	memcpy(s, data, size);
	s[size] = '\0';
	if (ref_parse(&r, s)) {
		if (!err_msg()[0])
			abort();
		free(s);
		return 0;
	}
	f = ref_format(&r);
	pinned = ref_format_digest(
	    &r, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	if (ref_parse(&again, f) == 0) {
		g = ref_format(&again);
		if (strcmp(f, g))
			abort();
		ref_release(&again);
	} else if (r.transport == REF_DOCKER) {
		/* a registry reference always re-parses */
		abort();
	}
	free(g);
	free(pinned);
	free(f);
	ref_release(&r);
	free(s);
	return 0;
}
