#include "source/hubmeta.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK (1u << 20)
#define MAX_KEYS   256 /* distinct keys in one JSON object */
#define MAX_PTRS   (3 * HUBMETA_MAX_ARRAY)

/* --- a validating, allocation-free JSON scanner ------------------------- */

struct jp {
	const char *p, *end;
	char *aw; /* arena write position: decoded strings go here */
	const char *err;
	char errbuf[96];
};

struct span {
	const char *p, *end;
};

static int jp_fail(struct jp *j, const char *msg)
{
	if (!j->err)
		j->err = msg;
	return -1;
}

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

/* After a member or element: skips white space, then a ',' (returns 1: more
 * follow) or the closing bracket close (returns 0); anything else fails. */
static int jp_next(struct jp *j, char close)
{
	jp_ws(j);
	if (j->p < j->end && *j->p == ',') {
		j->p++;
		return 1;
	}
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	if (j->p >= j->end)
		return jp_fail(j, "unexpected end of input");
	return jp_fail(j, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int jp_hex4(struct jp *j, unsigned *out)
{
	unsigned v = 0;

	if (j->end - j->p < 4)
		return jp_fail(j, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		int h = hexval(j->p[i]);

		if (h < 0)
			return jp_fail(j, "bad \\u escape");
		v = v << 4 | (unsigned)h;
	}
	j->p += 4;
	*out = v;
	return 0;
}

static char *put_utf8(char *w, unsigned cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xc0 | cp >> 6);
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xe0 | cp >> 12);
		*w++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*w++ = (char)(0xf0 | cp >> 18);
		*w++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*w++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	}
	return w;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned cp;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* At '"': decodes the string into the arena (*out, NUL-terminated) when out
 * is set, else validates it only. */
static int jp_str(struct jp *j, const char **out, size_t *out_len)
{
	char *w = j->aw, *start = j->aw;
	const char *p = j->p + 1;

	for (;;) {
		const char *q = p;

		while (q < j->end && (unsigned char)*q >= 0x20 && *q != '"' && *q != '\\' &&
		       (unsigned char)*q < 0x80)
			q++;
		if (out) {
			memcpy(w, p, (size_t)(q - p));
			w += q - p;
		}
		p = q;
		if (p >= j->end) {
			j->p = p;
			return jp_fail(j, "unterminated string");
		}
		if (*p == '"')
			break;
		if ((unsigned char)*p < 0x20) {
			j->p = p;
			return jp_fail(j, "control character in string");
		}
		if ((unsigned char)*p >= 0x80) {
			size_t n =
			    utf8_seq((const unsigned char *)p, (const unsigned char *)j->end);

			if (!n) {
				j->p = p;
				return jp_fail(j, "invalid UTF-8 in string");
			}
			if (out) {
				memcpy(w, p, n);
				w += n;
			}
			p += n;
			continue;
		}
		/* backslash */
		if (p + 1 >= j->end) {
			j->p = p;
			return jp_fail(j, "unterminated string");
		}
		p++;
		switch (*p++) {
		case '"':
			if (out)
				*w++ = '"';
			break;
		case '\\':
			if (out)
				*w++ = '\\';
			break;
		case '/':
			if (out)
				*w++ = '/';
			break;
		case 'b':
			if (out)
				*w++ = '\b';
			break;
		case 'f':
			if (out)
				*w++ = '\f';
			break;
		case 'n':
			if (out)
				*w++ = '\n';
			break;
		case 'r':
			if (out)
				*w++ = '\r';
			break;
		case 't':
			if (out)
				*w++ = '\t';
			break;
		case 'u': {
			unsigned cp, lo;

			j->p = p;
			if (jp_hex4(j, &cp))
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
					return jp_fail(j, "lone surrogate in string");
				j->p += 2;
				if (jp_hex4(j, &lo))
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return jp_fail(j, "lone surrogate in string");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return jp_fail(j, "lone surrogate in string");
			} else if (cp == 0) {
				return jp_fail(j, "NUL character in string");
			}
			p = j->p;
			if (out)
				w = put_utf8(w, cp);
			break;
		}
		default:
			j->p = p - 1;
			return jp_fail(j, "bad escape in string");
		}
	}
	j->p = p + 1;
	if (out) {
		*w = '\0';
		*out = start;
		if (out_len)
			*out_len = (size_t)(w - start);
		j->aw = w + 1;
	}
	return 0;
}

