import re

from astana_corpus.io import read_jsonl
from astana_corpus.schema import read_schema
from astana_corpus.view import predictions_as_records, render_html
from tests.conftest import ROOT

SCHEMA = read_schema(ROOT)
GOLD = list(read_jsonl(ROOT / "annotations/gold.jsonl"))


def test_every_gold_entity_is_marked_once_with_its_label():
    page = render_html(GOLD, SCHEMA, title="gold")
    assert '<html lang="ar" dir="rtl">' in page
    marks = re.findall(r"<mark [^>]*>(.*?)<sub>(\w+)</sub></mark>", page)
    assert len(marks) == sum(len(g["entities"]) for g in GOLD)
    expected = [
        (e["text"], e["label"])
        for g in GOLD
        for e in sorted(g["entities"], key=lambda e: (e["start"], e["end"]))
    ]
    assert marks == expected
    assert page.count('class="para"') == sum(len(g["paragraphs"]) for g in GOLD)


def test_text_is_escaped_and_predictions_render_with_gold_text():
    record = {
        "id": "x",
        "text": "<b>سوريا</b>",
        "entities": [{"start": 3, "end": 8, "label": "GPE"}],
        "paragraphs": [{"index": 0, "start": 0, "end": 12, "events": []}],
    }
    page = render_html([record], SCHEMA, title="t")
    assert "&lt;b&gt;" in page and "<b>" not in page.split("</style>")[1]
    (rec,) = predictions_as_records(
        [
            {
                "id": "x",
                "entities": record["entities"],
                "paragraphs": [{"index": 0, "events": ["AID"]}],
            }
        ],
        {"x": record},
    )
    assert rec["paragraphs"][0]["events"] == ["AID"]
    assert "events: AID" in render_html([rec], SCHEMA, title="p")
