"""Doccano's data formats, free of any client: UTF-16 offsets, upload lines, export lines.

Offsets inside Doccano are UTF-16 code units, because that is what the
browser uses when an annotator selects text (doccano issues #2484, #99). For
BMP-only text (all Arabic) they equal Python code points. Upload lines carry
UTF-16 offsets; export lines are converted back to code points, so
everything stored in Doccano is in the browser's units and everything in the
project is in code points.

One Doccano example per cleaned paragraph. Its meta keys are ``doc_id``,
``paragraph_index`` and ``paragraph_sha256`` (of the paragraph text).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from astana_corpus.core.errors import error
from astana_corpus.core.io import iter_jsonl, read_yaml, sha256_text
from astana_corpus.core.paths import EXPORT_DIR
from astana_corpus.core.records import (
    Document,
    ParagraphAnnotation,
    ParagraphSuggestions,
    Span,
    Suggestion,
    is_int,
)
from astana_corpus.core.schema import Schema
from astana_corpus.core.spans import boundary_problem
from astana_corpus.core.tokens import tokenize

CONFIRMED_SUBDIR = "confirmed"
Suggested = Mapping[tuple[str, int], ParagraphSuggestions]


def codepoint_to_utf16(text: str, offset: int) -> int:
    """UTF-16 offset of code-point ``offset`` in ``text``.

    >>> codepoint_to_utf16("😀 سوريا", len("😀 "))
    3
    """
    return offset + sum(1 for c in text[:offset] if ord(c) > 0xFFFF)


def utf16_to_codepoint(text: str, offset: int) -> int:
    """Code-point offset of UTF-16 ``offset`` in ``text``; ValueError inside a surrogate pair.

    >>> utf16_to_codepoint("😀 سوريا", 3)
    2
    """
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            raise ValueError(f"UTF-16 offset {offset} falls inside the character at {index}")
    if units == offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {offset} is beyond the text ({units} units)")


def _is_triple(item: Any) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 3
        and is_int(item[0])
        and is_int(item[1])
        and isinstance(item[2], str)
    )


def _strings(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def read_preannotations(path: Path) -> dict[tuple[str, int], ParagraphSuggestions]:
    """Suggestions per paragraph: JSONL ``{"doc_id", "paragraph_index", "entities":
    [[start, end, label]] (paragraph code-point offsets), "canonical_ids": [...],
    "sources": [...], "cats": [...]}`` (``astana preannotate`` writes them; the ids and
    sources, one per entity, may be left out); anything of another shape (a float
    offset, a string for a list, a list of another length) is A304 naming file:line."""
    result = {}
    for lineno, record in iter_jsonl(path):
        where = f"{path}:{lineno}"
        doc_id, index = record.get("doc_id"), record.get("paragraph_index")
        if not isinstance(doc_id, str) or not is_int(index):
            raise error(
                "A304",
                where=where,
                problem=f"doc_id must be a string and paragraph_index an integer, got "
                f"{doc_id!r} and {index!r}",
            )
        entities = record.get("entities", [])
        if not isinstance(entities, list) or not all(_is_triple(e) for e in entities):
            raise error(
                "A304",
                where=where,
                problem=f"entities must be a list of [start, end, label] with integer offsets, "
                f"got {entities!r}",
            )
        cats = record.get("cats", [])
        if not _strings(cats):
            raise error("A304", where=where, problem=f"cats must be a list of strings: {cats!r}")
        spans = [Span(s, e, label) for s, e, label in entities]
        bad = [s for s in spans if not 0 <= s.start < s.end]
        if bad:
            raise error("A304", where=where, problem=f"empty or negative span {bad[0]}")
        ids = record.get("canonical_ids", [None] * len(spans))
        sources = record.get("sources", [""] * len(spans))
        if (
            not isinstance(ids, list)
            or not all(i is None or isinstance(i, str) for i in ids)
            or not _strings(sources)
            or not len(ids) == len(sources) == len(spans)
        ):
            raise error(
                "A304",
                where=where,
                problem="canonical_ids (strings or null) and sources (strings) must list one "
                f"value per entity, got {ids!r} and {sources!r}",
            )
        suggestions = tuple(
            Suggestion(span, i, source) for span, i, source in zip(spans, ids, sources, strict=True)
        )
        result[(doc_id, index)] = ParagraphSuggestions(doc_id, index, suggestions, tuple(cats))
    return result


def paragraph_examples(
    documents: Iterable[Document],
    preannotations: Suggested | None = None,
) -> list[dict[str, Any]]:
    """Upload lines for every paragraph; pre-annotations given in paragraph offsets.

    With pre-annotations, each line also carries ``suggestion_sources``: what produced
    each suggested entity, in the order of ``entities``. Doccano keeps keys it does not
    read as the example's metadata, so an annotator sees where a suggestion came from.
    """
    lines = []
    for doc in documents:
        for p in doc.paragraphs:
            text = doc.text[p.start : p.end]
            found = (preannotations or {}).get((doc.id, p.index))
            suggestions = found.suggestions if found is not None else ()
            spans = [s.span for s in suggestions]
            cats = found.cats if found is not None else ()
            line: dict[str, Any] = {
                "text": text,
                "entities": [
                    [
                        codepoint_to_utf16(text, s.start),
                        codepoint_to_utf16(text, s.end),
                        s.label,
                    ]
                    for s in spans
                ],
                "cats": list(cats),
                "doc_id": doc.id,
                "paragraph_index": p.index,
                "paragraph_sha256": sha256_text(text),
            }
            if preannotations is not None:
                line["suggestion_sources"] = [s.source for s in suggestions]
            lines.append(line)
    return lines


# The entity shapes of Doccano's JSONL exports: [start, end, label] triples (what pull
# stores), or objects with start_offset/end_offset (Doccano's newer exports) or start/end.
_ENTITY_OBJECT_KEYS = (("start_offset", "end_offset"), ("start", "end"))


def export_entity(item: Any, where: str) -> tuple[int, int, str]:
    """(start, end, label) in UTF-16 units from any of Doccano's entity shapes (A407)."""
    if _is_triple(item):
        return item[0], item[1], item[2]
    if isinstance(item, dict):
        for start_key, end_key in _ENTITY_OBJECT_KEYS:
            allowed = {start_key, end_key, "label", "id"}
            if start_key in item and set(item) <= allowed:
                start, end, label = item.get(start_key), item.get(end_key), item.get("label")
                if is_int(start) and is_int(end) and isinstance(label, str):
                    return start, end, label
    raise error(
        "A407",
        where=where,
        problem=f"malformed entity {item!r}: expected [start, end, label] or "
        '{"start_offset", "end_offset", "label"} with integer offsets',
    )


