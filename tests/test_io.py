import pytest

from astana_corpus.core.errors import InputFormatError
from astana_corpus.core.io import atomic_open, read_jsonl, write_jsonl


def test_atomic_open_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_open(target) as handle:
        handle.write("partial")
        raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_jsonl_round_trip_keeps_arabic_readable(tmp_path):
    path = tmp_path / "a.jsonl"
    write_jsonl(path, [{"b": 1, "a": "سوريا"}])
    assert path.read_text(encoding="utf-8") == '{"a":"سوريا","b":1}\n'
    assert list(read_jsonl(path)) == [{"a": "سوريا", "b": 1}]


def test_bad_json_line_names_file_and_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n{oops\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"^\[A302\] .*a\.jsonl:2:"):
        list(read_jsonl(path))


def test_read_yaml_names_file_and_fix(tmp_path):
    from astana_corpus.core.errors import ConfigError
    from astana_corpus.core.io import read_yaml

    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^\[A202\] .*bad\.yaml"):
        read_yaml(bad)
    with pytest.raises(ConfigError, match=r"^\[A201\] .*gone\.yaml: not found; create it"):
        read_yaml(tmp_path / "gone.yaml", hint="create it")
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert read_yaml(empty) == {}
