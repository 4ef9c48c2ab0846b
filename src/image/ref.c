#include "image/ref.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whole reference text; longer input is refused before any parsing. */
#define REF_MAX_LEN 4096
/* distribution/reference NameTotalLengthMax: host and path together. */
#define REF_MAX_NAME 255
#define REF_MAX_TAG  128
/* Bytes of the input quoted in an error message. */
#define REF_QUOTE_MAX 200

/* skopeo transports we recognise but do not read. */
static const char *const ref_unsupported[] = {
    "containers-storage:", "dir:", "docker-daemon:", "ostree:", "sif:", "tarball:", NULL,
};

static int ref_fail(int code, const char *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int ref_fail(int code, const char *s, const char *fmt, ...)
{
	char reason[512];
	size_t n = strlen(s);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return err_set(code, "invalid reference '%.*s%s': %s", REF_QUOTE_MAX, s,
	               n > REF_QUOTE_MAX ? "…" : "", reason);
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* path-component := [a-z0-9]+ ((?:[._]|__|[-]*) [a-z0-9]+)*; any upper-case
 * letter is reported separately by the caller. */
static bool path_component_ok(const char *p, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(p[0]) || !is_lower_alnum(p[n - 1]))
		return false;
	while (i < n) {
		size_t sep;

		while (i < n && is_lower_alnum(p[i]))
			i++;
		if (i == n)
			break;
		sep = i;
		if (p[i] == '.') {
			i++;
		} else if (p[i] == '_') {
			i++;
			if (i < n && p[i] == '_')
				i++;
		} else if (p[i] == '-') {
			while (i < n && p[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == sep || i == n || !is_lower_alnum(p[i]))
			return false;
	}
	return true;
}

/* domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_ok(const char *p, size_t n)
{
	size_t host_end = n;
	size_t i, start;

	if (n == 0)
		return false;
	if (p[0] == '[') {
		/* [IPv6]: hex digits, ':' and '.' (embedded IPv4) */
		const char *close = memchr(p, ']', n);

		if (!close || close == p + 1)
			return false;
		for (const char *q = p + 1; q < close; q++)
			if (!(is_digit(*q) || (*q >= 'a' && *q <= 'f') ||
			      (*q >= 'A' && *q <= 'F') || *q == ':' || *q == '.'))
				return false;
		host_end = (size_t)(close - p) + 1;
	} else {
		const char *colon = memchr(p, ':', n);

		if (colon)
			host_end = (size_t)(colon - p);
		start = 0;
		for (i = 0; i <= host_end; i++) {
			if (i < host_end && p[i] != '.') {
				if (!is_alnum(p[i]) && p[i] != '-')
					return false;
				continue;
			}
			if (i == start || p[start] == '-' || p[i - 1] == '-')
				return false;
			start = i + 1;
		}
	}
	if (host_end == n)
		return true;
	if (p[host_end] != ':' || host_end + 1 == n)
		return false;
	for (i = host_end + 1; i < n; i++)
		if (!is_digit(p[i]))
			return false;
	return true;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > REF_MAX_TAG)
		return false;
	if (!(is_alnum(t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(is_alnum(t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return false;
	return true;
}

/* The OCI layout ref.name grammar (containers/image oci/internal):
 * components of [A-Za-z0-9]+ joined by one of -._:@+ or "--", and
 * components joined by '/'. */
static bool oci_name_ok(const char *s)
{
	const char *p = s;

	for (;;) {
		if (!is_alnum(*p))
			return false;
		while (is_alnum(*p))
			p++;
		if (*p == '\0')
			return true;
		if (*p == '/') {
			p++;
		} else if (p[0] == '-' && p[1] == '-') {
			p += 2;
		} else if (strchr("-._:@+", *p)) {
			p++;
		} else {
			return false;
		}
	}
}

static bool has_upper(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			return true;
	return false;
}

/* Parses "name[:tag][@digest]" (whole = the text quoted in messages) into
 * r's registry fields. */
static int parse_docker_name(struct image_ref *r, const char *whole, const char *s)
{
	const char *at, *name_end, *last_slash, *colon, *slash, *repo;
	size_t name_len, first_len, repo_len;
	char *digest = NULL, *tag = NULL;
	int rc = 0;

	if (*s == '\0') {
		rc = ref_fail(DR_EFORMAT, whole, "empty image name");
		goto done;
	}
	at = strchr(s, '@');
	name_end = at ? at : s + strlen(s);
	if (at) {
		digest = xstrdup(at + 1);
		rc = digest_check(digest);
		if (rc == DR_EUNSUPPORTED) {
			rc = ref_fail(rc, whole, "unsupported digest algorithm (only sha256)");
			goto done;
		}
		if (rc) {
			rc = ref_fail(rc, whole, "malformed digest '%.100s'", digest);
			goto done;
		}
	}
	last_slash = NULL;
	for (const char *p = s; p < name_end; p++)
		if (*p == '/')
			last_slash = p;
	colon = memchr(last_slash ? last_slash : s, ':',
	               (size_t)(name_end - (last_slash ? last_slash : s)));
	if (colon) {
		tag = xstrndup(colon + 1, (size_t)(name_end - colon - 1));
		if (!tag_ok(tag)) {
			rc = ref_fail(DR_EFORMAT, whole, "invalid tag '%.130s'", tag);
			goto done;
		}
		name_end = colon;
	}
	name_len = (size_t)(name_end - s);
	if (name_len == 0) {
		rc = ref_fail(DR_EFORMAT, whole, "empty image name");
		goto done;
	}

	slash = memchr(s, '/', name_len);
	first_len = slash ? (size_t)(slash - s) : name_len;
	repo = s;
	if (slash && (memchr(s, '.', first_len) || memchr(s, ':', first_len) ||
	              (first_len == 9 && !memcmp(s, "localhost", 9)))) {
		if (!domain_ok(s, first_len)) {
			rc = ref_fail(DR_EFORMAT, whole, "invalid registry host '%.*s'",
			              (int)first_len, s);
			goto done;
		}
		repo = slash + 1;
		if ((first_len == 9 && !memcmp(s, "docker.io", 9)) ||
		    (first_len == 15 && !memcmp(s, "index.docker.io", 15)) ||
		    (first_len == 20 && !memcmp(s, REF_HUB_REGISTRY, 20))) {
			r->hub = true;
		} else {
			r->registry = xstrndup(s, first_len);
		}
	} else {
		r->hub = true;
	}
	repo_len = (size_t)(name_end - repo);
	if (has_upper(repo, repo_len)) {
		rc = ref_fail(DR_EFORMAT, whole, "repository name must be lowercase");
		goto done;
	}
	for (const char *p = repo, *end = repo + repo_len; p <= end;) {
		const char *q = memchr(p, '/', (size_t)(end - p));

		if (!q)
			q = end;
		if (!path_component_ok(p, (size_t)(q - p))) {
			rc = ref_fail(DR_EFORMAT, whole, "invalid repository name '%.*s'",
			              (int)repo_len, repo);
			goto done;
		}
		p = q + 1;
	}
	/* distribution's cap applies to the normalised name ("docker.io/library/x") */
	if ((r->hub ? strlen(REF_HUB_DISPLAY "/") + (memchr(repo, '/', repo_len) ? 0 : 8)
	            : first_len + 1) +
	        repo_len >
	    REF_MAX_NAME) {
		rc = ref_fail(DR_EFORMAT, whole,
		              "repository name must not be more than %d characters", REF_MAX_NAME);
		goto done;
	}
	if (r->hub) {
		r->registry = xstrdup(REF_HUB_REGISTRY);
		if (!memchr(repo, '/', repo_len)) {
			struct buf b = BUF_INIT;

			buf_addf(&b, "library/%.*s", (int)repo_len, repo);
			r->repository = buf_detach(&b, NULL);
		}
	}
	if (!r->repository)
		r->repository = xstrndup(repo, repo_len);
	if (!tag && !digest)
		tag = xstrdup("latest");
	r->tag = tag;
	r->digest = digest;
	tag = digest = NULL;
done:
	free(tag);
	free(digest);
	return rc;
}

/* "path[:rest]" for the archive and layout transports: the path ends at the
 * first ':' as in skopeo. */
static int parse_path_ref(struct image_ref *r, const char *whole, const char *s)
{
	const char *colon = strchr(s, ':');
	const char *rest = colon ? colon + 1 : NULL;
	struct image_ref inner = {0};
	int rc = 0;

	r->path = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	if (r->path[0] == '\0') {
		rc = ref_fail(DR_EFORMAT, whole, "empty path");
		goto done;
	}
	if (!rest || *rest == '\0')
		goto done;
	if (r->transport != REF_DOCKER_ARCHIVE) {
		if (!oci_name_ok(rest)) {
			rc = ref_fail(DR_EFORMAT, whole, "invalid image name '%.130s'", rest);
			goto done;
		}
		r->archive_ref = xstrdup(rest);
		goto done;
	}
	if (rest[0] == '@') {
		uint64_t n;

		if (str_to_u64(rest + 1, &n) || n > 1000000) {
			rc = ref_fail(DR_EFORMAT, whole, "invalid image index '%.40s'", rest + 1);
			goto done;
		}
		r->archive_index = (int)n;
		goto done;
	}
	rc = parse_docker_name(&inner, whole, rest);
	if (rc)
		goto done;
	if (inner.digest) {
		rc = ref_fail(DR_EFORMAT, whole, "docker-archive does not take a digest");
		goto done;
	}
	if (strchr(strrchr(rest, '/') ? strrchr(rest, '/') : rest, ':')) {
		r->archive_ref = xstrdup(rest);
	} else {
		struct buf b = BUF_INIT;

		buf_addf(&b, "%s:latest", rest);
		r->archive_ref = buf_detach(&b, NULL);
	}
done:
	ref_release(&inner);
	return rc;
}

int ref_parse(struct image_ref *out, const char *s)
{
	size_t n;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->archive_index = -1;
	if (!s || *s == '\0') {
		rc = err_set(DR_EFORMAT, "invalid reference '': empty");
		goto done;
	}
	n = strlen(s);
	if (n > REF_MAX_LEN) {
		rc = ref_fail(DR_EFORMAT, s, "longer than %d bytes", REF_MAX_LEN);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f) {
			rc = ref_fail(DR_EFORMAT, s, "contains a space or control character");
			goto done;
		}
	}
	for (size_t i = 0; ref_unsupported[i]; i++) {
		if (str_starts(s, ref_unsupported[i])) {
			rc = ref_fail(DR_EUNSUPPORTED, s, "transport '%.*s' is not supported",
			              (int)strlen(ref_unsupported[i]) - 1, ref_unsupported[i]);
			goto done;
		}
	}
	if (str_starts(s, "docker://")) {
		out->transport = REF_DOCKER;
		rc = parse_docker_name(out, s, s + 9);
	} else if (str_starts(s, "docker-archive:")) {
		out->transport = REF_DOCKER_ARCHIVE;
		rc = parse_path_ref(out, s, s + 15);
	} else if (str_starts(s, "oci-archive:")) {
		out->transport = REF_OCI_ARCHIVE;
		rc = parse_path_ref(out, s, s + 12);
	} else if (str_starts(s, "oci:")) {
		out->transport = REF_OCI;
		rc = parse_path_ref(out, s, s + 4);
	} else {
		out->transport = REF_DOCKER;
		rc = parse_docker_name(out, s, s);
	}
done:
	if (rc)
		ref_release(out);
	return rc;
}

void ref_release(struct image_ref *r)
{
	enum ref_transport t;

	if (!r)
		return;
	t = r->transport;
	free(r->registry);
	free(r->repository);
	free(r->tag);
	free(r->digest);
	free(r->path);
	free(r->archive_ref);
	memset(r, 0, sizeof(*r));
	r->transport = t;
	r->archive_index = -1;
}

static void add_registry_name(struct buf *b, const struct image_ref *r)
{
	buf_addf(b, "%s/%s", r->hub ? REF_HUB_DISPLAY : (r->registry ? r->registry : ""),
	         r->repository ? r->repository : "");
}

char *ref_format(const struct image_ref *r)
{
	struct buf b = BUF_INIT;
	const char *prefix = "oci:";

	switch (r->transport) {
	case REF_DOCKER:
		buf_adds(&b, "docker://");
		add_registry_name(&b, r);
		if (r->tag)
			buf_addf(&b, ":%s", r->tag);
		if (r->digest)
			buf_addf(&b, "@%s", r->digest);
		break;
	case REF_DOCKER_ARCHIVE:
		buf_addf(&b, "docker-archive:%s", r->path ? r->path : "");
		if (r->archive_ref)
			buf_addf(&b, ":%s", r->archive_ref);
		else if (r->archive_index >= 0)
			buf_addf(&b, ":@%d", r->archive_index);
		break;
	case REF_OCI_ARCHIVE:
		prefix = "oci-archive:";
		/* fall through */
	case REF_OCI:
		buf_addf(&b, "%s%s", prefix, r->path ? r->path : "");
		if (r->archive_ref)
			buf_addf(&b, ":%s", r->archive_ref);
		break;
	}
	return buf_detach(&b, NULL);
}

char *ref_format_digest(const struct image_ref *r, const char *digest)
{
	struct buf b = BUF_INIT;

	if (r->transport == REF_DOCKER) {
		add_registry_name(&b, r);
	} else {
		char *s = ref_format(r);

		buf_adds(&b, s);
		free(s);
	}
	buf_addf(&b, "@%s", digest ? digest : "");
	return buf_detach(&b, NULL);
}
