#!/usr/bin/env python3
"""Lists files of this machine's Debian install, in a fixed order, until
their sizes add up to TARGET bytes: a stand-in for a Debian rootfs layer.
mkrootfs.py TARGET > list  (then: tar --no-recursion -C / -cf - -T list)"""
import os
import sys

ROOTS = ["etc", "usr/bin", "usr/sbin", "usr/share", "usr/lib/python3", "usr/lib/python3.11",
         "usr/include", "usr/libexec", "usr/lib/x86_64-linux-gnu", "usr/lib/gcc"]


def main():
    target = int(sys.argv[1])
    total = 0
    out = sys.stdout
    for root in ROOTS:
        for dirpath, dirnames, filenames in os.walk("/" + root):
            dirnames.sort()
            out.write(dirpath[1:] + "\n")
            for name in sorted(filenames):
                p = os.path.join(dirpath, name)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                if not os.access(p, os.R_OK) and not os.path.islink(p):
                    continue
                out.write(p[1:] + "\n")
                total += st.st_size if not os.path.islink(p) else 0
                if total >= target:
                    return


if __name__ == "__main__":
    main()
