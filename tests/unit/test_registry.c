#include "unit.h"

#include "image/ref.h"
#include "source/registry_int.h"
#include "source/source.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* --- WWW-Authenticate ------------------------------------------------------ */

TEST(registry, challenge_bearer)
{
	struct reg_challenge c;

	CHECK_INT(reg__challenge_parse(&c, "Bearer realm=\"https://auth.docker.io/token\","
	                                   "service=\"registry.docker.io\","
	                                   "scope=\"repository:samalba/my-app:pull,push\""),
	          0);
	CHECK_INT(c.scheme, REG_AUTH_BEARER);
	CHECK_STR(c.realm, "https://auth.docker.io/token");
	CHECK_STR(c.service, "registry.docker.io");
	CHECK_STR(c.scope, "repository:samalba/my-app:pull,push");
	CHECK_NULL(c.error);
	reg__challenge_release(&c);
}

TEST(registry, challenge_escapes_and_spacing)
{
	struct reg_challenge c;

	CHECK_INT(reg__challenge_parse(&c, "bearer  realm = \"http://h/t?a=\\\"b\\\\\" , "
	                                   "error=\"insufficient_scope\",service=svc"),
	          0);
	CHECK_INT(c.scheme, REG_AUTH_BEARER);
	CHECK_STR(c.realm, "http://h/t?a=\"b\\");
	CHECK_STR(c.service, "svc");
	CHECK_STR(c.error, "insufficient_scope");
	reg__challenge_release(&c);
}

TEST(registry, challenge_several_prefers_bearer)
{
	struct reg_challenge c;

	CHECK_INT(reg__challenge_parse(&c, "Basic realm=\"basic, with comma\", Bearer "
	                                   "realm=\"https://t/x\",service=\"s\""),
	          0);
	CHECK_INT(c.scheme, REG_AUTH_BEARER);
	CHECK_STR(c.realm, "https://t/x");
	CHECK_STR(c.service, "s");
	reg__challenge_release(&c);

	CHECK_INT(reg__challenge_parse(&c, "Negotiate abc, Basic realm=\"Registry Realm\""), 0);
	CHECK_INT(c.scheme, REG_AUTH_BASIC);
	CHECK_STR(c.realm, "Registry Realm");
	reg__challenge_release(&c);
}

TEST(registry, challenge_rejects_unusable)
{
	struct reg_challenge c;

	CHECK_INT(reg__challenge_parse(&c, "Negotiate"), DR_EFORMAT);
	CHECK_INT(reg__challenge_parse(&c, ""), DR_EFORMAT);
	CHECK_INT(reg__challenge_parse(&c, "Bearer service=\"no-realm\""), DR_EFORMAT);
	CHECK_INT(reg__challenge_parse(&c, "Bearer realm=\"\""), DR_EFORMAT);
	CHECK_INT(reg__challenge_parse(&c, "Bearer realm=\"unterminated"), 0);
	CHECK_STR(c.realm, "unterminated");
	reg__challenge_release(&c);
}

/* --- small helpers ----------------------------------------------------------- */

TEST(registry, split_creds)
{
	char *u, *p;

	CHECK_INT(reg__split_creds(&u, &p, "alice:pa:ss"), 0);
	CHECK_STR(u, "alice");
	CHECK_STR(p, "pa:ss");
	free(u);
	free(p);
	CHECK_INT(reg__split_creds(&u, &p, "alice:"), 0);
	CHECK_STR(p, "");
	free(u);
	free(p);
	CHECK_INT(reg__split_creds(&u, &p, "nocolon"), DR_EUSAGE);
	CHECK_INT(reg__split_creds(&u, &p, ":pw"), DR_EUSAGE);
}

TEST(registry, token_url)
{
	char *s = reg__token_url("https://auth.docker.io/token", "registry.docker.io",
	                         "repository:library/ubuntu:pull");

	CHECK_STR(s, "https://auth.docker.io/token?service=registry.docker.io&scope=repository%"
	             "3Alibrary%2Fubuntu%3Apull");
	free(s);
	s = reg__token_url("http://h/t?x=1", NULL, "a b&c");
	CHECK_STR(s, "http://h/t?x=1&scope=a%20b%26c");
	free(s);
	s = reg__token_url("http://h/t", "", "s");
	CHECK_STR(s, "http://h/t?scope=s");
	free(s);
}

