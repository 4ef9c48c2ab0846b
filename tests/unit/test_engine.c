#include "detect/engine.h"
#include "detect/rules.h"
#include "unit.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static const char pack[] =
    "pack: t\n"
    "rules:\n"
    "  - {id: stratum, category: cryptominer, title: S, severity: high, kind: [content, config, "
    "history], regex: 'stratum\\+tcp://[a-z0-9.]+:[0-9]+'}\n"
    "  - {id: tok, category: secret, title: T, severity: high, path: '\\.env$', "
    "regex: 'TOKEN=(?P<v>[A-Z0-9]{40})\\b', secret-group-name: v, "
    "allow-rules: [{id: zeros, regex: '^0+$'}]}\n"
    "  - {id: kw, category: spam, title: K, severity: low, keywords: [magic], "
    "regex: 'word[0-9]+'}\n"
    "  - {id: combo, category: cryptominer, title: C, severity: critical, strong: true, "
    "strings: [alpha, beta, gamma], min-strings: 2}\n"
    "  - {id: preload, category: backdoor, title: P, severity: high, kind: path, "
    "regex: '^etc/ld\\.so\\.preload$'}\n";

struct fx {
	struct rules rs;
	struct engine *e;
	struct engine_scan *s;
	struct findings fs;
};

/* How the engine finds rules: by anchor literals (lit), by a run of a class
 * (run), in the gated database by a rare keyword (gate) or a path filter
 * (pins). */
static const char pack2[] =
    "pack: t2\n"
    "rules:\n"
    "  - {id: lit, category: secret, title: L, severity: high, "
    "regex: '(?i)\\bapikey=(?P<v>[a-z0-9]{24})\\b', secret-group-name: v}\n"
    "  - {id: run, category: cryptominer, title: R, severity: high, "
    "regex: '(?:^|[^a-z])(?P<v>[a-z]{40})(?:$|[^a-z])', secret-group-name: v}\n"
    "  - {id: gate, category: secret, title: G, severity: high, keywords: [quokka], "
    "regex: '\\b(?P<v>Q[0-9]{20})\\b', secret-group-name: v}\n"
    "  - {id: pins, category: secret, title: P, severity: high, path: '\\.pins$', "
    "regex: '(?m)^[a-z]+:(?P<v>[0-9]{6,})$', secret-group-name: v}\n"
    "  - {id: pw, category: secret, title: W, severity: high, validate: password, "
    "regex: 'passwd=(?P<v>[^\\s;]+)', secret-group-name: v}\n";

static int fx_init_pack(struct fx *x, bool show, const char *text)
{
	struct engine_opts o = {.show_secrets = show};
	int rc;

	memset(x, 0, sizeof(*x));
	rc = rules_load_buffer(&x->rs, "t.yaml", text, strlen(text));
	if (!rc)
		rc = engine_compile(&x->e, &x->rs, &o);
	if (!rc)
		rc = engine_scan_new(&x->s, x->e, &x->fs);
	return rc;
}

static int fx_init(struct fx *x, bool show)
{
	return fx_init_pack(x, show, pack);
}

static void fx_release(struct fx *x)
{
	engine_scan_free(x->s);
	engine_free(x->e);
	findings_release(&x->fs);
	rules_release(&x->rs);
}

/* Scans text as one file delivered in chunks of step bytes. */
static int scan(struct fx *x, const char *path, const char *text, size_t len, size_t step)
{
	int rc = engine_file_begin(x->s, path, "sha256:aa", 2);

	for (size_t off = 0; !rc && off < len; off += step)
		rc = engine_file_data(x->s, text + off, len - off < step ? len - off : step);
	if (!rc)
		rc = engine_file_end(x->s);
	return rc;
}

static const struct finding *find(const struct findings *fs, const char *rule)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].rule, rule))
			return &fs->v[i];
	return NULL;
}

