"""dredge hub classify on a labelled synthetic corpus (tests/data/gen-hub-corpus.py):
precision and recall per class and campaign-type purity, each at least 0.95;
plus the input forms (gzip, API pages, bad lines), the feed and the options."""
import gzip
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict

from lib.marks import slow

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "data", "gen-hub-corpus.py")
CLASSES = ("phishing", "spam", "clean")
TYPES = {"downloader", "ebook-phishing", "website-seo", "other"}


def corpus(t, count=6000, seed=20240501, name="corpus.jsonl"):
    path = os.path.join(t.tmp, name)
    subprocess.run([sys.executable, GEN, "--count", str(count), "--seed", str(seed), "--out", path],
                   check=True, timeout=300)
    with open(path, encoding="utf-8") as f:
        labels = [json.loads(line)["_label"] for line in f]
    return path, labels


def classify(t, *args):
    p = t.dredge("hub", "classify", "--format", "json", "--campaigns", *args, timeout=600)
    t.exit(p, 0, "hub classify")
    repos, campaigns = [], {}
    for line in p.stdout.splitlines():
        obj = json.loads(line)
        if "campaign" in obj and isinstance(obj["campaign"], dict):
            campaigns[obj["campaign"]["id"]] = obj["campaign"]
        else:
            repos.append(obj)
    return repos, campaigns, p


def score(t, labels, repos, campaigns, what):
    t.eq(len(repos), len(labels), "%s: one verdict per repository" % what)
    tp, fp, fn = Counter(), Counter(), Counter()
    for lab, got in zip(labels, repos):
        want, have = lab["class"], got["verdict"]
        if want == have:
            tp[want] += 1
        else:
            fp[have] += 1
            fn[want] += 1
    worst = 1.0
    lines = []
    for c in CLASSES:
        p = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 0.0
        r = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 0.0
        worst = min(worst, p, r)
        lines.append("%-9s precision %.4f recall %.4f (tp %d, fp %d, fn %d)" % (c, p, r, tp[c], fp[c], fn[c]))
    # campaign-type purity: members whose true campaign type is the campaign's label
    members = defaultdict(list)
    for lab, got in zip(labels, repos):
        if got["campaign"] is not None:
            members[got["campaign"]].append(lab["campaign"])
    in_camp = sum(len(v) for v in members.values())
    agree = sum(sum(1 for m in v if m == campaigns[cid]["type"]) for cid, v in members.items())
    purity = agree / in_camp if in_camp else 0.0
    # how much of each true campaign type ended up in a campaign of that type
    truth = Counter(lab["campaign"] for lab in labels if lab["campaign"])
    covered = Counter(lab["campaign"] for lab, got in zip(labels, repos)
                      if got["campaign"] is not None and lab["campaign"] == campaigns[got["campaign"]]["type"])
    lines.append("campaign-type purity %.4f (%d of %d members, %d campaigns)" % (purity, agree, in_camp, len(campaigns)))
    for k in sorted(truth):
        lines.append("  %-15s %5d repositories, %5d in a campaign of that type" % (k, truth[k], covered[k]))
    print("\n".join("     [%s] %s" % (what, l) for l in lines), flush=True)
    t.ok(worst >= 0.95, "%s: a precision or recall below 0.95:\n%s" % (what, "\n".join(lines)))
    t.ok(purity >= 0.95, "%s: campaign-type purity %.4f below 0.95" % (what, purity))
    for c in campaigns.values():
        t.ok(c["type"] in TYPES, "campaign type %r" % c["type"])
        t.ok(c["repositories"] >= 10 and c["accounts"] >= 1, "campaign sizes %r" % c)


@slow
def test_hub_classify_corpus_precision_recall(t):
    path, labels = corpus(t)
    repos, campaigns, _ = classify(t, path)
    score(t, labels, repos, campaigns, "seed 20240501")
    types = {c["type"] for c in campaigns.values()}
    t.ok({"downloader", "ebook-phishing", "website-seo"} <= types, "all three campaign types found: %r" % types)


@slow
def test_hub_classify_corpus_other_seed(t):
    # a corpus the classifier was never looked at with
    path, labels = corpus(t, count=8000, seed=7, name="other.jsonl")
    repos, campaigns, _ = classify(t, path)
    score(t, labels, repos, campaigns, "seed 7")


@slow
def test_hub_classify_corpus_large(t):
    # ten times more repositories: campaigns must not chain into each other
    path, labels = corpus(t, count=60000, seed=11, name="large.jsonl")
    repos, campaigns, _ = classify(t, path)
    score(t, labels, repos, campaigns, "seed 11, 60k")


