/* Where images come from: a registry, a docker-archive, an OCI layout or an
 * OCI archive, behind one contract.
 *
 * A source hands out manifest documents (exact bytes) and blob streams. It
 * does not verify blobs: the layer stream and source_read_blob do, so that
 * every path through dredge checks every digest in one place. */
#ifndef DREDGE_SOURCE_H
#define DREDGE_SOURCE_H

#include "image/ref.h"
#include "util/buf.h"
#include "util/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A pull stream of blob bytes. */
struct blob_reader {
	/* Reads up to cap bytes into buf; *out_len == 0 means end of blob.
	 * A registry reader resumes dropped connections itself (Range). */
	int (*read)(struct blob_reader *r, void *buf, size_t cap, size_t *out_len);
	void (*free)(struct blob_reader *r);
	/* Optional: lends up to cap of the next bytes where they already lie
	 * (a file's pages), instead of copying them; valid until unview or the
	 * reader's free. DR_EUNSUPPORTED when this reader cannot, for now and
	 * for good: read is used instead. */
	int (*view)(struct blob_reader *r, size_t cap, const unsigned char **data, size_t *out_len);
	/* Gives back bytes view lent. */
	void (*unview)(struct blob_reader *r, const unsigned char *data, size_t len);
};

int blob_read(struct blob_reader *r, void *buf, size_t cap, size_t *out_len);
/* view, or DR_EUNSUPPORTED for a reader without it. */
int blob_view(struct blob_reader *r, size_t cap, const unsigned char **data, size_t *out_len);
void blob_unview(struct blob_reader *r, const unsigned char *data, size_t len);
void blob_reader_free(struct blob_reader *r);
/* A reader over bytes in memory (borrowed; they must outlive the reader). */
int blob_reader_mem(struct blob_reader **out, const void *data, size_t len);

/* Options for registry access. Zeroed means defaults. */
struct net_opts {
	const char *creds;         /* "user:password" for every registry, or NULL */
	const char *docker_config; /* config.json path; NULL: $DOCKER_CONFIG or ~/.docker */
	bool insecure;             /* plain http allowed, TLS not verified */
	const char *ca_file;       /* extra CA bundle (PEM) */
	long timeout_s;            /* bound on one request with its retries; 0: 600 */
	long stall_s;              /* abort a transfer idle this long; 0: 30 */
	int retries;               /* attempts after the first; 0: 5 (-1: none) */
	const char *hub_api;       /* unused by sources; kept by callers */
};

struct source;

struct source_ops {
	const char *name; /* "docker", "docker-archive", "oci", "oci-archive" */
	/* The manifest or index called reference (a tag, a digest, or NULL for
	 * the one the image reference names). Writes the exact bytes to out
	 * (capped by limits->manifest_bytes) and the media type to *media_type
	 * (caller frees; may be NULL when unknown). *synthetic is set when the
	 * document was made up by the source (docker-archive, or an OCI
	 * index.json) and so has no digest of its own. */
	int (*get_manifest)(struct source *src, const char *reference, struct buf *out,
	                    char **media_type, bool *synthetic);
	/* Opens a blob; size is the descriptor's (-1 unknown). */
	int (*open_blob)(struct blob_reader **out, struct source *src, const char *digest,
	                 int64_t size);
	void (*free)(struct source *src);
};

struct source {
	const struct source_ops *ops;
	const struct limits *limits; /* borrowed */
	struct image_ref ref;        /* owned copy of the parsed reference */
	char *display;               /* ref_format() of it */
};

/* Opens the source for ref (copied). limits and net are borrowed and must
 * outlive the source. */
int source_open(struct source **out, const struct image_ref *ref, const struct net_opts *net,
                const struct limits *limits);
void source_free(struct source *src);

/* Reads a whole blob of at most max bytes into out and verifies its digest
 * (and size when size >= 0): DR_EDIGEST names the blob and both digests. */
int source_read_blob(struct buf *out, struct source *src, const char *digest, int64_t size,
                     size_t max, const char *what);

/* Constructors, one per transport (source.c dispatches). */
int registry_source_open(struct source **out, const struct image_ref *ref,
                         const struct net_opts *net, const struct limits *limits);
int oci_source_open(struct source **out, const struct image_ref *ref, const struct limits *limits);
int docker_archive_source_open(struct source **out, const struct image_ref *ref,
                               const struct limits *limits);

/* Sets the common fields of a freshly allocated source. */
void source__init(struct source *src, const struct source_ops *ops, const struct image_ref *ref,
                  const struct limits *limits);
/* Releases the common fields (for ops->free implementations). */
void source__release(struct source *src);

#endif
