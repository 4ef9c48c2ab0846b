/* oci:DIR[:TAG] and oci-archive:FILE[:TAG] — an OCI image layout in a
 * directory or inside an uncompressed tar. */
#include "image/manifest.h"
#include "source/source.h"
#include "source/tarindex.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/jx.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct oci_source {
	struct source base;
	char *dir;            /* oci: */
	struct tarindex *tar; /* oci-archive: */
	struct buf index;     /* index.json bytes */
	struct manifest index_doc;
};

static int read_dir_file(struct buf *out, const char *dir, const char *rel, size_t max)
{
	struct buf path = BUF_INIT;
	char chunk[65536];
	int fd = -1, rc = 0;
	ssize_t n;

	buf_init(out, max);
	buf_addf(&path, "%s/%s", dir, rel);
	fd = open(path.ptr, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO, "cannot open '%s': %s",
		             path.ptr, strerror(errno));
		goto done;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_set(DR_EIO, "cannot read '%s': %s", path.ptr, strerror(errno));
			goto done;
		}
		if ((rc = buf_add(out, chunk, (size_t)n))) {
			rc = err_set(DR_ELIMIT, "'%s' is larger than %zu bytes", path.ptr, max);
			goto done;
		}
	}
done:
	if (fd >= 0)
		close(fd);
	buf_release(&path);
	if (rc)
		buf_release(out);
	return rc;
}

static int oci_read_file(struct buf *out, struct oci_source *s, const char *rel, size_t max)
{
	const struct tar_member *m;

	if (s->dir)
		return read_dir_file(out, s->dir, rel, max);
	m = tarindex_find(s->tar, rel);
	if (!m)
		return err_set(DR_ENOTFOUND, "'%s' not found in '%s'", rel, s->tar->path);
	return tarindex_read(out, s->tar, m, max);
}

static int oci_open_blob(struct blob_reader **out, struct source *src, const char *digest,
                         int64_t size)
{
	struct oci_source *s = (struct oci_source *)src;
	struct buf rel = BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = digest_check(digest)))
		return rc;
	buf_addf(&rel, "blobs/sha256/%s", digest_hex(digest));
	if (s->dir) {
		struct buf path = BUF_INIT;

		buf_addf(&path, "%s/%s", s->dir, rel.ptr);
		rc = file_reader_open_path(out, path.ptr);
		buf_release(&path);
	} else {
		const struct tar_member *m = tarindex_find(s->tar, rel.ptr);

		rc = m ? file_reader_open(out, s->tar->fd, m->offset, m->size) : DR_ENOTFOUND;
	}
	if (rc == DR_ENOTFOUND)
		rc = err_set(DR_ENOTFOUND, "blob '%s' not found in '%s'", digest, src->display);
	buf_release(&rel);
	return rc;
}

static const struct descriptor *find_by_digest(const struct manifest *idx, const char *digest)
{
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (!strcmp(idx->manifests[i].digest, digest))
			return &idx->manifests[i];
	return NULL;
}

static void list_tags(struct buf *out, const struct manifest *idx)
{
	size_t shown = 0;

	for (size_t i = 0; i < idx->n_manifests; i++) {
		if (!idx->manifests[i].ref_name)
			continue;
		buf_addf(out, "%s'%s'", shown++ ? ", " : "", idx->manifests[i].ref_name);
	}
	if (!shown)
		buf_adds(out, "no tags");
}