TEST(engine, match_across_one_byte_chunks_with_line)
{
	struct fx x;
	const char *t = "first\nsecond\nrun -o stratum+tcp://pool.example.net:3333 now\n";
	const struct finding *f;

	CHECK_INT(fx_init(&x, false), 0);
	CHECK_INT(scan(&x, "opt/run.sh", t, strlen(t), 1), 0);
	f = find(&x.fs, "stratum");
	CHECK(f != NULL);
	CHECK_STR(f->evidence, "stratum+tcp://pool.example.net:3333");
	CHECK_INT(f->n_locs, 1);
	CHECK_INT(f->locs[0].line, 3);
	CHECK_STR(f->locs[0].path, "opt/run.sh");
	CHECK_STR(f->locs[0].layer, "sha256:aa");
	CHECK_INT(f->locs[0].layer_index, 2);
	CHECK_INT(x.fs.n, 1);
	fx_release(&x);
}

TEST(engine, match_after_a_megabyte_and_chunk_sizes)
{
	size_t pad = 1 << 20, steps[] = {7, 4096, 65536, 1 << 21};
	const char *tail = "x stratum+tcp://a.example:1 y\n";
	char *t = malloc(pad + strlen(tail) + 1);

	memset(t, 'q', pad);
	for (size_t i = 99; i < pad; i += 100)
		t[i] = '\n';
	memcpy(t + pad, tail, strlen(tail) + 1);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct fx x;
		const struct finding *f;

		CHECK_INT(fx_init(&x, false), 0);
		CHECK_INT(scan(&x, "big.txt", t, strlen(t), steps[i]), 0);
		f = find(&x.fs, "stratum");
		if (!f || f->locs[0].line != (long)(pad / 100) + 1)
			UNIT_FAIL("step %zu: %s line %ld", steps[i], f ? "found" : "missing",
			          f ? f->locs[0].line : 0L);
		fx_release(&x);
	}
	free(t);
}

TEST(engine, binary_files_have_no_lines)
{
	struct fx x;
	const char t[] = "\x7f"
	                 "ELF\0\0\0\nstratum+tcp://p.example:80\0";

	CHECK_INT(fx_init(&x, false), 0);
	CHECK_INT(scan(&x, "usr/bin/nginx", t, sizeof(t) - 1, 4), 0);
	CHECK(find(&x.fs, "stratum") != NULL);
	CHECK_INT(find(&x.fs, "stratum")->locs[0].line, 0);
	fx_release(&x);
}

TEST(engine, path_filter_allow_rule_and_redaction)
{
	struct fx x;
	const char *v = "TOKEN=ABCDEFGHIJ0123456789ABCDEFGHIJ0123456789\nTOKEN=" /* 40 zeros */
	                "0000000000000000000000000000000000000000\n";
	const struct finding *f;

	CHECK_INT(fx_init(&x, false), 0);
	CHECK_INT(scan(&x, "app/config.txt", v, strlen(v), 5), 0);
	CHECK_NULL(find(&x.fs, "tok")); /* path filter */
	CHECK_INT(scan(&x, "app/.env", v, strlen(v), 5), 0);
	f = find(&x.fs, "tok");
	CHECK(f != NULL);
	CHECK_INT(x.fs.n, 1); /* the zeros value is allowed */
	CHECK(strncmp(f->evidence, "ABCD…[40 chars, sha256:", 23) == 0);
	CHECK(strstr(f->evidence, "0123456789ABCDEFGHIJ") == NULL);
	fx_release(&x);

	CHECK_INT(fx_init(&x, true), 0);
	CHECK_INT(scan(&x, "app/.env", v, strlen(v), 64), 0);
	CHECK_STR(find(&x.fs, "tok")->evidence, "ABCDEFGHIJ0123456789ABCDEFGHIJ0123456789");
	fx_release(&x);
}

TEST(engine, exact_repeat_counts_survive_relaxation)
{
	struct fx x;
	const char *short_v = "TOKEN=ABCDEFGHIJ0123456789ABCDEFGHIJ012345678\n"; /* 39 */

	CHECK_INT(fx_init(&x, false), 0);
	CHECK_INT(scan(&x, ".env", short_v, strlen(short_v), 3), 0);
	CHECK_INT(x.fs.n, 0);
	fx_release(&x);
}

