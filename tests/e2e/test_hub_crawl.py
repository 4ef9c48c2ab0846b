"""`dredge hub crawl` against a local server speaking Docker Hub's API."""
import json
import os
import random
import signal
import subprocess
import time

from lib.hubserver import HubServer, make_repo, make_tags


def line_of(repo, tags):
    """The exact line dredge must write for repo with its tags."""
    o = dict(repo)
    slim = []
    for t in tags[:1000]:
        s = {"name": t["name"]}
        for k in ("last_updated", "digest"):
            if k in t:
                s[k] = t[k]
        slim.append(s)
    o["tags"] = slim
    o["tag_count"] = len(tags)
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"))


def server_with(t, spec):
    """spec: {ns: count}; repo i of ns has i % 4 tags, repo 1 has 130."""
    s = HubServer().start()
    t.defer(s.stop)
    expected = {}
    for ns, n in spec.items():
        lines = []
        for i in range(n):
            tags = make_tags(130 if i == 1 else i % 4, prefix=ns[:1])
            r = s.add(make_repo(ns, "%s-repo-%02d" % (ns, i), i), tags)
            lines.append(line_of(r, tags))
        expected[ns] = lines
    return s, expected


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        data = f.read()
    return data.splitlines(), data


def test_hub_crawl_pagination_and_tags(t):
    s, exp = server_with(t, {"alpha": 23, "beta": 5})
    out = os.path.join(t.tmp, "out.jsonl")
    p = t.dredge("hub", "crawl", "--api", s.url, "--namespace", "alpha", "--namespace", "beta",
                 "--page-size", "5", "--out", out, timeout=120)
    t.exit(p, 0, "crawl")
    lines, data = read_lines(out)
    t.eq(lines, exp["alpha"] + exp["beta"], "every repository, in order, with its tags")
    t.ok(data.endswith("\n"), "last line terminated")
    t.eq(len(s.requests("/v2/repositories/alpha/?")), 5, "alpha listing pages")
    t.eq(len(s.requests("/v2/repositories/beta/?")), 1, "beta listing pages")
    t.eq(len(s.requests("/v2/repositories/alpha/alpha-repo-01/tags/")), 2, "tags pages of the 130-tag repo")
    first = json.loads(lines[1])
    t.eq(first["tag_count"], 130, "tag_count")
    t.eq(first["tags"][129], {"name": "a129", "last_updated": "2023-10-01T00:02:09Z",
                             "digest": "sha256:%064x" % 130}, "last tag")
    t.eq(json.loads(lines[0])["tag_count"], 0, "imageless repository")
    t.contains(p.stderr, "28 repositories in the output (28 new)", "summary")


def test_hub_crawl_no_tags_and_listing_without_full_description(t):
    s, exp = server_with(t, {"gamma": 7})
    s.listing_omits_full_description.add("gamma")
    out = os.path.join(t.tmp, "out.jsonl")
    p = t.dredge("hub", "crawl", "--api", s.url + "/", "--namespace", "gamma", "--no-tags",
                 "--page-size", "3", "--out", out, timeout=120)
    t.exit(p, 0, "crawl")
    lines, _ = read_lines(out)
    want = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in s.namespaces["gamma"]]
    t.eq(lines, want, "full objects fetched one by one, no tag fields")
    t.eq(len(s.requests("/tags/")), 0, "no tag requests")
    t.eq(len(s.requests("/v2/repositories/gamma/gamma-repo-")), 7, "one detail request per repository")


