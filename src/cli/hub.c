/* dredge hub: crawl and classify Docker Hub repository metadata. */
#include "cli/cli.h"
#include "cli/hub.h"
#include "source/hubcrawl.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hub_usage[] =
    "usage: dredge hub crawl [options]\n"
    "       dredge hub classify [options] DUMP...\n"
    "\n"
    "  crawl      walk a Docker Hub compatible API and write repositories as JSONL\n"
    "  classify   find imageless spam/phishing repositories and their campaigns\n"
    "\n"
    "`dredge hub SUBCOMMAND --help` describes each.\n";

static const char crawl_usage[] =
    "usage: dredge hub crawl [options]\n"
    "\n"
    "Walks the repositories of namespaces and search queries on a Docker Hub\n"
    "compatible API and writes one repository per line (JSONL): the API's\n"
    "repository object with \"tags\" ([{name, last_updated, digest}], at most 1000)\n"
    "and \"tag_count\" added. Search hits are fetched in full from\n"
    "/v2/repositories/NS/NAME/, and so are listed repositories whose listing\n"
    "lacks full_description. A repository found twice is written once.\n"
    "\n"
    "  --api URL          API base (default " HUBCRAWL_DEFAULT_API ")\n"
    "  --namespace NS     crawl the repositories of NS (repeatable)\n"
    "  --query Q          crawl the search results for Q (repeatable)\n"
    "  --out FILE         output JSONL (default stdout)\n"
    "  --checkpoint FILE  record the position after every page; when FILE exists\n"
    "                     the crawl resumes from it (same --api and sources)\n"
    "  --page-size N      results asked per page, 1-100 (100)\n"
    "  --max-pages N      pages per source (100000)\n"
    "  --max-repos N      stop once the output holds N repositories\n"
    "  --no-tags          do not fetch tags (no \"tags\"/\"tag_count\" fields)\n"
    "  --timeout S        bound on the whole crawl, waits included (86400)\n"
    "  --retries N        attempts after the first on 5xx, dropped connections and\n"
    "                     malformed responses, with exponential backoff from 0.5 s (5)\n"
    "  --insecure         do not verify TLS certificates\n"
    "  --ca-file FILE     extra CA certificates (PEM)\n"
    "  -q, --quiet        no messages but errors\n"
    "\n"
    "Sources are walked in order, namespaces first, following each page's \"next\"\n"
    "link. A \"next\" link to another origin than --api is refused and ends its\n"
    "source (exit 8); so is a redirect, which stops the crawl (exit 4). Rate\n"
    "limits: a 429 waits for X-Retry-After (unix time), Retry-After (seconds or\n"
    "HTTP-date) or X-RateLimit-Reset; a response with X-RateLimit-Remaining: 0\n"
    "pauses until X-RateLimit-Reset. Each page's lines are fsync'd before the\n"
    "checkpoint is replaced, so a crawl stopped in any way (kill -9 included)\n"
    "resumes with no repository lost or repeated.\n"
    "\n"
    "A malformed response (bad JSON, no \"results\" array, over 16 MiB) is fetched\n"
    "again --retries times; if it stays malformed it is reported on stderr with its\n"
    "URL and skipped: for a listing page, the rest of that namespace or query (its\n"
    "next link is unknown), for a repository, that repository, for a tags page,\n"
    "the repository's tag fields. The crawl then goes on.\n"
    "\n"
    "Exit status:\n"
    "  0   every source walked to its end, or --max-repos reached\n"
    "  8   walked to the end, but something was malformed or a link left the\n"
    "      API's origin, and was skipped (each case on stderr)\n"
    "  3   walked to the end, nothing malformed, but a namespace or repository\n"
    "      answered 404 and was skipped\n"
    "  4   the API kept failing (network, 5xx after retries, 429 50 times in a row),\n"
    "      answered another unexpected status, or redirected to another origin\n"
    "  5   the API refused access (401, 403)\n"
    "  7   --timeout ran out\n"
    "  2   usage error; 10 local file error\n"
    "With 4, 5 and 7 the checkpoint stays valid: the same command resumes.\n";

struct crawl_cli {
	bool quiet;
};

static void crawl_notify(void *ctx, bool warning, const char *msg)
{
	const struct crawl_cli *cc = ctx;

	if (warning)
		fprintf(stderr, "dredge: %s\n", msg);
	else if (!cc->quiet)
		fprintf(stderr, "dredge: %s\n", msg);
}

/* "--name VALUE" or "--name=VALUE": 1 with *out set, 0 when argv[*i] is not
 * this option, DR_EUSAGE when the value is missing. */
static int opt_value(const char **out, int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*out = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return err_set(DR_EUSAGE, "option '%s' needs a value", name);
	*out = argv[++*i];
	return 1;
}

static int opt_number(uint64_t *out, const char *name, const char *v, uint64_t min, uint64_t max)
{
	if (str_to_u64(v, out) < 0 || *out < min || *out > max)
		return err_set(DR_EUSAGE, "option '%s' wants a number from %llu to %llu, not '%s'",
		               name, (unsigned long long)min, (unsigned long long)max, v);
	return 0;
}