TEST(registry, token_form)
{
	char *s = reg__token_form("acr.example", "repository:team/app:pull", "rt+/=x y");

	CHECK_STR(s, "grant_type=refresh_token&service=acr.example&scope=repository%3Ateam%2Fapp%"
	             "3Apull&client_id=dredge&refresh_token=rt%2B%2F%3Dx%20y");
	free(s);
	s = reg__token_form(NULL, "s", "t");
	CHECK_STR(s, "grant_type=refresh_token&scope=s&client_id=dredge&refresh_token=t");
	free(s);
}

static int parse_token(char **out, const char *s)
{
	return reg__token_parse(out, s, strlen(s));
}

TEST(registry, token_parse)
{
	char *t;

	CHECK_INT(parse_token(&t, "{\"token\":\"abc.def\",\"expires_in\":300}"), 0);
	CHECK_STR(t, "abc.def");
	free(t);
	CHECK_INT(parse_token(&t, "{\"token\":\"\",\"access_token\":\"xyz\"}"), 0);
	CHECK_STR(t, "xyz");
	free(t);
	CHECK_INT(parse_token(&t, "{\"expires_in\":300}"), DR_EFORMAT);
	CHECK_NULL(t);
	CHECK_INT(parse_token(&t, "{\"token\":\"a\\nb\"}"), DR_EFORMAT);
	CHECK_INT(parse_token(&t, "not json"), DR_EFORMAT);
	CHECK_INT(parse_token(&t, "{\"token\":\"a\",\"token\":\"b\"}"), DR_EFORMAT);
}

TEST(registry, backoff)
{
	CHECK(reg__backoff(1) == 0.5);
	CHECK(reg__backoff(2) == 1.0);
	CHECK(reg__backoff(3) == 2.0);
	CHECK(reg__backoff(6) == 16.0);
	CHECK(reg__backoff(7) == 30.0);
	CHECK(reg__backoff(1000) == 30.0);
}

TEST(registry, error_summary)
{
	const char *b = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
	                "unknown\",\"detail\":{}}]}";
	char *s = reg__error_summary(b, strlen(b));

	CHECK_STR(s, "MANIFEST_UNKNOWN: manifest unknown");
	free(s);
	CHECK_NULL(reg__error_summary("<html>", 6));
	CHECK_NULL(reg__error_summary("{\"errors\":[]}", 13));
	CHECK_NULL(reg__error_summary(NULL, 0));
}

/* --- docker config.json ---------------------------------------------------- */

static char *write_config(const char *dir, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return xstrdup(path);
}

/* Sets variable name back to old (unset when NULL) and frees old. */
static void restore_env(const char *name, char *old)
{
	if (old)
		setenv(name, old, 1);
	else
		unsetenv(name);
	free(old);
}

TEST(registry, docker_config_lookup)
{
	char dir[] = "/tmp/dredge-unit-XXXXXX";
	char *path, *u = NULL, *p = NULL, *old_path;
	/* "alice:wonder:land" and "bob:builder" */
	const char *cfg =
	    "{\"auths\":{"
	    "\"https://registry.example.com:5000/v1/\":{\"auth\":"
	    "\"YWxpY2U6d29uZGVyOmxhbmQ=\"},"
	    "\"plain.example\":{\"username\":\"carol\",\"password\":\"pw\"},"
	    "\"https://index.docker.io/v1/\":{\"auth\":\"Ym9iOmJ1aWxkZXI=\"},"
	    /* an ACR login: placeholder user beside the identity token */
	    "\"acr.example\":{\"auth\":\"MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==\","
	    "\"identitytoken\":\"rt-123\"}},"
	    "\"credHelpers\":{\"gcr.io\":\"gcloud\"}}";

	CHECK(mkdtemp(dir) != NULL);
	path = write_config(dir, cfg);
	CHECK(path != NULL);
	CHECK_INT(reg__docker_creds(&u, &p, path, "registry.example.com:5000", false, 5), 0);
	CHECK_STR(u, "alice");
	CHECK_STR(p, "wonder:land");
	free(u);
	free(p);
	CHECK_INT(reg__docker_creds(&u, &p, path, "PLAIN.example", false, 5), 0);
	CHECK_STR(u, "carol");
	CHECK_STR(p, "pw");
	free(u);
	free(p);
	CHECK_INT(reg__docker_creds(&u, &p, path, "registry-1.docker.io", true, 5), 0);
	CHECK_STR(u, "bob");
	CHECK_STR(p, "builder");
	free(u);
	free(p);
	CHECK_INT(reg__docker_creds(&u, &p, path, "acr.example", false, 5), 0);
	CHECK_STR(u, REG_IDENTITY_USER);
	CHECK_STR(p, "rt-123");
	free(u);
	free(p);
	/* same host, other port: no match */
	CHECK_INT(reg__docker_creds(&u, &p, path, "registry.example.com", false, 5), DR_ENOTFOUND);
	CHECK_NULL(u);
	/* helpers that are not installed: an error that names them */
	old_path = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL;
	setenv("PATH", dir, 1);
	CHECK_INT(reg__docker_creds(&u, &p, path, "gcr.io", false, 5), DR_EAUTH);
	CHECK(strstr(err_msg(), "docker-credential-gcloud") != NULL);
	CHECK(strstr(err_msg(), "'gcr.io'") != NULL);
	free(path);
	path = write_config(dir, "{\"auths\":{\"https://index.docker.io/v1/\":{}},"
	                         "\"credsStore\":\"desktop\"}");
	CHECK_INT(reg__docker_creds(&u, &p, path, "registry-1.docker.io", true, 5), DR_EAUTH);
	CHECK(strstr(err_msg(), "docker-credential-desktop") != NULL);
	restore_env("PATH", old_path);
	CHECK_INT(reg__docker_creds(&u, &p, path, "quay.io", false, 5), DR_ENOTFOUND);
	free(path);
	path = write_config(dir, "{\"auths\":{\"h\":{\"auth\":\"!!!\"}}}");
	CHECK_INT(reg__docker_creds(&u, &p, path, "h", false, 5), DR_EFORMAT);
	free(path);
	path = write_config(dir, "{\"auths\":");
	CHECK_INT(reg__docker_creds(&u, &p, path, "h", false, 5), DR_EFORMAT);
	unlink(path);
	CHECK_INT(reg__docker_creds(&u, &p, path, "h", false, 5), DR_ENOTFOUND);
	free(path);
	rmdir(dir);
}

