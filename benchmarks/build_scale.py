"""How `astana build` scales: time per stage and peak memory against the raw tokenizer.

For each size, makes a synthetic project (``benchmarks/synthetic.py``: raw files,
metadata, gold, splits) of N paragraphs in a temporary folder, then measures in the
same run:

- the baseline: spaCy's ``blank("ar")`` tokenizer (``nlp.pipe``, one process) over the
  same paragraphs, in a fresh process, loading excluded;
- ``astana build`` end to end (fresh project: ingest included) as a subprocess, with the
  seconds of each stage from ``build/build.stats.json``;
- the peak RSS of the build's whole process tree: every ``POLL`` seconds the VmRSS of
  the build process and of all its descendants (``/proc/<pid>/status``; the tree, found
  through ``/proc/<pid>/stat``, listed again every ``RESCAN`` polls) is summed, and the
  largest sum is kept. Pages that forked processes share (pool workers and the template
  process they are forked from, a child and its parent) count once per process, so the
  figure errs high; the PSS column sums ``Pss`` (``/proc/<pid>/smaps_rollup``) instead,
  which counts them once.

Times are printed as ratios to the baseline; ``scale`` is t(N)/t(smallest N) against
N/smallest N. A build whose tree passes ``--max-rss-mb`` is stopped (the machine is
shared) and reported as such.

    .venv/bin/python benchmarks/build_scale.py --sizes 10000 100000
    .venv/bin/python benchmarks/build_scale.py --sizes 100000 1000000 --json out.json
    .venv/bin/python benchmarks/build_scale.py --sizes 1000000 --known-groups
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import synthetic

# Memory is polled every POLL seconds and the process tree listed every RESCAN polls: a
# scan of /proc every 50 ms took ~30% of a core on this 2-core machine, time taken from
# the build it measures. A peak shorter than POLL can be missed.
POLL = 0.1
RESCAN = 5
HERE = Path(__file__).resolve().parent
ASTANA = Path(sys.executable).with_name("astana")


def tree_pids(root_pid: int) -> list[int]:
    """``root_pid`` and all its descendants (children found through ``/proc/<pid>/stat``:
    this kernel has no ``/proc/<pid>/task/<tid>/children``)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack += children.get(pid, [])
    return found


def tree_memory_kb(root_pid: int, pids: list[int] | None = None) -> tuple[int, int]:
    """Sums of VmRSS and of Pss (kB) over ``root_pid`` and all its descendants (or the
    ``pids`` found by ``tree_pids`` lately). Pss divides each shared page among the
    processes that map it, so its sum counts pages that forked processes share once."""
    rss = pss = 0
    for pid in tree_pids(root_pid) if pids is None else pids:
        rss += _field_kb(f"/proc/{pid}/status", "VmRSS:")
        pss += _field_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
    return rss, pss


def _field_kb(path: str, name: str) -> int:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(name):
                    return int(line.split()[1])
    except OSError:
        pass  # the process ended meanwhile
    return 0


