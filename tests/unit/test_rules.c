#include "detect/rules.h"
#include "unit.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int load(struct rules *rs, const char *yaml)
{
	return rules_load_buffer(rs, "test.yaml", yaml, strlen(yaml));
}

TEST(rules, loads_all_fields)
{
	struct rules rs = RULES_INIT;
	const struct rule *r;
	int rc = load(&rs, "pack: t\n"
	                   "rules:\n"
	                   "  - id: demo-key\n"
	                   "    category: secret\n"
	                   "    title: Demo key\n"
	                   "    severity: HIGH\n"
	                   "    regex: '(?P<secret>DK[0-9]{8})'\n"
	                   "    secret-group-name: secret\n"
	                   "    keywords: [DK]\n"
	                   "    path: '\\.env$'\n"
	                   "    allow-rules:\n"
	                   "      - {id: zeros, regex: '^DK0+$'}\n"
	                   "    kind: [content, config]\n"
	                   "    entropy: 2.5\n"
	                   "    strong: true\n"
	                   "    window: 4096\n"
	                   "    examples: ['DK12345678', {text: 'x DK87654321', path: a/.env}]\n"
	                   "    negative_examples: ['DK00000000']\n");

	CHECK_INT(rc, 0);
	CHECK_INT(rs.n, 1);
	r = rules_find(&rs, "demo-key");
	CHECK(r != NULL);
	CHECK_STR(r->pack, "t");
	CHECK_INT(r->severity, SEV_HIGH);
	CHECK_INT(r->category, CAT_SECRET);
	CHECK_INT(r->kinds, RK_CONTENT | RK_CONFIG);
	CHECK_STR(r->keywords[0], "dk");
	CHECK_STR(r->secret_group, "secret");
	CHECK_INT(r->window, 4096);
	CHECK(r->strong);
	CHECK_INT(r->n_allow, 1);
	CHECK_INT(r->n_examples, 2);
	CHECK_STR(r->examples[1].path, "a/.env");
	CHECK_INT(r->line, 3);
	rules_release(&rs);
}

TEST(rules, unknown_field_names_file_line_and_field)
{
	struct rules rs = RULES_INIT;
	int rc = load(&rs, "pack: t\nrules:\n  - id: a\n    category: backdoor\n    title: A\n"
	                   "    severity: low\n    regex: 'abc'\n    regx: 'typo'\n");

	CHECK_INT(rc, DR_EFORMAT);
	CHECK(strstr(err_msg(), "'test.yaml'") != NULL);
	CHECK(strstr(err_msg(), "line 8") != NULL);
	CHECK(strstr(err_msg(), "unknown field 'regx'") != NULL);
	CHECK_INT(rs.n, 0);
	rules_release(&rs);
}

TEST(rules, rejects_bad_values)
{
	struct rules rs = RULES_INIT;
	const char *head = "pack: t\nrules:\n  - id: a\n    category: backdoor\n    title: A\n";
	const char *cases[][2] = {
	    {"    severity: urgent\n    regex: 'x'\n", "unknown severity 'urgent'"},
	    {"    severity: low\n    regex: '(x'\n", "bad rule regex"},
	    {"    severity: low\n    regex: 'x'\n    kind: disk\n", "unknown kind 'disk'"},
	    {"    severity: low\n    regex: 'x'\n    secret-group-name: v\n", "no group 'v'"},
	    {"    severity: low\n    regex: 'x'\n    validate: no-such\n", "unknown validator"},
	    {"    severity: low\n    regex: 'x'\n    window: 0\n", "'window'"},
	    {"    severity: low\n    strings: ['a', 'b']\n    min-strings: 3\n", "min-strings 3"},
	    {"    severity: low\n", "exactly one of 'regex' and 'strings'"},
	    {"    severity: low\n    regex: 'x'\n    list: data/none.txt\n", "unknown list"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[512];

		snprintf(yaml, sizeof(yaml), "%s%s", head, cases[i][0]);
		CHECK_INT(load(&rs, yaml), DR_EFORMAT);
		if (!strstr(err_msg(), cases[i][1]))
			UNIT_FAIL("case %zu: '%s' not in '%s'", i, cases[i][1], err_msg());
		CHECK_INT(rs.n, 0);
	}
	rules_release(&rs);
}

TEST(rules, duplicate_id_and_disable)
{
	struct rules rs = RULES_INIT;
	const char *y = "pack: t\nrules:\n  - {id: a, category: spam, title: A, severity: info, "
	                "regex: x}\n";

	CHECK_INT(load(&rs, y), 0);
	CHECK_INT(load(&rs, y), DR_EFORMAT);
	CHECK(strstr(err_msg(), "duplicate rule id 'a'") != NULL);
	CHECK_INT(rs.n, 1);
	CHECK_INT(rules_disable(&rs, "a"), 0);
	CHECK(rs.v[0].disabled);
	CHECK_INT(rules_disable(&rs, "b"), DR_ENOTFOUND);
	rules_release(&rs);
}

TEST(rules, list_expands_embedded_data)
{
	struct rules rs = RULES_INIT;
	const char *y =
	    "pack: t\nrules:\n  - {id: p, category: cryptominer, title: P, severity: high, "
	    "list: data/mining-pools.txt, regex: '(?:{list})'}\n";

	CHECK_INT(load(&rs, y), 0);
	CHECK(strstr(rs.v[0].regex, "pool\\.supportxmr\\.com") != NULL);
	CHECK(strstr(rs.v[0].regex, "{list}") == NULL);
	CHECK(strstr(rs.v[0].regex, "Source") == NULL); /* comments skipped */
	rules_release(&rs);
}

TEST(rules, load_path_directory_with_relative_list)
{
	struct rules rs = RULES_INIT;
	char dir[] = "/tmp/dredge-rules-XXXXXX", path[256];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/hosts.txt", dir);
	f = fopen(path, "w");
	fputs("# hosts\nevil.example\n\nbad.example\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/mine.yaml", dir);
	f = fopen(path, "w");
	fputs("pack: mine\nrules:\n  - {id: h, category: malicious-host, title: H, severity: high,"
	      " list: hosts.txt, regex: '\\b(?:{list})\\b'}\n",
	      f);
	fclose(f);
	CHECK_INT(rules_load_path(&rs, dir), 0);
	CHECK_INT(rs.n, 1);
	CHECK_STR(rs.v[0].regex, "\\b(?:evil\\.example|bad\\.example)\\b");
	CHECK_STR(rs.v[0].file, path);
	unlink(path);
	snprintf(path, sizeof(path), "%s/hosts.txt", dir);
	unlink(path);
	rmdir(dir);
	CHECK_INT(rules_load_path(&rs, "/nonexistent/rules.yaml"), DR_ENOTFOUND);
	rules_release(&rs);
}

TEST(rules, embedded_packs_load)
{
	struct rules rs = RULES_INIT;

	CHECK_INT(rules_load_embedded(&rs), 0);
	CHECK(rules_find(&rs, "stratum-url") != NULL);
	CHECK(rules_find(&rs, "reverse-shell-dev-tcp") != NULL);
	CHECK(rules_find(&rs, "curl-pipe-shell-ip") != NULL);
	CHECK_INT(rules_find(&rs, "miner-file-name")->kinds, RK_PATH);
	rules_release(&rs);
}
