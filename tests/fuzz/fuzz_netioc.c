/* Network indicators from bytes: the input as one text stream, the same in
 * chunks whose sizes come from its first byte (the indicators must not
 * change), and as a binary (onion-only) stream, whole and in those chunks. */
#include "detect/netioc.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int collect(void *ctx, const struct ioc *ioc)
{
	struct buf *b = ctx;

	if (!ioc->value[0] || !ioc->host[0])
		abort();
	buf_addf(b, "%d %s %s %ld\n", (int)ioc->kind, ioc->value, ioc->host, ioc->line);
	return 0;
}

/* One stream fed in chunks, each in its own allocation (so reading past a
 * chunk is caught). */
static void feed_chunked(struct netioc *x, unsigned flags, const uint8_t *data, size_t size,
                         size_t chunk, struct buf *out)
{
	netioc_begin(x, flags, collect, out);
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		char *c = malloc(n);

		memcpy(c, data + off, n);
		netioc_feed(x, c, n);
		free(c);
	}
	netioc_end(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netioc *x = netioc_new();
	struct buf whole = BUF_INIT, parts = BUF_INIT;
	size_t chunk = size ? (size_t)data[0] % 17 + 1 : 1;

	netioc_scan(x, 0, (const char *)data, size, collect, &whole);
	feed_chunked(x, 0, data, size, chunk, &parts);
	/* chunking changes nothing for lines shorter than the line buffer */
	if (size < NETIOC_LINE_MAX && strcmp(buf_cstr(&whole), buf_cstr(&parts)))
		abort();
	buf_reset(&whole);
	buf_reset(&parts);
	netioc_scan(x, NETIOC_ONION_ONLY, (const char *)data, size, collect, &whole);
	feed_chunked(x, NETIOC_ONION_ONLY, data, size, chunk, &parts);
	/* nor does it for onion names */
	if (strcmp(buf_cstr(&whole), buf_cstr(&parts)))
		abort();
	buf_release(&whole);
	buf_release(&parts);
	netioc_free(x);
	return 0;
}
