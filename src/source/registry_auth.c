#include "source/registry_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/jx.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- WWW-Authenticate ---------------------------------------------------- */

static bool is_tchar(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Reads a token or a quoted string at *pp into a new string. */
static char *read_value(const char **pp)
{
	const char *p = *pp;
	struct buf b = BUF_INIT;

	buf_init(&b, 0);
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			buf_addc(&b, *p);
		}
		if (*p == '"')
			p++;
	} else {
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			buf_addc(&b, *p++);
	}
	*pp = p;
	return buf_detach(&b, NULL);
}

static void challenge_clear(struct reg_challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	free(c->error);
	memset(c, 0, sizeof(*c));
}

int reg__challenge_parse(struct reg_challenge *out, const char *value)
{
	struct reg_challenge cur = {0};
	const char *p = value;
	bool have_basic = false;
	int rc = DR_EFORMAT;

	memset(out, 0, sizeof(*out));
	for (;;) {
		const char *start;
		size_t n;

		p = skip_ws(p);
		while (*p == ',')
			p = skip_ws(p + 1);
		if (!*p)
			break;
		/* A scheme name, then its parameters until the next scheme. */
		start = p;
		while (is_tchar(*p))
			p++;
		n = (size_t)(p - start);
		if (n == 0)
			break;
		challenge_clear(&cur);
		if (n == 6 && strncasecmp(start, "bearer", 6) == 0)
			cur.scheme = REG_AUTH_BEARER;
		else if (n == 5 && strncasecmp(start, "basic", 5) == 0)
			cur.scheme = REG_AUTH_BASIC;
		else
			cur.scheme = REG_AUTH_NONE;
		for (;;) {
			const char *k, *save;
			size_t kn;
			char *v;

			save = p = skip_ws(p);
			while (*p == ',')
				p = skip_ws(p + 1);
			k = p;
			while (is_tchar(*p))
				p++;
			kn = (size_t)(p - k);
			p = skip_ws(p);
			if (kn == 0 || *p != '=') {
				/* Not a parameter: the next challenge starts here. */
				p = kn ? k : save;
				break;
			}
			p = skip_ws(p + 1);
			v = read_value(&p);
			if (kn == 5 && strncasecmp(k, "realm", 5) == 0) {
				free(cur.realm);
				cur.realm = v;
			} else if (kn == 7 && strncasecmp(k, "service", 7) == 0) {
				free(cur.service);
				cur.service = v;
			} else if (kn == 5 && strncasecmp(k, "scope", 5) == 0) {
				free(cur.scope);
				cur.scope = v;
			} else if (kn == 5 && strncasecmp(k, "error", 5) == 0) {
				free(cur.error);
				cur.error = v;
			} else {
				free(v);
			}
		}
		if (cur.scheme == REG_AUTH_BEARER && cur.realm && *cur.realm) {
			challenge_clear(out);
			*out = cur;
			memset(&cur, 0, sizeof(cur));
			rc = 0;
			goto done;
		}
		if (cur.scheme == REG_AUTH_BASIC && !have_basic) {
			challenge_clear(out);
			*out = cur;
			memset(&cur, 0, sizeof(cur));
			have_basic = true;
			rc = 0;
		}
	}
done:
	challenge_clear(&cur);
	return rc;
}

void reg__challenge_release(struct reg_challenge *c)
{
	if (c)
		challenge_clear(c);
}

/* --- credentials ----------------------------------------------------------- */

int reg__split_creds(char **out_user, char **out_pass, const char *creds)
{
	const char *colon = strchr(creds, ':');

	*out_user = *out_pass = NULL;
	if (!colon || colon == creds)
		return err_set(DR_EUSAGE, "credentials must be 'user:password'");
	*out_user = xstrndup(creds, (size_t)(colon - creds));
	*out_pass = xstrdup(colon + 1);
	return 0;
}

char *reg__docker_config_path(const char *override)
{
	const char *dir = getenv("DOCKER_CONFIG");
	const char *home = getenv("HOME");
	struct buf b = BUF_INIT;

	if (override)
		return xstrdup(override);
	buf_init(&b, 0);
	if (dir && *dir)
		buf_addf(&b, "%s/config.json", dir);
	else if (home && *home)
		buf_addf(&b, "%s/.docker/config.json", home);
	else
		return NULL;
	return buf_detach(&b, NULL);
}

