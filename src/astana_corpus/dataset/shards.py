"""The shards job: ingest, near-duplicate inputs and pre-annotation over many shards, on
the local engine or on Ray Data (datatrove / NeMo Curator style, beyond one machine).

Inputs, a folder (searched recursively) or a list of files:

- raw articles ``*.txt`` / ``*.html`` (id: the file name without its suffix);
- ``*.jsonl``: one object per line with a string ``id`` and a string ``text`` or ``html``;
- ``*.parquet``: columns ``id`` and ``text`` or ``html``.

Output: sharded Parquet ``part-*.parquet`` with one row per input record: ``id``, the
cleaned ``text`` (what near-duplicate grouping reads), ``document`` (the cleaned
``Document`` as JSON) and ``suggestions`` (the pre-annotations of its paragraphs as
JSON, the lines ``astana preannotate`` writes). Both engines run the same two pure
functions, ``shard_records`` (one shard → records) and ``process_batch`` (records →
output rows), so the rows are the same; only their order in part files differs
(``read_output`` sorts by id). Grouping near-duplicates stays with
``dataset.splits.group_keys`` over the output's texts, in one process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from astana_corpus.annotate.preannotate import Gazetteer, preannotate, read_gazetteer
from astana_corpus.core.errors import error
from astana_corpus.core.io import dumps_record, iter_jsonl, sha256_text
from astana_corpus.core.parallel import batched
from astana_corpus.core.schema import read_schema
from astana_corpus.dataset.near_duplicates import NearDuplicate, Settings, find_near_duplicates
from astana_corpus.ingest.clean import clean_document
from astana_corpus.ingest.sources import ArticleMeta, decode_raw, extractor_name, html_to_text

RAW_SUFFIXES = (".txt", ".html", ".htm")
SHARD_SUFFIXES = (*RAW_SUFFIXES, ".jsonl", ".parquet")
# Records per output part of the local engine (Ray chooses its own blocks).
RECORDS_PER_PART = 1000
ENGINES = ("local", "ray")


def list_shards(inputs: Sequence[Path]) -> list[Path]:
    """The shard files of ``inputs`` (folders searched recursively), sorted; a file of
    another kind is A140."""
    shards: list[Path] = []
    for path in inputs:
        if path.is_dir():
            shards += sorted(p for p in path.rglob("*") if p.suffix.lower() in SHARD_SUFFIXES)
        elif path.is_file() and path.suffix.lower() in SHARD_SUFFIXES:
            shards.append(path)
        else:
            raise error("A140", path=path)
    return shards


def _record(value: Any, path: Path, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise error("A141", path=path, record=where, problem="not an object")
    doc_id = value.get("id")
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise error("A141", path=path, record=where, problem=f"id {doc_id!r} is not a string")
    for key, fmt in (("text", "txt"), ("html", "html")):
        if isinstance(value.get(key), str):
            return {"id": doc_id, "content": value[key], "format": fmt, "source": where}
    raise error("A141", path=path, record=where, problem="no string `text` or `html`")


def shard_records(path: Path) -> list[dict[str, str]]:
    """The input records of one shard: id, content, format (txt/html), source."""
    suffix = path.suffix.lower()
    if suffix in RAW_SUFFIXES:
        fmt = "txt" if suffix == ".txt" else "html"
        content = decode_raw(path.read_bytes(), path)
        return [{"id": path.stem, "content": content, "format": fmt, "source": path.name}]
    if suffix == ".jsonl":
        return [_record(v, path, f"{path.name}:{n}") for n, v in iter_jsonl(path)]
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).to_pylist()
        return [_record(v, path, f"{path.name}#{n}") for n, v in enumerate(rows)]
    raise error("A140", path=path)


@lru_cache(maxsize=4)
def _gazetteer(root: str) -> Gazetteer:
    """One gazetteer per project and process (a worker builds it once)."""
    return read_gazetteer(Path(root), read_schema(Path(root)))


def process_batch(batch: dict[str, list[Any]], *, root: str) -> dict[str, list[Any]]:
    """Clean each record and pre-annotate its paragraphs (columns in, columns out)."""
    out: dict[str, list[Any]] = {"id": [], "text": [], "document": [], "suggestions": []}
    gazetteer = _gazetteer(root)
    for doc_id, content, fmt, source in zip(
        batch["id"], batch["content"], batch["format"], batch["source"], strict=True
    ):
        meta = ArticleMeta(id=doc_id, file=source, sha256=sha256_text(content))
        if fmt == "html":
            text, kind = html_to_text(content, source), extractor_name()
        else:
            text, kind = content, "utf-8"
        doc = clean_document(meta, text, source_format=fmt, source_kind=kind)
        out["id"].append(doc.id)
        out["text"].append(doc.text)
        out["document"].append(dumps_record(doc.to_dict()))
        lines = [line.to_dict() for line in preannotate([doc], gazetteer)]
        out["suggestions"].append(dumps_record(lines))
    return out


def _columns(records: Sequence[dict[str, str]]) -> dict[str, list[Any]]:
    return {key: [r[key] for r in records] for key in ("id", "content", "format", "source")}


def run_local(shards: Sequence[Path], *, root: Path, out_dir: Path) -> int:
    """The shards job in this process; returns the records written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    records: Iterator[dict[str, str]] = (r for shard in shards for r in shard_records(shard))
    count = 0
    for number, part in enumerate(batched(records, RECORDS_PER_PART)):
        rows = process_batch(_columns(part), root=str(root))
        pq.write_table(pa.table(rows), out_dir / f"part-{number:05d}.parquet", compression="zstd")
        count += len(part)
    return count


