"""Every check: one passing and one failing case asserting its code."""

from __future__ import annotations

import copy

import pytest

from astana_corpus.core.records import GoldDocument
from astana_corpus.core.schema import read_schema
from astana_corpus.dataset.rows import paragraph_views
from astana_corpus.dataset.validate import (
    CODE_NAMES,
    check_annotated,
    check_bio,
    check_drift,
    check_gold_documents_known,
    check_labels,
    check_labels_in_train,
    check_near_duplicates,
    check_offsets,
    check_overlaps,
    check_span_edges,
    check_splits_partition,
    check_token_alignment,
    check_tokens,
    check_unique_ids,
    validate,
)
from tests.conftest import ROOT
from tests.test_doccano import make_doc

SCHEMA = read_schema(ROOT)
DOC = make_doc("t-0001", ["قال بوتين في موسكو، اليوم.", "وصل الوفد بسوريا وروسيا."])


def gold(entities=(), events=("STATEMENT",), doc=DOC):
    """A gold record's JSON; entities as (surface, label, occurrence) found in the text."""
    text = doc.text
    ents = []
    for surface, label, *rest in entities:
        start = -1
        for _ in range((rest or [1])[0]):
            start = text.index(surface, start + 1)
        ents.append(
            {
                "start": start,
                "end": start + len(surface),
                "label": label,
                "text": surface,
                "canonical_id": None,
            }
        )
    return {
        "id": doc.id,
        "text": text,
        "text_sha256": "",
        "entities": ents,
        "events": sorted(events),
        "paragraphs": [
            {
                "index": p.index,
                "start": p.start,
                "end": p.end,
                "events": sorted(events) if p.index == 0 else [],
            }
            for p in doc.paragraphs
        ],
        "annotation": {"round": "r1", "annotators": ["a"], "schema_version": "1.0"},
    }


def rec(data):
    return GoldDocument.from_dict(data)


def views_of(data):
    record = rec(data)
    return record, paragraph_views(record)


GOOD_JSON = gold([("بوتين", "PER"), ("موسكو", "GPE"), ("سوريا", "GPE"), ("روسيا", "GPE")])
GOOD = rec(GOOD_JSON)


def codes(issues):
    return sorted({i.code for i in issues})


def test_catalogue_lists_every_code_tested_here():
    assert set(CODE_NAMES) == {f"E{n:03d}" for n in range(1, 16)} | {"W001", "W002"}


def test_e001_unique_ids():
    assert check_unique_ids(["a", "b"], what="x") == []
    assert codes(check_unique_ids(["a", "b", "a"], what="x")) == ["E001"]


def test_e002_gold_document_known():
    assert check_gold_documents_known([GOOD], {DOC.id: DOC}) == []
    assert codes(check_gold_documents_known([GOOD], {})) == ["E002"]


def test_e003_drift_names_offset():
    assert check_drift([GOOD], {DOC.id: DOC}) == []
    drifted = make_doc("t-0001", ["قال بوتين في موسكو، أمس.", "وصل الوفد بسوريا وروسيا."])
    (issue,) = check_drift([GOOD], {DOC.id: drifted})
    assert issue.code == "E003" and issue.offset == len("قال بوتين في موسكو، ")
    moved = copy.deepcopy(GOOD_JSON)
    moved["paragraphs"][1]["start"] += 1
    assert codes(check_drift([rec(moved)], {DOC.id: DOC})) == ["E003"]


def test_e004_e005_offsets_and_text():
    assert check_offsets(GOOD) == []
    bad = copy.deepcopy(GOOD_JSON)
    bad["entities"][0]["end"] = len(DOC.text) + 5
    bad["entities"][1]["text"] = "دمشق"
    assert codes(check_offsets(rec(bad))) == ["E004", "E005"]


def test_e006_span_edges():
    assert check_span_edges(GOOD) == []
    bad = rec(gold([("موسكو،", "GPE")]))
    (issue,) = check_span_edges(bad)
    assert issue.code == "E006" and issue.offset == DOC.text.index("موسكو")


def test_e007_overlaps():
    assert check_overlaps(GOOD) == []
    bad = rec(gold([("بوتين في", "PER"), ("في موسكو", "GPE")]))
    assert codes(check_overlaps(bad)) == ["E007"]


def test_e008_e009_labels():
    assert check_labels(GOOD, SCHEMA) == []
    bad = rec(gold([("بوتين", "PERSON")], events=("MEETING",)))
    assert codes(check_labels(bad, SCHEMA)) == ["E008", "E009"]


def test_e010_token_alignment_allows_proclitics_only():
    assert check_token_alignment(*views_of(GOOD_JSON)) == []  # "سوريا" after ب, "روسيا" after و
    (issue,) = check_token_alignment(*views_of(gold([("وريا", "GPE")])))  # after "بس"
    assert issue.code == "E010" and "not a proclitic sequence" in issue.message
    assert codes(check_token_alignment(*views_of(gold([("بوت", "PER")])))) == ["E010"]