def test_hub_crawl_search_and_duplicates(t):
    s, exp = server_with(t, {"delta": 4})
    lures = []
    for i, ns in enumerate(["synlapoolca1970", "rolirecus1975", "library"]):
        tags = make_tags(2) if ns == "library" else []
        r = s.add(make_repo(ns, "adobe-photoshop-crack-%d" % i, i,
                            description="photoshop crack full version free download"), tags)
        lures.append(line_of(r, tags))
    out = os.path.join(t.tmp, "out.jsonl")
    # delta-repo-02 matches the query too: written once, by the namespace walk.
    p = t.dredge("hub", "crawl", "--api", s.url, "--query", "crack", "--query", "delta-repo-02",
                 "--namespace", "delta", "--page-size", "2", "--out", out, timeout=120)
    t.exit(p, 0, "crawl")
    lines, _ = read_lines(out)
    t.eq(lines, exp["delta"] + [lures[2], lures[1], lures[0]],
         "namespace first, then search hits (sorted by namespace), fetched in full")
    t.eq(len(s.requests("/v2/repositories/library/adobe-photoshop-crack-2/")), 2,
         "official hit 'adobe-photoshop-crack-2' fetched as library/ (detail + tags)")
    t.contains(p.stderr, "1 duplicates", "duplicate counted")


def test_hub_crawl_429_then_success(t):
    s, exp = server_with(t, {"eps": 9})
    s.fault("/v2/repositories/eps/?page=2", "429", x_retry_after_in=3)
    s.fault("/v2/repositories/eps/?page=3", "429", retry_after=2)
    s.fault("/v2/repositories/eps/eps-repo-00/tags/", "429", retry_after_date_in=2)
    s.fault("/v2/repositories/eps/eps-repo-03/tags/", "500")
    out = os.path.join(t.tmp, "out.jsonl")
    p = t.dredge("hub", "crawl", "--api", s.url, "--namespace", "eps", "--page-size", "3",
                 "--out", out, "--retries", "2", timeout=120)
    t.exit(p, 0, "crawl")
    lines, _ = read_lines(out)
    t.eq(lines, exp["eps"], "all repositories after the waits")
    for sub, least in (("/v2/repositories/eps/?page=2", 1.95), ("/v2/repositories/eps/?page=3", 1.95),
                       ("/v2/repositories/eps/eps-repo-00/tags/", 0.95)):
        r = s.requests(sub)
        t.eq([e[2] for e in r], [429, 200], "statuses of %s" % sub)
        t.ok(r[1][0] - r[0][0] >= least, "%s retried after %.2f s, want >= %.2f" % (sub, r[1][0] - r[0][0], least))
    r = s.requests("/v2/repositories/eps/eps-repo-03/tags/")
    t.eq([e[2] for e in r], [503, 200], "5xx retried")
    t.contains(p.stderr, "rate limited by '%s/v2/repositories/eps/?page=2" % s.url, "wait reported")
    t.contains(p.stderr, "3 rate-limit waits", "summary")


def test_hub_crawl_ratelimit_remaining_zero_pauses(t):
    s, exp = server_with(t, {"zeta": 4})
    s.fault("/v2/repositories/zeta/?page=1", "exhaust", rate_reset_in=2)
    out = os.path.join(t.tmp, "out.jsonl")
    p = t.dredge("hub", "crawl", "--api", s.url, "--namespace", "zeta", "--page-size", "4",
                 "--out", out, timeout=120)
    t.exit(p, 0, "crawl")
    t.eq(read_lines(out)[0], exp["zeta"], "output")
    log = s.requests()
    t.eq(log[0][1], "/v2/repositories/zeta/?page=1&page_size=4", "first request")
    gap = log[1][0] - log[0][0]
    t.ok(gap >= 0.95, "next request %.2f s after Remaining: 0, want >= 1 s" % gap)
    t.contains(p.stderr, "rate limit exhausted: waiting", "pause reported")


def test_hub_crawl_time_budget(t):
    s, exp = server_with(t, {"eta": 4})
    s.fault("/v2/repositories/eta/?page=2", "429", retry_after=600)
    out = os.path.join(t.tmp, "out.jsonl")
    t0 = time.monotonic()
    p = t.dredge("hub", "crawl", "--api", s.url, "--namespace", "eta", "--page-size", "2",
                 "--out", out, "--timeout", "5", timeout=60)
    t.exit(p, 7, "429 beyond the time budget")
    t.ok(time.monotonic() - t0 < 4, "gave up without waiting")
    t.contains(p.stderr, "would exceed the crawl's time budget", "message")
    t.eq(read_lines(out)[0], exp["eta"][:2], "first page kept")


