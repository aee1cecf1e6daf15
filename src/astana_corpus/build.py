"""`astana build`: validate, check splits and write the Hugging Face dataset folder.

Output (``dist/astana-corpus/``), Hub-ready and loadable with
``datasets.load_dataset(folder, config)``:

- ``README.md``: YAML front matter (configs with data_files per split,
  dataset_info features with ClassLabel names from the schema, licence,
  language, tasks) + the dataset card rendered from ``dataset_card.md``;
- ``data/<config>/<split>.parquet`` for the configs ``documents`` (default),
  ``paragraphs`` and ``tokens``.

Rows stream through the stages: gold is read line by line, each document's
rows go to one parquet writer per (config, split), and writers flush a row
group every ``ROW_GROUP`` rows, so memory does not grow with the corpus. The
folder is written next to the target and swapped in only when complete.
Parquet is written with pyarrow (DESIGN: faster than datasets, and datasets
5.2's ``to_parquet(compression=...)`` raises); it is read back with datasets.
"""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from astana_corpus.adjudicate import GOLD_FILE
from astana_corpus.errors import ValidationError
from astana_corpus.io import make_temp_dir, read_jsonl, write_text
from astana_corpus.schema import Schema, read_schema
from astana_corpus.splits import SPLIT_NAMES

OUT_DIR = Path("dist/astana-corpus")
CONFIGS = ("documents", "paragraphs", "tokens")
DEFAULT_CONFIG = "documents"
# Rows per parquet row group: small enough to bound memory, large enough to compress well.
ROW_GROUP = 2048


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


# ---------------------------------------------------------------- rows


def document_row(record: Mapping[str, Any], provenance: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": record["id"],
        "text": record["text"],
        "entities": [_entity(e) for e in record["entities"]],
        "events": list(record["events"]),
        "paragraphs": [
            {"index": p["index"], "start": p["start"], "end": p["end"], "events": list(p["events"])}
            for p in record["paragraphs"]
        ],
        "provenance": {
            k: provenance.get(k)
            for k in ("raw_file", "sha256", "source_format", "outlet", "url", "published")
        },
        "annotation": dict(record["annotation"]),
    }


def _entity(e: Mapping[str, Any], shift: int = 0) -> dict[str, Any]:
    return {
        "start": e["start"] - shift,
        "end": e["end"] - shift,
        "label": e["label"],
        "text": e["text"],
        "canonical_id": e.get("canonical_id"),
    }


