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


# ``fold_char`` as one table: str.translate and str.casefold run in C, and casefold maps
# each character on its own, so ``normalize`` equals joining ``fold_char`` of each one.
_FOLD_TABLE = str.maketrans({**_FOLD, **dict.fromkeys(_DELETE)})

# The folds of news text's everyday letters, done as ``str.replace`` runs (each a scan in
# C): str.translate looks each non-ASCII character up in a dict, ~8x slower on an Arabic
# paragraph (measured in the ingest). A text with any other folded or deleted character
# (marks, joiners, digits, rare letter forms) takes the table. No fold's result is
# folded again, so the order of the replacements does not matter.
_COMMON_FOLDS = tuple((k, _FOLD[k]) for k in "أإآىةؤئ")
_RARE_FOLDS = re.compile(
    "["
    + re.escape("".join(sorted(set(map(chr, _FOLD_TABLE)) - {k for k, _ in _COMMON_FOLDS})))
    + "]"
)


def _fold(text: str) -> str:
    """``text.translate(_FOLD_TABLE)``."""
    if _RARE_FOLDS.search(text) is not None:
        return text.translate(_FOLD_TABLE)
    for letter, folded in _COMMON_FOLDS:
        text = text.replace(letter, folded)
    return text


def normalize(text: str) -> str:
    """The matching view of ``text`` without the offset map."""
    return _fold(text).casefold()


def normalize_with_map(text: str) -> NormalizedView:
    """The matching view of ``text`` and where each of its characters came from."""
    folded = _fold(text)
    view = folded.casefold()
    if len(folded) == len(view) == len(text):
        # Nothing deleted and nothing folded into two characters: the map is the identity.
        return NormalizedView(original=text, text=view, index_map=tuple(range(len(text))))
    chars: list[str] = []
    index_map: list[int] = []
    for offset, char in enumerate(text):
        folded = fold_char(char)
        for piece in folded:
            chars.append(piece)
            index_map.append(offset)
    return NormalizedView(original=text, text="".join(chars), index_map=tuple(index_map))


# The loose view for spelling variants of transliterated names: ج and غ both write
# the /g/ of foreign names, and the long vowels ا ي و inside a word are written or left
# out at will ("لافرينتييف" / "لافرنتيف", "ستافان" / "ستفان", "ميستورا" / "مستورا").
# A letter at a word's start stays, so the article and proclitics are kept.
_LOOSE_FOLD = {"ج": "غ"}
_LOOSE_VOWELS = frozenset("ايو")


def loosen(view_text: str) -> tuple[str, tuple[int, ...]]:
    """The loose view of a matching view and, for each of its characters, the index in
    ``view_text`` it came from.

    >>> loosen("سيرجي لافرينتييف")[0]
    'سرغ لفرنتف'
    >>> loosen("ستفان")[0] == loosen("ستافان")[0]
    True
    """
    kept = [i for i, char in enumerate(view_text) if char not in _LOOSE_VOWELS]
    # A vowel letter at a word's start (after no word character) is kept.
    kept += [m.start() for m in _VOWEL_AT_WORD_START.finditer(view_text)]
    kept.sort()
    text = "".join(view_text[i] for i in kept).translate(_LOOSE_TABLE)
    return text, tuple(kept)


_LOOSE_TABLE = str.maketrans(_LOOSE_FOLD)
_VOWEL_AT_WORD_START = re.compile(r"(?<!\w)[ايو]")


def loose_key(text: str) -> str:
    """The loose form of a name's matching key (see ``loosen``)."""
    return loosen(match_key(text))[0]
