"""bench/yara/dredge-equiv.yar, the YARA side of bench/scan: it is what
bench/yara/gen.py generates from the built-in rule packs now, it compiles,
it has one rule per built-in content rule, and every example of every rule
is matched by that rule's YARA translation."""
import importlib.util
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
YAR = os.path.join(ROOT, "bench", "yara", "dredge-equiv.yar")

# Examples YARA cannot match, as (rule id, example index), each with the
# reason. Empty: every example is translatable.
UNTRANSLATABLE = {}


def _gen():
    spec = importlib.util.spec_from_file_location("yara_gen", os.path.join(ROOT, "bench", "yara", "gen.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rule_names(text):
    return [ln.split()[1] for ln in text.splitlines() if ln.startswith("rule ")]


def test_committed_rules_are_current(t):
    gen = _gen()
    with open(YAR, encoding="utf-8") as f:
        committed = f.read()
    t.ok(committed == gen.generate(ROOT),
         "bench/yara/dredge-equiv.yar is stale: run python3 bench/yara/gen.py")


def test_rules_compile(t):
    p = subprocess.run(["yara", "-w", YAR, "/dev/null"], capture_output=True, text=True, timeout=120)
    t.eq((p.returncode, p.stderr), (0, ""), "yara -w dredge-equiv.yar /dev/null")


def test_reader_agrees_with_dredge(t):
    # gen.py reads the packs with its own YAML reader: it must see the rules,
    # kinds and examples dredge sees
    gen = _gen()
    listed = t.dredge_json("rules", "list", "--json")["rules"]
    mine = gen.load_rules(ROOT)
    t.eq([r["id"] for r in mine], [r["id"] for r in listed], "rule ids in order")
    for a, b in zip(mine, listed):
        t.eq(sorted(gen.kinds_of(a)), sorted(b["kind"]), "kinds of %s" % a["id"])
        t.eq(len(gen.examples_of(a)), b["examples"], "examples of %s" % a["id"])
        t.eq(len(gen.examples_of(a, "negative_examples")), b["negative_examples"],
             "negative examples of %s" % a["id"])


def test_every_content_rule_translated(t):
    gen = _gen()
    listed = t.dredge_json("rules", "list", "--json")["rules"]
    want = [gen.yara_name(r["id"]) for r in listed if "content" in r["kind"]]
    with open(YAR, encoding="utf-8") as f:
        got = _rule_names(f.read())
    t.ok(len(want) > 150, "content rules: %d" % len(want))
    t.eq(got, want, "YARA rules, one per content rule in order")


def test_examples_matched(t):
    gen = _gen()
    rules = gen.load_rules(ROOT)
    d = os.path.join(t.tmp, "examples")
    os.mkdir(d)
    files = gen.write_examples(rules, d)
    hits = gen.yara_hits(YAR, d)
    missed = []
    n = 0
    for fn, (rid, tag, i, _path) in sorted(files.items()):
        if tag != "pos":
            continue
        n += 1
        if gen.yara_name(rid) not in hits.get(fn, set()) and (rid, i) not in UNTRANSLATABLE:
            missed.append("%s example %d" % (rid, i))
    t.ok(n > 300, "examples: %d" % n)
    t.eq(missed, [], "examples the YARA rules miss")
    # a sanity check of the check: a file matching nothing matches no rule
    clean = os.path.join(t.tmp, "clean")
    os.mkdir(clean)
    with open(os.path.join(clean, "a.txt"), "w") as f:
        f.write("hello world\n")
    t.eq(gen.yara_hits(YAR, clean), {}, "hits on a clean file")


def test_translation_cases(t):
    # PCRE2 (MULTILINE, byte mode) constructs and their exact YARA forms
    gen = _gen()
    cases = [
        (r"(?i)\bstratum\+tcp://", ([r"\bstratum\+tcp:\/\/"], True)),
        (r"(?:^|[;&])\s*history -c", ([r"((^|\n)|[&;])\s*history -c"], False)),
        (r"^a$", ([r"(^|\n)a(\n|$)"], False)),
        (r"(?<=>|tee )/etc/x", ([r"(>|tee )\/etc\/x"], False)),
        (r"(?<![A-Za-z0-9])AKIA[A-Z0-9]{16}(?![a-z])", ([r"(^|[^0-9A-Za-z])AKIA[0-9A-Z]{16}([^a-z]|$)"], False)),
        (r"key(?i)[a-c]x", ([r"key[A-Ca-c][Xx]"], False)),
        (r"(?P<s>ab)+?c{2}", ([r"(ab)+?c{2}?"], False)),
        (r"[^\n]{0,3}", ([r"[^\n]{0,3}"], False)),
        ("caf\u00e9", ([r"caf\xc3\xa9"], False)),
        (r"a+?\Z", ([r"a+?(\n$|$)"], False)),
    ]
    for pcre, want in cases:
        bodies, nocase, _notes = gen.translate(pcre)
        t.eq((bodies, nocase), want, "translation of %r" % pcre)
    # a lookaround in the middle is dropped and noted
    bodies, _, notes = gen.translate(r"a(?!b)c")
    t.eq((bodies, notes), (["ac"], ["negative lookahead dropped"]), "dropped lookahead")
    # an alternation too large for one YARA regex is split over strings
    # that each compile and together match the same hosts
    hosts = ["h%03d.example.com" % i for i in range(300)]
    bodies, nocase, notes = gen.translate(r"(?i)(?:^|[^a-z])(?:%s)\b" % "|".join(
        h.replace(".", r"\.") for h in hosts))
    t.ok(len(bodies) >= 3 and nocase, "split into %d strings" % len(bodies))
    t.eq(notes, ["alternation of 300 branches split over %d strings" % len(bodies)], "notes")
    yar = os.path.join(t.tmp, "split.yar")
    with open(yar, "w") as f:
        f.write("rule split { strings: %s condition: any of them }\n" % " ".join(
            "$re%d = /%s/ nocase" % (i, b) for i, b in enumerate(bodies)))
    d = os.path.join(t.tmp, "hosts")
    os.mkdir(d)
    for h in (hosts[0], hosts[150], hosts[299], "h300.example.com"):
        with open(os.path.join(d, h), "w") as f:
            f.write("pool=%s:3333\n" % h.upper())
    t.eq(sorted(os.path.basename(x) for x in gen.yara_hits(yar, d)),
         sorted([hosts[0], hosts[150], hosts[299]]), "hosts matched by the split strings")
    # constructs YARA has no equivalent for are refused, never guessed
    for pcre in (r"(a)\1", r"\p{L}", r"a++", r"(?x) a"):
        try:
            gen.translate(pcre)
            t.ok(False, "%r translated" % pcre)
        except gen.Untranslatable:
            pass


def test_yaml_reader(t):
    gen = _gen()
    doc = gen.yaml_load(
        "pack: p  # comment\n"
        "rules:\n"
        "  - id: a\n"
        "    kind: [content, config]\n"
        "    regex: 'it''s \\d'\n"
        "    examples:\n"
        "      - \"tab\\there\\n\\x41\"\n"
        "      - {text: 'x: y', path: 'etc/a'}\n"
        "    negative_examples:\n"
        "    - plain text\n", "t.yaml")
    t.eq(doc, {"pack": "p", "rules": [{
        "id": "a", "kind": ["content", "config"], "regex": "it's \\d",
        "examples": ["tab\there\nA", {"text": "x: y", "path": "etc/a"}],
        "negative_examples": ["plain text"]}]}, "parsed pack")
    for bad in ("a: |\n  block\n", "a: &x 1\n", "a: 'open\n", "a: b\na: c\n"):
        try:
            gen.yaml_load(bad, "bad.yaml")
            t.ok(False, "%r parsed" % bad)
        except gen.YamlError:
            pass
