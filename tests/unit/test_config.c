#include "unit.h"

#include "image/manifest.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdlib.h>

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

/* A Debian-style config from the classic builder. */
static const char debian_config[] =
    "{\"architecture\":\"amd64\",\"config\":{\"Hostname\":\"\",\"Domainname\":\"\","
    "\"User\":\"\",\"AttachStdin\":false,\"Tty\":false,\"Env\":[\"PATH=/usr/local/sbin:"
    "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"NGINX_VERSION=1.25.3\"],"
    "\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],\"Image\":\"sha256:abc\",\"Volumes\":null,"
    "\"WorkingDir\":\"\",\"Entrypoint\":[\"/docker-entrypoint.sh\"],\"OnBuild\":null,"
    "\"Labels\":{\"maintainer\":\"NGINX Docker Maintainers <docker-maint@nginx.com>\"},"
    "\"ExposedPorts\":{\"80/tcp\":{},\"443/tcp\":{}},\"StopSignal\":\"SIGQUIT\"},"
    "\"container_config\":{\"Cmd\":[\"/bin/sh\",\"-c\",\"#(nop) \",\"CMD [\\\"nginx\\\"]\"]},"
    "\"created\":\"2023-12-19T03:40:24.262289429Z\",\"docker_version\":\"20.10.23\","
    "\"history\":["
    "{\"created\":\"2023-12-19T01:20:07.5Z\",\"created_by\":\"/bin/sh -c #(nop) ADD "
    "file:2e2d7d3e2d9b8b8a0e8c9d6e1f5c4b3a2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6 in / \"},"
    "{\"created\":\"2023-12-19T01:20:07.9Z\",\"created_by\":\"/bin/sh -c #(nop)  CMD "
    "[\\\"bash\\\"]\",\"empty_layer\":true},"
    "{\"created\":\"2023-12-19T03:40:01Z\",\"created_by\":\"/bin/sh -c #(nop)  LABEL "
    "maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>\",\"empty_layer\":true},"
    "{\"created\":\"2023-12-19T03:40:21Z\",\"created_by\":\"/bin/sh -c set -x     && "
    "apt-get update\\n    && apt-get install -y nginx\",\"comment\":\"big one\"},"
    "{\"created\":\"2023-12-19T03:40:22Z\",\"created_by\":\"/bin/sh -c #(nop) COPY "
    "file:e57eef017a414ca793499729d80a7b9075790c9a804f930f1417e56d506970cf in / \"},"
    "{\"created\":\"2023-12-19T03:40:23Z\",\"created_by\":\"/bin/sh -c #(nop)  EXPOSE "
    "map[80/tcp:{} 443/tcp:{}]\",\"empty_layer\":true},"
    "{\"created\":\"2023-12-19T03:40:24Z\",\"created_by\":\"/bin/sh -c #(nop)  CMD "
    "[\\\"nginx\\\" \\\"-g\\\" \\\"daemon off;\\\"]\",\"empty_layer\":true}"
    "],\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\",\"" D3
    "\"]}}";

static int parse(struct image_config *c, const char *doc)
{
	struct limits l;

	limits_default(&l);
	return config_parse(c, doc, strlen(doc), &l);
}

static void config_bad(int *unit_failed, const char *doc, int code, const char *msg)
{
	struct image_config c;
	int rc = parse(&c, doc);

	if (!rc) {
		config_release(&c);
		UNIT_FAIL("config_parse('%s') succeeded", doc);
	}
	CHECK_INT(rc, code);
	CHECK_STR(err_msg(), msg);
	CHECK_NULL(c.history);
	CHECK_NULL(c.os);
	CHECK_INT(c.env.n, 0);
}

#define CONFIG_BAD(...)                                                                            \
	do {                                                                                       \
		config_bad(unit_failed, __VA_ARGS__);                                              \
		if (*unit_failed)                                                                  \
			return;                                                                    \
	} while (0)

