"""Fuzzing the readers: random JSON shapes and random bytes never escape as a traceback.

Whatever a file holds, each reader either returns records or raises an ``AstanaError``
with a catalogue code; any other exception (KeyError, TypeError, UnicodeDecodeError...)
fails the test.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from astana_corpus.annotate.doccano_format import (
    convert_export_line,
    read_preannotations,
    read_session,
)
from astana_corpus.annotate.merge import read_resolutions
from astana_corpus.annotate.preannotate import read_gazetteer
from astana_corpus.core.errors import CATALOGUE, AstanaError
from astana_corpus.core.gold import read_gold
from astana_corpus.core.io import sha256_text
from astana_corpus.core.records import GoldDocument
from astana_corpus.core.schema import read_schema
from astana_corpus.ingest.sources import read_metadata
from astana_corpus.models.evaluate import read_predictions
from tests.conftest import ROOT
from tests.test_doccano import make_doc

SCHEMA = read_schema(ROOT)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DOC = make_doc("t-0001", ["وصل الوفد 😀 إلى العاصمة", "وانتهت الجلسة مساء أمس."])
GOLD = GoldDocument.from_dict(
    {
        "id": "t-0001",
        "text": DOC.text,
        "text_sha256": sha256_text(DOC.text),
        "entities": [],
        "events": [],
        "paragraphs": [
            {"index": p.index, "start": p.start, "end": p.end, "events": []} for p in DOC.paragraphs
        ],
        "annotation": {"round": "r1", "annotators": ["a"], "schema_version": "1.0"},
    }
)

# JSON values, biased towards the names and numbers the readers look for.
NAMES = [
    "id", "doc_id", "paragraph_index", "text", "entities", "events", "cats", "paragraphs",
    "index", "start", "end", "label", "start_offset", "end_offset", "reason", "annotation",
    "text_sha256", "canonical_id", "round", "annotators", "schema_version", "t-0001", "GPE",
    "STATEMENT", "doc", "p",
]  # fmt: skip
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(NAMES)
    | st.text(max_size=6)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=4), inner, max_size=5)
    ),
    max_leaves=20,
)
records = st.dictionaries(st.sampled_from(NAMES), json_values, max_size=8)
junk = st.binary(max_size=300)


def only_coded_errors(call: Callable[[], Any]) -> None:
    try:
        call()
    except AstanaError as exc:
        assert exc.code in CATALOGUE, exc


def jsonl_bytes(lines: list[Any]) -> bytes:
    return "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode()


def with_file(data: bytes, rel: str, read: Callable[[Path], Any]) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        only_coded_errors(lambda: read(path))
    finally:
        shutil.rmtree(folder)


def jsonl_inputs() -> st.SearchStrategy[bytes]:
    return st.lists(records | json_values, min_size=1, max_size=3).map(jsonl_bytes) | junk


def yaml_inputs(top: str) -> st.SearchStrategy[bytes]:
    shaped = st.dictionaries(st.just(top) | st.sampled_from(NAMES), json_values, max_size=3)
    dumped = shaped.map(lambda d: yaml.safe_dump(d, allow_unicode=True).encode())
    return dumped | junk | st.text(max_size=200).map(str.encode)


@FUZZ
@given(jsonl_inputs())
def test_fuzz_read_gold(data):
    with_file(data, "gold.jsonl", read_gold)


@FUZZ
@given(jsonl_inputs())
def test_fuzz_read_predictions(data):
    with_file(data, "p.jsonl", lambda p: read_predictions(p, {"t-0001": GOLD}, SCHEMA))


@FUZZ
@given(jsonl_inputs())
def test_fuzz_read_preannotations(data):
    with_file(data, "pre.jsonl", read_preannotations)


@FUZZ
@given(jsonl_inputs())
def test_fuzz_read_resolutions(data):
    with_file(data, "res.jsonl", lambda p: read_resolutions(p, SCHEMA))


@FUZZ
@given(yaml_inputs("paragraphs"))
def test_fuzz_read_session(data):
    with_file(data, "s.yaml", read_session)


@FUZZ
@given(
    records,
    st.sampled_from([DOC.paragraph_text(0), DOC.paragraph_text(1), "x"]),
    st.lists(
        st.lists(st.integers(-2, 30), min_size=2, max_size=2).map(lambda se: [*se, "GPE"])
        | json_values,
        max_size=3,
    ),
)
def test_fuzz_convert_export_line(record, text, entities):
    line = {"doc_id": "t-0001", "paragraph_index": 0, "text": text, "entities": entities}
    line.update(record)
    only_coded_errors(lambda: convert_export_line(line, {"t-0001": DOC}, SCHEMA, where="x:1"))


@FUZZ
@given(yaml_inputs("articles"))
def test_fuzz_read_metadata(data):
    def read(path: Path) -> Any:
        (path.parent / "raw").mkdir(exist_ok=True)
        return read_metadata(path.parent.parent)

    with_file(data, "articles/articles.yaml", read)


@FUZZ
@given(yaml_inputs("entities"))
def test_fuzz_read_schema(data):
    with_file(data, "annotations/schema.yaml", lambda p: read_schema(p.parent.parent))


@FUZZ
@given(yaml_inputs("entries"))
def test_fuzz_read_gazetteer(data):
    with_file(data, "annotations/gazetteer.yaml", lambda p: read_gazetteer(p.parent.parent, SCHEMA))


@FUZZ
@given(
    st.lists(
        st.fixed_dictionaries(
            {"name": st.sampled_from(["PER", "GPE", "x", 1]), "description": json_values},
            optional={
                "color": st.sampled_from(["#aabbcc", "red", 3]),
                "shortcut": st.sampled_from(["p", 1, "pp"]),
                "examples": json_values,
                "cameo": json_values,
            },
        ),
        max_size=3,
    ),
    json_values,
)
def test_fuzz_read_schema_labels(entities, version):
    """Near-valid schemas: the label fields get every shape."""
    events = [{"name": "TALKS", "description": "d", "color": "#000000", "shortcut": "1"}]
    data = {"version": version, "entities": entities, "events": events}
    with_file(
        yaml.safe_dump(data, allow_unicode=True).encode(),
        "annotations/schema.yaml",
        lambda p: read_schema(p.parent.parent),
    )


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=3),
    st.lists(st.one_of(st.text(max_size=2), st.integers(0, 2)), max_size=2),
)  # fmt: skip


def _mostly(proper):
    """A field's proper type three times in four, anything else otherwise."""
    return st.one_of(proper, proper, proper, _VALUES)


