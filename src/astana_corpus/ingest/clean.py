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
from dataclasses import dataclass

from astana_corpus.core.arabic import match_key
from astana_corpus.core.errors import error
from astana_corpus.core.paths import RAW_DIR
from astana_corpus.core.records import Document, DroppedBlock, Paragraph, Provenance
from astana_corpus.ingest.sources import ArticleMeta

PARAGRAPH_SEPARATOR = "\n"
# Bumped whenever a rule changes what is kept, so drift can be traced to it.
CLEANING_VERSION = "1"

# Line breaks of every convention the raw files may use (CRLF, CR, LF and
# the Unicode line/paragraph separators).
_LINE = re.compile(r"[^\r\n\u2028\u2029\x85]+")
_ARABIC_LETTER = "\u0621-\u063a\u0641-\u064a"


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
class Block:
    """A non-blank line of the source text, whitespace-trimmed."""

    start: int
    end: int
    text: str


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


def classify_blocks(blocks: list[Block]) -> list[tuple[str, str] | None]:
    """For each block, ``None`` to keep it or ``(reason, detail)`` to drop it."""
    decisions: list[tuple[str, str] | None] = [None] * len(blocks)
    views = [match_key(b.text) for b in blocks]
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
        stem = match_key(_TEASER_END.sub("", block.text))
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
        raise error(
            "A108", path=RAW_DIR / meta.file, dropped=dict(Counter(d.reason for d in dropped))
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
