"""dredge scan end to end: images built with umoci (or written by hand where
a history entry or a corrupt blob is needed), scanned with the built-in
rules; exact verdicts, categories, paths and layers."""
import base64
import hashlib
import json
import os
import random
import subprocess

from lib.images import Layout, tar_bytes, umoci_image
from lib.marks import slow
from lib.registry import PASSWORD, USER, Registry

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# A Monero address with a valid checksum (XMRig's documentation example).
MONERO = ("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uN"
          "br2VBBEt7f2wfn3RVGQBEP3A")
AWS_ID = "AKIAZ5Q4XN7W3BF2XVUP"
AWS_SECRET = "Zq3v9Kx7LmP2sT8wYb4nR6uJ1cF5hD0gA9eQ7iOx"


def pool_host():
    """A real pool host from the shipped list."""
    with open(os.path.join(REPO, "data", "mining-pools.txt")) as f:
        hosts = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    return next(h for h in hosts if "minexmr" in h)


def scan(t, ref, *args, code=0):
    p = t.dredge("scan", ref, "--format", "json", *args)
    t.exit(p, code, "dredge scan %s" % ref)
    return json.loads(p.stdout)


def file_locs(doc, category=None):
    """{(rule, path, layer_index)} of the file findings (of a category)."""
    return {(f["rule"], l["path"], l["layer_index"]) for f in doc["findings"]
            if category is None or f["category"] == category
            for l in f["locations"] if l["source"] == "file"}


def rules_of(doc, category=None):
    return {f["rule"] for f in doc["findings"] if category is None or f["category"] == category}


def test_typosquat_minerd_entrypoint(t):
    """<random-user>/liferay from a registry whose ENTRYPOINT runs minerd."""
    pool = pool_host()
    lay = os.path.join(t.tmp, "L")
    umoci_image(lay, "t", [{"etc/motd": "welcome\n"}],
                config={"entrypoint": ["minerd", "-a", "cryptonight", "-o",
                                       "stratum+tcp://%s:45560" % pool, "-u", "WALLET"]})
    r = Registry(t.tmp)
    t.defer(r.stop)
    r.push(lay, "t", "kx7user/liferay", "latest")
    doc = scan(t, r.ref("kx7user/liferay", "latest"), "--insecure")
    v = doc["verdict"]
    t.eq(v["class"], "malicious", "verdict")
    t.eq(v["categories"], ["cryptominer", "typosquat"], "categories")
    t.eq(v["max_severity"], "critical", "max severity")
    miner = [f for f in doc["findings"] if f["category"] == "cryptominer"]
    t.ok("miner-pool-option" in {f["rule"] for f in miner}, "miner-pool-option fired")
    t.eq({(l["source"], l["field"]) for f in miner for l in f["locations"]},
         {("config", "Entrypoint")}, "miner findings are in the Entrypoint")
    squat = [f for f in doc["findings"] if f["category"] == "typosquat"]
    t.eq(len(squat), 1, "one typosquat finding")
    t.eq(squat[0]["evidence"], "kx7user/liferay", "typosquat evidence")
    t.eq(squat[0]["strong"], True, "a look-alike name shipping a miner is strong")
    t.eq(squat[0]["locations"][0]["source"], "metadata", "typosquat location")
    t.ok(any(x.startswith("cryptominer: ") for x in v["reasons"]), "a miner reason")


def xmrig_standin(t):
    """A small ELF carrying what XMRig prints and embeds."""
    src = os.path.join(t.tmp, "xmrig.c")
    with open(src, "w") as f:
        f.write(r'''
#include <stdio.h>
static const char *const s[] = {
    " * ABOUT        XMRig/6.21.0 gcc/12.2.0",
    " * DONATE       1%%",
    "donate.v2.xmrig.com:3333",
    "Usage: xmrig [OPTIONS]\n  -a, --algo=ALGO  mining algorithm\n      --donate-level=N  donate level, default 1%%\n      --cpu-priority  set process priority\n",
    "rx/0", "cn/r", "argon2/chukwa", "RandomX", "cryptonight",
    "stratum+tcp://", "use pool %s:%d  %s",
    "READY threads %u/%u (%u) huge pages %u%% %u/%u memory %zu KB",
};
int main(int argc, char **argv) {
    for (int i = 0; i < (int)(sizeof(s) / sizeof(s[0])); i++)
        if (argc > 5) puts(s[i]);
    return argv[0][0] == 'x';
}
''')
    out = os.path.join(t.tmp, "xmrig")
    subprocess.run(["cc", "-O2", "-o", out, src], check=True)
    with open(out, "rb") as f:
        data = f.read()
    t.ok(data[:4] == b"\x7fELF", "an ELF")
    return data


