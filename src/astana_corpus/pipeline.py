"""The one orchestrator: which stage reads which materialised output, for the CLI and tests.

The flow (ARCHITECTURE.md)::

    articles/ ──ingest──▶ build/documents.jsonl ──┬─▶ preannotate, Doccano push/pull, merge
                          (reused while its key    │        ▼
                           matches the inputs)     │   annotations/gold.jsonl
                                                   └─▶ validate ─▶ build ─▶ dist/astana-corpus
                                                         (one pass: checks + rows + card facts)

Every function here takes the project root and keyword options, reads each
input once, and calls the stage functions of ``ingest``, ``annotate``,
``dataset`` and ``models``; the CLI only parses arguments and renders what
these return.
"""

from __future__ import annotations

import gc
import itertools
import json
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import astana_corpus
from astana_corpus.annotate.agreement import agreement
from astana_corpus.annotate.doccano import connect
from astana_corpus.annotate.merge import MergeReport, merge, read_round
from astana_corpus.annotate.preannotate import (
    Gazetteer,
    preannotate,
    read_gazetteer,
    score_by_source,
)
from astana_corpus.annotate.server import admin_credentials, default_url
from astana_corpus.core.errors import AstanaError, error
from astana_corpus.core.gold import gold_from_line, iter_gold_lines, read_gold
from astana_corpus.core.io import (
    iter_raw_lines,
    read_json,
    read_line_at,
    sha256_bytes,
    sha256_file,
    sha256_text,
    write_jsonl,
    write_text,
)
from astana_corpus.core.outputs import (
    check_output,
    folder_lock,
    looks_like_dataset,
    looks_like_documents,
    looks_like_shards_output,
    looks_like_spacy_export,
    looks_like_suggestions,
    looks_like_view,
    recover_folder,
    replace_folder,
    staging_folder,
)
from astana_corpus.core.parallel import (
    POOL_MIN_BATCHES,
    batched,
    in_child,
    ordered_map,
    use_template,
    worker_count,
)
from astana_corpus.core.paths import (
    BASELINES_DIR,
    BUILD_DIR,
    BUILD_STATS_FILE,
    CARD_FILE,
    CONFIGS_DIR,
    DOCUMENTS_FILE,
    DOCUMENTS_KEY_FILE,
    FIGURES_DIR,
    GAZETTEER_FILE,
    GENERATED_GAZETTEER_FILE,
    GOLD_FILE,
    IMAGES_DIR,
    LICENSE_FILE,
    METADATA_CACHE_FILE,
    METADATA_FILE,
    OUT_DIR,
    PREANNOTATION_RESULT,
    RESOLUTIONS_DIR,
    RESULTS_DIR,
    SCHEMA_FILE,
    SPLITS_DIR,
)
from astana_corpus.core.records import Document, GoldDocument, Issue, StageStats
from astana_corpus.core.schema import Schema, read_schema
from astana_corpus.core.tokens import tokenize_many
from astana_corpus.dataset.card import (
    BaselineResult,
    CardFacts,
    PreannotationFacts,
    RoundAgreement,
    generated_sections,
    render_card,
    sections,
)
from astana_corpus.dataset.figures import (
    FIGURES,
    NUMBERS_FILE,
    looks_like_figures,
    render_figures,
    write_figures,
)
from astana_corpus.dataset.folder import LabelNames, paragraph_tokens, read_dataset_split
from astana_corpus.dataset.near_duplicates import (
    NearDuplicate,
    Settings,
    Sketch,
    pairwise_similarity,
)
from astana_corpus.dataset.rows import arrow_layouts
from astana_corpus.dataset.shards import list_shards, run_local, run_ray
from astana_corpus.dataset.splits import (
    SPLIT_NAMES,
    SplitChanges,
    SplitResult,
    check_splits,
    lists_sha256,
    new_sketches,
    read_committed,
    read_config,
    sketch_of_documents,
    split_changes,
    split_result,
    write_splits,
)
from astana_corpus.dataset.stage import (
    BATCH_LINES,
    Line,
    RecordResult,
    StageContext,
    documents_batch,
    gold_batch,
    init_stage,
)
from astana_corpus.dataset.stats import DocumentLabels, corpus_stats, read_dataset_labels
from astana_corpus.dataset.validate import (
    CorpusChecks,
    Report,
    check_contamination,
    check_drift,
    check_gold_documents_known,
    check_records,
)
from astana_corpus.dataset.writer import DatasetWriter, WriteSummary, front_matter
from astana_corpus.ingest.documents import (
    DocumentSequence,
    DocumentStore,
    DocumentTexts,
    iter_documents_file,
    write_documents,
)
from astana_corpus.ingest.sources import (
    ArticleMeta,
    RawListing,
    check_unlisted,
    list_raw,
    metadata_digest,
    read_cached_metadata,
    read_metadata,
    stat_raw_files,
    write_metadata_cache,
)
from astana_corpus.models.evaluate import (
    document_tokens,
    evaluate,
    read_prediction_file,
    read_predictions,
)
from astana_corpus.models.export import write_docbins
from astana_corpus.models.train import (
    BASELINES,
    ENTITY_BASELINES,
    EVENT_BASELINES,
    read_results,
    run_baseline,
)
from astana_corpus.models.view import predictions_as_records, render_comparison, render_html

