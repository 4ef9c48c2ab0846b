/* A growable byte buffer, always NUL-terminated, with an optional size cap.
 *
 * A buf with max == 0 grows without bound (for our own output); input read
 * from untrusted sources sets max from limits.h, and an append past it fails
 * with DR_ELIMIT and leaves the buffer unchanged. */
#ifndef DREDGE_BUF_H
#define DREDGE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *ptr;
	size_t len;
	size_t alloc;
	size_t max;
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

void buf_init(struct buf *b, size_t max);
int buf_add(struct buf *b, const void *data, size_t len);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends s as a JSON string literal with quotes and escapes. */
int buf_add_json_str(struct buf *b, const char *s, size_t len);
void buf_reset(struct buf *b);
/* Frees the contents; the buf may be reused after buf_init. */
void buf_release(struct buf *b);
/* Hands the string to the caller (never NULL) and leaves b empty. */
char *buf_detach(struct buf *b, size_t *len);
/* Returns the contents as a C string ("" when empty); borrowed. */
const char *buf_cstr(const struct buf *b);

#endif
