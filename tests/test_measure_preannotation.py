"""scripts/measure_preannotation.py on a small dev set written for this test (not real
pages): only body spans of annotated pages are scored, offsets shifted into the page."""

from __future__ import annotations

import importlib.util
import json

import pytest

from astana_corpus.annotate.preannotate import read_gazetteer
from astana_corpus.core.records import Span
from astana_corpus.core.schema import read_schema
from tests.conftest import ROOT

SCHEMA = read_schema(ROOT)


def load_script():
    spec = importlib.util.spec_from_file_location(
        "measure_preannotation", ROOT / "scripts" / "measure_preannotation.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FURNITURE = "شارك المقال"
BODY_1 = "وصل الوفد إلى دمشق أمس"
BODY_2 = "وقال المتحدث إن الجولة في أنقرة"
PAGE = f"{FURNITURE}\n{BODY_1}\n  {BODY_2}\n"


def write_devset(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p01.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "pages" / "p02.txt").write_text("دمشق", encoding="utf-8")
    b1 = len(f"{FURNITURE}\n")
    b2 = len(f"{FURNITURE}\n{BODY_1}\n  ")
    lines = [
        {"page": "p01", "line": 0, "start": 0, "text": FURNITURE, "label": "furniture",
         "class": "share", "body_start": None, "body_end": None},
        {"page": "p01", "line": 1, "start": b1, "text": BODY_1, "label": "body",
         "class": "body", "body_start": b1, "body_end": b1 + len(BODY_1)},
        {"page": "p01", "line": 2, "start": b2 - 2, "text": "  " + BODY_2, "label": "body",
         "class": "body", "body_start": b2, "body_end": b2 + len(BODY_2)},
    ]  # fmt: skip
    damascus = b1 + len("وصل الوفد إلى ")
    yesterday = b1 + len("وصل الوفد إلى دمشق ")
    ankara = b2 + len("وقال المتحدث إن الجولة في ")
    entities = [
        {"page": "p01", "start": damascus, "end": damascus + 4, "label": "GPE", "surface": ""},
        {"page": "p01", "start": yesterday, "end": yesterday + 3, "label": "DATE", "surface": ""},
        {"page": "p01", "start": ankara, "end": ankara + 5, "label": "ORG", "surface": ""},
    ]
    for name, rows in (("lines.jsonl", lines), ("entities.jsonl", entities)):
        (tmp_path / name).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    (tmp_path / "annotated_pages.txt").write_text("p01\n", encoding="utf-8")
    return damascus, ankara


def test_measure_scores_body_spans_of_annotated_pages(tmp_path):
    damascus, ankara = write_devset(tmp_path)
    script = load_script()
    scores = script.measure(tmp_path, read_gazetteer(ROOT, SCHEMA), list(SCHEMA.entity_names))
    assert scores["pages"] == ["p01"]  # p02 is not annotated: not scored
    overall = scores["labels"]["ALL"]
    # suggested: GPE دمشق, DATE أمس, OCC المتحدث, GPE أنقرة; gold has أنقرة as ORG (a miss)
    assert (overall["gold"], overall["predicted"], overall["correct"]) == (3, 4, 2)
    assert overall["precision"] == pytest.approx(2 / 4)
    assert scores["misses"] == [("p01", Span(ankara, ankara + 5, "ORG"), "أنقرة")]
    assert [(s.label, text, src) for _, s, text, src in scores["false_hits"]] == [
        ("OCC", "المتحدث", "rule:occ-title"),
        ("GPE", "أنقرة", "gazetteer:hand"),
    ]
    assert scores["sources"]["rule:date"]["correct"] == 1
    assert ("p01", Span(damascus, damascus + 4, "GPE")) not in {
        (p, s) for p, s, _ in scores["misses"]
    }


def test_body_spans_merge_and_skip_furniture():
    script = load_script()
    lines = [
        {"page": "p", "label": "body", "body_start": 0, "body_end": 5},
        {"page": "p", "label": "body", "body_start": 3, "body_end": 9},
        {"page": "p", "label": "furniture", "body_start": None, "body_end": None},
        {"page": "q", "label": "body", "body_start": 0, "body_end": 2},
    ]
    assert script.body_spans(lines, "p") == [(0, 9)]


def test_main_prints_the_overall_line(tmp_path, capsys):
    write_devset(tmp_path)
    assert load_script().main(["--devset", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "strict spans: P 0.500 R 0.667 F1 0.571" in out


def test_ablation_rebuilds_without_each_source(tmp_path, capsys):
    write_devset(tmp_path)
    assert load_script().main(["--devset", str(tmp_path), "--quiet", "--ablation"]) == 0
    out = capsys.readouterr().out
    # without the date rule, أمس is not found: 1 of 3 gold right, 3 suggested
    ablation = out.split("without each source")[1]
    (line,) = [x for x in ablation.splitlines() if x.startswith("rule:date ")]
    assert line.split()[1:4] == ["0.333", "0.333", "0.333"]
