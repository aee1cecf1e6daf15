"""Exports for trainers: spaCy DocBin files, and subword alignment for transformers.

`astana export spacy` writes ``<out>/<split>.spacy``: one Doc per paragraph,
tokenised exactly like the ``tokens`` config (the same row code as the build),
with whole-token entity spans and ``doc.cats`` holding the event labels (1.0 /
0.0 for every label of the schema), so one file trains both NER and
``textcat_multilabel``. Train on them with ``gold_preproc = true`` (as the
configs in ``configs/`` do) so spaCy keeps these tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from astana_corpus.core.io import atomic_open
from astana_corpus.core.records import GoldDocument
from astana_corpus.core.schema import Schema
from astana_corpus.dataset.rows import ParagraphView, paragraph_row, paragraph_views, token_row


def doc_from_token_row(vocab: Any, tok: Mapping[str, Any]) -> Any:
    """A spaCy Doc with exactly the tokens of a ``tokens`` row (no annotations)."""
    from spacy.tokens import Doc

    starts, ends = tok["token_starts"], tok["token_ends"]
    # A gap before the next token is whitespace (tokens cover everything else).
    spaces = [i + 1 < len(starts) and ends[i] < starts[i + 1] for i in range(len(starts))]
    return Doc(vocab, words=tok["tokens"], spaces=spaces)


def paragraph_token_rows(
    records: Iterable[GoldDocument],
) -> Iterator[tuple[GoldDocument, ParagraphView, dict[str, Any], dict[str, Any]]]:
    """(gold record, view, paragraph row, tokens row) for every paragraph, as the build
    makes them."""
    for record in records:
        for view in paragraph_views(record):
            yield record, view, paragraph_row(record, view), token_row(record, view)


def paragraph_docs(records: Iterable[GoldDocument], schema: Schema, vocab: Any) -> Iterator[Any]:
    """spaCy Docs (one per paragraph) for gold records, with entities and cats."""
    from spacy.tokens import Span

    for _record, _view, row, tok in paragraph_token_rows(records):
        doc = doc_from_token_row(vocab, tok)
        doc.ents = [Span(doc, s, e, label=lb) for s, e, lb in tag_runs(tok["ner_tags"])]
        doc.cats = {name: float(name in row["events"]) for name in schema.event_names}
        doc.user_data["id"] = row["id"]
        yield doc


def tag_runs(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start token, end token, label) of each entity in an IOB2 sequence.

    >>> tag_runs(["O", "B-GPE", "B-PER", "I-PER", "O"])
    [(1, 2, 'GPE'), (2, 4, 'PER')]
    """
    runs: list[tuple[int, int, str]] = []
    for i, tag in enumerate(tags):
        if tag.startswith("B-") or (
            tag.startswith("I-") and (not runs or runs[-1][1] != i or runs[-1][2] != tag[2:])
        ):
            runs.append((i, i + 1, tag[2:]))
        elif tag.startswith("I-"):
            start, _, label = runs[-1]
            runs[-1] = (start, i + 1, label)
    return runs


def write_docbins(
    gold_by_split: Mapping[str, Sequence[GoldDocument]], schema: Schema, *, out_dir: Path
) -> dict[str, int]:
    """Write one DocBin per split; return the number of Docs in each."""
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank("ar").vocab
    counts = {}
    for split, records in gold_by_split.items():
        docbin = DocBin(store_user_data=True)
        for doc in paragraph_docs(records, schema, vocab):
            docbin.add(doc)
        with atomic_open(out_dir / f"{split}.spacy", "wb") as handle:
            handle.write(docbin.to_bytes())
        counts[split] = len(docbin)
    return counts


# ---------------------------------------------------------------- transformers


def align_word_labels(
    offsets: Sequence[tuple[int, int]],
    word_starts: Sequence[int],
    word_ends: Sequence[int],
    word_labels: Sequence[int],
    *,
    ignore: int = -100,
    label_all_subwords: bool = False,
) -> list[int]:
    """Labels for subword tokens from word labels of the ``tokens`` config.

    ``offsets`` are the subword character offsets into the same paragraph text
    (``return_offsets_mapping=True`` in a fast tokenizer). A subword gets the
    label of the word it falls in; special tokens ((0, 0) offsets) and, unless
    ``label_all_subwords``, every subword but the first of a word get ``ignore``
    (-100, which PyTorch's cross-entropy skips).

    >>> align_word_labels([(0, 0), (0, 2), (2, 5), (6, 9), (0, 0)], [0, 6], [5, 9], [1, 0])
    [-100, 1, -100, 0, -100]
    """
    from bisect import bisect_right

    labels = []
    previous_word = None
    for start, end in offsets:
        if start == end:
            labels.append(ignore)
            previous_word = None
            continue
        word = bisect_right(word_starts, start) - 1
        if word < 0 or start >= word_ends[word]:
            labels.append(ignore)  # a subword over whitespace or between words
            previous_word = None
            continue
        if word == previous_word and not label_all_subwords:
            labels.append(ignore)
        else:
            labels.append(word_labels[word])
        previous_word = word
    return labels
