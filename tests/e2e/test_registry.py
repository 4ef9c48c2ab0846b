"""The registry source against a real registry (Debian's docker-registry),
with images built by umoci and pushed by skopeo, Basic and Bearer auth, TLS,
and a fault-injecting proxy for 5xx, 429, dropped connections, redirects and
forged manifests."""
import base64
import json
import os
import time

from lib import images
from lib.faultproxy import FaultProxy
from lib.registry import PASSWORD, USER, Registry, build_image

NAME = "team/app"


def start(t, kind="plain", **kw):
    r = Registry(t.tmp, kind, **kw)
    t.defer(r.stop)
    return r


def proxy(t, r):
    p = FaultProxy(r.host)
    t.defer(p.stop)
    return p


def push_simple(t, r, name=NAME, tag="t", files=None, compress=None):
    lay = build_image(t.tmp, files=files or {"etc/hello.txt": "hello\n",
                                             "srv/data.bin": os.urandom(200000)})
    return r.push(lay, "t", name, tag, compress=compress)


def inspect(t, ref, *args, **kw):
    return t.dredge_json("inspect", ref, "--json", "--insecure", *args, **kw)


def layer_digests(doc):
    return [layer["digest"] for layer in doc["layers"]]


def test_pull_by_tag_and_digest(t):
    r = start(t)
    digest, manifest = push_simple(t, r)
    by_tag = inspect(t, r.ref(NAME, "t"), "--walk")
    t.eq(by_tag["manifest_digest"], digest, "manifest digest by tag")
    t.eq(by_tag["config_digest"], manifest["config"]["digest"], "config digest")
    t.eq(layer_digests(by_tag), [m["digest"] for m in manifest["layers"]], "layers")
    t.eq(by_tag["platform"], "linux/amd64", "platform")
    t.eq(by_tag["walk"]["verified"], True, "walk verified")
    by_digest = inspect(t, r.ref(NAME, digest=digest), "--walk")
    t.eq(by_digest["manifest_digest"], digest, "manifest digest by digest")
    t.eq(by_digest["layers"], by_tag["layers"], "same layers by digest")
    t.contains(by_digest["reference"], digest, "reference names the digest")


def test_manifest_not_found(t):
    r = start(t)
    push_simple(t, r)
    p = t.dredge("inspect", r.ref(NAME, "nope"), "--insecure")
    t.exit(p, 3, "unknown tag")
    t.contains(p.stderr, "manifest '%s:nope' not found in '%s'" % (NAME, r.host))


def _platform_image(t, r, arch, marker):
    lay = os.path.join(t.tmp, "layout-" + arch)
    images.umoci_image(lay, "t", [{"etc/arch": marker}], config={"cmd": ["/bin/sh"]})
    images.run("umoci", "config", "--image", lay + ":t", "--architecture", arch, "--os", "linux")
    digest, manifest = r.push(lay, "t", NAME, arch)
    st, ct, body = r.manifest(NAME, digest)
    t.eq(st, 200, "pushed %s manifest" % arch)
    return {"mediaType": ct, "digest": digest, "size": len(body),
            "platform": {"os": "linux", "architecture": arch}}


def test_multiarch_index(t):
    r = start(t)
    amd = _platform_image(t, r, "amd64", "x86\n")
    arm = _platform_image(t, r, "arm64", "arm\n")
    index = json.dumps({"schemaVersion": 2, "mediaType": images.OCI_INDEX,
                        "manifests": [amd, arm]}).encode()
    index_digest = r.put_manifest(NAME, "multi", index, images.OCI_INDEX)
    t.eq(index_digest, images.sha256(index), "registry keeps the index bytes")
    ref = r.ref(NAME, "multi")
    default = inspect(t, ref)
    t.eq(default["manifest_digest"], amd["digest"], "default platform picks amd64")
    t.eq(default["index_digest"], index_digest, "index digest")
    picked = inspect(t, ref, "--platform", "linux/arm64", "--walk")
    t.eq(picked["manifest_digest"], arm["digest"], "--platform linux/arm64")
    t.eq(picked["platform"], "linux/arm64", "platform of the arm64 image")
    every = inspect(t, ref, "--all-platforms")
    t.ok(isinstance(every, list), "--all-platforms prints an array")
    t.eq([d["manifest_digest"] for d in every], [amd["digest"], arm["digest"]], "all platforms")
    t.eq([d["platform"] for d in every], ["linux/amd64", "linux/arm64"], "platforms")
    p = t.dredge("inspect", ref, "--insecure", "--platform", "linux/s390x")
    t.exit(p, 3, "a platform the index lacks")


