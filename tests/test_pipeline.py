"""The orchestrator: each input read once, stage outputs reused while their inputs hold."""

from __future__ import annotations

import os

import pytest

from astana_corpus import pipeline
from astana_corpus.core import gold as gold_module
from astana_corpus.core.errors import AstanaError
from astana_corpus.core.paths import DOCUMENTS_FILE, DOCUMENTS_KEY_FILE, METADATA_FILE
from astana_corpus.dataset import rows as rows_module
from astana_corpus.ingest import documents as documents_module
from tests.conftest import copy_project


@pytest.fixture()
def project(tmp_path):
    """A copy of the committed project (inputs only, no build/ outputs)."""
    return copy_project(tmp_path)


@pytest.fixture()
def counts(monkeypatch):
    """How often build cleans an article, reads gold (as records or as lines for the
    batch stages) and tokenises a paragraph."""
    seen = {"cleaned": 0, "gold_reads": 0, "tokenised": 0}
    clean, iter_gold, gold_lines, tokenize_many = (
        documents_module.clean_document,
        gold_module.iter_gold,
        pipeline.iter_gold_lines,
        rows_module.tokenize_many,
    )

    def counting_clean(*args, **kwargs):
        seen["cleaned"] += 1
        return clean(*args, **kwargs)

    def counting_gold(*args, **kwargs):
        seen["gold_reads"] += 1
        return iter_gold(*args, **kwargs)

    def counting_gold_lines(*args, **kwargs):
        seen["gold_reads"] += 1
        return gold_lines(*args, **kwargs)

    def counting_tokens(texts):
        texts = list(texts)
        seen["tokenised"] += len(texts)
        return tokenize_many(texts)

    monkeypatch.setattr(documents_module, "clean_document", counting_clean)
    monkeypatch.setattr(gold_module, "iter_gold", counting_gold)
    monkeypatch.setattr(pipeline, "iter_gold_lines", counting_gold_lines)
    monkeypatch.setattr(rows_module, "tokenize_many", counting_tokens)
    return seen


def test_build_cleans_once_reads_gold_once_tokenises_once(project, counts):
    summary = pipeline.build(project, out_dir=project / "dist/astana-corpus")
    paragraphs = sum(summary.written.rows["paragraphs"].values())
    assert counts == {"cleaned": 5, "gold_reads": 1, "tokenised": paragraphs}
    assert (project / DOCUMENTS_FILE).is_file() and (project / DOCUMENTS_KEY_FILE).is_file()


