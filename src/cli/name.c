/* dredge name: checks repository names for typosquatting. */
#include "cli/cli.h"
#include "detect/typosquat.h"
#include "image/ref.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/mono.h"
#include "util/strutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_BENCH_MAX 100000000ull /* checks per name under --bench */

static const char name_usage[] =
    "usage: dredge name [--json] [--bench N] NAME...\n"
    "\n"
    "Checks each repository name for typosquatting: whether it imitates an official\n"
    "Docker image or a popular image (character omission, repetition, transposition,\n"
    "keyboard neighbours, homoglyphs, separators, added words such as '-official',\n"
    "look-alikes of the 'library' namespace or of a known publisher, or an official\n"
    "name reused under an unrelated namespace).\n"
    "\n"
    "NAME is 'name', 'namespace/name' or 'registry/namespace/name[:tag][@digest]';\n"
    "the registry, tag and digest are ignored. A bare name is an official image.\n"
    "\n"
    "Prints one line a name: 'ok   NAME', or\n"
    "'typosquat NAME imitates TARGET (technique): reason'.\n"
    "\n"
    "options:\n"
    "  --json      one JSON object a line instead: {\"name\", \"repository\",\n"
    "              \"typosquat\", and for a hit \"target\", \"technique\", \"severity\",\n"
    "              \"strong\", \"reason\", \"finding\"}\n"
    "  --bench N   check each NAME N times and print the mean time per check in\n"
    "              microseconds instead of the results\n"
    "  -h, --help  this help\n"
    "\n"
    "exit status: 0 every name is clean, 1 at least one typosquat, 2 usage error,\n"
    "8 a NAME is not a valid repository name (the other names are still checked)\n";

/* Splits a reference into namespace and name: the last two path components
 * of its repository ("library" for a bare Docker Hub name). */
static int name_split(char **out_ns, char **out_name, const char *arg)
{
	struct image_ref ref;
	const char *slash, *start;
	int rc;

	*out_ns = NULL;
	*out_name = NULL;
	rc = ref_parse(&ref, arg);
	if (rc)
		return rc;
	if (ref.transport != REF_DOCKER) {
		ref_release(&ref);
		return err_set(DR_EFORMAT, "'%s' is not a repository name", arg);
	}
	slash = strrchr(ref.repository, '/');
	if (slash) {
		start = slash;
		while (start > ref.repository && start[-1] != '/')
			start--;
		*out_ns = xstrndup(start, (size_t)(slash - start));
		*out_name = xstrdup(slash + 1);
	} else {
		*out_name = xstrdup(ref.repository);
	}
	ref_release(&ref);
	return 0;
}

static void print_json(const char *arg, const char *ns, const char *name, int hit,
                       const struct typosquat_hit *h)
{
	struct buf b = BUF_INIT;
	char full[600];

	snprintf(full, sizeof(full), "%s/%s", ns ? ns : "library", name ? name : "");
	buf_adds(&b, "{\"name\":");
	buf_add_json_str(&b, arg, strlen(arg));
	buf_adds(&b, ",\"repository\":");
	buf_add_json_str(&b, full, strlen(full));
	buf_addf(&b, ",\"typosquat\":%s", hit ? "true" : "false");
	if (hit) {
		struct finding f;

		buf_adds(&b, ",\"target\":");
		buf_add_json_str(&b, h->target, strlen(h->target));
		buf_adds(&b, ",\"technique\":");
		buf_add_json_str(&b, h->technique, strlen(h->technique));
		buf_addf(&b, ",\"severity\":\"%s\",\"strong\":%s,\"reason\":",
		         severity_name(h->severity), h->strong ? "true" : "false");
		buf_add_json_str(&b, h->reason, strlen(h->reason));
		buf_adds(&b, ",\"finding\":");
		typosquat_finding(&f, h, full);
		finding_to_json(&b, &f);
		finding_release(&f);
	}
	buf_adds(&b, "}");
	puts(buf_cstr(&b));
	buf_release(&b);
}

int cmd_name(int argc, char **argv)
{
	struct typosquat *t = NULL;
	bool json = false;
	uint64_t bench = 0;
	const char **names = NULL;
	bool dashdash = false;
	int n_args = 0, rc = 0, err = 0, hits = 0, n_names = 0, code;
	double t0, load_ms, total_us = 0, worst_us = 0;
	const char *worst = NULL;

	names = xcalloc((size_t)argc, sizeof(*names));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || !a[1]) {
			names[n_args++] = a;
		} else if (!strcmp(a, "--")) {
			dashdash = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(name_usage, stdout);
			goto done;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--bench") || str_starts(a, "--bench=")) {
			const char *v = a[7] == '=' ? a + 8 : i + 1 < argc ? argv[++i] : NULL;

			if (!v || str_to_u64(v, &bench) || bench == 0 || bench > NAME_BENCH_MAX) {
				rc = err_set(DR_EUSAGE,
				             "option '--bench' needs a count from 1 to %llu",
				             (unsigned long long)NAME_BENCH_MAX);
				goto done;
			}
		} else {
			rc =
			    err_set(DR_EUSAGE, "unknown option '%s' (see 'dredge name --help')", a);
			goto done;
		}
	}
	if (json && bench) {
		rc = err_set(DR_EUSAGE, "options '--json' and '--bench' cannot be combined");
		goto done;
	}
	if (!n_args) {
		rc = err_set(DR_EUSAGE, "no NAME to check (see 'dredge name --help')");
		goto done;
	}
	t0 = mono_now();
	rc = typosquat_new(&t);
	if (rc)
		goto done;
	load_ms = (mono_now() - t0) * 1e3;
	for (int i = 0; i < n_args; i++) {
		struct typosquat_hit h;
		char *ns = NULL, *name = NULL;
		int r = name_split(&ns, &name, names[i]);

		if (!r)
			r = typosquat_check(t, ns, name, &h);
		if (r < 0) {
			cli_fail(r);
			if (!err)
				err = r;
		} else if (bench) {
			double s = mono_now(), us;

			for (uint64_t k = 0; k < bench; k++)
				r = typosquat_check(t, ns, name, &h);
			us = (mono_now() - s) * 1e6 / (double)bench;
			printf("bench %-40s %9.3f us/check\n", names[i], us);
			total_us += us;
			if (us > worst_us) {
				worst_us = us;
				worst = names[i];
			}
			n_names++;
		} else if (json) {
			print_json(names[i], ns, name, r, &h);
		} else if (r) {
			printf("typosquat %s imitates %s (%s): %s\n", names[i], h.target,
			       h.technique, h.reason);
		} else {
			printf("ok   %s\n", names[i]);
		}
		if (r == 1)
			hits++;
		free(ns);
		free(name);
	}
	if (bench && n_names)
		printf("bench: %d names x %llu checks: mean %.3f us/check, slowest %.3f us/check "
		       "(%s); lists indexed in %.1f ms\n",
		       n_names, (unsigned long long)bench, total_us / n_names, worst_us, worst,
		       load_ms);
done:
	free(names);
	typosquat_free(t);
	if (rc)
		return cli_fail(rc);
	if (err)
		code = err_exit_code(err);
	else
		code = hits ? 1 : 0;
	fflush(stdout);
	return code;
}
