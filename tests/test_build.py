"""The main job end to end: build → load_dataset, byte-stable rebuilds, card freshness."""

from __future__ import annotations

import re
import shutil

import pytest

from astana_corpus.core.errors import ValidationError
from astana_corpus.core.schema import read_schema
from astana_corpus.dataset.rows import CONFIGS, arrow_layouts
from astana_corpus.pipeline import build
from tests.conftest import ROOT

SCHEMA = read_schema(ROOT)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist") / "astana-corpus"
    summary = build(ROOT, out_dir=out)
    return out, summary


@pytest.fixture(scope="module")
def loaded(built):
    from datasets import load_dataset

    out, _ = built
    return {c: load_dataset(str(out), c) for c in CONFIGS}


def test_default_config_is_documents(built):
    from datasets import load_dataset

    out, _ = built
    ds = load_dataset(str(out))
    assert "entities" in ds["train"].column_names and "provenance" in ds["train"].column_names


def test_class_label_names_come_from_the_schema(loaded):
    tokens = loaded["tokens"]["train"].features
    assert tokens["ner_tags"].feature.names == list(SCHEMA.iob2_names)
    docs = loaded["documents"]["train"].features
    assert docs["entities"].feature["label"].names == list(SCHEMA.entity_names)
    assert docs["events"].feature.names == list(SCHEMA.event_names)
    assert loaded["paragraphs"]["train"].features["events"].feature.names == list(
        SCHEMA.event_names
    )


def test_split_sizes_match_the_card(loaded):
    card = (ROOT / "dataset_card.md").read_text(encoding="utf-8")
    section = card.split("<!-- BEGIN GENERATED: splits -->")[1].split("<!-- END")[0]
    for split in ("train", "validation", "test"):
        row = re.search(rf"^\| {split} \| (\d+) \| (\d+) \|", section, re.MULTILINE)
        assert row, f"no {split} row in the card"
        assert len(loaded["documents"][split]) == int(row.group(1))
        assert len(loaded["paragraphs"][split]) == int(row.group(2))
        assert len(loaded["tokens"][split]) == int(row.group(2))


def test_every_entity_text_is_its_slice(loaded):
    for config in ("documents", "paragraphs"):
        for split in loaded[config].values():
            for row in split:
                for e in row["entities"]:
                    assert row["text"][e["start"] : e["end"]] == e["text"]


def test_token_offsets_and_tags(loaded):
    names = loaded["tokens"]["train"].features["ner_tags"].feature.names
    paragraphs = {r["id"]: r for s in loaded["paragraphs"].values() for r in s}
    seen_tags = set()
    for split in loaded["tokens"].values():
        for row in split:
            text = paragraphs[row["id"]]["text"]
            for tok, s, e in zip(
                row["tokens"], row["token_starts"], row["token_ends"], strict=True
            ):
                assert text[s:e] == tok
            seen_tags |= {names[t] for t in row["ner_tags"]}
            # each entity starts a B- tag on the token holding its first character
            for ent in paragraphs[row["id"]]["entities"]:
                i = next(i for i, end in enumerate(row["token_ends"]) if end > ent["start"])
                assert names[row["ner_tags"][i]].startswith("B-")
    assert "B-GPE" in seen_tags and "I-DATE" in seen_tags


def test_rebuild_is_byte_identical(built, tmp_path):
    out, _ = built
    again = build(ROOT, out_dir=tmp_path / "astana-corpus").out_dir
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    # README.md (the card), LICENSE, 3 configs x 3 splits, images/*.png
    assert len(files) == 2 + 3 * 3 + 5
    for rel in files:
        assert (out / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_build_without_licence_file_is_refused_before_any_work(project_root):
    for name in ("articles", "splits"):
        shutil.copytree(ROOT / name, project_root / name)
    shutil.copy(ROOT / "dataset_card.md", project_root)
    shutil.copy(ROOT / "annotations/gold.jsonl", project_root / "annotations")
    out = project_root / "dist/astana-corpus"
    with pytest.raises(ValidationError) as exc:
        build(project_root, out_dir=out)
    assert exc.value.code == "A508"
    assert f"{project_root / 'LICENSE'}: missing" in str(exc.value)
    assert not out.exists() and not (project_root / "build").exists()


def test_validation_errors_stop_the_build_and_write_nothing(project_root):
    from astana_corpus.core.io import read_jsonl, write_jsonl

    for name in ("articles", "splits"):
        shutil.copytree(ROOT / name, project_root / name)
    shutil.copy(ROOT / "dataset_card.md", project_root)
    shutil.copy(ROOT / "LICENSE", project_root)
    shutil.copy(ROOT / "annotations/gazetteer.yaml", project_root / "annotations")
    records = list(read_jsonl(ROOT / "annotations/gold.jsonl"))
    records[1]["entities"][0]["text"] = "نص آخر"
    write_jsonl(project_root / "annotations/gold.jsonl", records)
    out = project_root / "dist/astana-corpus"
    with pytest.raises(ValidationError, match="E005") as exc:
        build(project_root, out_dir=out)
    assert exc.value.code == "A503"
    assert not out.exists()
    assert (
        list((project_root / "dist").iterdir()) == [] if (project_root / "dist").exists() else True
    )


def test_committed_card_is_not_stale():
    from astana_corpus.pipeline import update_card

    assert update_card(ROOT, check_only=True) == [], "run `astana card` and commit dataset_card.md"


def test_cli_build_summary(tmp_path, capsys):
    from astana_corpus.cli import main

    assert (
        main(["--root", str(ROOT), "build", "--quiet", "--out", str(tmp_path / "astana-corpus")])
        == 0
    )
    out = capsys.readouterr().out
    assert "documents (rows)" in out and "validation: 0 errors" in out


def test_card_example_code_runs(built, tmp_path, monkeypatch):
    """The card's Python example runs as written against a built folder."""
    out, _ = built
    card = (ROOT / "dataset_card.md").read_text(encoding="utf-8")
    code = card.split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copytree(out, tmp_path / "release")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "dataset_card.md", "exec"), {})


