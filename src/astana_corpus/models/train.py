"""`astana train`: baselines, each scored on a split by `astana evaluate`.

- ``gazetteer``: the pre-annotator (gazetteer + rules) as a rule baseline;
- ``ner``: spaCy NER (CPU, tok2vec, ``configs/ner.cfg``) trained on train,
  early-stopped on validation (``training.patience``), seed fixed;
- ``events``: spaCy ``textcat_multilabel`` (bag of words, ``configs/events.cfg``)
  on paragraphs, threshold 0.5.

Each run writes ``<out>/predictions.jsonl`` (the documents shape that
``astana evaluate`` reads) and ``results/<name>.json`` (scores, the exact
command, seed, config sha256, library versions, and the sha256 of the gold
and split lists it was trained and scored on), which the card's results
table is generated from; the card marks a result whose data has changed since.
Small data: the numbers are low and uncertain.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from astana_corpus.annotate.preannotate import Gazetteer
from astana_corpus.core.errors import error
from astana_corpus.core.io import read_json, sha256_bytes, write_jsonl
from astana_corpus.core.paths import PREANNOTATION_RESULT, RESULTS_DIR
from astana_corpus.core.records import Document, GoldDocument
from astana_corpus.core.schema import Schema
from astana_corpus.models.evaluate import evaluate, read_predictions
from astana_corpus.models.export import doc_from_token_row, paragraph_token_rows, write_docbins

BASELINES = ("gazetteer", "ner", "events")
# What each baseline predicts; it is only scored (in the card) on that.
ENTITY_BASELINES = ("gazetteer", "ner")
EVENT_BASELINES = ("events",)
SEED = 0
EVENT_THRESHOLD = 0.5


def predict_gazetteer(
    documents: Iterable[Document], gold: Mapping[str, GoldDocument], gazetteer: Gazetteer
) -> list[dict[str, Any]]:
    """Gazetteer/rule suggestions as document-offset predictions (no event labels)."""
    out = []
    for doc in documents:
        if doc.id not in gold:
            continue
        entities = []
        for p in doc.paragraphs:
            for s in gazetteer.find(doc.text[p.start : p.end]):
                span = s.span.shifted(p.start)
                entities.append({"start": span.start, "end": span.end, "label": span.label})
        out.append({"id": doc.id, "entities": entities, "events": [], "paragraphs": []})
    return out


def _train_spacy(config: Path, corpus: Path, output: Path, *, max_steps: int | None) -> Path:
    from spacy.cli.train import train as spacy_train

    overrides: dict[str, Any] = {
        "paths.train": str(corpus / "train.spacy"),
        "paths.dev": str(corpus / "validation.spacy"),
        "system.seed": SEED,
    }
    if max_steps is not None:
        overrides["training.max_steps"] = max_steps
        overrides["training.eval_frequency"] = max(1, min(50, max_steps))
    spacy_train(config, output, overrides=overrides)
    return output / "model-best"


def predict_spacy(
    model: Path, gold: Mapping[str, GoldDocument], *, entities: bool, events: bool
) -> list[dict[str, Any]]:
    import spacy

    nlp = spacy.load(model)
    by_doc: dict[str, dict[str, Any]] = {
        doc_id: {"id": doc_id, "entities": [], "paragraphs": []} for doc_id in gold
    }
    for record, view, row, tok in paragraph_token_rows(gold.values()):
        doc = nlp(doc_from_token_row(nlp.vocab, tok))
        offset = view.start
        out = by_doc[record.id]
        if entities:
            for ent in doc.ents:
                out["entities"].append(
                    {
                        "start": offset + tok["token_starts"][ent.start],
                        "end": offset + tok["token_ends"][ent.end - 1],
                        "label": ent.label_,
                    }
                )
        if events:
            out["paragraphs"].append(
                {
                    "index": row["paragraph_index"],
                    "events": sorted(k for k, v in doc.cats.items() if v >= EVENT_THRESHOLD),
                }
            )
    return list(by_doc.values())


def run_baseline(
    name: str,
    *,
    configs_dir: Path,
    schema: Schema,
    gold: Mapping[str, GoldDocument],
    corpus: Mapping[str, Sequence[GoldDocument]],
    documents: Sequence[Document],
    gazetteer: Gazetteer,
    out_dir: Path,
    max_steps: int | None = None,
    command: str = "",
    split: str = "test",
    data: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Train (if needed) on ``corpus`` (gold by split), predict the ``gold`` of ``split``,
    evaluate, and return the result record; ``data`` names the hashes of what it used."""
    import spacy

    if name not in BASELINES:
        raise error("A607", name=name, allowed=", ".join(BASELINES))
    config_path = None
    if name == "gazetteer":
        predictions = predict_gazetteer(documents, gold, gazetteer)
    else:
        config_path = configs_dir / f"{name}.cfg"
        if not config_path.is_file():
            raise error("A608", path=config_path)
        write_docbins(corpus, schema, out_dir=out_dir / "corpus")
        model = _train_spacy(
            config_path, out_dir / "corpus", out_dir / "model", max_steps=max_steps
        )
        predictions = predict_spacy(model, gold, entities=name == "ner", events=name == "events")
    pred_path = out_dir / "predictions.jsonl"
    write_jsonl(pred_path, predictions)
    scores = evaluate(gold, read_predictions(pred_path, gold, schema), schema)
    return {
        "baseline": name,
        "split": split,
        "command": command or f"astana train {name}",
        "seed": SEED if name != "gazetteer" else None,
        "config": f"{configs_dir.name}/{config_path.name}" if config_path else None,
        "config_sha256": sha256_bytes(config_path.read_bytes()) if config_path else None,
        "max_steps_override": max_steps,
        "versions": {"python": platform.python_version(), "spacy": spacy.about.__version__},
        "data": dict(data or {}),
        "scores": scores,
    }