def test_basic_auth(t):
    r = start(t, "basic")
    digest, _ = push_simple(t, r)
    ref = r.ref(NAME, "t")
    doc = inspect(t, ref, "--walk", "--creds", "%s:%s" % (USER, PASSWORD))
    t.eq(doc["manifest_digest"], digest, "digest with --creds")
    p = t.dredge("inspect", ref, "--insecure", "--creds", USER + ":wrong")
    t.exit(p, 5, "wrong password")
    t.contains(p.stderr, "registry '%s' refused the credentials of user '%s'" % (r.host, USER))
    t.contains(p.stderr, "HTTP 401")
    p = t.dredge("inspect", ref, "--insecure")
    t.exit(p, 5, "no credentials")
    t.contains(p.stderr, "registry '%s' requires credentials" % r.host)


def _docker_config(t, doc):
    d = os.path.join(t.tmp, "dockercfg")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(doc, f)
    return {"DOCKER_CONFIG": d}


def _helper(t, name, script):
    """Writes docker-credential-<name> (a sh script) into the test's helper
    directory and returns that directory."""
    bindir = os.path.join(t.tmp, "helpers")
    os.makedirs(bindir, exist_ok=True)
    path = os.path.join(bindir, "docker-credential-" + name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + script)
    os.chmod(path, 0o755)
    return bindir


def test_basic_auth_from_docker_config(t):
    r = start(t, "basic")
    digest, _ = push_simple(t, r)
    ref = r.ref(NAME, "t")
    auth = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
    env = _docker_config(t, {"auths": {"https://%s/v1/" % r.host: {"auth": auth}}})
    doc = inspect(t, ref, env=env)
    t.eq(doc["manifest_digest"], digest, "credentials from config.json auths (auth)")
    env = _docker_config(t, {"auths": {r.host: {"username": USER, "password": PASSWORD}}})
    doc = inspect(t, ref, env=env)
    t.eq(doc["manifest_digest"], digest, "credentials from config.json auths (username)")
    # credential helpers: a fake docker-credential-<name> on PATH that logs
    # the server it is asked about and knows only this registry
    asked = os.path.join(t.tmp, "asked.log")
    bindir = _helper(t, "e2e",
                     "[ \"$1\" = get ] || exit 2\nread -r s\n"
                     "printf '%%s\\n' \"$s\" >> %s\n"
                     "if [ \"$s\" = %s ]; then printf '{\"ServerURL\":\"%%s\",\"Username\":\"%s\","
                     "\"Secret\":\"%s\"}' \"$s\"; exit 0; fi\n"
                     "echo 'credentials not found in native keychain'; exit 1\n"
                     % (asked, r.host, USER, PASSWORD))
    path = bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin")
    env = _docker_config(t, {"auths": {}, "credHelpers": {r.host: "e2e"}})
    env["PATH"] = path
    doc = inspect(t, ref, env=env)
    t.eq(doc["manifest_digest"], digest, "credentials from the registry's credHelpers helper")
    env = _docker_config(t, {"auths": {r.host: {}}, "credsStore": "e2e"})
    env["PATH"] = path
    doc = inspect(t, ref, env=env)
    t.eq(doc["manifest_digest"], digest, "credentials from the credsStore store")
    with open(asked) as f:
        t.eq(f.read().split(), [r.host, r.host], "servers the helper was asked about")
    # a store without this registry's login: no credentials, the registry refuses
    env = _docker_config(t, {"auths": {"other.example": {}}, "credsStore": "e2e"})
    env["PATH"] = path
    p = t.dredge("inspect", ref, "--insecure", env=env)
    t.exit(p, 5, "no login recorded for the registry")
    t.contains(p.stderr, "registry '%s' requires credentials" % r.host)
    env = _docker_config(t, {"auths": {}, "credHelpers": {r.host: "secretservice"}})
    env["PATH"] = bindir
    p = t.dredge("inspect", ref, "--insecure", env=env)
    t.exit(p, 5, "credential helper not installed")
    t.contains(p.stderr, "cannot run credential helper 'docker-credential-secretservice' "
               "(is it installed and on PATH?)")


