"""The records that flow between stages, defined once.

Offsets are Python code-point offsets, half-open ``[start, end)``. For a
document, ``text[p.start:p.end]`` is paragraph ``p``; for its raw source,
``source_text[p.raw_start:p.raw_end]`` is the same string (cleaning never
edits characters, it only chooses which lines, or which part of a line, to keep and
how to join them).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, TypeGuard


@dataclass(frozen=True)
class Paragraph:
    index: int
    start: int
    end: int
    raw_start: int
    raw_end: int


# The reason of a ``DroppedBlock`` that is not a whole line but the start or end of a kept
# line (a dateline prefix, an end mark): counted apart, since its line was kept.
TRIMMED = "trimmed"


@dataclass(frozen=True)
class DroppedBlock:
    """A part of the raw source that cleaning left out, and why: a whole line, or (reason
    ``TRIMMED``) the start or end of a line whose middle is a kept paragraph.

    >>> source = "دمشق - وكالات: وصل الوفد."
    >>> cut = DroppedBlock(0, len("دمشق - وكالات: "), TRIMMED, "dateline_prefix: ...")
    >>> source[cut.raw_start : cut.raw_end]
    'دمشق - وكالات: '
    """

    raw_start: int
    raw_end: int
    reason: str
    detail: str


@dataclass(frozen=True)
class Provenance:
    raw_file: str
    sha256: str
    source_format: str
    # What the raw offsets index: the decoded file ("utf-8") or, for HTML, the
    # main text extracted by the named extractor version.
    source_text: str
    outlet: str | None
    url: str | None
    published: str | None
    dropped: tuple[DroppedBlock, ...]


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    provenance: Provenance

    def paragraph_text(self, index: int) -> str:
        p = self.paragraphs[index]
        return self.text[p.start : p.end]

    def to_dict(self) -> dict[str, Any]:
        """``dataclasses.asdict(self)``, without its recursive deep copy (a cleaned corpus
        writes one per document)."""
        p = self.provenance
        return {
            "id": self.id,
            "text": self.text,
            "paragraphs": [
                {
                    "index": x.index,
                    "start": x.start,
                    "end": x.end,
                    "raw_start": x.raw_start,
                    "raw_end": x.raw_end,
                }
                for x in self.paragraphs
            ],
            "provenance": {
                "raw_file": p.raw_file,
                "sha256": p.sha256,
                "source_format": p.source_format,
                "source_text": p.source_text,
                "outlet": p.outlet,
                "url": p.url,
                "published": p.published,
                "dropped": [
                    {
                        "raw_start": d.raw_start,
                        "raw_end": d.raw_end,
                        "reason": d.reason,
                        "detail": d.detail,
                    }
                    for d in p.dropped
                ],
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        prov = dict(data["provenance"])
        prov["dropped"] = tuple(DroppedBlock(**d) for d in prov.get("dropped", ()))
        return cls(
            id=data["id"],
            text=data["text"],
            paragraphs=tuple(Paragraph(**p) for p in data["paragraphs"]),
            provenance=Provenance(**prov),
        )


# ---------------------------------------------------------------- spans


@dataclass(frozen=True, order=True)
class Span:
    """A labelled half-open character span; the one span type of the package.

    >>> text = "وصل الوفد بسوريا"
    >>> span = Span(len("وصل الوفد ب"), len(text), "GPE")
    >>> text[span.start : span.end]
    'سوريا'
    """

    start: int
    end: int
    label: str

    def shifted(self, by: int) -> Span:
        """The same span ``by`` characters later (negative: earlier)."""
        return Span(self.start + by, self.end + by, self.label)


@dataclass(frozen=True)
class Entity:
    """A gold entity: its span, the text it covers, and the gazetteer id where one matched."""

    start: int
    end: int
    label: str
    text: str
    canonical_id: str | None = None

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.label)


@dataclass(frozen=True)
class Suggestion:
    """A pre-annotation: a span, the gazetteer id it matched, and what produced it.

    ``source`` is one of the names listed in ``annotate.preannotate.SOURCES``: a
    gazetteer source (``gazetteer:hand``, ``gazetteer:cldr``, ``gazetteer:geonames``), a
    variant of one (``variant:spelling``, ``variant:nisba``) or a rule (``rule:date``...).
    """

    span: Span
    canonical_id: str | None
    source: str


@dataclass(frozen=True)
class ParagraphSuggestions:
    """The suggestions for one paragraph (paragraph offsets): a line of the preannotations file."""

    doc_id: str
    paragraph_index: int
    suggestions: tuple[Suggestion, ...]
    cats: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "paragraph_index": self.paragraph_index,
            "entities": [[s.span.start, s.span.end, s.span.label] for s in self.suggestions],
            "canonical_ids": [s.canonical_id for s in self.suggestions],
            "sources": [s.source for s in self.suggestions],
            "cats": list(self.cats),
        }


# ---------------------------------------------------------------- gold


@dataclass(frozen=True)
class GoldParagraph:
    index: int
    start: int
    end: int
    events: tuple[str, ...]


@dataclass(frozen=True)
class AnnotationInfo:
    round: str
    annotators: tuple[str, ...]
    schema_version: str


@dataclass(frozen=True)
class GoldDocument:
    """One line of ``annotations/gold.jsonl``: document-offset entities, events per paragraph."""

    id: str
    text: str
    text_sha256: str
    entities: tuple[Entity, ...]
    events: tuple[str, ...]
    paragraphs: tuple[GoldParagraph, ...]
    annotation: AnnotationInfo

    def paragraph_text(self, index: int) -> str:
        p = self.paragraphs[index]
        return self.text[p.start : p.end]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["annotation"]["annotators"] = list(self.annotation.annotators)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> GoldDocument:
        """A gold record from its JSON object; ``ValueError`` names the bad field.

        Every field must have exactly its type (integers are not bools or floats, lists are
        not strings) and no key may be missing or unknown.
        """
        record = _fields(data, "the line", _GOLD_KEYS)
        entities = tuple(
            _valid_entity(x)
            or _entity(_fields(x, f"entities[{i}]", _ENTITY_KEYS), f"entities[{i}]")
            for i, x in enumerate(_list(record, "entities"))
        )
        paragraphs = tuple(
            _valid_paragraph(x)
            or _paragraph(_fields(x, f"paragraphs[{i}]", _PARAGRAPH_KEYS), f"paragraphs[{i}]")
            for i, x in enumerate(_list(record, "paragraphs"))
        )
        info = _fields(record.get("annotation"), "annotation", _ANNOTATION_KEYS)
        return cls(
            id=_str(record, "id"),
            text=_str(record, "text"),
            text_sha256=_str(record, "text_sha256"),
            entities=entities,
            events=_strings(record, "events"),
            paragraphs=paragraphs,
            annotation=AnnotationInfo(
                round=_str(info, "round", "annotation"),
                annotators=_strings(info, "annotators", "annotation"),
                schema_version=_str(info, "schema_version", "annotation"),
            ),
        )


_GOLD_KEYS = frozenset(
    {"id", "text", "text_sha256", "entities", "events", "paragraphs", "annotation"}
)
_ENTITY_KEYS = frozenset({"start", "end", "label", "text", "canonical_id"})
_PARAGRAPH_KEYS = frozenset({"index", "start", "end", "events"})
_ANNOTATION_KEYS = frozenset({"round", "annotators", "schema_version"})


def _valid_entity(e: Any) -> Entity | None:
    """The entity when ``e`` is exactly well formed, else None (then ``_entity`` and
    ``_fields`` say what is wrong): the fast path of a gold line, no message built."""
    if type(e) is not dict or e.keys() != _ENTITY_KEYS:
        return None
    start, end, label, text, cid = e["start"], e["end"], e["label"], e["text"], e["canonical_id"]
    ints = type(start) is int and type(end) is int
    strings = type(label) is str and type(text) is str and (cid is None or type(cid) is str)
    return Entity(start, end, label, text, cid) if ints and strings else None


def _valid_paragraph(p: Any) -> GoldParagraph | None:
    """Like ``_valid_entity``, for a paragraph."""
    if type(p) is not dict or p.keys() != _PARAGRAPH_KEYS:
        return None
    index, start, end, events = p["index"], p["start"], p["end"], p["events"]
    ints = type(index) is int and type(start) is int and type(end) is int
    if ints and type(events) is list and all(type(ev) is str for ev in events):
        return GoldParagraph(index, start, end, tuple(events))
    return None


def _entity(e: dict[str, Any], where: str) -> Entity:
    return Entity(
        start=_int(e, "start", where),
        end=_int(e, "end", where),
        label=_str(e, "label", where),
        text=_str(e, "text", where),
        canonical_id=_optional_str(e, "canonical_id", where),
    )


def _paragraph(p: dict[str, Any], where: str) -> GoldParagraph:
    return GoldParagraph(
        index=_int(p, "index", where),
        start=_int(p, "start", where),
        end=_int(p, "end", where),
        events=_strings(p, "events", where),
    )


def is_int(value: Any) -> TypeGuard[int]:
    """An integer that is not a bool (JSON true/false are not offsets)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def _fields(value: Any, what: str, keys: frozenset[str]) -> dict[str, Any]:
    """``value`` as a JSON object with exactly the fields ``keys``."""
    record = _mapping(value, what)
    missing, unknown = sorted(keys - set(record)), sorted(set(record) - keys)
    if missing:
        raise ValueError(f"{what}: missing field(s) {missing}")
    if unknown:
        raise ValueError(f"{what}: unknown field(s) {unknown}; allowed: {sorted(keys)}")
    return record


