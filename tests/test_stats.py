"""astana stats: the numbers (computed again here from gold.jsonl), byte-identical
committed figures, the dataset-folder mode, the figures in the built dataset and the
card, the missing-extra error, and the pandas/polars recipes of the README."""

import json
import re
import sys
from collections import Counter
from itertools import combinations

import pytest

from astana_corpus.cli.main import main
from astana_corpus.core.errors import AstanaError
from astana_corpus.core.paths import FIGURES_DIR, GOLD_FILE
from astana_corpus.dataset.figures import FIGURES, NUMBERS_FILE
from astana_corpus.pipeline import build, stats
from tests.conftest import ROOT

SPLITS = ("train", "validation", "test")
RAW_GOLD = {g["id"]: g for g in map(json.loads, (ROOT / GOLD_FILE).read_text("utf-8").splitlines())}
SPLIT_OF = {
    doc_id: split
    for split in SPLITS
    for doc_id in (ROOT / "splits" / f"{split}.txt").read_text("utf-8").split()
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist") / "astana-corpus"
    build(ROOT, out_dir=out)
    return out


def test_numbers_file_equals_what_gold_and_splits_say():
    numbers = json.loads((ROOT / FIGURES_DIR / NUMBERS_FILE).read_text("utf-8"))
    entity_counts = {s: Counter() for s in SPLITS}
    event_counts = {s: Counter() for s in SPLITS}
    lengths, pairs = {}, Counter()
    for doc_id, split in SPLIT_OF.items():
        doc = RAW_GOLD[doc_id]
        for e in doc["entities"]:
            entity_counts[split][e["label"]] += 1
            lengths.setdefault(e["label"], []).append(len(e["text"]))
        for p in doc["paragraphs"]:
            event_counts[split].update(p["events"])
            pairs.update(combinations(sorted(p["events"]), 2))
    for split in SPLITS:
        assert {k: v for k, v in numbers["entity_counts"][split].items() if v} == dict(
            entity_counts[split]
        )
        assert {k: v for k, v in numbers["event_counts"][split].items() if v} == dict(
            event_counts[split]
        )
    assert {k: v for k, v in numbers["span_lengths"].items() if v} == {
        k: sorted(v) for k, v in lengths.items()
    }
    names = numbers["event_labels"]
    matrix = numbers["event_cooccurrence"]
    for i, a in enumerate(names):
        assert matrix[i][i] == sum(event_counts[s][a] for s in SPLITS)
        for j, b in enumerate(names):
            if i != j:
                assert matrix[i][j] == pairs[tuple(sorted((a, b)))]
    per_doc = {d["id"]: (d["split"], d["entities"]) for d in numbers["entities_per_document"]}
    assert set(per_doc) == set(SPLIT_OF)
    for doc_id, (split, counts) in per_doc.items():
        assert split == SPLIT_OF[doc_id]
        assert {k: v for k, v in counts.items() if v} == dict(
            Counter(e["label"] for e in RAW_GOLD[doc_id]["entities"])
        )
    assert sum(numbers["documents"].values()) == len(SPLIT_OF)


def test_committed_figures_equal_a_fresh_render(tmp_path, capsys):
    """Byte equality of every PNG (fixed size, dpi, no metadata, matplotlib's own font)."""
    assert main(["--root", str(ROOT), "stats", "--out", str(tmp_path / "fig")]) == 0
    fresh = sorted(p.name for p in (tmp_path / "fig").iterdir())
    assert fresh == sorted([f"{n}.png" for n, _ in FIGURES] + [NUMBERS_FILE])
    for name in fresh:
        committed = (ROOT / FIGURES_DIR / name).read_bytes()
        assert (tmp_path / "fig" / name).read_bytes() == committed, name
        if name.endswith(".png"):
            assert committed.startswith(b"\x89PNG") and b"Software" not in committed
    assert main(["--root", str(ROOT), "stats", "--check"]) == 0
    assert "figures are up to date" in capsys.readouterr().out


def test_check_names_a_stale_figure(tmp_path, capsys):
    out = tmp_path / "fig"
    assert main(["--root", str(ROOT), "stats", "--out", str(out)]) == 0
    (out / "span_lengths.png").write_bytes(b"not a picture")
    assert main(["--root", str(ROOT), "stats", "--out", str(out), "--check"]) == 1
    assert "stale: " + str(out / "span_lengths.png") in capsys.readouterr().out


def test_dataset_folder_gives_the_same_numbers_and_carries_the_figures(built, tmp_path):
    from_dataset = stats(ROOT, dataset=built, out=tmp_path / "fig")
    committed = json.loads((ROOT / FIGURES_DIR / NUMBERS_FILE).read_text("utf-8"))
    assert from_dataset.numbers == committed
    card = (built / "README.md").read_text("utf-8")
    links = re.findall(r"!\[[^\]]+\]\((images/[a-z_]+\.png)\)", card)
    assert links == [f"images/{name}.png" for name, _ in FIGURES]
    for link in links:
        assert (built / link).read_bytes() == (ROOT / FIGURES_DIR / link[7:]).read_bytes()


def test_not_a_dataset_folder_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(AstanaError) as exc:
        stats(ROOT, dataset=tmp_path / "empty", out=tmp_path / "fig")
    assert exc.value.code == "A641"
    (tmp_path / "empty" / "README.md").write_text("---\n---\n", encoding="utf-8")
    with pytest.raises(AstanaError) as exc:
        stats(ROOT, dataset=tmp_path / "empty", out=tmp_path / "fig")
    assert exc.value.code == "A641"


def test_a_foreign_output_folder_is_left_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(AstanaError) as exc:
        stats(ROOT, out=tmp_path)
    assert exc.value.code == "A701"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_without_matplotlib_the_error_names_the_extra(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib → ImportError
    with pytest.raises(AstanaError) as exc:
        stats(ROOT, out=tmp_path / "fig")
    assert exc.value.code == "A640" and "[stats]" in str(exc.value)
    assert not (tmp_path / "fig").exists()


def _gold_entities(split):
    return sorted(
        (doc_id, e["start"], e["end"], e["label"], e["text"])
        for doc_id, s in SPLIT_OF.items()
        if s == split
        for e in RAW_GOLD[doc_id]["entities"]
    )


def test_pandas_recipe_gives_label_names(built):
    import pandas as pd
    from datasets import load_dataset

    from astana_corpus.dataset.frames import with_label_names

    ds = load_dataset(str(built), "documents", split="train")
    # The README's pandas recipe, as written there.
    docs = with_label_names(ds).to_pandas()
    ents = docs[["id", "entities"]].explode("entities", ignore_index=True)
    ents = pd.concat(
        [ents[["id"]], pd.json_normalize(ents["entities"].tolist()).add_prefix("entity_")],
        axis=1,
    )
    rows = sorted(
        ents[["id", "entity_start", "entity_end", "entity_label", "entity_text"]].itertuples(
            index=False, name=None
        )
    )
    assert rows == _gold_entities("train")
    events = docs.set_index("id")["events"].map(list).to_dict()
    assert events == {i: RAW_GOLD[i]["events"] for i, s in SPLIT_OF.items() if s == "train"}
    # One id by hand, as the README shows.
    assert ds.features["events"].feature.int2str(0) == "TALKS_HELD"


def test_polars_recipe_gives_label_names(built):
    pl = pytest.importorskip("polars")
    from datasets import load_dataset

    from astana_corpus.dataset.frames import with_label_names

    ds = load_dataset(str(built), "documents", split="validation")
    docs = pl.from_arrow(with_label_names(ds))
    # Why the recipe renames: entities carry a "text" field, as the document does.
    with pytest.raises(pl.exceptions.DuplicateError):
        docs.explode("entities").unnest("entities")
    # The README's polars recipe, as written there.
    ents = (
        docs.select("id", "entities")
        .explode("entities")
        .with_columns(pl.col("entities").name.prefix_fields("entity_"))
        .unnest("entities")
    )
    rows = sorted(
        ents.select("id", "entity_start", "entity_end", "entity_label", "entity_text").rows()
    )
    assert rows == _gold_entities("validation")
    tags = pl.from_arrow(with_label_names(load_dataset(str(built), "tokens", split="validation")))
    assert tags["ner_tags"].explode().dtype == pl.String
    assert set(tags["ner_tags"].explode()) <= {"O"} | {
        f"{p}-{e['label']}" for d in RAW_GOLD.values() for e in d["entities"] for p in "BI"
    }


def test_a_corpus_with_nothing_annotated_yet_still_draws(tmp_path):
    """Regression: the span-length box plot raised on a corpus without any span."""
    from astana_corpus.core.schema import read_schema
    from astana_corpus.dataset.figures import render_figures
    from astana_corpus.dataset.stats import DocumentLabels, corpus_stats

    schema = read_schema(ROOT)
    empty = {"train": [DocumentLabels("d1", (), ((),))], "validation": [], "test": []}
    numbers = corpus_stats(
        empty, schema.entity_names, schema.event_names, splits=["train", "validation", "test"]
    )
    images = render_figures(numbers, schema)
    assert sorted(images) == sorted(f"{name}.png" for name, _ in FIGURES)
    assert all(png.startswith(b"\x89PNG") for png in images.values())


def test_stats_of_a_dataset_folder_outside_a_checkout(built, tmp_path, monkeypatch):
    """No checkout (no schema file), no --out: the figures go to build/figures of the
    current folder, and the committed figures are never overwritten."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    committed = {p.name: p.read_bytes() for p in (ROOT / FIGURES_DIR).iterdir()}
    monkeypatch.chdir(elsewhere)
    assert main(["stats", "--dataset", str(built)]) == 0
    drawn = sorted(p.name for p in (elsewhere / "build/figures").iterdir())
    assert drawn == sorted([f"{name}.png" for name, _ in FIGURES] + [NUMBERS_FILE])
    assert {p.name: p.read_bytes() for p in (ROOT / FIGURES_DIR).iterdir()} == committed