def _line_fields(record: Mapping[str, Any], where: str) -> tuple[str, int, str]:
    doc_id, index, text = (record.get(k) for k in ("doc_id", "paragraph_index", "text"))
    if not isinstance(doc_id, str) or not is_int(index) or not isinstance(text, str):
        raise error(
            "A407",
            where=where,
            problem="needs doc_id (string), paragraph_index (integer) and text (string), got "
            f"{doc_id!r}, {index!r}, {type(text).__name__}",
        )
    for key in ("entities", "cats"):
        if record.get(key) is not None and not isinstance(record[key], list):
            raise error("A407", where=where, problem=f"{key} must be a list, got {record[key]!r}")
    if not _strings(record.get("cats") or []):
        raise error(
            "A407", where=where, problem=f"cats must be label names, got {record['cats']!r}"
        )
    if record.get("id") is not None and not is_int(record["id"]):
        raise error("A407", where=where, problem=f"id must be an integer, got {record['id']!r}")
    return doc_id, index, text


def check_utf16_reading(text: str, start16: int, end16: int, *, where: str) -> None:
    """The evidence that an export was written in code points, not UTF-16 (A313).

    Export lines carry offsets but not the span text, so the readings can only be told
    apart after a character outside the BMP (an emoji), where they differ. There the
    UTF-16 reading must respect the span boundary rules (whole tokens, or after a
    proclitic sequence; no space or punctuation at an edge); if it does not, the line is
    refused, naming the code-point reading when that one would respect them.
    """
    start, end = utf16_to_codepoint(text, start16), utf16_to_codepoint(text, end16)
    if (start, end) == (start16, end16):
        return  # both readings agree
    tokens = tokenize(text)
    problem = boundary_problem(text, start, end, tokens)
    if problem is None:
        return
    as_codepoints = boundary_problem(text, start16, end16, tokens) is None
    alternative = (
        f"read as code points it is {text[start16:end16]!r}, which does: the export looks "
        "written in code points"
        if as_codepoints
        else "no reading of the offsets respects the span rules"
    )
    raise error(
        "A313",
        where=where,
        start=start16,
        end=end16,
        got=text[start:end],
        problem=f"breaks the span rules ({problem})",
        alternative=alternative,
    )


