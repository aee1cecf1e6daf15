"""Doccano round trip: push paragraphs, pull exports, convert them to document offsets.

Offsets inside Doccano are UTF-16 code units, because that is what the
browser uses when an annotator selects text (doccano issues #2484, #99). For
BMP-only text (all Arabic) they equal Python code points. ``push`` converts
code points → UTF-16 for pre-annotations, ``pull`` converts UTF-16 → code
points, so everything stored in Doccano is in the browser's units and
everything in the project is in code points.

One Doccano example per cleaned paragraph. Its meta keys are ``doc_id``,
``paragraph_index`` and ``paragraph_sha256`` (of the paragraph text).
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from astana_corpus.errors import DoccanoError
from astana_corpus.io import dumps_record, make_temp_dir, sha256_text
from astana_corpus.records import Document
from astana_corpus.schema import Schema

PROJECT_TYPE = "IntentDetectionAndSlotFilling"
EXPORT_DIR = Path("annotations/doccano")
GUIDELINES_FILE = Path("annotations/guidelines.md")
CONFIRMED_SUBDIR = "confirmed"
# Doccano reads uploads with chardet when no encoding is given, which guesses
# wrong on short Arabic files (we saw Windows-1252 mojibake); say UTF-8.
UPLOAD_ENCODING = "utf_8"


# --------------------------------------------------------------------------
# UTF-16 ↔ code points


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


# --------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str


@dataclass(frozen=True)
class ParagraphAnnotation:
    """One annotator's labels for one paragraph, in document code-point offsets."""

    doc_id: str
    paragraph_index: int
    entities: tuple[Span, ...]
    events: tuple[str, ...]
    example_id: int


@dataclass
class PushReport:
    project_id: int
    created_project: bool
    label_types_created: list[str] = field(default_factory=list)
    uploaded: int = 0
    already_there: int = 0


@dataclass
class PullReport:
    round: str
    directory: Path
    annotators: dict[str, dict[str, int]] = field(default_factory=dict)


# --------------------------------------------------------------------------
# Connection


def connect(url: str, username: str, password: str) -> Any:
    """A logged-in ``DoccanoClient``; clear errors for no server and bad credentials."""
    import requests
    from doccano_client import DoccanoClient

    from astana_corpus.doccano_server import health

    if not health(url):
        raise DoccanoError(
            f"no Doccano server answers at {url}; start one with `astana doccano serve` "
            "(or set DOCCANO_URL to the running server)"
        )
    client = DoccanoClient(url)
    try:
        client.login(username=username, password=password)
    except requests.HTTPError as exc:
        raise DoccanoError(
            f"login to {url} as {username!r} failed ({exc.response.status_code}): wrong "
            "username or password; check DOCCANO_USERNAME / DOCCANO_PASSWORD"
        ) from exc
    return client


def find_project(client: Any, name: str) -> Any | None:
    for project in client.list_projects():
        if project.name == name:
            return project
    return None


def require_project(client: Any, name: str, url: str) -> Any:
    project = find_project(client, name)
    if project is None:
        names = sorted(p.name for p in client.list_projects())
        raise DoccanoError(
            f"unknown project {name!r} at {url}; projects there: {names or 'none'}; "
            "create it with `astana doccano push --project NAME`"
        )
    return project


# --------------------------------------------------------------------------
# Push


