"""Near-duplicate grouping: which MinHash library, and how `astana split`'s grouping scales.

1. ``libraries``: datasketch (one MinHash per document, MinHashLSH), rensa (its bulk
   digest matrix over our shingle hashes, read back with ``to_rows``, our band keys) and
   the grouping's own numpy one-permutation MinHash (``signatures``), all with 128
   permutations or bins and 21 bands x 6 rows: documents per second over synthetic
   articles (shingling included), and recall on 200 constructed pairs of sets at Jaccard
   exactly 0.8.
2. ``scale``: ``dataset.near_duplicates.find_near_duplicates`` (the grouping of
   `astana split`) over N synthetic articles (10 paragraphs of ~450 characters of
   made-up Arabic words) of which 1% are injected copies (full copies with edits, and
   partial copies keeping 6-8 of 10 paragraphs); recall = injected pairs grouped among
   those whose exact Jaccard >= 0.8 or containment >= 0.7 (Python shingle sets). Runs in
   a subprocess; peak RSS is that process's (the grouping starts no other).

    python benchmarks/near_duplicates.py libraries --docs 2000
    python benchmarks/near_duplicates.py scale --docs 100000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time

import numpy as np

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوية"
BANDS, ROWS, PERM = 21, 6, 128


def articles(n: int, seed: int = 0) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """``n`` articles; every 100th is a copy of the one before (the injected pairs)."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 7))) for _ in range(20000)]

    def paragraph() -> str:
        return " ".join(rng.choice(vocab) for _ in range(rng.randint(75, 95)))

    texts: dict[str, str] = {}
    injected = []
    previous: list[str] = []
    for i in range(n):
        doc_id = f"syn-{i:07d}"
        if i % 100 == 99:
            if i % 200 == 99:  # a full copy with a few words changed
                paras = [
                    " ".join(w if rng.random() > 0.02 else "تعديل" for w in p.split())
                    for p in previous
                ]
            else:  # a partial syndicated copy
                paras = [*rng.sample(previous, rng.randint(6, 8)), paragraph()]
            injected.append((f"syn-{i - 1:07d}", doc_id))
        else:
            paras = [paragraph() for _ in range(10)]
        previous = paras
        texts[doc_id] = "\n".join(paras)
    return texts, injected


def pair_sets(seed: int = 11) -> tuple[list[np.ndarray], list[tuple[int, int]]]:
    gen = np.random.default_rng(seed)
    sets, pairs = [], []
    for _ in range(200):
        v = gen.integers(0, 2**63, size=500, dtype=np.uint64)
        pairs.append((len(sets), len(sets) + 1))
        sets += [np.concatenate((v[:400], v[400:450])), np.concatenate((v[:400], v[450:]))]
    return sets, pairs


def libraries(n: int) -> None:
    from datasketch import MinHash, MinHashLSH

    from astana_corpus.dataset.near_duplicates import (
        band_keys,
        colliding_pairs,
        lsh_candidates,
        shingle_hashes,
        signatures,
        views,
    )
    from astana_corpus.dataset.splits import shingles

    texts = list(articles(n)[0].values())
    start = time.perf_counter()
    lsh = MinHashLSH(num_perm=PERM, params=(BANDS, ROWS))
    for i, text in enumerate(texts):
        mh = MinHash(num_perm=PERM, seed=1)
        mh.update_batch([s.encode("utf-8") for s in shingles(text)])
        lsh.insert(i, mh)
    ds_rate = n / (time.perf_counter() - start)

    import rensa

    def rensa_signatures(hashes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(hashes, offsets, PERM, 1)
        return np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(-1, PERM)

    rates = {}
    for name, sign in (("rensa", rensa_signatures), ("numpy OPH", None)):
        start = time.perf_counter()
        for lo in range(0, n, 2000):
            sh = shingle_hashes(views(texts[lo : lo + 2000]))
            offsets = sh.doc_offsets.astype(np.uint64)
            sig = sign(sh.doc_hashes, offsets) if sign else signatures(sh.doc_hashes, offsets, PERM)
            band_keys(sig, bands=BANDS, rows=ROWS)
        rates[name] = n / (time.perf_counter() - start)

    sets, pairs = pair_sets()
    lsh = MinHashLSH(num_perm=PERM, params=(BANDS, ROWS))
    hashes = []
    for i, s in enumerate(sets):
        mh = MinHash(num_perm=PERM, seed=1)
        mh.update_batch([int(x).to_bytes(8, "little") for x in s])
        lsh.insert(i, mh)
        hashes.append(mh)
    ds_recall = sum(b in lsh.query(hashes[a]) for a, b in pairs) / len(pairs)
    found = lsh_candidates(sets, num_perm=PERM, bands=BANDS, rows=ROWS)
    ours = sum(p in found for p in pairs) / len(pairs)
    flat = np.concatenate(sets)
    offsets = np.concatenate(([0], np.cumsum([len(x) for x in sets]))).astype(np.uint64)
    keys = band_keys(rensa_signatures(flat, offsets), bands=BANDS, rows=ROWS)
    hit: set[tuple[int, int]] = set()
    for band in keys:
        hit.update(map(tuple, colliding_pairs(band, np.arange(len(sets))).tolist()))
    rensa_recall = sum(p in hit for p in pairs) / len(pairs)
    print(f"{'library':<12} {'docs/s':>8} {'recall@J=0.8':>13}")
    print(f"{'datasketch':<12} {ds_rate:>8.0f} {ds_recall:>13.3f}")
    print(f"{'rensa':<12} {rates['rensa']:>8.0f} {rensa_recall:>13.3f}")
    print(f"{'numpy OPH':<12} {rates['numpy OPH']:>8.0f} {ours:>13.3f}")


def scale_one(n: int) -> dict[str, float]:
    from astana_corpus.dataset.near_duplicates import Settings, find_near_duplicates
    from astana_corpus.dataset.splits import shingles

    texts, injected = articles(n)
    start = time.perf_counter()
    groups, pairs, _, _ = find_near_duplicates(texts, Settings())
    seconds = time.perf_counter() - start
    due = []
    for a, b in injected:
        sa, sb = shingles(texts[a]), shingles(texts[b])
        common = len(sa & sb)
        if common / len(sa | sb) >= 0.8 or common / min(len(sa), len(sb)) >= 0.7:
            due.append((a, b))
    recall = sum(groups[a] == groups[b] for a, b in due) / max(len(due), 1)
    false = sum(1 for p in pairs if (p.a, p.b) not in set(injected))
    return {
        "docs": n,
        "seconds": seconds,
        "docs_per_s": n / seconds,
        "injected_due": len(due),
        "recall": recall,
        "pairs_found": len(pairs),
        "pairs_not_injected": false,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["libraries", "scale"])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.what == "libraries":
        libraries(args.docs)
    elif args.one:
        print(json.dumps(scale_one(args.docs)))
    else:
        out = subprocess.run(
            [sys.executable, __file__, "scale", "--docs", str(args.docs), "--one"],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        result["peak_rss_mb_process_tree"] = children
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
