from hypothesis import given
from hypothesis import strategies as st

from astana_corpus.core.records import Span
from astana_corpus.core.tokens import bio_problems, iob2_tags, tokenize


def texts(text):
    return [t.text for t in tokenize(text)]


def test_extra_rules_split_glued_punctuation_digits_and_hyphens():
    assert texts('لمحادثات "أستانا-7"، على') == [
        "لمحادثات",
        '"',
        "أستانا",
        "-",
        "7",
        '"',
        "،",
        "على",
    ]
    assert texts("اجتماع أستانة8، في") == ["اجتماع", "أستانة", "8", "،", "في"]
    assert texts("العام 2017.") == ["العام", "2017", "."]
    assert texts("الأول/أكتوبر") == ["الأول", "/", "أكتوبر"]
    assert texts("“الرهائن والأسرى”.") == ["“", "الرهائن", "والأسرى", "”", "."]


def test_harakat_and_tatweel_stay_with_their_letter():
    assert texts("موقف روسياً ثابت") == ["موقف", "روسياً", "ثابت"]
    assert texts("يومي الـ 30 توغّل") == ["يومي", "الـ", "30", "توغّل"]


def test_whole_token_convention_for_proclitics():
    text = "وصل الوفد بسوريا وروسيا"
    tokens = tokenize(text)
    spans = [
        Span(text.index("سوريا"), text.index("سوريا") + 5, "GPE"),
        Span(text.index("روسيا"), text.index("روسيا") + 5, "GPE"),
    ]
    tags, conflicts = iob2_tags(tokens, spans)
    assert tags == ["O", "O", "B-GPE", "B-GPE"]  # two adjacent entities: two B-
    assert conflicts == []


def test_multi_token_span_and_conflict():
    text = "زار وزير الخارجية موسكو"
    tokens = tokenize(text)
    occ = Span(text.index("وزير"), text.index("الخارجية") + len("الخارجية"), "OCC")
    tags, _ = iob2_tags(tokens, [occ])
    assert tags == ["O", "B-OCC", "I-OCC", "O"]
    inner = Span(text.index("وزير"), text.index("وزير") + 2, "PER")
    _, conflicts = iob2_tags(tokens, [occ, inner])
    assert len(conflicts) == 1 and conflicts[0].token_index == 1


def test_bio_problems():
    assert bio_problems(["B-X", "I-X", "O"]) == []
    assert bio_problems(["O", "I-X"]) == [(1, "I-X follows O")]
    assert bio_problems(["B-X", "I-Y"]) == [(1, "I-Y follows B-X")]


ALPHABET = "سوريا بالأستانة7-،؛؟.“”()0123 ًّـ\u200c"


@given(st.text(alphabet=ALPHABET, max_size=60))
def test_tokens_are_exact_slices_in_order_and_never_span_whitespace(text):
    tokens = tokenize(text)
    previous = 0
    for t in tokens:
        assert text[t.start : t.end] == t.text
        assert t.start >= previous and t.text.strip() == t.text and t.text
        previous = t.end


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=60), st.data())
def test_tags_never_change_tokenisation_and_are_well_formed(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    tokens = tokenize(text)
    tags, conflicts = iob2_tags(tokens, [Span(start, end, "GPE")])
    assert len(tags) == len(tokens) and conflicts == []
    assert bio_problems(tags) == []
    assert tokenize(text) == tokens
