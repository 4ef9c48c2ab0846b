/* Pieces of the registry client that need no network: WWW-Authenticate
 * challenges, credentials from docker's config.json and its credential
 * helpers, the token endpoint's URL and answer, and the retry schedule.
 * registry.c drives them. */
#ifndef DREDGE_REGISTRY_INT_H
#define DREDGE_REGISTRY_INT_H

#include "util/limits.h"

#include <stdbool.h>
#include <stddef.h>

/* Auth-related caps for documents the registry or token server sends. */
#define REG_USER_AGENT "dredge/0.1"
/* Docker Hub's key in config.json "auths". */
#define REG_HUB_AUTH_KEY "https://index.docker.io/v1/"
/* The user name that says the password is an identity (OAuth2 refresh)
 * token, in config.json logins and helper answers as in docker's. */
#define REG_IDENTITY_USER "<token>"
/* client_id sent with OAuth2 token requests. */
#define REG_CLIENT_ID "dredge"
/* Seconds one registry request may take with its retries, by default. */
#define REG_DEFAULT_TIMEOUT 600

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
 * from the docker config file at path: an "auths" entry's own credentials
 * (an "identitytoken" comes back as user REG_IDENTITY_USER), else the
 * registry's "credHelpers" helper, else the "credsStore" store when "auths"
 * records a login for the registry (reg__cred_helper, bounded by
 * timeout_s). Returns 0 with user and password; DR_ENOTFOUND (no message)
 * when the file, an entry or the helper's credentials are absent; DR_EAUTH
 * when a helper cannot be run or fails; DR_EFORMAT for a malformed file or
 * answer; DR_EIO when the file cannot be read. */
int reg__docker_creds(char **out_user, char **out_pass, const char *path, const char *registry,
                      bool hub, long timeout_s);

/* Runs `docker-credential-<helper> get` (found on PATH; helper must be a
 * plain name) with server on its standard input, and reads its answer.
 * Returns 0 with user and password; DR_ENOTFOUND (no message) when the
 * helper holds nothing for server; DR_EAUTH when it cannot be run, fails,
 * is killed, or does not answer within timeout_s seconds (it is then
 * killed); DR_EFORMAT for a bad helper name or answer; DR_ELIMIT when it
 * writes more than REG_MAX_HELPER_OUTPUT bytes. */
int reg__cred_helper(char **out_user, char **out_pass, const char *helper, const char *server,
                     long timeout_s);
/* True when name may follow "docker-credential-": letters, digits, '-',
 * '_' and '.', not starting with '.'. */
bool reg__cred_helper_name_ok(const char *name);
/* Parses a helper's answer (len bytes; user REG_IDENTITY_USER when it holds
 * an identity token); program names it in messages. */
int reg__cred_helper_parse(char **out_user, char **out_pass, const char *answer, size_t len,
                           const char *program);

/* realm?service=…&scope=… with both values percent-encoded (service left
 * out when NULL or empty); the caller frees. */
char *reg__token_url(const char *realm, const char *service, const char *scope);

/* The form body of an OAuth2 token request that trades refresh_token for
 * a token with scope (service left out when NULL or empty), every value
 * percent-encoded; the caller frees. */
char *reg__token_form(const char *service, const char *scope, const char *refresh_token);

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