TEST(config, debian_classic)
{
	struct image_config c;

	CHECK_INT(parse(&c, debian_config), 0);
	CHECK_STR(c.arch, "amd64");
	CHECK_STR(c.os, "linux");
	CHECK_NULL(c.variant);
	CHECK_NULL(c.author);
	CHECK_STR(c.created, "2023-12-19T03:40:24.262289429Z");
	CHECK(c.entrypoint.set);
	CHECK_INT(c.entrypoint.n, 1);
	CHECK_STR(c.entrypoint.v[0], "/docker-entrypoint.sh");
	CHECK_INT(c.cmd.n, 3);
	CHECK_STR(c.cmd.v[2], "daemon off;");
	CHECK_INT(c.env.n, 2);
	CHECK_STR(c.env.v[1], "NGINX_VERSION=1.25.3");
	CHECK(c.exposed_ports.set);
	CHECK_INT(c.exposed_ports.n, 2);
	CHECK_STR(c.exposed_ports.v[0], "80/tcp");
	CHECK_STR(c.exposed_ports.v[1], "443/tcp");
	CHECK(!c.volumes.set);
	CHECK_INT(c.volumes.n, 0);
	CHECK_STR(c.user, "");
	CHECK_STR(c.working_dir, "");
	CHECK_STR(c.stop_signal, "SIGQUIT");
	CHECK_INT(c.n_labels, 1);
	CHECK_STR(c.labels[0].key, "maintainer");
	CHECK_STR(c.labels[0].value, "NGINX Docker Maintainers <docker-maint@nginx.com>");
	CHECK(c.diff_ids.set);
	CHECK_INT(c.diff_ids.n, 3);
	CHECK_STR(c.diff_ids.v[2], D3);
	CHECK_INT(c.n_history, 7);
	CHECK_INT(c.history[0].layer, 0);
	CHECK_INT(c.history[1].layer, -1);
	CHECK(c.history[1].empty_layer);
	CHECK_INT(c.history[2].layer, -1);
	CHECK_INT(c.history[3].layer, 1);
	CHECK_STR(c.history[3].comment, "big one");
	CHECK_INT(c.history[4].layer, 2);
	CHECK_INT(c.history[6].layer, -1);
	CHECK_STR(c.history[0].instruction,
	          "ADD file:2e2d7d3e2d9b8b8a0e8c9d6e1f5c4b3a2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6 /");
	CHECK_STR(c.history[1].instruction, "CMD [\"bash\"]");
	CHECK_STR(c.history[5].instruction, "EXPOSE 80/tcp 443/tcp");
	CHECK_STR(c.history[6].instruction, "CMD [\"nginx\", \"-g\", \"daemon off;\"]");
	CHECK_STR(c.history[6].created_by,
	          "/bin/sh -c #(nop)  CMD [\"nginx\" \"-g\" \"daemon off;\"]");
	CHECK(config_layer_history(&c, 0) == &c.history[0]);
	CHECK(config_layer_history(&c, 1) == &c.history[3]);
	CHECK(config_layer_history(&c, 2) == &c.history[4]);
	CHECK_NULL(config_layer_history(&c, 3));
	config_release(&c);
	CHECK_NULL(c.history);
	config_release(&c);
	config_release(NULL);
}

TEST(config, dockerfile)
{
	struct image_config c;
	struct buf b = BUF_INIT;

	CHECK_INT(parse(&c, debian_config), 0);
	CHECK_INT(config_dockerfile(&b, &c), 0);
	CHECK_STR(buf_cstr(&b),
	          "FROM scratch\n"
	          "ADD file:2e2d7d3e2d9b8b8a0e8c9d6e1f5c4b3a2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6 /\n"
	          "CMD [\"bash\"]\n"
	          "LABEL maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>\n"
	          "RUN set -x     && apt-get update \\\n"
	          "    && apt-get install -y nginx\n"
	          "COPY file:e57eef017a414ca793499729d80a7b9075790c9a804f930f1417e56d506970cf /\n"
	          "EXPOSE 80/tcp 443/tcp\n"
	          "CMD [\"nginx\", \"-g\", \"daemon off;\"]\n");
	buf_release(&b);
	config_release(&c);

	/* a bounded buffer reports the limit */
	CHECK_INT(parse(&c, debian_config), 0);
	buf_init(&b, 20);
	CHECK_INT(config_dockerfile(&b, &c), DR_ELIMIT);
	buf_release(&b);
	config_release(&c);

	CHECK_INT(parse(&c, "{}"), 0);
	CHECK_INT(config_dockerfile(&b, &c), 0);
	CHECK_STR(buf_cstr(&b), "FROM scratch\n");
	buf_release(&b);
	config_release(&c);
}

