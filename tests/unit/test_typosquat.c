#include "unit.h"

#include "detect/typosquat.h"
#include "util/embed.h"
#include "util/err.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Returns NULL when ns/name is a hit on target by technique with severity
 * sev, else a description of what came back. */
static const char *hit_mismatch(struct typosquat *t, const char *ns, const char *name,
                                const char *target, const char *technique, enum severity sev,
                                char *msg, size_t size)
{
	struct typosquat_hit h;
	int rc = typosquat_check(t, ns, name, &h);

	if (rc != 1) {
		snprintf(msg, size, "%s/%s: returned %d, expected a hit on %s (%s)", ns ? ns : "",
		         name, rc, target, technique);
		return msg;
	}
	if (strcmp(h.target, target) || strcmp(h.technique, technique) || h.severity != sev) {
		snprintf(msg, size, "%s/%s: got %s (%s, %s), expected %s (%s, %s): %s",
		         ns ? ns : "", name, h.target, h.technique, severity_name(h.severity),
		         target, technique, severity_name(sev), h.reason);
		return msg;
	}
	if (!h.reason[0]) {
		snprintf(msg, size, "%s/%s: empty reason", ns ? ns : "", name);
		return msg;
	}
	return NULL;
}

static const char *clean_mismatch(struct typosquat *t, const char *ns, const char *name, char *msg,
                                  size_t size)
{
	struct typosquat_hit h;
	int rc = typosquat_check(t, ns, name, &h);

	if (rc == 0)
		return NULL;
	if (rc == 1)
		snprintf(msg, size, "%s/%s: expected clean, got %s (%s): %s", ns ? ns : "", name,
		         h.target, h.technique, h.reason);
	else
		snprintf(msg, size, "%s/%s: returned %d (%s)", ns ? ns : "", name, rc, err_msg());
	return msg;
}

#define EXPECT_HIT(t, ns, name, target, technique, sev)                                            \
	do {                                                                                       \
		char m_[512];                                                                      \
		const char *e_ =                                                                   \
		    hit_mismatch(t, ns, name, target, technique, sev, m_, sizeof(m_));             \
		if (e_) {                                                                          \
			typosquat_free(t);                                                         \
			UNIT_FAIL("%s", e_);                                                       \
		}                                                                                  \
	} while (0)

#define EXPECT_CLEAN(t, ns, name)                                                                  \
	do {                                                                                       \
		char m_[512];                                                                      \
		const char *e_ = clean_mismatch(t, ns, name, m_, sizeof(m_));                      \
		if (e_) {                                                                          \
			typosquat_free(t);                                                         \
			UNIT_FAIL("%s", e_);                                                       \
		}                                                                                  \
	} while (0)

static struct typosquat *load(void)
{
	struct typosquat *t = NULL;

	if (typosquat_new(&t)) {
		fprintf(stderr, "typosquat_new: %s\n", err_msg());
		return NULL;
	}
	return t;
}

TEST(typosquat, report_names_are_official_name_reuse)
{
	struct typosquat *t = load();
	struct typosquat_hit h;

	CHECK(t);
	EXPECT_HIT(t, "randomuser7", "liferay", "liferay/liferay", "official-name-reuse", SEV_LOW);
	EXPECT_HIT(t, "someuser", "ubuntu", "library/ubuntu", "official-name-reuse", SEV_LOW);
	EXPECT_HIT(t, "someuser", "golang", "library/golang", "official-name-reuse", SEV_LOW);
	EXPECT_HIT(t, "someuser", "drupal", "library/drupal", "official-name-reuse", SEV_LOW);
	CHECK_INT(typosquat_check(t, "someuser", "ubuntu", &h), 1);
	CHECK(!h.strong);
	CHECK_STR(h.reason, "'ubuntu' is the name of the official image 'library/ubuntu', here "
	                    "under the unrelated namespace 'someuser'");
	typosquat_free(t);
}

