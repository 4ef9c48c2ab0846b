#include "unit.h"
#include "util/err.h"
#include "verdict/ignore.h"
#include "verdict/verdict.h"

static void add(struct findings *fs, const char *rule, enum category c, enum severity s,
                bool strong, enum finding_status st, const char *path, long layer)
{
	struct finding f;

	finding_init(&f, rule, c, s, rule);
	f.strong = strong;
	f.status = st;
	if (path)
		finding_add_location(&f, LOC_FILE, "sha256:l", layer, path, 1, NULL);
	else
		finding_add_location(&f, LOC_CONFIG, NULL, -1, NULL, 0, "Cmd");
	finding_set_evidence(&f, rule, strlen(rule));
	findings_add(fs, &f);
}

TEST(verdict, classes)
{
	struct findings fs = {0};
	struct verdict v;

	verdict_compute(&v, &fs);
	CHECK_INT(v.cls, VERDICT_CLEAN);
	CHECK_INT(v.max_severity, -1);
	CHECK_INT(v.n_reasons, 0);
	verdict_release(&v);

	/* low and info alone: clean */
	add(&fs, "upx", CAT_SUSPICIOUS_BUILD, SEV_LOW, false, ST_ACTIVE, "bin/x", 0);
	add(&fs, "hist", CAT_SECRET, SEV_INFO, false, ST_ACTIVE, "root/.bash_history", 0);
	/* package-shipped medium and example high: not counting; the example
	 * high makes it suspicious */
	add(&fs, "setuid", CAT_BACKDOOR, SEV_MEDIUM, false, ST_PACKAGE_SHIPPED, "bin/su", 0);
	verdict_compute(&v, &fs);
	CHECK_INT(v.cls, VERDICT_CLEAN);
	CHECK_INT(v.max_severity, SEV_LOW);
	verdict_release(&v);
	/* a strong package-shipped finding never makes it malicious */
	add(&fs, "key", CAT_SECRET, SEV_CRITICAL, true, ST_PACKAGE_SHIPPED, "usr/share/k", 0);
	verdict_compute(&v, &fs);
	CHECK_INT(v.cls, VERDICT_SUSPICIOUS);
	CHECK_INT(v.n_reasons, 1);
	CHECK(v.categories[CAT_SECRET]);
	verdict_release(&v);
	/* weak medium: suspicious */
	add(&fs, "algo", CAT_CRYPTOMINER, SEV_MEDIUM, false, ST_ACTIVE, NULL, -1);
	verdict_compute(&v, &fs);
	CHECK_INT(v.cls, VERDICT_SUSPICIOUS);
	CHECK_INT(v.n_reasons, 2);
	CHECK(v.categories[CAT_CRYPTOMINER]);
	verdict_release(&v);
	/* strong removed-in-later-layer: malicious; reasons only the strong one */
	add(&fs, "aws", CAT_SECRET, SEV_CRITICAL, true, ST_REMOVED, "srv/.env", 1);
	verdict_compute(&v, &fs);
	CHECK_INT(v.cls, VERDICT_MALICIOUS);
	CHECK_INT(v.n_reasons, 1);
	CHECK_STR(
	    v.reasons[0],
	    "secret: aws in srv/.env (layer 1) [removed in a later layer, still in the image]");
	CHECK(v.categories[CAT_SECRET]);
	CHECK(!v.categories[CAT_CRYPTOMINER]);
	CHECK_INT(v.max_severity, SEV_CRITICAL);
	verdict_release(&v);
	findings_release(&fs);
}

