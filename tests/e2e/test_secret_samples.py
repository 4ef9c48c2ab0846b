"""Secret detection accuracy on labelled samples.

Each sample of tests/data/secret-samples.jsonl (the development set) and
tests/data/secret-holdout.jsonl (samples written for dredge, not taken from
the development set) is written to its own file; one `dredge rules match
--json` run scans them all. Recall: the share of `secret` samples with a
finding of category secret at any severity. False positives: the share of
`not-secret` samples with a secret finding at medium severity or above.

The development set holds each rule's negative examples from its source, and
some of those are another rule's positive examples there (a Slack user token
is a negative example of the bot-token rule): a text labelled `secret`
anywhere in the set counts as a secret, never as a false positive. Both the
raw and the de-duplicated false-positive figures are printed."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
SEVERITIES = ["info", "low", "medium", "high", "critical"]
MIN_RECALL = 0.95
MAX_FP = 0.03


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def scan_samples(t, rows):
    """Writes the samples to files and returns, per row index, the highest
    severity (index into SEVERITIES) of a secret finding, or -1."""
    d = os.path.join(t.tmp, "input")
    os.mkdir(d)
    for i, r in enumerate(rows):
        # each sample in its own directory, under its own file name when it
        # has one (.pgpass, .netrc): path-filtered rules apply
        sub = os.path.join(d, "s%04d" % i)
        os.mkdir(sub)
        with open(os.path.join(sub, r.get("path", "sample.txt")), "w", encoding="utf-8") as f:
            f.write(r["sample"])
    out = t.dredge_json("rules", "match", "--json", d, timeout=300)
    best = [-1] * len(rows)
    for f in out["findings"]:
        if f.get("category") != "secret":
            continue
        sev = SEVERITIES.index(f["severity"])
        locs = f.get("locations") or ([f["location"]] if f.get("location") else [])
        for loc in locs:
            parts = (loc.get("path") or "").split("/")
            if len(parts) >= 2 and parts[-2].startswith("s") and parts[-2][1:].isdigit():
                i = int(parts[-2][1:])
                best[i] = max(best[i], sev)
    return best


def evaluate(t, rows, what):
    best = scan_samples(t, rows)
    secret_texts = {r["sample"] for r in rows if r["label"] == "secret"}
    secrets = [i for i, r in enumerate(rows) if r["label"] == "secret"]
    negatives = [i for i, r in enumerate(rows) if r["label"] != "secret"]
    clean = [i for i in negatives if rows[i]["sample"] not in secret_texts]
    found = [i for i in secrets if best[i] >= 0]
    medium = SEVERITIES.index("medium")
    fp_raw = [i for i in negatives if best[i] >= medium]
    fp = [i for i in clean if best[i] >= medium]
    recall = len(found) / len(secrets)
    fp_share = len(fp) / len(clean) if clean else 0.0
    print("     %s: recall %d/%d = %.1f%%; false positives (medium+) %d/%d = %.1f%% "
          "(raw, counting texts also labelled secret: %d/%d = %.1f%%)" % (
              what, len(found), len(secrets), 100 * recall, len(fp), len(clean),
              100 * fp_share, len(fp_raw), len(negatives),
              100 * len(fp_raw) / max(1, len(negatives))))
    for i in secrets:
        if best[i] < 0:
            print("     missed %s: %r" % (rows[i].get("rule", ""), rows[i]["sample"][:100]))
    for i in fp:
        print("     false positive (%s) %s: %r" % (SEVERITIES[best[i]], rows[i].get("rule", ""),
                                                   rows[i]["sample"][:100]))
    t.ok(recall >= MIN_RECALL, "%s recall %.1f%% below %.0f%%" % (what, 100 * recall, 100 * MIN_RECALL))
    t.ok(fp_share <= MAX_FP, "%s false positives %.1f%% above %.0f%%" % (what, 100 * fp_share, 100 * MAX_FP))


def test_secret_samples_development_set(t):
    evaluate(t, load("secret-samples.jsonl"), "development set")


def test_secret_samples_holdout_set(t):
    evaluate(t, load("secret-holdout.jsonl"), "held-out set")
