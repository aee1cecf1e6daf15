"""`astana evaluate`: its arguments and handler (kept out of cli/main.py for its size)."""

from __future__ import annotations

import argparse
from pathlib import Path

from astana_corpus import pipeline
from astana_corpus.cli import render
from astana_corpus.core.outputs import write_json_report
from astana_corpus.models.evaluate import FORMATS

DESCRIPTION = """\
Score predictions against the gold of one split.

Gold comes from a built dataset folder (--dataset: nothing else is read, no checkout
needed) or from the checkout under --root (annotations/gold.jsonl and splits/).
Predictions are JSON lines, one format per file:
  documents  {"id": DOC_ID, "entities": [{"start", "end", "label"}],
              "events": [...], "paragraphs": [{"index", "events"}]}
  iob2       {"id": PARAGRAPH_ID, "ner_tags": ["B-GPE", "O", ...], "events": [...]}
             one tag per token of the dataset's tokens config row
Labels may be names or the dataset's ClassLabel ids. --json writes every score
(JSON Schema: astana_corpus/models/evaluate.schema.json)."""


def cmd_evaluate(args: argparse.Namespace) -> int:
    dataset = args.dataset
    result = pipeline.evaluate_predictions(
        args.root, predictions=args.predictions, split=args.split, dataset=dataset, fmt=args.format
    )
    write_json_report(args.json, result)
    render.evaluation(result)
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score predictions (documents or IOB2 JSON lines) against a split's gold",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--predictions", type=Path, required=True, help="a JSON-lines file")
    p.add_argument(
        "--dataset",
        type=Path,
        help="a built dataset folder (e.g. dist/astana-corpus); default: the checkout's gold",
    )
    p.add_argument("--split", default="test", help="train, validation or test (default: test)")
    p.add_argument(
        "--format",
        choices=[*FORMATS, "auto"],
        default="auto",
        help="predictions format (default auto: from the first line's keys)",
    )
    p.add_argument("--json", type=Path, help="also write all scores as JSON here")
    p.set_defaults(func=cmd_evaluate)