TEST(engine, keywords_strings_and_dedupe)
{
	struct fx x;
	const char *a = "word1 word2\n";
	const char *b = "magic\nword1 word1\n";
	const char *c = "alpha only\n";
	const char *d = "alpha\nbeta\nbeta\n";
	const struct finding *f;

	CHECK_INT(fx_init(&x, false), 0);
	CHECK_INT(scan(&x, "a", a, strlen(a), 100), 0);
	CHECK_NULL(find(&x.fs, "kw"));
	CHECK_INT(scan(&x, "b", b, strlen(b), 100), 0);
	f = find(&x.fs, "kw");
	CHECK(f != NULL);
	CHECK_INT(f->n_locs, 1); /* the same value twice in a file: one location */
	CHECK_INT(f->locs[0].line, 2);
	CHECK_INT(scan(&x, "c", c, strlen(c), 100), 0);
	CHECK_NULL(find(&x.fs, "combo"));
	CHECK_INT(scan(&x, "d", d, strlen(d), 2), 0);
	f = find(&x.fs, "combo");
	CHECK(f != NULL);
	CHECK_STR(f->evidence, "alpha, beta");
	CHECK_INT(f->locs[0].line, 1);
	CHECK(f->strong);
	fx_release(&x);
}

TEST(engine, path_rules_and_strings)
{
	struct fx x;
	const char *cmd = "/bin/m -o stratum+tcp://10.0.0.1:3333";
	const struct finding *f;

	CHECK_INT(fx_init(&x, false), 0);
	CHECK_INT(scan(&x, "etc/ld.so.preload", "", 0, 1), 0);
	f = find(&x.fs, "preload");
	CHECK(f != NULL);
	CHECK_STR(f->locs[0].path, "etc/ld.so.preload");
	CHECK_INT(f->locs[0].line, 0);
	CHECK_INT(engine_scan_string(x.s, RK_HISTORY, "sha256:bb", 1, "history[1].created_by", cmd,
	                             strlen(cmd)),
	          0);
	f = find(&x.fs, "stratum");
	CHECK(f != NULL);
	CHECK_INT(f->locs[0].source, LOC_HISTORY);
	CHECK_STR(f->locs[0].field, "history[1].created_by");
	CHECK_NULL(f->locs[0].path);
	CHECK_INT(engine_scan_string(x.s, RK_PATH, NULL, -1, "x", cmd, strlen(cmd)), DR_EUSAGE);
	CHECK_INT(engine_rule_count(x.e, RK_CONTENT), 4);
	CHECK_INT(engine_rule_count(x.e, RK_PATH), 1);
	fx_release(&x);
}

TEST(engine, embedded_rules_compile)
{
	struct rules rs = RULES_INIT;
	struct engine *e = NULL;

	CHECK_INT(rules_load_embedded(&rs), 0);
	CHECK_INT(engine_compile(&e, &rs, NULL), 0);
	CHECK(engine_rule_count(e, RK_CONTENT) > 20);
	engine_free(e);
	rules_release(&rs);
}

static size_t count(const struct findings *fs, const char *rule)
{
	size_t n = 0;

	for (size_t i = 0; i < fs->n; i++)
		n += !strcmp(fs->v[i].rule, rule);
	return n;
}

TEST(engine, anchor_literal_split_across_chunks)
{
	static const size_t steps[] = {1, 3, 7, 4096};
	const char *t = "x\nAPIKEY=abcdefghijklmnopqrstuvwx and apikey=bbbbbbbbbbbbbbbbbbbbbbbb\n";

	for (size_t k = 0; k < sizeof(steps) / sizeof(*steps); k++) {
		struct fx x;
		const struct finding *f;

		CHECK_INT(fx_init_pack(&x, true, pack2), 0);
		CHECK_INT(scan(&x, "app/conf", t, strlen(t), steps[k]), 0);
		/* two hits close together make one confirm: both values found */
		CHECK_INT(count(&x.fs, "lit"), 2);
		f = find(&x.fs, "lit");
		CHECK_STR(f->evidence, "abcdefghijklmnopqrstuvwx");
		CHECK_INT(f->locs[0].line, 2);
		fx_release(&x);
	}
}

