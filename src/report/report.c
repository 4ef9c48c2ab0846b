#include "report/report.h"

#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

void report_release(struct report *r)
{
	free(r->ref);
	free(r->manifest_digest);
	free(r->config_digest);
	free(r->platform);
	for (size_t i = 0; i < r->n_layers; i++) {
		free(r->layers[i].digest);
		free(r->layers[i].diff_id);
		free(r->layers[i].created_by);
	}
	free(r->layers);
	verdict_release(&r->verdict);
	findings_release(&r->findings);
	memset(r, 0, sizeof(*r));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;

	if (s[0] < 0x80)
		return 1;
	len = s[0] >= 0xc2 && s[0] <= 0xdf   ? 2
	      : s[0] >= 0xe0 && s[0] <= 0xef ? 3
	      : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
	                                     : 0;
	if (!len || len > n || !str_is_utf8((const char *)s, len))
		return 0;
	return len;
}

void report_fix_utf8(struct buf *doc, bool json)
{
	struct buf out = BUF_INIT;
	const unsigned char *s = (const unsigned char *)doc->ptr;
	size_t n = doc->len;

	if (!s || str_is_utf8(doc->ptr, n))
		return;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(s + i, n - i);

		if (l) {
			buf_add(&out, s + i, l);
			i += l;
			continue;
		}
		buf_addf(&out, json ? "\\u%04x" : "\\x%02x", s[i]);
		i++;
	}
	buf_release(doc);
	*doc = out;
}
