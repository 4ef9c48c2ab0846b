/* The layer stream: blob → sha256 → inflate (igzip, zstd or none) → sha256
 * → tar entries (libarchive fed by a read callback) → file events. No temp
 * files; memory is bounded by a small ring of chunks. Decompression runs on
 * its own thread while this one hashes and walks.
 *
 * A walk succeeds only when the blob digest, the blob size and the diff_id
 * all verify; events delivered before a failure must be treated as
 * untrusted by the caller (the result is an error, never a partial pass). */
#ifndef DREDGE_WALK_H
#define DREDGE_WALK_H

#include "image/image.h"

#include <stdbool.h>
#include <stdint.h>

enum file_type {
	FT_REG,
	FT_DIR,
	FT_SYMLINK,
	FT_HARDLINK,
	FT_CHR,
	FT_BLK,
	FT_FIFO,
	FT_SOCK,
	FT_OTHER,
};

const char *file_type_name(enum file_type t); /* "reg", "dir", "symlink", … */

struct walk_pool; /* a layer's buffers */

struct file_event {
	const char *path;     /* normalised: no leading "./" or "/"; for a
	                         whiteout, the path it deletes */
	const char *raw_path; /* as stored in the tar */
	enum file_type type;
	uint32_t mode; /* permission bits with setuid/setgid/sticky */
	int64_t uid, gid;
	uint64_t size;           /* content bytes (regular files) */
	const char *link_target; /* symlink or hardlink target, else NULL */
	int64_t mtime;
	uint32_t rdev_major, rdev_minor;
	bool whiteout;    /* ".wh.name": path is deleted */
	bool opaque;      /* ".wh..wh..opq": path (a dir) is emptied */
	bool unsafe_path; /* absolute or with a ".." component */
	bool non_utf8;    /* path is not valid UTF-8 */
	size_t layer_index;
	const char *layer_digest;
	struct walk_pool *pool; /* the layer's buffers, for walk_hold */
};

struct walk_sink {
	void *ctx;
	/* Each callback may be NULL. A negative return fails the walk with
	 * that code; DR_ESTOP ends it early without error (the remaining
	 * bytes are still read and verified). */
	int (*layer_begin)(void *ctx, const struct image *img, size_t index);
	/* Set *want_content to get the bytes of a regular file. */
	int (*file)(void *ctx, const struct file_event *ev, bool *want_content);
	int (*content)(void *ctx, const struct file_event *ev, const void *data, size_t len);
	int (*file_end)(void *ctx, const struct file_event *ev);
	/* Called once after the layer's last entry callback whenever
	 * layer_begin succeeded, whatever the outcome (also after a failed
	 * callback or a malformed tar), before the rest of the blob is drained
	 * and the digests are checked. A sink that holds content (walk_hold)
	 * releases it all before returning; a negative return fails the walk
	 * like the other callbacks. */
	int (*entries_end)(void *ctx, size_t index);
	/* Called after the layer's digests verified. */
	int (*layer_end)(void *ctx, const struct image *img, size_t index);
};

struct walk_progress {
	size_t layer, n_layers;
	uint64_t compressed, compressed_total; /* bytes of this blob; total -1 unknown */
	uint64_t uncompressed;
	uint64_t entries;
	bool done; /* last call for this layer */
};

#define WALK_BUFFERS_DEFAULT 12 /* 1 MiB buffers between the threads of a walk */
#define WALK_BUFFERS_MIN     4  /* the inflater holds two, the walker and hasher one each */
#define WALK_BUFFERS_MAX     48

struct walk_opts {
	const struct limits *limits;
	/* Buffers the inflater may fill ahead of the walker (0: the default;
	 * clamped to [WALK_BUFFERS_MIN, WALK_BUFFERS_MAX]). A consumer whose
	 * cost per byte varies along the layer (a scan: text costs more than
	 * binaries) wants more, so that the inflater builds a backlog while the
	 * consumer is slow and the consumer draws on it where it is fast. */
	size_t buffers;
	void (*progress)(void *ctx, const struct walk_progress *p); /* may be NULL */
	void *progress_ctx;
};

/* The bytes a content callback gets are valid only for the call. A sink that
 * hands them to another thread keeps them with walk_hold(ev->pool, data):
 * when data lies in one of the layer's buffers, that buffer is kept (not
 * copied) and its number returned, to be given back with walk_release from
 * any thread; -1 when data lies elsewhere (the caller copies it). Kept
 * buffers count against the layer's buffers: the inflater waits for them. */
int walk_hold(struct walk_pool *pool, const void *data);
void walk_release(struct walk_pool *pool, int held);

/* Walks layer i of img, filling img->layers[i] statistics. */
int layer_walk(struct image *img, size_t i, const struct walk_sink *sink,
               const struct walk_opts *opts);
/* Walks every layer in order, enforcing limits->total_bytes over the image. */
int image_walk(struct image *img, const struct walk_sink *sink, const struct walk_opts *opts);

#endif