def paragraph_rows(record: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per paragraph, entities in paragraph offsets."""
    for p in record["paragraphs"]:
        yield {
            "id": f"{record['id']}-p{p['index']:03d}",
            "doc_id": record["id"],
            "paragraph_index": p["index"],
            "text": record["text"][p["start"] : p["end"]],
            "entities": [
                _entity(e, p["start"])
                for e in record["entities"]
                if p["start"] <= e["start"] and e["end"] <= p["end"]
            ],
            "events": list(p["events"]),
        }


def token_rows(paragraphs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Token rows for a batch of paragraph rows (tokenised in one ``nlp.pipe`` pass)."""
    from astana_corpus.tokens import iob2_tags, tokenize_many

    for row, tokens in zip(paragraphs, tokenize_many(r["text"] for r in paragraphs), strict=True):
        spans = [(e["start"], e["end"], e["label"]) for e in row["entities"]]
        tags, _ = iob2_tags(tokens, spans)
        yield {
            "id": row["id"],
            "doc_id": row["doc_id"],
            "paragraph_index": row["paragraph_index"],
            "tokens": [t.text for t in tokens],
            "token_starts": [t.start for t in tokens],
            "token_ends": [t.end for t in tokens],
            "ner_tags": tags,
        }


# ---------------------------------------------------------------- writing


def encode(feature: Any, value: Any) -> Any:
    """Encode a row for Arrow: ClassLabel names → ids, recursively.

    Not ``Features.encode_example``: for a list of structs it decides from the
    first element whether nested ClassLabels need encoding, so a document whose
    first paragraph has no events kept label *names* in later paragraphs.
    """
    from datasets import ClassLabel, List

    if value is None:
        return None
    if isinstance(feature, ClassLabel):
        return feature.str2int(value) if isinstance(value, str) else value
    if isinstance(feature, List):
        return [encode(feature.feature, v) for v in value]
    if isinstance(feature, dict):
        return {k: encode(f, value.get(k)) for k, f in feature.items()}
    return value


class _Writer:
    """One parquet file, written in row groups of ROW_GROUP rows."""

    def __init__(self, path: Path, feats: Any):
        import pyarrow.parquet as pq

        path.parent.mkdir(parents=True, exist_ok=True)
        self.features = feats
        self.schema = feats.arrow_schema
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.buffer: list[dict[str, Any]] = []
        self.rows = 0
        self.nbytes = 0  # in-memory Arrow size, what HF records as a split's num_bytes

    def add(self, row: dict[str, Any]) -> None:
        self.buffer.append(encode(self.features, row))
        if len(self.buffer) >= ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.buffer:
            table = pa.Table.from_pylist(self.buffer, schema=self.schema)
            self.writer.write_table(table)
            self.nbytes += table.nbytes
            self.rows += len(self.buffer)
            self.buffer = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


@dataclass
class BuildSummary:
    out_dir: Path
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    nbytes: dict[str, dict[str, int]] = field(default_factory=dict)
    entities: dict[str, Counter[str]] = field(default_factory=dict)
    events: dict[str, Counter[str]] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    ingest: dict[str, Any] = field(default_factory=dict)


def write_data(
    staging: Path,
    *,
    gold_path: Path,
    split_of: Mapping[str, str],
    provenance: Mapping[str, Mapping[str, Any]],
    schema: Schema,
    progress: bool = False,
) -> BuildSummary:
    """Stream gold into parquet files; return counts per split."""
    feats = features(schema)
    writers = {
        (c, s): _Writer(staging / "data" / c / f"{s}.parquet", feats[c])
        for c in CONFIGS
        for s in SPLIT_NAMES
    }
    summary = BuildSummary(out_dir=staging)
    summary.entities = {s: Counter() for s in SPLIT_NAMES}
    summary.events = {s: Counter() for s in SPLIT_NAMES}
    summary.tokens = dict.fromkeys(SPLIT_NAMES, 0)
    pending: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def drain(split: str) -> None:
        for row in token_rows(pending[split]):
            writers[("tokens", split)].add(row)
            summary.tokens[split] += len(row["tokens"])
        pending[split] = []

    records: Any = read_jsonl(gold_path)
    if progress:
        from tqdm import tqdm

        records = tqdm(records, desc="build", unit="doc")
    try:
        for record in records:
            split = split_of.get(record["id"])
            if split is None:
                continue  # reported by validation (E013)
            writers[("documents", split)].add(document_row(record, provenance[record["id"]]))
            summary.entities[split].update(e["label"] for e in record["entities"])
            for row in paragraph_rows(record):
                writers[("paragraphs", split)].add(row)
                summary.events[split].update(row["events"])
                pending[split].append(row)
            if len(pending[split]) >= ROW_GROUP:
                drain(split)
        for split in SPLIT_NAMES:
            drain(split)
    finally:
        for writer in writers.values():
            writer.close()
    # datasets refuses a declared split without rows: leave empty splits out.
    for (config, split), writer in writers.items():
        if writer.rows == 0:
            (staging / "data" / config / f"{split}.parquet").unlink()
    summary.rows = {c: {s: writers[(c, s)].rows for s in SPLIT_NAMES} for c in CONFIGS}
    summary.nbytes = {c: {s: writers[(c, s)].nbytes for s in SPLIT_NAMES} for c in CONFIGS}
    return summary


def front_matter(schema: Schema, summary: BuildSummary) -> str:
    """README YAML: configs, features with ClassLabel names, licence, language, tasks."""
    import yaml

    feats = features(schema)
    meta = {
        "pretty_name": "astana-corpus",
        "language": ["ar"],
        "license": "other",
        "license_name": "mixed",
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
                "features": feats[c]._to_yaml_list(),
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


def build(
    root: Path,
    *,
    out_dir: Path | None = None,
    progress: bool = False,
) -> BuildSummary:
    """The main job: ingest → validate (incl. split check) → write ``out_dir``.

    Raises ``ValidationError`` (nothing written) when validation finds errors.
    """
    from astana_corpus.articles import StageReport, iter_documents
    from astana_corpus.card import card_context, render_card
    from astana_corpus.splits import check_splits, compute_splits, read_committed, read_config
    from astana_corpus.validate import validate

    out_dir = out_dir or root / OUT_DIR
    schema = read_schema(root)
    ingest_report = StageReport()
    documents = []
    for doc in iter_documents(root, progress=progress):
        ingest_report.add(doc)
        documents.append(doc)
    gold_path = root / GOLD_FILE
    if not gold_path.exists():
        raise ValidationError(f"{gold_path}: not found; annotate and `astana merge` first")
    texts = {d.id: d.text for d in documents}
    split_result = compute_splits(texts, read_config(root))
    committed = read_committed(root)
    report = validate(
        documents=documents,
        gold=list(read_jsonl(gold_path)),
        schema=schema,
        split_lists=committed,
        near_duplicates=split_result.near_duplicates,
        split_problems=check_splits(root, texts, computed=split_result),
    )
    if report.errors:
        first = "; ".join(f"{i.code} {i.doc_id or ''} {i.message}" for i in report.errors[:5])
        raise ValidationError(
            f"validation found {len(report.errors)} error(s), nothing was built: {first}; "
            "run `astana validate` for the full report"
        )
    split_of = {i: name for name, ids in committed.items() for i in ids}
    provenance = {d.id: d.to_dict()["provenance"] for d in documents}

    staging = make_temp_dir(out_dir.parent, f".{out_dir.name}-")
    try:
        summary = write_data(
            staging,
            gold_path=gold_path,
            split_of=split_of,
            provenance=provenance,
            schema=schema,
            progress=progress,
        )
        summary.validation = report.to_dict()
        summary.ingest = ingest_report.to_dict()
        context = card_context(root, summary=summary, schema=schema)
        card = render_card((root / "dataset_card.md").read_text(encoding="utf-8"), context)
        write_text(staging / "README.md", front_matter(schema, summary) + card)
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            out_dir.rename(old)
        staging.rename(out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary.out_dir = out_dir
    return summary
