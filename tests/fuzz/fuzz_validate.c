/* Every secret validator over arbitrary bytes: the value is the input, the
 * context is the input too (validators must read only within both). */
#include "detect/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy without a terminator, so reading past the end is caught */
	char *v = malloc(size ? size : 1);

	if (!v)
		return 0;
	memcpy(v, data, size);
	for (size_t i = 0; validator_names[i]; i++) {
		validator_fn fn = validator_find(validator_names[i]);
		struct validation out;

		fn(&out, v, size, v, size);
	}
	(void)secret_is_placeholder(v, size);
	(void)secret_is_reference(v, size);
	free(v);
	return 0;
}
