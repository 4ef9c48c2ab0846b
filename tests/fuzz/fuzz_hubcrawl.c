/* Fuzzes the crawler's parsers of server input and of its own checkpoint:
 * rate-limit headers, Retry-After values, next-link origins, checkpoints. */
#include "source/hubcrawl.h"
#include "util/err.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	struct hubcrawl_rate r;
	struct hubcrawl_ckpt c;
	char path[64];
	char *nl;
	int64_t wait;
	int fd;

	hubcrawl_rate_init(&r);
	for (const char *line = s; *line;) {
		size_t n = strcspn(line, "\n");

		hubcrawl_rate_header(&r, line, n, 1700000000);
		line += n + (line[n] == '\n');
	}
	hubcrawl_parse_retry_after(&wait, s, 1700000000);
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		hubcrawl_same_origin(s, nl + 1);
		*nl = '\n';
	}
	fd = memfd_create("ckpt", 0);
	if (fd >= 0) {
		if (write(fd, data, size) == (ssize_t)size) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			hubcrawl_ckpt_init(&c);
			hubcrawl_ckpt_read(&c, path);
			hubcrawl_ckpt_release(&c);
		}
		close(fd);
	}
	free(s);
	err_clear();
	return 0;
}
