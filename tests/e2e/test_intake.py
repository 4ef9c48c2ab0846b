"""Image intake from local sources: OCI layouts and archives, docker-archive,
codecs, verification, hostile tars and limits."""
import gzip
import json
import os

from lib.images import Layout, tar_bytes, umoci_image, skopeo_copy, sha256, compress
from lib.marks import slow


def walk(t, ref, *extra):
    return t.dredge_json("inspect", ref, "--walk", "--json", "--files", *extra)


def files_of(doc):
    return [(f["layer"], f["path"], f["type"], f.get("sha256")) for f in doc["files"]]


def simple_layout(t, compression="gzip"):
    lay = Layout(os.path.join(t.tmp, "L"))
    tar = tar_bytes([{"name": "etc/", "type": "dir"},
                     {"name": "etc/motd", "data": "hello\n"},
                     {"name": "bin/tool", "data": b"\x7fELF" + b"x" * 100, "mode": 0o4755}])
    desc, manifest, cfg = lay.image("v1", [tar], compression=compression,
                                    config={"Cmd": ["sh"], "Env": ["A=b"]})
    return lay, desc, manifest, cfg, tar


def test_transports_agree(t):
    """oci:, oci-archive: and docker-archive: of one umoci-built image give
    the same config, layers' diff_ids, files and Dockerfile."""
    lay = os.path.join(t.tmp, "L")
    umoci_image(lay, "t", [{"etc/motd": "hi\n", "usr/bin/app": b"\x7fELFapp"},
                           {"etc/motd": None, "srv/data/": "", "srv/x": "x"}],
                config={"entrypoint": ["/usr/bin/app"], "env": ["PATH=/usr/bin"]})
    skopeo_copy("oci:%s:t" % lay, "docker-archive:%s/d.tar:team/app:t" % t.tmp)
    skopeo_copy("oci:%s:t" % lay, "oci-archive:%s/o.tar:t" % t.tmp)
    docs = [walk(t, r) for r in ("oci:%s:t" % lay, "oci-archive:%s/o.tar:t" % t.tmp,
                                 "docker-archive:%s/d.tar" % t.tmp,
                                 "docker-archive:%s/d.tar:team/app:t" % t.tmp)]
    base = docs[0]
    t.eq(base["transport"], "oci")
    t.eq(len(base["layers"]), 2, "layers")
    t.ok(("1", "etc/motd") not in [(str(f[0]), f[1]) for f in files_of(base) if f[2] == "reg"])
    t.ok((1, "etc/motd", "whiteout", None) in files_of(base), "whiteout of etc/motd in layer 1")
    t.eq(base["layers"][1]["whiteouts"], 1, "whiteouts")
    for d in docs[1:]:
        t.eq(d["config_digest"], base["config_digest"], d["reference"] + " config")
        t.eq([l["diff_id"] for l in d["layers"]], [l["diff_id"] for l in base["layers"]], "diff_ids")
        t.eq(files_of(d), files_of(base), d["reference"] + " files")
        t.eq(d["dockerfile"], base["dockerfile"], "dockerfile")
        t.eq(d["config"]["entrypoint"], ["/usr/bin/app"], "entrypoint")
    t.eq(docs[1]["manifest_digest"], base["manifest_digest"], "oci-archive manifest digest")
    t.eq(docs[2]["manifest_digest"], None, "docker-archive has no manifest digest")
    t.eq(docs[2]["layers"][0]["media_type"], "application/vnd.docker.image.rootfs.diff.tar")


def test_codecs(t):
    """gzip, zstd and uncompressed layers walk to the same files."""
    tar = tar_bytes([{"name": "a/b/c.txt", "data": "x" * 5000}, {"name": "a/d", "data": "y"}])
    lay = Layout(os.path.join(t.tmp, "L"))
    for how in ("gzip", "zstd", "none"):
        lay.image(how, [tar], compression=how)
    seen = []
    for how in ("gzip", "zstd", "none"):
        d = walk(t, "oci:%s:%s" % (lay.path, how))
        t.eq(d["layers"][0]["verified"], True, how)
        t.eq(d["layers"][0]["uncompressed_size"], len(tar), how + " uncompressed size")
        seen.append(files_of(d))
    t.eq(seen[0], seen[1], "zstd files")
    t.eq(seen[0], seen[2], "uncompressed files")
    t.eq(seen[0][0][3], sha256(b"x" * 5000), "file sha256")


