/* Feeds files through netioc as the netioc analyzer does (text files whole,
 * binaries in onion-only mode, 64 KiB chunks, the analyzer's byte caps) and
 * prints every indicator found, then the CPU time netioc took on stderr.
 * Usage: netioc-bench < list-of-paths */
#include "detect/netioc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK       (64 * 1024)
#define SNIFF_BYTES 512

static const char *const kinds[] = {"url", "host", "ipv4", "ipv6", "email", "onion"};

struct cur {
	const char *path;
	size_t found;
};

static int on_ioc(void *ctx, const struct ioc *ioc)
{
	struct cur *c = ctx;

	c->found++;
	printf("%s\t%ld\t%s\t%s\t%s\t%s\n", c->path, ioc->line, kinds[ioc->kind], ioc->value,
	       ioc->host, ioc->domain ? ioc->domain : "-");
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	static char data[CHUNK];
	char path[4096];
	struct netioc *x = netioc_new();
	double t_text = 0, t_bin = 0;
	unsigned long long b_text = 0, b_bin = 0;
	size_t found = 0;

	while (fgets(path, sizeof(path), stdin)) {
		struct cur c = {path, 0};
		unsigned long long seen = 0, max = 0;
		bool binary = false, first = true;
		double t0, dt = 0;
		FILE *f;
		size_t n;

		path[strcspn(path, "\n")] = '\0';
		if (!(f = fopen(path, "rb")))
			continue;
		while ((n = fread(data, 1, sizeof(data), f)) > 0) {
			if (first) {
				size_t k = n < SNIFF_BYTES ? n : SNIFF_BYTES;

				binary = (n >= 4 && !memcmp(data,
				                            "\x7f"
				                            "ELF",
				                            4)) ||
				         memchr(data, '\0', k) != NULL;
				max = binary ? NETIOC_BINARY_MAX : NETIOC_TEXT_MAX;
				t0 = now();
				netioc_begin(x, binary ? NETIOC_ONION_ONLY : 0, on_ioc, &c);
				dt += now() - t0;
				first = false;
			}
			if (seen >= max)
				break;
			if (n > max - seen)
				n = (size_t)(max - seen);
			seen += n;
			t0 = now();
			netioc_feed(x, data, n);
			dt += now() - t0;
		}
		fclose(f);
		if (first)
			continue;
		t0 = now();
		netioc_end(x);
		dt += now() - t0;
		found += c.found;
		if (binary) {
			t_bin += dt;
			b_bin += seen;
		} else {
			t_text += dt;
			b_text += seen;
		}
	}
	fprintf(stderr,
	        "text   %8.1f MB in %6.3f s cpu: %8.1f MB/s\n"
	        "binary %8.1f MB in %6.3f s cpu: %8.1f MB/s\n"
	        "all    %8.1f MB in %6.3f s cpu: %8.1f MB/s, %zu indicators\n",
	        b_text / 1e6, t_text, b_text / 1e6 / t_text, b_bin / 1e6, t_bin,
	        b_bin / 1e6 / t_bin, (b_text + b_bin) / 1e6, t_text + t_bin,
	        (b_text + b_bin) / 1e6 / (t_text + t_bin), found);
	netioc_free(x);
	return 0;
}
