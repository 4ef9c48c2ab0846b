/* The `dredge hub` subcommands. Each takes the arguments after "hub"
 * (argv[0] is the subcommand's name, "crawl" or "classify") and returns a
 * process exit code. */
#ifndef DREDGE_CLI_HUB_H
#define DREDGE_CLI_HUB_H

int cmd_hub_crawl(int argc, char **argv);
int cmd_hub_classify(int argc, char **argv);

#endif
