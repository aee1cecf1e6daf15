"""Span boundary rules shared by annotation tools and validation.

A span may start inside a whitespace/punctuation token only after a proclitic
sequence (و ف, then ب ل ك, then ال, or the contracted لل), and must end at the
end of a token, or before trailing harakat/tatweel.

>>> text = "وصل وفد بسوريا"
>>> proclitic_prefix(text, text.index("سوريا"))
'ب'
>>> boundary_problem(text, text.index("وريا"), len(text))
"span starts inside the token 'بسوريا' after 'بس', which is not a proclitic sequence"
"""

from __future__ import annotations

import re
import unicodedata

PROCLITIC_SEQUENCE = re.compile(r"(?:[وف]?[بلك]?(?:ال)?|[وف]?لل)")
_MARKS = frozenset([chr(c) for c in range(0x064B, 0x0660)] + ["\u0670", "\u0640"])


def is_word_char(char: str) -> bool:
    """Letters, digits and combining marks make up tokens; the rest separates them."""
    return unicodedata.category(char)[0] in "LNM" or char in _MARKS


def token_bounds(text: str, offset: int) -> tuple[int, int]:
    """The [start, end) of the run of word characters around ``offset``."""
    start = offset
    while start > 0 and is_word_char(text[start - 1]):
        start -= 1
    end = offset
    while end < len(text) and is_word_char(text[end]):
        end += 1
    return start, end


def proclitic_prefix(text: str, start: int) -> str:
    """The part of the token before ``start`` ('' when the span starts a token)."""
    return text[token_bounds(text, start)[0] : start]


def boundary_problem(text: str, start: int, end: int) -> str | None:
    """Why ``text[start:end]`` breaks the span boundary rules, or None when it is fine."""
    if not 0 <= start < end <= len(text):
        return f"span [{start}, {end}) is empty or outside the text (length {len(text)})"
    surface = text[start:end]
    if surface != surface.strip() or not is_word_char(surface[0]) or not is_word_char(surface[-1]):
        return f"span {surface!r} starts or ends on whitespace or punctuation"
    prefix = proclitic_prefix(text, start)
    if prefix and not PROCLITIC_SEQUENCE.fullmatch(prefix):
        token_start, token_end = token_bounds(text, start)
        return (
            f"span starts inside the token {text[token_start:token_end]!r} after {prefix!r}, "
            "which is not a proclitic sequence"
        )
    if end < len(text) and is_word_char(text[end]) and text[end] not in _MARKS:
        token_start, token_end = token_bounds(text, end - 1)
        return f"span ends inside the token {text[token_start:token_end]!r}"
    return None
