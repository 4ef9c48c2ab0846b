#include "detect/classrun.h"

#include <string.h>

void classrun_init(struct classrun *c, const bool in[256], size_t min)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->in, in, sizeof(c->in));
	c->min = min;
	c->step = CLASSRUN_BLOCK * ((min - (CLASSRUN_BLOCK - 1)) / CLASSRUN_BLOCK);
}

size_t classrun_next_block(const struct classrun *c, const unsigned char *p, size_t from,
                           size_t len)
{
	const bool *in = c->in;
	size_t k = (from + c->step - 1) / c->step * c->step;

	for (; k + CLASSRUN_BLOCK <= len; k += c->step) {
		const unsigned char *b = p + k;

		/* & rather than &&: eight lookups, no branch to mispredict */
		if (in[b[0]] & in[b[1]] & in[b[2]] & in[b[3]] & in[b[4]] & in[b[5]] & in[b[6]] &
		    in[b[7]])
			return k;
	}
	return len;
}