def _kill_and_resume(t, s, exp_all, args, block_at, garbage):
    out = os.path.join(t.tmp, "out.jsonl")
    ck = os.path.join(t.tmp, "crawl.ckpt")
    cmd = [t.binary, "hub", "crawl", "--api", s.url, *args, "--out", out, "--checkpoint", ck]
    s.fault(block_at, "block")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        t.ok(s.blocked.wait(60), "crawl reached %s" % block_at)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    t.eq(proc.returncode, -signal.SIGKILL, "killed")
    s.release()
    with open(ck) as f:
        state = json.load(f)
    before, _ = read_lines(out)
    t.eq(state["bytes"], os.path.getsize(out), "checkpoint length matches the output")
    t.eq(state["repos"], len(before), "checkpoint count matches the output")
    # A page written after its checkpoint would leave lines past the recorded
    # length: resume must drop them.
    with open(out, "a") as f:
        f.write(garbage)
    p = t.dredge(*cmd[1:], timeout=120)
    t.exit(p, 0, "resume")
    t.contains(p.stderr, "resumed crawl", "resumed")
    lines, _ = read_lines(out)
    t.eq(len(lines), len(set(lines)), "no repository repeated")
    t.eq(lines, exp_all, "the union is the full set, in order")
    return state, before


def test_hub_crawl_sigkill_between_pages_then_resume(t):
    s, exp = server_with(t, {"alpha": 30, "beta": 6})
    state, before = _kill_and_resume(
        t, s, exp["alpha"] + exp["beta"],
        ["--namespace", "alpha", "--namespace", "beta", "--page-size", "4"],
        "/v2/repositories/alpha/?page=4&", exp["alpha"][12] + "\n" + exp["alpha"][13][:40])
    t.eq(before, exp["alpha"][:12], "three pages written before the kill")
    t.eq(state["next"], s.url + "/v2/repositories/alpha/?page=4&page_size=4", "next page recorded")
    t.eq(state["source"], 0, "still on the first source")
    t.eq(len(s.requests("/v2/repositories/alpha/?page=3&")), 1, "checkpointed pages not fetched again")


def test_hub_crawl_sigkill_inside_a_page_then_resume(t):
    s, exp = server_with(t, {"alpha": 10, "beta": 6})
    # Killed while fetching the tags of the second repository of beta's page 2.
    state, before = _kill_and_resume(
        t, s, exp["alpha"] + exp["beta"],
        ["--namespace", "alpha", "--namespace", "beta", "--page-size", "3"],
        "/v2/repositories/beta/beta-repo-04/tags/", '{"namespace":"beta","name":"beta-repo-03"')
    t.eq(before, exp["alpha"] + exp["beta"][:3], "alpha and beta's first page written")
    t.eq(state["source"], 1, "on the second source")
    t.eq(state["page"], 1, "one page of it done")


def test_hub_crawl_malformed_page_other_namespaces_go_on(t):
    s, exp = server_with(t, {"bad": 9, "good": 4, "nores": 3})
    s.fault("/v2/repositories/bad/?page=2", "malformed", times=None)
    s.fault("/v2/repositories/nores/?page=1", "no-results", times=None)
    s.fault("/v2/search/repositories/?query=good-repo", "malformed", times=None)
    out = os.path.join(t.tmp, "out.jsonl")
    p = t.dredge("hub", "crawl", "--api", s.url, "--namespace", "bad", "--namespace", "nores",
                 "--query", "good-repo", "--namespace", "good", "--namespace", "missing",
                 "--page-size", "4", "--out", out, "--retries", "1", timeout=120)
    t.exit(p, 8, "malformed pages give exit 8")
    lines, _ = read_lines(out)
    t.eq(lines, exp["bad"][:4] + exp["good"], "bad's first page and all of good")
    bad_url = "%s/v2/repositories/bad/?page=2&page_size=4" % s.url
    t.eq(len(s.requests("/v2/repositories/bad/?page=2")), 2, "malformed page fetched again once")
    t.eq(len(s.requests("/v2/repositories/bad/?page=3")), 0, "rest of bad skipped")
    t.contains(p.stderr, "malformed response: '%s': malformed JSON" % bad_url, "error names the url")
    t.contains(p.stderr, "skipping the rest of namespace 'bad'", "what was skipped")
    t.contains(p.stderr, "'%s/v2/repositories/nores/?page=1&page_size=4' has no \"results\" array" % s.url,
               "missing results named")
    t.contains(p.stderr, "namespace 'missing' not found", "404 namespace reported")
    t.contains(p.stderr, "malformed response: '%s/v2/search/repositories/?query=good-repo&page=1&page_size=4': "
               "malformed JSON" % s.url, "search page named")
    t.contains(p.stderr, "skipping the rest of query 'good-repo'", "query skipped")
    t.contains(p.stderr, "3 malformed, 1 not found", "skips counted")


