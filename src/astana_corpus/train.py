"""`astana train`: baselines, each scored on a split by `astana evaluate`.

- ``gazetteer``: the pre-annotator (gazetteer + rules) as a rule baseline;
- ``ner``: spaCy NER (CPU, tok2vec, ``configs/ner.cfg``) trained on train,
  early-stopped on dev (``training.patience``), seed fixed;
- ``events``: spaCy ``textcat_multilabel`` (bag of words, ``configs/events.cfg``)
  on paragraphs, threshold 0.5.

Each run writes ``<out>/predictions.jsonl`` (the documents shape that
``astana evaluate`` reads) and ``results/<name>.json`` (scores, the exact
command, seed, config sha256, library versions), which the card's results
table is generated from. Small data: the numbers are low and uncertain.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from astana_corpus.errors import ConfigError

RESULTS_DIR = Path("results")
BASELINES = ("gazetteer", "ner", "events")
# What each baseline predicts; it is only scored (in the card) on that.
ENTITY_BASELINES = ("gazetteer", "ner")
EVENT_BASELINES = ("events",)
SEED = 0
EVENT_THRESHOLD = 0.5


def _write_predictions(path: Path, predictions: list[dict[str, Any]]) -> None:
    from astana_corpus.io import write_jsonl

    write_jsonl(path, predictions)


def predict_gazetteer(root: Path, gold: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Gazetteer/rule suggestions as document-offset predictions (no event labels)."""
    from astana_corpus.articles import iter_documents
    from astana_corpus.preannotate import read_gazetteer
    from astana_corpus.schema import read_schema

    gazetteer = read_gazetteer(root, read_schema(root))
    out = []
    for doc in iter_documents(root):
        if doc.id not in gold:
            continue
        entities = []
        for p in doc.paragraphs:
            for s in gazetteer.find(doc.text[p.start : p.end]):
                entities.append(
                    {"start": p.start + s.start, "end": p.start + s.end, "label": s.label}
                )
        out.append({"id": doc.id, "entities": entities, "events": [], "paragraphs": []})
    return out


def _train_spacy(config: Path, corpus: Path, output: Path, *, max_steps: int | None) -> Path:
    from spacy.cli.train import train as spacy_train

    overrides: dict[str, Any] = {
        "paths.train": str(corpus / "train.spacy"),
        "paths.dev": str(corpus / "dev.spacy"),
        "system.seed": SEED,
    }
    if max_steps is not None:
        overrides["training.max_steps"] = max_steps
        overrides["training.eval_frequency"] = max(1, min(50, max_steps))
    spacy_train(config, output, overrides=overrides)
    return output / "model-best"


def predict_spacy(
    model: Path, gold: Mapping[str, Mapping[str, Any]], *, entities: bool, events: bool
) -> list[dict[str, Any]]:
    import spacy

    from astana_corpus.export import doc_from_token_row, paragraph_token_rows

    nlp = spacy.load(model)
    by_doc: dict[str, dict[str, Any]] = {
        doc_id: {"id": doc_id, "entities": [], "paragraphs": []} for doc_id in gold
    }
    for record, row, tok in paragraph_token_rows(gold.values()):
        doc = nlp(doc_from_token_row(nlp.vocab, tok))
        offset = record["paragraphs"][row["paragraph_index"]]["start"]
        out = by_doc[record["id"]]
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
    root: Path,
    name: str,
    *,
    split: str = "test",
    out_dir: Path | None = None,
    max_steps: int | None = None,
    record: bool = True,
    command: str = "",
) -> dict[str, Any]:
    """Train (if needed), predict on ``split``, evaluate, and record the result."""
    import spacy

    from astana_corpus.evaluate import evaluate, gold_for_split, read_predictions
    from astana_corpus.export import export_spacy
    from astana_corpus.io import sha256_bytes, write_text
    from astana_corpus.schema import read_schema

    if name not in BASELINES:
        raise ConfigError(f"unknown baseline {name!r}; one of {', '.join(BASELINES)}")
    schema = read_schema(root)
    out_dir = out_dir or root / "build" / "baselines" / name
    gold = gold_for_split(root, split)
    config_path = None
    if name == "gazetteer":
        predictions = predict_gazetteer(root, gold)
    else:
        config_path = root / "configs" / f"{name}.cfg"
        if not config_path.exists():
            raise ConfigError(f"{config_path}: not found")
        corpus = out_dir / "corpus"
        export_spacy(root, out_dir=corpus)
        model = _train_spacy(config_path, corpus, out_dir / "model", max_steps=max_steps)
        predictions = predict_spacy(model, gold, entities=name == "ner", events=name == "events")
    pred_path = out_dir / "predictions.jsonl"
    _write_predictions(pred_path, predictions)
    scores = evaluate(gold, read_predictions(pred_path, gold, schema), schema)
    result = {
        "baseline": name,
        "split": split,
        "command": command or f"astana train {name}",
        "seed": SEED if name != "gazetteer" else None,
        "config": str(config_path.relative_to(root)) if config_path else None,
        "config_sha256": sha256_bytes(config_path.read_bytes()) if config_path else None,
        "max_steps_override": max_steps,
        "versions": {"python": platform.python_version(), "spacy": spacy.__version__},
        "scores": scores,
    }
    if record:
        write_text(
            root / RESULTS_DIR / f"{name}.json",
            json.dumps(result, ensure_ascii=False, indent=2) + "\n",
        )
    return result


def read_results(root: Path) -> dict[str, dict[str, Any]]:
    folder = root / RESULTS_DIR
    return (
        {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}
        if folder.exists()
        else {}
    )
