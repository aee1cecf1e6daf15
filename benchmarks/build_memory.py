"""Where `astana build`'s memory is: each process of its tree, polled over time.

Runs ``astana build --quiet`` on an existing project (a copy of a synthetic one:
``benchmarks/synthetic.py``; the build writes ``build/`` and ``dist/`` in it) and every
``--poll`` seconds records the VmRSS and Pss of the build and of each descendant. Prints
the largest sum of RSS over the tree with each process's share at that moment, the
largest sum of PSS, and a timeline. ``--set module.NAME=value`` sets a module constant in
the build process before it starts, to compare a setting without editing the code. Only
that process sees it: pool workers start from the template process (``core.parallel``),
and only ``in_child`` forks of the build inherit it.

    .venv/bin/python benchmarks/build_memory.py PROJECT
    .venv/bin/python benchmarks/build_memory.py PROJECT --set astana_corpus.core.parallel.PREFETCH=4

Seconds from this script are not the benchmark's (``build_scale.py``): polling each
process's ``smaps_rollup`` costs CPU.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from build_scale import _field_kb, tree_pids

_RUN = """
import importlib, sys
for name, value in {sets!r}:
    module, _, attr = name.rpartition(".")
    setattr(importlib.import_module(module), attr, int(value))
from astana_corpus.cli.main import main
sys.argv = ["astana", "--root", {root!r}, "build", "--quiet"]
sys.exit(main())
"""


def poll(root: Path, sets: list[tuple[str, str]], every: float) -> list[tuple[float, list]]:
    code = _RUN.format(sets=sets, root=str(root))
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    started = time.perf_counter()
    samples = []
    while process.poll() is None:
        at = time.perf_counter() - started
        rows = []
        for pid in tree_pids(process.pid):
            rss = _field_kb(f"/proc/{pid}/status", "VmRSS:")
            pss = _field_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
            if rss:
                rows.append((pid, rss // 1024, pss // 1024))
        samples.append((at, rows))
        time.sleep(every)
    if process.returncode != 0:
        stderr = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"astana build failed ({process.returncode}):\n{stderr}")
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between timeline rows")
    parser.add_argument("--set", action="append", default=[], metavar="module.NAME=value")
    args = parser.parse_args()
    sets = [tuple(s.split("=", 1)) for s in args.set]
    samples = poll(args.project.resolve(), sets, args.poll)
    if not samples:
        raise SystemExit("the build ended before the first sample")
    for what, column in (("RSS", 1), ("PSS", 2)):
        at, rows = max(samples, key=lambda s: sum(r[column] for r in s[1]))
        total_rss, total_pss = sum(r[1] for r in rows), sum(r[2] for r in rows)
        print(f"peak {what} at {at:.1f} s: RSS {total_rss} MB, PSS {total_pss} MB (MiB)")
        for i, (pid, rss, pss) in enumerate(rows):  # tree_pids lists the build first
            print(f"    {'child' if i else 'build'} pid {pid}: RSS {rss} MB, PSS {pss} MB")
    print("timeline (s: RSS/PSS MB of each process, the build first)")
    last = -args.every
    for at, rows in samples:
        if at - last >= args.every:
            last = at
            print(f"{at:7.1f} " + " ".join(f"{rss}/{pss}" for _, rss, pss in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
