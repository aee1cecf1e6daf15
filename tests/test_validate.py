"""Every check: one passing and one failing case asserting its code."""

from __future__ import annotations

import copy
import json

import pytest

from astana_corpus.core.io import sha256_text
from astana_corpus.core.records import GoldDocument
from astana_corpus.core.schema import read_schema
from astana_corpus.dataset.rows import paragraph_views
from astana_corpus.dataset.validate import (
    CODE_NAMES,
    check_annotated,
    check_arabic,
    check_bio,
    check_contamination,
    check_drift,
    check_entities_in_paragraphs,
    check_event_union,
    check_gold_documents_known,
    check_labels,
    check_labels_in_train,
    check_near_duplicates,
    check_offsets,
    check_overlaps,
    check_paragraphs,
    check_records,
    check_span_edges,
    check_splits_partition,
    check_text_hash,
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
        "text_sha256": sha256_text(text),
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
    assert set(CODE_NAMES) == {f"E{n:03d}" for n in range(1, 21)} | {"W001", "W002", "W003"}


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
    assert check_splits_partition({"train": ["a", "b"], "validation": ["c"], "test": []}, ids) == []
    both = check_splits_partition({"train": ["a", "b"], "validation": ["c", "a"], "test": []}, ids)
    assert codes(both) == ["E012"]
    gaps = check_splits_partition({"train": ["a", "x"], "validation": [], "test": []}, ids)
    assert codes(gaps) == ["E013"] and len(gaps) == 3  # b, c missing; x unknown


def test_e014_near_duplicates_across_splits():
    lists = {"train": ["a", "b"], "validation": ["c"], "test": []}
    assert check_near_duplicates(lists, [("a", "b", 0.9)]) == []
    assert codes(check_near_duplicates(lists, [("a", "c", 0.9)])) == ["E014"]


def test_e015_stale_splits_reported_through_validate():
    report = validate(
        documents=[DOC],
        gold=[GOOD],
        schema=SCHEMA,
        split_lists={"train": ["t-0001"], "validation": [], "test": []},
        split_problems=["splits/train.txt lacks ['t-0002']"],
    )
    assert codes(report.errors) == ["E015"]


def test_w001_label_missing_from_train():
    other = rec({**gold([("موسكو", "GPE")], doc=DOC), "id": "t-0002"})
    gold_by_id = {"t-0001": GOOD, "t-0002": other}
    fine = {"train": ["t-0001"], "validation": ["t-0002"], "test": []}
    assert check_labels_in_train(fine, gold_by_id) == []
    (issue,) = check_labels_in_train(
        {"train": ["t-0002"], "validation": ["t-0001"], "test": []}, gold_by_id
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
        split_lists={"train": ["t-0001"], "validation": [], "test": []},
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


def test_e016_entity_spanning_two_paragraphs():
    assert check_entities_in_paragraphs(GOOD) == []
    data = copy.deepcopy(GOOD_JSON)
    start = DOC.text.index("اليوم")
    end = DOC.text.index("الوفد") + len("الوفد")
    data["entities"] = [
        {
            "start": start,
            "end": end,
            "label": "DATE",
            "text": DOC.text[start:end],
            "canonical_id": None,
        }
    ]
    (issue,) = check_entities_in_paragraphs(rec(data))
    assert issue.code == "E016" and issue.offset == start and "[0, 1]" in issue.message
    report = validate(documents=[DOC], gold=[rec(data)], schema=SCHEMA, split_lists=None)
    assert "E016" in codes(report.errors)


def test_e017_document_events_are_the_union_of_paragraph_events():
    assert check_event_union(GOOD) == []
    data = copy.deepcopy(GOOD_JSON)
    data["events"] = ["STATEMENT", "TALKS_HELD"]
    assert codes(check_event_union(rec(data))) == ["E017"]
    data["events"] = []
    assert codes(check_event_union(rec(data))) == ["E017"]


def test_e018_text_sha256_matches_the_text():
    assert check_text_hash(GOOD) == []
    data = copy.deepcopy(GOOD_JSON)
    data["text_sha256"] = sha256_text(DOC.text + " ")
    (issue,) = check_text_hash(rec(data))
    assert issue.code == "E018" and issue.doc_id == DOC.id


@pytest.mark.parametrize(
    "damage",
    [
        lambda ps: ps.reverse(),  # indices out of order
        lambda ps: ps[1].update(start=ps[0]["start"]),  # overlapping
        lambda ps: ps[1].update(end=10_000),  # outside the text
        lambda ps: ps[0].update(end=ps[0]["start"]),  # empty
        lambda ps: ps.clear(),  # none at all
    ],
)
def test_e019_paragraphs_malformed(damage):
    assert check_paragraphs(GOOD) == []
    data = copy.deepcopy(GOOD_JSON)
    damage(data["paragraphs"])
    assert "E019" in codes(check_paragraphs(rec(data)))


def test_w003_document_without_arabic_letters():
    assert check_arabic([DOC]) == []
    latin = make_doc("t-0009", ["Talks in Astana resumed on Monday.", "No Arabic here."])
    (issue,) = check_arabic([latin])
    assert issue.code == "W003" and issue.severity == "warning" and issue.doc_id == "t-0009"
    report = validate(documents=[DOC, latin], gold=[GOOD], schema=SCHEMA, split_lists=None)
    assert not report.errors and "W003" in codes(report.warnings)


def test_check_records_is_the_record_level_part_of_validate():
    assert check_records([GOOD], SCHEMA) == []
    data = copy.deepcopy(GOOD_JSON)
    data["entities"][0]["label"] = "WEAPON"
    assert codes(check_records([rec(data)], SCHEMA)) == ["E008"]


# Our own sentences: one paragraph that two articles share (longer than 40 characters
# in the matching view) and their own paragraphs.
SHARED = "وأكد رئيس الوفد أن ملف المعتقلين سيبقى على رأس جدول الأعمال في الجولة المقبلة"
SHARED_EDITED = "وأكّد رئيس الوفـد ان ملف المعتقلين سيبقى على رأس جدول الأعمال في الجولة المقبلة"
OWN = [
    "افتتحت الجولة الجديدة من المحادثات صباح الاثنين في العاصمة الكازاخية",
    "وقالت مصادر إن الوفود ناقشت خرائط مناطق خفض التصعيد حتى ساعة متأخرة",
    "قصير",
    "ورحبت الأمم المتحدة بنتائج الاجتماع ودعت إلى البناء عليها في جنيف",
]


def test_e020_paragraph_in_two_splits():
    a = make_doc("c-0001", [OWN[0], SHARED])
    b = make_doc("c-0002", [SHARED_EDITED, OWN[1], OWN[2]])  # same after normalisation
    c = make_doc("c-0003", [OWN[3], OWN[2]])  # shares only the short "قصير" with c-0002
    apart = {"train": ["c-0001"], "validation": ["c-0002"], "test": ["c-0003"]}
    together = {"train": ["c-0001", "c-0002"], "validation": [], "test": ["c-0003"]}
    assert check_contamination(together, [a, b, c]) == []
    found = check_contamination(apart, [a, b, c])
    assert codes(found) == ["E020"] and found[0].doc_id == "c-0002"
    assert check_contamination(apart, [a, b, c], min_chars=90) == []  # SHARED is shorter


def test_e020_skips_boilerplate_and_still_fires_below_the_cap():
    """SHARED in four documents (more than the cap of 3) is boilerplate: no E020 across
    splits; with the cap at 4, or in two documents only, it is contamination."""
    docs = [make_doc(f"c-001{n}", [OWN[n], SHARED]) for n in range(4)]
    lists = {"train": ["c-0010", "c-0011"], "validation": ["c-0012"], "test": ["c-0013"]}
    assert check_contamination(lists, docs) == []
    assert codes(check_contamination(lists, docs, max_documents=4)) == ["E020"]
    two = {"train": ["c-0010"], "validation": [], "test": ["c-0013"]}
    found = check_contamination(two, [docs[0], docs[3]])
    assert codes(found) == ["E020"] and found[0].doc_id == "c-0013"
    # an unlisted document still counts towards the cap (the grouping sees it too)
    assert check_contamination(two, docs) == []


def test_cli_validate_fails_on_a_paragraph_in_two_splits(project_root):
    """A constructed project: two new articles share a paragraph; `astana split` puts them
    in one split (validate passes), moving one by hand fails with E020."""
    import shutil

    from astana_corpus.cli import main
    from astana_corpus.ingest.sources import register_articles

    for name in ("articles", "splits"):
        shutil.copytree(ROOT / name, project_root / name)
    shutil.copy(ROOT / "annotations/gold.jsonl", project_root / "annotations/gold.jsonl")
    raw = project_root / "articles/raw"
    (raw / "900_shared_a.txt").write_text(f"{OWN[0]}\n{SHARED}\n", encoding="utf-8")
    (raw / "901_shared_b.txt").write_text(f"{SHARED_EDITED}\n{OWN[1]}\n", encoding="utf-8")
    new = [m.id for m in register_articles(project_root)]
    assert main(["--root", str(project_root), "split"]) == 0
    report = project_root / "report.json"
    assert main(["--root", str(project_root), "validate", "--json", str(report)]) == 0
    lists = {n: (project_root / f"splits/{n}.txt").read_text().split() for n in SPLITS}
    home = next(n for n in SPLITS if new[0] in lists[n])
    assert new[1] in lists[home]
    elsewhere = next(n for n in SPLITS if n != home)
    lists[home].remove(new[1])
    lists[elsewhere].append(new[1])
    for n in SPLITS:
        (project_root / f"splits/{n}.txt").write_text("".join(f"{i}\n" for i in lists[n]))
    assert main(["--root", str(project_root), "validate", "--json", str(report)]) == 1
    counts = json.loads(report.read_text())["counts"]
    assert counts["E020"] == 1


SPLITS = ("train", "validation", "test")
