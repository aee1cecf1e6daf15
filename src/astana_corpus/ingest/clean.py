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

Context rules (``_mark_context``) drop, as ``furniture``, lines that only their
neighbours or their place reveal: a headless run of short bullet lines (tags), a bullet
menu with sub-entry lines above or below the article, the name under a masthead title,
short labels, breadcrumbs and outlet names above the article, a related headline between
two body paragraphs or after the last one, a sign-off name after the last one. A copy of
a kept title with an outlet label is a ``duplicate_paragraph``. Furniture at the edge of a
kept line (a dateline prefix in the opening paragraphs, an end mark, a trailing bar) is
cut off by ``trim_line``: the paragraph is then a sub-span of the line, and the cut part
is listed with reason ``trimmed``.

Article text that looks like furniture is guarded: a speaker and a quote ('وقال لافروف:
"…"') is no place and source, a bullet list under a sentence that announces it is no tag
list, and a label followed by a sentence ("متابعة: وفد المعارضة يصل إلى أستانة", "أخبار
سارة للسوريين") is a headline.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from astana_corpus.core.arabic import match_key, normalize_with_map
from astana_corpus.core.errors import error
from astana_corpus.core.paths import RAW_DIR
from astana_corpus.core.records import TRIMMED, Document, DroppedBlock, Paragraph, Provenance
from astana_corpus.ingest.sources import ArticleMeta

PARAGRAPH_SEPARATOR = "\n"
# Bumped whenever a rule changes what is kept, so drift can be traced to it.
CLEANING_VERSION = "4"

# Line breaks of every convention the raw files may use (CRLF, CR, LF and
# the Unicode line/paragraph separators).
_LINE = re.compile(r"[^\r\n\u2028\u2029\x85]+")
_ARABIC_LETTER = "\u0621-\u063a\u0641-\u064a"


@dataclass(frozen=True)
class FurniturePattern:
    name: str
    pattern: re.Pattern[str]
    why: str
    # Phrases found anywhere in the line, apart from ``pattern``: a pattern that begins
    # with a literal is scanned for fast (an alternative of ``pattern``, or of one
    # pattern for several phrases, is tried at every position: ~4x slower on a body line).
    anywhere: tuple[re.Pattern[str], ...] = ()


def _p(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


def _words(*names: str) -> str:
    """An alternation of names in the matching view, where a space or dot between letters
    may be any run of spaces and dots ("ا ف ب" matches "أ.ف.ب." and "أ ف ب")."""
    return "|".join(
        r"[\s.]*".join(re.escape(part) for part in re.split(r"[ .]+", name))
        for name in sorted(names, key=len, reverse=True)
    )


# News agencies and photo agencies whose bare name stands for a credit or a dateline
# source, in the matching view (hamza folded, ة → ه, lower case).
AGENCIES = _words(
    "وكالات",
    "وكالات الانباء",
    "رويترز",
    "فرانس برس",
    "وكاله فرانس برس",
    "ا ف ب",
    "ا ب",
    "اسوشيتد برس",
    "اسوشييتد برس",
    "الاناضول",
    "وكاله الاناضول",
    "سانا",
    "سبوتنيك",
    "سبوتينك",
    "تاس",
    "ريا نوفوستي",
    "نوفوستي",
    "انترفاكس",
    "ارنا",
    "ايرنا",
    "واس",
    "وام",
    "قنا",
    "كونا",
    "بترا",
    "د ب ا",
    "شينخوا",
    "يو بي اي",
    "الالمانيه",
    "ا ش ا",
    "سمارت",
    "afp",
    "reuters",
    "ap",
    "epa",
    "anadolu",
    "sputnik",
    "tass",
    "ria novosti",
    "sana",
    "xinhua",
    "dpa",
    "upi",
    "efe",
    "ansa",
    "irna",
    "getty images",
    "getty",
    "shutterstock",
)
_AGENCY = rf"(?<!\w)(?:{AGENCIES})(?!\w)"
# Reporting verbs that open a news sentence ("وقال", "ونقلت", "أعلنوا"), in the matching
# view, with a conjunction and a feminine, dual or plural ending: a line or a remainder
# that starts with one is article text, not a name.
_OPENER = (
    r"[وف]?(?:قال|اضاف|اكد|نقل|ذكر|اعلن|اشار|اوضح|كشف|افاد|صرح|شدد|تابع|لفت|نوه|طالب"
    r"|اعتبر|حذر|دعا|دعت|نفي|نفت|بين|راي|رات|قالوا|اكدوا)(?:ت|ا|وا)?"
)
_OPENER_WORD = re.compile(rf"^{_OPENER}$")
_WORD_END = r"(?![^\W\d_])"
# Particles, pronouns and prepositions (matching view) that a name never holds: a quote, a
# headline or a sentence does ("«لن نقبل بأي شروط»", "وفد المعارضة يصل إلى أستانة").
_FUNCTION_WORDS = (
    r"(?:ان|انه|انها|انهم|لن|لم|لا|ليس|قد|لقد|ما|نحن|انا|هو|هي|هم|هذا|هذه|ذلك|تلك|الذي|التي"
    r"|في|من|الي|علي|عن|مع|حول|بعد|قبل|منذ|حتي|دون|لكن|لكنه|بل|كل|اي|باي|سوف)"
)
_NAME_WORD = rf"(?!(?:{_FUNCTION_WORDS}|{_OPENER}){_WORD_END})[^\W\d_]+"
# Words that follow an outlet's name as a brand, not a predicate: "«الجزيرة نت»".
_BRAND_WORDS = r"(?:نت|نيوز|اونلاين|اون|لاين|بوست|تايمز|برس|تي|دوت|كوم|انفو|ميديا|بلس)"
# An outlet named in brackets or quotes: one to three words of a name, and not a definite
# word followed by an indefinite one, which is a sentence ("«المحادثات صعبة»", "«الحل
# سياسي»") unless the second is a brand word.
_QUOTED_NAME = (
    rf"(?!ال[^\W\d_]+\s+(?!ال|{_BRAND_WORDS}{_WORD_END})[^\W\d_])"
    rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}"
)
# An agency or outlet named in brackets or quotes: "(رويترز)", "«الخليج»", "(أ ف ب)".
_QUOTED_SOURCE = (
    rf"(?:\(\s*(?:{_AGENCY}|{_QUOTED_NAME})\s*\)|«\s*(?:{_AGENCY}|{_QUOTED_NAME})\s*»"
    rf"|\"\s*(?:{_AGENCY}|{_QUOTED_NAME})\s*\"|“\s*(?:{_AGENCY}|{_QUOTED_NAME})\s*”)"
)
_SOURCE = rf"(?:{_AGENCY}|{_QUOTED_SOURCE})"
# Several sources in a row: "«الخليج»، وكالات", "رويترز/ أ ف ب".
_SOURCES = rf"{_SOURCE}(?:\s*[،,/+&]\s*{_SOURCE})*"
# A place of one to three words (letters only: "أستانا-7" is no dateline) that does not
# begin with a verb of saying: "وقال لافروف: «…»" introduces a quote.
_PLACE = rf"(?!{_OPENER}{_WORD_END})[^\W\d_]+(?:\s+[^\W\d_]+){{0,2}}"

_WEEKDAYS = (
    "الاحد|الاثنين|الاتنين|الثلاثاء|الاربعاء|الخميس|الجمعه|السبت|"
    "sunday|monday|tuesday|wednesday|thursday|friday|saturday"
)
_MONTHS = (
    # Gregorian months in Egyptian/Gulf, Maghrebi and Levantine names, Hijri months
    "يناير|فبراير|مارس|ابريل|مايو|يونيو|يونيه|يوليو|يوليه|اغسطس|سبتمبر|اكتوبر|نوفمبر|ديسمبر|"
    "جانفي|فيفري|افريل|ماي|جوان|جويليه|اوت|"
    "كانون|شباط|اذار|نيسان|ايار|حزيران|تموز|اب|ايلول|تشرين|"
    "محرم|صفر|ربيع|جمادي|رجب|شعبان|رمضان|شوال|ذو|ذي|القعده|الحجه|"
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
# Words that may stand next to a date on a date line: labels, calendar marks, times.
_DATE_WORDS = (
    "يوم|الاول|الثاني|الاخر|الاخره|الاولي|م|ه|هجري|ميلادي|الموافق|في|نشر|نشرت|بتاريخ|"
    "تاريخ|النشر|اخر|تحديث|التحديث|محدث|تم|ص|مساء|صباحا|ظهرا|عصرا|الساعه|بتوقيت|غرينتش|"
    "جرينتش|gmt|utc|am|pm|updated|published|posted|on|at|last"
)
# A date line is short; longer lines are not tried (the pattern scans the line twice).
DATE_LINE_MAX_CHARS = 80
_DATE_SEP = r"[\s/\\\-–—,،:.()|\[\]]"
# A token must be followed by a separator or the end, so digit runs never split.
_DATE_TOKEN = rf"(?:(?:gmt|utc)?\d+|{_WEEKDAYS}|{_MONTHS}|{_DATE_WORDS})(?={_DATE_SEP}|$)"
_DATE_CORE = (
    rf"(?:(?<![^\W\d_])(?:{_WEEKDAYS}|{_MONTHS})(?![^\W\d_])"
    r"|\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}|\d{1,2}:\d{2})"
)
# A full date (day, month and year): "24/4/2024", "2018.03.15", "03 سبتمبر 2018".
_FULL_DATE = re.compile(
    r"(?<!\d)(?:\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}"
    rf"|\d{{1,2}}\s+(?:{_MONTHS})(?:\s*/\s*(?:{_MONTHS}))?\s+\d{{4}})(?!\d)"
)
# A date as it opens a dateline: "17 يناير 2017", "الأحد 14 أيار/مايو 2017".
_DATE = (
    rf"(?:(?:{_WEEKDAYS})\s*[،,]?\s*)?\d{{1,2}}\s+(?:{_MONTHS})(?:\s*/\s*(?:{_MONTHS}))?\s+\d{{4}}"
)

# A caption is a short line; longer lines are never tried as one.
CAPTION_MAX_CHARS = 160
# A name of one to three words, letters only.
_NAME = r"[^\W\d_]+(?:\s+[^\W\d_]+){0,2}"
# Kinds of piece that a byline may name instead of a writer.
_PIECE_KINDS = "تقرير|خاص|متابعه|ترجمه|تحقيق|رصد"

# What follows a byline label is a name: a rest that holds a particle, a preposition or a
# reporting verb is a sentence or a headline ("كتب: الوزير في تغريدة …").
_BYLINE_REST = rf"(?!.*(?<![^\W\d_])(?:{_FUNCTION_WORDS}|{_OPENER}){_WORD_END})(?=[^\s.!?؟])"
# A word of a section label names a topic ("أخبار سوريا", "الأخبار العربية"); a particle, a
# verb or a word with a preposition and the article ("للسوريين", "بالمعارضة") makes a
# headline ("أخبار سارة للسوريين").
_LABEL_WORD = rf"(?!(?:{_FUNCTION_WORDS}|{_OPENER}){_WORD_END}|لل|بال)[^\W\d_]+"

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
            r"|^\W*(?:الغاء\s+الرد|ارسال\s+التعليق|ارسل\s+التعليق|التعليقات\s+مغلقه)\W*$"
        ),
        "the comment form under the article",
        anywhere=(
            _p(r"لن\s+يتم\s+نشر\s+(?:عنوان\s+)?بريدك"),
            _p(r"الحقول\s+(?:الالزاميه|المطلوبه)\s+(?:مشار|معلمه|عليها)"),
        ),
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
        "comment_area",
        _p(
            r"^\W*(?:تعليقك|تعليقاتك|تعليق|تعليقات|التعليقات|التعليق|مناقشه|المناقشه|النقاش"
            r"|ناقش|رايك|اراء\s+القراء|تعليقات\s+القراء|اضف\s+تعليقك|اكتب\s+تعليقك(?:\s+هنا)?"
            r"|لا\s+(?:توجد|يوجد)\s+تعليقات|كن\s+اول\s+من\s+يعلق|الاسم|اسمك|بريدك\s+الالكتروني"
            r"|البريد\s+الالكتروني|الموقع\s+الالكتروني|نشر\s+التعليق|\d+\s*(?:تعليق|تعليقات)"
            r"|(?:\d+\s*)?comments?|no\s+comments(?:\s+yet)?|leave\s+a\s+(?:reply|comment)"
            r"|post(?:\s+a)?\s+comment|add\s+a\s+comment|submit|reply|discussion|name|email"
            r"|website)\W*$"
            r"|^\W*(?:sorry\W*)?comments?\s+(?:are|is)\s+closed"
            r"|^\W*your\s+email\s+address\s+will\s+not\s+be\s+published"
            r"|^\W*required\s+fields\s+are\s+marked|^\W*(?:تم\s+)?اغلاق\s+(?:باب\s+)?التعليق"
        ),
        "the comment area: its heading, empty state, field labels and closed notice",
    ),
    FurniturePattern(
        "byline",
        # A label with a separator and a few words: "كتب : وكالات", "المحرر: ... | ...". A
        # sentence that begins with "كتب" ("كتب الوزير في تغريدة...") has no separator.
        _p(
            r"^\W*(?:(?:كتب|كتبت|كتبه|بقلم|اعداد|تحرير|المحرر|محرر|مراسل|مراسلنا"
            r"|مراسلتنا|المصدر|مصدر\s+الخبر|by|written\s+by|source)"
            rf"(?:\s*[:：\-–—|/]+\s*{_BYLINE_REST}\S*(?:\s+\S+){{0,9}}"
            rf"|\s+(?:{_SOURCES}))"
            # a follow-up or translation names its outlet or translator in one to three
            # words; "متابعة: وفد المعارضة يصل إلى أستانة" is a headline
            rf"|(?:متابعه|ترجمه)\s*[:：\-–—|/]+\s*{_BYLINE_REST}\S*(?:\s+\S+){{0,2}})\W*$"
        ),
        "who wrote the article or where it comes from, on its own line",
    ),
    FurniturePattern(
        "photo_credit",
        _p(
            r"^\W*(?:(?:الصوره|صوره|تصوير|الصور|photo|image|credit)\s*(?:من|ل|عبر)?\s*[:：\-–—|/]?\s*)?"
            rf"(?:(?:{_AGENCY}|\(\s*(?:{_AGENCY})\s*\))"
            r"(?:\s*[/\-–—|]\s*[^\W\d_]+(?:\s+[^\W\d_]+){0,2})?(?:\W*ارشيف(?:يه)?)?"
            r"|(?:صوره\s+)?ارشيف(?:يه)?|(?:من\s+)?(?:الارشيف|الانترنت|مواقع\s+التواصل"
            r"(?:\s+الاجتماعي)?|وسايل\s+التواصل(?:\s+الاجتماعي)?)|(?:صوره\s+)?تعبيريه)\W*$"
        ),
        "a photo credit: an agency name, or archive/internet, alone on a line",
    ),
    FurniturePattern(
        "caption_credit",
        # A caption ending in its credit: "<words> - أرشيف", "<words> (أ ف ب)". It has no
        # full stop, so an article sentence that names an archive or an agency is kept.
        _p(
            rf"^(?=[^.!?؟…]{{1,{CAPTION_MAX_CHARS}}}$)\W*[^\W\d_]+\s+\S.*?"
            r"(?:\s[\-–—|/]\s*(?:صوره\s+)?(?:ارشيف(?:يه)?|تعبيريه)"
            rf"|\(\s*(?:(?:صوره\s+)?ارشيف(?:يه)?|{_AGENCY})\s*\))\W*$"
        ),
        "an image caption that ends in its credit (archive, agency)",
    ),
    FurniturePattern(
        "report_label",
        # An outlet or writer and the kind of piece: "<name> - تقرير", "خاص - <name>".
        _p(
            rf"^\W*(?:{_NAME}\s*[\-–—|/:]\s*(?:{_PIECE_KINDS})"
            rf"|(?:{_PIECE_KINDS})\s*[\-–—|/:]\s*{_NAME})\W*$"
        ),
        "the outlet or writer with the kind of piece (report, exclusive)",
    ),
    FurniturePattern(
        "dateline",
        _p(
            # only date words, figures and separators, with a month, weekday, d/m/y or time
            rf"^(?=.{{1,{DATE_LINE_MAX_CHARS}}}$)(?=.*{_DATE_CORE})"
            rf"{_DATE_SEP}*(?:{_DATE_TOKEN}{_DATE_SEP}*)+$"
            # a place and its sources, nothing else: "أستانا- سانا", "عواصم: «الخليج»، وكالات"
            rf"|^\W*{_PLACE}\s*[\-–—/:]\s*{_SOURCES}\W*$"
        ),
        "the date, time or place-and-source line above or below the article",
    ),
    FurniturePattern(
        "page_meta",
        _p(
            r"^\W*(?:(?:مده\s+)?(?:ال)?قراءه\s*[:：]?\s*(?:\d+\s*)?(?:دقيقه|دقيقتين|دقايق|ثانيه)"
            r"|\d+\s*(?:دقيقه|دقايق)\s+(?:لل)?قراءه|(?:\d+\s*)?min(?:ute)?s?\s+read"
            r"|(?:عدد\s+)?(?:المشاهدات|مشاهدات|القراءات|الزيارات|views?)\s*[:：]?\s*\d+"
            r"|\d+\s*(?:مشاهده|مشاهدات|views?)|(?:حجم|تكبير|تصغير)\s+الخط|عادي|متوسط|كبير)\W*$"
        ),
        "reading time, view counts and the text-size widget",
    ),
    FurniturePattern(
        "follow_us",
        _p(
            r"^\W*(?:تابعونا|تابعوا|تابعنا|اشترك|اشتركوا|انضم|انضموا|حمل|حملوا|follow\s+us)"
            r"(?=.*(?:جوجل\s+نيوز|google\s+news|فيسبوك|فيس\s+بوك|تويتر|يوتيوب|تلغرام|تيليجرام"
            r"|تليجرام|واتساب|انستغرام|انستجرام|قناتنا|صفحتنا|النشره\s+البريديه|تطبيق))"
            r"(?:\s+\S+){0,6}\W*$"
        ),
        "an invitation to follow the outlet elsewhere",
    ),
    FurniturePattern(
        "masthead",
        _p(
            r"^\W*(?:(?:نايب\s+)?رييس\s+(?:مجلس\s+الاداره(?:\s+ورييس\s+التحرير)?|التحرير|تحرير)"
            r"|مدير\s+التحرير|المدير\s+العام|المدير\s+المسوول)"
            r"(?:\s*[:：\-–—]\s*[^\W\d_]+(?:\s+[^\W\d_]+){0,3})?\W*$"
        ),
        "the outlet's masthead (chairman, editor-in-chief)",
    ),
    FurniturePattern(
        "section_label",
        _p(
            rf"^\W*(?:(?:ال)?اخبار(?:\s+{_LABEL_WORD}){{0,2}}|(?:ال)?بث\s+(?:ال)?مباشر(?:\s+\S+){{0,4}}"
            r"|(?:ال)?تغطيه\s+(?:ال)?(?:حيه|مباشره)(?:\s+\S+){0,2})\W*$"
        ),
        "a section label or site menu entry",
    ),
    FurniturePattern(
        "no_letters",
        _p(r"^[^a-z\u0621-\u063a\u0641-\u064a]*$"),
        "a line without a letter: an empty bullet, a rule, a lone figure",
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
    FurniturePattern(
        "latin_label",
        # Checked after the Arabic rules: a short line without an Arabic letter on an
        # Arabic page is a credit, a brand or a button ("RELATED NEWS").
        _p(r"^(?!.*[\u0621-\u064a])(?=.*[a-z])\W*[a-z\d]\S*(?:\s+\S+){0,3}\W*$"),
        "a short line in Latin script: a credit, brand, button label or image file name",
    ),
)

# A date line may hold one word that is no date word beside a full date: a place
# ("15.03.2018 | 10:20 حلب"), an issue label ("العدد 57 - 2/5/2020"), a stray label. Its
# sources are left out first. A time alone with a word ("10:00 الافتتاح") is a schedule
# item of an article and stays.
DATE_LINE_MAX_OTHER_WORDS = 1
_DATE_WORD = re.compile(rf"(?:(?:gmt|utc)?\d+|{_WEEKDAYS}|{_MONTHS}|{_DATE_WORDS})")
_SOURCE_IN_LINE = re.compile(_SOURCES)
_DATE_LINE_SPLIT = re.compile(r"[\s/\\\-–—,،:.()|\[\]•●·▪◦■*]+")
LABELLED_DATELINE = FurniturePattern(
    "dateline", _FULL_DATE, "a full date with one other word (a place or an issue label)"
)


def is_labelled_date_line(view: str) -> bool:
    """A short line of a full date, its sources and at most one other word.

    >>> is_labelled_date_line(match_key("العدد 57 - 2/5/2020"))
    True
    >>> is_labelled_date_line(match_key("افتتاح الجلسة 2/5/2020"))
    False
    """
    if len(view) > DATE_LINE_MAX_CHARS or not _FULL_DATE.search(view):
        return False
    words = _DATE_LINE_SPLIT.split(_SOURCE_IN_LINE.sub(" ", view))
    other = [w for w in words if w and not _DATE_WORD.fullmatch(w)]
    return len(other) <= DATE_LINE_MAX_OTHER_WORDS


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
# maqsura) followed by a letter, and closing punctuation followed by a letter (one class:
# re scans a line ~4x faster for it than for two alternatives).
_GLUED = re.compile(rf"[ةى)\]؟?!»](?=[{_ARABIC_LETTER}])")
# A ticker is a long line with several glued joins; one stray typo in an
# article paragraph must not drop it.
TICKER_MIN_GLUED = 3
TICKER_MIN_CHARS = 150

# A copy of another line with an outlet's label before or after it, as page titles are
# written: "<outlet> - <title>", "<title> | <outlet>" (the label has one to three words).
_LABELLED_COPY = re.compile(
    rf"^(?:{_NAME}\s*[\-–—|:]\s+(?P<copy>.+)|(?P<copy2>.+?)\s+[\-–—|]\s*{_NAME})$"
)
_LABEL_SEPARATOR = re.compile(r"[\-–—|:]")
_TEASER_END = re.compile(r"(?:\.{2,}|…)\s*$")


def _teaser_end(text: str) -> bool:
    """``_TEASER_END.search(text)``, without the regex's scan of the whole line (\\s and
    str.rstrip strip the same characters)."""
    return text.rstrip().endswith(("..", "…"))


# A stem shorter than this is too generic to prove it is a copy.
TEASER_MIN_STEM = 20

# A body paragraph, as the neighbour that context rules look at: a sentence of some length.
BODY_MIN_WORDS = 10
# A line this long is article text even without a full stop (an excerpt cut it short): the
# article starts at the first body paragraph or such line and ends at the last one.
ANCHOR_MIN_WORDS = 20
# A tag list without heading: a run of at least this many bullet lines of one to three
# words. An article's own list is announced by a line ending in ":" or has longer items.
TAG_RUN_MIN = 4
_TAG_ITEM = re.compile(r"^[-–—•·▪◦*]\s*[^\W\d_]\S*(?:\s+\S+){0,2}$")
# A line of this many words right above a bullet run inside the article, with no full
# stop, is a sentence that announces the list even without a colon.
LEAD_IN_MIN_WORDS = 4
# A related-story headline between body paragraphs: short, unpunctuated, and not the
# cross-head of the next paragraph, which repeats most of its words.
# A subheading of the article is short (up to five words: "خطوة أولى على طريق طويل"); a
# related story's headline is a full headline.
HEADLINE_MIN_WORDS = 6
HEADLINE_MAX_WORDS = 16
HEADLINE_MAX_COVERAGE = 0.5
# Function words left out when comparing a headline with the next paragraph.
_STOP_WORDS = frozenset(
    match_key("في من على إلى عن مع هذا هذه ذلك التي الذي أن أو ثم قد ما لا بين بعد قبل حول").split()
)
# A source or outlet name signing off the article: a line of at most this many words
# after the last body paragraph.
SIGN_OFF_MAX_WORDS = 3
# A name: letters and spaces (no bullet, figure or punctuation of a list item or title).
_SIGN_OFF = re.compile(r"^[^\W\d_]+(?:\s+[^\W\d_]+)*$")
_LINE_END_PUNCT = re.compile(r"[.،,؛;:!?؟…]\W*$")
# Punctuation of a sentence, a quotation or a list item anywhere in a line: a menu entry,
# a label or a headline has none.
_ANY_PUNCT = re.compile(r"[.،,؛;:!?؟…\"«»“”()\[\]\-–—/|]")
# A menu under bullets: each bullet entry (as in a tag run) may be followed by one line of
# sub-entries, short names without punctuation or figures. Only above the first body
# paragraph or below the last one, where an article's own list never stands.
_MENU_LINE = re.compile(r"^[^\W\d_]+(?:\s+[^\W\d_]+)*$")
# A label above the article: one or two words, letters only (a bullet, dash, bar or colon
# at its edges), above the title (the first line of at least ``HEAD_TITLE_MIN_WORDS``
# words), or anywhere above the body with a bullet, dash or bar hanging at an edge
# ("<outlet> -"). Between the title and the body, a bare short line may be a heading of
# the article ("الجلسة الأولى") and stays; three words are never a label: a subtitle or a
# caption of three words ("وزارة الخارجية الكازاخستانية") cannot be told apart.
_HEAD_LABEL = re.compile(r"^[\s\-–—•·▪◦*|:]*[^\W\d_]+(?:\s+[^\W\d_]+)?[\s\-–—•·▪◦*|:]*$")
_HANGING_MARK = re.compile(r"^[\-–—•·▪◦*|]|[\-–—•·▪◦*|]$")
HEAD_TITLE_MIN_WORDS = 4
# A broadcaster or paper named above the article: "تلفزيون <name>", "صحيفة <name>".
_OUTLET_NAME = re.compile(
    r"^(?:ال)?(?:تلفزيون|قناه|راديو|اذاعه|صحيفه|جريده|شبكه|مجله|وكاله)\s+[^\W\d_]+(?:\s+[^\W\d_]+)?$"
)
# Breadcrumbs above the article: names of one or two words between spaced separators.
_BREADCRUMB = re.compile(r"^[^\W\d_]+(?:\s[^\W\d_]+)?(?:\s+[/>»›]\s+[^\W\d_]+(?:\s[^\W\d_]+)?)+$")
# An outlet and its writer in brackets, above or below the article: "<outlet> (<name>)".
_OUTLET_AND_WRITER = re.compile(rf"^{_NAME}\s*\({_NAME}\)$")
# A place and its outlet right above the first body paragraph: "<place>- <outlet>".
_PLACE_AND_OUTLET = re.compile(
    r"^[^\W\d_]+(?:\s[^\W\d_]+)?(?:\s+[\-–—]\s*|[\-–—]\s+)[^\W\d_]+(?:\s[^\W\d_]+){0,2}$"
)
# A headline below the last body paragraph (a related story): no punctuation, and its
# first word is no conjunction, verb or reporting verb of a sentence cut off by an excerpt
# ("وقالت ...", "سيشارك ..."), so a truncated last line is kept.
_SENTENCE_START = re.compile(r"^(?:[وف]|س?[يتن])")
# A quotation, bare or after its speaker and a colon ('وقال لافروف: "…"'), is article text.
_QUOTED_LINE = re.compile(r"^(?:[^:：\"«“'()]{1,60}[:：]\s*)?[\"«“'(].*[\"»”')]\W*$")

# Trims: furniture at the edge of a body line. Each runs on the matching view of the line
# (one view character per original one, diacritics deleted) and is mapped back.
# The dash of a dateline has a space on one side at least: "أستانا- سانا." is a dateline,
# "الروسية-التركية" a compound.
_DASH = r"(?:\s+[\-–—/]\s*|[\-–—/]\s+)"
# A numeric date in a dateline: "موسكو, 3-9-2018 - ", "حلب 15.03.2018: ".
_NUMERIC_DATE = r"\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}(?!\d)"
_TRIM_END = r"\s*[.:\-–—/]?\s*(?=[^\W\d_]|[\"«“(])"
# An outlet in quotes at the end of a dateline is followed by its separator ("بيروت -
# «المدينة»: …"); a quote followed by the text is a speaker's ("لافروف: «سنواصل» وأضاف").
_QUOTE_CLOSED_BY_SEPARATOR = r"(?:(?<![»\"”])|(?=\s*[.:\-–—/]))"
DATELINE_PREFIX = re.compile(
    rf"^\W{{0,2}}(?:{_PLACE}\s*(?:{_QUOTED_SOURCE}\s*)?(?:{_DASH}|\s*:\s*){_SOURCES}"
    rf"{_QUOTE_CLOSED_BY_SEPARATOR}"
    rf"|{_PLACE}\s*\(\s*(?:{_AGENCY})\s*\){_DASH}"
    rf"|{_PLACE}\s+{_DATE}\s*(?:{_SOURCES}\s*)?[\-–—/:]"
    rf"|{_PLACE}\s*[،,]?\s*{_NUMERIC_DATE}\s*(?:{_SOURCES}\s*)?[\-–—/:])"
    rf"{_TRIM_END}"
)
# In the first body paragraph only, a bare "<outlet>-" or "<city> -" prefix is a dateline.
OUTLET_PREFIX = re.compile(rf"^{_PLACE}{_DASH}(?=[^\W\d_]|[\"«“(])")
# Also there, a source and an outlet name before a reporting verb: "وكالات - <outlet> ونقلت".
SOURCE_OUTLET_PREFIX = re.compile(
    rf"^\W{{0,2}}{_PLACE}{_DASH}[^\W\d_]+(?:\s+[^\W\d_]+)?\s+(?={_OPENER}\s)"
)
# A bar left at the end of a line by the page layout: "... التوتر. |".
TRAILING_BAR = re.compile(r"(?<=\S)\s+[|¦]+\s*$")
END_MARK = re.compile(r"\s*(?:[/\\(\[«\-–—]\s*انتهي\s*[/\\)\]»\-–—]*|(?<=[.!?؟»\"”)])\s*انتهي)\W*$")
# Trims look at this many characters at each end of a line; a dateline prefix has a
# dash, slash, colon or bracket in them.
TRIM_LOOK_CHARS = 100
_TRIM_HEAD_HINT = re.compile(r"[\-–—/:(]")
# A dateline prefix opens the article: it is looked for in the first lines of at least
# ``BODY_MIN_WORDS`` words only (a lede may stand above it), never further down, where
# "وقال لافروف: «…»" is the article's own text.
OPENING_PARAGRAPHS = 2
# What is left after a trim must still be a sentence.
TRIM_MIN_REST_WORDS = 5


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
        if rule.pattern.search(view) or (
            rule.anywhere and any(phrase.search(view) for phrase in rule.anywhere)
        ):
            return rule
    if is_labelled_date_line(view):
        return LABELLED_DATELINE
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

    _mark_context(blocks, views, decisions)

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

    for i, view in enumerate(views):
        if decisions[i] is not None:
            continue
        match = _LABELLED_COPY.match(view) if _LABEL_SEPARATOR.search(view) else None
        key = match and (match.group("copy") or match.group("copy2"))
        copy = first_seen.get(key) if key and len(key.split()) >= HEAD_TITLE_MIN_WORDS else None
        if copy is not None and copy != i:
            decisions[i] = (
                "duplicate_paragraph",
                f"the kept line at raw offset {blocks[copy].start} with an outlet label",
            )

    for i, block in enumerate(blocks):
        if decisions[i] is not None or not _teaser_end(block.text):
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


def is_body_like(text: str) -> bool:
    """A sentence paragraph: at least ``BODY_MIN_WORDS`` words, ending in a full stop."""
    return len(text.split()) >= BODY_MIN_WORDS and bool(_SENTENCE_END.search(text))


def _content_words(view: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]+", view) if len(w) > 2 and w not in _STOP_WORDS]


def headline_coverage(headline: str, paragraph: str) -> float:
    """The share of the headline's content words that the paragraph repeats (a word counts
    when one form begins the other, so "روسي" is in "روسيا" and "الدولي" in "الدولي،").

    >>> headline_coverage("مجلس الأمن يصوت على القرار", "ويصوت مجلس الأمن اليوم على القرار.")
    0.75
    """
    words = _content_words(match_key(headline))
    if not words:
        return 1.0
    others = _content_words(match_key(paragraph))
    covered = sum(
        1 for w in words if any(o.startswith(w) or w.startswith(o) for o in others if len(o) > 2)
    )
    return covered / len(words)


def _mark_context(
    blocks: list[Block], views: list[str], decisions: list[tuple[str, str] | None]
) -> None:
    """Rules that look at a line's neighbours: headless tag lists and bullet menus, masthead
    names, labels above the article, related headlines between or after body paragraphs,
    and a sign-off after the last paragraph."""
    n = len(blocks)
    words = [len(b.text.split()) for b in blocks]
    # Lines kept by the line rules: a line that a context rule drops below is no evidence
    # that its neighbour is furniture (a list's lead-in is no headline between paragraphs).
    kept_by_lines = [d is None for d in decisions]
    body = {
        i
        for i in range(n)
        if decisions[i] is None
        and words[i] >= BODY_MIN_WORDS
        and _SENTENCE_END.search(blocks[i].text)
    }
    # Where the article starts and ends: body paragraphs, and long lines that an excerpt
    # cut short before their full stop.
    anchors = [
        i for i in range(n) if i in body or (decisions[i] is None and words[i] >= ANCHOR_MIN_WORDS)
    ]
    first = anchors[0] if anchors else n
    last = anchors[-1] if anchors else n
    _mark_bullet_runs(blocks, decisions, first, last)

    for i in range(1, n):
        previous = decisions[i - 1]
        if (
            decisions[i] is None
            and previous is not None
            and previous[1].startswith("masthead:")
            and len(blocks[i].text.split()) <= 4
            and not _LINE_END_PUNCT.search(blocks[i].text)
        ):
            decisions[i] = ("furniture", "masthead_name: the name under a masthead title")

    if anchors:
        _mark_head(blocks, views, decisions, first)

    kept = [i for i in range(n) if decisions[i] is None]
    for before, i, after in zip(kept, kept[1:], kept[2:], strict=False):
        text = blocks[i].text
        if (
            before in body
            and after in body
            and not any(kept_by_lines[k] for k in (*range(before + 1, i), *range(i + 1, after)))
            and HEADLINE_MIN_WORDS <= words[i] <= HEADLINE_MAX_WORDS
            and not _LINE_END_PUNCT.search(text)
            and not _QUOTED_LINE.match(text)
        ):
            coverage = headline_coverage(text, blocks[after].text)
            if coverage < HEADLINE_MAX_COVERAGE:
                decisions[i] = (
                    "furniture",
                    f"related_headline: a headline between body paragraphs, {coverage:.0%} "
                    "of its words in the next one",
                )
    for i in kept:
        if i <= last or decisions[i] is not None:
            continue
        text = blocks[i].text
        if (
            words[i] <= SIGN_OFF_MAX_WORDS
            and _SIGN_OFF.match(text)
            and not _OPENER_WORD.match(views[i].split()[0])
        ):
            decisions[i] = ("furniture", "sign_off: a source name after the last paragraph")
        elif _OUTLET_AND_WRITER.match(text):
            decisions[i] = ("furniture", "outlet_writer: an outlet and its writer in brackets")
        elif (
            HEADLINE_MIN_WORDS <= words[i] <= HEADLINE_MAX_WORDS
            and not _ANY_PUNCT.search(text)
            and not _SENTENCE_START.match(views[i])
        ):
            decisions[i] = (
                "furniture",
                "related_headline: an unpunctuated headline after the last body paragraph",
            )


def _mark_bullet_runs(
    blocks: list[Block], decisions: list[tuple[str, str] | None], first: int, last: int
) -> None:
    """Headless tag lists (runs of short bullet lines) anywhere, and bullet menus whose
    entries carry a line of sub-entries above the first or below the last body paragraph."""
    n = len(blocks)
    # The last kept line above the article is its title or lede, never a line of sub-entries.
    last_head = max((k for k in range(min(first, n)) if decisions[k] is None), default=-1)

    def is_item(k: int) -> bool:
        text = blocks[k].text
        return (
            decisions[k] is None
            and bool(_TAG_ITEM.match(text))
            and not _LINE_END_PUNCT.search(text)
        )

    i = 0
    while i < n:
        j, items, subs = i, 0, 0
        while j < n and is_item(j):
            items += 1
            j += 1
            if (
                j < n
                and decisions[j] is None
                and not is_item(j)
                and _MENU_LINE.match(blocks[j].text)
                and ((j + 1 < n and is_item(j + 1)) or (subs >= 1 and j != last_head))
            ):
                subs += 1
                j += 1
        if items >= TAG_RUN_MIN and (j <= first or i > last) and subs:
            for k in range(i, j):
                decisions[k] = (
                    "furniture",
                    f"menu: {items} bullet entries and {subs} lines of sub-entries",
                )
        elif items >= TAG_RUN_MIN and not subs and not _announces_list(blocks, i - 1, first, last):
            before = next((k for k in range(i - 1, -1, -1) if decisions[k] is None), None)
            if before is None or not blocks[before].text.endswith((":", "：")):
                for k in range(i, j):
                    decisions[k] = ("furniture", f"tag_run: {j - i} short bullet lines, no heading")
        i = max(j, i + 1)


def _announces_list(blocks: list[Block], k: int, first: int, last: int) -> bool:
    """Whether line ``k``, right above a bullet run inside the article, is a lead-in that
    announces it without a colon: an unfinished sentence ("وتضم قائمة الدول المشاركة
    بصفة مراقب") of ``LEAD_IN_MIN_WORDS`` words or more, or opening with a conjunction.
    A title or a related headline stands outside the article, a body line ends in a stop."""
    if not first <= k < last:
        return False
    text = blocks[k].text
    n_words = len(text.split())
    return (
        not _TAG_ITEM.match(text)
        and not _SENTENCE_END.search(text)
        and (n_words >= LEAD_IN_MIN_WORDS or (n_words >= 2 and text[0] in "وف"))
    )


def _mark_head(
    blocks: list[Block],
    views: list[str],
    decisions: list[tuple[str, str] | None],
    first: int,
) -> None:
    """Labels above the first body paragraph: short labels and breadcrumbs when a title is
    there too, an outlet's name, an outlet with its writer, and a place with its outlet
    right above the body."""
    head = [i for i in range(first) if decisions[i] is None]
    title = next(
        (
            k
            for k in head
            if len(blocks[k].text.split()) >= HEAD_TITLE_MIN_WORDS
            and not _BREADCRUMB.match(blocks[k].text)
        ),
        None,
    )
    for position, i in enumerate(head):
        text = blocks[i].text
        if _OUTLET_NAME.match(views[i]):
            decisions[i] = ("furniture", "outlet_name: a broadcaster or paper above the article")
        elif (
            title is not None
            and _HEAD_LABEL.match(text)
            and (i < title or _HANGING_MARK.search(text))
        ):
            decisions[i] = ("furniture", "head_label: a label of one or two words above the title")
        elif title is not None and _BREADCRUMB.match(text):
            decisions[i] = ("furniture", "breadcrumb: the section path above the article")
        elif _OUTLET_AND_WRITER.match(text):
            decisions[i] = ("furniture", "outlet_writer: an outlet and its writer in brackets")
        elif position > 0 and i == head[-1] and _PLACE_AND_OUTLET.match(text):
            decisions[i] = (
                "furniture",
                "dateline: a place and its outlet right above the first paragraph",
            )


@dataclass(frozen=True)
class Trim:
    """A part cut off the edge of a kept line (offsets into the line)."""

    start: int
    end: int
    rule: str
    why: str


def trim_line(
    text: str, *, first_body: bool = False, opening: bool = False
) -> tuple[int, int, list[Trim]]:
    """The span of ``text`` to keep, and the furniture cut off its edges.

    In the opening paragraphs (``opening``, or the first body paragraph) a dateline prefix
    ("<place>- <agency>.", "<place> <date> /"); in the first body paragraph also a bare
    "<outlet>-"; in any line, an end mark ("/انتهى/"). Each is cut when what remains is
    still a sentence of ``TRIM_MIN_REST_WORDS`` words or more. A later line that opens with
    a speaker and a quote ('وقال لافروف: «…» …') is never a dateline.

    >>> line = "دمشق- وكالات. وصل الوفد إلى العاصمة اليوم لبحث الهدنة. /انتهى/"
    >>> start, end, trims = trim_line(line, first_body=True)
    >>> line[start:end]
    'وصل الوفد إلى العاصمة اليوم لبحث الهدنة.'
    >>> [(line[t.start : t.end], t.rule) for t in trims]
    [('دمشق- وكالات.', 'dateline_prefix'), ('/انتهى/', 'end_mark')]
    """
    start, end, trims = 0, len(text), []
    prefix = _prefix_trim(text, first_body=first_body, opening=opening or first_body)
    if prefix is not None:
        trims.append(prefix)
        start = prefix.end + len(text[prefix.end :]) - len(text[prefix.end :].lstrip())
    mark = _end_mark_trim(text)
    if mark is not None and len(text[start : mark.start].split()) >= TRIM_MIN_REST_WORDS:
        trims.append(mark)
        end = len(text[: mark.start].rstrip())
    return start, end, trims


def _prefix_trim(text: str, *, first_body: bool, opening: bool) -> Trim | None:
    head = text[:TRIM_LOOK_CHARS]
    if not opening:
        return None  # a dateline opens the article; a later line is the article's own text
    if not _TRIM_HEAD_HINT.search(head):
        return None  # the common case, without the per-character view
    view = normalize_with_map(head)
    match = DATELINE_PREFIX.match(view.text)
    rule, why = "dateline_prefix", "the place and source (or date) before the first sentence"
    if match is None and first_body:
        match = SOURCE_OUTLET_PREFIX.match(view.text)
        rule, why = "source_prefix", "the source and outlet before the first sentence"
    if match is None and first_body:
        match = OUTLET_PREFIX.match(view.text)
        rule, why = "outlet_prefix", "the outlet or place before the first sentence"
    if match is None or match.end() >= len(view.text):
        return None
    cut = view.index_map[match.end()]
    if len(text[cut:].split()) < TRIM_MIN_REST_WORDS:
        return None
    return Trim(0, len(text[:cut].rstrip()), rule, why)


def _end_mark_trim(text: str) -> Trim | None:
    bar = TRAILING_BAR.search(text) if text.endswith(("|", "¦")) else None
    if bar is not None:
        start = bar.start() + len(bar.group()) - len(bar.group().lstrip())
        return Trim(start, len(text), "end_bar", "a bar the page layout left after the text")
    offset = max(0, len(text) - TRIM_LOOK_CHARS)
    view = normalize_with_map(text[offset:])
    match = END_MARK.search(view.text) if "انتهي" in view.text else None
    if match is None or match.start() == 0:
        return None
    cut = offset + view.index_map[match.start()]
    start = cut + len(text[cut:]) - len(text[cut:].lstrip())
    return Trim(start, len(text), "end_mark", "the agency's end-of-story mark")


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
    first_body = next(
        (i for i, b in enumerate(blocks) if decisions[i] is None and is_body_like(b.text)), None
    )
    long_lines = [
        i
        for i, b in enumerate(blocks)
        if decisions[i] is None and len(b.text.split()) >= BODY_MIN_WORDS
    ]
    opening = set(long_lines[:OPENING_PARAGRAPHS])
    for i, (block, decision) in enumerate(zip(blocks, decisions, strict=True)):
        if decision is not None:
            dropped.append(DroppedBlock(block.start, block.end, decision[0], decision[1]))
            continue
        start, end, trims = trim_line(block.text, first_body=i == first_body, opening=i in opening)
        text = block.text[start:end]
        for t in trims:
            dropped.append(
                DroppedBlock(
                    block.start + t.start, block.start + t.end, TRIMMED, f"{t.rule}: {t.why}"
                )
            )
        if pieces:
            pieces.append(PARAGRAPH_SEPARATOR)
            offset += len(PARAGRAPH_SEPARATOR)
        paragraphs.append(
            Paragraph(
                len(paragraphs), offset, offset + len(text), block.start + start, block.start + end
            )
        )
        pieces.append(text)
        offset += len(text)
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
