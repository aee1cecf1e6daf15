"""A synthetic astana project of N paragraphs that the real CLI builds end to end.

What it writes under ``root`` (the layout of a real project):

- ``articles/raw/*.txt`` and ``articles/articles.yaml`` (ids, files, sha256 of the bytes);
- ``annotations/gold.jsonl``: one record per article whose text is the article's lines
  joined by ``\\n`` (what cleaning keeps), entities at word boundaries (a proclitic such as
  ب or و before a name stays outside the span), paragraph events and their union;
- ``splits/``: the lists and manifest that ``astana split`` would write: a planted
  near-duplicate (every ``DUPLICATE_EVERY``-th article repeats the one before with two
  words changed) shares the group key of its original;
- the schema, gazetteer and card template copied from this repository.

Paragraphs are recombined from a pool of clauses with ~10% novel words (letters drawn at
random), ~450 characters each, so the tokenizer meets new strings as in a real corpus.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARAGRAPHS_PER_DOC = 10
PARAGRAPH_CHARS = 450
NOVEL_RATE = 0.10
DUPLICATE_EVERY = 50
CLAUSE_POOL = 4000

WORDS = [
    "محادثات",
    "الوفد",
    "الجولة",
    "اجتماع",
    "الدول",
    "الضامنة",
    "المعارضة",
    "المسلحة",
    "الهدنة",
    "قال",
    "أعلنت",
    "مناطق",
    "خفض",
    "التصعيد",
    "بيان",
    "المقبلة",
    "الماضي",
    "وزير",
    "الخارجية",
    "المبعوث",
    "الأممي",
    "الحكومة",
    "السورية",
    "الفصائل",
    "المراقبين",
    "وقف",
    "إطلاق",
    "النار",
    "المعتقلين",
    "المساعدات",
    "الإنسانية",
    "الجانبين",
    "مشاورات",
    "التزام",
    "الاتفاق",
    "الروسي",
    "التركي",
    "الإيراني",
    "العاصمة",
    "الكازاخية",
    "مؤتمر",
    "صحفي",
    "مصادر",
    "مطلعة",
    "أكد",
    "أوضح",
    "جديدة",
    "الأسبوع",
    "اللجنة",
    "الدستورية",
    "العملية",
    "السياسية",
    "تنفيذ",
    "المخرجات",
    "ممثلي",
    "الأطراف",
]
# (surface, label, characters before the span: a proclitic outside it)
NAMES = (
    ("أستانة", "GPE", 0),
    ("بسوريا", "GPE", 1),
    ("وروسيا", "GPE", 1),
    ("لتركيا", "GPE", 1),
    ("إدلب", "GPE", 0),
    ("دي ميستورا", "PER", 0),
    ("ألكسندر لافرنتييف", "PER", 0),
    ("الأمم المتحدة", "ORG", 0),
    ("وزارة الخارجية الكازاخية", "ORG", 0),
    ("الغوطة الشرقية", "LOC", 0),
    ("أستانة-7", "EVENT", 0),
    ("مؤتمر سوتشي", "EVENT", 0),
    ("يوم غد الاثنين", "DATE", 0),
    ("30 تشرين الثاني", "DATE", 0),
    ("المبعوث الأممي", "OCC", 0),
    ("الروسية", "NORP", 0),
)
EVENTS = ("TALKS_HELD", "TALKS_SCHEDULED", "STATEMENT", "AGREEMENT", "DETAINEES")
# Letters a novel word is made of (no ة or ى: those only end words).
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def _novel(rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 7)))


def _clauses(rng: random.Random) -> list[list[tuple[str, str | None, int]]]:
    """A pool of clauses: lists of (word, label or None, proclitic length)."""
    pool = []
    for _ in range(CLAUSE_POOL):
        clause: list[tuple[str, str | None, int]] = []
        for _ in range(rng.randint(6, 12)):
            if rng.random() < 0.12:
                clause.append(rng.choice(NAMES))
            else:
                clause.append((rng.choice(WORDS), None, 0))
        pool.append(clause)
    return pool


def _paragraph(rng: random.Random, pool: list) -> tuple[str, list[tuple[int, int, str, str]]]:
    """One paragraph of ~PARAGRAPH_CHARS characters and its entities (paragraph offsets)."""
    parts: list[str] = []
    entities = []
    length = 0
    while length < PARAGRAPH_CHARS:
        clause = rng.choice(pool)
        for k, (word, label, skip) in enumerate(clause):
            if label is None and rng.random() < NOVEL_RATE:
                word = _novel(rng)
            if parts:
                parts.append(" ")
                length += 1
            if label is not None:
                entities.append((length + skip, length + len(word), label, word[skip:]))
            parts.append(word)
            length += len(word)
            if k == len(clause) - 1:
                mark = rng.choice(("،", ".", "؛", "؟", "."))
                parts.append(mark)
                length += 1
    return "".join(parts), entities


def _document(rng: random.Random, pool: list) -> tuple[list[str], list[list[tuple]]]:
    texts, entities = [], []
    while len(texts) < PARAGRAPHS_PER_DOC:
        text, ents = _paragraph(rng, pool)
        if text not in texts:  # cleaning drops a repeated line
            texts.append(text)
            entities.append(ents)
    return texts, entities


def _near_duplicate(rng: random.Random, texts: list[str]) -> list[str]:
    """The same story with a few novel words added at the end of its last paragraph
    (offsets of every entity stay where they were)."""
    return [*texts[:-1], texts[-1] + " " + " ".join(_novel(rng) for _ in range(3)) + "."]


def make_project(root: Path, n_paragraphs: int, *, seed: int = 0) -> dict[str, int]:
    """Write the project; return counts (documents, paragraphs, entities, duplicates)."""
    from astana_corpus.dataset.splits import DEFAULT_SEED, SPLIT_NAMES, split_of

    rng = random.Random(seed)
    pool = _clauses(rng)
    raw = root / "articles" / "raw"
    raw.mkdir(parents=True)
    (root / "annotations").mkdir()
    (root / "splits").mkdir()
    (root / "annotations" / "doccano" / "syn").mkdir(parents=True)  # the round gold names
    for name in (
        "annotations/schema.yaml",
        "annotations/gazetteer.yaml",
        "annotations/gazetteer.generated.yaml",
        "dataset_card.md",
        "LICENSE",
    ):
        shutil.copy(REPO / name, root / name)
    n_docs = n_paragraphs // PARAGRAPHS_PER_DOC
    lists: dict[str, list[str]] = {name: [] for name in SPLIT_NAMES}
    groups: dict[str, str] = {}
    counts = {"documents": n_docs, "paragraphs": 0, "entities": 0, "duplicates": 0}
    previous: tuple[str, list[str], list] | None = None
    with (
        (root / "articles" / "articles.yaml").open("w", encoding="utf-8") as meta,
        (root / "annotations" / "gold.jsonl").open("w", encoding="utf-8") as gold,
    ):
        meta.write("articles:\n")
        for d in range(n_docs):
            doc_id = f"astana-{d + 1:07d}"
            if previous is not None and d % DUPLICATE_EVERY == DUPLICATE_EVERY - 1:
                original, texts, entities = previous
                texts = _near_duplicate(rng, texts)
                groups[doc_id] = original
                counts["duplicates"] += 1
            else:
                texts, entities = _document(rng, pool)
            text = "\n".join(texts)
            data = text.encode("utf-8")
            file = f"{d:07d}.txt"
            (raw / file).write_bytes(data)
            meta.write(
                f"- id: {doc_id}\n  file: {file}\n  sha256: {hashlib.sha256(data).hexdigest()}\n"
                f"  outlet: synthetic\n  url: null\n  published: null\n"
            )
            record_entities, paragraphs, offset = [], [], 0
            for index, (para, ents) in enumerate(zip(texts, entities, strict=True)):
                for start, end, label, surface in ents:
                    assert text[offset + start : offset + end] == surface
                    record_entities.append(
                        {
                            "start": offset + start,
                            "end": offset + end,
                            "label": label,
                            "text": surface,
                            "canonical_id": None,
                        }
                    )
                events = sorted(rng.sample(EVENTS, rng.choice((0, 0, 1, 1, 2))))
                paragraphs.append(
                    {"index": index, "start": offset, "end": offset + len(para), "events": events}
                )
                offset += len(para) + 1
            record = {
                "id": doc_id,
                "text": text,
                "text_sha256": hashlib.sha256(data).hexdigest(),
                "entities": record_entities,
                "events": sorted({e for p in paragraphs for e in p["events"]}),
                "paragraphs": paragraphs,
                "annotation": {"round": "syn", "annotators": ["syn"], "schema_version": "1.0"},
            }
            gold.write(json.dumps(record, ensure_ascii=False) + "\n")
            counts["paragraphs"] += len(texts)
            counts["entities"] += len(record_entities)
            key = groups.get(doc_id, doc_id)
            lists[split_of(key, DEFAULT_SEED)].append(doc_id)
            previous = (doc_id, texts, entities) if doc_id not in groups else None
    listed = {name: "".join(f"{i}\n" for i in sorted(ids)) for name, ids in lists.items()}
    for name, body in listed.items():
        (root / "splits" / f"{name}.txt").write_text(body, encoding="utf-8")
    manifest = {
        "seed": DEFAULT_SEED,
        "ratios": {"train": 0.8, "validation": 0.1, "test": 0.1},
        "near_duplicate_threshold": 0.8,
        "minhash_num_perm": 128,
        "shingle_size": 5,
        "counts": {name: len(ids) for name, ids in lists.items()},
        "sha256": {n: hashlib.sha256(b.encode()).hexdigest() for n, b in listed.items()},
        "groups": dict(sorted(groups.items())),
    }
    (root / "splits" / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return counts


def paragraph_texts(root: Path) -> list[str]:
    """Every paragraph of the project's raw files (the tokenizer baseline's input)."""
    texts = []
    for path in sorted((root / "articles" / "raw").iterdir()):
        texts += path.read_text(encoding="utf-8").split("\n")
    return texts