TEST(typosquat, classic_typos)
{
	struct typosquat *t = load();
	struct typosquat_hit h;

	CHECK(t);
	EXPECT_HIT(t, NULL, "ngnix", "library/nginx", "transposition", SEV_MEDIUM);
	EXPECT_HIT(t, NULL, "postgress", "library/postgres", "repetition", SEV_MEDIUM);
	/* "mongdb" drops an 'o' from "mongodb", the usual name of the official mongo */
	EXPECT_HIT(t, NULL, "mongdb", "library/mongo", "omission", SEV_MEDIUM);
	EXPECT_HIT(t, NULL, "alpnie", "library/alpine", "transposition", SEV_MEDIUM);
	EXPECT_HIT(t, NULL, "ubunt", "library/ubuntu", "omission", SEV_MEDIUM);
	EXPECT_HIT(t, "library", "ngnix", "library/nginx", "transposition", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "ngnix", "library/nginx", "transposition", SEV_MEDIUM);
	CHECK_INT(typosquat_check(t, NULL, "ngnix", &h), 1);
	CHECK(!h.strong);
	CHECK_STR(h.reason, "'ngnix' swaps 'i' and 'n' in 'nginx'");
	CHECK_INT(typosquat_check(t, NULL, "mongdb", &h), 1);
	CHECK_STR(h.reason, "'mongdb' drops 'o' from 'mongodb' (the usual name of library/mongo)");
	typosquat_free(t);
}

TEST(typosquat, omission_repetition_transposition)
{
	struct typosquat *t = load();

	CHECK(t);
	EXPECT_HIT(t, "someuser", "wordpres", "library/wordpress", "omission", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "elasticsearh", "library/elasticsearch", "omission", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "ngix", "library/nginx", "omission", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "lifferay", "liferay/liferay", "repetition", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "rediss", "library/redis", "repetition", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "pyhton", "library/python", "transposition", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "jenkisn", "jenkins/jenkins", "transposition", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "tensorlfow", "tensorflow/tensorflow", "transposition",
	           SEV_MEDIUM);
	typosquat_free(t);
}

TEST(typosquat, keyboard_neighbours)
{
	struct typosquat *t = load();

	CHECK(t);
	EXPECT_HIT(t, NULL, "nginz", "library/nginx", "keyboard", SEV_MEDIUM);
	EXPECT_HIT(t, NULL, "pythpn", "library/python", "keyboard", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "ubunty", "library/ubuntu", "keyboard", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "grafsna", "grafana/grafana", "keyboard", SEV_MEDIUM);
	/* the first letter is never replaced nor dropped: these are other words */
	EXPECT_CLEAN(t, "someuser", "netty");
	EXPECT_CLEAN(t, "someuser", "host");
	EXPECT_CLEAN(t, "someuser", "wiki");
	EXPECT_CLEAN(t, "someuser", "link");
	typosquat_free(t);
}

TEST(typosquat, homoglyphs)
{
	struct typosquat *t = load();

	CHECK(t);
	EXPECT_HIT(t, "someuser", "ng1nx", "library/nginx", "homoglyph", SEV_HIGH);
	EXPECT_HIT(t, "someuser", "m0ng0", "library/mongo", "homoglyph", SEV_HIGH);
	EXPECT_HIT(t, "someuser", "rnysql", "library/mysql", "homoglyph", SEV_HIGH);
	EXPECT_HIT(t, "someuser", "vvordpress", "library/wordpress", "homoglyph", SEV_HIGH);
	EXPECT_HIT(t, "someuser", "a1pine", "library/alpine", "homoglyph", SEV_HIGH);
	EXPECT_HIT(t, "someuser", "ubuntu", "library/ubuntu", "official-name-reuse", SEV_LOW);
	EXPECT_HIT(t, NULL, "redls", "library/redis", "homoglyph", SEV_HIGH);
	EXPECT_HIT(t, NULL, "5entry", "getsentry/sentry", "homoglyph", SEV_HIGH);
	EXPECT_HIT(t, NULL, "d3bian", "library/debian", "homoglyph", SEV_HIGH);
	EXPECT_HIT(t, NULL, "n0de", "library/node", "homoglyph", SEV_HIGH);
	typosquat_free(t);
}

