/* The image's file system as its layers change it: which paths each layer
 * writes, deletes (whiteouts) or empties (opaque directories), so that a
 * finding in a file of layer i can be told apart from one a later layer
 * removed or replaced ("removed-in-later-layer": the bytes are still in the
 * image, only hidden from a running container).
 *
 * Paths are normalised image paths ("usr/bin/x", no leading slash), as in
 * walk.h file events. Memory grows with the number of distinct paths. */
#ifndef DREDGE_FSVIEW_H
#define DREDGE_FSVIEW_H

#include <stdbool.h>
#include <stddef.h>

enum fsview_op {
	FSV_WRITE_DIR,  /* a directory entry (keeps what lower layers put in it) */
	FSV_WRITE_FILE, /* any non-directory entry: replaces the path */
	FSV_WHITEOUT,   /* ".wh.name": the path and everything under it is deleted */
	FSV_OPAQUE,     /* ".wh..wh..opq": the directory's lower contents are hidden */
};

struct fsview;

struct fsview *fsview_new(void);
void fsview_free(struct fsview *v);

/* Records that layer `layer` did op on path. Layers are recorded in any
 * order; queries look at all of them. */
void fsview_record(struct fsview *v, size_t layer, const char *path, enum fsview_op op);

/* True when a layer after `layer` deletes or replaces path or one of its
 * ancestors: writes path again, whiteouts path or an ancestor, marks an
 * ancestor opaque, or puts a non-directory where an ancestor directory was. */
bool fsview_removed(const struct fsview *v, size_t layer, const char *path);

/* The number of distinct paths recorded. */
size_t fsview_paths(const struct fsview *v);

#endif
