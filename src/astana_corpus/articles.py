"""Ingest: raw article files → cleaned documents with provenance.

Cleaning never edits characters. It splits the source into lines, drops the
lines that are not article text (each drop recorded with a reason code), and
joins the kept lines with ``PARAGRAPH_SEPARATOR``. So for every paragraph
``source_text[raw_start:raw_end] == text[start:end]``.

The rules are general patterns and heuristics, each with a reason code:

- ``furniture``: page furniture (related-article teasers, comment forms,
  navigation, share buttons, tag lists), matched by patterns on a matching
  view of the line (see ``FURNITURE_PATTERNS``).
- ``footer``: a footer heading ("أقسام", "أخبار متعلقة"...) near the end
  and the short lines after it.
- ``headline_ticker``: many headlines glued together without separators,
  detected by letters that cannot be word-internal (see
  ``count_glued_words``).
- ``duplicate_paragraph``: a line identical (in its matching view) to an
  earlier kept line; the first occurrence is kept.
- ``truncated_teaser``: a line ending in "..." whose stem begins another
  line of the same document.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from astana_corpus.errors import ConfigError, InputFormatError
from astana_corpus.io import read_yaml, sha256_bytes
from astana_corpus.normalize import normalize
from astana_corpus.records import Document, DroppedBlock, Paragraph, Provenance

PARAGRAPH_SEPARATOR = "\n"
METADATA_FILE = Path("articles/articles.yaml")
RAW_DIR = Path("articles/raw")
SUPPORTED_SUFFIXES = (".txt", ".html", ".htm")
ID_PATTERN = re.compile(r"^astana-\d{4,}$")
# Bumped whenever a rule changes what is kept, so drift can be traced to it.
CLEANING_VERSION = "1"

# Line breaks of every convention the raw files may use (CRLF, CR, LF and
# the Unicode line/paragraph separators).
_LINE = re.compile(r"[^\r\n\u2028\u2029\x85]+")
_ARABIC_LETTER = "\u0621-\u063a\u0641-\u064a"
# C0 controls other than tab/newline/CR/FF/VT: their presence means the file
# is not text.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


@dataclass(frozen=True)
class FurniturePattern:
    name: str
    pattern: re.Pattern[str]
    why: str


def _p(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


# Patterns run on the matching view (normalize(): hamza forms folded,
# ta marbuta → ه, diacritics and tatweel removed), so spelling variants of
# the same furniture phrase match one pattern.
FURNITURE_PATTERNS: tuple[FurniturePattern, ...] = (
    FurniturePattern(
        "related_link",
        # The phrase must be followed by a teaser separator (or end the line):
        # "قد يهمك أن تعرف..." at the start of a real sentence is kept.
        _p(
            r"^\W*(?:(?:و?اقرا|طالع|شاهد|تابع)\s+(?:ايضا|كذلك|المزيد)"
            r"|قد\s+يهمك|قد\s+يعجبك|يهمك\s+ايضا|ننصحك\s+بقراءه"
            r"|(?:مواضيع|مقالات|اخبار|تقارير|روابط)\s+(?:ذات\s+صله|متعلقه|مشابهه|مقترحه))"
            r"\s*(?:[:：\-–—|»]|$)"
        ),
        "links to other articles inserted into the body",
    ),
    FurniturePattern(
        "comment_form",
        _p(
            r"^\W*(?:اترك|اضف|اكتب|شارك\s+ب)\s*(?:تعليقا?|ردا?|رايك)\W*$"
            r"|لن\s+يتم\s+نشر\s+(?:عنوان\s+)?بريدك"
            r"|الحقول\s+(?:الالزاميه|المطلوبه)\s+(?:مشار|معلمه|عليها)"
            r"|^\W*(?:الغاء\s+الرد|ارسال\s+التعليق|ارسل\s+التعليق|التعليقات\s+مغلقه)\W*$"
        ),
        "the comment form under the article",
    ),
    FurniturePattern(
        "navigation",
        _p(
            r"^\W*(?:زر\s+)?(?:الذهاب|العوده|الرجوع|انتقل)\s+(?:الي|ل)\s*(?:الاعلي|اعلي\s+الصفحه|الصفحه\s+الرييسيه)\W*$"
            r"|^\W*(?:الصفحه\s+الرييسيه|الرييسيه)\W*$"
        ),
        "site navigation controls",
    ),
    FurniturePattern(
        "tag_list",
        _p(
            r"^\W*(?:الوسوم|وسوم|الكلمات\s+المفتاحيه|كلمات\s+مفتاحيه|الكلمات\s+الدلاليه|tags)\s*[:：]"
        ),
        "the article's tag list",
    ),
    FurniturePattern(
        "share_buttons",
        _p(
            r"^(?:\W|شارك(?:\s+علي)?|مشاركه|انشر|طباعه|ارسل|نسخ\s+الرابط|فيسبوك|فيس\s+بوك|تويتر|"
            r"واتساب|واتس\s+اب|تلغرام|تيليجرام|لينكد\s*ان|بريد\s+الكتروني|"
            r"facebook|twitter|x|whatsapp|telegram|linkedin|email|print|share|pinterest|messenger)+$"
        ),
        "rows of share-button words",
    ),
)

# Headings that open the page footer; what follows them is link lists.
FOOTER_HEADING = _p(
    r"^\W*(?:اقسام|الاقسام|اخبار\s+متعلقه|اخبار\s+ذات\s+صله|مقالات\s+ذات\s+صله|"
    r"مواضيع\s+ذات\s+صله|اقرا\s+ايضا|المزيد\s+من\s+الاخبار|الاكثر\s+قراءه|"
    r"روابط\s+سريعه|تابعنا(?:\s+علي)?)\W*$"
)
# A footer heading only counts in the last part of a document: the same
# word in the middle of an article is a title, not a footer.
FOOTER_TAIL_FRACTION = 0.5
# Lines after a footer heading are link labels: short and unpunctuated. A
# longer line ends the footer, so article text after it is never lost.
FOOTER_LINK_MAX_WORDS = 8
_SENTENCE_END = re.compile(r"[.!?؟…]\W*$")

# Glued-headline signals: letters that only end words (ta marbuta, alef
# maqsura) followed by a letter, and closing punctuation followed by a letter.
_GLUED = re.compile(rf"[ةى](?=[{_ARABIC_LETTER}])|[)\]؟?!»](?=[{_ARABIC_LETTER}])")
# A ticker is a long line with several glued joins; one stray typo in an
# article paragraph must not drop it.
TICKER_MIN_GLUED = 3
TICKER_MIN_CHARS = 150

_TEASER_END = re.compile(r"(?:\.{2,}|…)\s*$")
# A stem shorter than this is too generic to prove it is a copy.
TEASER_MIN_STEM = 20


@dataclass(frozen=True)
class ArticleMeta:
    """One entry of ``articles/articles.yaml``."""

    id: str
    file: str
    sha256: str
    outlet: str | None = None
    url: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class Block:
    """A non-blank line of the source text, whitespace-trimmed."""

    start: int
    end: int
    text: str


@dataclass
class StageReport:
    """What a stage saw, kept and dropped (with reasons)."""

    documents: int = 0
    seen: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def add(self, doc: Document) -> None:
        self.documents += 1
        self.kept += len(doc.paragraphs)
        self.seen += len(doc.paragraphs) + len(doc.provenance.dropped)
        self.dropped.update(d.reason for d in doc.provenance.dropped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "paragraphs_seen": self.seen,
            "paragraphs_kept": self.kept,
            "dropped": dict(sorted(self.dropped.items())),
        }


# --------------------------------------------------------------------------
# Reading raw files


def decode_raw(data: bytes, path: Path | str) -> str:
    """Decode raw bytes as UTF-8 text, dropping a leading BOM.

    Raises ``InputFormatError`` naming the file and byte offset for empty,
    binary and invalid UTF-8 input.
    """
    if not data.strip():
        raise InputFormatError(
            f"{path}: the file is empty (or only whitespace); remove it from "
            "articles/articles.yaml or replace it with the article's text"
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputFormatError(
            f"{path}: byte offset {nul}: NUL byte, this looks like a binary file, "
            "not article text; supply the article as UTF-8 .txt or .html"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFormatError(
            f"{path}: byte offset {exc.start}: invalid UTF-8 (byte 0x{data[exc.start]:02x}, "
            f"{exc.reason}); re-save the file as UTF-8 (e.g. `iconv -f cp1256 -t utf-8`)"
        ) from exc
    control = _CONTROL.search(text)
    if control:
        raise InputFormatError(
            f"{path}: character offset {control.start()}: control character "
            f"U+{ord(control.group()):04X}; this looks like a binary file, not article text"
        )
    return text.removeprefix("\ufeff")


def html_to_text(html: str, path: Path | str) -> str:
    """The main text of an HTML page (title first), via trafilatura."""
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
        favor_precision=False,
        with_metadata=True,
    )
    body = (extracted.text if extracted is not None else "") or ""
    if not body.strip():
        raise InputFormatError(
            f"{path}: no article text found in the HTML; check that the page holds "
            "the article body (not a cookie wall or an index page)"
        )
    title = (extracted.title or "").strip()
    if title and not body.lstrip().startswith(title):
        return f"{title}\n{body}"
    return body


def extractor_name() -> str:
    import trafilatura

    return f"trafilatura {trafilatura.__version__}"


def read_source(path: Path) -> tuple[bytes, str, str]:
    """Return (raw bytes, source text, what the source text is)."""
    if not path.exists():
        raise ConfigError(
            f"{path}: listed in {METADATA_FILE} but missing; restore the file "
            "(raw articles are never deleted) or remove its entry"
        )
    data = path.read_bytes()
    text = decode_raw(data, path)
    if path.suffix.lower() in (".html", ".htm"):
        return data, html_to_text(text, path), extractor_name()
    return data, text, "utf-8"


# --------------------------------------------------------------------------
# Metadata


def read_metadata(root: Path) -> list[ArticleMeta]:
    """Read and check ``articles/articles.yaml`` (ids unique and well formed)."""
    path = root / METADATA_FILE
    data = read_yaml(path, hint="run `astana articles register` to create it")
    entries = data.get("articles")
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a top-level `articles:` list")
    metas: list[ArticleMeta] = []
    seen_ids: set[str] = set()
    seen_files: set[str] = set()
    allowed = set(ArticleMeta.__dataclass_fields__)
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: entry {number}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping with id, file, sha256")
        unknown = set(entry) - allowed
        if unknown:
            raise ConfigError(
                f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}"
            )
        missing = {"id", "file", "sha256"} - set(entry)
        if missing:
            raise ConfigError(f"{where}: missing {sorted(missing)}")
        meta = ArticleMeta(**{k: (None if v is None else str(v)) for k, v in entry.items()})
        if not ID_PATTERN.match(meta.id):
            raise ConfigError(f"{where}: id {meta.id!r} is not of the form astana-0001")
        if meta.id in seen_ids:
            raise ConfigError(f"{where}: duplicate id {meta.id}; ids are unique and never reused")
        if meta.file in seen_files:
            raise ConfigError(f"{where}: file {meta.file} is listed twice")
        seen_ids.add(meta.id)
        seen_files.add(meta.file)
        metas.append(meta)
    return metas


def register_articles(
    root: Path,
    *,
    outlet: str | None = None,
    url: str | None = None,
    published: str | None = None,
) -> list[ArticleMeta]:
    """Add every raw file not yet in the metadata, with the next free ids.

    Existing entries are never renumbered, so ids stay stable as the corpus
    grows; new files get ids in file-name order. Returns the new entries.
    """
    path = root / METADATA_FILE
    metas = read_metadata(root) if path.exists() else []
    listed = {m.file for m in metas}
    next_number = max((int(m.id.split("-")[1]) for m in metas), default=0) + 1
    added: list[ArticleMeta] = []
    for raw in sorted((root / RAW_DIR).iterdir()):
        if raw.name in listed or raw.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        decode_raw(raw.read_bytes(), raw)
        meta = ArticleMeta(
            id=f"astana-{next_number:04d}",
            file=raw.name,
            sha256=sha256_bytes(raw.read_bytes()),
            outlet=outlet,
            url=url,
            published=published,
        )
        next_number += 1
        added.append(meta)
    if added or not path.exists():
        write_metadata(root, metas + added)
    return added


def write_metadata(root: Path, metas: list[ArticleMeta]) -> None:
    from astana_corpus.io import write_text

    header = (
        "# One entry per raw article in articles/raw/. Ids are stable: never renumber or\n"
        "# reuse one. sha256 is of the raw bytes; ingest refuses a file that changed.\n"
        "# outlet / url / published stay null where unknown: never invent a source.\n"
    )
    body = yaml.safe_dump(
        {"articles": [m.__dict__ for m in metas]},
        allow_unicode=True,
        sort_keys=False,
        width=1000,
    )
    write_text(root / METADATA_FILE, header + body)


# --------------------------------------------------------------------------
# Cleaning rules


def split_blocks(text: str) -> list[Block]:
    """Non-blank lines of ``text`` with their offsets, surrounding whitespace trimmed.

    >>> [b.text for b in split_blocks(" أ ب\\r\\n\\r\\nج ")]
    ['أ ب', 'ج']
    """
    blocks = []
    for match in _LINE.finditer(text):
        line = match.group()
        stripped = line.strip()
        if not stripped:
            continue
        start = match.start() + (len(line) - len(line.lstrip()))
        blocks.append(Block(start, start + len(stripped), stripped))
    return blocks


def count_glued_words(text: str) -> int:
    """How many places join two words without a space.

    Ta marbuta and alef maqsura only end words, and closing punctuation is
    followed by a space, so "اللاذقيةمصرع" or "(صورة)اليونان" mark a join.

    >>> count_glued_words("الأزمة السورية (صورة)")
    0
    >>> count_glued_words("في اللاذقيةمصرع عنصر (صورة)اليونان")
    2
    """
    return len(_GLUED.findall(text))


def is_headline_ticker(text: str) -> bool:
    return len(text) >= TICKER_MIN_CHARS and count_glued_words(text) >= TICKER_MIN_GLUED


def match_furniture(view: str) -> FurniturePattern | None:
    """The furniture pattern that the matching view of a line matches, if any."""
    for rule in FURNITURE_PATTERNS:
        if rule.pattern.search(view):
            return rule
    return None


def _is_footer_link(text: str) -> bool:
    return len(text.split()) <= FOOTER_LINK_MAX_WORDS and not _SENTENCE_END.search(text)


def _match_key(text: str) -> str:
    return " ".join(normalize(text).split())


def classify_blocks(blocks: list[Block]) -> list[tuple[str, str] | None]:
    """For each block, ``None`` to keep it or ``(reason, detail)`` to drop it."""
    decisions: list[tuple[str, str] | None] = [None] * len(blocks)
    views = [_match_key(b.text) for b in blocks]
    footer_from = int(len(blocks) * FOOTER_TAIL_FRACTION)
    in_footer = False
    for i, (block, view) in enumerate(zip(blocks, views, strict=True)):
        if in_footer and _is_footer_link(block.text):
            decisions[i] = ("footer", "link line after a footer heading")
            continue
        in_footer = False
        if i >= footer_from and i > 0 and FOOTER_HEADING.search(view):
            decisions[i] = ("footer", "footer heading")
            in_footer = True
            continue
        rule = match_furniture(view)
        if rule is not None:
            decisions[i] = ("furniture", f"{rule.name}: {rule.why}")
        elif is_headline_ticker(block.text):
            decisions[i] = (
                "headline_ticker",
                f"{count_glued_words(block.text)} words glued without a space",
            )

    first_seen: dict[str, int] = {}
    for i, view in enumerate(views):
        if decisions[i] is not None:
            continue
        if view in first_seen:
            decisions[i] = (
                "duplicate_paragraph",
                f"same text as the kept line at raw offset {blocks[first_seen[view]].start}",
            )
        else:
            first_seen[view] = i

    for i, block in enumerate(blocks):
        if decisions[i] is not None or not _TEASER_END.search(block.text):
            continue
        stem = _match_key(_TEASER_END.sub("", block.text))
        if len(stem) < TEASER_MIN_STEM:
            continue
        for j, other in enumerate(views):
            if j != i and len(other) > len(stem) and other.startswith(stem):
                decisions[i] = (
                    "truncated_teaser",
                    f"beginning of the line at raw offset {blocks[j].start}",
                )
                break
    return decisions


def clean_document(
    meta: ArticleMeta, source_text: str, *, source_format: str, source_kind: str
) -> Document:
    """Build the cleaned ``Document`` from an article's source text."""
    blocks = split_blocks(source_text)
    decisions = classify_blocks(blocks)
    pieces: list[str] = []
    paragraphs: list[Paragraph] = []
    dropped: list[DroppedBlock] = []
    offset = 0
    for block, decision in zip(blocks, decisions, strict=True):
        if decision is not None:
            dropped.append(DroppedBlock(block.start, block.end, decision[0], decision[1]))
            continue
        if pieces:
            pieces.append(PARAGRAPH_SEPARATOR)
            offset += len(PARAGRAPH_SEPARATOR)
        paragraphs.append(
            Paragraph(len(paragraphs), offset, offset + len(block.text), block.start, block.end)
        )
        pieces.append(block.text)
        offset += len(block.text)
    if not paragraphs:
        raise InputFormatError(
            f"{RAW_DIR / meta.file}: cleaning kept no paragraph (dropped: "
            f"{dict(Counter(d.reason for d in dropped))}); check the file holds article text"
        )
    return Document(
        id=meta.id,
        text="".join(pieces),
        paragraphs=tuple(paragraphs),
        provenance=Provenance(
            raw_file=(RAW_DIR / meta.file).as_posix(),
            sha256=meta.sha256,
            source_format=source_format,
            source_text=source_kind,
            outlet=meta.outlet,
            url=meta.url,
            published=meta.published,
            dropped=tuple(dropped),
        ),
    )


