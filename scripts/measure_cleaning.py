"""Measure the cleaner on a line-labelled dev set: body precision/recall and trim accuracy.

    .venv/bin/python scripts/measure_cleaning.py --devset /work/devset [--errors 50] [--json]

The dev set is a folder with ``pages/<page>.txt`` (UTF-8 page text) and ``lines.jsonl``:
one object per non-empty line of a page,
``{"page", "line", "start", "text", "label": "body"|"furniture", "class", "body_start",
"body_end", "trim"?}``, offsets in code points into the page text; ``body_start`` and
``body_end`` delimit the article text inside a body line (narrower than the line when a
dateline prefix or an end mark surrounds it; ``trim`` then names what is around it).

Each page goes through the same entry point as a ``.txt`` raw file in ``astana ingest``
(``read_source`` then ``clean_document``). A line counts as kept-body when the cleaner keeps
a paragraph whose raw span lies in it. Trim accuracy is over the body lines the cleaner
keeps: the kept paragraph span must equal ``[body_start, body_end)``. The dev set is never
committed; this script only reads it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from astana_corpus.core.errors import AstanaError
from astana_corpus.ingest.clean import clean_document
from astana_corpus.ingest.sources import ArticleMeta, read_source


@dataclass(frozen=True)
class GoldLine:
    page: str
    line: int
    start: int
    end: int
    text: str
    body: bool
    cls: str
    body_start: int | None
    body_end: int | None
    trim: str | None


def read_lines(path: Path) -> list[GoldLine]:
    lines = []
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                x = json.loads(raw)
                trim = x.get("trim")
                if isinstance(trim, list):
                    trim = "+".join(str(t) for t in trim)
                elif isinstance(trim, dict):
                    trim = "+".join(sorted(str(k) for k in trim))
                lines.append(
                    GoldLine(
                        page=str(x["page"]),
                        line=int(x["line"]),
                        start=int(x["start"]),
                        end=int(x["start"]) + len(x["text"]),
                        text=x["text"],
                        body=x["label"] == "body",
                        cls=str(x.get("class") or x["label"]),
                        body_start=x.get("body_start"),
                        body_end=x.get("body_end"),
                        trim=str(trim) if trim else None,
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                sys.exit(f"{path}:{number}: not a dev-set line: {exc}")
    return lines


def page_file(devset: Path, page: str) -> Path:
    direct = devset / "pages" / page
    return direct if direct.suffix == ".txt" else devset / "pages" / f"{page}.txt"


def clean_page(path: Path) -> tuple[str, list[tuple[int, int]], list[dict[str, Any]]]:
    """The decoded page, the kept paragraphs' raw spans and the dropped blocks."""
    _, text, kind = read_source(path)
    meta = ArticleMeta(id="astana-9999", file=path.name, sha256="0" * 64)
    try:
        doc = clean_document(meta, text, source_format="txt", source_kind=kind)
    except AstanaError as exc:
        if exc.code != "A108":  # A108: every line dropped, which is a result here
            raise
        return text, [], []
    kept = [(p.raw_start, p.raw_end) for p in doc.paragraphs]
    dropped = [d.__dict__ for d in doc.provenance.dropped]
    return text, kept, dropped


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def measure(devset: Path) -> dict[str, Any]:
    gold = read_lines(devset / "lines.jsonl")
    by_page: dict[str, list[GoldLine]] = defaultdict(list)
    for g in gold:
        by_page[g.page].append(g)
    errors: list[dict[str, Any]] = []
    per_class: dict[str, Counter[str]] = defaultdict(Counter)
    trim_class: dict[str, Counter[str]] = defaultdict(Counter)
    tp = fp = fn = 0
    trim_ok = trim_n = 0
    offset_mismatches = 0
    # Lines of one page with the same text, scored once (kept if any copy is, body if any
    # copy is): a page title repeated as the article headline is one line to a reader.
    groups: dict[tuple[str, str], list[bool]] = defaultdict(lambda: [False, False])
    for page, lines in sorted(by_page.items()):
        text, kept, dropped = clean_page(page_file(devset, page))
        for g in lines:
            if text[g.start : g.end] != g.text:
                offset_mismatches += 1
            spans = [(s, e) for s, e in kept if g.start <= s and e <= g.end]
            reasons = [
                f"{d['reason']}: {d['detail']}"
                for d in dropped
                if g.start <= d["raw_start"] and d["raw_end"] <= g.end
            ]
            is_kept = bool(spans)
            group = groups[(page, g.text.strip())]
            group[0] |= g.body
            group[1] |= is_kept
            where = {"page": page, "line": g.line, "class": g.cls, "text": g.text}
            per_class[g.cls]["lines"] += 1
            per_class[g.cls]["kept" if is_kept else "dropped"] += 1
            if g.body and is_kept:
                tp += 1
            elif g.body:
                fn += 1
                errors.append({"error": "body line dropped", **where, "why": reasons})
            elif is_kept:
                fp += 1
                errors.append({"error": "furniture kept", **where})
            if g.body and is_kept:
                want = (g.body_start, g.body_end)
                got = spans[0] if len(spans) == 1 else (spans[0][0], spans[-1][1])
                ok = got == want
                trim_n += 1
                trim_ok += ok
                key = g.trim or "none"
                trim_class[key]["lines"] += 1
                trim_class[key]["exact"] += ok
                if not ok:
                    errors.append(
                        {
                            "error": "wrong span",
                            **where,
                            "gold": [want[0] - g.start, want[1] - g.start],
                            "kept": [got[0] - g.start, got[1] - g.start],
                            "why": reasons,
                        }
                    )
    g_tp = sum(body and kept for body, kept in groups.values())
    g_fp = sum(kept and not body for body, kept in groups.values())
    g_fn = sum(body and not kept for body, kept in groups.values())
    return {
        "same_text_once": {
            "precision": _ratio(g_tp, g_tp + g_fp),
            "recall": _ratio(g_tp, g_tp + g_fn),
        },
        "pages": len(by_page),
        "lines": len(gold),
        "body_lines": tp + fn,
        "kept_lines": tp + fp,
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "trim_accuracy": _ratio(trim_ok, trim_n),
        "trim_exact": trim_ok,
        "trim_lines": trim_n,
        "offset_mismatches": offset_mismatches,
        "per_class": {k: dict(v) for k, v in sorted(per_class.items())},
        "trim_per_class": {k: dict(v) for k, v in sorted(trim_class.items())},
        "errors": errors,
    }


