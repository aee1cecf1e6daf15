import importlib.metadata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astana_corpus.core.records import Span
from astana_corpus.core.tokens import (
    TOKENIZER_NAME,
    arabic_tokenizer,
    bio_problems,
    iob2_tags,
    tokenize,
)
from tests.conftest import ROOT, spacy_in_fresh_process


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


# ------------------------------------------------------------ the registered spaCy tokenizer

# Texts of our own, cut into words by hand (what the rules above say a token is).
HAND_TOKENISED = {
    "أستانا-7": ["أستانا", "-", "7"],
    "2017.": ["2017", "."],
    'عُقدت الجولة الثامنة من محادثات "أستانة8" يومي 21 و22/12/2017.': [
        "عُقدت", "الجولة", "الثامنة", "من", "محادثات", '"', "أستانة", "8", '"',
        "يومي", "21", "و", "22", "/", "12", "/", "2017", ".",
    ],
    "وقال المبعوث الأممي دي ميستورا: «نأمل أن تنجح المحادثات»؛ ثم غادر إلى جنيف؟": [
        "وقال", "المبعوث", "الأممي", "دي", "ميستورا", ":", "«", "نأمل", "أن", "تنجح",
        "المحادثات", "»", "؛", "ثم", "غادر", "إلى", "جنيف", "؟",
    ],
    "انسحب الـ  30 جنديًّا من ريف حلب–إدلب، وعاد الوفدُ إلى آستانا.": [
        "انسحب", "الـ", "30", "جنديًّا", "من", "ريف", "حلب", "–", "إدلب", "،",
        "وعاد", "الوفدُ", "إلى", "آستانا", ".",
    ],
}  # fmt: skip


def with_offsets(text, words):
    """(word, start, end) of consecutive words, found left to right; only spaces between."""
    out, at = [], 0
    for word in words:
        start = text.index(word, at)
        assert text[at:start].strip() == "", (text, word)
        out.append((word, start, start + len(word)))
        at = start + len(word)
    assert text[at:].strip() == ""
    return out


EXPECTED = [with_offsets(text, words) for text, words in HAND_TOKENISED.items()]


def test_the_tokenizer_is_declared_as_a_spacy_entry_point():
    points = importlib.metadata.entry_points(group="spacy_tokenizers")
    assert {p.name: p.value for p in points if p.name.startswith("astana")} == {
        "astana_corpus.tokenizer.v1": "astana_corpus.core.tokens:create_tokenizer"
    }
    assert TOKENIZER_NAME == "astana_corpus.tokenizer.v1"


def test_the_dataset_tokenizer_cuts_the_hand_tokenised_texts():
    got = [[(t.text, t.start, t.end) for t in tokenize(text)] for text in HAND_TOKENISED]
    assert got == EXPECTED


def test_a_saved_pipeline_reloads_in_a_fresh_process_with_the_same_tokens(tmp_path):
    arabic_tokenizer().to_disk(tmp_path / "pipeline")
    out = spacy_in_fresh_process(tmp_path / "pipeline", HAND_TOKENISED, cwd=tmp_path)
    assert out["imported_before"] is False  # spaCy found the tokenizer by its entry point
    assert out["tokenizer"] == {"@tokenizers": "astana_corpus.tokenizer.v1"}
    assert out["tokens"] == EXPECTED
    # The one extra space of "الـ  30" is a spaCy space token; the dataset drops it.
    assert out["spaces"] == [[], [], [], [], [" "]]


@pytest.mark.parametrize("config", ["ner.cfg", "events.cfg"])
def test_the_training_configs_build_the_registered_tokenizer(tmp_path, config):
    """No saved tokenizer data here: the config alone must give the dataset's rules."""
    out = spacy_in_fresh_process(
        ROOT / "configs" / config, HAND_TOKENISED, cwd=tmp_path, config=True
    )
    assert out["tokenizer"] == {"@tokenizers": "astana_corpus.tokenizer.v1"}
    assert out["tokens"] == EXPECTED


@pytest.mark.slow
def test_the_built_tokens_config_equals_a_reloaded_pipeline_on_every_paragraph(tmp_path):
    import pyarrow.parquet as pq

    from astana_corpus.pipeline import build

    out_dir = tmp_path / "dist" / "astana-corpus"
    build(ROOT, out_dir=out_dir)
    texts, rows = [], []
    for split in ("train", "validation", "test"):
        paragraphs = pq.read_table(out_dir / f"data/paragraphs/{split}.parquet").to_pylist()
        tokens = {
            r["id"]: r for r in pq.read_table(out_dir / f"data/tokens/{split}.parquet").to_pylist()
        }
        for p in paragraphs:
            texts.append(p["text"])
            t = tokens[p["id"]]
            rows.append(list(zip(t["tokens"], t["token_starts"], t["token_ends"], strict=True)))
    assert len(texts) == 43  # every paragraph of the committed data (README)
    arabic_tokenizer().to_disk(tmp_path / "pipeline")
    saved = spacy_in_fresh_process(tmp_path / "pipeline", texts, cwd=tmp_path)
    assert saved["tokens"] == rows
    from_config = spacy_in_fresh_process(ROOT / "configs/ner.cfg", texts, cwd=tmp_path, config=True)
    assert from_config["tokens"] == rows
