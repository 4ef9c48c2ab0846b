#include "image/manifest.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/jx.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void strv_release(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void strv_push(struct strv *s, const char *v)
{
	/* capacity is the next power of two (at least 4) above n */
	if (s->n >= 4 && (s->n & (s->n - 1)) == 0)
		s->v = xrealloc(s->v, 2 * s->n * sizeof(*s->v));
	else if (!s->v)
		s->v = xmalloc(4 * sizeof(*s->v));
	s->v[s->n++] = xstrdup(v);
}

/* An optional string member: absent or null leaves *out NULL. */
static int get_str(char **out, const json_t *obj, const char *key, const char *where)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return *where ? err_set(DR_EFORMAT, "config: %s%s is not a string", where, key)
		              : err_set(DR_EFORMAT, "config: '%s' is not a string", key);
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* A list of strings (or, as Docker's strslice allows, one string). */
static int get_strv(struct strv *out, const json_t *obj, const char *key, bool one_string_ok)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	size_t i;
	json_t *e;

	if (!v || json_is_null(v))
		return 0;
	out->set = true;
	if (one_string_ok && json_is_string(v)) {
		strv_push(out, json_string_value(v));
		return 0;
	}
	if (!json_is_array(v))
		return err_set(DR_EFORMAT, "config: config.%s is not a list of strings", key);
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e))
			return err_set(DR_EFORMAT, "config: config.%s[%zu] is not a string", key,
			               i);
		strv_push(out, json_string_value(e));
	}
	return 0;
}

/* The keys of an object such as ExposedPorts {"80/tcp": {}}. */
static int get_keys(struct strv *out, const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	const char *k;
	json_t *e;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return err_set(DR_EFORMAT, "config: config.%s is not an object", key);
	out->set = true;
	json_object_foreach(v, k, e)
	{
		strv_push(out, k);
	}
	return 0;
}

static int get_labels(struct image_config *c, const json_t *obj)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, "Labels") : NULL;
	const char *k;
	json_t *e;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return err_set(DR_EFORMAT, "config: config.Labels is not an object");
	c->labels = xcalloc(json_object_size(v) + 1, sizeof(*c->labels));
	json_object_foreach(v, k, e)
	{
		if (!json_is_string(e))
			return err_set(DR_EFORMAT, "config: label '%.100s' is not a string", k);
		c->labels[c->n_labels].key = xstrdup(k);
		c->labels[c->n_labels].value = xstrdup(json_string_value(e));
		c->n_labels++;
	}
	return 0;
}

static int parse_run_config(struct image_config *c, const json_t *cc)
{
	int rc;

	if (!json_is_object(cc))
		return err_set(DR_EFORMAT, "config: 'config' is not an object");
	if ((rc = get_strv(&c->entrypoint, cc, "Entrypoint", true)) ||
	    (rc = get_strv(&c->cmd, cc, "Cmd", true)) ||
	    (rc = get_strv(&c->env, cc, "Env", false)) ||
	    (rc = get_keys(&c->exposed_ports, cc, "ExposedPorts")) ||
	    (rc = get_keys(&c->volumes, cc, "Volumes")) || (rc = get_labels(c, cc)) ||
	    (rc = get_str(&c->user, cc, "User", "config.")) ||
	    (rc = get_str(&c->working_dir, cc, "WorkingDir", "config.")) ||
	    (rc = get_str(&c->stop_signal, cc, "StopSignal", "config.")))
		return rc;
	return 0;
}

static int parse_rootfs(struct image_config *c, const json_t *root, const struct limits *l)
{
	json_t *rootfs = json_object_get(root, "rootfs");
	json_t *ids, *e;
	size_t i;
	int rc;

	if (!rootfs || json_is_null(rootfs))
		return 0;
	if (!json_is_object(rootfs))
		return err_set(DR_EFORMAT, "config: 'rootfs' is not an object");
	ids = json_object_get(rootfs, "diff_ids");
	if (!ids || json_is_null(ids))
		return 0;
	if (!json_is_array(ids))
		return err_set(DR_EFORMAT, "config: rootfs.diff_ids is not an array");
	if (json_array_size(ids) > l->layers)
		return err_set(DR_ELIMIT, "config: %zu diff_ids, more than the limit of %llu",
		               json_array_size(ids), (unsigned long long)l->layers);
	c->diff_ids.set = true;
	json_array_foreach(ids, i, e)
	{
		if (!json_is_string(e))
			return err_set(DR_EFORMAT, "config: rootfs.diff_ids[%zu] is not a string",
			               i);
		rc = digest_check(json_string_value(e));
		if (rc)
			return err_wrap(rc, "config: rootfs.diff_ids[%zu]", i);
		strv_push(&c->diff_ids, json_string_value(e));
	}
	return 0;
}

