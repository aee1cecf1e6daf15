"""Exports for trainers: spaCy DocBin files, and subword alignment for transformers.

`astana export spacy` writes ``<out>/<split>.spacy``: one Doc per paragraph,
tokenised exactly like the ``tokens`` config (the same row code as the build),
with whole-token entity spans and ``doc.cats`` holding the event labels (1.0 /
0.0 for every label of the schema), so one file trains both NER and
``textcat_multilabel``. Train on them with ``gold_preproc = true`` (as the
configs in ``configs/`` do) so spaCy keeps these tokens, and with the tokenizer
``astana_corpus.tokenizer.v1`` (core/tokens.py; the configs' ``[nlp.tokenizer]``) so
the trained model cuts raw text into the same tokens.
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
#
# Give a fast tokenizer the dataset's words (``tokens``) with ``is_split_into_words=True``
# and map labels through ``word_ids()``: every subword then belongs to exactly one dataset
# word, so no word loses its label. Tokenising the paragraph text and mapping by character
# offsets cannot be exact: a subword (or an ``[UNK]``) may span two dataset words
# ("أستانة8" is "أستانة" | "8" in the dataset) and only one of them gets a label.


def labels_for_word_ids(
    word_ids: Sequence[int | None],
    word_labels: Sequence[Any],
    *,
    ignore: Any = -100,
    label_all_subwords: bool = False,
) -> list[Any]:
    """Subword labels from the word labels of a ``tokens`` row, through ``word_ids``.

    ``word_ids`` is ``encoding.word_ids(i)`` of a fast tokenizer called on the
    row's ``tokens`` with ``is_split_into_words=True`` (or ``Encoding.word_ids``
    of ``tokenizers`` with ``is_pretokenized=True``): the index of the dataset
    word each subword comes from, ``None`` for special tokens. The first subword
    of each word gets the word's label; special tokens and, unless
    ``label_all_subwords``, the later subwords of a word get ``ignore`` (-100,
    which PyTorch's cross-entropy skips). With ``label_all_subwords`` the later
    subwords repeat the word's label as is (no B- to I- rewrite).

    >>> labels_for_word_ids([None, 0, 0, 1, None], [3, 0])
    [-100, 3, -100, 0, -100]
    >>> labels_for_word_ids([None, 0, 0, 1, None], [3, 0], label_all_subwords=True)
    [-100, 3, 3, 0, -100]
    """
    labels = []
    previous = None
    for word in word_ids:
        if word is None:
            labels.append(ignore)
        elif word != previous or label_all_subwords:
            labels.append(word_labels[word])
        else:
            labels.append(ignore)
        previous = word
    return labels


def word_labels_from_word_ids(
    word_ids: Sequence[int | None],
    subword_labels: Sequence[Any],
    n_words: int,
    *,
    default: Any = None,
) -> list[Any]:
    """The inverse: one label per dataset word, from its first subword.

    Use it on gold subword labels (it gives back the row's ``ner_tags``) or on a
    model's predicted label ids (word-level predictions). A word with no subword
    (cut by truncation) gets ``default``.

    >>> word_labels_from_word_ids([None, 0, 0, 1, None], [-100, 3, -100, 0, -100], 3, default=0)
    [3, 0, 0]
    """
    words = [default] * n_words
    seen = set()
    for word, label in zip(word_ids, subword_labels, strict=True):
        if word is not None and word not in seen:
            seen.add(word)
            words[word] = label
    return words


def align_word_labels(
    offsets: Sequence[tuple[int, int]],
    word_starts: Sequence[int],
    word_ends: Sequence[int],
    word_labels: Sequence[int],
    *,
    ignore: int = -100,
    label_all_subwords: bool = False,
) -> list[int]:
    """Deprecated (lossy): use ``labels_for_word_ids`` with ``is_split_into_words=True``.

    Labels subword tokens of the paragraph text by their character ``offsets``.
    A subword that spans two dataset words (a WordPiece or ``[UNK]`` over
    "أستانة8", which the dataset splits into "أستانة" | "8") carries the label
    of the first word only, and the second word's label is lost. Kept for
    existing callers; it warns with ``DeprecationWarning``.

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     align_word_labels([(0, 0), (0, 2), (2, 5), (6, 9), (0, 0)], [0, 6], [5, 9], [1, 0])
    [-100, 1, -100, 0, -100]
    """
    import warnings
    from bisect import bisect_right

    warnings.warn(
        "align_word_labels loses the label of a word when one subword spans two dataset "
        "words; tokenise the row's tokens with is_split_into_words=True and use "
        "labels_for_word_ids(encoding.word_ids(i), ner_tags)",
        DeprecationWarning,
        stacklevel=2,
    )
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
