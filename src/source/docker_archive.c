/* docker-archive:FILE[:NAME:TAG | :@N] — the tar `docker save` writes.
 *
 * The archive has no manifest of its own; this source makes one up (Docker
 * schema 2) from manifest.json and the config, so the rest of dredge sees an
 * ordinary image. Such a manifest is "synthetic": it has no digest. Layers
 * stored as blobs/sha256/<hex> (Docker 25+) carry their digest in their
 * name; legacy <id>/layer.tar members are uncompressed, so their blob digest
 * is their diff_id (a compressed legacy member is hashed when opened). */
#include "image/manifest.h"
#include "source/source.h"
#include "source/tarindex.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/jx.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct archive_layer {
	const struct tar_member *member;
	char digest[DIGEST_STR_LEN];
	const char *media_type;
};

struct darchive_source {
	struct source base;
	struct tarindex *tar;
	const struct tar_member *config;
	char config_digest[DIGEST_STR_LEN];
	struct archive_layer *layers;
	size_t n_layers;
	struct buf manifest; /* synthetic schema 2 manifest */
};

static int member_digest_from_name(const char *name, char out[DIGEST_STR_LEN])
{
	const char *base = strrchr(name, '/');
	char d[DIGEST_STR_LEN];

	if (!str_starts(name, "blobs/sha256/") || !base)
		return -1;
	snprintf(d, sizeof(d), "sha256:%s", base + 1);
	if (!digest_valid(d))
		return -1;
	memcpy(out, d, DIGEST_STR_LEN);
	return 0;
}

static int hash_member(const struct tarindex *t, const struct tar_member *m,
                       char out[DIGEST_STR_LEN])
{
	struct blob_reader *r = NULL;
	struct sha256 h;
	unsigned char *chunk;
	size_t n;
	int rc;

	if ((rc = file_reader_open(&r, t->fd, m->offset, m->size)))
		return rc;
	chunk = xmalloc(1 << 20);
	sha256_init(&h);
	while (!(rc = blob_read(r, chunk, 1 << 20, &n)) && n)
		sha256_update(&h, chunk, n);
	if (rc)
		sha256_release(&h);
	else
		sha256_final(&h, out);
	blob_reader_free(r);
	free(chunk);
	return rc;
}

static const char *sniff_media_type(const struct tarindex *t, const struct tar_member *m)
{
	unsigned char magic[4] = {0};

	if (m->size >= 4 && pread(t->fd, magic, 4, (off_t)m->offset) == 4) {
		if (magic[0] == 0x1f && magic[1] == 0x8b)
			return MT_DOCKER_LAYER_GZIP;
		if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
			return MT_OCI_LAYER_ZSTD;
	}
	return MT_DOCKER_LAYER;
}

/* Canonical form of a name:tag for comparison ("busybox" ≡
 * "docker.io/library/busybox:latest"). */
static char *canonical_name(const char *s)
{
	struct image_ref r;
	char *out;

	if (ref_parse(&r, s))
		return xstrdup(s);
	out = ref_format(&r);
	ref_release(&r);
	return out;
}

static int select_entry(json_t **out, json_t *list, const struct image_ref *ref, const char *path)
{
	size_t n = json_array_size(list);
	struct buf names = BUF_INIT;
	char *want = NULL;
	int rc = 0;

	*out = NULL;
	if (ref->archive_index >= 0) {
		if ((size_t)ref->archive_index >= n)
			return err_set(DR_ENOTFOUND, "'%s' has %zu images; there is no @%d", path,
			               n, ref->archive_index);
		*out = json_array_get(list, (size_t)ref->archive_index);
		return 0;
	}
	if (!ref->archive_ref) {
		if (n == 1) {
			*out = json_array_get(list, 0);
			return 0;
		}
		return err_set(
		    n ? DR_EUSAGE : DR_ENOTFOUND,
		    n ? "'%s' holds %zu images; name one as docker-archive:FILE:NAME:TAG "
		        "or docker-archive:FILE:@N"
		      : "'%s' holds %zu images",
		    path, n);
	}
	want = canonical_name(ref->archive_ref);
	for (size_t i = 0; i < n && !*out; i++) {
		json_t *tags = jx_arr(json_array_get(list, i), "RepoTags");

		for (size_t k = 0; k < json_array_size(tags); k++) {
			const char *tag = json_string_value(json_array_get(tags, k));
			char *c;

			if (!tag)
				continue;
			buf_addf(&names, "%s'%s'", names.len ? ", " : "", tag);
			c = canonical_name(tag);
			if (!strcmp(c, want) || !strcmp(tag, ref->archive_ref))
				*out = json_array_get(list, i);
			free(c);
		}
	}
	if (!*out)
		rc = err_set(DR_ENOTFOUND, "no image named '%s' in '%s' (it has %s)",
		             ref->archive_ref, path, names.len ? names.ptr : "no names");
	free(want);
	buf_release(&names);
	return rc;
}

