/* Fuzzes the layer stream: codec sniffing, igzip/zstd inflate, the tar walk
 * through libarchive and the digest checks, on one in-memory layer blob. */
#include "image/walk.h"
#include "util/digest.h"
#include "util/err.h"

#include <stdint.h>
#include <string.h>

static const unsigned char *fuzz_data;
static size_t fuzz_len;

static int fuzz_open_blob(struct blob_reader **out, struct source *src, const char *digest,
                          int64_t size)
{
	return blob_reader_mem(out, fuzz_data, fuzz_len);
}

static int fuzz_file(void *ctx, const struct file_event *ev, bool *want)
{
	*want = ev->size < 4096;
	return 0;
}

static int fuzz_content(void *ctx, const struct file_event *ev, const void *data, size_t len)
{
	unsigned *sum = ctx;

	for (size_t i = 0; i < len; i++)
		*sum += ((const unsigned char *)data)[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct source_ops ops = {"fuzz", NULL, fuzz_open_blob, NULL};
	struct source src = {.ops = &ops, .display = (char *)"fuzz"};
	char digest[DIGEST_STR_LEN], diff_id[DIGEST_STR_LEN];
	struct limits lim;
	struct layer layer;
	struct image img;
	unsigned sum = 0;
	struct walk_sink sink = {.ctx = &sum, .file = fuzz_file, .content = fuzz_content};
	struct walk_opts opts = {.limits = &lim};

	limits_default(&lim);
	lim.total_bytes = 64 << 20; /* keep each input fast */
	lim.ratio = 50;
	fuzz_data = data;
	fuzz_len = size;
	sha256_digest(data, size, digest);
	/* if the input is an uncompressed tar, its diff_id is its digest */
	memcpy(diff_id, digest, sizeof(diff_id));
	memset(&layer, 0, sizeof(layer));
	memset(&img, 0, sizeof(img));
	layer.desc.digest = digest;
	layer.desc.size = (int64_t)size;
	layer.diff_id = diff_id;
	img.src = &src;
	src.limits = &lim;
	img.layers = &layer;
	img.n_layers = 1;
	layer_walk(&img, 0, &sink, &opts);
	err_clear();
	return 0;
}