/* A JSON number; *is_int and *out set when it is an integer that fits. */
static int jp_num(struct jp *j, int64_t *out, bool *is_int)
{
	const char *p = j->p;
	bool neg = false, integer = true, overflow = false;
	uint64_t v = 0;

	if (p < j->end && *p == '-')
		neg = true, p++;
	if (p >= j->end || *p < '0' || *p > '9')
		return jp_fail(j, "bad number");
	if (*p == '0') {
		p++;
	} else {
		while (p < j->end && *p >= '0' && *p <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				overflow = true;
			v = v * 10 + (uint64_t)(*p++ - '0');
		}
	}
	if (p < j->end && *p == '.') {
		integer = false;
		p++;
		if (p >= j->end || *p < '0' || *p > '9')
			return jp_fail(j, "bad number");
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		integer = false;
		p++;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= j->end || *p < '0' || *p > '9')
			return jp_fail(j, "bad number");
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	j->p = p;
	*is_int = integer && !overflow && v <= (uint64_t)INT64_MAX;
	*out = *is_int ? (neg ? -(int64_t)v : (int64_t)v) : 0;
	return 0;
}

static int jp_lit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return jp_fail(j, "bad literal");
	j->p += n;
	return 0;
}

/* Records a key of one object; fails on a duplicate or too many keys. */
static int keys_add(struct jp *j, uint64_t *keys, size_t *n, const char *k, size_t klen)
{
	uint64_t h = str_hash(STR_HASH_SEED, k, klen);

	for (size_t i = 0; i < *n; i++)
		if (keys[i] == h) {
			snprintf(j->errbuf, sizeof(j->errbuf), "duplicate key '%.40s'", k);
			return jp_fail(j, j->errbuf);
		}
	if (*n == MAX_KEYS)
		return jp_fail(j, "too many keys in one object");
	keys[(*n)++] = h;
	return 0;
}

static int jp_skip(struct jp *j, int depth);

/* Steps over an opening '{' or '[' and white space; true (with the closer
 * consumed too) when the object or array is empty. */
static bool jp_open_empty(struct jp *j, char close)
{
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return true;
	}
	return false;
}

/* Reads one object key and the ':' after it (white space skipped); a key
 * already seen in this object is refused. */
static int jp_key(struct jp *j, uint64_t *keys, size_t *nkeys, const char **k, size_t *klen)
{
	jp_ws(j);
	if (j->p >= j->end || *j->p != '"')
		return jp_fail(j, j->p >= j->end ? "unexpected end of input" : "expected a key");
	if (jp_str(j, k, klen) || keys_add(j, keys, nkeys, *k, *klen))
		return -1;
	jp_ws(j);
	if (j->p >= j->end || *j->p != ':')
		return jp_fail(j, j->p >= j->end ? "unexpected end of input" : "expected ':'");
	j->p++;
	return 0;
}

static int jp_skip_obj(struct jp *j, int depth)
{
	int more;
	uint64_t keys[MAX_KEYS];
	size_t nkeys = 0;
	char *mark = j->aw;

	if (jp_open_empty(j, '}'))
		return 0;
	for (;;) {
		const char *k;
		size_t klen;

		if (jp_key(j, keys, &nkeys, &k, &klen))
			return -1;
		j->aw = mark;
		if (jp_skip(j, depth + 1))
			return -1;
		if ((more = jp_next(j, '}')) <= 0)
			return more;
	}
}

