#include "image/manifest.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/jx.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char manifest_accept[] =
    MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_V2;

static const char *const ann_ref_name = "org.opencontainers.image.ref.name";

enum mt_class {
	MT_UNKNOWN,
	MT_CLASS_INDEX,
	MT_CLASS_IMAGE,
	MT_CLASS_V1,
};

/* Compares a Content-Type to a media type, ignoring parameters
 * ("; charset=utf-8") and surrounding blanks. */
static bool mt_is(const char *ct, const char *mt)
{
	size_t n = strlen(mt);

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncmp(ct, mt, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static enum mt_class mt_classify(const char *mt)
{
	if (!mt)
		return MT_UNKNOWN;
	if (mt_is(mt, MT_OCI_INDEX) || mt_is(mt, MT_DOCKER_LIST))
		return MT_CLASS_INDEX;
	if (mt_is(mt, MT_OCI_MANIFEST) || mt_is(mt, MT_DOCKER_V2))
		return MT_CLASS_IMAGE;
	if (mt_is(mt, MT_DOCKER_V1) || mt_is(mt, MT_DOCKER_V1_SIGNED) ||
	    mt_is(mt, "application/vnd.docker.distribution.manifest.v1"))
		return MT_CLASS_V1;
	return MT_UNKNOWN;
}

/* The bare media type of a Content-Type (parameters dropped). */
static char *mt_bare(const char *ct)
{
	const char *end;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	end = ct + strcspn(ct, "; \t");
	return xstrndup(ct, (size_t)(end - ct));
}

static void descriptor_release(struct descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	platform_release(&d->platform);
	free(d->ref_name);
	memset(d, 0, sizeof(*d));
}

/* An optional string member: absent or null is fine, another type is not. */
static int opt_str(char **out, const json_t *obj, const char *key, const char *where)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set(DR_EFORMAT, "%s: '%s' is not a string", where, key);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int descriptor_parse(struct descriptor *out, const json_t *j, const char *where, bool entry)
{
	const char *mt, *dg;
	json_t *v, *plat, *ann;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->size = -1;
	if (!json_is_object(j)) {
		rc = err_set(DR_EFORMAT, "%s: not an object", where);
		goto done;
	}
	mt = jx_str(j, "mediaType");
	if (!mt) {
		rc = err_set(DR_EFORMAT, "%s: 'mediaType' is missing or not a string", where);
		goto done;
	}
	out->media_type = xstrdup(mt);
	dg = jx_str(j, "digest");
	if (!dg) {
		rc = err_set(DR_EFORMAT, "%s: 'digest' is missing or not a string", where);
		goto done;
	}
	rc = digest_check(dg);
	if (rc) {
		err_wrap(rc, "%s", where);
		goto done;
	}
	out->digest = xstrdup(dg);
	v = json_object_get(j, "size");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		rc = err_set(DR_EFORMAT, "%s: 'size' is missing or not a non-negative integer",
		             where);
		goto done;
	}
	out->size = (int64_t)json_integer_value(v);
	ann = json_object_get(j, "annotations");
	if (ann && !json_is_null(ann)) {
		if (!json_is_object(ann)) {
			rc = err_set(DR_EFORMAT, "%s: 'annotations' is not an object", where);
			goto done;
		}
		rc = opt_str(&out->ref_name, ann, ann_ref_name, where);
		if (rc)
			goto done;
	}
	plat = json_object_get(j, "platform");
	if (!entry || !plat || json_is_null(plat))
		goto done;
	if (!json_is_object(plat)) {
		rc = err_set(DR_EFORMAT, "%s: 'platform' is not an object", where);
		goto done;
	}
	rc = opt_str(&out->platform.os, plat, "os", where);
	if (!rc)
		rc = opt_str(&out->platform.arch, plat, "architecture", where);
	if (!rc)
		rc = opt_str(&out->platform.variant, plat, "variant", where);
done:
	if (rc)
		descriptor_release(out);
	return rc;
}

static int parse_index(struct manifest *m, const json_t *root)
{
	json_t *arr = json_object_get(root, "manifests");
	char where[48];
	size_t n;
	int rc = 0;

	if (!json_is_array(arr))
		return err_set(DR_EFORMAT, "index: 'manifests' is missing or not an array");
	n = json_array_size(arr);
	if (n > DR_MAX_INDEX_ENTRIES)
		return err_set(DR_ELIMIT, "index: %zu entries, more than the limit of %d", n,
		               DR_MAX_INDEX_ENTRIES);
	m->manifests = xcalloc(n ? n : 1, sizeof(*m->manifests));
	for (size_t i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "index: manifests[%zu]", i);
		rc = descriptor_parse(&m->manifests[i], json_array_get(arr, i), where, true);
		if (rc)
			break;
		m->n_manifests++;
	}
	return rc;
}

