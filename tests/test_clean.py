"""Cleaning rules for furniture of outlets the seeds do not cover, and trims inside a line.

Every fixture line is written for these tests (no page text is copied). Each class has
several layouts or wordings, and a guard of real article lines of a similar shape.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astana_corpus.core.records import TRIMMED, StageStats
from astana_corpus.ingest.clean import (
    classify_blocks,
    clean_document,
    headline_coverage,
    split_blocks,
    trim_line,
)
from astana_corpus.ingest.sources import ArticleMeta

TITLE = "وفد المعارضة يصل إلى أستانة للمشاركة في الجولة الجديدة"
BODY = [
    "وصل وفد المعارضة السورية صباح اليوم الأحد إلى العاصمة الكازاخية، للمشاركة في جولة "
    "جديدة من المحادثات تستمر يومين.",
    "وقال رئيس الوفد للصحفيين في المطار إن الملف الأول على الطاولة هو ملف المعتقلين "
    "والمفقودين لدى جميع الأطراف.",
    "ومن المنتظر أن تُعقد الجلسة العامة بعد ظهر الغد بحضور ممثلين عن الدول الضامنة والأمم "
    "المتحدة وعدد من المراقبين.",
]
META = ArticleMeta(id="astana-0042", file="x.txt", sha256="0" * 64)


def details(lines: list[str]) -> list[str | None]:
    """The rule that drops each line (the reason, and the rule name for furniture), or None."""
    blocks = split_blocks("\n".join(lines))
    assert len(blocks) == len(lines)
    out: list[str | None] = []
    for d in classify_blocks(blocks):
        if d is None:
            out.append(None)
        elif d[0] == "furniture":
            out.append(d[1].split(":")[0])
        else:
            out.append(d[0])
    return out


def dropped_alone(line: str, rule: str, *, where: str = "end") -> None:
    """``line`` inside an article (after the body, or after the title) is dropped by ``rule``
    and every article line is kept."""
    lines = [TITLE, *BODY, line] if where == "end" else [TITLE, line, *BODY]
    got = details(lines)
    index = lines.index(line)
    assert got[index] == rule, got
    assert [g for i, g in enumerate(got) if i != index] == [None] * (len(lines) - 1)


def kept(lines: list[str]) -> None:
    assert details(lines) == [None] * len(lines)


# ---------------------------------------------------------------- tag list, no heading

TAGS = ["- سوريا", "- روسيا", "- خفض التصعيد", "- أستانة", "- الأمم المتحدة", "- المعتقلين"]


@pytest.mark.parametrize(
    "tags",
    [
        TAGS,
        [t.replace("- ", "• ") for t in TAGS],
        [t.replace("- ", "*") for t in TAGS[:4]],
        ["-سوريا", "-إدلب", "-الهدنة", "-وقف إطلاق النار"],
    ],
)
@pytest.mark.parametrize("where", ["end", "top"])
def test_headless_tag_list_is_dropped(tags, where):
    lines = [*BODY, *tags] if where == "end" else [*tags, TITLE, *BODY]
    got = details(lines)
    dropped = [g for g in got if g is not None]
    assert dropped == ["tag_run"] * len(tags)


def test_announced_list_and_sentence_items_and_short_runs_are_kept():
    # An article's own list: announced by a colon, or with items that are sentences.
    announced = [*BODY[:2], "وتضمن البيان الختامي أربعة بنود رئيسية:"]
    announced += ["- وقف إطلاق النار", "- تبادل المعتقلين", "- إيصال المساعدات", "- عودة النازحين"]
    kept([*announced, BODY[2]])
    sentences = [
        "- تثبيت وقف إطلاق النار في إدلب.",
        "- الإفراج عن المعتقلين.",
        "- فتح المعابر.",
        "- عقد الجولة المقبلة في شباط.",
    ]
    kept([*BODY, *sentences])
    kept([*BODY, "- روسيا", "- تركيا", "- إيران"])  # three lines are no tag list (nor a sign-off)


# ---------------------------------------------------------------- byline


@pytest.mark.parametrize(
    "line",
    [
        "كتب : وكالات",
        "كتبت - سلمى الأحمد",
        "بقلم: محمد العلي",
        "إعداد: قسم الرصد",
        "المصدر: وكالات",
        "المحرر: قسم الأخبار | عدد المشاهدات: 120",
        "كتب وكالات",
    ],
)
def test_byline_is_dropped(line):
    dropped_alone(line, "byline")
    dropped_alone(line, "byline", where="top")


def test_sentences_that_begin_like_a_byline_are_kept():
    kept(
        [
            *BODY,
            "كتب الوزير في تغريدة على حسابه أن الجولة المقبلة ستكون حاسمة.",
            "المصدر نفسه أكد أن الاجتماع تأجل إلى الأسبوع المقبل.",
            "وتحرير المعتقلين أولوية الوفد في هذه الجولة، بحسب المتحدث باسمه.",
        ]
    )


# ---------------------------------------------------------------- comment area


@pytest.mark.parametrize(
    "line",
    [
        "تعليقك",
        "مناقشة",
        "التعليقات",
        "3 تعليقات",
        "أضف تعليقك",
        "لا توجد تعليقات",
        "Sorry Comments are closed",
        "Leave a Reply",
        "Comments",
    ],
)
def test_comment_area_is_dropped(line):
    dropped_alone(line, "comment_area")


@pytest.mark.parametrize(
    "line",
    [
        "ملاحظة: لن يتم نشر عنوان بريدك الإلكتروني.",
        "شكراً لمشاركتك، لن يتم  نشر بريدك مع التعليق",
        "يرجى ملء النموذج، الحقول الإلزامية مشار إليها بنجمة",
        "أرسل رأيك * الحقول المطلوبة عليها علامة",
    ],
)
def test_comment_form_notices_are_dropped_wherever_they_stand_in_the_line(line):
    dropped_alone(line, "comment_form")


def test_sentences_about_comments_and_discussion_are_kept():
    kept(
        [
            *BODY,
            "وقال الوزير إن التعليقات على الاتفاق كانت إيجابية في معظمها.",
            "ودعا إلى مناقشة ملف المعتقلين في الجلسة المقبلة",
        ]
    )


# ---------------------------------------------------------------- dateline


@pytest.mark.parametrize(
    "line",
    [
        "الأحد 14 أيار/مايو 2017",
        "14 مايو 2017",
        "١٤ أيار ٢٠١٧",
        "2017-05-14",
        "14.05.2017 | 09:30",
        "05:07 صباحاً",
        "الثلاثاء، 3 تشرين الأول (أكتوبر) 2017 - 10:15",
        "نشر في: 12 كانون الثاني 2018",
        "آخر تحديث: الجمعة 2 شباط 2018 - 18:40 بتوقيت غرينتش",
        "موسكو - سبوتنيك",
        "عواصم - «الوطن»، وكالات",
        "أنقرة/ الأناضول",
    ],
)
def test_standalone_dateline_is_dropped(line):
    dropped_alone(line, "dateline", where="top")


def test_sentences_with_dates_and_places_are_kept():
    kept(
        [
            TITLE,
            "أستانا 7",
            "موسكو - أنقرة",
            "الأحد 14 أيار موعد الجولة المقبلة من المحادثات",
            *BODY,
            "وفي 4 أيار، وقعت الدول الضامنة مذكرة لإقامة مناطق خفض التصعيد.",
        ]
    )


# ---------------------------------------------------------------- photo credit


@pytest.mark.parametrize(
    "line",
    [
        "رويترز",
        "(أ ف ب)",
        "أ.ف.ب",
        "AFP",
        "صورة: الأناضول",
        "(رويترز) أرشيف",
        "أرشيفية",
        "Getty Images",
        "صورة من مواقع التواصل",
        "رويترز/ سامر خالد",
    ],
)
def test_photo_credit_is_dropped(line):
    dropped_alone(line, "photo_credit", where="top")


def test_lines_naming_an_agency_are_kept():
    kept(
        [
            TITLE,
            "وقالت وكالة رويترز إن الوفد غادر الفندق متوجهاً إلى قاعة الاجتماعات.",
            *BODY,
            "«رويترز تكشف تفاصيل الاتفاق»",
        ]
    )


# ---------------------------------------------------------------- related headline


@pytest.mark.parametrize(
    "headline",
    [
        "روسيا تعلن موعد الجولة المقبلة من محادثات جنيف",
        "قصف على ريف حماة الشمالي يوقع ضحايا مدنيين (فيديو)",
        "الأمم المتحدة: قافلة مساعدات تدخل الغوطة الشرقية",
    ],
)
def test_related_headline_between_body_paragraphs_is_dropped(headline):
    lines = [TITLE, BODY[0], headline, *BODY[1:]]
    assert details(lines) == [None, None, "related_headline", None, None]


def test_headline_shapes_of_the_article_itself_are_kept():
    # The title and a one-line lede without a full stop, before the body.
    kept(["المعارضة تصل إلى أستانة", "جولة جديدة من المحادثات تبدأ غداً بحضور الضامنين", *BODY])
    # A short subheading, and a cross-head whose words the next paragraph repeats.
    kept([TITLE, BODY[0], "ملف المعتقلين", *BODY[1:]])
    kept([TITLE, BODY[0], "رئيس الوفد يتحدث عن ملف المعتقلين والمفقودين", *BODY[1:]])
    # A quoted statement, and a sentence ending in a colon that introduces the next one.
    kept([TITLE, BODY[0], "«لن نقبل بأي حل يقسم البلاد أو يفرض علينا»", *BODY[1:]])
    kept([TITLE, BODY[0], "وأضاف رئيس الوفد في كلمته أمام الصحفيين:", *BODY[1:]])


def test_headline_coverage_counts_repeated_content_words():
    assert headline_coverage("رئيس الوفد يتحدث عن ملف المعتقلين", BODY[1]) >= 0.75
    assert headline_coverage("روسيا تعلن موعد الجولة المقبلة من محادثات جنيف", BODY[1]) < 0.5


# ---------------------------------------------------------------- other page furniture


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("قراءة دقيقتين", "page_meta"),
        ("3 دقائق قراءة", "page_meta"),
        ("عدد المشاهدات: 408", "page_meta"),
        ("حجم الخط", "page_meta"),
        ("تابعونا على تلغرام", "follow_us"),
        ("تابعوا الموقع على جوجل نيوز", "follow_us"),
        ("الأخبار العربية", "section_label"),
        ("البث المباشر", "section_label"),
        ("    -", "no_letters"),
        ("* * *", "no_letters"),
        ("RELATED NEWS", "latin_label"),
    ],
)
def test_page_furniture_is_dropped(line, rule):
    dropped_alone(line.strip(), rule, where="top")


def test_masthead_and_the_names_under_it_are_dropped():
    lines = ["رئيس التحرير", "سامي عبد الله", "رئيس مجلس الإدارة: نادر حسن", TITLE, *BODY]
    assert details(lines) == ["masthead", "masthead_name", "masthead"] + [None] * 4


def test_sign_off_after_the_last_paragraph_is_dropped_but_a_closing_sentence_is_kept():
    assert details([TITLE, *BODY, "المركز الإعلامي"]) == [None] * 4 + ["sign_off"]
    kept([TITLE, *BODY, "وانتهى اللقاء."])
    kept([TITLE, BODY[0], "ستيفان دي ميستورا", *BODY[1:]])  # a short line inside the body


def test_follow_sentence_naming_a_platform_is_kept():
    kept(
        [
            *BODY,
            "وتابع الوزير حديثه على تويتر قائلاً إن الجولة المقبلة ستعقد في شباط.",
            "تابعوا معنا على تويتر وقائع الجلسة الافتتاحية، التي تبدأ بعد قليل بحضور الوفود",
        ]
    )


# ---------------------------------------------------------------- trims inside a line

REST = "وصل الوفد الحكومي إلى العاصمة الكازاخية اليوم للمشاركة في الجولة الجديدة."


@pytest.mark.parametrize(
    "prefix",
    [
        "أستانة - سانا: ",
        "أستانا- سبوتنيك. ",
        "دمشق (رويترز) - ",
        "موسكو 14 أيار/مايو 2017 (شينخوا) / ",
        "دمشق 17 يناير 2017 /",
        "بيروت - «المدينة»: ",
        "عواصم - وكالات: ",
        "أنقرة/ الأناضول/ ",
    ],
)
def test_dateline_prefix_is_trimmed(prefix):
    line = prefix + REST
    start, end, trims = trim_line(line, first_body=True)
    assert line[start:end] == REST
    assert [(line[t.start : t.end], t.rule) for t in trims] == [(prefix.strip(), "dateline_prefix")]


@pytest.mark.parametrize("mark", [" /انتهى/", " /انتهى/.", " (انتهى)", " -انتهى-", " انتهى"])
def test_end_mark_is_trimmed(mark):
    line = REST + mark
    start, end, trims = trim_line(line)
    assert line[start:end] == REST
    assert [(line[t.start : t.end], t.rule) for t in trims] == [(mark.strip(), "end_mark")]


def test_outlet_prefix_is_trimmed_in_the_first_body_paragraph_only():
    line = "صوت الشام- " + REST
    start, end, trims = trim_line(line, first_body=True)
    assert line[start:end] == REST
    assert [t.rule for t in trims] == ["outlet_prefix"]
    assert trim_line(line) == (0, len(line), [])


@pytest.mark.parametrize(
    "line",
    [
        "دمشق تستضيف الأسبوع المقبل اجتماعاً للجنة المصالحة الوطنية بحضور ممثلي المحافظات.",
        "ونقلت وكالة سانا عن مصدر في الخارجية أن الوفد سيغادر مساء اليوم إلى أستانة.",
        "ذكرت وكالة (تاس) أن الوفد الروسي وصل إلى العاصمة الكازاخية صباح اليوم.",
        "وقال المتحدث إن الاجتماع الذي بدأ صباحاً انتهى.",
        "محادثات أستانا-7 انتهت دون اتفاق جديد بين الأطراف المشاركة فيها.",
        "المحادثات الروسية-التركية في أنقرة انتهت مساء أمس دون بيان ختامي مشترك.",
        "روسيا: لا بديل عن مسار أستانة في الوقت الحاضر.",
        "أستانة - سانا: وصل الوفد.",  # what is left would be no sentence
    ],
)
def test_body_lines_of_similar_shape_are_not_trimmed(line):
    assert trim_line(line, first_body=True) == (0, len(line), [])


def test_trimmed_document_keeps_exact_offsets_and_reports_the_cut():
    raw = "\r\n".join(
        [
            TITLE,
            "14 مايو 2017",
            "أستانة - سانا: " + BODY[0],
            BODY[1],
            "- " + BODY[2] + " /انتهى/",
            "كتب : وكالات",
        ]
    )
    doc = clean_document(META, raw, source_format="txt", source_kind="utf-8")
    assert [doc.paragraph_text(i) for i in range(len(doc.paragraphs))] == [
        TITLE,
        BODY[0],
        BODY[1],
        "- " + BODY[2],
    ]
    for p in doc.paragraphs:
        assert raw[p.raw_start : p.raw_end] == doc.text[p.start : p.end]
    cuts = [(raw[d.raw_start : d.raw_end], d.detail.split(":")[0]) for d in doc.provenance.dropped]
    assert cuts == [
        ("14 مايو 2017", "dateline"),
        ("أستانة - سانا:", "dateline_prefix"),
        ("/انتهى/", "end_mark"),
        ("كتب : وكالات", "byline"),
    ]
    assert [d.reason for d in doc.provenance.dropped] == [
        "furniture",
        TRIMMED,
        TRIMMED,
        "furniture",
    ]
    stats = StageStats()
    stats.add(doc)
    assert stats.to_dict() == {
        "documents": 1,
        "paragraphs_seen": 6,
        "paragraphs_kept": 4,
        "dropped": {"furniture": 2},
        "parts_trimmed": 2,
    }


LINES = [
    TITLE,
    *BODY,
    "أستانة - سانا: " + BODY[1],
    BODY[2] + " /انتهى/",
    "رويترز",
    "- سوريا",
    "- روسيا",
    "كتب : وكالات",
    "تعليقك",
    "14 مايو 2017",
    "روسيا تعلن موعد الجولة المقبلة من محادثات جنيف",
    "صوت الشام- " + BODY[0],
]


@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=14), st.sampled_from(["\n", "\r\n"]))
def test_kept_and_dropped_parts_are_exact_slices_that_do_not_overlap(lines, newline):
    raw = newline.join([BODY[0], *lines])
    doc = clean_document(META, raw, source_format="txt", source_kind="utf-8")
    spans = [(p.raw_start, p.raw_end) for p in doc.paragraphs]
    spans += [(d.raw_start, d.raw_end) for d in doc.provenance.dropped]
    for p in doc.paragraphs:
        assert raw[p.raw_start : p.raw_end] == doc.text[p.start : p.end]
    for d in doc.provenance.dropped:
        assert raw[d.raw_start : d.raw_end] == raw[d.raw_start : d.raw_end].strip() != ""
    spans.sort()
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


# ---------------------------------------------------------------- unseen-outlet furniture
# Shapes first met on a second dev set of other outlets; the fixtures are written anew.


@pytest.mark.parametrize(
    "line",
    [
        "15.03.2019 | 10:20 حلب",
        "العدد 57 - 2/5/2020",
        "(رويترز) عاجل ● الخميس 7 آذار 2019",
        "حمص 2020/1/9",
        "آخر تحديث GMT14:05:11",
    ],
)
def test_date_line_with_one_label_word_is_dropped(line):
    dropped_alone(line, "dateline", where="top")
    dropped_alone(line, "dateline")


def test_schedule_items_and_dated_sentences_are_kept():
    kept(
        [
            TITLE,
            *BODY,
            "10:00 افتتاح الجلسة",
            "افتتاح الجلسة العامة 2/5/2020",
            "وفي 2/5/2020 وقعت الأطراف الاتفاق",
        ]
    )


@pytest.mark.parametrize(
    "line",
    [
        "جانب من الجلسة الافتتاحية للمحادثات - أرشيف",
        "وفود الدول الضامنة في قاعة الاجتماعات (أ ف ب)",
        "لاجئون على الحدود الشمالية | صورة أرشيفية",
    ],
)
def test_caption_ending_in_its_credit_is_dropped(line):
    dropped_alone(line, "caption_credit", where="top")
    dropped_alone(line, "caption_credit")


def test_sentences_ending_in_an_agency_or_archive_are_kept():
    kept(
        [
            TITLE,
            *BODY,
            "وأكد الوفد التزامه بالاتفاق حتى نهاية العام (رويترز).",
            "وقال المتحدث إن الوثائق نقلت إلى مبنى آخر - أرشيف الوزارة. ",
        ]
    )


@pytest.mark.parametrize("line", ["صوت المدينة - تقرير", "خاص - موقع الحدث", "قسم الرصد | متابعة"])
def test_outlet_with_the_kind_of_piece_is_dropped(line):
    dropped_alone(line, "report_label", where="top")


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("IMG_20190312_0931.jpg", "latin_label"),
        ("4471_ab12cd-77e1_800x450", "latin_label"),
        ("التغطية المباشرة", "section_label"),
    ],
)
def test_file_names_and_live_coverage_labels_are_dropped(line, rule):
    dropped_alone(line, rule, where="top")


def test_lines_with_latin_names_inside_are_kept():
    kept([TITLE, *BODY, "وقال موقع BBC إن الوفد وصل صباح اليوم إلى العاصمة."])


MENU = ["• محليات", "مدن قرى أحياء", "• رياضة", "كرة قدم سلة", "• ثقافة", "كتب مسرح سينما"]
MENU += ["• آراء", "أعمدة مقالات رسوم"]


@pytest.mark.parametrize("menu", [MENU, [m.replace("• ", "- ") for m in MENU], MENU[:-1]])
def test_bullet_menu_with_sub_entries_is_dropped_above_and_below_the_article(menu):
    lines = [*menu, TITLE, *BODY]
    assert details(lines) == ["menu"] * len(menu) + [None] * 4
    lines = [TITLE, *BODY, *menu]
    assert details(lines) == [None] * 4 + ["menu"] * len(menu)


def test_lists_inside_the_article_and_a_title_after_a_menu_are_kept():
    items = ["- البند الأول", "وقف النار في كل المناطق", "- البند الثاني", "تبادل المعتقلين"]
    items += ["- البند الثالث", "عودة النازحين", "- البند الرابع", "فتح المعابر"]
    kept([TITLE, BODY[0], *items, *BODY[1:]])
    # The last line above the body is the title, never a line of sub-entries.
    assert details([*MENU[:-1], TITLE, *BODY]) == ["menu"] * 7 + [None] * 4


@pytest.mark.parametrize(
    ("line", "rule", "under_title"),
    [
        ("شؤون عربية", "head_label", False),
        ("سياسة", "head_label", False),
        ("• منوعات |", "head_label", True),
        ("ملفات -", "head_label", True),
        ("الرئيسية » عربي ودولي", "breadcrumb", True),
        ("سياسة / الشرق الأوسط", "breadcrumb", True),
        ("صوت الحي (سامر العلي)", "outlet_writer", True),
        ("تلفزيون الساحل", "outlet_name", True),
        ("صحيفة الغد الجديد", "outlet_name", True),
    ],
)
@pytest.mark.parametrize("where", ["above the title", "under the title"])
def test_labels_above_the_article_are_dropped(line, rule, under_title, where):
    lines = [line, TITLE, *BODY] if where == "above the title" else [TITLE, line, *BODY]
    index = lines.index(line)
    got = details(lines)
    # A bare label of one or two words under the title may be a heading of the article.
    assert got[index] == (rule if where == "above the title" or under_title else None)
    assert [g for i, g in enumerate(got) if i != index] == [None] * 4


def test_place_and_outlet_right_above_the_body_are_dropped():
    for line in ["حلب- صوت المدينة", "حمص - نبض الشارع"]:
        assert details([TITLE, line, *BODY]) == [None, "dateline", None, None, None]
    assert details(["صوت الحي (سامر العلي)", *BODY])[0] == "outlet_writer"  # no title needed
    assert details([*BODY, "صوت الحي (سامر العلي)"])[-1] == "outlet_writer"


def test_short_titles_subtitles_and_subheadings_are_kept():
    kept(["قمة أستانة", *BODY])  # a title of two words is the only head line
    kept([TITLE, "وزارة الخارجية الروسية", *BODY])  # three words: a subtitle or a caption
    kept([TITLE, "الجلسة الأولى", *BODY])  # a heading of the article above its first paragraph
    kept([TITLE, "موقع الانفجار", *BODY])
    kept(["موسكو - أنقرة", *BODY])  # first line of the page
    kept([TITLE, "أستانا 8", *BODY])
    kept([TITLE, BODY[0], "سياسة / اقتصاد", *BODY[1:]])  # not above the article
    kept([TITLE, BODY[0], "المرحلة الثانية (التنفيذ)", *BODY[1:]])
    kept([TITLE, BODY[0], "خطوة صغيرة نحو حل شامل", *BODY[1:]])  # five words: a subheading


@pytest.mark.parametrize(
    "copy", ["صوت المدينة - " + TITLE, TITLE + " | صوت المدينة", "نبض الشارع: " + TITLE]
)
def test_title_copy_with_an_outlet_label_is_a_duplicate(copy):
    assert details([TITLE, copy, *BODY]) == [None, "duplicate_paragraph", None, None, None]
    assert details([copy, TITLE, *BODY]) == ["duplicate_paragraph", None, None, None, None]


def test_a_label_before_a_short_line_is_no_copy():
    kept(["روسيا - تركيا", "تركيا", *BODY])


@pytest.mark.parametrize(
    "headline",
    [
        "موسكو تستضيف جولة جديدة من الحوار السوري الشهر المقبل",
        "اللجنة الدستورية تعقد اجتماعها الأول في جنيف",
    ],
)
def test_headline_after_the_last_paragraph_is_dropped(headline):
    assert details([TITLE, *BODY, headline]) == [None] * 4 + ["related_headline"]


@pytest.mark.parametrize(
    "last",
    [
        "وأضاف المتحدث أن الوفود ستبحث ملف المعتقلين في",  # an excerpt cut mid-sentence
        "سيشارك وفد أممي في الجلسة الختامية إلى جانب",
        "فرنسا ترحب بالاتفاق وتدعو إلى تثبيته في كل",
        "ونقلت وكالة الأنب",  # starts with a reporting verb: no sign-off
        "الوفود المشاركة في الجولة ستبحث، وفق البيان",
    ],
)
def test_truncated_last_line_of_an_excerpt_is_kept(last):
    kept([TITLE, *BODY, last])


def test_long_line_cut_before_its_full_stop_still_anchors_the_article():
    cut = " ".join(BODY[1].split()[:-1] + BODY[2].split()[:8])  # 20+ words, no full stop
    # The subheading before it stays between body text; a headline after it is dropped.
    kept([TITLE, BODY[0], "ملف المعتقلين أولاً في جدول أعمال الجولة", cut])
    got = details([TITLE, BODY[0], cut, "روسيا تعلن موعد الجولة المقبلة من محادثات جنيف"])
    assert got == [None, None, None, "related_headline"]


@pytest.mark.parametrize(
    "prefix", ["حلب، 12-3-2019 - ", "موسكو, 3.9.2018: ", "حمص 2019/3/12 (سانا) - "]
)
def test_dateline_prefix_with_a_numeric_date_is_trimmed(prefix):
    line = prefix + REST
    start, end, trims = trim_line(line, first_body=True)
    assert line[start:end] == REST
    assert [(line[t.start : t.end], t.rule) for t in trims] == [(prefix.strip(), "dateline_prefix")]


@pytest.mark.parametrize("prefix", ["وكالات - صوت المدينة ", "دمشق - الوطن "])
def test_source_and_outlet_before_a_reporting_verb_are_trimmed_in_the_first_paragraph(prefix):
    rest = "وقال المتحدث باسم الوفد إن الجولة الجديدة تبدأ غداً بحضور الضامنين."
    line = prefix + rest
    start, end, trims = trim_line(line, first_body=True)
    assert line[start:end] == rest
    assert [(line[t.start : t.end], t.rule) for t in trims] == [(prefix.strip(), "source_prefix")]
    assert trim_line(line)[:2] == (0, len(line))


@pytest.mark.parametrize("bar", [" |", "  ||", " ¦ "])
def test_bar_left_at_the_end_is_trimmed(bar):
    line = REST + bar
    start, end, trims = trim_line(line.rstrip())
    assert line[start:end] == REST
    assert [t.rule for t in trims] == ["end_bar"]


@pytest.mark.parametrize(
    "line",
    [
        "دمشق، 12 مدينة سورية شهدت احتجاجات اليوم بحسب ناشطين في المنطقة.",
        "الخيار الأول | الخيار الثاني كانا على طاولة الوفود المشاركة اليوم.",
        "ما زلنا في البداية |",  # what is left would be no sentence
        "روسيا - تركيا وقالت مصادر إن الوفدين التقيا في الفندق.",  # not the first paragraph
    ],
)
def test_body_lines_like_the_new_trims_are_not_trimmed(line):
    assert trim_line(line) == (0, len(line), [])


# ---------------------------------------------------------------- quotes, lists, labels

SPEAKER_QUOTES = [
    'وقال لافروف: "موسكو تدعم الحل السياسي في سوريا"',
    "وأكدت المتحدثة باسم الخارجية: «لا تراجع عن وقف إطلاق النار»",
    "فأضاف الجعفري: (لن نوقّع على أي وثيقة قبل الجلسة العامة)",
    "وصرّح رئيس الوفد: “الجولة المقبلة حاسمة”",
    "وشدّدوا: «سنعود إلى الطاولة»",
    "دي ميستورا: «المفاوضات شاقة»",
    "وأوضحت: (نحن هنا للاستماع)",
]


@pytest.mark.parametrize("line", SPEAKER_QUOTES)
def test_speaker_and_quote_between_body_paragraphs_are_kept(line):
    kept([TITLE, BODY[0], line, *BODY[1:]])


@pytest.mark.parametrize(
    "line",
    [
        "وقال المبعوث الأممي: «إن الهدنة صامدة» مشيراً إلى أن الجولة المقبلة ستعقد بعد شهر.",
        "دي ميستورا: «المحادثات شاقة» لكنه أكد أن الوفود ستواصل العمل على الورقة المشتركة.",
        "لافروف: «سنواصل دعم دمشق» وأضاف أن موسكو تنتظر رداً من الجانب التركي قريباً.",
        "وأوضحت الخارجية: (لا موعد نهائياً بعد) في انتظار مشاورات الدول الضامنة الثلاث.",
        'أردوغان: "الحل سياسي"، داعياً الأطراف إلى الالتزام بالهدنة في جميع المناطق.',
        "وأعلنوا - «لن نغادر القاعة» - أنهم باقون حتى صدور البيان الختامي للجولة.",
    ],
)
def test_speaker_and_quote_opening_a_line_are_no_dateline(line):
    assert trim_line(line, first_body=True) == (0, len(line), [])
    assert trim_line(line) == (0, len(line), [])


@pytest.mark.parametrize(
    "prefix", ["الدوحة - «الجزيرة نت»: ", "لندن - «الشرق الأوسط»: ", "عواصم - «الخليج»، وكالات: "]
)
def test_dateline_with_an_outlet_in_quotes_is_still_trimmed(prefix):
    line = prefix + REST
    start, end, trims = trim_line(line, first_body=True)
    assert line[start:end] == REST
    assert [t.rule for t in trims] == ["dateline_prefix"]
    dropped_alone(prefix.strip(" :"), "dateline", where="top")


def test_dateline_prefix_is_trimmed_in_the_opening_paragraphs_only():
    lede = "أعلنت وزارة الخارجية الكازاخية وصول الوفود المشاركة في الجولة الجديدة من المحادثات"
    prefix = "أستانة - سانا: "
    # Under a lede (a long line without a full stop) the dateline still opens the article.
    doc = clean_document(
        META,
        "\n".join([TITLE, lede, prefix + BODY[0], BODY[1]]),
        source_format="txt",
        source_kind="utf-8",
    )
    assert doc.paragraph_text(2) == BODY[0]
    # Further down, the same shape is the article's own text and stays whole.
    raw = "\n".join([TITLE, BODY[0], BODY[1], prefix + BODY[2]])
    doc = clean_document(META, raw, source_format="txt", source_kind="utf-8")
    assert doc.paragraph_text(3) == prefix + BODY[2]
    assert not [d for d in doc.provenance.dropped if d.reason == TRIMMED]


ITEMS = ["- الصين", "- العراق", "- الأمم المتحدة", "- لبنان", "- الاتحاد الأوروبي"]


@pytest.mark.parametrize(
    "lead_in",
    [
        "وتضم قائمة الدول المشاركة بصفة مراقب",
        "ومن أبرز الأطراف التي حضرت الجلسة الافتتاحية",
        "فيما يلي أسماء الوفود المدعوة",
        "وشارك في الاجتماع ممثلون عن",
        "والمراقبون هم",
        "البنود الأربعة المتفق عليها هي",
    ],
)
def test_bullet_list_announced_without_a_colon_is_kept(lead_in):
    kept([TITLE, BODY[0], lead_in, *ITEMS[:4], *BODY[1:]])
    kept([TITLE, BODY[0], lead_in, *ITEMS, *BODY[1:]])


def test_tag_runs_outside_the_article_are_still_dropped_under_a_title_or_headline():
    got = details([TITLE, *TAGS[:4], *BODY])
    assert got == [None] + ["tag_run"] * 4 + [None] * 3
    related = "روسيا تعلن موعد الجولة المقبلة من محادثات جنيف"
    got = details([TITLE, *BODY, related, *TAGS[:4]])
    assert got == [None] * 4 + ["related_headline"] + ["tag_run"] * 4


def test_no_related_headline_next_to_a_line_dropped_by_its_context():
    headline = "روسيا تعلن موعد الجولة المقبلة من محادثات جنيف"
    got = details([TITLE, BODY[0], *TAGS[:4], headline, *BODY[1:]])
    assert got == [None, None] + ["tag_run"] * 4 + [None] * 3


@pytest.mark.parametrize(
    "line",
    [
        "أخبار سارة للنازحين",
        "أخبار سارة للسوريين",
        "أخبار عن موعد الجولة",
        "أخبار تبشر بالحل",
        "الأخبار الواردة من أستانة",
        "أخبار لا تسر المعارضة",
    ],
)
def test_headlines_that_begin_with_news_are_kept(line):
    kept([line, *BODY])
    kept([TITLE, BODY[0], line, *BODY[1:]])


@pytest.mark.parametrize("line", ["أخبار سوريا", "الأخبار الدولية", "أخبار العالم العربي"])
def test_news_section_labels_are_still_dropped(line):
    dropped_alone(line, "section_label", where="top")


@pytest.mark.parametrize(
    "line",
    [
        "متابعة: وفد المعارضة يصل إلى أستانة",
        "متابعة: الوفود تبدأ جلساتها المغلقة اليوم",
        "ترجمة - المعارضة ترفض الورقة الروسية الجديدة",
        "كتب: الوزير على حسابه أن الجولة حاسمة",
        "المصدر: لا اتفاق قبل نهاية الجولة",
    ],
)
def test_headlines_after_a_byline_label_are_kept(line):
    kept([line, *BODY])
    kept([TITLE, *BODY, line])


@pytest.mark.parametrize(
    "line",
    [
        "متابعة: قسم الرصد",
        "ترجمة - سلمى الأحمد",
        "المحرر: قناة الغد الفضائية الإخبارية | عدد المشاهدات: 51",
        "مراسلنا: عبد الرحمن بن خالد العلي",
    ],
)
def test_bylines_with_names_of_several_words_are_still_dropped(line):
    dropped_alone(line, "byline", where="top")