/* A credential helper script named docker-credential-<name> in dir. */
static void write_helper(const char *dir, const char *name, const char *body)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/docker-credential-%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

TEST(registry, credential_helpers)
{
	char dir[] = "/tmp/dredge-unit-XXXXXX";
	char *old_path = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL;
	char *u = NULL, *p = NULL, *cfg;
	double t0;

	CHECK(mkdtemp(dir) != NULL);
	/* the helper echoes the server it was asked about into the user name */
	write_helper(dir, "ok",
	             "read -r s\nprintf '{\"ServerURL\":\"%s\",\"Username\":\"u-%s\","
	             "\"Secret\":\"s3cret\"}' \"$s\" \"$s\"");
	write_helper(dir, "none", "printf 'credentials not found in native keychain\\n'\nexit 1");
	write_helper(dir, "fail", "echo 'keychain is locked' >&2\nexit 3");
	write_helper(dir, "badjson", "printf '{\"Username\":'");
	write_helper(dir, "nosecret", "printf '{\"Username\":\"u\"}'");
	write_helper(dir, "token", "printf '{\"Username\":\"<token>\",\"Secret\":\"r\"}'");
	write_helper(dir, "hang", "exec /bin/sleep 30");
	write_helper(dir, "chatty", "exec /usr/bin/head -c 70000 /dev/zero");
	write_helper(dir, "killed", "kill -9 $$");
	setenv("PATH", dir, 1);

	CHECK_INT(reg__cred_helper(&u, &p, "ok", "reg.example:5000", 5), 0);
	CHECK_STR(u, "u-reg.example:5000");
	CHECK_STR(p, "s3cret");
	free(u);
	free(p);
	CHECK_INT(reg__cred_helper(&u, &p, "none", "h", 5), DR_ENOTFOUND);
	CHECK_NULL(u);
	CHECK_INT(reg__cred_helper(&u, &p, "fail", "h", 5), DR_EAUTH);
	CHECK_STR(err_msg(),
	          "credential helper 'docker-credential-fail' failed (exit 3): keychain is locked");
	CHECK_INT(reg__cred_helper(&u, &p, "badjson", "h", 5), DR_EFORMAT);
	CHECK(strstr(err_msg(), "'docker-credential-badjson' answered") != NULL);
	CHECK_INT(reg__cred_helper(&u, &p, "nosecret", "h", 5), DR_EFORMAT);
	CHECK_STR(err_msg(), "'docker-credential-nosecret' answered without a \"Username\" and a "
	                     "\"Secret\"");
	/* an identity token comes back under docker's "<token>" user */
	CHECK_INT(reg__cred_helper(&u, &p, "token", "h", 5), 0);
	CHECK_STR(u, REG_IDENTITY_USER);
	CHECK_STR(p, "r");
	free(u);
	free(p);
	t0 = now_s();
	CHECK_INT(reg__cred_helper(&u, &p, "hang", "h", 1), DR_EAUTH);
	CHECK_STR(err_msg(),
	          "credential helper 'docker-credential-hang' did not answer within 1 s");
	CHECK(now_s() - t0 < 5);
	CHECK_INT(reg__cred_helper(&u, &p, "chatty", "h", 5), DR_ELIMIT);
	CHECK_STR(err_msg(),
	          "credential helper 'docker-credential-chatty' wrote more than 65536 bytes");
	CHECK_INT(reg__cred_helper(&u, &p, "killed", "h", 5), DR_EAUTH);
	CHECK_STR(err_msg(), "credential helper 'docker-credential-killed' was killed by signal 9");
	CHECK_INT(reg__cred_helper(&u, &p, "absent", "h", 5), DR_EAUTH);
	CHECK(strstr(err_msg(), "cannot run credential helper 'docker-credential-absent' (is it "
	                        "installed and on PATH?)") != NULL);
	CHECK_INT(reg__cred_helper(&u, &p, "../ok", "h", 5), DR_EFORMAT);
	CHECK_INT(reg__cred_helper(&u, &p, ".ok", "h", 5), DR_EFORMAT);
	CHECK(reg__cred_helper_name_ok("ecr-login"));
	CHECK(reg__cred_helper_name_ok("osxkeychain"));
	CHECK(!reg__cred_helper_name_ok("a/b"));
	CHECK(!reg__cred_helper_name_ok(""));

	/* through config.json: the registry's helper, the store for a recorded
	 * login, and nothing for a registry the store has no login for */
	cfg = write_config(dir, "{\"auths\":{\"https://index.docker.io/v1/\":{},"
	                        "\"logged.example\":{}},"
	                        "\"credHelpers\":{\"reg.example:5000\":\"ok\","
	                        "\"gone.example\":\"none\",\"broken.example\":\"fail\"},"
	                        "\"credsStore\":\"ok\"}");
	CHECK(cfg != NULL);
	CHECK_INT(reg__docker_creds(&u, &p, cfg, "reg.example:5000", false, 5), 0);
	CHECK_STR(u, "u-reg.example:5000");
	free(u);
	free(p);
	CHECK_INT(reg__docker_creds(&u, &p, cfg, "registry-1.docker.io", true, 5), 0);
	CHECK_STR(u, "u-https://index.docker.io/v1/");
	free(u);
	free(p);
	CHECK_INT(reg__docker_creds(&u, &p, cfg, "LOGGED.example", false, 5), 0);
	CHECK_STR(u, "u-logged.example");
	free(u);
	free(p);
	CHECK_INT(reg__docker_creds(&u, &p, cfg, "gone.example", false, 5), DR_ENOTFOUND);
	CHECK_INT(reg__docker_creds(&u, &p, cfg, "other.example", false, 5), DR_ENOTFOUND);
	CHECK_INT(reg__docker_creds(&u, &p, cfg, "broken.example", false, 5), DR_EAUTH);
	CHECK(strstr(err_msg(), "credentials for registry 'broken.example'") != NULL);
	CHECK(strstr(err_msg(), "failed (exit 3): keychain is locked") != NULL);
	CHECK_NULL(u);
	unlink(cfg);
	free(cfg);

	restore_env("PATH", old_path);
	for (const char *const *n =
	         (const char *const[]){"ok", "none", "fail", "badjson", "nosecret", "token", "hang",
	                               "chatty", "killed", NULL};
	     *n; n++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/docker-credential-%s", dir, *n);
		unlink(path);
	}
	rmdir(dir);
}

