/* An image resolved from a source: the manifest chosen for a platform, its
 * verified config, and its layers, ready to be walked. */
#ifndef DREDGE_IMAGE_H
#define DREDGE_IMAGE_H

#include "image/manifest.h"
#include "source/source.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct layer {
	struct descriptor desc;              /* media type, blob digest, compressed size */
	const char *diff_id;                 /* borrowed from config.diff_ids */
	const struct history_entry *history; /* borrowed; NULL when unknown */
	/* Filled by a walk. */
	bool walked; /* digests verified, every entry read */
	uint64_t compressed_bytes;
	uint64_t uncompressed_bytes;
	uint64_t entries;   /* tar entries, whiteouts included */
	uint64_t files;     /* regular files */
	uint64_t whiteouts; /* .wh.* entries and opaque markers */
	double seconds;
};

struct image {
	struct source *src;    /* borrowed */
	char *manifest_digest; /* NULL for a synthetic manifest */
	char *manifest_media_type;
	char *index_digest;       /* the index it was chosen from, or NULL */
	struct platform platform; /* from the index entry, else the config */
	char *config_digest;
	int64_t config_size;
	char *config_json; /* exact config bytes (NUL-terminated) */
	size_t config_len;
	struct image_config config;
	struct layer *layers;
	size_t n_layers;
};

/* Resolves the image the source's reference names. With an index, picks
 * want (linux/amd64 when want is NULL); with all, every platform image.
 * Verifies: a manifest requested by digest hashes to that digest; the
 * config hashes to its descriptor; the config has one diff_id per layer.
 * *out is an array of *n_out images (one unless all), each freed with
 * image_free, the array with free(). */
int image_open(struct image ***out, size_t *n_out, struct source *src, const struct platform *want,
               bool all);
void image_free(struct image *img);

#endif
