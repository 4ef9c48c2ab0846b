#include "verdict/ignore.h"

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static void entry_release(struct ignore_entry *e)
{
	free(e->rule);
	free(e->path);
	free(e->fingerprint);
	free(e->reason);
}

void ignore_release(struct ignore_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		entry_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int entry_push(struct ignore_list *l, struct ignore_entry *e, const char *name)
{
	if (!e->rule && !e->path && !e->fingerprint) {
		long line = e->line;

		entry_release(e);
		return err_set(DR_EFORMAT,
		               "ignore file '%s' line %ld: entry names no rule, path or "
		               "fingerprint",
		               name, line);
	}
	XGROW(l->v, l->alloc, l->n + 1);
	l->v[l->n++] = *e;
	memset(e, 0, sizeof(*e));
	return 0;
}

/* ---- YAML ----------------------------------------------------------------- */

static int yaml_entries(struct ignore_list *out, const char *name, yaml_document_t *doc,
                        yaml_node_t *seq)
{
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *m = yaml_document_get_node(doc, *it);
		struct ignore_entry e = {0};
		int rc;

		if (!m || m->type != YAML_MAPPING_NODE)
			return err_set(DR_EFORMAT,
			               "ignore file '%s' line %ld: an entry must be a mapping",
			               name, m ? (long)m->start_mark.line + 1 : 0L);
		e.line = (long)m->start_mark.line + 1;
		for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
		     p < m->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			yaml_node_t *v = yaml_document_get_node(doc, p->value);
			const char *key, *val;
			char **slot;

			if (!k || !v || k->type != YAML_SCALAR_NODE ||
			    v->type != YAML_SCALAR_NODE) {
				entry_release(&e);
				return err_set(DR_EFORMAT,
				               "ignore file '%s' line %ld: keys and values "
				               "must be plain strings",
				               name, e.line);
			}
			key = (const char *)k->data.scalar.value;
			val = (const char *)v->data.scalar.value;
			slot = !strcmp(key, "rule")          ? &e.rule
			       : !strcmp(key, "id")          ? &e.rule
			       : !strcmp(key, "path")        ? &e.path
			       : !strcmp(key, "fingerprint") ? &e.fingerprint
			       : !strcmp(key, "reason")      ? &e.reason
			                                     : NULL;
			if (!slot) {
				long line = (long)k->start_mark.line + 1;

				entry_release(&e);
				return err_set(
				    DR_EFORMAT,
				    "ignore file '%s' line %ld: unknown field '%s' (rule, "
				    "path, fingerprint, reason)",
				    name, line, key);
			}
			free(*slot);
			*slot = xstrdup(val);
		}
		if ((rc = entry_push(out, &e, name)))
			return rc;
	}
	return 0;
}

static int parse_yaml(struct ignore_list *out, const char *name, const char *data, size_t len)
{
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root, *seq = NULL;
	int rc = 0;

	if (!yaml_parser_initialize(&p))
		return err_set(DR_ERROR, "cannot start the YAML parser");
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	if (!yaml_parser_load(&p, &doc)) {
		rc = err_set(DR_EFORMAT, "ignore file '%s' line %ld: %s", name,
		             (long)p.problem_mark.line + 1, p.problem ? p.problem : "bad YAML");
		yaml_parser_delete(&p);
		return rc;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type == YAML_SEQUENCE_NODE) {
		seq = root;
	} else if (root && root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
		     pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
			yaml_node_t *v = yaml_document_get_node(&doc, pr->value);

			if (k && k->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)k->data.scalar.value, "ignore") && v &&
			    v->type == YAML_SEQUENCE_NODE)
				seq = v;
			else if (k && k->type == YAML_SCALAR_NODE &&
			         !strcmp((const char *)k->data.scalar.value, "ignore") && v &&
			         v->type == YAML_SCALAR_NODE && !v->data.scalar.length)
				seq = NULL;
			else {
				rc = err_set(DR_EFORMAT,
				             "ignore file '%s': expected 'ignore:' and a "
				             "list of entries",
				             name);
				goto done;
			}
		}
	} else if (root) {
		rc = err_set(DR_EFORMAT, "ignore file '%s': expected a list of entries", name);
		goto done;
	}
	if (seq)
		rc = yaml_entries(out, name, &doc, seq);
done:
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return rc;
}