def test_mixed_codecs_one_image(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    tars = [tar_bytes([{"name": "l%d" % i, "data": str(i)}]) for i in range(3)]
    lay.image("m", tars, compression=["gzip", "zstd", "none"])
    d = walk(t, "oci:%s:m" % lay.path)
    t.eq([f[1] for f in files_of(d)], ["l0", "l1", "l2"])


def test_blob_digest_mismatch(t):
    lay, desc, manifest, cfg, tar = simple_layout(t)
    layer = manifest["layers"][0]["digest"]
    data = bytearray(open(lay.blob_path(layer), "rb").read())
    data[len(data) // 2] ^= 0xff
    open(lay.blob_path(layer), "wb").write(bytes(data))
    p = t.dredge("inspect", "oci:%s:v1" % lay.path, "--walk")
    t.exit(p, 6, "tampered blob")
    t.contains(p.stderr, layer, "names the blob")
    t.contains(p.stderr, "digest mismatch: blob hashes to 'sha256:" + __import__("hashlib").sha256(bytes(data)).hexdigest())
    t.eq(p.stdout, "", "no partial output")


def test_blob_size_mismatch(t):
    lay, desc, manifest, cfg, tar = simple_layout(t)
    layer = manifest["layers"][0]["digest"]
    with open(lay.blob_path(layer), "ab") as f:
        f.write(b"\0" * 10)
    p = t.dredge("inspect", "oci:%s:v1" % lay.path, "--walk")
    t.exit(p, 6)
    t.contains(p.stderr, "size mismatch")


def test_diff_id_mismatch(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    tar = tar_bytes([{"name": "f", "data": "1"}])
    wrong = sha256(b"something else")
    lay.image("v", [tar], diff_ids=[wrong])
    p = t.dredge("inspect", "oci:%s:v" % lay.path, "--walk")
    t.exit(p, 6)
    t.contains(p.stderr, "diff_id mismatch: config says '%s', uncompressed tar hashes to '%s'" % (wrong, sha256(tar)))


def test_manifest_digest_mismatch(t):
    lay, desc, manifest, cfg, tar = simple_layout(t)
    path = lay.blob_path(desc["digest"])
    body = open(path, "rb").read().replace(b'"schemaVersion": 2', b'"schemaVersion":  2')
    open(path, "wb").write(body)
    p = t.dredge("inspect", "oci:%s:v1" % lay.path)
    t.exit(p, 6)
    t.contains(p.stderr, desc["digest"])
    t.contains(p.stderr, "digest mismatch")


def test_config_digest_mismatch(t):
    lay, desc, manifest, cfg, tar = simple_layout(t)
    path = lay.blob_path(manifest["config"]["digest"])
    open(path, "wb").write(open(path, "rb").read().replace(b'"sh"', b'"xx"'))
    p = t.dredge("inspect", "oci:%s:v1" % lay.path)
    t.exit(p, 6)
    t.contains(p.stderr, "config '%s': digest mismatch" % manifest["config"]["digest"])


def test_truncated_gzip(t):
    """A blob that hashes right but holds a cut gzip stream is malformed."""
    lay = Layout(os.path.join(t.tmp, "L"))
    tar = tar_bytes([{"name": "big", "data": os.urandom(200000)}])
    gz = gzip.compress(tar)[:-5000]
    ldesc = lay.blob(gz, "application/vnd.oci.image.layer.v1.tar+gzip")
    cfg = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [sha256(tar)]}}
    cdesc = lay.blob(json.dumps(cfg).encode(), "application/vnd.oci.image.config.v1+json")
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cdesc, "layers": [ldesc]}
    mdesc = lay.blob(json.dumps(m).encode(), m["mediaType"])
    mdesc["annotations"] = {"org.opencontainers.image.ref.name": "cut"}
    lay.index["manifests"].append(mdesc)
    lay.write_index()
    p = t.dredge("inspect", "oci:%s:cut" % lay.path, "--walk")
    t.exit(p, 8)
    t.contains(p.stderr, "truncated gzip stream")
    t.contains(p.stderr, ldesc["digest"])


