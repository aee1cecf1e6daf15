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

Candidates come from MinHash LSH (rensa, ``bands`` x ``rows`` of the signature) over
two kinds of sets: whole documents (for the Jaccard rule) and single paragraphs of at
least ``min_paragraph_chars`` characters (two documents are candidates when a
paragraph of one is close to a paragraph of the other: the containment and
shared-paragraph rules). A pair at Jaccard ``s`` collides in some band with
probability ``1 - (1 - s**r)**b`` (``candidate_probability``); at the defaults (21 x 6
over 128 permutations) that is 0.998 at s = 0.8. Identical paragraphs have identical
signatures, so they always collide. Every candidate is then verified on the exact
shingle sets (64-bit shingle hashes), so false candidates are dropped. A band key
shared by more than ``max_paragraph_documents`` documents gives the pairs of its first
document with each other one (a star: linear, never all pairs of the run).

Memory is bounded by the batch: signatures and band keys of each batch are written
to a temporary folder (numpy arrays) and only one band column of the whole corpus
(8 bytes per document or paragraph) is in memory at a time; shingle sets are rebuilt
for the candidate documents only.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator, Mapping, Sequence
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
MINHASH_SEED = 1
# A paragraph in more documents than this is boilerplate (see the module docstring). 3:
# a paragraph copied from a source by two more outlets still groups the three; a stock
# line is in far more, and at 3 no single paragraph can make a group of four or more.
MAX_PARAGRAPH_DOCUMENTS = 3
# Boilerplate paragraphs shown with their text, and ids shown for each: enough to find
# the line in the raw files (the count covers them all).
BOILERPLATE_EXAMPLES = 5
BOILERPLATE_EXAMPLES_IDS = 3
_SPACE = 0x20
_NEWLINE = 0x0A


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


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For every BMP code point: its fold, whether it is deleted, whether the fold is
    whitespace (``str.split``'s rule), and whether the fold is not one character
    (such documents take the slow exact path)."""
    import numpy as np

    fold = np.arange(0x10000, dtype=np.uint32)
    delete = np.zeros(0x10000, dtype=bool)
    space = np.zeros(0x10000, dtype=bool)
    special = np.zeros(0x10000, dtype=bool)
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            special[code] = True
            continue
        char = chr(code)
        folded = fold_char(char)
        if folded == "":
            delete[code] = True
        elif len(folded) == 1:
            fold[code] = ord(folded)
        else:
            special[code] = True
        space[code] = char.isspace()
    return fold, delete, space, special


@dataclass
class Views:
    """Matching views of a batch of texts, concatenated (no separators).

    ``codes[doc_start[d]:doc_start[d + 1]]`` is ``match_key(texts[d])`` as code points;
    ``para_of[i]`` numbers the paragraph (line of the text) of character i, and
    ``boundary[i]`` marks the single space that joins two paragraphs in the view.
    """

    codes: np.ndarray
    doc_of: np.ndarray
    doc_start: np.ndarray
    para_of: np.ndarray
    boundary: np.ndarray


def views(texts: Sequence[str]) -> Views:
    """The matching views of ``texts`` in one vectorised pass.

    Equal to ``match_key`` per text (a property test checks it); texts with a
    character outside the BMP or whose fold is several characters are normalised line
    by line with ``match_key`` first (normalising twice changes nothing).
    """
    import numpy as np

    fold, delete, space, special = _tables()
    texts = list(texts)
    prepared = [False] * len(texts)
    for attempt in range(2):
        joined = "\n".join(texts)
        cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        doc_of_raw = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)[: len(cp)]
        bmp = cp < 0x10000
        low = (cp & 0xFFFF).astype(np.int64)
        as_is = np.asarray(prepared, dtype=bool)[doc_of_raw] if any(prepared) else None
        odd = ~bmp | special[low]
        if as_is is not None:
            odd &= ~as_is
        if attempt == 0 and odd.any():
            for d in np.unique(doc_of_raw[odd]).tolist():
                texts[d] = "\n".join(match_key(line) for line in texts[d].split("\n"))
                prepared[d] = True
            continue
        folded = np.where(bmp, fold[low], cp)
        gone = bmp & delete[low]
        if as_is is not None:
            folded = np.where(as_is, cp, folded)
            gone &= ~as_is
        keep = ~gone
        c = folded[keep]
        doc_c = doc_of_raw[keep]
        newline = (cp == _NEWLINE)[keep]
        break
    ws = np.zeros(len(c), dtype=bool)
    in_bmp = c < 0x10000
    ws[in_bmp] = space[c[in_bmp].astype(np.int64)]
    solid = np.flatnonzero(~ws)
    n = len(c)
    # A whitespace character stays (as one space) when it starts a run that lies
    # between two non-space characters of the same document.
    prev_solid = np.zeros(n, dtype=bool)
    prev_solid[1:] = ~ws[:-1] & (doc_c[1:] == doc_c[:-1])
    nxt = np.searchsorted(solid, np.arange(n))
    has_next = nxt < len(solid)
    nxt_c = np.minimum(nxt, max(len(solid) - 1, 0))
    same_doc_next = np.zeros(n, dtype=bool)
    if len(solid):
        same_doc_next = has_next & (doc_c[solid[nxt_c]] == doc_c)
    kept_space = ws & prev_solid & same_doc_next
    cum_nl = np.cumsum(newline)
    boundary_at = np.zeros(n, dtype=bool)
    if len(solid):
        end = solid[nxt_c] - 1  # the run is [i, end]
        before = np.concatenate(([0], cum_nl))[np.arange(n)]
        boundary_at = kept_space & (cum_nl[np.maximum(end, 0)] - before > 0)
    out = ~ws | kept_space
    codes = np.where(kept_space, _SPACE, c)[out].astype(np.uint32)
    doc_of = doc_c[out]
    boundary = boundary_at[out]
    doc_start = np.searchsorted(doc_of, np.arange(len(texts) + 1))
    first = np.zeros(len(codes), dtype=bool)
    first[doc_start[:-1][doc_start[:-1] < len(codes)]] = True
    para_of = np.cumsum(boundary | first) - 1
    return Views(codes, doc_of, doc_start, para_of, boundary)


def view_text(v: Views, d: int) -> str:
    """The view of document ``d`` as a string (what ``match_key`` returns)."""
    return v.codes[v.doc_start[d] : v.doc_start[d + 1]].tobytes().decode("utf-32-le")


# ---------------------------------------------------------------- hashing


def _mix(x: np.ndarray) -> np.ndarray:
    """The 64-bit finaliser of MurmurHash3: spreads the bits of a polynomial hash."""
    import numpy as np

    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    mixed: np.ndarray = x ^ (x >> np.uint64(33))
    return mixed


def _poly(codes: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    import numpy as np

    h = np.zeros(len(start), dtype=np.uint64)
    for k in range(width):
        h = h * np.uint64(0x100000001B3) + codes[start + k].astype(np.uint64)
    return h


@dataclass
class Shingles:
    """Shingle hashes of a batch: ``doc_hashes[doc_offsets[d]:doc_offsets[d + 1]]`` are
    document d's (with repeats; MinHash does not mind), and paragraph p of
    ``para_doc`` has ``para_hashes[para_offsets[p]:para_offsets[p + 1]]``."""

    doc_hashes: np.ndarray
    doc_offsets: np.ndarray
    para_hashes: np.ndarray
    para_offsets: np.ndarray
    para_doc: np.ndarray
    para_chars: np.ndarray
    para_keys: np.ndarray  # a 64-bit fingerprint of each paragraph's view


def shingle_hashes(v: Views, size: int = SHINGLE) -> Shingles:
    """Hashes of the ``size``-shingles of every document and paragraph of a batch.

    A view shorter than ``size`` is one shingle (itself), as ``splits.shingles`` has it.
    """
    import numpy as np

    n = len(v.codes)
    ndocs = len(v.doc_start) - 1
    lengths = np.diff(v.doc_start)
    starts = np.arange(max(n - size + 1, 0))
    ok = v.doc_of[starts] == v.doc_of[starts + size - 1] if len(starts) else starts.astype(bool)
    pos = starts[ok]
    hashes = _mix(_poly(v.codes, pos, size) ^ np.uint64(size))
    owner = v.doc_of[pos]
    real = np.ones(len(pos), dtype=bool)  # False: a whole short view, never a paragraph's
    short = np.flatnonzero(lengths < size)
    if len(short):
        extra = np.empty(len(short), dtype=np.uint64)
        for j, d in enumerate(short.tolist()):
            segment = v.codes[v.doc_start[d] : v.doc_start[d + 1]]
            value = _poly(segment, np.zeros(1, dtype=np.int64), len(segment))
            extra[j] = _mix(value ^ np.uint64(len(segment)))[0]
        order = np.argsort(np.concatenate((owner, short)), kind="stable")
        hashes = np.concatenate((hashes, extra))[order]
        owner = np.concatenate((owner, short))[order]
        pos = np.concatenate((pos, v.doc_start[short]))[order]
        real = np.concatenate((real, np.zeros(len(short), dtype=bool)))[order]
    doc_offsets = np.searchsorted(owner, np.arange(ndocs + 1)).astype(np.uint64)

    # Paragraph shingles: both ends in one paragraph and not starting on the space
    # that joins it to the previous one.
    inside = np.zeros(len(pos), dtype=bool)
    full = real & (pos + size - 1 < n)
    inside[full] = (v.para_of[pos[full]] == v.para_of[pos[full] + size - 1]) & ~v.boundary[
        pos[full]
    ]
    npara = int(v.para_of[-1]) + 1 if n else 0
    body = ~v.boundary
    para_chars = np.bincount(v.para_of[body], minlength=npara)
    para_first = np.searchsorted(v.para_of, np.arange(npara))
    para_doc = v.doc_of[para_first] if npara else np.zeros(0, dtype=np.int64)
    p_pos = pos[inside]
    p_hash = hashes[inside]
    p_owner = v.para_of[p_pos]
    para_offsets = np.searchsorted(p_owner, np.arange(npara + 1)).astype(np.uint64)
    # Fingerprint: the sum of (character, position in paragraph) hashes, and the length.
    idx = np.flatnonzero(body)
    pid = v.para_of[idx]
    rel = idx - (para_first[pid] + v.boundary[para_first[pid]])
    terms = _mix((v.codes[idx].astype(np.uint64) << np.uint64(32)) ^ rel.astype(np.uint64))
    keys = np.zeros(npara, dtype=np.uint64)
    np.add.at(keys, pid, terms)
    keys = _mix(keys ^ para_chars.astype(np.uint64))
    return Shingles(hashes, doc_offsets, p_hash, para_offsets, para_doc, para_chars, keys)


def exact_sets(texts: Sequence[str], size: int = SHINGLE) -> list[np.ndarray]:
    """The sorted, unique shingle hashes of each text (what candidates are verified on)."""
    import numpy as np

    sh = shingle_hashes(views(texts), size)
    o = sh.doc_offsets.astype(np.int64)
    return [np.unique(sh.doc_hashes[o[d] : o[d + 1]]) for d in range(len(texts))]


def paragraph_fingerprints(
    texts: Sequence[str], *, min_chars: int
) -> Iterator[tuple[int, np.ndarray]]:
    """(text index, fingerprints of its paragraphs of at least ``min_chars`` characters
    of matching view), batch by batch: the compact keys of the contamination check."""
    import numpy as np

    for lo in range(0, len(texts), BATCH):
        sh = shingle_hashes(views(texts[lo : lo + BATCH]))
        long = sh.para_chars >= min_chars
        docs, keys = sh.para_doc[long], sh.para_keys[long]
        bounds = np.searchsorted(docs, np.arange(min(BATCH, len(texts) - lo) + 1))
        for d in range(len(bounds) - 1):
            yield lo + d, keys[bounds[d] : bounds[d + 1]]


# ---------------------------------------------------------------- LSH


def signatures(hashes: np.ndarray, offsets: np.ndarray, num_perm: int) -> np.ndarray:
    """MinHash signatures (rows x ``num_perm``, uint32) of the sets in ``hashes``."""
    import numpy as np
    import rensa

    if len(offsets) <= 1:
        return np.zeros((0, num_perm), dtype=np.uint32)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
        hashes, offsets.astype(np.uint64), num_perm, MINHASH_SEED
    )
    return np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(-1, num_perm)


def band_keys(sig: np.ndarray, *, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per band and set (bands x sets): equal rows give equal keys."""
    import numpy as np

    cut = sig[:, : bands * rows].reshape(len(sig), bands, rows).astype(np.uint64)
    keys = np.zeros((len(sig), bands), dtype=np.uint64)
    for j in range(rows):
        keys = keys * np.uint64(0x9E3779B97F4A7C15) + cut[:, :, j]
    return _mix(keys).T.copy()


def colliding_pairs(
    keys: np.ndarray, owner: np.ndarray, *, max_run: int | None = None
) -> np.ndarray:
    """Pairs (lo, hi) of distinct owners whose sets share a key in this band.

    A key with more than ``max_run`` distinct owners gives only the pairs of its smallest
    owner with each other one (linear in the run, where all pairs would be quadratic).
    """
    import numpy as np

    order = np.argsort(keys, kind="stable")
    k, o = keys[order], owner[order]
    same = np.flatnonzero(k[1:] == k[:-1])
    if not len(same):
        return np.zeros((0, 2), dtype=np.int64)
    run_start = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    run_len = np.diff(np.concatenate((run_start, [len(k)])))
    pairs = []
    for s, m in zip(run_start[run_len > 1].tolist(), run_len[run_len > 1].tolist(), strict=True):
        members = np.unique(o[s : s + m])
        if max_run is not None and len(members) > max_run:
            pairs.append(np.stack((np.full(len(members) - 1, members[0]), members[1:]), axis=1))
        elif len(members) > 1:
            a, b = np.triu_indices(len(members), 1)
            pairs.append(np.stack((members[a], members[b]), axis=1))
    return np.concatenate(pairs) if pairs else np.zeros((0, 2), dtype=np.int64)


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


# ---------------------------------------------------------------- grouping


def find_near_duplicates(texts: Mapping[str, str], settings: Settings = Settings()) -> Grouping:
    """Group the documents: id → group key (the smallest id of its group), the verified
    pairs, and the boilerplate paragraphs left out of the grouping."""
    import numpy as np

    ids = sorted(texts)
    n = len(ids)
    with tempfile.TemporaryDirectory(prefix="astana-near-duplicates-") as tmp:
        folder = Path(tmp)
        batches = 0
        for lo in range(0, n, BATCH):
            chunk = [texts[i] for i in ids[lo : lo + BATCH]]
            sh = shingle_hashes(views(chunk), settings.shingle)
            doc_sig = signatures(sh.doc_hashes, sh.doc_offsets, settings.num_perm)
            long = np.flatnonzero(sh.para_chars >= settings.min_paragraph_chars)
            po = sh.para_offsets.astype(np.int64)
            p_flat = (
                np.concatenate([sh.para_hashes[po[p] : po[p + 1]] for p in long])
                if len(long)
                else np.zeros(0, dtype=np.uint64)
            )
            p_off = np.concatenate(([0], np.cumsum(po[long + 1] - po[long])))
            para_sig = signatures(p_flat, p_off, settings.num_perm)
            lsh = {"bands": settings.bands, "rows": settings.rows}
            np.save(folder / f"doc-{batches}.npy", band_keys(doc_sig, **lsh))
            np.save(folder / f"para-{batches}.npy", band_keys(para_sig, **lsh))
            np.save(folder / f"para-doc-{batches}.npy", sh.para_doc[long] + lo)
            np.save(folder / f"para-key-{batches}.npy", sh.para_keys[long])
            batches += 1
        cap = settings.max_paragraph_documents
        shared, common = _shared_paragraphs(folder, batches, cap)
        candidates = _candidates(
            folder, batches, n, settings.bands, extra=shared, cap=cap, common=common
        )
    groups, pairs = _verify(texts, ids, candidates, shared, settings)
    examples = [
        Boilerplate(count, _paragraph_text(texts[ids[first[0]]], key), tuple(ids[d] for d in first))
        for key, count, first in _most_widespread(common)
    ]
    return Grouping(groups, pairs, len(common.keys), examples)


def _load(folder: Path, name: str, batches: int, band: int | None = None) -> np.ndarray:
    import numpy as np

    parts = []
    for b in range(batches):
        array = np.load(folder / f"{name}-{b}.npy", mmap_mode="r")
        parts.append(np.asarray(array[band] if band is not None else array))
    return np.concatenate(parts) if parts else np.zeros(0)


@dataclass
class _Common:
    """Boilerplate paragraph fingerprints, each with its number of documents and its
    first (smallest) few documents."""

    keys: np.ndarray
    counts: np.ndarray
    first: list[list[int]]


def _candidates(
    folder: Path,
    batches: int,
    n: int,
    bands: int,
    *,
    extra: set[tuple[int, int]],
    cap: int,
    common: _Common,
) -> np.ndarray:
    """Distinct candidate pairs (lo, hi) from both indexes, one band column at a time,
    and the ``extra`` pairs (shared paragraphs: candidates whatever the LSH says).
    Boilerplate paragraphs are left out of the paragraph index."""
    import numpy as np

    para_doc = _load(folder, "para-doc", batches).astype(np.int64)
    kept = ~np.isin(_load(folder, "para-key", batches).astype(np.uint64), common.keys)
    codes = [np.asarray([a * n + b for a, b in sorted(extra)], dtype=np.uint64)]
    for band in range(bands):
        doc_keys = _load(folder, "doc", batches, band)
        para_keys = _load(folder, "para", batches, band)[kept]
        for keys, owner in ((doc_keys, np.arange(n)), (para_keys, para_doc[kept])):
            pairs = colliding_pairs(keys, owner, max_run=cap)
            codes.append(pairs[:, 0].astype(np.uint64) * np.uint64(n) + pairs[:, 1])
    flat = np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.uint64)
    return np.stack((flat // np.uint64(n), flat % np.uint64(n)), axis=1).astype(np.int64)


def _shared_paragraphs(
    folder: Path, batches: int, cap: int
) -> tuple[set[tuple[int, int]], _Common]:
    """Pairs of documents with an identical long paragraph (equal fingerprints) in at most
    ``cap`` documents, and the fingerprints in more (boilerplate: no pairs built)."""
    import numpy as np

    keys = _load(folder, "para-key", batches).astype(np.uint64)
    owner = _load(folder, "para-doc", batches).astype(np.int64)
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


def _most_widespread(common: _Common) -> list[tuple[int, int, list[int]]]:
    """(fingerprint, documents, first documents) of the most widespread boilerplate."""
    import numpy as np

    order = np.lexsort((common.keys, -common.counts))[:BOILERPLATE_EXAMPLES]
    return [(int(common.keys[i]), int(common.counts[i]), common.first[i]) for i in order]


def _paragraph_text(text: str, key: int) -> str:
    """The matching view of the paragraph of ``text`` whose fingerprint is ``key``."""
    import numpy as np

    v = views([text])
    sh = shingle_hashes(v)
    (found,) = np.flatnonzero(sh.para_keys == np.uint64(key))[:1]
    chars = v.codes[(v.para_of == found) & ~v.boundary]
    return str(chars.tobytes().decode("utf-32-le"))


def _verify(
    texts: Mapping[str, str],
    ids: Sequence[str],
    candidates: np.ndarray,
    shared: set[tuple[int, int]],
    settings: Settings,
) -> tuple[dict[str, str], list[NearDuplicate]]:
    """Exact Jaccard and containment of each candidate pair; union-find over the kept."""
    import numpy as np

    needed = sorted({int(x) for x in candidates.reshape(-1)})
    sets: dict[int, Any] = {}
    for lo in range(0, len(needed), BATCH):
        chunk = needed[lo : lo + BATCH]
        found = exact_sets([texts[ids[d]] for d in chunk], settings.shingle)
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
    return {ids[i]: ids[find(i)] for i in range(len(ids))}, pairs


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
