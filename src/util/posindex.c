#include "util/posindex.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

void pos_index_reset(struct pos_index *x)
{
	free(x->slot);
	memset(x, 0, sizeof(*x));
}

void pos_index_init(struct pos_index *x, size_t n)
{
	size_t slots = 16;

	while (slots < 4 * (n + 1))
		slots *= 2;
	pos_index_reset(x);
	x->slot = xcalloc(slots, sizeof(*x->slot));
	x->slots = slots;
}

size_t *pos_index_find(const struct pos_index *x, const void *base, size_t size, const void *key,
                       uint64_t h, pos_equal_fn equal)
{
	for (size_t i = h & (x->slots - 1);; i = (i + 1) & (x->slots - 1)) {
		size_t *s = &x->slot[i];

		if (!*s || equal((const char *)base + (*s - 1) * size, key))
			return s;
	}
}

void pos_index_sync(struct pos_index *x, const void *base, size_t size, size_t n, pos_hash_fn hash,
                    pos_equal_fn equal)
{
	if (x->indexed > n || 2 * (n + 1) > x->slots)
		pos_index_init(x, n);
	for (; x->indexed < n; x->indexed++) {
		const void *item = (const char *)base + x->indexed * size;

		*pos_index_find(x, base, size, item, hash(item), equal) = x->indexed + 1;
	}
}