def test_xmrig_renamed_nginx_with_config(t):
    elf = xmrig_standin(t)
    config = json.dumps({
        "autosave": True, "donate-level": 1, "cpu": {"enabled": True},
        "randomx": {"1gb-pages": True},
        "pools": [{"url": "pool.supportxmr.com:443", "user": MONERO, "pass": "x",
                   "keepalive": True, "tls": True}]}, indent=2)
    lay = os.path.join(t.tmp, "L")
    umoci_image(lay, "t", [{"etc/os-release": "ID=debian\n", "usr/sbin/": ""},
                           {"usr/sbin/nginx": elf, "etc/nginx/config.json": config}],
                config={"entrypoint": ["/usr/sbin/nginx"]})
    doc = scan(t, "oci:%s:t" % lay)
    v = doc["verdict"]
    t.eq(v["class"], "malicious", "verdict")
    t.eq(v["categories"], ["cryptominer"], "categories")
    t.eq({(p, li) for _, p, li in file_locs(doc, "cryptominer")},
         {("usr/sbin/nginx", 1), ("etc/nginx/config.json", 1)}, "miner paths and layers")
    t.ok(("xmrig-miner", "usr/sbin/nginx", 1) in file_locs(doc), "the binary is XMRig")
    t.ok(("miner-config", "etc/nginx/config.json", 1) in file_locs(doc), "its config")
    layer1 = doc["image"]["layers"][1]["diff_id"]
    for f in doc["findings"]:
        for l in f["locations"]:
            if l["source"] == "file":
                t.eq(l["layer"], layer1, "layer digest of %s" % l["path"])
    t.eq(doc["stats"]["files"], 3, "files")


def test_cmd_url_user_algo(t):
    lay = os.path.join(t.tmp, "L")
    umoci_image(lay, "t", [{"etc/motd": "hi\n"}],
                config={"cmd": ["--url=pool.supportxmr.com:80", "--user=" + MONERO,
                                "--algo=rx/0"]})
    doc = scan(t, "oci:%s:t" % lay)
    t.eq(doc["verdict"]["class"], "malicious", "verdict")
    t.eq(doc["verdict"]["categories"], ["cryptominer"], "categories")
    t.eq({(l["source"], l["field"]) for f in doc["findings"] for l in f["locations"]},
         {("config", "Cmd")}, "all findings in Cmd")
    t.ok("miner-command-line" in rules_of(doc), "miner command line")


def keygen(t, comment):
    key = os.path.join(t.tmp, "k")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key],
                   check=True, stdin=subprocess.DEVNULL)
    with open(key + ".pub") as f:
        return key + ".pub", f.read()


def test_backdoor_authorized_keys_from_run(t):
    pub_path, pub = keygen(t, "ops@attacker")
    want = subprocess.run(["ssh-keygen", "-lf", pub_path], capture_output=True, text=True,
                          check=True).stdout.strip()
    lay = Layout(os.path.join(t.tmp, "L"))
    base = tar_bytes([{"name": "etc/", "type": "dir"},
                      {"name": "etc/passwd", "data": "root:x:0:0:root:/root:/bin/sh\n"}])
    run = tar_bytes([{"name": "root/.ssh/", "type": "dir", "mode": 0o700},
                     {"name": "root/.ssh/authorized_keys", "data": pub, "mode": 0o600}])
    lay.image("t", [base, run], history=[
        {"created_by": "/bin/sh -c #(nop) ADD file:4a1d in / "},
        {"created_by": "/bin/sh -c mkdir -p /root/.ssh && cat /tmp/k.pub >> "
                       "/root/.ssh/authorized_keys"}])
    doc = scan(t, "oci:%s:t" % lay.path)
    t.eq(doc["verdict"]["class"], "malicious", "verdict")
    t.eq(doc["verdict"]["categories"], ["backdoor"], "categories")
    keys = [f for f in doc["findings"] if f["rule"] == "ssh-authorized-key"]
    t.eq(len(keys), 1, "one key")
    t.eq(keys[0]["evidence"], want, "fingerprint as ssh-keygen -l prints it")
    t.eq([(l["path"], l["layer_index"], l["line"]) for l in keys[0]["locations"]],
         [("root/.ssh/authorized_keys", 1, 1)], "location")
    t.eq(keys[0]["category"], "backdoor", "category")
    t.eq(keys[0]["strong"], True, "strong")