TEST(typosquat, separators)
{
	struct typosquat *t = load();

	CHECK(t);
	EXPECT_HIT(t, NULL, "hello_world", "library/hello-world", "separator", SEV_MEDIUM);
	EXPECT_HIT(t, NULL, "helloworld", "library/hello-world", "separator", SEV_MEDIUM);
	EXPECT_HIT(t, NULL, "rocketchat", "library/rocket.chat", "separator", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "mongo_express", "library/mongo-express", "separator",
	           SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "ubu-ntu", "library/ubuntu", "separator", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "node_exporter", "prom/node-exporter", "separator", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "gitlab.ce", "gitlab/gitlab-ce", "separator", SEV_MEDIUM);
	typosquat_free(t);
}

TEST(typosquat, affixes)
{
	struct typosquat *t = load();
	struct typosquat_hit h;

	CHECK(t);
	EXPECT_HIT(t, "someuser", "nginx-official", "library/nginx", "affix", SEV_HIGH);
	EXPECT_HIT(t, "someuser", "official-python", "library/python", "affix", SEV_HIGH);
	EXPECT_HIT(t, "someuser", "nginxofficial", "library/nginx", "affix", SEV_HIGH);
	EXPECT_HIT(t, "someuser", "docker-nginx-official", "library/nginx", "affix", SEV_HIGH);
	EXPECT_HIT(t, "someuser", "docker-nginx", "library/nginx", "affix", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "redis-docker", "library/redis", "affix", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "ubuntu-latest", "library/ubuntu", "affix", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "golang_image", "library/golang", "affix", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "liferay-official", "liferay/liferay", "affix", SEV_HIGH);
	EXPECT_HIT(t, NULL, "php-latest", "library/php", "affix", SEV_MEDIUM);
	CHECK_INT(typosquat_check(t, "someuser", "docker-nginx-official", &h), 1);
	CHECK_STR(h.reason, "'docker-nginx-official' is 'nginx' with the added word 'official'");
	/* other words around a famous name are ordinary naming */
	EXPECT_CLEAN(t, "someuser", "nginx-proxy");
	EXPECT_CLEAN(t, "someuser", "python-app");
	EXPECT_CLEAN(t, "someuser", "golang-builder");
	typosquat_free(t);
}

TEST(typosquat, short_names_need_exact_transformation)
{
	struct typosquat *t = load();

	CHECK(t);
	EXPECT_HIT(t, "someuser", "ndoe", "library/node", "transposition", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "phpp", "library/php", "repetition", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "rubby", "library/ruby", "repetition", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "pyyp", "library/pypy", "transposition", SEV_MEDIUM);
	EXPECT_HIT(t, "someuser", "php", "library/php", "official-name-reuse", SEV_LOW);
	/* one keyboard slip or a dropped letter from a short name is just another word */
	EXPECT_CLEAN(t, "someuser", "hash");
	EXPECT_CLEAN(t, "someuser", "mode");
	EXPECT_CLEAN(t, "someuser", "code");
	EXPECT_CLEAN(t, "someuser", "pgp");
	EXPECT_CLEAN(t, "someuser", "nod");
	EXPECT_CLEAN(t, "someuser", "rub");
	EXPECT_CLEAN(t, "someuser", "dust");
	EXPECT_CLEAN(t, "someuser", "ants");
	EXPECT_CLEAN(t, "someuser", "uint");
	EXPECT_CLEAN(t, "someuser", "pip");
	EXPECT_CLEAN(t, "someuser", "ruse");
	EXPECT_CLEAN(t, "someuser", "rest");
	typosquat_free(t);
}