def test_class_labels_encoded_in_every_nested_position(tmp_path):
    """Regression: a first paragraph without events must not leave later ones unencoded."""
    from datasets import load_dataset

    from astana_corpus.core.io import write_text
    from astana_corpus.core.records import GoldDocument
    from astana_corpus.dataset.rows import paragraph_views
    from astana_corpus.dataset.writer import DatasetWriter, front_matter

    record = {
        "text_sha256": "",
        "id": "x-1",
        "text": "أ\nب",
        "entities": [],
        "events": ["AID", "TALKS_HELD"],
        "paragraphs": [
            {"index": 0, "start": 0, "end": 1, "events": []},
            {"index": 1, "start": 2, "end": 3, "events": ["AID", "TALKS_HELD"]},
        ],
        "annotation": {"round": "r", "annotators": ["a"], "schema_version": "1.0"},
    }
    gold = GoldDocument.from_dict(record)
    out = tmp_path / "out"
    layouts = arrow_layouts(SCHEMA)
    writer = DatasetWriter(out, layouts)
    writer.add(gold, paragraph_views(gold), split="train", provenance={})
    write_text(out / "README.md", front_matter(layouts, writer.close()))
    row = load_dataset(str(out), "documents")["train"][0]
    names = SCHEMA.event_names
    assert [[names[i] for i in p["events"]] for p in row["paragraphs"]] == [
        [],
        ["AID", "TALKS_HELD"],
    ]


def test_numbers_written_in_prose_match_the_data(built):
    """The few counts typed into the card's and README's prose (outside generated tables)."""
    _, built_summary = built
    summary = built_summary.written
    docs = sum(summary.rows["documents"].values())
    paragraphs = sum(summary.rows["paragraphs"].values())
    entities = sum(sum(c.values()) for c in summary.entities.values())
    test_entities = sum(summary.entities["test"].values())
    card = (ROOT / "dataset_card.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"**{docs} articles, {paragraphs} paragraphs, two automated annotators**" in card
    assert f"uploaded the {paragraphs} paragraphs" in card
    assert f"**Size**: {docs} documents, {paragraphs} paragraphs, {entities} entities" in card
    assert summary.rows["documents"]["test"] == 1
    assert (
        f"**one document ({summary.rows['paragraphs']['test']} paragraphs, "
        f"{test_entities} entities)**"
    ) in card
    rows = summary.rows["documents"]
    assert (
        f"{docs} documents (train {rows['train']}, validation {rows['validation']}, "
        f"test {rows['test']}), {paragraphs}\nparagraphs, {entities} entities"
    ) in readme
    assert f"one document ({test_entities} entities)" in readme


def test_baseline_scores_in_readme_prose_are_the_recorded_ones():
    from astana_corpus.models.train import read_results

    results = read_results(ROOT)
    ner = results["ner"]["scores"]["entities"]
    events = results["events"]["scores"]["events"]["paragraph"]["micro"]["f1"]
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert (
        f"NER: strict micro F1 {ner['strict']['micro']['f1']:.3f}, clitic-tolerant "
        f"{ner['clitic']['micro']['f1']:.3f}, partial {ner['partial']['micro']['f1']:.3f}"
    ) in readme
    assert f"Events: paragraph micro F1 {events:.3f}" in readme


@pytest.mark.parametrize("config", CONFIGS)
def test_encoder_agrees_with_datasets_where_datasets_is_right(config):
    """``make_encoder`` against ``Features.encode_example`` on rows of the committed gold
    whose nested lists are all non-empty (where datasets decides correctly)."""
    from astana_corpus.core.gold import read_gold
    from astana_corpus.dataset.rows import (
        document_row,
        features,
        label_spec,
        paragraph_row,
        paragraph_views,
        token_row,
    )
    from astana_corpus.dataset.writer import make_encoder

    feats = features(SCHEMA)[config]
    encode = make_encoder(label_spec(feats))
    checked = 0
    for record in read_gold(ROOT / "annotations/gold.jsonl"):
        views = [v for v in paragraph_views(record) if v.events and v.entities]
        if config == "documents":
            if record.paragraphs[0].events and record.entities:
                rows = [document_row(record, {})]
            else:
                rows = []
        elif config == "paragraphs":
            rows = [paragraph_row(record, v) for v in views]
        else:
            rows = [token_row(record, v) for v in views]
        for row in rows:
            assert encode(row) == feats.encode_example(row)
            checked += 1
    assert checked
