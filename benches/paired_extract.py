#!/usr/bin/env python3
"""Two feedwright binaries' `extract --json file:PAGE` CPU (user + system) on every page of the
development corpus, best of 3 per page, the binaries alternating page by page so that the
machine's drift touches both alike.

    python3 benches/paired_extract.py OLD_BINARY NEW_BINARY
"""
import glob
import os
import resource
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = sorted(
    glob.glob(os.path.join(ROOT, "tests/fixtures/real/articles/*.html"))
    + glob.glob(os.path.join(ROOT, "tests/fixtures/real/lists/*.html"))
)


def cpu(binary, page):
    best = float("inf")
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [binary, "extract", "--json", "file:" + page],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/tmp",
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, used)
    return best


def main():
    binaries = sys.argv[1:]
    total = {b: 0.0 for b in binaries}
    for page in PAGES:
        for binary in binaries:
            total[binary] += cpu(binary, page)
    for binary in binaries:
        print(f"{binary}: mean {1000 * total[binary] / len(PAGES):.2f} ms over {len(PAGES)} pages")


main()