static int build_manifest(struct darchive_source *s)
{
	struct buf *b = &s->manifest;
	int rc = 0;

	buf_init(b, 0);
	rc |= buf_addf(b,
	               "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\","
	               "\"digest\":\"%s\",\"size\":%llu},\"layers\":[",
	               MT_DOCKER_V2, MT_DOCKER_CONFIG, s->config_digest,
	               (unsigned long long)s->config->size);
	for (size_t i = 0; i < s->n_layers; i++)
		rc |= buf_addf(b, "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%llu}",
		               i ? "," : "", s->layers[i].media_type, s->layers[i].digest,
		               (unsigned long long)s->layers[i].member->size);
	rc |= buf_adds(b, "]}");
	return rc ? DR_ELIMIT : 0;
}

static int darchive_get_manifest(struct source *src, const char *reference, struct buf *out,
                                 char **media_type, bool *synthetic)
{
	struct darchive_source *s = (struct darchive_source *)src;

	*media_type = NULL;
	*synthetic = true;
	if (reference)
		return err_set(DR_ENOTFOUND, "'%s' has no manifest '%s'", src->display, reference);
	buf_init(out, 0);
	*media_type = xstrdup(MT_DOCKER_V2);
	return buf_add(out, s->manifest.ptr, s->manifest.len);
}

static int darchive_open_blob(struct blob_reader **out, struct source *src, const char *digest,
                              int64_t size)
{
	struct darchive_source *s = (struct darchive_source *)src;
	const struct tar_member *m = NULL;

	*out = NULL;
	if (!strcmp(digest, s->config_digest))
		m = s->config;
	for (size_t i = 0; !m && i < s->n_layers; i++)
		if (!strcmp(digest, s->layers[i].digest))
			m = s->layers[i].member;
	if (!m && digest_valid(digest)) {
		struct buf rel = BUF_INIT;

		buf_addf(&rel, "blobs/sha256/%s", digest_hex(digest));
		m = tarindex_find(s->tar, rel.ptr);
		buf_release(&rel);
	}
	if (!m)
		return err_set(DR_ENOTFOUND, "blob '%s' not found in '%s'", digest, src->display);
	return file_reader_open(out, s->tar->fd, m->offset, m->size);
}

static void darchive_free(struct source *src)
{
	struct darchive_source *s = (struct darchive_source *)src;

	if (!s)
		return;
	tarindex_free(s->tar);
	free(s->layers);
	buf_release(&s->manifest);
	source__release(src);
	free(s);
}

static const struct source_ops darchive_ops = {"docker-archive", darchive_get_manifest,
                                               darchive_open_blob, darchive_free};