def render(report: dict[str, Any], max_errors: int) -> str:
    out = [
        f"pages {report['pages']}, lines {report['lines']}, body lines {report['body_lines']}, "
        f"kept lines {report['kept_lines']}",
        f"body precision {_fmt(report['precision'])}  recall {_fmt(report['recall'])}  "
        f"trim accuracy {_fmt(report['trim_accuracy'])} "
        f"({report['trim_exact']}/{report['trim_lines']} kept body lines with the gold span)",
    ]
    once = report["same_text_once"]
    out.append(
        f"same-text lines of a page scored once: precision {_fmt(once['precision'])}  "
        f"recall {_fmt(once['recall'])}"
    )
    if report["offset_mismatches"]:
        out.append(f"WARNING: {report['offset_mismatches']} lines do not match their offsets")
    out.append("")
    out.append(f"{'class':<28}{'lines':>7}{'kept':>7}{'dropped':>9}")
    for cls, c in report["per_class"].items():
        out.append(f"{cls:<28}{c['lines']:>7}{c.get('kept', 0):>7}{c.get('dropped', 0):>9}")
    out.append("")
    out.append(f"{'trim (kept body lines)':<28}{'lines':>7}{'exact':>7}")
    for cls, c in report["trim_per_class"].items():
        out.append(f"{cls:<28}{c['lines']:>7}{c.get('exact', 0):>7}")
    errors = report["errors"]
    out.append("")
    out.append(
        f"errors: {len(errors)}" + (f" (first {max_errors})" if len(errors) > max_errors else "")
    )
    for e in errors[:max_errors]:
        extra = ""
        if "gold" in e:
            extra = f" gold {e['gold']} kept {e['kept']}"
        if e.get("why"):
            extra += f" [{'; '.join(e['why'])}]"
        out.append(f"  {e['error']}: {e['page']}:{e['line']} ({e['class']}){extra}: {e['text']}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--devset", type=Path, required=True, help="folder with pages/, lines.jsonl"
    )
    parser.add_argument("--errors", type=int, default=200, help="how many errors to list")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = measure(args.devset)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(render(report, args.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