static int jp_skip(struct jp *j, int depth)
{
	int more;
	int64_t iv;
	bool ii;

	if (depth > HUBMETA_MAX_DEPTH)
		return jp_fail(j, "nesting too deep");
	jp_ws(j);
	if (j->p >= j->end)
		return jp_fail(j, "unexpected end of input");
	switch (*j->p) {
	case '"':
		return jp_str(j, NULL, NULL);
	case '{':
		return jp_skip_obj(j, depth);
	case '[':
		if (jp_open_empty(j, ']'))
			return 0;
		for (;;) {
			if (jp_skip(j, depth + 1))
				return -1;
			if ((more = jp_next(j, ']')) <= 0)
				return more;
		}
	case 't':
		return jp_lit(j, "true");
	case 'f':
		return jp_lit(j, "false");
	case 'n':
		return jp_lit(j, "null");
	default:
		return jp_num(j, &iv, &ii);
	}
}

static bool jp_null(struct jp *j)
{
	if (j->end - j->p >= 4 && !memcmp(j->p, "null", 4)) {
		j->p += 4;
		return true;
	}
	return false;
}

static int field_type(struct jp *j, const char *key, const char *want)
{
	snprintf(j->errbuf, sizeof(j->errbuf), "field '%s' is not %s", key, want);
	return jp_fail(j, j->errbuf);
}

static int get_str(struct jp *j, const char *key, const char **out)
{
	jp_ws(j);
	if (jp_null(j)) {
		*out = NULL;
		return 0;
	}
	if (j->p >= j->end || *j->p != '"')
		return field_type(j, key, "a string");
	return jp_str(j, out, NULL);
}

static int get_int(struct jp *j, const char *key, int64_t *out)
{
	bool is_int;

	jp_ws(j);
	if (jp_null(j)) {
		*out = -1;
		return 0;
	}
	if (j->p >= j->end || !(*j->p == '-' || (*j->p >= '0' && *j->p <= '9')))
		return field_type(j, key, "an integer");
	if (jp_num(j, out, &is_int))
		return -1;
	if (!is_int)
		return field_type(j, key, "an integer");
	return 0;
}

struct ptrs {
	const char **v;
	size_t n, cap;
};

/* Reads the "name" of a tag object (other members skipped). */
static int get_tag_obj(struct jp *j, int depth, const char **out)
{
	int more;
	uint64_t keys[MAX_KEYS];
	size_t nkeys = 0;

	*out = NULL;
	if (jp_open_empty(j, '}'))
		return 0;
	for (;;) {
		const char *k;
		size_t klen;
		char *mark = j->aw;

		if (jp_key(j, keys, &nkeys, &k, &klen))
			return -1;
		jp_ws(j);
		if (!strcmp(k, "name") && j->p < j->end && *j->p == '"') {
			j->aw = mark;
			if (jp_str(j, out, NULL))
				return -1;
		} else {
			j->aw = mark;
			if (jp_skip(j, depth + 1))
				return -1;
		}
		if ((more = jp_next(j, '}')) <= 0)
			return more;
	}
}

/* An array of strings (tags: of strings or tag objects); *out_n set, the
 * strings appended to ps (beyond HUBMETA_MAX_ARRAY they are counted only). */
static int get_str_array(struct jp *j, const char *key, struct ptrs *ps, bool tags,
                         const char ***out, size_t *out_n, size_t *out_count)
{
	int more;
	size_t first = ps->n, count = 0;

	*out = NULL;
	*out_n = 0;
	jp_ws(j);
	if (jp_null(j))
		return 0;
	if (j->p >= j->end || *j->p != '[')
		return field_type(j, key, "an array");
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		goto done;
	}
	for (;;) {
		const char *s = NULL;

		jp_ws(j);
		if (j->p < j->end && *j->p == '"') {
			if (jp_str(j, &s, NULL))
				return -1;
		} else if (tags && j->p < j->end && *j->p == '{') {
			if (get_tag_obj(j, 2, &s))
				return -1;
		} else {
			return field_type(j, key,
			                  tags ? "an array of tags" : "an array of strings");
		}
		count++;
		if (s && ps->n < ps->cap && ps->n - first < HUBMETA_MAX_ARRAY)
			ps->v[ps->n++] = s;
		if ((more = jp_next(j, ']')) < 0)
			return -1;
		if (!more)
			break;
	}
done:
	*out = ps->v + first;
	*out_n = ps->n - first;
	if (out_count)
		*out_count = count;
	return 0;
}

