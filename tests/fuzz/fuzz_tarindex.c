/* Fuzzes the archive member index used for docker-archive and oci-archive. */
#include "source/tarindex.h"
#include "util/err.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tarindex *t = NULL;

	if (!tarindex_parse_mem(&t, data, size)) {
		tarindex_find(t, "manifest.json");
		tarindex_find(t, "./index.json");
	}
	tarindex_free(t);
	err_clear();
	return 0;
}
