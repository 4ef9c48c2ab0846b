#include "image/image.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

static bool is_image_config(const char *mt)
{
	return !mt || !strcmp(mt, MT_OCI_CONFIG) || !strcmp(mt, MT_DOCKER_CONFIG);
}

void image_free(struct image *img)
{
	if (!img)
		return;
	free(img->manifest_digest);
	free(img->manifest_media_type);
	free(img->index_digest);
	platform_release(&img->platform);
	free(img->config_digest);
	free(img->config_json);
	config_release(&img->config);
	for (size_t i = 0; i < img->n_layers; i++) {
		free(img->layers[i].desc.media_type);
		free(img->layers[i].desc.digest);
		platform_release(&img->layers[i].desc.platform);
		free(img->layers[i].desc.ref_name);
	}
	free(img->layers);
	free(img);
}

/* Fetches a manifest document and checks it against the digest it was
 * asked by, if any. *digest_out is the document's digest (NULL when
 * synthetic). */
static int fetch_manifest(struct source *src, const char *reference, struct buf *body,
                          char **media_type, char **digest_out)
{
	char got[DIGEST_STR_LEN];
	bool synthetic = false;
	int rc;

	*media_type = NULL;
	*digest_out = NULL;
	rc = src->ops->get_manifest(src, reference, body, media_type, &synthetic);
	if (rc)
		return rc;
	if (synthetic)
		return 0;
	sha256_digest(body->ptr ? body->ptr : "", body->len, got);
	if (reference && str_starts(reference, "sha256:") && strcmp(reference, got)) {
		free(*media_type);
		*media_type = NULL;
		buf_release(body);
		return err_set(DR_EDIGEST, "manifest '%s': digest mismatch: content hashes to '%s'",
		               reference, got);
	}
	*digest_out = xstrdup(got);
	return 0;
}

/* Builds the image for one image manifest. */
static int image_from_manifest(struct image **out, struct source *src, const struct manifest *m,
                               const char *digest, const char *index_digest,
                               const struct platform *index_platform)
{
	struct image *img = xcalloc(1, sizeof(*img));
	struct buf cfg = BUF_INIT;
	char short_digest[20];
	int rc;

	*out = NULL;
	img->src = src;
	img->manifest_digest = digest ? xstrdup(digest) : NULL;
	img->manifest_media_type = m->media_type ? xstrdup(m->media_type) : NULL;
	img->index_digest = index_digest ? xstrdup(index_digest) : NULL;
	if (!is_image_config(m->config.media_type)) {
		rc = err_set(DR_EUNSUPPORTED,
		             "'%s' is not a container image: its config is '%s' (an artifact?)",
		             src->display, m->config.media_type);
		goto done;
	}
	rc = source_read_blob(&cfg, src, m->config.digest, m->config.size,
	                      (size_t)src->limits->config_bytes, "config");
	if (rc)
		goto done;
	img->config_digest = xstrdup(m->config.digest);
	img->config_size = (int64_t)cfg.len;
	rc = config_parse(&img->config, cfg.ptr ? cfg.ptr : "", cfg.len, src->limits);
	if (rc) {
		err_wrap(rc, "config '%s'", digest_short(m->config.digest, short_digest));
		goto done;
	}
	img->config_json = buf_detach(&cfg, &img->config_len);
	if (img->config.diff_ids.n != m->n_layers) {
		rc = err_set(DR_EFORMAT,
		             "image '%s': the manifest lists %zu layers but the config has %zu "
		             "diff_ids",
		             src->display, m->n_layers, img->config.diff_ids.n);
		goto done;
	}
	if (index_platform && index_platform->os) {
		platform_copy(&img->platform, index_platform);
	} else {
		struct platform p = {img->config.os, img->config.arch, img->config.variant};

		platform_copy(&img->platform, &p);
	}
	img->n_layers = m->n_layers;
	img->layers = xcalloc(m->n_layers ? m->n_layers : 1, sizeof(*img->layers));
	for (size_t i = 0; i < m->n_layers; i++) {
		struct layer *l = &img->layers[i];
		const struct descriptor *d = &m->layers[i];

		l->desc.media_type = d->media_type ? xstrdup(d->media_type) : NULL;
		l->desc.digest = xstrdup(d->digest);
		l->desc.size = d->size;
		l->diff_id = img->config.diff_ids.v[i];
		l->history = config_layer_history(&img->config, i);
	}
	*out = img;
	img = NULL;
done:
	buf_release(&cfg);
	image_free(img);
	return rc;
}

static int add_image(struct image ***arr, size_t *n, struct image *img)
{
	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[(*n)++] = img;
	return 0;
}

/* Resolves reference (NULL for the source's own) into images appended to
 * arr; depth counts nested indexes. */
static int resolve(struct image ***arr, size_t *n, struct source *src, const char *reference,
                   const struct platform *want, bool all, int depth, const char *index_digest,
                   const struct platform *index_platform)
{
	struct buf body = BUF_INIT;
	struct manifest m;
	char *media_type = NULL, *digest = NULL;
	struct image *img = NULL;
	bool parsed = false;
	int rc;

	if (depth > DR_MAX_INDEX_DEPTH)
		return err_set(DR_ELIMIT, "indexes nested deeper than %d", DR_MAX_INDEX_DEPTH);
	rc = fetch_manifest(src, reference, &body, &media_type, &digest);
	if (rc)
		goto done;
	rc = manifest_parse(&m, body.ptr ? body.ptr : "", body.len, media_type, src->limits);
	if (rc) {
		err_wrap(rc, "manifest of '%s'", src->display);
		goto done;
	}
	parsed = true;
	if (m.kind == MANIFEST_IMAGE) {
		rc = image_from_manifest(&img, src, &m, digest, index_digest, index_platform);
		if (!rc)
			rc = add_image(arr, n, img);
		goto done;
	}
	if (all) {
		size_t found = 0;

		for (size_t i = 0; i < m.n_manifests && !rc; i++) {
			if (!index_entry_is_image(&m.manifests[i]))
				continue;
			found++;
			rc = resolve(arr, n, src, m.manifests[i].digest, want, all, depth + 1,
			             digest, &m.manifests[i].platform);
		}
		if (!rc && !found)
			rc = err_set(DR_ENOTFOUND, "the index of '%s' lists no platform image",
			             src->display);
	} else {
		const struct descriptor *d = index_select(&m, want);

		if (!d) {
			rc = err_wrap(DR_ENOTFOUND, "'%s'", src->display);
			goto done;
		}
		rc = resolve(arr, n, src, d->digest, want, all, depth + 1, digest, &d->platform);
	}
done:
	if (parsed)
		manifest_release(&m);
	buf_release(&body);
	free(media_type);
	free(digest);
	return rc;
}

int image_open(struct image ***out, size_t *n_out, struct source *src, const struct platform *want,
               bool all)
{
	struct platform def = {"linux", "amd64", NULL};
	struct image **arr = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	*n_out = 0;
	rc = resolve(&arr, &n, src, NULL, want && want->os ? want : &def, all, 0, NULL, NULL);
	if (rc) {
		for (size_t i = 0; i < n; i++)
			image_free(arr[i]);
		free(arr);
		return rc;
	}
	*out = arr;
	*n_out = n;
	return 0;
}
