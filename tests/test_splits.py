from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astana_corpus.core.errors import AstanaError
from astana_corpus.dataset.splits import (
    DEFAULT_SEED,
    SPLIT_NAMES,
    Move,
    SplitConfig,
    check_splits,
    compute_splits,
    first_seed_with_nonempty_splits,
    split_changes,
    split_of,
    write_splits,
)
from tests.conftest import ROOT

WORDS = [
    "سوريا",
    "روسيا",
    "محادثات",
    "أستانة",
    "الوفد",
    "اجتماع",
    "إدلب",
    "الهدنة",
    "قال",
    "أعلنت",
    "الجولة",
    "جنيف",
    "المعارضة",
    "النظام",
    "تركيا",
    "إيران",
    "اليوم",
    "أمس",
]


def story(rng_words: list[str]) -> str:
    return " ".join(rng_words)


def test_split_is_a_pure_function_of_key_and_seed():
    assert split_of("astana-0001", 7) == split_of("astana-0001", 7)
    counts = {"train": 0, "validation": 0, "test": 0}
    for n in range(2000):
        counts[split_of(f"k{n}", 1)] += 1
    assert 1500 < counts["train"] < 1700 and 120 < counts["validation"] < 280  # ≈ 80/10/10


def test_near_duplicates_share_a_group_and_a_split():
    base = " ".join(WORDS * 3)
    texts = {
        "astana-0001": base,
        "astana-0002": base.replace("أمس", "اليوم", 1),  # same story, one word changed
        "astana-0003": " ".join(reversed(WORDS)) + " مختلف تماما " * 5,
    }
    result = compute_splits(texts)
    assert result.groups["astana-0002"] == "astana-0001"
    assert result.assignment["astana-0001"] == result.assignment["astana-0002"]
    assert [p[:2] for p in result.near_duplicates] == [("astana-0001", "astana-0002")]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(WORDS), min_size=30, max_size=40), min_size=2, max_size=8),
    st.integers(1, 6),
)
def test_adding_documents_never_moves_existing_ones(stories, extra):
    texts = {f"astana-{n:04d}": story(words) + f" رقم {n}" for n, words in enumerate(stories)}
    before = compute_splits(texts, SplitConfig(seed=3)).assignment
    grown = dict(texts)
    for n in range(len(stories), len(stories) + extra):
        grown[f"astana-{n:04d}"] = " ".join(WORDS[n % 5 :] * 2) + f" جديد {n}"
    after = compute_splits(grown, SplitConfig(seed=3)).assignment
    for doc_id, split in before.items():
        assert after[doc_id] == split


def test_committed_seed_is_the_documented_rule():
    ids = [f"astana-{n:04d}" for n in range(1, 6)]
    assert first_seed_with_nonempty_splits(ids) == DEFAULT_SEED


def test_committed_splits_are_up_to_date(seed_documents):
    assert check_splits(ROOT, {d.id: d.text for d in seed_documents}) == []


def test_check_fails_when_lists_are_edited(project_root, seed_documents):
    texts = {d.id: d.text for d in seed_documents}
    write_splits(project_root, compute_splits(texts))
    assert check_splits(project_root, texts) == []
    train = project_root / "splits/train.txt"
    moved = train.read_text().splitlines()[0]
    train.write_text("".join(f"{x}\n" for x in train.read_text().splitlines()[1:]))
    (project_root / "splits/test.txt").write_text(
        (project_root / "splits/test.txt").read_text() + f"{moved}\n"
    )
    problems = check_splits(project_root, texts)
    assert any(moved in p for p in problems)
    assert any("sha256" in p for p in problems)


