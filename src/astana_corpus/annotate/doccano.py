"""Doccano round trip through ``doccano-client``: push paragraphs, pull exports, sessions.

The formats (UTF-16 offsets, upload and export lines) live in
``doccano_format``; this module talks to a running server.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from astana_corpus.annotate.doccano_format import (
    CONFIRMED_SUBDIR,
    Suggested,
    codepoint_to_utf16,
    locate_entities,
    paragraph_examples,
    read_export,
    read_session,
    utf16_to_codepoint,
)
from astana_corpus.annotate.server import health
from astana_corpus.core.errors import error
from astana_corpus.core.io import dumps_record, make_temp_dir
from astana_corpus.core.paths import EXPORT_DIR, GUIDELINES_FILE
from astana_corpus.core.records import Document, Span
from astana_corpus.core.schema import Schema

PROJECT_TYPE = "IntentDetectionAndSlotFilling"
F = TypeVar("F", bound=Callable[..., Any])


def talks_to_doccano(what: str) -> Callable[[F], F]:
    """Turn a lost connection (A425) or a refused session (A426) during ``what`` into a
    coded error; the functions it wraps write nothing half-way, so a retry is safe."""

    def wrap(function: F) -> F:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            import requests

            try:
                return function(*args, **kwargs)
            except requests.HTTPError as exc:
                status = exc.response.status_code if exc.response is not None else "?"
                code = "A426" if status in (401, 403) else "A425"
                raise error(code, what=what, detail=f"HTTP {status}", status=status) from exc
            except requests.RequestException as exc:
                raise error("A425", what=what, detail=type(exc).__name__) from exc

        return run  # type: ignore[return-value]

    return wrap


# Doccano reads uploads with chardet when no encoding is given, which guesses
# wrong on short Arabic files (we saw Windows-1252 mojibake); say UTF-8.
UPLOAD_ENCODING = "utf_8"


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


def connect(url: str, username: str, password: str) -> Any:
    """A logged-in ``DoccanoClient``; clear errors for no server and bad credentials."""
    import requests
    from doccano_client import DoccanoClient

    if not health(url):
        raise error("A401", url=url)
    client = DoccanoClient(url)
    try:
        client.login(username=username, password=password)
    except requests.HTTPError as exc:
        raise error("A402", url=url, username=username, status=exc.response.status_code) from exc
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
        raise error("A403", name=name, url=url, names=names or "none")
    return project


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
        raise error("A404", detail=status.error or errors[:5])


@talks_to_doccano("push")
def push(
    root: Path,
    *,
    client: Any,
    project: str,
    documents: list[Document],
    schema: Schema,
    preannotations: Suggested | None = None,
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
            raise error(
                "A405", project=project, kind=existing.project_type.value, expected=PROJECT_TYPE
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
            raise error("A406", where=f"project {project!r}: {key[0]} paragraph {key[1]}")
    upload_lines(client, existing.id, new_lines)
    report.uploaded = len(new_lines)
    report.already_there = len(seen)
    return report


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


@talks_to_doccano("pull")
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
        raise error("A409", round=round_name)
    target = root / EXPORT_DIR / round_name
    if target.exists():
        raise error("A410", path=target)
    remote = require_project(client, project, url)
    by_id = {d.id: d for d in documents}
    staging = make_temp_dir(target.parent, f".pull-{round_name}-")
    try:
        all_files = _download(client, remote.id, only_approved=False, into=staging / "round")
        _download(client, remote.id, only_approved=True, into=staging / "round" / CONFIRMED_SUBDIR)
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


@talks_to_doccano("apply-session")
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
    entries = read_session(session)
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
    for entry in entries:
        key = (entry.doc_id, entry.paragraph_index)
        where = f"{session}: paragraph entry {entry.number} ({key[0]} paragraph {key[1]})"
        if key not in examples or key[0] not in by_id:
            raise error("A414", where=where, project=project)
        example = examples[key]
        text = by_id[key[0]].paragraph_text(key[1])
        if example.text != text:
            raise error("A406", where=where)
        wanted = locate_entities(text, entry.entities, where=where)
        events = list(entry.events)
        unknown = [s.label for s in wanted if s.label not in schema.entity_names]
        unknown += [e for e in events if e not in schema.event_names]
        if unknown:
            raise error(
                "A408",
                where=where,
                labels=unknown,
                allowed=", ".join(schema.entity_names + schema.event_names),
            )
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
                # Already so (e.g. a preloaded suggestion the annotator accepts): confirm it.
                if not example.is_confirmed:
                    client.update_example_state(remote.id, example.id)
                report.unchanged += 1
                continue
            if not replace:
                raise error("A415", where=where)
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


@talks_to_doccano("preload")
def preload_suggestions(
    *,
    client: Any,
    project: str,
    preannotations: Suggested,
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
        key = (str(meta.get("doc_id")), int(meta.get("paragraph_index", -1)))
        if key not in preannotations or key[0] not in by_id:
            continue
        text = by_id[key[0]].paragraph_text(key[1])
        if example.text != text:
            raise error("A406", where=f"{key[0]} paragraph {key[1]}")
        if list(client.list_spans(remote.id, example.id)) or list(
            client.list_categories(remote.id, example.id)
        ):
            report.unchanged += 1
            continue
        spans = [s.span for s in preannotations[key].suggestions]
        cats = list(preannotations[key].cats)
        unknown = [s.label for s in spans if s.label not in type_ids[0]]
        unknown += [c for c in cats if c not in type_ids[1]]
        if unknown:
            raise error(
                "A408",
                where=f"{key[0]} paragraph {key[1]} (suggestions)",
                labels=unknown,
                allowed=", ".join(schema.entity_names + schema.event_names),
            )
        create_annotations(
            client, remote.id, example.id, text, spans, cats, type_ids=type_ids, human=False
        )
        report.annotated += 1
        report.entities += len(spans)
    return report


@talks_to_doccano("add-user")
def add_user(
    client: Any, *, project: str, username: str, password: str, role: str, url: str = ""
) -> None:
    """Create an annotator account and make it a member of ``project`` with ``role``."""
    remote = require_project(client, project, url)
    client.create_user(username, password)
    client.add_member(remote.id, username, role)