int cmd_hub_crawl(int argc, char **argv)
{
	struct hubcrawl_opts o;
	struct hubcrawl_stats st;
	struct hubcrawl_source *src = NULL;
	size_t n_src = 0, alloc_src = 0, n_ns = 0;
	struct crawl_cli cc = {false};
	uint64_t n;
	int rc = 0, code = 0;

	memset(&o, 0, sizeof(o));
	o.retries = 5;
	src = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(crawl_usage, stdout);
			code = 0;
			goto done;
		} else if (strcmp(a, "--no-tags") == 0) {
			o.no_tags = true;
		} else if (strcmp(a, "--insecure") == 0) {
			o.insecure = true;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			cc.quiet = true;
		} else if ((rc = opt_value(&v, argc, argv, &i, "--api")) != 0) {
			o.api = v;
		} else if ((rc = opt_value(&v, argc, argv, &i, "--namespace")) != 0 ||
		           (rc = opt_value(&v, argc, argv, &i, "--query")) != 0) {
			bool ns = str_starts(a, "--namespace");

			if (rc < 0)
				break;
			if (!*v) {
				rc = err_set(DR_EUSAGE, "empty %s", ns ? "namespace" : "query");
				break;
			}
			XGROW(src, alloc_src, n_src + 1);
			if (ns) {
				/* Namespaces first: keep them ahead of the queries. */
				memmove(src + n_ns + 1, src + n_ns, (n_src - n_ns) * sizeof(*src));
				src[n_ns].kind = HUBCRAWL_NAMESPACE;
				src[n_ns++].value = v;
			} else {
				src[n_src].kind = HUBCRAWL_QUERY;
				src[n_src].value = v;
			}
			n_src++;
		} else if ((rc = opt_value(&v, argc, argv, &i, "--out")) != 0) {
			o.out_path = v;
		} else if ((rc = opt_value(&v, argc, argv, &i, "--checkpoint")) != 0) {
			o.checkpoint_path = v;
		} else if ((rc = opt_value(&v, argc, argv, &i, "--ca-file")) != 0) {
			o.ca_file = v;
		} else if ((rc = opt_value(&v, argc, argv, &i, "--page-size")) != 0) {
			if (rc > 0 && (rc = opt_number(&n, a, v, 1, HUBCRAWL_MAX_PAGE_SIZE)) == 0)
				o.page_size = (unsigned)n;
		} else if ((rc = opt_value(&v, argc, argv, &i, "--max-pages")) != 0) {
			if (rc > 0 && (rc = opt_number(&n, a, v, 1, UINT32_MAX)) == 0)
				o.max_pages = n;
		} else if ((rc = opt_value(&v, argc, argv, &i, "--max-repos")) != 0) {
			if (rc > 0 && (rc = opt_number(&n, a, v, 1, UINT64_MAX / 2)) == 0)
				o.max_repos = n;
		} else if ((rc = opt_value(&v, argc, argv, &i, "--timeout")) != 0) {
			if (rc > 0 && (rc = opt_number(&n, a, v, 1, 365ull * 86400)) == 0)
				o.timeout_s = (long)n;
		} else if ((rc = opt_value(&v, argc, argv, &i, "--retries")) != 0) {
			if (rc > 0 && (rc = opt_number(&n, a, v, 0, 100)) == 0)
				o.retries = (int)n;
		} else {
			rc = err_set(DR_EUSAGE, "unknown option '%s' (see --help)", a);
		}
		if (rc < 0)
			break;
		rc = 0;
	}
	if (rc == 0 && n_src == 0)
		rc = err_set(DR_EUSAGE, "nothing to crawl: give --namespace or --query");
	if (rc < 0) {
		code = cli_fail(rc);
		goto done;
	}
	o.sources = src;
	o.n_sources = n_src;
	o.notify = crawl_notify;
	o.notify_ctx = &cc;
	rc = hubcrawl_run(&st, &o);
	if (!cc.quiet && rc != DR_EUSAGE)
		fprintf(
		    stderr,
		    "dredge: %s%llu repositories in the output (%llu new), %llu pages, %llu "
		    "requests, %llu duplicates, %llu malformed, %llu not found, %llu rate-limit "
		    "waits (%.0f s)\n",
		    st.resumed ? "resumed crawl: " : "", (unsigned long long)st.repos,
		    (unsigned long long)st.new_repos, (unsigned long long)st.pages,
		    (unsigned long long)st.requests, (unsigned long long)st.duplicates,
		    (unsigned long long)st.malformed, (unsigned long long)st.not_found,
		    (unsigned long long)st.rate_waits, st.waited_s);
	if (rc < 0)
		code = cli_fail(rc);
	else if (st.malformed)
		code = err_exit_code(DR_EFORMAT);
	else if (st.not_found)
		code = err_exit_code(DR_ENOTFOUND);
	else
		code = 0;
done:
	free(src);
	return code;
}

int cmd_hub(int argc, char **argv)
{
	if (argc < 2) {
		fputs(hub_usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(hub_usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "crawl") == 0)
		return cmd_hub_crawl(argc - 1, argv + 1);
	if (strcmp(argv[1], "classify") == 0)
		return cmd_hub_classify(argc - 1, argv + 1);
	fprintf(stderr, "dredge: unknown hub subcommand '%s' (crawl, classify)\n", argv[1]);
	return 2;
}
