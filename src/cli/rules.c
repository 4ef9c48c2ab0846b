/* dredge rules: list the rule packs, prove every rule's examples, and run the
 * content rules over local files as if they were in an image. */
#include "cli/cli.h"
#include "detect/engine.h"
#include "detect/hscache.h"
#include "detect/rules.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/mono.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RULES_CHUNK (64 * 1024) /* bytes handed to the engine at a time, as a tar reader does */

static const char rules_usage[] =
    "usage: dredge rules list [--rules PATH]... [--disable-rule ID]... [--json]\n"
    "       dredge rules check [--rules PATH]... [--disable-rule ID]...\n"
    "       dredge rules match [--rules PATH]... [--disable-rule ID]... [--show-secrets]\n"
    "                          [--json] [--stats] FILE|DIR|-...\n\n"
    "list:  every loaded rule: id, category, severity, kinds, strong, title.\n"
    "check: every rule's examples must produce its finding and its negative examples\n"
    "       must not; failures are listed and the exit code is 1.\n"
    "match: runs the content and path rules over files (directories recursively, - for\n"
    "       standard input) as if they were in an image, and prints the findings.\n\n"
    "  --rules PATH         add a rule pack file, or every *.yaml pack of a directory\n"
    "  --disable-rule ID    drop a rule\n"
    "  --show-secrets       print secret values instead of their redacted form\n"
    "  --json               JSON output\n"
    "  --stats              (match) print files, bytes and scan throughput on stderr\n";

struct rules_opts {
	struct rules rs;
	bool json, show_secrets, stats;
	char **args;
	size_t n_args;
};

static int parse_opts(struct rules_opts *o, int argc, char **argv, bool is_match)
{
	char **disable = NULL;
	size_t n_disable = 0;
	int rc = rules_load_embedded(&o->rs);

	o->args = xcalloc((size_t)argc + 1, sizeof(char *));
	for (int i = 2; !rc && i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--rules") || !strcmp(a, "--disable-rule")) {
			if (i + 1 >= argc) {
				rc = err_set(DR_EUSAGE, "option '%s' needs a value", a);
				break;
			}
			if (!strcmp(a, "--rules")) {
				rc = rules_load_path(&o->rs, argv[++i]);
			} else {
				disable = xrealloc(disable, (n_disable + 1) * sizeof(char *));
				disable[n_disable++] = argv[++i];
			}
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (is_match && !strcmp(a, "--show-secrets")) {
			o->show_secrets = true;
		} else if (is_match && !strcmp(a, "--stats")) {
			o->stats = true;
		} else if (is_match && (a[0] != '-' || !strcmp(a, "-"))) {
			o->args[o->n_args++] = argv[i];
		} else {
			rc = err_set(DR_EUSAGE, "unknown option '%s' (see dredge rules --help)", a);
		}
	}
	for (size_t i = 0; !rc && i < n_disable; i++)
		if (rules_disable(&o->rs, disable[i]))
			rc = DR_EUSAGE;
	free(disable);
	return rc;
}

/* --- list ---------------------------------------------------------------- */

static int rules_list(struct rules_opts *o)
{
	struct buf b = BUF_INIT;
	char kinds[48];

	if (o->json)
		buf_adds(&b, "{\"schema\":\"dredge.rules/v1\",\"rules\":[");
	for (size_t i = 0, n = 0; i < o->rs.n; i++) {
		const struct rule *r = &o->rs.v[i];

		if (r->disabled)
			continue;
		rule_kinds_str(r->kinds, kinds);
		if (!o->json) {
			printf("%-32s %-17s %-8s %-22s %-6s %s\n", r->id,
			       category_name(r->category), severity_name(r->severity), kinds,
			       r->strong ? "strong" : "-", r->title);
			continue;
		}
		buf_adds(&b, n++ ? ",{\"id\":" : "{\"id\":");
		buf_add_json_str(&b, r->id, strlen(r->id));
		buf_adds(&b, ",\"pack\":");
		buf_add_json_str(&b, r->pack, strlen(r->pack));
		buf_adds(&b, ",\"file\":");
		buf_add_json_str(&b, r->file, strlen(r->file));
		buf_addf(&b, ",\"line\":%ld,\"category\":\"%s\",\"severity\":\"%s\",\"kind\":[",
		         r->line, category_name(r->category), severity_name(r->severity));
		for (int k = 0, m = 0; k < 4; k++)
			if (r->kinds & (1u << k))
				buf_addf(
				    &b, "%s\"%s\"", m++ ? "," : "",
				    (const char *[]){"content", "config", "history", "path"}[k]);
		buf_addf(&b, "],\"strong\":%s,\"text_only\":%s,\"title\":",
		         r->strong ? "true" : "false", r->text_only ? "true" : "false");
		buf_add_json_str(&b, r->title, strlen(r->title));
		buf_addf(&b, ",\"examples\":%zu,\"negative_examples\":%zu}", r->n_examples,
		         r->n_negatives);
	}
	if (o->json) {
		buf_adds(&b, "]}\n");
		fputs(buf_cstr(&b), stdout);
	}
	buf_release(&b);
	return 0;
}

