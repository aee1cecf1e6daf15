"""Merge the annotators' exports of a round into ``annotations/gold.jsonl``.

- One annotator: their confirmed paragraphs are taken as they are.
- Several: a paragraph on which every annotator who did it agrees (same
  spans, same event labels) is accepted; every other paragraph is a
  disagreement, written with each version to ``annotations/review/<round>.jsonl``.
  Gold is written only when every disagreement is resolved, by a resolution
  file (JSONL lines ``{"doc_id", "paragraph_index", "entities": [{"start",
  "end", "label"}], "events": [...]}`` in document offsets) or by preferring
  one annotator's version (``prefer``).
- Only documents whose every paragraph is annotated go into gold; documents
  of earlier rounds that this round does not touch are kept as they were.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from astana_corpus.annotate.doccano_format import export_files, read_export
from astana_corpus.annotate.preannotate import Gazetteer
from astana_corpus.core.errors import error
from astana_corpus.core.gold import read_gold, write_gold
from astana_corpus.core.io import iter_jsonl, sha256_text, write_jsonl
from astana_corpus.core.paths import GOLD_FILE, REVIEW_DIR
from astana_corpus.core.records import (
    AnnotationInfo,
    Document,
    Entity,
    GoldDocument,
    GoldParagraph,
    ParagraphAnnotation,
    Span,
)
from astana_corpus.core.schema import Schema

Key = tuple[str, int]


@dataclass
class MergeReport:
    round: str
    annotators: list[str]
    paragraphs_agreed: int = 0
    paragraphs_single: int = 0
    disagreements: int = 0
    resolved: int = 0
    documents_written: list[str] = field(default_factory=list)
    documents_incomplete: dict[str, list[int]] = field(default_factory=dict)
    documents_kept_from_earlier: list[str] = field(default_factory=list)
    review_file: Path | None = None
    # Resolved disagreements by whose version was chosen ("a", "b", "a+b"... or "neither").
    resolved_as: Counter[str] = field(default_factory=Counter)


def read_round(
    root: Path,
    round_name: str,
    documents: Mapping[str, Document],
    schema: Schema,
    *,
    confirmed_only: bool = True,
) -> dict[str, dict[Key, ParagraphAnnotation]]:
    """Each annotator's paragraph annotations of a round (annotators with none left out).

    Without ``confirmed_only`` a paragraph counts as done for an annotator
    when it has at least one label, since an untouched example looks the same
    as one deliberately left empty.
    """
    result = {}
    for path in export_files(root, round_name, confirmed_only=confirmed_only):
        annotations = read_export(path, documents, schema)
        if not confirmed_only:
            annotations = [a for a in annotations if a.entities or a.events]
        if annotations:
            result[path.stem] = {(a.doc_id, a.paragraph_index): a for a in annotations}
    return result


def _version(ann: ParagraphAnnotation) -> tuple[tuple[Span, ...], tuple[str, ...]]:
    return ann.entities, ann.events


def _span_dict(span: Span, text: str) -> dict[str, Any]:
    return {
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "text": text[span.start : span.end],
    }


def _int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _resolution_span(item: Any) -> Span:
    """A resolution's entity: exactly {start, end, label} (integers, a string)."""
    if (
        not isinstance(item, dict)
        or set(item) - {"start", "end", "label", "text"}
        or not (_int(item.get("start")) and _int(item.get("end")))
        or not isinstance(item.get("label"), str)
    ):
        raise ValueError(f"entity {item!r} must be {{start, end, label}} with integer offsets")
    if not 0 <= item["start"] < item["end"]:
        raise ValueError(f"entity {item!r} is empty or negative")
    return Span(item["start"], item["end"], item["label"])


def _resolution(record: dict[str, Any]) -> tuple[Key, tuple[Span, ...], tuple[str, ...]]:
    doc_id, index = record.get("doc_id"), record.get("paragraph_index")
    if not isinstance(doc_id, str) or not _int(index):
        raise ValueError(
            f"doc_id must be a string and paragraph_index an integer, got {doc_id!r} and {index!r}"
        )
    entities, events = record.get("entities", []), record.get("events", [])
    if not isinstance(entities, list):
        raise ValueError(f"entities must be a list, got {entities!r}")
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise ValueError(f"events must be a list of label names, got {events!r}")
    spans = tuple(sorted(_resolution_span(e) for e in entities))
    return (doc_id, index), spans, tuple(sorted(events))


def read_resolutions(
    path: Path, schema: Schema
) -> dict[Key, tuple[tuple[Span, ...], tuple[str, ...]]]:
    resolved: dict[Key, tuple[tuple[Span, ...], tuple[str, ...]]] = {}
    for lineno, record in iter_jsonl(path):
        where = f"{path}:{lineno}"
        reason = record.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise error("A305", where=where, problem="every resolution needs a `reason`")
        try:
            key, spans, events = _resolution(record)
        except ValueError as exc:
            raise error("A305", where=where, problem=exc) from exc
        bad = [s.label for s in spans if s.label not in schema.entity_names]
        bad += [e for e in events if e not in schema.event_names]
        if bad:
            raise error("A305", where=where, problem=f"labels not in the schema: {bad}")
        if key in resolved:
            raise error("A305", where=where, problem=f"{key[0]} paragraph {key[1]} twice")
        resolved[key] = (spans, events)
    return resolved