def test_aws_keys_removed_in_later_layer(t):
    env = "AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n" % (AWS_ID, AWS_SECRET)
    lay = os.path.join(t.tmp, "L")
    umoci_image(lay, "t", [{"etc/motd": "hi\n"}, {"srv/app/.env": env},
                           {"srv/app/.env": None}])
    doc = scan(t, "oci:%s:t" % lay)
    t.eq(doc["verdict"]["class"], "malicious", "verdict")
    t.eq(doc["verdict"]["categories"], ["secret"], "categories")
    ids = [f for f in doc["findings"] if f["rule"] == "aws-access-key-id"]
    t.eq(len(ids), 1, "one key id finding")
    t.eq(ids[0]["status"], "removed-in-later-layer", "status")
    t.eq([(l["path"], l["layer_index"]) for l in ids[0]["locations"]],
         [("srv/app/.env", 1)], "location: the adding layer")
    t.ok(AWS_ID not in json.dumps(doc), "the key is redacted")
    for f in doc["findings"]:
        t.eq(f["status"], "removed-in-later-layer", "%s status" % f["rule"])

    # the ignore file drops findings before the verdict and counts them
    ign = os.path.join(t.tmp, "ignore.yaml")
    with open(ign, "w") as f:
        f.write("ignore:\n  - path: \"srv/app/*\"\n    reason: rotated keys\n")
    doc2 = scan(t, "oci:%s:t" % lay, "--ignore-file", ign)
    t.eq(doc2["findings"], [], "all ignored")
    t.eq(doc2["stats"]["ignored"], len(doc["findings"]), "ignored count")
    t.eq(doc2["verdict"]["class"], "clean", "verdict without them")
    lines = os.path.join(t.tmp, "ignore.txt")
    with open(lines, "w") as f:
        f.write("# accepted\naws-access-key-id * %s  # old key\n" % ids[0]["fingerprint"])
    doc3 = scan(t, "oci:%s:t" % lay, "--ignore-file", lines)
    t.eq(rules_of(doc3) & {"aws-access-key-id"}, set(), "key id ignored by fingerprint")
    t.eq(doc3["stats"]["ignored"], 1, "one ignored")
    t.eq(doc3["verdict"]["class"], "malicious", "the secret key still counts")
    bad = os.path.join(t.tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("ignore:\n  - colour: red\n")
    p = t.dredge("scan", "oci:%s:t" % lay, "--ignore-file", bad)
    t.exit(p, 8, "malformed ignore file")
    t.contains(p.stderr, "unknown field 'colour'")


def owners(paths):
    """The dpkg md5sums files that list any of paths (image paths)."""
    info = "/var/lib/dpkg/info"
    found = []
    for n in sorted(os.listdir(info)):
        if not n.endswith(".md5sums"):
            continue
        with open(os.path.join(info, n), "rb") as f:
            listed = {l.split(b"  ", 1)[1].strip().decode("utf-8", "replace")
                      for l in f if b"  " in l}
        if listed & paths:
            found.append(os.path.join(info, n))
    return found


def real_entries():
    """Files of this machine's packages (Python, OpenSSL, OpenSSH) with their
    modes, plus the md5sums of the packages owning them and dpkg's status."""
    entries, seen = [], set()

    def add(path):
        st = os.lstat(path)
        name = path.lstrip("/")
        if name in seen:
            return
        seen.add(name)
        if os.path.islink(path):
            entries.append({"name": name, "type": "symlink", "link": os.readlink(path)})
        elif os.path.isfile(path):
            with open(path, "rb") as f:
                entries.append({"name": name, "data": f.read(), "mode": st.st_mode & 0o7777})

    py = "/usr/lib/python3.11"
    for sub in ("", "json", "email", "http", "urllib", "encodings", "logging", "asyncio"):
        d = os.path.join(py, sub)
        for n in sorted(os.listdir(d)):
            if n.endswith(".py"):
                add(os.path.join(d, n))
    lib = "/usr/lib/x86_64-linux-gnu"
    for n in sorted(os.listdir(lib)):
        if n.startswith("libssl"):
            add(os.path.join(lib, n))
    add("/usr/bin/openssl")
    for n in sorted(os.listdir("/usr/bin")):
        if n.startswith("ssh"):
            add(os.path.join("/usr/bin", n))
    add("/etc/ssh/ssh_config")
    md5 = set(owners(set(seen)))
    md5 |= {"/var/lib/dpkg/info/%s.md5sums" % p for p in (
        "python3.11-minimal", "libpython3.11-stdlib:amd64", "openssl", "libssl3:amd64",
        "openssh-client")}
    for m in sorted(md5):
        add(m)
    add("/var/lib/dpkg/status")
    return entries


@slow
def test_clean_image_of_real_packages(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    lay.image("t", [tar_bytes(real_entries())], config={"Cmd": ["python3"],
              "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"]})
    doc = scan(t, "oci:%s:t" % lay.path)
    high = [(f["rule"], f["locations"][0].get("path"), f["status"]) for f in doc["findings"]
            if f["severity"] in ("high", "critical")]
    t.eq(high, [], "no high or critical finding")
    t.eq(doc["verdict"]["class"], "clean", "verdict (findings: %s)" % [
        (f["rule"], f["severity"], f["status"], f["locations"][0].get("path"))
        for f in doc["findings"]])
    t.eq(doc["verdict"]["reasons"], [], "no reasons")
    # ssh-agent is setgid and vouched for by openssh-client's md5sums
    t.eq([f for f in doc["findings"] if f["rule"] == "setuid-file"], [], "setgid ssh-agent shipped")
    t.ok(doc["stats"]["files"] > 300, "files scanned: %d" % doc["stats"]["files"])


def aws_pair(n):
    """A distinct AWS key id and secret for file n (so findings stay apart)."""
    return ("AWS_ACCESS_KEY_ID=AKIAZ5Q4XN7W3BF2X%s\nAWS_SECRET_ACCESS_KEY=Zq3v9Kx7LmP2sT8wYb4nR"
            "6uJ1cF5hD0gA9eQ7%s\n" % ("VUP", "iOx", "VUQ", "jPy", "VUR", "kQz", "VUS",
                                     "mRw", "VUT", "nSv", "VUW", "pTu")[2 * n:2 * n + 2])


def noise(mib):
    """mib MiB of text lines that do not compress: with them, a layer of
    filler stays under the inflation ratio limit."""
    return base64.encodebytes(random.Random(mib).randbytes(mib * 1024 * 1024 * 3 // 4))


def package_files():
    """Files with secrets, as a package would ship them: small ones (held to
    the layer's end), a 20 MiB one (too much to hold: hashed at once) and
    33-34 MiB ones, past the buffer: with the key first (hashed as it
    streams), or last (let go unhashed, then hashed from the layer read
    again; one of them tampered with)."""
    filler = (b"#" * 79 + b"\n")
    return [("usr/share/app/big.txt",
             b"# big\n" + filler * (34 * 1024 * 1024 // 80) + aws_pair(0).encode()),
            ("usr/share/app/early.txt", b"# early\n" + aws_pair(4).encode() + noise(1) +
             filler * (33 * 1024 * 1024 // 80)),
            ("usr/share/app/late-wrong.txt",
             b"# late\n" + filler * (33 * 1024 * 1024 // 80) + aws_pair(5).encode()),
            ("usr/share/app/mid.txt",
             b"# mid\n" + filler * (20 * 1024 * 1024 // 80) + aws_pair(1).encode()),
            ("usr/share/app/small.conf", ("# small\n" + aws_pair(2)).encode()),
            ("usr/share/app/wrong.conf", ("# wrong\n" + aws_pair(3)).encode())]


def statuses(doc):
    """{path: status} of the AWS key id findings."""
    return {f["locations"][0]["path"]: f["status"] for f in doc["findings"]
            if f["rule"] == "aws-access-key-id"}


@slow
def test_package_files_hashed_as_their_database_needs(t):
    files = package_files()
    listed = [(p, b"tampered" if "wrong" in p else d) for p, d in files]
    md5sums = "".join("%s  %s\n" % (hashlib.md5(d).hexdigest(), p) for p, d in listed)
    apk = "P:app\nF:usr/share/app\n" + "".join(
        "R:%s\nZ:Q1%s\n" % (p.rsplit("/", 1)[1],
                            base64.b64encode(hashlib.sha1(d).digest()).decode())
        for p, d in listed)
    content = [{"name": p, "data": d} for p, d in files]
    want = {"usr/share/app/big.txt": "package-shipped", "usr/share/app/early.txt": "package-shipped",
            "usr/share/app/late-wrong.txt": "active", "usr/share/app/mid.txt": "package-shipped",
            "usr/share/app/small.conf": "package-shipped", "usr/share/app/wrong.conf": "active"}
    images = {
        # dpkg's files come before the content: md5 only
        "dpkg": [{"name": "etc/dpkg/dpkg.cfg", "data": "# dpkg\n"}] + content +
                [{"name": "var/lib/dpkg/info/app.md5sums", "data": md5sums}],
        # no package tool seen before the content: every checksum
        "late-dpkg": content + [{"name": "var/lib/dpkg/info/app.md5sums", "data": md5sums}],
        # apk's database comes first: sha1 only
        "apk": [{"name": "lib/apk/db/installed", "data": apk}] + content,
    }
    lay = Layout(os.path.join(t.tmp, "L"))
    for tag, entries in images.items():
        lay.image(tag, [tar_bytes(entries)])
    for tag in images:
        doc = scan(t, "oci:%s:%s" % (lay.path, tag))
        t.eq(statuses(doc), want, "%s: statuses" % tag)
    # without a database nothing is vouched for
    lay.image("none", [tar_bytes(content)])
    doc = scan(t, "oci:%s:none" % lay.path)
    t.eq(set(statuses(doc).values()), {"active"}, "no database: active")


@slow
def test_layer_read_again_from_a_registry(t):
    """A file let go unhashed whose findings come late is hashed by reading
    its layer again: from a registry with token auth, a second download of
    the blob, verified again (big.txt is package-shipped only through it)."""
    files = package_files()
    md5sums = "".join("%s  %s\n" % (hashlib.md5(b"x" if "wrong" in p else d).hexdigest(), p)
                      for p, d in files)
    lay = Layout(os.path.join(t.tmp, "L"))
    lay.image("t", [tar_bytes([{"name": "etc/dpkg/dpkg.cfg", "data": "# dpkg\n"}] +
                              [{"name": p, "data": d} for p, d in files] +
                              [{"name": "var/lib/dpkg/info/app.md5sums", "data": md5sums}])])
    r = Registry(t.tmp, "token")
    t.defer(r.stop)
    r.push(lay.path, "t", "team/pkg")
    doc = scan(t, r.ref("team/pkg", "t"), "--insecure", "--creds", "%s:%s" % (USER, PASSWORD))
    t.eq(statuses(doc), {"usr/share/app/big.txt": "package-shipped",
                         "usr/share/app/early.txt": "package-shipped",
                         "usr/share/app/late-wrong.txt": "active",
                         "usr/share/app/mid.txt": "package-shipped",
                         "usr/share/app/small.conf": "package-shipped",
                         "usr/share/app/wrong.conf": "active"}, "statuses")


def aws_key(n):
    """A distinct AWS key id and secret for small file n."""
    b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    tail = "".join(b32[(n >> (5 * k)) & 31] for k in range(4))
    return ("AWS_ACCESS_KEY_ID=AKIAZ5Q4XN7W3BF2%s\nAWS_SECRET_ACCESS_KEY=Zq3v9Kx7LmP2sT8wYb4nR"
            "6uJ1cF5hD0gA9eQ7%s\n" % (tail, tail[:3]))


@slow
def test_results_do_not_depend_on_threads(t):
    """Files scanned by several threads at once join the report in the
    layer's order: the same findings, locations, order and statuses with one
    thread as with five. 100 files of 600 KiB with keys follow a 34 MiB one (their
    results wait for it, beyond the bytes that may wait: some are held to the
    layer's end, the rest hashed at once); md5sums list all but two; a later
    layer deletes ten, one of them unlisted."""
    filler = b"#" * 79 + b"\n"
    big = b"# big\n" + filler * (34 * 1024 * 1024 // 80) + aws_key(9999).encode()
    # prose that does not compress 200 times, 600 KiB a file
    words = ("river stone amber cloud maple harbor lantern meadow copper willow garden "
             "silver orchard candle valley thunder").split()
    x, lines = 7, []
    for _ in range(7600):
        line = []
        for _ in range(12):
            x = (x * 1103515245 + 12345) % 2 ** 31
            line.append(words[(x >> 16) % len(words)])
        lines.append(" ".join(line) + "\n")
    small = {"srv/app/f%03d.conf" % n: ("".join(lines[n:n + 7500]) + aws_key(n)).encode()
             for n in range(100)}
    files = [("srv/app/big.txt", big)] + sorted(small.items())
    md5sums = "".join("%s  %s\n" % (hashlib.md5(d).hexdigest(), p) for p, d in files
                      if p not in ("srv/app/f023.conf", "srv/app/f050.conf"))
    layer1 = ([{"name": "etc/dpkg/dpkg.cfg", "data": "# dpkg\n"}] +
              [{"name": p, "data": d} for p, d in files] +
              [{"name": "var/lib/dpkg/info/app.md5sums", "data": md5sums}])
    layer2 = [{"name": "srv/app/.wh.f%03d.conf" % n} for n in range(0, 100, 10)]
    lay = Layout(os.path.join(t.tmp, "L"))
    lay.image("t", [tar_bytes(layer1), tar_bytes(layer2)])
    docs = [scan(t, "oci:%s:t" % lay.path, "--threads", str(n)) for n in (1, 2, 5)]
    for n, d in zip((2, 5), docs[1:]):
        t.eq(d["findings"], docs[0]["findings"], "findings with %d threads" % n)
    got = statuses(docs[0])
    want = {p: "package-shipped" for p, _ in files}
    want["srv/app/f023.conf"] = "active"
    # deleted: f050 is no package's (deleted package files stay vouched for)
    want["srv/app/f050.conf"] = "removed-in-later-layer"
    t.eq(got, want, "statuses")
    paths = [f["locations"][0]["path"] for f in docs[0]["findings"]
             if f["rule"] == "aws-access-key-id"]
    t.eq(paths, [p for p, _ in files], "in the layer's order")
    p = t.dredge("scan", "oci:%s:t" % lay.path, "--threads", "9")
    t.exit(p, 2, "too many threads")
    t.contains(p.stderr, "--threads takes 1 to 8, not '9'")


def github_like(rng):
    """A ghp_ token whose checksum fails (reported at low severity), of
    characters that spell no placeholder word ("here", "your", "xxxx")."""
    chars = "BCDFGHJKLMNPQRSTVWZbcdfghjkmnpqrstvwz0123456789"
    return "ghp_" + "".join(rng.choice(chars) for _ in range(36))


@slow
def test_many_findings_merge_in_linear_time(t):
    """A 6 MB layer can hold 63,000 distinct findings and one secret seen in
    every one of its 1,000 files (64 findings of the rule a file, the most
    reported): merging them, and settling each sighting's status against
    the package database, must not take time growing with their square
    (which took minutes here)."""
    rng = random.Random(5)
    shared = github_like(rng)
    files = []
    for n in range(1000):
        tokens = [github_like(rng) for _ in range(63)]
        files.append(("srv/data/d%02d/f%04d.txt" % (n // 100, n),
                      ("shared %s\n" % shared + "".join("t %s\n" % x for x in tokens)).encode()))
    md5sums = "".join("%s  %s\n" % (hashlib.md5(d).hexdigest(), p) for p, d in files[::2])
    entries = ([{"name": "etc/dpkg/dpkg.cfg", "data": "# dpkg\n"}] +
               [{"name": p, "data": d} for p, d in files] +
               [{"name": "var/lib/dpkg/info/data.md5sums", "data": md5sums}])
    lay = Layout(os.path.join(t.tmp, "L"))
    lay.image("t", [tar_bytes(entries)])
    p = t.dredge("scan", "oci:%s:t" % lay.path, "--format", "json", timeout=60)
    t.exit(p, 0, "dredge scan")
    doc = json.loads(p.stdout)
    t.eq(len(doc["findings"]), 63001, "findings")
    t.eq({f["rule"] for f in doc["findings"]}, {"github-token"}, "rules")
    one = [f for f in doc["findings"] if len(f["locations"]) > 1]
    t.eq(len(one), 1, "one finding seen in many files")
    t.eq([l["path"] for l in one[0]["locations"]], [p for p, _ in files], "its locations")
    # seen in files no package ships as well: active; the others by half
    t.eq(one[0]["status"], "active", "the shared secret")
    counts = {}
    for f in doc["findings"]:
        if f is not one[0]:
            k = (f["status"], f["severity"])
            counts[k] = counts.get(k, 0) + 1
    t.eq(counts, {("package-shipped", "low"): 31500, ("active", "low"): 31500},
         "statuses and severities")
    t.eq((doc["stats"]["partial_files"], doc["stats"]["capped_rules"]), (0, 0), "nothing cut")


def test_limits_reached_are_counted(t):
    """What a scan leaves unread or unreported is counted, never silent: a
    file longer than --max-file-size, and a rule past its 64 findings in one
    file."""
    rng = random.Random(6)
    over = [github_like(rng) for _ in range(70)]
    late = github_like(rng)
    entries = [{"name": "srv/over.txt", "data": "".join("t %s\n" % x for x in over)},
               {"name": "srv/long.txt", "data": "#" * 200000 + "\nt %s\n" % late},
               {"name": "srv/short.txt", "data": "t %s\n" % over[0]}]
    lay = Layout(os.path.join(t.tmp, "L"))
    lay.image("t", [tar_bytes(entries)])
    doc = scan(t, "oci:%s:t" % lay.path, "--max-file-size", "100K")
    t.eq(len(doc["findings"]), 64, "findings")
    t.eq(sorted({l["path"] for f in doc["findings"] for l in f["locations"]}),
         ["srv/over.txt", "srv/short.txt"], "paths")
    t.eq((doc["stats"]["partial_files"], doc["stats"]["capped_rules"]), (1, 1), "stats")
    p = t.dredge("scan", "oci:%s:t" % lay.path, "--max-file-size", "100K")
    t.exit(p, 0, "table")
    t.contains(p.stdout, "  1 file scanned in part: longer than --max-file-size\n")
    t.contains(p.stdout, "  1 time a rule reached its limit in a file (64 findings or 2000 "
                         "matches checked): more may be unreported\n")
    # within the limits: no such lines, and zero in the JSON
    doc = scan(t, "oci:%s:t" % lay.path)
    t.eq((doc["stats"]["partial_files"], doc["stats"]["capped_rules"]), (0, 1), "no cut")
    t.eq(len(doc["findings"]), 65, "the late token read whole")


def test_sarif_and_exit_codes(t):
    lay = os.path.join(t.tmp, "L")
    umoci_image(lay, "m", [{"etc/motd": "hi\n"}],
                config={"cmd": ["--url=pool.supportxmr.com:80", "--user=" + MONERO,
                                "--algo=rx/0"]})
    umoci_image(os.path.join(t.tmp, "C"), "c", [{"etc/motd": "hello\n"}])
    bad, clean = "oci:%s:m" % lay, "oci:%s:c" % os.path.join(t.tmp, "C")
    p = t.dredge("scan", bad, "--format", "sarif")
    t.exit(p, 0, "findings alone exit 0")
    s = json.loads(p.stdout)
    t.eq(s["version"], "2.1.0", "sarif version")
    run = s["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    t.eq(len(ids), len(set(ids)), "rules listed once")
    t.ok(run["results"], "results")
    for r in run["results"]:
        t.ok(r["ruleId"] in ids, "result rule is declared")
        t.eq(ids[r["ruleIndex"]], r["ruleId"], "rule index")
        t.ok(r["level"] in ("error", "warning", "note"), "level")
        t.ok(r["partialFingerprints"]["dredgeFingerprint/v1"].startswith("sha256:"),
             "fingerprint")
        t.eq(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], bad, "uri")
    t.exit(t.dredge("scan", bad, "--fail-on", "malicious", "--exit-code", "3"), 3, "fail-on")
    t.exit(t.dredge("scan", bad, "--exit-code", "5"), 5, "exit-code defaults to malicious")
    t.exit(t.dredge("scan", bad, "--fail-on", "suspicious"), 1, "fail-on defaults to 1")
    t.exit(t.dredge("scan", clean, "--fail-on", "suspicious", "--exit-code", "3"), 0, "clean")
    t.exit(t.dredge("scan", bad, "--fail-on", "clean"), 2, "usage")
    # severity filter: the verdict still uses everything
    doc = scan(t, bad, "--severity", "critical")
    t.eq({f["severity"] for f in doc["findings"]}, {"critical"}, "only critical shown")
    t.ok(doc["stats"]["below_severity"] > 0, "below_severity counted")
    t.eq(doc["verdict"]["class"], "malicious", "verdict")
    # two images: one document with reports
    both = t.dredge("scan", bad, clean, "--format", "json", "--output",
                    os.path.join(t.tmp, "out.json"))
    t.exit(both, 0, "two images")
    with open(os.path.join(t.tmp, "out.json")) as f:
        doc = json.load(f)
    t.eq(doc["schema"], "dredge.report/v1", "schema")
    t.eq([r["verdict"]["class"] for r in doc["reports"]], ["malicious", "clean"], "classes")
    table = t.dredge("scan", bad)
    t.contains(table.stdout.splitlines()[0], "MALICIOUS", "table verdict line first")
    t.ok("\033[" not in table.stdout, "no colours off a terminal")


def test_rule_hyperscan_refuses_fails_the_scan(t):
    """The engine is compiled while the first image opens and inflates: a rule
    that PCRE2 accepts but that cannot be scanned for (it matches empty text)
    still fails the whole command, with no report, whatever the images."""
    pack = os.path.join(t.tmp, "bad.yaml")
    with open(pack, "w") as f:
        f.write("pack: bad\nrules:\n  - id: empty-one\n    category: secret\n"
                "    title: matches empty text\n    severity: low\n    regex: 'x*'\n")
    umoci_image(os.path.join(t.tmp, "C"), "c", [{"etc/motd": "hello\n"}])
    for refs in (["oci:%s:c" % os.path.join(t.tmp, "C")], ["oci:%s:none" % t.tmp],
                 ["oci:%s:c" % os.path.join(t.tmp, "C"), "oci:%s:c" % os.path.join(t.tmp, "C")]):
        p = t.dredge("scan", "--rules", pack, "--format", "json", *refs)
        t.exit(p, 8, "bad rule: %s" % refs)
        t.eq(p.stdout, "", "no report: %s" % refs)
        t.contains(p.stderr, "rule 'empty-one' ('%s' line 3): regex matches empty text" % pack,
                   "message")


def test_digest_mismatch_is_error(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    tar = tar_bytes([{"name": "etc/motd", "data": "x" * 3000},
                     {"name": "srv/.env", "data": "AWS_ACCESS_KEY_ID=%s\n" % AWS_ID}])
    desc, manifest, _ = lay.image("t", [tar], compression="none")
    blob = lay.blob_path(manifest["layers"][0]["digest"])
    with open(blob, "r+b") as f:
        f.seek(600)
        c = f.read(1)
        f.seek(600)
        f.write(bytes([c[0] ^ 0x20]))
    p = t.dredge("scan", "oci:%s:t" % lay.path, "--format", "json")
    t.exit(p, 6, "digest mismatch exit code")
    doc = json.loads(p.stdout)
    t.eq(doc["verdict"]["class"], "error", "verdict")
    t.eq(doc["findings"], [], "no findings from an untrusted walk")
    t.eq(doc["error"]["code"], "digest-mismatch", "error code")
    t.contains(doc["verdict"]["reasons"][0], "digest", "reason names the digest")


def test_tar_cut_inside_a_file_is_error(t):
    """A layer whose tar ends inside a file (digests intact): the scan fails
    with the tar's error while scanner threads hold that file's bytes, and
    neither hangs nor reports what it saw."""
    lay = Layout(os.path.join(t.tmp, "L"))
    small = [{"name": "etc/f%02d.conf" % n, "data": "AWS_ACCESS_KEY_ID=%s\n" % AWS_ID}
             for n in range(40)]
    tar = tar_bytes(small + [{"name": "usr/lib/big.bin", "data": b"\x01" * (3 << 20)}])
    lay.image("t", [tar[:len(tar) - (1 << 20)]])
    for threads in ("1", "3"):
        p = t.dredge("scan", "oci:%s:t" % lay.path, "--format", "json", "--threads", threads)
        t.exit(p, 8, "truncated tar exit code (%s threads)" % threads)
        doc = json.loads(p.stdout)
        t.eq(doc["findings"], [], "no findings from a failed walk")
        t.eq(doc["error"]["code"], "malformed", "error code")
        t.contains(doc["error"]["message"], "usr/lib/big.bin", "names the file")


def test_file_signals(t):
    """filecheck: host key, executables in tmp, ld.so.preload, cron
    persistence, setuid without a package, UPX, shell history."""
    key = os.path.join(t.tmp, "hk")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True,
                   stdin=subprocess.DEVNULL)
    with open(key) as f:
        host_key = f.read()
    elf = b"\x7fELF\x02\x01\x01" + b"\0" * 200
    upx = b"\x7fELF\x02\x01\x01" + b"\0" * 100 + b"UPX!" + b"\0" * 100
    lay = Layout(os.path.join(t.tmp, "L"))
    tar = tar_bytes([
        {"name": "etc/ssh/ssh_host_ed25519_key", "data": host_key, "mode": 0o600},
        {"name": "dev/shm/.k/run", "data": elf, "mode": 0o755},
        {"name": "tmp/notes.txt", "data": "not a program\n", "mode": 0o755},
        {"name": "etc/ld.so.preload", "data": "/usr/local/lib/libprocesshider.so\n"},
        {"name": "etc/cron.d/sync", "data": "# sync\n*/5 * * * * root /dev/shm/.k/run\n"},
        {"name": "etc/cron.d/logrotate", "data": "0 3 * * * root /usr/sbin/logrotate /etc/lr\n"},
        {"name": "usr/bin/helper", "data": elf, "mode": 0o4755},
        {"name": "usr/bin/packed", "data": upx, "mode": 0o755},
        {"name": "root/.bash_history", "data": "ls\ncd /srv\n"},
    ])
    lay.image("t", [tar])
    doc = scan(t, "oci:%s:t" % lay.path)
    got = {(f["rule"], f["category"], f["severity"], l["path"]) for f in doc["findings"]
           for l in f["locations"] if f["rule"] in (
               "ssh-host-key", "executable-in-tmp", "ld-so-preload", "persistence-cron",
               "setuid-file", "upx-packed-elf", "shell-history-file")}
    t.eq(got, {
        ("ssh-host-key", "secret", "medium", "etc/ssh/ssh_host_ed25519_key"),
        ("executable-in-tmp", "suspicious-build", "medium", "dev/shm/.k/run"),
        ("ld-so-preload", "backdoor", "high", "etc/ld.so.preload"),
        ("persistence-cron", "backdoor", "high", "etc/cron.d/sync"),
        ("setuid-file", "backdoor", "medium", "usr/bin/helper"),
        ("upx-packed-elf", "suspicious-build", "low", "usr/bin/packed"),
        ("shell-history-file", "secret", "info", "root/.bash_history"),
    }, "file signals")
    on_key = [f["rule"] for f in doc["findings"]
              if any(l["path"] == "etc/ssh/ssh_host_ed25519_key" for l in f["locations"])]
    t.eq(on_key, ["ssh-host-key"], "one finding for the host key")
    for f in doc["findings"]:
        if any(l["path"] == "etc/ssh/ssh_host_ed25519_key" for l in f["locations"]):
            t.eq(f["strong"], False, "%s on a host key is not strong" % f["rule"])
            t.ok(f["severity"] in ("medium", "low", "info"), "%s capped" % f["rule"])
    t.ok(host_key.split("\n")[1][:20] not in json.dumps(doc), "host key redacted")
