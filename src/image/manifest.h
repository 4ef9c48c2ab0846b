/* Manifests, indexes and image configs: pure parsers over bytes (fuzzed),
 * platform selection and the Dockerfile reconstructed from history. */
#ifndef DREDGE_MANIFEST_H
#define DREDGE_MANIFEST_H

#include "util/buf.h"
#include "util/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_OCI_INDEX         "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST      "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG        "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER         "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP    "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_ZSTD    "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_DOCKER_LIST       "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_V2         "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_V1         "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_V1_SIGNED  "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define MT_DOCKER_CONFIG     "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER      "application/vnd.docker.image.rootfs.diff.tar"
#define MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_FOREIGN    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/* The Accept header value for manifest requests (every kind we read). */
extern const char manifest_accept[];

struct platform {
	char *os;      /* "linux" */
	char *arch;    /* "amd64" */
	char *variant; /* "v8" or NULL */
};

enum manifest_kind {
	MANIFEST_INDEX, /* OCI index or Docker manifest list */
	MANIFEST_IMAGE, /* OCI manifest or Docker schema 2 */
};

struct descriptor {
	char *media_type;
	char *digest;             /* validated "sha256:…" */
	int64_t size;             /* -1 when the document does not say */
	struct platform platform; /* index entries only; fields may be NULL */
	char *ref_name;           /* annotation org.opencontainers.image.ref.name or NULL */
};

struct manifest {
	enum manifest_kind kind;
	char *media_type;          /* as the document says, or as sniffed */
	struct descriptor config;  /* MANIFEST_IMAGE */
	struct descriptor *layers; /* MANIFEST_IMAGE */
	size_t n_layers;
	struct descriptor *manifests; /* MANIFEST_INDEX */
	size_t n_manifests;
};

/* Parses a manifest or index. media_type is the transport's Content-Type
 * (may be NULL: then the document's mediaType field and shape decide).
 * Schema 1 gives DR_EUNSUPPORTED; bad JSON, missing fields or a malformed
 * digest give DR_EFORMAT; too many layers/entries give DR_ELIMIT. */
int manifest_parse(struct manifest *out, const char *data, size_t len, const char *media_type,
                   const struct limits *l);
void manifest_release(struct manifest *m);

struct history_entry {
	char *created;
	char *created_by; /* as stored */
	char *comment;
	bool empty_layer;
	long layer;        /* index of the layer it made, -1 for empty_layer */
	char *instruction; /* Dockerfile form: "RUN apt-get update", "CMD [\"sh\"]" */
};

struct label {
	char *key;
	char *value;
};

struct strv {
	char **v;
	size_t n;
	bool set; /* false when the config omits the field (null / absent) */
};

struct image_config {
	char *os, *arch, *variant;
	char *created, *author;
	struct strv entrypoint, cmd, env, exposed_ports, volumes;
	char *user, *working_dir, *stop_signal;
	struct label *labels;
	size_t n_labels;
	struct strv diff_ids; /* rootfs.diff_ids, validated digests */
	struct history_entry *history;
	size_t n_history;
};

/* Parses an image config; maps history entries to layers (skipping
 * empty_layer). More non-empty history entries than diff_ids is tolerated
 * (the extra ones get layer -1) but diff_ids beyond history get no entry. */
int config_parse(struct image_config *out, const char *data, size_t len, const struct limits *l);
void config_release(struct image_config *c);

/* The Dockerfile instruction for one created_by string; the caller frees. */
char *history_instruction(const char *created_by);
/* A Dockerfile reconstructed from history ("FROM scratch" + one line per
 * entry); appended to out. */
int config_dockerfile(struct buf *out, const struct image_config *c);
/* The history entry that created layer i, or NULL. */
const struct history_entry *config_layer_history(const struct image_config *c, size_t i);

/* "os/arch[/variant]"; DR_EUSAGE on a malformed string. */
int platform_parse(struct platform *out, const char *s);
void platform_release(struct platform *p);
void platform_copy(struct platform *dst, const struct platform *src);
/* "linux/arm64/v8" into out. */
const char *platform_format(const struct platform *p, char *out, size_t size);
/* True when have satisfies want (arch aliases and default variants
 * normalised: arm64 ≡ arm64/v8, arm ≡ arm/v7 when unspecified). */
bool platform_match(const struct platform *want, const struct platform *have);
/* The index entry for want, or NULL (DR_ENOTFOUND message lists what the
 * index offers). Attestation entries ("unknown/unknown") are never chosen.
 * want NULL means linux/amd64. Entries without a platform (OCI layouts) match
 * any want, but only when no entry names a matching platform. */
const struct descriptor *index_select(const struct manifest *index, const struct platform *want);
/* Entries that are real platform images (not attestations), for
 * --all-platforms, in index order. */
bool index_entry_is_image(const struct descriptor *d);

#endif