int docker_archive_source_open(struct source **out, const struct image_ref *ref,
                               const struct limits *limits)
{
	struct darchive_source *s = xcalloc(1, sizeof(*s));
	struct buf mjson = BUF_INIT, cfg = BUF_INIT;
	json_t *list = NULL, *entry, *layers, *cj = NULL, *diff_ids;
	const char *config_name;
	const struct tar_member *m;
	int rc;

	*out = NULL;
	source__init(&s->base, &darchive_ops, ref, limits);
	if ((rc = tarindex_open(&s->tar, ref->path)))
		goto fail;
	m = tarindex_find(s->tar, "manifest.json");
	if (!m) {
		rc = err_set(DR_EFORMAT, "'%s' is not a docker-archive (no manifest.json)",
		             ref->path);
		goto fail;
	}
	if ((rc = tarindex_read(&mjson, s->tar, m, DR_MAX_SMALL_FILE)))
		goto fail;
	if ((rc = jx_parse(&list, mjson.ptr, mjson.len, limits->json_depth, "manifest.json")))
		goto fail;
	if (!json_is_array(list)) {
		rc = err_set(DR_EFORMAT, "'%s': manifest.json is not an array", ref->path);
		goto fail;
	}
	if ((rc = select_entry(&entry, list, ref, ref->path)))
		goto fail;
	config_name = jx_str(entry, "Config");
	layers = jx_arr(entry, "Layers");
	if (!config_name || !layers) {
		rc = err_set(DR_EFORMAT, "'%s': manifest.json entry lacks Config or Layers",
		             ref->path);
		goto fail;
	}
	if (json_array_size(layers) > limits->layers) {
		rc = err_set(DR_ELIMIT, "'%s': more than %llu layers", ref->path,
		             (unsigned long long)limits->layers);
		goto fail;
	}
	if (!(s->config = tarindex_find(s->tar, config_name))) {
		rc = err_set(DR_EFORMAT, "'%s': config '%s' is missing", ref->path, config_name);
		goto fail;
	}
	if ((rc = tarindex_read(&cfg, s->tar, s->config, (size_t)limits->config_bytes)))
		goto fail;
	sha256_digest(cfg.ptr, cfg.len, s->config_digest);
	{
		char named[DIGEST_STR_LEN];
		struct buf alt = BUF_INIT;

		/* legacy configs are named <hex>.json */
		buf_addf(&alt, "blobs/sha256/%.*s", (int)strcspn(config_name, "."), config_name);
		if ((!member_digest_from_name(config_name, named) ||
		     !member_digest_from_name(alt.ptr, named)) &&
		    strcmp(named, s->config_digest)) {
			rc = err_set(DR_EDIGEST, "'%s': config '%s' hashes to '%s'", ref->path,
			             config_name, s->config_digest);
			buf_release(&alt);
			goto fail;
		}
		buf_release(&alt);
	}
	if ((rc = jx_parse(&cj, cfg.ptr, cfg.len, limits->json_depth, "config")))
		goto fail;
	diff_ids = jx_arr(jx_obj(cj, "rootfs"), "diff_ids");
	s->n_layers = json_array_size(layers);
	s->layers = xcalloc(s->n_layers ? s->n_layers : 1, sizeof(*s->layers));
	for (size_t i = 0; i < s->n_layers; i++) {
		struct archive_layer *l = &s->layers[i];
		const char *name = json_string_value(json_array_get(layers, i));
		const char *diff = json_string_value(json_array_get(diff_ids, i));

		if (!name || !(l->member = tarindex_find(s->tar, name))) {
			rc = err_set(DR_EFORMAT, "'%s': layer '%s' is missing", ref->path,
			             name ? name : "(not a string)");
			goto fail;
		}
		l->media_type = sniff_media_type(s->tar, l->member);
		if (!member_digest_from_name(name, l->digest))
			continue;
		if (!strcmp(l->media_type, MT_DOCKER_LAYER) && diff && digest_valid(diff)) {
			str_copy(l->digest, diff, sizeof(l->digest));
			continue;
		}
		if ((rc = hash_member(s->tar, l->member, l->digest)))
			goto fail;
	}
	if ((rc = build_manifest(s)))
		goto fail;
	json_decref(list);
	json_decref(cj);
	buf_release(&mjson);
	buf_release(&cfg);
	*out = &s->base;
	return 0;
fail:
	json_decref(list);
	json_decref(cj);
	buf_release(&mjson);
	buf_release(&cfg);
	darchive_free(&s->base);
	return rc;
}