def test_identity_token(t):
    """An identity (OAuth2 refresh) token from config.json or a helper is
    traded for a pull token by a POST, as docker does."""
    r = start(t, "token")
    digest, _ = push_simple(t, r)
    ref = r.ref(NAME, "t")
    r.token.anonymous = False
    r.token.refresh_tokens["rt-e2e-123"] = USER
    # an ACR-style login: a placeholder user beside the identity token
    placeholder = base64.b64encode(b"00000000-0000-0000-0000-000000000000:").decode()
    env = _docker_config(t, {"auths": {r.host: {"auth": placeholder,
                                                "identitytoken": "rt-e2e-123"}}})
    before = len(r.token.token_requests())
    doc = inspect(t, ref, "--walk", env=env)
    t.eq(doc["manifest_digest"], digest, "pull with an identity token")
    reqs = r.token.token_requests()[before:]
    t.eq([q["method"] for q in reqs], ["POST"], "one OAuth2 token request")
    t.eq(reqs[0]["form"], {"grant_type": ["refresh_token"], "service": [r.token.service],
                           "scope": ["repository:%s:pull" % NAME], "client_id": ["dredge"],
                           "refresh_token": ["rt-e2e-123"]}, "token request form")
    t.eq(reqs[0]["authorization"], "", "no Basic header with an identity token")
    t.eq(reqs[0]["user"], USER, "token granted to the token's user")
    # the same token from a credential helper, as user "<token>"
    bindir = _helper(t, "idt", "printf '{\"Username\":\"<token>\",\"Secret\":\"rt-e2e-123\"}'\n")
    env = _docker_config(t, {"credHelpers": {r.host: "idt"}})
    env["PATH"] = bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin")
    doc = inspect(t, ref, env=env)
    t.eq(doc["manifest_digest"], digest, "identity token from a credential helper")
    # a revoked token: refused, and the token is not printed
    env = _docker_config(t, {"auths": {r.host: {"identitytoken": "rt-revoked-999"}}})
    p = t.dredge("inspect", ref, "--insecure", env=env)
    t.exit(p, 5, "unknown identity token")
    t.contains(p.stderr, "token server '%s' refused the identity token for registry '%s': "
               "HTTP 401" % (r.token.realm, r.host))
    t.ok("rt-revoked-999" not in p.stderr, "identity token not printed")
    # a registry that wants a password cannot take an identity token
    b = start(t, "basic")
    push_simple(t, b)
    env = _docker_config(t, {"auths": {b.host: {"identitytoken": "rt-e2e-123"}}})
    p = t.dredge("inspect", b.ref(NAME, "t"), "--insecure", env=env)
    t.exit(p, 5, "identity token for a Basic registry")
    t.contains(p.stderr, "registry '%s' asks for a password (Basic), but the credentials for "
               "it are an identity token; pass --creds" % b.host)


def test_token_auth(t):
    r = start(t, "token")
    digest, manifest = push_simple(t, r)
    before = len(r.token.token_requests())
    doc = inspect(t, r.ref(NAME, "t"), "--walk", "--creds", "%s:%s" % (USER, PASSWORD))
    t.eq(doc["manifest_digest"], digest, "digest through token auth")
    t.eq(doc["walk"]["verified"], True, "walk verified")
    reqs = r.token.token_requests()[before:]
    t.eq(len(reqs), 1, "one token for manifest, config and layers")
    t.eq(reqs[0]["query"].get("scope"), ["repository:%s:pull" % NAME], "token scope")
    t.eq(reqs[0]["query"].get("service"), [r.token.service], "token service")
    t.eq(reqs[0]["user"], USER, "token asked with the credentials")
    # anonymous pull: the token server grants pull without credentials
    doc = inspect(t, r.ref(NAME, "t"))
    t.eq(doc["manifest_digest"], digest, "anonymous token")
    t.eq(r.token.token_requests()[-1]["user"], None, "anonymous token request")
    p = t.dredge("inspect", r.ref(NAME, "t"), "--insecure", "--creds", USER + ":wrong")
    t.exit(p, 5, "token server refuses the password")
    t.contains(p.stderr, "token server '%s' refused the credentials for registry '%s': HTTP 401"
               % (r.token.realm, r.host))


def test_blob_not_found(t):
    r = start(t)
    _, manifest = push_simple(t, r)
    layer = manifest["layers"][0]["digest"]
    os.unlink(r.blob_data_path(layer))
    p = t.dredge("inspect", r.ref(NAME, "t"), "--insecure", "--walk")
    t.exit(p, 3, "deleted layer blob")
    t.contains(p.stderr, "blob '%s' not found in '%s'" % (layer, r.host))


