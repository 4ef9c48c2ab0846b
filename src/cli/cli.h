/* Shared by the command files: each command is `int cmd_NAME(int argc,
 * char **argv)` returning a process exit code; options every command that
 * reads images takes are parsed by cli_image_option. */
#ifndef DREDGE_CLI_H
#define DREDGE_CLI_H

#include "image/manifest.h"
#include "source/source.h"
#include "util/limits.h"

#include <stdbool.h>

#define COMMAND(name, fn, summary) int fn(int argc, char **argv);
#include "cli/commands.h"
#undef COMMAND

/* Options common to commands that open images. */
struct cli_image_opts {
	struct net_opts net;
	struct limits limits;
	struct platform platform; /* os NULL: default linux/amd64 */
	bool all_platforms;
	bool quiet;
};

#define CLI_IMAGE_USAGE                                                                            \
	"  --platform OS/ARCH[/VARIANT]  image of an index to use (default linux/amd64)\n"         \
	"  --all-platforms               every platform image of an index\n"                       \
	"  --creds USER:PASS             registry credentials (else ~/.docker/config.json)\n"      \
	"  --insecure                    allow plain http and unverified TLS\n"                    \
	"  --ca-file FILE                extra CA certificates (PEM)\n"                            \
	"  --timeout SECONDS             bound on each registry request with retries (600)\n"      \
	"  --retries N                   retries on 5xx, 429 and dropped connections (5)\n"        \
	"  --stall SECONDS               resume a transfer that received nothing this long (30)\n" \
	"  --limit NAME=VALUE            override a limit (manifest-bytes, config-bytes, "         \
	"layers,\n"                                                                                \
	"                                entries, path-length, total-bytes, ratio, json-depth)\n"  \
	"  -q, --quiet                   no progress output\n"

void cli_image_opts_init(struct cli_image_opts *o);
void cli_image_opts_release(struct cli_image_opts *o);
/* Consumes argv[*i] (and its value) when it is a common option: returns 1
 * when consumed, 0 when not ours, or a negative DR_EUSAGE with a message. */
int cli_image_option(struct cli_image_opts *o, int argc, char **argv, int *i);

/* Prints "dredge: <message>" for rc and returns its exit code. */
int cli_fail(int rc);

/* True when stderr is a terminal and progress should be drawn. */
bool cli_progress_enabled(const struct cli_image_opts *o);

#endif
