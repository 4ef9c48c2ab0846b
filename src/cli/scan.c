/* dredge scan: findings and a verdict for each image, as a table, JSON
 * (dredge.report/v1) or SARIF. */
#include "cli/cli.h"
#include "cli/progress.h"
#include "detect/analyze.h"
#include "detect/engine.h"
#include "detect/hscache.h"
#include "detect/rules.h"
#include "detect/typosquat.h"
#include "detect/yarascan.h"
#include "image/image.h"
#include "image/walk.h"
#include "intel/intel.h"
#include "report/report.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"
#include "verdict/ignore.h"
#include "verdict/verdict.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char scan_usage[] =
    "usage: dredge scan REF... [options]\n\n"
    "Walks every layer of each image once and reports what it holds: cryptominers,\n"
    "secrets, backdoors, suspicious build steps, typosquatted names. Each image gets a\n"
    "verdict: malicious (strong evidence), suspicious (weaker signals), clean, or error\n"
    "(the scan failed: nothing it found is trusted). REF as for `dredge inspect`.\n\n"
    "  --format table|json|sarif     output format (table); json is dredge.report/v1,\n"
    "                                one document, with \"reports\":[...] for several images\n"
    "  --output FILE                 write the report to FILE instead of standard output\n"
    "  --severity LEVEL              report only findings at or above LEVEL (info, low,\n"
    "                                medium, high, critical); the verdict uses them all\n"
    "  --fail-on malicious|suspicious  exit with --exit-code (default 1) when any\n"
    "                                image's verdict is at or above this\n"
    "  --exit-code N                 the code for --fail-on (with no --fail-on: malicious);\n"
    "                                without either, findings alone exit 0\n"
    "  --ignore-file FILE            accepted findings: YAML (ignore: [{rule, path,\n"
    "                                fingerprint, reason}]) or lines `RULE [GLOB]\n"
    "                                [sha256:...] [# reason]`; ignored findings are\n"
    "                                dropped before the verdict and counted in stats\n"
    "  --rules PATH                  add a rule pack file or directory (repeatable)\n"
    "  --disable-rule ID             drop a rule (repeatable)\n"
    "  --show-secrets                show secret values instead of their redacted form\n"
    "  --max-file-size N             bytes of each file the rules see (64M; K/M/G suffix)\n"
    "  --threads N                   threads scanning the files of an image (default: one\n"
    "                                per CPU, at most 8); the results do not depend on it\n"
    "  --intel [CATEGORY=]FILE       threat feed (repeatable): IP/CIDR (FireHOL .ipset/\n"
    "                                .netset), domains or hosts-file lines, URLs, sha256\n"
    "                                file hashes, one a line; CATEGORY (malicious-host,\n"
    "                                proxy-tunnel, dynamic-dns, newly-registered-domain,\n"
    "                                hacktool, cryptominer) or a '# category: NAME' line in\n"
    "                                the file; a bad line fails the scan (exit 8). Built-in\n"
    "                                lists of dynamic-DNS, tunnelling and mining-pool hosts\n"
    "                                are always used\n"
    "  --yara FILE|DIR               YARA rules (a file, or the .yar/.yara files of DIR)\n"
    "                                run on executables and scripts up to 64 MiB; rule meta\n"
    "                                category, severity and strong shape the finding\n"
    "\nExit codes: the error's code when an image could not be scanned (e.g. 6 digest\n"
    "mismatch, 4 network), else the --exit-code when --fail-on matched, else 0\n"
    "(whatever was found); 2 usage.\n\n" CLI_IMAGE_USAGE;

enum fmt { FMT_TABLE, FMT_JSON, FMT_SARIF };

struct scan_cli {
	struct cli_image_opts img;
	enum fmt format;
	const char *output;
	enum severity min_severity;
	bool fail_set, exit_set, show;
	enum verdict_class fail_on;
	int exit_code;
	const char *ignore_file;
	const char **rule_paths, **disabled, **refs;
	size_t n_rule_paths, n_disabled, n_refs;
	uint64_t max_file_size;
	const char **intel_specs;
	size_t n_intel;
	const char *yara_path;
	int threads;
};

