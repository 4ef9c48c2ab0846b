#include "detect/yarascan.h"

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yara.h>

/* What a rule's metadata says, resolved once at load time. */
struct rule_info {
	const YR_RULE *rule;
	enum category category;
	enum severity severity;
	bool strong;
};

struct yara_set {
	YR_RULES *rules;
	struct rule_info *info;
	size_t n_info;
};

struct compile_err {
	int errors;
	char msg[512];
};

static void on_compile(int level, const char *file, int line, const YR_RULE *rule,
                       const char *message, void *user)
{
	struct compile_err *ce = user;

	if (level != YARA_ERROR_LEVEL_ERROR)
		return;
	if (!ce->errors++)
		snprintf(ce->msg, sizeof(ce->msg), "'%s' line %d: %s", file ? file : "?", line,
		         message);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rule files of path, sorted; *n_out of them. */
static int rule_files(char ***out, size_t *n_out, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, alloc = 0;
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	if (stat(path, &st))
		return err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO, "cannot read '%s': %s",
		               path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		v = xmalloc(sizeof(*v));
		v[0] = xstrdup(path);
		*out = v;
		*n_out = 1;
		return 0;
	}
	if (!(d = opendir(path)))
		return err_set(DR_EIO, "cannot read directory '%s': %s", path, strerror(errno));
	while ((de = readdir(d))) {
		struct buf full = BUF_INIT;

		if (de->d_name[0] == '.' ||
		    !(str_ends(de->d_name, ".yar") || str_ends(de->d_name, ".yara")))
			continue;
		if (n == YARA_MAX_FILES) {
			rc = err_set(DR_ELIMIT, "more than %d rule files in '%s'", YARA_MAX_FILES,
			             path);
			break;
		}
		buf_addf(&full, "%s/%s", path, de->d_name);
		XGROW(v, alloc, n + 1);
		v[n++] = buf_detach(&full, NULL);
	}
	closedir(d);
	if (!rc && !n)
		rc = err_set(DR_ENOTFOUND, "no .yar or .yara files in '%s'", path);
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return rc;
	}
	qsort(v, n, sizeof(*v), by_name);
	*out = v;
	*n_out = n;
	return 0;
}

static int rule_meta(struct rule_info *ri, const YR_RULE *rule)
{
	const YR_META *meta;
	bool strong_set = false;

	ri->rule = rule;
	ri->category = CAT_HACKTOOL;
	ri->severity = SEV_HIGH;
	ri->strong = false;
	yr_rule_metas_foreach(rule, meta)
	{
		const char *id = meta->identifier;

		if (!strcmp(id, "category")) {
			if (meta->type != META_TYPE_STRING ||
			    category_parse(&ri->category, meta->string))
				return err_set(DR_EFORMAT,
				               "yara rule '%s': meta category is not a dredge "
				               "category",
				               rule->identifier);
		} else if (!strcmp(id, "severity")) {
			if (meta->type != META_TYPE_STRING ||
			    severity_parse(&ri->severity, meta->string))
				return err_set(DR_EFORMAT,
				               "yara rule '%s': meta severity is not one of "
				               "critical, high, medium, low, info",
				               rule->identifier);
		} else if (!strcmp(id, "strong")) {
			strong_set = true;
			ri->strong =
			    (meta->type == META_TYPE_BOOLEAN && meta->integer) ||
			    (meta->type == META_TYPE_STRING && !strcmp(meta->string, "true"));
		}
	}
	if (!strong_set)
		ri->strong = ri->category == CAT_CRYPTOMINER || ri->category == CAT_BACKDOOR;
	else
		ri->strong =
		    ri->strong || ri->category == CAT_CRYPTOMINER || ri->category == CAT_BACKDOOR;
	return 0;
}

int yara_set_load(struct yara_set **out, const char *path)
{
	struct yara_set *ys = NULL;
	YR_COMPILER *comp = NULL;
	struct compile_err ce = {0};
	char **files = NULL;
	size_t n_files = 0, n_rules = 0;
	const YR_RULE *rule;
	bool inited = false;
	int rc;

	*out = NULL;
	if ((rc = rule_files(&files, &n_files, path)))
		goto done;
	if (yr_initialize() != ERROR_SUCCESS) {
		rc = err_set(DR_ERROR, "cannot initialise libyara");
		goto done;
	}
	inited = true;
	if (yr_compiler_create(&comp) != ERROR_SUCCESS) {
		rc = err_set(DR_ERROR, "cannot create a yara compiler");
		goto done;
	}
	yr_compiler_set_callback(comp, on_compile, &ce);
	for (size_t i = 0; i < n_files && !ce.errors; i++) {
		FILE *fp = fopen(files[i], "r");

		if (!fp) {
			rc = err_set(DR_EIO, "cannot open '%s': %s", files[i], strerror(errno));
			goto done;
		}
		yr_compiler_add_file(comp, fp, NULL, files[i]);
		fclose(fp);
	}
	if (ce.errors) {
		rc = err_set(DR_EFORMAT, "yara: %s%s", ce.msg,
		             ce.errors > 1 ? " (and more errors)" : "");
		goto done;
	}
	ys = xcalloc(1, sizeof(*ys));
	if (yr_compiler_get_rules(comp, &ys->rules) != ERROR_SUCCESS) {
		rc = err_set(DR_ERROR, "cannot build yara rules from '%s'", path);
		goto done;
	}
	yr_rules_foreach(ys->rules, rule) n_rules++;
	ys->info = xcalloc(n_rules ? n_rules : 1, sizeof(*ys->info));
	yr_rules_foreach(ys->rules, rule)
	{
		if ((rc = rule_meta(&ys->info[ys->n_info], rule)))
			goto done;
		ys->n_info++;
	}
	*out = ys;
	ys = NULL;
	inited = false; /* the set keeps libyara initialised until yara_set_free */
done:
	if (comp)
		yr_compiler_destroy(comp);
	if (ys) {
		if (ys->rules)
			yr_rules_destroy(ys->rules);
		free(ys->info);
		free(ys);
	}
	if (inited)
		yr_finalize();
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
	return rc;
}