/* --- check --------------------------------------------------------------- */

/* True when running the example through kind produced a finding of rule r. */
static int example_hits(bool *out, struct engine_scan *scan, struct findings *fs,
                        const struct rule *r, const struct rule_example *x, enum rule_kind kind)
{
	int rc;

	findings_release(fs);
	if (kind == RK_CONTENT || kind == RK_PATH) {
		const char *path = kind == RK_PATH ? x->text : x->path ? x->path : "example.txt";

		rc = engine_file_begin(scan, path, NULL, -1);
		if (!rc && kind == RK_CONTENT)
			rc = engine_file_data(scan, x->text, strlen(x->text));
		if (!rc)
			rc = engine_file_end(scan);
		else
			engine_file_end(scan);
	} else {
		rc = engine_scan_string(scan, kind, NULL, -1,
		                        kind == RK_CONFIG ? "Cmd" : "created_by", x->text,
		                        strlen(x->text));
	}
	*out = false;
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].rule, r->id))
			*out = true;
	return rc;
}

static void print_example(const char *what, size_t idx, const struct rule *r,
                          const struct rule_example *x, enum rule_kind kind)
{
	char kinds[48];

	printf("FAIL %s ('%s' line %ld): %s %zu (%s) ", r->id, r->file, r->line, what, idx + 1,
	       rule_kinds_str(kind, kinds));
	for (const char *p = x->text; *p && p - x->text < 200; p++)
		putchar(*p == '\n' ? ' ' : *p);
	putchar('\n');
}

static int rules_check(struct rules_opts *o)
{
	struct engine *e = NULL;
	struct engine_scan *scan = NULL;
	struct findings fs = {0};
	size_t n_rules = 0, n_ex = 0, n_neg = 0, failed = 0;
	int rc = engine_compile(&e, &o->rs, NULL);

	if (!rc)
		rc = engine_scan_new(&scan, e, &fs);
	for (size_t i = 0; !rc && i < o->rs.n; i++) {
		const struct rule *r = &o->rs.v[i];

		if (r->disabled)
			continue;
		n_rules++;
		if (!r->n_examples || !r->n_negatives) {
			printf("FAIL %s ('%s' line %ld): no %s\n", r->id, r->file, r->line,
			       r->n_examples ? "negative examples" : "examples");
			failed++;
		}
		for (unsigned k = 1; k <= RK_PATH; k <<= 1) {
			if (!(r->kinds & k))
				continue;
			for (size_t j = 0; !rc && j < r->n_examples; j++) {
				bool hit;

				rc = example_hits(&hit, scan, &fs, r, &r->examples[j], k);
				if (!rc && !hit) {
					print_example("example", j, r, &r->examples[j], k);
					failed++;
				}
			}
			for (size_t j = 0; !rc && j < r->n_negatives; j++) {
				bool hit;

				rc = example_hits(&hit, scan, &fs, r, &r->negatives[j], k);
				if (!rc && hit) {
					print_example("negative example", j, r, &r->negatives[j],
					              k);
					failed++;
				}
			}
		}
		n_ex += r->n_examples;
		n_neg += r->n_negatives;
	}
	if (!rc) {
		printf("rules: %zu rules, %zu examples, %zu negative examples, ", n_rules, n_ex,
		       n_neg);
		if (failed)
			printf("%zu failed\n", failed);
		else
			printf("all passed\n");
	}
	findings_release(&fs);
	engine_scan_free(scan);
	engine_free(e);
	if (rc)
		return rc;
	return failed ? 1 : 0;
}

/* --- match --------------------------------------------------------------- */

struct match_ctx {
	struct engine_scan *scan;
	unsigned char *chunk;
	double seconds;
	size_t files;
	size_t failed;
};

static struct match_ctx *walk_ctx; /* nftw passes no context */

/* The path as inside an image: no leading "/" or "./". */
static const char *image_path(const char *p)
{
	for (;;) {
		if (p[0] == '/')
			p++;
		else if (p[0] == '.' && p[1] == '/')
			p += 2;
		else
			return p;
	}
}

static int match_fd(struct match_ctx *m, int fd, const char *name)
{
	double t0 = mono_now();
	int rc = engine_file_begin(m->scan, image_path(name), NULL, -1);
	ssize_t n;

	m->seconds += mono_now() - t0;
	while (!rc) {
		n = read(fd, m->chunk, RULES_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_set(DR_EIO, "cannot read '%s': %s", name, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		t0 = mono_now();
		rc = engine_file_data(m->scan, m->chunk, (size_t)n);
		m->seconds += mono_now() - t0;
	}
	t0 = mono_now();
	if (rc)
		engine_file_end(m->scan);
	else
		rc = engine_file_end(m->scan);
	m->seconds += mono_now() - t0;
	m->files++;
	return rc;
}

static int match_file(struct match_ctx *m, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int rc;

	if (fd < 0)
		return err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO, "cannot open '%s': %s",
		               path, strerror(errno));
	rc = match_fd(m, fd, path);
	close(fd);
	return rc;
}

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	int rc;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	rc = match_file(walk_ctx, path);
	if (rc == DR_EIO || rc == DR_ENOTFOUND) {
		fprintf(stderr, "dredge: %s\n", err_msg());
		walk_ctx->failed++;
		rc = 0;
	}
	return rc;
}