/* ---- lines ----------------------------------------------------------------- */

static int parse_lines(struct ignore_list *out, const char *name, const char *data, size_t len)
{
	long ln = 0;
	const char *p = data, *end = data + len;
	int rc = 0;

	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *hash;
		struct ignore_entry e = {0};
		char *line, *save = NULL, *tok;
		int pos = 0;

		ln++;
		hash = memchr(p, '#', (size_t)(le - p));
		line = xstrndup(p, (size_t)((hash ? hash : le) - p));
		p = nl ? nl + 1 : end;
		e.line = ln;
		if (hash) {
			const char *r = hash + 1;

			while (r < le && (*r == ' ' || *r == '\t'))
				r++;
			if (r < le)
				e.reason = xstrndup(r, (size_t)(le - r));
		}
		for (tok = strtok_r(line, " \t\r", &save); tok;
		     tok = strtok_r(NULL, " \t\r", &save)) {
			bool any = !strcmp(tok, "*") || !strcmp(tok, "-");

			if (str_starts(tok, "sha256:")) {
				free(e.fingerprint);
				e.fingerprint = xstrdup(tok);
			} else if (pos == 0) {
				e.rule = any ? NULL : xstrdup(tok);
				pos++;
			} else if (pos == 1) {
				e.path = any ? NULL : xstrdup(tok);
				pos++;
			} else {
				rc = err_set(DR_EFORMAT,
				             "ignore file '%s' line %ld: unexpected '%s' "
				             "(RULE [GLOB] [sha256:…] [# reason])",
				             name, ln, tok);
				break;
			}
		}
		if (!rc && (pos || e.fingerprint))
			rc = entry_push(out, &e, name);
		entry_release(&e);
		free(line);
	}
	return rc;
}

static bool looks_yaml(const char *data, size_t len)
{
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s < end && *s != '#' && *s != '\n' && *s != '\r')
			return (end - s >= 2 && !strncmp(s, "- ", 2)) ||
			       (end - s >= 7 && !strncmp(s, "ignore:", 7));
		p = nl ? nl + 1 : end;
	}
	return false;
}

int ignore_parse(struct ignore_list *out, const char *name, const char *data, size_t len)
{
	if (looks_yaml(data, len))
		return parse_yaml(out, name, data, len);
	return parse_lines(out, name, data, len);
}

int ignore_load(struct ignore_list *out, const char *path)
{
	struct buf b;
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int rc = 0;

	if (!f)
		return err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO,
		               "cannot open ignore file '%s': %s", path, strerror(errno));
	buf_init(&b, IGNORE_MAX_FILE);
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&b, chunk, n))
			rc = err_set(DR_ELIMIT, "ignore file '%s' is larger than %u bytes", path,
			             IGNORE_MAX_FILE);
	if (!rc && ferror(f))
		rc = err_set(DR_EIO, "cannot read ignore file '%s'", path);
	fclose(f);
	if (!rc)
		rc = ignore_parse(out, path, buf_cstr(&b), b.len);
	buf_release(&b);
	return rc;
}

/* ---- applying ------------------------------------------------------------- */

static bool entry_matches(const struct ignore_entry *e, const struct finding *f)
{
	if (e->rule && strcmp(e->rule, f->rule))
		return false;
	if (e->fingerprint && strcmp(e->fingerprint, f->fingerprint))
		return false;
	return true;
}

static bool path_ignored(const struct location *loc, void *ctx)
{
	const struct ignore_entry *e = ctx;

	return loc->source == LOC_FILE && loc->path && !fnmatch(e->path, loc->path, 0);
}

/* Drops the locations of f the list ignores; true when that is all of them
 * (or an entry without a path ignores f whole). */
static bool ignored(struct finding *f, size_t pos, void *ctx)
{
	const struct ignore_list *l = ctx;

	(void)pos;
	for (size_t k = 0; k < l->n; k++) {
		const struct ignore_entry *e = &l->v[k];

		if (!entry_matches(e, f))
			continue;
		if (!e->path)
			return true;
		finding_drop_locations(f, path_ignored, (void *)e);
		if (!f->n_locs)
			return true;
	}
	return false;
}

size_t ignore_apply(const struct ignore_list *l, struct findings *fs)
{
	return findings_drop(fs, ignored, (void *)l);
}