# What the card reads of a result (dataset/card.py): each path must hold a number.
_ENTITY_SCORES = (
    ("entities", "strict", "micro", "f1"),
    ("entities", "clitic", "micro", "f1"),
    ("entities", "partial", "micro", "f1"),
    ("entities", "strict", "macro_f1"),
)
_EVENT_SCORES = (("events", "paragraph", "micro", "f1"), ("events", "document", "micro", "f1"))


def _result_problem(name: str, data: Any) -> str | None:
    """Why a results file cannot be shown in the card, or None."""
    if not isinstance(data, dict) or not isinstance(data.get("scores"), dict):
        return "expected a JSON object with scores"
    for key in ("command", "split"):
        if not isinstance(data.get(key), str):
            return f"{key} must be a string, got {data.get(key)!r}"
    if data.get("data") is not None and not isinstance(data["data"], dict):
        return f"data must be an object of hashes, got {data['data']!r}"
    paths = (_ENTITY_SCORES if name in ENTITY_BASELINES else ()) + (
        _EVENT_SCORES if name in EVENT_BASELINES else ()
    )
    for path in paths:
        value: Any = data["scores"]
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"scores.{'.'.join(path)} must be a number, got {value!r}"
        if not 0 <= value <= 1:  # also refuses NaN
            return f"scores.{'.'.join(path)} must be a score in [0, 1], got {value!r}"
    return None


def read_results(root: Path) -> dict[str, dict[str, Any]]:
    """The recorded results, by baseline name (A609 for a file that is not one); the
    pre-annotation record (``results/preannotation.json``) is not a baseline."""
    folder = root / RESULTS_DIR
    results = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        if path.name == PREANNOTATION_RESULT.name:
            continue
        data = read_json(path, code="A609")
        problem = _result_problem(path.stem, data)
        if problem:
            raise error("A609", path=path, problem=problem)
        results[path.stem] = data
    return results