static int parse_image(struct manifest *m, const json_t *root, const struct limits *l)
{
	json_t *arr = json_object_get(root, "layers");
	json_t *cfg = json_object_get(root, "config");
	char where[48];
	size_t n;
	int rc;

	if (!cfg)
		return err_set(DR_EFORMAT, "manifest: 'config' is missing");
	rc = descriptor_parse(&m->config, cfg, "manifest: config", false);
	if (rc)
		return rc;
	if (!json_is_array(arr))
		return err_set(DR_EFORMAT, "manifest: 'layers' is missing or not an array");
	n = json_array_size(arr);
	if (n > l->layers)
		return err_set(DR_ELIMIT, "manifest: %zu layers, more than the limit of %llu", n,
		               (unsigned long long)l->layers);
	m->layers = xcalloc(n ? n : 1, sizeof(*m->layers));
	for (size_t i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "manifest: layers[%zu]", i);
		rc = descriptor_parse(&m->layers[i], json_array_get(arr, i), where, false);
		if (rc)
			break;
		m->n_layers++;
	}
	return rc;
}

int manifest_parse(struct manifest *out, const char *data, size_t len, const char *media_type,
                   const struct limits *l)
{
	json_t *root = NULL;
	const char *doc_mt;
	enum mt_class ct_class = mt_classify(media_type);
	enum mt_class doc_class, kind;
	json_t *sv;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ct_class == MT_CLASS_V1) {
		rc = err_set(DR_EUNSUPPORTED, "docker schema 1 manifests are not supported");
		goto done;
	}
	rc = jx_parse(&root, data, len, (size_t)l->json_depth, "manifest");
	if (rc)
		goto done;
	if (!json_is_object(root)) {
		rc = err_set(DR_EFORMAT, "manifest: not a JSON object");
		goto done;
	}
	sv = json_object_get(root, "schemaVersion");
	doc_mt = jx_str(root, "mediaType");
	doc_class = mt_classify(doc_mt);
	if ((json_is_integer(sv) && json_integer_value(sv) == 1) || doc_class == MT_CLASS_V1) {
		rc = err_set(DR_EUNSUPPORTED, "docker schema 1 manifests are not supported");
		goto done;
	}
	if (sv && !json_is_integer(sv)) {
		rc = err_set(DR_EFORMAT, "manifest: 'schemaVersion' is not an integer");
		goto done;
	}
	if (sv && json_integer_value(sv) != 2) {
		rc = err_set(DR_EUNSUPPORTED, "manifest: schemaVersion %lld is not supported",
		             (long long)json_integer_value(sv));
		goto done;
	}
	if (json_object_get(root, "mediaType") && !doc_mt) {
		rc = err_set(DR_EFORMAT, "manifest: 'mediaType' is not a string");
		goto done;
	}
	if (ct_class != MT_UNKNOWN) {
		kind = ct_class;
		if (doc_mt && doc_class != ct_class) {
			rc = err_set(DR_EFORMAT,
			             "manifest: its mediaType '%.100s' contradicts the "
			             "Content-Type '%.100s'",
			             doc_mt, media_type);
			goto done;
		}
		out->media_type = doc_mt ? xstrdup(doc_mt) : mt_bare(media_type);
	} else if (doc_mt) {
		if (doc_class == MT_UNKNOWN) {
			rc = err_set(DR_EUNSUPPORTED,
			             "manifest: media type '%.100s' is not supported", doc_mt);
			goto done;
		}
		kind = doc_class;
		out->media_type = xstrdup(doc_mt);
	} else if (json_object_get(root, "manifests")) {
		kind = MT_CLASS_INDEX;
		out->media_type = xstrdup(MT_OCI_INDEX);
	} else if (json_object_get(root, "layers") && json_object_get(root, "config")) {
		const char *cmt = jx_str(jx_obj(root, "config"), "mediaType");

		kind = MT_CLASS_IMAGE;
		out->media_type =
		    xstrdup(cmt && !strcmp(cmt, MT_DOCKER_CONFIG) ? MT_DOCKER_V2 : MT_OCI_MANIFEST);
	} else {
		rc = err_set(DR_EFORMAT,
		             "manifest: neither an index ('manifests') nor an image manifest "
		             "('config' and 'layers')");
		goto done;
	}
	if (kind == MT_CLASS_INDEX) {
		out->kind = MANIFEST_INDEX;
		rc = parse_index(out, root);
	} else {
		out->kind = MANIFEST_IMAGE;
		rc = parse_image(out, root, l);
	}
done:
	json_decref(root);
	if (rc)
		manifest_release(out);
	return rc;
}

void manifest_release(struct manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	descriptor_release(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		descriptor_release(&m->layers[i]);
	free(m->layers);
	for (size_t i = 0; i < m->n_manifests; i++)
		descriptor_release(&m->manifests[i]);
	free(m->manifests);
	memset(m, 0, sizeof(*m));
}