TEST(verdict, typosquat_with_malicious_content_is_strong)
{
	struct findings fs = {0};
	struct verdict v;

	add(&fs, "typosquat-official-name-reuse", CAT_TYPOSQUAT, SEV_LOW, false, ST_ACTIVE, NULL,
	    -1);
	verdict_compute(&v, &fs);
	CHECK_INT(v.cls, VERDICT_CLEAN);
	CHECK(!fs.v[0].strong);
	verdict_release(&v);
	add(&fs, "leak", CAT_SECRET, SEV_HIGH, false, ST_ACTIVE, "a", 0);
	verdict_compute(&v, &fs);
	CHECK_INT(v.cls, VERDICT_SUSPICIOUS); /* a secret is not malicious content */
	CHECK(!fs.v[0].strong);
	verdict_release(&v);
	add(&fs, "pool", CAT_CRYPTOMINER, SEV_MEDIUM, false, ST_ACTIVE, NULL, -1);
	verdict_compute(&v, &fs);
	CHECK_INT(v.cls, VERDICT_MALICIOUS);
	CHECK(fs.v[0].strong);
	CHECK(v.categories[CAT_TYPOSQUAT]);
	CHECK_INT(v.n_reasons, 1);
	verdict_release(&v);
	verdict_error(&v, "cannot read blob 'sha256:ab': digest mismatch");
	CHECK_INT(v.cls, VERDICT_ERROR);
	CHECK_STR(verdict_class_name(v.cls), "error");
	CHECK_STR(v.reasons[0], "cannot read blob 'sha256:ab': digest mismatch");
	verdict_release(&v);
	findings_release(&fs);
}

TEST(ignore, lines_and_yaml)
{
	static const char lines[] = "# accepted\n"
	                            "aws-access-key-id srv/fixtures-* # test data\n"
	                            "* - sha256:abc\n"
	                            "\n";
	static const char yaml[] = "ignore:\n"
	                           "  - rule: upx\n"
	                           "    reason: we pack our own tools\n"
	                           "  - path: \"opt/*\"\n";
	struct ignore_list l = {0}, y = {0}, bad = {0};
	struct findings fs = {0};
	struct finding f;

	CHECK_INT(ignore_parse(&l, "i.txt", lines, strlen(lines)), 0);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.v[0].rule, "aws-access-key-id");
	CHECK_STR(l.v[0].path, "srv/fixtures-*");
	CHECK_STR(l.v[0].reason, "test data");
	CHECK(l.v[1].rule == NULL && l.v[1].path == NULL);
	CHECK_STR(l.v[1].fingerprint, "sha256:abc");
	CHECK_INT(ignore_parse(&y, "i.yaml", yaml, strlen(yaml)), 0);
	CHECK_INT(y.n, 2);
	CHECK_STR(y.v[0].reason, "we pack our own tools");
	CHECK_INT(ignore_parse(&bad, "b.yaml", "ignore:\n  - colour: red\n", 24), DR_EFORMAT);

	/* one location ignored of two: the finding stays with the other */
	finding_init(&f, "aws-access-key-id", CAT_SECRET, SEV_HIGH, "t");
	finding_add_location(&f, LOC_FILE, NULL, 0, "srv/fixtures-a/k", 1, NULL);
	finding_add_location(&f, LOC_FILE, NULL, 1, "srv/app/.env", 1, NULL);
	finding_set_secret(&f, "AKIAZ5Q4XN7W3BF2XVUP", 20, false);
	findings_add(&fs, &f);
	add(&fs, "upx", CAT_SUSPICIOUS_BUILD, SEV_LOW, false, ST_ACTIVE, "bin/x", 0);
	add(&fs, "other", CAT_SUSPICIOUS_BUILD, SEV_LOW, false, ST_ACTIVE, "opt/x", 0);
	add(&fs, "kept", CAT_SUSPICIOUS_BUILD, SEV_LOW, false, ST_ACTIVE, "bin/y", 0);
	CHECK_INT(ignore_apply(&l, &fs), 0);
	CHECK_INT(fs.v[0].n_locs, 1);
	CHECK_STR(fs.v[0].locs[0].path, "srv/app/.env");
	CHECK_INT(ignore_apply(&y, &fs), 2);
	CHECK_INT(fs.n, 2);
	CHECK_STR(fs.v[1].rule, "kept");
	findings_release(&fs);
	ignore_release(&l);
	ignore_release(&y);
	ignore_release(&bad);
}

static void add_secret(struct findings *fs, const char *rule, enum severity s,
                       enum finding_status st, const char *value, const char *path)
{
	struct finding f;

	finding_init(&f, rule, CAT_SECRET, s, rule);
	f.status = st;
	finding_add_location(&f, LOC_FILE, "sha256:l", 0, path, 3, NULL);
	finding_set_secret(&f, value, strlen(value), false);
	findings_add(fs, &f);
}