static void print_findings(const struct findings *fs, bool json, const struct match_ctx *m,
                           unsigned long long bytes)
{
	struct buf b = BUF_INIT;

	if (json) {
		buf_adds(&b, "{\"findings\":[");
		for (size_t i = 0; i < fs->n; i++) {
			if (i)
				buf_addc(&b, ',');
			finding_to_json(&b, &fs->v[i]);
		}
		buf_addf(&b, "],\"stats\":{\"files\":%zu,\"bytes\":%llu,\"seconds\":%.3f}}\n",
		         m->files, bytes, m->seconds);
		fputs(buf_cstr(&b), stdout);
		buf_release(&b);
		return;
	}
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];

		for (size_t k = 0; k < f->n_locs; k++) {
			const struct location *l = &f->locs[k];

			printf("%s:%ld: %s %s %s: %s: %s%s%s\n", l->path ? l->path : "-", l->line,
			       severity_name(f->severity), category_name(f->category), f->rule,
			       f->title, f->evidence ? f->evidence : "",
			       f->status != ST_ACTIVE ? " " : "",
			       f->status != ST_ACTIVE ? status_name(f->status) : "");
			if (f->strong && k + 1 == f->n_locs)
				printf("  (strong evidence)\n");
		}
	}
}

static int rules_match(struct rules_opts *o)
{
	char *cache = hscache_default_dir();
	struct engine_opts eo = {.show_secrets = o->show_secrets, .cache_dir = cache};
	struct engine *e = NULL;
	struct findings fs = {0};
	struct match_ctx m = {0};
	int rc;

	if (!o->n_args) {
		free(cache);
		return err_set(DR_EUSAGE, "rules match needs a file, directory or -");
	}
	rc = engine_compile(&e, &o->rs, &eo);
	free(cache);
	if (!rc)
		rc = engine_scan_new(&m.scan, e, &fs);
	m.chunk = xmalloc(RULES_CHUNK);
	walk_ctx = &m;
	for (size_t i = 0; !rc && i < o->n_args; i++) {
		const char *a = o->args[i];
		struct stat st;

		if (!strcmp(a, "-")) {
			rc = match_fd(&m, STDIN_FILENO, "stdin");
		} else if (stat(a, &st)) {
			rc = err_set(errno == ENOENT ? DR_ENOTFOUND : DR_EIO,
			             "cannot open '%s': %s", a, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			if (nftw(a, walk_one, 32, FTW_PHYS) < 0 && !rc)
				rc = err_set(DR_EIO, "cannot walk '%s': %s", a, strerror(errno));
		} else {
			rc = match_file(&m, a);
		}
	}
	if (!rc) {
		unsigned long long bytes = engine_scan_bytes(m.scan);

		print_findings(&fs, o->json, &m, bytes);
		if (o->stats)
			fprintf(
			    stderr,
			    "rules match: %zu rules, %zu files, %.1f MB in %.3f s (%.0f MB/s)\n",
			    engine_rule_count(e, RK_CONTENT) + engine_rule_count(e, RK_PATH),
			    m.files, (double)bytes / 1e6, m.seconds,
			    m.seconds > 0 ? (double)bytes / 1e6 / m.seconds : 0.0);
		if (m.failed)
			rc = err_set(DR_EIO, "%zu files could not be read", m.failed);
	}
	walk_ctx = NULL;
	free(m.chunk);
	findings_release(&fs);
	engine_scan_free(m.scan);
	engine_free(e);
	return rc;
}

int cmd_rules(int argc, char **argv)
{
	struct rules_opts o;
	const char *sub = argc > 1 ? argv[1] : NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		fputs(rules_usage, sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(rules_usage, stdout);
			return 0;
		}
	if (strcmp(sub, "list") && strcmp(sub, "check") && strcmp(sub, "match")) {
		fprintf(stderr, "dredge: unknown rules command '%s' (list, check or match)\n", sub);
		return 2;
	}
	rc = parse_opts(&o, argc, argv, !strcmp(sub, "match"));
	if (!rc) {
		if (!strcmp(sub, "list"))
			rc = rules_list(&o);
		else if (!strcmp(sub, "check"))
			rc = rules_check(&o);
		else
			rc = rules_match(&o);
	}
	rules_release(&o.rs);
	free(o.args);
	if (rc > 0)
		return rc;
	return rc ? cli_fail(rc) : 0;
}
