import pytest

from astana_corpus.spans import boundary_problem, proclitic_prefix, token_bounds


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
    assert token_bounds(text, start) == (start, start + len("روسياً"))
