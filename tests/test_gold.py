"""The committed gold: complete, exact offsets, clean boundaries, and reproducible from
the committed verbatim Doccano exports by `astana merge`."""

from __future__ import annotations

import re
import shutil

import pytest

from astana_corpus.annotate.merge import GOLD_FILE, merge
from astana_corpus.annotate.preannotate import read_gazetteer
from astana_corpus.core.errors import ValidationError
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
    """Round r3 (two annotators) merged with the committed resolutions gives gold, byte for
    byte; without the resolutions the merge refuses and names the disagreements."""
    shutil.copytree(ROOT / "annotations/doccano", project_root / "annotations/doccano")
    gazetteer = read_gazetteer(ROOT, SCHEMA)
    rounds = {g["annotation"]["round"] for g in GOLD}
    assert rounds == {"r3"}

    def run(**options):
        return merge(
            project_root,
            round_name="r3",
            documents=seed_documents,
            schema=SCHEMA,
            gazetteer=gazetteer,
            **options,
        )

    with pytest.raises(ValidationError, match=r"^\[A308\] round r3: 2 paragraph"):
        run()
    report = run(resolutions=ROOT / "annotations/resolutions/r3.jsonl")
    assert report.annotators == ["annotator1", "annotator2"]
    assert (report.paragraphs_agreed, report.disagreements, report.resolved) == (41, 2, 2)
    assert (project_root / GOLD_FILE).read_bytes() == (ROOT / GOLD_FILE).read_bytes()


def test_every_label_of_the_schema_has_an_example_in_the_guidelines():
    """Each label has its own bold entry in guidelines v2 with at least one example."""
    guidelines = (ROOT / "annotations/guidelines.md").read_text(encoding="utf-8")
    for name in SCHEMA.entity_names + SCHEMA.event_names:
        entry = guidelines.split(f"**{name}**", 1)
        assert len(entry) == 2, f"no **{name}** entry"
        paragraph = entry[1].split("\n\n", 1)[0]
        assert re.search("[\u0600-\u06ff]", paragraph), f"no Arabic example for {name}"


def test_guidelines_resolve_the_sixteen_points_with_constructed_examples():
    guidelines = (ROOT / "annotations/guidelines.md").read_text(encoding="utf-8")
    for n in range(1, 17):
        item = guidelines.split(f"**D{n} ", 1)
        assert len(item) == 2, f"decision D{n} missing"
        assert re.search("[\u0600-\u06ff]", item[1].split("**D", 1)[0]), f"D{n} has no example"