static const char *opt_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		err_set(DR_EUSAGE, "option '%s' needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int parse_args(struct scan_cli *o, int argc, char **argv, bool *help)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int r;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			*help = true;
			return 0;
		}
		if (!strcmp(a, "--show-secrets")) {
			o->show = true;
			continue;
		}
		if ((r = cli_image_option(&o->img, argc, argv, &i)) != 0) {
			if (r < 0)
				return r;
			continue;
		}
		if (a[0] != '-' || !a[1]) {
			o->refs[o->n_refs++] = a;
			continue;
		}
		if (strcmp(a, "--format") && strcmp(a, "--output") && strcmp(a, "--severity") &&
		    strcmp(a, "--fail-on") && strcmp(a, "--exit-code") &&
		    strcmp(a, "--ignore-file") && strcmp(a, "--rules") &&
		    strcmp(a, "--disable-rule") && strcmp(a, "--max-file-size") &&
		    strcmp(a, "--intel") && strcmp(a, "--yara") && strcmp(a, "--threads"))
			return err_set(DR_EUSAGE, "unknown option '%s' (see --help)", a);
		if (!(v = opt_value(argc, argv, &i)))
			return DR_EUSAGE;
		if (!strcmp(a, "--format")) {
			if (!strcmp(v, "table"))
				o->format = FMT_TABLE;
			else if (!strcmp(v, "json"))
				o->format = FMT_JSON;
			else if (!strcmp(v, "sarif"))
				o->format = FMT_SARIF;
			else
				return err_set(DR_EUSAGE,
				               "unknown format '%s' (table, json, sarif)", v);
		} else if (!strcmp(a, "--output")) {
			o->output = v;
		} else if (!strcmp(a, "--severity")) {
			if (severity_parse(&o->min_severity, v))
				return err_set(DR_EUSAGE,
				               "unknown severity '%s' (info, low, medium, "
				               "high, critical)",
				               v);
		} else if (!strcmp(a, "--fail-on")) {
			if (verdict_class_parse(&o->fail_on, v) || o->fail_on == VERDICT_CLEAN)
				return err_set(DR_EUSAGE,
				               "--fail-on takes malicious or suspicious, not "
				               "'%s'",
				               v);
			o->fail_set = true;
		} else if (!strcmp(a, "--exit-code")) {
			uint64_t n;

			if (str_to_u64(v, &n) || n > 255)
				return err_set(DR_EUSAGE, "--exit-code takes 0 to 255, not '%s'",
				               v);
			o->exit_code = (int)n;
			o->exit_set = true;
		} else if (!strcmp(a, "--ignore-file")) {
			o->ignore_file = v;
		} else if (!strcmp(a, "--rules")) {
			o->rule_paths[o->n_rule_paths++] = v;
		} else if (!strcmp(a, "--disable-rule")) {
			o->disabled[o->n_disabled++] = v;
		} else if (!strcmp(a, "--intel")) {
			o->intel_specs[o->n_intel++] = v;
		} else if (!strcmp(a, "--yara")) {
			o->yara_path = v;
		} else if (!strcmp(a, "--threads")) {
			uint64_t n;

			if (str_to_u64(v, &n) || !n || n > SCAN_WORKERS_MAX)
				return err_set(DR_EUSAGE, "--threads takes 1 to %d, not '%s'",
				               SCAN_WORKERS_MAX, v);
			o->threads = (int)n;
		} else if (!strcmp(a, "--max-file-size")) {
			if (str_to_size(v, &o->max_file_size) || !o->max_file_size)
				return err_set(DR_EUSAGE,
				               "--max-file-size takes a size such as 64M, not "
				               "'%s'",
				               v);
		}
	}
	return 0;
}

/* Copies what the report shows of img. */
static void report_image(struct report *r, const struct image *img)
{
	char plat[96];

	r->ref = xstrdup(img->src->display);
	r->manifest_digest = img->manifest_digest ? xstrdup(img->manifest_digest) : NULL;
	r->config_digest = img->config_digest ? xstrdup(img->config_digest) : NULL;
	r->platform = xstrdup(platform_format(&img->platform, plat, sizeof(plat)));
	r->layers = xcalloc(img->n_layers ? img->n_layers : 1, sizeof(*r->layers));
	r->n_layers = img->n_layers;
	for (size_t i = 0; i < img->n_layers; i++) {
		const struct layer *l = &img->layers[i];

		r->layers[i].digest = xstrdup(l->desc.digest);
		r->layers[i].diff_id = l->diff_id ? xstrdup(l->diff_id) : NULL;
		r->layers[i].size = l->desc.size;
		r->layers[i].created_by =
		    l->history && l->history->created_by ? xstrdup(l->history->created_by) : NULL;
	}
}

static void report_failed(struct report *r, int rc)
{
	findings_release(&r->findings);
	verdict_release(&r->verdict);
	verdict_error(&r->verdict, err_msg());
	r->error = rc;
}

static bool below_severity(struct finding *f, size_t pos, void *ctx)
{
	const struct scan_cli *o = ctx;

	(void)pos;
	return f->severity < o->min_severity;
}

static void finish_report(struct report *r, const struct scan_cli *o, const struct ignore_list *ign)
{
	r->ignored = ignore_apply(ign, &r->findings);
	verdict_compute(&r->verdict, &r->findings);
	r->below_severity += findings_drop(&r->findings, below_severity, (void *)o);
}