static void repo_clear(struct hub_repo *r)
{
	memset(r, 0, sizeof(*r));
	r->registered = -1;
	r->pull_count = -1;
	r->star_count = -1;
	r->status = -1;
	r->is_private = -1;
	r->tag_count = -1;
}

/* At '{': a repository object. The span of a top-level "results" array is
 * recorded in *results (page detection) when results is set. */
static int parse_obj(struct jp *j, struct hub_repo *r, struct ptrs *ps, struct span *results)
{
	int more;
	uint64_t keys[MAX_KEYS];
	size_t nkeys = 0, ntags = 0;
	int64_t tag_count = -1;
	bool have_tags = false;
	const char *repo_name = NULL;

	repo_clear(r);
	if (jp_open_empty(j, '}'))
		goto fields;
	for (;;) {
		const char *k;
		size_t klen;
		int rc = 0;
		char *mark = j->aw;

		if (jp_key(j, keys, &nkeys, &k, &klen))
			return -1;
		j->aw = mark; /* keys are not kept; k stays readable until overwritten */
		/* k lives in the arena region about to be reused: compare first. */
		switch (klen) {
		case 4:
			if (!memcmp(k, "name", 4))
				rc = get_str(j, "name", &r->name);
			else if (!memcmp(k, "tags", 4)) {
				have_tags = true;
				rc = get_str_array(j, "tags", ps, true, &r->tags, &r->n_tags,
				                   &ntags);
			} else
				rc = jp_skip(j, 1);
			break;
		case 6:
			rc = !memcmp(k, "status", 6) ? get_int(j, "status", &r->status)
			                             : jp_skip(j, 1);
			break;
		case 7:
			if (!memcmp(k, "results", 7) && results) {
				jp_ws(j);
				results->p = j->p;
				rc = jp_skip(j, 1);
				results->end = j->p;
				if (!rc && *results->p != '[')
					results->p = results->end = NULL;
			} else
				rc = jp_skip(j, 1);
			break;
		case 9:
			if (!memcmp(k, "namespace", 9))
				rc = get_str(j, "namespace", &r->namespace_);
			else if (!memcmp(k, "repo_name", 9))
				rc = get_str(j, "repo_name", &repo_name);
			else if (!memcmp(k, "tag_count", 9))
				rc = get_int(j, "tag_count", &tag_count);
			else
				rc = jp_skip(j, 1);
			break;
		case 10:
			if (!memcmp(k, "pull_count", 10))
				rc = get_int(j, "pull_count", &r->pull_count);
			else if (!memcmp(k, "star_count", 10))
				rc = get_int(j, "star_count", &r->star_count);
			else if (!memcmp(k, "is_private", 10)) {
				jp_ws(j);
				if (jp_null(j))
					r->is_private = -1;
				else if (j->end - j->p >= 4 && !memcmp(j->p, "true", 4))
					r->is_private = 1, j->p += 4;
				else if (j->end - j->p >= 5 && !memcmp(j->p, "false", 5))
					r->is_private = 0, j->p += 5;
				else
					rc = field_type(j, "is_private", "a boolean");
			} else
				rc = jp_skip(j, 1);
			break;
		case 11:
			if (!memcmp(k, "description", 11))
				rc = get_str(j, "description", &r->description);
			else if (!memcmp(k, "media_types", 11))
				rc = get_str_array(j, "media_types", ps, false, &r->media_types,
				                   &r->n_media_types, NULL);
			else
				rc = jp_skip(j, 1);
			break;
		case 12:
			if (!memcmp(k, "last_updated", 12))
				rc = get_str(j, "last_updated", &r->last_updated);
			else
				rc = jp_skip(j, 1);
			break;
		case 13:
			if (!memcmp(k, "content_types", 13))
				rc = get_str_array(j, "content_types", ps, false, &r->content_types,
				                   &r->n_content_types, NULL);
			else
				rc = jp_skip(j, 1);
			break;
		case 15:
			if (!memcmp(k, "date_registered", 15))
				rc = get_str(j, "date_registered", &r->date_registered);
			else if (!memcmp(k, "repository_type", 15))
				rc = get_str(j, "repository_type", &r->repository_type);
			else
				rc = jp_skip(j, 1);
			break;
		case 16:
			if (!memcmp(k, "full_description", 16))
				rc = get_str(j, "full_description", &r->full_description);
			else
				rc = jp_skip(j, 1);
			break;
		default:
			rc = jp_skip(j, 1);
		}
		if (rc)
			return -1;
		if ((more = jp_next(j, '}')) < 0)
			return -1;
		if (!more)
			break;
	}
fields:
	if (!r->namespace_ && repo_name) {
		const char *slash = strchr(repo_name, '/');

		if (slash) {
			char *ns = (char *)repo_name;

			ns[slash - repo_name] = '\0';
			r->namespace_ = ns;
			if (!r->name)
				r->name = slash + 1;
		} else {
			r->namespace_ = "library";
			if (!r->name)
				r->name = repo_name;
		}
	}
	if (tag_count >= 0)
		r->tag_count = (long)tag_count;
	else if (have_tags)
		r->tag_count = (long)ntags;
	if (r->date_registered)
		r->registered = hubmeta_parse_time(r->date_registered);
	return 0;
}