def test_blob_digest_mismatch(t):
    r = start(t)
    _, manifest = push_simple(t, r)
    layer = manifest["layers"][0]
    path = r.blob_data_path(layer["digest"])
    forged = os.urandom(layer["size"])
    with open(path, "wb") as f:
        f.write(forged)
    p = t.dredge("inspect", r.ref(NAME, "t"), "--insecure", "--walk")
    t.exit(p, 6, "layer bytes that do not match the digest")
    t.contains(p.stderr, layer["digest"], "message names the expected digest")
    t.contains(p.stderr, images.sha256(forged), "message names the actual digest")


def test_manifest_digest_mismatch(t):
    r = start(t)
    digest, manifest = push_simple(t, r)
    px = proxy(t, r)
    other = json.dumps(manifest, indent=1).encode()
    px.add("/manifests/" + digest, "body", body=other, times=None)
    p = t.dredge("inspect", r.ref(NAME, digest=digest, host=px.host), "--insecure")
    t.exit(p, 6, "manifest bytes that do not match the digest asked for")
    t.contains(p.stderr, digest, "message names the digest asked for")
    t.contains(p.stderr, images.sha256(other), "message names the digest of the bytes")


def test_retry_500_then_200(t):
    r = start(t)
    digest, manifest = push_simple(t, r)
    layer = manifest["layers"][0]["digest"]
    px = proxy(t, r)
    px.add("/manifests/t", "status", status=500)
    px.add("/blobs/" + layer, "status", status=502)
    doc = inspect(t, r.ref(NAME, "t", host=px.host), "--walk")
    t.eq(doc["manifest_digest"], digest, "digest after 500")
    t.eq(doc["walk"]["verified"], True, "walk verified after 502")
    t.eq([q["fault"] for q in px.seen("/manifests/t")], ["status", None], "manifest retried")
    t.eq([q["fault"] for q in px.seen("/blobs/" + layer)], ["status", None], "blob retried")


def test_retry_429_retry_after(t):
    r = start(t)
    digest, _ = push_simple(t, r)
    px = proxy(t, r)
    px.add("/manifests/t", "status", status=429, headers={"Retry-After": "1"},
           body=b'{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}')
    doc = inspect(t, r.ref(NAME, "t", host=px.host))
    t.eq(doc["manifest_digest"], digest, "digest after 429")
    seen = px.seen("/manifests/t")
    t.eq([q["fault"] for q in seen], ["status", None], "manifest retried after 429")
    gap = seen[1]["time"] - seen[0]["time"]
    t.ok(gap >= 1.0, "waited %.2f s after Retry-After: 1" % gap)


def test_retries_exhausted(t):
    r = start(t)
    _, manifest = push_simple(t, r)
    layer = manifest["layers"][0]["digest"]
    px = proxy(t, r)
    px.add("/blobs/" + layer, "status", status=503, times=None)
    p = t.dredge("inspect", r.ref(NAME, "t", host=px.host), "--insecure", "--walk",
                 "--retries", "1")
    t.exit(p, 4, "503 forever")
    t.contains(p.stderr, "cannot fetch blob '%s' from '%s' after 2 attempts: HTTP 503"
               % (layer, px.host))
    t.eq(len(px.seen("/blobs/" + layer)), 2, "one retry")


def test_resume_after_cut(t):
    r = start(t)
    digest, manifest = push_simple(t, r, files={"big.bin": os.urandom(2000000)})
    layer = manifest["layers"][0]["digest"]
    px = proxy(t, r)
    px.add("/blobs/" + layer, "cut", after=500000)
    doc = inspect(t, r.ref(NAME, "t", host=px.host), "--walk")
    t.eq(doc["walk"]["verified"], True, "walk verified after a dropped connection")
    t.eq([(q["fault"], q["range"]) for q in px.seen("/blobs/" + layer)],
         [("cut", None), (None, "bytes=500000-")], "resumed with Range")


def test_redirect_drops_authorization(t):
    r = start(t)
    digest, manifest = push_simple(t, r)
    cdn = proxy(t, r)
    px = proxy(t, r)
    px.add("/blobs/", "redirect", to="http://" + cdn.host, times=None)
    px.add("/v2/", "basic", user="u", password="p", times=None)
    doc = inspect(t, r.ref(NAME, "t", host=px.host), "--walk", "--creds", "u:p")
    t.eq(doc["walk"]["verified"], True, "blobs through a redirect")
    redirected = px.seen("/blobs/")
    t.eq(len(redirected), 2, "config and layer redirected")
    t.ok(all(q["authorization"] for q in redirected), "the registry got credentials")
    served = cdn.seen("/blobs/")
    t.eq(len(served), 2, "the other host served both blobs")
    t.eq([q["authorization"] for q in served], [None, None], "no credentials to the other host")


