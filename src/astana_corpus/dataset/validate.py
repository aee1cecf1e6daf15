"""`astana validate`: a catalogue of checks over documents, gold and splits.

Each check is a small ``check_*`` function returning coded ``Issue`` records
(in the spirit of ``spacy debug data`` and BigBIO's harness). ``validate``
runs them all in one pass over gold (tokenising each paragraph once, for E010
and E011, and handing the tokens to a sink: the writer in ``astana build``);
any error makes the command exit 1.

Codes (E = error, W = warning):

====  ===========================================================
E001  duplicate document id (cleaned documents or gold)
E002  gold document not among the cleaned documents
E003  drift: gold text or paragraphs differ from the current cleaned text
E004  span offsets out of range or start >= end
E005  stored entity text differs from text[start:end]
E006  span starts or ends on whitespace or punctuation
E007  overlapping spans
E008  entity label not in the schema
E009  event label not in the schema
E010  span misaligned with tokens (starts inside a token not after a
      proclitic sequence, or ends inside a token)
E011  malformed IOB2 sequence, or a token claimed by two spans
E012  a document in more than one split
E013  splits do not cover the documents (missing or unknown ids)
E014  near-duplicate documents in different splits
E015  committed split lists differ from what the split function computes
E016  entity not inside one paragraph (it would vanish from the paragraphs
      and tokens configs)
E017  document events differ from the union of its paragraphs' events
E018  text_sha256 is not the sha256 of the text
E019  paragraphs malformed (indices not 0..n-1 in order, offsets outside
      the text, empty or overlapping)
E020  cross-split contamination: one normalised paragraph (matching view,
      at least min_paragraph_chars characters, in at most
      max_paragraph_documents documents: more is boilerplate) in documents
      of two splits
W001  a label used in validation/test never occurs in train
W002  a cleaned document has no gold annotation (left out of the dataset)
W003  a cleaned document has no Arabic letter (is the raw file an article?)
====  ===========================================================
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any, overload

from astana_corpus.core.arabic import is_word_char
from astana_corpus.core.io import sha256_text
from astana_corpus.core.records import Document, GoldDocument, Issue
from astana_corpus.core.schema import Schema
from astana_corpus.core.spans import boundary_problem
from astana_corpus.core.tokens import bio_problems
from astana_corpus.dataset.near_duplicates import (
    Settings,
    distinct_key_documents,
    key_runs,
    paragraph_fingerprints,
)
from astana_corpus.dataset.rows import ParagraphView, paragraph_views

ERROR, WARNING = "error", "warning"
_ARABIC_LETTER = re.compile("[\u0621-\u063a\u0641-\u064a]")
CODE_NAMES = {
    "E001": "duplicate document id",
    "E002": "gold document unknown",
    "E003": "text drift",
    "E004": "offsets out of range",
    "E005": "entity text mismatch",
    "E006": "span edge on space/punctuation",
    "E007": "overlapping spans",
    "E008": "unknown entity label",
    "E009": "unknown event label",
    "E010": "span misaligned with tokens",
    "E011": "malformed IOB2",
    "E012": "document in several splits",
    "E013": "splits do not cover documents",
    "E014": "near-duplicates across splits",
    "E015": "split lists stale",
    "E016": "entity crosses paragraphs",
    "E017": "document events not paragraph union",
    "E018": "text hash mismatch",
    "E019": "paragraphs malformed",
    "E020": "paragraph in two splits",
    "W001": "label missing from train",
    "W002": "document not annotated",
    "W003": "document without Arabic letters",
}
# What the build does with a validated record (writes its rows); validation alone passes none.
RecordSink = Callable[[GoldDocument, Sequence[ParagraphView]], None]


def _issue(code: str, doc_id: str | None, offset: int | None, message: str) -> Issue:
    return Issue(code, ERROR if code.startswith("E") else WARNING, doc_id, offset, message)


@dataclass
class Report:
    issues: list[Issue] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    def to_dict(self) -> dict[str, Any]:
        counts = Counter(i.code for i in self.issues)
        return {
            "ok": not self.errors,
            "checked": self.checked,
            "counts": {code: counts[code] for code in sorted(counts)},
            "issues": [asdict(i) for i in self.issues],
        }


# ---------------------------------------------------------------- checks


def check_unique_ids(ids: Iterable[str], *, what: str) -> list[Issue]:
    counts = Counter(ids)
    return [
        _issue("E001", i, None, f"{what}: id {i} occurs {n} times")
        for i, n in sorted(counts.items())
        if n > 1
    ]


def check_gold_documents_known(
    gold: Sequence[GoldDocument], documents: Mapping[str, Document]
) -> list[Issue]:
    return [
        _issue(
            "E002",
            g.id,
            None,
            f"{g.id} is in gold but not among the cleaned documents (articles/articles.yaml)",
        )
        for g in gold
        if g.id not in documents
    ]


def check_drift(gold: Sequence[GoldDocument], documents: Mapping[str, Document]) -> list[Issue]:
    """Gold must annotate exactly the current cleaned text and paragraphs."""
    issues = []
    for g in gold:
        doc = documents.get(g.id)
        if doc is None:
            continue
        if g.text != doc.text:
            offset = next(
                (i for i, (a, b) in enumerate(zip(g.text, doc.text, strict=False)) if a != b),
                min(len(g.text), len(doc.text)),
            )
            issues.append(
                _issue(
                    "E003",
                    g.id,
                    offset,
                    f"gold text differs from the cleaned text at offset {offset} (gold "
                    f"{g.text[offset : offset + 20]!r} vs now "
                    f"{doc.text[offset : offset + 20]!r}); "
                    "cleaning changed: restore it, or re-annotate the changed paragraphs",
                )
            )
            continue
        spans = [(p.start, p.end) for p in g.paragraphs]
        if spans != [(p.start, p.end) for p in doc.paragraphs]:
            issues.append(
                _issue("E003", g.id, None, "gold paragraphs differ from the cleaned paragraphs")
            )
    return issues


def check_offsets(record: GoldDocument) -> list[Issue]:
    text = record.text
    issues = []
    for e in record.entities:
        if not 0 <= e.start < e.end <= len(text):
            issues.append(
                _issue(
                    "E004",
                    record.id,
                    e.start,
                    f"span [{e.start}, {e.end}) outside text of length {len(text)} or empty",
                )
            )
        elif text[e.start : e.end] != e.text:
            issues.append(
                _issue(
                    "E005",
                    record.id,
                    e.start,
                    f"stored text {e.text!r} but text[start:end] is {text[e.start : e.end]!r}",
                )
            )
    return issues


def _edges_are_word_chars(text: str, start: int, end: int) -> bool | None:
    """None when the span is out of range (E004's business), else whether both edge
    characters are word characters."""
    if not 0 <= start < end <= len(text):
        return None
    return is_word_char(text[start]) and is_word_char(text[end - 1])


def check_span_edges(record: GoldDocument) -> list[Issue]:
    return [
        _issue(
            "E006",
            record.id,
            e.start,
            f"span {record.text[e.start : e.end]!r} starts or ends on whitespace/punctuation",
        )
        for e in record.entities
        if _edges_are_word_chars(record.text, e.start, e.end) is False
    ]


def check_overlaps(record: GoldDocument) -> list[Issue]:
    issues = []
    ordered = sorted(record.entities, key=lambda e: (e.start, e.end))
    for a, b in pairwise(ordered):
        if b.start < a.end:
            issues.append(
                _issue(
                    "E007",
                    record.id,
                    b.start,
                    f"{a.label} [{a.start}, {a.end}) overlaps {b.label} [{b.start}, {b.end})",
                )
            )
    return issues


def check_labels(record: GoldDocument, schema: Schema) -> list[Issue]:
    issues = [
        _issue(
            "E008", record.id, e.start, f"entity label {e.label!r} not in annotations/schema.yaml"
        )
        for e in record.entities
        if e.label not in schema.entity_names
    ]
    events = set(record.events).union(*(p.events for p in record.paragraphs))
    issues += [
        _issue("E009", record.id, None, f"event label {ev!r} not in annotations/schema.yaml")
        for ev in sorted(events)
        if ev not in schema.event_names
    ]
    return issues


def check_token_alignment(record: GoldDocument, views: Sequence[ParagraphView]) -> list[Issue]:
    """A span may start inside a token only after a proclitic sequence, and must end at a
    token end (tokens of the ``tokens`` config)."""
    issues = []
    for view in views:
        starts = [t.start for t in view.tokens]
        for e in view.entities:
            if not _edges_are_word_chars(view.text, e.start, e.end):
                continue  # reported by E004 / E006
            problem = boundary_problem(view.text, e.start, e.end, view.tokens, starts)
            if problem:
                issues.append(_issue("E010", record.id, view.start + e.start, problem))
    return issues


def check_bio(doc_id: str, tags: Sequence[str], *, offset: int | None = None) -> list[Issue]:
    return [
        _issue("E011", doc_id, offset, f"token {i}: {problem}") for i, problem in bio_problems(tags)
    ]


def check_tokens(record: GoldDocument, views: Sequence[ParagraphView]) -> list[Issue]:
    """Malformed IOB2 sequences, and tokens claimed by two spans, in the tags the build writes."""
    issues = []
    for view in views:
        issues += check_bio(record.id, view.tags, offset=view.start)
        for c in view.conflicts:
            token = view.tokens[c.token_index]
            issues.append(
                _issue(
                    "E011",
                    record.id,
                    view.start + token.start,
                    f"token {token.text!r} is covered by both "
                    f"{c.first.label} [{c.first.start}, {c.first.end}) and "
                    f"{c.second.label} [{c.second.start}, {c.second.end})",
                )
            )
    return issues


def check_paragraphs(record: GoldDocument) -> list[Issue]:
    """Paragraphs are numbered 0..n-1 in order and cut the text into ordered, non-empty,
    non-overlapping ranges."""
    if not record.paragraphs:
        return [_issue("E019", record.id, None, "the record has no paragraphs")]
    issues = []
    previous_end = 0
    for number, p in enumerate(record.paragraphs):
        if p.index != number:
            issues.append(
                _issue("E019", record.id, p.start, f"paragraph {number} has index {p.index}")
            )
        if not previous_end <= p.start < p.end <= len(record.text):
            issues.append(
                _issue(
                    "E019",
                    record.id,
                    p.start,
                    f"paragraph {p.index} [{p.start}, {p.end}) is empty, outside the text "
                    f"(length {len(record.text)}) or overlaps the one before (ends {previous_end})",
                )
            )
        previous_end = max(previous_end, p.end)
    return issues


def check_entities_in_paragraphs(record: GoldDocument) -> list[Issue]:
    """Every entity lies inside one paragraph (else no paragraph row would carry it)."""
    issues = []
    for e in record.entities:
        if not 0 <= e.start < e.end <= len(record.text):
            continue  # E004
        if any(p.start <= e.start and e.end <= p.end for p in record.paragraphs):
            continue
        inside = [p.index for p in record.paragraphs if p.start < e.end and e.start < p.end]
        where = f"crosses paragraphs {inside}" if inside else "lies outside every paragraph"
        issues.append(
            _issue(
                "E016",
                record.id,
                e.start,
                f"{e.label} [{e.start}, {e.end}) {record.text[e.start : e.end]!r} {where}",
            )
        )
    return issues


def check_event_union(record: GoldDocument) -> list[Issue]:
    """The document's events are exactly the union of its paragraphs' events."""
    union = set().union(*(p.events for p in record.paragraphs))
    if set(record.events) == union:
        return []
    return [
        _issue(
            "E017",
            record.id,
            None,
            f"document events {sorted(set(record.events))} differ from the union of the "
            f"paragraph events {sorted(union)}",
        )
    ]


def check_text_hash(record: GoldDocument) -> list[Issue]:
    actual = sha256_text(record.text)
    if record.text_sha256 == actual:
        return []
    return [
        _issue(
            "E018",
            record.id,
            None,
            f"text_sha256 {record.text_sha256!r} but the text's sha256 is {actual}",
        )
    ]


def check_record(
    record: GoldDocument, views: Sequence[ParagraphView], schema: Schema
) -> list[Issue]:
    """Every check of one gold record on its own (no documents or splits needed)."""
    return [
        *check_paragraphs(record),
        *check_text_hash(record),
        *check_offsets(record),
        *check_span_edges(record),
        *check_overlaps(record),
        *check_entities_in_paragraphs(record),
        *check_labels(record, schema),
        *check_event_union(record),
        *check_token_alignment(record, views),
        *check_tokens(record, views),
    ]


def check_records(gold: Iterable[GoldDocument], schema: Schema) -> list[Issue]:
    """The record-level checks over gold (what evaluate, export and view run first)."""
    issues: list[Issue] = []
    for record in gold:
        issues += check_record(record, paragraph_views(record), schema)
    return issues


def check_arabic(documents: Iterable[Document]) -> list[Issue]:
    return [
        _issue(
            "W003",
            d.id,
            None,
            f"{d.id} ({d.provenance.raw_file}) has no Arabic letter: is it an Arabic article?",
        )
        for d in documents
        if not _ARABIC_LETTER.search(d.text)
    ]


def check_splits_partition(
    lists: Mapping[str, Sequence[str]], doc_ids: Iterable[str]
) -> list[Issue]:
    issues = []
    where: dict[str, list[str]] = defaultdict(list)
    for name, ids in lists.items():
        for i in ids:
            where[i].append(name)
    for i, names in sorted(where.items()):
        if len(names) > 1:
            issues.append(_issue("E012", i, None, f"{i} is in {names}"))
    known = set(doc_ids)
    for i in sorted(known - set(where)):
        issues.append(_issue("E013", i, None, f"{i} is in no split; run `astana split`"))
    for i in sorted(set(where) - known):
        issues.append(_issue("E013", i, None, f"{i} is in a split but not a document"))
    return issues


def check_near_duplicates(
    lists: Mapping[str, Sequence[str]], pairs: Iterable[Sequence[Any]]
) -> list[Issue]:
    """Pairs ``(a, b, jaccard, ...)`` (``near_duplicates.NearDuplicate``) split apart."""
    split = {i: name for name, ids in lists.items() for i in ids}
    return [
        _issue(
            "E014",
            a,
            None,
            f"{a} ({split[a]}) and {b} ({split[b]}) are near-"
            f"duplicates (Jaccard {rest[0]}{_rule(rest)}) in different splits",
        )
        for a, b, *rest in pairs
        if a in split and b in split and split[a] != split[b]
    ]


def _rule(rest: Sequence[Any]) -> str:
    return f", containment {rest[1]}, by {rest[2]}" if len(rest) >= 3 else ""


class _Texts(Sequence[str]):
    """The texts of a sequence of documents, read a slice at a time (the documents may be
    a lazy view of the documents file: the corpus is never held)."""

    def __init__(self, documents: Sequence[Document]):
        self.documents = documents

    def __len__(self) -> int:
        return len(self.documents)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [d.text for d in self.documents[index]]
        return self.documents[index].text


def check_contamination(
    lists: Mapping[str, Sequence[str]],
    documents: Sequence[Document],
    *,
    min_chars: int = Settings.min_paragraph_chars,
    max_documents: int = Settings.max_paragraph_documents,
) -> list[Issue]:
    """No normalised paragraph of ``min_chars`` characters or more, found in at most
    ``max_documents`` of the ``documents``, in two splits (one in more documents is
    boilerplate, as in the grouping, and is not checked).

    An aggregation over compact keys: a 64-bit fingerprint of each paragraph's matching
    view (``near_duplicates.paragraph_fingerprints``) with the split and document it came
    from, sorted; documents are read batch by batch, never all held as shingles.
    """
    import numpy as np

    names = sorted(lists)
    split_of = {i: n for n, ids in lists.items() for i in ids}
    keys, docs = [], []
    for index, found in paragraph_fingerprints(_Texts(documents), min_chars=min_chars):
        keys.append(found)
        docs.append(np.full(len(found), index, dtype=np.int64))
    if not keys:
        return []
    key, doc = distinct_key_documents(np.concatenate(keys), np.concatenate(docs))
    _, size = key_runs(key)
    checked = np.repeat(size <= max_documents, size)  # every document counts, listed or not
    listed = np.asarray([d.id in split_of for d in documents], dtype=bool)[doc]
    key, doc = key[checked & listed], doc[checked & listed]
    if not len(key):
        return []
    split = np.asarray(
        [names.index(split_of[d.id]) if d.id in split_of else -1 for d in documents],
        dtype=np.int64,
    )[doc]
    first = np.concatenate(([True], key[1:] != key[:-1]))
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(key)), 0))
    crossing = np.flatnonzero(split != split[group_start])
    issues = []
    reported: set[int] = set()
    for i in crossing.tolist():
        start_i = int(group_start[i])
        if start_i in reported:
            continue
        reported.add(start_i)
        a, b = documents[int(doc[start_i])], documents[int(doc[i])]
        issues.append(
            _issue(
                "E020",
                b.id,
                None,
                f"a paragraph of {b.id} ({split_of[b.id]}) is, normalised, also in {a.id} "
                f"({split_of[a.id]}): the benchmark is contaminated; run `astana split` "
                "(documents sharing a paragraph are grouped into one split)",
            )
        )
    return issues


def check_labels_in_train(
    lists: Mapping[str, Sequence[str]], gold: Mapping[str, GoldDocument]
) -> list[Issue]:
    labels = {i: frozenset({e.label for e in g.entities} | set(g.events)) for i, g in gold.items()}
    return check_label_sets_in_train(lists, labels)


def check_label_sets_in_train(
    lists: Mapping[str, Sequence[str]], labels: Mapping[str, frozenset[str]]
) -> list[Issue]:
    """W001 over compact keys: each gold document's entity labels and events."""

    def union(ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in ids:
            found |= labels.get(i, frozenset())
        return found

    train = union(lists.get("train", []))
    issues = []
    for name in ("validation", "test"):
        for label in sorted(union(lists.get(name, [])) - train):
            issues.append(
                _issue("W001", None, None, f"label {label} occurs in {name} but never in train")
            )
    return issues


def check_annotated(documents: Iterable[str], gold: Iterable[str]) -> list[Issue]:
    """W002: cleaned documents (their ids) without a gold record."""
    return [
        _issue(
            "W002",
            i,
            None,
            f"{i} has no gold annotation; it is left out of the dataset until annotated",
        )
        for i in sorted(set(documents) - set(gold))
    ]


# ---------------------------------------------------------------- runner


def validate(
    *,
    documents: Sequence[Document],
    gold: Sequence[GoldDocument],
    schema: Schema,
    split_lists: Mapping[str, Sequence[str]] | None,
    near_duplicates: Iterable[Sequence[Any]] = (),
    split_problems: Sequence[str] = (),
    sink: RecordSink | None = None,
    min_paragraph_chars: int = Settings.min_paragraph_chars,
    max_paragraph_documents: int = Settings.max_paragraph_documents,
) -> Report:
    """Run every check in one pass over gold; ``sink`` receives each record with its
    tokenised paragraphs (what `astana build` writes). ``min_paragraph_chars`` is the
    manifest's length from which a paragraph may not occur in two splits (E020), unless
    it is in more than ``max_paragraph_documents`` documents (boilerplate)."""
    report = Report()
    by_id = {d.id: d for d in documents}
    gold_by_id = {g.id: g for g in gold}
    report.issues += check_unique_ids([d.id for d in documents], what="cleaned documents")
    report.issues += check_unique_ids([g.id for g in gold], what="gold")
    report.issues += check_gold_documents_known(gold, by_id)
    report.issues += check_drift(gold, by_id)
    for record in gold:
        views = paragraph_views(record)
        found = check_record(record, views, schema)
        report.issues += found
        if sink is not None and not any(i.severity == ERROR for i in found):
            sink(record, views)  # a record with errors is never written (the build fails)
    if split_lists is not None:
        report.issues += corpus_split_issues(
            split_lists,
            by_id,
            near_duplicates,
            split_problems,
            check_labels_in_train(split_lists, gold_by_id),
            check_contamination(
                split_lists,
                documents,
                min_chars=min_paragraph_chars,
                max_documents=max_paragraph_documents,
            ),
        )
    report.issues += check_annotated(by_id, gold_by_id)
    report.issues += check_arabic(documents)
    report.checked = {
        "documents": len(documents),
        "gold_documents": len(gold),
        "entities": sum(len(g.entities) for g in gold),
        "paragraphs": sum(len(g.paragraphs) for g in gold),
    }
    return report


def corpus_split_issues(
    split_lists: Mapping[str, Sequence[str]],
    doc_ids: Iterable[str],
    near_duplicates: Iterable[Sequence[Any]],
    split_problems: Sequence[str],
    labels_issues: Sequence[Issue],
    contamination: Sequence[Issue] = (),
) -> list[Issue]:
    """The split checks, in report order: E012/E013, E014, E020, E015, W001."""
    return [
        *check_splits_partition(split_lists, doc_ids),
        *check_near_duplicates(split_lists, near_duplicates),
        *contamination,
        *(_issue("E015", None, None, p) for p in split_problems),
        *labels_issues,
    ]


@dataclass
class CorpusChecks:
    """The corpus-level checks of ``validate`` as aggregations over compact keys, fed one
    document key and one record result at a time (the streaming build never holds the
    corpus); ``report`` gives the issues in ``validate``'s order."""

    document_ids: list[str] = field(default_factory=list)
    arabic: list[Issue] = field(default_factory=list)
    gold_ids: list[str] = field(default_factory=list)
    unknown: list[Issue] = field(default_factory=list)  # E002, gold order
    drift: list[Issue] = field(default_factory=list)  # E003, gold order
    records: list[Issue] = field(default_factory=list)  # record-level, gold order
    labels: dict[str, frozenset[str]] = field(default_factory=dict)
    entities: int = 0
    paragraphs: int = 0

    def report(
        self,
        split_lists: Mapping[str, Sequence[str]] | None,
        near_duplicates: Iterable[Sequence[Any]] = (),
        split_problems: Sequence[str] = (),
        contamination: Sequence[Issue] = (),  # E020, from check_contamination
    ) -> Report:
        documents = dict.fromkeys(self.document_ids)
        report = Report()
        report.issues += check_unique_ids(self.document_ids, what="cleaned documents")
        report.issues += check_unique_ids(self.gold_ids, what="gold")
        report.issues += self.unknown + self.drift + self.records
        if split_lists is not None:
            report.issues += corpus_split_issues(
                split_lists,
                documents,
                near_duplicates,
                split_problems,
                check_label_sets_in_train(split_lists, self.labels),
                contamination,
            )
        report.issues += check_annotated(documents, self.gold_ids)
        report.issues += self.arabic
        report.checked = {
            "documents": len(self.document_ids),
            "gold_documents": len(self.gold_ids),
            "entities": self.entities,
            "paragraphs": self.paragraphs,
        }
        return report
