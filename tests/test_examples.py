"""The data side of examples/transformers_token_classification.py, offline, on the build.

No torch and no transformers are needed: the tokenizer is a WordPiece trained here with
`tokenizers` and called on the dataset's words as pre-split words (wrapped as a
`PreTrainedTokenizerFast` when transformers happens to be installed). The model part of
the example is the optional check of the README.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace

import pytest

from astana_corpus.core.schema import read_schema
from astana_corpus.core.tokens import tokenize
from astana_corpus.models.evaluate import evaluate, read_predictions
from astana_corpus.models.export import word_labels_from_word_ids
from astana_corpus.pipeline import build, gold_for_split
from tests.conftest import ROOT

SCHEMA = read_schema(ROOT)
SPLITS = ("train", "validation", "test")
EXAMPLE = ROOT / "examples" / "transformers_token_classification.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("transformers_token_classification", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


recipe = _load_example()


class _Batch(dict):
    """What a fast tokenizer returns for a batch: input ids, masks and ``word_ids(i)``."""

    def __init__(self, encodings):
        super().__init__(
            input_ids=[e.ids for e in encodings],
            attention_mask=[e.attention_mask for e in encodings],
        )
        self._encodings = encodings

    def word_ids(self, i):
        return self._encodings[i].word_ids


class _PreSplitWordPiece:
    """A `tokenizers.Tokenizer` called like a transformers fast tokenizer."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, batch, *, is_split_into_words, truncation, max_length=None):
        assert is_split_into_words
        if truncation:
            self.tokenizer.enable_truncation(max_length or 512)
        return _Batch(self.tokenizer.encode_batch(list(batch), is_pretokenized=True))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist") / "astana-corpus"
    build(ROOT, out_dir=out)
    return recipe.load_configs(out)


@pytest.fixture(scope="module")
def tokenizer(dataset):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from tokenizers.processors import TemplateProcessing

    tokens, _ = dataset
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.pre_tokenizer = pre_tokenizers.Whitespace()
    wordpiece.train_from_iterator(
        (" ".join(words) for words in tokens["train"]["tokens"]),
        trainers.WordPieceTrainer(
            vocab_size=300, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"], show_progress=False
        ),
    )
    wordpiece.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    try:
        from transformers import PreTrainedTokenizerFast
    except ImportError:
        return _PreSplitWordPiece(wordpiece)
    return PreTrainedTokenizerFast(
        tokenizer_object=wordpiece, unk_token="[UNK]", pad_token="[PAD]", model_max_length=512
    )


@pytest.fixture(scope="module")
def encoded(dataset, tokenizer):
    tokens, _ = dataset
    return tokens.map(recipe.tokenize_and_align, batched=True, fn_kwargs={"tokenizer": tokenizer})


def test_label_maps_follow_the_class_label_names(dataset):
    tokens, _ = dataset
    id2label, label2id = recipe.label_maps(tokens["train"].features)
    assert list(id2label.values()) == list(SCHEMA.iob2_names)
    assert list(id2label) == list(range(len(SCHEMA.iob2_names)))
    assert {v: k for k, v in id2label.items()} == label2id
    assert id2label[0] == "O"


@pytest.mark.parametrize("split", SPLITS)
def test_alignment_recovers_every_word_tag(dataset, tokenizer, encoded, split):
    """100% of rows: the first-subword labels give back exactly the row's ner_tags."""
    rows = dataset[0][split]
    words = tokenizer(list(rows["tokens"]), is_split_into_words=True, truncation=True)
    assert len(encoded[split]) == len(rows) > 0
    for i, (row, enc) in enumerate(zip(rows, encoded[split], strict=True)):
        assert len(enc["labels"]) == len(enc["input_ids"])
        recovered = word_labels_from_word_ids(words.word_ids(i), enc["labels"], len(row["tokens"]))
        assert recovered == row["ner_tags"], row["id"]


def test_metrics_are_seqeval_strict(dataset):
    id2label, label2id = recipe.label_maps(dataset[0]["train"].features)
    b, i, o = label2id["B-PER"], label2id["I-PER"], label2id["O"]
    labels = [[-100, b, i, o, -100], [-100, o, b, -100]]
    perfect = recipe.tag_sequences(labels, labels, id2label)
    assert perfect[0] == [["B-PER", "I-PER", "O"], ["O", "B-PER"]]
    assert recipe.seqeval_scores(*perfect)["f1"] == 1.0
    # I- without B- starts no entity under strict IOB2: one of two gold found, no false one.
    predicted = [[0, i, i, o, 0], [0, o, b, 0]]
    scores = recipe.seqeval_scores(*recipe.tag_sequences(predicted, labels, id2label))
    assert (scores["precision"], scores["recall"]) == (1.0, 0.5)