def convert_export_line(
    record: Mapping[str, Any],
    documents: Mapping[str, Document],
    schema: Schema,
    *,
    where: str,
) -> ParagraphAnnotation:
    """One export line → a paragraph annotation in document code-point offsets.

    Refuses (A406-A408, A313, naming ``where``, doc id and paragraph) a line whose
    text no longer equals the paragraph it came from, fields of the wrong type,
    labels outside the schema, offsets outside the text or inside a surrogate pair,
    and spans whose UTF-16 reading breaks the span rules (``check_utf16_reading``).
    """
    doc_id, index, text = _line_fields(record, where)
    doc = documents.get(doc_id)
    if doc is None or not 0 <= index < len(doc.paragraphs):
        raise error(
            "A407",
            where=where,
            problem=f"{doc_id} paragraph {index} is not in the cleaned documents",
        )
    paragraph = doc.paragraphs[index]
    if doc.text[paragraph.start : paragraph.end] != text:
        raise error("A406", where=f"{where}: {doc_id} paragraph {index}")
    entities = []
    for item in record.get("entities") or []:
        start16, end16, label = export_entity(item, where)
        if label not in schema.entity_names:
            raise error(
                "A408",
                where=f"{where}: {doc_id} paragraph {index} offset {start16}",
                labels=[label],
                allowed=", ".join(schema.entity_names),
            )
        try:
            start, end = utf16_to_codepoint(text, start16), utf16_to_codepoint(text, end16)
        except ValueError as exc:
            raise error("A407", where=where, problem=f"{doc_id} paragraph {index}: {exc}") from exc
        if not 0 <= start < end <= len(text):
            raise error(
                "A407",
                where=where,
                problem=f"{doc_id} paragraph {index}: span [{start16}, {end16}) is empty or "
                "outside the text",
            )
        check_utf16_reading(text, start16, end16, where=f"{where}: {doc_id} paragraph {index}")
        entities.append(Span(paragraph.start + start, paragraph.start + end, label))
    events = []
    for cat in record.get("cats") or []:
        if cat not in schema.event_names:
            raise error(
                "A408",
                where=f"{where}: {doc_id} paragraph {index}",
                labels=[cat],
                allowed=", ".join(schema.event_names),
            )
        events.append(cat)
    return ParagraphAnnotation(
        doc_id=doc_id,
        paragraph_index=index,
        entities=tuple(sorted(set(entities))),
        events=tuple(sorted(set(events))),
        example_id=record.get("id", -1),
    )


