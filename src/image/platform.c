#include "image/manifest.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bytes of platform names listed in the message of a failed index_select. */
#define PLATFORM_LIST_MAX 600

static char *lower_dup(const char *s, size_t n)
{
	char *d = xstrndup(s, n);

	for (char *p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

static bool eq_nocase(const char *a, const char *b)
{
	return strcasecmp(a ? a : "", b ? b : "") == 0;
}

/* The canonical architecture name (containerd's aliases). */
static const char *arch_norm(const char *a)
{
	static const char *const alias[][2] = {
	    {"x86_64", "amd64"}, {"x86-64", "amd64"}, {"aarch64", "arm64"}, {"i386", "386"},
	    {"i686", "386"},     {"armhf", "arm"},    {"armel", "arm"},
	};

	if (!a)
		return "";
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcasecmp(a, alias[i][0]))
			return alias[i][1];
	return a;
}

/* The variant an architecture implies when none is given. */
static const char *arch_default_variant(const char *raw_arch)
{
	const char *a = arch_norm(raw_arch);

	if (!strcasecmp(raw_arch ? raw_arch : "", "armel"))
		return "v6";
	if (!strcasecmp(a, "arm64"))
		return "v8";
	if (!strcasecmp(a, "arm"))
		return "v7";
	if (!strcasecmp(a, "amd64"))
		return "v1";
	return "";
}

/* The canonical variant into out: "8" and "v8.0" are "v8", none is the
 * architecture's default. */
static const char *variant_norm(const char *raw_arch, const char *v, char out[32])
{
	size_t n;

	if (!v || !*v)
		return arch_default_variant(raw_arch);
	snprintf(out, 32, "%s%s", (v[0] >= '0' && v[0] <= '9') ? "v" : "", v);
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	n = strlen(out);
	if (n > 2 && !strcmp(out + n - 2, ".0"))
		out[n - 2] = '\0';
	return out;
}

static bool platform_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int platform_parse(struct platform *out, const char *s)
{
	const char *part[3] = {0};
	size_t plen[3] = {0};
	size_t n = 0;
	const char *p = s;
	char *arch = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		goto bad;
	for (;;) {
		const char *start = p;

		while (platform_char_ok(*p))
			p++;
		if (p == start || n == 3)
			goto bad;
		part[n] = start;
		plen[n++] = (size_t)(p - start);
		if (*p == '\0')
			break;
		if (*p != '/')
			goto bad;
		p++;
	}
	if (n < 2)
		goto bad;
	out->os = lower_dup(part[0], plen[0]);
	arch = lower_dup(part[1], plen[1]);
	out->arch = xstrdup(arch_norm(arch));
	if (n == 3)
		out->variant = lower_dup(part[2], plen[2]);
	else if (!strcmp(arch, "armhf"))
		out->variant = xstrdup("v7");
	else if (!strcmp(arch, "armel"))
		out->variant = xstrdup("v6");
	goto done;
bad:
	rc =
	    err_set(DR_EUSAGE, "invalid platform '%.100s': expected os/arch[/variant]", s ? s : "");
done:
	free(arch);
	return rc;
}

void platform_release(struct platform *p)
{
	if (!p)
		return;
	free(p->os);
	free(p->arch);
	free(p->variant);
	p->os = p->arch = p->variant = NULL;
}

void platform_copy(struct platform *dst, const struct platform *src)
{
	dst->os = src->os ? xstrdup(src->os) : NULL;
	dst->arch = src->arch ? xstrdup(src->arch) : NULL;
	dst->variant = src->variant ? xstrdup(src->variant) : NULL;
}

const char *platform_format(const struct platform *p, char *out, size_t size)
{
	const char *os = p && p->os && *p->os ? p->os : "unknown";
	const char *arch = p && p->arch && *p->arch ? p->arch : "unknown";

	if (p && p->variant && *p->variant)
		snprintf(out, size, "%s/%s/%s", os, arch, p->variant);
	else
		snprintf(out, size, "%s/%s", os, arch);
	return out;
}

bool platform_match(const struct platform *want, const struct platform *have)
{
	char vw[32], vh[32];

	if (want->os && *want->os && !eq_nocase(want->os, have->os))
		return false;
	if (want->arch && *want->arch && !eq_nocase(arch_norm(want->arch), arch_norm(have->arch)))
		return false;
	if (want->variant && *want->variant &&
	    strcmp(variant_norm(want->arch, want->variant, vw),
	           variant_norm(have->arch, have->variant, vh)))
		return false;
	return true;
}

bool index_entry_is_image(const struct descriptor *d)
{
	if (!d->media_type ||
	    (strcmp(d->media_type, MT_OCI_MANIFEST) && strcmp(d->media_type, MT_DOCKER_V2)))
		return false;
	return !(d->platform.os && !strcmp(d->platform.os, "unknown"));
}

/* How well entry d suits want: 0 not at all, 1 an entry without a platform,
 * 2 the architecture in another variant, 3 an exact or default match. */
static int select_score(const struct descriptor *d, const struct platform *want)
{
	const struct platform *have = &d->platform;
	char vh[32];

	if (!index_entry_is_image(d))
		return 0;
	if (!have->os && !have->arch)
		return 1;
	if (!platform_match(want, have))
		return 0;
	if (want->variant && *want->variant)
		return 3;
	if (!strcmp(variant_norm(have->arch, have->variant, vh), arch_default_variant(have->arch)))
		return 3;
	return 2;
}

const struct descriptor *index_select(const struct manifest *index, const struct platform *want)
{
	static const struct platform fallback = {"linux", "amd64", NULL};
	const struct descriptor *best = NULL;
	int best_score = 0;
	struct buf have = BUF_INIT;
	char name[256];

	if (!want)
		want = &fallback;
	if (index->kind != MANIFEST_INDEX) {
		err_set(DR_ENOTFOUND, "no image for platform '%s': not an index",
		        platform_format(want, name, sizeof(name)));
		return NULL;
	}
	for (size_t i = 0; i < index->n_manifests; i++) {
		int score = select_score(&index->manifests[i], want);

		if (score > best_score) {
			best = &index->manifests[i];
			best_score = score;
		}
	}
	if (best)
		return best;
	for (size_t i = 0; i < index->n_manifests; i++) {
		const struct descriptor *d = &index->manifests[i];

		if (!index_entry_is_image(d))
			continue;
		if (have.len > PLATFORM_LIST_MAX) {
			buf_adds(&have, ", …");
			break;
		}
		buf_addf(&have, "%s%s", have.len ? ", " : "",
		         platform_format(&d->platform, name, sizeof(name)));
	}
	err_set(DR_ENOTFOUND, "no image for platform '%s' in the index; it has %s",
	        platform_format(want, name, sizeof(name)),
	        have.len ? buf_cstr(&have) : "no platform images");
	buf_release(&have);
	return NULL;
}