static int read_small_file(struct buf *out, const char *path)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int rc = 0;

	buf_init(out, DR_MAX_SMALL_FILE);
	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR)
			return DR_ENOTFOUND;
		return err_set(DR_EIO, "cannot open '%s': %s", path, strerror(errno));
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_add(out, chunk, n)) {
			rc = err_set(DR_ELIMIT, "'%s' is larger than %llu bytes", path,
			             (unsigned long long)DR_MAX_SMALL_FILE);
			goto done;
		}
	}
	if (ferror(f))
		rc = err_set(DR_EIO, "cannot read '%s': %s", path, strerror(errno));
done:
	fclose(f);
	if (rc)
		buf_release(out);
	return rc;
}

/* host[:port] of a config.json key: "https://host:5000/v1/" → "host:5000". */
static char *key_host(const char *key)
{
	const char *p = key, *end;

	if (strncasecmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncasecmp(p, "http://", 7) == 0)
		p += 7;
	end = strchr(p, '/');
	return end ? xstrndup(p, (size_t)(end - p)) : xstrdup(p);
}

static bool key_matches(const char *key, const char *registry, bool hub)
{
	char *h = key_host(key);
	bool m;

	if (hub)
		m = strcasecmp(h, "index.docker.io") == 0 || strcasecmp(h, "docker.io") == 0 ||
		    strcasecmp(h, "registry-1.docker.io") == 0;
	else
		m = strcasecmp(h, registry) == 0;
	free(h);
	return m;
}

/* The "auths" (or "credHelpers") entry for the registry: the exact Hub key
 * first, then any key naming the same host; *out_key (when not NULL) is its
 * key. Both borrowed. */
static json_t *find_entry(json_t *obj, const char *registry, bool hub, const char **out_key)
{
	const char *key;
	json_t *v;

	if (!obj || !json_is_object(obj))
		return NULL;
	key = hub ? REG_HUB_AUTH_KEY : registry;
	if ((v = json_object_get(obj, key)) != NULL)
		goto found;
	json_object_foreach(obj, key, v)
	{
		if (key_matches(key, registry, hub))
			goto found;
	}
	return NULL;
found:
	if (out_key)
		*out_key = key;
	return v;
}

static int entry_creds(char **out_user, char **out_pass, json_t *entry, const char *path,
                       const char *registry)
{
	const char *auth = jx_str(entry, "auth");
	const char *user = jx_str(entry, "username");
	const char *pass = jx_str(entry, "password");
	const char *identity = jx_str(entry, "identitytoken");
	unsigned char *dec = NULL;
	size_t dlen;
	int rc = DR_ENOTFOUND;

	/* an identity token is what docker uses when there is one (ACR logins
	 * record a placeholder user beside it) */
	if (identity && *identity) {
		*out_user = xstrdup(REG_IDENTITY_USER);
		*out_pass = xstrdup(identity);
		rc = 0;
		goto done;
	}
	if (auth && *auth) {
		if (str_base64_decode(&dec, &dlen, auth, strlen(auth)) != 0 ||
		    memchr(dec, '\0', dlen) || !memchr(dec, ':', dlen)) {
			rc = err_set(DR_EFORMAT,
			             "'%s': the \"auth\" entry for registry '%s' is not "
			             "base64 of 'user:password'",
			             path, registry);
			goto done;
		}
		rc = reg__split_creds(out_user, out_pass, (const char *)dec);
		if (rc)
			rc = err_set(DR_EFORMAT,
			             "'%s': the \"auth\" entry for registry '%s' has no user", path,
			             registry);
		goto done;
	}
	if (user && *user && pass) {
		*out_user = xstrdup(user);
		*out_pass = xstrdup(pass);
		rc = 0;
		goto done;
	}
done:
	free(dec);
	return rc;
}

