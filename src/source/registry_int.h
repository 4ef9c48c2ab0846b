/* Pieces of the registry client that need no network: WWW-Authenticate
 * challenges, credentials from docker's config.json, the token endpoint's
 * URL and answer, and the retry schedule. registry.c drives them. */
#ifndef DREDGE_REGISTRY_INT_H
#define DREDGE_REGISTRY_INT_H

#include "util/limits.h"

#include <stdbool.h>
#include <stddef.h>

/* Auth-related caps for documents the registry or token server sends. */
#define REG_USER_AGENT "dredge/0.1"
/* Docker Hub's key in config.json "auths". */
#define REG_HUB_AUTH_KEY "https://index.docker.io/v1/"

enum reg_scheme {
	REG_AUTH_NONE,
	REG_AUTH_BASIC,
	REG_AUTH_BEARER,
};

struct reg_challenge {
	enum reg_scheme scheme;
	char *realm;
	char *service;
	char *scope;
	char *error; /* the challenge's error="…" (insufficient_scope, …) */
};

/* Parses one WWW-Authenticate value, which may hold several challenges;
 * keeps the Bearer one if any, else Basic. Quoted strings may contain
 * commas and backslash escapes. Returns 0, or DR_EFORMAT when no Basic or
 * Bearer challenge is found (or a Bearer challenge has no realm). */
int reg__challenge_parse(struct reg_challenge *out, const char *value);
void reg__challenge_release(struct reg_challenge *c);

/* Splits "user:password" at the first colon; DR_EUSAGE without one. The
 * strings are the caller's. */
int reg__split_creds(char **out_user, char **out_pass, const char *creds);

/* The docker config file to read: override when set, else
 * $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json; the caller
 * frees (NULL when there is no home to look in). */
char *reg__docker_config_path(const char *override);

/* Credentials for registry (host[:port]; hub selects Docker Hub's keys)
 * from the docker config file at path. Returns 0 with user and password,
 * DR_ENOTFOUND when the file or an entry with credentials is absent (no
 * message), DR_EAUTH when the credentials live in a credential helper or
 * store (credHelpers for this registry, or credsStore with a login
 * recorded in "auths" without credentials) that dredge cannot call,
 * DR_EFORMAT for a malformed file, DR_EIO when it cannot be read. */
int reg__docker_creds(char **out_user, char **out_pass, const char *path, const char *registry,
                      bool hub);

/* realm?service=…&scope=… with both values percent-encoded (service left
 * out when NULL or empty); the caller frees. */
char *reg__token_url(const char *realm, const char *service, const char *scope);

/* The token from a token endpoint's JSON answer ("token", else
 * "access_token"); DR_EFORMAT when neither is a non-empty string. */
int reg__token_parse(char **out, const char *body, size_t len);

/* Seconds to wait before retry number attempt (1-based): 0.5 s doubling,
 * capped at 30 s. */
double reg__backoff(int attempt);

/* The first registry error message in an errors-JSON body
 * ({"errors":[{"code":…,"message":…}]}) as "CODE: message", or NULL. */
char *reg__error_summary(const char *body, size_t len);

#endif