TEST(engine, value_run_checked_before_confirming)
{
	/* "lit" is anchored on apikey= and its value is a run of 24: windows
	 * without such a run are not handed to PCRE2, and one that ends the
	 * file, split anywhere, still is */
	char t[4096];
	size_t n = 0;

	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(t + n, sizeof(t) - n, "apikey=%.23s;\n",
		                      "abcdefghijklmnopqrstuvwxyz");
	n += (size_t)snprintf(t + n, sizeof(t) - n, "apikey=%.24s", "abcdefghijklmnopqrstuvwxyz");
	for (size_t step = 1; step <= 33; step += 4) {
		struct fx x;
		const struct finding *f;

		CHECK_INT(fx_init_pack(&x, true, pack2), 0);
		CHECK_INT(scan(&x, "app/conf", t, n, step), 0);
		CHECK_INT(count(&x.fs, "lit"), 1);
		f = find(&x.fs, "lit");
		CHECK_STR(f->evidence, "abcdefghijklmnopqrstuvwx");
		CHECK_INT(f->locs[0].line, 41);
		fx_release(&x);
	}
}

TEST(engine, class_run_found_in_any_chunking)
{
	static const size_t steps[] = {1, 5, 39, 40, 41, 100000};
	char t[200000];
	size_t n;

	/* a 40-letter word on line 3 after 150 kB of short words; a 39-letter one
	 * and a 60-letter one (the regex wants exactly 40 between non-letters)
	 * are not matches */
	n = 0;
	while (n < 150000) {
		memcpy(t + n, "ab cd\n", 6);
		n += 6;
	}
	n += (size_t)snprintf(t + n, sizeof(t) - n, "%s 1%s2 %s\n",
	                      "abcdefghijklmnopqrstuvwxyzabcdefghijklm",
	                      "abcdefghijklmnopqrstuvwxyzabcdefghijklmn",
	                      "abcdefghijklmnopqrstuvwxyzabcdefghijklmnabcdefghijklmnopqrst");
	for (size_t k = 0; k < sizeof(steps) / sizeof(*steps); k++) {
		struct fx x;
		const struct finding *f;

		CHECK_INT(fx_init_pack(&x, true, pack2), 0);
		CHECK_INT(scan(&x, "app/words", t, n, steps[k]), 0);
		CHECK_INT(count(&x.fs, "run"), 1);
		f = find(&x.fs, "run");
		CHECK_STR(f->evidence, "abcdefghijklmnopqrstuvwxyzabcdefghijklmn");
		CHECK_INT(f->locs[0].line, 25001);
		fx_release(&x);
	}
}

TEST(engine, run_at_the_very_end_of_a_file)
{
	struct fx x;
	const char *t = "-abcdefghijklmnopqrstuvwxyzabcdefghijklmn";

	CHECK_INT(fx_init_pack(&x, true, pack2), 0);
	CHECK_INT(scan(&x, "a", t, strlen(t), 7), 0);
	CHECK_INT(count(&x.fs, "run"), 1);
	fx_release(&x);
}

