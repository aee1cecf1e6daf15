"""The streaming build: same bytes with a pool as without, the same report as the
in-memory runner, and the fast paths equal to their definitions."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astana_corpus import pipeline
from astana_corpus.core import arabic, parallel
from astana_corpus.core.errors import AstanaError
from astana_corpus.core.gold import read_gold
from astana_corpus.core.io import iter_raw_lines
from astana_corpus.core.parallel import batched, ordered_map
from astana_corpus.core.paths import BUILD_STATS_FILE, DOCUMENTS_FILE, GOLD_FILE
from astana_corpus.core.schema import read_schema
from astana_corpus.dataset import stage
from astana_corpus.dataset.rows import arrow_layouts, features
from astana_corpus.dataset.splits import compute_splits, read_committed, read_config
from astana_corpus.dataset.validate import validate
from astana_corpus.ingest import documents as documents_module
from astana_corpus.ingest.documents import iter_documents_file
from tests.conftest import ROOT, copy_project

# Letters, marks (fatha, shadda, tatweel), joiners, folded forms, digits, punctuation and
# characters whose case fold is longer than one character (ß → ss, İ → i̇).
ALPHABET = "بسوريا أإآٱىةؤئیکٮ٠٣۵\u064e\u0651\u0640\u200c\u200fßİﬁAz ،؛؟.\n"


@given(st.text(alphabet=ALPHABET, max_size=40))
def test_matching_view_is_the_fold_of_every_character(text):
    chars, where = [], []
    for offset, char in enumerate(text):
        for piece in arabic.fold_char(char):
            chars.append(piece)
            where.append(offset)
    view = arabic.normalize_with_map(text)
    assert view.text == "".join(chars) == arabic.normalize(text)
    assert view.index_map == tuple(where)


def test_batched_and_ordered_map_keep_order(monkeypatch):
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    monkeypatch.setattr("astana_corpus.core.parallel.RECYCLE_AFTER", 2)  # workers replaced
    squares = list(ordered_map(_square_all, batched(range(40), 3), workers=2))
    assert [x for batch in squares for x in batch] == [x * x for x in range(40)]


def _square_all(batch):
    return [x * x for x in batch]


def _frozen(batch):
    import gc

    return [gc.get_freeze_count()]


def test_pool_workers_leave_what_they_inherited_out_of_garbage_collection():
    # A forked worker's collections would otherwise walk (and so copy) the parent's pages.
    counts = [c for batch in ordered_map(_frozen, batched(range(8), 1), workers=2) for c in batch]
    assert min(counts) > 0


def _rss_kb(batch):
    with open("/proc/self/status") as status:
        return [next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_workers_do_not_map_what_this_process_holds():
    # Workers start from the template process, not as forks of this one: what this
    # process has grown to hold is not in their page tables (nor counted in their RSS).
    held = b"x" * (400 * 2**20)  # written, so resident here
    sizes = [kb for batch in ordered_map(_rss_kb, batched(range(8), 1), workers=2) for kb in batch]
    assert _rss_kb(None)[0] > 400 * 1024
    assert max(sizes) < 300 * 1024
    del held


def _tokenizer_loaded(batch):
    from astana_corpus.core.tokens import arabic_tokenizer

    return [arabic_tokenizer.cache_info().currsize]


def test_pool_workers_start_with_the_tokenizer_loaded(monkeypatch):
    # The template loaded it (dataset/workers.py): a fresh worker does not spend ~1 s on it.
    monkeypatch.setattr(parallel, "RECYCLE_AFTER", 1)
    loaded = [n for b in ordered_map(_tokenizer_loaded, batched(range(6), 1), workers=2) for n in b]
    assert loaded == [1] * 6


_NOT_IMPORTABLE = """
from astana_corpus.core.parallel import batched, ordered_map

def double(batch):
    return [2 * x for x in batch]

try:
    list(ordered_map(double, batched(range(8), 1), workers=2))
except RuntimeError as exc:
    print(exc)