def test_compressions_walk(t):
    r = start(t)
    lay = build_image(t.tmp, files={"etc/hello.txt": "hello\n", "srv/a.bin": os.urandom(100000)})
    seen = {}
    # zstd first: skopeo reuses a blob it already pushed rather than recompress
    for how in ("zstd", "gzip", "none"):
        name = "%s-%s" % (NAME, how)
        if how == "none":
            digest, manifest = r.push_uncompressed(lay, "t", name, "t")
        else:
            digest, manifest = r.push(lay, "t", name, "t", compress=how)
        mt = images.LAYER_MT[how]
        t.eq(manifest["layers"][0]["mediaType"], mt, "pushed %s layer" % how)
        doc = inspect(t, r.ref(name, "t"), "--walk")
        t.eq(doc["manifest_digest"], digest, "%s manifest digest" % how)
        t.eq(doc["layers"][0]["media_type"], mt, "%s media type" % how)
        t.eq(doc["walk"]["verified"], True, "%s walk verified" % how)
        seen[how] = (doc["layers"][0]["diff_id"], doc["layers"][0]["entries"],
                     doc["walk"]["bytes_uncompressed"])
    t.eq(seen["zstd"], seen["gzip"], "zstd layer walks like gzip")
    t.eq(seen["none"], seen["gzip"], "uncompressed layer walks like gzip")


def test_tls_ca_file(t):
    r = start(t, "tls")
    digest, _ = push_simple(t, r)
    ref = r.ref(NAME, "t")
    p = t.dredge("inspect", ref)
    t.exit(p, 4, "self-signed certificate without --ca-file")
    t.contains(p.stderr, "cannot verify the TLS certificate of '%s'" % r.host)
    doc = t.dredge_json("inspect", ref, "--json", "--ca-file", r.cert)
    t.eq(doc["manifest_digest"], digest, "with --ca-file")
    doc = t.dredge_json("inspect", ref, "--json", "--insecure")
    t.eq(doc["manifest_digest"], digest, "with --insecure")


def test_plain_http_needs_insecure(t):
    r = start(t)
    digest, _ = push_simple(t, r)
    p = t.dredge("inspect", r.ref(NAME, "t"))
    t.exit(p, 4, "plain http without --insecure")
    t.contains(p.stderr, "cannot reach registry '%s' over TLS" % r.host)
    t.contains(p.stderr, "--insecure")


def test_unreachable_registry(t):
    r = start(t)
    host = r.host
    r.stop()
    t0 = time.time()
    p = t.dredge("inspect", "docker://%s/%s:t" % (host, NAME), "--insecure", "--retries", "1")
    t.exit(p, 4, "nothing listening")
    t.contains(p.stderr, "after 2 attempts")
    t.ok(time.time() - t0 < 10, "gave up after one retry")


def test_timeout_bounds_a_request(t):
    r = start(t)
    push_simple(t, r)
    px = proxy(t, r)
    px.add("/manifests/t", "stall", after=0, seconds=30)
    t0 = time.time()
    p = t.dredge("inspect", r.ref(NAME, "t", host=px.host), "--insecure", "--timeout", "3")
    took = time.time() - t0
    t.exit(p, 4, "a registry that stops answering")
    t.contains(p.stderr, "cannot fetch manifest '%s:t' from '%s' within 3 s" % (NAME, px.host))
    t.ok(2.5 <= took < 8, "gave up after %.1f s with --timeout 3" % took)


def test_resume_after_stall(t):
    """A transfer that goes silent is dropped after --stall seconds and
    resumed with Range."""
    r = start(t)
    digest, manifest = push_simple(t, r, files={"big.bin": os.urandom(2000000)})
    layer = manifest["layers"][0]["digest"]
    px = proxy(t, r)
    px.add("/blobs/" + layer, "stall", after=400000, seconds=30)
    t0 = time.time()
    doc = inspect(t, r.ref(NAME, "t", host=px.host), "--walk", "--stall", "2")
    took = time.time() - t0
    t.eq(doc["walk"]["verified"], True, "walk verified after a stall")
    t.ok(2 <= took < 20, "resumed after the 2 s stall limit, took %.1fs" % took)
    t.eq([(q["fault"], q["range"]) for q in px.seen("/blobs/" + layer)],
         [("stall", None), (None, "bytes=400000-")], "resumed with Range")