R = TypeVar("R")

# Every pool's workers start from a process that loaded the stages and the tokenizer.
use_template("astana_corpus.dataset.workers")

# The modules whose code decides what cleaning produces: a change to any of them
# invalidates the materialised documents.
_CLEANING_CODE = ("ingest/clean.py", "ingest/sources.py", "ingest/documents.py", "core/arabic.py")


# ---------------------------------------------------------------- documents


def documents_key(
    root: Path, metas: Sequence[ArticleMeta] | None = None, *, listing: RawListing | None = None
) -> dict[str, Any]:
    """What the cleaned documents are a function of: metadata, raw files, cleaning code.

    The documents file is reused only while this key is unchanged, like a declared
    workflow step with its inputs (spaCy projects, DVC). A raw file enters the key by its
    size and modification time (as make sees a file; a copy with ``cp -p``/``copytree``
    keeps both), not by hashing its bytes on every run: an edit changes them, and the
    ingest it triggers checks each file's sha256 against the metadata (A111). An edit that
    keeps size and mtime (``touch -r`` after it) goes unseen until `astana ingest`.
    ``listing``: articles/raw's entries (``list_raw``) when the caller has read them.
    """
    if metas is None:
        metas = read_metadata(root, cache=root / METADATA_CACHE_FILE)
    if listing is None:
        listing = list_raw(root)
    check_unlisted(root, metas, listing)  # a new raw file is an error even with a current cache
    raw = stat_raw_files(root, (meta.file for meta in metas), listing)  # None: missing (A106)
    package = Path(astana_corpus.__file__).parent
    code = sha256_text("".join(sha256_bytes((package / p).read_bytes()) for p in _CLEANING_CODE))
    return {
        "metadata": sha256_bytes((root / METADATA_FILE).read_bytes()),
        "raw": raw,
        "cleaning_code": code,
        "trafilatura": metadata.version("trafilatura"),
    }


def ingest(
    root: Path,
    *,
    out: Path | None = None,
    progress: bool = False,
    workers: int | None = None,
    metas: Sequence[ArticleMeta] | None = None,
    key: dict[str, Any] | None = None,
) -> StageStats:
    """Clean every article and write the documents file (default ``build/documents.jsonl``,
    with its input key so later stages can reuse it); ``workers`` processes (default: the
    cores), same file."""
    target = out or root / DOCUMENTS_FILE
    check_output(target, looks_like=looks_like_documents, what="documents file")
    digest = None
    if metas is None:  # read here: kept for later commands once the ingest succeeded
        digest = metadata_digest(root)  # before reading: see write_metadata_cache
        metas = read_metadata(root, cache=root / METADATA_CACHE_FILE)
    key = documents_key(root, metas) if key is None else key
    run = partial(
        write_documents,
        root,
        out=target,
        progress=progress,
        metas=metas,
        workers=worker_count(workers),
    )
    settings = _sketch_settings(root) if target == root / DOCUMENTS_FILE else None
    if settings is None:
        stats = run()
    else:  # sketched in the workers that clean: `astana split` and the build read them
        with new_sketches(root, settings) as store:

            def take(docs: list[Document], offsets: list[int], sketch: Sketch) -> None:
                store.add(sketch, [doc.id for doc in docs], offsets)

            stats = run(also=partial(sketch_of_documents, settings), take=take)
    if target == root / DOCUMENTS_FILE:
        write_text(root / DOCUMENTS_KEY_FILE, json.dumps({"key": key, "stats": stats.to_dict()}))
    if digest is not None:
        write_metadata_cache(root / METADATA_CACHE_FILE, metas, digest)
    return stats


