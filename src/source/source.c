#include "source/source.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

int blob_read(struct blob_reader *r, void *buf, size_t cap, size_t *out_len)
{
	return r->read(r, buf, cap, out_len);
}

int blob_view(struct blob_reader *r, size_t cap, const unsigned char **data, size_t *out_len)
{
	*data = NULL;
	*out_len = 0;
	return r->view ? r->view(r, cap, data, out_len) : DR_EUNSUPPORTED;
}

void blob_unview(struct blob_reader *r, const unsigned char *data, size_t len)
{
	if (r->unview)
		r->unview(r, data, len);
}

void blob_reader_free(struct blob_reader *r)
{
	if (r)
		r->free(r);
}

struct mem_reader {
	struct blob_reader base;
	const unsigned char *data;
	size_t len, pos;
};

static int mem_read(struct blob_reader *r, void *buf, size_t cap, size_t *out_len)
{
	struct mem_reader *m = (struct mem_reader *)r;
	size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;

	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*out_len = n;
	return 0;
}

static void mem_free(struct blob_reader *r)
{
	free(r);
}

int blob_reader_mem(struct blob_reader **out, const void *data, size_t len)
{
	struct mem_reader *m = xcalloc(1, sizeof(*m));

	m->base.read = mem_read;
	m->base.free = mem_free;
	m->data = data;
	m->len = len;
	*out = &m->base;
	return 0;
}

int source_open(struct source **out, const struct image_ref *ref, const struct net_opts *net,
                const struct limits *limits)
{
	*out = NULL;
	switch (ref->transport) {
	case REF_DOCKER:
		return registry_source_open(out, ref, net, limits);
	case REF_OCI:
	case REF_OCI_ARCHIVE:
		return oci_source_open(out, ref, limits);
	case REF_DOCKER_ARCHIVE:
		return docker_archive_source_open(out, ref, limits);
	}
	return err_set(DR_EUSAGE, "unknown transport");
}

void source_free(struct source *src)
{
	if (src)
		src->ops->free(src);
}

static void ref_copy(struct image_ref *dst, const struct image_ref *src)
{
	*dst = *src;
	dst->registry = src->registry ? xstrdup(src->registry) : NULL;
	dst->repository = src->repository ? xstrdup(src->repository) : NULL;
	dst->tag = src->tag ? xstrdup(src->tag) : NULL;
	dst->digest = src->digest ? xstrdup(src->digest) : NULL;
	dst->path = src->path ? xstrdup(src->path) : NULL;
	dst->archive_ref = src->archive_ref ? xstrdup(src->archive_ref) : NULL;
}

void source__init(struct source *src, const struct source_ops *ops, const struct image_ref *ref,
                  const struct limits *limits)
{
	src->ops = ops;
	src->limits = limits;
	ref_copy(&src->ref, ref);
	src->display = ref_format(ref);
}

void source__release(struct source *src)
{
	ref_release(&src->ref);
	free(src->display);
	src->display = NULL;
}

int source_read_blob(struct buf *out, struct source *src, const char *digest, int64_t size,
                     size_t max, const char *what)
{
	struct blob_reader *r = NULL;
	char got[DIGEST_STR_LEN];
	char chunk[65536];
	size_t n;
	int rc;

	buf_init(out, max);
	rc = src->ops->open_blob(&r, src, digest, size);
	if (rc)
		goto done;
	for (;;) {
		rc = blob_read(r, chunk, sizeof(chunk), &n);
		if (rc || n == 0)
			break;
		rc = buf_add(out, chunk, n);
		if (rc) {
			rc = err_set(DR_ELIMIT, "%s '%s' is larger than the limit of %zu bytes",
			             what, digest, max);
			break;
		}
	}
	if (rc)
		goto done;
	sha256_digest(out->ptr ? out->ptr : "", out->len, got);
	if (strcmp(got, digest) != 0) {
		rc = err_set(DR_EDIGEST, "%s '%s': digest mismatch: content hashes to '%s'", what,
		             digest, got);
		goto done;
	}
	if (size >= 0 && (uint64_t)size != out->len)
		rc = err_set(DR_EDIGEST, "%s '%s': size mismatch: descriptor says %lld, got %zu",
		             what, digest, (long long)size, out->len);
done:
	blob_reader_free(r);
	if (rc)
		buf_release(out);
	return rc;
}