def merge(
    root: Path,
    *,
    round_name: str,
    documents: list[Document],
    schema: Schema,
    prefer: str | None = None,
    resolutions: Path | None = None,
    confirmed_only: bool = True,
    gold_path: Path | None = None,
    gazetteer: Gazetteer | None = None,
    write: bool = True,
) -> MergeReport:
    """Merge a round into gold (see module doc). Raises A308 while disagreements remain
    unresolved, after writing them to the review file. Without ``write``, only the report
    is made (nothing is read from or written to gold or the review folder)."""
    by_id = {d.id: d for d in documents}
    by_annotator = read_round(root, round_name, by_id, schema, confirmed_only=confirmed_only)
    if not by_annotator:
        raise error("A306", round=round_name, which="confirmed " if confirmed_only else "")
    if prefer is not None and prefer not in by_annotator:
        raise error(
            "A307", prefer=prefer, round=round_name, annotators=", ".join(sorted(by_annotator))
        )
    resolved = read_resolutions(resolutions, schema) if resolutions else {}
    report = MergeReport(round=round_name, annotators=sorted(by_annotator))

    decided: dict[Key, tuple[tuple[Span, ...], tuple[str, ...]]] = {}
    review = []
    keys = sorted(set().union(*(set(v) for v in by_annotator.values())))
    for key in keys:
        versions = {name: _version(anns[key]) for name, anns in by_annotator.items() if key in anns}
        distinct = set(versions.values())
        if len(distinct) == 1:
            decided[key] = next(iter(distinct))
            if len(versions) == 1:
                report.paragraphs_single += 1
            else:
                report.paragraphs_agreed += 1
            continue
        report.disagreements += 1
        chosen = resolved.get(key) or (versions.get(prefer) if prefer is not None else None)
        if chosen is not None:
            decided[key] = chosen
            report.resolved += 1
            same = [name for name, version in sorted(versions.items()) if version == chosen]
            report.resolved_as["+".join(same) or "neither"] += 1
            continue
        doc = by_id[key[0]]
        agreed = set.intersection(*(set(v[0]) for v in versions.values()))
        review.append(
            {
                "doc_id": key[0],
                "paragraph_index": key[1],
                "text": doc.paragraph_text(key[1]),
                "agreed_entities": [_span_dict(s, doc.text) for s in sorted(agreed)],
                "versions": {
                    name: {
                        "entities": [_span_dict(s, doc.text) for s in spans],
                        "events": list(events),
                    }
                    for name, (spans, events) in sorted(versions.items())
                },
            }
        )

    review_path = root / REVIEW_DIR / f"{round_name}.jsonl"
    if not write:
        return report
    if review:
        write_jsonl(review_path, review)
        report.review_file = review_path
        raise error("A308", round=round_name, count=len(review), review=review_path)
    review_path.unlink(missing_ok=True)

    gold_path = gold_path or root / GOLD_FILE
    earlier = {r.id: r for r in read_gold(gold_path)} if gold_path.exists() else {}
    records = {}
    # Who annotated each document, gathered in one pass (scanning every annotator's keys
    # once per document made the merge quadratic in the round's size).
    annotators_of: dict[str, set[str]] = defaultdict(set)
    for name, anns in by_annotator.items():
        for doc_id, _ in anns:
            annotators_of[doc_id].add(name)
    for doc_id in sorted({k[0] for k in decided}):
        doc = by_id[doc_id]
        missing = [p.index for p in doc.paragraphs if (doc_id, p.index) not in decided]
        if missing:
            report.documents_incomplete[doc_id] = missing
            continue
        records[doc_id] = gold_record(
            doc,
            {p.index: decided[(doc_id, p.index)] for p in doc.paragraphs},
            annotators=sorted(annotators_of[doc_id]),
            round_name=round_name,
            schema_version=schema.version,
            gazetteer=gazetteer,
        )
    report.documents_written = sorted(records)
    for doc_id, record in earlier.items():
        if doc_id not in records:
            records[doc_id] = record
            report.documents_kept_from_earlier.append(doc_id)
    if not report.documents_written:
        raise error("A309", round=round_name, incomplete=report.documents_incomplete)
    write_gold(gold_path, [records[k] for k in sorted(records)])
    return report


def gold_record(
    doc: Document,
    paragraphs: Mapping[int, tuple[tuple[Span, ...], tuple[str, ...]]],
    *,
    annotators: list[str],
    round_name: str,
    schema_version: str,
    gazetteer: Gazetteer | None = None,
) -> GoldDocument:
    """The gold record of one document: document-offset entities (with the gazetteer's
    canonical id where one matches), event labels per paragraph."""
    spans = sorted({s for p in paragraphs.values() for s in p[0]})
    return GoldDocument(
        id=doc.id,
        text=doc.text,
        text_sha256=sha256_text(doc.text),
        entities=tuple(
            Entity(
                s.start,
                s.end,
                s.label,
                doc.text[s.start : s.end],
                gazetteer.canonical_id(doc.text[s.start : s.end], s.label) if gazetteer else None,
            )
            for s in spans
        ),
        events=tuple(sorted({e for p in paragraphs.values() for e in p[1]})),
        paragraphs=tuple(
            GoldParagraph(p.index, p.start, p.end, tuple(sorted(paragraphs[p.index][1])))
            for p in doc.paragraphs
        ),
        annotation=AnnotationInfo(round_name, tuple(annotators), schema_version),
    )
