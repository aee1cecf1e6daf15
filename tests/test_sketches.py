"""The near-duplicate sketches kept in build/sketches: made by the ingest, read by
`astana split` and the build while they are those of the documents file and settings."""

from __future__ import annotations

import json
import os

import pytest

from astana_corpus import pipeline
from astana_corpus.core.paths import DOCUMENTS_FILE, SKETCHES_DIR
from astana_corpus.dataset import splits as splits_module
from astana_corpus.dataset.splits import (
    compute_splits_file,
    manifest,
    read_config,
    split_result,
    stored_sketches,
)
from tests.conftest import copy_project


@pytest.fixture()
def project(tmp_path):
    root = copy_project(tmp_path)
    pipeline.ingest(root)
    return root


@pytest.fixture()
def sketched(monkeypatch):
    """How many documents files were sketched again (not read from build/sketches)."""
    seen = {"files": 0}
    real = splits_module.sketch_file

    def counting(*args, **kwargs):
        seen["files"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(splits_module, "sketch_file", counting)
    return seen


def _leftovers(root):
    return sorted(p.name for p in (root / "build").iterdir() if p.name.startswith(".sketches"))


def test_the_ingest_keeps_sketches_that_the_split_reads_as_they_are(project, sketched):
    config = read_config(project)
    assert stored_sketches(project, config.near_duplicate_settings()) is not None
    kept = split_result(project, config)
    assert sketched["files"] == 0
    fresh = compute_splits_file(project / DOCUMENTS_FILE, config)  # sketched from the file
    assert sketched["files"] == 1
    assert manifest(kept) == manifest(fresh)
    assert pipeline.split(project, allow_moves=True).result.assignment == kept.assignment
    assert sketched["files"] == 1 and _leftovers(project) == []


def test_other_settings_sketch_again_and_keep_the_new_sketches(project, sketched):
    path = project / "splits/manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["min_paragraph_chars"] = 30
    path.write_text(json.dumps(data), encoding="utf-8")
    config = read_config(project)
    split_result(project, config)
    assert sketched["files"] == 1
    split_result(project, config)  # kept under the new key
    assert sketched["files"] == 1
    key = json.loads((project / SKETCHES_DIR / "key.json").read_text(encoding="utf-8"))
    assert key["settings"]["min_paragraph_chars"] == 30


def test_a_rewritten_documents_file_is_sketched_again(project, sketched):
    documents = project / DOCUMENTS_FILE
    st = documents.stat()
    os.utime(documents, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    split_result(project, read_config(project))
    assert sketched["files"] == 1


def test_unreadable_sketches_are_made_again(project, sketched):
    (project / SKETCHES_DIR / "ids.json").write_text("[", encoding="utf-8")
    split_result(project, read_config(project))
    assert sketched["files"] == 1
    assert stored_sketches(project, read_config(project).near_duplicate_settings()) is not None


def test_a_failed_sketching_keeps_the_previous_sketches_and_no_temporary_folder(
    project, monkeypatch
):
    before = sorted(p.name for p in (project / SKETCHES_DIR).iterdir())
    key = (project / SKETCHES_DIR / "key.json").read_bytes()
    documents = project / DOCUMENTS_FILE
    st = documents.stat()
    os.utime(documents, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(splits_module, "sketch_file", broken)
    with pytest.raises(KeyboardInterrupt):
        split_result(project, read_config(project))
    assert sorted(p.name for p in (project / SKETCHES_DIR).iterdir()) == before
    assert (project / SKETCHES_DIR / "key.json").read_bytes() == key
    assert _leftovers(project) == []


def test_a_failed_ingest_leaves_no_temporary_sketches(project, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the cleaner broke")

    monkeypatch.setattr(splits_module, "sketch_texts", broken)
    (project / DOCUMENTS_FILE).unlink()
    with pytest.raises(RuntimeError):
        pipeline.ingest(project, workers=1)
    assert _leftovers(project) == [] and not (project / DOCUMENTS_FILE).exists()
