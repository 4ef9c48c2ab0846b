/* JSON input through jansson, with our limits: a depth cap checked before
 * parsing, duplicate keys rejected (a document two parsers would read two
 * ways is refused), and typed getters that return NULL/0 on absence or on a
 * value of the wrong type. */
#ifndef DREDGE_JX_H
#define DREDGE_JX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses len bytes; on failure returns DR_EFORMAT (or DR_ELIMIT for depth)
 * with a message naming what (e.g. "manifest") and where. *out is the
 * caller's (json_decref). */
int jx_parse(json_t **out, const char *data, size_t len, size_t max_depth, const char *what);

/* Borrowed string member, NULL when absent or not a string. */
const char *jx_str(const json_t *obj, const char *key);
/* Integer member; returns false when absent or not an integer. */
bool jx_int(const json_t *obj, const char *key, int64_t *out);
/* Object / array members, NULL when absent or of another type. */
json_t *jx_obj(const json_t *obj, const char *key);
json_t *jx_arr(const json_t *obj, const char *key);

#endif
