/* An index of the regular files in an uncompressed tar (docker-archive and
 * oci-archive files), so that members can be read by name at their offset
 * without extracting anything. Handles ustar, GNU long names and pax path
 * records; every header's checksum is verified. */
#ifndef DREDGE_TARINDEX_H
#define DREDGE_TARINDEX_H

#include "source/source.h"

#include <stdint.h>

struct tar_member {
	char *name;      /* normalised: no leading "./" */
	uint64_t offset; /* of the data */
	uint64_t size;
};

struct tarindex {
	int fd;
	char *path;
	struct tar_member *v;
	size_t n, alloc;
};

/* Indexes the tar at path. DR_EFORMAT for a corrupt or compressed tar,
 * DR_ELIMIT past DR_MAX_ARCHIVE_ENTRIES members, DR_ENOTFOUND/DR_EIO when it
 * cannot be opened. */
int tarindex_open(struct tarindex **out, const char *path);
/* Indexes tar bytes already in memory (fuzzing); fd is -1. */
int tarindex_parse_mem(struct tarindex **out, const unsigned char *data, size_t len);
void tarindex_free(struct tarindex *t);
/* The member called name (leading "./" ignored), or NULL. */
const struct tar_member *tarindex_find(const struct tarindex *t, const char *name);
/* Reads a whole member of at most max bytes. */
int tarindex_read(struct buf *out, const struct tarindex *t, const struct tar_member *m,
                  size_t max);

/* A blob reader over a byte range of a file (fd is borrowed). */
int file_reader_open(struct blob_reader **out, int fd, uint64_t offset, uint64_t size);
/* A blob reader that owns the file at path. */
int file_reader_open_path(struct blob_reader **out, const char *path);

#endif