TEST(typosquat, namespace_impersonation)
{
	struct typosquat *t = load();
	struct typosquat_hit h;

	CHECK(t);
	EXPECT_HIT(t, "libary", "nginx", "library/nginx", "namespace-impersonation", SEV_HIGH);
	EXPECT_HIT(t, "1ibrary", "ubuntu", "library/ubuntu", "namespace-impersonation", SEV_HIGH);
	EXPECT_HIT(t, "dockerofficial", "redis", "library/redis", "namespace-impersonation",
	           SEV_HIGH);
	EXPECT_HIT(t, "docker-library", "postgres", "library/postgres", "namespace-impersonation",
	           SEV_HIGH);
	EXPECT_HIT(t, "officialimages", "node", "library/node", "namespace-impersonation",
	           SEV_HIGH);
	EXPECT_HIT(t, "official", "alpine", "library/alpine", "namespace-impersonation", SEV_HIGH);
	EXPECT_HIT(t, "librray", "myapp", "library/myapp", "namespace-impersonation", SEV_HIGH);
	EXPECT_HIT(t, "d0cker", "compose", "docker/compose", "namespace-impersonation", SEV_HIGH);
	EXPECT_HIT(t, "libary", "ngnix", "library/nginx", "namespace-impersonation", SEV_HIGH);
	CHECK_INT(typosquat_check(t, "libary", "nginx", &h), 1);
	CHECK(h.strong);
	CHECK_STR(h.reason, "namespace 'libary' imitates Docker's official 'library' namespace");
	CHECK_INT(typosquat_check(t, "libary", "ngnix", &h), 1);
	CHECK_STR(h.reason, "namespace 'libary' imitates Docker's official 'library' namespace "
	                    "and 'ngnix' swaps 'i' and 'n' in 'nginx'");
	/* look-alikes of trusted publishers */
	EXPECT_HIT(t, "bitnarni", "redis", "bitnami/redis", "namespace-impersonation", SEV_HIGH);
	EXPECT_HIT(t, "hashlcorp", "vault", "hashicorp/vault", "namespace-impersonation", SEV_HIGH);
	EXPECT_HIT(t, "bitanmi", "myapp", "bitnami/myapp", "namespace-impersonation", SEV_MEDIUM);
	EXPECT_HIT(t, "linux-server", "plex", "linuxserver/plex", "namespace-impersonation",
	           SEV_MEDIUM);
	CHECK_INT(typosquat_check(t, "bitnarni", "redis", &h), 1);
	CHECK(!h.strong);
	CHECK_STR(h.reason, "namespace 'bitnarni' imitates the publisher 'bitnami' (homoglyph)");
	typosquat_free(t);
}

