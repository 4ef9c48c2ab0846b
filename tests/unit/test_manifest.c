#include "unit.h"

#include "image/manifest.h"
#include "util/err.h"

#include <stdlib.h>

#define DA "sha256:2d4e459f4ecb5329407ae3e47cbc107a2fbace221354ca75960af4c047b3cb13"
#define DB "sha256:7ad00cd55506625f2afad262de6002c8cef20d214b353e51d1025e40e8646e18"
#define DC "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"
#define DD "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f"

#define DESC(mt, d, size) "{\"mediaType\":\"" mt "\",\"digest\":\"" d "\",\"size\":" #size "}"
#define ENTRY(d, plat)                                                                             \
	"{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" d                                   \
	"\",\"size\":500,\"platform\":" plat "}"

static const char oci_index[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":["
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DA "\",\"size\":1035,"
    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DB "\",\"size\":1036,"
    "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
    "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DC "\",\"size\":840,"
    "\"annotations\":{\"vnd.docker.reference.digest\":\"" DA "\","
    "\"vnd.docker.reference.type\":\"attestation-manifest\"},"
    "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}]}";

static const char docker_v2[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" MT_DOCKER_V2 "\","
    "\"config\":" DESC(MT_DOCKER_CONFIG, DC, 7023) ",\"layers\":[" DESC(
        MT_DOCKER_LAYER_GZIP, DD, 32654) "," DESC(MT_DOCKER_FOREIGN, DA, 0) "]}";

static int parse(struct manifest *m, const char *doc, const char *ct)
{
	struct limits l;

	limits_default(&l);
	return manifest_parse(m, doc, strlen(doc), ct, &l);
}

static void manifest_bad(int *unit_failed, const char *doc, const char *ct, int code,
                         const char *msg)
{
	struct manifest m;
	int rc = parse(&m, doc, ct);

	if (!rc) {
		manifest_release(&m);
		UNIT_FAIL("manifest_parse('%s') succeeded", doc);
	}
	CHECK_INT(rc, code);
	CHECK_STR(err_msg(), msg);
	CHECK_NULL(m.media_type);
	CHECK_NULL(m.layers);
	CHECK_NULL(m.manifests);
}

#define MANIFEST_BAD(...)                                                                          \
	do {                                                                                       \
		manifest_bad(unit_failed, __VA_ARGS__);                                            \
		if (*unit_failed)                                                                  \
			return;                                                                    \
	} while (0)

TEST(manifest, accept_header)
{
	CHECK_STR(manifest_accept, "application/vnd.oci.image.index.v1+json, "
	                           "application/vnd.docker.distribution.manifest.list.v2+json, "
	                           "application/vnd.oci.image.manifest.v1+json, "
	                           "application/vnd.docker.distribution.manifest.v2+json");
}

TEST(manifest, oci_index)
{
	struct manifest m;

	CHECK_INT(parse(&m, oci_index, MT_OCI_INDEX), 0);
	CHECK_INT(m.kind, MANIFEST_INDEX);
	CHECK_STR(m.media_type, MT_OCI_INDEX);
	CHECK_INT(m.n_manifests, 3);
	CHECK_INT(m.n_layers, 0);
	CHECK_STR(m.manifests[0].digest, DA);
	CHECK_INT(m.manifests[0].size, 1035);
	CHECK_STR(m.manifests[0].platform.os, "linux");
	CHECK_STR(m.manifests[0].platform.arch, "amd64");
	CHECK_NULL(m.manifests[0].platform.variant);
	CHECK_STR(m.manifests[1].platform.variant, "v8");
	CHECK_STR(m.manifests[2].platform.os, "unknown");
	CHECK(index_entry_is_image(&m.manifests[0]));
	CHECK(index_entry_is_image(&m.manifests[1]));
	CHECK(!index_entry_is_image(&m.manifests[2]));
	manifest_release(&m);
	CHECK_NULL(m.manifests);
	manifest_release(&m);
}

TEST(manifest, sniffed_without_content_type)
{
	static const char layout_index[] =
	    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" MT_OCI_MANIFEST
	    "\",\"digest\":\"" DA "\",\"size\":659,\"annotations\":"
	    "{\"org.opencontainers.image.ref.name\":\"latest\"}}]}";
	static const char bare_image[] = "{\"schemaVersion\":2,\"config\":" DESC(
	    MT_OCI_CONFIG, DC, 10) ",\"layers\":[" DESC(MT_OCI_LAYER_ZSTD, DD, 20) "]}";
	static const char bare_docker[] =
	    "{\"schemaVersion\":2,\"config\":" DESC(MT_DOCKER_CONFIG, DC, 10) ",\"layers\":[]}";
	struct manifest m;

	CHECK_INT(parse(&m, layout_index, NULL), 0);
	CHECK_INT(m.kind, MANIFEST_INDEX);
	CHECK_STR(m.media_type, MT_OCI_INDEX);
	CHECK_INT(m.n_manifests, 1);
	CHECK_STR(m.manifests[0].ref_name, "latest");
	CHECK_NULL(m.manifests[0].platform.os);
	CHECK(index_entry_is_image(&m.manifests[0]));
	manifest_release(&m);

	CHECK_INT(parse(&m, bare_image, "application/json"), 0);
	CHECK_INT(m.kind, MANIFEST_IMAGE);
	CHECK_STR(m.media_type, MT_OCI_MANIFEST);
	CHECK_INT(m.n_layers, 1);
	CHECK_STR(m.layers[0].media_type, MT_OCI_LAYER_ZSTD);
	manifest_release(&m);

	CHECK_INT(parse(&m, bare_docker, "application/octet-stream"), 0);
	CHECK_INT(m.kind, MANIFEST_IMAGE);
	CHECK_STR(m.media_type, MT_DOCKER_V2);
	CHECK_INT(m.n_layers, 0);
	manifest_release(&m);

	/* the document's mediaType decides when the Content-Type is generic */
	CHECK_INT(parse(&m, oci_index, NULL), 0);
	CHECK_INT(m.kind, MANIFEST_INDEX);
	manifest_release(&m);
	CHECK_INT(parse(&m, docker_v2, "text/plain; charset=utf-8"), 0);
	CHECK_INT(m.kind, MANIFEST_IMAGE);
	CHECK_STR(m.media_type, MT_DOCKER_V2);
	manifest_release(&m);
}

TEST(manifest, content_type_decides)
{
	static const char no_mt_list[] =
	    "{\"schemaVersion\":2,\"manifests\":[" ENTRY(DA, "{\"os\":\"linux\","
	                                                     "\"architecture\":\"amd64\"}") "]}";
	struct manifest m;

	CHECK_INT(parse(&m, no_mt_list, MT_DOCKER_LIST "; charset=utf-8"), 0);
	CHECK_INT(m.kind, MANIFEST_INDEX);
	CHECK_STR(m.media_type, MT_DOCKER_LIST);
	manifest_release(&m);
	/* Content-Type says image, the document has no config */
	MANIFEST_BAD(no_mt_list, MT_OCI_MANIFEST, DR_EFORMAT, "manifest: 'config' is missing");
	MANIFEST_BAD(oci_index, MT_DOCKER_V2, DR_EFORMAT,
	             "manifest: its mediaType 'application/vnd.oci.image.index.v1+json' "
	             "contradicts the Content-Type "
	             "'application/vnd.docker.distribution.manifest.v2+json'");
}

TEST(manifest, docker_schema2)
{
	struct manifest m;

	CHECK_INT(parse(&m, docker_v2, MT_DOCKER_V2), 0);
	CHECK_INT(m.kind, MANIFEST_IMAGE);
	CHECK_STR(m.media_type, MT_DOCKER_V2);
	CHECK_STR(m.config.media_type, MT_DOCKER_CONFIG);
	CHECK_STR(m.config.digest, DC);
	CHECK_INT(m.config.size, 7023);
	CHECK_INT(m.n_layers, 2);
	CHECK_STR(m.layers[0].digest, DD);
	CHECK_INT(m.layers[0].size, 32654);
	CHECK_STR(m.layers[1].media_type, MT_DOCKER_FOREIGN);
	CHECK_INT(m.layers[1].size, 0);
	CHECK_NULL(m.layers[1].ref_name);
	CHECK_INT(m.n_manifests, 0);
	manifest_release(&m);
}

TEST(manifest, schema1_unsupported)
{
	static const char v1[] =
	    "{\"schemaVersion\":1,\"name\":\"library/hello-world\",\"tag\":\"latest\","
	    "\"fsLayers\":[{\"blobSum\":\"" DA "\"}],\"signatures\":[]}";
	static const char v1_mt[] = "{\"mediaType\":\"" MT_DOCKER_V1_SIGNED "\"}";

	MANIFEST_BAD(v1, NULL, DR_EUNSUPPORTED, "docker schema 1 manifests are not supported");
	MANIFEST_BAD(v1, "application/json", DR_EUNSUPPORTED,
	             "docker schema 1 manifests are not supported");
	MANIFEST_BAD(v1, MT_DOCKER_V1_SIGNED, DR_EUNSUPPORTED,
	             "docker schema 1 manifests are not supported");
	MANIFEST_BAD("not json at all", MT_DOCKER_V1, DR_EUNSUPPORTED,
	             "docker schema 1 manifests are not supported");
	MANIFEST_BAD(v1_mt, NULL, DR_EUNSUPPORTED, "docker schema 1 manifests are not supported");
}

TEST(manifest, malformed_documents)
{
	MANIFEST_BAD("", NULL, DR_EFORMAT,
	             "manifest: malformed JSON at line 1 column 0: '[' or '{' expected near end of "
	             "file");
	MANIFEST_BAD("[1,2]", NULL, DR_EFORMAT, "manifest: not a JSON object");
	MANIFEST_BAD("{\"schemaVersion\":2}", NULL, DR_EFORMAT,
	             "manifest: neither an index ('manifests') nor an image manifest ('config' "
	             "and 'layers')");
	MANIFEST_BAD("{\"schemaVersion\":3,\"manifests\":[]}", NULL, DR_EUNSUPPORTED,
	             "manifest: schemaVersion 3 is not supported");
	MANIFEST_BAD("{\"schemaVersion\":\"2\",\"manifests\":[]}", NULL, DR_EFORMAT,
	             "manifest: 'schemaVersion' is not an integer");
	MANIFEST_BAD("{\"mediaType\":7,\"manifests\":[]}", NULL, DR_EFORMAT,
	             "manifest: 'mediaType' is not a string");
	MANIFEST_BAD("{\"mediaType\":\"application/vnd.oci.artifact.manifest.v1+json\"}", NULL,
	             DR_EUNSUPPORTED,
	             "manifest: media type 'application/vnd.oci.artifact.manifest.v1+json' is not "
	             "supported");
	MANIFEST_BAD("{\"manifests\":{}}", MT_OCI_INDEX, DR_EFORMAT,
	             "index: 'manifests' is missing or not an array");
	MANIFEST_BAD("{\"config\":" DESC(MT_OCI_CONFIG, DC, 1) "}", MT_OCI_MANIFEST, DR_EFORMAT,
	             "manifest: 'layers' is missing or not an array");
	MANIFEST_BAD("{\"manifests\":[],\"manifests\":[]}", NULL, DR_EFORMAT,
	             "manifest: malformed JSON at line 1 column 27: duplicate object key near "
	             "'\"manifests\"'");
}

TEST(manifest, malformed_descriptors)
{
	MANIFEST_BAD("{\"config\":" DESC(MT_OCI_CONFIG, "sha256:abc", 1) ",\"layers\":[]}",
	             MT_OCI_MANIFEST, DR_EFORMAT,
	             "manifest: config: malformed digest 'sha256:abc'");
	MANIFEST_BAD("{\"config\":" DESC(MT_OCI_CONFIG, DC, 1) ",\"layers\":[" DESC(
	                 MT_OCI_LAYER, DD, 1) "," DESC(MT_OCI_LAYER, "sha512:abcd", 1) "]}",
	             MT_OCI_MANIFEST, DR_EUNSUPPORTED,
	             "manifest: layers[1]: unsupported digest algorithm in 'sha512:abcd'");
	MANIFEST_BAD("{\"config\":" DESC(MT_OCI_CONFIG, DC, -1) ",\"layers\":[]}", MT_OCI_MANIFEST,
	             DR_EFORMAT,
	             "manifest: config: 'size' is missing or not a non-negative integer");
	MANIFEST_BAD("{\"config\":" DESC(MT_OCI_CONFIG, DC, 1.5) ",\"layers\":[]}", MT_OCI_MANIFEST,
	             DR_EFORMAT,
	             "manifest: config: 'size' is missing or not a non-negative integer");
	MANIFEST_BAD("{\"config\":{\"digest\":\"" DC "\",\"size\":1},\"layers\":[]}",
	             MT_OCI_MANIFEST, DR_EFORMAT,
	             "manifest: config: 'mediaType' is missing or not a string");
	MANIFEST_BAD("{\"config\":{\"mediaType\":\"x\",\"size\":1},\"layers\":[]}", MT_OCI_MANIFEST,
	             DR_EFORMAT, "manifest: config: 'digest' is missing or not a string");
	MANIFEST_BAD("{\"config\":" DESC(MT_OCI_CONFIG, DC, 1) ",\"layers\":[3]}", MT_OCI_MANIFEST,
	             DR_EFORMAT, "manifest: layers[0]: not an object");
	MANIFEST_BAD("{\"manifests\":[" ENTRY(DA, "\"linux/amd64\"") "]}", MT_OCI_INDEX, DR_EFORMAT,
	             "index: manifests[0]: 'platform' is not an object");
	MANIFEST_BAD("{\"manifests\":[" ENTRY(DA, "{\"os\":1}") "]}", MT_OCI_INDEX, DR_EFORMAT,
	             "index: manifests[0]: 'os' is not a string");
	MANIFEST_BAD("{\"manifests\":[{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"digest\":\"" DA
	             "\",\"size\":1,\"annotations\":[]}]}",
	             MT_OCI_INDEX, DR_EFORMAT,
	             "index: manifests[0]: 'annotations' is not an object");
}

TEST(manifest, limits)
{
	struct limits l;
	struct manifest m;
	char *doc;
	size_t n = 0;
	const size_t cap = 2 * 1024 * 200;
	int rc;

	limits_default(&l);
	l.layers = 3;
	doc = malloc(cap);
	n += (size_t)snprintf(doc + n, cap - n,
	                      "{\"config\":" DESC(MT_OCI_CONFIG, DC, 1) ",\"layers\":[");
	for (int i = 0; i < 4; i++)
		n += (size_t)snprintf(doc + n, cap - n, "%s" DESC(MT_OCI_LAYER, DD, 1),
		                      i ? "," : "");
	n += (size_t)snprintf(doc + n, cap - n, "]}");
	rc = manifest_parse(&m, doc, n, MT_OCI_MANIFEST, &l);
	CHECK_INT(rc, DR_ELIMIT);
	CHECK_STR(err_msg(), "manifest: 4 layers, more than the limit of 3");
	l.layers = 4;
	rc = manifest_parse(&m, doc, n, MT_OCI_MANIFEST, &l);
	CHECK_INT(rc, 0);
	CHECK_INT(m.n_layers, 4);
	manifest_release(&m);

	n = (size_t)snprintf(doc, cap, "{\"manifests\":[");
	for (int i = 0; i <= DR_MAX_INDEX_ENTRIES; i++)
		n += (size_t)snprintf(doc + n, cap - n, "%s" DESC(MT_OCI_MANIFEST, DD, 1),
		                      i ? "," : "");
	n += (size_t)snprintf(doc + n, cap - n, "]}");
	rc = manifest_parse(&m, doc, n, NULL, &l);
	CHECK_INT(rc, DR_ELIMIT);
	CHECK_STR(err_msg(), "index: 1025 entries, more than the limit of 1024");

	l.json_depth = 2;
	rc = manifest_parse(&m, oci_index, strlen(oci_index), NULL, &l);
	CHECK_INT(rc, DR_ELIMIT);
	CHECK_STR(err_msg(), "manifest: JSON nesting deeper than 2");
	free(doc);
}

TEST(platform, parse_and_format)
{
	struct platform p;
	char s[64];

	CHECK_INT(platform_parse(&p, "linux/amd64"), 0);
	CHECK_STR(p.os, "linux");
	CHECK_STR(p.arch, "amd64");
	CHECK_NULL(p.variant);
	CHECK_STR(platform_format(&p, s, sizeof(s)), "linux/amd64");
	platform_release(&p);

	CHECK_INT(platform_parse(&p, "linux/arm64/v8"), 0);
	CHECK_STR(p.variant, "v8");
	CHECK_STR(platform_format(&p, s, sizeof(s)), "linux/arm64/v8");
	platform_release(&p);

	CHECK_INT(platform_parse(&p, "Linux/x86_64"), 0);
	CHECK_STR(platform_format(&p, s, sizeof(s)), "linux/amd64");
	platform_release(&p);
	CHECK_INT(platform_parse(&p, "linux/aarch64"), 0);
	CHECK_STR(platform_format(&p, s, sizeof(s)), "linux/arm64");
	platform_release(&p);
	CHECK_INT(platform_parse(&p, "linux/i386"), 0);
	CHECK_STR(platform_format(&p, s, sizeof(s)), "linux/386");
	platform_release(&p);
	CHECK_INT(platform_parse(&p, "linux/armhf"), 0);
	CHECK_STR(platform_format(&p, s, sizeof(s)), "linux/arm/v7");
	platform_release(&p);

	static const char *const bad[] = {"",
	                                  "linux",
	                                  "linux/",
	                                  "/amd64",
	                                  "linux//amd64",
	                                  "linux/amd64/",
	                                  "linux/arm/v7/x",
	                                  "linux/am d64",
	                                  "linux:amd64"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128];

		CHECK_INT(platform_parse(&p, bad[i]), DR_EUSAGE);
		snprintf(want, sizeof(want), "invalid platform '%s': expected os/arch[/variant]",
		         bad[i]);
		CHECK_STR(err_msg(), want);
		CHECK_NULL(p.os);
	}
	{
		struct platform q = {NULL, NULL, NULL};

		CHECK_STR(platform_format(&q, s, sizeof(s)), "unknown/unknown");
	}
}

TEST(platform, copy)
{
	struct platform a = {"linux", "arm", "v6"}, b;

	platform_copy(&b, &a);
	CHECK(b.os != a.os);
	CHECK_STR(b.os, "linux");
	CHECK_STR(b.arch, "arm");
	CHECK_STR(b.variant, "v6");
	platform_release(&b);
	CHECK_NULL(b.os);
	platform_release(NULL);
}

TEST(platform, match)
{
	struct {
		struct platform want, have;
		bool match;
	} cases[] = {
	    {{"linux", "amd64", NULL}, {"linux", "amd64", NULL}, true},
	    {{"linux", "amd64", NULL}, {"linux", "x86_64", NULL}, true},
	    {{"linux", "amd64", NULL}, {"linux", "arm64", NULL}, false},
	    {{"linux", "amd64", NULL}, {"windows", "amd64", NULL}, false},
	    {{"linux", "arm64", NULL}, {"linux", "aarch64", NULL}, true},
	    {{"linux", "arm64", NULL}, {"linux", "arm64", "v8"}, true},
	    {{"linux", "arm64", "v8"}, {"linux", "arm64", NULL}, true},
	    {{"linux", "arm64", "8"}, {"linux", "arm64", "v8"}, true},
	    {{"linux", "arm64", "v8"}, {"linux", "arm64", "v8.0"}, true},
	    {{"linux", "arm64", "v9"}, {"linux", "arm64", NULL}, false},
	    {{"linux", "arm", NULL}, {"linux", "arm", "v6"}, true},
	    {{"linux", "arm", "v7"}, {"linux", "arm", NULL}, true},
	    {{"linux", "arm", "v7"}, {"linux", "arm", "v6"}, false},
	    {{"linux", "arm", "v6"}, {"linux", "arm", NULL}, false},
	    {{"linux", "386", NULL}, {"linux", "i386", NULL}, true},
	    {{"linux", "amd64", "v1"}, {"linux", "amd64", NULL}, true},
	    {{"linux", "amd64", "v3"}, {"linux", "amd64", NULL}, false},
	    {{"LINUX", "AMD64", NULL}, {"linux", "amd64", NULL}, true},
	    {{"linux", "amd64", NULL}, {NULL, NULL, NULL}, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (platform_match(&cases[i].want, &cases[i].have) != cases[i].match)
			UNIT_FAIL("platform_match case %zu: expected %d", i, cases[i].match);
}

TEST(platform, index_select)
{
	static const char list[] = "{\"manifests\":[" ENTRY(
	    DA,
	    "{\"os\":\"linux\",\"architecture\":\"arm\","
	    "\"variant\":\"v6\"}") "," ENTRY(DB,
	                                     "{\"os\":\"linux\","
	                                     "\"architecture\":\"arm\","
	                                     "\"variant\":\"v7\"}") "," ENTRY(DC,
	                                                                      "{\"os\":\"linux\","
	                                                                      "\"architecture\":"
	                                                                      "\"amd64\"}") "," ENTRY(DD,
	                                                                                              "{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}") ","
	                                                                                                                                                                  "{\"mediaType\":\"" MT_OCI_MANIFEST
	                                                                                                                                                                  "\",\"digest\":\"" DA
	                                                                                                                                                                  "\",\"size\":5,"
	                                                                                                                                                                  "\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}";
	struct manifest m;
	struct platform want = {"linux", "arm", NULL};
	const struct descriptor *d;

	CHECK_INT(parse(&m, list, MT_OCI_INDEX), 0);
	/* no variant asked: the default (v7) wins over an earlier v6 */
	d = index_select(&m, &want);
	CHECK(d == &m.manifests[1]);
	want.variant = "v6";
	CHECK(index_select(&m, &want) == &m.manifests[0]);
	want.arch = "arm64";
	want.variant = NULL;
	CHECK(index_select(&m, &want) == &m.manifests[3]);
	want.arch = "aarch64";
	want.variant = "v8";
	CHECK(index_select(&m, &want) == &m.manifests[3]);
	CHECK(index_select(&m, NULL) == &m.manifests[2]);
	want.arch = "s390x";
	want.variant = NULL;
	CHECK_NULL(index_select(&m, &want));
	CHECK_STR(err_msg(), "no image for platform 'linux/s390x' in the index; it has "
	                     "linux/arm/v6, linux/arm/v7, linux/amd64, linux/arm64/v8");
	want.arch = "unknown";
	want.os = "unknown";
	CHECK_NULL(index_select(&m, &want));
	manifest_release(&m);
}

TEST(platform, index_select_edge_cases)
{
	static const char only_attest[] =
	    "{\"manifests\":[" ENTRY(DA, "{\"os\":\"unknown\",\"architecture\":\"unknown\"}") "]}";
	static const char no_platform[] = "{\"manifests\":[" DESC(MT_OCI_MANIFEST, DA, 5) "," ENTRY(
	    DB, "{\"os\":\"linux\",\"architecture\":\"amd64\"}") "]}";
	static const char nested[] = "{\"manifests\":[" DESC(MT_OCI_INDEX, DA, 5) "," ENTRY(
	    DB, "{\"os\":\"linux\",\"architecture\":\"arm64\"}") "]}";
	struct manifest m;
	struct platform want = {"linux", "amd64", NULL};

	CHECK_INT(parse(&m, only_attest, NULL), 0);
	CHECK_NULL(index_select(&m, &want));
	CHECK_STR(err_msg(), "no image for platform 'linux/amd64' in the index; it has no "
	                     "platform images");
	manifest_release(&m);

	/* an entry naming the platform beats one without a platform */
	CHECK_INT(parse(&m, no_platform, NULL), 0);
	CHECK(index_select(&m, &want) == &m.manifests[1]);
	want.arch = "riscv64";
	CHECK(index_select(&m, &want) == &m.manifests[0]);
	manifest_release(&m);

	CHECK_INT(parse(&m, nested, NULL), 0);
	CHECK(!index_entry_is_image(&m.manifests[0]));
	CHECK_NULL(index_select(&m, &want));
	CHECK_STR(err_msg(), "no image for platform 'linux/riscv64' in the index; it has "
	                     "linux/arm64");
	manifest_release(&m);

	CHECK_INT(parse(&m, docker_v2, NULL), 0);
	CHECK_NULL(index_select(&m, &want));
	CHECK_INT(m.kind, MANIFEST_IMAGE);
	manifest_release(&m);
}