def _name(key: str, where: str) -> str:
    return f"{where}.{key}" if where else repr(key)


def _list(record: dict[str, Any], key: str, where: str = "") -> list[Any]:
    value = record.get(key)
    if not isinstance(value, list):
        raise ValueError(f"{_name(key, where)} must be a list, got {value!r}")
    return value


def _int(record: dict[str, Any], key: str, where: str = "") -> int:
    value = record.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{_name(key, where)} must be an integer, got {value!r}")
    return value


def _str(record: dict[str, Any], key: str, where: str = "") -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{_name(key, where)} must be a string, got {value!r}")
    return value


def _optional_str(record: dict[str, Any], key: str, where: str = "") -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{_name(key, where)} must be a string or null, got {value!r}")
    return value


def _strings(record: dict[str, Any], key: str, where: str = "") -> tuple[str, ...]:
    values = _list(record, key, where)
    if not all(isinstance(v, str) for v in values):
        raise ValueError(f"{_name(key, where)} must be a list of strings, got {values!r}")
    return tuple(values)


# ---------------------------------------------------------------- annotation rounds


@dataclass(frozen=True)
class ParagraphAnnotation:
    """One annotator's labels for one paragraph, in document code-point offsets."""

    doc_id: str
    paragraph_index: int
    entities: tuple[Span, ...]
    events: tuple[str, ...]
    example_id: int


