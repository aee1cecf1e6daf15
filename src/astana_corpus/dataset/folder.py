"""Reading a built dataset folder back: gold, token offsets and label names, no checkout.

``astana evaluate --dataset dist/astana-corpus`` needs nothing but the folder
``astana build`` wrote: the README front matter says where each config's split
is, and each parquet file carries its HF features, whose ``ClassLabel`` names
are the label names (in id order). Only pyarrow and datasets are imported, so
this runs on the core install (no spaCy, no Doccano client).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from astana_corpus.core.errors import error
from astana_corpus.core.records import AnnotationInfo, Entity, GoldDocument, GoldParagraph
from astana_corpus.core.tokens import Token
from astana_corpus.dataset.rows import paragraph_id

FRONT_MATTER_FILE = "README.md"


@dataclass(frozen=True)
class LabelNames:
    """The label names of a dataset, in ClassLabel id order (what ``Schema`` also offers)."""

    entity_names: tuple[str, ...]
    event_names: tuple[str, ...]
    iob2_names: tuple[str, ...]


@dataclass(frozen=True)
class ParagraphTokens:
    """One ``tokens`` config row: its paragraph and the tokens in *document* offsets."""

    id: str
    doc_id: str
    index: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class DatasetSplit:
    """One split of a built dataset: gold by document id, token rows by paragraph id."""

    folder: Path
    split: str
    labels: LabelNames
    gold: dict[str, GoldDocument]
    tokens: dict[str, ParagraphTokens]


def _front_matter(folder: Path) -> dict[str, Any]:
    import yaml

    path = folder / FRONT_MATTER_FILE
    if not folder.is_dir():
        raise error("A620", path=folder, problem="not a folder")
    if not path.is_file():
        raise error("A620", path=folder, problem=f"no {FRONT_MATTER_FILE}")
    text = path.read_text(encoding="utf-8")
    parts = text.split("---\n", 2) if text.startswith("---\n") else []
    try:
        meta = yaml.safe_load(parts[1]) if len(parts) == 3 else None
    except yaml.YAMLError as exc:
        raise error("A620", path=folder, problem=f"{FRONT_MATTER_FILE}: bad YAML ({exc})") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("configs"), list):
        raise error(
            "A620", path=folder, problem=f"{FRONT_MATTER_FILE} has no front matter with configs"
        )
    return meta


def data_file(folder: Path, meta: Mapping[str, Any], config: str, split: str) -> Path:
    """The parquet file of ``config``/``split`` as the front matter lists it."""
    for entry in meta["configs"]:
        if isinstance(entry, dict) and entry.get("config_name") == config:
            splits = {f.get("split"): f.get("path") for f in entry.get("data_files") or []}
            if split not in splits:
                raise error(
                    "A621", path=folder, config=config, split=split,
                    allowed=", ".join(str(s) for s in splits) or "none",
                )  # fmt: skip
            path = folder / str(splits[split])
            if not path.is_file():
                raise error("A620", path=folder, problem=f"{splits[split]} is listed but missing")
            return path
    raise error("A620", path=folder, problem=f"the front matter lists no {config!r} config")


def _read(path: Path) -> tuple[Any, list[dict[str, Any]]]:
    """HF features and rows (labels as stored: ClassLabel ids) of one parquet file."""
    import pyarrow.parquet as pq
    from datasets import Features

    try:
        table = pq.read_table(path)
        feats = Features.from_arrow_schema(table.schema)
    except Exception as exc:  # pyarrow and datasets raise many kinds for a broken file
        raise error("A620", path=path.parent, problem=f"{path.name}: {exc}") from exc
    return feats, table.to_pylist()


def _names(feature: Any, where: str, folder: Path) -> tuple[str, ...]:
    """The ClassLabel names of ``feature`` (a ClassLabel, or a List of one)."""
    from datasets import ClassLabel

    inner = getattr(feature, "feature", feature)
    if not isinstance(inner, ClassLabel):
        raise error("A620", path=folder, problem=f"{where} is not a ClassLabel feature")
    return tuple(inner.names)


def read_dataset_split(folder: Path, split: str) -> DatasetSplit:
    """Gold records, token rows and label names of ``split``, from the folder alone."""
    meta = _front_matter(folder)
    doc_features, doc_rows = _read(data_file(folder, meta, "documents", split))
    tok_features, tok_rows = _read(data_file(folder, meta, "tokens", split))
    try:
        entity_names = _names(doc_features["entities"].feature["label"], "entities.label", folder)
        event_names = _names(doc_features["events"], "events", folder)
        iob2_names = _names(tok_features["ner_tags"], "ner_tags", folder)
    except (KeyError, AttributeError, TypeError) as exc:
        raise error("A620", path=folder, problem=f"features lack {exc}") from exc
    labels = LabelNames(entity_names, event_names, iob2_names)
    gold = {}
    for row in doc_rows:
        record = _gold(row, labels)
        gold[record.id] = record
    tokens = {}
    for row in tok_rows:
        parent = gold.get(row["doc_id"])
        index = row["paragraph_index"]
        if parent is None or not 0 <= index < len(parent.paragraphs):
            raise error("A620", path=folder, problem=f"tokens row {row['id']} has no documents row")
        offset = parent.paragraphs[index].start
        tokens[row["id"]] = ParagraphTokens(
            id=row["id"],
            doc_id=row["doc_id"],
            index=index,
            tokens=tuple(
                Token(t, offset + s, offset + e)
                for t, s, e in zip(
                    row["tokens"], row["token_starts"], row["token_ends"], strict=True
                )
            ),
        )
    return DatasetSplit(folder, split, labels, gold, tokens)


def _gold(row: Mapping[str, Any], labels: LabelNames) -> GoldDocument:
    """A ``documents`` row (ClassLabel ids) as a gold record (label names)."""
    events = labels.event_names
    return GoldDocument(
        id=row["id"],
        text=row["text"],
        text_sha256=hashlib.sha256(row["text"].encode("utf-8")).hexdigest(),
        entities=tuple(
            Entity(
                e["start"], e["end"], labels.entity_names[e["label"]], e["text"], e["canonical_id"]
            )
            for e in row["entities"]
        ),
        events=tuple(events[i] for i in row["events"]),
        paragraphs=tuple(
            GoldParagraph(p["index"], p["start"], p["end"], tuple(events[i] for i in p["events"]))
            for p in row["paragraphs"]
        ),
        annotation=AnnotationInfo(
            round=row["annotation"]["round"],
            annotators=tuple(row["annotation"]["annotators"]),
            schema_version=row["annotation"]["schema_version"],
        ),
    )


def paragraph_tokens(record: GoldDocument, tokens: list[list[Token]]) -> list[ParagraphTokens]:
    """Token rows of ``record`` from its paragraphs' tokens (paragraph offsets), as the
    ``tokens`` config holds them: the checkout route to the same view."""
    rows = []
    for p, toks in zip(record.paragraphs, tokens, strict=True):
        rows.append(
            ParagraphTokens(
                id=paragraph_id(record.id, p.index),
                doc_id=record.id,
                index=p.index,
                tokens=tuple(Token(t.text, p.start + t.start, p.start + t.end) for t in toks),
            )
        )
    return rows