"""


def test_a_batch_function_the_workers_cannot_import_is_an_error_not_a_hang():
    # Defined in a -c script: a worker started from the template cannot find it.
    out = subprocess.run(
        [sys.executable, "-c", _NOT_IMPORTABLE],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "must be importable by name" in out.stdout


def _squares_in_a_pool():
    return list(ordered_map(_square_all, batched(range(12), 2), workers=2))


def test_a_pool_in_a_child_process_forks_that_child():
    # The template belongs to the parent: a fork of it (in_child) runs its own pools.
    list(ordered_map(_square_all, batched(range(8), 1), workers=2))  # the template runs
    squares = parallel.in_child(_squares_in_a_pool)
    assert [x for batch in squares for x in batch] == [x * x for x in range(12)]


_FREED_HEAP = """
import sys
from astana_corpus.core.parallel import release_free_heap

def rss_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))

held = [bytes(4000) for _ in range(50_000)]  # ~200 MB from malloc (too big for pymalloc)
kept = held[::50]  # every 50th block stays: the heap's top cannot shrink on its own
del held
before = rss_kb()
if sys.argv[1] == "release":
    release_free_heap()
print(before - rss_kb())
"""


def _freed_kb(how: str) -> int:
    command = [sys.executable, "-c", _FREED_HEAP, how]
    return int(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_the_free_heap_goes_back_to_the_system_before_a_pool_forks():
    # What a forked worker inherits (and counts in its RSS) is the parent's mapped heap:
    # the free pages of a fragmented heap are returned first (ordered_map does so).
    assert _freed_kb("keep") < 20_000
    assert _freed_kb("release") > 150_000


def test_a_pool_releases_the_free_heap_before_it_forks(monkeypatch):
    calls = []
    monkeypatch.setattr(parallel, "release_free_heap", lambda: calls.append(1))
    list(ordered_map(_square_all, batched(range(8), 1), workers=2))
    assert calls == [1]
    list(ordered_map(_square_all, batched(range(8), 1), workers=1))  # no pool, no fork
    assert calls == [1]


@pytest.fixture()
def project(tmp_path):
    return copy_project(tmp_path)


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.*")}


def test_a_pool_of_two_builds_the_same_bytes_as_one_process(project, monkeypatch):
    one = pipeline.build(project, out_dir=project / "dist/one", workers=1)
    (project / DOCUMENTS_FILE).unlink()  # ingest again, in the pool
    # One line per batch: the five seed documents are enough batches for a real pool.
    monkeypatch.setattr(pipeline, "BATCH_LINES", 1)
    monkeypatch.setattr(documents_module, "INGEST_BATCH", 1)
    two = pipeline.build(project, out_dir=project / "dist/two", workers=2)
    assert _files(project / "dist/one") == _files(project / "dist/two")
    assert one.validation == two.validation
    stats = json.loads((project / BUILD_STATS_FILE).read_text(encoding="utf-8"))
    assert stats["validate+rows"]["written"] == len(read_gold(project / GOLD_FILE))
    assert stats["validate+rows"]["not_written"] == {}


# A module, not a ``-c`` script: the pool's workers, started from the template process,
# find its gold_batch by importing it.
_DATASETS_PROBE = """
import os
import sys
from pathlib import Path
from astana_corpus import pipeline
from astana_corpus.dataset import writer
from astana_corpus.ingest import documents

real_gold_batch = pipeline.gold_batch
real_add_tables = writer.DatasetWriter.add_tables
real_batches = pipeline._batches
seen = []
batches = []

def gold_batch(lines):
    batch = real_gold_batch(lines)
    batch.loaded = "datasets" in sys.modules
    batch.pid = os.getpid()
    return batch

def add_tables(self, tables):
    seen.append("datasets" in sys.modules)
    return real_add_tables(self, tables)

def _batches(fn, *args):
    for batch in real_batches(fn, *args):
        if getattr(batch, "pid", None) != os.getpid():  # gold batches run in a worker
            batches.append(getattr(batch, "loaded", None))
        yield batch

