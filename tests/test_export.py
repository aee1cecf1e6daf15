"""Trainer exports: spaCy DocBin (checked with `spacy debug data`) and subword alignment.

Subword tokenizers here are WordPieces made offline with `tokenizers` (nothing
downloaded); when transformers is installed they are also wrapped as a
`PreTrainedTokenizerFast` and called the way users call it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from astana_corpus.core.schema import read_schema
from astana_corpus.models.export import (
    align_word_labels,
    labels_for_word_ids,
    paragraph_token_rows,
    tag_runs,
    word_labels_from_word_ids,
)
from astana_corpus.pipeline import export_spacy, gold_for_split
from tests.conftest import ROOT

SCHEMA = read_schema(ROOT)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("spacy")
    counts = export_spacy(ROOT, out_dir=out)
    return out, counts


def test_docbins_hold_every_paragraph_with_whole_token_entities(exported):
    import spacy
    from spacy.tokens import DocBin

    out, counts = exported
    nlp = spacy.blank("ar")
    for split in ("train", "validation", "test"):
        docs = list(DocBin().from_disk(out / f"{split}.spacy").get_docs(nlp.vocab))
        gold = gold_for_split(ROOT, split)
        assert len(docs) == counts[split] == sum(len(g.paragraphs) for g in gold.values())
        assert sum(len(d.ents) for d in docs) == sum(len(g.entities) for g in gold.values())
        for doc in docs:
            assert sorted(doc.cats) == sorted(SCHEMA.event_names)
            assert set(doc.cats.values()) <= {0.0, 1.0}
            for ent in doc.ents:
                assert ent.text == ent.text.strip()


def test_spacy_debug_data_finds_no_misaligned_or_overlapping_entities(exported):
    out, _ = exported
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "debug",
            "data",
            str(ROOT / "configs/ner.cfg"),
            "--paths.train",
            str(out / "train.spacy"),
            "--paths.dev",
            str(out / "validation.spacy"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    report = result.stdout + result.stderr
    assert "Corpus is loadable" in report
    assert "No entities consisting of or starting/ending with whitespace" in report
    assert "No overlap between training and evaluation data" in report
    assert "misaligned" not in report.lower()
    assert "overlapping" not in report.lower()
    # Its one error is the size of the corpus (25 train paragraphs), expected here (README).
    plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", report)  # wasabi colours even with NO_COLOR
    errors = [line.strip() for line in plain.splitlines() if "✘" in line]
    assert errors == ["✘ Low number of examples to train a new pipeline (25)", "✘ 1 error"]
    assert result.returncode == 1


def test_tag_runs_round_trip():
    assert tag_runs(["B-A", "I-A", "O", "I-B", "B-B"]) == [(0, 2, "A"), (3, 4, "B"), (4, 5, "B")]


SPECIALS = ["[UNK]", "[CLS]", "[SEP]"]


def _with_specials(tokenizer):
    from tokenizers.processors import TemplateProcessing

    tokenizer.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 1), ("[SEP]", 2)]
    )
    return tokenizer


def _wordpiece(vocab):
    """A WordPiece with a fixed vocabulary (three specials first)."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    tokenizer = Tokenizer(
        models.WordPiece({t: i for i, t in enumerate([*SPECIALS, *vocab])}, unk_token="[UNK]")
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    return _with_specials(tokenizer)


def _trained_wordpiece(texts, vocab_size=400):
    """A WordPiece trained here on ``texts``, as a user would train one."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(
        texts,
        trainers.WordPieceTrainer(
            vocab_size=vocab_size, special_tokens=SPECIALS, show_progress=False
        ),
    )
    return _with_specials(tokenizer)


def _word_ids(tokenizer, words):
    """``word_ids`` of ``words`` fed as pre-split words: through transformers'
    ``is_split_into_words=True`` when it is installed, else ``tokenizers``' own
    ``is_pretokenized=True`` (the CI needs no transformers)."""
    try:
        from transformers import PreTrainedTokenizerFast
    except ImportError:
        return tokenizer.encode(list(words), is_pretokenized=True).word_ids
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]")
    return fast(list(words), is_split_into_words=True).word_ids()


# Two words of the dataset ("أستانة" | "8") that one subword of the text spans: a
# vocabulary entry over both, or an [UNK] over both (no "6" in the vocabulary).
SPANNING = ("أستانة8", ["أستانة", "8"], [0, 6], [6, 7], ["أستانة8", "أستانة", "8"])
UNKNOWN = ("أستانة6", ["أستانة", "6"], [0, 6], [6, 7], ["أستانة"])


@pytest.mark.parametrize("case", [SPANNING, UNKNOWN], ids=["spanning-subword", "unk"])
def test_offsets_route_loses_a_word_that_word_ids_keep(case):
    text, words, starts, ends, vocab = case
    tags = [5, 7]  # e.g. B-EVENT, I-EVENT: two different labels
    tokenizer = _wordpiece(vocab)

    # The deprecated offsets route: one subword over both words, the second label lost.
    encoding = tokenizer.encode(text)
    assert [o for o in encoding.offsets if o != (0, 0)] == [(0, 7)]
    with pytest.warns(DeprecationWarning, match="labels_for_word_ids"):
        lossy = align_word_labels(encoding.offsets, starts, ends, tags)
    assert lossy == [-100, 5, -100]  # no subword carries the "8"/"6" word's 7

    # The word_ids route: each word has its own subwords ([UNK] included).
    word_ids = _word_ids(tokenizer, words)
    assert word_ids == [None, 0, 1, None]
    labels = labels_for_word_ids(word_ids, tags)
    assert labels == [-100, 5, 7, -100]
    assert word_labels_from_word_ids(word_ids, labels, len(words)) == tags


def test_labels_for_word_ids_first_subword_or_all():
    word_ids = [None, 0, 0, 0, 1, 2, 2, None]
    assert labels_for_word_ids(word_ids, [1, 0, 3]) == [-100, 1, -100, -100, 0, 3, -100, -100]
    assert labels_for_word_ids(word_ids, [1, 0, 3], ignore=-1, label_all_subwords=True) == [
        -1,
        1,
        1,
        1,
        0,
        3,
        3,
        -1,
    ]
    # A word cut by truncation has no subword: it gets the default back.
    assert word_labels_from_word_ids([None, 0, None], [-100, 4, -100], 2, default=0) == [4, 0]


@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_word_ids_route_recovers_every_word_tag_of_every_split(split):
    """The rows of the build (same row code), a WordPiece trained on train text only:
    100% of rows get back exactly their ner_tags (the offsets route lost some)."""
    train_texts = [
        r["text"] for _, _, r, _ in paragraph_token_rows(gold_for_split(ROOT, "train").values())
    ]
    tokenizer = _trained_wordpiece(train_texts)
    rows = [tok for _, _, _, tok in paragraph_token_rows(gold_for_split(ROOT, split).values())]
    recovered = 0
    for row in rows:
        encoding = tokenizer.encode(row["tokens"], is_pretokenized=True)
        labels = labels_for_word_ids(encoding.word_ids, row["ner_tags"])
        assert len(labels) == len(encoding.ids)
        assert labels[0] == labels[-1] == -100  # [CLS], [SEP]
        words = word_labels_from_word_ids(encoding.word_ids, labels, len(row["tokens"]))
        recovered += words == row["ner_tags"]
    assert recovered == len(rows)
