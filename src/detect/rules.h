/* Rule packs: YAML files (rules/NAME.yaml embedded in the binary, plus packs
 * given with --rules) loaded and validated into a flat rule list that the
 * content engine (detect/engine.h) compiles.
 *
 * A pack is `pack: NAME` and `rules: [...]`; each rule has the fields of
 * Trivy's secret rules (id, category, title, severity, regex,
 * secret-group-name, keywords, path, allow-rules) plus dredge's: kind,
 * entropy, validate, strong, window, text-only, list, strings, min-strings,
 * examples, negative_examples. A rule matches either by `regex` or by `strings` (a
 * co-occurrence rule: at least `min-strings` of the listed regexes occur in
 * the same file or string). `list: data/FILE` replaces `{list}` in the regex
 * with an alternation of the file's lines (regex-escaped, `#` comments and
 * blank lines skipped). Any field not listed here is an error naming the
 * file, line and field. */
#ifndef DREDGE_RULES_H
#define DREDGE_RULES_H

#include "util/limits.h"
#include "detect/finding.h"

#include <stdbool.h>
#include <stddef.h>

/* Where a rule runs (a bit set). */
enum rule_kind {
	RK_CONTENT = 1, /* file bytes */
	RK_CONFIG = 2,  /* image config strings: Entrypoint, Cmd, Env, Labels */
	RK_HISTORY = 4, /* history created_by */
	RK_PATH = 8,    /* the file path itself */
};

#define RULE_WINDOW_DEFAULT 1024

struct rule_allow {
	char *id;
	char *regex; /* on the value, or NULL */
	char *path;  /* on the file path, or NULL; both set: both must match */
};

/* One example or negative example: the text and, for content rules with a
 * path filter, the path it is scanned as (NULL: "example.txt"). */
struct rule_example {
	char *text;
	char *path;
};

struct rule {
	char *id;
	char *pack;
	char *file; /* pack file name ("rules/backdoor.yaml" or the given path) */
	long line;  /* line of the rule in that file, 1-based */
	enum category category;
	enum severity severity;
	char *title;
	char *regex;        /* after {list} expansion; NULL for a strings rule */
	char *secret_group; /* capture group of the value, NULL: whole match */
	char **keywords;    /* lower case */
	size_t n_keywords;
	char *path; /* regex on the path, or NULL */
	struct rule_allow *allow;
	size_t n_allow;
	unsigned kinds; /* enum rule_kind bits */
	double entropy; /* minimum bits/char of the value, 0: none */
	char *validate; /* validator name or NULL */
	bool strong;
	/* not run on binary files (a NUL in the first 8 KiB): the rule's match
	 * is an assignment or a context that only text carries */
	bool text_only;
	size_t window;
	char **strings; /* co-occurrence regexes, or NULL */
	size_t n_strings;
	size_t min_strings;
	struct rule_example *examples;
	size_t n_examples;
	struct rule_example *negatives;
	size_t n_negatives;
	bool disabled;
};

struct rules {
	struct rule *v;
	size_t n, alloc;
};

#define RULES_INIT                                                                                 \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Loads every embedded pack (rules/NAME.yaml). On error nothing from the failing
 * pack is kept and the message names the pack, line and field. */
int rules_load_embedded(struct rules *rs);

/* Loads one pack file, or every *.yaml / *.yml file of a directory (sorted).
 * A `list:` naming an embedded data file uses it, otherwise the list path is
 * read relative to the pack's directory. */
int rules_load_path(struct rules *rs, const char *path);

/* Loads one pack from memory; name is used in messages and as rule->file. */
int rules_load_buffer(struct rules *rs, const char *name, const char *data, size_t len);

/* Marks the rule with this id disabled; DR_ENOTFOUND when there is none. */
int rules_disable(struct rules *rs, const char *id);

/* The rule with this id, or NULL. */
const struct rule *rules_find(const struct rules *rs, const char *id);

/* "content,config" style rendering of a kind set into out. */
const char *rule_kinds_str(unsigned kinds, char out[48]);

void rules_release(struct rules *rs);

#endif
