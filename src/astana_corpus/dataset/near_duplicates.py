"""Near-duplicate documents, found in batches with bounded memory.

Every document is read as the matching view of ``core.arabic.match_key`` (computed
here with numpy lookup tables, equal to ``match_key``; see ``views``), cut into
character 5-shingles, each hashed to 64 bits. Three rules link two documents A and B:

- **Jaccard**: |A∩B| / |A∪B| >= ``jaccard`` over their shingle sets;
- **containment**: |A∩B| / |A| >= ``containment`` (A mostly inside B: a syndicated
  partial copy keeps most of its text from the source, so its Jaccard is low);
- **shared paragraph**: both contain one normalised paragraph of at least
  ``min_paragraph_chars`` characters that occurs in at most ``max_paragraph_documents``
  documents (what the cross-split contamination check E020 forbids in two splits).

A paragraph in more documents than that is **boilerplate** (a stock sentence such as
"the talks are attended by the guarantor states"): it neither links documents nor is a
candidate in the paragraph index, and E020 ignores it; ``find_near_duplicates`` reports
how many there are, with examples. Without the cap one stock line chains every article
that quotes it into one group, and its pairs grow with the square of its documents.

Candidates come from MinHash LSH (``bands`` x ``rows`` of a ``num_perm``-bin (128) one-permutation
MinHash with optimal densification, computed here in numpy) over two kinds of sets: whole
documents (for the Jaccard rule) and single paragraphs of at least
``min_paragraph_chars`` characters (two documents are candidates when a paragraph of
one is close to a paragraph of the other: the containment and shared-paragraph rules).
Two sets agree in a bin with probability equal to their Jaccard ``s``, so a pair
collides in some band with probability ``1 - (1 - s**r)**b`` (``candidate_probability``);
at the defaults (21 x 6) that is 0.998 at s = 0.8. Identical paragraphs have identical
signatures, so they always collide. A band key shared by more than
``max_paragraph_documents`` documents gives the pairs of its first document with each
other one (a star: linear, never all pairs of the run). Each colliding pair is checked
on 64 bytes of its two signatures (``FILTER_SLOTS``: the share of agreeing bins
estimates their Jaccard) and dropped when that estimate is below ``jaccard -
FILTER_MARGIN`` (0.5: a pair at 0.8 passes with probability 1 - 1e-9; on a corpus of
similar articles most band collisions are pairs near 0.25). A pair left is screened on
the documents' whole signatures and distinct shingle counts (``_screen``): a paragraph
index collision of two documents that share only a few similar paragraphs stops there.
Every remaining candidate, and every pair sharing an identical paragraph, is verified on
the exact shingle sets (64-bit shingle hashes), so false candidates never join a group.

Each paragraph's shingles are hashed once: the MinHash bins of a document are the
elementwise minimum of its paragraphs' bins and of the bins of the few shingles that
cross a paragraph boundary (the bins of a union are the minimum of the bins of its
parts), so the document's set is still every shingle of its whole view.

Memory is bounded by the batch: the band keys, filter sketches and fingerprints of each
batch (``Sketch``, ~3.2 KB a document of 10 paragraphs) are appended to a temporary folder
and only one band column of the whole corpus (8 bytes per document or paragraph) and the
filter sketches (64 bytes each) are in memory at a time; shingle sets are rebuilt for the
candidate documents only, from ``text_of``.
"""

from __future__ import annotations

import itertools
import json
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from astana_corpus.core.arabic import fold_char, match_key

if TYPE_CHECKING:
    import numpy as np

SHINGLE = 5
# Documents per batch: measured fastest near 100-250 here (larger batches spend their
# time in cache misses and page faults); memory is a few megabytes per batch.
BATCH = 200
# A paragraph in more documents than this is boilerplate (see the module docstring). 3:
# a paragraph copied from a source by two more outlets still groups the three; a stock
# line is in far more, and at 3 no single paragraph can make a group of four or more.
MAX_PARAGRAPH_DOCUMENTS = 3
# Boilerplate paragraphs shown with their text, and ids shown for each: enough to find
# the line in the raw files (the count covers them all).
BOILERPLATE_EXAMPLES = 5
BOILERPLATE_EXAMPLES_IDS = 3


class NearDuplicate(NamedTuple):
    """A verified pair (``a`` < ``b``): Jaccard, the larger containment, and the rule."""

    a: str
    b: str
    jaccard: float
    containment: float
    rule: str  # "jaccard", "containment" or "paragraph"


class Boilerplate(NamedTuple):
    """A paragraph (its matching view) in ``documents`` documents, more than the cap;
    ``ids`` are the first few of them."""

    documents: int
    text: str
    ids: tuple[str, ...]


class Grouping(NamedTuple):
    """What ``find_near_duplicates`` found: id → group key, the verified pairs, how many
    distinct paragraphs were boilerplate and the most widespread of them."""

    groups: dict[str, str]
    pairs: list[NearDuplicate]
    boilerplate_count: int
    boilerplate: list[Boilerplate]


@dataclass(frozen=True)
class Settings:
    jaccard: float = 0.8
    containment: float = 0.7
    min_paragraph_chars: int = 40
    max_paragraph_documents: int = MAX_PARAGRAPH_DOCUMENTS
    num_perm: int = 128
    bands: int = 21
    rows: int = 6
    shingle: int = SHINGLE


def candidate_probability(s: float, *, bands: int, rows: int) -> float:
    """P(two sets at Jaccard ``s`` share a band) = 1 - (1 - s**rows)**bands.

    >>> round(candidate_probability(0.8, bands=21, rows=6), 4)
    0.9983
    """
    return 1 - (1 - s**rows) ** bands


def jaccard_floor(containment: float, size_a: int, size_b: int) -> float:
    """The smallest Jaccard of A and B when ``containment`` of A lies in B (|A| <= |B|):
    c|A| / (|A| + |B| - c|A|). Why whole-document LSH cannot find small copies:
    ``jaccard_floor(0.8, 500, 1000)`` is 0.36, near unrelated articles' 0.1-0.15."""
    inside = containment * size_a
    return inside / (size_a + size_b - inside)


