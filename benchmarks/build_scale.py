"""How the dataset writer scales: time and peak memory against corpus size.

Makes synthetic gold (Arabic-like paragraphs with entities and event labels)
of N paragraphs, runs the streaming writer of `astana build`
(`dataset.rows.paragraph_views` + `dataset.writer.DatasetWriter`: rows → tokens →
IOB2 → parquet row groups) in a fresh
subprocess per size, and reports each size as ratios against the smallest
size measured in the same run: time ratio vs size ratio (linear scaling means
they match) and peak-RSS ratio (flat memory means it stays near 1).

    python benchmarks/build_scale.py                 # 2k, 8k, 32k paragraphs
    python benchmarks/build_scale.py --sizes 1000 4000 --json out.json

Only the writing stage is measured; ingest, splits and validation are not
(see the README's notes on what streams).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = [
    "محادثات",
    "الوفد",
    "الجولة",
    "اجتماع",
    "الضامنة",
    "المعارضة",
    "الهدنة",
    "قال",
    "أعلنت",
    "مناطق",
    "خفض",
    "التصعيد",
    "بيان",
    "المقبلة",
    "الماضي",
    "وزير",
]
NAMES = [
    ("أستانة", "GPE"),
    ("بسوريا", "GPE"),
    ("وروسيا", "GPE"),
    ("دي ميستورا", "PER"),
    ("الأمم المتحدة", "ORG"),
    ("الغوطة الشرقية", "LOC"),
    ("أستانا-7", "EVENT"),
    ("يوم غد الاثنين", "DATE"),
]
PARAGRAPHS_PER_DOC = 10


def synthetic_gold(path: Path, n_paragraphs: int, seed: int = 0) -> dict[str, str]:
    """Write gold JSONL; return doc id → split."""
    rng = random.Random(seed)
    splits = {}
    with path.open("w", encoding="utf-8") as handle:
        for d in range(n_paragraphs // PARAGRAPHS_PER_DOC):
            doc_id = f"syn-{d:07d}"
            pieces, entities, paragraphs, offset = [], [], [], 0
            for p in range(PARAGRAPHS_PER_DOC):
                if pieces:
                    pieces.append("\n")
                    offset += 1
                start = offset
                words = []
                for _ in range(rng.randint(20, 40)):
                    if rng.random() < 0.15:
                        name, label = rng.choice(NAMES)
                        skip = 1 if name[0] in "بو" and label == "GPE" else 0
                        begin = offset + sum(len(w) + 1 for w in words) + skip
                        entities.append(
                            {
                                "start": begin,
                                "end": begin + len(name) - skip,
                                "label": label,
                                "text": name[skip:],
                                "canonical_id": None,
                            }
                        )
                        words.append(name)
                    else:
                        words.append(rng.choice(WORDS))
                text = " ".join(words) + "."
                pieces.append(text)
                offset += len(text)
                paragraphs.append(
                    {
                        "index": p,
                        "start": start,
                        "end": offset,
                        "events": ["TALKS_HELD"] if rng.random() < 0.5 else [],
                    }
                )
            events = sorted({e for p in paragraphs for e in p["events"]})
            record = {
                "id": doc_id,
                "text": "".join(pieces),
                "text_sha256": "",
                "entities": entities,
                "events": events,
                "paragraphs": paragraphs,
                "annotation": {"round": "syn", "annotators": ["syn"], "schema_version": "1.0"},
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            splits[doc_id] = ("train", "train", "train", "validation", "test")[d % 5]
    return splits


def run_one(n_paragraphs: int) -> dict[str, float]:
    """Measure one size (runs in its own process, so ru_maxrss is this run's peak)."""
    from astana_corpus.core.gold import iter_gold
    from astana_corpus.core.schema import read_schema
    from astana_corpus.core.tokens import tokenize
    from astana_corpus.dataset.rows import paragraph_views
    from astana_corpus.dataset.writer import DatasetWriter

    root = Path(__file__).resolve().parents[1]
    schema = read_schema(root)
    with tempfile.TemporaryDirectory() as tmp:
        gold = Path(tmp) / "gold.jsonl"
        split_of = synthetic_gold(gold, n_paragraphs)
        provenance = {d: {"raw_file": "synthetic"} for d in split_of}
        # Warm up the tokenizer so its start-up is not counted in the first size only.
        tokenize("تحضير")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        writer = DatasetWriter(Path(tmp) / "out", schema)
        for record in iter_gold(gold):
            writer.add(
                record,
                paragraph_views(record),
                split=split_of[record.id],
                provenance=provenance[record.id],
            )
        summary = writer.close()
        seconds = time.perf_counter() - start
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = sum(summary.rows["paragraphs"].values())
    return {
        "paragraphs": rows,
        "seconds": seconds,
        "peak_rss_mb": rss_after / 1024,
        "rss_growth_mb": (rss_after - rss_before) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000, 32000])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return 0
    results = []
    for size in sorted(args.sizes):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    base = results[0]
    print(
        f"{'paragraphs':>10} {'seconds':>8} {'para/s':>8} {'size×':>6} {'time×':>6} "
        f"{'peakRSS MB':>10} {'RSS×':>5}"
    )
    for r in results:
        r["size_ratio"] = r["paragraphs"] / base["paragraphs"]
        r["time_ratio"] = r["seconds"] / base["seconds"]
        r["rss_ratio"] = r["peak_rss_mb"] / base["peak_rss_mb"]
        print(
            f"{r['paragraphs']:>10} {r['seconds']:>8.2f} {r['paragraphs'] / r['seconds']:>8.0f} "
            f"{r['size_ratio']:>6.1f} {r['time_ratio']:>6.2f} {r['peak_rss_mb']:>10.0f} "
            f"{r['rss_ratio']:>5.2f}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
