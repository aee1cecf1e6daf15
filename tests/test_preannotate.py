"""Pre-annotation: proclitics, spelling variants, word boundaries; fixtures written for
these tests (not copied from the corpus gold)."""

from __future__ import annotations

import pytest

from astana_corpus.annotate.preannotate import (
    Gazetteer,
    GazetteerEntry,
    read_gazetteer,
    score_against_gold,
)
from astana_corpus.core.records import (
    AnnotationInfo,
    Entity,
    GoldDocument,
    GoldParagraph,
    ParagraphSuggestions,
    Span,
    Suggestion,
)
from astana_corpus.core.schema import read_schema
from tests.conftest import ROOT
from tests.test_doccano import make_doc

SCHEMA = read_schema(ROOT)
GAZ = read_gazetteer(ROOT, SCHEMA)


def found(text: str, gazetteer: Gazetteer = GAZ) -> list[tuple[str, str]]:
    result = []
    for s in gazetteer.find(text):
        surface = text[s.span.start : s.span.end]
        assert surface.strip() == surface
        result.append((surface, s.span.label))
    return result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("عاد الوفد لأستانة مساءً", [("أستانة", "GPE")]),
        ("زيارة قصيرة بسوريا وروسيا", [("سوريا", "GPE"), ("روسيا", "GPE")]),
        ("أما الحدود فلبنان يراقبها", [("لبنان", "GPE")]),
        ("اجتماع كالذي عُقد في أنقرة", [("أنقرة", "GPE")]),
        ("قصف طال بالغوطة الشرقية مساء", [("الغوطة الشرقية", "LOC")]),
        ("وفد من المعارضة وللمعارضة مطالب", [("المعارضة", "ORG"), ("معارضة", "ORG")]),
        ("موقف روسياً ثابت", [("روسياً", "GPE")]),
    ],
)
def test_proclitics_are_left_out_of_the_span(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("وصل المبعوث ستيفان دي ميستورا", "per:staffan-de-mistura"),
        ("صرّح استيفان دي ميستورا للصحفيين", "per:staffan-de-mistura"),
        ("قال لافرنتييف للصحفيين", "per:alexander-lavrentiev"),
        ("ورد عبد الرحمنوف على الأسئلة", "per:kairat-abdrakhmanov"),
        ("في العاصمة آستانا أمس", "gpe:astana"),
        ("تُعقد الجولة في أَسْتانَة", "gpe:astana"),
        ("تُعقد الجولة في أسـتانة", "gpe:astana"),
        ("انطلقت أعمال أستانا-9 صباحاً", "event:astana-round-9"),
        ("حضر اجتماع أستانة 10 مراقبون", "event:astana-round-10"),
    ],
)
def test_spelling_variants_reach_one_canonical_id(text, canonical):
    assert canonical in {s.canonical_id for s in GAZ.find(text)}


@pytest.mark.parametrize(
    "text",
    [
        "فنانون سورياليون في معرض",  # سوريا inside a word
        "الأردنيون يتابعون",  # الأردن followed by letters
        "طريق إيرانشهر الدولي",  # إيران + letters
        "روسيات في الفريق",
    ],
)
def test_never_inside_other_words(text):
    assert [x for x in found(text) if x[1] == "GPE"] == []


def test_longest_alias_wins_and_spans_do_not_overlap():
    text = "أعلنت وزارة خارجية كازاخستان انطلاق محادثات أستانة"
    assert found(text) == [("وزارة خارجية كازاخستان", "ORG"), ("محادثات أستانة", "EVENT")]


def test_dates_by_rule():
    text = "تبدأ اليوم الجمعة وتنتهي في 12 كانون الثاني المقبل بعد أن التقوا أمس"
    assert [t for t, label in found(text) if label == "DATE"] == [
        "اليوم الجمعة",
        "12 كانون الثاني المقبل",
        "أمس",
    ]


def test_canonical_id_lookup_by_type():
    assert GAZ.canonical_id("سورية", "GPE") == "gpe:syria"
    assert GAZ.canonical_id("سورية", "ORG") is None
    assert GAZ.canonical_id("أستانا-7", "EVENT") == "event:astana-round-7"
    assert GAZ.canonical_id("معارضة المسلحة", "ORG") == "org:syrian-opposition"  # after لل


def test_custom_gazetteer_small():
    gaz = Gazetteer([GazetteerEntry("x:1", "PER", "سلمى", ("سلمى",))])
    assert found("قالت سلمى ولسلمى رأي", gaz) == [("سلمى", "PER"), ("سلمى", "PER")]


def test_score_against_gold_by_hand():
    doc = make_doc("t-1", ["قال بوتين في موسكو", "وزار سوريا"])
    p1 = doc.paragraphs[1].start
    entities = [(4, 9, "PER"), (13, 18, "GPE"), (p1 + 4, p1 + 9, "GPE")]
    gold = [
        GoldDocument(
            id="t-1",
            text=doc.text,
            text_sha256="",
            entities=tuple(Entity(s, e, lb, doc.text[s:e]) for s, e, lb in entities),
            events=(),
            paragraphs=tuple(GoldParagraph(p.index, p.start, p.end, ()) for p in doc.paragraphs),
            annotation=AnnotationInfo("r", ("a",), "1.0"),
        )
    ]

    def line(doc_id, index, spans):
        found = tuple(Suggestion(Span(*s), None, "test") for s in spans)
        return ParagraphSuggestions(doc_id, index, found)

    suggestions = [
        line("t-1", 0, [(4, 9, "PER"), (13, 18, "ORG")]),
        line("t-1", 1, [(4, 9, "GPE")]),
        line("t-9", 0, [(0, 1, "GPE")]),  # not in gold
    ]
    table = score_against_gold(suggestions, gold, [doc], ["PER", "GPE", "ORG"])
    assert table["ALL"]["correct"] == 2 and table["ALL"]["predicted"] == 3
    assert table["ALL"]["precision"] == pytest.approx(2 / 3)
    assert table["ALL"]["recall"] == pytest.approx(2 / 3)
    assert table["GPE"]["recall"] == pytest.approx(1 / 2)
    assert table["ORG"]["precision"] == 0.0