static int check_repo(struct jp *j, const struct hub_repo *r)
{
	if (!r->namespace_ || !*r->namespace_)
		return jp_fail(j, "no 'namespace'");
	if (!r->name || !*r->name)
		return jp_fail(j, "no 'name'");
	return 0;
}

int hubmeta_parse_repo(struct hub_repo *out, const char *data, size_t len, char *arena,
                       const char **ptrs, size_t n_ptrs)
{
	struct jp j = {.p = data, .end = data + len, .aw = arena};
	struct ptrs ps = {ptrs, 0, n_ptrs};

	jp_ws(&j);
	if (j.p >= j.end || *j.p != '{')
		return err_set(DR_EFORMAT, "not a JSON object");
	if (parse_obj(&j, out, &ps, NULL) || check_repo(&j, out))
		return err_set(DR_EFORMAT, "%s", j.err);
	jp_ws(&j);
	if (j.p != j.end)
		return err_set(DR_EFORMAT, "trailing data after the object");
	return 0;
}

int64_t hubmeta_parse_time(const char *s)
{
	int v[6] = {0};
	const int widths[6] = {4, 2, 2, 2, 2, 2};
	const char seps[6] = {'-', '-', 'T', ':', ':', 0};
	struct tm tm;

	for (int f = 0; f < 6; f++) {
		for (int i = 0; i < widths[f]; i++, s++) {
			if (*s < '0' || *s > '9')
				return -1;
			v[f] = v[f] * 10 + (*s - '0');
		}
		if (seps[f]) {
			if (*s != seps[f] && !(f == 2 && *s == ' '))
				return -1;
			s++;
		}
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	return (int64_t)timegm(&tm);
}

/* --- the stream --------------------------------------------------------- */

struct hubmeta {
	char *name;
	int fd;
	const char *mem;
	size_t mem_len, mem_pos;
	bool gz, gz_member_done, in_eof, eof;
	struct inflate_state *st;
	unsigned char *in;
	size_t in_len, in_pos;
	char *buf;
	size_t buf_len, buf_pos, buf_cap;
	bool whole;    /* the input is one (pretty-printed) document */
	bool skipping; /* inside an over-long line */
	long lineno;
	char *arena;
	size_t arena_cap;
	const char **ptrs;
	struct hub_repo repo;
	/* the page being handed out */
	bool in_page;
	struct jp page;
	long page_line;
	size_t page_idx;
	uint64_t lines, repos, bad;
	hubmeta_bad_fn bad_fn;
	void *bad_ctx;
};

static void report_bad(struct hubmeta *r, long line, const char *msg)
{
	r->bad++;
	if (r->bad_fn)
		r->bad_fn(r->bad_ctx, r->name, line, msg);
}

static int reader_new(struct hubmeta **out, const char *name, hubmeta_bad_fn bad, void *ctx)
{
	struct hubmeta *r = xcalloc(1, sizeof(*r));

	r->name = xstrdup(name);
	r->fd = -1;
	r->bad_fn = bad;
	r->bad_ctx = ctx;
	r->ptrs = xmalloc(MAX_PTRS * sizeof(*r->ptrs));
	*out = r;
	return 0;
}

int hubmeta_open_mem(struct hubmeta **out, const char *name, const char *data, size_t len,
                     hubmeta_bad_fn bad, void *bad_ctx)
{
	struct hubmeta *r;

	reader_new(&r, name, bad, bad_ctx);
	r->mem = data;
	r->mem_len = len;
	if (len >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b) {
		r->gz = true;
		r->in = xmalloc(READ_CHUNK);
		r->st = xmalloc(sizeof(*r->st));
		isal_inflate_init(r->st);
		r->st->crc_flag = ISAL_GZIP;
	}
	*out = r;
	return 0;
}

static int raw_read(struct hubmeta *r, void *dst, size_t cap, size_t *got)
{
	ssize_t n;

	if (r->mem) {
		size_t left = r->mem_len - r->mem_pos;

		n = (ssize_t)(left < cap ? left : cap);
		memcpy(dst, r->mem + r->mem_pos, (size_t)n);
		r->mem_pos += (size_t)n;
		*got = (size_t)n;
		return 0;
	}
	do
		n = read(r->fd, dst, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(DR_EIO, "cannot read '%s': %s", r->name, strerror(errno));
	*got = (size_t)n;
	return 0;
}

int hubmeta_open(struct hubmeta **out, const char *path, hubmeta_bad_fn bad, void *bad_ctx)
{
	struct hubmeta *r = NULL;
	int rc = 0;

	*out = NULL;
	reader_new(&r, path, bad, bad_ctx);
	if (!strcmp(path, "-")) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			rc = err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO,
			             "cannot open '%s': %s", path, strerror(errno));
			goto done;
		}
	}
	r->in = xmalloc(READ_CHUNK);
	/* Sniff gzip from the first bytes, which stay in the input buffer. */
	while (r->in_len < 2) {
		size_t got;

		rc = raw_read(r, r->in + r->in_len, READ_CHUNK - r->in_len, &got);
		if (rc)
			goto done;
		if (!got) {
			r->in_eof = true;
			break;
		}
		r->in_len += got;
	}
	if (r->in_len >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b) {
		r->gz = true;
		r->st = xmalloc(sizeof(*r->st));
		isal_inflate_init(r->st);
		r->st->crc_flag = ISAL_GZIP;
	}
	*out = r;
	r = NULL;