# --------------------------------------------------------------------------
# The stage


def check_unlisted(root: Path, metas: Iterable[ArticleMeta]) -> None:
    listed = {m.file for m in metas}
    raw_dir = root / RAW_DIR
    unlisted = sorted(
        p.name
        for p in raw_dir.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name not in listed
    )
    if unlisted:
        raise ConfigError(
            f"{raw_dir}: files not in {METADATA_FILE}: {', '.join(unlisted)}; "
            "run `astana articles register` to give them ids"
        )


def ingest_article(root: Path, meta: ArticleMeta) -> Document:
    """Read, verify and clean one article."""
    path = root / RAW_DIR / meta.file
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputFormatError(
            f"{path}: unsupported file type {path.suffix!r}; use one of {SUPPORTED_SUFFIXES}"
        )
    data, source_text, kind = read_source(path)
    actual = sha256_bytes(data)
    if actual != meta.sha256:
        raise ConfigError(
            f"{path}: sha256 {actual} differs from {meta.sha256} in {METADATA_FILE} "
            f"({meta.id}); raw articles are never edited: restore the original bytes, "
            "or add the new version as a new file"
        )
    fmt = "html" if path.suffix.lower() in (".html", ".htm") else "txt"
    return clean_document(meta, source_text, source_format=fmt, source_kind=kind)


def iter_documents(root: Path, *, progress: bool = False) -> Iterator[Document]:
    """Yield the cleaned documents in id order (independent of file order)."""
    metas = read_metadata(root)
    check_unlisted(root, metas)
    ordered = sorted(metas, key=lambda m: m.id)
    if progress:
        from tqdm import tqdm

        ordered = tqdm(ordered, desc="ingest", unit="article")
    for meta in ordered:
        yield ingest_article(root, meta)


def ingest(root: Path, *, out: Path, progress: bool = False) -> StageReport:
    """Clean every listed article and write ``out`` (JSON lines) atomically.

    Documents stream into a temporary file that replaces ``out`` only when
    every article was read and cleaned, so a bad input leaves no output.
    """
    from astana_corpus.io import atomic_open, dumps_record

    report = StageReport()
    with atomic_open(out) as handle:
        for doc in iter_documents(root, progress=progress):
            report.add(doc)
            handle.write(dumps_record(doc.to_dict()) + "\n")
    return report


def read_documents(path: Path) -> list[Document]:
    from astana_corpus.io import read_jsonl

    return [Document.from_dict(record) for record in read_jsonl(path)]
