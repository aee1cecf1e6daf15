"""`astana evaluate`: score predictions against the gold of a split.

Gold comes from the checkout (``annotations/gold.jsonl`` + ``splits/``) or from a
built dataset folder alone (``dataset.folder``). Predictions are JSON lines in
one of two formats, detected from the first line (or named with ``--format``):

``documents``: one line per document, document character offsets::

    {"id": "astana-0005",
     "entities": [{"start": 6, "end": 18, "label": "DATE"}, ...],
     "events": ["TALKS_HELD"],                                       # optional
     "paragraphs": [{"index": 0, "events": ["TALKS_HELD"]}, ...]}   # optional

``iob2``: one line per row of the ``tokens`` config, one tag per token::

    {"id": "astana-0005-p000", "ner_tags": ["O", "B-PER", "I-PER"],
     "events": ["STATEMENT"]}                                        # optional

Tags become character spans through the token offsets of the ``tokens`` config
(first token's start to last token's end). An ``I-X`` that does not continue an
``X`` entity starts one, as seqeval's default mode and conlleval do; the result
counts these repairs. Anywhere a label is expected (entity ``label``, events,
``ner_tags``) the dataset's ClassLabel id (an integer) may stand for the name.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from astana_corpus.core.errors import AstanaError, error
from astana_corpus.core.io import iter_jsonl
from astana_corpus.core.metrics import precision_recall_f1
from astana_corpus.core.records import GoldDocument, Prediction, Span, is_int
from astana_corpus.core.schema import Schema
from astana_corpus.core.spans import clitic_snap
from astana_corpus.core.tokens import Token
from astana_corpus.dataset.folder import LabelNames, ParagraphTokens

SCHEMES = ("strict", "exact", "partial", "type", "clitic")
OUTCOMES = ("COR", "INC", "PAR", "MIS", "SPU")
FORMATS = ("documents", "iob2")
# The keys that tell the formats apart on a line (an id alone is an empty documents line).
_FORMAT_KEYS = {"documents": ("entities", "paragraphs"), "iob2": ("ner_tags", "tokens")}

Labels = Schema | LabelNames


# ---------------------------------------------------------------- reading


@dataclass
class PredictionsRead:
    """What a predictions file held, in the documents shape, and how it was read."""

    format: str
    predictions: dict[str, Prediction]
    lines: int = 0
    # iob2: I- tags that began an entity (no B- before them), and the paragraph rows of
    # predicted documents that had no line (scored as predicting nothing).
    iob2_repairs: int = 0
    missing_paragraphs: list[str] = field(default_factory=list)

    def summary(self, path: Path) -> dict[str, Any]:
        return {
            "file": str(path),
            "format": self.format,
            "lines": self.lines,
            "iob2_repairs": self.iob2_repairs,
            "missing_paragraphs": self.missing_paragraphs,
        }


def line_format(record: Mapping[str, Any], where: str) -> str | None:
    """``documents`` or ``iob2`` from the keys of one line (None: an id alone)."""
    found = [f for f, keys in _FORMAT_KEYS.items() if any(k in record for k in keys)]
    if len(found) > 1:
        raise error(
            "A624", where=where,
            problem='the line has both "entities"/"paragraphs" and "ner_tags"/"tokens"',
        )  # fmt: skip
    return found[0] if found else None


def read_prediction_file(
    path: Path,
    gold: Mapping[str, GoldDocument],
    labels: Labels,
    *,
    tokens: Mapping[str, ParagraphTokens] | None = None,
    fmt: str = "auto",
) -> PredictionsRead:
    """Read and check predictions (``fmt``: documents, iob2 or auto, from the first line
    that shows its format): ids in the split, labels of the schema (names or ClassLabel
    ids), offsets in range, one tag per token. ``tokens`` (the ``tokens`` config rows of
    the split) are needed for iob2."""
    if fmt not in (*FORMATS, "auto"):
        raise error("A624", where=path, problem=f"unknown format {fmt!r}")
    lines = list(iter_jsonl(path))
    detected = fmt
    for lineno, record in lines:
        if fmt == "auto":
            seen = line_format(record, f"{path}:{lineno}")
            if seen is not None and detected == "auto":
                detected = seen
    detected = "documents" if detected == "auto" else detected
    if detected == "iob2":
        if tokens is None:
            raise error("A624", where=path, problem="IOB2 predictions need the token rows")
        result = _read_iob2(path, lines, gold, labels, tokens, fmt)
    else:
        result = PredictionsRead("documents", _read_documents(path, lines, gold, labels, fmt))
    result.lines = len(lines)
    return result


def read_predictions(
    path: Path, gold: Mapping[str, GoldDocument], labels: Labels
) -> dict[str, Prediction]:
    """Documents-shaped predictions, checked (see ``read_prediction_file``)."""
    try:
        return read_prediction_file(path, gold, labels, fmt="documents").predictions
    except AstanaError as exc:
        if exc.code != "A624":
            raise
        # No --format here: say that this command reads documents lines only.
        problem = "a line of another format: this command reads documents-shaped lines only"
        raise error("A624", where=path, problem=problem) from exc


def _wrong_format(record: Mapping[str, Any], where: str, expected: str, fmt: str) -> None:
    seen = line_format(record, where)
    if seen is not None and seen != expected:
        how = "--format" if fmt != "auto" else "the first line that shows its format"
        raise error(
            "A624", where=where,
            problem=f"a {seen} line in a file read as {expected} (from {how})",
        )  # fmt: skip


def _read_documents(
    path: Path,
    lines: Sequence[tuple[int, dict[str, Any]]],
    gold: Mapping[str, GoldDocument],
    labels: Labels,
    fmt: str,
) -> dict[str, Prediction]:
    predictions: dict[str, Prediction] = {}
    for lineno, record in lines:
        where = f"{path}:{lineno}"
        _wrong_format(record, where, "documents", fmt)
        if not isinstance(record.get("id"), str):
            raise error("A601", where=where, problem='each line needs a string "id"')
        doc_id = record["id"]
        if doc_id not in gold:
            raise error("A602", where=where, doc_id=doc_id, listed=_listed(gold))
        if doc_id in predictions:
            raise error("A603", where=where, doc_id=doc_id)
        predictions[doc_id] = _prediction(record, gold[doc_id], labels, where)
    return predictions


def _listed(ids: Iterable[str]) -> str:
    names = sorted(ids)
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")


def _label(value: Any, names: Sequence[str], kind: str, where: str) -> str:
    """A label name, given as the name or as its ClassLabel id."""
    if is_int(value) and 0 <= value < len(names):
        return names[value]
    if isinstance(value, str) and value in names:
        return value
    ids = f"or an id 0..{len(names) - 1}"
    raise error("A604", where=where, kind=kind, label=value, allowed=", ".join(names) + f" ({ids})")


def _prediction(
    record: Mapping[str, Any], gold: GoldDocument, labels: Labels, where: str
) -> Prediction:
    doc_id = record["id"]

    def bad(problem: str) -> AstanaError:
        return error("A601", where=where, problem=f"{doc_id}: {problem}")

    text_len = len(gold.text)
    entities = []
    for e in _list(record, "entities", bad):
        if not isinstance(e, dict) or not all(is_int(e.get(k)) for k in ("start", "end")):
            raise bad(f"entity {e!r} needs integer start and end, and a label")
        label = _label(
            e.get("label"), labels.entity_names, "entity", f"{where}: {doc_id} offset {e['start']}"
        )
        ent = Span(e["start"], e["end"], label)
        if not 0 <= ent.start < ent.end <= text_len:
            raise bad(
                f"span [{ent.start}, {ent.end}) is empty or outside the text (length {text_len})"
            )
        entities.append(ent)
    events = None
    if record.get("events") is not None:
        events = _events(_list(record, "events", bad), labels, f"{where}: {doc_id}")
    paragraph_events: dict[int, tuple[str, ...]] = {}
    n_paragraphs = len(gold.paragraphs)
    for p in _list(record, "paragraphs", bad):
        index = p.get("index") if isinstance(p, dict) else None
        if not is_int(index) or not 0 <= index < n_paragraphs:
            raise bad(f"paragraph {p!r}: index must be an integer in 0..{n_paragraphs - 1}")
        if index in paragraph_events:
            raise bad(f"paragraph index {index} appears twice")
        paragraph_events[index] = _events(_list(p, "events", bad), labels, f"{where}: {doc_id}")
    return Prediction(doc_id, tuple(entities), events, paragraph_events)


def _list(record: Mapping[str, Any], key: str, bad: Callable[[str], AstanaError]) -> list[Any]:
    """``record[key]`` as a list (missing or null: empty); anything else is refused."""
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"{key!r} must be a list, got {type(value).__name__}")
    return value


def _events(values: list[Any], labels: Labels, where: str) -> tuple[str, ...]:
    return tuple(sorted({_label(v, labels.event_names, "event", where) for v in values}))


def iob2_spans(tags: Sequence[str], tokens: Sequence[Token]) -> tuple[list[Span], int]:
    """Character spans of IOB2 ``tags`` over ``tokens``, and how many ``I-`` tags began an
    entity (seqeval's default mode: an ``I-X`` after ``O`` or after another type starts one).

    >>> toks = [Token("في", 0, 2), Token("أستانة", 3, 9), Token("اليوم", 10, 15)]
    >>> iob2_spans(["O", "B-GPE", "I-DATE"], toks)
    ([Span(start=3, end=9, label='GPE'), Span(start=10, end=15, label='DATE')], 1)
    """
    spans: list[Span] = []
    repairs = 0
    current: list[Any] | None = None  # [start, end, label]
    for tag, token in zip(tags, tokens, strict=True):
        prefix, _, label = tag.partition("-")
        if prefix == "I" and current is not None and current[2] == label:
            current[1] = token.end
            continue
        if current is not None:
            spans.append(Span(*current))
            current = None
        if prefix in ("B", "I"):
            repairs += prefix == "I"
            current = [token.start, token.end, label]
    if current is not None:
        spans.append(Span(*current))
    return spans, repairs


def _read_iob2(
    path: Path,
    lines: Sequence[tuple[int, dict[str, Any]]],
    gold: Mapping[str, GoldDocument],
    labels: Labels,
    tokens: Mapping[str, ParagraphTokens],
    fmt: str,
) -> PredictionsRead:
    rows: dict[str, tuple[ParagraphTokens, list[Span], tuple[str, ...] | None]] = {}
    repairs = 0
    for lineno, record in lines:
        where = f"{path}:{lineno}"
        _wrong_format(record, where, "iob2", fmt)
        par_id = record.get("id")
        if not isinstance(par_id, str):
            raise error("A623", where=where, problem='each line needs a string "id"')
        row = tokens.get(par_id)
        if row is None or row.doc_id not in gold:
            raise error("A602", where=where, doc_id=par_id, listed=_listed(tokens))
        if par_id in rows:
            raise error("A603", where=where, doc_id=par_id)
        tags = record.get("ner_tags")
        if not isinstance(tags, list):
            raise error("A623", where=where, problem=f'{par_id}: "ner_tags" must be a list')
        if len(tags) != len(row.tokens):
            raise error(
                "A622", where=where, par_id=par_id, problem=f"{len(tags)} tags", n=len(row.tokens)
            )
        given = record.get("tokens")
        if given is not None and not isinstance(given, list):
            raise error("A623", where=where, problem=f'{par_id}: "tokens" must be a list')
        if given is not None and given != [t.text for t in row.tokens]:
            pairs = zip(given, row.tokens, strict=False)
            first = next(
                (i for i, (a, b) in enumerate(pairs) if a != b.text),
                min(len(given), len(row.tokens)),
            )
            raise error(
                "A622", where=where, par_id=par_id, n=len(row.tokens),
                problem=f'"tokens" differ from the dataset\'s at position {first}',
            )  # fmt: skip
        names = [
            _label(t, labels.iob2_names, "token tag", f"{where}: {par_id} token {i}")
            for i, t in enumerate(tags)
        ]
        spans, repaired = iob2_spans(names, row.tokens)
        repairs += repaired
        events = None
        if record.get("events") is not None:
            if not isinstance(record["events"], list):
                raise error("A623", where=where, problem=f'{par_id}: "events" must be a list')
            events = _events(record["events"], labels, f"{where}: {par_id}")
        rows[par_id] = (row, spans, events)
    by_doc: dict[str, list[tuple[ParagraphTokens, list[Span], tuple[str, ...] | None]]] = (
        defaultdict(list)
    )
    for item in rows.values():
        by_doc[item[0].doc_id].append(item)
    predictions = {
        doc_id: Prediction(
            doc_id,
            tuple(sorted(s for _, spans, _ in items for s in spans)),
            None,
            {row.index: events for row, _, events in items if events is not None},
        )
        for doc_id, items in sorted(by_doc.items())
    }
    missing = sorted(t.id for t in tokens.values() if t.doc_id in predictions and t.id not in rows)
    return PredictionsRead("iob2", predictions, iob2_repairs=repairs, missing_paragraphs=missing)


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
    tokens: Mapping[str, Sequence[Token]] | None = None,
) -> dict[str, Any]:
    """Micro scores from classifying all spans together; per-label scores, as nervaluate
    does, from classifying only that label's gold and predicted spans. ``tokens`` (by
    document id, document offsets) spare the clitic mode the tokenizer."""
    overall: dict[str, Counter[str]] = {s: Counter() for s in SCHEMES}
    by_label: dict[str, dict[str, Counter[str]]] = {
        lb: {s: Counter() for s in SCHEMES} for lb in labels
    }

    def add(into: dict[str, Counter[str]], doc_id: str, g: list[Span], p: list[Span]) -> None:
        counts = classify(g, p)
        doc_tokens = tokens.get(doc_id) if tokens is not None else None
        snapped = clitic_snap(gold[doc_id].text, g, p, tokens=doc_tokens)
        counts["clitic"] = classify(g, snapped)["strict"]
        for scheme, by_outcome_label in counts.items():
            for (outcome, _label), n in by_outcome_label.items():
                into[scheme][outcome] += n

    for doc_id, record in gold.items():
        g = [e.span for e in record.entities]
        p = list(predictions[doc_id].entities) if doc_id in predictions else []
        add(overall, doc_id, g, p)
        for label in labels:
            add(
                by_label[label],
                doc_id,
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


def document_tokens(rows: Iterable[ParagraphTokens]) -> dict[str, list[Token]]:
    """The tokens of each document (document offsets) from its ``tokens`` config rows."""
    by_doc: dict[str, list[Token]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.doc_id, r.index)):
        by_doc[row.doc_id].extend(row.tokens)
    return dict(by_doc)


def evaluate(
    gold: Mapping[str, GoldDocument],
    predictions: Mapping[str, Prediction],
    labels: Labels,
    *,
    tokens: Mapping[str, Sequence[Token]] | None = None,
) -> dict[str, Any]:
    """All scores, JSON-ready (schema: ``evaluate.schema.json``); gold documents without a
    prediction count as empty."""
    return {
        "documents": len(gold),
        "missing_predictions": sorted(set(gold) - set(predictions)),
        "entities": score_entities(gold, predictions, labels.entity_names, tokens),
        "events": score_events(gold, predictions, labels.event_names),
    }
