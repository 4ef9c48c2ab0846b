#include "util/limits.h"
#include "detect/rules.h"
#include "detect/validate.h"
#include "util/buf.h"
#include "util/embed.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

struct loader {
	struct rules *rs;
	const char *name; /* pack file name for messages */
	const char *dir;  /* directory of the pack for relative lists, or NULL */
	yaml_document_t *doc;
	char *pack;
};

static long node_line(const yaml_node_t *n)
{
	return (long)n->start_mark.line + 1;
}

static int fail(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(DR_EFORMAT, "rule pack '%s' line %ld: %s", l->name, n ? node_line(n) : 0L,
	               msg);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int get_str(struct loader *l, const yaml_node_t *n, const char *field, char **out)
{
	const char *s = scalar(n);

	if (!s)
		return fail(l, n, "field '%s' must be a string", field);
	if (*out)
		return fail(l, n, "field '%s' given twice", field);
	*out = xstrdup(s);
	return 0;
}

static int get_bool(struct loader *l, const yaml_node_t *n, const char *field, bool *out)
{
	const char *s = scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes")))
		*out = true;
	else if (s && (!strcmp(s, "false") || !strcmp(s, "no")))
		*out = false;
	else
		return fail(l, n, "field '%s' must be true or false", field);
	return 0;
}

static int get_num(struct loader *l, const yaml_node_t *n, const char *field, double lo, double hi,
                   double *out)
{
	const char *s = scalar(n);
	char *end = NULL;
	double v;

	if (!s || !*s)
		return fail(l, n, "field '%s' must be a number", field);
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= lo && v <= hi))
		return fail(l, n, "field '%s' must be a number from %g to %g, not '%s'", field, lo,
		            hi, s);
	*out = v;
	return 0;
}

/* Strings of a scalar or a sequence of scalars. */
static int get_str_list(struct loader *l, const yaml_node_t *n, const char *field, char ***out,
                        size_t *n_out)
{
	if (*out)
		return fail(l, n, "field '%s' given twice", field);
	if (n->type == YAML_SCALAR_NODE) {
		*out = xcalloc(1, sizeof(char *));
		(*out)[0] = xstrdup(scalar(n));
		*n_out = 1;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, "field '%s' must be a string or a list of strings", field);
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	*out = xcalloc(cnt ? cnt : 1, sizeof(char *));
	*n_out = 0;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = yaml_document_get_node(l->doc, *it);
		const char *s = scalar(e);

		if (!s)
			return fail(l, e, "items of '%s' must be strings", field);
		(*out)[(*n_out)++] = xstrdup(s);
	}
	return 0;
}

static void free_str_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int check_regex(struct loader *l, const yaml_node_t *n, const char *what, const char *re,
                       pcre2_code **keep)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE, &code,
	                              &off, NULL);

	if (!c) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		return fail(l, n, "bad %s regex at offset %zu: %s", what, (size_t)off,
		            (const char *)msg);
	}
	if (keep)
		*keep = c;
	else
		pcre2_code_free(c);
	return 0;
}

static int parse_kind(struct loader *l, const yaml_node_t *n, unsigned *out)
{
	char **v = NULL;
	size_t cnt = 0;
	int rc = get_str_list(l, n, "kind", &v, &cnt);

	*out = 0;
	for (size_t i = 0; !rc && i < cnt; i++) {
		if (!strcmp(v[i], "content"))
			*out |= RK_CONTENT;
		else if (!strcmp(v[i], "config"))
			*out |= RK_CONFIG;
		else if (!strcmp(v[i], "history"))
			*out |= RK_HISTORY;
		else if (!strcmp(v[i], "path"))
			*out |= RK_PATH;
		else
			rc = fail(l, n, "unknown kind '%s' (content, config, history or path)",
			          v[i]);
	}
	if (!rc && !*out)
		rc = fail(l, n, "field 'kind' is empty");
	free_str_list(v, cnt);
	return rc;
}