def test_hub_crawl_output_shorter_than_checkpoint(t):
    s, exp = server_with(t, {"alpha": 5})
    out, ck = os.path.join(t.tmp, "out.jsonl"), os.path.join(t.tmp, "ck")
    args = ["hub", "crawl", "--api", s.url, "--namespace", "alpha", "--page-size", "2",
            "--out", out, "--checkpoint", ck, "--max-repos", "3"]
    t.exit(t.dredge(*args, timeout=60), 0, "first part")
    with open(out, "r+") as f:
        f.truncate(10)
    p = t.dredge(*args[:-2], timeout=60)
    t.exit(p, 10, "damaged output")
    t.contains(p.stderr, "'%s' is shorter than checkpoint '%s' records" % (out, ck), "message")


def test_hub_crawl_not_found_only_exit_3(t):
    s, exp = server_with(t, {"one": 2})
    out = os.path.join(t.tmp, "out.jsonl")
    p = t.dredge("hub", "crawl", "--api", s.url, "--namespace", "one", "--namespace", "nobody",
                 "--out", out, timeout=60)
    t.exit(p, 3, "a 404 namespace and nothing malformed")
    t.eq(read_lines(out)[0], exp["one"], "the rest crawled")


def test_hub_crawl_refuses_foreign_next(t):
    s, exp = server_with(t, {"alpha": 6, "beta": 2})
    other = HubServer().start()
    t.defer(other.stop)
    other.add(make_repo("alpha", "planted", 1))
    foreign = "%s/v2/repositories/alpha/?page=2&page_size=3" % other.url
    s.next_override[("alpha", 1)] = foreign
    out = os.path.join(t.tmp, "out.jsonl")
    p = t.dredge("hub", "crawl", "--api", s.url, "--namespace", "alpha", "--namespace", "beta",
                 "--page-size", "3", "--out", out, timeout=60)
    t.exit(p, 8, "foreign link")
    t.contains(p.stderr, "refusing \"next\" link '%s'" % foreign, "clear error")
    t.contains(p.stderr, "not on the API origin '%s'" % s.url, "names the origin")
    t.eq(other.requests(), [], "nothing asked of the other host")
    t.eq(read_lines(out)[0], exp["alpha"][:3] + exp["beta"], "first page and the next namespace")


def test_hub_crawl_max_repos_then_continue(t):
    s, exp = server_with(t, {"alpha": 7})
    out = os.path.join(t.tmp, "out.jsonl")
    ck = os.path.join(t.tmp, "ck")
    args = ["hub", "crawl", "--api", s.url, "--namespace", "alpha", "--page-size", "3",
            "--out", out, "--checkpoint", ck]
    p = t.dredge(*args, "--max-repos", "5", timeout=60)
    t.exit(p, 0, "stopped at --max-repos")
    t.eq(read_lines(out)[0], exp["alpha"][:5], "five repositories")
    p = t.dredge(*args, timeout=60)
    t.exit(p, 0, "continued")
    t.eq(read_lines(out)[0], exp["alpha"], "the rest, nothing repeated")
    p = t.dredge(*args, timeout=60)
    t.exit(p, 0, "finished crawl resumed again")
    t.eq(read_lines(out)[0], exp["alpha"], "unchanged")


