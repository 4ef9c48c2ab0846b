/* A threat feed (intel_load_text, category from its header or forced), the
 * lookups on what it loaded, and the same bytes as a URL to normalise. */
#include "intel/intel.h"
#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intel_set *s = intel_new_empty();
	char norm[INTEL_URL_MAX], *text = malloc(size + 1);
	unsigned char a4[4] = {45, 9, 148, 117}, a6[16] = {0x2a, 0x0e, 0x1c, 0x80};

	memcpy(text, data, size);
	text[size] = '\0';
	intel_load_text(s, "fuzz", -1, (const char *)data, size);
	intel_load_text(s, "fuzz2", CAT_MALICIOUS_HOST, (const char *)data, size);
	intel_match_ip(s, a4, false, NULL);
	intel_match_ip(s, a6, true, NULL);
	intel_match_host(s, text, NULL);
	intel_match_host(s, "a.b.example.org", NULL);
	intel_match_url(s, text, NULL);
	intel_match_sha256(s, text, NULL);
	if (intel_url_normalize(norm, sizeof(norm), text, size) == 0 &&
	    strlen(norm) >= sizeof(norm))
		abort();
	err_clear();
	intel_free(s);
	free(text);
	return 0;
}
