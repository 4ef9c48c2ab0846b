#include "util/jx.h"
#include "util/err.h"

int jx_parse(json_t **out, const char *data, size_t len, size_t max_depth, const char *what)
{
	json_error_t jerr;
	size_t depth = 0;
	bool in_str = false;
	json_t *root;

	*out = NULL;
	for (size_t i = 0; i < len; i++) {
		char c = data[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return err_set(DR_ELIMIT, "%s: JSON nesting deeper than %zu", what,
				               max_depth);
		} else if ((c == '}' || c == ']') && depth) {
			depth--;
		}
	}
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_set(DR_EFORMAT, "%s: malformed JSON at line %d column %d: %s", what,
		               jerr.line, jerr.column, jerr.text);
	*out = root;
	return 0;
}

const char *jx_str(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

bool jx_int(const json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	if (!json_is_integer(v))
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

json_t *jx_obj(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_object(v) ? v : NULL;
}

json_t *jx_arr(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_array(v) ? v : NULL;
}
