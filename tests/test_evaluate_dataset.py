"""`astana evaluate --dataset`: gold from a built folder alone, IOB2 and ClassLabel-id
predictions, the 80-column tables, the --json schema and the examples in README/card."""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest

from astana_corpus.cli import main, render
from astana_corpus.core.errors import AstanaError, ConfigError, error
from astana_corpus.core.tokens import Token
from astana_corpus.dataset.folder import read_dataset_split
from astana_corpus.models.evaluate import iob2_spans
from astana_corpus.pipeline import build, evaluate_predictions
from tests.conftest import ROOT

SCHEMA_FILE = ROOT / "src" / "astana_corpus" / "models" / "evaluate.schema.json"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist") / "astana-corpus"
    build(ROOT, out_dir=out)
    return out


@pytest.fixture(scope="module")
def test_split(folder):
    return read_dataset_split(folder, "test")


def write(path, lines):
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    return path


def run(folder, predictions, **extra):
    return evaluate_predictions(
        ROOT, predictions=predictions, split="test", dataset=folder, **extra
    )


def code_of(call):
    with pytest.raises(AstanaError) as info:
        call()
    return info.value.code, str(info.value)


# ---------------------------------------------------------------- IOB2 → spans


def test_iob2_spans_by_hand():
    text = "وصل وفد روسيا إلى أستانة يوم الاثنين،"
    words = ["وصل", "وفد", "روسيا", "إلى", "أستانة", "يوم", "الاثنين", "،"]
    tokens, at = [], 0
    for w in words:
        at = text.index(w, at)
        tokens.append(Token(w, at, at + len(w)))
        at += len(w)
    tags = ["O", "O", "B-GPE", "O", "B-GPE", "B-DATE", "I-DATE", "O"]
    spans, repairs = iob2_spans(tags, tokens)
    start_date = len("وصل وفد روسيا إلى أستانة ")
    assert [(s.start, s.end, s.label) for s in spans] == [
        (len("وصل وفد "), len("وصل وفد روسيا"), "GPE"),
        (len("وصل وفد روسيا إلى "), len("وصل وفد روسيا إلى أستانة"), "GPE"),
        (start_date, len("وصل وفد روسيا إلى أستانة يوم الاثنين"), "DATE"),
    ]
    assert repairs == 0


@pytest.mark.parametrize(
    "tags",
    [
        ["I-PER", "I-PER", "O"],  # I- without B- begins an entity
        ["B-PER", "I-ORG", "I-ORG"],  # I- of another type begins a new one
        ["B-GPE", "B-GPE", "I-GPE", "O", "I-LOC"],
        ["O", "I-DATE", "B-DATE", "I-DATE"],
    ],
)
def test_ill_formed_iob2_is_read_as_seqeval_reads_it(tags):
    from seqeval.metrics.sequence_labeling import get_entities

    tokens = [Token("كلمة", 5 * i, 5 * i + 4) for i in range(len(tags))]
    spans, repairs = iob2_spans(tags, tokens)
    # seqeval's (type, first token, last token), turned into our character offsets
    expected = [(5 * a, 5 * b + 4, t) for t, a, b in get_entities(tags)]
    assert [(s.start, s.end, s.label) for s in spans] == expected
    begins = sum(
        t.startswith("I-") and (i == 0 or tags[i - 1][2:] != t[2:]) for i, t in enumerate(tags)
    )
    assert repairs == begins


# ---------------------------------------------------------------- gold from the folder


def test_dataset_gold_and_labels_need_no_checkout(folder, test_split, tmp_path):
    moved = tmp_path / "elsewhere" / "astana-corpus"
    shutil.copytree(folder, moved)
    data = read_dataset_split(moved, "test")
    assert list(data.gold) == ["astana-0001"]
    assert data.labels.entity_names[2] == "GPE"
    assert data.labels.iob2_names[:3] == ("O", "B-PER", "I-PER")
    assert sum(len(g.entities) for g in data.gold.values()) == 33  # the card's test count
    for row in data.tokens.values():  # token offsets are document offsets here
        text = data.gold[row.doc_id].text
        assert all(text[t.start : t.end] == t.text for t in row.tokens)


