"""Process time of cleaning (and sketching) the first N documents of a synthetic project,
in this process: the ingest's per-batch work without the pool, the documents file or the
metadata.

    .venv/bin/python benchmarks/clean_speed.py PROJECT --docs 2000

A project comes from ``benchmarks/synthetic.py`` (``make_project(root, n_paragraphs)``).
To compare two commits, run it with ``PYTHONPATH=<worktree>/src`` for the other one.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from astana_corpus import pipeline
from astana_corpus.dataset.splits import sketch_of_documents
from astana_corpus.ingest.documents import INGEST_BATCH, clean_articles
from astana_corpus.ingest.sources import read_metadata


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--docs", type=int, default=2000)
    args = parser.parse_args()
    metas = read_metadata(args.project)[: args.docs]
    settings = pipeline._sketch_settings(args.project)
    batches = [metas[i : i + INGEST_BATCH] for i in range(0, len(metas), INGEST_BATCH)]
    started = time.process_time()
    docs = [clean_articles(args.project, batch) for batch in batches]
    cleaning = time.process_time() - started
    started = time.process_time()
    if settings is not None:
        for batch in docs:
            sketch_of_documents(settings, batch)
    sketching = time.process_time() - started
    paragraphs = sum(len(d.paragraphs) for batch in docs for d in batch)
    if not paragraphs:
        raise SystemExit(f"no paragraphs in the first {args.docs} documents of {args.project}")
    print(f"{len(metas)} documents, {paragraphs} paragraphs (process time)")
    print(f"cleaning  {cleaning:6.2f} s  {1e6 * cleaning / paragraphs:6.1f} us a paragraph")
    print(f"sketching {sketching:6.2f} s  {1e6 * sketching / paragraphs:6.1f} us a paragraph")
    return 0


if __name__ == "__main__":
    sys.exit(main())