def test_migration_from_the_dev_split_of_release_0_1(tmp_path):
    """A 0.1 checkout (splits/dev.txt, manifest keys `dev`) is told what to do, and after
    the one rename A507 asks for, `astana split` rewrites the manifest without moving
    a document."""
    import json
    import shutil

    from astana_corpus.cli.main import main

    root = tmp_path / "project"
    for name in ("articles", "annotations", "splits"):
        shutil.copytree(ROOT / name, root / name)
    for name in ("dataset_card.md", "LICENSE"):
        shutil.copy(ROOT / name, root)
    committed = {n: (ROOT / "splits" / f"{n}.txt").read_text() for n in SPLIT_NAMES}
    manifest = root / "splits/manifest.json"
    data = json.loads(manifest.read_text())
    for key in ("ratios", "counts", "sha256"):
        data[key] = {("dev" if k == "validation" else k): v for k, v in data[key].items()}
    manifest.write_text(json.dumps(data))
    (root / "splits/validation.txt").rename(root / "splits/dev.txt")

    assert main(["--root", str(root), "split"]) == 1  # A507: rename the file first
    (root / "splits/dev.txt").rename(root / "splits/validation.txt")
    assert main(["--root", str(root), "split"]) == 0
    rewritten = json.loads(manifest.read_text())
    assert list(rewritten["ratios"]) == ["train", "validation", "test"]
    assert {n: (root / "splits" / f"{n}.txt").read_text() for n in SPLIT_NAMES} == committed
    assert main(["--root", str(root), "split", "--check"]) == 0


def quoting_project(project_root, seed_documents):
    """The committed articles and splits plus a new article that quotes one paragraph of
    astana-0001 (test) and one of astana-0004 (validation), in our own frame."""
    from astana_corpus.ingest.sources import register_articles

    for name in ("articles", "splits"):
        shutil.copytree(ROOT / name, project_root / name)
    by_id = {d.id: d.text.split("\n") for d in seed_documents}
    lines = [
        "نشرت وكالات الأنباء اليوم مقتطفات من تقارير سابقة عن جولات المحادثات في أستانة",
        by_id["astana-0001"][1],
        by_id["astana-0004"][3],
        "وتبقى الجولة المقبلة رهن التوافق بين الدول الضامنة على جدول الأعمال ومكان الانعقاد",
    ]
    (project_root / "articles/raw/900_quotes.txt").write_text("\n".join(lines) + "\n")
    (new,) = register_articles(project_root)
    return new.id


def test_split_refuses_to_move_a_committed_document(project_root, seed_documents, capsys):
    from astana_corpus import pipeline
    from astana_corpus.cli import main

    new = quoting_project(project_root, seed_documents)
    before = {p.name: p.read_bytes() for p in (project_root / "splits").iterdir()}
    with pytest.raises(AstanaError) as info:
        pipeline.split(project_root)
    assert info.value.code == "A520"
    assert "astana-0004: validation → test" in str(info.value)
    assert {p.name: p.read_bytes() for p in (project_root / "splits").iterdir()} == before
    capsys.readouterr()
    assert main(["--root", str(project_root), "split"]) == 1
    assert "[A520]" in capsys.readouterr().err

    assert main(["--root", str(project_root), "split", "--allow-moves"]) == 0
    out = capsys.readouterr().out
    assert "1 document moved, 1 added, 0 removed" in out
    assert "moved astana-0004: validation → test (joined group astana-0001" in out
    assert f"added {new}: test (group astana-0001)" in out
    outcome = pipeline.split(project_root)  # now committed: nothing moves
    assert outcome.changes.moves == [] and outcome.changes.added == []


def test_split_changes_name_the_group_joined():
    texts = {"a-1": "x", "a-2": "y"}
    result = compute_splits(texts, SplitConfig())
    result.groups["a-2"] = "a-1"
    result.assignment["a-2"] = result.assignment["a-1"]
    other = next(n for n in ("train", "validation", "test") if n != result.assignment["a-1"])
    changes = split_changes({other: ["a-2"]}, result)
    assert changes.moves == [
        Move("a-2", other, result.assignment["a-1"], "a-1", "joined group a-1")
    ]
    assert changes.added == ["a-1"] and changes.removed == []


