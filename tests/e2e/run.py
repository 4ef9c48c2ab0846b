#!/usr/bin/env python3
"""End-to-end test runner: imports tests/e2e/test_*.py and runs every
function test_*(t). Cases that are pure data live in tests/e2e/cases/ and are
run by test_cases.py. Prints one line per test and ends with
"N passed, N failed"."""
import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from lib.harness import T, Failure  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="", help="run tests whose name contains this")
    ap.add_argument("--sanitizer", action="store_true", help="binary is a sanitizer build")
    args = ap.parse_args()
    if "DREDGE" not in os.environ:
        sys.exit("run.py: set DREDGE to the dredge binary")
    # compiled rule databases are cached here, not in the user's home
    cache = tempfile.mkdtemp(prefix="dredge-e2e-cache-")
    os.environ["DREDGE_CACHE_DIR"] = cache
    passed = failed = skipped = 0
    started = time.time()
    for fn in sorted(os.listdir(HERE)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fn[:-3], os.path.join(HERE, fn))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name in sorted(n for n in dir(mod) if n.startswith("test_")):
            full = "%s::%s" % (fn[:-3], name)
            if args.k not in full:
                continue
            func = getattr(mod, name)
            if args.sanitizer and getattr(func, "slow", False):
                skipped += 1
                continue
            t = T(full, sanitizer=args.sanitizer)
            t0 = time.time()
            try:
                func(t)
                passed += 1
                print("ok   %-60s %6.2fs" % (full, time.time() - t0), flush=True)
            except Failure as e:
                failed += 1
                print("FAIL %s\n     %s" % (full, str(e).replace("\n", "\n     ")), flush=True)
            except Exception:
                failed += 1
                print("FAIL %s\n%s" % (full, traceback.format_exc()), flush=True)
            finally:
                t.close()
    shutil.rmtree(cache, ignore_errors=True)
    print("e2e (%.0fs): %d passed, %d failed, %d skipped" % (time.time() - started, passed, failed, skipped))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
