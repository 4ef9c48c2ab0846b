/* Finding long runs of a byte class cheaply.
 *
 * A run of at least `min` (>= 15) bytes of a class holds at least
 * (min - 7) / 8 whole 8-byte blocks aligned to the buffer's start, one after
 * the other; so it holds one of the blocks that start at a multiple of
 * `step` = 8 * ((min - 7) / 8). classrun_next_block looks only at those
 * blocks, each with eight table lookups and no branch, and the caller
 * measures the run around a block whose bytes are all of the class: a text
 * costs about one lookup in four of its bytes for a 40-byte run, one in ten
 * for a 93-byte one. */
#ifndef DREDGE_CLASSRUN_H
#define DREDGE_CLASSRUN_H

#include <stdbool.h>
#include <stddef.h>

#define CLASSRUN_BLOCK 8 /* bytes of a block */

struct classrun {
	bool in[256]; /* the class */
	size_t min;   /* shortest run wanted, at least 15 */
	size_t step;  /* distance between the blocks looked at */
};

/* Sets up c for class in and runs of at least min (>= 15) bytes. */
void classrun_init(struct classrun *c, const bool in[256], size_t min);

/* The offset of the first block at or after `from` that starts at a
 * multiple of c->step, ends by len and holds only bytes of the class; len
 * when there is none. */
size_t classrun_next_block(const struct classrun *c, const unsigned char *p, size_t from,
                           size_t len);

#endif