def run(root):
    pipeline.gold_batch = gold_batch
    writer.DatasetWriter.add_tables = add_tables
    pipeline.BATCH_LINES = 1
    documents.INGEST_BATCH = 1
    pipeline._batches = _batches
    pipeline.build(Path(root), workers=2)
    after = int("datasets" in sys.modules)
    print(sum(seen), len(seen), batches.count(True), batches.count(False), after)
"""


def test_the_build_never_loads_datasets(project, tmp_path):
    # datasets (with pandas and the hub client) is ~70 MB that the build's parent and
    # every worker would hold: only a child computes the Arrow layouts.
    (tmp_path / "probe_datasets.py").write_text(_DATASETS_PROBE, encoding="utf-8")
    code = "import sys, probe_datasets; probe_datasets.run(sys.argv[1])"
    out = subprocess.run(
        [sys.executable, "-c", code, str(project)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    in_parent, calls, in_workers, not_in_workers, after = map(int, out.stdout.split())
    assert calls > 0 and not_in_workers > 0
    assert (in_parent, in_workers) == (0, 0)
    assert after == 0  # the front matter's features come from the child's layouts too


def test_streamed_report_equals_the_in_memory_runner(project):
    """Drift, an unknown document, a duplicate gold id and a record-level error, found by
    the streaming check exactly as the runner over documents and gold in memory finds them."""
    gold_path = project / GOLD_FILE
    lines = gold_path.read_text(encoding="utf-8").splitlines()
    first, second = json.loads(lines[0]), json.loads(lines[1])
    drifted = dict(first, text="X" + first["text"][1:])
    unknown = dict(second, id="astana-9999")
    broken = dict(second)
    broken["entities"] = [dict(broken["entities"][0], label="NOT_A_LABEL")]
    records = [drifted, unknown, broken, *map(json.loads, lines[2:]), json.loads(lines[2])]
    gold_path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )

    checked = pipeline.check(project, workers=1)
    streamed = checked.report.to_dict()
    assert checked.stages["validate+rows"]["not_written"] == {"validation only": len(records)}

    documents = list(iter_documents_file(project / DOCUMENTS_FILE))
    texts = {d.id: d.text for d in documents}
    computed = compute_splits(texts, read_config(project))
    expected = validate(
        documents=documents,
        gold=read_gold(gold_path),
        schema=read_schema(project),
        split_lists=read_committed(project),
        near_duplicates=computed.near_duplicates,
        split_problems=[],
    ).to_dict()
    assert streamed == expected
    assert {"E001", "E002", "E003", "E008"} <= set(streamed["counts"])


def test_a_document_line_that_is_not_a_document_names_its_line(project):
    pipeline.ensure_documents(project)
    path = project / DOCUMENTS_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(lines[0] + '{"id": "astana-0002"}\n', encoding="utf-8")
    stage.init_stage(stage.StageContext(read_schema(project), path, project / GOLD_FILE))
    with pytest.raises(AstanaError) as exc:
        stage.documents_batch(list(iter_raw_lines(path)))
    assert exc.value.code == "A310"


def test_row_groups_do_not_depend_on_how_rows_were_batched(project, monkeypatch):
    """Workers hand the writer Arrow tables of one batch each; the files are cut into row
    groups of exactly ROW_GROUP rows all the same, byte for byte as pyarrow writes them
    from one list of rows per group."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from astana_corpus.dataset import writer

    monkeypatch.setattr(writer, "ROW_GROUP", 4)
    monkeypatch.setattr(writer, "DOCUMENT_ROW_GROUP", 2)
    pipeline.build(project, out_dir=project / "dist/one", workers=1)  # one batch
    monkeypatch.setattr(pipeline, "BATCH_LINES", 1)  # a table per document
    pipeline.build(project, out_dir=project / "dist/many", workers=1)
    one, many = _files(project / "dist/one"), _files(project / "dist/many")
    assert one == many
    path = project / "dist/one/data/tokens/train.parquet"
    meta = pq.ParquetFile(path).metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert sizes[:-1] == [4] * (len(sizes) - 1) and 0 < sizes[-1] <= 4 and len(sizes) > 2
    schema = features(read_schema(project))["tokens"].arrow_schema
    rows = pq.read_table(path).to_pylist()
    sink = pa.BufferOutputStream()
    with pq.ParquetWriter(sink, schema, compression="zstd") as reference:
        for i in range(0, len(rows), 4):
            reference.write_table(pa.Table.from_pylist(rows[i : i + 4], schema=schema))
    assert sink.getvalue().to_pybytes() == one["data/tokens/train.parquet"]
    meta = pq.ParquetFile(project / "dist/one/data/documents/train.parquet").metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert sizes[:-1] == [2] * (len(sizes) - 1) and 0 < sizes[-1] <= 2 and len(sizes) > 1