static int parse_history(struct image_config *c, const json_t *root)
{
	json_t *h = json_object_get(root, "history");
	long layer = 0;
	char where[40];
	size_t i;
	json_t *e;
	int rc;

	if (!h || json_is_null(h))
		return 0;
	if (!json_is_array(h))
		return err_set(DR_EFORMAT, "config: 'history' is not an array");
	if (json_array_size(h) > DR_MAX_HISTORY)
		return err_set(DR_ELIMIT, "config: %zu history entries, more than the limit of %d",
		               json_array_size(h), DR_MAX_HISTORY);
	c->history = xcalloc(json_array_size(h) + 1, sizeof(*c->history));
	json_array_foreach(h, i, e)
	{
		struct history_entry *he = &c->history[c->n_history];
		json_t *empty;

		if (!json_is_object(e))
			return err_set(DR_EFORMAT, "config: history[%zu] is not an object", i);
		c->n_history++;
		snprintf(where, sizeof(where), "history[%zu].", i);
		if ((rc = get_str(&he->created, e, "created", where)) ||
		    (rc = get_str(&he->created_by, e, "created_by", where)) ||
		    (rc = get_str(&he->comment, e, "comment", where)))
			return rc;
		empty = json_object_get(e, "empty_layer");
		if (empty && !json_is_null(empty) && !json_is_boolean(empty))
			return err_set(DR_EFORMAT,
			               "config: history[%zu].empty_layer is not a boolean", i);
		he->empty_layer = json_is_true(empty);
		if (he->empty_layer) {
			he->layer = -1;
		} else {
			he->layer = (size_t)layer < c->diff_ids.n ? layer : -1;
			layer++;
		}
		he->instruction = history_instruction(he->created_by);
	}
	return 0;
}

int config_parse(struct image_config *out, const char *data, size_t len, const struct limits *l)
{
	json_t *root = NULL, *cc;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = jx_parse(&root, data, len, (size_t)l->json_depth, "config");
	if (rc)
		goto done;
	if (!json_is_object(root)) {
		rc = err_set(DR_EFORMAT, "config: not a JSON object");
		goto done;
	}
	if ((rc = get_str(&out->arch, root, "architecture", "")) ||
	    (rc = get_str(&out->os, root, "os", "")) ||
	    (rc = get_str(&out->variant, root, "variant", "")) ||
	    (rc = get_str(&out->created, root, "created", "")) ||
	    (rc = get_str(&out->author, root, "author", "")))
		goto done;
	cc = json_object_get(root, "config");
	if (!cc || json_is_null(cc))
		cc = json_object_get(root, "container_config");
	if (cc && !json_is_null(cc)) {
		rc = parse_run_config(out, cc);
		if (rc)
			goto done;
	}
	rc = parse_rootfs(out, root, l);
	if (!rc)
		rc = parse_history(out, root);
done:
	json_decref(root);
	if (rc)
		config_release(out);
	return rc;
}

void config_release(struct image_config *c)
{
	if (!c)
		return;
	free(c->os);
	free(c->arch);
	free(c->variant);
	free(c->created);
	free(c->author);
	strv_release(&c->entrypoint);
	strv_release(&c->cmd);
	strv_release(&c->env);
	strv_release(&c->exposed_ports);
	strv_release(&c->volumes);
	free(c->user);
	free(c->working_dir);
	free(c->stop_signal);
	for (size_t i = 0; i < c->n_labels; i++) {
		free(c->labels[i].key);
		free(c->labels[i].value);
	}
	free(c->labels);
	strv_release(&c->diff_ids);
	for (size_t i = 0; i < c->n_history; i++) {
		free(c->history[i].created);
		free(c->history[i].created_by);
		free(c->history[i].comment);
		free(c->history[i].instruction);
	}
	free(c->history);
	memset(c, 0, sizeof(*c));
}

const struct history_entry *config_layer_history(const struct image_config *c, size_t i)
{
	for (size_t k = 0; k < c->n_history; k++)
		if (c->history[k].layer >= 0 && (size_t)c->history[k].layer == i)
			return &c->history[k];
	return NULL;
}
