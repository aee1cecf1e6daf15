"""Tokenisation and IOB2 tags derived from character spans.

Tokens come from spaCy's blank Arabic pipeline, extended with rules that do
not look at annotations (the test split is tokenised as a model would see it).
The tokenizer is registered with spaCy as ``astana_corpus.tokenizer.v1``
(``create_tokenizer``), so the training configs and every model trained from
them tokenise raw text with these same rules:

- a punctuation character at either edge of a token is split off
  ("2017." → "2017" "."; "والأسرى”." → "والأسرى" "”" ".");
- letters and digits glued together are split ("أستانة7" → "أستانة" "7");
- a hyphen or slash between word characters is its own token
  ("أستانا-7" → "أستانا" "-" "7"; "الأول/أكتوبر" → "الأول" "/" "أكتوبر").

Harakat, shadda and tatweel are never split from their letter. Whitespace is
never a token.

Tags follow the whole-token convention of Wojood and ANERcorp: every token
that overlaps an entity span is tagged with its type, so "بسوريا" (proclitic +
name, one token) is ``B-GPE``. Token offsets are kept so users can map tags
back to the exact character spans.

>>> tokens = tokenize("وصل الوفد بسوريا")
>>> [t.text for t in tokens]
['وصل', 'الوفد', 'بسوريا']
>>> iob2_tags(tokens, [Span(len("وصل الوفد ب"), len("وصل الوفد بسوريا"), "GPE")])[0]
['O', 'O', 'B-GPE']
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from astana_corpus.core.arabic import MARK_CLASS
from astana_corpus.core.records import Span

# Any single character that is not a letter/digit/space and not an Arabic mark.
_PUNCT = rf"[^\w\s{MARK_CLASS}]"
EXTRA_INFIXES = (
    r"(?<=[^\W\d_])(?=\d)",  # letter | digit
    r"(?<=\d)(?=[^\W\d_])",  # digit | letter
    r"(?<=\w)[-–/](?=\w)",  # hyphen, en dash or slash between word characters
)


class Token(NamedTuple):
    """A token and its half-open offsets (a tuple: a paragraph makes dozens of them, and
    a tuple is built several times faster than a frozen dataclass)."""

    text: str
    start: int
    end: int


# The name configs give it (``[nlp.tokenizer] @tokenizers = ...``). spaCy finds it through
# the ``spacy_tokenizers`` entry point in pyproject.toml, so a saved pipeline loads in a
# process that never imported this package.
TOKENIZER_NAME = "astana_corpus.tokenizer.v1"


def create_tokenizer() -> Callable[[Any], Any]:
    """The registered spaCy tokenizer factory: ``nlp -> Tokenizer`` with the dataset's rules.

    It is the one implementation of a token: ``tokenize`` (and so the ``tokens``
    config) runs the pipeline it builds. The rules are Arabic's whatever the
    pipeline's ``lang``, so a model trained with it tokenises raw text exactly as
    the dataset did (except that spaCy keeps runs of extra whitespace as space
    tokens, which ``tokenize`` drops).
    """
    from spacy.lang.ar import Arabic
    from spacy.tokenizer import Tokenizer  # type: ignore[import-not-found]  # Cython, no stub
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    defaults: Any = Arabic.Defaults

    def tokenizer_factory(nlp: Any) -> Any:
        return Tokenizer(
            nlp.vocab,
            rules=defaults.tokenizer_exceptions,
            prefix_search=compile_prefix_regex([*defaults.prefixes, _PUNCT]).search,
            suffix_search=compile_suffix_regex([*defaults.suffixes, _PUNCT]).search,
            infix_finditer=compile_infix_regex([*defaults.infixes, *EXTRA_INFIXES]).finditer,
            token_match=defaults.token_match,
            url_match=defaults.url_match,
        )

    return tokenizer_factory


@lru_cache(maxsize=1)
def arabic_tokenizer() -> Any:
    """A blank Arabic pipeline whose tokenizer is the registered one (``TOKENIZER_NAME``).

    Its config names the tokenizer, so ``arabic_tokenizer().to_disk(path)`` saves a
    pipeline that ``spacy.load(path)`` rebuilds with the same rules.
    """
    import spacy
    from spacy.util import registry

    # Registered here too, so the package works from a checkout without installed metadata.
    registry.tokenizers.register(TOKENIZER_NAME, func=create_tokenizer)
    return spacy.blank("ar", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})


def _tokens(doc: Any, text: str) -> list[Token]:
    # spaCy keeps runs of extra spaces as tokens; they carry no label and are dropped
    # (offsets make the original spacing recoverable). Offsets come from one array
    # (to_array) and texts are slices of the input (a token's text is always its slice):
    # no spaCy Token object is made per token.
    return [
        Token(text[start : start + length], start, start + length)
        for start, length, space in doc.to_array(["IDX", "LENGTH", "IS_SPACE"]).tolist()
        if not space
    ]


def tokenize(text: str) -> list[Token]:
    return _tokens(arabic_tokenizer()(text), text)


def tokenize_many(texts: Iterable[str]) -> Iterable[list[Token]]:
    """Tokenise a stream of texts (``nlp.pipe``: one process, see DESIGN performance notes)."""
    texts = list(texts)
    for text, doc in zip(texts, arabic_tokenizer().pipe(texts, batch_size=256), strict=True):
        yield _tokens(doc, text)


@dataclass(frozen=True)
class TagConflict:
    """A token that two different entity spans overlap (the tags cannot say both)."""

    token_index: int
    first: Span
    second: Span


def iob2_tags(
    tokens: Sequence[Token], spans: Iterable[Span]
) -> tuple[list[str], list[TagConflict]]:
    """IOB2 tags of ``tokens`` from character spans (whole-token convention).

    Tokens are found by bisecting their offsets, so a span that starts inside a
    token (after a proclitic) or ends inside one (before a mark) still covers
    the whole token. A token claimed by two spans keeps the first and is
    reported as a conflict.
    """
    starts = [t.start for t in tokens]
    ends = [t.end for t in tokens]
    tags = ["O"] * len(tokens)
    owner: dict[int, Span] = {}
    conflicts = []
    for span in sorted(spans):
        start, end, label = span.start, span.end, span.label
        first = bisect_right(ends, start)  # first token ending after the span starts
        last = bisect_left(starts, end)  # tokens before this start before the span ends
        for i in range(first, last):
            if i in owner:
                conflicts.append(TagConflict(i, owner[i], span))
                continue
            owner[i] = span
            tags[i] = ("B-" if i == first or owner.get(i - 1) != span else "I-") + label
    return tags, conflicts


def bio_problems(tags: Sequence[str]) -> list[tuple[int, str]]:
    """Positions where an IOB2 sequence is malformed (I- not after B-/I- of its type)."""
    problems = []
    previous = "O"
    for i, tag in enumerate(tags):
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            problems.append((i, f"{tag} follows {previous}"))
        elif not (tag == "O" or tag.startswith(("B-", "I-"))):
            problems.append((i, f"{tag!r} is not an IOB2 tag"))
        previous = tag
    return problems