/* Scans every image ref names, appending one report per image (or one error
 * report). */
static void scan_ref(struct report **reps, size_t *n, size_t *alloc, const char *ref_str,
                     const struct scan_cli *o, const struct scan_opts *so,
                     const struct ignore_list *ign)
{
	struct image_ref ref;
	struct source *src = NULL;
	struct image **imgs = NULL;
	size_t n_imgs = 0;
	bool ref_ok = false;
	int rc;

	if ((rc = ref_parse(&ref, ref_str)))
		goto fail;
	ref_ok = true;
	if ((rc = source_open(&src, &ref, &o->img.net, &o->img.limits)))
		goto fail;
	if ((rc = image_open(&imgs, &n_imgs, src, &o->img.platform, o->img.all_platforms)))
		goto fail;
	for (size_t k = 0; k < n_imgs; k++) {
		struct report *r;
		struct scan_stats st;
		struct progress_state ps = {.label = "scan"};
		struct walk_opts wo = {.limits = &o->img.limits};
		struct scan_opts sok = *so;

		XGROW(*reps, *alloc, *n + 1);
		r = &(*reps)[(*n)++];
		memset(r, 0, sizeof(*r));
		report_image(r, imgs[k]);
		if (cli_progress_enabled(&o->img)) {
			wo.progress = progress_walk;
			wo.progress_ctx = &ps;
		}
		sok.walk = &wo;
		rc = scan_image(&r->findings, &st, imgs[k], &sok);
		progress_clear(&ps);
		r->bytes = st.bytes;
		r->files = st.files;
		r->seconds = st.seconds;
		r->partial_files = st.truncated;
		r->capped_rules = st.capped;
		if (rc)
			report_failed(r, rc);
		else
			finish_report(r, o, ign);
	}
	goto out;
fail:
	XGROW(*reps, *alloc, *n + 1);
	memset(&(*reps)[*n], 0, sizeof(**reps));
	(*reps)[*n].ref = src ? xstrdup(src->display) : xstrdup(ref_str);
	report_failed(&(*reps)[(*n)++], rc);
out:
	for (size_t k = 0; k < n_imgs; k++)
		image_free(imgs[k]);
	free(imgs);
	source_free(src);
	if (ref_ok)
		ref_release(&ref);
}

/* The engine and the typosquat index, made on a thread of their own while
 * the first image is opened and its first layer starts to inflate (about
 * 30 ms of rule analysis that the scan would otherwise wait for). */
struct prep {
	const struct rules *rs;
	struct engine_opts eo;
	char *cache; /* eo.cache_dir */
	pthread_t thread;
	bool running;
	struct engine *eng;
	struct typosquat *ts;
	int rc;
	char *msg;
};

static void *prep_main(void *arg)
{
	struct prep *p = arg;

	if (!(p->rc = engine_compile(&p->eng, p->rs, &p->eo)))
		p->rc = typosquat_new(&p->ts);
	if (p->rc)
		p->msg = xstrdup(err_msg());
	return NULL;
}

static void prep_join(struct prep *p)
{
	if (p->running)
		pthread_join(p->thread, NULL);
	p->running = false;
}

/* Waits for the engine: 0, or its error set again on this thread. */
static int prep_wait(struct prep *p)
{
	prep_join(p);
	return p->rc ? err_set(p->rc, "%s", p->msg) : 0;
}

/* scan_opts.prepare: called by the walker thread (the one that started the
 * prep thread) of each image scan. */
static int prep_ready(void *ctx, const struct engine **eng, const struct typosquat **ts)
{
	struct prep *p = ctx;
	int rc = prep_wait(p);

	*eng = p->eng;
	*ts = p->ts;
	return rc;
}

