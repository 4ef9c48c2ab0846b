"""`dredge name`: typosquat checks of repository names, output and exit codes."""
import json


def test_name_clean_names_exit_0(t):
    names = ["bitnami/nginx", "nginxinc/nginx-unprivileged", "grafana/grafana",
             "redis/redis-stack", "nginx", "docker.io/library/ubuntu:22.04",
             "someuser/python-app", "someuser/node-exporter", "jc21/nginx-proxy-manager"]
    p = t.dredge("name", *names)
    t.exit(p, 0, "all clean")
    t.eq(p.stdout.splitlines(), ["ok   " + n for n in names], "one ok line a name")
    t.eq(p.stderr, "", "stderr")


def test_name_report_and_typos_exit_1(t):
    p = t.dredge("name", "someuser/liferay", "ngnix", "grafana/grafana", "postgress",
                 "quay.io/libary/nginx:latest")
    t.exit(p, 1, "a typosquat")
    lines = p.stdout.splitlines()
    t.eq(len(lines), 5, "lines")
    t.eq(lines[0], "typosquat someuser/liferay imitates liferay/liferay (official-name-reuse): "
         "'liferay' is the name of the popular image 'liferay/liferay', here under the "
         "unrelated namespace 'someuser'", "reuse line")
    t.eq(lines[1], "typosquat ngnix imitates library/nginx (transposition): "
         "'ngnix' swaps 'i' and 'n' in 'nginx'", "typo line")
    t.eq(lines[2], "ok   grafana/grafana", "clean line")
    t.eq(lines[3], "typosquat postgress imitates library/postgres (repetition): "
         "'postgress' doubles 's' in 'postgres'", "repetition line")
    t.eq(lines[4], "typosquat quay.io/libary/nginx:latest imitates library/nginx "
         "(namespace-impersonation): namespace 'libary' imitates Docker's official "
         "'library' namespace", "namespace line")


def test_name_json(t):
    p = t.dredge("name", "someuser/ubuntu", "--json", "m0ng0", "bitnami/redis")
    t.exit(p, 1, "hits")
    rows = [json.loads(l) for l in p.stdout.splitlines()]
    t.eq(len(rows), 3, "rows")
    r = rows[0]
    t.eq((r["name"], r["repository"], r["typosquat"], r["target"], r["technique"],
          r["severity"], r["strong"]),
         ("someuser/ubuntu", "someuser/ubuntu", True, "library/ubuntu", "official-name-reuse",
          "low", False), "reuse row")
    f = r["finding"]
    t.eq((f["rule"], f["category"], f["severity"]),
         ("typosquat-official-name-reuse", "typosquat", "low"), "finding")
    t.eq([(l["source"], l["field"]) for l in f["locations"]], [("metadata", "name")],
         "finding location")
    t.eq(f["evidence"], "someuser/ubuntu", "finding evidence")
    r = rows[1]
    t.eq((r["repository"], r["target"], r["technique"], r["severity"]),
         ("library/m0ng0", "library/mongo", "homoglyph", "high"), "homoglyph row")
    t.eq(rows[2], {"name": "bitnami/redis", "repository": "bitnami/redis", "typosquat": False},
         "clean row")


def test_name_namespace_impersonation_is_strong(t):
    p = t.dredge("name", "--json", "dockerofficial/nginx")
    t.exit(p, 1, "hit")
    r = json.loads(p.stdout)
    t.eq((r["target"], r["technique"], r["severity"], r["strong"]),
         ("library/nginx", "namespace-impersonation", "high", True), "row")
    t.eq(r["finding"]["strong"], True, "finding strong")


def test_name_usage_and_bad_names(t):
    p = t.dredge("name")
    t.exit(p, 2, "no names")
    t.contains(p.stderr, "dredge: no NAME to check", "message")
    p = t.dredge("name", "--frobnicate", "nginx")
    t.exit(p, 2, "unknown option")
    p = t.dredge("name", "--bench", "0", "nginx")
    t.exit(p, 2, "bad bench count")
    p = t.dredge("name", "--bench", "10", "--json", "nginx")
    t.exit(p, 2, "--bench with --json")
    p = t.dredge("name", "--help")
    t.exit(p, 0, "help")
    t.contains(p.stdout, "exit status: 0 every name is clean, 1 at least one typosquat", "help")
    # a malformed name is reported, the others still checked
    p = t.dredge("name", "bad name!", "ngnix", "ubuntu")
    t.exit(p, 8, "malformed name")
    t.contains(p.stderr, "dredge: ", "error message")
    t.eq(p.stdout.splitlines()[1], "ok   ubuntu", "other names still checked")
    t.ok(p.stdout.startswith("typosquat ngnix imitates library/nginx"), "typo still reported")
    p = t.dredge("name", "oci:/tmp/layout")
    t.exit(p, 8, "not a repository name")
    t.contains(p.stderr, "is not a repository name", "message")


def test_name_bench_prints_microseconds(t):
    p = t.dredge("name", "--bench", "2000", "ngnix", "someuser/python-app")
    t.exit(p, 1, "bench keeps the exit status")
    lines = p.stdout.splitlines()
    t.eq(len(lines), 3, "one line a name and a summary")
    t.ok(lines[0].startswith("bench ngnix") and lines[0].endswith(" us/check"), lines[0])
    t.ok(lines[2].startswith("bench: 2 names x 2000 checks: mean "), lines[2])
    mean = float(lines[2].split("mean ")[1].split(" ")[0])
    t.ok(0 < mean < 50, "mean %.3f us under 50" % mean)
