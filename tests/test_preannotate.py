"""Pre-annotation: proclitics, spelling variants, word boundaries; fixtures written for
these tests (not copied from the corpus gold)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astana_corpus.annotate.doccano_format import paragraph_examples, read_preannotations
from astana_corpus.annotate.preannotate import (
    SOURCES,
    Gazetteer,
    GazetteerEntry,
    preannotate,
    read_gazetteer,
    score_against_gold,
    score_spans,
)
from astana_corpus.core.errors import AstanaError
from astana_corpus.core.io import write_jsonl
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


# ---------------------------------------------------------------- sources, variants, rules
# Every sentence below was written for these tests; names of people are invented.


def found_with_source(text: str, gazetteer: Gazetteer = GAZ) -> list[tuple[str, str, str]]:
    result = []
    for s in gazetteer.find(text):
        surface = text[s.span.start : s.span.end]
        assert surface.strip() == surface
        assert s.source in SOURCES
        result.append((surface, s.span.label, s.source))
    return result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the hand-written entry wins a name CLDR also has
        ("وصل الوفد إلى كازاخستان ظهراً", ("كازاخستان", "GPE", "gazetteer:hand")),
        ("سافر الوزير إلى البرتغال", ("البرتغال", "GPE", "gazetteer:cldr")),
        ("قصفت الطائرات جسر الشغور فجراً", ("جسر الشغور", "GPE", "gazetteer:geonames")),
        ("عادت العائلات إلى دير الزور", ("دير الزور", "GPE", "gazetteer:geonames")),
    ],
)
def test_names_from_each_gazetteer_source(text, expected):
    assert expected in found_with_source(text)


def test_generated_city_names_that_are_ordinary_words_are_not_suggested():
    text = "عمّت الثورة البلاد وصعد الناس إلى التل قرب الباب الكبير"
    assert found_with_source(text) == []


@pytest.mark.parametrize(
    ("text", "surface", "canonical"),
    [
        ("التقى سيرجي لافروف نظيره", "سيرجي لافروف", "per:sergey-lavrov"),  # ج for غ
        ("صرّح لافرنتيف للصحفيين", "لافرنتيف", "per:alexander-lavrentiev"),  # one ي
        ("وصل ستفان دي ميستورا أمس", "ستفان دي ميستورا", "per:staffan-de-mistura"),  # no alef
        ("وصرّح مولود جاوش أوغلو", "مولود جاوش أوغلو", "per:mevlut-cavusoglu"),  # no ي
        ("قال لافْرِنتيف ذلك", "لافْرِنتيف", "per:alexander-lavrentiev"),  # harakat kept
    ],
)
def test_spelling_variants_of_transliterated_names(text, surface, canonical):
    (s,) = [s for s in GAZ.find(text) if s.span.label == "PER"]
    assert text[s.span.start : s.span.end] == surface
    assert (s.canonical_id, s.source) == (canonical, "variant:spelling")


@pytest.mark.parametrize(
    "text",
    [
        "ترك الوفد القاعة مبكراً",  # تركيا without its vowels
        "على رأس الوفد",  # روسيا without its vowels
        "مسك العصا من الوسط",  # موسكو without its vowels
        "هطل المطر الغزير",  # الجزائر with غ for ج and no vowels
        "هذا سر المهنة",  # سوريا without its vowels
    ],
)
def test_loose_matching_never_hits_ordinary_words(text):
    assert found_with_source(text) == []


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("رحّب الجانب الكازاخي بالضيوف", "الكازاخي"),
        ("وصل الوفد إلى العاصمة الكازاخية", "الكازاخية"),  # D17
        ("شارك خبراء أوزبكيون في الجلسة", "أوزبكيون"),
        ("وحضر الخبراء النمساويون", "النمساويون"),
        ("والتقى الوفد المصري", "المصري"),
    ],
)
def test_nisba_adjectives_of_known_countries(text, surface):
    norp = [(t, src) for t, label, src in found_with_source(text) if label == "NORP"]
    assert norp == [(surface, "variant:nisba")]


@pytest.mark.parametrize(
    "text",
    [
        "ناقش الوزير الشؤون المالية",  # مالي ends in ي: no nisba
        "سكت الطفل الباكي أخيراً",  # باكستان without ستان keeps three letters only
        "وصلت السيارة سورية الصنع",  # سورية is the country's name, not a new adjective
    ],
)
def test_nisba_guard(text):
    assert [x for x in found_with_source(text) if x[2] == "variant:nisba"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("انتهى مؤتمر أستانة8 أمس", [("مؤتمر أستانة8", "EVENT"), ("أمس", "DATE")]),
        ("بدأت مفاوضات استانا صباحاً", [("مفاوضات استانا", "EVENT")]),
        ("وتستأنف محادثات جنيف9 قريباً", [("محادثات جنيف9", "EVENT")]),
        ("وسبقت قمة طهران اللقاء", [("قمة طهران", "EVENT")]),
        # the place of talks is GPE, the process EVENT (guidelines, EVENT)
        ("عُقدت المفاوضات في أستانا", [("أستانا", "GPE")]),
        # D8 (b): a conference title; an indefinite one is a description
        ("ودعا إلى مؤتمر المصالحة الوطنية قريباً", [("مؤتمر المصالحة الوطنية", "EVENT")]),
        # the title is OCC; a word with tanween is never taken for a name after it
        ("وعقد الوزير مؤتمراً صحفياً", [("الوزير", "OCC")]),
        ("وفي المؤتمر الصحفي قال", []),
    ],
)
def test_event_head_nouns(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # D2: the name in quotes after a head noun, without the quotes
        ('واختُتمت محادثات "أنقرة" مساءً', [("أنقرة", "EVENT")]),
        ("وتحفّظ الوفد على قرارات مباحثات «طهران»", [("طهران", "EVENT")]),
        (
            'ودعا إلى مؤتمر "المصالحة الشاملة" في طهران',
            [("المصالحة الشاملة", "EVENT"), ("طهران", "GPE")],
        ),
        ("وبعد جولات جنيف المتعثرة عاد", [("جولات جنيف", "EVENT")]),
        # no head noun before the quotes: the place stays GPE
        ('ووصلت الوفود إلى "أنقرة" ليلاً', [("أنقرة", "GPE")]),
        # one quoted word, or a quoted sentence, is no conference title
        ('وعقد مؤتمر "صحفي"', []),
        ('وقال في المؤتمر "إن الحل السياسي هو الطريق الوحيد الآن"', []),
        # a day number and a month after a place are a date, not a numbered round
        ("وتُعقد القمة في جنيف 22 أيار", [("جنيف", "GPE"), ("22 أيار", "DATE")]),
    ],
)
def test_quoted_events_and_rounds(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # D7: a bare النظام / الحكومة named as a party to the conflict or the talks
        ("وطالب الوفد بالإفراج عن السجناء لدى النظام", [("النظام", "ORG")]),
        ("ورفضت الحكومة والمعارضة المقترح", [("الحكومة", "ORG"), ("المعارضة", "ORG")]),
        ("وتقدّم ممثلو النظام بورقة", [("النظام", "ORG")]),
        # followed by a definite word it is a description or another rule's longer name
        ("وناقش البرلمان النظام الانتخابي الجديد", []),
        ("وأعلنت الحكومة الانتقالية موقفها", []),
    ],
)
def test_bare_party_names(text, expected):
    assert [(t, label) for t, label in found(text) if label == "ORG"] == expected


def test_event_head_keeps_the_round_id():
    (s,) = GAZ.find("افتتح اجتماع أستانا-12 بحضور الوفود")
    assert (s.span.label, s.canonical_id, s.source) == (
        "EVENT",
        "event:astana-round-12",
        "rule:event-head",
    )


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("تبدأ الجولة منتصف أيار", "منتصف أيار"),
        ("وتنتهي أواخر تشرين الثاني المقبل", "أواخر تشرين الثاني المقبل"),
        ("وصل في 14 أيار/مايو الماضي", "14 أيار/مايو الماضي"),
        ("تُعقد يومي 3 و4 حزيران/ يونيو", "يومي 3 و4 حزيران/ يونيو"),
        ("ويعود الوفد الخميس", "الخميس"),
        ("ويعود الوفد يوم الخميس المقبل", "يوم الخميس المقبل"),
        ("ستُفتح المعابر نهاية العام الجاري", "نهاية العام الجاري"),
        ("وصل الوفد قبل يومين", "قبل يومين"),
        ("تبدأ الجلسة بعد ظهر غد", "بعد ظهر غد"),
        ("تنتهي في 9 من الشهر المقبل", "9 من الشهر المقبل"),
        ("عاد في الثامن من آب", "الثامن من آب"),
        ("اجتمعوا في مطلع عام 2018", "مطلع عام 2018"),
        ("وبدأت الجلسات صباح اليوم الأربعاء", "صباح اليوم الأربعاء"),
        ("وتنتهي المهلة أواخر شباط من العام المقبل", "أواخر شباط من العام المقبل"),
        ("وقد بدأت الأزمة نهاية 2019، ثم", "نهاية 2019"),
        ("وسيصل الوفد اليوم 12 آذار", "اليوم 12 آذار"),
        ("ويتوقع الوسطاء تقدماً في الأسابيع المقبلة", "الأسابيع المقبلة"),
        ("ويُعقد المؤتمر في شهر نيسان\\أبريل المقبل", "شهر نيسان\\أبريل المقبل"),
        ("بين الحادي عشر والثاني عشر من تموز", "الحادي عشر والثاني عشر من تموز"),
        ("تعيش البلاد أزمة منذ 2014 بلا حل", "2014"),  # the preposition stays out
    ],
)
def test_date_grammar(text, date):
    assert [t for t, label in found(text) if label == "DATE"] == [date]


@pytest.mark.parametrize(
    "text",
    [
        "تتواصل المحادثات منذ شهرين",  # a duration (D6)
        "أعلنت الوزارة في وقت سابق",  # no calendar unit
        "المشاورات مستمرة حتى الآن",
        "عاد الأسرى بعد مرور يومين",  # مرور makes it a duration
        "سافر الأب إلى عمله",  # آب alone is also "father"
        "مارس الوفد ضغطاً كبيراً",  # مارس alone is also "practised"
        "وبلغ عدد المفقودين 2014 شخصاً",  # a bare number is a year only after في/منذ…
        "أفرج الطرفان عن 2015 معتقلاً",
        "وتذكّر الأهالي الأيام الصعبة",  # a plural unit needs a relative word
    ],
)
def test_not_a_date(text):
    assert [t for t, label in found(text) if label == "DATE"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("تقدمت القوات في شمال سوريا", [("شمال سوريا", "LOC")]),
        ("اشتباكات في ريف حلب الجنوبي", [("ريف حلب الجنوبي", "LOC")]),
        ("تتركز الاشتباكات في شمال البلاد", []),  # direction + common noun (D16)
    ],
)
def test_direction_and_rif_make_a_loc(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("أعلنت وزارة الدفاع الروسية ذلك", [("وزارة الدفاع الروسية", "ORG")]),
        ("وقالت الخارجية المصرية إن", [("الخارجية المصرية", "ORG")]),
        ("وأرسلت المنظمة أدوية للحكومة اليمنية", [("حكومة اليمنية", "ORG")]),  # S2
        ("دخلت قوات روسية المنطقة", [("روسية", "NORP")]),  # D4: NORP on the adjective
        ("اجتمع مجلس الأمن مساء", [("مجلس الأمن", "ORG")]),
        ("وعقدت اللجنة الدستورية جلستها", [("اللجنة الدستورية", "ORG")]),
        ("وذكرت وكالة نجمة للأنباء", [("وكالة نجمة للأنباء", "ORG")]),
        ("شكّل الطرفان لجنة لمتابعة الملف", []),  # an indefinite body is not a name
        ("مثّل الجمهورية العربية السورية وفد", [("الجمهورية العربية السورية", "GPE")]),
    ],
)
def test_institutions_and_states(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "قال وزير الخارجية الإيراني ماجد سليمان إن",
            [("وزير الخارجية الإيراني", "OCC"), ("ماجد سليمان", "PER")],
        ),
        (
            "وصرّح مساعد وزير الخارجية الروسي للشؤون العربية",
            [("مساعد وزير الخارجية الروسي", "OCC")],  # D1: stops before the preposition
        ),
        (
            "التقى المبعوث الأممي إلى اليمن وفداً",
            [("المبعوث الأممي", "OCC"), ("اليمن", "GPE")],
        ),
        ("وأكد الرئيس كمال ناصر أن", [("الرئيس", "OCC"), ("كمال ناصر", "PER")]),
        ("وحضر سفير فرنسا لدى الأردن", [("سفير فرنسا", "OCC"), ("الأردن", "GPE")]),
        ("وحضر المبعوث الخاص لسوريا", [("المبعوث الخاص", "OCC"), ("سوريا", "GPE")]),
    ],
)
def test_titles_and_the_names_after_them(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a name after برئاسة or a verb of saying, up to a boundary
        ("ووصل الوفد برئاسة كمال ناصر، أمس", [("كمال ناصر", "PER"), ("أمس", "DATE")]),
        ("وقال رامي صالح إن الجولة انتهت", [("رامي صالح", "PER")]),
        ("وأكد رامي صالح رئيس الوفد أن", [("رامي صالح", "PER"), ("رئيس الوفد", "OCC")]),
        # guards: common nouns that say things, pronoun suffixes, no boundary
        ("وقال مصدر مطلع إن الجولة انتهت", []),
        ("وأكدت الأطراف مشاركتها في الجولة", []),
        ("وأكد حضوره، مشيراً إلى", []),
        ("وقال رامي صالح يقرأ البيان", []),
        # a name joined by و to a person found, either side, the و left out (S1)
        (
            "وأعلن أن رامي صالح وفلاديمير بوتين وكمال ناصر، سيجتمعون",
            [("رامي صالح", "PER"), ("فلاديمير بوتين", "PER"), ("كمال ناصر", "PER")],
        ),
        ("التقى بوتين ونظيره في المساء", [("بوتين", "PER")]),
        # D1: the name after a title's preposition phrase naming a place or body
        (
            "ورأس الوفد مندوبها الدائم لدى الأمم المتحدة كمال ناصر",
            [
                ("مندوبها الدائم", "OCC"),
                ("الأمم المتحدة", "ORG"),
                ("كمال ناصر", "PER"),
            ],
        ),
        ("ووصل مندوبها إلى المطار", []),  # a suffixed title needs an adjective
        # باسم begins a preposition phrase: the OCC stops before it (D1)
        (
            "وقال المتحدث باسم الوزارة، رامي صالح، إن",
            [("المتحدث", "OCC"), ("رامي صالح", "PER")],
        ),
        ("وذكر المتحدث قوله إن", [("المتحدث", "OCC")]),
    ],
)
def test_names_after_triggers_and_conjunctions(text, expected):
    assert found(text) == expected


def test_a_person_found_once_is_found_again_by_family_name():
    paragraphs = ["قال الوزير سامر حداد إن الجولة انتهت", "ثم عاد حداد إلى بلاده"]
    first, second = GAZ.find_in_document(paragraphs)
    assert [(paragraphs[0][s.span.start : s.span.end], s.source) for s in first] == [
        ("الوزير", "rule:occ-title"),
        ("سامر حداد", "rule:per-after-title"),
    ]
    assert [(paragraphs[1][s.span.start : s.span.end], s.source) for s in second] == [
        ("حداد", "rule:person-repeat")
    ]


def test_proclitic_before_a_name_with_its_article():
    # "والروسي": و + "الروسي", never وال + a shorter form "روسي"
    assert found("والروسي وصل") == [("الروسي", "NORP")]


_FIXTURE_WORDS = [
    "وصل", "الوفد", "إلى", "بسوريا", "وروسيا", "أستانة8", "مؤتمر", "سيرجي", "لافروف",
    "الكازاخي", "منتصف", "أيار", "شمال", "حلب", "وزير", "الخارجية", "الروسي", "،", "؛",
    "2017", "الخميس", "للحكومة", "اليمنية", "ريف", "الغزير",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_FIXTURE_WORDS), st.sampled_from(["", "\u064e", "\u0640"])),
        max_size=14,
    )
)
def test_suggestions_are_exact_non_overlapping_slices(words):
    """Whatever the words and marks, a suggestion covers characters as written: within
    the text, no space at its edges, never overlapping another."""
    text = " ".join(w[:1] + mark + w[1:] if w else w for w, mark in words)
    previous_end = 0
    for s in GAZ.find(text):
        surface = text[s.span.start : s.span.end]
        assert 0 <= s.span.start < s.span.end <= len(text)
        assert surface == surface.strip() and surface
        assert s.span.start >= previous_end
        previous_end = s.span.end


def test_score_spans_per_source_by_hand():
    predicted = [
        ("d", Span(0, 5, "GPE"), "gazetteer:hand"),
        ("d", Span(6, 9, "PER"), "rule:per-after-title"),
        ("d", Span(10, 14, "DATE"), "rule:date"),
        ("d", Span(20, 24, "DATE"), "rule:date"),
    ]
    expected = [("d", Span(0, 5, "GPE")), ("d", Span(6, 10, "PER")), ("d", Span(10, 14, "DATE"))]
    scores = score_spans(predicted, expected, ["GPE", "PER", "DATE"])
    assert scores["labels"]["ALL"]["correct"] == 2
    assert scores["labels"]["ALL"]["precision"] == pytest.approx(2 / 4)
    assert scores["labels"]["ALL"]["recall"] == pytest.approx(2 / 3)
    assert scores["sources"]["rule:date"]["precision"] == pytest.approx(1 / 2)
    assert scores["sources"]["rule:per-after-title"]["correct"] == 0
    assert scores["sources"]["gazetteer:hand"]["recall"] == pytest.approx(1 / 3)
    assert "variant:nisba" not in scores["sources"]  # a source that made none is not listed


def test_sources_reach_the_suggestions_file_and_the_doccano_upload(tmp_path):
    doc = make_doc("t-2", ["وصل الوفد الكازاخي إلى جسر الشغور"])
    (line,) = preannotate([doc], GAZ)
    assert [s.source for s in line.suggestions] == ["variant:nisba", "gazetteer:geonames"]
    path = tmp_path / "pre.jsonl"
    write_jsonl(path, [line.to_dict()])
    back = read_preannotations(path)
    assert back[("t-2", 0)] == line
    (upload,) = paragraph_examples([doc], back)
    assert upload["suggestion_sources"] == ["variant:nisba", "gazetteer:geonames"]
    assert [e[2] for e in upload["entities"]] == ["NORP", "GPE"]
    (bare,) = paragraph_examples([doc])
    assert "suggestion_sources" not in bare


def test_preannotations_with_sources_of_another_length_are_refused(tmp_path):
    path = tmp_path / "pre.jsonl"
    path.write_text(
        '{"doc_id": "t", "paragraph_index": 0, "entities": [[0, 3, "GPE"]], "sources": []}\n',
        encoding="utf-8",
    )
    with pytest.raises(AstanaError) as caught:
        read_preannotations(path)
    assert caught.value.code == "A304"


def test_generated_entries_load_after_the_hand_written_ones():
    assert GAZ.canonical_id("سوريا", "GPE") == "gpe:syria"  # hand entry, not gpe:cldr:SY
    assert GAZ.canonical_id("البرتغال", "GPE") == "gpe:cldr:PT"
    sources = {e.source for e in GAZ.entries}
    assert sources == {"hand", "cldr", "geonames"}


def _root_with_gazetteer(tmp_path, generated: str | None):
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "gazetteer.yaml").write_text(
        'entries:\n  - {id: "gpe:a", type: GPE, name: "سوريا", aliases: ["سوريا"]}\n',
        encoding="utf-8",
    )
    if generated is not None:
        (tmp_path / "annotations" / "gazetteer.generated.yaml").write_text(
            generated, encoding="utf-8"
        )
    return tmp_path


def test_gazetteer_without_a_generated_file_has_the_hand_entries_only(tmp_path):
    gaz = read_gazetteer(_root_with_gazetteer(tmp_path, None), SCHEMA)
    assert [e.id for e in gaz.entries] == ["gpe:a"]


@pytest.mark.parametrize(
    "generated",
    [
        "cldr: {id: x}\n",  # a section that is not a list
        'cldr:\n  - {id: "gpe:a", type: GPE, name: "س", aliases: ["س"]}\n',  # duplicate id
        'geonames:\n  - {id: "gpe:b", type: CITY, name: "س", aliases: ["س"]}\n',  # bad type
        "- just a list\n",
    ],
)
def test_bad_generated_gazetteer_is_refused(tmp_path, generated):
    with pytest.raises(AstanaError) as caught:
        read_gazetteer(_root_with_gazetteer(tmp_path, generated), SCHEMA)
    assert caught.value.code == "A204"


def test_a_gazetteer_without_a_source_leaves_out_its_suggestions():
    text = "سافر الوفد الكازاخي إلى البرتغال يوم الخميس"
    assert [x[2] for x in found_with_source(text)] == [
        "variant:nisba",
        "gazetteer:cldr",
        "rule:date",
    ]
    without = Gazetteer(GAZ.entries, without={"gazetteer:cldr", "rule:date"})
    # the nisba comes from the CLDR country, so it goes with it
    assert found_with_source(text, without) == []
    with pytest.raises(ValueError):
        Gazetteer(GAZ.entries, without={"rule:unknown"})


def _regex_matches(keys, view):
    """The reference: one regex alternation of the names after the shortest proclitics."""
    from astana_corpus.annotate.preannotate import _alternation
    from astana_corpus.core.arabic import CONTRACTED

    contracted = [k[2:] for k in keys if k.startswith("ال")]
    pattern = re.compile(
        rf"(?<!\w)(?:[وف]??[بلك]??(?:ال)??(?P<name>{_alternation(keys)})"
        rf"|{CONTRACTED}(?P<contracted>{_alternation(contracted)}))(?!\w)"
    )
    for m in pattern.finditer(view):
        group = m.lastgroup
        key = " ".join(m.group(group).split())
        yield m.start(group), m.end(group), ("ال" + key if group == "contracted" else key)


_INDEX_KEYS = ["سوريا", "الروسي", "روسي", "المعارضه", "جنوب سوريا", "وزاره الخارجيه", "ال"]
_INDEX_WORDS = [
    "سوريا", "بسوريا", "والروسي", "روسي", "للمعارضه", "المعارضه", "جنوب", "وزاره",
    "الخارجيه", "فال", "كالروسي", "،", "سوريالي", "  ", "\n",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_INDEX_WORDS), max_size=12))
def test_name_index_finds_what_the_regex_alternation_finds(words):
    from astana_corpus.annotate.preannotate import _NameIndex

    view = " ".join(words)
    assert list(_NameIndex(_INDEX_KEYS).matches(view)) == list(_regex_matches(_INDEX_KEYS, view))