def test_dataset_mode_scores_by_hand_and_equals_checkout_mode(folder, test_split, tmp_path):
    gold = test_split.gold["astana-0001"]
    entities = [{"start": e.start, "end": e.end, "label": e.label} for e in gold.entities]
    dropped = entities.pop()  # one gold span missed
    entities[0] = {**entities[0], "label": "PER" if entities[0]["label"] != "PER" else "ORG"}
    path = write(tmp_path / "p.jsonl", [{"id": "astana-0001", "entities": entities}])
    result = run(folder, path)
    strict = result["entities"]["strict"]["micro"]
    # 33 gold, 32 predicted: 31 correct, 1 wrong type (INC), 1 missed.
    assert (strict["COR"], strict["INC"], strict["MIS"], strict["SPU"]) == (31, 1, 1, 0)
    assert strict["precision"] == pytest.approx(31 / 32)
    assert strict["recall"] == pytest.approx(31 / 33)
    assert result["entities"]["exact"]["micro"]["recall"] == pytest.approx(32 / 33)
    assert dropped["label"] in result["labels"]["entities"]
    checkout = evaluate_predictions(ROOT, predictions=path, split="test")
    for key in ("entities", "events", "documents", "missing_predictions"):
        assert checkout[key] == result[key], key
    assert (result["gold"]["source"], checkout["gold"]["source"]) == ("dataset", "checkout")


def test_class_label_ids_stand_for_names(folder, test_split, tmp_path):
    gold = test_split.gold["astana-0001"]
    entity_ids = {n: i for i, n in enumerate(test_split.labels.entity_names)}
    event_ids = {n: i for i, n in enumerate(test_split.labels.event_names)}

    def line(as_ids):
        def lab(name, ids):
            return ids[name] if as_ids else name

        return {
            "id": gold.id,
            "entities": [
                {"start": e.start, "end": e.end, "label": lab(e.label, entity_ids)}
                for e in gold.entities[:5]
            ],
            "events": [lab(e, event_ids) for e in gold.events],
            "paragraphs": [
                {"index": p.index, "events": [lab(e, event_ids) for e in p.events]}
                for p in gold.paragraphs
            ],
        }

    by_name = run(folder, write(tmp_path / "names.jsonl", [line(False)]))
    by_id = run(folder, write(tmp_path / "ids.jsonl", [line(True)]))
    assert by_id["entities"] == by_name["entities"] and by_id["events"] == by_name["events"]
    assert by_id["entities"]["strict"]["micro"]["COR"] == 5
    assert by_id["events"]["paragraph"]["micro"]["f1"] == 1.0


def test_iob2_one_entity_on_whole_tokens_by_hand(folder, test_split, tmp_path):
    """All rows "O" except one gold entity that covers whole tokens: COR 1 of 33."""
    names = test_split.labels.iob2_names
    chosen = None
    lines = []
    for row in test_split.tokens.values():
        tags = ["O"] * len(row.tokens)
        if chosen is None:
            starts = {t.start: i for i, t in enumerate(row.tokens)}
            ends = {t.end: i for i, t in enumerate(row.tokens)}
            for e in test_split.gold[row.doc_id].entities:
                if e.start in starts and e.end in ends:
                    first, last = starts[e.start], ends[e.end]
                    tags[first : last + 1] = [f"I-{e.label}"] * (last + 1 - first)
                    tags[first] = f"B-{e.label}"
                    chosen = e
                    break
        lines.append({"id": row.id, "ner_tags": [names.index(t) for t in tags]})
    assert chosen is not None
    result = run(folder, write(tmp_path / "iob2.jsonl", lines))
    strict = result["entities"]["strict"]["micro"]
    assert (strict["COR"], strict["MIS"], strict["SPU"]) == (1, 32, 0)
    assert strict["precision"] == 1.0 and strict["recall"] == pytest.approx(1 / 33)
    assert strict["f1"] == pytest.approx(2 * (1 / 33) / (1 + 1 / 33))
    assert result["predictions"]["format"] == "iob2"
    assert result["predictions"]["lines"] == len(test_split.tokens)
    assert result["predictions"]["missing_paragraphs"] == []


def test_iob2_repairs_and_missing_paragraphs_are_reported(folder, test_split, tmp_path):
    rows = sorted(test_split.tokens.values(), key=lambda r: r.index)
    first = rows[0]
    tags = ["O"] * len(first.tokens)
    tags[1] = "I-ORG"  # no B- before it
    path = write(
        tmp_path / "p.jsonl",
        [{"id": first.id, "ner_tags": tags, "tokens": [t.text for t in first.tokens]}],
    )
    result = run(folder, path)
    assert result["predictions"]["iob2_repairs"] == 1
    assert result["predictions"]["missing_paragraphs"] == [r.id for r in rows[1:]]
    assert result["entities"]["strict"]["micro"]["actual"] == 1


# ---------------------------------------------------------------- errors


