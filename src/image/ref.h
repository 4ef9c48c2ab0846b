/* Image references in skopeo's transport syntax.
 *
 *   docker://host[:port]/name[:tag][@sha256:…]   a registry
 *   docker-archive:file.tar[:name:tag | :@N]     `docker save` output
 *   oci:dir[:tag]                                 an OCI image layout
 *   oci-archive:file.tar[:tag]                    a tar of an OCI layout
 *   name[:tag][@digest]                           Docker Hub, as `docker pull`
 *
 * Docker Hub names are normalised as docker does: "ubuntu" is
 * registry-1.docker.io/library/ubuntu:latest. */
#ifndef DREDGE_REF_H
#define DREDGE_REF_H

#include <stdbool.h>

enum ref_transport {
	REF_DOCKER,         /* a registry (docker:// or bare name) */
	REF_DOCKER_ARCHIVE, /* docker-archive: */
	REF_OCI,            /* oci: */
	REF_OCI_ARCHIVE,    /* oci-archive: */
};

#define REF_HUB_REGISTRY "registry-1.docker.io"
#define REF_HUB_DISPLAY  "docker.io"

struct image_ref {
	enum ref_transport transport;
	/* REF_DOCKER */
	char *registry;   /* "registry-1.docker.io" for Docker Hub, else host[:port] */
	char *repository; /* "library/ubuntu", "team/app" (lower case) */
	char *tag;        /* NULL when only a digest was given; "latest" by default */
	char *digest;     /* "sha256:…" or NULL */
	bool hub;         /* true for Docker Hub */
	/* archives and layouts */
	char *path;        /* file or directory */
	char *archive_ref; /* docker-archive: "name:tag" or NULL; oci/oci-archive: tag or NULL */
	int archive_index; /* docker-archive ":@N", else -1 */
};

/* Parses s. On failure returns DR_EFORMAT with a message that quotes s and
 * says what is wrong. *out is released with ref_release. */
int ref_parse(struct image_ref *out, const char *s);
void ref_release(struct image_ref *r);
/* Canonical text: "docker://host/name:tag@digest", "oci:dir:tag", … ;
 * the caller frees. Docker Hub references print as "docker.io/library/x:tag".
 * Registry references always carry "docker://"; the text parses back to the
 * same reference. */
char *ref_format(const struct image_ref *r);
/* The same registry reference pinned to a digest ("docker.io/x@sha256:…");
 * the caller frees. For archives and layouts: the canonical text followed by
 * "@digest", for display only. */
char *ref_format_digest(const struct image_ref *r, const char *digest);

#endif