def test_hub_classify_small_json_and_feed(t):
    path, labels = corpus(t, count=600, seed=3)
    feed = os.path.join(t.tmp, "feed.txt")
    repos, campaigns, _ = classify(t, path, "--feed", feed, "--min-campaign-size", "5")
    t.eq(len(repos), 600, "repositories")
    for r in repos:
        t.ok(set(r) == {"repository", "verdict", "reasons", "findings", "campaign"}, "keys %r" % sorted(r))
        if r["verdict"] == "clean":
            t.ok(all(f["category"] == "typosquat" for f in r["findings"]), "clean repository findings %r" % r)
        else:
            t.ok(r["reasons"] and r["findings"], "malicious repository explains itself: %r" % r)
            for f in r["findings"]:
                t.ok(f["category"] in ("phishing", "spam", "typosquat"), "category %r" % f["category"])
                t.eq(f["locations"][0]["source"], "metadata", "finding location")
    with open(feed) as f:
        listed = f.read().split()
    bad = [r["repository"] for r in repos if r["verdict"] != "clean"]
    t.eq(sorted(listed), sorted(bad), "feed lists exactly the malicious repositories")


def test_hub_classify_gzip_pages_and_bad_lines(t):
    objs = [
        {"namespace": "synlapoolca1970", "name": "adobe-photoshop-2021-crack", "description": "",
         "full_description": "Adobe Photoshop 2021 crack + keygen full version free download\n\n**MIRROR1** "
         "[Download](https://www.google.com/url?q=https%3A%2F%2Ftlniurl.com%2F2uM9nR&sa=D&sntz=1)",
         "tag_count": 0, "pull_count": 0, "date_registered": "2021-03-04T05:06:07.000000Z"},
        {"namespace": "grafana", "name": "grafana", "description": "The open observability platform",
         "full_description": "Docs: https://grafana.com/docs/ Source: https://github.com/grafana/grafana",
         "tag_count": 120, "pull_count": 1000000000},
    ]
    lines = [json.dumps(objs[0]), "{not json", json.dumps({"name": "x"}), json.dumps(objs[1])]
    gz = os.path.join(t.tmp, "dump.jsonl.gz")
    with gzip.open(gz, "wt") as f:
        f.write("\n".join(lines) + "\n")
    p = t.dredge("hub", "classify", "--format", "json", gz)
    t.exit(p, 0, "gzip dump")
    got = [json.loads(l) for l in p.stdout.splitlines()]
    t.eq([g["repository"] for g in got], ["synlapoolca1970/adobe-photoshop-2021-crack", "grafana/grafana"], "repositories")
    t.eq([g["verdict"] for g in got], ["phishing", "clean"], "verdicts")
    t.contains(p.stderr, "dump.jsonl.gz:2: malformed JSON", "bad line reported with its number")
    t.contains(p.stderr, "dump.jsonl.gz:3: no 'namespace'", "missing namespace reported")
    rules = {f["rule"] for f in got[0]["findings"]}
    t.ok({"hub-lure-warez", "hub-link-open-redirect", "hub-generated-account"} <= rules, "rules %r" % rules)
    ev = [f["evidence"] for f in got[0]["findings"] if f["rule"] == "hub-link-open-redirect"]
    t.eq(ev, ["google.com>tlniurl.com"], "the redirect is unwrapped to its target")
    # the API's pages: one per line, and one pretty-printed page
    page = {"count": 2, "next": None, "results": objs}
    pages = os.path.join(t.tmp, "pages.json")
    with open(pages, "w") as f:
        json.dump(page, f, indent=2)
    p = t.dredge("hub", "classify", "--format", "json", pages)
    t.exit(p, 0, "pretty page")
    t.eq([json.loads(l)["verdict"] for l in p.stdout.splitlines()], ["phishing", "clean"], "page verdicts")
    p = t.dredge("hub", "classify", pages)
    t.exit(p, 0, "table")
    t.contains(p.stdout, "phishing       1", "table counts")


def test_hub_classify_usage(t):
    t.exit(t.dredge("hub", "classify"), 2, "no dump")
    t.exit(t.dredge("hub", "classify", "--format", "xml", "x"), 2, "bad format")
    t.exit(t.dredge("hub", "classify", "--min-campaign-size", "0", "x"), 2, "bad size")
    t.exit(t.dredge("hub", "classify", os.path.join(t.tmp, "missing.jsonl")), 3, "missing dump")
    p = t.dredge("hub", "classify", "--help")
    t.exit(p, 0, "help")
    t.contains(p.stdout, "--min-campaign-size", "help text")
