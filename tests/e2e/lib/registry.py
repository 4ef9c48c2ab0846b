"""A real registry for the tests: Debian's `docker-registry` (the CNCF
distribution registry) on 127.0.0.1 with a free port and storage in a temp
dir, started from a generated config.yml.

Kinds: "plain" (anonymous, http), "basic" (htpasswd, bcrypt), "token"
(Bearer tokens from lib.tokenserver), "tls" (https with a self-signed
certificate, for --ca-file). Use it as a context manager or call stop() in
a finally; the registry process is also killed after `lifetime` seconds."""
import base64
import gzip
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings

from lib import images
from lib.tokenserver import TokenServer

REGISTRY_BIN = "docker-registry"
USER, PASSWORD = "tester", "s3cret-pw"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bcrypt(password):
    if shutil.which("htpasswd"):
        out = subprocess.run(["htpasswd", "-nbB", "x", password], capture_output=True,
                             text=True, check=True).stdout.strip()
        return out.split(":", 1)[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 5))


def self_signed(dirpath, name="cert"):
    """Writes name.pem/name.key (RSA, CN and SAN 127.0.0.1); returns paths."""
    cert = os.path.join(dirpath, name + ".pem")
    key = os.path.join(dirpath, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert], capture_output=True, check=True)
    return cert, key


