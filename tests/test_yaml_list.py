"""iter_yaml_list: the items of a top-level list, one at a time, equal to yaml.load's."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from astana_corpus.core.errors import AstanaError
from astana_corpus.core.yaml_list import NoYamlList, iter_yaml_list

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.dates(),
    st.sampled_from(["null", "yes", "no", "1e3", "2019-01-23", "0x1f", "~", "-", "&a", "*"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
entries = st.dictionaries(st.sampled_from(["id", "file", "url", "published", "x"]), values)


def _items(tmp_path, text):
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    return list(iter_yaml_list(path, "articles", hint="h"))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(entries, max_size=6),
    st.dictionaries(st.sampled_from(["before", "z"]), values, max_size=2),
    st.booleans(),
    st.booleans(),
)
def test_items_equal_yaml_load(tmp_path_factory, articles, others, shared, flow):
    if shared and articles:  # the same object twice: safe_dump writes an anchor and an alias
        articles = [*articles, articles[0]]
    text = yaml.safe_dump(
        {**others, "articles": articles}, allow_unicode=True, default_flow_style=flow
    )
    expected = yaml.load(text, Loader=LOADER)["articles"]
    assert _items(tmp_path_factory.mktemp("y"), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # anchors, aliases and a merge key across entries
        "articles:\n- &e {id: a, n: 1}\n- <<: *e\n  id: b\n- *e\n",
        # the whole list behind an anchor, used again
        "first: &l [1, 2]\narticles: *l\n",
        "articles: &l\n- 1\n- 2\nagain: *l\n",
        # tags, quoting, block scalars, dates
        "articles: !!seq\n- !!str 2019-01-23\n- '2019-01-23'\n- 2019-01-23\n- |\n  two\n  lines\n",
        "# comment\narticles:\n- id: x  # trailing\n  url: null\n...\n",
        "articles: []\n",
    ],
)
def test_hand_written_documents_equal_yaml_load(tmp_path, text):
    assert _items(tmp_path, text) == yaml.load(text, Loader=LOADER)["articles"]


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "- 1\n- 2\n", "just text\n", "other: [1]\n", "articles: 3\n"],
)
def test_no_top_level_list_raises_no_yaml_list(tmp_path, text):
    with pytest.raises(NoYamlList):
        _items(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("articles:\n- [1, 2\n", "expected"),
        ("articles:\n- *nowhere\n", "undefined alias"),
        ("articles: [1]\n---\nother: 2\n", "single document"),
        ("articles: [1]\narticles: [2]\n", "twice at the top level"),
        ("articles:\n- published: 2017-13-45\n", "month"),
        ("articles: !custom [1]\n", "custom"),
        ("!custom\narticles: [1]\n", "custom"),
        ("z: !custom 1\narticles: [1]\n", "custom"),
    ],
)
def test_invalid_yaml_is_a202_naming_the_file(tmp_path, text, detail):
    with pytest.raises(AstanaError) as caught:
        _items(tmp_path, text)
    assert caught.value.code == "A202"
    assert "a.yaml" in str(caught.value) and detail in str(caught.value)
    if "twice" not in detail:  # load keeps the last of two lists; it refuses the others
        with pytest.raises((yaml.YAMLError, ValueError)):
            yaml.load(text, Loader=LOADER)


def test_missing_and_non_utf8_files_are_errors(tmp_path):
    with pytest.raises(AstanaError) as caught:
        list(iter_yaml_list(tmp_path / "none.yaml", "articles", hint="make it"))
    assert caught.value.code == "A201"
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"articles:\n- \xff\n")
    with pytest.raises(AstanaError) as caught:
        list(iter_yaml_list(bad, "articles", hint="h"))
    assert caught.value.code == "A205"