def test_not_a_dataset_folder(tmp_path, folder):
    assert code_of(lambda: read_dataset_split(tmp_path, "test"))[0] == "A620"
    (tmp_path / "README.md").write_text("# no front matter\n")
    assert code_of(lambda: read_dataset_split(tmp_path, "test"))[0] == "A620"
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    (broken / "data" / "tokens" / "test.parquet").unlink()
    assert code_of(lambda: read_dataset_split(broken, "test"))[0] == "A620"


def test_unknown_split_of_the_folder(folder):
    code, message = code_of(lambda: read_dataset_split(folder, "dev"))
    assert code == "A621" and "validation" in message


def iob2_line(test_split, **changes):
    row = next(iter(test_split.tokens.values()))
    return {"id": row.id, "ner_tags": ["O"] * len(row.tokens), **changes}


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda s: [iob2_line(s, ner_tags=["O"])], "A622"),  # too few tags
        (lambda s: [iob2_line(s, tokens=["x"])], "A622"),  # tokens differ from the dataset's
        (lambda s: [iob2_line(s, ner_tags="O O O")], "A623"),  # not a list
        (lambda s: [{"ner_tags": []}], "A623"),  # no id
        (lambda s: [iob2_line(s, tokens="x")], "A623"),
        (lambda s: [iob2_line(s, events="STATEMENT")], "A623"),
        (lambda s: [iob2_line(s, id="astana-0001-p099")], "A602"),  # no such row
        (lambda s: [iob2_line(s), iob2_line(s)], "A603"),
        (lambda s: [iob2_line(s, ner_tags=[99] * len(iob2_line(s)["ner_tags"]))], "A604"),
        (lambda s: [iob2_line(s, ner_tags=["B-PERSON"] * len(iob2_line(s)["ner_tags"]))], "A604"),
        (lambda s: [iob2_line(s, events=[42])], "A604"),
        (lambda s: [iob2_line(s), {"id": "astana-0001", "entities": []}], "A624"),  # mixed
        (lambda s: [{**iob2_line(s), "entities": []}], "A624"),  # both shapes on one line
        (
            lambda s: [{"id": "astana-0001", "entities": [{"start": 6, "end": 28, "label": 9}]}],
            "A604",
        ),
        (
            lambda s: [{"id": "astana-0001", "entities": [{"start": 6, "end": 28, "label": True}]}],
            "A604",
        ),
    ],
)
def test_bad_predictions_name_file_line_and_code(folder, test_split, tmp_path, make, code):
    path = write(tmp_path / "bad.jsonl", make(test_split))
    got, message = code_of(lambda: run(folder, path))
    assert got == code
    assert f"{path}:" in message


def test_format_flag_refuses_the_other_shape(folder, test_split, tmp_path):
    path = write(tmp_path / "p.jsonl", [iob2_line(test_split)])
    assert code_of(lambda: run(folder, path, fmt="documents"))[0] == "A624"
    assert run(folder, path, fmt="iob2")["predictions"]["format"] == "iob2"


