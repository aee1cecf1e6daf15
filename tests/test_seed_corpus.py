"""The committed seed articles: ingest keeps every body paragraph once and nothing else.

The furniture lines below were picked by reading the five raw files; every
other distinct line is article text (title or body) and must be kept, in
order. The golden file pins the whole output byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from astana_corpus.cli import main
from astana_corpus.core.io import sha256_bytes
from astana_corpus.core.paths import RAW_DIR
from astana_corpus.ingest.documents import iter_documents_file, write_documents
from astana_corpus.ingest.sources import read_metadata

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "documents.jsonl"

# Raw lines that are not article text, by the start of the line.
FURNITURE_PREFIXES = {
    "000_b07221b9a5595ca2.txt": ["إقرأ أيضاً:", "قد يهمك:"],
    "001_26353e1729ca0d34.txt": [],
    "002_fb12332a784e496c.txt": [
        "روسيا تطالب بوقف الهجمات الإسرائيلية على مواقع النظام في سوريامقتل",  # ticker
        "اترك تعليقاً",
        "لن يتم نشر عنوان بريدك الإلكتروني",
        "زر الذهاب إلى الأعلى",
    ],
    "003_52132f0df3af24d6.txt": [
        # the teaser that the full paragraph repeats, ending in "..."
        "شهدت العاصمة الكازاخستانية أستانة عدة اجتماعات، وذلك في اليوم الأول من الجولة السابعة "
        "للمحادثات غير المباشرة بين فصائل المعارضة ونظام الأسد، حيث التقى وفد المعارضة السورية "
        "مسؤولين من فرنسا...",
        "أقسام",
        "أخبار",
    ],
    "004_d62464ac8779b368.txt": ["إقرأ أيضاً:"],
}
FURNITURE_PHRASES = ["إقرأ أيضاً", "قد يهمك", "اترك تعليقاً", "لن يتم نشر", "زر الذهاب", "أقسام"]


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    out = tmp_path_factory.mktemp("ingest") / "documents.jsonl"
    write_documents(ROOT, out=out)
    return {d.provenance.raw_file: d for d in iter_documents_file(out)}, out


def expected_paragraphs(name: str) -> list[str]:
    text = (ROOT / RAW_DIR / name).read_text(encoding="utf-8")
    seen: list[str] = []
    for line in (line.strip() for line in text.splitlines()):
        if not line or line in seen:
            continue
        if any(line.startswith(p) for p in FURNITURE_PREFIXES[name]):
            continue
        seen.append(line)
    return seen


@pytest.mark.parametrize("name", sorted(FURNITURE_PREFIXES))
def test_every_body_line_kept_once_and_nothing_else(documents, name):
    docs, _ = documents
    doc = docs[f"{RAW_DIR.as_posix()}/{name}"]
    kept = [doc.paragraph_text(i) for i in range(len(doc.paragraphs))]
    assert kept == expected_paragraphs(name)
    assert len(set(kept)) == len(kept)
    for phrase in FURNITURE_PHRASES:
        assert phrase not in doc.text


def test_paragraphs_map_back_to_raw_text(documents):
    docs, _ = documents
    for raw_file, doc in docs.items():
        raw_text = (ROOT / raw_file).read_bytes().decode("utf-8")
        for p in doc.paragraphs:
            assert raw_text[p.raw_start : p.raw_end] == doc.text[p.start : p.end]
        for d in doc.provenance.dropped:
            assert raw_text[d.raw_start : d.raw_end].strip()


def test_ingest_matches_golden_output(documents):
    _, out = documents
    assert out.read_bytes() == GOLDEN.read_bytes(), (
        "ingest output changed; if intended, review it and run "
        "`astana ingest --out tests/golden/documents.jsonl`"
    )


def test_cli_ingest_is_byte_identical_twice(tmp_path):
    for name in ("a.jsonl", "b.jsonl"):
        assert main(["--root", str(ROOT), "ingest", "--quiet", "--out", str(tmp_path / name)]) == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_metadata_matches_raw_files():
    metas = read_metadata(ROOT)
    assert [m.id for m in metas] == [f"astana-{n:04d}" for n in range(1, 6)]
    assert all(m.outlet is None and m.url is None and m.published is None for m in metas)


def test_raw_articles_are_the_received_bytes():
    """The sha256 recorded when each seed was received guards its bytes (no sibling folder
    is needed: a clone of the repository alone runs this)."""
    metas = read_metadata(ROOT)
    assert sorted(m.file for m in metas) == sorted(p.name for p in (ROOT / RAW_DIR).iterdir())
    for meta in metas:
        assert sha256_bytes((ROOT / RAW_DIR / meta.file).read_bytes()) == meta.sha256, meta.file
