"""The committed gold: complete, exact offsets, clean boundaries, and reproducible from
the committed verbatim Doccano exports by `astana merge`."""

from __future__ import annotations

import shutil

import pytest

from astana_corpus.annotate.merge import GOLD_FILE, merge
from astana_corpus.annotate.preannotate import read_gazetteer
from astana_corpus.core.io import read_jsonl
from astana_corpus.core.schema import read_schema
from astana_corpus.core.spans import boundary_problem
from tests.conftest import ROOT

GOLD = list(read_jsonl(ROOT / GOLD_FILE))
SCHEMA = read_schema(ROOT)


def test_every_cleaned_paragraph_is_in_gold(seed_documents):
    assert sorted(g["id"] for g in GOLD) == sorted(d.id for d in seed_documents)
    by_id = {g["id"]: g for g in GOLD}
    for doc in seed_documents:
        gold = by_id[doc.id]
        assert gold["text"] == doc.text
        assert [(p["start"], p["end"]) for p in gold["paragraphs"]] == [
            (p.start, p.end) for p in doc.paragraphs
        ]


@pytest.mark.parametrize("record", GOLD, ids=[g["id"] for g in GOLD])
def test_entities_are_exact_and_clean(record):
    text = record["text"]
    previous_end = 0
    for e in record["entities"]:
        assert text[e["start"] : e["end"]] == e["text"]
        assert boundary_problem(text, e["start"], e["end"]) is None, e
        assert e["label"] in SCHEMA.entity_names
        assert e["start"] >= previous_end  # sorted, non-overlapping
        previous_end = e["end"]
    for p in record["paragraphs"]:
        assert set(p["events"]) <= set(SCHEMA.event_names)
    assert record["events"] == sorted({e for p in record["paragraphs"] for e in p["events"]})


def test_gold_is_what_merge_makes_of_the_committed_exports(project_root, seed_documents):
    shutil.copytree(ROOT / "annotations/doccano", project_root / "annotations/doccano")
    gazetteer = read_gazetteer(ROOT, SCHEMA)
    merge(
        project_root, round_name="r2", documents=seed_documents, schema=SCHEMA, gazetteer=gazetteer
    )
    assert (project_root / GOLD_FILE).read_bytes() == (ROOT / GOLD_FILE).read_bytes()