class Registry:
    def __init__(self, tmp, kind="plain", lifetime=300, users=None):
        self.kind = kind
        self.dir = os.path.join(tmp, "registry-%s-%d" % (kind, free_port()))
        self.storage = os.path.join(self.dir, "storage")
        os.makedirs(self.storage)
        self.port = free_port()
        self.host = "127.0.0.1:%d" % self.port
        self.users = users or {USER: PASSWORD}
        self.proc = None
        self.token = None
        self.cert = None
        self.lifetime = lifetime
        self._timer = None
        self._start()

    # --- lifecycle ---------------------------------------------------------
    def _config(self):
        lines = [
            "version: 0.1",
            "log:",
            "  level: error",
            "  accesslog:",
            "    disabled: true",
            "storage:",
            "  filesystem:",
            "    rootdirectory: %s" % self.storage,
            "  delete:",
            "    enabled: true",
            "  maintenance:",
            "    uploadpurging:",
            "      enabled: false",
            "http:",
            "  addr: 127.0.0.1:%d" % self.port,
            "  secret: dredge-e2e-secret",
        ]
        if self.kind == "tls":
            self.cert, key = self_signed(self.dir, "registry")
            lines += ["  tls:", "    certificate: %s" % self.cert, "    key: %s" % key]
        if self.kind == "basic":
            htp = os.path.join(self.dir, "htpasswd")
            with open(htp, "w") as f:
                for u, p in self.users.items():
                    f.write("%s:%s\n" % (u, _bcrypt(p)))
            lines += ["auth:", "  htpasswd:", "    realm: dredge-e2e", "    path: %s" % htp]
        if self.kind == "token":
            self.token = TokenServer(self.dir, users=self.users, lifetime=self.lifetime + 30)
            lines += ["auth:", "  token:",
                      "    realm: %s" % self.token.realm,
                      "    service: %s" % self.token.service,
                      "    issuer: %s" % self.token.issuer,
                      "    rootcertbundle: %s" % self.token.cert]
        return "\n".join(lines) + "\n"

    def _start(self):
        cfg = os.path.join(self.dir, "config.yml")
        with open(cfg, "w") as f:
            f.write(self._config())
        self.log = open(os.path.join(self.dir, "registry.log"), "wb")
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", cfg], stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._timer = threading.Timer(self.lifetime, self._kill)
        self._timer.daemon = True
        self._timer.start()
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        with open(os.path.join(self.dir, "registry.log"), "rb") as f:
            raise RuntimeError("docker-registry did not start:\n" + f.read().decode(errors="replace"))

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()

    def stop(self):
        if self._timer:
            self._timer.cancel()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.token:
            self.token.stop()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # --- addressing --------------------------------------------------------
    @property
    def scheme(self):
        return "https" if self.kind == "tls" else "http"

    def ref(self, name, tag=None, digest=None, host=None):
        r = "docker://%s/%s" % (host or self.host, name)
        if tag:
            r += ":" + tag
        if digest:
            r += "@" + digest
        return r

    def blob_data_path(self, digest):
        hexd = digest.split(":", 1)[1]
        return os.path.join(self.storage, "docker", "registry", "v2", "blobs", "sha256",
                            hexd[:2], hexd, "data")

    # --- direct API access (for what skopeo cannot write) -----------------
    def _auth_header(self, scope):
        if self.kind == "basic":
            u, p = next(iter(self.users.items()))
            return "Basic " + base64.b64encode(("%s:%s" % (u, p)).encode()).decode()
        if self.kind == "token":
            return "Bearer " + self.token.issue(scope, next(iter(self.users)))
        return None

    def request(self, method, path, data=None, headers=None, scope=None):
        """One request to the registry API; returns (status, headers, body)."""
        h = dict(headers or {})
        a = self._auth_header(scope or [])
        if a:
            h["Authorization"] = a
        req = urllib.request.Request("%s://%s%s" % (self.scheme, self.host, path), data=data,
                                     headers=h, method=method)
        ctx = None
        if self.kind == "tls":
            ctx = ssl.create_default_context(cafile=self.cert)
        try:
            with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def manifest(self, name, reference, accept=None):
        """(status, content type, body) of a manifest."""
        accept = accept or ",".join([images.OCI_INDEX, images.OCI_MANIFEST,
                                     "application/vnd.docker.distribution.manifest.v2+json",
                                     "application/vnd.docker.distribution.manifest.list.v2+json"])
        st, hd, body = self.request("GET", "/v2/%s/manifests/%s" % (name, reference),
                                    headers={"Accept": accept},
                                    scope=[("repository", name, ["pull"])])
        return st, hd.get("Content-Type"), body

    def put_manifest(self, name, reference, body, media_type):
        st, hd, resp = self.request("PUT", "/v2/%s/manifests/%s" % (name, reference), data=body,
                                    headers={"Content-Type": media_type},
                                    scope=[("repository", name, ["pull", "push"])])
        if st not in (200, 201):
            raise RuntimeError("PUT manifest %s:%s -> %d %s" % (name, reference, st, resp[:300]))
        return hd.get("Docker-Content-Digest")

    def push_blob(self, name, data):
        """Uploads one blob (monolithic POST + PUT); returns its digest."""
        scope = [("repository", name, ["pull", "push"])]
        st, hd, body = self.request("POST", "/v2/%s/blobs/uploads/" % name, data=b"",
                                    scope=scope)
        if st != 202:
            raise RuntimeError("blob upload to %s -> %d %s" % (name, st, body[:300]))
        loc = hd.get("Location") or hd.get("location")
        if "://" in loc:
            loc = "/" + loc.split("://", 1)[1].split("/", 1)[1]
        digest = images.sha256(data)
        st, hd, body = self.request("PUT", "%s%sdigest=%s" % (loc, "&" if "?" in loc else "?",
                                                             digest),
                                    data=data, scope=scope,
                                    headers={"Content-Type": "application/octet-stream"})
        if st != 201:
            raise RuntimeError("blob PUT to %s -> %d %s" % (name, st, body[:300]))
        return digest

    def push_uncompressed(self, layout, tag, name, dest_tag):
        """Pushes oci:layout:tag with every gzip layer stored uncompressed
        (skopeo always compresses for a registry); the config, and so the
        diff_ids, stay the same. Returns (digest, manifest)."""
        with open(os.path.join(layout, "index.json")) as f:
            index = json.load(f)
        desc = next(m for m in index["manifests"]
                    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)

        def blob(digest):
            with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as f:
                return f.read()

        manifest = json.loads(blob(desc["digest"]))
        self.push_blob(name, blob(manifest["config"]["digest"]))
        for layer in manifest["layers"]:
            data = blob(layer["digest"])
            if layer["mediaType"].endswith("+gzip"):
                data = gzip.decompress(data)
                layer["mediaType"] = images.LAYER_MT["none"]
            layer["digest"] = self.push_blob(name, data)
            layer["size"] = len(data)
        body = json.dumps(manifest).encode()
        self.put_manifest(name, dest_tag, body, manifest.get("mediaType", images.OCI_MANIFEST))
        return images.sha256(body), manifest

    # --- pushing images ----------------------------------------------------
    def push(self, layout, tag, name, dest_tag=None, compress=None):
        """Copies oci:layout:tag to name:dest_tag with skopeo. compress:
        None (as is), "gzip" or "zstd" (skopeo may reuse a blob it finds
        in the registry instead: push the gzip source as is last)."""
        extra = ["--dest-tls-verify=false"]
        if self.kind in ("basic", "token"):
            u, p = next(iter(self.users.items()))
            extra += ["--dest-creds", "%s:%s" % (u, p)]
        if compress == "zstd":
            extra += ["--dest-compress", "--dest-compress-format", "zstd"]
        elif compress == "gzip":
            extra += ["--dest-compress", "--dest-compress-format", "gzip"]
        # skopeo's blob-info cache lives under $HOME and would let it reuse a
        # blob pushed earlier in another compression: give every push its own
        home = tempfile.mkdtemp(prefix="skopeo-home-", dir=self.dir)
        env = dict(os.environ, HOME=home, XDG_DATA_HOME=os.path.join(home, "data"))
        images.run("skopeo", "copy", "-q", "--insecure-policy", *extra,
                   "oci:%s:%s" % (layout, tag),
                   "docker://%s/%s:%s" % (self.host, name, dest_tag or tag), env=env)
        st, ct, body = self.manifest(name, dest_tag or tag)
        if st != 200:
            raise RuntimeError("pushed %s:%s but the registry answers %d" % (name, tag, st))
        return images.sha256(body), json.loads(body)


def build_image(tmp, tag="t", files=None, cmd=None, layers=None):
    """An OCI layout built with umoci; returns its path. files: one layer of
    {path: bytes|str}; layers: several such dicts."""
    layout = os.path.join(tmp, "layout-%s-%d" % (tag, free_port()))
    images.umoci_image(layout, tag, layers or [files or {"etc/hello.txt": "hello\n"}],
                       config={"cmd": cmd or ["/bin/sh"]})
    return layout