static int oci_get_manifest(struct source *src, const char *reference, struct buf *out,
                            char **media_type, bool *synthetic)
{
	struct oci_source *s = (struct oci_source *)src;
	const struct manifest *idx = &s->index_doc;
	const struct descriptor *d = NULL;
	const char *tag = reference ? reference : src->ref.archive_ref;
	struct buf tags = BUF_INIT;
	int rc = 0;

	*media_type = NULL;
	*synthetic = false;
	if (tag && str_starts(tag, "sha256:")) {
		/* a manifest by digest: any blob of the layout */
		d = find_by_digest(idx, tag);
		rc = source_read_blob(out, src, tag, d ? d->size : -1,
		                      (size_t)src->limits->manifest_bytes, "manifest");
		if (!rc && d && d->media_type)
			*media_type = xstrdup(d->media_type);
		return rc;
	}
	if (tag) {
		for (size_t i = 0; i < idx->n_manifests; i++) {
			const char *name = idx->manifests[i].ref_name;

			if (name && !strcmp(name, tag)) {
				if (d) {
					rc = err_set(DR_EFORMAT, "'%s' has two images tagged '%s'",
					             src->display, tag);
					goto done;
				}
				d = &idx->manifests[i];
			}
		}
		if (!d) {
			list_tags(&tags, idx);
			rc = err_set(DR_ENOTFOUND, "no image tagged '%s' in '%s' (it has %s)", tag,
			             s->dir ? s->dir : s->tar->path, tags.ptr);
			goto done;
		}
	} else if (idx->n_manifests == 1) {
		d = &idx->manifests[0];
	} else if (idx->n_manifests == 0) {
		rc = err_set(DR_ENOTFOUND, "'%s' holds no image", src->display);
		goto done;
	} else {
		bool platforms = true;

		for (size_t i = 0; i < idx->n_manifests; i++)
			platforms = platforms && idx->manifests[i].platform.os;
		if (platforms) {
			/* index.json is itself a multi-platform index */
			*synthetic = true;
			*media_type = xstrdup(MT_OCI_INDEX);
			buf_init(out, 0);
			rc = buf_add(out, s->index.ptr, s->index.len);
			goto done;
		}
		list_tags(&tags, idx);
		rc = err_set(DR_EUSAGE, "'%s' holds %zu images; name one as %s:TAG (%s)",
		             src->display, idx->n_manifests,
		             s->dir ? "oci:DIR" : "oci-archive:FILE", tags.ptr);
		goto done;
	}
	rc = source_read_blob(out, src, d->digest, d->size, (size_t)src->limits->manifest_bytes,
	                      "manifest");
	if (!rc && d->media_type)
		*media_type = xstrdup(d->media_type);
done:
	buf_release(&tags);
	return rc;
}

static void oci_free(struct source *src)
{
	struct oci_source *s = (struct oci_source *)src;

	if (!s)
		return;
	free(s->dir);
	tarindex_free(s->tar);
	buf_release(&s->index);
	manifest_release(&s->index_doc);
	source__release(src);
	free(s);
}

static const struct source_ops oci_ops = {"oci", oci_get_manifest, oci_open_blob, oci_free};
static const struct source_ops oci_archive_ops = {"oci-archive", oci_get_manifest, oci_open_blob,
                                                  oci_free};

int oci_source_open(struct source **out, const struct image_ref *ref, const struct limits *limits)
{
	struct oci_source *s = xcalloc(1, sizeof(*s));
	struct buf layout = BUF_INIT;
	json_t *j = NULL;
	bool parsed = false;
	int rc;

	*out = NULL;
	source__init(&s->base, ref->transport == REF_OCI ? &oci_ops : &oci_archive_ops, ref,
	             limits);
	if (ref->transport == REF_OCI) {
		struct stat st;

		if (stat(ref->path, &st) || !S_ISDIR(st.st_mode)) {
			rc = err_set(DR_ENOTFOUND, "'%s' is not a directory", ref->path);
			goto fail;
		}
		s->dir = xstrdup(ref->path);
	} else if ((rc = tarindex_open(&s->tar, ref->path))) {
		goto fail;
	}
	rc = oci_read_file(&layout, s, "oci-layout", DR_MAX_SMALL_FILE);
	if (rc == DR_ENOTFOUND)
		rc = err_set(DR_EFORMAT, "'%s' is not an OCI layout (no oci-layout file)",
		             ref->path);
	if (rc)
		goto fail;
	rc = jx_parse(&j, layout.ptr, layout.len, limits->json_depth, "oci-layout");
	if (rc)
		goto fail;
	if (!jx_str(j, "imageLayoutVersion")) {
		rc = err_set(DR_EFORMAT, "'%s': oci-layout has no imageLayoutVersion", ref->path);
		goto fail;
	}
	rc = oci_read_file(&s->index, s, "index.json", (size_t)limits->manifest_bytes);
	if (rc)
		goto fail;
	rc = manifest_parse(&s->index_doc, s->index.ptr, s->index.len, MT_OCI_INDEX, limits);
	if (rc) {
		err_wrap(rc, "'%s': index.json", ref->path);
		goto fail;
	}
	parsed = true;
	if (s->index_doc.kind != MANIFEST_INDEX) {
		rc = err_set(DR_EFORMAT, "'%s': index.json is not an image index", ref->path);
		goto fail;
	}
	json_decref(j);
	buf_release(&layout);
	*out = &s->base;
	return 0;
fail:
	json_decref(j);
	buf_release(&layout);
	if (!parsed)
		memset(&s->index_doc, 0, sizeof(s->index_doc));
	oci_free(&s->base);
	return rc;
}