TEST(registry, docker_config_path)
{
	char *p;
	char *old = getenv("DOCKER_CONFIG") ? xstrdup(getenv("DOCKER_CONFIG")) : NULL;

	p = reg__docker_config_path("/x/c.json");
	CHECK_STR(p, "/x/c.json");
	free(p);
	setenv("DOCKER_CONFIG", "/etc/dk", 1);
	p = reg__docker_config_path(NULL);
	CHECK_STR(p, "/etc/dk/config.json");
	free(p);
	restore_env("DOCKER_CONFIG", old);
}

/* --- the client against a scripted HTTP server --------------------------------
 * The server answers one connection per scripted response, in order, and
 * records each request's head. A response may be cut after some bytes. */

#define FAKE_MAX 8

struct fake_srv {
	int fd;
	int port;
	int n;
	char *resp[FAKE_MAX];
	size_t cut[FAKE_MAX]; /* 0: send everything */
	bool hold[FAKE_MAX];  /* after the cut, keep the connection open and silent */
	int held[FAKE_MAX];
	char req[FAKE_MAX][2048];
	int served;
	pthread_t th;
};

static void *fake_run(void *arg)
{
	struct fake_srv *s = arg;

	for (int i = 0; i < s->n; i++) {
		struct pollfd pfd = {s->fd, POLLIN, 0};
		size_t len = 0, want;
		int c;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		c = accept(s->fd, NULL, NULL);
		if (c < 0)
			break;
		while (len < sizeof(s->req[i]) - 1) {
			ssize_t r = recv(c, s->req[i] + len, sizeof(s->req[i]) - 1 - len, 0);

			if (r <= 0)
				break;
			len += (size_t)r;
			s->req[i][len] = '\0';
			if (strstr(s->req[i], "\r\n\r\n") || s->req[i][0] == 0x16)
				break;
		}
		if (len > 0 && s->req[i][0] == 0x16) {
			/* a TLS handshake (the https probe): refuse it, script unchanged */
			close(c);
			i--;
			continue;
		}
		want = strlen(s->resp[i]);
		if (s->cut[i] && s->cut[i] < want)
			want = s->cut[i];
		if (send(c, s->resp[i], want, MSG_NOSIGNAL) < 0)
			want = 0;
		s->served = i + 1;
		if (s->hold[i]) {
			s->held[i] = c;
			continue;
		}
		shutdown(c, SHUT_RDWR);
		close(c);
	}
	for (int i = 0; i < s->n; i++)
		if (s->held[i] > 0)
			close(s->held[i]);
	return NULL;
}

