"""The numbers behind the figures of `astana stats`: label counts, span lengths, events.

Computed from one small record per document (``DocumentLabels``), which comes either from
gold and the committed split lists (a checkout) or from the ``documents`` config of a
built dataset folder, so both give the same numbers for the same data. The result is a
JSON-ready dict with sorted keys and lists, written next to the figures as
``figures.json``.

>>> doc = DocumentLabels("d1", ((0, len("سوريا"), "GPE"),), (("STATEMENT", "AID"), ()))
>>> s = corpus_stats({"train": [doc]}, ("GPE",), ("AID", "STATEMENT"), splits=("train",))
>>> s["span_lengths"]["GPE"], s["event_cooccurrence"]
([5], [[1, 1], [1, 1]])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from astana_corpus.core.errors import error
from astana_corpus.core.records import GoldDocument
from astana_corpus.dataset.frames import with_label_names


@dataclass(frozen=True)
class DocumentLabels:
    """What the figures need of one document: its spans and each paragraph's events."""

    id: str
    entities: tuple[tuple[int, int, str], ...]  # start, end, label (document offsets)
    paragraph_events: tuple[tuple[str, ...], ...]  # in paragraph order

    @classmethod
    def from_gold(cls, record: GoldDocument) -> DocumentLabels:
        return cls(
            record.id,
            tuple((e.start, e.end, e.label) for e in record.entities),
            tuple(p.events for p in record.paragraphs),
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> DocumentLabels:
        """From a ``documents`` config row whose labels are names (``frames.with_label_names``)."""
        return cls(
            row["id"],
            tuple((e["start"], e["end"], e["label"]) for e in row["entities"]),
            tuple(tuple(p["events"]) for p in row["paragraphs"]),
        )


def corpus_stats(
    by_split: Mapping[str, Sequence[DocumentLabels]],
    entity_names: Sequence[str],
    event_names: Sequence[str],
    *,
    splits: Sequence[str],
) -> dict[str, Any]:
    """Counts per split and label, span lengths in characters per label (all splits,
    sorted), paragraphs per event label and split, the paragraph co-occurrence matrix of
    event labels (row i, column j: paragraphs with both; the diagonal: with label i), and
    the entities of each document per label."""
    entity_counts = {s: dict.fromkeys(entity_names, 0) for s in splits}
    event_counts = {s: dict.fromkeys(event_names, 0) for s in splits}
    lengths: dict[str, list[int]] = {n: [] for n in entity_names}
    index = {n: i for i, n in enumerate(event_names)}
    matrix = [[0] * len(event_names) for _ in event_names]
    per_document = []
    for split in splits:
        for doc in sorted(by_split.get(split, ()), key=lambda d: d.id):
            counts = dict.fromkeys(entity_names, 0)
            for start, end, label in doc.entities:
                entity_counts[split][label] += 1
                counts[label] += 1
                lengths[label].append(end - start)
            for events in doc.paragraph_events:
                labels = sorted(set(events), key=index.__getitem__)
                for a in labels:
                    event_counts[split][a] += 1
                    for b in labels:
                        matrix[index[a]][index[b]] += 1
            per_document.append({"id": doc.id, "split": split, "entities": counts})
    return {
        "splits": list(splits),
        "entity_labels": list(entity_names),
        "event_labels": list(event_names),
        "documents": {s: len(by_split.get(s, ())) for s in splits},
        "paragraphs": {
            s: sum(len(d.paragraph_events) for d in by_split.get(s, ())) for s in splits
        },
        "entity_counts": entity_counts,
        "span_lengths": {n: sorted(v) for n, v in lengths.items()},
        "event_counts": event_counts,
        "event_cooccurrence": matrix,
        "entities_per_document": per_document,
    }


def read_dataset_labels(
    folder: Path,
) -> tuple[dict[str, list[DocumentLabels]], tuple[str, ...], tuple[str, ...]]:
    """The documents of each split of a built dataset folder (its ``documents`` config,
    read with ``datasets.load_dataset``), with the entity and event label names of its
    features; A641 when the folder is not a built dataset."""
    from datasets import load_dataset

    folder = Path(folder)
    if not (folder / "README.md").is_file():
        raise error("A641", path=folder, problem="no README.md")
    if not sorted((folder / "data" / "documents").glob("*.parquet")):
        raise error("A641", path=folder, problem="no data/documents/*.parquet")
    loaded = load_dataset(str(folder), "documents")
    by_split = {
        name: [DocumentLabels.from_row(row) for row in with_label_names(ds).to_pylist()]
        for name, ds in loaded.items()
    }
    any_split = next(iter(loaded.values()))
    entity_names = tuple(any_split.features["entities"].feature["label"].names)
    event_names = tuple(any_split.features["events"].feature.names)
    return by_split, entity_names, event_names
