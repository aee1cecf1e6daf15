"""Fine-tune a transformers token-classification model on the ``tokens`` config.

The data side (label maps, tokenisation and label alignment, metrics, predictions
back to character spans) is plain functions that need neither torch nor transformers
at import time; ``tests/test_examples.py`` runs them on the built dataset. The model
side is ``main()``:

    pip install -e '.[recipes]'          # transformers, torch, accelerate
    astana build                         # writes dist/astana-corpus
    python examples/transformers_token_classification.py --model aubmindlab/bert-base-arabertv02
    astana evaluate --predictions build/recipe/predictions.jsonl --split test

``--tiny`` trains a tiny randomly initialised BERT (with a WordPiece trained here on the
train split, nothing downloaded) for a few steps: a check that the recipe runs, not a
model.

Alignment: the dataset's words (``tokens``) go to a fast tokenizer with
``is_split_into_words=True`` and labels follow ``word_ids()``
(``astana_corpus.models.export.labels_for_word_ids``), so every word keeps its tag
even when the tokenizer would have merged two dataset words ("أستانة8") or produced one
``[UNK]`` over them. Predictions are read back from the first subword of each word.

Predictions are written as JSON lines in the ``documents`` shape that ``astana
evaluate`` reads: entity offsets are document offsets, i.e. the paragraph's ``start``
(from the ``documents`` config) plus the token offsets. Tags are whole-token (IOB2),
so a gold span that starts after a proclitic inside a token ("سوريا" in "بسوريا")
comes back as the whole token: wrong under ``strict``, right under ``clitic``.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from astana_corpus.models.export import labels_for_word_ids, tag_runs, word_labels_from_word_ids

IGNORE = -100
DEFAULT_DATASET = "dist/astana-corpus"


# ---------------------------------------------------------------- data (no torch needed)


def load_configs(path: str | Path = DEFAULT_DATASET) -> tuple[Any, Any]:
    """The ``tokens`` and ``documents`` configs of a built dataset folder (DatasetDicts)."""
    from datasets import load_dataset

    return load_dataset(str(path), "tokens"), load_dataset(str(path), "documents")


def label_maps(features: Mapping[str, Any]) -> tuple[dict[int, str], dict[str, int]]:
    """``id2label`` and ``label2id`` from the ClassLabel names of ``ner_tags``."""
    names = list(features["ner_tags"].feature.names)
    return dict(enumerate(names)), {name: i for i, name in enumerate(names)}


def tokenize_and_align(
    batch: Mapping[str, Sequence[Any]],
    tokenizer: Any,
    *,
    max_length: int | None = None,
    label_all_subwords: bool = False,
) -> Any:
    """A batched ``Dataset.map`` function: subword inputs and aligned ``labels``.

    ``tokenizer`` is a fast tokenizer (it must offer ``word_ids``); it gets the
    dataset's words with ``is_split_into_words=True``.
    """
    encoding = tokenizer(
        list(batch["tokens"]),
        is_split_into_words=True,
        truncation=True,
        max_length=max_length,
    )
    encoding["labels"] = [
        labels_for_word_ids(
            encoding.word_ids(i), tags, ignore=IGNORE, label_all_subwords=label_all_subwords
        )
        for i, tags in enumerate(batch["ner_tags"])
    ]
    return encoding


def word_predictions(
    word_ids: Sequence[int | None], predicted: Sequence[int], n_words: int, *, outside: int = 0
) -> list[int]:
    """One predicted label id per dataset word: the prediction of its first subword.

    ``predicted`` may be longer than ``word_ids`` (padding); a word with no subword
    (cut by truncation) is ``outside`` (the id of "O").
    """
    return word_labels_from_word_ids(
        word_ids, list(predicted)[: len(word_ids)], n_words, default=outside
    )


def tag_sequences(
    predictions: Iterable[Sequence[int]],
    label_ids: Iterable[Sequence[int]],
    id2label: Mapping[int, str],
) -> tuple[list[list[str]], list[list[str]]]:
    """(gold, predicted) tag sequences, keeping only positions whose gold label is not -100."""
    gold, pred = [], []
    for p_row, l_row in zip(predictions, label_ids, strict=True):
        pairs = [
            (id2label[int(lab)], id2label[int(p)])
            for p, lab in zip(p_row, l_row, strict=True)
            if lab != IGNORE
        ]
        gold.append([g for g, _ in pairs])
        pred.append([p for _, p in pairs])
    return gold, pred


def seqeval_scores(gold: list[list[str]], pred: list[list[str]]) -> dict[str, float]:
    """Entity-level precision/recall/F1 (seqeval, strict IOB2) and token accuracy."""
    from seqeval.metrics import accuracy_score, f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    strict: dict[str, Any] = {"mode": "strict", "scheme": IOB2, "zero_division": 0}
    return {
        "precision": float(precision_score(gold, pred, **strict)),
        "recall": float(recall_score(gold, pred, **strict)),
        "f1": float(f1_score(gold, pred, **strict)),
        "accuracy": float(accuracy_score(gold, pred)),
    }


def make_compute_metrics(id2label: Mapping[int, str]) -> Callable[[Any], dict[str, float]]:
    """``compute_metrics`` for the Trainer: argmax of the logits, then ``seqeval_scores``."""

    def compute_metrics(eval_prediction: Any) -> dict[str, float]:
        import numpy as np

        logits, label_ids = eval_prediction[0], eval_prediction[1]
        return seqeval_scores(*tag_sequences(np.argmax(logits, axis=-1), label_ids, id2label))

    return compute_metrics


def row_entities(
    row: Mapping[str, Any], word_tags: Sequence[int], id2label: Mapping[int, str], offset: int
) -> list[dict[str, Any]]:
    """Entities of one ``tokens`` row from word-level tag ids, in document offsets
    (``offset`` is the paragraph's start in the document)."""
    tags = [id2label[int(t)] for t in word_tags]
    starts, ends = row["token_starts"], row["token_ends"]
    return [
        {"start": offset + starts[first], "end": offset + ends[last - 1], "label": label}
        for first, last, label in tag_runs(tags)
    ]


def predictions_to_documents(
    token_rows: Iterable[Mapping[str, Any]],
    word_tags: Mapping[str, Sequence[int]],
    id2label: Mapping[int, str],
    document_rows: Iterable[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Prediction records in the ``documents`` shape, one per document of the split.

    ``word_tags`` maps a ``tokens`` row id to its predicted tag ids (one per word);
    rows without a prediction contribute no entity. Paragraph offsets come from the
    ``documents`` rows of the same split.
    """
    paragraph_start = {
        (doc["id"], p["index"]): p["start"] for doc in document_rows for p in doc["paragraphs"]
    }
    entities: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in token_rows:
        if row["id"] in word_tags:
            offset = paragraph_start[(row["doc_id"], row["paragraph_index"])]
            entities[row["doc_id"]] += row_entities(row, word_tags[row["id"]], id2label, offset)
    doc_ids = sorted({doc_id for doc_id, _ in paragraph_start})
    return [
        {"id": doc_id, "entities": sorted(entities[doc_id], key=lambda e: (e["start"], e["end"]))}
        for doc_id in doc_ids
    ]


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- model (transformers, torch)


def tiny_model(train_words: Iterable[Sequence[str]], id2label: dict[int, str]) -> tuple[Any, Any]:
    """A WordPiece trained on ``train_words`` and a tiny randomly initialised BERT."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from tokenizers.processors import TemplateProcessing
    from transformers import BertConfig, BertForTokenClassification, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.normalizer = normalizers.NFC()
    wordpiece.pre_tokenizer = pre_tokenizers.Whitespace()
    wordpiece.train_from_iterator(
        (" ".join(words) for words in train_words),
        trainers.WordPieceTrainer(vocab_size=500, special_tokens=specials, show_progress=False),
    )
    wordpiece.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]",
        special_tokens=[("[CLS]", specials.index("[CLS]")), ("[SEP]", specials.index("[SEP]"))],
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=wordpiece,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=512,
    )
    config = BertConfig(
        vocab_size=wordpiece.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        num_labels=len(id2label),
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    return tokenizer, BertForTokenClassification(config)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=DEFAULT_DATASET, help="built dataset folder")
    parser.add_argument("--model", help="a model name or path (a fast tokenizer is required)")
    parser.add_argument("--tiny", action="store_true", help="tiny random BERT, a few steps")
    parser.add_argument("--out", type=Path, default=Path("build/recipe"))
    parser.add_argument("--split", default="test", help="split to predict and write")
    parser.add_argument("--epochs", type=float, default=5.0)
    parser.add_argument("--max-steps", type=int, default=-1, help="overrides --epochs if > 0")
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.model and not args.tiny:
        parser.error("give --model NAME_OR_PATH or --tiny")

    import numpy as np
    from transformers import (
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    set_seed(args.seed)
    tokens, documents = load_configs(args.dataset)
    id2label, label2id = label_maps(tokens["train"].features)
    if args.tiny:
        tokenizer, model = tiny_model(tokens["train"]["tokens"], id2label)
        max_steps = args.max_steps if args.max_steps > 0 else 5
    else:
        tokenizer = AutoTokenizer.from_pretrained(args.model)
        if not tokenizer.is_fast:
            raise SystemExit(f"{args.model}: a fast tokenizer is needed (word_ids)")
        model = AutoModelForTokenClassification.from_pretrained(
            args.model, num_labels=len(id2label), id2label=id2label, label2id=label2id
        )
        max_steps = args.max_steps

    encoded = tokens.map(
        tokenize_and_align,
        batched=True,
        fn_kwargs={"tokenizer": tokenizer, "max_length": args.max_length},
        remove_columns=tokens["train"].column_names,
    )
    trainer = Trainer(
        model=model,
        args=TrainingArguments(
            output_dir=str(args.out / "trainer"),
            num_train_epochs=args.epochs,
            max_steps=max_steps,
            learning_rate=args.learning_rate,
            per_device_train_batch_size=args.batch_size,
            per_device_eval_batch_size=args.batch_size,
            eval_strategy="no" if args.tiny else "epoch",
            save_strategy="no",
            logging_steps=1 if args.tiny else 10,
            report_to=[],
            seed=args.seed,
        ),
        train_dataset=encoded["train"],
        eval_dataset=encoded["validation"],
        data_collator=DataCollatorForTokenClassification(tokenizer),
        compute_metrics=make_compute_metrics(id2label),
        processing_class=tokenizer,
    )
    trainer.train()

    split_rows = tokens[args.split]
    output = trainer.predict(encoded[args.split])
    print(
        f"{args.split} (seqeval, strict IOB2):", {k: round(v, 4) for k, v in output.metrics.items()}
    )
    predicted = np.argmax(output.predictions, axis=-1)
    words = tokenizer(
        list(split_rows["tokens"]),
        is_split_into_words=True,
        truncation=True,
        max_length=args.max_length,
    )
    word_tags = {
        row["id"]: word_predictions(
            words.word_ids(i), predicted[i], len(row["tokens"]), outside=label2id["O"]
        )
        for i, row in enumerate(split_rows)
    }
    records = predictions_to_documents(split_rows, word_tags, id2label, documents[args.split])
    path = args.out / "predictions.jsonl"
    write_jsonl(path, records)
    print(f"wrote {path} ({len(records)} documents)")
    print(f"score it: astana evaluate --predictions {path} --split {args.split}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