TEST(config, container_config_fallback)
{
	static const char doc[] =
	    "{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\",\"author\":\"me\","
	    "\"container_config\":{\"Cmd\":\"/bin/sh\",\"Entrypoint\":null,\"User\":\"1000\","
	    "\"Volumes\":{\"/data\":{},\"/logs\":{}},\"WorkingDir\":\"/app\",\"Labels\":null}}";
	struct image_config c;

	CHECK_INT(parse(&c, doc), 0);
	CHECK_STR(c.variant, "v7");
	CHECK_STR(c.author, "me");
	CHECK(c.cmd.set);
	CHECK_INT(c.cmd.n, 1);
	CHECK_STR(c.cmd.v[0], "/bin/sh");
	CHECK(!c.entrypoint.set);
	CHECK(!c.env.set);
	CHECK_STR(c.user, "1000");
	CHECK_STR(c.working_dir, "/app");
	CHECK_NULL(c.stop_signal);
	CHECK_INT(c.volumes.n, 2);
	CHECK_STR(c.volumes.v[1], "/logs");
	CHECK_INT(c.n_labels, 0);
	CHECK(!c.diff_ids.set);
	CHECK_INT(c.n_history, 0);
	config_release(&c);

	/* "config" wins when present; an empty list is set but empty */
	CHECK_INT(parse(&c, "{\"config\":{\"Env\":[]},\"container_config\":{\"Env\":[\"A=1\"]}}"),
	          0);
	CHECK(c.env.set);
	CHECK_INT(c.env.n, 0);
	config_release(&c);
	CHECK_INT(parse(&c, "{\"config\":null,\"container_config\":{\"Env\":[\"A=1\"]}}"), 0);
	CHECK_INT(c.env.n, 1);
	config_release(&c);
}

TEST(config, history_layer_mapping)
{
	static const char more_history[] =
	    "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]},\"history\":["
	    "{\"created_by\":\"a\"},{\"created_by\":\"b\",\"empty_layer\":false},"
	    "{\"created_by\":\"c\",\"empty_layer\":true},{\"created_by\":\"d\"}]}";
	static const char more_layers[] =
	    "{\"rootfs\":{\"diff_ids\":[\"" D1 "\",\"" D2 "\",\"" D3 "\"]},\"history\":["
	    "{\"created_by\":\"/bin/sh -c true\"}]}";
	struct image_config c;

	CHECK_INT(parse(&c, more_history), 0);
	CHECK_INT(c.n_history, 4);
	CHECK_INT(c.history[0].layer, 0);
	CHECK_INT(c.history[1].layer, -1);
	CHECK_INT(c.history[2].layer, -1);
	CHECK_INT(c.history[3].layer, -1);
	CHECK(config_layer_history(&c, 0) == &c.history[0]);
	CHECK_NULL(config_layer_history(&c, 1));
	config_release(&c);

	CHECK_INT(parse(&c, more_layers), 0);
	CHECK_INT(c.history[0].layer, 0);
	CHECK_STR(c.history[0].instruction, "RUN true");
	CHECK_NULL(config_layer_history(&c, 1));
	CHECK_NULL(config_layer_history(&c, 2));
	config_release(&c);
}

