"""The card's in-sample pre-annotation table comes from results/preannotation.json, which
`astana preannotate --evaluate` writes with the fingerprint of the data it scored; `astana
build` does not run the pre-annotator (issue 10: it cost ~7x the tokenizer per paragraph)."""

from __future__ import annotations

import json

import pytest

from astana_corpus.cli import main
from astana_corpus.core.errors import AstanaError
from astana_corpus.pipeline import (
    build,
    preannotation_fingerprint,
    preannotation_scores,
    recorded_preannotation,
)
from tests.conftest import ROOT, copy_project

RECORD = "results/preannotation.json"


def test_committed_record_is_what_the_current_code_and_data_give():
    record = json.loads((ROOT / RECORD).read_text(encoding="utf-8"))
    assert record["data"] == preannotation_fingerprint(ROOT), (
        "gold, schema or gazetteer changed: run `astana preannotate --evaluate`"
    )
    assert record["scores"] == json.loads(json.dumps(preannotation_scores(ROOT))), (
        "the pre-annotator's output changed: run `astana preannotate --evaluate`, then "
        "`astana card` and `astana build --out release`"
    )


def test_card_table_is_the_recorded_one():
    card = (ROOT / "dataset_card.md").read_text(encoding="utf-8")
    record = json.loads((ROOT / RECORD).read_text(encoding="utf-8"))
    total = record["scores"]["labels"]["ALL"]
    row = f"| **all** | {total['gold']} | {total['predicted']} | {total['correct']} |"
    assert row in card
    facts = recorded_preannotation(ROOT)
    assert facts is not None and not facts.stale


def test_a_changed_gazetteer_makes_the_record_stale_until_evaluated_again(tmp_path, capsys):
    root = copy_project(tmp_path / "p")
    gazetteer = root / "annotations/gazetteer.yaml"
    gazetteer.write_text(gazetteer.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    facts = recorded_preannotation(root)
    assert facts is not None and facts.stale
    out = tmp_path / "astana-corpus"
    build(root, out_dir=out)
    assert "**Stale**: these scores were measured" in (out / "README.md").read_text("utf-8")

    assert main(["--root", str(root), "preannotate", "--evaluate"]) == 0
    assert f"recorded in {root / RECORD}" in capsys.readouterr().out
    facts = recorded_preannotation(root)
    assert facts is not None and not facts.stale


def test_without_a_record_the_card_says_how_to_make_one(tmp_path):
    root = copy_project(tmp_path / "p")
    (root / RECORD).unlink()
    out = tmp_path / "astana-corpus"
    build(root, out_dir=out)
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "Not recorded: run `astana preannotate --evaluate`" in readme
    assert "| **all** |" not in readme.split("BEGIN GENERATED: preannotation")[1].split("END")[0]


def test_no_record_flag_writes_nothing(tmp_path):
    root = copy_project(tmp_path / "p")
    (root / RECORD).unlink()
    assert main(["--root", str(root), "preannotate", "--evaluate", "--no-record"]) == 0
    assert not (root / RECORD).exists()


@pytest.mark.parametrize(
    "text",
    [
        '{"scores": {}}',
        "[1]",
        "{",
        '{"scores": []}',
        '{"scores": {"labels": {"PER": {"gold": 1}}}}',
        '{"scores": {"labels": {"PER": []}}}',
    ],
)
def test_a_malformed_record_is_a611(tmp_path, text):
    root = copy_project(tmp_path / "p")
    (root / RECORD).write_text(text, encoding="utf-8")
    with pytest.raises(AstanaError) as info:
        recorded_preannotation(root)
    assert info.value.code == "A611" and RECORD in str(info.value)
