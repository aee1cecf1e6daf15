"""`astana evaluate`: score predictions against the gold of a split.

Predictions are JSON lines in the `documents` shape::

    {"id": "astana-0005",
     "entities": [{"start": 6, "end": 18, "label": "DATE"}, ...],   # document offsets
     "events": ["TALKS_HELD"],                                       # optional
     "paragraphs": [{"index": 0, "events": ["TALKS_HELD"]}, ...]}   # optional

Entity scores follow the SemEval-2013 task 9 scheme (as in nervaluate), with
each prediction classified against gold as correct (COR), incorrect (INC),
partial (PAR), spurious (SPU) and each unmatched gold as missing (MIS):

- ``strict``: exact boundaries and type;
- ``exact``: exact boundaries, any type;
- ``partial``: overlapping boundaries count half (``(COR + 0.5·PAR) / ACT``);
- ``type``: some overlap and the right type;
- ``clitic``: strict, except that a prediction which differs from a gold span
  only by a leading proclitic sequence ("بسوريا" for "سوريا") counts as exact.

POS = COR + INC + PAR + MIS (gold), ACT = COR + INC + PAR + SPU (predicted).
Micro scores classify all spans together. Per-label scores classify only that
label's gold and predicted spans (as nervaluate does, so a PER predicted over a
LOC is a spurious PER and a missed LOC); macro F1 averages them over the labels
that occur in gold or predictions.

Event labels are scored per label (precision/recall/F1, micro and macro) at
paragraph level (from ``paragraphs[].events``) and document level (from
``events``, or the union of the paragraph labels when absent).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from astana_corpus.core.errors import AstanaError, error
from astana_corpus.core.io import iter_jsonl
from astana_corpus.core.metrics import precision_recall_f1
from astana_corpus.core.records import GoldDocument, Prediction, Span, is_int
from astana_corpus.core.schema import Schema
from astana_corpus.core.spans import clitic_snap

SCHEMES = ("strict", "exact", "partial", "type", "clitic")
OUTCOMES = ("COR", "INC", "PAR", "MIS", "SPU")


# ---------------------------------------------------------------- reading


def read_predictions(
    path: Path, gold: Mapping[str, GoldDocument], schema: Schema
) -> dict[str, Prediction]:
    """Read and check predictions: ids in the split, labels in the schema, offsets in range."""
    predictions: dict[str, Prediction] = {}
    for lineno, record in iter_jsonl(path):
        where = f"{path}:{lineno}"
        if not isinstance(record.get("id"), str):
            raise error("A601", where=where, problem='each line needs a string "id"')
        doc_id = record["id"]
        if doc_id not in gold:
            listed = ", ".join(sorted(gold)[:5]) + (", ..." if len(gold) > 5 else "")
            raise error("A602", where=where, doc_id=doc_id, listed=listed)
        if doc_id in predictions:
            raise error("A603", where=where, doc_id=doc_id)
        predictions[doc_id] = _prediction(record, gold[doc_id], schema, where)
    return predictions


def _prediction(
    record: Mapping[str, Any], gold: GoldDocument, schema: Schema, where: str
) -> Prediction:
    doc_id = record["id"]

    def bad(problem: str) -> AstanaError:
        return error("A601", where=where, problem=f"{doc_id}: {problem}")

    text_len = len(gold.text)
    entities = []
    for e in _list(record, "entities", bad):
        if not isinstance(e, dict) or not all(is_int(e.get(k)) for k in ("start", "end")):
            raise bad(f"entity {e!r} needs integer start and end, and a label")
        ent = Span(e["start"], e["end"], str(e.get("label")))
        if ent.label not in schema.entity_names:
            raise error(
                "A604",
                where=f"{where}: {doc_id} offset {ent.start}",
                kind="entity",
                label=ent.label,
                allowed=", ".join(schema.entity_names),
            )
        if not 0 <= ent.start < ent.end <= text_len:
            raise bad(
                f"span [{ent.start}, {ent.end}) is empty or outside the text (length {text_len})"
            )
        entities.append(ent)
    events = None
    if record.get("events") is not None:
        events = _events(_list(record, "events", bad), schema, where, doc_id)
    paragraph_events: dict[int, tuple[str, ...]] = {}
    n_paragraphs = len(gold.paragraphs)
    for p in _list(record, "paragraphs", bad):
        index = p.get("index") if isinstance(p, dict) else None
        if not is_int(index) or not 0 <= index < n_paragraphs:
            raise bad(f"paragraph {p!r}: index must be an integer in 0..{n_paragraphs - 1}")
        if index in paragraph_events:
            raise bad(f"paragraph index {index} appears twice")
        paragraph_events[index] = _events(_list(p, "events", bad), schema, where, doc_id)
    return Prediction(doc_id, tuple(entities), events, paragraph_events)


def _list(record: Mapping[str, Any], key: str, bad: Callable[[str], AstanaError]) -> list[Any]:
    """``record[key]`` as a list (missing or null: empty); anything else is refused."""
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"{key!r} must be a list, got {type(value).__name__}")
    return value


def _events(values: list[Any], schema: Schema, where: str, doc_id: str) -> tuple[str, ...]:
    for v in values:
        if v not in schema.event_names:
            raise error(
                "A604",
                where=f"{where}: {doc_id}",
                kind="event",
                label=v,
                allowed=", ".join(schema.event_names),
            )
    return tuple(sorted(set(values)))


# ---------------------------------------------------------------- entities


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def classify(gold: Sequence[Span], pred: Sequence[Span]) -> dict[str, Counter[tuple[str, str]]]:
    """Counts per scheme of (outcome, label) for one document."""
    counts: dict[str, Counter[tuple[str, str]]] = {s: Counter() for s in SCHEMES[:4]}
    gold_set = set(gold)
    matched: set[Span] = set()
    for p in pred:
        if p in gold_set:
            for scheme in counts:
                counts[scheme][("COR", p.label)] += 1
            matched.add(p)
            continue
        same_bounds = [g for g in gold if (g.start, g.end) == (p.start, p.end)]
        overlapping = [g for g in gold if _overlap(g, p)]
        if same_bounds:
            g = same_bounds[0]
            outcome = {"strict": "INC", "exact": "COR", "partial": "COR", "type": "INC"}
        elif overlapping:
            same_type = [g for g in overlapping if g.label == p.label]
            g = (same_type or overlapping)[0]
            type_outcome = "COR" if same_type else "INC"
            outcome = {"strict": "INC", "exact": "INC", "partial": "PAR", "type": type_outcome}
        else:
            for scheme in counts:
                counts[scheme][("SPU", p.label)] += 1
            continue
        matched.add(g)
        for scheme, result in outcome.items():
            counts[scheme][(result, g.label)] += 1
    for g in gold:
        if g not in matched:
            for scheme in counts:
                counts[scheme][("MIS", g.label)] += 1
    return counts


def _scores(c: Mapping[str, float], scheme: str) -> dict[str, float]:
    pos = c["COR"] + c["INC"] + c["PAR"] + c["MIS"]
    act = c["COR"] + c["INC"] + c["PAR"] + c["SPU"]
    hits = c["COR"] + (0.5 * c["PAR"] if scheme == "partial" else 0.0)
    precision, recall, f1 = precision_recall_f1(hits, act, pos)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "possible": pos,
        "actual": act,
        **{k: c[k] for k in OUTCOMES},
    }


def score_entities(
    gold: Mapping[str, GoldDocument],
    predictions: Mapping[str, Prediction],
    labels: Sequence[str],
) -> dict[str, Any]:
    """Micro scores from classifying all spans together; per-label scores, as nervaluate
    does, from classifying only that label's gold and predicted spans."""
    overall: dict[str, Counter[str]] = {s: Counter() for s in SCHEMES}
    by_label: dict[str, dict[str, Counter[str]]] = {
        lb: {s: Counter() for s in SCHEMES} for lb in labels
    }

    def add(into: dict[str, Counter[str]], text: str, g: list[Span], p: list[Span]) -> None:
        counts = classify(g, p)
        counts["clitic"] = classify(g, clitic_snap(text, g, p))["strict"]
        for scheme, by_outcome_label in counts.items():
            for (outcome, _label), n in by_outcome_label.items():
                into[scheme][outcome] += n

    for doc_id, record in gold.items():
        g = [e.span for e in record.entities]
        p = list(predictions[doc_id].entities) if doc_id in predictions else []
        add(overall, record.text, g, p)
        for label in labels:
            add(
                by_label[label],
                record.text,
                [e for e in g if e.label == label],
                [e for e in p if e.label == label],
            )
    result: dict[str, Any] = {}
    for scheme in SCHEMES:
        scheme_key = "strict" if scheme == "clitic" else scheme
        per_label = {
            label: _scores({o: by_label[label][scheme][o] for o in OUTCOMES}, scheme_key)
            for label in labels
            if sum(by_label[label][scheme].values())
        }
        micro = _scores({o: overall[scheme][o] for o in OUTCOMES}, scheme_key)
        macro_f1 = sum(x["f1"] for x in per_label.values()) / len(per_label) if per_label else 0.0
        result[scheme] = {"micro": micro, "macro_f1": macro_f1, "per_label": per_label}
    return result