_ENTITY = ["start", "end", "label", "text", "canonical_id"]
_PARAGRAPH = ["index", "start", "end", "events"]


@given(
    st.one_of(
        st.fixed_dictionaries(
            {
                "start": _mostly(st.integers(0, 9)),
                "end": _mostly(st.integers(0, 9)),
                "label": _mostly(st.text(max_size=3)),
                "text": _mostly(st.text(max_size=3)),
                "canonical_id": _mostly(st.one_of(st.none(), st.text(max_size=3))),
            }
        ),
        st.fixed_dictionaries(
            {
                "index": _mostly(st.integers(0, 9)),
                "start": _mostly(st.integers(0, 9)),
                "end": _mostly(st.integers(0, 9)),
                "events": _mostly(st.lists(st.text(max_size=3), max_size=2)),
            }
        ),
        st.dictionaries(st.sampled_from([*_ENTITY, "index", "events", "x"]), _VALUES),
        _VALUES,
    )
)
@example({"start": 0, "end": 2, "label": "GPE", "text": "ab", "canonical_id": None})
@example({"index": 0, "start": 0, "end": 5, "events": ["AID"]})
@example({"start": True, "end": 2, "label": "GPE", "text": "ab", "canonical_id": None})
def test_gold_fast_path_agrees_with_the_checked_path(value):
    """``records._valid_entity``/``_valid_paragraph`` (no messages built) accept exactly
    what the field-by-field checks accept, and give the same record."""
    from astana_corpus.core import records

    for fast, slow, keys in (
        (records._valid_entity, records._entity, records._ENTITY_KEYS),
        (records._valid_paragraph, records._paragraph, records._PARAGRAPH_KEYS),
    ):
        try:
            expected = slow(records._fields(value, "x", keys), "x")
        except ValueError:
            expected = None
        assert fast(value) == expected
