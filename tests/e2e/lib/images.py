"""Building test images.

Ordinary images are built with the real tools (umoci, skopeo). Hostile ones
(bad digests, odd tar entries, bombs) are written here byte by byte, since
no well-behaved tool will produce them."""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_MT = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def run(*cmd, **kw):
    p = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr))
    return p.stdout


# ---- real tools ------------------------------------------------------------

def umoci_image(layout, tag, layers, config=None):
    """Builds layout:tag with umoci: each layer is {path: bytes|str} (a path
    ending in '/' is a directory; a value None deletes the path, which makes
    a whiteout). config: dict of umoci config flags, e.g.
    {"cmd": ["sh"], "entrypoint": [...], "env": ["A=b"], "user": "1000"}."""
    work = layout + ".bundle"
    if not os.path.isdir(layout):
        run("umoci", "init", "--layout", layout)
        run("umoci", "new", "--image", "%s:%s" % (layout, tag))
    for files in layers:
        shutil.rmtree(work, ignore_errors=True)
        run("umoci", "unpack", "--rootless", "--image", "%s:%s" % (layout, tag), work)
        root = os.path.join(work, "rootfs")
        for path, data in files.items():
            full = os.path.join(root, path.lstrip("/"))
            if data is None:
                if os.path.isdir(full) and not os.path.islink(full):
                    shutil.rmtree(full)
                else:
                    os.unlink(full)
                continue
            if path.endswith("/"):
                os.makedirs(full, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data.encode() if isinstance(data, str) else data)
        run("umoci", "repack", "--image", "%s:%s" % (layout, tag), work)
    shutil.rmtree(work, ignore_errors=True)
    if config:
        args = []
        for k, v in config.items():
            for item in (v if isinstance(v, list) else [v]):
                args += ["--config.%s" % k, item]
        run("umoci", "config", "--image", "%s:%s" % (layout, tag), *args)


def skopeo_copy(src, dst, *extra):
    run("skopeo", "copy", "-q", "--insecure-policy", *extra, src, dst)


# ---- tar and compression ---------------------------------------------------

def tar_bytes(entries):
    """entries: list of dicts {name, type ('file','dir','symlink','hardlink',
    'chr','blk','fifo'), data, mode, uid, gid, link, major, minor}. name may
    be bytes (non-UTF-8)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT,
                      encoding="utf-8", errors="surrogateescape") as tf:
        for e in entries:
            name = e["name"]
            if isinstance(name, bytes):
                name = name.decode("utf-8", "surrogateescape")
            ti = tarfile.TarInfo(name)
            kind = e.get("type", "file")
            ti.mode = e.get("mode", 0o755 if kind == "dir" else 0o644)
            ti.uid = e.get("uid", 0)
            ti.gid = e.get("gid", 0)
            ti.mtime = e.get("mtime", 1700000000)
            data = e.get("data", b"")
            if isinstance(data, str):
                data = data.encode()
            if kind == "file":
                ti.type = tarfile.REGTYPE
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
                continue
            ti.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                       "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE,
                       "blk": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}[kind]
            ti.linkname = e.get("link", "")
            ti.devmajor = e.get("major", 0)
            ti.devminor = e.get("minor", 0)
            tf.addfile(ti)
    return buf.getvalue()


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c", "-3"], input=data, capture_output=True,
                              check=True).stdout
    return data


# ---- writing OCI layouts directly -----------------------------------------

class Layout:
    """An OCI layout written by hand; every write returns the descriptor."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(path, "oci-layout"), "w") as f:
            f.write('{"imageLayoutVersion":"1.0.0"}')
        self.index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
        self.write_index()

    def blob(self, data, media_type):
        d = sha256(data)
        with open(self.blob_path(d), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": d, "size": len(data)}

    def blob_path(self, digest):
        return os.path.join(self.path, "blobs", "sha256", digest.split(":", 1)[1])

    def write_index(self):
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump(self.index, f)

    def image(self, tag, layer_tars, compression="gzip", config=None, history=None,
              platform=("linux", "amd64", None), diff_ids=None, tagged=True):
        """Writes an image from uncompressed layer tars; returns
        (manifest descriptor, manifest dict, config dict)."""
        layers = []
        ids = []
        comps = compression if isinstance(compression, list) else [compression] * len(layer_tars)
        for tar, how in zip(layer_tars, comps):
            ids.append(sha256(tar))
            layers.append(self.blob(compress(tar, how), LAYER_MT[how]))
        cfg = {
            "created": "2024-01-01T00:00:00Z",
            "architecture": platform[1], "os": platform[0],
            "config": config or {},
            "rootfs": {"type": "layers", "diff_ids": diff_ids if diff_ids is not None else ids},
            "history": history if history is not None else
            [{"created_by": "/bin/sh -c #(nop) ADD file:%d in / " % i} for i in range(len(layer_tars))],
        }
        if platform[2]:
            cfg["variant"] = platform[2]
        cdesc = self.blob(json.dumps(cfg).encode(), OCI_CONFIG)
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": cdesc, "layers": layers}
        mdesc = self.blob(json.dumps(manifest).encode(), OCI_MANIFEST)
        if tagged:
            entry = dict(mdesc)
            entry["annotations"] = {"org.opencontainers.image.ref.name": tag}
            self.index["manifests"].append(entry)
            self.write_index()
        return mdesc, manifest, cfg

    def multiarch(self, tag, images):
        """images: list of (manifest descriptor, (os, arch, variant)); writes an
        index blob tagged tag."""
        entries = []
        for desc, (os_, arch, variant) in images:
            e = dict(desc)
            e["platform"] = {"os": os_, "architecture": arch}
            if variant:
                e["platform"]["variant"] = variant
            entries.append(e)
        idx = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
        desc = self.blob(json.dumps(idx).encode(), OCI_INDEX)
        entry = dict(desc)
        entry["annotations"] = {"org.opencontainers.image.ref.name": tag}
        self.index["manifests"].append(entry)
        self.write_index()
        return desc
