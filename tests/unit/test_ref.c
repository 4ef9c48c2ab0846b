#include "unit.h"

#include "image/ref.h"
#include "util/err.h"

#include <stdlib.h>

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Compares strings where NULL is a value. */
#define CHECK_OPT(a, b)                                                                            \
	do {                                                                                       \
		const char *ref_a = (a), *ref_b = (b);                                             \
		if ((ref_a == NULL) != (ref_b == NULL) || (ref_a && strcmp(ref_a, ref_b)))         \
			UNIT_FAIL("%s == \"%s\", expected \"%s\"", #a, ref_a ? ref_a : "(null)",   \
			          ref_b ? ref_b : "(null)");                                       \
	} while (0)

/* Parses in as a registry reference and checks every field and the
 * canonical form. */
static void docker_ok(int *unit_failed, const char *in, const char *registry, const char *repo,
                      const char *tag, const char *digest, bool hub, const char *formatted)
{
	struct image_ref r;
	char *f;
	int rc = ref_parse(&r, in);

	if (rc)
		UNIT_FAIL("ref_parse('%s') failed: %d %s", in, rc, err_msg());
	f = ref_format(&r);
	if (r.transport != REF_DOCKER || strcmp(r.registry, registry) ||
	    strcmp(r.repository, repo) || (!r.tag != !tag) || (tag && strcmp(r.tag, tag)) ||
	    (!r.digest != !digest) || (digest && strcmp(r.digest, digest)) || r.hub != hub ||
	    strcmp(f, formatted) || r.path || r.archive_ref || r.archive_index != -1) {
		fprintf(stderr, "  '%s' -> %s %s %s %s hub=%d '%s'\n", in, r.registry, r.repository,
		        r.tag ? r.tag : "(null)", r.digest ? r.digest : "(null)", r.hub, f);
		free(f);
		ref_release(&r);
		UNIT_FAIL("unexpected parse of '%s'", in);
	}
	free(f);
	ref_release(&r);
}

static void ref_bad(int *unit_failed, const char *in, int code, const char *msg)
{
	struct image_ref r;
	int rc = ref_parse(&r, in);

	if (rc == 0) {
		ref_release(&r);
		UNIT_FAIL("ref_parse('%s') succeeded", in);
	}
	CHECK_INT(rc, code);
	CHECK_STR(err_msg(), msg);
	CHECK_NULL(r.registry);
	CHECK_NULL(r.repository);
	CHECK_NULL(r.path);
}

#define DOCKER_OK(...)                                                                             \
	do {                                                                                       \
		docker_ok(unit_failed, __VA_ARGS__);                                               \
		if (*unit_failed)                                                                  \
			return;                                                                    \
	} while (0)

#define REF_BAD(...)                                                                               \
	do {                                                                                       \
		ref_bad(unit_failed, __VA_ARGS__);                                                 \
		if (*unit_failed)                                                                  \
			return;                                                                    \
	} while (0)

TEST(ref, hub_short_names)
{
	DOCKER_OK("ubuntu", "registry-1.docker.io", "library/ubuntu", "latest", NULL, true,
	          "docker://docker.io/library/ubuntu:latest");
	DOCKER_OK("ubuntu:22.04", "registry-1.docker.io", "library/ubuntu", "22.04", NULL, true,
	          "docker://docker.io/library/ubuntu:22.04");
	DOCKER_OK("bitnami/redis:7.2", "registry-1.docker.io", "bitnami/redis", "7.2", NULL, true,
	          "docker://docker.io/bitnami/redis:7.2");
	DOCKER_OK("docker:dind", "registry-1.docker.io", "library/docker", "dind", NULL, true,
	          "docker://docker.io/library/docker:dind");
	DOCKER_OK("a/b/c/d", "registry-1.docker.io", "a/b/c/d", "latest", NULL, true,
	          "docker://docker.io/a/b/c/d:latest");
	/* no '/': "localhost:5000" is the image localhost with tag 5000 */
	DOCKER_OK("localhost:5000", "registry-1.docker.io", "library/localhost", "5000", NULL, true,
	          "docker://docker.io/library/localhost:5000");
}

