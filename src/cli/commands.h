/* The command list (one line each): name, function, one-line summary.
 * main.c expands it into the dispatch table and the help text. */
COMMAND(inspect, cmd_inspect, "show an image's manifest, config, layers and Dockerfile")
COMMAND(hub, cmd_hub, "crawl and classify Docker Hub repository metadata")
COMMAND(rules, cmd_rules, "list, check and try detection rules")
COMMAND(name, cmd_name, "check repository names for typosquatting")
COMMAND(scan, cmd_scan, "scan images for malicious content")
