"""The dataset writer: streaming parquet files per (config, split) and the README front matter.

Output (``dist/astana-corpus/``), Hub-ready and loadable with
``datasets.load_dataset(folder, config)``:

- ``README.md``: YAML front matter (configs with data_files per split,
  dataset_info features with ClassLabel names from the schema, licence,
  language, tasks) + the dataset card;
- ``data/<config>/<split>.parquet`` for the configs ``documents`` (default),
  ``paragraphs`` and ``tokens``.

Each document's rows go to one parquet writer per (config, split) as Arrow
tables (made by the worker that encoded them), and writers flush a row group
every ``ROW_GROUP`` rows (``DOCUMENT_ROW_GROUP`` documents), so memory does not grow
with the corpus. Parquet is
written with pyarrow (DESIGN: faster than datasets, and datasets 5.2's
``to_parquet(compression=...)`` raises); it is read back with datasets.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from astana_corpus.core.records import GoldDocument
from astana_corpus.dataset.rows import (
    CONFIGS,
    DEFAULT_CONFIG,
    ArrowLayout,
    LabelSpec,
    ParagraphView,
    document_row,
    paragraph_row,
    token_row,
)
from astana_corpus.dataset.splits import SPLIT_NAMES

# Rows per parquet row group: small enough to bound memory, large enough to compress well.
ROW_GROUP = 2048
# A documents row holds a whole article (~10 paragraphs, 20 KB in Arrow): fewer per group,
# so the rows a writer holds before a group is written stay a few MB.
DOCUMENT_ROW_GROUP = 256


Encoder = Callable[[Any], Any]


def make_encoder(spec: LabelSpec) -> Encoder:
    """A function that encodes a row for Arrow: ClassLabel names → ids, built once per
    config from its ``LabelSpec`` (a dict lookup per label; parts without a ClassLabel
    are passed through).

    Not ``Features.encode_example``: for a list of structs it decides from the
    first element whether nested ClassLabels need encoding, so a document whose
    first paragraph has no events kept label *names* in later paragraphs.
    """

    def build(part: tuple[Any, ...]) -> Encoder:
        kind = part[0]
        if kind == "label":
            ids = part[1]
            return lambda v: ids[v] if isinstance(v, str) else v
        if kind == "labels":  # a list of labels: one comprehension
            names = part[1]
            return lambda v: (
                None if v is None else [names[x] if isinstance(x, str) else x for x in v]
            )
        if kind == "list":
            inner = build(part[1])
            return lambda v: None if v is None else [inner(x) for x in v]
        if kind != "struct":
            raise ValueError(f"not a LabelSpec kind: {kind!r}")
        keys = part[1]
        parts = [(k, build(sub)) for k, sub in part[2]]

        def encode(v: Any) -> Any:
            if v is None:
                return None
            out = {k: v.get(k) for k in keys}
            for k, part in parts:  # only the fields that hold a ClassLabel
                out[k] = part(out[k])
            return out

        return encode

    return (lambda v: v) if spec is None else build(spec)


class _Writer:
    """One parquet file, written in row groups of exactly ``group_rows`` rows (the last one
    shorter) from Arrow tables of any length: the file's bytes do not depend on how the
    rows were batched (tests/test_build.py checks it)."""

    def __init__(self, path: Path, layout: ArrowLayout, group_rows: int):
        import pyarrow.parquet as pq

        path.parent.mkdir(parents=True, exist_ok=True)
        self.group_rows = group_rows
        self.encode = make_encoder(layout.labels)
        self.schema = layout.schema
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.pending: list[Any] = []  # pyarrow Tables not yet written
        self.pending_rows = 0
        self.rows = 0
        # In-memory Arrow size of the row groups as written, what HF records as a split's
        # num_bytes. A group cut from a worker's table can keep a validity bitmap that
        # from_pylist of the same rows would not have (a byte or so a group): the figure
        # depends on BATCH_LINES and the group sizes (constants), never on the pool.
        self.nbytes = 0

    def encoded(self, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` as it is stored: ClassLabel names as ids."""
        return self.encode(row)  # type: ignore[no-any-return]

    def add_table(self, table: Any) -> None:
        """Append encoded rows as a pyarrow Table of this file's schema (``rows_table``)."""
        self.pending.append(table)
        self.pending_rows += table.num_rows
        while self.pending_rows >= self.group_rows:
            self._write(self.group_rows)

    def _write(self, n: int) -> None:
        import pyarrow as pa

        combined = pa.concat_tables(self.pending)
        group = combined.slice(0, n).combine_chunks()  # one chunk: bytes as from one list
        self.writer.write_table(group)
        self.nbytes += group.nbytes
        self.rows += n
        rest = combined.slice(n)
        self.pending = [rest] if rest.num_rows else []
        self.pending_rows -= n

    def close(self) -> None:
        if self.pending_rows:
            self._write(self.pending_rows)
        self.writer.close()


def rows_table(schema: Any, rows: Sequence[dict[str, Any]]) -> Any:
    """Encoded rows of one config as a pyarrow Table of ``schema`` (built where the rows
    are made: in a worker process, so the parent only appends tables)."""
    import pyarrow as pa

    return pa.Table.from_pylist(list(rows), schema=schema)