TEST(ref, hub_host_aliases)
{
	DOCKER_OK("docker.io/ubuntu", "registry-1.docker.io", "library/ubuntu", "latest", NULL,
	          true, "docker://docker.io/library/ubuntu:latest");
	DOCKER_OK("docker.io/library/nginx:1.25", "registry-1.docker.io", "library/nginx", "1.25",
	          NULL, true, "docker://docker.io/library/nginx:1.25");
	DOCKER_OK("index.docker.io/team/app:v1", "registry-1.docker.io", "team/app", "v1", NULL,
	          true, "docker://docker.io/team/app:v1");
	DOCKER_OK("registry-1.docker.io/alpine", "registry-1.docker.io", "library/alpine", "latest",
	          NULL, true, "docker://docker.io/library/alpine:latest");
	DOCKER_OK("docker://docker.io/library/busybox:1.36", "registry-1.docker.io",
	          "library/busybox", "1.36", NULL, true, "docker://docker.io/library/busybox:1.36");
	DOCKER_OK("docker://busybox", "registry-1.docker.io", "library/busybox", "latest", NULL,
	          true, "docker://docker.io/library/busybox:latest");
}

TEST(ref, other_registries)
{
	DOCKER_OK("localhost/app", "localhost", "app", "latest", NULL, false,
	          "docker://localhost/app:latest");
	DOCKER_OK("localhost:5000/team/app:1.0", "localhost:5000", "team/app", "1.0", NULL, false,
	          "docker://localhost:5000/team/app:1.0");
	DOCKER_OK("docker://127.0.0.1:41234/x/y:t", "127.0.0.1:41234", "x/y", "t", NULL, false,
	          "docker://127.0.0.1:41234/x/y:t");
	DOCKER_OK("ghcr.io/owner/image", "ghcr.io", "owner/image", "latest", NULL, false,
	          "docker://ghcr.io/owner/image:latest");
	DOCKER_OK("quay.io/prometheus/node-exporter:v1.7.0", "quay.io", "prometheus/node-exporter",
	          "v1.7.0", NULL, false, "docker://quay.io/prometheus/node-exporter:v1.7.0");
	DOCKER_OK("[::1]:5000/app:x", "[::1]:5000", "app", "x", NULL, false,
	          "docker://[::1]:5000/app:x");
	DOCKER_OK("My.Registry.Example/app", "My.Registry.Example", "app", "latest", NULL, false,
	          "docker://My.Registry.Example/app:latest");
	/* a first component without '.', ':' or "localhost" is a Hub namespace */
	DOCKER_OK("myhost/app", "registry-1.docker.io", "myhost/app", "latest", NULL, true,
	          "docker://docker.io/myhost/app:latest");
}

TEST(ref, tags_and_digests)
{
	DOCKER_OK("ubuntu@sha256:" D64, "registry-1.docker.io", "library/ubuntu", NULL,
	          "sha256:" D64, true, "docker://docker.io/library/ubuntu@sha256:" D64);
	DOCKER_OK("ubuntu:22.04@sha256:" D64, "registry-1.docker.io", "library/ubuntu", "22.04",
	          "sha256:" D64, true, "docker://docker.io/library/ubuntu:22.04@sha256:" D64);
	DOCKER_OK("localhost:5000/app@sha256:" D64, "localhost:5000", "app", NULL, "sha256:" D64,
	          false, "docker://localhost:5000/app@sha256:" D64);
	DOCKER_OK("app:_Under.score-1", "registry-1.docker.io", "library/app", "_Under.score-1",
	          NULL, true, "docker://docker.io/library/app:_Under.score-1");
	DOCKER_OK("a.b__c--d-e:t", "registry-1.docker.io", "library/a.b__c--d-e", "t", NULL, true,
	          "docker://docker.io/library/a.b__c--d-e:t");
}