TEST(engine, gated_rule_needs_its_keyword_or_path)
{
	struct fx x;
	char t[8192];
	const char *tok = "id Q12345678901234567890 end\n";
	size_t n;

	CHECK_INT(fx_init_pack(&x, true, pack2), 0);
	/* no keyword: not reported */
	CHECK_INT(scan(&x, "a", tok, strlen(tok), 3), 0);
	CHECK_INT(count(&x.fs, "gate"), 0);
	/* the keyword 4 kB earlier, in another chunk: reported */
	n = (size_t)snprintf(t, sizeof(t), "a Quokka lives here\n");
	memset(t + n, 'z', 4000);
	n += 4000;
	n += (size_t)snprintf(t + n, sizeof(t) - n, "\n%s", tok);
	CHECK_INT(scan(&x, "b", t, n, 512), 0);
	CHECK_INT(count(&x.fs, "gate"), 1);
	CHECK_STR(find(&x.fs, "gate")->evidence, "Q12345678901234567890");
	CHECK_INT(find(&x.fs, "gate")->locs[0].line, 3);
	/* the keyword in the token's chunk, just before it */
	CHECK_INT(scan(&x, "c", "quokka: Q00000000001111111111\n", 30, 4096), 0);
	CHECK_INT(count(&x.fs, "gate"), 2);
	/* a path filter opens the gate from the first byte */
	CHECK_INT(scan(&x, "etc/app.pins", "host:123456\n", 12, 2), 0);
	CHECK_INT(count(&x.fs, "pins"), 1);
	CHECK_INT(scan(&x, "etc/app.txt", "host:123456\n", 12, 2), 0);
	CHECK_INT(count(&x.fs, "pins"), 1);
	fx_release(&x);
}

TEST(engine, weak_values_in_binaries_are_not_reported)
{
	struct fx x;
	char bin[80] = "\x7f"
	               "ELF\0\0 passwd=q7z9; passwd=Xk9#mQ2$vL7pW3; passwd=changeme; ";
	const char *text = "passwd=q7z9\n";

	CHECK_INT(fx_init_pack(&x, true, pack2), 0);
	CHECK_INT(scan(&x, "usr/bin/x", bin, sizeof(bin), 16), 0);
	/* the strong value, and the placeholder (downgraded, never dropped) */
	CHECK_INT(count(&x.fs, "pw"), 2);
	CHECK_STR(x.fs.v[0].evidence, "Xk9#mQ2$vL7pW3");
	CHECK_INT(x.fs.v[1].status, ST_EXAMPLE);
	/* in text the short value is a weak finding, not dropped */
	CHECK_INT(scan(&x, "etc/x.conf", text, strlen(text), 4), 0);
	CHECK_INT(count(&x.fs, "pw"), 3);
	CHECK_INT(x.fs.v[x.fs.n - 1].severity, SEV_LOW);
	fx_release(&x);
}

/* Text-only rules of each kind: anchored (assign), gated by a keyword (gtxt)
 * or by a path filter (ptxt) and found by a class run (rtxt); akid and kbin
 * (which needs its keyword) run on every file. */
static const char pack3[] =
    "pack: t3\n"
    "rules:\n"
    "  - {id: assign, category: secret, title: A, severity: high, text-only: true, "
    "regex: 'secret_value=(?P<v>[A-Za-z0-9]{12})\\b', secret-group-name: v}\n"
    "  - {id: gtxt, category: secret, title: G, severity: high, text-only: true, "
    "keywords: [wombat], regex: '\\b(?P<v>W[0-9]{20})\\b', secret-group-name: v}\n"
    "  - {id: rtxt, category: cryptominer, title: R, severity: high, text-only: true, "
    "regex: '(?:^|[^a-z])(?P<v>[a-z]{40})(?:$|[^a-z])', secret-group-name: v}\n"
    "  - {id: ptxt, category: secret, title: P, severity: high, text-only: true, "
    "path: '\\.conf$', regex: '(?m)^[a-z]+:(?P<v>[0-9]{6,})$', secret-group-name: v}\n"
    "  - {id: akid, category: secret, title: K, severity: high, "
    "regex: '\\b(?P<v>AKID[A-Z0-9]{16})\\b', secret-group-name: v}\n"
    "  - {id: kbin, category: secret, title: B, severity: high, keywords: [koala], "
    "regex: 'kbin=(?P<v>[0-9]{8})', secret-group-name: v}\n";

static const char pack3_text[] = "secret_value=Ab3dE5gH7jK9 AKIDABCDEFGHIJ012345 wombat "
                                 "W12345678901234567890 qwertyuiopasdfghjklzxcvbnmqwertyuiopasdf\n"
                                 "kbin=12345678\nabc:1234567\n";