def read_export(
    path: Path, documents: Mapping[str, Document], schema: Schema
) -> list[ParagraphAnnotation]:
    """Convert every line of one annotator's verbatim export file.

    Two lines for one paragraph are refused (A314) unless they carry the same labels.
    """
    annotations: list[ParagraphAnnotation] = []
    first: dict[tuple[str, int], tuple[int, ParagraphAnnotation]] = {}
    for lineno, record in iter_jsonl(path):
        where = f"{path}:{lineno}"
        ann = convert_export_line(record, documents, schema, where=where)
        key = (ann.doc_id, ann.paragraph_index)
        if key in first:
            earlier_line, earlier = first[key]
            if (earlier.entities, earlier.events) != (ann.entities, ann.events):
                raise error("A314", where=where, doc_id=key[0], index=key[1], first=earlier_line)
            continue
        first[key] = (lineno, ann)
        annotations.append(ann)
    return annotations


def export_files(root: Path, round_name: str, *, confirmed_only: bool) -> list[Path]:
    """The stored verbatim export files of a round, one per annotator."""
    folder = root / EXPORT_DIR / round_name
    if not folder.is_dir():
        raise error("A412", path=folder)
    if confirmed_only:
        folder = folder / CONFIRMED_SUBDIR
    return sorted(folder.glob("*.jsonl"))


def locate_entities(text: str, entities: Iterable[tuple[str, str]], *, where: str) -> list[Span]:
    """Find each (surface, label) in ``text`` in order, after the previous one.

    >>> [(s.start, s.end) for s in locate_entities("سوريا وروسيا وسوريا",
    ...     [("سوريا", "GPE"), ("سوريا", "GPE")], where="x")]
    [(0, 5), (14, 19)]
    """
    tokens = tokenize(text)
    spans = []
    cursor = 0
    for surface, label in entities:
        start = text.find(surface, cursor)
        while start >= 0 and boundary_problem(text, start, start + len(surface), tokens):
            start = text.find(surface, start + 1)
        if start < 0:
            raise error("A413", where=where, surface=surface, label=label, cursor=cursor)
        spans.append(Span(start, start + len(surface), label))
        cursor = start + len(surface)
    return spans


@dataclass(frozen=True)
class SessionEntry:
    """One paragraph of a recorded annotation session (``annotations/sessions/*.yaml``)."""

    number: int  # position in the file, for messages
    doc_id: str
    paragraph_index: int
    entities: tuple[tuple[str, str], ...]  # (surface, label) in text order
    events: tuple[str, ...]


def _session_entry(item: Any, number: int) -> SessionEntry:
    """One entry; ValueError says which field has the wrong shape."""
    if not isinstance(item, dict):
        raise ValueError(f"expected a mapping, got {item!r}")
    doc, p, entities = item.get("doc"), item.get("p"), item.get("entities")
    events = item.get("events") or []
    if not isinstance(doc, str) or not is_int(p):
        raise ValueError(f"doc must be a string and p an integer, got {doc!r} and {p!r}")
    if not isinstance(entities, list) or not all(
        isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e) for e in entities
    ):
        raise ValueError(f"entities must be a list of [surface, LABEL], got {entities!r}")
    if not _strings(events):
        raise ValueError(f"events must be a list of label names, got {events!r}")
    return SessionEntry(
        number=number,
        doc_id=doc,
        paragraph_index=p,
        entities=tuple((surface, label) for surface, label in entities),
        events=tuple(sorted(events)),
    )


def read_session(path: Path) -> list[SessionEntry]:
    """The entries of a session file; a malformed entry is A424 naming its number."""
    data = read_yaml(path, hint="name a session file (annotations/sessions/*.yaml)")
    items = data.get("paragraphs") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise error("A424", path=path, number=0, problem="expected a `paragraphs:` list")
    entries = []
    for number, item in enumerate(items, start=1):
        try:
            entries.append(_session_entry(item, number))
        except ValueError as exc:
            raise error("A424", path=path, number=number, problem=exc) from exc
    return entries
