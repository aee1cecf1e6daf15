from hypothesis import given
from hypothesis import strategies as st

from astana_corpus.core.arabic import fold_char, normalize, normalize_with_map

ARABIC = st.text(alphabet="أإآاىيةهؤئوبسـًٌٍَُِّْ\u200c\u200d ٠١٢٣abcDEF،؛؟", max_size=40)


def test_spelling_variants_share_one_matching_form():
    assert normalize("أستانة") == normalize("استانه") == normalize("أسـتانَة")
    assert normalize("آستانا") == normalize("أستانا")
    assert normalize("دي ميستورا") == normalize("دي مي\u200cستورا")
    assert normalize("٢٠١٧") == "2017"


@given(ARABIC)
def test_map_points_at_the_character_each_view_char_came_from(text):
    view = normalize_with_map(text)
    assert view.text == normalize(text)
    assert len(view.index_map) == len(view.text)
    assert list(view.index_map) == sorted(view.index_map)
    for i, char in enumerate(view.text):
        assert char in normalize(text[view.index_map[i]])


@given(ARABIC, st.data())
def test_original_span_covers_exactly_the_matched_characters(text, data):
    view = normalize_with_map(text)
    if not view.text:
        return
    start = data.draw(st.integers(0, len(view.text) - 1))
    end = data.draw(st.integers(start + 1, len(view.text)))
    o_start, o_end = view.original_span(start, end)
    assert normalize(text[o_start:o_end]) == view.text[start:end]


WIDE = st.text(alphabet="أإآاىيةهؤئوبسـًٌٍَُِّْ\u200c\u200d\u200f ٠١٢٣۴abcDEFßİΣςﬁ،؛؟", max_size=40)


@given(WIDE)
def test_fast_view_equals_folding_each_character(text):
    # normalize and normalize_with_map take a table-driven fast path; it must give the
    # view and map that folding one character at a time gives, even when a deletion and
    # a character that folds into two ("ß" → "ss") leave the length unchanged.
    chars, index_map = [], []
    for offset, char in enumerate(text):
        for piece in fold_char(char):
            chars.append(piece)
            index_map.append(offset)
    view = normalize_with_map(text)
    assert normalize(text) == view.text == "".join(chars)
    assert list(view.index_map) == index_map


def test_every_pair_of_table_characters_folds_as_the_table_folds_it():
    # The replacement path and the table, on each folded or deleted character next to
    # each other one and to each fold's result (a result that were itself folded would
    # make the order of the replacements matter).
    from astana_corpus.core import arabic

    table = arabic._FOLD_TABLE
    chars = sorted({chr(c) for c in table} | {v for v in table.values() if v})
    for first in chars:
        for second in chars:
            pair = first + second + "ب"
            assert arabic._fold(pair) == pair.translate(table), pair
    assert not {folded for _, folded in arabic._COMMON_FOLDS} & {chr(c) for c in table}


# Only letters the replacement path folds (and letters nothing folds): no text drawn from
# it goes to the table.
EVERYDAY = st.text(alphabet="أإآاىيةهؤئوبسلمن abc،.", max_size=60)


@given(EVERYDAY)
def test_the_everyday_letters_fold_as_the_table_folds_them(text):
    assert normalize(text) == "".join(fold_char(c) for c in text)
    assert normalize_with_map(text).text == normalize(text)
