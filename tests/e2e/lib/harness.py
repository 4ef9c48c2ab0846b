"""The object every end-to-end test receives: runs dredge, owns a temp dir,
and records assertion failures with a readable message."""
import json
import os
import shutil
import subprocess
import tempfile


class Failure(Exception):
    pass


class T:
    def __init__(self, name, sanitizer=False):
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix="dredge-e2e-")
        self.binary = os.environ["DREDGE"]
        self.sanitizer = sanitizer
        self.cleanups = []

    # --- running dredge -------------------------------------------------
    def dredge(self, *args, input=None, env=None, timeout=600, cwd=None):
        e = dict(os.environ)
        e.setdefault("HOME", self.tmp)
        e["DOCKER_CONFIG"] = e.get("DOCKER_CONFIG_OVERRIDE", os.path.join(self.tmp, ".docker"))
        if env:
            e.update(env)
        p = subprocess.run([self.binary, *map(str, args)], input=input, env=e,
                           capture_output=True, text=True, errors="replace",
                           timeout=timeout, cwd=cwd)
        if "ERROR: AddressSanitizer" in p.stderr or "ERROR: LeakSanitizer" in p.stderr or "runtime error:" in p.stderr:
            raise Failure("sanitizer report from dredge %s:\n%s" % (" ".join(map(str, args)), p.stderr[-4000:]))
        return p

    def dredge_json(self, *args, **kw):
        """Runs dredge, expects exit 0 and JSON on stdout; returns it parsed."""
        p = self.dredge(*args, **kw)
        if p.returncode != 0:
            raise Failure("dredge %s exited %d:\n%s" % (" ".join(map(str, args)), p.returncode, p.stderr[-3000:]))
        try:
            return json.loads(p.stdout)
        except ValueError as e:
            raise Failure("dredge %s printed no JSON (%s):\n%s" % (" ".join(map(str, args)), e, p.stdout[:2000]))

    # --- assertions -----------------------------------------------------
    def eq(self, got, want, what=""):
        if got != want:
            raise Failure("%s: got %r, want %r" % (what or "value", got, want))

    def ok(self, cond, what=""):
        if not cond:
            raise Failure(what or "condition failed")

    def exit(self, p, code, what=""):
        if p.returncode != code:
            raise Failure("%s: exit %d, want %d\nstdout: %s\nstderr: %s" % (
                what or "exit code", p.returncode, code, p.stdout[-2000:], p.stderr[-2000:]))

    def contains(self, text, needle, what=""):
        if needle not in text:
            raise Failure("%s: %r not in %r" % (what or "text", needle, text[-2000:]))

    # --- lifecycle ------------------------------------------------------
    def defer(self, fn):
        self.cleanups.append(fn)

    def close(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)