def _sketch_settings(root: Path) -> Settings | None:
    """The near-duplicate settings the ingest sketches under (the committed manifest's),
    or None when the manifest cannot be read: the ingest does not fail for it, and the
    split says what is wrong."""
    try:
        return read_config(root).near_duplicate_settings()
    except AstanaError:
        return None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (unless it already was).

    The documents check builds a few hundred thousand small objects that outlive it
    (entries, the key's ``[size, mtime]`` pairs, the stored key) and hold no cycles; with
    the collector on, each full collection walks all of them again as they pile up: a
    third of the check's time at 100k documents. Nothing is left uncollected: the block
    allocates no cycles, and the collector runs again after it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _read_stored_key(root: Path) -> dict[str, Any]:
    """What ``ingest`` stored next to the documents file (its key and counts), or {}."""
    key_path, docs_path = root / DOCUMENTS_KEY_FILE, root / DOCUMENTS_FILE
    if not (key_path.is_file() and docs_path.is_file()):
        return {}
    try:
        return json.loads(key_path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (UnicodeDecodeError, ValueError):
        return {}  # a damaged key only costs a fresh ingest


def ensure_documents(
    root: Path, *, progress: bool = False, workers: int | None = None
) -> dict[str, Any]:
    """Make ``build/documents.jsonl`` current (ingest once when its key does not match the
    inputs) and return the ingest counts."""
    digest = metadata_digest(root)  # before reading: see write_metadata_cache
    with _collector_paused():
        listing = list_raw(root)  # one folder read for every per-file check below
        cached = read_cached_metadata(root, root / METADATA_CACHE_FILE, digest, listing)
    if cached is None:  # read entry by entry (core.yaml_list): no node tree to leave behind
        metas = read_metadata(root)
        listing = None  # articles/raw is read again after the (long) YAML read
    else:
        metas = cached
    with _collector_paused():
        key = documents_key(root, metas, listing=listing)
        stored = _read_stored_key(root)
    if stored.get("key") != key:
        stats = ingest(root, progress=progress, workers=workers, metas=metas, key=key)
        stored = {"key": key, "stats": stats.to_dict()}
    if cached is None:  # a hit came from the cache: it already holds these entries
        write_metadata_cache(root / METADATA_CACHE_FILE, metas, digest)  # only after success
    return stored["stats"]  # type: ignore[no-any-return]


def load_documents(root: Path, *, progress: bool = False) -> tuple[list[Document], dict[str, Any]]:
    """The cleaned documents (all in memory: for the commands over small sets, such as
    Doccano and merge) and the ingest counts."""
    stats = ensure_documents(root, progress=progress)
    return list(iter_documents_file(root / DOCUMENTS_FILE)), stats


# ---------------------------------------------------------------- validation and build


@dataclass
class Checked:
    """The inputs of the dataset, streamed once, and what the checks found: the documents
    by id (read from disk on access), compact keys, the report and the stage counts."""

    schema: Schema
    documents: DocumentStore
    ingest: dict[str, Any]
    split_lists: dict[str, list[str]]
    report: Report
    rounds: list[str] = field(default_factory=list)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Clock:
    """Seconds per stage, in the order stages ran."""

    def __init__(self) -> None:
        self.stages: dict[str, dict[str, Any]] = {}
        self.last = time.perf_counter()

    def lap(self, stage: str, **counts: Any) -> None:
        now = time.perf_counter()
        self.stages[stage] = {"seconds": round(now - self.last, 3), **counts}
        self.last = now


def check(
    root: Path,
    *,
    progress: bool = False,
    workers: int | None = None,
    writer: DatasetWriter | None = None,
) -> Checked:
    """The one validation pipeline (`astana validate` and `astana build`): documents and
    gold streamed once in batches (over ``workers`` processes, default the cores), every
    check run, each valid record's rows handed to ``writer``. Memory holds compact keys
    per document (id, byte offset), never the texts: workers read a record's document at
    its offset (drift, provenance)."""
    clock = _Clock()
    n_workers = worker_count(workers)
    schema = read_schema(root)
    ingest_stats = ensure_documents(root, progress=progress, workers=n_workers)
    clock.lap("ingest", **ingest_stats)
    docs_path, gold_path = root / DOCUMENTS_FILE, root / GOLD_FILE
    context = StageContext(schema, docs_path, gold_path, writer.layouts if writer else None)
    corpus = CorpusChecks()
    offsets: dict[str, int] = {}
    for keys in _batches(documents_batch, iter_raw_lines(docs_path), context, n_workers):
        for k in keys:
            corpus.document_ids.append(k.id)
            corpus.arabic += k.issues
            offsets[k.id] = k.offset
    documents = DocumentStore(docs_path, offsets)
    clock.lap("documents", documents=len(corpus.document_ids))

    # Grouping and E020 run in a child process: the memory they take (signatures, band
    # keys, paragraph fingerprints, allocator arenas) is not left in this process for the
    # gold pass's workers to fork.
    groups, near_duplicates, lists, problems, contamination = in_child(
        _splits_check, root, documents, corpus.document_ids, n_workers
    )
    split_of = {i: name for name, ids in lists.items() for i in ids}
    clock.lap("splits", groups=groups)

    rounds: set[str] = set()
    written = 0
    not_written: Counter[str] = Counter()
    write_seconds = 0.0
    lines: Iterable[Line] = iter_gold_lines(gold_path)
    if progress:
        from tqdm import tqdm

        lines = tqdm(lines, desc="validate + build", unit="document")
    # The documents' offsets and the split map reach each worker pickled, with the context.
    gold_context = replace(context, documents=documents, split_of=split_of)
    label_sets: dict[frozenset[str], frozenset[str]] = {}
    for batch in _batches(gold_batch, lines, gold_context, n_workers):
        for r in batch.results:
            corpus.gold_ids.append(r.id)
            corpus.entities += r.entities
            corpus.paragraphs += r.paragraphs
            corpus.labels[r.id] = label_sets.setdefault(r.labels, r.labels)  # one per set
            rounds.add(r.round)
            if r.document == "absent":
                corpus.unknown += check_gold_documents_known([_gold_at(gold_path, r)], {})
            elif r.document == "drifted":
                corpus.drift += check_drift([_gold_at(gold_path, r)], {r.id: documents[r.id]})
            corpus.records += r.issues
            if writer is None or r.split is None:
                not_written[r.not_written or "validation only"] += 1
                continue
            writer.count(
                r.split,
                entity_labels=r.entity_labels,
                events=r.events,
                tokens=r.tokens,
                first_paragraph=r.first_paragraph,
            )
            written += 1
        if writer is not None:
            started = time.perf_counter()
            writer.add_tables(batch.tables)
            write_seconds += time.perf_counter() - started
    clock.lap(
        "validate+rows",
        records=len(corpus.gold_ids),
        written=written,
        not_written=dict(sorted(not_written.items())),
        write_seconds=round(write_seconds, 3),
    )
    if not corpus.gold_ids:
        raise error("A315", path=gold_path)
    report = corpus.report(lists, near_duplicates, problems, contamination)
    return Checked(
        schema=schema,
        documents=documents,
        ingest=ingest_stats,
        split_lists=lists,
        report=report,
        rounds=sorted(rounds),
        stages=clock.stages,
    )


def _splits_check(
    root: Path, documents: DocumentStore, ids: Sequence[str], workers: int
) -> tuple[int, list[NearDuplicate], dict[str, list[str]], list[str], list[Issue]]:
    """The splits computed from the documents file (streamed, over ``workers``): their
    number of groups and their near-duplicate pairs; the committed lists, the differences,
    and the paragraphs shared across splits (E020): every corpus-level check over texts.
    Only what the report needs goes back to the parent, not the computed assignment and
    groups (two dicts over every document, which the gold pass's workers would map)."""
    texts = DocumentTexts(documents)
    computed = split_result(root, read_config(root), workers=workers)
    try:
        lists, problems = read_committed(root), check_splits(root, texts, computed=computed)
    except AstanaError as exc:
        lists, problems = {}, [str(exc)]
    contamination = check_contamination(
        lists,
        DocumentSequence(documents, ids),
        min_chars=computed.config.min_paragraph_chars,
        max_documents=computed.config.max_paragraph_documents,
    )
    groups = len(set(computed.groups.values()))
    return groups, computed.near_duplicates, lists, problems, contamination


def _batches(
    fn: Callable[[Sequence[Line]], R],
    lines: Iterable[Line],
    context: StageContext,
    workers: int,
) -> Iterator[R]:
    """``fn`` over batches of lines, in order, in this process or a pool: a pool only
    when there are enough lines to pay for it."""
    batches = batched(lines, BATCH_LINES)
    first = list(itertools.islice(batches, POOL_MIN_BATCHES))
    return ordered_map(
        fn,
        itertools.chain(first, batches),
        workers=workers,
        initializer=init_stage,
        initargs=(context,),
        expected_batches=None if len(first) == POOL_MIN_BATCHES else len(first),
    )


def _gold_at(path: Path, result: RecordResult) -> GoldDocument:
    """A gold record read again (only for the rare record that needs a full check)."""
    raw = read_line_at(path, result.offset)
    return gold_from_line(raw, path, result.lineno, result.offset)


@dataclass
class BuildSummary:
    out_dir: Path
    written: WriteSummary
    validation: dict[str, Any] = field(default_factory=dict)
    facts: CardFacts | None = None
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)


def build(
    root: Path,
    *,
    out_dir: Path | None = None,
    progress: bool = False,
    workers: int | None = None,
) -> BuildSummary:
    """The main job: documents → validate (incl. split check) → write ``out_dir``.

    Rows are written to a staging folder during the validation pass; on any
    validation error (A503) the staging folder is removed and nothing is built.
    An existing ``out_dir`` that is not a dataset folder is refused (A701); the
    previous dataset stays at its name until the new one replaces it (core.outputs).
    ``workers`` processes (default: the cores) give the same bytes as one.
    """
    out_dir = out_dir or root / OUT_DIR
    check_output(out_dir, looks_like=looks_like_dataset, what="dataset folder")
    schema = read_schema(root)
    if not (root / LICENSE_FILE).is_file():
        raise error("A508", path=root / LICENSE_FILE)
    with folder_lock(out_dir):
        recover_folder(out_dir)
        summary = _build(root, out_dir, schema, progress=progress, workers=workers)
    write_text(root / BUILD_STATS_FILE, json.dumps(summary.stages, indent=2) + "\n")
    return summary


def _build(
    root: Path, out_dir: Path, schema: Schema, *, progress: bool, workers: int | None
) -> BuildSummary:
    staging = staging_folder(out_dir)
    still_open: list[DatasetWriter] = []
    try:
        # In a child: computing the layouts imports datasets, which this process and the
        # workers it forks then never hold.
        writer = DatasetWriter(staging, in_child(arrow_layouts, schema))
        still_open.append(writer)
        checked = check(root, progress=progress, workers=workers, writer=writer)
        started = time.perf_counter()
        written = writer.close()
        still_open.clear()
        report = checked.report
        if report.errors:
            first = "; ".join(f"{i.code} {i.doc_id or ''} {i.message}" for i in report.errors[:5])
            raise error("A503", count=len(report.errors), first=first)
        facts = card_facts(root, checked, written)
        card = render_card((root / CARD_FILE).read_text(encoding="utf-8"), sections(facts))
        write_text(staging / "README.md", front_matter(writer.layouts, written) + card)
        write_text(staging / LICENSE_FILE.name, (root / LICENSE_FILE).read_text(encoding="utf-8"))
        copy_figures(root, staging)
        replace_folder(staging, out_dir)
        closing = {"seconds": round(time.perf_counter() - started, 3)}
        stages = {**checked.stages, "close+card": closing}
    except OSError as exc:  # e.g. pyarrow's "Error writing bytes" on a full disk names no file
        raise error("A703", path=exc.filename or staging, detail=exc.strerror or exc) from exc
    finally:
        for files in still_open:  # failed while writing: close them before discarding
            files.abort()
        shutil.rmtree(staging, ignore_errors=True)
    return BuildSummary(
        out_dir=out_dir, written=written, validation=report.to_dict(), facts=facts, stages=stages
    )


# ---------------------------------------------------------------- shards (crawl scale)


def process_shards(
    root: Path,
    *,
    inputs: Sequence[Path],
    out_dir: Path,
    engine: str = "local",
    address: str | None = None,
    progress: bool = False,
) -> int:
    """Clean and pre-annotate every record of ``inputs`` (shards: raw files, JSONL or
    Parquet with id + text/html) into ``out_dir/*.parquet`` on the ``local`` engine or on
    Ray Data (``address``, else ``RAY_ADDRESS``, else a local Ray); the folder is
    replaced only when every record was processed. Returns the records written."""
    shards = list_shards(inputs)
    check_output(out_dir, looks_like=looks_like_shards_output, what="shards output folder")
    with folder_lock(out_dir):
        recover_folder(out_dir)
        staging = staging_folder(out_dir)
        try:
            if engine == "ray":
                count = run_ray(
                    shards, root=root, out_dir=staging, address=address, progress=progress
                )
            else:
                count = run_local(shards, root=root, out_dir=staging)
            replace_folder(staging, out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return count


# ---------------------------------------------------------------- card


def data_fingerprint(root: Path, split_lists: dict[str, list[str]]) -> dict[str, str]:
    """The hashes a baseline result records: the gold file and the committed split lists."""
    return {
        "gold_sha256": sha256_file(root / GOLD_FILE),
        "splits_sha256": lists_sha256(split_lists),
    }


def card_facts(root: Path, checked: Checked, written: WriteSummary) -> CardFacts:
    """The facts the card renders, from this build's stage outputs and recorded results."""
    schema = checked.schema
    fingerprint = data_fingerprint(root, checked.split_lists)
    results = read_results(root)
    baselines: list[tuple[str, BaselineResult | None]] = []
    for name in BASELINES:
        r = results.get(name)
        baselines.append(
            (
                name,
                None
                if r is None
                else BaselineResult(
                    name=name,
                    command=r["command"],
                    split=r["split"],
                    entities=r["scores"]["entities"] if name in ENTITY_BASELINES else None,
                    events=r["scores"]["events"] if name in EVENT_BASELINES else None,
                    stale=r.get("data") != fingerprint,
                ),
            )
        )
    rounds = []
    for round_name in checked.rounds:
        result = _agreement(root, round_name, checked.documents, schema)
        if len(result["annotators"]) >= 2:
            # merge holds a round's documents: a Doccano round is a human-sized set
            documents = list(checked.documents.values())
            report = _merge(root, round_name, documents, schema, write=False)
            adjudication = {
                "agreed": report.paragraphs_agreed,
                "disagreements": report.disagreements,
                "resolved": report.resolved,
                **report.resolved_as,
            }
            rounds.append(RoundAgreement(round_name, result, adjudication))
    return CardFacts(
        schema=schema,
        ingest=checked.ingest,
        rows=written.rows,
        tokens=written.tokens,
        entities=written.entities,
        events=written.events,
        validation=checked.report.to_dict(),
        preannotation=recorded_preannotation(root, gold_sha256=fingerprint["gold_sha256"]),
        baselines=baselines,
        instance=written.instance,
        agreement=rounds,
        version=astana_corpus.__version__,
    )


def update_card(root: Path, *, check_only: bool = False) -> list[str]:
    """Rewrite (or with ``check_only``, compare) the card from a fresh build in a temporary
    folder; return the names of the stale sections."""
    path = root / CARD_FILE
    current = path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        summary = build(root, out_dir=Path(tmp) / "astana-corpus")
    assert summary.facts is not None
    fresh = render_card(current, sections(summary.facts))
    now, new = generated_sections(current), generated_sections(fresh)
    stale = sorted(name for name in new if now.get(name) != new[name])
    if not check_only and fresh != current:
        write_text(path, fresh)
    return stale


# ---------------------------------------------------------------- splits


@dataclass
class SplitOutcome:
    result: SplitResult
    changes: SplitChanges
    fresh: bool  # no committed lists to compare with


def split(root: Path, *, allow_moves: bool = False) -> SplitOutcome:
    """Compute the splits from the documents, compare them with the committed lists and
    write splits/; A520 (nothing written) when a committed document would change split,
    unless ``allow_moves``. Unreadable committed lists (A506, A507) are rewritten only
    with ``allow_moves``."""
    ensure_documents(root)
    result = split_result(root, read_config(root))
    fresh = not any((root / SPLITS_DIR / f"{n}.txt").exists() for n in SPLIT_NAMES)
    committed: dict[str, list[str]] = {}
    if not fresh:
        try:
            committed = read_committed(root)
        except AstanaError as exc:
            if exc.code != "A502" and not allow_moves:
                raise
    changes = split_changes(committed, result)
    if changes.moves and not allow_moves:
        moves = "\n".join(f"  {m.doc_id}: {m.old} → {m.new} ({m.why})" for m in changes.moves)
        raise error("A520", count=len(changes.moves), moves=moves)
    write_splits(root, result)
    return SplitOutcome(result, changes, fresh)


def similarity_report(root: Path) -> dict[str, Any]:
    """Pairwise exact Jaccard and containment of the documents (``astana split --report``),
    with their ranges rounded as the card prints them."""
    documents, _ = load_documents(root)
    settings = read_config(root).near_duplicate_settings()
    pairs = pairwise_similarity({d.id: d.text for d in documents}, settings)

    def span(key: str) -> list[float]:
        values = [p[key] for p in pairs]
        return [round(min(values), 2), round(max(values), 2)] if values else []

    return {
        "documents": len(documents),
        "shingle_size": settings.shingle,
        "min_paragraph_chars": settings.min_paragraph_chars,
        "jaccard_range": span("jaccard"),
        "containment_range": span("containment"),
        "pairs_sharing_a_paragraph": sum(p["shared_paragraphs"] > 0 for p in pairs),
        "pairs": pairs,
    }


def split_problems(root: Path) -> list[str]:
    """How the committed split lists differ from what the split function computes now."""
    documents, _ = load_documents(root)
    return check_splits(root, {d.id: d.text for d in documents})


# ---------------------------------------------------------------- annotation


def gazetteer_or_none(root: Path, schema: Schema) -> Gazetteer | None:
    return read_gazetteer(root, schema) if (root / GAZETTEER_FILE).exists() else None


def write_preannotations(root: Path, *, out: Path) -> tuple[int, int]:
    """Suggestions for every paragraph → ``out``; returns (paragraphs, suggestions)."""
    check_output(out, looks_like=looks_like_suggestions, what="suggestions file")
    schema = read_schema(root)
    documents, _ = load_documents(root)
    lines = list(preannotate(documents, read_gazetteer(root, schema)))
    write_jsonl(out, (line.to_dict() for line in lines))
    return len(lines), sum(len(line.suggestions) for line in lines)


def preannotation_scores(root: Path) -> dict[str, dict[str, dict[str, float | int]]]:
    """In-sample scores of the suggestions against gold: ``{"labels": ..., "sources": ...}``
    (per entity type, and per source: which gazetteer, variant or rule made them)."""
    schema = read_schema(root)
    documents, _ = load_documents(root)
    return score_by_source(
        preannotate(documents, read_gazetteer(root, schema)),
        read_gold(root / GOLD_FILE),
        documents,
        schema.entity_names,
    )


def preannotation_fingerprint(root: Path, gold_sha256: str | None = None) -> dict[str, str]:
    """What the in-sample pre-annotation scores are a function of (besides the code, which
    tests/test_preannotation_record.py compares): gold (which holds each document's text
    and paragraphs: a build fails when they drift from the cleaned documents, E003),
    gazetteers and schema. A recorded score with another fingerprint is shown as stale.
    ``gold_sha256``: the gold file's hash when the caller has it (the card's facts hash
    gold once for both fingerprints)."""
    files = (SCHEMA_FILE, GAZETTEER_FILE, GENERATED_GAZETTEER_FILE)
    hashes = [f"{p}:{sha256_file(root / p) if (root / p).is_file() else '-'}" for p in files]
    return {
        "gold_sha256": gold_sha256 or sha256_file(root / GOLD_FILE),
        "gazetteer_sha256": sha256_text("\n".join(hashes)),
    }


def record_preannotation(
    root: Path, scores: Mapping[str, Mapping[str, Mapping[str, float | int]]]
) -> Path:
    """Write ``results/preannotation.json``: the scores the card shows, with the command and
    the fingerprint of the data they were measured on."""
    path = root / PREANNOTATION_RESULT
    record = {
        "command": "astana preannotate --evaluate",
        "version": astana_corpus.__version__,
        "data": preannotation_fingerprint(root),
        "scores": scores,
    }
    write_text(path, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return path


def recorded_preannotation(
    root: Path, *, gold_sha256: str | None = None
) -> PreannotationFacts | None:
    """The card's pre-annotation facts: the recorded per-label scores, and whether they were
    measured on the current data (None when nothing is recorded); ``gold_sha256`` as in
    ``preannotation_fingerprint``."""
    path = root / PREANNOTATION_RESULT
    if not path.is_file():
        return None
    data = read_json(path, code="A611")
    scores = data.get("scores") if isinstance(data, dict) else None
    labels = scores.get("labels") if isinstance(scores, dict) else None
    if not isinstance(labels, dict):
        raise error("A611", path=path, problem="expected an object with scores.labels")
    for label, row in labels.items():
        if not isinstance(row, dict) or not all(
            isinstance(row.get(k), int | float) and not isinstance(row.get(k), bool)
            for k in ("gold", "predicted", "correct", "precision", "recall", "f1")
        ):
            raise error(
                "A611",
                path=path,
                problem=f"scores.labels.{label} needs numbers gold, predicted, correct, "
                "precision, recall and f1",
            )
    fingerprint = preannotation_fingerprint(root, gold_sha256)
    return PreannotationFacts(labels, stale=data.get("data") != fingerprint)


def _merge(
    root: Path,
    round_name: str,
    documents: list[Document],
    schema: Schema,
    *,
    prefer: str | None = None,
    resolutions: Path | None = None,
    confirmed_only: bool = True,
    write: bool = True,
) -> MergeReport:
    default = root / RESOLUTIONS_DIR / f"{round_name}.jsonl"
    return merge(
        root,
        round_name=round_name,
        documents=documents,
        schema=schema,
        gazetteer=gazetteer_or_none(root, schema),
        prefer=prefer,
        resolutions=resolutions or (default if default.is_file() else None),
        confirmed_only=confirmed_only,
        write=write,
    )


def merge_round(
    root: Path,
    *,
    round_name: str,
    prefer: str | None = None,
    resolutions: Path | None = None,
    confirmed_only: bool = True,
) -> MergeReport:
    """Merge a pulled round into gold; resolutions default to annotations/resolutions/ROUND."""
    documents, _ = load_documents(root)
    return _merge(
        root,
        round_name,
        documents,
        read_schema(root),
        prefer=prefer,
        resolutions=resolutions,
        confirmed_only=confirmed_only,
    )


def _agreement(
    root: Path,
    round_name: str,
    documents: Mapping[str, Document],
    schema: Schema,
    *,
    confirmed_only: bool = True,
) -> dict[str, Any]:
    by_annotator = read_round(root, round_name, documents, schema, confirmed_only=confirmed_only)
    result = agreement(
        by_annotator,
        entity_labels=schema.entity_names,
        event_labels=schema.event_names,
        texts=DocumentTexts(documents),
    )
    result["round"] = round_name
    return result


def round_agreement(root: Path, *, round_name: str, confirmed_only: bool = True) -> dict[str, Any]:
    documents, _ = load_documents(root)
    by_id = {d.id: d for d in documents}
    return _agreement(root, round_name, by_id, read_schema(root), confirmed_only=confirmed_only)


# ---------------------------------------------------------------- models


def valid_gold(root: Path, *, command: str) -> list[GoldDocument]:
    """Gold, refused (A610, naming the first problem) unless every record passes the
    record-level checks of `astana validate` (offsets, labels of the schema, overlaps,
    token alignment, paragraphs, hashes): what evaluate, export, train and view read."""
    path = root / GOLD_FILE
    gold = read_gold(path)
    errors = [i for i in check_records(gold, read_schema(root)) if i.severity == "error"]
    if errors:
        first = errors[0]
        raise error(
            "A610",
            path=path,
            count=len(errors),
            doc_id=first.doc_id,
            offset=first.offset,
            issue=first.code,
            message=first.message,
            command=command,
        )
    return gold


def gold_by_split(
    root: Path, *, command: str = "astana evaluate, export spacy or train"
) -> dict[str, list[GoldDocument]]:
    """The gold records of each committed split (A606 for a listed document without gold),
    refused when gold does not validate (A610)."""
    lists = read_committed(root)
    gold = {g.id: g for g in valid_gold(root, command=command)}
    missing = sorted({i for ids in lists.values() for i in ids} - set(gold))
    if missing:
        raise error("A606", missing=missing)
    return {name: [gold[i] for i in ids] for name, ids in lists.items()}


def gold_for_split(root: Path, split: str) -> dict[str, GoldDocument]:
    """Gold records of the documents of one committed split, by id."""
    if split not in SPLIT_NAMES:
        raise error("A605", split=split, allowed=", ".join(SPLIT_NAMES))
    return {g.id: g for g in gold_by_split(root)[split]}


def evaluate_predictions(
    root: Path,
    *,
    predictions: Path,
    split: str,
    dataset: Path | None = None,
    fmt: str = "auto",
) -> dict[str, Any]:
    """Scores of ``predictions`` (documents or iob2 lines, ``fmt``) against ``split``: the
    gold of the checkout under ``root``, or, with ``dataset``, of that built folder alone
    (no schema, gold or tokenizer from a checkout)."""
    labels: Schema | LabelNames
    if dataset is not None:
        data = read_dataset_split(dataset, split)
        gold, labels, rows = data.gold, data.labels, list(data.tokens.values())
        source = {"source": "dataset", "path": str(dataset)}
    else:
        labels = read_schema(root)
        gold = gold_for_split(root, split)
        rows = []
        for record in gold.values():
            texts = [record.paragraph_text(i) for i in range(len(record.paragraphs))]
            rows.extend(paragraph_tokens(record, list(tokenize_many(texts))))
        source = {"source": "checkout", "path": str(root / GOLD_FILE)}
    read = read_prediction_file(predictions, gold, labels, tokens={r.id: r for r in rows}, fmt=fmt)
    result = evaluate(gold, read.predictions, labels, tokens=document_tokens(rows))
    result["split"] = split
    result["gold"] = source
    result["predictions"] = read.summary(predictions)
    result["labels"] = {"entities": list(labels.entity_names), "events": list(labels.event_names)}
    return result


def export_spacy(root: Path, *, out_dir: Path) -> dict[str, int]:
    check_output(out_dir, looks_like=looks_like_spacy_export, what="spaCy export folder")
    return write_docbins(gold_by_split(root), read_schema(root), out_dir=out_dir)


def train(
    root: Path,
    name: str,
    *,
    split: str = "test",
    max_steps: int | None = None,
    record: bool = True,
    command: str = "",
) -> dict[str, Any]:
    """Run a baseline; with ``record``, write ``results/<name>.json`` with the hashes of the
    gold and splits it used (the card marks it stale when they change)."""
    schema = read_schema(root)
    corpus = gold_by_split(root)
    documents, _ = load_documents(root)
    result = run_baseline(
        name,
        configs_dir=root / CONFIGS_DIR,
        schema=schema,
        gold=gold_for_split(root, split),
        corpus=corpus,
        documents=documents,
        gazetteer=read_gazetteer(root, schema),
        out_dir=root / BASELINES_DIR / name,
        max_steps=max_steps,
        command=command,
        split=split,
        data=data_fingerprint(root, read_committed(root)),
    )
    if record:
        write_text(
            root / RESULTS_DIR / f"{name}.json",
            json.dumps(result, ensure_ascii=False, indent=2) + "\n",
        )
    return result


def view(root: Path, *, out: Path, predictions: Path | None = None, compare: bool = False) -> int:
    """Write the HTML view of gold, of predictions (checked as evaluate checks them), or
    with ``compare`` of predictions against gold (strict matches, misses, false alarms)."""
    if compare and predictions is None:
        raise error("A642")
    check_output(out, looks_like=looks_like_view, what="HTML view")
    schema = read_schema(root)
    gold = {g.id: g for g in valid_gold(root, command="astana view")}
    if predictions is not None:
        predicted = read_predictions(predictions, gold, schema)
        if compare:
            title = f"predictions vs gold: {predictions}"
            ordered = [gold[k] for k in sorted(predicted)]
            write_text(out, render_comparison(ordered, predicted, schema, title=title))
            return len(ordered)
        records = predictions_as_records(predicted.values(), gold)
        title = f"predictions: {predictions}"
    else:
        records = [gold[k] for k in sorted(gold)]
        title = "astana-corpus gold annotations"
    write_text(out, render_html(records, schema, title=title))
    return len(records)


@dataclass
class StatsResult:
    out_dir: Path
    numbers: dict[str, Any]
    files: list[str]  # file names written (or, with check, found stale)


def figure_numbers(root: Path, *, dataset: Path | None = None) -> dict[str, Any]:
    """The numbers of the figures: from gold and the committed splits, or from the
    ``documents`` config of a built dataset folder (label names from its features)."""
    if dataset is None:
        schema = read_schema(root)
        by_split = {
            name: [DocumentLabels.from_gold(g) for g in records]
            for name, records in gold_by_split(root, command="astana stats").items()
        }
        entity_names, event_names = schema.entity_names, schema.event_names
    else:
        by_split, entity_names, event_names = read_dataset_labels(dataset)
    return corpus_stats(by_split, entity_names, event_names, splits=SPLIT_NAMES)


def stats(
    root: Path, *, dataset: Path | None = None, out: Path | None = None, check: bool = False
) -> StatsResult:
    """Draw the figures (docs/figures/ by default) and write their numbers beside them;
    with ``check``, write nothing and return the files that differ from a fresh render."""
    # The committed figures are of the committed data: another folder's go to build/.
    out = out or root / (FIGURES_DIR if dataset is None else BUILD_DIR / "figures")
    check_output(out, looks_like=looks_like_figures, what="figures folder")
    numbers = figure_numbers(root, dataset=dataset)
    schema = read_schema(root) if dataset is None or (root / SCHEMA_FILE).is_file() else None
    images = render_figures(numbers, schema)
    text = json.dumps(numbers, ensure_ascii=False, indent=1) + "\n"
    if check:
        fresh = {**images, NUMBERS_FILE: text.encode("utf-8")}
        stale = [
            name
            for name, data in fresh.items()
            if not (out / name).is_file() or (out / name).read_bytes() != data
        ]
        return StatsResult(out, numbers, stale)
    written = write_figures(out, images, text)
    return StatsResult(out, numbers, [p.name for p in written])


def copy_figures(root: Path, folder: Path) -> None:
    """Copy the committed figures (those that exist) into a dataset folder's images/."""
    for name, _ in FIGURES:
        source = root / FIGURES_DIR / f"{name}.png"
        if source.is_file():
            (folder / IMAGES_DIR).mkdir(exist_ok=True)
            shutil.copyfile(source, folder / IMAGES_DIR / source.name)


# ---------------------------------------------------------------- Doccano


@dataclass
class DoccanoSession:
    """A logged-in client, its URL, and the project inputs the Doccano commands share."""

    client: Any
    url: str
    documents: list[Document]
    schema: Schema


def doccano_session(root: Path, *, url: str | None = None) -> DoccanoSession:
    """Log in (credentials from DOCCANO_USERNAME / DOCCANO_PASSWORD or a prompt).

    The local inputs (documents, schema) are read first, so a broken project is reported
    before anyone is asked for a password or a server is contacted.
    """
    documents, _ = load_documents(root)
    schema = read_schema(root)
    address = (url or default_url(root)).rstrip("/")
    username, password = admin_credentials(purpose=f"logging in to {address}")
    client = connect(address, username, password)
    return DoccanoSession(client, address, documents, schema)
