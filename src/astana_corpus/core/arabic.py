"""Arabic text rules: marks, proclitics, and normalisation for *matching only*.

Stored text and offsets always stay those of the original characters; this
module builds a matching view and a map from every character of that view
back to its offset in the original, so a match found in the view can be
reported in original offsets.

>>> view = normalize_with_map("بِسُوريـا")
>>> view.text
'بسوريا'
>>> view.original_span(1, len("بسوريا"))
(2, 9)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Harakat and Quranic marks, superscript alef and tatweel: they belong to the letter
# before them (a token never splits them off; a span may end before them).
MARK_CLASS = "\u064b-\u065f\u0670\u0640"
MARKS = frozenset([chr(c) for c in range(0x064B, 0x0660)] + ["\u0670", "\u0640"])

# Proclitics written before a name inside its token: conjunction (و ف), then a
# preposition (ب ل ك), then the article (ال); or ل + article contracted to لل
# ("للمعارضة"), after which a name's own article is not written.
PROCLITICS = "[وف]?[بلك]?(?:ال)?"
CONTRACTED = "[وف]?لل"
PROCLITIC_SEQUENCE = re.compile(rf"(?:{PROCLITICS}|{CONTRACTED})")

# Removed in the matching view: the marks, and the invisible joiners/marks that
# editors insert between letters.
_DELETE = MARKS | frozenset(["\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff"])

# One-to-one letter folds: hamza/madda alef forms, alef maqsura, ta marbuta,
# hamza carriers, Persian/Urdu letter forms seen in Arabic web text, digits.
_FOLD = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ؤ": "و",
    "ئ": "ي",
    "ی": "ي",
    "ک": "ك",
    "ٮ": "ب",
    **{chr(0x0660 + d): str(d) for d in range(10)},
    **{chr(0x06F0 + d): str(d) for d in range(10)},
}


@dataclass(frozen=True)
class NormalizedView:
    """A matching view of ``original`` with a back-map to original offsets."""

    original: str
    text: str
    # index_map[i] is the offset in ``original`` of the character text[i].
    index_map: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the view to the tightest original span."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside view of length {len(self.text)}")
        return self.index_map[start], self.index_map[end - 1] + 1


def is_word_char(char: str) -> bool:
    """Letters, digits and combining marks make up words; the rest separates them."""
    return unicodedata.category(char)[0] in "LNM" or char in MARKS


def match_key(text: str) -> str:
    """The matching view with whitespace runs collapsed: the key of a name or a line."""
    return " ".join(normalize(text).split())


def fold_char(char: str) -> str:
    """The matching form of one character ('' when it is ignored)."""
    if char in _DELETE:
        return ""
    return _FOLD.get(char, char).casefold()


class _FoldTable(dict[int, str]):
    """``str.translate`` table that fills itself from ``fold_char`` on first sight of a
    character, so the matching view is built by one C loop instead of a Python one."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = fold_char(chr(code))
        return folded


class _LengthTable(dict[int, str]):
    """How many characters each character becomes in the view, as a digit ('1' mostly)."""

    def __missing__(self, code: int) -> str:
        length = self[code] = str(min(len(fold_char(chr(code))), 9))
        return length


_FOLDS = _FoldTable()
_LENGTHS = _LengthTable()
_NOT_ONE = re.compile("[^1]")


def normalize(text: str) -> str:
    """The matching view of ``text`` without the offset map (``fold_char`` of every
    character, joined)."""
    return text.translate(_FOLDS)


def normalize_with_map(text: str) -> NormalizedView:
    """The matching view of ``text`` and where each of its characters came from."""
    view = text.translate(_FOLDS)
    lengths = text.translate(_LENGTHS)
    index_map: list[int] = []
    done = 0
    for special in _NOT_ONE.finditer(lengths):  # characters dropped or folded to several
        offset = special.start()
        index_map.extend(range(done, offset))
        index_map.extend([offset] * len(fold_char(text[offset])))
        done = offset + 1
    index_map.extend(range(done, len(text)))
    return NormalizedView(original=text, text=view, index_map=tuple(index_map))
