/* manifest_parse under every Content-Type it distinguishes, then platform
 * selection over whatever index came out. */
#include "image/manifest.h"
#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
	    NULL,         "application/json",  MT_OCI_INDEX, MT_DOCKER_LIST, MT_OCI_MANIFEST,
	    MT_DOCKER_V2, MT_DOCKER_V1_SIGNED,
	};
	static const struct platform wants[] = {
	    {"linux", "amd64", NULL},   {"linux", "arm64", NULL},     {"linux", "arm", "v6"},
	    {"windows", "amd64", NULL}, {"unknown", "unknown", NULL},
	};
	struct limits l;

	limits_default(&l);
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		struct manifest m;
		char name[128];

		if (manifest_parse(&m, (const char *)data, size, types[t], &l)) {
			if (!err_msg()[0])
				abort();
			continue;
		}
		if (!m.media_type)
			abort();
		for (size_t i = 0; i < m.n_manifests; i++) {
			index_entry_is_image(&m.manifests[i]);
			platform_format(&m.manifests[i].platform, name, sizeof(name));
		}
		for (size_t w = 0; w < sizeof(wants) / sizeof(wants[0]); w++) {
			const struct descriptor *d = index_select(&m, &wants[w]);

			if (d && !index_entry_is_image(d))
				abort();
		}
		manifest_release(&m);
	}
	return 0;
}