# ---------------------------------------------------------------- matching view

# Codes of the fold table that are not characters (all above the last code point).
_DELETE = 0x110000  # ignored by the matching view (marks, joiners)
_SPACE = 0x110001  # whitespace (``str.split``'s rule), collapsed
_NEWLINE = 0x110002  # "\n": a paragraph ends
_SPECIAL = 0x110003  # folds into several characters, or outside the BMP: slow path
_BLANK = 0x20  # the one space that joins words and paragraphs in a view


@lru_cache(maxsize=1)
def _fold_table() -> np.ndarray:
    """For every BMP code point its fold, or one of the codes above; index 0x10000
    stands for every code point beyond the BMP (``take(..., mode="clip")``)."""
    import numpy as np

    table = np.full(0x10001, _SPECIAL, dtype=np.uint32)
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        folded = fold_char(chr(code))
        if folded == "":
            table[code] = _DELETE
        elif len(folded) == 1:
            table[code] = _SPACE if folded.isspace() else ord(folded)
    table[0x0A] = _NEWLINE
    return table


@dataclass
class Views:
    """Matching views of a batch of texts, concatenated (no separators).

    ``codes[doc_start[d]:doc_start[d + 1]]`` is ``match_key(texts[d])`` as code points.
    Paragraph p (a line of its text with a non-empty view) is
    ``codes[para_start[p]:para_end[p]]``, in document ``para_doc[p]``; two paragraphs of
    a document are joined by one space (a *boundary*).
    """

    codes: np.ndarray
    doc_start: np.ndarray
    para_start: np.ndarray
    para_end: np.ndarray
    para_doc: np.ndarray


def views(texts: Sequence[str]) -> Views:
    """The matching views of ``texts`` in one vectorised pass.

    Equal to ``match_key`` per text (a property test checks it); the lines of a text
    with a character outside the BMP or whose fold is several characters are
    normalised with ``match_key`` first, and then taken as they are.
    """
    import numpy as np

    lines: list[str] = []
    per_doc = np.zeros(len(texts), dtype=np.int64)
    for d, text in enumerate(texts):
        parts = text.split("\n")
        per_doc[d] = len(parts)
        lines += parts
    cp = _code_points(lines)
    folded = _fold_table().take(cp, mode="clip")
    if len(folded) and folded.max() == _SPECIAL:
        folded, cp = _prepare_special(lines, per_doc, folded)
    return _collapse(folded, per_doc)