def test_corrupt_gzip_with_valid_digest(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    tar = tar_bytes([{"name": "big", "data": os.urandom(50000)}])
    gz = bytearray(gzip.compress(tar))
    gz[len(gz) // 2] ^= 0x55
    gz[len(gz) // 2 + 1] ^= 0x55
    ldesc = lay.blob(bytes(gz), "application/vnd.oci.image.layer.v1.tar+gzip")
    cfg = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [sha256(tar)]}}
    cdesc = lay.blob(json.dumps(cfg).encode(), "application/vnd.oci.image.config.v1+json")
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cdesc, "layers": [ldesc]}
    mdesc = lay.blob(json.dumps(m).encode(), m["mediaType"])
    mdesc["annotations"] = {"org.opencontainers.image.ref.name": "bad"}
    lay.index["manifests"].append(mdesc)
    lay.write_index()
    p = t.dredge("inspect", "oci:%s:bad" % lay.path, "--walk")
    t.ok(p.returncode in (6, 8), "exit 6 (diff_id) or 8 (corrupt stream), got %d: %s" % (p.returncode, p.stderr))
    t.ok("corrupt gzip stream" in p.stderr or "gzip checksum mismatch" in p.stderr or "diff_id mismatch" in p.stderr, p.stderr)


def test_missing_blob(t):
    lay, desc, manifest, cfg, tar = simple_layout(t)
    os.unlink(lay.blob_path(manifest["layers"][0]["digest"]))
    p = t.dredge("inspect", "oci:%s:v1" % lay.path)
    t.exit(p, 0, "inspect without --walk does not read layers")
    p = t.dredge("inspect", "oci:%s:v1" % lay.path, "--walk")
    t.exit(p, 3)
    t.contains(p.stderr, "blob '%s' not found" % manifest["layers"][0]["digest"])


def test_hostile_tar_entries(t):
    """../ and absolute paths, links, devices, fifos and non-UTF-8 names are
    reported as they are, flagged, and never touch the disk."""
    lay = Layout(os.path.join(t.tmp, "L"))
    tar = tar_bytes([
        {"name": "../../etc/evil", "data": "x"},
        {"name": "/abs/path", "data": "y"},
        {"name": "ok/../../up", "data": "z"},
        {"name": "lnk", "type": "symlink", "link": "/etc/shadow"},
        {"name": "hard", "type": "hardlink", "link": "/abs/path"},
        {"name": "dev/null2", "type": "chr", "major": 1, "minor": 3, "mode": 0o666},
        {"name": "dev/sda9", "type": "blk", "major": 8, "minor": 9},
        {"name": "pipe", "type": "fifo"},
        {"name": b"caf\xe9/na\xefve", "data": "latin1"},
        {"name": "setuid", "data": "s", "mode": 0o4755, "uid": 0},
    ])
    lay.image("h", [tar])
    d = walk(t, "oci:%s:h" % lay.path)
    by = {f["path"]: f for f in d["files"]}
    t.eq(by["../../etc/evil"].get("unsafe_path"), True, "../ flagged")
    t.eq(by["abs/path"].get("unsafe_path"), True, "absolute flagged")
    t.eq(by["ok/../../up"].get("unsafe_path"), True)
    t.eq((by["lnk"]["type"], by["lnk"]["link"]), ("symlink", "/etc/shadow"))
    t.eq((by["hard"]["type"], by["hard"]["link"]), ("hardlink", "/abs/path"))
    t.eq((by["dev/null2"]["type"], by["dev/null2"]["major"], by["dev/null2"]["minor"]), ("chr", 1, 3))
    t.eq(by["dev/sda9"]["type"], "blk")
    t.eq(by["pipe"]["type"], "fifo")
    t.eq(by["setuid"]["mode"], "4755")
    t.eq(by["caf\\xe9/na\\xefve"].get("non_utf8"), True, "non-UTF-8 name kept byte-exact")
    t.eq(by["caf\\xe9/na\\xefve"]["sha256"], sha256(b"latin1"))
    t.ok(not os.path.exists("/etc/evil") and not os.path.exists("/abs/path"), "nothing extracted")