/* The file: head bytes, kbin's keyword farther than a window before its
 * value, pack3_text, then a NUL at offset nul (0: none). */
static size_t pack3_file(char *out, size_t cap, const char *head, size_t nul)
{
	size_t n = strlen(head);

	memset(out, 'x', cap);
	memcpy(out, head, n);
	memcpy(out + n, "koala\n", 6);
	n += 6;
	for (size_t i = 0; i < 2000; i++)
		out[n++] = i % 64 == 63 ? '\n' : ' ';
	memcpy(out + n, pack3_text, strlen(pack3_text));
	n += strlen(pack3_text);
	if (nul) {
		for (size_t i = n; i < nul; i++)
			out[i] = i % 64 == 63 ? '\n' : ' ';
		out[nul] = '\0';
		n = nul + 1;
	}
	return n;
}

TEST(engine, text_only_rules_skip_binary_files)
{
	static const size_t steps[] = {1, 7, 4096, 100000};
	static char buf[16384];
	struct fx x;

	CHECK_INT(fx_init_pack(&x, false, pack3), 0);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		size_t n;

		/* text: every rule, with its line after lines held while deciding */
		findings_release(&x.fs);
		n = pack3_file(buf, sizeof(buf), "a\nb\nc\n", 0);
		CHECK_INT(scan(&x, "etc/app.conf", buf, n, steps[k]), 0);
		CHECK_INT(x.fs.n, 6);
		CHECK(find(&x.fs, "assign") && find(&x.fs, "gtxt") && find(&x.fs, "rtxt"));
		CHECK(find(&x.fs, "ptxt") && find(&x.fs, "kbin"));
		CHECK(find(&x.fs, "akid") && find(&x.fs, "akid")->locs[0].line == 3 + 1 + 31 + 1);
		/* an ELF file: akid and kbin only */
		findings_release(&x.fs);
		n = pack3_file(buf, sizeof(buf),
		               "\x7f"
		               "ELF\1\1\1",
		               0);
		buf[5] = '\0';
		CHECK_INT(scan(&x, "etc/app.conf", buf, n, steps[k]), 0);
		CHECK_INT(x.fs.n, 2);
		CHECK(find(&x.fs, "akid") && find(&x.fs, "akid")->locs[0].line == 0);
		CHECK(find(&x.fs, "kbin") != NULL);
		/* text up to a NUL at byte 8191: binary, decided after the matches */
		findings_release(&x.fs);
		n = pack3_file(buf, sizeof(buf), "", 8191);
		CHECK_INT(scan(&x, "etc/app.conf", buf, n, steps[k]), 0);
		CHECK_INT(x.fs.n, 2);
		CHECK(find(&x.fs, "akid") && find(&x.fs, "kbin"));
		/* a NUL at byte 8192, past the probe: text */
		findings_release(&x.fs);
		n = pack3_file(buf, sizeof(buf), "", 8192);
		CHECK_INT(scan(&x, "etc/app.conf", buf, n, steps[k]), 0);
		CHECK_INT(x.fs.n, 6);
		CHECK(find(&x.fs, "akid") && find(&x.fs, "akid")->locs[0].line == 1 + 31 + 1);
	}
	fx_release(&x);
}

/* A rule whose matches may begin far before its anchor (here any amount of
 * whitespace before "> /var/log/wtmp") has a sieve, used once the scan has
 * confirmed the rule ENGINE_SIEVE_AFTER times: windows where its regex
 * cannot match are then not handed to PCRE2, and a match that begins 300
 * bytes before the anchor is still found whole, however the file is
 * chunked. */