def test_missing_extra_names_it(monkeypatch, capsys):
    from astana_corpus import pipeline

    def needs_spacy(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'spacy'", name="spacy")

    monkeypatch.setattr(pipeline, "export_spacy", needs_spacy)
    assert main(["--root", str(ROOT), "export", "spacy", "--out", "build/never"]) == 1
    err = capsys.readouterr().err
    assert "[A625]" in err and "pip install 'astana-corpus[build]'" in err

    def needs_trafilatura(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'trafilatura'", name="trafilatura")

    monkeypatch.setattr(pipeline, "export_spacy", needs_trafilatura)
    assert main(["--root", str(ROOT), "export", "spacy", "--out", "build/never"]) == 1
    assert "astana-corpus[build]" in capsys.readouterr().err  # the command's extra
    monkeypatch.setattr(pipeline, "ingest", needs_spacy)
    assert main(["--root", str(ROOT), "ingest", "--out", "build/never.jsonl"]) == 1
    assert "astana-corpus[build]" in capsys.readouterr().err  # [ingest] lacks spaCy

    def broken(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'not_an_extra'", name="not_an_extra")

    monkeypatch.setattr(pipeline, "export_spacy", broken)
    with pytest.raises(ModuleNotFoundError):  # a broken install is not hidden
        main(["--root", str(ROOT), "export", "spacy", "--out", "build/never"])
    assert isinstance(error("A625", command="x", module="spacy", extra="build"), ConfigError)


# ---------------------------------------------------------------- output


def many_label_result(folder, test_split, tmp_path):
    """A result whose tables hold every label: gold plus a spurious span of each type."""
    gold = test_split.gold["astana-0001"]
    entities = [{"start": e.start, "end": e.end, "label": e.label} for e in gold.entities]
    entities += [{"start": 0, "end": 1, "label": n} for n in test_split.labels.entity_names]
    paragraphs = [{"index": 0, "events": list(test_split.labels.event_names)}]
    line = {"id": gold.id, "entities": entities, "paragraphs": paragraphs}
    return run(folder, write(tmp_path / "p.jsonl", [line]))


def test_tables_fit_80_columns_without_cutting_a_cell(folder, test_split, tmp_path):
    from rich.console import Console

    result = many_label_result(folder, test_split, tmp_path)
    console = Console(width=80, record=True, file=io.StringIO(), color_system=None)
    render.evaluation(result, console)
    text = console.export_text()
    lines = text.splitlines()
    assert max(len(x) for x in lines) <= 80
    assert "…" not in text and "..." not in text
    # every row on one line, with all its cells
    for label in (*test_split.labels.entity_names, "micro"):
        row = [x for x in lines if re.match(rf"\W*{label}\W", x)]
        assert row and len(re.findall(r"\d\.\d{3}", row[0])) == 7, (label, row)
    for label in test_split.labels.event_names:
        row = [x for x in lines if re.match(rf"\W*{label}\W", x)]
        assert row and len(re.findall(r"\d\.\d{2}", row[0])) == 6, (label, row)
    for header in ("clitic", "partial", "paragraphs", "documents"):
        assert header in text
    # every abbreviation shown is explained
    for explained in ("gold:", "P precision", "R recall", "F1 their", "micro:", "macro F1:", "n:"):
        assert explained in " ".join(text.split()), explained
    assert "POS" not in text
    flat = " ".join(text.split())
    assert "1 document;" in flat and "1 documents" not in flat


def test_json_output_matches_its_schema(folder, test_split, tmp_path):
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    out = tmp_path / "scores.json"
    n_tokens = len(iob2_line(test_split)["ner_tags"])
    iob2 = write(tmp_path / "iob2.jsonl", [iob2_line(test_split, ner_tags=["I-GPE"] * n_tokens)])
    many_label_result(folder, test_split, tmp_path)
    for args in (
        ["--dataset", str(folder), "--predictions", str(tmp_path / "p.jsonl")],
        ["--dataset", str(folder), "--predictions", str(iob2), "--format", "iob2"],
        ["--predictions", str(tmp_path / "p.jsonl")],  # checkout mode
    ):
        assert main(["--root", str(ROOT), "evaluate", *args, "--json", str(out)]) == 0
        report = json.loads(out.read_text(encoding="utf-8"))
        jsonschema.validate(report, schema)
    del report["entities"]["clitic"]
    with pytest.raises(jsonschema.ValidationError):  # the schema does hold output to it
        jsonschema.validate(report, schema)


def test_plurals():
    assert render.plural(1, "warning") == "1 warning"
    assert render.plural(2, "entity", "entities") == "2 entities"


def test_build_summary_says_one_warning(tmp_path, capsys):
    render.build(tmp_path, {}, {s: {} for s in ("train", "validation", "test")},
                 dict.fromkeys(("train", "validation", "test"), 0), {"W001": 1})  # fmt: skip
    assert "1 warning (W001)" in capsys.readouterr().out


# ---------------------------------------------------------------- examples in docs


def json_blocks(text: str, heading: str) -> list[str]:
    section = text.split(heading, 1)[1].split("\n#", 1)[0]
    return re.findall(r"```json\n(.*?)```", section, flags=re.S)


def test_card_example_prediction_is_valid_json_lines_of_the_test_split(folder, tmp_path):
    card = (ROOT / "dataset_card.md").read_text(encoding="utf-8")
    blocks = json_blocks(card, "### Evaluating predictions")
    assert blocks
    test_ids = set((ROOT / "splits" / "test.txt").read_text().split())
    for i, block in enumerate(blocks):
        lines = [json.loads(x) for x in block.splitlines() if x.strip()]
        assert all(x["id"].split("-p")[0] in test_ids for x in lines)
        path = tmp_path / f"card{i}.jsonl"
        path.write_text(block, encoding="utf-8")
        run(folder, path)  # raises if the example is not a valid prediction


def test_readme_prediction_examples_evaluate(folder, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = json_blocks(readme, "### Prediction formats and `--json` (astana evaluate)")
    assert len(blocks) >= 3  # documents, iob2 with names, iob2 with ids
    formats = set()
    for i, block in enumerate(blocks):
        path = tmp_path / f"readme{i}.jsonl"
        path.write_text(block, encoding="utf-8")
        formats.add(run(folder, path)["predictions"]["format"])
    assert formats == {"documents", "iob2"}