def test_whiteouts(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    l0 = tar_bytes([{"name": "app/", "type": "dir"}, {"name": "app/key.pem", "data": "k"},
                    {"name": "cache/", "type": "dir"}, {"name": "cache/a", "data": "a"}])
    l1 = tar_bytes([{"name": "app/.wh.key.pem", "data": ""},
                    {"name": "cache/.wh..wh..opq", "data": ""}])
    lay.image("w", [l0, l1])
    d = walk(t, "oci:%s:w" % lay.path)
    t.eq([(f[0], f[1], f[2]) for f in files_of(d) if f[0] == 1],
         [(1, "app/key.pem", "whiteout"), (1, "cache", "opaque")])
    t.eq([l["whiteouts"] for l in d["layers"]], [0, 2])


def test_multiarch_layout(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    a = lay.image("amd", [tar_bytes([{"name": "arch", "data": "amd64"}])], tagged=False)[0]
    b = lay.image("arm", [tar_bytes([{"name": "arch", "data": "arm64"}])], tagged=False,
                  platform=("linux", "arm64", "v8"))[0]
    att = lay.image("att", [tar_bytes([{"name": "x", "data": "x"}])], tagged=False,
                    platform=("unknown", "unknown", None))[0]
    idx = lay.multiarch("multi", [(a, ("linux", "amd64", None)), (b, ("linux", "arm64", "v8")),
                                  (att, ("unknown", "unknown", None))])
    d = walk(t, "oci:%s:multi" % lay.path)
    t.eq((d["platform"], d["manifest_digest"], d["index_digest"]), ("linux/amd64", a["digest"], idx["digest"]))
    d = walk(t, "oci:%s:multi" % lay.path, "--platform", "linux/arm64")
    t.eq((d["platform"], d["manifest_digest"]), ("linux/arm64/v8", b["digest"]))
    t.eq(d["files"][0]["sha256"], sha256(b"arm64"))
    docs = t.dredge_json("inspect", "oci:%s:multi" % lay.path, "--all-platforms", "--json")
    t.eq([x["platform"] for x in docs], ["linux/amd64", "linux/arm64/v8"], "attestation skipped")
    p = t.dredge("inspect", "oci:%s:multi" % lay.path, "--platform", "linux/s390x")
    t.exit(p, 3)
    t.contains(p.stderr, "no image for platform 'linux/s390x'")


def test_gzip_bomb(t):
    """1 GiB of zeros in a 1 MiB gzip stops at the ratio limit, fast."""
    lay = Layout(os.path.join(t.tmp, "L"))
    # a tar of one 1 GiB file of zeros, written as gzip without holding it all
    path = os.path.join(t.tmp, "bomb.gz")
    with gzip.open(path, "wb", compresslevel=9) as g:
        header = tar_bytes([{"name": "zeros", "data": b""}])[:512]
        import tarfile, io
        ti = tarfile.TarInfo("zeros")
        ti.size = 1 << 30
        g.write(ti.tobuf(format=tarfile.PAX_FORMAT))
        chunk = b"\0" * (1 << 20)
        for _ in range(1024):
            g.write(chunk)
        g.write(b"\0" * 1024)
    data = open(path, "rb").read()
    ldesc = lay.blob(data, "application/vnd.oci.image.layer.v1.tar+gzip")
    cfg = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [sha256(b"unknown")]}}
    cdesc = lay.blob(json.dumps(cfg).encode(), "application/vnd.oci.image.config.v1+json")
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cdesc, "layers": [ldesc]}
    mdesc = lay.blob(json.dumps(m).encode(), m["mediaType"])
    mdesc["annotations"] = {"org.opencontainers.image.ref.name": "bomb"}
    lay.index["manifests"].append(mdesc)
    lay.write_index()
    t.ok(len(data) < 2 << 20, "bomb is small: %d" % len(data))
    p = t.dredge("inspect", "oci:%s:bomb" % lay.path, "--walk", timeout=60)
    t.exit(p, 7)
    t.contains(p.stderr, "inflates more than 200 times its size")
    p = t.dredge("inspect", "oci:%s:bomb" % lay.path, "--walk", "--limit", "total-bytes=100M", "--limit", "ratio=100000", timeout=60)
    t.exit(p, 7)
    t.contains(p.stderr, "total-bytes limit")


