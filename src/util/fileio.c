#include "util/fileio.h"

#include <errno.h>
#include <unistd.h>

bool write_full(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return false;
		}
		c += w;
		n -= (size_t)w;
	}
	return true;
}
