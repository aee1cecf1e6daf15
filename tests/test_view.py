import re

from astana_corpus.core.gold import read_gold
from astana_corpus.core.paths import GOLD_FILE
from astana_corpus.core.records import GoldDocument, Prediction, Span
from astana_corpus.core.schema import read_schema
from astana_corpus.models.view import predictions_as_records, render_html
from tests.conftest import ROOT

SCHEMA = read_schema(ROOT)
GOLD = read_gold(ROOT / GOLD_FILE)


def test_every_gold_entity_is_marked_once_with_its_label():
    page = render_html(GOLD, SCHEMA, title="gold")
    assert '<html lang="ar" dir="rtl">' in page
    marks = re.findall(r"<mark [^>]*>(.*?)<sub>(\w+)</sub></mark>", page)
    assert len(marks) == sum(len(g.entities) for g in GOLD)
    expected = [
        (e.text, e.label) for g in GOLD for e in sorted(g.entities, key=lambda e: (e.start, e.end))
    ]
    assert marks == expected
    assert page.count('class="para"') == sum(len(g.paragraphs) for g in GOLD)


def test_text_is_escaped_and_predictions_render_with_gold_text():
    record = GoldDocument.from_dict(
        {
            "id": "x",
            "text": "<b>سوريا</b>",
            "text_sha256": "test",
            "entities": [
                {"start": 3, "end": 8, "label": "GPE", "text": "سوريا", "canonical_id": None}
            ],
            "events": [],
            "paragraphs": [{"index": 0, "start": 0, "end": 12, "events": []}],
            "annotation": {"round": "test", "annotators": [], "schema_version": "test"},
        }
    )
    page = render_html([record], SCHEMA, title="t")
    assert "&lt;b&gt;" in page and "<b>" not in page.split("</style>")[1]
    (rec,) = predictions_as_records(
        [Prediction("x", (Span(3, 8, "GPE"),), None, {0: ("AID",)})],
        {"x": record},
    )
    assert rec.paragraphs[0].events == ("AID",)
    assert "events: AID" in render_html([rec], SCHEMA, title="p")
