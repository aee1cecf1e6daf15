"""Baselines: the full path (export → train a couple of steps → predict → evaluate) runs;
the full training is not part of the suite (see the card for the recorded results)."""

from __future__ import annotations

import json

import pytest

from astana_corpus.evaluate import gold_for_split
from astana_corpus.io import sha256_bytes
from astana_corpus.train import BASELINES, read_results, run_baseline
from tests.conftest import ROOT


@pytest.mark.parametrize("name", BASELINES)
def test_baseline_path_runs(tmp_path, name):
    result = run_baseline(ROOT, name, out_dir=tmp_path, max_steps=2, record=False)
    predictions = [json.loads(x) for x in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    assert {p["id"] for p in predictions} == set(gold_for_split(ROOT, "test"))
    assert result["scores"]["missing_predictions"] == []
    scores = result["scores"]
    assert 0.0 <= scores["entities"]["strict"]["micro"]["f1"] <= 1.0
    assert 0.0 <= scores["events"]["paragraph"]["micro"]["f1"] <= 1.0
    if name != "gazetteer":
        assert (tmp_path / "model" / "model-best").exists()
        assert result["config_sha256"] == sha256_bytes((ROOT / f"configs/{name}.cfg").read_bytes())
    assert not (tmp_path / "results").exists()


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