def _fails(code):
    from astana_corpus.core.errors import error

    raise error(code, path="splits/manifest.json")


def test_in_child_returns_the_result_and_raises_the_error_with_its_code():
    import os

    from astana_corpus.core.parallel import in_child

    assert in_child(os.getpid) != os.getpid()
    assert in_child(lambda x: x + 1, 1) == 2  # fn and arguments reach it by fork, unpickled
    with pytest.raises(AstanaError) as info:
        in_child(_fails, "A502")
    assert info.value.code == "A502" and "splits/manifest.json" in str(info.value)


def test_file_does_not_depend_on_batching_with_nulls(tmp_path):
    """Rows with nulls (canonical_id) handed over in uneven tables: the file is pyarrow's
    from_pylist per group, byte for byte, and num_bytes is within a validity byte a group
    of theirs (a slice can keep its table's bitmap; see ``_Writer.nbytes``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from astana_corpus.dataset import writer

    layout = arrow_layouts(read_schema(ROOT))["paragraphs"]
    schema = layout.schema
    rows = [
        {
            "id": f"d-p{i:03d}",
            "doc_id": "d",
            "paragraph_index": i,
            "text": "نص" * (i + 1),
            # Nulls in rows 0, 8 and 21 only: the group of rows 10-14 is a slice of the
            # table of rows 8-15, which has a null where the group has none.
            "entities": [
                {
                    "start": 0,
                    "end": 2,
                    "label": i % 2,
                    "text": "نص",
                    "canonical_id": None if i in (0, 8, 21) else "gpe:x",
                }
            ],
            "events": [] if i % 2 else [0],
        }
        for i in range(23)
    ]
    out = writer._Writer(tmp_path / "a.parquet", layout, 5)
    for lo, hi in [(0, 1), (1, 7), (7, 8), (8, 16), (16, 23)]:  # cuts inside groups
        out.add_table(pa.Table.from_pylist(rows[lo:hi], schema=schema))
    out.close()
    expected_bytes = 0
    sink = pa.BufferOutputStream()
    with pq.ParquetWriter(sink, schema, compression="zstd") as reference:
        for i in range(0, len(rows), 5):
            group = pa.Table.from_pylist(rows[i : i + 5], schema=schema)
            reference.write_table(group)
            expected_bytes += group.nbytes
    assert (tmp_path / "a.parquet").read_bytes() == sink.getvalue().to_pybytes()
    groups = -(-len(rows) // 5)
    assert expected_bytes <= out.nbytes <= expected_bytes + 2 * groups


_INTERRUPTED_CHILD = """
import sys, tempfile, time
from pathlib import Path
from astana_corpus.core.parallel import in_child

def work(where):
    with tempfile.TemporaryDirectory(prefix="held-", dir=where):
        (Path(where) / "ready").write_text("")
        time.sleep(60)

in_child(work, sys.argv[1])
"""


def test_ctrl_c_during_in_child_stops_the_child_and_its_temporary_folder(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    process = subprocess.Popen([sys.executable, "-c", _INTERRUPTED_CHILD, str(tmp_path)])
    deadline = time.monotonic() + 30
    while not (tmp_path / "ready").exists():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    assert list(tmp_path.glob("held-*"))
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) != 0
    assert not list(tmp_path.glob("held-*"))  # the child unwound its with block