TEST(typosquat, legitimate_names_stay_clean)
{
	static const char *const legit[][2] = {
	    {"bitnami", "nginx"},
	    {"nginxinc", "nginx-unprivileged"},
	    {"grafana", "grafana"},
	    {"redis", "redis-stack"},
	    {"redis", "redis-stack-server"},
	    {"jc21", "nginx-proxy-manager"},
	    {"someuser", "nginx-proxy-manager"},
	    {"prom", "node-exporter"},
	    {"prom", "prometheus"},
	    {"hashicorp", "vault"},
	    {"hashicorp", "terraform"},
	    {"portainer", "portainer-ce"},
	    {"portainer", "agent"},
	    {"minio", "minio"},
	    {"traefik", "whoami"},
	    {"linuxserver", "plex"},
	    {"tiangolo", "uvicorn-gunicorn-fastapi"},
	    {"amazon", "aws-cli"},
	    {"docker", "compose"},
	    {"dockersamples", "example-voting-app-vote"},
	    {"confluentinc", "cp-kafka"},
	    {"bitnami", "kafka"},
	    {"jenkins", "jenkins"},
	    {"gitlab", "gitlab-ce"},
	    {"gitlab", "gitlab-runner"},
	    {"sonarsource", "sonar-scanner-cli"},
	    {"selenium", "standalone-chrome"},
	    {"cimg", "node"},
	    {"circleci", "python"},
	    {"percona", "percona-server"},
	    {"postgis", "postgis"},
	    {"timescale", "timescaledb"},
	    {"rancher", "rancher"},
	    {"jetbrains", "teamcity-server"},
	    {"atlassian", "jira-software"},
	    {"localstack", "localstack"},
	    {"cypress", "included"},
	    {"kasmweb", "desktop"},
	    {"arm64v8", "ubuntu"},
	    {"amd64", "alpine"},
	    {"jupyter", "base-notebook"},
	    {"kalilinux", "kali-rolling"},
	    {"containrrr", "watchtower"},
	    {"homeassistant", "home-assistant"},
	    {"getsentry", "sentry"},
	    {"library", "nginx"},
	    {"library", "eclipse-temurin"},
	    {"_", "busybox"},
	    {NULL, "ubuntu"},
	    {NULL, "alpine"},
	    {NULL, "mongo"},
	    {NULL, "mongodb"},
	    {NULL, "python"},
	    {NULL, "rocket.chat"},
	    {NULL, "hello-world"},
	    {NULL, "grafana"},
	    {"someuser", "node-exporter"},
	    {"someuser", "python-app"},
	    {"someuser", "golang-builder"},
	    {"someuser", "my-web-app"},
	    {"someuser", "api-server"},
	    {"someuser", "mongodb"},
	    {"someuser", "postgresql"},
	    {"someuser", "nodejs"},
	    {"someuser", "python3"},
	    {"someuser", "node18"},
	    {"someuser", "redis5"},
	    {"someuser", "php8"},
	    {"someuser", "dockerd"},
	    {"someuser", "docker-compose"},
	    {"someuser", "dotfiles"},
	    {"someuser", "postgres-backup"},
	    {"someuser", "redis-commander"},
	    {"someuser", "mysql-client"},
	    {"someuser", "ubuntu-desktop"},
	    {"someuser", "alpine-git"},
	    {"someuser", "kali-rolling"},
	    {"someuser", "compose"},
	    {"someuser", "photo"},
	    {"someuser", "kraken"},
	    {"someuser", "memcache"},
	    {"someuser", "https"},
	    {"someuser", "backend"},
	    {"acme", "frontend"},
	    {"acme", "worker"},
	    {"johndoe", "webapp"},
	    {"johndoe", "agent"},
	    {"alice", "blog"},
	    {"dockerfile", "nginx-base"},
	};

	struct typosquat *t = load();

	CHECK(t);
	for (size_t i = 0; i < sizeof(legit) / sizeof(legit[0]); i++)
		EXPECT_CLEAN(t, legit[i][0], legit[i][1]);
	typosquat_free(t);
}

/* Calls check on each non-comment line of an embedded list, split at the tab;
 * returns the first line check refuses, or NULL. */
static const char *first_bad_line(const char *path,
                                  bool (*check)(struct typosquat *t, char *name, char *rest),
                                  struct typosquat *t, char *line, size_t size)
{
	size_t len = 0;
	const char *data = embed_get(path, &len), *p, *end;

	if (!data)
		return path;
	for (p = data; p < data + len; p = end + 1) {
		char *tab;

		end = memchr(p, '\n', (size_t)(data + len - p));
		if (!end)
			end = data + len;
		snprintf(line, size, "%.*s", (int)(end - p), p);
		if (!line[0] || line[0] == '#')
			continue;
		tab = strchr(line, '\t');
		if (tab)
			*tab++ = '\0';
		if (!check(t, line, tab)) {
			if (tab)
				tab[-1] = '/';
			return line;
		}
	}
	return NULL;
}

