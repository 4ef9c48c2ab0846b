#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

static int buf_reserve(struct buf *b, size_t extra)
{
	size_t need;

	if (extra > (size_t)-1 - b->len - 1)
		return err_set(DR_ELIMIT, "buffer size overflow");
	need = b->len + extra + 1;
	if (b->max && need - 1 > b->max)
		return err_set(DR_ELIMIT, "input larger than the limit of %zu bytes", b->max);
	if (need > b->alloc) {
		size_t n = b->alloc ? b->alloc : 64;

		while (n < need)
			n = n > (size_t)-1 / 2 ? need : n * 2;
		b->ptr = xrealloc(b->ptr, n);
		b->alloc = n;
	}
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	int rc = buf_reserve(b, len);

	if (rc)
		return rc;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	int rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return err_set(DR_ERROR, "bad format string");
	rc = buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int buf_add_json_str(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	int rc = buf_addc(b, '"');

	for (size_t i = 0; !rc && i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			rc = buf_add(b, "\\\"", 2);
			break;
		case '\\':
			rc = buf_add(b, "\\\\", 2);
			break;
		case '\n':
			rc = buf_add(b, "\\n", 2);
			break;
		case '\r':
			rc = buf_add(b, "\\r", 2);
			break;
		case '\t':
			rc = buf_add(b, "\\t", 2);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

				rc = buf_add(b, e, 6);
			} else {
				rc = buf_addc(b, (char)c);
			}
		}
	}
	return rc ? rc : buf_addc(b, '"');
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void buf_release(struct buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->alloc = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->ptr ? b->ptr : xstrdup("");

	if (len)
		*len = b->len;
	b->ptr = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}

const char *buf_cstr(const struct buf *b)
{
	return b->ptr ? b->ptr : "";
}
