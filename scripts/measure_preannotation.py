"""Measure pre-annotation on a dev set of pages the gazetteer was never written from.

    .venv/bin/python scripts/measure_preannotation.py --devset /path/to/devset

The dev set is local and not distributed with the repository (third-party text). It
holds ``pages/<page>.txt`` (UTF-8), ``lines.jsonl`` (one record per non-empty line:
``page``, ``label`` "body" or "furniture", ``body_start``, ``body_end``, code-point
offsets into the page text), ``entities.jsonl`` (``page``, ``start``, ``end``,
``label``, ``surface``) and ``annotated_pages.txt`` (the pages fully annotated).

Only the gold body spans of annotated pages are scored: the pre-annotator runs on each
body span's text and its offsets are shifted back into the page. Scores are strict
(same start, end and label), overall, per label and per source, followed by every miss
and false hit (``--quiet`` leaves those out).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from astana_corpus.annotate.preannotate import SOURCES, Gazetteer, read_gazetteer, score_spans
from astana_corpus.core.records import Span
from astana_corpus.core.schema import read_schema

ROOT = Path(__file__).resolve().parents[1]


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def body_spans(lines: list[dict[str, Any]], page: str) -> list[tuple[int, int]]:
    """The merged [body_start, body_end) spans of a page's body lines."""
    spans = sorted(
        {
            (r["body_start"], r["body_end"])
            for r in lines
            if r["page"] == page
            and r.get("label") == "body"
            and isinstance(r.get("body_start"), int)
            and isinstance(r.get("body_end"), int)
            and r["body_start"] < r["body_end"]
        }
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def measure(devset: Path, gazetteer: Gazetteer, labels: list[str]) -> dict[str, Any]:
    pages = [p.strip() for p in (devset / "annotated_pages.txt").read_text().split() if p.strip()]
    lines = list(_jsonl(devset / "lines.jsonl"))
    entities = list(_jsonl(devset / "entities.jsonl"))
    predicted: list[tuple[str, Span, str]] = []
    expected: list[tuple[str, Span]] = []
    texts: dict[str, str] = {}
    for page in pages:
        text = (devset / "pages" / f"{page}.txt").read_text(encoding="utf-8")
        texts[page] = text
        spans = body_spans(lines, page)
        # One page is one document: its body spans are its paragraphs.
        found = gazetteer.find_in_document(text[start:end] for start, end in spans)
        for (start, _end), suggestions in zip(spans, found, strict=True):
            for s in suggestions:
                predicted.append((page, s.span.shifted(start), s.source))
        for e in entities:
            inside = any(b <= e["start"] and e["end"] <= c for b, c in spans)
            if e["page"] == page and inside:
                expected.append((page, Span(e["start"], e["end"], e["label"])))
    scores = score_spans(predicted, expected, labels)
    gold = set(expected)
    source_of = {(p, s): src for p, s, src in predicted}
    scores["false_hits"] = [
        (p, s, texts[p][s.start : s.end], source_of[(p, s)])
        for p, s in sorted(set(source_of) - gold, key=lambda x: (x[0], x[1].start))
    ]
    scores["misses"] = [
        (p, s, texts[p][s.start : s.end])
        for p, s in sorted(gold - set(source_of), key=lambda x: (x[0], x[1].start))
    ]
    scores["pages"] = pages
    return scores


def _print_table(title: str, rows: dict[str, dict[str, Any]]) -> None:
    print(f"\n{title}")
    print(f"{'':24} {'gold':>5} {'pred':>5} {'ok':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for name, r in rows.items():
        print(
            f"{name:24} {r['gold']:>5} {r['predicted']:>5} {r['correct']:>5} "
            f"{r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devset", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=ROOT, help="project root (gazetteer)")
    parser.add_argument("--quiet", action="store_true", help="no list of misses/false hits")
    parser.add_argument(
        "--ablation",
        action="store_true",
        help="also the overall scores without each source in turn (what each one adds)",
    )
    args = parser.parse_args(argv)
    schema = read_schema(args.root)
    labels = list(schema.entity_names)
    gazetteer = read_gazetteer(args.root, schema)
    scores = measure(args.devset, gazetteer, labels)
    print(f"dev set {args.devset}: {len(scores['pages'])} annotated pages, body spans only")
    overall = scores["labels"]["ALL"]
    print(
        f"strict spans: P {overall['precision']:.3f} R {overall['recall']:.3f} "
        f"F1 {overall['f1']:.3f} ({overall['correct']} of {overall['gold']} gold, "
        f"{overall['predicted']} suggested)"
    )
    _print_table("per label", scores["labels"])
    _print_table("per source (recall = share of all gold spans)", scores["sources"])
    if args.ablation:
        print("\nwithout each source (rebuilt without it; F1 change = what it adds)")
        print(f"{'':24} {'P':>6} {'R':>6} {'F1':>6} {'dF1':>7}")
        for source in SOURCES:
            without = Gazetteer(gazetteer.entries, without={source})
            row = measure(args.devset, without, labels)["labels"]["ALL"]
            print(
                f"{source:24} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} "
                f"{row['f1'] - overall['f1']:>+7.3f}"
            )
    if not args.quiet:
        print("\nmisses")
        for page, span, surface in scores["misses"]:
            print(f"  {page} {span.start}-{span.end} {span.label:5} {surface}")
        print("\nfalse hits")
        for page, span, surface, source in scores["false_hits"]:
            print(f"  {page} {span.start}-{span.end} {span.label:5} {surface}  [{source}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