def _inside_token_spans(record):
    """Gold spans that whole-token tags cannot give back: those that start (after a
    proclitic) or end inside a token of their paragraph."""
    inside = set()
    for p in record.paragraphs:
        tokens = tokenize(record.text[p.start : p.end])
        starts = {p.start + t.start for t in tokens}
        ends = {p.start + t.end for t in tokens}
        for e in record.entities:
            if (
                p.start <= e.start
                and e.end <= p.end
                and (e.start not in starts or e.end not in ends)
            ):
                inside.add(e.span)
    return inside


@pytest.mark.parametrize("split", SPLITS)
def test_gold_tags_as_predictions_round_trip_to_spans(dataset, tokenizer, encoded, split, tmp_path):
    """Gold subword labels fed as model outputs → word tags → document spans → JSONL →
    `astana evaluate`: strict F1 1.0 on the paragraphs whose spans are whole tokens,
    clitic-tolerant F1 1.0 on all of them."""
    tokens, documents = dataset
    id2label, label2id = recipe.label_maps(tokens[split].features)
    rows = tokens[split]
    words = tokenizer(list(rows["tokens"]), is_split_into_words=True, truncation=True)
    word_tags = {
        row["id"]: recipe.word_predictions(
            words.word_ids(i),
            [*enc["labels"], -100, -100],  # padded, as Trainer.predict pads a batch
            len(row["tokens"]),
            outside=label2id["O"],
        )
        for i, (row, enc) in enumerate(zip(rows, encoded[split], strict=True))
    }
    records = recipe.predictions_to_documents(rows, word_tags, id2label, documents[split])
    path = tmp_path / "predictions.jsonl"
    recipe.write_jsonl(path, records)

    gold = gold_for_split(ROOT, split)
    predictions = read_predictions(path, gold, SCHEMA)
    assert sorted(predictions) == sorted(gold) == [r["id"] for r in records]
    scores = evaluate(gold, predictions, SCHEMA)["entities"]
    assert scores["clitic"]["micro"]["f1"] == 1.0

    # Every span outside `inside` comes back exactly; every span inside comes back as
    # the whole token, which differs from gold by a leading proclitic.
    inside = {doc_id: _inside_token_spans(record) for doc_id, record in gold.items()}
    for doc_id, record in gold.items():
        got = set(predictions[doc_id].entities)
        expected = {e.span for e in record.entities}
        assert expected - inside[doc_id] <= got
        assert len(got) == len(expected)
        for span in inside[doc_id]:
            assert span not in got
            assert any(g.end == span.end and g.start < span.start for g in got - expected)
    n_inside = sum(map(len, inside.values()))
    assert (scores["strict"]["micro"]["f1"] == 1.0) == (n_inside == 0)

    # Strict F1 1.0 once the paragraphs holding such spans are left out of both sides.
    bad = {
        doc_id: [
            (p.start, p.end)
            for p in r.paragraphs
            if any(p.start <= s.start < p.end for s in inside[doc_id])
        ]
        for doc_id, r in gold.items()
    }

    def kept(doc_id, span):
        return not any(a <= span.start < b for a, b in bad[doc_id])

    gold_aligned = {
        i: replace(r, entities=tuple(e for e in r.entities if kept(i, e.span)))
        for i, r in gold.items()
    }
    pred_aligned = {
        i: replace(p, entities=tuple(s for s in p.entities if kept(i, s)))
        for i, p in predictions.items()
    }
    aligned_scores = evaluate(gold_aligned, pred_aligned, SCHEMA)["entities"]
    assert aligned_scores["strict"]["micro"]["f1"] == 1.0
    assert sum(len(r.entities) for r in gold_aligned.values()) > 0


def test_inside_token_spans_of_the_corpus_are_proclitic_spans():
    """What whole-token tags cannot give back, listed for the card: every such span
    starts after a proclitic inside its token and ends at a token end."""
    from astana_corpus.core.arabic import PROCLITIC_SEQUENCE

    found = []
    for split in SPLITS:
        for record in gold_for_split(ROOT, split).values():
            for span in sorted(_inside_token_spans(record)):
                p = next(p for p in record.paragraphs if p.start <= span.start < p.end)
                text = record.text[p.start : p.end]
                start, end = span.start - p.start, span.end - p.start
                token = next(t for t in tokenize(text) if t.start < start < t.end)
                assert PROCLITIC_SEQUENCE.fullmatch(text[token.start : start])
                assert end in {t.end for t in tokenize(text)}
                found.append((split, record.id, text[token.start : end]))
    assert found  # the corpus has some ("بسوريا"-like): the clitic score exists for them