def _code_points(lines: Sequence[str]) -> np.ndarray:
    """The code points of ``lines``, each followed by "\\n"."""
    import numpy as np

    joined = "\n".join(lines) + "\n" if lines else ""
    return np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _prepare_special(
    lines: list[str], per_doc: np.ndarray, folded: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Normalise the lines of the texts with a special character with ``match_key`` and
    take their characters as they are (normalising twice changes nothing)."""
    import numpy as np

    lengths = np.fromiter((len(line) + 1 for line in lines), dtype=np.int64, count=len(lines))
    line_of = np.repeat(np.arange(len(lines)), lengths)
    doc_of_line = np.repeat(np.arange(len(per_doc)), per_doc)
    odd_docs = np.unique(doc_of_line[line_of[folded == _SPECIAL]])
    prepared = np.isin(doc_of_line, odd_docs)
    for i in np.flatnonzero(prepared).tolist():
        lines[i] = match_key(lines[i])
    cp = _code_points(lines)
    folded = _fold_table().take(cp, mode="clip")
    lengths = np.fromiter((len(line) + 1 for line in lines), dtype=np.int64, count=len(lines))
    as_is = np.repeat(prepared, lengths)
    kept = np.where(cp == _BLANK, _SPACE, np.where(cp == 0x0A, _NEWLINE, cp))
    return np.where(as_is, kept, folded).astype(np.uint32), cp


def _collapse(folded: np.ndarray, per_doc: np.ndarray) -> Views:
    """Drop deleted characters, collapse whitespace into one space between words, join
    the non-empty lines of a text with one space."""
    import numpy as np

    if len(folded) and (folded == _DELETE).any():
        folded = folded[folded != _DELETE]
    blank = np.flatnonzero(folded > _DELETE)
    if len(blank) and blank[0] > 0 and (np.diff(blank) > 1).all():
        return _collapse_clean(folded, per_doc, blank)
    return _collapse_any(folded, per_doc)


def _collapse_clean(folded: np.ndarray, per_doc: np.ndarray, blank: np.ndarray) -> Views:
    """The usual case, cleaned text: no line is empty and words are separated by one
    whitespace character, so the view is the text with its whitespace made one space
    and the line end of each text dropped."""
    import numpy as np

    line_end = blank[folded[blank] == _NEWLINE]
    last_line = np.cumsum(per_doc) - 1
    doc_end = line_end[last_line]
    codes = folded.copy()
    codes[blank] = _BLANK
    codes = np.delete(codes, doc_end)
    doc_of_line = np.repeat(np.arange(len(per_doc)), per_doc)
    raw_start = np.concatenate(([0], line_end[:-1] + 1))
    para_start = raw_start - doc_of_line
    para_end = line_end - doc_of_line
    doc_start = np.concatenate(([0], doc_end + 1 - np.arange(1, len(per_doc) + 1)))
    return Views(codes, doc_start, para_start, para_end, doc_of_line)


def _collapse_any(folded: np.ndarray, per_doc: np.ndarray) -> Views:
    """Any text: runs of whitespace, empty lines, whitespace at the ends."""
    import numpy as np

    ndocs = len(per_doc)
    solid = np.flatnonzero(folded < _DELETE)
    line_end = np.flatnonzero(folded == _NEWLINE)
    doc_end = line_end[np.cumsum(per_doc) - 1] if ndocs else line_end[:0]
    # Whitespace and line ends seen before each position, and which document it is in.
    blank_seen = np.cumsum(folded > _DELETE)
    lines_seen = np.cumsum(folded == _NEWLINE)
    doc_mark = np.zeros(len(folded) + 1, dtype=np.int64)
    doc_mark[doc_end + 1] = 1
    doc_of = np.cumsum(doc_mark[:-1])[solid]
    first = np.ones(len(solid), dtype=bool)  # the first character of its document
    first[1:] = doc_of[1:] != doc_of[:-1]
    gap = np.ones(len(solid), dtype=bool)
    gap[1:] = blank_seen[solid[1:]] != blank_seen[solid[:-1]]
    new_line = np.ones(len(solid), dtype=bool)
    new_line[1:] = lines_seen[solid[1:]] != lines_seen[solid[:-1]]
    space_before = gap & ~first
    at = np.arange(len(solid)) + np.cumsum(space_before)
    codes = np.full(int(at[-1]) + 1 if len(at) else 0, _BLANK, dtype=np.uint32)
    codes[at] = folded[solid]
    starts = first | (space_before & new_line)
    para_start = at[starts]
    para_doc = doc_of[starts]
    doc_start = np.zeros(ndocs + 1, dtype=np.int64)
    lengths = np.bincount(doc_of, minlength=ndocs) + np.bincount(
        doc_of[space_before], minlength=ndocs
    )
    doc_start[1:] = np.cumsum(lengths)
    para_end = np.empty(len(para_start), dtype=np.int64)
    if len(para_start):
        para_end[:-1] = para_start[1:] - 1
        para_end[-1] = len(codes)
        last = np.ones(len(para_start), dtype=bool)
        last[:-1] = para_doc[1:] != para_doc[:-1]
        para_end[last] = doc_start[para_doc[last] + 1]
    return Views(codes, doc_start, para_start, para_end, para_doc)


def view_text(v: Views, d: int) -> str:
    """The view of document ``d`` as a string (what ``match_key`` returns)."""
    data = v.codes[v.doc_start[d] : v.doc_start[d + 1]].tobytes()
    return data.decode("utf-32-le", "surrogatepass")


# ---------------------------------------------------------------- hashing

# Odd multiplier of the polynomial shingle hash (the golden ratio's 64 bits).
_MULTIPLIER = 0x9E3779B97F4A7C15
_CHAR_HASH_SEED = 20240501


@lru_cache(maxsize=1)
def _char_hashes() -> np.ndarray:
    """A random 64-bit value for every code point: the letters of the polynomial hash
    (random letters make its high and low bits alike random)."""
    import numpy as np

    rng = np.random.default_rng(_CHAR_HASH_SEED)
    return rng.integers(0, 2**64 - 1, size=0x110000, dtype=np.uint64, endpoint=True)


def _mix(x: np.ndarray) -> np.ndarray:
    """The 64-bit finaliser of MurmurHash3: spreads the bits of a sum."""
    import numpy as np

    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    mixed: np.ndarray = x ^ (x >> np.uint64(33))
    return mixed


def _window_hashes(letters: np.ndarray, size: int) -> np.ndarray:
    """sum(letters[i + k] * M**(size - 1 - k)) mod 2**64 for every window start i
    (Horner's rule over shifted slices: ``size`` passes over the array, no gather)."""
    import numpy as np

    n = len(letters) - size + 1
    out = letters[:n].copy()
    for k in range(1, size):
        out *= np.uint64(_MULTIPLIER)
        out += letters[k : k + n]
    return out


def _short_hash(letters: np.ndarray) -> int:
    """The one shingle of a view shorter than the shingle size (itself)."""
    import numpy as np

    mask = 2**64 - 1
    value = (len(letters) + 1) * _MULTIPLIER & mask
    for x in letters.tolist():
        value = (value * _MULTIPLIER + x) & mask
    return int(_mix(np.asarray([value], dtype=np.uint64))[0])


@dataclass
class Shingles:
    """Shingle hashes of a batch: ``doc_hashes[doc_offsets[d]:doc_offsets[d + 1]]`` are
    document d's (with repeats; MinHash does not mind), and paragraph p of
    ``para_doc`` has ``para_hashes[para_offsets[p]:para_offsets[p + 1]]``. The shingles
    of a document are those of its paragraphs and the ``cross`` ones (across a
    boundary: ``cross_doc`` says whose), so its MinHash is theirs combined."""

    doc_hashes: np.ndarray
    doc_offsets: np.ndarray
    para_hashes: np.ndarray
    para_offsets: np.ndarray
    para_doc: np.ndarray
    para_chars: np.ndarray
    para_keys: np.ndarray  # a 64-bit fingerprint of each paragraph's view
    cross_hashes: np.ndarray
    cross_doc: np.ndarray


def shingle_hashes(v: Views, size: int = SHINGLE) -> Shingles:
    """Hashes of the ``size``-shingles of every document and paragraph of a batch.

    A view shorter than ``size`` is one shingle (itself), as ``splits.shingles`` has it.
    """
    import numpy as np

    letters = _char_hashes().take(v.codes)
    hashes = _window_hashes(letters, size) if len(letters) >= size else letters[:0]
    doc_len = np.diff(v.doc_start)
    # Window i belongs to a document when it ends before the document does.
    in_doc = np.ones(len(hashes), dtype=bool)
    ends = v.doc_start[1:][doc_len > 0]
    tail = (ends[:, None] - np.arange(1, size)).ravel()
    in_doc[tail[(tail >= 0) & (tail < len(hashes))]] = False
    # ... and to a paragraph when it does not cover a boundary space.
    near = np.zeros(len(hashes), dtype=bool)
    joins = v.para_start[1:][v.para_doc[1:] == v.para_doc[:-1]] - 1
    reach = (joins[:, None] - np.arange(size)).ravel()
    near[reach[(reach >= 0) & (reach < len(hashes))]] = True
    para_chars = v.para_end - v.para_start
    para_windows = np.maximum(para_chars - size + 1, 0)
    para_hashes = hashes[in_doc & ~near]
    cross_at = np.flatnonzero(in_doc & near)
    cross_hashes = hashes[cross_at]
    cross_doc = np.searchsorted(v.doc_start, cross_at, side="right") - 1
    doc_windows = np.maximum(doc_len - size + 1, 0)
    doc_hashes = hashes[in_doc]
    short = np.flatnonzero(doc_len < size)
    if len(short):  # whole views shorter than a shingle: one shingle each
        extra = np.asarray(
            [_short_hash(letters[v.doc_start[d] : v.doc_start[d + 1]]) for d in short.tolist()],
            dtype=np.uint64,
        )
        before = np.concatenate(([0], np.cumsum(doc_windows)))[short]
        doc_hashes = np.insert(doc_hashes, before, extra)
        doc_windows[short] = 1
        cross_hashes = np.concatenate((cross_hashes, extra))
        cross_doc = np.concatenate((cross_doc, short))
    doc_offsets = np.concatenate(([0], np.cumsum(doc_windows))).astype(np.uint64)
    para_offsets = np.concatenate(([0], np.cumsum(para_windows))).astype(np.uint64)
    keys = _fingerprints(letters, v.para_start, v.para_end)
    return Shingles(
        doc_hashes,
        doc_offsets,
        para_hashes,
        para_offsets,
        v.para_doc,
        para_chars,
        keys,
        cross_hashes,
        cross_doc,
    )


def _fingerprints(letters: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """A 64-bit fingerprint of each paragraph [start, end) of a view: its length, the sum
    of its letters and their sum weighted by position in the paragraph (equal views,
    equal fingerprints; different ones collide with probability ~2**-64). Paragraphs
    follow each other, at most one space apart (``Views``)."""
    import numpy as np

    if not len(start):
        return np.zeros(0, dtype=np.uint64)
    index = np.arange(len(letters), dtype=np.uint64)
    index *= letters
    # Sums from each start to the next; the space between two paragraphs is taken out.
    gap = np.append(start[1:], len(letters)) - end
    space = _char_hashes()[_BLANK] * gap.astype(np.uint64)
    s0 = np.add.reduceat(letters, start) - space
    s1 = np.add.reduceat(index, start) - space * end.astype(np.uint64)
    s1 -= start.astype(np.uint64) * s0
    return _mix(_mix(s1 ^ (end - start).astype(np.uint64)) + s0)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` (its sorted distinct values) by a sort and a comparison of
    neighbours: numpy 2.4's ``np.unique`` hashes integers first, 20 to 100 times slower
    on the arrays here (4,500 shingle hashes: 340 against 16 µs)."""
    import numpy as np

    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def exact_sets(texts: Sequence[str], size: int = SHINGLE) -> list[np.ndarray]:
    """The sorted, unique shingle hashes of each text (what candidates are verified on)."""
    import numpy as np

    sh = shingle_hashes(views(texts), size)
    o = sh.doc_offsets.astype(np.int64)
    return [sorted_unique(sh.doc_hashes[o[d] : o[d + 1]]) for d in range(len(texts))]


def paragraph_fingerprints(
    texts: Sequence[str], *, min_chars: int
) -> Iterator[tuple[int, np.ndarray]]:
    """(text index, fingerprints of its paragraphs of at least ``min_chars`` characters
    of matching view), batch by batch: the compact keys of the contamination check."""
    import numpy as np

    for lo in range(0, len(texts), BATCH):
        v = views(texts[lo : lo + BATCH])
        keys = _fingerprints(_char_hashes().take(v.codes), v.para_start, v.para_end)
        long = (v.para_end - v.para_start) >= min_chars
        docs, keys = v.para_doc[long], keys[long]
        bounds = np.searchsorted(docs, np.arange(min(BATCH, len(texts) - lo) + 1))
        for d in range(len(bounds) - 1):
            yield lo + d, keys[bounds[d] : bounds[d + 1]]


# ---------------------------------------------------------------- MinHash


_EMPTY = 0xFFFFFFFF  # a bin no shingle fell into (values are 31-bit)
# Densification probes: for an empty bin, the bins tried in turn (the same for every set,
# so equal sets get equal signatures); after these, the next non-empty bin to the right.
_PROBES = 64
_PROBE_SEED = 7


def bins(hashes: np.ndarray, owner: np.ndarray, sets: int, num_perm: int) -> np.ndarray:
    """One-permutation MinHash before densification (sets x ``num_perm``, uint32): a
    shingle falls into bin ``hi32 * num_perm >> 32`` with value ``lo31``; a bin keeps its
    smallest value (``_EMPTY`` if none). The bins of a union are the elementwise minimum
    of the bins of its parts: ``min(bins(A), bins(B)) == bins(A ∪ B)``."""
    import numpy as np

    out = np.full(sets * num_perm, _EMPTY, dtype=np.uint32)
    if len(hashes):
        bits = num_perm.bit_length() - 1
        if num_perm == 1 << bits and bits:  # a power of two: the same bin, by its top bits
            where = owner.astype(np.uint64) << np.uint64(bits)
            where |= hashes >> np.uint64(64 - bits)
        else:
            where = owner.astype(np.uint64) * np.uint64(num_perm)
            where += ((hashes >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)
        value = hashes.astype(np.uint32)
        value &= np.uint32(0x7FFFFFFF)
        np.minimum.at(out, where.view(np.int64), value)
    return out.reshape(sets, num_perm)


@lru_cache(maxsize=4)
def _probes(num_perm: int) -> np.ndarray:
    import numpy as np

    return np.random.default_rng(_PROBE_SEED).integers(0, num_perm, size=(_PROBES, num_perm))


def densify(raw: np.ndarray) -> np.ndarray:
    """Signatures from bins: an empty bin takes the value of the first non-empty bin among
    its fixed probes (optimal densification: two sets still agree in a bin with
    probability equal to their Jaccard), else of the next non-empty bin to its right.
    A set with no shingle keeps ``_EMPTY`` everywhere."""
    import numpy as np

    sig = raw.copy()
    rows, cols = np.nonzero(raw == _EMPTY)
    if not len(rows):
        return sig
    probes = _probes(raw.shape[1])
    for attempt in range(_PROBES):
        found = raw[rows, probes[attempt, cols]]
        hit = found != _EMPTY
        sig[rows[hit], cols[hit]] = found[hit]
        rows, cols = rows[~hit], cols[~hit]
        if not len(rows):
            return sig
    width = raw.shape[1]
    for step in range(1, width):
        found = raw[rows, (cols + step) % width]
        hit = found != _EMPTY
        sig[rows[hit], cols[hit]] = found[hit]
        rows, cols = rows[~hit], cols[~hit]
        if not len(rows):
            break
    return sig


def signatures(hashes: np.ndarray, offsets: np.ndarray, num_perm: int) -> np.ndarray:
    """MinHash signatures (rows x ``num_perm``, uint32) of the sets in ``hashes``."""
    import numpy as np

    bounds = offsets.astype(np.int64)
    sizes = bounds[1:] - bounds[:-1]
    owner = np.repeat(np.arange(len(sizes)), sizes)
    return densify(bins(hashes, owner, len(sizes), num_perm))


def band_keys(sig: np.ndarray, *, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per band and set (bands x sets): equal rows give equal keys."""
    import numpy as np

    cut = sig[:, : bands * rows].reshape(len(sig), bands, rows).astype(np.uint64)
    keys = np.zeros((len(sig), bands), dtype=np.uint64)
    for j in range(rows):
        keys = keys * np.uint64(0x9E3779B97F4A7C15) + cut[:, :, j]
    return _mix(keys).T.copy()


# Slots of the short signature a candidate is checked on before exact verification, and
# how far below the Jaccard threshold its estimate may fall (6 standard deviations of a
# 64-slot estimate at 0.8: a pair at the threshold is dropped with probability ~1e-9).
FILTER_SLOTS = 64
FILTER_MARGIN = 0.3


def filter_sketch(sig: np.ndarray) -> np.ndarray:
    """The low 8 bits of the first ``FILTER_SLOTS`` values of each signature (b-bit
    MinHash: 64 bytes a set; equal bins agree, others by chance 1 in 256)."""
    import numpy as np

    return (sig[:, :FILTER_SLOTS] & 0xFF).astype(np.uint8)


def estimated_jaccard(sketch: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The share of agreeing slots of the sketches of sets ``a`` and ``b`` (pairwise)."""
    import numpy as np

    out = np.empty(len(a), dtype=np.float64)
    step = 65536
    for lo in range(0, len(a), step):
        same = sketch[a[lo : lo + step]] == sketch[b[lo : lo + step]]
        out[lo : lo + step] = same.mean(axis=1) if sketch.shape[1] else 0.0
    return out


def colliding_items(
    keys: np.ndarray, owner: np.ndarray, *, max_run: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of items (indices into ``keys``) of distinct owners, lower owner first, that
    share a key in this band: all pairs of a key's owners, or when it has more than
    ``max_run`` distinct owners only its smallest owner with each other one (a star:
    linear in the run, where all pairs would be quadratic). An owner with several items
    under one key is represented by its first."""
    import numpy as np

    empty = np.zeros(0, dtype=np.int64)
    if len(keys) < 2:
        return empty, empty
    order = np.argsort(keys)
    k = keys[order]
    same = k[1:] == k[:-1]
    if not same.any():
        return empty, empty
    inside = np.zeros(len(k), dtype=bool)
    inside[1:] |= same
    inside[:-1] |= same
    items = order[inside]
    items = items[np.lexsort((items, owner[items], keys[items]))]
    k, o = keys[items], owner[items]
    distinct = np.ones(len(items), dtype=bool)
    distinct[1:] = (k[1:] != k[:-1]) | (o[1:] != o[:-1])
    items, k = items[distinct], k[distinct]
    start = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    size = np.diff(np.append(start, len(k)))
    firsts, others = [], []
    star = size > max_run if max_run is not None else np.zeros(len(size), dtype=bool)
    if star.any():
        spokes = size[star] - 1
        hub = np.repeat(start[star], spokes)
        rank_in_run = np.arange(len(hub)) - np.repeat(np.cumsum(spokes) - spokes, spokes)
        firsts.append(items[hub])
        others.append(items[hub + 1 + rank_in_run])
    for m in np.unique(size[~star & (size > 1)]).tolist():
        at = start[(size == m) & ~star]
        i, j = np.triu_indices(m, 1)
        firsts.append(items[(at[:, None] + i).ravel()])
        others.append(items[(at[:, None] + j).ravel()])
    if not firsts:
        return empty, empty
    return np.concatenate(firsts), np.concatenate(others)


def colliding_pairs(
    keys: np.ndarray, owner: np.ndarray, *, max_run: int | None = None
) -> np.ndarray:
    """Pairs (lo, hi) of distinct owners whose sets share a key in this band (see
    ``colliding_items``)."""
    import numpy as np

    a, b = colliding_items(keys, owner, max_run=max_run)
    return np.stack((owner[a], owner[b]), axis=1).astype(np.int64)


def lsh_candidates(
    sets: Sequence[np.ndarray], *, num_perm: int, bands: int, rows: int
) -> set[tuple[int, int]]:
    """Candidate pairs among in-memory sets of 64-bit hashes (the recall test's entry)."""
    import numpy as np

    offsets = np.concatenate(([0], np.cumsum([len(s) for s in sets]))).astype(np.uint64)
    flat = np.concatenate(sets).astype(np.uint64) if sets else np.zeros(0, dtype=np.uint64)
    keys = band_keys(signatures(flat, offsets, num_perm), bands=bands, rows=rows)
    owner = np.arange(len(sets))
    found: set[tuple[int, int]] = set()
    for band in keys:
        found.update(map(tuple, colliding_pairs(band, owner).tolist()))
    return found


# ---------------------------------------------------------------- sketches


@dataclass
class Sketch:
    """What the grouping keeps of a batch of documents: per document its band keys
    (bands x documents), filter sketch, signature and number of distinct shingles; per
    paragraph of at least ``min_paragraph_chars`` characters its band keys and filter
    sketch, its document (index in the batch) and its fingerprint. About 3.2 KB a
    document of 10 paragraphs, never its text."""

    doc_bands: np.ndarray
    doc_filter: np.ndarray
    para_bands: np.ndarray
    para_filter: np.ndarray
    para_doc: np.ndarray
    para_keys: np.ndarray
    doc_sig: np.ndarray
    doc_size: np.ndarray


def sketch_texts(texts: Sequence[str], settings: Settings = Settings()) -> Sketch:
    """The sketch of a batch of texts: a pure stage function (no I/O), so it runs the
    same in a loop or in a pool of workers. Each paragraph's shingles are hashed once:
    a document's MinHash bins are the minimum of its paragraphs' and of the shingles
    across their boundaries (the bins of a union), so its shingle set is exactly that
    of its whole view."""
    import numpy as np

    sh = shingle_hashes(views(texts), settings.shingle)
    k, npara = settings.num_perm, len(sh.para_doc)
    para_owner = np.repeat(
        np.arange(npara), (sh.para_offsets[1:] - sh.para_offsets[:-1]).astype(np.int64)
    )
    para_raw = bins(sh.para_hashes, para_owner, npara, k)
    doc_raw = np.full((len(texts), k), _EMPTY, dtype=np.uint32)
    if npara:
        first = np.flatnonzero(np.concatenate(([True], sh.para_doc[1:] != sh.para_doc[:-1])))
        doc_raw[sh.para_doc[first]] = np.minimum.reduceat(para_raw, first, axis=0)
    cross = bins(sh.cross_hashes, sh.cross_doc, len(texts), k)
    np.minimum(doc_raw, cross, out=doc_raw)
    long = np.flatnonzero(sh.para_chars >= settings.min_paragraph_chars)
    doc_sig, para_sig = densify(doc_raw), densify(para_raw[long])
    lsh = {"bands": settings.bands, "rows": settings.rows}
    return Sketch(
        band_keys(doc_sig, **lsh),
        filter_sketch(doc_sig),
        band_keys(para_sig, **lsh),
        filter_sketch(para_sig),
        sh.para_doc[long],
        sh.para_keys[long],
        doc_sig,
        distinct_counts(sh.doc_hashes, sh.doc_offsets),
    )


def distinct_counts(hashes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """How many distinct values each set ``hashes[offsets[d]:offsets[d + 1]]`` has (the
    size of its exact shingle set, ``len(exact_sets(...)[d])``)."""
    import numpy as np

    bounds = offsets.astype(np.int64).tolist()
    sizes = (len(sorted_unique(hashes[lo:hi])) for lo, hi in itertools.pairwise(bounds))
    return np.fromiter(sizes, dtype=np.int64, count=len(bounds) - 1)


# ---------------------------------------------------------------- grouping


def find_near_duplicates(texts: Mapping[str, str], settings: Settings = Settings()) -> Grouping:
    """Group the documents: id → group key (the smallest id of its group), the verified
    pairs, and the boilerplate paragraphs left out of the grouping."""
    ids = sorted(texts)

    def batches() -> Iterator[tuple[list[str], Sketch]]:
        for lo in range(0, len(ids), BATCH):
            chunk = ids[lo : lo + BATCH]
            yield chunk, sketch_texts([texts[i] for i in chunk], settings)

    return group_sketches(batches(), texts.__getitem__, settings)


def group_sketches(
    batches: Iterable[tuple[Sequence[str], Sketch]],
    text_of: Callable[[str], str],
    settings: Settings = Settings(),
) -> Grouping:
    """Group documents from their sketches, batch by batch in any order of ids (a later
    document of an id already seen replaces it, as in a dict). ``text_of`` gives the
    text of an id: read only for the candidates to verify and the boilerplate shown.
    Memory: the sketches go to a temporary folder as they come (``group_store``)."""
    with tempfile.TemporaryDirectory(prefix="astana-near-duplicates-") as tmp:
        store = SketchStore(Path(tmp), settings.bands)
        for chunk, sketch in batches:
            store.add(sketch, chunk)
        store.close()
        return group_store(store, text_of, settings)


def group_store(
    store: SketchStore, text_of: Callable[[str], str], settings: Settings = Settings()
) -> Grouping:
    """``group_sketches`` over the sketches of a closed ``store``. One band column of the
    corpus (8 bytes a document or paragraph) and the filter sketches (64 bytes each) are
    in memory at a time; ``text_of`` is read for the candidates only."""
    import numpy as np

    ids = store.ids
    n = len(ids)
    order = sorted(range(n), key=ids.__getitem__)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    sorted_ids = [ids[i] for i in order]
    # A repeated id: its last document stands (a dict's rule), the others leave.
    last = {doc_id: i for i, doc_id in enumerate(ids)}
    live = np.zeros(n, dtype=bool)
    live[list(last.values())] = True
    cap = settings.max_paragraph_documents
    para_doc = store.load("para-doc").astype(np.int64)
    para_key = store.load("para-key").astype(np.uint64)
    para_live = live[para_doc]
    shared, common = _shared_paragraphs(para_key[para_live], rank[para_doc[para_live]], cap)
    candidates = _candidates(
        store, rank, live, para_doc, np.isin(para_key, common.keys) | ~para_live, settings
    )
    candidates = _screen(store, candidates, np.asarray(order, dtype=np.int64), settings)
    candidates = sorted_unique(np.concatenate((candidates, _codes(shared, n))))
    pairs = np.stack((candidates // n, candidates % n), axis=1).astype(np.int64)
    groups, found = _verify(text_of, sorted_ids, pairs, shared, settings, live[order])
    examples = [
        Boilerplate(
            count,
            _paragraph_text(text_of(sorted_ids[first[0]]), key),
            tuple(sorted_ids[d] for d in first),
        )
        for key, count, first in _most_widespread(common)
    ]
    return Grouping(groups, found, len(common.keys), examples)


def _codes(pairs: set[tuple[int, int]], n: int) -> np.ndarray:
    import numpy as np

    return np.asarray([a * n + b for a, b in sorted(pairs)], dtype=np.int64)


class SketchStore:
    """The sketches of every batch, appended to one file per array and band, with the
    ids of their documents (and, when given, each document's byte offset in the file it
    was read from). ``close`` writes what ``open`` needs to read the folder back, so a
    store can be kept between commands (``build/sketches``)."""

    META = "meta.json"

    def __init__(self, folder: Path, bands: int):
        self.folder = folder
        self.bands = bands
        self.ids: list[str] = []
        self.handles: dict[str, Any] = {}
        self.dtypes: dict[str, Any] = {}
        self.widths: dict[str, int] = {}

    def _write(self, name: str, array: np.ndarray) -> None:
        if name not in self.handles:
            self.handles[name] = (self.folder / name).open("wb")
            self.dtypes[name] = array.dtype
            self.widths[name] = array.shape[1] if array.ndim == 2 else 0
        self.handles[name].write(array.tobytes())

    def add(self, sketch: Sketch, ids: Sequence[str], offsets: Sequence[int] | None = None) -> None:
        import numpy as np

        first_doc = len(self.ids)
        self.ids += ids
        for band in range(self.bands):
            self._write(f"doc-{band}", sketch.doc_bands[band])
            self._write(f"para-{band}", sketch.para_bands[band])
        self._write("doc-filter", sketch.doc_filter)
        self._write("para-filter", sketch.para_filter)
        self._write("para-doc", sketch.para_doc.astype("int64") + first_doc)
        self._write("para-key", sketch.para_keys)
        self._write("doc-sig", sketch.doc_sig)
        self._write("doc-size", sketch.doc_size)
        if offsets is not None:
            self._write("doc-offset", np.asarray(offsets, dtype=np.int64))

    def close(self) -> None:
        """Close the files and write what ``open`` reads back (the arrays, the ids)."""
        for handle in self.handles.values():
            handle.close()
        arrays = {name: [self.dtypes[name].str, self.widths[name]] for name in self.dtypes}
        meta = {"bands": self.bands, "documents": len(self.ids), "arrays": arrays}
        (self.folder / self.META).write_text(json.dumps(meta), encoding="utf-8")
        (self.folder / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")

    @classmethod
    def open(cls, folder: Path) -> SketchStore:
        """The store a closed ``SketchStore`` left in ``folder`` (ValueError, OSError or
        KeyError when it cannot be read: the caller computes the sketches again)."""
        import numpy as np

        meta = json.loads((folder / cls.META).read_text(encoding="utf-8"))
        store = cls(folder, int(meta["bands"]))
        store.ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        if len(store.ids) != meta["documents"]:
            raise ValueError(f"{folder}: {len(store.ids)} ids for {meta['documents']} documents")
        for name, (dtype, width) in meta["arrays"].items():
            store.dtypes[name], store.widths[name] = np.dtype(dtype), int(width)
        return store

    def load(self, name: str) -> np.ndarray:
        import numpy as np

        if name not in self.dtypes:
            return np.zeros(0, dtype=np.int64)
        array = np.fromfile(self.folder / name, dtype=self.dtypes[name])
        width = self.widths[name]
        return array.reshape(-1, width) if width else array

    def mapped(self, name: str) -> np.ndarray:
        """A 2-D array of the store, mapped from its file (rows read as indexed)."""
        import numpy as np

        if name not in self.dtypes:
            return np.zeros((0, 0), dtype=np.uint32)
        width = self.widths[name]
        return np.memmap(self.folder / name, dtype=self.dtypes[name], mode="r").reshape(-1, width)


def _candidates(
    store: SketchStore,
    rank: np.ndarray,
    live: np.ndarray,
    para_doc: np.ndarray,
    para_out: np.ndarray,
    settings: Settings,
) -> np.ndarray:
    """Distinct candidate pairs (as rank_lo * n + rank_hi) from both indexes, one band
    column at a time; a colliding pair whose filter sketches agree on fewer than
    ``jaccard - FILTER_MARGIN`` of their slots is dropped before verification. Boilerplate
    paragraphs (``para_out``) are left out of the paragraph index."""
    import numpy as np

    n = len(rank)
    floor = settings.jaccard - FILTER_MARGIN
    doc_filter, para_filter = store.load("doc-filter"), store.load("para-filter")
    kept = np.flatnonzero(~para_out)
    docs = np.flatnonzero(live)
    codes = [np.zeros(0, dtype=np.int64)]
    for band in range(settings.bands):
        for keys, items, owner, sketch in (
            (store.load(f"doc-{band}")[docs], docs, docs, doc_filter),
            (store.load(f"para-{band}")[kept], kept, para_doc[kept], para_filter),
        ):
            a, b = colliding_items(keys, rank[owner], max_run=settings.max_paragraph_documents)
            if not len(a):
                continue
            close = estimated_jaccard(sketch, items[a], items[b]) >= floor
            lo, hi = rank[owner[a[close]]], rank[owner[b[close]]]
            codes.append(sorted_unique(np.minimum(lo, hi) * n + np.maximum(lo, hi)))
    return sorted_unique(np.concatenate(codes))


# How far below the Jaccard a pair needs its estimate over the documents' whole signatures
# may fall (``_screen``): 3.4 standard deviations of a 128-slot estimate at 0.5, 4.3 at 0.8.
SCREEN_MARGIN = 0.15


def _screen(
    store: SketchStore, codes: np.ndarray, index_of_rank: np.ndarray, settings: Settings
) -> np.ndarray:
    """The band candidates (codes over ``rank``) whose documents' signatures could meet a
    rule: their estimated Jaccard is at least the lower of ``jaccard`` and the Jaccard that
    ``containment`` implies for their sizes (``jaccard_floor``), less ``SCREEN_MARGIN``.
    A paragraph index collision between two documents that share only a few similar
    paragraphs (J near 0.25 in a corpus of alike articles) stops here, unread; pairs
    sharing an identical paragraph do not pass through this screen."""
    import numpy as np

    n = len(index_of_rank)
    if not len(codes):
        return codes
    a, b = index_of_rank[codes // n], index_of_rank[codes % n]
    size = store.load("doc-size")
    size_a, size_b = size[a], size[b]
    small = np.minimum(size_a, size_b).astype(np.float64)
    inside = settings.containment * small
    floor = inside / (small + np.maximum(size_a, size_b) - inside)
    floor = np.minimum(floor, settings.jaccard) - SCREEN_MARGIN
    kept: np.ndarray = codes[estimated_jaccard(store.mapped("doc-sig"), a, b) >= floor]
    return kept


def _shared_paragraphs(
    keys: np.ndarray, owner: np.ndarray, cap: int
) -> tuple[set[tuple[int, int]], _Common]:
    """Pairs of documents with an identical long paragraph (equal fingerprints) in at most
    ``cap`` documents, and the fingerprints in more (boilerplate: no pairs built)."""
    import numpy as np

    key, doc = distinct_key_documents(keys, owner)
    start, size = key_runs(key)
    wide = size > cap
    common = _Common(
        key[start[wide]],
        size[wide],
        [doc[s : s + BOILERPLATE_EXAMPLES_IDS].tolist() for s in start[wide].tolist()],
    )
    small = np.isin(key, common.keys, invert=True)
    pairs = colliding_pairs(key[small], doc[small])
    return {(int(a), int(b)) for a, b in pairs}, common


def distinct_key_documents(keys: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (fingerprint, document) pairs, sorted by fingerprint then document
    (a document that repeats a paragraph counts once)."""
    import numpy as np

    if not len(keys):
        return keys.astype(np.uint64), owner.astype(np.int64)
    order = np.lexsort((owner, keys))
    k, o = keys[order], owner[order]
    new = np.concatenate(([True], (k[1:] != k[:-1]) | (o[1:] != o[:-1])))
    return k[new], o[new]


def key_runs(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal values of the sorted ``key`` starts, and its length."""
    import numpy as np

    if not len(key):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    start = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    return start, np.diff(np.append(start, len(key)))


@dataclass
class _Common:
    """Boilerplate paragraph fingerprints, each with its number of documents and its
    first (smallest) few documents."""

    keys: np.ndarray
    counts: np.ndarray
    first: list[list[int]]


def _most_widespread(common: _Common) -> list[tuple[int, int, list[int]]]:
    """(fingerprint, documents, first documents) of the most widespread boilerplate."""
    import numpy as np

    order = np.lexsort((common.keys, -common.counts))[:BOILERPLATE_EXAMPLES]
    return [(int(common.keys[i]), int(common.counts[i]), common.first[i]) for i in order]


def _paragraph_text(text: str, key: int) -> str:
    """The matching view of the paragraph of ``text`` whose fingerprint is ``key``."""
    import numpy as np

    v = views([text])
    keys = _fingerprints(_char_hashes().take(v.codes), v.para_start, v.para_end)
    (found,) = np.flatnonzero(keys == np.uint64(key))[:1]
    chars = v.codes[v.para_start[found] : v.para_end[found]]
    return str(chars.tobytes().decode("utf-32-le", "surrogatepass"))


def _verify(
    text_of: Callable[[str], str],
    ids: Sequence[str],
    candidates: np.ndarray,
    shared: set[tuple[int, int]],
    settings: Settings,
    live: np.ndarray,
) -> tuple[dict[str, str], list[NearDuplicate]]:
    """Exact Jaccard and containment of each candidate pair (indices into the sorted
    ``ids``); union-find over the kept. Only the candidates' texts are read."""
    import numpy as np

    needed = sorted({int(x) for x in candidates.reshape(-1)})
    sets: dict[int, Any] = {}
    for lo in range(0, len(needed), BATCH):
        chunk = needed[lo : lo + BATCH]
        found = exact_sets([text_of(ids[d]) for d in chunk], settings.shingle)
        sets.update(zip(chunk, found, strict=True))
    parent = list(range(len(ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs = []
    for a, b in candidates.tolist():
        sa, sb = sets[a], sets[b]
        common = len(np.intersect1d(sa, sb, assume_unique=True))
        jaccard = common / (len(sa) + len(sb) - common)
        containment = common / min(len(sa), len(sb))
        if jaccard >= settings.jaccard:
            rule = "jaccard"
        elif containment >= settings.containment:
            rule = "containment"
        elif (a, b) in shared:
            rule = "paragraph"
        else:
            continue
        pairs.append(NearDuplicate(ids[a], ids[b], round(jaccard, 4), round(containment, 4), rule))
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    return {ids[i]: ids[find(i)] for i in np.flatnonzero(live).tolist()}, pairs


def required_bands(s: float, rows: int, recall: float = 0.99) -> int:
    """The fewest bands of ``rows`` rows that find a pair at Jaccard ``s`` with
    probability >= ``recall``."""
    return math.ceil(math.log(1 - recall) / math.log(1 - s**rows))


# ---------------------------------------------------------------- pairwise report


def pairwise_similarity(
    texts: Mapping[str, str], settings: Settings = Settings()
) -> list[dict[str, Any]]:
    """Exact Jaccard, containment (of the smaller set, as the grouping rule) and shared
    long paragraphs of every pair of documents, in id order: what the card's ranges for
    the committed corpus come from. Exhaustive, so quadratic in the documents (meant for
    a corpus of hundreds, not the grouping of millions)."""
    import numpy as np

    ids = sorted(texts)
    sets = exact_sets([texts[i] for i in ids], settings.shingle)
    fingerprints = [
        set(found.tolist())
        for _, found in paragraph_fingerprints(
            [texts[i] for i in ids], min_chars=settings.min_paragraph_chars
        )
    ]
    rows = []
    for a in range(len(ids)):
        for b in range(a + 1, len(ids)):
            common = len(np.intersect1d(sets[a], sets[b], assume_unique=True))
            rows.append(
                {
                    "a": ids[a],
                    "b": ids[b],
                    "jaccard": common / (len(sets[a]) + len(sets[b]) - common),
                    "containment": common / min(len(sets[a]), len(sets[b])),
                    "shared_paragraphs": len(fingerprints[a] & fingerprints[b]),
                }
            )
    return rows
