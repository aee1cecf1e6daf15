"""Evaluation: hand-computed cases, cross-checks with nervaluate and seqeval, errors."""

from __future__ import annotations

import dataclasses
import json

import pytest

from astana_corpus.core.errors import InputFormatError
from astana_corpus.core.records import GoldDocument, Prediction, Span
from astana_corpus.core.schema import read_schema
from astana_corpus.core.tokens import iob2_tags, tokenize
from astana_corpus.models.evaluate import evaluate, read_predictions, score_label_sets
from astana_corpus.pipeline import gold_for_split
from tests.conftest import ROOT

SCHEMA = read_schema(ROOT)
TEXT = "قال بوتين إن الوفد وصل إلى بسوريا يوم غد الاثنين في أستانة."


def span(surface: str, label: str, text: str = TEXT) -> dict:
    start = text.index(surface)
    return {"start": start, "end": start + len(surface), "label": label}


def gold_record(entities, text=TEXT, paragraph_events=((),)) -> GoldDocument:
    paragraphs, offset = [], 0
    for index, events in enumerate(paragraph_events):
        paragraphs.append(
            {"index": index, "start": offset, "end": len(text), "events": list(events)}
        )
    return GoldDocument.from_dict(
        {
            "id": "t-1",
            "text": text,
            "text_sha256": "test",
            "entities": [
                {**e, "text": text[e["start"] : e["end"]], "canonical_id": None} for e in entities
            ],
            "events": sorted({e for evs in paragraph_events for e in evs}),
            "paragraphs": paragraphs,
            "annotation": {"round": "test", "annotators": [], "schema_version": "test"},
        }
    )


def predict(entities, events=None, paragraphs=None):
    return {
        "t-1": Prediction(
            "t-1",
            tuple(Span(e["start"], e["end"], e["label"]) for e in entities),
            events,
            paragraphs or {},
        )
    }


GOLD = {
    "t-1": gold_record([span("بوتين", "PER"), span("الوفد", "ORG"), span("يوم غد الاثنين", "DATE")])
}
PRED = predict(
    [
        span("بوتين", "PER"),  # correct
        span("الوفد", "NORP"),  # same boundaries, wrong type
        span("يوم غد", "DATE"),  # overlap, right type
        span("أستانة", "GPE"),  # spurious
    ]
)


def test_hand_computed_schemes():
    result = evaluate(GOLD, PRED, SCHEMA)["entities"]
    # POS = 3, ACT = 4.
    expected = {
        "strict": (1 / 4, 1 / 3),  # COR 1, INC 2, SPU 1
        "exact": (2 / 4, 2 / 3),  # COR 2 (PER, the ORG/NORP bounds), INC 1 (DATE), SPU 1
        "partial": (2.5 / 4, 2.5 / 3),  # COR 2, PAR 1, SPU 1
        "type": (2 / 4, 2 / 3),  # COR 2 (PER, DATE overlap), INC 1 (NORP), SPU 1
    }
    for scheme, (precision, recall) in expected.items():
        micro = result[scheme]["micro"]
        assert micro["precision"] == pytest.approx(precision), scheme
        assert micro["recall"] == pytest.approx(recall), scheme
        assert micro["f1"] == pytest.approx(2 * precision * recall / (precision + recall))
    assert result["strict"]["per_label"]["PER"]["f1"] == 1.0
    assert result["strict"]["per_label"]["GPE"]["precision"] == 0.0  # spurious only


def test_agrees_with_nervaluate():
    from nervaluate import Evaluator

    def to_nervaluate(entities):  # nervaluate ends are inclusive
        return [[{"label": e["label"], "start": e["start"], "end": e["end"] - 1} for e in entities]]

    pred_entities = [
        {"start": e.start, "end": e.end, "label": e.label} for e in PRED["t-1"].entities
    ]
    labels = list(SCHEMA.entity_names)
    reference = Evaluator(
        to_nervaluate(
            [{"start": e.start, "end": e.end, "label": e.label} for e in GOLD["t-1"].entities]
        ),
        to_nervaluate(pred_entities),
        tags=labels,
    ).evaluate()
    ours = evaluate(GOLD, PRED, SCHEMA)["entities"]
    for scheme, theirs in (
        ("strict", "strict"),
        ("exact", "exact"),
        ("partial", "partial"),
        ("type", "ent_type"),
    ):
        ref = reference["overall"][theirs]
        assert ours[scheme]["micro"]["precision"] == pytest.approx(ref.precision), scheme
        assert ours[scheme]["micro"]["recall"] == pytest.approx(ref.recall), scheme
        for label, per in reference["entities"].items():
            mine = ours[scheme]["per_label"].get(label)
            if ref_total := per[theirs].possible + per[theirs].actual:
                assert mine is not None and mine["f1"] == pytest.approx(per[theirs].f1), (
                    scheme,
                    label,
                    ref_total,
                )


def test_clitic_mode_forgives_a_leading_proclitic_only():
    gold = {"t-1": gold_record([span("سوريا", "GPE")])}
    with_clitic = predict([span("بسوريا", "GPE")])
    result = evaluate(gold, with_clitic, SCHEMA)["entities"]
    assert result["strict"]["micro"]["f1"] == 0.0
    assert result["clitic"]["micro"]["f1"] == 1.0
    too_long = predict([span("إلى بسوريا", "GPE")])
    assert evaluate(gold, too_long, SCHEMA)["entities"]["clitic"]["micro"]["f1"] == 0.0
    wrong_type = predict([span("بسوريا", "LOC")])
    assert evaluate(gold, wrong_type, SCHEMA)["entities"]["clitic"]["micro"]["f1"] == 0.0