static int fake_listen(struct fake_srv *s)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s->fd, 8) != 0 || getsockname(s->fd, (struct sockaddr *)&a, &al) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	return 0;
}

/* Adds a response: status line text, extra headers, body. */
static void fake_add(struct fake_srv *s, const char *status, const char *headers, const char *body,
                     size_t body_len, size_t cut)
{
	size_t hl = strlen(status) + strlen(headers) + 128;
	char *r = xmalloc(hl + body_len + 1);
	int n = snprintf(r, hl, "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
	                 status, headers, body_len);

	memcpy(r + n, body, body_len);
	r[(size_t)n + body_len] = '\0';
	s->resp[s->n] = r;
	s->cut[s->n] = cut ? (size_t)n + cut : 0;
	s->n++;
}

static void fake_start(struct fake_srv *s)
{
	pthread_create(&s->th, NULL, fake_run, s);
}

static void fake_stop(struct fake_srv *s)
{
	pthread_join(s->th, NULL);
	close(s->fd);
	for (int i = 0; i < s->n; i++)
		free(s->resp[i]);
}

static int open_fake(struct source **out, struct fake_srv *s, const char *refsuffix,
                     struct net_opts *net, struct limits *l)
{
	struct image_ref ref;
	char text[256];
	int rc;

	snprintf(text, sizeof(text), "docker://127.0.0.1:%d/team/app%s", s->port, refsuffix);
	if (ref_parse(&ref, text) != 0)
		return -100;
	net->insecure = true;
	rc = registry_source_open(out, &ref, net, l);
	ref_release(&ref);
	return rc;
}

static const char ping_ok[] = "Docker-Distribution-API-Version: registry/2.0\r\n";

TEST(registry, manifest_by_tag)
{
	struct fake_srv s;
	struct source *src = NULL;
	struct net_opts net = {0};
	struct limits l;
	struct buf out = BUF_INIT;
	const char *body = "{\"schemaVersion\":2}";
	char d[DIGEST_STR_LEN], hdr[256];
	char *mt = NULL;
	bool syn = true;

	limits_default(&l);
	CHECK_INT(fake_listen(&s), 0);
	sha256_digest(body, strlen(body), d);
	snprintf(hdr, sizeof(hdr),
	         "Content-Type: application/vnd.oci.image.manifest.v1+json; charset=utf-8\r\n"
	         "Docker-Content-Digest: %s\r\n",
	         d);
	fake_add(&s, "200 OK", ping_ok, "{}", 2, 0);
	fake_add(&s, "200 OK", hdr, body, strlen(body), 0);
	fake_start(&s);
	CHECK_INT(open_fake(&src, &s, ":v1", &net, &l), 0);
	CHECK_INT(src->ops->get_manifest(src, NULL, &out, &mt, &syn), 0);
	CHECK_STR(out.ptr, body);
	CHECK_STR(mt, "application/vnd.oci.image.manifest.v1+json");
	CHECK(!syn);
	source_free(src);
	fake_stop(&s);
	CHECK(strstr(s.req[1], "GET /v2/team/app/manifests/v1 HTTP/1.1\r\n") == s.req[1]);
	CHECK(strstr(s.req[1], "application/vnd.oci.image.index.v1+json") != NULL);
	CHECK(strstr(s.req[1], "User-Agent: dredge/0.1\r\n") != NULL);
	free(mt);
	buf_release(&out);
}

