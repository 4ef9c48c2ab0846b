#include "detect/fsview.h"

#include "util/mem.h"
#include "util/strutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fsv_op {
	uint32_t layer;
	uint32_t op;
};

struct fsv_entry {
	char *path; /* NULL: empty slot */
	size_t len;
	uint64_t hash;
	struct fsv_op first; /* most paths see one operation */
	struct fsv_op *more;
	size_t n_more, alloc_more;
};

struct fsview {
	struct fsv_entry *slots;
	size_t cap; /* power of two */
	size_t n;
};

struct fsview *fsview_new(void)
{
	struct fsview *v = xcalloc(1, sizeof(*v));

	v->cap = 1024;
	v->slots = xcalloc(v->cap, sizeof(*v->slots));
	return v;
}

void fsview_free(struct fsview *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->cap; i++) {
		free(v->slots[i].path);
		free(v->slots[i].more);
	}
	free(v->slots);
	free(v);
}

static struct fsv_entry *fsv_find(const struct fsview *v, const char *path, size_t len, uint64_t h)
{
	size_t mask = v->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct fsv_entry *e = &v->slots[i];

		if (!e->path)
			return e;
		if (e->hash == h && e->len == len && !memcmp(e->path, path, len))
			return e;
	}
}

static void fsv_grow(struct fsview *v)
{
	struct fsv_entry *old = v->slots;
	size_t old_cap = v->cap;

	v->cap *= 2;
	v->slots = xcalloc(v->cap, sizeof(*v->slots));
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].path)
			*fsv_find(v, old[i].path, old[i].len, old[i].hash) = old[i];
	free(old);
}

void fsview_record(struct fsview *v, size_t layer, const char *path, enum fsview_op op)
{
	size_t len = strlen(path);
	uint64_t h;
	struct fsv_entry *e;
	struct fsv_op o = {(uint32_t)layer, (uint32_t)op};

	while (len > 1 && path[len - 1] == '/')
		len--;
	h = str_hash(STR_HASH_SEED, path, len);
	if ((v->n + 1) * 4 > v->cap * 3)
		fsv_grow(v);
	e = fsv_find(v, path, len, h);
	if (!e->path) {
		e->path = xstrndup(path, len);
		e->len = len;
		e->hash = h;
		e->first = o;
		v->n++;
		return;
	}
	XGROW(e->more, e->alloc_more, e->n_more + 1);
	e->more[e->n_more++] = o;
}

/* True when entry e has an operation after layer that counts: any at all
 * for the path itself, only deleting ones for an ancestor. */
static bool fsv_later(const struct fsv_entry *e, size_t layer, bool ancestor)
{
	for (size_t i = 0; i <= e->n_more; i++) {
		const struct fsv_op *o = i ? &e->more[i - 1] : &e->first;

		if (o->layer <= layer)
			continue;
		if (!ancestor || o->op != FSV_WRITE_DIR)
			return true;
	}
	return false;
}

bool fsview_removed(const struct fsview *v, size_t layer, const char *path)
{
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	for (bool ancestor = false; len > 0; ancestor = true) {
		const struct fsv_entry *e =
		    fsv_find(v, path, len, str_hash(STR_HASH_SEED, path, len));

		if (e->path && fsv_later(e, layer, ancestor))
			return true;
		while (len > 0 && path[len - 1] != '/')
			len--;
		while (len > 0 && path[len - 1] == '/')
			len--;
	}
	return false;
}

size_t fsview_paths(const struct fsview *v)
{
	return v->n;
}
