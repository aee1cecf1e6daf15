"""Span boundary rules, over the tokens of ``core.tokens`` (the one definition of a token).

A span starts at a token start, or inside a token only after a proclitic
sequence (و ف, then ب ل ك, then ال, or the contracted لل); it ends at a token
end, or before trailing harakat/tatweel. Because the tokenizer splits letters
from digits, a GPE "أستانة" inside "أستانة7" ends at a token end and is valid.

>>> text = "وصل وفد بسوريا"
>>> proclitic_prefix(text, text.index("سوريا"))
'ب'
>>> boundary_problem(text, text.index("وريا"), len(text))
"span starts inside the token 'بسوريا' after 'بس', which is not a proclitic sequence"
>>> boundary_problem("مؤتمر أستانة7", len("مؤتمر "), len("مؤتمر أستانة")) is None
True
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from astana_corpus.core.arabic import MARKS, PROCLITIC_SEQUENCE, is_word_char
from astana_corpus.core.records import Span
from astana_corpus.core.tokens import Token, tokenize


def token_at(
    tokens: Sequence[Token], offset: int, starts: Sequence[int] | None = None
) -> Token | None:
    """The token that contains character ``offset`` (None on whitespace); ``starts`` are
    the tokens' starts when the caller has them (a binary search, not a scan per call)."""
    i = bisect_right([t.start for t in tokens] if starts is None else starts, offset) - 1
    if i >= 0 and offset < tokens[i].end:
        return tokens[i]
    return None


def proclitic_prefix(text: str, start: int, tokens: Sequence[Token] | None = None) -> str:
    """The part of the token before ``start`` ('' when the span starts a token)."""
    token = token_at(tokenize(text) if tokens is None else tokens, start)
    return text[token.start : start] if token else ""


def boundary_problem(
    text: str,
    start: int,
    end: int,
    tokens: Sequence[Token] | None = None,
    starts: Sequence[int] | None = None,
) -> str | None:
    """Why ``text[start:end]`` breaks the span boundary rules, or None when it is fine.

    ``tokens`` are ``tokenize(text)`` when the caller has them already, ``starts`` their
    starts (a caller checking many spans of one text computes them once).
    """
    if not 0 <= start < end <= len(text):
        return f"span [{start}, {end}) is empty or outside the text (length {len(text)})"
    surface = text[start:end]
    if surface != surface.strip() or not is_word_char(surface[0]) or not is_word_char(surface[-1]):
        return f"span {surface!r} starts or ends on whitespace or punctuation"
    tokens = tokenize(text) if tokens is None else tokens
    starts = [t.start for t in tokens] if starts is None else starts
    first = token_at(tokens, start, starts)
    if first is not None and first.start < start:
        prefix = text[first.start : start]
        if not PROCLITIC_SEQUENCE.fullmatch(prefix):
            return (
                f"span starts inside the token {first.text!r} after {prefix!r}, "
                "which is not a proclitic sequence"
            )
    last = token_at(tokens, end - 1, starts)
    if last is not None and end < last.end and any(c not in MARKS for c in text[end : last.end]):
        return f"span ends inside the token {last.text!r}"
    return None


def clitic_snap(
    text: str, gold: Sequence[Span], pred: Sequence[Span], *, tokens: Sequence[Token] | None = None
) -> list[Span]:
    """``pred`` with every span that differs from a ``gold`` span only by a leading
    proclitic sequence ("بسوريا" for "سوريا") replaced by that gold span. ``tokens`` are
    ``tokenize(text)`` when the caller has them already (a built dataset's token offsets).

    >>> text = "وصل بسوريا"
    >>> clitic_snap(text, [Span(5, 10, "GPE")], [Span(4, 10, "GPE")])
    [Span(start=5, end=10, label='GPE')]
    """
    gold_set = set(gold)
    snapped = []
    for p in pred:
        if p not in gold_set:
            for g in gold:
                if not (g.end == p.end and g.label == p.label and p.start < g.start):
                    continue
                tokens = tokenize(text) if tokens is None else tokens
                token = token_at(tokens, g.start)
                if (
                    token is not None
                    and token.start == p.start
                    and PROCLITIC_SEQUENCE.fullmatch(text[p.start : g.start])
                ):
                    p = g
                    break
        snapped.append(p)
    return snapped