def baseline_seconds(project: Path) -> float:
    """The raw tokenizer over the project's paragraphs, in a fresh process."""
    code = (
        "import sys, time, spacy; sys.path.insert(0, sys.argv[1]); import synthetic;"
        "from pathlib import Path; texts = synthetic.paragraph_texts(Path(sys.argv[2]));"
        "nlp = spacy.blank('ar'); nlp('تحضير'); t = time.perf_counter();"
        "n = sum(1 for _ in nlp.pipe(texts, batch_size=256));"
        "print(time.perf_counter() - t, n)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(HERE), str(project)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0])


# With --known-groups: `astana build` with the split function replaced by the groups the
# generator planted (read from splits/manifest.json), to measure everything else at sizes
# where the current MinHash grouping does not fit in memory. Reported as such.
KNOWN_GROUPS = """
import json, sys
from pathlib import Path
from astana_corpus import pipeline
from astana_corpus.cli import main
from astana_corpus.dataset.splits import SplitResult, split_of

def known(path, config, *, workers=None):
    root = Path(sys.argv[1])
    planted = json.loads((root / "splits/manifest.json").read_text())["groups"]
    ids = [i for n in ("train", "validation", "test")
           for i in (root / f"splits/{n}.txt").read_text().split()]
    groups = {i: planted.get(i, i) for i in ids}
    assignment = {i: split_of(k, config.seed, config.ratios) for i, k in groups.items()}
    return SplitResult(config=config, assignment=assignment, groups=groups)

pipeline.compute_splits_file = known
sys.exit(main(["--root", sys.argv[1], "build", "--quiet"]))
"""


def watch(process: subprocess.Popen, max_rss_kb: int | None = None) -> tuple[int, int, bool]:
    """Poll ``process``'s tree until it exits: peak RSS and PSS sums (kB), and whether it
    was stopped (its session killed) for passing ``max_rss_kb``."""
    peak = peak_pss = polls = 0
    killed = False
    pids: list[int] = []
    while process.poll() is None:
        if polls % RESCAN == 0:  # the tree changes rarely (pool start, worker recycling)
            pids = tree_pids(process.pid)
        polls += 1
        rss, pss = tree_memory_kb(process.pid, pids)
        peak, peak_pss = max(peak, rss), max(peak_pss, pss)
        if max_rss_kb is not None and peak > max_rss_kb and not killed:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the command and its pool
            killed = True
        time.sleep(POLL)
    return peak, peak_pss, killed


def run_build(project: Path, max_rss_kb: int, known_groups: bool) -> dict[str, object]:
    started = time.perf_counter()
    command = [str(ASTANA), "--root", str(project), "build", "--quiet"]
    if known_groups:
        command = [sys.executable, "-c", KNOWN_GROUPS, str(project)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    peak, peak_pss, killed = watch(process, max_rss_kb)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0 and not killed:
        raise SystemExit(f"astana build failed ({process.returncode}):\n{stderr}")
    stats_path = project / "build" / "build.stats.json"
    stages = json.loads(stats_path.read_text()) if stats_path.is_file() and not killed else {}
    return {
        "seconds": seconds,
        "peak_rss_mb": peak / 1024,
        "peak_pss_mb": peak_pss / 1024,
        "killed": killed,
        "stages": stages,
    }


def measure(size: int, max_rss_kb: int, known_groups: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="astana-scale-") as tmp:
        project = Path(tmp) / "project"
        counts = synthetic.make_project(project, size)
        base = baseline_seconds(project)
        result = run_build(project, max_rss_kb, known_groups)
    return {"paragraphs": counts["paragraphs"], "baseline_seconds": base, **counts, **result}


def print_table(results: list[dict]) -> None:
    first = results[0]
    stage_names: list[str] = []
    for r in results:
        stage_names += [s for s in r["stages"] if s not in stage_names]
    head = f"{'paragraphs':>10} {'tok s':>7} {'build s':>8} {'build×':>7} {'scale':>6} "
    head += " ".join(f"{s[:13] + '×':>14}" for s in stage_names)
    print(head + f" {'peak RSS MB':>11} {'peak PSS MB':>11}")
    for r in results:
        base = r["baseline_seconds"]
        scale = r["seconds"] / first["seconds"]
        cells = " ".join(
            f"{r['stages'][s]['seconds'] / base:>14.2f}" if s in r["stages"] else f"{'-':>14}"
            for s in stage_names
        )
        note = "  (stopped: over --max-rss-mb)" if r["killed"] else ""
        print(
            f"{r['paragraphs']:>10} {base:>7.2f} {r['seconds']:>8.2f} "
            f"{r['seconds'] / base:>7.2f} {scale:>6.2f} {cells} {r['peak_rss_mb']:>11.0f} "
            f"{r['peak_pss_mb']:>11.0f}{note}"
        )
    print(
        "tok s: raw blank('ar') nlp.pipe over the same paragraphs (one process); "
        "build×, stage×: seconds / tok s; scale: t(N) / t(smallest N); "
        "peak RSS / PSS: sums over the build's process tree"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--max-rss-mb", type=int, default=8000, help="stop a build above this")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--known-groups",
        action="store_true",
        help="replace near-duplicate grouping by the planted groups (reported as such)",
    )
    args = parser.parse_args()
    print(f"load: {os.getloadavg()}")
    sizes = sorted(args.sizes)
    results = [measure(size, args.max_rss_mb * 1024, args.known_groups) for size in sizes]
    if args.known_groups:
        print("--known-groups: the splits stage is the planted groups, not MinHash grouping")
    print_table(results)
    print(f"load: {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