static int parse_allow(struct loader *l, const yaml_node_t *n, struct rule *r)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, "field 'allow-rules' must be a list");
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	r->allow = xcalloc(cnt ? cnt : 1, sizeof(*r->allow));
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = yaml_document_get_node(l->doc, *it);
		struct rule_allow *a = &r->allow[r->n_allow++];
		int rc = 0;

		if (e->type != YAML_MAPPING_NODE)
			return fail(l, e, "allow rule must be a mapping");
		for (yaml_node_pair_t *p = e->data.mapping.pairs.start;
		     !rc && p < e->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
			yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
			const char *key = scalar(k);

			if (!key)
				rc = fail(l, k, "allow rule keys must be strings");
			else if (!strcmp(key, "id"))
				rc = get_str(l, v, key, &a->id);
			else if (!strcmp(key, "description"))
				rc = scalar(v) ? 0
				               : fail(l, v, "field 'description' must be a string");
			else if (!strcmp(key, "regex"))
				rc = get_str(l, v, key, &a->regex);
			else if (!strcmp(key, "path"))
				rc = get_str(l, v, key, &a->path);
			else
				rc = fail(l, k, "unknown field '%s' in allow rule", key);
			if (!rc && v->type == YAML_SCALAR_NODE &&
			    (!strcmp(key, "regex") || !strcmp(key, "path")))
				rc = check_regex(l, v, key, scalar(v), NULL);
		}
		if (rc)
			return rc;
		if (!a->regex && !a->path)
			return fail(l, e, "allow rule needs 'regex' or 'path'");
	}
	return 0;
}

static int parse_examples(struct loader *l, const yaml_node_t *n, const char *field,
                          struct rule_example **out, size_t *n_out)
{
	if (*out)
		return fail(l, n, "field '%s' given twice", field);
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, "field '%s' must be a list", field);
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	*out = xcalloc(cnt ? cnt : 1, sizeof(**out));
	*n_out = 0;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = yaml_document_get_node(l->doc, *it);
		struct rule_example *x = &(*out)[(*n_out)++];
		int rc = 0;

		if (e->type == YAML_SCALAR_NODE) {
			x->text = xstrdup(scalar(e));
			continue;
		}
		if (e->type != YAML_MAPPING_NODE)
			return fail(l, e, "items of '%s' must be strings or {text, path}", field);
		for (yaml_node_pair_t *p = e->data.mapping.pairs.start;
		     !rc && p < e->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
			yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
			const char *key = scalar(k);

			if (key && !strcmp(key, "text"))
				rc = get_str(l, v, key, &x->text);
			else if (key && !strcmp(key, "path"))
				rc = get_str(l, v, key, &x->path);
			else
				rc = fail(l, k, "unknown field '%s' in example", key ? key : "?");
		}
		if (rc)
			return rc;
		if (!x->text)
			return fail(l, e, "example needs 'text'");
	}
	return 0;
}

static void example_list_free(struct rule_example *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].text);
		free(v[i].path);
	}
	free(v);
}

static void rule_release(struct rule *r)
{
	free(r->id);
	free(r->pack);
	free(r->file);
	free(r->title);
	free(r->regex);
	free(r->secret_group);
	free_str_list(r->keywords, r->n_keywords);
	free(r->path);
	for (size_t i = 0; i < r->n_allow; i++) {
		free(r->allow[i].id);
		free(r->allow[i].regex);
		free(r->allow[i].path);
	}
	free(r->allow);
	free(r->validate);
	free_str_list(r->strings, r->n_strings);
	example_list_free(r->examples, r->n_examples);
	example_list_free(r->negatives, r->n_negatives);
	memset(r, 0, sizeof(*r));
}

static int read_file(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;
	int rc = 0;

	if (!f)
		return err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO, "cannot open '%s': %s",
		               path, strerror(errno));
	buf_init(&b, max);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_add(&b, tmp, n)) {
			rc = err_set(DR_ELIMIT, "'%s' is larger than %zu bytes", path, max);
			goto done;
		}
	if (ferror(f))
		rc = err_set(DR_EIO, "cannot read '%s': %s", path, strerror(errno));
done:
	fclose(f);
	if (rc)
		buf_release(&b);
	else
		*out = buf_detach(&b, len);
	return rc;
}

/* Expands {list} in regex with the lines of the list file. */
static int expand_list(struct loader *l, const yaml_node_t *n, const char *list, char **regex)
{
	const char *data;
	size_t len = 0;
	char *owned = NULL;
	struct buf alt = BUF_INIT, re = BUF_INIT;
	const char *at;
	int rc = 0;

	data = embed_get(list, &len);
	if (!data && l->dir) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", l->dir, list);
		if (read_file(path, RULES_MAX_LIST_BYTES, &owned, &len))
			return fail(l, n, "list: %s", err_msg());
		data = owned;
	}
	if (!data)
		return fail(l, n, "unknown list '%s'", list);
	for (const char *p = data, *end = data + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *s = p, *t = e;

		while (s < t && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
			t--;
		if (s < t && *s != '#') {
			if (alt.len)
				buf_addc(&alt, '|');
			for (const char *c = s; c < t; c++) {
				if (strchr("\\.^$|?*+()[]{}/#- ", *c))
					buf_addc(&alt, '\\');
				buf_addc(&alt, *c);
			}
		}
		p = nl ? nl + 1 : end;
	}
	if (!alt.len) {
		rc = fail(l, n, "list '%s' is empty", list);
		goto done;
	}
	at = strstr(*regex, "{list}");
	if (!at) {
		rc = fail(l, n, "field 'list' needs '{list}' in the regex");
		goto done;
	}
	buf_add(&re, *regex, (size_t)(at - *regex));
	buf_add(&re, alt.ptr, alt.len);
	buf_adds(&re, at + 6);
	free(*regex);
	*regex = buf_detach(&re, NULL);
done:
	free(owned);
	buf_release(&alt);
	buf_release(&re);
	return rc;
}