done:
	hubmeta_free(r);
	return rc;
}

/* Appends more input bytes to buf; sets r->eof at the end. */
static int fill(struct hubmeta *r)
{
	size_t room;
	int rc = 0;

	if (r->buf_pos > 0) {
		memmove(r->buf, r->buf + r->buf_pos, r->buf_len - r->buf_pos);
		r->buf_len -= r->buf_pos;
		r->buf_pos = 0;
	}
	if (r->buf_cap - r->buf_len < READ_CHUNK) {
		r->buf_cap = r->buf_len + 2 * READ_CHUNK;
		r->buf = xrealloc(r->buf, r->buf_cap + 1);
	}
	room = r->buf_cap - r->buf_len;
	if (!r->gz) {
		size_t got;

		if (r->in_pos < r->in_len) { /* sniffed bytes first */
			got = r->in_len - r->in_pos;
			memcpy(r->buf + r->buf_len, r->in + r->in_pos, got);
			r->in_pos = r->in_len;
		} else if (r->in_eof) {
			got = 0;
		} else {
			rc = raw_read(r, r->buf + r->buf_len, room, &got);
			if (rc)
				return rc;
		}
		if (!got)
			r->eof = true;
		r->buf_len += got;
		return 0;
	}
	while (room == r->buf_cap - r->buf_len) {
		struct inflate_state *st = r->st;
		int ret;

		if (r->in_pos == r->in_len && !r->in_eof) {
			size_t got;

			rc = raw_read(r, r->in, READ_CHUNK, &got);
			if (rc)
				return rc;
			r->in_len = got;
			r->in_pos = 0;
			if (!got)
				r->in_eof = true;
		}
		if (r->in_pos == r->in_len && r->in_eof) {
			if (!r->gz_member_done)
				return err_set(DR_EFORMAT, "'%s': truncated gzip stream", r->name);
			r->eof = true;
			return 0;
		}
		if (r->gz_member_done) { /* another gzip member follows */
			isal_inflate_reset(st);
			st->crc_flag = ISAL_GZIP;
			r->gz_member_done = false;
		}
		st->next_in = r->in + r->in_pos;
		st->avail_in = (uint32_t)(r->in_len - r->in_pos);
		st->next_out = (uint8_t *)r->buf + r->buf_len;
		st->avail_out = (uint32_t)room;
		ret = isal_inflate(st);
		if (ret < 0)
			return err_set(DR_EFORMAT, "'%s': corrupt gzip data (%d)", r->name, ret);
		r->in_pos = r->in_len - st->avail_in;
		r->buf_len += room - st->avail_out;
		if (st->block_state == ISAL_BLOCK_FINISH)
			r->gz_member_done = true;
		room = r->buf_cap - r->buf_len;
		if (room == 0)
			break;
	}
	return 0;
}

