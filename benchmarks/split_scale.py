"""How fast `astana split` runs, end to end, and what it finds.

For each size, makes a synthetic project (``benchmarks/synthetic.py``: 10 paragraphs of
~450 characters per document, one planted near-duplicate per 50 documents) in a
temporary folder, runs ``astana ingest`` (not timed; its workers sketch each document as
they clean it, into build/sketches), then times ``astana split --allow-moves`` as a
subprocess and polls the peak memory of its whole process tree (the
command and its pool workers: ``build_scale.watch``, every ``POLL`` seconds).
Also timed on its own, in a fresh process: the documents check every command starts with
(``pipeline.ensure_documents``: ``articles.yaml``'s entries, from their cache in build/,
and the size and mtime of every raw file, to see that ``build/documents.jsonl`` is
current), which is part of the split's seconds. Then ``cold``: the same split again
after removing build/sketches, so that it sketches the documents file itself.

Recall: the share of planted pairs (each at exact Jaccard >= the threshold, computed
here with Python sets of shingle strings) that the written manifest puts in one group;
``other pairs`` counts verified pairs that were not planted.

    .venv/bin/python benchmarks/split_scale.py --docs 10000 100000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import synthetic
from build_scale import watch

ASTANA = Path(sys.executable).with_name("astana")
CHECK = (
    "import sys, time; from pathlib import Path; t = time.perf_counter();"
    "from astana_corpus.pipeline import ensure_documents; ensure_documents(Path(sys.argv[1]));"
    "print(time.perf_counter() - t)"
)


def run_split(project: Path) -> dict[str, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(ASTANA), "--root", str(project), "split", "--allow-moves"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    peak, peak_pss, _ = watch(process)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        stderr = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"astana split failed ({process.returncode}):\n{stderr}")
    return {"seconds": seconds, "peak_rss_mb": peak / 1024, "peak_pss_mb": peak_pss / 1024}


def recall(project: Path, planted: dict[str, str], threshold: float) -> tuple[float, int, int]:
    """(recall on the planted pairs due at ``threshold``, how many were due, verified
    pairs not planted) from the manifest ``astana split`` wrote."""
    from astana_corpus.dataset.splits import shingles

    manifest = json.loads((project / "splits" / "manifest.json").read_text(encoding="utf-8"))
    groups = manifest["groups"]
    texts = {}
    wanted = set(planted) | set(planted.values())
    with (project / "build" / "documents.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["id"] in wanted:
                texts[record["id"]] = record["text"]
    due = []
    for copy, original in planted.items():
        a, b = shingles(texts[original]), shingles(texts[copy])
        if len(a & b) / len(a | b) >= threshold:
            due.append((original, copy))
    found = sum(groups.get(copy, copy) == groups.get(original, original) for original, copy in due)
    pairs = {(a, b) for a, b, *_ in manifest["near_duplicates"]}
    other = len(pairs - set(due))
    return found / max(len(due), 1), len(due), other


def measure(docs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="astana-split-scale-") as tmp:
        project = Path(tmp) / "project"
        counts = synthetic.make_project(project, docs * synthetic.PARAGRAPHS_PER_DOC)
        planted = json.loads((project / "splits" / "manifest.json").read_text())["groups"]
        started = time.perf_counter()
        subprocess.run(
            [str(ASTANA), "--root", str(project), "ingest"], check=True, capture_output=True
        )
        ingest_seconds = time.perf_counter() - started
        check = subprocess.run(
            [sys.executable, "-c", CHECK, str(project)], check=True, capture_output=True, text=True
        )
        result = run_split(project)
        share, due, other = recall(project, planted, threshold=0.8)
        shutil.rmtree(project / "build" / "sketches")  # as after a change of settings
        cold = run_split(project)
    return {
        "documents": counts["documents"],
        "paragraphs": counts["paragraphs"],
        **result,
        "docs_per_s": counts["documents"] / result["seconds"],
        "documents_check_seconds": float(check.stdout.split()[-1]),
        "ingest_seconds": ingest_seconds,
        "cold_seconds": cold["seconds"],
        "cold_docs_per_s": counts["documents"] / cold["seconds"],
        "cold_peak_rss_mb": cold["peak_rss_mb"],
        "recall": share,
        "planted_due": due,
        "other_pairs": other,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    print(f"load: {os.getloadavg()}")
    results = [measure(n) for n in sorted(args.docs)]
    print(
        f"{'documents':>10} {'split s':>8} {'docs/s':>8} {'check s':>8} {'rest docs/s':>11} "
        f"{'peak RSS MB':>11} {'peak PSS MB':>11} {'recall':>7} {'due':>6} {'other':>6} "
        f"{'cold s':>7} {'cold docs/s':>11} {'cold RSS MB':>11} {'ingest s':>8}"
    )
    for r in results:
        rest = r["documents"] / max(r["seconds"] - r["documents_check_seconds"], 1e-9)
        print(
            f"{r['documents']:>10} {r['seconds']:>8.2f} {r['docs_per_s']:>8.0f} "
            f"{r['documents_check_seconds']:>8.2f} {rest:>11.0f} {r['peak_rss_mb']:>11.0f} "
            f"{r['peak_pss_mb']:>11.0f} {r['recall']:>7.4f} {r['planted_due']:>6} "
            f"{r['other_pairs']:>6} {r['cold_seconds']:>7.2f} {r['cold_docs_per_s']:>11.0f} "
            f"{r['cold_peak_rss_mb']:>11.0f} {r['ingest_seconds']:>8.2f}"
        )
    print(
        "split s: `astana split` end to end (subprocess); check s: its documents check alone "
        "(fresh process); rest docs/s: documents / (split s - check s); peak RSS / PSS: sums "
        "over the split's process tree; recall: planted pairs grouped / planted pairs at "
        "Jaccard >= 0.8 (due); other: verified pairs not planted; cold: the same split "
        "again with build/sketches removed (the documents sketched from the documents file, "
        "as after a change of near-duplicate settings); ingest s: the `astana ingest` before "
        "(cleaning and sketching, not part of split s)"
    )
    print(f"load: {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