TEST(ref, tag_length)
{
	char in[200];
	char tag[130];

	memset(tag, 'a', 128);
	tag[128] = '\0';
	snprintf(in, sizeof(in), "x:%s", tag);
	DOCKER_OK(
	    in, "registry-1.docker.io", "library/x", tag, NULL, true,
	    "docker://docker.io/library/x:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	snprintf(in, sizeof(in), "x:%sa", tag);
	{
		struct image_ref r;

		CHECK_INT(ref_parse(&r, in), DR_EFORMAT);
		CHECK(strstr(err_msg(), "invalid tag 'aaaa") != NULL);
	}
}

TEST(ref, uppercase_repository)
{
	REF_BAD("Foo/Bar", DR_EFORMAT,
	        "invalid reference 'Foo/Bar': repository name must be lowercase");
	REF_BAD("Ubuntu", DR_EFORMAT,
	        "invalid reference 'Ubuntu': repository name must be lowercase");
	REF_BAD("ghcr.io/Owner/app", DR_EFORMAT,
	        "invalid reference 'ghcr.io/Owner/app': repository name must be lowercase");
	REF_BAD("docker://docker.io/Library/x", DR_EFORMAT,
	        "invalid reference 'docker://docker.io/Library/x': repository name must be "
	        "lowercase");
}

TEST(ref, malformed_names)
{
	REF_BAD("", DR_EFORMAT, "invalid reference '': empty");
	REF_BAD("docker://", DR_EFORMAT, "invalid reference 'docker://': empty image name");
	REF_BAD(":tag", DR_EFORMAT, "invalid reference ':tag': empty image name");
	REF_BAD("-app", DR_EFORMAT, "invalid reference '-app': invalid repository name '-app'");
	REF_BAD("app-", DR_EFORMAT, "invalid reference 'app-': invalid repository name 'app-'");
	REF_BAD("a..b", DR_EFORMAT, "invalid reference 'a..b': invalid repository name 'a..b'");
	REF_BAD("a___b", DR_EFORMAT, "invalid reference 'a___b': invalid repository name 'a___b'");
	REF_BAD("team//app", DR_EFORMAT,
	        "invalid reference 'team//app': invalid repository name 'team//app'");
	REF_BAD("ghcr.io/", DR_EFORMAT, "invalid reference 'ghcr.io/': invalid repository name ''");
	REF_BAD("team/app/", DR_EFORMAT,
	        "invalid reference 'team/app/': invalid repository name 'team/app/'");
	REF_BAD("ubuntu:", DR_EFORMAT, "invalid reference 'ubuntu:': invalid tag ''");
	REF_BAD("ubuntu:-x", DR_EFORMAT, "invalid reference 'ubuntu:-x': invalid tag '-x'");
	REF_BAD("ubuntu:a+b", DR_EFORMAT, "invalid reference 'ubuntu:a+b': invalid tag 'a+b'");
	REF_BAD("ubuntu latest", DR_EFORMAT,
	        "invalid reference 'ubuntu latest': contains a space or control character");
	REF_BAD("bad_host.io:x/app", DR_EFORMAT,
	        "invalid reference 'bad_host.io:x/app': invalid registry host 'bad_host.io:x'");
	REF_BAD("-bad.io/app", DR_EFORMAT,
	        "invalid reference '-bad.io/app': invalid registry host '-bad.io'");
	REF_BAD("host.io:/app", DR_EFORMAT,
	        "invalid reference 'host.io:/app': invalid registry host 'host.io:'");
	REF_BAD("dir:/tmp/x", DR_EUNSUPPORTED,
	        "invalid reference 'dir:/tmp/x': transport 'dir' is not supported");
	REF_BAD("containers-storage:x", DR_EUNSUPPORTED,
	        "invalid reference 'containers-storage:x': transport 'containers-storage' is not "
	        "supported");
}

TEST(ref, malformed_digests)
{
	REF_BAD("ubuntu@sha256:abc", DR_EFORMAT,
	        "invalid reference 'ubuntu@sha256:abc': malformed digest 'sha256:abc'");
	REF_BAD("ubuntu@sha256:" D64 "0", DR_EFORMAT,
	        "invalid reference 'ubuntu@sha256:" D64 "0': malformed digest 'sha256:" D64 "0'");
	REF_BAD("ubuntu@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	        DR_EFORMAT,
	        "invalid reference "
	        "'ubuntu@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef': "
	        "malformed digest "
	        "'sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef'");
	REF_BAD("ubuntu@sha512:" D64 D64, DR_EUNSUPPORTED,
	        "invalid reference 'ubuntu@sha512:" D64 D64
	        "': unsupported digest algorithm (only sha256)");
	REF_BAD("ubuntu@", DR_EFORMAT, "invalid reference 'ubuntu@': malformed digest ''");
	REF_BAD("ubuntu@sha256:abc@x", DR_EFORMAT,
	        "invalid reference 'ubuntu@sha256:abc@x': malformed digest 'sha256:abc@x'");
}

TEST(ref, length_caps)
{
	char *in = malloc(4200);
	struct image_ref r;
	int rc;

	/* distribution's 255 applies to the normalised name: docker.io/library/ + 237 */
	memset(in, 'a', 238);
	in[238] = '\0';
	rc = ref_parse(&r, in);
	CHECK_INT(rc, DR_EFORMAT);
	CHECK(strstr(err_msg(), "…': repository name must not be more than 255 characters"));
	in[237] = '\0';
	rc = ref_parse(&r, in);
	CHECK_INT(rc, 0);
	CHECK_INT(strlen(r.repository), 245);
	ref_release(&r);
	memcpy(in, "ghcr.io/", 8);
	in[255] = '\0';
	memset(in + 8, 'b', 247);
	rc = ref_parse(&r, in);
	CHECK_INT(rc, 0);
	ref_release(&r);
	in[256] = '\0';
	in[255] = 'b';
	rc = ref_parse(&r, in);
	CHECK_INT(rc, DR_EFORMAT);
	/* the whole reference is capped at 4096 bytes; the message quotes a prefix */
	memcpy(in, "oci:", 4);
	memset(in + 4, 'p', 4093);
	in[4097] = '\0';
	rc = ref_parse(&r, in);
	CHECK_INT(rc, DR_EFORMAT);
	CHECK(strstr(err_msg(), "pppp…': longer than 4096 bytes") != NULL);
	CHECK(strlen(err_msg()) < 300);
	in[4096] = '\0';
	rc = ref_parse(&r, in);
	CHECK_INT(rc, 0);
	CHECK_INT(strlen(r.path), 4092);
	ref_release(&r);
	free(in);
}

TEST(ref, docker_archive)
{
	struct image_ref r;
	char *f;

	CHECK_INT(ref_parse(&r, "docker-archive:/tmp/img.tar"), 0);
	CHECK_INT(r.transport, REF_DOCKER_ARCHIVE);
	CHECK_STR(r.path, "/tmp/img.tar");
	CHECK_NULL(r.archive_ref);
	CHECK_INT(r.archive_index, -1);
	CHECK_NULL(r.registry);
	f = ref_format(&r);
	CHECK_STR(f, "docker-archive:/tmp/img.tar");
	free(f);
	ref_release(&r);

	CHECK_INT(ref_parse(&r, "docker-archive:img.tar:busybox:1.36"), 0);
	CHECK_STR(r.path, "img.tar");
	CHECK_STR(r.archive_ref, "busybox:1.36");
	CHECK_INT(r.archive_index, -1);
	f = ref_format(&r);
	CHECK_STR(f, "docker-archive:img.tar:busybox:1.36");
	free(f);
	ref_release(&r);

	CHECK_INT(ref_parse(&r, "docker-archive:img.tar:localhost:5000/app"), 0);
	CHECK_STR(r.archive_ref, "localhost:5000/app:latest");
	ref_release(&r);

	CHECK_INT(ref_parse(&r, "docker-archive:img.tar:busybox"), 0);
	CHECK_STR(r.archive_ref, "busybox:latest");
	ref_release(&r);

	CHECK_INT(ref_parse(&r, "docker-archive:save.tar:@2"), 0);
	CHECK_STR(r.path, "save.tar");
	CHECK_NULL(r.archive_ref);
	CHECK_INT(r.archive_index, 2);
	f = ref_format(&r);
	CHECK_STR(f, "docker-archive:save.tar:@2");
	free(f);
	ref_release(&r);

	CHECK_INT(ref_parse(&r, "docker-archive:save.tar:"), 0);
	CHECK_STR(r.path, "save.tar");
	CHECK_NULL(r.archive_ref);
	ref_release(&r);

	REF_BAD("docker-archive:", DR_EFORMAT, "invalid reference 'docker-archive:': empty path");
	REF_BAD("docker-archive::x:y", DR_EFORMAT,
	        "invalid reference 'docker-archive::x:y': empty path");
	REF_BAD("docker-archive:a.tar:@x", DR_EFORMAT,
	        "invalid reference 'docker-archive:a.tar:@x': invalid image index 'x'");
	REF_BAD("docker-archive:a.tar:@-1", DR_EFORMAT,
	        "invalid reference 'docker-archive:a.tar:@-1': invalid image index '-1'");
	REF_BAD(
	    "docker-archive:a.tar:Busybox", DR_EFORMAT,
	    "invalid reference 'docker-archive:a.tar:Busybox': repository name must be lowercase");
	REF_BAD("docker-archive:a.tar:busybox@sha256:" D64, DR_EFORMAT,
	        "invalid reference 'docker-archive:a.tar:busybox@sha256:" D64
	        "': docker-archive does not take a digest");
}

TEST(ref, oci_layouts)
{
	struct image_ref r;
	char *f;

	CHECK_INT(ref_parse(&r, "oci:/var/lib/layout"), 0);
	CHECK_INT(r.transport, REF_OCI);
	CHECK_STR(r.path, "/var/lib/layout");
	CHECK_NULL(r.archive_ref);
	CHECK_INT(r.archive_index, -1);
	f = ref_format(&r);
	CHECK_STR(f, "oci:/var/lib/layout");
	free(f);
	ref_release(&r);

	CHECK_INT(ref_parse(&r, "oci:layout:v1.2"), 0);
	CHECK_STR(r.path, "layout");
	CHECK_STR(r.archive_ref, "v1.2");
	f = ref_format(&r);
	CHECK_STR(f, "oci:layout:v1.2");
	free(f);
	ref_release(&r);

	/* the ref.name grammar allows '/', ':' and '@' */
	CHECK_INT(ref_parse(&r, "oci:dir:docker.io/library/alpine:3.19"), 0);
	CHECK_STR(r.path, "dir");
	CHECK_STR(r.archive_ref, "docker.io/library/alpine:3.19");
	ref_release(&r);

	CHECK_INT(ref_parse(&r, "oci-archive:/tmp/a.tar:Latest"), 0);
	CHECK_INT(r.transport, REF_OCI_ARCHIVE);
	CHECK_STR(r.path, "/tmp/a.tar");
	CHECK_STR(r.archive_ref, "Latest");
	f = ref_format(&r);
	CHECK_STR(f, "oci-archive:/tmp/a.tar:Latest");
	free(f);
	ref_release(&r);

	CHECK_INT(ref_parse(&r, "oci-archive:a.tar"), 0);
	CHECK_STR(r.path, "a.tar");
	CHECK_NULL(r.archive_ref);
	ref_release(&r);

	REF_BAD("oci:", DR_EFORMAT, "invalid reference 'oci:': empty path");
	REF_BAD("oci::tag", DR_EFORMAT, "invalid reference 'oci::tag': empty path");
	REF_BAD("oci-archive:", DR_EFORMAT, "invalid reference 'oci-archive:': empty path");
	REF_BAD("oci:dir:-x", DR_EFORMAT,
	        "invalid reference 'oci:dir:-x': invalid image name '-x'");
	REF_BAD("oci:dir:a..b", DR_EFORMAT,
	        "invalid reference 'oci:dir:a..b': invalid image name 'a..b'");
	REF_BAD("oci:dir:a/", DR_EFORMAT,
	        "invalid reference 'oci:dir:a/': invalid image name 'a/'");
}

TEST(ref, format_digest)
{
	struct image_ref r;
	char *f;

	CHECK_INT(ref_parse(&r, "ubuntu:22.04"), 0);
	f = ref_format_digest(&r, "sha256:" D64);
	CHECK_STR(f, "docker.io/library/ubuntu@sha256:" D64);
	free(f);
	ref_release(&r);

	CHECK_INT(ref_parse(&r, "localhost:5000/a/b@sha256:" D64), 0);
	f = ref_format_digest(&r, "sha256:" D64);
	CHECK_STR(f, "localhost:5000/a/b@sha256:" D64);
	free(f);
	ref_release(&r);

	CHECK_INT(ref_parse(&r, "oci:dir:v1"), 0);
	f = ref_format_digest(&r, "sha256:" D64);
	CHECK_STR(f, "oci:dir:v1@sha256:" D64);
	free(f);
	ref_release(&r);
}

TEST(ref, round_trip)
{
	static const char *const in[] = {
	    "ubuntu",
	    "ubuntu:22.04@sha256:" D64,
	    "localhost:5000/team/app:1.0",
	    "docker://[::1]:5000/app@sha256:" D64,
	    "docker-archive:a.tar:busybox:1.36",
	    "docker-archive:a.tar:@0",
	    "oci:dir:docker.io/library/alpine:3.19",
	    "oci-archive:x.tar",
	};

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct image_ref a, b;
		char *fa, *fb;

		CHECK_INT(ref_parse(&a, in[i]), 0);
		fa = ref_format(&a);
		CHECK_INT(ref_parse(&b, fa), 0);
		fb = ref_format(&b);
		CHECK_STR(fa, fb);
		CHECK_INT(a.transport, b.transport);
		CHECK_INT(a.hub, b.hub);
		CHECK_INT(a.archive_index, b.archive_index);
		free(fa);
		free(fb);
		ref_release(&a);
		ref_release(&b);
	}
}

TEST(ref, release_twice)
{
	struct image_ref r;

	CHECK_INT(ref_parse(&r, "ghcr.io/a/b:c"), 0);
	ref_release(&r);
	ref_release(&r);
	ref_release(NULL);
	CHECK_NULL(r.registry);
	CHECK_INT(r.archive_index, -1);
}