@dataclass
class WriteSummary:
    """Rows, Arrow bytes and label counts per config and split, as written."""

    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    nbytes: dict[str, dict[str, int]] = field(default_factory=dict)
    entities: dict[str, Counter[str]] = field(default_factory=dict)
    events: dict[str, Counter[str]] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    # The first row of the train split of the `paragraphs` config, as stored (the card's example).
    instance: dict[str, Any] | None = None


class DatasetWriter:
    """Writes the rows of each gold record to ``staging/data/<config>/<split>.parquet``
    (``layouts``: ``rows.arrow_layouts`` of the schema)."""

    def __init__(self, staging: Path, layouts: Mapping[str, ArrowLayout]):
        self.staging = staging
        self.layouts = layouts
        self.writers = {
            (c, s): _Writer(
                staging / "data" / c / f"{s}.parquet",
                layouts[c],
                DOCUMENT_ROW_GROUP if c == "documents" else ROW_GROUP,
            )
            for c in CONFIGS
            for s in SPLIT_NAMES
        }
        self.summary = WriteSummary(
            entities={s: Counter() for s in SPLIT_NAMES},
            events={s: Counter() for s in SPLIT_NAMES},
            tokens=dict.fromkeys(SPLIT_NAMES, 0),
        )

    def add(
        self,
        record: GoldDocument,
        views: Sequence[ParagraphView],
        *,
        split: str,
        provenance: Mapping[str, Any],
    ) -> None:
        """One record's rows (encoded and turned into tables here, in this process)."""
        w = self.writers
        paragraphs = [w[("paragraphs", split)].encoded(paragraph_row(record, v)) for v in views]
        rows = {
            "documents": [w[("documents", split)].encoded(document_row(record, provenance))],
            "paragraphs": paragraphs,
            "tokens": [w[("tokens", split)].encoded(token_row(record, v)) for v in views],
        }
        self.add_tables({(c, split): rows_table(w[(c, split)].schema, r) for c, r in rows.items()})
        self.count(
            split,
            entity_labels=[e.label for e in record.entities],
            events=[ev for v in views for ev in v.events],
            tokens=sum(len(v.tokens) for v in views),
            first_paragraph=paragraphs[0] if paragraphs else None,
        )

    def add_tables(self, tables: Mapping[tuple[str, str], Any]) -> None:
        """Encoded rows as pyarrow Tables by (config, split), in corpus order."""
        for key, table in tables.items():
            self.writers[key].add_table(table)

    def count(
        self,
        split: str,
        *,
        entity_labels: Sequence[str],
        events: Sequence[str],
        tokens: int,
        first_paragraph: dict[str, Any] | None,
    ) -> None:
        """The label counts of one written record (and the card's example row: the first
        paragraphs row of the train split, as stored)."""
        summary = self.summary
        summary.entities[split].update(entity_labels)
        if split == "train" and summary.instance is None and first_paragraph is not None:
            summary.instance = first_paragraph
        summary.events[split].update(events)
        summary.tokens[split] += tokens

    def abort(self) -> None:
        """Close every file without flushing (after a failure: the folder is discarded)."""
        for writer in self.writers.values():
            with contextlib.suppress(Exception):
                writer.writer.close()

    def close(self) -> WriteSummary:
        """Flush and close every file; leave empty splits out (datasets refuses a declared
        split without rows)."""
        for writer in self.writers.values():
            writer.close()
        for (config, split), writer in self.writers.items():
            if writer.rows == 0:
                (self.staging / "data" / config / f"{split}.parquet").unlink()
        w = self.writers
        self.summary.rows = {c: {s: w[(c, s)].rows for s in SPLIT_NAMES} for c in CONFIGS}
        self.summary.nbytes = {c: {s: w[(c, s)].nbytes for s in SPLIT_NAMES} for c in CONFIGS}
        return self.summary


def front_matter(layouts: Mapping[str, ArrowLayout], summary: WriteSummary) -> str:
    """README YAML: configs, features with ClassLabel names (``layouts``:
    ``rows.arrow_layouts``), licence, language, tasks."""
    import yaml

    meta = {
        "pretty_name": "astana-corpus",
        "language": ["ar"],
        "license": "other",
        "license_name": "mixed",
        "license_link": "LICENSE",
        "license_details": "Annotations: CC BY 4.0. Article text: copyright of the "
        "original publishers (not identified); redistributed for research only.",
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition", "multi-label-classification"],
        "size_categories": ["n<1K"],
        "annotations_creators": ["machine-generated"],  # an AI model annotated; see the card
        "language_creators": ["found"],
        "multilinguality": ["monolingual"],
        "source_datasets": ["original"],
        "configs": [
            {
                "config_name": c,
                **({"default": True} if c == DEFAULT_CONFIG else {}),
                "data_files": [
                    {"split": s, "path": f"data/{c}/{s}.parquet"}
                    for s in SPLIT_NAMES
                    if summary.rows[c][s]
                ],
            }
            for c in CONFIGS
        ],
        "dataset_info": [
            {
                "config_name": c,
                "features": layouts[c].yaml_features,
                "splits": [
                    {
                        "name": s,
                        "num_bytes": summary.nbytes[c][s],
                        "num_examples": summary.rows[c][s],
                    }
                    for s in SPLIT_NAMES
                    if summary.rows[c][s]
                ],
            }
            for c in CONFIGS
        ],
    }
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100) + "---\n"