TEST(findings, one_value_matched_by_several_rules_is_one_finding)
{
	struct findings fs = {0};

	add_secret(&fs, "generic-secret", SEV_MEDIUM, ST_ACTIVE, "9dKqZ2", "root/.aws/credentials");
	add_secret(&fs, "aws-secret-access-key", SEV_CRITICAL, ST_ACTIVE, "9dKqZ2",
	           "root/.aws/credentials");
	add_secret(&fs, "generic-secret", SEV_MEDIUM, ST_ACTIVE, "9dKqZ2", "srv/app/.env");
	add_secret(&fs, "generic-secret", SEV_LOW, ST_ACTIVE, "AKIAIOSFODNN7EXAMPLE", "a");
	add_secret(&fs, "aws-access-key-id", SEV_INFO, ST_EXAMPLE, "AKIAIOSFODNN7EXAMPLE", "a");
	add_secret(&fs, "other", SEV_HIGH, ST_ACTIVE, "different", "b");
	CHECK_INT(fs.n, 5); /* the same rule and value merge as they are added */
	findings_fold_values(&fs, 0);
	CHECK_INT(fs.n, 3);
	/* the most severe rule, with every place the value was seen */
	CHECK_STR(fs.v[0].rule, "aws-secret-access-key");
	CHECK_INT(fs.v[0].n_locs, 2);
	/* a rule that knows the value is a documented example wins */
	CHECK_STR(fs.v[1].rule, "aws-access-key-id");
	CHECK_INT(fs.v[1].status, ST_EXAMPLE);
	CHECK_STR(fs.v[2].rule, "other");
	findings_release(&fs);
}

static bool drop_rule(struct finding *f, size_t pos, void *ctx)
{
	(void)pos;
	return !strcmp(f->rule, (const char *)ctx);
}

TEST(findings, merging_stays_true_after_drops_folds_and_moves)
{
	struct findings fs = {0}, other = {0};

	/* the same place twice is one location; places keep their order */
	for (int i = 0; i < 3; i++) {
		add_secret(&fs, "a", SEV_LOW, ST_ACTIVE, "v1", "p/one");
		add_secret(&fs, "a", SEV_LOW, ST_ACTIVE, "v1", i == 1 ? "p/two" : "p/one");
	}
	CHECK_INT(fs.n, 1);
	CHECK_INT(fs.v[0].n_locs, 2);
	CHECK_STR(fs.v[0].locs[1].path, "p/two");
	/* after a drop, adding merges into the finding at its new position */
	add_secret(&fs, "b", SEV_LOW, ST_ACTIVE, "v2", "p/b");
	add_secret(&fs, "c", SEV_LOW, ST_ACTIVE, "v3", "p/c");
	CHECK_INT(findings_drop(&fs, drop_rule, (void *)"a"), 1);
	CHECK_INT(fs.n, 2);
	add_secret(&fs, "c", SEV_HIGH, ST_ACTIVE, "v3", "p/c2");
	CHECK_INT(fs.n, 2);
	CHECK_STR(fs.v[1].rule, "c");
	CHECK_INT(fs.v[1].n_locs, 2);
	CHECK_INT(fs.v[1].severity, SEV_HIGH);
	/* a fold leaves the more severe rule in the first one's place: adding
	 * that rule's value again merges into it */
	add_secret(&fs, "d", SEV_CRITICAL, ST_ACTIVE, "v2", "p/d");
	findings_fold_values(&fs, 0);
	CHECK_INT(fs.n, 2);
	CHECK_STR(fs.v[0].rule, "d");
	add_secret(&fs, "d", SEV_CRITICAL, ST_ACTIVE, "v2", "p/d2");
	CHECK_INT(fs.n, 2);
	CHECK_INT(fs.v[0].n_locs, 3);
	/* a move empties its source, which then starts afresh */
	add_secret(&other, "c", SEV_LOW, ST_ACTIVE, "v3", "p/c3");
	add_secret(&other, "e", SEV_LOW, ST_ACTIVE, "v4", "p/e");
	findings_move(&fs, &other);
	CHECK_INT(other.n, 0);
	CHECK_INT(fs.n, 3);
	CHECK_INT(fs.v[1].n_locs, 3);
	add_secret(&other, "c", SEV_LOW, ST_ACTIVE, "v3", "p/c3");
	CHECK_INT(other.n, 1);
	CHECK_INT(other.v[0].n_locs, 1);
	findings_release(&fs);
	findings_release(&other);
}