/* The next line (without its newline) in line and len, valid until the next
 * call: 1, or 0 at the end. Over-long lines are reported and skipped. */
static int next_line(struct hubmeta *r, const char **line, size_t *len)
{
	int rc;

	if (r->mem && !r->gz && !r->whole) {
		/* in-memory input: no copy */
		const char *p, *nl;

		if (r->mem_pos >= r->mem_len)
			return 0;
		p = r->mem + r->mem_pos;
		nl = memchr(p, '\n', r->mem_len - r->mem_pos);
		*line = p;
		*len = nl ? (size_t)(nl - p) : r->mem_len - r->mem_pos;
		r->mem_pos += *len + (nl ? 1 : 0);
		r->lineno++;
		r->lines++;
		return 1;
	}
	for (;;) {
		char *p = r->buf + r->buf_pos;
		size_t avail = r->buf_len - r->buf_pos;
		char *nl = r->whole || !avail ? NULL : memchr(p, '\n', avail);

		if (nl) {
			r->buf_pos += (size_t)(nl - p) + 1;
			r->lineno++;
			if (r->skipping) {
				r->skipping = false;
				continue;
			}
			r->lines++;
			*line = p;
			*len = (size_t)(nl - p);
			return 1;
		}
		if (r->eof) {
			if (!avail || r->skipping)
				return 0;
			r->buf_pos = r->buf_len;
			r->lineno++;
			r->lines++;
			*line = p;
			*len = avail;
			return 1;
		}
		if (avail >= HUBMETA_MAX_LINE) {
			if (!r->skipping)
				report_bad(r, r->lineno + 1, "line longer than the limit, skipped");
			r->skipping = true;
			r->buf_pos = r->buf_len;
		}
		if (r->mem && !r->gz) { /* whole-document mode over memory */
			size_t left = r->mem_len - r->mem_pos;

			if (left > HUBMETA_MAX_LINE) {
				report_bad(r, 1, "document longer than the limit, skipped");
				r->mem_pos = r->mem_len;
				return 0;
			}
			r->buf = xrealloc(r->buf, left + 1);
			memcpy(r->buf, r->mem + r->mem_pos, left);
			r->buf_len = left;
			r->buf_pos = 0;
			r->mem_pos = r->mem_len;
			r->eof = true;
			continue;
		}
		rc = fill(r);
		if (rc)
			return rc;
	}
}

static void arena_fit(struct hubmeta *r, size_t len)
{
	if (r->arena_cap < len + 1) {
		r->arena_cap = len + 1 > 4096 ? len + 1 : 4096;
		free(r->arena);
		r->arena = xmalloc(r->arena_cap);
	}
}

/* The next element of the current page: 1 when *out is a repository, 0 at
 * the end of the page. Bad elements are reported and skipped. */