def test_limits(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    tars = [tar_bytes([{"name": "f%d" % i, "data": "x"}]) for i in range(3)]
    lay.image("three", tars)
    p = t.dredge("inspect", "oci:%s:three" % lay.path, "--limit", "layers=2")
    t.exit(p, 7)
    t.contains(p.stderr, "limit")
    lay.image("many", [tar_bytes([{"name": "f%d" % i, "data": ""} for i in range(50)])])
    p = t.dredge("inspect", "oci:%s:many" % lay.path, "--walk", "--limit", "entries=10")
    t.exit(p, 7)
    t.contains(p.stderr, "more than 10 entries")
    lay.image("long", [tar_bytes([{"name": "d/" * 100 + "f", "data": ""}])])
    p = t.dredge("inspect", "oci:%s:long" % lay.path, "--walk", "--limit", "path-length=64")
    t.exit(p, 7)
    p = t.dredge("inspect", "oci:%s:three" % lay.path, "--limit", "manifest-bytes=100")
    t.exit(p, 7)
    p = t.dredge("inspect", "oci:%s:three" % lay.path, "--limit", "bogus=1")
    t.exit(p, 2)
    t.contains(p.stderr, "unknown limit 'bogus'")


def test_malformed_documents(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    def tagged(tag, body, mt="application/vnd.oci.image.manifest.v1+json"):
        d = lay.blob(body, mt)
        d["annotations"] = {"org.opencontainers.image.ref.name": tag}
        lay.index["manifests"].append(d)
        lay.write_index()
    tagged("badjson", b'{"schemaVersion": 2, "layers": [')
    tagged("deep", b"[" * 10000 + b"]" * 10000)
    tagged("schema1", json.dumps({"schemaVersion": 1, "name": "x", "tag": "y", "fsLayers": []}).encode(),
           "application/vnd.docker.distribution.manifest.v1+prettyjws")
    tagged("dup", b'{"schemaVersion":2,"schemaVersion":2}')
    for tag, code, msg in (("badjson", 8, "malformed JSON"), ("deep", 7, "nesting deeper than 64"),
                           ("schema1", 9, "schema 1"), ("dup", 8, "duplicate")):
        p = t.dredge("inspect", "oci:%s:%s" % (lay.path, tag))
        t.exit(p, code, tag)
        t.contains(p.stderr, msg, tag)


def test_bad_references(t):
    for ref, msg in (("Foo/Bar", "lowercase"), ("docker://", "invalid reference"),
                     ("name@sha256:abc", "digest"), ("oci:", "invalid reference")):
        p = t.dredge("inspect", ref)
        t.ok(p.returncode in (8, 9), "%s: exit %d" % (ref, p.returncode))
        t.contains(p.stderr.lower(), msg.lower(), ref)
    p = t.dredge("inspect", "oci:/nonexistent/dir")
    t.exit(p, 3)
    p = t.dredge("inspect", "docker-archive:/nonexistent.tar")
    t.exit(p, 3)
    p = t.dredge("inspect")
    t.exit(p, 2)


def test_not_a_layout(t):
    os.makedirs(os.path.join(t.tmp, "empty"))
    p = t.dredge("inspect", "oci:%s/empty" % t.tmp)
    t.exit(p, 8)
    t.contains(p.stderr, "not an OCI layout")
    junk = os.path.join(t.tmp, "junk.tar")
    open(junk, "wb").write(os.urandom(4096))
    p = t.dredge("inspect", "docker-archive:" + junk)
    t.exit(p, 8)
    gz = os.path.join(t.tmp, "c.tar.gz")
    open(gz, "wb").write(gzip.compress(tar_bytes([{"name": "manifest.json", "data": "[]"}])))
    p = t.dredge("inspect", "docker-archive:" + gz)
    t.exit(p, 8)
    t.contains(p.stderr, "compressed")


@slow
def test_100k_small_files(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    entries = [{"name": "d%03d/" % (i // 1000) + "f%05d" % i, "data": "%d\n" % i} for i in range(100000)]
    tar = tar_bytes(entries)
    lay.image("many", [tar])
    d = t.dredge_json("inspect", "oci:%s:many" % lay.path, "--walk", "--json", timeout=120)
    t.eq(d["layers"][0]["files"], 100000)
    t.eq(d["layers"][0]["entries"], 100000)
    t.ok(d["walk"]["seconds"] < 10, "walk took %.1fs" % d["walk"]["seconds"])


def test_dockerfile_and_history(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    hist = [
        {"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
        {"created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]", "empty_layer": True},
        {"created_by": "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit"},
        {"created_by": "/bin/sh -c #(nop)  ENV A=b", "empty_layer": True},
    ]
    lay.image("h", [tar_bytes([{"name": "a", "data": "1"}]), tar_bytes([{"name": "b", "data": "2"}])],
              history=hist)
    d = t.dredge_json("inspect", "oci:%s:h" % lay.path, "--json")
    t.eq([l["created_by"] for l in d["layers"]],
         ["ADD file:abc /", "RUN apt-get update && apt-get install -y curl"])
    t.eq(d["dockerfile"], 'FROM scratch\nADD file:abc /\nCMD ["bash"]\n'
         'RUN apt-get update && apt-get install -y curl\nENV A=b\n')
    t.eq([h["layer"] for h in d["history"]], [0, None, 1, None])


def test_secret_env_redacted(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    lay.image("e", [tar_bytes([{"name": "a", "data": "1"}])],
              config={"Env": ["PATH=/bin", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz"]})
    p = t.dredge("inspect", "oci:%s:e" % lay.path)
    t.exit(p, 0)
    t.contains(p.stdout, "AWS_SECRET_ACCESS_KEY=<redacted, 40 chars>")
    t.ok("wJalr" not in p.stdout, "secret hidden")
    p = t.dredge("inspect", "oci:%s:e" % lay.path, "--show-secrets")
    t.contains(p.stdout, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz")


def _run_on_pty(t, *args):
    """Runs dredge with stderr on a pseudo-terminal; returns (exit, what the
    terminal showed)."""
    import pty
    import subprocess
    master, slave = pty.openpty()
    p = subprocess.Popen([t.binary, *args], stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=60), out.decode("utf-8", "replace")


def test_progress_only_on_terminal(t):
    lay = Layout(os.path.join(t.tmp, "L"))
    lay.image("p", [tar_bytes([{"name": "f%d" % i, "data": os.urandom(2000)} for i in range(200)])])
    code, screen = _run_on_pty(t, "inspect", "--walk", "oci:%s:p" % lay.path)
    t.eq(code, 0)
    t.contains(screen, "walk layer 1/1", "progress line on a terminal")
    t.contains(screen, "200 entries")
    code, screen = _run_on_pty(t, "inspect", "--walk", "--quiet", "oci:%s:p" % lay.path)
    t.eq((code, screen), (0, ""), "--quiet draws nothing")
    p = t.dredge("inspect", "--walk", "oci:%s:p" % lay.path)
    t.eq((p.returncode, p.stderr), (0, ""), "nothing extra when stderr is not a terminal")
