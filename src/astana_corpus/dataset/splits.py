"""Reproducible, append-stable train/validation/test splits.

A document's split is a pure function of its group key and a fixed seed:
``sha256(f"{seed}:{group_key}")`` read as a number in [0, 1) and compared with
the cumulative ratios. A document keeps its split as long as its group key stays
the same.

Near-duplicate documents (the same story from two outlets, or a partial copy of
it) share a group key, so they never straddle train and test: Jaccard or
containment of character shingles of the normalised text, or one shared long
paragraph, found by MinHash LSH and verified exactly (``dataset.near_duplicates``),
union-find over the verified pairs.
The group key is the smallest document id in the group; ids only grow, so a
new document joins the key of the group it duplicates. A new document that is a
near-duplicate of two existing groups at once (say it quotes one paragraph of a
train document and one of a test document) merges them, and the group with the
larger key moves. ``split_changes`` lists every such move with the group it joined;
``astana split`` refuses to write one unless ``--allow-moves`` is given.

A paragraph in more than ``max_paragraph_documents`` documents is boilerplate and
links nothing (``dataset.near_duplicates``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from astana_corpus.core.arabic import match_key
from astana_corpus.core.errors import error
from astana_corpus.core.io import line_ranges, read_json, sha256_text, write_text
from astana_corpus.core.parallel import ordered_map, worker_count
from astana_corpus.core.paths import BUILD_DIR, DOCUMENTS_FILE, SKETCHES_DIR, SPLITS_DIR
from astana_corpus.core.records import Document
from astana_corpus.dataset import near_duplicates
from astana_corpus.dataset.near_duplicates import (
    Boilerplate,
    Grouping,
    NearDuplicate,
    Settings,
    Sketch,
    SketchStore,
    find_near_duplicates,
    group_store,
    sketch_texts,
)
from astana_corpus.ingest.documents import document_text_at, read_document_texts

SPLIT_NAMES = ("train", "validation", "test")
SKETCHES_KEY = "key.json"
DEFAULT_RATIOS = (0.8, 0.1, 0.1)
# Fixed once for this corpus and never changed (a new seed could move every document):
# the smallest seed that gave every split at least one document when the splits were
# first made, from the five seed articles (see first_seed_with_nonempty_splits).
DEFAULT_SEED = 4
DEFAULT_THRESHOLD = 0.8
NUM_PERM = 128
SHINGLE = 5
# The defaults of the keys a manifest written before they existed lacks (they link
# more documents than the old rule, never fewer; the committed splits did not move).
DEFAULT_CONTAINMENT = Settings.containment
DEFAULT_MIN_PARAGRAPH_CHARS = Settings.min_paragraph_chars
DEFAULT_BANDS = Settings.bands
DEFAULT_ROWS = Settings.rows
DEFAULT_MAX_PARAGRAPH_DOCUMENTS = Settings.max_paragraph_documents
# A document id in a split list: no spaces, no control characters.
_ID = re.compile(r"[^\s\x00-\x1f]+")


@dataclass(frozen=True)
class SplitConfig:
    seed: int = DEFAULT_SEED
    ratios: tuple[float, float, float] = DEFAULT_RATIOS
    threshold: float = DEFAULT_THRESHOLD
    num_perm: int = NUM_PERM
    shingle: int = SHINGLE
    containment: float = DEFAULT_CONTAINMENT
    min_paragraph_chars: int = DEFAULT_MIN_PARAGRAPH_CHARS
    bands: int = DEFAULT_BANDS
    rows: int = DEFAULT_ROWS
    max_paragraph_documents: int = DEFAULT_MAX_PARAGRAPH_DOCUMENTS

    def near_duplicate_settings(self) -> Settings:
        return Settings(
            jaccard=self.threshold,
            containment=self.containment,
            min_paragraph_chars=self.min_paragraph_chars,
            max_paragraph_documents=self.max_paragraph_documents,
            num_perm=self.num_perm,
            bands=self.bands,
            rows=self.rows,
            shingle=self.shingle,
        )


@dataclass
class SplitResult:
    config: SplitConfig
    assignment: dict[str, str]
    groups: dict[str, str]  # doc id → group key
    near_duplicates: list[NearDuplicate] = field(default_factory=list)
    boilerplate_count: int = 0  # distinct paragraphs in more than max_paragraph_documents
    boilerplate: list[Boilerplate] = field(default_factory=list)  # the most widespread

    def lists(self) -> dict[str, list[str]]:
        return {
            name: sorted(d for d, s in self.assignment.items() if s == name) for name in SPLIT_NAMES
        }


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """Character shingles of the normalised text, whitespace collapsed."""
    view = match_key(text)
    if len(view) <= size:
        return {view}
    return {view[i : i + size] for i in range(len(view) - size + 1)}


def split_of(group_key: str, seed: int, ratios: Sequence[float] = DEFAULT_RATIOS) -> str:
    """The split of a group key: a pure function of (key, seed, ratios).

    >>> split_of("astana-0001", 1) == split_of("astana-0001", 1)
    True
    """
    digest = hashlib.sha256(f"{seed}:{group_key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = 0.0
    for name, ratio in zip(SPLIT_NAMES, ratios, strict=True):
        cumulative += ratio
        if point < cumulative:
            return name
    return SPLIT_NAMES[-1]


def first_seed_with_nonempty_splits(
    group_keys: Sequence[str], ratios: Sequence[float] = DEFAULT_RATIOS, limit: int = 10_000
) -> int:
    """The smallest seed for which no split is empty: how DEFAULT_SEED was chosen.

    A tiny corpus cannot fill 80/10/10 by hashing alone; this rule is the only
    choice made, and it is made once (the seed never changes after).
    """
    for seed in range(limit):
        if len({split_of(key, seed, ratios) for key in group_keys}) == len(SPLIT_NAMES):
            return seed
    raise error("A501", limit=limit)


def compute_splits(texts: Mapping[str, str], config: SplitConfig = SplitConfig()) -> SplitResult:
    """The splits of documents held in memory (``compute_splits_file`` streams a file)."""
    return _result(find_near_duplicates(texts, config.near_duplicate_settings()), config)


# Bytes of the documents file a worker reads and sketches at a time: ~200 documents of
# 10 paragraphs (near_duplicates.BATCH), a few megabytes of arrays in flight.
RANGE_BYTES = 2 << 20


def compute_splits_file(
    path: Path, config: SplitConfig = SplitConfig(), *, workers: int | None = None
) -> SplitResult:
    """``compute_splits`` over a documents file (``build/documents.jsonl``), streamed:
    ``workers`` processes (default: the cores) each read a byte range of lines and
    sketch it; this process keeps the sketches on disk and an offset per id, and reads
    back only the texts of candidate pairs. The same result as ``compute_splits`` of
    ``{d.id: d.text}`` over the file (a repeated id: its last line)."""
    settings = config.near_duplicate_settings()
    with tempfile.TemporaryDirectory(prefix="astana-near-duplicates-") as tmp:
        store = SketchStore(Path(tmp), settings.bands)
        sketch_file(path, store, settings, workers=workers)
        store.close()
        return group_file(path, store, config)


def sketch_file(
    path: Path, store: SketchStore, settings: Settings, *, workers: int | None = None
) -> None:
    """Sketch every document of a documents file into ``store``, with their byte
    offsets: ``workers`` processes each read a byte range of lines. The caller closes
    the store."""
    ranges = line_ranges(path, RANGE_BYTES)
    sketched = ordered_map(
        partial(sketch_documents, path, settings),
        ranges,
        workers=worker_count(workers),
        expected_batches=len(ranges),
    )
    for ids, starts, sketch in sketched:
        store.add(sketch, ids, starts)


def group_file(path: Path, store: SketchStore, config: SplitConfig = SplitConfig()) -> SplitResult:
    """The splits from the sketches in ``store`` of the documents of ``path`` (made under
    ``config``'s near-duplicate settings, with byte offsets): only the candidates' texts
    are read from ``path``."""
    offsets = dict(zip(store.ids, store.load("doc-offset").tolist(), strict=True))
    found = group_store(
        store,
        lambda doc_id: document_text_at(path, offsets[doc_id]),
        config.near_duplicate_settings(),
    )
    return _result(found, config)


def stored_sketches(root: Path, settings: Settings) -> SketchStore | None:
    """The sketches kept in ``build/sketches`` when they are those of the current
    documents file under ``settings`` (``sketches_key``), else None."""
    folder = root / SKETCHES_DIR
    try:
        stored = json.loads((folder / SKETCHES_KEY).read_text(encoding="utf-8"))
        if stored != sketches_key(root, settings):
            return None
        return SketchStore.open(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none, stale or unreadable: sketched again


def sketches_key(root: Path, settings: Settings) -> dict[str, Any]:
    """What kept sketches are a function of: the documents file (by size and mtime, as
    the documents key sees raw files), the near-duplicate settings and the sketching
    code."""
    st = (root / DOCUMENTS_FILE).stat()
    code = Path(near_duplicates.__file__).read_bytes()
    return {
        "documents": [st.st_size, st.st_mtime_ns],
        "settings": asdict(settings),
        "code": hashlib.sha256(code).hexdigest(),
    }


@contextmanager
def new_sketches(root: Path, settings: Settings) -> Iterator[SketchStore]:
    """A store to fill with the sketches of the documents file (with byte offsets), in
    a temporary folder that replaces ``build/sketches`` when the block succeeds (its key
    taken then, after the documents file is written), and is removed when it fails."""
    build = root / BUILD_DIR
    build.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".sketches.", suffix=".tmp", dir=build))
    try:
        store = SketchStore(tmp, settings.bands)
        yield store
        store.close()
        key = json.dumps(sketches_key(root, settings))
        (tmp / SKETCHES_KEY).write_text(key, encoding="utf-8")
        shutil.rmtree(root / SKETCHES_DIR, ignore_errors=True)
        os.replace(tmp, root / SKETCHES_DIR)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def split_result(root: Path, config: SplitConfig, *, workers: int | None = None) -> SplitResult:
    """``compute_splits_file`` of the documents file, from the kept sketches when they
    are current, else sketched over ``workers`` processes and kept for the next command."""
    settings = config.near_duplicate_settings()
    store = stored_sketches(root, settings)
    if store is None:
        with new_sketches(root, settings) as fresh:
            sketch_file(root / DOCUMENTS_FILE, fresh, settings, workers=workers)
        store = SketchStore.open(root / SKETCHES_DIR)  # where new_sketches moved it
    return group_file(root / DOCUMENTS_FILE, store, config)


def sketch_of_documents(settings: Settings, docs: Sequence[Document]) -> Sketch:
    """The sketch of a batch of documents (an ingest worker's extra stage)."""
    return sketch_texts([doc.text for doc in docs], settings)


def sketch_documents(
    path: Path, settings: Settings, byte_range: tuple[int, int]
) -> tuple[list[str], list[int], Sketch]:
    """The ids, byte offsets and sketch of the documents in ``byte_range`` of ``path``:
    one worker's task (it reads the lines itself)."""
    found = read_document_texts(path, *byte_range)
    texts = [text for _, _, text in found]
    return [i for _, i, _ in found], [o for o, _, _ in found], sketch_texts(texts, settings)


def _result(found: Grouping, config: SplitConfig) -> SplitResult:
    assignment = {d: split_of(key, config.seed, config.ratios) for d, key in found.groups.items()}
    return SplitResult(
        config=config,
        assignment=assignment,
        groups=found.groups,
        near_duplicates=found.pairs,
        boilerplate_count=found.boilerplate_count,
        boilerplate=found.boilerplate,
    )


@dataclass(frozen=True)
class Move:
    """A committed document whose computed split differs: ``why`` names the group key it
    now has and the verified pairs that link it there."""

    doc_id: str
    old: str
    new: str
    group: str
    why: str


@dataclass
class SplitChanges:
    """How freshly computed lists differ from the committed ones."""

    moves: list[Move] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # new documents (no committed split)
    removed: list[str] = field(default_factory=list)  # committed, no longer a document


# Links of a group shown in a move's reason (the manifest has them all).
_SHOWN_LINKS = 3


def split_changes(committed: Mapping[str, Sequence[str]], result: SplitResult) -> SplitChanges:
    """Every committed document that ``result`` puts in another split, and why.

    >>> r = SplitResult(SplitConfig(), {"a": "test", "b": "test"}, {"a": "a", "b": "a"})
    >>> [(m.doc_id, m.old, m.new, m.group) for m in split_changes({"train": ["b"]}, r).moves]
    [('b', 'train', 'test', 'a')]
    """
    old = {i: name for name, ids in committed.items() for i in ids}
    links: dict[str, list[NearDuplicate]] = {}
    for pair in result.near_duplicates:
        links.setdefault(result.groups.get(pair.a, pair.a), []).append(pair)
    moves = []
    for doc_id in sorted(set(old) & set(result.assignment)):
        if old[doc_id] == result.assignment[doc_id]:
            continue
        group = result.groups[doc_id]
        linked = links.get(group, [])
        shown = "; ".join(f"{p.a} ~ {p.b} by {p.rule}" for p in linked[:_SHOWN_LINKS])
        if len(linked) > _SHOWN_LINKS:
            shown += f"; {len(linked) - _SHOWN_LINKS} more in splits/manifest.json"
        why = f"joined group {group}" + (f" ({shown})" if shown else "")
        moves.append(Move(doc_id, old[doc_id], result.assignment[doc_id], group, why))
    return SplitChanges(
        moves=moves,
        added=sorted(set(result.assignment) - set(old)),
        removed=sorted(set(old) - set(result.assignment)),
    )


def manifest(result: SplitResult) -> dict[str, Any]:
    lists = result.lists()
    return {
        "method": "sha256(seed:group_key) → [0,1) against cumulative ratios; group key = "
        "smallest id among near-duplicates: Jaccard >= near_duplicate_threshold or "
        "containment >= containment_threshold of character shingles of the normalised "
        "text, or a shared normalised paragraph of >= min_paragraph_chars characters "
        "in at most max_paragraph_documents documents (more: boilerplate, links nothing) "
        "(MinHash LSH candidates over documents and paragraphs, verified exactly)",
        "seed": result.config.seed,
        "ratios": dict(zip(SPLIT_NAMES, result.config.ratios, strict=True)),
        "near_duplicate_threshold": result.config.threshold,
        "minhash_num_perm": result.config.num_perm,
        "shingle_size": result.config.shingle,
        "containment_threshold": result.config.containment,
        "min_paragraph_chars": result.config.min_paragraph_chars,
        "lsh_bands": result.config.bands,
        "lsh_rows": result.config.rows,
        "max_paragraph_documents": result.config.max_paragraph_documents,
        "counts": {name: len(ids) for name, ids in lists.items()},
        "sha256": {name: sha256_text(_list_text(ids)) for name, ids in lists.items()},
        "groups": {d: k for d, k in sorted(result.groups.items()) if d != k},
        "near_duplicates": [list(p) for p in result.near_duplicates],
        "boilerplate_paragraphs": {
            "count": result.boilerplate_count,
            "most_widespread": [
                {"documents": b.documents, "text": b.text, "first_ids": list(b.ids)}
                for b in result.boilerplate
            ],
        },
    }


def _list_text(ids: Sequence[str]) -> str:
    return "".join(f"{i}\n" for i in ids)


def write_splits(root: Path, result: SplitResult) -> None:
    folder = root / SPLITS_DIR
    if (folder / "dev.txt").is_file():  # release 0.1: rename it, never leave it orphaned
        raise error("A507", path=folder / "dev.txt")
    for name, ids in result.lists().items():
        write_text(folder / f"{name}.txt", _list_text(ids))
    write_text(
        folder / "manifest.json", json.dumps(manifest(result), ensure_ascii=False, indent=2) + "\n"
    )


def read_list(path: Path) -> list[str]:
    """The ids of one committed split list: UTF-8, one id per line (blank lines skipped);
    anything else is A506 naming file:line."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        at_line = data[: exc.start].count(b"\n") + 1
        problem = f"byte offset {exc.start}: invalid UTF-8 (byte 0x{data[exc.start]:02x})"
        raise error("A506", path=path, line=at_line, problem=problem) from exc
    ids = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        value = line.strip()
        if value and not _ID.fullmatch(value):
            raise error("A506", path=path, line=lineno, problem=f"{value!r} is not a document id")
        if value:
            ids.append(value)
    return ids


def read_committed(root: Path) -> dict[str, list[str]]:
    folder = root / SPLITS_DIR
    lists = {}
    for name in SPLIT_NAMES:
        path = folder / f"{name}.txt"
        if not path.is_file() and name == "validation" and (folder / "dev.txt").is_file():
            raise error("A507", path=folder / "dev.txt")
        if not path.is_file():
            raise error("A502", path=path)
        lists[name] = read_list(path)
    return lists


def _number(data: Mapping[str, Any], key: str, *, integer: bool, path: Path) -> Any:
    """``data[key]``: an integer, or with ``integer`` False any number (never a bool)."""
    value = data.get(key)
    kinds: tuple[type, ...] = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        what = "an integer" if integer else "a number"
        raise error("A505", path=path, problem=f"{key} must be {what}, got {value!r}")
    return value


def read_config(root: Path) -> SplitConfig:
    """The split configuration recorded in the committed manifest (defaults if none).

    Every field must have its type (an integer seed, never a float or a string), the
    ratios of train, validation and test must be non-negative and add up to 1. Keys
    a manifest written before them lacks take the documented defaults
    (``containment_threshold`` 0.7, ``min_paragraph_chars`` 40, ``lsh_bands`` 21,
    ``lsh_rows`` 6, ``max_paragraph_documents`` 3).
    """
    path = root / SPLITS_DIR / "manifest.json"
    if not path.exists():
        return SplitConfig()
    data = read_manifest(path)
    ratios = data.get("ratios")
    if isinstance(ratios, dict) and "dev" in ratios and "validation" not in ratios:
        # A manifest of release 0.1 (the split was `dev`): read its ratio as validation's,
        # so `astana split` can rewrite it after `git mv splits/dev.txt splits/validation.txt`.
        ratios = {("validation" if k == "dev" else k): v for k, v in ratios.items()}
    if not isinstance(ratios, dict) or set(ratios) != set(SPLIT_NAMES):
        raise error("A505", path=path, problem=f"ratios must name {SPLIT_NAMES}, got {ratios!r}")
    values = tuple(_number(ratios, n, integer=False, path=path) for n in SPLIT_NAMES)
    if any(v < 0 for v in values) or abs(sum(values) - 1) > 1e-9:
        raise error("A505", path=path, problem=f"ratios {values} must be >= 0 and add up to 1")
    threshold = _number(data, "near_duplicate_threshold", integer=False, path=path)
    if not 0 < threshold <= 1:
        raise error(
            "A505", path=path, problem=f"near_duplicate_threshold {threshold} not in (0, 1]"
        )
    ints = {
        k: _number(data, k, integer=True, path=path)
        for k in ("seed", "minhash_num_perm", "shingle_size")
    }
    if ints["minhash_num_perm"] < 1 or ints["shingle_size"] < 1:
        raise error("A505", path=path, problem="minhash_num_perm and shingle_size must be >= 1")
    defaults = {
        "containment_threshold": DEFAULT_CONTAINMENT,
        "min_paragraph_chars": DEFAULT_MIN_PARAGRAPH_CHARS,
        "lsh_bands": DEFAULT_BANDS,
        "lsh_rows": DEFAULT_ROWS,
        "max_paragraph_documents": DEFAULT_MAX_PARAGRAPH_DOCUMENTS,
    }
    given = {**defaults, **{k: data[k] for k in defaults if k in data}}
    containment = _number(given, "containment_threshold", integer=False, path=path)
    if not 0 < containment <= 1:
        raise error("A505", path=path, problem=f"containment_threshold {containment} not in (0, 1]")
    more = {k: _number(given, k, integer=True, path=path) for k in list(defaults)[1:]}
    if more["min_paragraph_chars"] < ints["shingle_size"]:
        raise error("A505", path=path, problem="min_paragraph_chars must be >= shingle_size")
    if more["lsh_bands"] < 1 or more["lsh_rows"] < 1:
        raise error("A505", path=path, problem="lsh_bands and lsh_rows must be >= 1")
    if more["lsh_bands"] * more["lsh_rows"] > ints["minhash_num_perm"]:
        raise error("A505", path=path, problem="lsh_bands x lsh_rows must be <= minhash_num_perm")
    if more["max_paragraph_documents"] < 2:
        raise error(
            "A505", path=path, problem="max_paragraph_documents must be >= 2 (1 links nothing)"
        )
    return SplitConfig(
        seed=ints["seed"],
        ratios=(float(values[0]), float(values[1]), float(values[2])),
        threshold=float(threshold),
        num_perm=ints["minhash_num_perm"],
        shingle=ints["shingle_size"],
        containment=float(containment),
        min_paragraph_chars=more["min_paragraph_chars"],
        bands=more["lsh_bands"],
        rows=more["lsh_rows"],
        max_paragraph_documents=more["max_paragraph_documents"],
    )


def read_manifest(path: Path) -> dict[str, Any]:
    """The committed manifest as a JSON object (A505 when it is not one)."""
    value = read_json(path, code="A505")
    if not isinstance(value, dict):
        raise error("A505", path=path, problem="expected a JSON object")
    return value


def check_splits(
    root: Path, texts: Mapping[str, str], *, computed: SplitResult | None = None
) -> list[str]:
    """Differences between the committed lists and what the function computes now.

    ``computed`` is the result of ``compute_splits(texts, read_config(root))`` when the
    caller already has it (MinHash over the corpus is not cheap to repeat).
    """
    committed = read_committed(root)
    result = computed or compute_splits(texts, read_config(root))
    computed_lists = result.lists()
    problems = []
    for name in SPLIT_NAMES:
        missing = sorted(set(computed_lists[name]) - set(committed[name]))
        extra = sorted(set(committed[name]) - set(computed_lists[name]))
        if missing:
            problems.append(f"splits/{name}.txt lacks {missing} (computed: {name})")
        if extra:
            problems.append(f"splits/{name}.txt has {extra}, computed elsewhere")
    manifest_path = root / SPLITS_DIR / "manifest.json"
    if manifest_path.exists():
        recorded = read_manifest(manifest_path).get("sha256", {})
        if not isinstance(recorded, dict):
            raise error("A505", path=manifest_path, problem="sha256 must map split names to hashes")
        for name in SPLIT_NAMES:
            actual = sha256_text(_list_text(committed[name]))
            if recorded.get(name) != actual:
                problems.append(f"splits/manifest.json: sha256 of {name} is stale")
    return problems


def lists_sha256(lists: Mapping[str, Sequence[str]]) -> str:
    """One hash of the committed split lists (what baseline results record they used)."""
    return sha256_text("".join(f"{name}\n{_list_text(lists[name])}" for name in SPLIT_NAMES))
