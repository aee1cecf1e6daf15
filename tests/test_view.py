import json
from collections import Counter

import lxml.html
import pytest
import yaml

from astana_corpus.cli.main import main
from astana_corpus.core.errors import AstanaError
from astana_corpus.core.gold import read_gold
from astana_corpus.core.paths import GOLD_FILE, SCHEMA_FILE
from astana_corpus.core.records import GoldDocument, Prediction, Span
from astana_corpus.core.schema import read_schema
from astana_corpus.models.view import predictions_as_records, render_comparison, render_html
from astana_corpus.pipeline import view
from tests.conftest import ROOT

SCHEMA = read_schema(ROOT)
GOLD = read_gold(ROOT / GOLD_FILE)
# Gold as plain JSON, read here without the package's reader.
RAW_GOLD = [json.loads(line) for line in (ROOT / GOLD_FILE).read_text("utf-8").splitlines()]
RAW_SCHEMA = yaml.safe_load((ROOT / SCHEMA_FILE).read_text("utf-8"))


def wcag_contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast of two #rrggbb colours, written out here from the definition."""

    def lum(color):
        vals = []
        for k in range(3):
            c = int(color[1 + 2 * k : 3 + 2 * k], 16) / 255
            vals.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * vals[0] + 0.7152 * vals[1] + 0.0722 * vals[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def style_colors(element):
    style = dict(part.split(":", 1) for part in element.get("style").split(";") if ":" in part)
    return style["background"].strip(), style["color"].strip()


def mark_text(mark):
    """A mark's own text without its badge."""
    return "".join(
        t for t in mark.xpath(".//text()[not(ancestor::span[contains(@class, 'badge')])]")
    )


def test_every_gold_entity_is_marked_once_with_its_label_and_text():
    page = lxml.html.fromstring(render_html(GOLD, SCHEMA, title="gold"))
    assert page.get("lang") == "ar" and page.get("dir") == "rtl"
    marks = page.xpath("//mark[contains(@class, 'ent')]")
    expected = [
        (e["text"], e["label"])
        for g in sorted(RAW_GOLD, key=lambda g: g["id"])
        for e in sorted(g["entities"], key=lambda e: (e["start"], e["end"]))
    ]
    assert [(mark_text(m), m.get("data-label")) for m in marks] == expected
    badges = [m.xpath("./span[contains(@class, 'badge')]")[0].text_content() for m in marks]
    assert badges == [label for _, label in expected]
    assert len(page.xpath("//div[@class='para']")) == sum(len(g["paragraphs"]) for g in RAW_GOLD)
    for text in page.xpath("//p[@class='text']"):
        assert text.get("dir") == "rtl" and text.get("lang") == "ar"


def test_badges_of_every_schema_colour_reach_wcag_aa():
    page = lxml.html.fromstring(render_html(GOLD, SCHEMA, title="gold"))
    colours = {
        lb["name"]: lb["color"].lower() for lb in RAW_SCHEMA["entities"] + RAW_SCHEMA["events"]
    }
    seen = set()
    for badge in page.xpath("//span[contains(@class, 'badge')]"):
        background, text = style_colors(badge)
        assert background == colours[badge.get("data-label")]
        assert wcag_contrast(background, text) >= 4.5, (badge.get("data-label"), background)
        seen.add(badge.get("data-label"))
    assert seen == set(colours)  # the legend shows every label
    # The two labels that failed before (white on #3cb44b: 2.7, on #f032e6: 3.3).
    assert wcag_contrast("#3cb44b", "#ffffff") < 4.5 and wcag_contrast("#f032e6", "#ffffff") < 4.5


def test_legend_has_every_label_with_its_description():
    page = lxml.html.fromstring(render_html(GOLD, SCHEMA, title="gold"))
    legend = page.xpath("//section[@class='legend']")[0]
    assert legend.get("dir") == "ltr"
    items = {li.xpath("./span")[0].get("data-label"): li.text_content() for li in legend.iter("li")}
    for lb in RAW_SCHEMA["entities"] + RAW_SCHEMA["events"]:
        assert lb["description"] in items[lb["name"]]


def test_ids_and_labels_sit_in_ltr_lines_with_isolated_ids():
    page = lxml.html.fromstring(render_html(GOLD, SCHEMA, title="gold"))
    metas = page.xpath("//p[contains(@class, 'meta')]")
    assert len(metas) == sum(len(g["paragraphs"]) for g in RAW_GOLD)
    for meta, (_doc, par) in zip(
        metas,
        [(g, p) for g in sorted(RAW_GOLD, key=lambda g: g["id"]) for p in g["paragraphs"]],
        strict=True,
    ):
        assert meta.get("dir") == "ltr"
        assert meta.xpath("./bdi[@class='pid']")[0].text == f"p{par['index']}"
        shown = [b.get("data-label") for b in meta.xpath(".//span[contains(@class,'badge')]")]
        assert sorted(shown) == sorted(par["events"])
        if not par["events"]:
            assert meta.text_content().endswith("events: —")
    # Document events at the heading: the union of the paragraphs'.
    for heading, doc in zip(
        page.xpath("//h2[@class='doc']"), sorted(RAW_GOLD, key=lambda g: g["id"]), strict=True
    ):
        assert heading.get("dir") == "ltr"
        assert heading.xpath("./bdi")[0].text == doc["id"]
        shown = {b.get("data-label") for b in heading.xpath(".//span[contains(@class,'badge')]")}
        assert shown == {e for p in doc["paragraphs"] for e in p["events"]}


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
    assert rec.paragraphs[0].events == ("AID",) and rec.events == ("AID",)
    meta = lxml.html.fromstring(render_html([rec], SCHEMA, title="p")).xpath("//p[@dir='ltr']")
    assert meta[-1].text_content().replace("\xa0", " ").strip() == "p0 · events: AID"


def _clitic_record():
    """ "وصل الوفد إلى لأستانة، ثم غادر." with "أستانة" after the proclitic ل."""
    text = "وصل الوفد إلى لأستانة، ثم غادر."
    start = len("وصل الوفد إلى ل")
    return GoldDocument.from_dict(
        {
            "id": "c",
            "text": text,
            "text_sha256": "test",
            "entities": [
                {
                    "start": start,
                    "end": start + len("أستانة"),
                    "label": "GPE",
                    "text": "أستانة",
                    "canonical_id": None,
                }
            ],
            "events": ["TALKS_HELD"],
            "paragraphs": [{"index": 0, "start": 0, "end": len(text), "events": ["TALKS_HELD"]}],
            "annotation": {"round": "test", "annotators": [], "schema_version": "test"},
        }
    )


def test_comparison_nests_a_false_alarm_over_a_miss():
    record = _clitic_record()
    start = len("وصل الوفد إلى ")  # the prediction takes the proclitic too
    end = start + len("لأستانة")
    pred = Prediction("c", (Span(start, end, "GPE"),), None, {0: ("TALKS_HELD", "AID")})
    page = lxml.html.fromstring(render_comparison([record], {"c": pred}, SCHEMA, title="c"))
    marks = page.xpath("//p[@class='text']//mark")
    by_status = {m.get("data-status"): m for m in marks}
    assert set(by_status) == {"miss", "false-alarm"}
    # The miss ("أستانة") sits inside the false alarm's second piece.
    assert mark_text(by_status["miss"]) == "أستانة"
    fa_pieces = [m for m in marks if m.get("data-status") == "false-alarm"]
    assert "".join(mark_text(m) for m in fa_pieces) == "لأستانة"
    assert by_status["miss"].getparent() is fa_pieces[-1]
    counts = {s.get("data-count"): int(s.text) for s in page.xpath("//span[@data-count]")}
    assert counts == {
        "entity-match": 0,
        "entity-miss": 1,
        "entity-false-alarm": 1,
        "event-match": 1,
        "event-miss": 0,
        "event-false-alarm": 1,
    }
    ev = page.xpath("//p[contains(@class,'meta')]//span[contains(@class,'badge')]")
    assert {(b.get("data-label"), b.get("class").split()[-1]) for b in ev} == {
        ("TALKS_HELD", "match"),
        ("AID", "false-alarm"),
    }
    for mark in page.xpath("//mark"):
        assert wcag_contrast(*style_colors(mark)) >= 4.5


def _perturbed_predictions(doc):
    """From one raw gold document: drop its first entity, shift the second's start by one
    character, relabel the third, add a two-character PER span at the text's start, and in
    paragraph 0 drop the first event label and add PROTEST. Returns the prediction line
    and the expected counts, worked out from these edits."""
    ents = sorted(doc["entities"], key=lambda e: (e["start"], e["end"]))
    shifted = dict(ents[1], start=ents[1]["start"] + 1)
    relabelled = dict(ents[2], label="ORG" if ents[2]["label"] != "ORG" else "GPE")
    extra = {"start": 0, "end": 2, "label": "PER"}
    assert all((e["start"], e["end"]) != (0, 2) for e in ents)
    entities = [shifted, relabelled, extra, *ents[3:]]
    paragraphs = [{"index": p["index"], "events": list(p["events"])} for p in doc["paragraphs"]]
    assert paragraphs[0]["events"] and "PROTEST" not in paragraphs[0]["events"]
    paragraphs[0]["events"] = [*paragraphs[0]["events"][1:], "PROTEST"]
    line = {
        "id": doc["id"],
        "entities": [{k: e[k] for k in ("start", "end", "label")} for e in entities],
        "events": sorted({e for p in paragraphs for e in p["events"]}),
        "paragraphs": paragraphs,
    }
    n_events = sum(len(p["events"]) for p in doc["paragraphs"])
    expected = {
        "entity-match": len(ents) - 3,
        "entity-miss": 3,
        "entity-false-alarm": 3,
        "event-match": n_events - 1,
        "event-miss": 1,
        "event-false-alarm": 1,
    }
    return line, expected


def comparison_page(tmp_path):
    """`astana view --compare` of the first gold document's perturbed predictions: the
    page and the counts the perturbation implies."""
    doc = min(RAW_GOLD, key=lambda g: g["id"])
    line, expected = _perturbed_predictions(doc)
    predictions = tmp_path / "pred.jsonl"
    predictions.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "compare.html"
    args = ["--root", str(ROOT), "view", "--predictions", str(predictions), "--compare"]
    assert main([*args, "--out", str(out)]) == 0
    return out, expected


def test_cli_compare_counts_per_document(tmp_path, capsys):
    out, expected = comparison_page(tmp_path)
    assert "(1 document)" in capsys.readouterr().out
    page = lxml.html.fromstring(out.read_text("utf-8"))
    counts = {s.get("data-count"): int(s.text) for s in page.xpath("//span[@data-count]")}
    assert counts == expected
    # One badge per span, whatever the number of pieces of its mark.
    badges = Counter(
        b.getparent().get("data-status") for b in page.xpath("//mark/span[contains(@class,'ent')]")
    )
    assert badges == {
        "match": expected["entity-match"],
        "miss": expected["entity-miss"],
        "false-alarm": expected["entity-false-alarm"],
    }
    assert len(page.xpath("//section[@class='document']")) == 1


def test_compare_without_predictions_is_refused(tmp_path):
    with pytest.raises(AstanaError) as exc:
        view(ROOT, out=tmp_path / "v.html", compare=True)
    assert exc.value.code == "A642"
    assert main(["--root", str(ROOT), "view", "--compare", "--out", str(tmp_path / "v")]) == 1


def test_view_refuses_iob2_predictions_without_naming_an_option_it_lacks(tmp_path, capsys):
    predictions = tmp_path / "tags.jsonl"
    predictions.write_text('{"id": "astana-0001-p000", "ner_tags": ["O"]}\n', encoding="utf-8")
    args = ["--root", str(ROOT), "view", "--predictions", str(predictions)]
    assert main([*args, "--out", str(tmp_path / "v.html")]) == 1
    err = capsys.readouterr().err
    assert "[A624]" in err and "reads documents-shaped lines only" in err
    assert "--format" not in err.split(";")[0]