static bool id_ok(const char *id)
{
	if (!*id || *id == '-')
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

static int parse_severity(struct loader *l, const yaml_node_t *n, enum severity *out)
{
	const char *s = scalar(n);
	char low[16];
	size_t i;

	if (!s)
		return fail(l, n, "field 'severity' must be a string");
	for (i = 0; s[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
	low[i] = 0;
	if (severity_parse(out, low))
		return fail(l, n, "unknown severity '%s' (critical, high, medium, low or info)", s);
	err_clear();
	return 0;
}

static int parse_rule(struct loader *l, yaml_node_t *n, struct rule *r)
{
	char *list = NULL, *category = NULL;
	yaml_node_t *list_node = NULL, *regex_node = NULL, *min_node = NULL;
	bool have_sev = false, have_kind = false, have_window = false;
	double num;
	int rc = 0;

	r->line = node_line(n);
	r->window = RULE_WINDOW_DEFAULT;
	r->kinds = RK_CONTENT;
	if (n->type != YAML_MAPPING_NODE)
		return fail(l, n, "a rule must be a mapping");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     !rc && p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
		const char *key = scalar(k);

		if (!key) {
			rc = fail(l, k, "rule keys must be strings");
		} else if (!strcmp(key, "id")) {
			rc = get_str(l, v, key, &r->id);
		} else if (!strcmp(key, "category")) {
			rc = get_str(l, v, key, &category);
		} else if (!strcmp(key, "title")) {
			rc = get_str(l, v, key, &r->title);
		} else if (!strcmp(key, "description")) {
			rc = scalar(v) ? 0 : fail(l, v, "field 'description' must be a string");
		} else if (!strcmp(key, "severity")) {
			rc = parse_severity(l, v, &r->severity);
			have_sev = true;
		} else if (!strcmp(key, "regex")) {
			rc = get_str(l, v, key, &r->regex);
			regex_node = v;
		} else if (!strcmp(key, "secret-group-name")) {
			rc = get_str(l, v, key, &r->secret_group);
		} else if (!strcmp(key, "keywords")) {
			rc = get_str_list(l, v, key, &r->keywords, &r->n_keywords);
			for (size_t i = 0; !rc && i < r->n_keywords; i++) {
				if (!r->keywords[i][0])
					rc = fail(l, v, "empty keyword");
				for (char *c = r->keywords[i]; *c; c++)
					if (*c >= 'A' && *c <= 'Z')
						*c = (char)(*c + 32);
			}
		} else if (!strcmp(key, "path")) {
			rc = get_str(l, v, key, &r->path);
			if (!rc)
				rc = check_regex(l, v, "path", r->path, NULL);
		} else if (!strcmp(key, "allow-rules")) {
			rc = r->allow ? fail(l, v, "field 'allow-rules' given twice")
			              : parse_allow(l, v, r);
		} else if (!strcmp(key, "kind")) {
			rc = have_kind ? fail(l, v, "field 'kind' given twice")
			               : parse_kind(l, v, &r->kinds);
			have_kind = true;
		} else if (!strcmp(key, "entropy")) {
			rc = get_num(l, v, key, 0, 8, &r->entropy);
		} else if (!strcmp(key, "validate")) {
			rc = get_str(l, v, key, &r->validate);
			if (!rc && !validator_find(r->validate))
				rc = fail(l, v, "unknown validator '%s'", r->validate);
		} else if (!strcmp(key, "strong")) {
			rc = get_bool(l, v, key, &r->strong);
		} else if (!strcmp(key, "text-only")) {
			rc = get_bool(l, v, key, &r->text_only);
		} else if (!strcmp(key, "window")) {
			rc = have_window ? fail(l, v, "field 'window' given twice")
			                 : get_num(l, v, key, 1, RULE_WINDOW_MAX, &num);
			if (!rc && num != floor(num))
				rc = fail(l, v, "field 'window' must be a whole number");
			r->window = (size_t)num;
			have_window = true;
		} else if (!strcmp(key, "list")) {
			rc = get_str(l, v, key, &list);
			list_node = v;
		} else if (!strcmp(key, "strings")) {
			rc = get_str_list(l, v, key, &r->strings, &r->n_strings);
			for (size_t i = 0; !rc && i < r->n_strings; i++)
				rc = check_regex(l, v, "strings", r->strings[i], NULL);
		} else if (!strcmp(key, "min-strings")) {
			rc = get_num(l, v, key, 1, 1000, &num);
			r->min_strings = (size_t)num;
			min_node = v;
		} else if (!strcmp(key, "examples")) {
			rc = parse_examples(l, v, key, &r->examples, &r->n_examples);
		} else if (!strcmp(key, "negative_examples") || !strcmp(key, "negative-examples")) {
			rc = parse_examples(l, v, key, &r->negatives, &r->n_negatives);
		} else {
			rc = fail(l, k, "unknown field '%s'%s%s%s", key, r->id ? " in rule '" : "",
			          r->id ? r->id : "", r->id ? "'" : "");
		}
	}
	if (rc)
		goto done;
	if (!r->id) {
		rc = fail(l, n, "rule without 'id'");
		goto done;
	}
	if (!id_ok(r->id)) {
		rc = fail(l, n, "bad rule id '%s' (lower-case letters, digits and dashes)", r->id);
		goto done;
	}
	if (!category || category_parse(&r->category, category)) {
		if (category)
			rc = fail(l, n, "rule '%s': unknown category '%s'", r->id, category);
		else
			rc = fail(l, n, "rule '%s': missing 'category'", r->id);
		goto done;
	}
	if (!r->title || !have_sev) {
		rc = fail(l, n, "rule '%s': missing '%s'", r->id, r->title ? "severity" : "title");
		goto done;
	}
	if (!!r->regex == !!r->strings) {
		rc = fail(l, n, "rule '%s': needs exactly one of 'regex' and 'strings'", r->id);
		goto done;
	}
	if (list) {
		if (!r->regex) {
			rc = fail(l, list_node, "rule '%s': 'list' needs a 'regex'", r->id);
			goto done;
		}
		rc = expand_list(l, list_node, list, &r->regex);
		if (rc)
			goto done;
	}
	if (r->regex) {
		pcre2_code *c = NULL;

		if (strlen(r->regex) > RULES_MAX_REGEX) {
			rc = fail(l, regex_node, "rule '%s': regex longer than %d bytes", r->id,
			          RULES_MAX_REGEX);
			goto done;
		}
		rc = check_regex(l, regex_node, "rule", r->regex, &c);
		if (!rc && r->secret_group &&
		    pcre2_substring_number_from_name(c, (PCRE2_SPTR)r->secret_group) < 0)
			rc = fail(l, regex_node, "rule '%s': regex has no group '%s'", r->id,
			          r->secret_group);
		pcre2_code_free(c);
		if (rc)
			goto done;
	} else {
		if (r->secret_group) {
			rc = fail(l, n, "rule '%s': 'secret-group-name' needs a 'regex'", r->id);
			goto done;
		}
		if (!r->min_strings)
			r->min_strings = r->n_strings;
		if (r->min_strings > r->n_strings) {
			rc = fail(l, min_node, "rule '%s': min-strings %zu but only %zu strings",
			          r->id, r->min_strings, r->n_strings);
			goto done;
		}
	}
	if (min_node && !r->strings)
		rc = fail(l, min_node, "rule '%s': 'min-strings' needs 'strings'", r->id);
done:
	free(list);
	free(category);
	return rc;
}

static int load_doc(struct loader *l, yaml_node_t *root)
{
	yaml_node_t *rules_node = NULL;
	size_t first = l->rs->n;
	int rc = 0;

	if (!root)
		return fail(l, NULL, "empty pack");
	if (root->type != YAML_MAPPING_NODE)
		return fail(l, root, "a pack must be a mapping with 'pack' and 'rules'");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     !rc && p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
		const char *key = scalar(k);

		if (key && !strcmp(key, "pack"))
			rc = get_str(l, v, key, &l->pack);
		else if (key && !strcmp(key, "rules"))
			rules_node = v;
		else
			rc = fail(l, k, "unknown field '%s'", key ? key : "?");
	}
	if (rc)
		return rc;
	if (!rules_node || rules_node->type != YAML_SEQUENCE_NODE)
		return fail(l, rules_node ? rules_node : root, "'rules' must be a list");
	for (yaml_node_item_t *it = rules_node->data.sequence.items.start;
	     !rc && it < rules_node->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(l->doc, *it);
		struct rule r;

		memset(&r, 0, sizeof(r));
		if (l->rs->n >= RULES_MAX_RULES) {
			rc = fail(l, e, "more than %d rules", RULES_MAX_RULES);
			break;
		}
		rc = parse_rule(l, e, &r);
		if (!rc) {
			const struct rule *dup = rules_find(l->rs, r.id);

			if (dup)
				rc = fail(l, e, "duplicate rule id '%s' (first in '%s' line %ld)",
				          r.id, dup->file, dup->line);
		}
		if (rc) {
			rule_release(&r);
			break;
		}
		r.pack = xstrdup(l->pack ? l->pack : "");
		r.file = xstrdup(l->name);
		XGROW(l->rs->v, l->rs->alloc, l->rs->n + 1);
		l->rs->v[l->rs->n++] = r;
	}
	if (rc) {
		while (l->rs->n > first)
			rule_release(&l->rs->v[--l->rs->n]);
	}
	return rc;
}

static int load_buffer_dir(struct rules *rs, const char *name, const char *dir, const char *data,
                           size_t len)
{
	struct loader l = {rs, name, dir, NULL, NULL};
	yaml_parser_t parser;
	yaml_document_t doc;
	bool have_doc = false;
	int rc = 0;

	if (len > RULES_MAX_PACK_BYTES)
		return err_set(DR_ELIMIT, "rule pack '%s' is larger than %d bytes", name,
		               RULES_MAX_PACK_BYTES);
	if (!yaml_parser_initialize(&parser))
		return err_set(DR_ERROR, "cannot initialize the yaml parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = err_set(DR_EFORMAT, "rule pack '%s' line %zu: %s", name,
		             parser.problem_mark.line + 1,
		             parser.problem ? parser.problem : "malformed yaml");
		goto done;
	}
	have_doc = true;
	l.doc = &doc;
	rc = load_doc(&l, yaml_document_get_root_node(&doc));
done:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(l.pack);
	return rc;
}

