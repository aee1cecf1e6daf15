"""Baselines: the full path (export → train a couple of steps → predict → evaluate) runs;
the full training is not part of the suite (see the card for the recorded results)."""

from __future__ import annotations

import json
import shutil

import pytest

from astana_corpus.core.io import sha256_bytes
from astana_corpus.core.paths import (
    BASELINES_DIR,
    DOCUMENTS_FILE,
    DOCUMENTS_KEY_FILE,
    GOLD_FILE,
    RESULTS_DIR,
)
from astana_corpus.models.export import paragraph_token_rows
from astana_corpus.models.train import BASELINES, read_results
from astana_corpus.pipeline import gold_for_split, train
from tests.conftest import ROOT, spacy_in_fresh_process


@pytest.fixture()
def scratch_root(tmp_path):
    """A copy of the project's inputs, so a run writes neither build/ nor results/ of the repo."""
    root = tmp_path / "project"
    for name in ("articles", "annotations", "splits", "configs", "results"):
        shutil.copytree(ROOT / name, root / name)
    for path in (DOCUMENTS_FILE, DOCUMENTS_KEY_FILE):  # reused while their key matches
        if (ROOT / path).is_file():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, root / path)
    return root


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else None


@pytest.mark.parametrize("name", BASELINES)
def test_baseline_path_runs(scratch_root, name):
    results_before = _snapshot(scratch_root / RESULTS_DIR)
    result = train(scratch_root, name, max_steps=2, record=False)
    out_dir = scratch_root / BASELINES_DIR / name
    predictions = [json.loads(x) for x in (out_dir / "predictions.jsonl").read_text().splitlines()]
    assert {p["id"] for p in predictions} == set(gold_for_split(ROOT, "test"))
    assert result["scores"]["missing_predictions"] == []
    scores = result["scores"]
    assert 0.0 <= scores["entities"]["strict"]["micro"]["f1"] <= 1.0
    assert 0.0 <= scores["events"]["paragraph"]["micro"]["f1"] <= 1.0
    if name != "gazetteer":
        assert (out_dir / "model" / "model-best").exists()
        assert result["config_sha256"] == sha256_bytes((ROOT / f"configs/{name}.cfg").read_bytes())
        _assert_model_tokenises_like_the_dataset(out_dir / "model" / "model-best", scratch_root)
    assert sorted(result["data"]) == ["gold_sha256", "splits_sha256"]
    assert result["data"]["gold_sha256"] == sha256_bytes((ROOT / GOLD_FILE).read_bytes())
    # record=False: nothing is written to results/.
    assert _snapshot(scratch_root / RESULTS_DIR) == results_before


def _assert_model_tokenises_like_the_dataset(model, cwd):
    """The trained model, reloaded in a new process, cuts raw test paragraphs into the
    ``tokens`` rows (so inference sees the tokens it was trained on)."""
    texts, rows = [], []
    for _record, _view, row, tok in paragraph_token_rows(gold_for_split(ROOT, "test").values()):
        texts.append(row["text"])
        rows.append(list(zip(tok["tokens"], tok["token_starts"], tok["token_ends"], strict=True)))
    out = spacy_in_fresh_process(model, texts, cwd=cwd)
    assert out["tokenizer"] == {"@tokenizers": "astana_corpus.tokenizer.v1"}
    assert out["tokens"] == rows
    # ... which spaCy's stock Arabic tokenizer would not give (it keeps "2017." whole).
    import spacy

    stock = spacy.blank("ar")
    assert any(
        [t.text for t in stock(text) if not t.is_space] != [w for w, _, _ in row]
        for text, row in zip(texts, rows, strict=True)
    )


def test_recorded_results_match_the_current_configs():
    """A changed config makes the card's results stale: retrain and record."""
    results = read_results(ROOT)
    assert sorted(results) == sorted(BASELINES)
    for name, result in results.items():
        assert result["command"] == f"astana train {name}"
        assert result["max_steps_override"] is None
        if result["config"]:
            assert result["config_sha256"] == sha256_bytes(
                (ROOT / result["config"]).read_bytes()
            ), f"configs changed since results/{name}.json: run `astana train {name}`"
