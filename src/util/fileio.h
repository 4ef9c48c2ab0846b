/* Small POSIX file helpers. */
#ifndef DREDGE_FILEIO_H
#define DREDGE_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

/* Writes all n bytes to fd, retrying short writes and EINTR; false with
 * errno set on failure. */
bool write_full(int fd, const void *p, size_t n);

#endif