static int page_next(struct hubmeta *r, const struct hub_repo **out)
{
	struct jp *j = &r->page;

	for (;;) {
		struct ptrs ps = {r->ptrs, 0, MAX_PTRS};
		struct jp e;

		jp_ws(j);
		if (j->p >= j->end || *j->p == ']') {
			r->in_page = false;
			return 0;
		}
		if (*j->p == ',') {
			j->p++;
			jp_ws(j);
		}
		e = *j;
		e.aw = r->arena;
		e.err = NULL;
		r->page_idx++;
		if (*e.p != '{') {
			jp_skip(j, 1);
			report_bad(r, r->page_line, "a results element is not an object");
			continue;
		}
		if (parse_obj(&e, &r->repo, &ps, NULL) || check_repo(&e, &r->repo)) {
			char msg[160];

			snprintf(msg, sizeof(msg), "results[%zu]: %s", r->page_idx - 1, e.err);
			j->err = NULL;
			jp_skip(j, 1); /* the page was validated: this always succeeds */
			report_bad(r, r->page_line, msg);
			continue;
		}
		j->p = e.p;
		r->repo.line = r->page_line;
		r->repos++;
		*out = &r->repo;
		return 1;
	}
}

int hubmeta_next(struct hubmeta *r, const struct hub_repo **out)
{
	int rc;

	*out = NULL;
	if (r->in_page && (rc = page_next(r, out)) != 0)
		return rc;
	for (;;) {
		const char *line = NULL;
		size_t len = 0;
		struct span results = {NULL, NULL};
		struct ptrs ps = {r->ptrs, 0, MAX_PTRS};
		struct jp j;
		size_t line_start = r->buf_pos;
		size_t mem_start = r->mem_pos;

		rc = next_line(r, &line, &len);
		if (rc <= 0)
			return rc;
		j = (struct jp){.p = line, .end = line + len};
		jp_ws(&j);
		if (j.p == j.end) /* blank line */
			continue;
		arena_fit(r, len);
		j.aw = r->arena;
		if (*j.p != '{') {
			report_bad(r, r->lineno, "not a JSON object");
			continue;
		}
		if (parse_obj(&j, &r->repo, &ps, &results)) {
			if (r->lineno == 1 && !r->whole && j.p >= j.end && !r->eof &&
			    (!r->mem || r->gz || mem_start + len < r->mem_len)) {
				/* a pretty-printed document: read it whole */
				r->whole = true;
				r->lineno = 0;
				r->lines = 0;
				if (r->mem && !r->gz)
					r->mem_pos = mem_start;
				else
					r->buf_pos = line_start;
				continue;
			}
			char msg[160];

			snprintf(msg, sizeof(msg), "malformed JSON: %s", j.err);
			report_bad(r, r->lineno, msg);
			continue;
		}
		jp_ws(&j);
		if (j.p != j.end) {
			report_bad(r, r->lineno, "trailing data after the object");
			continue;
		}
		if (results.p && !r->repo.namespace_ && !r->repo.name) {
			/* an API page: hand out its results one by one */
			r->page =
			    (struct jp){.p = results.p + 1, .end = results.end - 1, .aw = r->arena};
			r->page_line = r->whole ? 1 : r->lineno;
			r->page_idx = 0;
			r->in_page = true;
			rc = page_next(r, out);
			if (rc)
				return rc;
			continue;
		}
		if (check_repo(&j, &r->repo)) {
			report_bad(r, r->lineno, j.err);
			continue;
		}
		r->repo.line = r->lineno;
		r->repos++;
		*out = &r->repo;
		return 1;
	}
}

void hubmeta_counts(const struct hubmeta *r, uint64_t *lines, uint64_t *repos, uint64_t *bad)
{
	if (lines)
		*lines = r->lines;
	if (repos)
		*repos = r->repos;
	if (bad)
		*bad = r->bad;
}

void hubmeta_free(struct hubmeta *r)
{
	if (!r)
		return;
	if (r->fd > STDIN_FILENO)
		close(r->fd);
	free(r->name);
	free(r->st);
	free(r->in);
	free(r->buf);
	free(r->arena);
	free(r->ptrs);
	free(r);
}
