import pytest

from astana_corpus.core.spans import boundary_problem, proclitic_prefix, token_at
from astana_corpus.core.tokens import tokenize


@pytest.mark.parametrize(
    ("text", "surface", "prefix"),
    [
        ("وصل بسوريا", "سوريا", "ب"),
        ("قال وروسيا", "روسيا", "و"),
        ("عاد لأستانة", "أستانة", "ل"),
        ("في والغوطة الشرقية", "الغوطة الشرقية", "و"),
        ("دعم للمعارضة المسلحة", "معارضة المسلحة", "لل"),
        ("فبالغوطة", "غوطة", "فبال"),
        ("في سوريا", "سوريا", ""),
    ],
)
def test_spans_after_proclitics_are_fine(text, surface, prefix):
    start = text.index(surface)
    assert proclitic_prefix(text, start) == prefix
    assert boundary_problem(text, start, start + len(surface)) is None


@pytest.mark.parametrize(
    ("text", "start", "end", "needle"),
    [
        ("وصل بسوريا", len("وصل بس"), len("وصل بسوريا"), "not a proclitic sequence"),
        ("سورياليون", 0, len("سوريا"), "ends inside the token"),
        ("في سوريا،", len("في "), len("في سوريا،"), "whitespace or punctuation"),
        ("في سوريا", len("في"), len("في سوريا"), "whitespace or punctuation"),
        ("نص", 1, 1, "empty or outside"),
    ],
)
def test_misaligned_spans_are_named(text, start, end, needle):
    problem = boundary_problem(text, start, end)
    assert problem is not None and needle in problem


def test_trailing_harakat_may_stay_outside_and_tokens_include_marks():
    text = "موقف روسياً ثابت"
    start = text.index("روسيا")
    assert boundary_problem(text, start, start + len("روسيا")) is None
    token = token_at(tokenize(text), start)
    assert token is not None and (token.start, token.end) == (start, start + len("روسياً"))


def test_a_name_glued_to_a_round_number_ends_at_a_token_end():
    """One definition of a token: the tokenizer splits "أستانة7", so "أستانة" is whole."""
    text = "في أستانة7 اليوم"
    start = text.index("أستانة")
    assert boundary_problem(text, start, start + len("أستانة")) is None
    assert boundary_problem(text, start, start + len("أستانة7")) is None
    assert "ends inside the token" in boundary_problem(text, start, start + len("أستان"))
