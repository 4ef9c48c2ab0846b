/* dredge: command dispatch. Each command lives in its own file. */
#include "cli/cli.h"
#include "util/err.h"

#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#define DREDGE_VERSION "0.1.0"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

#define COMMAND(name, fn, summary) {#name, fn, summary},
static const struct command commands[] = {
#include "cli/commands.h"
};
#undef COMMAND

static void usage(FILE *f)
{
	fprintf(f, "usage: dredge COMMAND [OPTIONS] ...\n\n"
	           "dredge finds malicious content in container images and registries.\n\n"
	           "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`dredge COMMAND --help` describes a command's options.\n"
	           "exit codes: 0 ok, 1 findings/failure, 2 usage, 3 not found, 4 network,\n"
	           "5 auth, 6 digest mismatch, 7 limit exceeded, 8 malformed input,\n"
	           "9 unsupported, 10 local I/O\n");
}

int main(int argc, char **argv)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	/* Buffers of a MiB and more (layer buffers, files kept for checksums)
	 * are mapped and given back when freed: the threshold glibc would
	 * otherwise raise to the largest freed block keeps them resident. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("dredge %s\n", DREDGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "dredge: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
