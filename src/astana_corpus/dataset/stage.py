"""The batch stages of `astana validate` and `astana build`: lines in, compact results out.

``documents_batch`` reads lines of the documents file and ``gold_batch`` lines of the
gold file; both are functions of their batch and of the per-process ``StageContext``
(set once per worker by ``init_stage``), so ``core.parallel.ordered_map`` runs them in
this process or in a pool with the same results. One read besides the batch, declared in
the context: ``gold_batch`` reads each record's cleaned document at its byte offset in
the documents file (drift, provenance), so the parent need not hold them. What comes back
is small: keys for the corpus-level checks (ids, byte offsets, whether a record's
document is absent or drifted, label sets), the issues of each record, and the rows the
writer stores, already encoded (ClassLabel ids) and made into pyarrow Tables per
(config, split), so the parent process only appends them to parquet row groups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from astana_corpus.core.gold import gold_from_line
from astana_corpus.core.records import GoldDocument, Issue
from astana_corpus.core.schema import Schema
from astana_corpus.dataset.rows import (
    CONFIGS,
    PROVENANCE_FIELDS,
    ArrowLayout,
    document_row,
    paragraph_row,
    paragraph_views,
    token_row,
)
from astana_corpus.dataset.validate import ERROR, check_arabic, check_record
from astana_corpus.dataset.writer import make_encoder, rows_table
from astana_corpus.ingest.documents import DocumentStore, document_from_line

# A line of a JSON-lines file: (line number, byte offset, bytes).
Line = tuple[int, int, bytes]
# Lines per batch: big enough that pickling and scheduling are a small share of the work.
BATCH_LINES = 64


@dataclass(frozen=True)
class DocumentKey:
    """What the corpus-level checks keep of one cleaned document."""

    id: str
    offset: int  # of its line in the documents file (workers read it again there)
    issues: tuple[Issue, ...]  # W003


@dataclass
class RecordResult:
    """What one gold line gives: keys for the corpus checks, issues, encoded rows."""

    lineno: int
    offset: int
    id: str
    issues: list[Issue]
    labels: frozenset[str]  # entity labels and document events (W001)
    entities: int
    paragraphs: int
    round: str
    # Its cleaned document (by id): absent (E002), or with another text or paragraphs
    # than the record (drifted, E003). Checked only when the context has the documents.
    document: str = "same"  # "same", "absent" or "drifted"
    # The split its rows were written to, or why they were not (None when written).
    split: str | None = None
    not_written: str | None = None
    entity_labels: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # of every paragraph, with repeats
    tokens: int = 0
    first_paragraph: dict[str, Any] | None = None  # its first paragraphs row, in train


@dataclass
class GoldBatch:
    """What one batch of gold lines gives: a result per record, in order, and the encoded
    rows of the written ones as pyarrow Tables by (config, split)."""

    results: list[RecordResult]
    tables: dict[tuple[str, str], Any]


@dataclass(frozen=True)
class StageContext:
    """What every worker needs, set once per process."""

    schema: Schema
    documents_path: Path
    gold_path: Path
    # The writer's layouts (``rows.arrow_layouts``): rows are encoded for it. None:
    # validation only.
    layouts: Mapping[str, ArrowLayout] | None = None
    # The gold pass: the cleaned documents by id, read at their byte offsets in the
    # documents file (a record's text, paragraphs and provenance; None: not checked,
    # nothing written) and each one's split (committed lists).
    documents: DocumentStore | None = None
    split_of: Mapping[str, str] = field(default_factory=dict)


_context: StageContext | None = None
_encoders: dict[str, Any] = {}


def init_stage(context: StageContext) -> None:
    """Set this process's context (a worker initialiser; also called in-process)."""
    global _context
    _context = context
    _encoders.clear()
    if context.layouts is not None:
        _encoders.update({c: make_encoder(context.layouts[c].labels) for c in CONFIGS})


def _ctx() -> StageContext:
    if _context is None:
        raise RuntimeError("init_stage() was not called in this process")
    return _context


def documents_batch(lines: Sequence[Line]) -> list[DocumentKey]:
    """The keys of a batch of documents-file lines."""
    path = _ctx().documents_path
    keys = []
    for lineno, offset, raw in lines:
        doc = document_from_line(raw, path, lineno, offset)
        keys.append(DocumentKey(doc.id, offset, tuple(check_arabic([doc]))))
    return keys


def gold_batch(lines: Sequence[Line]) -> GoldBatch:
    """Parse, check, tokenise (once per paragraph) and encode a batch of gold lines; the
    rows of the records that are written become one pyarrow Table per (config, split)."""
    ctx = _ctx()
    results = []
    rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for lineno, offset, raw in lines:
        record = gold_from_line(raw, ctx.gold_path, lineno, offset)
        result, record_rows = record_result(record, lineno=lineno, offset=offset)
        results.append(result)
        if result.split is not None:
            for config, config_rows in zip(CONFIGS, record_rows, strict=True):
                rows.setdefault((config, result.split), []).extend(config_rows)
    layouts = ctx.layouts or {}  # rows are made only with layouts
    return GoldBatch(results, {k: rows_table(layouts[k[0]].schema, r) for k, r in rows.items()})


def record_result(
    record: GoldDocument, *, lineno: int, offset: int
) -> tuple[RecordResult, tuple[list[dict[str, Any]], ...]]:
    """The checks of one record and, when it is written, its encoded rows per config."""
    ctx = _ctx()
    views = paragraph_views(record)
    issues = check_record(record, views, ctx.schema)
    result = RecordResult(
        lineno=lineno,
        offset=offset,
        id=record.id,
        issues=issues,
        labels=frozenset({e.label for e in record.entities} | set(record.events)),
        entities=len(record.entities),
        paragraphs=len(record.paragraphs),
        round=record.annotation.round,
    )
    provenance = None
    doc = None if ctx.documents is None else ctx.documents.get(record.id)
    if ctx.documents is not None and doc is None:
        result.document = "absent"
    elif doc is not None:
        provenance = tuple(getattr(doc.provenance, k) for k in PROVENANCE_FIELDS)
        spans = [(p.start, p.end) for p in doc.paragraphs]
        if doc.text != record.text or spans != [(p.start, p.end) for p in record.paragraphs]:
            result.document = "drifted"
    split = ctx.split_of.get(record.id)
    if ctx.layouts is None:
        result.not_written = "validation only"
    elif any(i.severity == ERROR for i in issues):
        result.not_written = "record errors"  # never written (the build fails)
    elif provenance is None:
        result.not_written = "not a cleaned document (E002)"
    elif result.document == "drifted":
        result.not_written = "record errors"  # E003: the build fails
    elif split is None:
        result.not_written = "in no split (E013)"
    if result.not_written is not None or split is None or provenance is None:
        return result, ()
    enc = _encoders
    doc_row = document_row(record, dict(zip(PROVENANCE_FIELDS, provenance, strict=True)))
    paragraph_rows = [enc["paragraphs"](paragraph_row(record, v)) for v in views]
    result.split = split
    result.entity_labels = [e.label for e in record.entities]
    result.events = [ev for v in views for ev in v.events]
    result.tokens = sum(len(v.tokens) for v in views)
    if split == "train" and paragraph_rows:
        result.first_paragraph = paragraph_rows[0]
    return result, (
        [enc["documents"](doc_row)],
        paragraph_rows,
        [enc["tokens"](token_row(record, v)) for v in views],
    )