def test_materialised_documents_are_reused_until_an_input_changes(project, counts):
    pipeline.build(project, out_dir=project / "dist/a")
    counts["cleaned"] = 0
    pipeline.build(project, out_dir=project / "dist/b")
    assert counts["cleaned"] == 0  # read from build/documents.jsonl
    for config in ("documents", "paragraphs", "tokens"):
        for path in (project / "dist/a/data" / config).iterdir():
            assert path.read_bytes() == (project / "dist/b/data" / config / path.name).read_bytes()
    metadata = project / METADATA_FILE
    metadata.write_text(metadata.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    pipeline.load_documents(project)
    assert counts["cleaned"] == 5  # the key changed: cleaned again


def test_a_changed_raw_file_is_not_hidden_by_the_cache(project):
    pipeline.load_documents(project)
    raw = sorted((project / "articles/raw").iterdir())[0]
    raw.write_bytes(raw.read_bytes() + "سطر جديد\n".encode())
    with pytest.raises(AstanaError) as exc:
        pipeline.load_documents(project)
    assert exc.value.code == "A111"


def test_validate_and_build_share_one_validation(project):
    """A missing gold file is the same coded error for both commands."""
    (project / "annotations/gold.jsonl").unlink()
    for run in (lambda: pipeline.check(project), lambda: pipeline.build(project)):
        with pytest.raises(AstanaError) as exc:
            run()
        assert exc.value.code == "A311"


def test_an_empty_gold_file_never_replaces_the_dataset(project):
    (project / "annotations/gold.jsonl").write_text("")
    with pytest.raises(AstanaError) as exc:
        pipeline.build(project, out_dir=project / "dist/astana-corpus")
    assert exc.value.code == "A315" and not (project / "dist/astana-corpus").exists()


def test_an_unlisted_raw_file_is_refused_even_while_the_documents_file_is_current(project):
    pipeline.load_documents(project)
    (project / "articles/raw/new.txt").write_text("نص جديد لم يسجل بعد", encoding="utf-8")
    with pytest.raises(AstanaError) as exc:
        pipeline.load_documents(project)
    assert exc.value.code == "A109"


def test_document_to_dict_is_asdict_and_round_trips(project):
    """The hand-written ``Document.to_dict`` (no recursive deep copy) says what
    ``dataclasses.asdict`` says, for every cleaned seed document."""
    import dataclasses
    import json

    from astana_corpus.core.records import Document

    documents, _ = pipeline.load_documents(project)
    assert documents and any(d.provenance.dropped for d in documents)
    for doc in documents:
        assert json.dumps(doc.to_dict()) == json.dumps(dataclasses.asdict(doc))
        assert Document.from_dict(doc.to_dict()) == doc


def test_metadata_is_read_from_its_cache_while_articles_yaml_is_unchanged(project, monkeypatch):
    from astana_corpus.core.paths import METADATA_CACHE_FILE
    from astana_corpus.ingest import sources

    loads = []
    iter_yaml_list = sources.iter_yaml_list
    monkeypatch.setattr(
        sources, "iter_yaml_list", lambda *a, **k: loads.append(a) or iter_yaml_list(*a, **k)
    )
    pipeline.ensure_documents(project)  # reads the YAML, then keeps the cache
    assert len(loads) == 1
    loads.clear()
    assert (project / METADATA_CACHE_FILE).is_file()
    first = sources.read_metadata(project, cache=project / METADATA_CACHE_FILE)
    assert loads == []  # from the cache
    assert first == sources.read_metadata(project)  # what the YAML says
    meta = project / METADATA_FILE
    meta.write_text(meta.read_text(encoding="utf-8").replace("astana-0005", "astana-0006"))
    changed = sources.read_metadata(project, cache=project / METADATA_CACHE_FILE)
    assert len(loads) == 2 and "astana-0006" in {m.id for m in changed}


def test_a_cached_entry_pointing_out_of_raw_is_still_refused(project, tmp_path):
    from astana_corpus.core.paths import METADATA_CACHE_FILE
    from astana_corpus.ingest import sources

    pipeline.ensure_documents(project)
    first = sources.read_metadata(project)[0]
    raw = project / "articles/raw" / first.file
    outside = tmp_path / "elsewhere.txt"
    outside.write_bytes(raw.read_bytes())
    raw.unlink()
    raw.symlink_to(outside)  # same name, now a symlink out of articles/raw
    with pytest.raises(AstanaError) as info:
        sources.read_metadata(project, cache=project / METADATA_CACHE_FILE)
    assert info.value.code == "A112"


# ---------------------------------------------------------------- the documents check


def _warm(project):
    """The documents file, its key and the metadata cache written, as every later command
    finds them."""
    from astana_corpus.core.paths import METADATA_CACHE_FILE

    pipeline.ensure_documents(project)
    assert (project / METADATA_CACHE_FILE).is_file()
    return sorted((project / "articles/raw").iterdir())


def test_the_documents_key_is_each_raw_file_by_size_and_mtime_in_metadata_order(project):
    """The key JSON is byte for byte what it was before the folder listing: every listed
    file's [size, mtime_ns] by its own path (a symlink followed), in articles.yaml order,
    so a documents.key.json written before stays valid."""
    import json

    from astana_corpus.ingest import sources

    raw = _warm(project)
    (project / "articles/raw/sub").mkdir()
    raw[1].rename(project / "articles/raw/sub" / raw[1].name)
    raw[1].symlink_to(f"sub/{raw[1].name}")  # a symlink inside articles/raw: accepted
    key = pipeline.documents_key(project)
    metas = sources.read_metadata(project)
    by_path = {}
    for meta in metas:
        st = (project / "articles/raw" / meta.file).stat()
        by_path[meta.file] = [st.st_size, st.st_mtime_ns]
    assert list(key) == ["metadata", "raw", "cleaning_code", "trafilatura"]
    assert json.dumps(key["raw"]) == json.dumps(by_path)
    stored = json.loads((project / DOCUMENTS_KEY_FILE).read_text(encoding="utf-8"))["key"]
    assert json.dumps(stored) == json.dumps(key)  # the symlink's target: same size and mtime


def test_a_raw_file_replaced_by_a_symlink_out_of_raw_is_refused_with_a_current_cache(
    project, tmp_path
):
    raw = _warm(project)[2]
    outside = tmp_path / "elsewhere.txt"
    outside.write_bytes(raw.read_bytes())
    raw.unlink()
    raw.symlink_to(outside)
    with pytest.raises(AstanaError, match="entry 3") as exc:
        pipeline.ensure_documents(project)
    assert exc.value.code == "A112"


@pytest.mark.parametrize(
    ("name", "code"),
    [("scan.pdf", "A110"), ("link.txt", "A109"), (".notes.txt", None), ("folder.txt", None)],
)
def test_new_raw_entries_with_a_current_cache(project, name, code):
    """A new file is refused (a symlink to a file too); a dot-file or a folder is not."""
    raw = _warm(project)
    path = project / "articles/raw" / name
    if name == "link.txt":
        path.symlink_to(raw[0].name)
    elif name == "folder.txt":
        path.mkdir()
    else:
        path.write_text("نص جديد لم يسجل بعد، ١٢٣", encoding="utf-8")
    if code is None:
        pipeline.ensure_documents(project)
        return
    with pytest.raises(AstanaError) as exc:
        pipeline.ensure_documents(project)
    assert exc.value.code == code and name in str(exc.value)


def test_a_missing_raw_file_is_reported_by_ingest_with_a_current_cache(project):
    raw = _warm(project)
    raw[3].unlink()
    with pytest.raises(AstanaError, match=raw[3].name) as exc:
        pipeline.ensure_documents(project)
    assert exc.value.code == "A106"


def test_a_new_mtime_alone_cleans_again_and_same_size_and_mtime_does_not(project, counts):
    """The key is size and mtime: a touched file is cleaned again (same bytes: no error);
    an edit that keeps both goes unseen, as documents_key says."""
    raw = _warm(project)[0]
    counts["cleaned"] = 0
    st = raw.stat()
    os.utime(raw, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    pipeline.ensure_documents(project)
    assert counts["cleaned"] == 5
    counts["cleaned"] = 0
    st = raw.stat()
    data = raw.read_bytes()
    raw.write_bytes(data[:-1] + (b"X" if data[-1:] != b"X" else b"Y"))
    os.utime(raw, ns=(st.st_atime_ns, st.st_mtime_ns))
    pipeline.ensure_documents(project)
    assert counts["cleaned"] == 0


def test_the_metadata_cache_is_written_only_when_it_does_not_hold_the_entries(project, monkeypatch):
    from astana_corpus.core.paths import METADATA_CACHE_FILE
    from astana_corpus.ingest import sources

    cache = project / METADATA_CACHE_FILE
    _warm(project)
    before = cache.stat()
    reads = []
    cached_metadata = sources._cached_metadata
    monkeypatch.setattr(
        sources, "_cached_metadata", lambda *a: reads.append(a) or cached_metadata(*a)
    )
    pipeline.ensure_documents(project)  # a hit: the cache is neither rewritten nor replaced
    after = cache.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert len(reads) == 1  # nor read a second time to find that it holds the entries
    meta = project / METADATA_FILE
    meta.write_text(meta.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    (project / "articles/raw/new.txt").write_text("نص جديد لم يسجل بعد", encoding="utf-8")
    with pytest.raises(AstanaError):
        pipeline.ensure_documents(project)  # a miss that fails: the cache stays as it was
    assert cache.stat().st_ino == before.st_ino
    (project / "articles/raw/new.txt").unlink()
    pipeline.ensure_documents(project)  # a miss that succeeds: the new entries are kept
    assert cache.stat().st_ino != before.st_ino


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_as_it_was_after_the_check(project, enabled):
    import gc

    _warm(project)
    try:
        if not enabled:
            gc.disable()
        pipeline.ensure_documents(project)
        assert gc.isenabled() is enabled
        (project / "articles/raw/new.txt").write_text("نص لم يسجل", encoding="utf-8")
        with pytest.raises(AstanaError, match="A109"):  # raised while the collector is off
            pipeline.ensure_documents(project)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
