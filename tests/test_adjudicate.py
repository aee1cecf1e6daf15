"""Merge on fabricated verbatim exports (the server round trip is in test_doccano)."""

from __future__ import annotations

import json
import shutil

import pytest

from astana_corpus.annotate.merge import merge
from astana_corpus.core.errors import ValidationError
from astana_corpus.core.io import read_jsonl
from astana_corpus.core.schema import read_schema
from astana_corpus.ingest.documents import iter_articles
from astana_corpus.ingest.sources import register_articles
from tests.conftest import ROOT
from tests.test_doccano import make_doc

SCHEMA = read_schema(ROOT)
DOC = make_doc("test-0001", ["وصل الوفد إلى أستانة", "وقال بوتين إن روسيا تدعم الحوار."])
OTHER = make_doc("test-0002", ["عنوان", "نص ثان عن جنيف."])


def line(doc, index, entities=(), cats=()):
    text = doc.paragraph_text(index)
    spans = [[text.index(w), text.index(w) + len(w), label] for w, label in entities]
    return {
        "id": index,
        "text": text,
        "doc_id": doc.id,
        "paragraph_index": index,
        "entities": spans,
        "cats": list(cats),
        "Comments": [],
    }


def write_round(root, name, files):
    for sub in ("", "confirmed/"):
        for user, lines in files.items():
            path = root / f"annotations/doccano/{name}/{sub}{user}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8"
            )


def test_single_annotator_taken_as_is(project_root):
    write_round(
        project_root,
        "r1",
        {
            "ann": [
                line(DOC, 0, [("أستانة", "GPE")], ["TALKS_HELD"]),
                line(DOC, 1, [("بوتين", "PER"), ("روسيا", "GPE")], ["STATEMENT"]),
                line(OTHER, 0),  # OTHER paragraph 1 missing → not in gold
            ]
        },
    )
    report = merge(project_root, round_name="r1", documents=[DOC, OTHER], schema=SCHEMA)
    assert report.documents_written == ["test-0001"]
    assert report.documents_incomplete == {"test-0002": [1]}
    (gold,) = read_jsonl(project_root / "annotations/gold.jsonl")
    assert [(e["text"], e["label"]) for e in gold["entities"]] == [
        ("أستانة", "GPE"),
        ("بوتين", "PER"),
        ("روسيا", "GPE"),
    ]
    assert gold["events"] == ["STATEMENT", "TALKS_HELD"]
    assert [p["events"] for p in gold["paragraphs"]] == [["TALKS_HELD"], ["STATEMENT"]]
    assert gold["annotation"] == {"round": "r1", "annotators": ["ann"], "schema_version": "1.0"}


def test_disagreement_resolved_by_file_and_earlier_gold_kept(project_root):
    write_round(project_root, "r1", {"ann": [line(OTHER, 0), line(OTHER, 1, [("جنيف", "GPE")])]})
    merge(project_root, round_name="r1", documents=[DOC, OTHER], schema=SCHEMA)
    write_round(
        project_root,
        "r2",
        {
            "a": [line(DOC, 0, [("أستانة", "GPE")]), line(DOC, 1, [("بوتين", "PER")])],
            "b": [line(DOC, 0, [("أستانة", "GPE")]), line(DOC, 1, [("بوتين", "ORG")])],
        },
    )
    with pytest.raises(ValidationError, match=r"^\[A308\] round r2: 1 paragraph"):
        merge(project_root, round_name="r2", documents=[DOC, OTHER], schema=SCHEMA)
    (item,) = read_jsonl(project_root / "annotations/review/r2.jsonl")
    assert item["agreed_entities"] == []
    start = DOC.text.index("بوتين")
    resolution = project_root / "resolved.jsonl"
    resolution.write_text(
        json.dumps(
            {
                "doc_id": "test-0001",
                "paragraph_index": 1,
                "entities": [{"start": start, "end": start + 5, "label": "PER"}],
                "events": ["STATEMENT"],
                "reason": "a named person, as annotator a had it",
            }
        )
        + "\n"
    )
    report = merge(
        project_root, round_name="r2", documents=[DOC, OTHER], schema=SCHEMA, resolutions=resolution
    )
    assert (report.disagreements, report.resolved) == (1, 1)
    assert report.documents_kept_from_earlier == ["test-0002"]
    assert not (project_root / "annotations/review/r2.jsonl").exists()
    gold = {r["id"]: r for r in read_jsonl(project_root / "annotations/gold.jsonl")}
    assert sorted(gold) == ["test-0001", "test-0002"]
    assert [e["label"] for e in gold["test-0001"]["entities"]] == ["GPE", "PER"]