TEST(registry, manifest_digest_header_mismatch)
{
	struct fake_srv s;
	struct source *src = NULL;
	struct net_opts net = {0};
	struct limits l;
	struct buf out = BUF_INIT;
	const char *body = "{\"schemaVersion\":2}";
	const char *other =
	    "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	char d[DIGEST_STR_LEN], hdr[256];
	char *mt = NULL;
	bool syn;

	limits_default(&l);
	CHECK_INT(fake_listen(&s), 0);
	sha256_digest(body, strlen(body), d);
	snprintf(hdr, sizeof(hdr), "Docker-Content-Digest: %s\r\n", other);
	fake_add(&s, "200 OK", ping_ok, "{}", 2, 0);
	fake_add(&s, "200 OK", hdr, body, strlen(body), 0);
	fake_start(&s);
	CHECK_INT(open_fake(&src, &s, ":v1", &net, &l), 0);
	CHECK_INT(src->ops->get_manifest(src, NULL, &out, &mt, &syn), DR_EDIGEST);
	CHECK(strstr(err_msg(), other) != NULL);
	CHECK(strstr(err_msg(), d) != NULL);
	CHECK_NULL(mt);
	source_free(src);
	fake_stop(&s);
}

TEST(registry, manifest_limit_and_retry)
{
	struct fake_srv s;
	struct source *src = NULL;
	struct net_opts net = {0};
	struct limits l;
	struct buf out = BUF_INIT;
	char big[300];
	char *mt = NULL;
	bool syn;

	limits_default(&l);
	l.manifest_bytes = 200;
	memset(big, ' ', sizeof(big));
	CHECK_INT(fake_listen(&s), 0);
	fake_add(&s, "200 OK", ping_ok, "{}", 2, 0);
	fake_add(&s, "503 Service Unavailable", "", "{}", 2, 0);
	fake_add(&s, "200 OK", "", big, sizeof(big), 0);
	fake_start(&s);
	net.retries = 2;
	CHECK_INT(open_fake(&src, &s, ":v1", &net, &l), 0);
	CHECK_INT(src->ops->get_manifest(src, NULL, &out, &mt, &syn), DR_ELIMIT);
	CHECK(strstr(err_msg(), "larger than the limit of 200 bytes") != NULL);
	source_free(src);
	fake_stop(&s);
	CHECK_INT(s.served, 3);
}

/* Reads a whole blob; returns the rc and the bytes' digest. */
static int read_all(struct source *src, const char *digest, int64_t size, char got[DIGEST_STR_LEN],
                    uint64_t *total)
{
	struct blob_reader *r = NULL;
	struct sha256 h;
	char chunk[777];
	size_t n;
	int rc;

	*total = 0;
	rc = src->ops->open_blob(&r, src, digest, size);
	if (rc)
		return rc;
	sha256_init(&h);
	for (;;) {
		rc = blob_read(r, chunk, sizeof(chunk), &n);
		if (rc || n == 0)
			break;
		sha256_update(&h, chunk, n);
		*total += n;
	}
	sha256_final(&h, got);
	blob_reader_free(r);
	return rc;
}

TEST(registry, blob_resume_after_cut)
{
	struct fake_srv s;
	struct source *src = NULL;
	struct net_opts net = {0};
	struct limits l;
	static char blob[10000];
	char d[DIGEST_STR_LEN], got[DIGEST_STR_LEN], hdr[128];
	uint64_t total;

	limits_default(&l);
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (char)('a' + i % 26);
	sha256_digest(blob, sizeof(blob), d);
	CHECK_INT(fake_listen(&s), 0);
	fake_add(&s, "200 OK", ping_ok, "{}", 2, 0);
	/* cut after 4000 body bytes; then a server that ignores Range (200,
	 * whole blob: the first 4000 bytes must be skipped); cut again after
	 * 6000; then a 206 from 6000 */
	fake_add(&s, "200 OK", "", blob, sizeof(blob), 4000);
	fake_add(&s, "200 OK", "", blob, sizeof(blob), 6000);
	snprintf(hdr, sizeof(hdr), "Content-Range: bytes 6000-9999/10000\r\n");
	fake_add(&s, "206 Partial Content", hdr, blob + 6000, sizeof(blob) - 6000, 0);
	fake_start(&s);
	CHECK_INT(open_fake(&src, &s, ":v1", &net, &l), 0);
	CHECK_INT(read_all(src, d, (int64_t)sizeof(blob), got, &total), 0);
	CHECK_INT(total, sizeof(blob));
	CHECK_STR(got, d);
	source_free(src);
	fake_stop(&s);
	CHECK(strstr(s.req[1], "Range:") == NULL);
	CHECK(strstr(s.req[2], "\r\nRange: bytes=4000-\r\n") != NULL);
	CHECK(strstr(s.req[3], "\r\nRange: bytes=6000-\r\n") != NULL);
}