static bool official_is_clean(struct typosquat *t, char *name, char *rest)
{
	struct typosquat_hit h;

	(void)rest;
	return typosquat_check(t, NULL, name, &h) == 0 &&
	       typosquat_check(t, "library", name, &h) == 0;
}

static bool popular_is_clean(struct typosquat *t, char *name, char *namespaces)
{
	struct typosquat_hit h;
	char copy[256], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", namespaces ? namespaces : "");
	for (char *ns = strtok_r(copy, ",", &save); ns; ns = strtok_r(NULL, ",", &save))
		if (typosquat_check(t, ns, name, &h) != 0)
			return false;
	return namespaces != NULL;
}

TEST(typosquat, every_reference_is_clean_at_home)
{
	/* each official name bare and under library/, each popular name under
	 * each of its namespaces */
	struct typosquat *t = load();
	char line[256];
	const char *bad;

	CHECK(t);
	bad = first_bad_line("data/official-images.txt", official_is_clean, t, line, sizeof(line));
	if (!bad)
		bad = first_bad_line("data/popular-images.tsv", popular_is_clean, t, line,
		                     sizeof(line));
	typosquat_free(t);
	if (bad)
		UNIT_FAIL("'%s' is not clean in its own namespace", bad);
}

TEST(typosquat, case_and_errors)
{
	struct typosquat *t = load();
	struct typosquat_hit h;
	char long_name[400];

	CHECK(t);
	EXPECT_CLEAN(t, NULL, "NGINX");
	EXPECT_HIT(t, "SomeUser", "NGNIX", "library/nginx", "transposition", SEV_MEDIUM);
	CHECK_INT(typosquat_check(t, "someuser", "bad name", &h), DR_EFORMAT);
	CHECK_INT(typosquat_check(t, "someuser", "", &h), DR_EFORMAT);
	CHECK_INT(typosquat_check(t, "some/user", "nginx", &h), DR_EFORMAT);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK_INT(typosquat_check(t, "someuser", long_name, &h), DR_EFORMAT);
	CHECK_INT(typosquat_check(t, long_name, "nginx", &h), DR_EFORMAT);
	typosquat_free(t);
}

TEST(typosquat, finding)
{
	struct typosquat *t = load();
	struct typosquat_hit h;
	struct finding f;

	CHECK(t);
	CHECK_INT(typosquat_check(t, "someuser", "liferay", &h), 1);
	typosquat_finding(&f, &h, "someuser/liferay");
	typosquat_free(t);
	CHECK_STR(f.rule, "typosquat-official-name-reuse");
	CHECK_INT(f.category, CAT_TYPOSQUAT);
	CHECK_INT(f.severity, SEV_LOW);
	CHECK(!f.strong);
	CHECK_STR(f.title, h.reason);
	CHECK_STR(f.evidence, "someuser/liferay");
	CHECK_INT(f.n_locs, 1);
	CHECK_INT(f.locs[0].source, LOC_METADATA);
	CHECK_STR(f.locs[0].field, "name");
	CHECK(!strncmp(f.fingerprint, "sha256:", 7));
	finding_release(&f);
}

TEST(typosquat, check_is_fast)
{
	static const char *const names[] = {
	    "nginx",       "ngnix", "someuser-app",          "docker-nginx-official",
	    "hello_world", "m0ng0", "elasticsearch-exporter"};
	struct typosquat *t = load();
	struct typosquat_hit h;
	struct timespec a, b;
	double us;
	long n = 0;

	CHECK(t);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int r = 0; r < 2000; r++)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++, n++)
			if (typosquat_check(t, r & 1 ? "someuser" : NULL, names[i], &h) < 0)
				break;
	clock_gettime(CLOCK_MONOTONIC, &b);
	typosquat_free(t);
	us = ((double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3) /
	     (double)n;
	if (us >= 50.0)
		UNIT_FAIL("%.2f µs per check, target < 50", us);
}