int rules_load_buffer(struct rules *rs, const char *name, const char *data, size_t len)
{
	return load_buffer_dir(rs, name, NULL, data, len);
}

static int load_embedded_one(void *ctx, const char *path, const char *data, size_t len)
{
	if (!str_ends(path, ".yaml") && !str_ends(path, ".yml"))
		return 0;
	return rules_load_buffer(ctx, path, data, len);
}

int rules_load_embedded(struct rules *rs)
{
	return embed_each("rules/", load_embedded_one, rs);
}

static int load_file(struct rules *rs, const char *path)
{
	char *data = NULL, *dir = xstrdup(path), *slash;
	size_t len = 0;
	int rc;

	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		str_copy(dir, ".", 2);
	rc = read_file(path, RULES_MAX_PACK_BYTES, &data, &len);
	if (!rc)
		rc = load_buffer_dir(rs, path, dir, data, len);
	free(data);
	free(dir);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rules_load_path(struct rules *rs, const char *path)
{
	struct stat st;
	DIR *d = NULL;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int rc = 0;

	if (stat(path, &st))
		return err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO, "cannot open '%s': %s",
		               path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return load_file(rs, path);
	d = opendir(path);
	if (!d)
		return err_set(DR_EIO, "cannot open '%s': %s", path, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    (!str_ends(de->d_name, ".yaml") && !str_ends(de->d_name, ".yml")))
			continue;
		if (n >= RULES_MAX_PACK_FILES) {
			rc = err_set(DR_ELIMIT, "more than %d rule packs in '%s'",
			             RULES_MAX_PACK_FILES, path);
			goto done;
		}
		XGROW(names, alloc, n + 1);
		names[n++] = xstrdup(de->d_name);
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; !rc && i < n; i++) {
		char full[4096];

		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		rc = load_file(rs, full);
	}
done:
	closedir(d);
	free_str_list(names, n);
	return rc;
}

int rules_disable(struct rules *rs, const char *id)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].id, id)) {
			rs->v[i].disabled = true;
			return 0;
		}
	return err_set(DR_ENOTFOUND, "no rule '%s'", id);
}

const struct rule *rules_find(const struct rules *rs, const char *id)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].id, id))
			return &rs->v[i];
	return NULL;
}

const char *rule_kinds_str(unsigned kinds, char out[48])
{
	static const char *const names[] = {"content", "config", "history", "path"};
	size_t o = 0;

	out[0] = 0;
	for (int i = 0; i < 4; i++)
		if (kinds & (1u << i))
			o += (size_t)snprintf(out + o, 48 - o, "%s%s", o ? "," : "", names[i]);
	return out;
}

void rules_release(struct rules *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		rule_release(&rs->v[i]);
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}
