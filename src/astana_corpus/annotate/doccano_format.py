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
from typing import Any

from astana_corpus.core.errors import error
from astana_corpus.core.io import iter_jsonl, read_yaml, sha256_text
from astana_corpus.core.paths import EXPORT_DIR
from astana_corpus.core.records import Document, ParagraphAnnotation, Span
from astana_corpus.core.schema import Schema
from astana_corpus.core.spans import boundary_problem
from astana_corpus.core.tokens import tokenize

CONFIRMED_SUBDIR = "confirmed"
Suggested = Mapping[tuple[str, int], tuple[list[Span], list[str]]]


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


def read_preannotations(path: Path) -> dict[tuple[str, int], tuple[list[Span], list[str]]]:
    """Suggestions per paragraph: JSONL ``{"doc_id", "paragraph_index", "entities":
    [[start, end, label]] (paragraph code-point offsets), "cats": [...]}``."""
    result = {}
    for lineno, record in iter_jsonl(path):
        try:
            key = (str(record["doc_id"]), int(record["paragraph_index"]))
            spans = [Span(int(s), int(e), str(label)) for s, e, label in record["entities"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise error("A304", where=f"{path}:{lineno}", problem=f"bad field {exc}") from exc
        result[key] = (spans, [str(c) for c in record.get("cats", [])])
    return result


def paragraph_examples(
    documents: Iterable[Document],
    preannotations: Suggested | None = None,
) -> list[dict[str, Any]]:
    """Upload lines for every paragraph; pre-annotations given in paragraph offsets."""
    lines = []
    for doc in documents:
        for p in doc.paragraphs:
            text = doc.text[p.start : p.end]
            spans, cats = (preannotations or {}).get((doc.id, p.index), ([], []))
            lines.append(
                {
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
            )
    return lines


def convert_export_line(
    record: Mapping[str, Any],
    documents: Mapping[str, Document],
    schema: Schema,
    *,
    where: str,
) -> ParagraphAnnotation:
    """One export line → a paragraph annotation in document code-point offsets.

    Refuses (A406-A408, naming ``where``, doc id and paragraph) a line
    whose text no longer equals the paragraph it came from, labels outside
    the schema, and offsets outside the text or inside a surrogate pair.
    """
    try:
        doc_id = str(record["doc_id"])
        index = int(record["paragraph_index"])
        text = str(record["text"])
    except (KeyError, TypeError, ValueError) as exc:
        raise error(
            "A407", where=where, problem=f"missing doc_id / paragraph_index / text ({exc})"
        ) from exc
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
        try:
            start16, end16, label = int(item[0]), int(item[1]), str(item[2])
        except (IndexError, TypeError, ValueError) as exc:
            raise error("A407", where=where, problem=f"malformed entity {item!r}") from exc
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
        events.append(str(cat))
    return ParagraphAnnotation(
        doc_id=doc_id,
        paragraph_index=index,
        entities=tuple(sorted(set(entities))),
        events=tuple(sorted(set(events))),
        example_id=int(record.get("id", -1)),
    )


def read_export(
    path: Path, documents: Mapping[str, Document], schema: Schema
) -> list[ParagraphAnnotation]:
    """Convert every line of one annotator's verbatim export file."""
    return [
        convert_export_line(record, documents, schema, where=f"{path}:{lineno}")
        for lineno, record in iter_jsonl(path)
    ]


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


def read_session(path: Path) -> list[SessionEntry]:
    """The entries of a session file; a malformed entry is A424 naming its number."""
    data = read_yaml(path, hint="name a session file (annotations/sessions/*.yaml)")
    items = data.get("paragraphs") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise error("A424", path=path, number=0, problem="expected a `paragraphs:` list")
    entries = []
    for number, item in enumerate(items, start=1):
        try:
            if not isinstance(item["entities"], list) or not isinstance(
                item.get("events") or [], list
            ):
                raise TypeError("entities and events must be lists")
            entries.append(
                SessionEntry(
                    number=number,
                    doc_id=str(item["doc"]),
                    paragraph_index=int(item["p"]),
                    entities=tuple((str(s), str(label)) for s, label in item["entities"]),
                    events=tuple(sorted(str(e) for e in item.get("events") or [])),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise error("A424", path=path, number=number, problem=exc) from exc
    return entries
