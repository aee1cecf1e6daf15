"""Trainer exports: spaCy DocBin (checked with `spacy debug data`) and subword alignment."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from astana_corpus.core.schema import read_schema
from astana_corpus.models.export import align_word_labels, tag_runs
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
    for split in ("train", "dev", "test"):
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
            str(out / "dev.spacy"),
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


def test_tag_runs_round_trip():
    assert tag_runs(["B-A", "I-A", "O", "I-B", "B-B"]) == [(0, 2, "A"), (3, 4, "B"), (4, 5, "B")]


def test_subword_alignment_with_an_offline_wordpiece(tmp_path):
    """A WordPiece trained here on the corpus (nothing downloaded) + align_word_labels."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from tokenizers.processors import TemplateProcessing

    from astana_corpus.models.export import paragraph_token_rows

    pairs = [
        (row, words)
        for _record, _view, row, words in paragraph_token_rows(
            gold_for_split(ROOT, "train").values()
        )
    ]
    rows = [row for row, _ in pairs]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(
        (r["text"] for r in rows),
        trainers.WordPieceTrainer(vocab_size=400, special_tokens=["[UNK]", "[CLS]", "[SEP]"]),
    )
    tokenizer.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 1), ("[SEP]", 2)]
    )

    checked = 0
    for row, words in pairs:
        encoding = tokenizer.encode(row["text"])
        labels = align_word_labels(
            encoding.offsets, words["token_starts"], words["token_ends"], words["ner_tags"]
        )
        assert len(labels) == len(encoding.ids)
        assert labels[0] == labels[-1] == -100  # [CLS], [SEP]
        first_subword = {}
        for (start, end), label in zip(encoding.offsets, labels, strict=True):
            if start == end:
                continue
            for w, (ws, we) in enumerate(
                zip(words["token_starts"], words["token_ends"], strict=True)
            ):
                if ws <= start < we:
                    if w not in first_subword:
                        first_subword[w] = label
                    else:
                        assert label == -100  # only the first subword of a word is labelled
        for w, label in first_subword.items():
            assert label == words["ner_tags"][w]
            checked += 1
    assert checked > 500