def test_hub_crawl_usage(t):
    p = t.dredge("hub", "--help")
    t.exit(p, 0, "hub --help")
    t.contains(p.stdout, "dredge hub crawl", "hub usage")
    t.exit(t.dredge("hub"), 2, "no subcommand")
    p = t.dredge("hub", "dig")
    t.exit(p, 2, "unknown subcommand")
    t.contains(p.stderr, "unknown hub subcommand 'dig'", "message")
    p = t.dredge("hub", "crawl", "--help")
    t.exit(p, 0, "--help")
    t.contains(p.stdout, "Exit status:", "help documents exit codes")
    t.exit(t.dredge("hub", "crawl"), 2, "no source")
    t.exit(t.dredge("hub", "crawl", "--namespace", "x", "--page-size", "101"), 2, "page size")
    t.exit(t.dredge("hub", "crawl", "--namespace", "x", "--checkpoint", os.path.join(t.tmp, "c")),
           2, "checkpoint without --out")
    t.exit(t.dredge("hub", "crawl", "--namespace", "x", "--api", "ftp://h"), 2, "api scheme")
    t.exit(t.dredge("hub", "crawl", "--namespace", "x", "--bogus"), 2, "unknown option")
    s, _ = server_with(t, {"alpha": 1})
    out, ck = os.path.join(t.tmp, "o"), os.path.join(t.tmp, "c2")
    t.exit(t.dredge("hub", "crawl", "--api", s.url, "--namespace", "alpha", "--out", out,
                    "--checkpoint", ck), 0, "crawl")
    p = t.dredge("hub", "crawl", "--api", s.url, "--namespace", "other", "--out", out,
                 "--checkpoint", ck)
    t.exit(p, 2, "checkpoint of another crawl")
    t.contains(p.stderr, "belongs to another crawl", "message")


def test_hub_crawl_killed_repeatedly_at_random_points(t):
    s, exp = server_with(t, {"alpha": 40, "beta": 10})
    s.delay = 0.005
    out = os.path.join(t.tmp, "out.jsonl")
    ck = os.path.join(t.tmp, "crawl.ckpt")
    cmd = [t.binary, "hub", "crawl", "--api", s.url, "--namespace", "alpha", "--namespace", "beta",
           "--page-size", "3", "--out", out, "--checkpoint", ck, "-q"]
    rng = random.Random(1234)
    kills = 0
    for _ in range(200):
        # Each run is killed after a random number of answers (1-12) plus up
        # to 20 ms, so kills land while fetching, writing and checkpointing.
        seen = len(s.requests())
        want = seen + rng.randint(1, 12)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while proc.poll() is None and len(s.requests()) < want and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.02))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(30)
                kills += 1
                lines, data = read_lines(out)
                if data and not data.endswith("\n"):
                    lines.pop()  # a page being written when the kill came
                t.eq(lines, (exp["alpha"] + exp["beta"])[:len(lines)],
                     "output after kill %d is a prefix" % kills)
                continue
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        t.eq(proc.returncode, 0, "last run")
        break
    t.ok(kills >= 5, "killed %d times" % kills)
    lines, _ = read_lines(out)
    t.eq(lines, exp["alpha"] + exp["beta"], "every repository once, in order")


def test_hub_crawl_one_writer_per_output(t):
    s, exp = server_with(t, {"alpha": 4})
    out = os.path.join(t.tmp, "out.jsonl")
    s.fault("/v2/repositories/alpha/?page=1", "block")
    cmd = [t.binary, "hub", "crawl", "--api", s.url, "--namespace", "alpha", "--out", out]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t.ok(s.blocked.wait(60), "first crawl started")
        p = t.dredge(*cmd[1:], timeout=60)
        t.exit(p, 2, "second writer refused")
        t.contains(p.stderr, "cannot lock '%s': another crawl is writing it" % out, "message")
        s.release()
        t.eq(proc.wait(60), 0, "first crawl finished")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    t.eq(read_lines(out)[0], exp["alpha"], "output of the first crawl intact")
