"""Property tests of every offset conversion: nothing shifts, nothing raises but coded errors."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from astana_corpus.annotate.doccano_format import convert_export_line, paragraph_examples
from astana_corpus.core.errors import AstanaError
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
from astana_corpus.core.spans import boundary_problem
from astana_corpus.core.tokens import iob2_tags, tokenize
from astana_corpus.dataset.rows import paragraph_views
from tests.conftest import ROOT
from tests.test_doccano import make_doc

SCHEMA = read_schema(ROOT)
# Arabic letters and marks, digits, punctuation, and characters outside the BMP (UTF-16 pairs).
ALPHABET = "سوريا بالأستانة7-،؛؟.“”()0123 ًّـ😀𝔸\u200c"
paragraph = st.text(alphabet=ALPHABET, min_size=1, max_size=40).filter(lambda t: t.strip() == t)


@st.composite
def document_with_spans(draw):
    texts = draw(st.lists(paragraph, min_size=1, max_size=4))
    doc = make_doc("fuzz-1", texts)
    spans = []
    for p in doc.paragraphs:
        for _ in range(draw(st.integers(0, 3))):
            start = draw(st.integers(p.start, p.end - 1))
            end = draw(st.integers(start + 1, p.end))
            if boundary_problem(doc.text, start, end) is None:  # spans as annotators make them
                spans.append(Span(start, end, draw(st.sampled_from(SCHEMA.entity_names))))
    return doc, sorted(set(spans))


@settings(max_examples=150, deadline=None)
@given(document_with_spans())
def test_doccano_upload_and_export_round_trip_keeps_every_span(case):
    """Document spans → paragraph code points → UTF-16 upload line → export line → back."""
    doc, spans = case
    pre = {
        (doc.id, p.index): ParagraphSuggestions(
            doc.id,
            p.index,
            tuple(
                Suggestion(s.shifted(-p.start), None, "test")
                for s in spans
                if p.start <= s.start < p.end
            ),
        )
        for p in doc.paragraphs
    }
    back = []
    for line in paragraph_examples([doc], pre):
        ann = convert_export_line(line, {doc.id: doc}, SCHEMA, where="fuzz:1")
        back += ann.entities
    assert sorted(back) == spans


@settings(max_examples=150, deadline=None)
@given(document_with_spans())
def test_paragraph_views_shift_offsets_exactly(case):
    doc, spans = case
    record = GoldDocument(
        id=doc.id,
        text=doc.text,
        text_sha256="",
        entities=tuple(Entity(s.start, s.end, s.label, doc.text[s.start : s.end]) for s in spans),
        events=(),
        paragraphs=tuple(GoldParagraph(p.index, p.start, p.end, ()) for p in doc.paragraphs),
        annotation=AnnotationInfo("r", ("a",), "1.0"),
    )
    shifted_back = []
    for view in paragraph_views(record):
        for e in view.entities:
            assert view.text[e.start : e.end] == e.text
            shifted_back.append(Span(e.start + view.start, e.end + view.start, e.label))
        assert len(view.tags) == len(view.tokens)
    assert sorted(shifted_back) == spans


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=50), st.integers(-3, 60), st.integers(-3, 60))
def test_boundary_rules_and_tags_never_raise(text, start, end):
    problem = boundary_problem(text, start, end)
    assert problem is None or isinstance(problem, str)
    if problem is None:
        tags, _ = iob2_tags(tokenize(text), [Span(start, end, "GPE")])
        assert tags.count("B-GPE") == 1


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=ALPHABET, min_size=1, max_size=30),
    st.lists(st.tuples(st.integers(-5, 80), st.integers(-5, 80)), max_size=3),
)
def test_export_offsets_of_any_value_give_a_span_or_a_coded_error(text, pairs):
    doc = make_doc("fuzz-1", [text.strip() or "نص"])
    p = doc.paragraphs[0]
    line = {
        "doc_id": doc.id,
        "paragraph_index": 0,
        "text": doc.text[p.start : p.end],
        "entities": [[a, b, "GPE"] for a, b in pairs],
        "cats": [],
    }
    try:
        ann = convert_export_line(line, {doc.id: doc}, SCHEMA, where="fuzz:1")
    except AstanaError as exc:
        assert exc.code.startswith(("A3", "A4"))
    else:
        for s in ann.entities:
            assert p.start <= s.start < s.end <= p.end