int reg__docker_creds(char **out_user, char **out_pass, const char *path, const char *registry,
                      bool hub, long timeout_s)
{
	struct buf data = BUF_INIT;
	json_t *root = NULL, *entry, *hv;
	const char *store, *key = NULL;
	int rc;

	*out_user = *out_pass = NULL;
	rc = read_small_file(&data, path);
	if (rc)
		goto done;
	rc =
	    jx_parse(&root, data.ptr ? data.ptr : "", data.len, DR_MAX_JSON_DEPTH, "docker config");
	if (rc) {
		rc = err_wrap(rc, "'%s'", path);
		goto done;
	}
	if (!json_is_object(root)) {
		rc = err_set(DR_EFORMAT, "'%s' is not a JSON object", path);
		goto done;
	}
	entry = find_entry(jx_obj(root, "auths"), registry, hub, &key);
	if (entry && json_is_object(entry)) {
		rc = entry_creds(out_user, out_pass, entry, path, registry);
		if (rc != DR_ENOTFOUND)
			goto done;
	}
	/* a helper for this registry, else the store that holds the logins
	 * recorded in "auths"; asked as `docker` asks them */
	hv = find_entry(jx_obj(root, "credHelpers"), registry, hub, NULL);
	store = jx_str(root, "credsStore");
	if (hv && json_is_string(hv))
		rc = reg__cred_helper(out_user, out_pass, json_string_value(hv),
		                      hub ? REG_HUB_AUTH_KEY : registry, timeout_s);
	else if (store && *store && entry)
		rc = reg__cred_helper(out_user, out_pass, store, key, timeout_s);
	else
		rc = DR_ENOTFOUND;
	if (rc && rc != DR_ENOTFOUND)
		rc = err_wrap(rc, "credentials for registry '%s' ('%s')",
		              hub ? "docker.io" : registry, path);
done:
	json_decref(root);
	buf_release(&data);
	return rc;
}

/* --- token endpoint -------------------------------------------------------- */

static void add_escaped(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			buf_addc(b, (char)c);
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

char *reg__token_form(const char *service, const char *scope, const char *refresh_token)
{
	struct buf b = BUF_INIT;

	buf_init(&b, 0);
	buf_adds(&b, "grant_type=refresh_token");
	if (service && *service) {
		buf_adds(&b, "&service=");
		add_escaped(&b, service);
	}
	buf_adds(&b, "&scope=");
	add_escaped(&b, scope);
	buf_adds(&b, "&client_id=" REG_CLIENT_ID "&refresh_token=");
	add_escaped(&b, refresh_token);
	return buf_detach(&b, NULL);
}

char *reg__token_url(const char *realm, const char *service, const char *scope)
{
	struct buf b = BUF_INIT;
	char sep = strchr(realm, '?') ? '&' : '?';

	buf_init(&b, 0);
	buf_adds(&b, realm);
	if (service && *service) {
		buf_addc(&b, sep);
		buf_adds(&b, "service=");
		add_escaped(&b, service);
		sep = '&';
	}
	if (scope && *scope) {
		buf_addc(&b, sep);
		buf_adds(&b, "scope=");
		add_escaped(&b, scope);
	}
	return buf_detach(&b, NULL);
}

int reg__token_parse(char **out, const char *body, size_t len)
{
	json_t *root = NULL;
	const char *tok;
	int rc;

	*out = NULL;
	rc = jx_parse(&root, body, len, DR_MAX_JSON_DEPTH, "token answer");
	if (rc)
		goto done;
	tok = jx_str(root, "token");
	if (!tok || !*tok)
		tok = jx_str(root, "access_token");
	if (!tok || !*tok) {
		rc = err_set(DR_EFORMAT, "token answer has no \"token\" or \"access_token\"");
		goto done;
	}
	for (const char *p = tok; *p; p++) {
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
			rc = err_set(DR_EFORMAT,
			             "token answer holds a token with invalid characters");
			goto done;
		}
	}
	*out = xstrdup(tok);
done:
	json_decref(root);
	return rc;
}

double reg__backoff(int attempt)
{
	double d = 0.5;

	for (int i = 1; i < attempt && d < 30.0; i++)
		d *= 2;
	return d > 30.0 ? 30.0 : d;
}

char *reg__error_summary(const char *body, size_t len)
{
	json_t *root = NULL, *errs, *e;
	struct buf b = BUF_INIT;
	const char *code, *msg;
	char *res = NULL;

	if (!body || len == 0 || jx_parse(&root, body, len, DR_MAX_JSON_DEPTH, "error") != 0) {
		err_clear();
		goto done;
	}
	errs = jx_arr(root, "errors");
	e = errs ? json_array_get(errs, 0) : NULL;
	if (!e || !json_is_object(e))
		goto done;
	code = jx_str(e, "code");
	msg = jx_str(e, "message");
	if (!code && !msg)
		goto done;
	buf_init(&b, 512);
	if (code && msg)
		buf_addf(&b, "%.100s: %.300s", code, msg);
	else
		buf_addf(&b, "%.300s", code ? code : msg);
	res = buf_detach(&b, NULL);
done:
	json_decref(root);
	return res;
}
