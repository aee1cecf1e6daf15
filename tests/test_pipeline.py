"""The orchestrator: each input read once, stage outputs reused while their inputs hold."""

from __future__ import annotations

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
    read_yaml = sources.read_yaml
    monkeypatch.setattr(sources, "read_yaml", lambda *a, **k: loads.append(a) or read_yaml(*a, **k))
    pipeline.ensure_documents(project)  # reads the YAML in a child, then keeps the cache
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