TEST(engine, sieve_skips_windows_without_a_match)
{
	static const char wipe[] =
	    "pack: t3\n"
	    "rules:\n"
	    "  - {id: wipe, category: suspicious-build, title: W, severity: medium, "
	    "regex: '(?:\\becho|:)\\s*>\\s*/var/log/wtmp\\b'}\n";
	static const char miss[] = "log to /var/log/wtmpx\n";
	static const size_t chunks[] = {1, 7, 4096};
	char *t = malloc(64 * 1024);
	size_t n = 0;

	/* anchors without a match, 2 KiB apart so that their windows stay apart */
	for (int i = 0; i < 8; i++) {
		n += (size_t)snprintf(t + n, 64 * 1024 - n, "%s", miss);
		memset(t + n, 'z', 2048);
		n += 2048;
		t[n++] = '\n';
	}
	n += (size_t)snprintf(t + n, 64 * 1024 - n, "echo");
	memset(t + n, ' ', 300);
	n += 300;
	n += (size_t)snprintf(t + n, 64 * 1024 - n, "> /var/log/wtmp\n");
	for (size_t i = 0; i < 3; i++) {
		struct fx x;
		const struct finding *f;

		CHECK_INT(fx_init_pack(&x, true, wipe), 0);
		/* one window each: PCRE2 confirms them all, the sieve waits */
		for (int k = 1; k < ENGINE_SIEVE_AFTER; k++)
			CHECK_INT(scan(&x, "log.sh", miss, strlen(miss), chunks[i]), 0);
		CHECK_INT(engine_scan_sieved(x.s), 0);
		CHECK_INT(x.fs.n, 0);
		CHECK_INT(scan(&x, "run.sh", t, n, chunks[i]), 0);
		CHECK_INT(count(&x.fs, "wipe"), 1);
		f = find(&x.fs, "wipe");
		CHECK(!strncmp(f->evidence, "echo    ", 8));
		CHECK_INT(engine_scan_sieved(x.s), 8);
		fx_release(&x);
	}
	free(t);
}

/* Appends "apikey=<24 letters>\n", letters from an LCG seeded with seed. */
static size_t add_apikey(char *out, unsigned seed)
{
	size_t n = 7;

	memcpy(out, "apikey=", n);
	for (int i = 0; i < 24; i++) {
		seed = seed * 1103515245u + 12345u;
		out[n++] = (char)('a' + (seed >> 16) % 26);
	}
	out[n++] = '\n';
	return n;
}

TEST(engine, limits_reached_are_counted_once_per_rule_and_file)
{
	size_t cap = 2100 * 1024, n = 0;
	char *t = malloc(cap);
	struct fx x;

	CHECK_INT(fx_init_pack(&x, false, pack2), 0);
	for (unsigned i = 0; i < ENGINE_MAX_REPORTS + 6; i++)
		n += add_apikey(t + n, i + 1);
	CHECK_INT(scan(&x, "many.txt", t, n, 4096), 0);
	CHECK_INT(count(&x.fs, "lit"), ENGINE_MAX_REPORTS);
	CHECK_INT(engine_scan_capped(x.s), 1);
	/* the limit is a file's: the next file reports again */
	n = add_apikey(t, 1000);
	n += add_apikey(t + n, 1001);
	CHECK_INT(scan(&x, "two.txt", t, n, 4096), 0);
	CHECK_INT(count(&x.fs, "lit"), ENGINE_MAX_REPORTS + 2);
	CHECK_INT(engine_scan_capped(x.s), 1);
	/* matches checked: anchors 1 KiB apart, none a match, one past the limit */
	n = 0;
	for (int i = 0; i <= ENGINE_MAX_CONFIRMS; i++) {
		memcpy(t + n, "apikey=!\n", 9);
		n += 9;
		memset(t + n, '#', 1014);
		n += 1014;
		t[n++] = '\n';
	}
	CHECK(n <= cap);
	CHECK_INT(scan(&x, "checks.txt", t, n, 65536), 0);
	CHECK_INT(engine_scan_capped(x.s), 2);
	CHECK_INT(scan(&x, "checks2.txt", t, n - 1024, 65536), 0);
	CHECK_INT(engine_scan_capped(x.s), 2);
	fx_release(&x);
	free(t);
}
