/* A hash index of the positions of an array's items, kept beside the array:
 * it finds an item equal to a key in constant time, which keeps merging many
 * findings, and many sightings of one, linear. slot[i] is 1 + a position, 0 a
 * free slot; slots is a power of two; the first `indexed` items are in it.
 * The array's owner resets it when items move or change their keys. */
#ifndef DREDGE_POSINDEX_H
#define DREDGE_POSINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pos_index {
	size_t *slot;
	size_t slots, indexed;
};

typedef uint64_t (*pos_hash_fn)(const void *item);
typedef bool (*pos_equal_fn)(const void *item, const void *key);

/* Frees the slots; the index is empty and indexes nothing. */
void pos_index_reset(struct pos_index *x);

/* Makes x index all n items (each size bytes) of base, with room for one
 * more: it is rebuilt when it holds more items than base has, or would be
 * over half full. Of equal items, the last is the one found. */
void pos_index_sync(struct pos_index *x, const void *base, size_t size, size_t n, pos_hash_fn hash,
                    pos_equal_fn equal);

/* An empty index with room for n items, for an owner that puts in only
 * some of its items (by setting the free slots pos_index_find returns). */
void pos_index_init(struct pos_index *x, size_t n);

/* The slot holding the position of an item of base equal to key (h is
 * key's hash), or the free slot where its position goes. */
size_t *pos_index_find(const struct pos_index *x, const void *base, size_t size, const void *key,
                       uint64_t h, pos_equal_fn equal);

#endif