def test_resolution_with_unknown_label_is_refused(project_root):
    write_round(project_root, "r1", {"a": [line(DOC, 0)], "b": [line(DOC, 0, cats=["AID"])]})
    bad = project_root / "bad.jsonl"
    bad.write_text(
        '{"doc_id": "test-0001", "paragraph_index": 0, "events": ["WAR"], "reason": "x"}\n'
    )
    with pytest.raises(ValidationError, match=r"bad\.jsonl:1: ") as exc:
        merge(project_root, round_name="r1", documents=[DOC], schema=SCHEMA, resolutions=bad)
    assert exc.value.code == "A305" and "WAR" in str(exc.value)


def test_resolution_with_several_entities(project_root):
    """Regression: a resolution listing two or more entities was refused (unorderable spans)."""
    write_round(
        project_root,
        "r1",
        {
            "a": [line(DOC, 0, [("أستانة", "GPE")]), line(DOC, 1, [("بوتين", "PER")])],
            "b": [line(DOC, 0, [("أستانة", "GPE")]), line(DOC, 1, [("روسيا", "GPE")])],
        },
    )
    text = DOC.text
    chosen = [("روسيا", "GPE"), ("بوتين", "PER")]  # not in text order on purpose
    resolution = project_root / "resolved.jsonl"
    resolution.write_text(
        json.dumps(
            {
                "doc_id": "test-0001",
                "paragraph_index": 1,
                "entities": [
                    {"start": text.index(w), "end": text.index(w) + len(w), "label": lb}
                    for w, lb in chosen
                ],
                "events": ["STATEMENT"],
                "reason": "both names are entities",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    report = merge(
        project_root, round_name="r1", documents=[DOC], schema=SCHEMA, resolutions=resolution
    )
    assert (report.disagreements, report.resolved) == (1, 1)
    assert report.resolved_as == {"neither": 1}
    (gold,) = read_jsonl(project_root / "annotations/gold.jsonl")
    assert [(e["text"], e["label"]) for e in gold["entities"]] == [
        ("أستانة", "GPE"),
        ("بوتين", "PER"),
        ("روسيا", "GPE"),
    ]


def test_no_confirmed_annotations_is_an_error(project_root):
    write_round(project_root, "r1", {"a": []})
    with pytest.raises(ValidationError, match=r"^\[A306\]"):
        merge(project_root, round_name="r1", documents=[DOC], schema=SCHEMA)


def test_cli_merge_attaches_canonical_ids(project_root):
    from astana_corpus.cli import main

    shutil.copy(ROOT / "annotations/gazetteer.yaml", project_root / "annotations")
    (project_root / "articles/raw").mkdir(parents=True)
    raw = project_root / "articles/raw/a.txt"
    raw.write_text("وصل الوفد إلى أستانا\nوقال بوتين إن روسيا تدعم أستانا-7.\n", encoding="utf-8")
    register_articles(project_root)
    (doc,) = iter_articles(project_root)
    write_round(
        project_root,
        "r1",
        {
            "ann": [
                line(doc, 0, [("أستانا", "GPE")]),
                line(doc, 1, [("بوتين", "PER"), ("روسيا", "GPE"), ("أستانا-7", "EVENT")]),
            ]
        },
    )
    assert main(["--root", str(project_root), "merge", "--round", "r1"]) == 0
    (gold,) = read_jsonl(project_root / "annotations/gold.jsonl")
    assert [e["canonical_id"] for e in gold["entities"]] == [
        "gpe:astana",
        "per:vladimir-putin",
        "gpe:russia",
        "event:astana-round-7",
    ]


def test_resolutions_need_a_reason_and_one_line_per_paragraph(project_root):
    write_round(project_root, "r1", {"a": [line(DOC, 0)], "b": [line(DOC, 0, cats=["AID"])]})
    path = project_root / "res.jsonl"
    item = {"doc_id": "test-0001", "paragraph_index": 0, "events": ["AID"]}
    for lines, needle in (([item], "reason"), ([{**item, "reason": "x"}] * 2, "twice")):
        path.write_text("".join(json.dumps(x) + "\n" for x in lines))
        with pytest.raises(ValidationError, match=rf"^\[A305\] .*res\.jsonl:\d: .*{needle}"):
            merge(project_root, round_name="r1", documents=[DOC], schema=SCHEMA, resolutions=path)


def test_resolved_as_counts_whose_version_was_chosen(project_root):
    write_round(
        project_root,
        "r1",
        {
            "a": [line(DOC, 0, cats=["AID"]), line(DOC, 1, cats=["STATEMENT"])],
            "b": [line(DOC, 0), line(DOC, 1)],
        },
    )
    path = project_root / "res.jsonl"
    chosen = [(0, ["AID"]), (1, [])]  # a's version of p0, b's version of p1
    path.write_text(
        "".join(
            json.dumps({"doc_id": "test-0001", "paragraph_index": i, "events": ev, "reason": "r"})
            + "\n"
            for i, ev in chosen
        )
    )
    report = merge(
        project_root, round_name="r1", documents=[DOC], schema=SCHEMA, resolutions=path, write=False
    )
    assert report.resolved_as == {"a": 1, "b": 1}
    assert not (project_root / "annotations/gold.jsonl").exists()