def read_preannotations(path: Path) -> dict[tuple[str, int], tuple[list[Span], list[str]]]:
    """Suggestions per paragraph: JSONL ``{"doc_id", "paragraph_index", "entities":
    [[start, end, label]] (paragraph code-point offsets), "cats": [...]}``."""
    from astana_corpus.io import read_jsonl

    result = {}
    for number, record in enumerate(read_jsonl(path), start=1):
        try:
            key = (str(record["doc_id"]), int(record["paragraph_index"]))
            spans = [Span(int(s), int(e), str(label)) for s, e, label in record["entities"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise DoccanoError(
                f"{path}: line {number}: expected doc_id, paragraph_index, "
                f"entities [[start, end, label]] ({exc})"
            ) from exc
        result[key] = (spans, [str(c) for c in record.get("cats", [])])
    return result


def paragraph_examples(
    documents: Iterable[Document],
    preannotations: Mapping[tuple[str, int], tuple[list[Span], list[str]]] | None = None,
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


def ensure_label_types(client: Any, project_id: int, schema: Schema) -> list[str]:
    """Create the schema's span and category label types that the project lacks."""
    created = []
    for kind, labels in (("span", schema.entities), ("category", schema.events)):
        existing = {lt.text for lt in client.list_label_types(project_id, kind)}
        for label in labels:
            if label.name in existing:
                continue
            client.create_label_type(
                project_id, kind, label.name, color=label.color, suffix_key=label.shortcut
            )
            created.append(f"{kind}:{label.name}")
    return created


def upload_lines(client: Any, project_id: int, lines: list[dict[str, Any]]) -> None:
    """Upload JSONL lines as UTF-8; raise with Doccano's per-line errors if any line fails."""
    if not lines:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "paragraphs.jsonl"
        path.write_text("".join(dumps_record(line) + "\n" for line in lines), encoding="utf-8")
        # DoccanoClient.upload() has no encoding parameter; its repository layer
        # passes extra keys through to Doccano's import options.
        repository = client.data_import._data_upload_repository
        upload_id = repository.upload(str(path))
        task_id = repository.ingest(
            project_id,
            [upload_id],
            PROJECT_TYPE,
            "JSONL",
            column_data="text",
            column_label="label",
            encoding=UPLOAD_ENCODING,
        )
        status = client.data_import._task_status_repository.wait(task_id)
    errors = (status.result or {}).get("error") or []
    if status.error or errors:
        raise DoccanoError(f"Doccano rejected the upload: {status.error or errors[:5]}")


def push(
    root: Path,
    *,
    client: Any,
    project: str,
    documents: list[Document],
    schema: Schema,
    preannotations: Mapping[tuple[str, int], tuple[list[Span], list[str]]] | None = None,
) -> PushReport:
    """Create or reuse the project, its labels and guideline; upload new paragraphs only."""
    guideline_path = root / GUIDELINES_FILE
    # Doccano strips surrounding whitespace; compare and send the stripped text.
    guideline = (
        guideline_path.read_text(encoding="utf-8").strip() if guideline_path.exists() else ""
    )
    existing = find_project(client, project)
    if existing is None:
        existing = client.create_project(
            project,
            project_type=PROJECT_TYPE,
            description=f"astana-corpus paragraphs, label schema {schema.version}",
            guideline=guideline,
            collaborative_annotation=False,
            allow_overlapping=False,
            grapheme_mode=False,
        )
        created = True
    else:
        created = False
        if existing.project_type.value != PROJECT_TYPE:
            raise DoccanoError(
                f"project {project!r} is a {existing.project_type.value} project, not "
                f"{PROJECT_TYPE}; choose another --project name"
            )
        if guideline and existing.guideline != guideline:
            client.update_project(existing.id, guideline=guideline)
    report = PushReport(project_id=existing.id, created_project=created)
    report.label_types_created = ensure_label_types(client, existing.id, schema)

    seen: dict[tuple[str, int], str] = {}
    for example in client.list_examples(existing.id):
        meta = example.meta or {}
        if "doc_id" in meta and "paragraph_index" in meta:
            seen[(meta["doc_id"], int(meta["paragraph_index"]))] = meta.get("paragraph_sha256", "")
    new_lines = []
    for line in paragraph_examples(documents, preannotations):
        key = (line["doc_id"], line["paragraph_index"])
        if key not in seen:
            new_lines.append(line)
        elif seen[key] != line["paragraph_sha256"]:
            raise DoccanoError(
                f"{key[0]} paragraph {key[1]}: the text in project {project!r} differs from "
                "the current cleaned text (cleaning changed since it was pushed); pull the "
                "annotations first, then push to a new project"
            )
    upload_lines(client, existing.id, new_lines)
    report.uploaded = len(new_lines)
    report.already_there = len(seen)
    return report


# --------------------------------------------------------------------------
# Export → document offsets


def convert_export_line(
    record: Mapping[str, Any],
    documents: Mapping[str, Document],
    schema: Schema,
    *,
    where: str,
) -> ParagraphAnnotation:
    """One export line → a paragraph annotation in document code-point offsets.

    Refuses (``DoccanoError`` naming ``where``, doc id and paragraph) a line
    whose text no longer equals the paragraph it came from, labels outside
    the schema, and offsets outside the text or inside a surrogate pair.
    """
    try:
        doc_id = str(record["doc_id"])
        index = int(record["paragraph_index"])
        text = str(record["text"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DoccanoError(
            f"{where}: missing doc_id / paragraph_index / text ({exc}); was this example "
            "uploaded with `astana doccano push`?"
        ) from exc
    doc = documents.get(doc_id)
    if doc is None or not 0 <= index < len(doc.paragraphs):
        raise DoccanoError(
            f"{where}: {doc_id} paragraph {index} is not in the cleaned documents; "
            "run `astana ingest` or check the project"
        )
    paragraph = doc.paragraphs[index]
    if doc.text[paragraph.start : paragraph.end] != text:
        raise DoccanoError(
            f"{where}: {doc_id} paragraph {index}: the annotated text differs from the current "
            "cleaned paragraph (drift); re-run ingest with the cleaning it was pushed with, "
            "or re-annotate the new text"
        )
    entities = []
    for item in record.get("entities") or []:
        try:
            start16, end16, label = int(item[0]), int(item[1]), str(item[2])
        except (IndexError, TypeError, ValueError) as exc:
            raise DoccanoError(f"{where}: malformed entity {item!r}") from exc
        if label not in schema.entity_names:
            raise DoccanoError(
                f"{where}: {doc_id} paragraph {index} offset {start16}: entity label {label!r} "
                f"is not in annotations/schema.yaml ({', '.join(schema.entity_names)})"
            )
        try:
            start, end = utf16_to_codepoint(text, start16), utf16_to_codepoint(text, end16)
        except ValueError as exc:
            raise DoccanoError(f"{where}: {doc_id} paragraph {index}: {exc}") from exc
        if not 0 <= start < end <= len(text):
            raise DoccanoError(
                f"{where}: {doc_id} paragraph {index}: span [{start16}, {end16}) is empty or "
                "outside the text"
            )
        entities.append(Span(paragraph.start + start, paragraph.start + end, label))
    events = []
    for cat in record.get("cats") or []:
        if cat not in schema.event_names:
            raise DoccanoError(
                f"{where}: {doc_id} paragraph {index}: event label {cat!r} is not in "
                f"annotations/schema.yaml ({', '.join(schema.event_names)})"
            )
        events.append(str(cat))
    return ParagraphAnnotation(
        doc_id=doc_id,
        paragraph_index=index,
        entities=tuple(sorted(set(entities), key=lambda s: (s.start, s.end, s.label))),
        events=tuple(sorted(set(events))),
        example_id=int(record.get("id", -1)),
    )


def read_export(
    path: Path, documents: Mapping[str, Document], schema: Schema
) -> list[ParagraphAnnotation]:
    """Convert every line of one annotator's verbatim export file."""
    from astana_corpus.io import iter_jsonl

    return [
        convert_export_line(record, documents, schema, where=f"{path}:{lineno}")
        for lineno, record in iter_jsonl(path, error=DoccanoError)
    ]


# --------------------------------------------------------------------------
# Pull


def _download(client: Any, project_id: int, *, only_approved: bool, into: Path) -> list[Path]:
    into.mkdir(parents=True, exist_ok=True)
    archive = Path(
        client.download(project_id, "JSONL", only_approved=only_approved, dir_name=str(into))
    )
    with zipfile.ZipFile(archive) as zipped:
        names = [n for n in zipped.namelist() if n.endswith(".jsonl") and "/" not in n]
        for name in names:
            (into / name).write_bytes(zipped.read(name))
    archive.unlink()
    return sorted(into / n for n in names)


def pull(
    root: Path,
    *,
    client: Any,
    project: str,
    round_name: str,
    documents: list[Document],
    schema: Schema,
    url: str = "",
) -> PullReport:
    """Store each annotator's export verbatim under ``annotations/doccano/<round>/``.

    Writes ``<user>.jsonl`` (every example, with that user's labels) and
    ``confirmed/<user>.jsonl`` (only the examples that user confirmed).
    Everything is downloaded and checked in a temporary folder that is
    renamed into place at the end, so an interrupted or refused pull leaves
    nothing; an existing round folder is never overwritten.
    """
    if not round_name or "/" in round_name or round_name.startswith("."):
        raise DoccanoError(f"round name {round_name!r} must be a plain folder name, e.g. r1")
    target = root / EXPORT_DIR / round_name
    if target.exists():
        raise DoccanoError(
            f"{target} already exists; exports of a round are never overwritten: "
            "pull into a new round name"
        )
    remote = require_project(client, project, url)
    by_id = {d.id: d for d in documents}
    staging = make_temp_dir(target.parent, f".pull-{round_name}-")
    try:
        all_files = _download(client, remote.id, only_approved=False, into=staging / "round")
        _download(client, remote.id, only_approved=True, into=staging / "round" / CONFIRMED_SUBDIR)
        if not all_files:
            raise DoccanoError(f"the export of project {project!r} holds no annotator file")
        report = PullReport(round=round_name, directory=target)
        for path in all_files:
            annotations = read_export(path, by_id, schema)
            confirmed_path = staging / "round" / CONFIRMED_SUBDIR / path.name
            confirmed_annotations = (
                read_export(confirmed_path, by_id, schema) if confirmed_path.exists() else []
            )
            report.annotators[path.stem] = {
                "examples": len(annotations),
                "labelled": sum(1 for a in annotations if a.entities or a.events),
                "confirmed": len(confirmed_annotations),
            }
        (staging / "round").rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def export_files(root: Path, round_name: str, *, confirmed_only: bool) -> list[Path]:
    """The stored verbatim export files of a round, one per annotator."""
    folder = root / EXPORT_DIR / round_name
    if not folder.is_dir():
        raise DoccanoError(f"{folder}: no such round; pull it with `astana doccano pull`")
    if confirmed_only:
        folder = folder / CONFIRMED_SUBDIR
    return sorted(folder.glob("*.jsonl"))


# --------------------------------------------------------------------------
# Recorded annotation sessions


def label_type_ids(client: Any, project_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """Doccano ids of the project's span and category label types, by name."""
    return (
        {lt.text: lt.id for lt in client.list_label_types(project_id, "span")},
        {lt.text: lt.id for lt in client.list_label_types(project_id, "category")},
    )


def create_annotations(
    client: Any,
    project_id: int,
    example_id: int,
    text: str,
    spans: Iterable[Span],
    categories: Iterable[str],
    *,
    type_ids: tuple[dict[str, int], dict[str, int]],
    human: bool,
) -> None:
    """Create spans (converted to the browser's UTF-16 offsets) and categories as the
    logged-in user."""
    span_ids, category_ids = type_ids
    for s in spans:
        client.create_span(
            project_id,
            example_id,
            codepoint_to_utf16(text, s.start),
            codepoint_to_utf16(text, s.end),
            span_ids[s.label],
            human_annotated=human,
        )
    for category in categories:
        client.create_category(
            project_id, example_id, category_ids[category], human_annotated=human
        )


@dataclass
class SessionReport:
    annotated: int = 0
    unchanged: int = 0
    replaced: int = 0
    entities: int = 0


def locate_entities(text: str, entities: Iterable[tuple[str, str]], *, where: str) -> list[Span]:
    """Find each (surface, label) in ``text`` in order, after the previous one.

    >>> [(s.start, s.end) for s in locate_entities("سوريا وروسيا وسوريا",
    ...     [("سوريا", "GPE"), ("سوريا", "GPE")], where="x")]
    [(0, 5), (14, 19)]
    """
    from astana_corpus.spans import boundary_problem

    spans = []
    cursor = 0
    for surface, label in entities:
        start = text.find(surface, cursor)
        while start >= 0 and boundary_problem(text, start, start + len(surface)):
            start = text.find(surface, start + 1)
        if start < 0:
            raise DoccanoError(
                f"{where}: {surface!r} ({label}) not found as a whole name after offset "
                f"{cursor}; list entities in text order and copy them exactly"
            )
        spans.append(Span(start, start + len(surface), label))
        cursor = start + len(surface)
    return spans


def apply_session(
    *,
    client: Any,
    project: str,
    session: Path,
    documents: list[Document],
    schema: Schema,
    url: str = "",
    replace: bool = False,
) -> SessionReport:
    """Enter a recorded session's annotations in Doccano as the logged-in user, and confirm.

    Idempotent: an example this user already annotated identically is left as
    it is. One annotated differently is an error, unless ``replace`` (a review
    session): then this user's spans and labels on it are replaced.
    """
    from astana_corpus.io import read_yaml

    data = read_yaml(session, error=DoccanoError)
    remote = require_project(client, project, url)
    by_id = {d.id: d for d in documents}
    examples = {
        (e.meta.get("doc_id"), int(e.meta.get("paragraph_index", -1))): e
        for e in client.list_examples(remote.id)
    }
    type_ids = label_type_ids(client, remote.id)
    span_names = {v: k for k, v in type_ids[0].items()}
    cat_names = {v: k for k, v in type_ids[1].items()}
    report = SessionReport()
    for number, item in enumerate(data.get("paragraphs") or [], start=1):
        key = (str(item["doc"]), int(item["p"]))
        where = f"{session}: paragraph entry {number} ({key[0]} paragraph {key[1]})"
        if key not in examples or key[0] not in by_id:
            raise DoccanoError(f"{where}: no such example in project {project!r}; push first")
        example = examples[key]
        text = by_id[key[0]].paragraph_text(key[1])
        if example.text != text:
            raise DoccanoError(f"{where}: the example text differs from the cleaned paragraph")
        wanted = locate_entities(
            text, [(str(s), str(label)) for s, label in item["entities"]], where=where
        )
        events = sorted(str(e) for e in item.get("events") or [])
        unknown = [s.label for s in wanted if s.label not in schema.entity_names]
        unknown += [e for e in events if e not in schema.event_names]
        if unknown:
            raise DoccanoError(f"{where}: labels not in the schema: {unknown}")
        have_spans = {
            (
                utf16_to_codepoint(text, s.start_offset),
                utf16_to_codepoint(text, s.end_offset),
                span_names[s.label],
            )
            for s in client.list_spans(remote.id, example.id)
        }
        have_cats = sorted(
            cat_names[c.label] for c in client.list_categories(remote.id, example.id)
        )
        target = {(s.start, s.end, s.label) for s in wanted}
        if have_spans or have_cats:
            if have_spans == target and have_cats == events:
                report.unchanged += 1
                continue
            if not replace:
                raise DoccanoError(
                    f"{where}: this user already annotated the example differently; "
                    "correct it in the browser, or apply a review session with --replace"
                )
            # Only the logged-in user's annotations: the project is not collaborative.
            client.delete_all_spans(remote.id, example.id)
            client.delete_all_categories(remote.id, example.id)
            report.replaced += 1
        create_annotations(
            client, remote.id, example.id, text, wanted, events, type_ids=type_ids, human=True
        )
        if not example.is_confirmed:
            client.update_example_state(remote.id, example.id)
        report.annotated += 1
        report.entities += len(wanted)
    return report


def preload_suggestions(
    *,
    client: Any,
    project: str,
    preannotations: Mapping[tuple[str, int], tuple[list[Span], list[str]]],
    documents: list[Document],
    schema: Schema,
    url: str = "",
) -> SessionReport:
    """Copy suggestions into the logged-in annotator's own annotations, unconfirmed.

    In a non-collaborative project the suggestions uploaded by ``push`` belong to
    the uploading user, so annotators do not see them. Run as each annotator,
    this creates the suggested spans and labels (UTF-16 offsets, marked as not
    human-annotated) on every example that user has not annotated yet, and
    confirms nothing: correcting and confirming stays the annotator's work.
    """
    remote = require_project(client, project, url)
    by_id = {d.id: d for d in documents}
    type_ids = label_type_ids(client, remote.id)
    report = SessionReport()
    for example in client.list_examples(remote.id):
        meta = example.meta or {}
        key = (meta.get("doc_id"), int(meta.get("paragraph_index", -1)))
        if key not in preannotations or key[0] not in by_id:
            continue
        text = by_id[key[0]].paragraph_text(key[1])
        if example.text != text:
            raise DoccanoError(
                f"{key[0]} paragraph {key[1]}: the example text differs from "
                "the cleaned paragraph; suggestions would point at other words"
            )
        if list(client.list_spans(remote.id, example.id)) or list(
            client.list_categories(remote.id, example.id)
        ):
            report.unchanged += 1
            continue
        spans, cats = preannotations[key]
        unknown = [s.label for s in spans if s.label not in type_ids[0]]
        unknown += [c for c in cats if c not in type_ids[1]]
        if unknown:
            raise DoccanoError(
                f"{key[0]} paragraph {key[1]}: suggested labels not in the "
                f"project: {unknown}; push the schema first"
            )
        create_annotations(
            client, remote.id, example.id, text, spans, cats, type_ids=type_ids, human=False
        )
        report.annotated += 1
        report.entities += len(spans)
    return report