TEST(config, malformed)
{
	CONFIG_BAD(
	    "", DR_EFORMAT,
	    "config: malformed JSON at line 1 column 0: '[' or '{' expected near end of file");
	CONFIG_BAD("\"x\"", DR_EFORMAT,
	           "config: malformed JSON at line 1 column 3: '[' or '{' expected near '\"x\"'");
	CONFIG_BAD("[]", DR_EFORMAT, "config: not a JSON object");
	CONFIG_BAD("{\"os\":1}", DR_EFORMAT, "config: 'os' is not a string");
	CONFIG_BAD("{\"os\":\"linux\",\"config\":[]}", DR_EFORMAT,
	           "config: 'config' is not an object");
	CONFIG_BAD("{\"config\":{\"Env\":\"A=1\"}}", DR_EFORMAT,
	           "config: config.Env is not a list of strings");
	CONFIG_BAD("{\"config\":{\"Cmd\":[\"a\",1]}}", DR_EFORMAT,
	           "config: config.Cmd[1] is not a string");
	CONFIG_BAD("{\"config\":{\"ExposedPorts\":[\"80/tcp\"]}}", DR_EFORMAT,
	           "config: config.ExposedPorts is not an object");
	CONFIG_BAD("{\"config\":{\"Labels\":{\"a\":1}}}", DR_EFORMAT,
	           "config: label 'a' is not a string");
	CONFIG_BAD("{\"config\":{\"User\":0}}", DR_EFORMAT, "config: config.User is not a string");
	CONFIG_BAD("{\"rootfs\":[]}", DR_EFORMAT, "config: 'rootfs' is not an object");
	CONFIG_BAD("{\"rootfs\":{\"diff_ids\":{}}}", DR_EFORMAT,
	           "config: rootfs.diff_ids is not an array");
	CONFIG_BAD("{\"rootfs\":{\"diff_ids\":[\"" D1 "\",\"sha256:xyz\"]}}", DR_EFORMAT,
	           "config: rootfs.diff_ids[1]: malformed digest 'sha256:xyz'");
	CONFIG_BAD("{\"rootfs\":{\"diff_ids\":[\"sha384:abcdef\"]}}", DR_EUNSUPPORTED,
	           "config: rootfs.diff_ids[0]: unsupported digest algorithm in 'sha384:abcdef'");
	CONFIG_BAD("{\"rootfs\":{\"diff_ids\":[7]}}", DR_EFORMAT,
	           "config: rootfs.diff_ids[0] is not a string");
	CONFIG_BAD("{\"history\":{}}", DR_EFORMAT, "config: 'history' is not an array");
	CONFIG_BAD("{\"history\":[{},1]}", DR_EFORMAT, "config: history[1] is not an object");
	CONFIG_BAD("{\"history\":[{\"created_by\":[]}]}", DR_EFORMAT,
	           "config: history[0].created_by is not a string");
	CONFIG_BAD("{\"history\":[{\"empty_layer\":\"true\"}]}", DR_EFORMAT,
	           "config: history[0].empty_layer is not a boolean");
	CONFIG_BAD("{\"os\":\"linux\",\"os\":\"windows\"}", DR_EFORMAT,
	           "config: malformed JSON at line 1 column 18: duplicate object key near "
	           "'\"os\"'");
}

TEST(config, limits)
{
	struct limits l;
	struct image_config c;
	struct buf doc = BUF_INIT;
	int rc;

	limits_default(&l);
	buf_adds(&doc, "{\"history\":[");
	for (int i = 0; i < 10001; i++)
		buf_addf(&doc, "%s{\"empty_layer\":true}", i ? "," : "");
	buf_adds(&doc, "]}");
	rc = config_parse(&c, doc.ptr, doc.len, &l);
	CHECK_INT(rc, DR_ELIMIT);
	CHECK_STR(err_msg(), "config: 10001 history entries, more than the limit of 10000");
	CHECK_INT(c.n_history, 0);

	l.layers = 2;
	rc = config_parse(&c, debian_config, strlen(debian_config), &l);
	CHECK_INT(rc, DR_ELIMIT);
	CHECK_STR(err_msg(), "config: 3 diff_ids, more than the limit of 2");

	l.json_depth = 1;
	rc = config_parse(&c, debian_config, strlen(debian_config), &l);
	CHECK_INT(rc, DR_ELIMIT);
	CHECK_STR(err_msg(), "config: JSON nesting deeper than 1");
	buf_release(&doc);
}

static void instr(int *unit_failed, const char *created_by, const char *want)
{
	char *got = history_instruction(created_by);

	if (strcmp(got, want)) {
		fprintf(stderr, "  created_by: %s\n", created_by ? created_by : "(null)");
		fprintf(stderr, "  got:        %s\n  expected:   %s\n", got, want);
		free(got);
		UNIT_FAIL("history_instruction mismatch");
	}
	free(got);
}

#define INSTR(a, b)                                                                                \
	do {                                                                                       \
		instr(unit_failed, a, b);                                                          \
		if (*unit_failed)                                                                  \
			return;                                                                    \
	} while (0)

