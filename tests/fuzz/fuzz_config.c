/* config_parse, the Dockerfile reconstructed from its history and the
 * history lookup per layer; the bytes are also fed to history_instruction
 * and platform_parse as text. */
#include "image/manifest.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_config c;
	struct limits l;
	struct platform p;
	char *s = malloc(size + 1);
	char *instr;

	memcpy(s, data, size);
	s[size] = '\0';
	instr = history_instruction(s);
	if (!instr[0])
		abort();
	free(instr);
	if (platform_parse(&p, s) == 0)
		platform_release(&p);
	free(s);

	limits_default(&l);
	if (config_parse(&c, (const char *)data, size, &l) == 0) {
		struct buf b = BUF_INIT;

		if (config_dockerfile(&b, &c))
			abort();
		for (size_t i = 0; i <= c.diff_ids.n; i++) {
			const struct history_entry *h = config_layer_history(&c, i);

			if (h && (h->empty_layer || h->layer != (long)i))
				abort();
		}
		for (size_t i = 0; i < c.n_history; i++)
			if (!c.history[i].instruction)
				abort();
		buf_release(&b);
		config_release(&c);
	} else if (!err_msg()[0]) {
		abort();
	}
	return 0;
}
