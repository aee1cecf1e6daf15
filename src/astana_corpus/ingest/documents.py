"""The ingest stage: raw articles → cleaned documents, materialised as ``build/documents.jsonl``.

Every later stage (validate, split, build, train, view, Doccano push) reads
the documents file this stage writes, never the raw files again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, overload

from astana_corpus.core.errors import AstanaError, error
from astana_corpus.core.io import (
    atomic_open,
    dumps_record,
    iter_jsonl,
    line_number_at,
    lines_between,
    parse_json_line,
    read_line_at,
    sha256_bytes,
)
from astana_corpus.core.parallel import batched, ordered_map
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


# Articles per batch of the ingest pool.
INGEST_BATCH = 16


def clean_articles(root: Path, metas: Sequence[ArticleMeta]) -> list[Document]:
    """Read and clean a batch of articles (a pure batch stage: one worker's task)."""
    return [ingest_article(root, meta) for meta in metas]


# A pure stage over a batch of cleaned documents, run in the worker that cleaned them.
Also = Callable[[list[Document]], Any]


def _clean_and(
    root: Path, also: Also | None, metas: Sequence[ArticleMeta]
) -> tuple[list[Document], Any]:
    docs = clean_articles(root, metas)
    return docs, (also(docs) if also is not None else None)


def iter_articles(
    root: Path,
    *,
    progress: bool = False,
    metas: Sequence[ArticleMeta] | None = None,
    workers: int = 1,
) -> Iterator[Document]:
    """Clean every listed article, in id order (independent of file order), with
    ``workers`` processes (same documents, same order)."""
    for docs, _ in iter_article_batches(root, progress=progress, metas=metas, workers=workers):
        yield from docs


def iter_article_batches(
    root: Path,
    *,
    progress: bool = False,
    metas: Sequence[ArticleMeta] | None = None,
    workers: int = 1,
    also: Also | None = None,
) -> Iterator[tuple[list[Document], Any]]:
    """``iter_articles`` batch by batch, each with ``also`` of its documents (None
    without ``also``), computed in the worker that cleaned them."""
    if metas is None:
        metas = read_metadata(root)
        check_unlisted(root, metas)
    ordered = sorted(metas, key=lambda m: m.id)
    batches = list(batched(ordered, INGEST_BATCH))
    results: Iterable[tuple[list[Document], Any]] = ordered_map(
        partial(_clean_and, root, also), batches, workers=workers, expected_batches=len(batches)
    )
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(ordered), desc="ingest", unit="article")
        for docs, extra in results:
            bar.update(len(docs))
            yield docs, extra
        bar.close()
        return
    yield from results


def write_documents(
    root: Path,
    *,
    out: Path,
    progress: bool = False,
    metas: Sequence[ArticleMeta] | None = None,
    workers: int = 1,
    also: Also | None = None,
    take: Callable[[list[Document], list[int], Any], None] | None = None,
) -> StageStats:
    """Clean every listed article and write ``out`` (JSON lines) atomically.

    Documents stream into a temporary file that replaces ``out`` only when
    every article was read and cleaned, so a bad input leaves no output.
    ``take`` receives each batch of documents with the byte offsets of their lines in
    ``out`` and ``also`` of them (see ``iter_article_batches``).
    """
    stats = StageStats()
    offset = 0
    with atomic_open(out, "wb") as handle:
        batches = iter_article_batches(
            root, progress=progress, metas=metas, workers=workers, also=also
        )
        for docs, extra in batches:
            offsets = []
            for doc in docs:
                stats.add(doc)
                line = (dumps_record(doc.to_dict()) + "\n").encode("utf-8")
                handle.write(line)
                offsets.append(offset)
                offset += len(line)
            if take is not None:
                take(docs, offsets, extra)
    return stats


def iter_documents_file(path: Path) -> Iterator[Document]:
    """The documents of a file written by ``write_documents``, in file order."""
    for lineno, record in iter_jsonl(path):
        yield _document(record, path, lineno)


def _document(record: dict[str, object], path: Path, lineno: int) -> Document:
    try:
        return Document.from_dict(record)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise error("A310", path=path, line=lineno, problem=f"not a document: {exc}") from exc


def document_from_line(raw: bytes, path: Path, lineno: int, offset: int) -> Document:
    """One line of the documents file as a document (the errors of the file reader)."""
    return _document(parse_json_line(raw, path, lineno, offset), path, lineno)


def read_document_texts(path: Path, start: int, end: int) -> list[tuple[int, str, str]]:
    """(byte offset, id, text) of the documents in bytes [start, end) of a documents file
    (``core.io.line_ranges`` cuts it): only what grouping needs, without building the
    records. A bad line is A312/A302/A303/A310 with its line number."""
    found = []
    for offset, raw in lines_between(path, start, end):
        try:
            record = parse_json_line(raw, path, 0, offset)
            doc_id, text = record.get("id"), record.get("text")
            if not isinstance(doc_id, str) or not isinstance(text, str):
                raise ValueError("id and text must be strings")
        except (AstanaError, ValueError) as exc:  # name the line: count it only now
            lineno = line_number_at(path, offset)
            document_from_line(raw, path, lineno, offset)
            raise error("A310", path=path, line=lineno, problem=f"not a document: {exc}") from exc
        found.append((offset, doc_id, text))
    return found


def document_text_at(path: Path, offset: int) -> str:
    """The text of the document whose line starts at byte ``offset``."""
    raw = read_line_at(path, offset)
    ((_, _, text),) = read_document_texts(path, offset, offset + len(raw))
    return text


class DocumentStore(Mapping[str, Document]):
    """The documents of a documents file by id, read from disk on access (an index of
    byte offsets is all it holds), so corpus-level stages need not hold the corpus."""

    def __init__(self, path: Path, offsets: Mapping[str, int]):
        self.path = path
        self.offsets = offsets

    def __getitem__(self, doc_id: str) -> Document:
        offset = self.offsets[doc_id]
        return document_from_line(read_line_at(self.path, offset), self.path, 0, offset)

    def __iter__(self) -> Iterator[str]:
        return iter(self.offsets)

    def __len__(self) -> int:
        return len(self.offsets)


class DocumentSequence(Sequence[Document]):
    """The documents of ``store`` in the order of ``ids``, read on access (a slice reads
    just that slice), for checks that walk the corpus batch by batch."""

    def __init__(self, store: Mapping[str, Document], ids: Sequence[str]):
        self.store = store
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Document: ...
    @overload
    def __getitem__(self, index: slice) -> list[Document]: ...
    def __getitem__(self, index: int | slice) -> Document | list[Document]:
        if isinstance(index, slice):
            return [self.store[i] for i in self.ids[index]]
        return self.store[self.ids[index]]


class DocumentTexts(Mapping[str, str]):
    """The texts of a mapping of documents, looked up one at a time."""

    def __init__(self, documents: Mapping[str, Document]):
        self.documents = documents

    def __getitem__(self, doc_id: str) -> str:
        return self.documents[doc_id].text

    def __iter__(self) -> Iterator[str]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)