TEST(history, classic_builder)
{
	INSTR("/bin/sh -c #(nop)  CMD [\"bash\"]", "CMD [\"bash\"]");
	INSTR("/bin/sh -c #(nop) ADD file:abc in / ", "ADD file:abc /");
	INSTR("/bin/sh -c #(nop) COPY file:4c1b4a1ad8a2e4c7 in /app ",
	      "COPY file:4c1b4a1ad8a2e4c7 /app");
	INSTR("/bin/sh -c #(nop) COPY dir:9f7e in /x ", "COPY dir:9f7e /x");
	INSTR("/bin/sh -c #(nop) ADD multi:0f1e in /usr/share/ ", "ADD multi:0f1e /usr/share/");
	INSTR("/bin/sh -c apt-get update", "RUN apt-get update");
	INSTR("/bin/sh -c set -eux; \tapt-get install -y curl; rm -rf /var/lib/apt/lists/*",
	      "RUN set -eux; \tapt-get install -y curl; rm -rf /var/lib/apt/lists/*");
	INSTR("|2 A=1 B=2 /bin/sh -c make", "RUN A=1 B=2 make");
	INSTR("|1 VERSION=3.2 /bin/sh -c curl -O https://x/$VERSION.tgz",
	      "RUN VERSION=3.2 curl -O https://x/$VERSION.tgz");
	INSTR("|0 /bin/sh -c make", "RUN make");
	INSTR("/bin/sh -c #(nop)  ENV A=b", "ENV A=b");
	INSTR("/bin/sh -c #(nop)  ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
	      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin");
	INSTR("/bin/sh -c #(nop) WORKDIR /app", "WORKDIR /app");
	INSTR("/bin/sh -c #(nop)  EXPOSE map[80/tcp:{}]", "EXPOSE 80/tcp");
	INSTR("/bin/sh -c #(nop)  EXPOSE 8080", "EXPOSE 8080");
	INSTR("/bin/sh -c #(nop)  LABEL org.opencontainers.image.version=1.2",
	      "LABEL org.opencontainers.image.version=1.2");
	INSTR("/bin/sh -c #(nop)  USER nobody", "USER nobody");
	INSTR("/bin/sh -c #(nop)  ENTRYPOINT [\"docker-entrypoint.sh\"]",
	      "ENTRYPOINT [\"docker-entrypoint.sh\"]");
	INSTR("/bin/sh -c #(nop)  ENTRYPOINT [\"/bin/sh\" \"-c\" \"echo \\\"hi\\\"\\tthere\"]",
	      "ENTRYPOINT [\"/bin/sh\", \"-c\", \"echo \\\"hi\\\"\\tthere\"]");
	INSTR("/bin/sh -c #(nop)  CMD []", "CMD []");
	INSTR("/bin/sh -c #(nop)  ARG VERSION=1.0", "ARG VERSION=1.0");
	INSTR("/bin/sh -c #(nop)  SHELL [/bin/bash -o pipefail -c]",
	      "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]");
	INSTR("/bin/sh -c #(nop)  VOLUME [/var/lib/mysql]", "VOLUME [\"/var/lib/mysql\"]");
	INSTR("/bin/sh -c #(nop)  STOPSIGNAL SIGQUIT", "STOPSIGNAL SIGQUIT");
	INSTR("/bin/sh -c #(nop)  ONBUILD RUN make install", "ONBUILD RUN make install");
	INSTR("/bin/sh -c #(nop)  MAINTAINER Jane <j@example.org>",
	      "MAINTAINER Jane <j@example.org>");
	INSTR("/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"curl -f http://localhost/ || exit "
	      "1\"] \"30s\" \"10s\" \"0s\" '\\x03'}",
	      "HEALTHCHECK --interval=30s --timeout=10s --retries=3 CMD curl -f http://localhost/ "
	      "|| exit 1");
	INSTR("/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD\" \"/bin/check\" \"-q\"] \"0s\" \"0s\" "
	      "\"5s\" \"0s\" '\\x00'}",
	      "HEALTHCHECK --start-period=5s CMD [\"/bin/check\", \"-q\"]");
	INSTR("/bin/sh -c #(nop)  HEALTHCHECK &{[\"NONE\"] \"0s\" \"0s\" \"0s\" '\\x00'}",
	      "HEALTHCHECK NONE");
	INSTR("/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"x\"] 30 '\\x00'}",
	      "HEALTHCHECK &{[\"CMD-SHELL\" \"x\"] 30 '\\x00'}");
	INSTR("/bin/sh -c #(nop) ", "# (no instruction recorded)");
	INSTR("cmd /S /C #(nop) WORKDIR C:\\app", "WORKDIR C:\\app");
}

TEST(history, buildkit)
{
	INSTR("RUN /bin/sh -c apt-get update # buildkit", "RUN apt-get update");
	INSTR("RUN |2 A=1 B=2 /bin/sh -c make # buildkit", "RUN A=1 B=2 make");
	INSTR("RUN /bin/sh -c apk add --no-cache ca-certificates # buildkit",
	      "RUN apk add --no-cache ca-certificates");
	INSTR("RUN /bin/bash -o pipefail -c curl -fsSL https://x | sh # buildkit",
	      "RUN curl -fsSL https://x | sh");
	INSTR("COPY /src /dst # buildkit", "COPY /src /dst");
	INSTR("COPY --from=builder /out/app /usr/local/bin/app # buildkit",
	      "COPY --from=builder /out/app /usr/local/bin/app");
	INSTR("ADD https://example.org/x.tgz /opt/ # buildkit",
	      "ADD https://example.org/x.tgz /opt/");
	INSTR("ENV A=b", "ENV A=b");
	INSTR("WORKDIR /app", "WORKDIR /app");
	INSTR("EXPOSE map[80/tcp:{}]", "EXPOSE 80/tcp");
	INSTR("EXPOSE map[53/udp:{} 8080/tcp:{}]", "EXPOSE 53/udp 8080/tcp");
	INSTR("CMD [\"bash\"]", "CMD [\"bash\"]");
	INSTR("ENTRYPOINT [\"/entrypoint.sh\"]", "ENTRYPOINT [\"/entrypoint.sh\"]");
	INSTR("LABEL org.opencontainers.image.source=https://github.com/x/y",
	      "LABEL org.opencontainers.image.source=https://github.com/x/y");
	INSTR("USER 65532:65532", "USER 65532:65532");
	INSTR("ARG TARGETARCH=amd64", "ARG TARGETARCH=amd64");
	INSTR("SHELL [/bin/bash -c]", "SHELL [\"/bin/bash\", \"-c\"]");
	INSTR("STOPSIGNAL SIGTERM", "STOPSIGNAL SIGTERM");
	INSTR("VOLUME [/data]", "VOLUME [\"/data\"]");
	INSTR("HEALTHCHECK &{[\"CMD-SHELL\" \"wget -q -O- http://127.0.0.1:8080/health\"] \"5s\" "
	      "\"3s\" \"0s\" \"0s\" '\\n'}",
	      "HEALTHCHECK --interval=5s --timeout=3s --retries=10 CMD wget -q -O- "
	      "http://127.0.0.1:8080/health");
}

TEST(history, shells_and_others)
{
	INSTR("/bin/bash -o pipefail -c cmd", "RUN cmd");
	INSTR("/bin/bash -c echo hi", "RUN echo hi");
	INSTR("/bin/sh -ec make all", "RUN make all");
	INSTR("/usr/bin/bash -eux -o pipefail -c ./build.sh", "RUN ./build.sh");
	INSTR("sh -c exit 0", "RUN exit 0");
	INSTR("/bin/sh -c", "RUN /bin/sh -c");
	INSTR("/bin/sh -x", "RUN /bin/sh -x");
	INSTR("/bin/fish -c ls", "RUN /bin/fish -c ls");
	INSTR("powershell -Command $ErrorActionPreference = 'Stop'; Install-Module x",
	      "RUN powershell -Command $ErrorActionPreference = 'Stop'; Install-Module x");
	INSTR("cmd /S /C mkdir C:\\app", "RUN cmd /S /C mkdir C:\\app");
	INSTR("apko", "RUN apko");
	INSTR("bazel build //:image", "RUN bazel build //:image");
	INSTR("|x A=1 /bin/sh -c make", "RUN |x A=1 /bin/sh -c make");
	INSTR("|3 A=1 /bin/sh", "RUN |3 A=1 /bin/sh");
	INSTR("", "# (no instruction recorded)");
	INSTR("   \n", "# (no instruction recorded)");
	INSTR(NULL, "# (no instruction recorded)");
	INSTR(" # buildkit", "# (no instruction recorded)");
	INSTR("RUN", "RUN");
	INSTR("ENVIRONMENT=x ./run", "RUN ENVIRONMENT=x ./run");
	INSTR("/bin/sh -c #(nop) COPY file:abc", "COPY file:abc");
	INSTR("/bin/sh -c #(nop)  CMD [\"unterminated]", "CMD [\"unterminated]");
	INSTR("/bin/sh -c #(nop)  CMD [\"a\\u00e9\\U0001F600\\101\"]",
	      "CMD [\"a\xc3\xa9\xf0\x9f\x98\x80"
	      "A\"]");
}
