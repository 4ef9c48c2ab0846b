#include "cli/cli.h"
#include "util/err.h"
#include "util/strutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void cli_image_opts_init(struct cli_image_opts *o)
{
	memset(o, 0, sizeof(*o));
	limits_default(&o->limits);
}

void cli_image_opts_release(struct cli_image_opts *o)
{
	platform_release(&o->platform);
}

/* The value of an option given as "--opt VALUE" or "--opt=VALUE". */
static int opt_value(const char **out, const char *name, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n))
		return 0;
	if (a[n] == '=') {
		*out = a + n + 1;
		return 1;
	}
	if (a[n])
		return 0;
	if (*i + 1 >= argc)
		return err_set(DR_EUSAGE, "option '%s' needs a value", name);
	*out = argv[++*i];
	return 1;
}

int cli_image_option(struct cli_image_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = NULL;
	uint64_t n;
	int rc;

	if (!strcmp(a, "--all-platforms")) {
		o->all_platforms = true;
		return 1;
	}
	if (!strcmp(a, "--insecure")) {
		o->net.insecure = true;
		return 1;
	}
	if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
		o->quiet = true;
		return 1;
	}
	if ((rc = opt_value(&v, "--platform", argc, argv, i))) {
		if (rc < 0)
			return rc;
		platform_release(&o->platform);
		return platform_parse(&o->platform, v) ? DR_EUSAGE : 1;
	}
	if ((rc = opt_value(&v, "--creds", argc, argv, i))) {
		if (rc < 0)
			return rc;
		if (!strchr(v, ':'))
			return err_set(DR_EUSAGE, "--creds takes USER:PASSWORD");
		o->net.creds = v;
		return 1;
	}
	if ((rc = opt_value(&v, "--ca-file", argc, argv, i))) {
		if (rc < 0)
			return rc;
		if (access(v, R_OK))
			return err_set(DR_EUSAGE, "cannot read CA file '%s'", v);
		o->net.ca_file = v;
		return 1;
	}
	if ((rc = opt_value(&v, "--timeout", argc, argv, i))) {
		if (rc < 0)
			return rc;
		if (str_to_u64(v, &n) || n == 0 || n > 86400)
			return err_set(DR_EUSAGE, "--timeout takes seconds (1 to 86400)");
		o->net.timeout_s = (long)n;
		return 1;
	}
	if ((rc = opt_value(&v, "--stall", argc, argv, i))) {
		if (rc < 0)
			return rc;
		if (str_to_u64(v, &n) || n == 0 || n > 3600)
			return err_set(DR_EUSAGE, "--stall takes seconds (1 to 3600)");
		o->net.stall_s = (long)n;
		return 1;
	}
	if ((rc = opt_value(&v, "--retries", argc, argv, i))) {
		if (rc < 0)
			return rc;
		if (str_to_u64(v, &n) || n > 100)
			return err_set(DR_EUSAGE, "--retries takes a number from 0 to 100");
		o->net.retries = n ? (int)n : -1;
		return 1;
	}
	if ((rc = opt_value(&v, "--limit", argc, argv, i))) {
		if (rc < 0)
			return rc;
		return limits_set(&o->limits, v) ? DR_EUSAGE : 1;
	}
	return 0;
}

int cli_fail(int rc)
{
	const char *msg = err_msg();

	fprintf(stderr, "dredge: %s\n", msg[0] ? msg : err_code_name(rc));
	return err_exit_code(rc);
}

bool cli_progress_enabled(const struct cli_image_opts *o)
{
	return !o->quiet && isatty(STDERR_FILENO);
}
