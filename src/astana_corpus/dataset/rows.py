"""Rows of the three configs and their HF features: the one place records meet Arrow.

A gold record becomes one ``documents`` row, and one ``paragraphs`` and one
``tokens`` row per paragraph. ``paragraph_views`` tokenises a record's
paragraphs once; validation (E010, E011) and the writer both read those views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from astana_corpus.core.records import Entity, GoldDocument
from astana_corpus.core.schema import Schema
from astana_corpus.core.tokens import TagConflict, Token, iob2_tags, tokenize_many

CONFIGS = ("documents", "paragraphs", "tokens")
DEFAULT_CONFIG = "documents"
PROVENANCE_FIELDS = ("raw_file", "sha256", "source_format", "outlet", "url", "published")


def features(schema: Schema) -> dict[str, Any]:
    """HF ``Features`` of every config, with ClassLabel names taken from the schema."""
    from datasets import ClassLabel, Features, List, Value

    entity = {
        "start": Value("int32"),
        "end": Value("int32"),
        "label": ClassLabel(names=list(schema.entity_names)),
        "text": Value("string"),
        "canonical_id": Value("string"),
    }
    event = ClassLabel(names=list(schema.event_names))
    return {
        "documents": Features(
            {
                "id": Value("string"),
                "text": Value("string"),
                "entities": List(entity),
                "events": List(event),
                "paragraphs": List(
                    {
                        "index": Value("int32"),
                        "start": Value("int32"),
                        "end": Value("int32"),
                        "events": List(event),
                    }
                ),
                "provenance": {
                    "raw_file": Value("string"),
                    "sha256": Value("string"),
                    "source_format": Value("string"),
                    "outlet": Value("string"),
                    "url": Value("string"),
                    "published": Value("string"),
                },
                "annotation": {
                    "round": Value("string"),
                    "annotators": List(Value("string")),
                    "schema_version": Value("string"),
                },
            }
        ),
        "paragraphs": Features(
            {
                "id": Value("string"),
                "doc_id": Value("string"),
                "paragraph_index": Value("int32"),
                "text": Value("string"),
                "entities": List(entity),
                "events": List(event),
            }
        ),
        "tokens": Features(
            {
                "id": Value("string"),
                "doc_id": Value("string"),
                "paragraph_index": Value("int32"),
                "tokens": List(Value("string")),
                "token_starts": List(Value("int32")),
                "token_ends": List(Value("int32")),
                "ner_tags": List(ClassLabel(names=list(schema.iob2_names))),
            }
        ),
    }


# Where a config's rows hold ClassLabels, as plain data (no datasets classes, so it crosses
# processes and needs no import of datasets to use): ("label", ids) for one label,
# ("labels", ids) for a list of labels, ("list", part), ("struct", keys, ((key, part), ...));
# None where nothing is encoded. ids maps each name to its ClassLabel id.
LabelSpec = tuple[Any, ...] | None


@dataclass(frozen=True)
class ArrowLayout:
    """What writing one config needs: the Arrow schema (HF features in its metadata, as
    ``Features.arrow_schema`` gives it), where its ClassLabels are, and the features as the
    README's front matter lists them (``Features._to_yaml_list``)."""

    schema: Any  # pyarrow.Schema
    labels: LabelSpec
    yaml_features: list[Any]


def label_spec(feature: Any) -> LabelSpec:
    """The ``LabelSpec`` of an HF feature."""
    from datasets import ClassLabel, List

    if isinstance(feature, ClassLabel):
        return ("label", {name: i for i, name in enumerate(feature.names)})
    if isinstance(feature, List):
        if isinstance(feature.feature, ClassLabel):
            return ("labels", {name: i for i, name in enumerate(feature.feature.names)})
        inner = label_spec(feature.feature)
        return None if inner is None else ("list", inner)
    if isinstance(feature, dict):
        parts = tuple((k, part) for k, sub in feature.items() if (part := label_spec(sub)))
        return ("struct", tuple(feature), parts) if parts else None
    return None


def arrow_layouts(schema: Schema) -> dict[str, ArrowLayout]:
    """The ``ArrowLayout`` of every config. It imports datasets (~70 MB with pandas and
    the hub client): the build calls it in a child process, so neither the build nor the
    workers it forks ever hold that memory."""
    feats = features(schema)
    return {
        c: ArrowLayout(feats[c].arrow_schema, label_spec(feats[c]), feats[c]._to_yaml_list())
        for c in CONFIGS
    }


@dataclass(frozen=True)
class ParagraphView:
    """One paragraph of a gold record with its entities in paragraph offsets, its tokens
    and their IOB2 tags."""

    index: int
    start: int  # document offset of the paragraph
    text: str
    events: tuple[str, ...]
    entities: tuple[Entity, ...]
    tokens: tuple[Token, ...]
    tags: tuple[str, ...]
    conflicts: tuple[TagConflict, ...]


def paragraph_views(record: GoldDocument) -> list[ParagraphView]:
    """The paragraphs of ``record``, tokenised in one ``nlp.pipe`` pass.

    An entity belongs to the paragraph that contains it whole.
    """
    texts = [record.text[p.start : p.end] for p in record.paragraphs]
    views = []
    for p, text, tokens in zip(record.paragraphs, texts, tokenize_many(texts), strict=True):
        entities = tuple(
            Entity(e.start - p.start, e.end - p.start, e.label, e.text, e.canonical_id)
            for e in record.entities
            if p.start <= e.start and e.end <= p.end
        )
        tags, conflicts = iob2_tags(tokens, [e.span for e in entities])
        views.append(
            ParagraphView(
                p.index,
                p.start,
                text,
                p.events,
                entities,
                tuple(tokens),
                tuple(tags),
                tuple(conflicts),
            )
        )
    return views


def _entity(e: Entity) -> dict[str, Any]:
    return {
        "start": e.start,
        "end": e.end,
        "label": e.label,
        "text": e.text,
        "canonical_id": e.canonical_id,
    }


def document_row(record: GoldDocument, provenance: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": record.id,
        "text": record.text,
        "entities": [_entity(e) for e in record.entities],
        "events": list(record.events),
        "paragraphs": [
            {"index": p.index, "start": p.start, "end": p.end, "events": list(p.events)}
            for p in record.paragraphs
        ],
        "provenance": {k: provenance.get(k) for k in PROVENANCE_FIELDS},
        "annotation": {
            "round": record.annotation.round,
            "annotators": list(record.annotation.annotators),
            "schema_version": record.annotation.schema_version,
        },
    }


def paragraph_id(doc_id: str, index: int) -> str:
    return f"{doc_id}-p{index:03d}"


def paragraph_row(record: GoldDocument, view: ParagraphView) -> dict[str, Any]:
    """The ``paragraphs`` row: entities in paragraph offsets."""
    return {
        "id": paragraph_id(record.id, view.index),
        "doc_id": record.id,
        "paragraph_index": view.index,
        "text": view.text,
        "entities": [_entity(e) for e in view.entities],
        "events": list(view.events),
    }


def token_row(record: GoldDocument, view: ParagraphView) -> dict[str, Any]:
    """The ``tokens`` row: tokens with their offsets and IOB2 tags."""
    return {
        "id": paragraph_id(record.id, view.index),
        "doc_id": record.id,
        "paragraph_index": view.index,
        "tokens": [t.text for t in view.tokens],
        "token_starts": [t.start for t in view.tokens],
        "token_ends": [t.end for t in view.tokens],
        "ner_tags": list(view.tags),
    }
