"""How `astana merge` scales: time of merging one round against its size.

Makes a synthetic round (documents of 10 paragraphs, two annotators who agree on every
paragraph, so the merge writes gold) in a temporary project and times
`annotate.merge.merge` at each size, in a fresh subprocess per size. Linear scaling
means the time ratio tracks the size ratio.

    python benchmarks/merge_scale.py                  # 5k, 20k, 40k paragraphs
    python benchmarks/merge_scale.py --sizes 2000 8000
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ["محادثات", "الوفد", "الجولة", "اجتماع", "الضامنة", "المعارضة", "الهدنة", "قال"]
PARAGRAPHS_PER_DOC = 10
ANNOTATORS = ("amal", "basel")


def run_one(n_paragraphs: int) -> float:
    """Seconds to merge a round of ``n_paragraphs`` (runs in its own process)."""
    from astana_corpus.annotate.merge import merge
    from astana_corpus.core.records import Document, Paragraph, Provenance
    from astana_corpus.core.schema import read_schema

    repo = Path(__file__).resolve().parents[1]
    rng = random.Random(0)
    prov = Provenance("articles/raw/x.txt", "0" * 64, "txt", "utf-8", None, None, None, ())
    documents, lines = [], []
    for d in range(n_paragraphs // PARAGRAPHS_PER_DOC):
        texts = [
            "أستانة " + " ".join(rng.choice(WORDS) for _ in range(20))
            for _ in range(PARAGRAPHS_PER_DOC)
        ]
        paragraphs, offset = [], 0
        for index, text in enumerate(texts):
            paragraphs.append(
                Paragraph(index, offset, offset + len(text), offset, offset + len(text))
            )
            offset += len(text) + 1
        doc = Document(f"syn-{d:07d}", "\n".join(texts), tuple(paragraphs), prov)
        documents.append(doc)
        for index, text in enumerate(texts):
            lines.append(
                {
                    "id": len(lines),
                    "text": text,
                    "doc_id": doc.id,
                    "paragraph_index": index,
                    "entities": [[0, len("أستانة"), "GPE"]],
                    "cats": ["TALKS_HELD"],
                    "Comments": [],
                }
            )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(repo / "annotations", root / "annotations", ignore=_only_schema)
        body = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
        for name in ANNOTATORS:
            for sub in ("", "confirmed/"):
                path = root / f"annotations/doccano/syn/{sub}{name}.jsonl"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(body, encoding="utf-8")
        schema = read_schema(root)
        start = time.perf_counter()
        merge(root, round_name="syn", documents=documents, schema=schema)
        return time.perf_counter() - start


def _only_schema(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n != "schema.yaml"] if Path(folder).name == "annotations" else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 40000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps({"seconds": run_one(args.one)}))
        return
    base: tuple[int, float] | None = None
    print(f"{'paragraphs':>10} {'seconds':>8} {'size ratio':>10} {'time ratio':>10}")
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            check=True,
            capture_output=True,
            text=True,
        )
        seconds = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
        base = base or (size, seconds)
        print(f"{size:>10} {seconds:>8.2f} {size / base[0]:>10.1f} {seconds / base[1]:>10.1f}")


if __name__ == "__main__":
    main()