TEST(registry, blob_resume_after_stall)
{
	struct fake_srv s;
	struct source *src = NULL;
	struct net_opts net = {0};
	struct limits l;
	static char blob[5000];
	char d[DIGEST_STR_LEN], got[DIGEST_STR_LEN];
	uint64_t total;
	struct timespec t0, t1;
	double took;

	limits_default(&l);
	memset(blob, 'z', sizeof(blob));
	sha256_digest(blob, sizeof(blob), d);
	CHECK_INT(fake_listen(&s), 0);
	fake_add(&s, "200 OK", ping_ok, "{}", 2, 0);
	fake_add(&s, "200 OK", "", blob, sizeof(blob), 1500);
	s.hold[1] = true;
	fake_add(&s, "206 Partial Content", "Content-Range: bytes 1500-4999/5000\r\n", blob + 1500,
	         sizeof(blob) - 1500, 0);
	fake_start(&s);
	net.stall_s = 1;
	CHECK_INT(open_fake(&src, &s, ":v1", &net, &l), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(read_all(src, d, -1, got, &total), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK_INT(total, sizeof(blob));
	CHECK_STR(got, d);
	CHECK(took >= 1.0 && took < 10.0);
	source_free(src);
	fake_stop(&s);
	CHECK(strstr(s.req[2], "\r\nRange: bytes=1500-\r\n") != NULL);
}

TEST(registry, blob_abandoned_then_reuse)
{
	struct fake_srv s;
	struct source *src = NULL;
	struct blob_reader *r = NULL;
	struct net_opts net = {0};
	struct limits l;
	struct buf out = BUF_INIT;
	static char blob[3000000];
	char chunk[777];
	char d[DIGEST_STR_LEN];
	char *mt = NULL;
	bool syn;
	size_t n = 0;

	limits_default(&l);
	memset(blob, 'q', sizeof(blob));
	sha256_digest(blob, sizeof(blob), d);
	CHECK_INT(fake_listen(&s), 0);
	fake_add(&s, "200 OK", ping_ok, "{}", 2, 0);
	fake_add(&s, "200 OK", "", blob, sizeof(blob), 0);
	fake_add(&s, "200 OK", "", "{\"schemaVersion\":2}", 19, 0);
	fake_start(&s);
	CHECK_INT(open_fake(&src, &s, ":v1", &net, &l), 0);
	CHECK_INT(src->ops->open_blob(&r, src, d, (int64_t)sizeof(blob)), 0);
	CHECK_INT(blob_read(r, chunk, sizeof(chunk), &n), 0);
	CHECK_INT(n, sizeof(chunk));
	CHECK(chunk[0] == 'q' && chunk[776] == 'q');
	CHECK_INT(blob_read(r, chunk, sizeof(chunk), &n), 0);
	CHECK_INT(n, sizeof(chunk));
	blob_reader_free(r);
	CHECK_INT(src->ops->get_manifest(src, NULL, &out, &mt, &syn), 0);
	CHECK_STR(out.ptr, "{\"schemaVersion\":2}");
	free(mt);
	buf_release(&out);
	source_free(src);
	fake_stop(&s);
}

TEST(registry, blob_errors)
{
	struct fake_srv s;
	struct source *src = NULL;
	struct net_opts net = {0};
	struct limits l;
	char got[DIGEST_STR_LEN];
	const char *d = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	uint64_t total;

	limits_default(&l);
	CHECK_INT(fake_listen(&s), 0);
	fake_add(&s, "200 OK", ping_ok, "{}", 2, 0);
	fake_add(&s, "404 Not Found", "", "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}", 35, 0);
	fake_add(&s, "200 OK", "", "0123456789", 10, 0);
	fake_add(&s, "500 Internal Server Error", "", "", 0, 0);
	fake_add(&s, "500 Internal Server Error", "", "", 0, 0);
	fake_start(&s);
	net.retries = 1;
	CHECK_INT(open_fake(&src, &s, ":v1", &net, &l), 0);
	CHECK_INT(read_all(src, d, 10, got, &total), DR_ENOTFOUND);
	CHECK(strstr(err_msg(), "blob 'sha256:1111") != NULL);
	CHECK(strstr(err_msg(), "not found in '127.0.0.1:") != NULL);
	/* more bytes than the descriptor says */
	CHECK_INT(read_all(src, d, 4, got, &total), DR_EDIGEST);
	CHECK(strstr(err_msg(), "larger than its descriptor's size of 4 bytes") != NULL);
	CHECK_INT(read_all(src, d, 10, got, &total), DR_ENET);
	CHECK(strstr(err_msg(), "after 2 attempts: HTTP 500") != NULL);
	{
		struct blob_reader *r = NULL;

		CHECK_INT(src->ops->open_blob(&r, src, "sha256:xyz", 1), DR_EFORMAT);
		CHECK_NULL(r);
	}
	source_free(src);
	fake_stop(&s);
}

TEST(registry, bearer_token_flow)
{
	struct fake_srv s;
	struct source *src = NULL;
	struct net_opts net = {0};
	struct limits l;
	struct buf out = BUF_INIT;
	char chal[256];
	char *mt = NULL;
	bool syn;

	limits_default(&l);
	CHECK_INT(fake_listen(&s), 0);
	snprintf(chal, sizeof(chal),
	         "WWW-Authenticate: Bearer realm=\"http://127.0.0.1:%d/token\",service=\"reg\"\r\n",
	         s.port);
	fake_add(&s, "401 Unauthorized", chal, "{}", 2, 0);
	fake_add(&s, "200 OK", "", "{\"access_token\":\"tok1\"}", 23, 0);
	fake_add(&s, "401 Unauthorized", chal, "{}", 2, 0);
	fake_add(&s, "200 OK", "", "{\"token\":\"tok2\"}", 16, 0);
	fake_add(&s, "200 OK", "", "{}", 2, 0);
	fake_add(&s, "401 Unauthorized", chal, "{}", 2, 0);
	fake_add(&s, "200 OK", "", "{\"token\":\"tok3\"}", 16, 0);
	fake_add(&s, "401 Unauthorized", chal, "{}", 2, 0);
	fake_start(&s);
	net.creds = "u:p";
	CHECK_INT(open_fake(&src, &s, ":v1", &net, &l), 0);
	/* 401 with the first token: refreshed once, then 200 */
	CHECK_INT(src->ops->get_manifest(src, NULL, &out, &mt, &syn), 0);
	free(mt);
	buf_release(&out);
	/* 401 again after a refresh: refused */
	CHECK_INT(src->ops->get_manifest(src, "v2", &out, &mt, &syn), DR_EAUTH);
	CHECK(strstr(err_msg(), "registry '127.0.0.1:") != NULL);
	CHECK(strstr(err_msg(), "HTTP 401") != NULL);
	source_free(src);
	fake_stop(&s);
	CHECK(strstr(s.req[1], "GET /token?service=reg&scope=repository%3Ateam%2Fapp%3Apull ") ==
	      s.req[1]);
	CHECK(strstr(s.req[1], "\r\nAuthorization: Basic dTpw\r\n") != NULL);
	CHECK(strstr(s.req[2], "\r\nAuthorization: Bearer tok1\r\n") != NULL);
	CHECK(strstr(s.req[4], "\r\nAuthorization: Bearer tok2\r\n") != NULL);
	CHECK(strstr(s.req[5], "GET /v2/team/app/manifests/v2 ") == s.req[5]);
	CHECK(strstr(s.req[7], "\r\nAuthorization: Bearer tok3\r\n") != NULL);
}

TEST(registry, connection_refused)
{
	struct fake_srv s;
	struct source *src = NULL;
	struct net_opts net = {0};
	struct limits l;
	int rc;

	limits_default(&l);
	CHECK_INT(fake_listen(&s), 0);
	close(s.fd); /* nobody listens on the port now */
	net.retries = -1;
	rc = open_fake(&src, &s, ":v1", &net, &l);
	CHECK_INT(rc, DR_ENET);
	CHECK(strstr(err_msg(), "after 1 attempts") != NULL);
	CHECK_NULL(src);
}

TEST(registry, malformed_creds_refused_before_network)
{
	struct image_ref ref;
	struct source *src = NULL;
	struct net_opts net = {0};
	struct limits l;

	limits_default(&l);
	CHECK_INT(ref_parse(&ref, "docker://127.0.0.1:1/team/app:v1"), 0);
	net.creds = "no-colon";
	CHECK_INT(registry_source_open(&src, &ref, &net, &l), DR_EUSAGE);
	CHECK(strstr(err_msg(), "user:password") != NULL);
	CHECK_NULL(src);
	ref_release(&ref);
}