# ---------------------------------------------------------------- predictions


@dataclass(frozen=True)
class Prediction:
    """A model's output for one document (document offsets), as `astana evaluate` reads it."""

    id: str
    entities: tuple[Span, ...]
    events: tuple[str, ...] | None
    paragraph_events: dict[int, tuple[str, ...]]


# ---------------------------------------------------------------- checks and stats


@dataclass(frozen=True)
class Issue:
    """A finding of a validation check (codes in ``dataset.validate``)."""

    code: str
    severity: str
    doc_id: str | None
    offset: int | None
    message: str


@dataclass
class StageStats:
    """What a stage saw, kept and dropped (with reasons); adds up across workers."""

    documents: int = 0
    seen: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    # Parts cut off kept lines (dateline prefixes, end marks): their lines are in ``kept``.
    trimmed: int = 0

    def add(self, doc: Document) -> None:
        lines = [d for d in doc.provenance.dropped if d.reason != TRIMMED]
        self.documents += 1
        self.kept += len(doc.paragraphs)
        self.seen += len(doc.paragraphs) + len(lines)
        self.dropped.update(d.reason for d in lines)
        self.trimmed += len(doc.provenance.dropped) - len(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "paragraphs_seen": self.seen,
            "paragraphs_kept": self.kept,
            "dropped": dict(sorted(self.dropped.items())),
            "parts_trimmed": self.trimmed,
        }
