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
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from astana_corpus.core.arabic import CONTRACTED, MARKS, PROCLITICS, match_key, normalize_with_map
from astana_corpus.core.errors import error
from astana_corpus.core.io import read_yaml
from astana_corpus.core.metrics import precision_recall_f1
from astana_corpus.core.paths import GAZETTEER_FILE
from astana_corpus.core.records import (
    Document,
    GoldDocument,
    ParagraphSuggestions,
    Span,
    Suggestion,
)
from astana_corpus.core.schema import Schema

# Numbered rounds written glued or hyphenated: أستانة7, أستانا-7, أستانا 7.
ROUND_RULE = r"(?:استانه|استانا)(?:\s?-\s?|\s)?\d+"
_ROUND_NUMBER = re.compile(r"(\d+)$")
_MONTHS = (
    "كانون الثاني|كانون الاول|تشرين الاول|تشرين الثاني|شباط|اذار|نيسان|ايار|حزيران|تموز|"
    "ايلول|ايلو|يناير|فبراير|مارس|ابريل|مايو|يونيو|يوليو|اغسطس|سبتمبر|اكتوبر|نوفمبر|ديسمبر"
)
_WEEKDAYS = "الاحد|الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعه|السبت"
_QUALIFIER = r"(?:\s(?:الماضي|الجاري|المقبل|الفايت|القادم))?(?:\s(?:العام\s)?\d{4})?"
# Dates: day numbers + month, month alone (+ qualifier/year), weekday phrases, أمس.
DATE_RULE = (
    rf"(?:(?:يومي\s)?(?:ال\s)?\d{{1,2}}(?:\s?(?:-|و)\s?(?:ال\s)?\d{{1,2}})?\s(?:من\s)?(?:شهر\s)?)?"
    rf"(?:{_MONTHS}){_QUALIFIER}"
    rf"|(?:اليوم|يوم\sغد|غدا|يوم)\s(?:{_WEEKDAYS})"
    rf"|(?:يوم\s)?امس"
)


@dataclass(frozen=True)
class GazetteerEntry:
    id: str
    type: str
    name: str
    aliases: tuple[str, ...]


class Gazetteer:
    """Aliases compiled into one leftmost-longest matcher over normalised text."""

    def __init__(self, entries: Iterable[GazetteerEntry]):
        self.entries = tuple(entries)
        self.by_alias: dict[str, list[GazetteerEntry]] = defaultdict(list)
        for entry in self.entries:
            for alias in entry.aliases:
                key = match_key(alias)
                if entry not in self.by_alias[key]:
                    self.by_alias[key].append(entry)
        # Longest first, so at one position the longest alias wins.
        names = sorted(self.by_alias, key=len, reverse=True)
        contracted = sorted((n[2:] for n in names if n.startswith("ال")), key=len, reverse=True)
        self._pattern = re.compile(
            # Lazy proclitics: "اليوم" and "الروسية" match whole before ال is tried as a prefix.
            rf"(?<!\w)(?:(?:{PROCLITICS})??(?:(?P<round>{ROUND_RULE})|(?P<date>{DATE_RULE})"
            rf"|(?P<name>{_alternation(names)}))"
            rf"|{CONTRACTED}(?P<contracted>{_alternation(contracted)}))(?!\w)"
        )

    def find(self, text: str) -> list[Suggestion]:
        """Non-overlapping suggestions in ``text`` (original offsets), left to right."""
        view = normalize_with_map(text)
        found = []
        for match in self._pattern.finditer(view.text):
            group = match.lastgroup
            if group is None:
                continue
            start, end = view.original_span(match.start(group), match.end(group))
            while end < len(text) and text[end] in MARKS:
                end += 1
            surface = " ".join(match.group(group).split())
            if group == "round":
                label, canonical, source = "EVENT", round_id(surface), "rule:numbered-round"
            elif group == "date":
                label, canonical, source = "DATE", None, "rule:date"
            elif group == "contracted":
                entry = self.by_alias["ال" + surface][0]
                label, canonical, source = entry.type, entry.id, "لل+" + surface
            else:
                entry = self.by_alias[surface][0]
                label, canonical, source = entry.type, entry.id, surface
            found.append(Suggestion(Span(start, end, label), canonical, source))
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


def _alternation(names: list[str]) -> str:
    # An impossible pattern when empty, so the alternative never matches.
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names) or r"(?!)"


def round_id(surface: str) -> str | None:
    number = _ROUND_NUMBER.search(surface)
    return f"event:astana-round-{int(number.group(1))}" if number else None


_ENTRY_KEYS = ("id", "type", "name", "aliases")


def _gazetteer_entry(item: object, where: str) -> GazetteerEntry:
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
    return GazetteerEntry(item["id"], item["type"], item["name"], tuple(aliases))


def read_gazetteer(root: Path, schema: Schema) -> Gazetteer:
    """Read and check ``annotations/gazetteer.yaml`` (types in the schema, unique ids)."""
    path = root / GAZETTEER_FILE
    data = read_yaml(path, hint="the gazetteer is needed for pre-annotation")
    items = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(items, list | None):
        raise error("A204", path=path, problem=f"`entries` must be a list, got {items!r}")
    entries = []
    seen = set()
    for number, item in enumerate(items or [], start=1):
        where = f"{path}: entry {number}"
        entry = _gazetteer_entry(item, where)
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
        entries.append(entry)
    if not entries:
        raise error("A204", path=path, problem="no entries")
    return Gazetteer(entries)


def preannotate(
    documents: Iterable[Document], gazetteer: Gazetteer
) -> Iterator[ParagraphSuggestions]:
    """The suggestions of every paragraph, in paragraph offsets (the lines ``push`` reads)."""
    for doc in documents:
        for p in doc.paragraphs:
            yield ParagraphSuggestions(
                doc.id, p.index, tuple(gazetteer.find(doc.text[p.start : p.end]))
            )


def score_against_gold(
    suggestions: Iterable[ParagraphSuggestions],
    gold: Iterable[GoldDocument],
    documents: Iterable[Document],
    labels: Iterable[str],
) -> dict[str, dict[str, float | int]]:
    """Exact-match precision/recall/F1 per entity type of suggestions against gold.

    Only documents present in gold are scored.
    """
    paragraphs = {d.id: d.paragraphs for d in documents}
    gold_by_doc = {g.id: g for g in gold}
    predicted: set[tuple[str, Span]] = set()
    for line in suggestions:
        if line.doc_id not in gold_by_doc:
            continue
        offset = paragraphs[line.doc_id][line.paragraph_index].start
        predicted |= {(line.doc_id, s.span.shifted(offset)) for s in line.suggestions}
    expected = {(g.id, e.span) for g in gold_by_doc.values() for e in g.entities}
    table: dict[str, dict[str, float | int]] = {}
    for label in [*labels, "ALL"]:
        pred = {x for x in predicted if label in ("ALL", x[1].label)}
        gold_set = {x for x in expected if label in ("ALL", x[1].label)}
        tp = len(pred & gold_set)
        precision, recall, f1 = precision_recall_f1(tp, len(pred), len(gold_set))
        table[label] = {
            "predicted": len(pred),
            "gold": len(gold_set),
            "correct": tp,
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }
    return table