static int write_output(const struct scan_cli *o, const struct buf *doc)
{
	FILE *f = stdout;
	int rc = 0;

	if (o->output && !(f = fopen(o->output, "w")))
		return err_set(DR_EIO, "cannot write '%s': %s", o->output, strerror(errno));
	if (fwrite(doc->ptr ? doc->ptr : "", 1, doc->len, f) != doc->len || fflush(f))
		rc = err_set(DR_EIO, "cannot write '%s': %s", o->output ? o->output : "stdout",
		             strerror(errno));
	if (o->output && fclose(f) && !rc)
		rc = err_set(DR_EIO, "cannot write '%s': %s", o->output, strerror(errno));
	return rc;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_cli o = {
	    .min_severity = SEV_INFO, .exit_code = 1, .fail_on = VERDICT_MALICIOUS};
	struct rules rs = RULES_INIT;
	struct prep prep = {0};
	struct intel_set *intel = NULL;
	struct yara_set *yara = NULL;
	struct ignore_list ign = {0};
	struct report *reps = NULL;
	size_t n_reps = 0, alloc_reps = 0;
	struct buf doc = BUF_INIT;
	struct report_opts ro = {0};
	bool help = false;
	int rc = 0, code = 0;

	cli_image_opts_init(&o.img);
	o.refs = xcalloc((size_t)argc, sizeof(char *));
	o.rule_paths = xcalloc((size_t)argc, sizeof(char *));
	o.disabled = xcalloc((size_t)argc, sizeof(char *));
	o.intel_specs = xcalloc((size_t)argc, sizeof(char *));
	if ((rc = parse_args(&o, argc, argv, &help)))
		goto fail;
	if (help) {
		fputs(scan_usage, stdout);
		goto out;
	}
	if (!o.n_refs) {
		fputs(scan_usage, stderr);
		code = 2;
		goto out;
	}
	if (o.ignore_file && (rc = ignore_load(&ign, o.ignore_file)))
		goto fail;
	/* feeds and YARA rules first: a bad one fails before the rules compile */
	if ((rc = intel_new(&intel)))
		goto fail;
	for (size_t i = 0; i < o.n_intel; i++)
		if ((rc = intel_load_file(intel, o.intel_specs[i])))
			goto fail;
	if (o.yara_path && (rc = yara_set_load(&yara, o.yara_path)))
		goto fail;
	if ((rc = rules_load_embedded(&rs)))
		goto fail;
	for (size_t i = 0; i < o.n_rule_paths; i++)
		if ((rc = rules_load_path(&rs, o.rule_paths[i])))
			goto fail;
	for (size_t i = 0; i < o.n_disabled; i++)
		if ((rc = rules_disable(&rs, o.disabled[i]))) {
			rc = err_set(DR_EUSAGE, "--disable-rule: no rule '%s'", o.disabled[i]);
			goto fail;
		}
	prep.rs = &rs;
	prep.eo.show_secrets = o.show;
	prep.cache = hscache_default_dir();
	prep.eo.cache_dir = prep.cache;
	if (pthread_create(&prep.thread, NULL, prep_main, &prep)) {
		rc = err_set(DR_ERROR, "cannot start a thread");
		goto fail;
	}
	prep.running = true;
	{
		struct scan_opts so = {.prepare = prep_ready,
		                       .prepare_ctx = &prep,
		                       .max_file_size = o.max_file_size,
		                       .show_secrets = o.show,
		                       .intel = intel,
		                       .yara = yara,
		                       .workers = o.threads};

		for (size_t i = 0; i < o.n_refs; i++)
			scan_ref(&reps, &n_reps, &alloc_reps, o.refs[i], &o, &so, &ign);
	}
	/* rules that do not compile fail the command, as they would have
	 * before any image was opened */
	if ((rc = prep_wait(&prep)))
		goto fail;
	ro.rules = &rs;
	ro.color =
	    o.format == FMT_TABLE && !o.output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	if (o.format == FMT_JSON)
		report_json(&doc, reps, n_reps);
	else if (o.format == FMT_SARIF)
		report_sarif(&doc, reps, n_reps, &ro);
	else
		report_table(&doc, reps, n_reps, &ro);
	report_fix_utf8(&doc, o.format != FMT_TABLE);
	if ((rc = write_output(&o, &doc)))
		goto fail;
	/* exit: an image that could not be scanned is the worst outcome, then
	 * --fail-on */
	for (size_t i = 0; i < n_reps; i++)
		if (reps[i].verdict.cls == VERDICT_ERROR) {
			fprintf(stderr, "dredge: %s: %s\n", reps[i].ref,
			        reps[i].verdict.n_reasons ? reps[i].verdict.reasons[0] : "");
			if (!code)
				code = err_exit_code(reps[i].error);
		}
	for (size_t i = 0; i < n_reps && !code; i++)
		if ((o.fail_set || o.exit_set) && reps[i].verdict.cls != VERDICT_ERROR &&
		    reps[i].verdict.cls >= o.fail_on)
			code = o.exit_code;
	goto out;
fail:
	code = cli_fail(rc);
out:
	prep_join(&prep);
	engine_free(prep.eng);
	typosquat_free(prep.ts);
	free(prep.msg);
	free(prep.cache);
	buf_release(&doc);
	for (size_t i = 0; i < n_reps; i++)
		report_release(&reps[i]);
	free(reps);
	ignore_release(&ign);
	intel_free(intel);
	yara_set_free(yara);
	rules_release(&rs);
	free(o.refs);
	free(o.rule_paths);
	free(o.disabled);
	free(o.intel_specs);
	cli_image_opts_release(&o.img);
	return code;
}
