"""Where `astana split`'s seconds go, phase by phase, in one process (no subprocess).

Times, from the start of this script: the documents check (``ensure_documents``), the
shared-paragraph index, the LSH candidates, the screen on whole signatures, exact
verification, and writing the lists. Run it on a project that `astana ingest` has
sketched (``benchmarks/synthetic.py`` makes one); remove ``build/sketches`` first to
time a cold split.

    .venv/bin/python benchmarks/split_phases.py PROJECT
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()

from astana_corpus import pipeline  # noqa: E402
from astana_corpus.dataset import near_duplicates, splits  # noqa: E402

PHASES = ("_shared_paragraphs", "_candidates", "_screen", "_verify")


def timed(marks: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        marks[f"{name} start"] = time.perf_counter() - STARTED
        result = fn(*args, **kwargs)
        marks[f"{name} done"] = time.perf_counter() - STARTED
        return result

    return run


def main() -> int:
    root = Path(sys.argv[1])
    marks: dict[str, float] = {"imports": time.perf_counter() - STARTED}
    for name in PHASES:
        setattr(near_duplicates, name, timed(marks, name, getattr(near_duplicates, name)))
    pipeline.ensure_documents(root)
    marks["ensure_documents done"] = time.perf_counter() - STARTED
    result = splits.split_result(root, splits.read_config(root))
    marks["split_result done"] = time.perf_counter() - STARTED
    splits.write_splits(root, result)
    marks["write_splits done"] = time.perf_counter() - STARTED
    for name, seconds in marks.items():
        print(f"{name:26} {seconds:7.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