def test_card_similarity_ranges_are_what_split_report_prints(tmp_path, capsys):
    """The card's pairwise Jaccard and containment ranges of the committed articles are the
    output of the command written next to them."""
    import json
    import re

    from astana_corpus.cli import main

    card = (ROOT / "dataset_card.md").read_text(encoding="utf-8")
    found = re.search(
        r"pairwise Jaccard (\d\.\d\d)–(\d\.\d\d),\s+containment (\d\.\d\d)–(\d\.\d\d), "
        r"no shared paragraph: `astana split --report pairs\.json`",
        card,
    )
    assert found, "the card's sentence on pairwise similarity changed"
    out = tmp_path / "pairs.json"
    assert main(["--root", str(ROOT), "split", "--report", str(out)]) == 0
    printed = capsys.readouterr().out
    report = json.loads(out.read_text(encoding="utf-8"))
    jaccard = [f"{x:.2f}" for x in report["jaccard_range"]]
    containment = [f"{x:.2f}" for x in report["containment_range"]]
    assert list(found.groups()) == jaccard + containment
    assert f"Jaccard {'–'.join(jaccard)}, containment {'–'.join(containment)}" in printed
    assert report["pairs_sharing_a_paragraph"] == 0 and len(report["pairs"]) == 10


def test_streamed_splits_equal_the_in_memory_ones(tmp_path, monkeypatch):
    """compute_splits_file over a documents file, read in many byte ranges by a pool of two
    workers, gives what compute_splits gives over the same texts held in a dict: groups,
    assignment, verified pairs in order, boilerplate (a repeated id: its last line)."""
    import json
    import random

    from astana_corpus.dataset import splits
    from tests.test_near_duplicates import SOURCE, STOCK, paragraph

    rng = random.Random(2)
    texts = {}
    for n in range(60):
        texts[f"astana-{n:04d}"] = "\n".join([paragraph(rng), STOCK, paragraph(rng)])
    texts["astana-0100"] = "\n".join(SOURCE)
    texts["astana-0101"] = "\n".join([*SOURCE[:7], paragraph(rng)])  # containment
    texts["astana-0102"] = "\n".join([SOURCE[2], paragraph(rng)])  # a shared paragraph
    texts["astana-0103"] = texts["astana-0007"].replace(STOCK, paragraph(rng, 12))
    lines = [{"id": i, "text": t} for i, t in sorted(texts.items(), reverse=True)]
    lines.insert(0, {"id": "astana-0100", "text": "نص قديم حل محله نص آخر"})  # replaced below
    path = tmp_path / "documents.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    monkeypatch.setattr(splits, "RANGE_BYTES", 3000)  # ~10 ranges: the pool runs
    streamed = splits.compute_splits_file(path, SplitConfig(), workers=2)
    held = compute_splits(texts, SplitConfig())
    assert streamed.groups == held.groups and streamed.assignment == held.assignment
    assert streamed.near_duplicates == held.near_duplicates
    assert {p.rule for p in held.near_duplicates} >= {"containment", "paragraph", "jaccard"}
    assert (streamed.boilerplate_count, streamed.boilerplate) == (1, held.boilerplate)


@pytest.mark.parametrize(
    ("bad", "code"), [(b"{not json", "A302"), (b'{"id": 3, "text": ""}', "A310")]
)
def test_a_bad_documents_line_is_named_by_its_line_number(tmp_path, bad, code):
    from astana_corpus.dataset.splits import compute_splits_file

    good = '{"id": "astana-0001", "text": "قال الوفد"}\n'.encode()
    path = tmp_path / "documents.jsonl"
    path.write_bytes(good * 3 + b"\n" + bad + b"\n" + good)
    with pytest.raises(AstanaError) as info:
        compute_splits_file(path, SplitConfig(), workers=1)
    assert info.value.code == code
    assert "documents.jsonl:5:" in str(info.value)