void yara_set_free(struct yara_set *ys)
{
	if (!ys)
		return;
	yr_rules_destroy(ys->rules);
	free(ys->info);
	free(ys);
	yr_finalize();
}

size_t yara_set_count(const struct yara_set *ys)
{
	return ys->n_info;
}

struct scan_state {
	const struct yara_set *ys;
	int (*fn)(void *ctx, const struct yara_match *m);
	void *ctx;
	int rc;
};

/* Whether string has a match that is not private. libyara packs its match
 * records without alignment, so they are read byte-wise (the walk
 * yr_string_matches_foreach does, with plain loads). */
static bool string_matched(const YR_SCAN_CONTEXT *context, const YR_STRING *string)
{
	const char *m;

	memcpy(&m, &context->matches[string->idx].head, sizeof(m));
	while (m) {
		bool priv;

		memcpy(&priv, m + offsetof(YR_MATCH, is_private), sizeof(priv));
		if (!priv)
			return true;
		memcpy(&m, m + offsetof(YR_MATCH, next), sizeof(m));
	}
	return false;
}

static int on_scan(YR_SCAN_CONTEXT *context, int message, void *data, void *user)
{
	struct scan_state *ss = user;
	const YR_RULE *rule = data;
	const struct rule_info *ri = NULL;
	const YR_STRING *string;
	struct buf strs = BUF_INIT;
	struct yara_match m;
	uint32_t rule_idx;

	if (message != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	for (size_t i = 0; i < ss->ys->n_info && !ri; i++)
		if (ss->ys->info[i].rule == rule)
			ri = &ss->ys->info[i];
	if (!ri)
		return CALLBACK_CONTINUE;
	rule_idx = (uint32_t)(rule - ss->ys->rules->rules_table);
	yr_rule_strings_foreach(rule, string)
	{
		/* a rule without strings points at no strings of its own */
		if (string->rule_idx != rule_idx)
			break;
		if (string_matched(context, string) && strs.len < 200) {
			if (strs.len)
				buf_addc(&strs, ',');
			buf_adds(&strs, string->identifier);
		}
	}
	m.rule = rule->identifier;
	m.ns = rule->ns && rule->ns->name ? rule->ns->name : "default";
	m.category = ri->category;
	m.severity = ri->severity;
	m.strong = ri->strong;
	m.strings = buf_cstr(&strs);
	ss->rc = ss->fn(ss->ctx, &m);
	buf_release(&strs);
	return ss->rc ? CALLBACK_ABORT : CALLBACK_CONTINUE;
}

int yara_set_scan(const struct yara_set *ys, const void *data, size_t len,
                  int (*fn)(void *ctx, const struct yara_match *m), void *ctx)
{
	struct scan_state ss = {ys, fn, ctx, 0};
	int yrc = yr_rules_scan_mem(ys->rules, data, len, SCAN_FLAGS_NO_TRYCATCH, on_scan, &ss,
	                            YARA_TIMEOUT);

	if (ss.rc)
		return ss.rc;
	if (yrc != ERROR_SUCCESS)
		return err_set(DR_ERROR, "yara scan failed (libyara error %d)", yrc);
	return 0;
}

bool yara_file_eligible(const char *path, uint32_t mode, const void *head, size_t n)
{
	static const char *const ext[] = {".sh",  ".bash", ".py",  ".pl", ".js",
	                                  ".php", ".rb",   ".ps1", NULL};
	const unsigned char *h = head;

	if (mode & 0111)
		return true;
	if (n >= 4 && !memcmp(h,
	                      "\x7f"
	                      "ELF",
	                      4))
		return true;
	if (n >= 2 && h[0] == '#' && h[1] == '!')
		return true;
	for (int i = 0; ext[i]; i++)
		if (str_ends(path, ext[i]))
			return true;
	return false;
}