# ---------------------------------------------------------------- events


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision, recall, f1 = precision_recall_f1(tp, tp + fp, tp + fn)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "support": tp + fn,
    }


def score_label_sets(
    pairs: Iterable[tuple[set[str], set[str]]], labels: Sequence[str]
) -> dict[str, Any]:
    """Multi-label scores over (gold labels, predicted labels) pairs."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    n = 0
    for gold, pred in pairs:
        n += 1
        for label in labels:
            key = (
                "tp"
                if label in gold and label in pred
                else ("fp" if label in pred else "fn" if label in gold else None)
            )
            if key:
                counts[label][key] += 1
    per_label = {
        lb: _prf(counts[lb]["tp"], counts[lb]["fp"], counts[lb]["fn"])
        for lb in labels
        if counts[lb]
    }
    micro = _prf(*(sum(counts[lb][k] for lb in labels) for k in ("tp", "fp", "fn")))
    macro = sum(s["f1"] for s in per_label.values()) / len(per_label) if per_label else 0.0
    return {"items": n, "micro": micro, "macro_f1": macro, "per_label": per_label}


def score_events(
    gold: Mapping[str, GoldDocument],
    predictions: Mapping[str, Prediction],
    labels: Sequence[str],
) -> dict[str, Any]:
    paragraph_pairs = []
    document_pairs = []
    for doc_id, record in gold.items():
        pred = predictions.get(doc_id)
        for p in record.paragraphs:
            predicted = set(pred.paragraph_events.get(p.index, ())) if pred else set()
            paragraph_pairs.append((set(p.events), predicted))
        if pred is None:
            doc_pred: set[str] = set()
        elif pred.events is not None:
            doc_pred = set(pred.events)
        else:
            doc_pred = {e for evs in pred.paragraph_events.values() for e in evs}
        document_pairs.append((set(record.events), doc_pred))
    return {
        "paragraph": score_label_sets(paragraph_pairs, labels),
        "document": score_label_sets(document_pairs, labels),
    }


def evaluate(
    gold: Mapping[str, GoldDocument], predictions: Mapping[str, Prediction], schema: Schema
) -> dict[str, Any]:
    """All scores, JSON-ready; gold documents without a prediction count as empty."""
    return {
        "documents": len(gold),
        "missing_predictions": sorted(set(gold) - set(predictions)),
        "entities": score_entities(gold, predictions, schema.entity_names),
        "events": score_events(gold, predictions, schema.event_names),
    }