def test_agrees_with_seqeval_on_token_aligned_spans():
    """Token-level strict F1 (seqeval, IOB2) equals our strict micro F1 when every span is
    token-aligned (no proclitics: otherwise whole-token tags merge distinct spans)."""
    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2

    gold = gold_for_split(ROOT, "validation")
    aligned = {}
    for doc_id, record in gold.items():
        bounds = {
            (t.start, t.end)
            for p in record.paragraphs
            for t in tokenize(record.text[p.start : p.end])
        }
        starts = {p.start + s for p in record.paragraphs for s, _ in bounds}
        ends = {p.start + e for p in record.paragraphs for _, e in bounds}
        kept = tuple(e for e in record.entities if e.start in starts and e.end in ends)
        aligned[doc_id] = dataclasses.replace(record, entities=kept)
    predictions = {}
    for doc_id, record in aligned.items():
        ents = []
        for n, e in enumerate(record.entities):
            if n % 3 == 0:
                continue  # missed
            label = "ORG" if n % 4 == 0 and e.label != "ORG" else e.label
            ents.append(Span(e.start, e.end, label))
        predictions[doc_id] = Prediction(doc_id, tuple(ents), None, {})
    ours = evaluate(aligned, predictions, SCHEMA)["entities"]["strict"]["micro"]["f1"]

    y_true, y_pred = [], []
    for doc_id, record in aligned.items():
        for p in record.paragraphs:
            text = record.text[p.start : p.end]
            tokens = tokenize(text)

            def tags(entities, p=p, tokens=tokens):
                spans = [
                    Span(e.start - p.start, e.end - p.start, e.label)
                    for e in entities
                    if p.start <= e.start < p.end
                ]
                return iob2_tags(tokens, spans)[0]

            y_true.append(tags(record.entities))
            y_pred.append(tags(predictions[doc_id].entities))
    assert 0 < ours < 1
    assert f1_score(y_true, y_pred, mode="strict", scheme=IOB2) == pytest.approx(ours)


def test_events_by_hand():
    result = score_label_sets(
        [({"A"}, {"A"}), ({"A", "B"}, {"B"}), (set(), {"C"})], ["A", "B", "C"]
    )
    assert result["micro"]["precision"] == pytest.approx(2 / 3)
    assert result["micro"]["recall"] == pytest.approx(2 / 3)
    assert result["per_label"]["A"]["recall"] == pytest.approx(0.5)
    assert result["macro_f1"] == pytest.approx((2 / 3 + 1 + 0) / 3)


def test_document_events_default_to_union_of_paragraphs():
    gold = {"t-1": gold_record([], paragraph_events=(("AID",),))}
    pred = predict([], events=None, paragraphs={0: ("AID",)})
    result = evaluate(gold, pred, SCHEMA)["events"]
    assert result["paragraph"]["micro"]["f1"] == 1.0
    assert result["document"]["micro"]["f1"] == 1.0


def write(path, lines):
    path.write_text(
        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8"
    )
    return path


def test_gold_against_itself_scores_one_and_empty_scores_zero_recall(tmp_path, capsys):
    from astana_corpus.cli import main

    gold = gold_for_split(ROOT, "test")
    perfect = write(
        tmp_path / "p.jsonl",
        [
            {
                "id": r.id,
                "entities": r.to_dict()["entities"],
                "events": list(r.events),
                "paragraphs": [{"index": p.index, "events": list(p.events)} for p in r.paragraphs],
            }
            for r in gold.values()
        ],
    )
    out = tmp_path / "scores.json"
    assert (
        main(["--root", str(ROOT), "evaluate", "--predictions", str(perfect), "--json", str(out)])
        == 0
    )
    scores = json.loads(out.read_text())
    for scheme in ("strict", "exact", "partial", "type", "clitic"):
        assert scores["entities"][scheme]["micro"]["f1"] == 1.0
        assert scores["entities"][scheme]["macro_f1"] == 1.0
    for level in ("paragraph", "document"):
        assert scores["events"][level]["micro"]["f1"] == 1.0

    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert (
        main(["--root", str(ROOT), "evaluate", "--predictions", str(empty), "--json", str(out)])
        == 0
    )
    scores = json.loads(out.read_text())
    assert scores["missing_predictions"] == sorted(gold)
    for scheme in ("strict", "exact", "partial", "type", "clitic"):
        assert scores["entities"][scheme]["micro"]["recall"] == 0.0
    assert scores["events"]["paragraph"]["micro"]["recall"] == 0.0
    assert "scored as empty" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("line", "code", "lineno"),
    [
        ('{"id": "astana-9999"}', "A602", 1),  # not in the evaluated split
        ('{"entities": []}', "A601", 1),  # needs a string "id"
        ("{not json", "A302", 1),  # invalid JSON
        (
            '{"id": "t-1", "entities": [{"start": 0, "end": 3, "label": "PERSON"}]}',
            "A604",  # unknown entity label 'PERSON'
            1,
        ),
        (
            '{"id": "t-1", "entities": [{"start": 5, "end": 500, "label": "PER"}]}',
            "A601",  # outside the text
            1,
        ),
        ('{"id": "t-1", "events": ["WAR"]}', "A604", 1),  # unknown event label 'WAR'
        ('{"id": "t-1", "paragraphs": [{"index": 7, "events": []}]}', "A601", 1),  # index 7
        ('{"id": "t-1"}\n{"id": "t-1"}', "A603", 2),  # appears twice
    ],
)
def test_bad_predictions_are_named(tmp_path, line, code, lineno):
    path = tmp_path / "pred.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as info:
        read_predictions(path, GOLD, SCHEMA)
    assert info.value.code == code
    assert f"{path}:{lineno}:" in str(info.value)


def test_unknown_split():
    with pytest.raises(InputFormatError) as info:
        gold_for_split(ROOT, "dev")
    assert info.value.code == "A605"