def test_e010_uses_the_tokens_of_the_tokens_config():
    """The tokenizer splits "أستانة7" into "أستانة" | "7", so a GPE "أستانة" in it is valid."""
    doc = make_doc("t-0003", ["انطلق مؤتمر أستانة7 اليوم."])
    record, views = views_of(gold([("أستانة", "GPE")], doc=doc))
    assert [t.text for t in views[0].tokens][2:4] == ["أستانة", "7"]
    assert check_token_alignment(record, views) == []
    assert check_tokens(record, views) == []


def test_e011_bio_and_token_conflicts():
    assert check_bio("d", ["B-PER", "I-PER", "O", "B-GPE"]) == []
    assert codes(check_bio("d", ["O", "I-PER"])) == ["E011"]
    assert codes(check_bio("d", ["B-PER", "I-GPE"])) == ["E011"]
    assert check_tokens(*views_of(GOOD_JSON)) == []
    # Two spans inside one token ("بسوريا" → ب + سوريا): the token cannot carry both.
    shared = gold([("سوريا", "GPE")])
    shared["entities"].insert(
        0,
        {
            "start": DOC.text.index("بسوريا"),
            "end": DOC.text.index("بسوريا") + 1,
            "label": "ORG",
            "text": "ب",
            "canonical_id": None,
        },
    )
    assert codes(check_tokens(*views_of(shared))) == ["E011"]


def test_e012_e013_split_partition():
    ids = ["a", "b", "c"]
    assert check_splits_partition({"train": ["a", "b"], "dev": ["c"], "test": []}, ids) == []
    both = check_splits_partition({"train": ["a", "b"], "dev": ["c", "a"], "test": []}, ids)
    assert codes(both) == ["E012"]
    gaps = check_splits_partition({"train": ["a", "x"], "dev": [], "test": []}, ids)
    assert codes(gaps) == ["E013"] and len(gaps) == 3  # b, c missing; x unknown


def test_e014_near_duplicates_across_splits():
    lists = {"train": ["a", "b"], "dev": ["c"], "test": []}
    assert check_near_duplicates(lists, [("a", "b", 0.9)]) == []
    assert codes(check_near_duplicates(lists, [("a", "c", 0.9)])) == ["E014"]


def test_e015_stale_splits_reported_through_validate():
    report = validate(
        documents=[DOC],
        gold=[GOOD],
        schema=SCHEMA,
        split_lists={"train": ["t-0001"], "dev": [], "test": []},
        split_problems=["splits/train.txt lacks ['t-0002']"],
    )
    assert codes(report.errors) == ["E015"]


def test_w001_label_missing_from_train():
    other = rec({**gold([("موسكو", "GPE")], doc=DOC), "id": "t-0002"})
    gold_by_id = {"t-0001": GOOD, "t-0002": other}
    fine = {"train": ["t-0001"], "dev": ["t-0002"], "test": []}
    assert check_labels_in_train(fine, gold_by_id) == []
    (issue,) = check_labels_in_train(
        {"train": ["t-0002"], "dev": ["t-0001"], "test": []}, gold_by_id
    )
    assert issue.code == "W001" and "PER" in issue.message


def test_w002_not_annotated():
    assert check_annotated({DOC.id: DOC}, {DOC.id: GOOD}) == []
    assert codes(check_annotated({DOC.id: DOC}, {})) == ["W002"]


def test_clean_record_passes_everything():
    report = validate(
        documents=[DOC],
        gold=[GOOD],
        schema=SCHEMA,
        split_lists={"train": ["t-0001"], "dev": [], "test": []},
    )
    assert report.issues == []


def test_committed_data_passes(capsys):
    from astana_corpus.cli import main

    assert main(["--root", str(ROOT), "validate"]) == 0
    out = capsys.readouterr().out
    assert "passed: 0 errors" in out


@pytest.mark.parametrize("damage", ["label", "offset"])
def test_cli_validate_exits_1_on_errors(project_root, damage, capsys):
    import shutil

    from astana_corpus.cli import main
    from astana_corpus.core.io import read_jsonl, write_jsonl

    for name in ("articles", "splits"):
        shutil.copytree(ROOT / name, project_root / name)
    records = list(read_jsonl(ROOT / "annotations/gold.jsonl"))
    if damage == "label":
        records[0]["entities"][0]["label"] = "WEAPON"
    else:
        records[0]["entities"][0]["start"] += 1
    write_jsonl(project_root / "annotations/gold.jsonl", records)
    json_path = project_root / "report.json"
    assert main(["--root", str(project_root), "validate", "--json", str(json_path)]) == 1
    assert '"ok": false' in json_path.read_text()
    assert "FAILED" in capsys.readouterr().out