def run_ray(
    shards: Sequence[Path],
    *,
    root: Path,
    out_dir: Path,
    address: str | None = None,
    progress: bool = False,
) -> int:
    """The shards job on Ray Data: one task per shard reads it, ``map_batches`` cleans and
    pre-annotates, ``write_parquet`` writes the parts. Connects to ``address`` (or
    ``RAY_ADDRESS``), else starts a local Ray; the shard paths must be readable from
    every node (a shared or object file system)."""
    try:
        import ray
    except ImportError as exc:
        raise error("A720", detail=exc) from exc
    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = progress
    items = [{"path": str(p)} for p in shards]
    clean_and_annotate: Any = process_batch  # Ray's stubs want numpy batches; these are lists
    data = (
        ray.data.from_items(items, override_num_blocks=max(1, len(items)))
        .flat_map(lambda item: shard_records(Path(item["path"])))
        .map_batches(
            clean_and_annotate,
            fn_kwargs={"root": str(root)},
            batch_format="numpy",
            batch_size=RECORDS_PER_PART,
        )
    )
    data.write_parquet(str(out_dir))
    return sum(1 for _ in read_output(out_dir))


def read_output(out_dir: Path) -> list[dict[str, Any]]:
    """The rows of a shards job's output, sorted by id, with JSON columns decoded."""
    import pyarrow.parquet as pq

    rows = []
    for part in sorted(out_dir.glob("*.parquet")):
        for row in pq.read_table(part).to_pylist():
            rows.append(
                {
                    "id": row["id"],
                    "text": row["text"],
                    "document": json.loads(row["document"]),
                    "suggestions": json.loads(row["suggestions"]),
                }
            )
    return sorted(rows, key=lambda r: r["id"])


def output_groups(
    out_dir: Path, *, settings: Settings | None = None
) -> tuple[dict[str, str], list[NearDuplicate]]:
    """Near-duplicate groups of a shards job's output (``find_near_duplicates``, the
    grouping of `astana split`, in one process)."""
    texts = {r["id"]: r["text"] for r in read_output(out_dir)}
    found = find_near_duplicates(texts, settings or Settings())
    return found.groups, found.pairs
