#include "util/limits.h"
#include "util/err.h"
#include "util/strutil.h"

#include <stddef.h>
#include <string.h>

const char *const limits_names[] = {"manifest-bytes", "config-bytes", "layers",
                                    "entries",        "path-length",  "total-bytes",
                                    "ratio",          "json-depth",   NULL};

void limits_default(struct limits *l)
{
	l->manifest_bytes = DR_MAX_MANIFEST_BYTES;
	l->config_bytes = DR_MAX_CONFIG_BYTES;
	l->layers = DR_MAX_LAYERS;
	l->entries = DR_MAX_ENTRIES;
	l->path_len = DR_MAX_PATH;
	l->total_bytes = DR_MAX_TOTAL_BYTES;
	l->ratio = DR_MAX_RATIO;
	l->json_depth = DR_MAX_JSON_DEPTH;
}

int limits_set(struct limits *l, const char *assignment)
{
	uint64_t *slots[] = {&l->manifest_bytes, &l->config_bytes, &l->layers, &l->entries,
	                     &l->path_len,       &l->total_bytes,  &l->ratio,  &l->json_depth};
	const char *eq = strchr(assignment, '=');
	uint64_t v;

	if (!eq)
		return err_set(DR_EUSAGE, "limit '%s' is not NAME=VALUE", assignment);
	for (size_t i = 0; limits_names[i]; i++) {
		size_t n = strlen(limits_names[i]);

		if ((size_t)(eq - assignment) != n || strncmp(assignment, limits_names[i], n))
			continue;
		if (str_to_size(eq + 1, &v) || v == 0)
			return err_set(DR_EUSAGE, "limit '%s' needs a positive number", assignment);
		*slots[i] = v;
		return 0;
	}
	return err_set(DR_EUSAGE, "unknown limit '%.*s'", (int)(eq - assignment), assignment);
}
