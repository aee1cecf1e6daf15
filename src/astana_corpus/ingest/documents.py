"""The ingest stage: raw articles → cleaned documents, materialised as ``build/documents.jsonl``.

Every later stage (validate, split, build, train, view, Doccano push) reads
the documents file this stage writes, never the raw files again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from astana_corpus.core.errors import error
from astana_corpus.core.io import atomic_open, dumps_record, iter_jsonl, sha256_bytes
from astana_corpus.core.paths import METADATA_FILE, RAW_DIR
from astana_corpus.core.records import Document, StageStats
from astana_corpus.ingest.clean import clean_document
from astana_corpus.ingest.sources import (
    SUPPORTED_SUFFIXES,
    ArticleMeta,
    check_unlisted,
    read_metadata,
    read_source,
)


def ingest_article(root: Path, meta: ArticleMeta) -> Document:
    """Read, verify and clean one article."""
    path = root / RAW_DIR / meta.file
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise error("A110", path=path, suffix=path.suffix, supported=SUPPORTED_SUFFIXES)
    data, source_text, kind = read_source(path)
    actual = sha256_bytes(data)
    if actual != meta.sha256:
        raise error(
            "A111",
            path=path,
            actual=actual,
            expected=meta.sha256,
            metadata=METADATA_FILE,
            doc_id=meta.id,
        )
    fmt = "html" if path.suffix.lower() in (".html", ".htm") else "txt"
    return clean_document(meta, source_text, source_format=fmt, source_kind=kind)


def iter_articles(root: Path, *, progress: bool = False) -> Iterator[Document]:
    """Clean every listed article, in id order (independent of file order)."""
    metas = read_metadata(root)
    check_unlisted(root, metas)
    ordered: Iterable[ArticleMeta] = sorted(metas, key=lambda m: m.id)
    if progress:
        from tqdm import tqdm

        ordered = tqdm(ordered, desc="ingest", unit="article")
    for meta in ordered:
        yield ingest_article(root, meta)


def write_documents(root: Path, *, out: Path, progress: bool = False) -> StageStats:
    """Clean every listed article and write ``out`` (JSON lines) atomically.

    Documents stream into a temporary file that replaces ``out`` only when
    every article was read and cleaned, so a bad input leaves no output.
    """
    stats = StageStats()
    with atomic_open(out) as handle:
        for doc in iter_articles(root, progress=progress):
            stats.add(doc)
            handle.write(dumps_record(doc.to_dict()) + "\n")
    return stats


def iter_documents_file(path: Path) -> Iterator[Document]:
    """The documents of a file written by ``write_documents``, in file order."""
    for lineno, record in iter_jsonl(path):
        try:
            yield Document.from_dict(record)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise error("A310", path=path, line=lineno, problem=f"not a document: {exc}") from exc
