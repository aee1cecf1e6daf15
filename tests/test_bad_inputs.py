"""A corpus of bad inputs: each gets its coded error, names its place, and changes nothing.

Every case builds one small damaged input in a copy of the project (never the repo's own
files), runs the command that reads it (``main([...])`` for the CLI, or the reader itself
where the command needs a Doccano server), and asserts the code, exit status 1, that the
message names the file and line (or entry, or document id), and that no file of the
project was created or changed. The Arabic fixture texts are written for these tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from astana_corpus import pipeline
from astana_corpus.annotate.doccano_format import (
    codepoint_to_utf16,
    convert_export_line,
    read_preannotations,
    read_session,
)
from astana_corpus.cli import main
from astana_corpus.core.errors import AstanaError
from astana_corpus.core.schema import read_schema
from astana_corpus.models.train import read_results
from tests.conftest import ROOT
from tests.test_doccano import make_doc

SCHEMA = read_schema(ROOT)
ARTICLE = (
    "اجتمع وزراء الخارجية في العاصمة صباح اليوم لبحث خطة جديدة للتهدئة.\n"
    "وقال المتحدث باسم الوفد إن الجلسة الأولى انتهت دون بيان مشترك.\n"
)


# ---------------------------------------------------------------- the project copy


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The committed inputs with build/documents.jsonl already made (so a command that
    fails creates nothing, instead of first caching the documents)."""
    root = tmp_path_factory.mktemp("template")
    for name in ("articles", "annotations", "splits", "results", "configs"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "dataset_card.md", root)
    shutil.copy(ROOT / "LICENSE", root)
    pipeline.load_documents(root)
    return root


@pytest.fixture()
def project(template, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(template, root, symlinks=True)
    return root


def snapshot(root: Path) -> dict[str, str]:
    """Every file (and folder) under root, with the sha256 of its bytes."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink() or path.is_dir():
                state[rel] = "link" if path.is_symlink() else "dir"
            else:
                state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def write_lines(path: Path, records: list, *, raw: bytes | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    )
    path.write_bytes(text.encode() if raw is None else raw)


def add_listed(root: Path, name: str, data: bytes | None, *, sha256: str | None = None) -> None:
    """A raw file (unless ``data`` is None) and its articles.yaml entry."""
    raw = root / "articles/raw" / name
    if data is not None:
        raw.write_bytes(data)
    digest = sha256 or hashlib.sha256(data or b"").hexdigest()
    meta = root / "articles/articles.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8")
        + f"- id: astana-0099\n  file: {name}\n  sha256: {digest}\n",
        encoding="utf-8",
    )


def edit_entry(root: Path, number: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the ``number``-th entry of articles.yaml."""
    meta = root / "articles/articles.yaml"
    head, *entries = meta.read_text(encoding="utf-8").split("\n- ")
    assert old in entries[number - 1], (old, entries[number - 1])
    entries[number - 1] = entries[number - 1].replace(old, new, 1)
    meta.write_text("\n- ".join([head, *entries]), encoding="utf-8")


def damage_gold(root: Path, change: Callable[[dict], None], *, line: int = 1) -> None:
    path = root / "annotations/gold.jsonl"
    records = lines(path)
    change(records[line - 1])
    write_lines(path, records)


def split_doc(root: Path) -> str:
    return (root / "splits/test.txt").read_text(encoding="utf-8").split()[0]


def gold_of(root: Path, doc_id: str) -> dict:
    return next(r for r in lines(root / "annotations/gold.jsonl") if r["id"] == doc_id)


def predictions(root: Path, *records: dict | str) -> list[str]:
    write_lines(root / "p.jsonl", list(records))
    return ["evaluate", "--predictions", str(root / "p.jsonl")]


def export_round(root: Path, *records: dict | str, raw: bytes | None = None) -> list[str]:
    write_lines(root / "annotations/doccano/rbad/confirmed/ann.jsonl", list(records), raw=raw)
    return ["merge", "--round", "rbad"]


def base_export_line() -> dict:
    with (ROOT / "annotations/doccano/r1/confirmed/annotator1.jsonl").open(encoding="utf-8") as f:
        return json.loads(f.readline())


def resolutions(root: Path, *records: dict | str) -> list[str]:
    write_lines(root / "res.jsonl", list(records))
    return ["merge", "--round", "r3", "--resolutions", str(root / "res.jsonl")]


def base_resolution() -> dict:
    with (ROOT / "annotations/resolutions/r3.jsonl").open(encoding="utf-8") as f:
        return json.loads(f.readline())


def edit_yaml(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------- CLI cases


@dataclass(frozen=True)
class Case:
    id: str
    code: str
    place: str  # what the message must name (file and line, entry, or doc id)
    setup: Callable[[Path], list[str]]  # damages the project, returns the command


def _dir(root: Path) -> list[str]:
    (root / "articles/raw/folder.txt").mkdir()
    add_listed(root, "folder.txt", None, sha256="f" * 64)
    return ["ingest"]


def _symlink_out(root: Path) -> list[str]:
    outside = root / "outside.txt"
    outside.write_text(ARTICLE, encoding="utf-8")
    (root / "articles/raw/link.txt").symlink_to(outside)
    add_listed(root, "link.txt", None, sha256=hashlib.sha256(outside.read_bytes()).hexdigest())
    return ["ingest"]


def _changed(root: Path) -> list[str]:
    add_listed(root, "changed.txt", ARTICLE.encode())
    (root / "articles/raw/changed.txt").write_text(ARTICLE + "سطر أضيف لاحقا.\n", "utf-8")
    return ["ingest"]


def _new_raw(name: str, data: bytes) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        (root / "articles/raw" / name).write_bytes(data)
        return ["ingest"]

    return setup


def _listed(name: str, data: bytes) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        add_listed(root, name, data)
        return ["ingest"]

    return setup


def _entry(old: str, new: str, number: int = 1) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        edit_entry(root, number, old, new)
        return ["ingest"]

    return setup


def _metadata(text: str | bytes) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        path = root / "articles/articles.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return ["ingest"]

    return setup


def _register(*files: tuple[str, bytes], args: tuple[str, ...] = ()) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        for name, data in files:
            (root / "articles/raw" / name).write_bytes(data)
        return ["articles", "register", *args]

    return setup


def _register_copy(root: Path) -> list[str]:
    first = sorted((root / "articles/raw").iterdir())[0]
    shutil.copy(first, root / "articles/raw/copy.txt")
    return ["articles", "register"]


def _register_symlink(root: Path) -> list[str]:
    outside = root / "elsewhere.txt"
    outside.write_text(ARTICLE, encoding="utf-8")
    (root / "articles/raw/new-link.txt").symlink_to(outside)
    return ["articles", "register"]


def _gold(change: Callable[[dict], None], line: int = 1) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        damage_gold(root, change, line=line)
        return predictions(root)

    return setup


def _gold_bytes(data: bytes) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        (root / "annotations/gold.jsonl").write_bytes(data)
        return predictions(root)

    return setup


def _gold_not_utf8(root: Path) -> list[str]:
    path = root / "annotations/gold.jsonl"
    first = path.read_bytes().split(b"\n")[0]
    path.write_bytes(first + b'\n{"\xff": 1}\n')
    return predictions(root)


def _gold_blank_then_bad(root: Path) -> list[str]:
    path = root / "annotations/gold.jsonl"
    first, *rest = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([first, "", "{not json", *rest]) + "\n", encoding="utf-8")
    return predictions(root)


def _set(key: str, value, where: str = "entities", index: int = 0) -> Callable[[dict], None]:
    def change(record: dict) -> None:
        target = record[where][index] if where else record
        if value is KeyError:
            del target[key]
        else:
            target[key] = value

    return change


def _invalid_gold(change: Callable[[dict], None], command: str) -> Callable[[Path], list[str]]:
    """Gold of the right shape that breaks a record-level check, before ``command``."""

    def setup(root: Path) -> list[str]:
        damage_gold(root, change)
        if command == "evaluate":
            return predictions(root)
        if command == "export":
            return ["export", "spacy", "--out", str(root / "spacy-out")]
        return ["view", "--out", str(root / "view.html")]

    return setup


def _overlap(record: dict) -> None:
    e = record["entities"][0]  # "وزارة خارجية كازاخستان": add its last two words as a GPE
    start = e["start"] + e["text"].index(" ") + 1
    record["entities"].append(
        {**e, "start": start, "label": "GPE", "text": record["text"][start : e["end"]]}
    )


def _cross_paragraphs(record: dict) -> None:
    """One span from the last word of paragraph 0 to the first word of paragraph 1."""
    p0, p1 = record["paragraphs"][0], record["paragraphs"][1]
    text = record["text"]
    start = text.rindex(" ", p0["start"], p0["end"]) + 1
    end = text.index(" ", p1["start"])
    record["entities"] = [
        {
            "start": start,
            "end": end,
            "label": "ORG",
            "text": text[start:end],
            "canonical_id": None,
        }
    ]


def _pred(change: Callable[[dict, dict], None]) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        gold = gold_of(root, split_doc(root))
        e = gold["entities"][0]
        record = {"id": gold["id"], "entities": [{k: e[k] for k in ("start", "end", "label")}]}
        change(record, gold)
        return predictions(root, record)

    return setup


def _export(change: Callable[[dict], object]) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        line = base_export_line()
        extra = change(line)
        return export_round(root, line, *([extra] if extra else []))

    return setup


def _conflict(line: dict) -> dict:
    return {**line, "entities": line["entities"][1:]}


def _resolution(change: Callable[[dict], None]) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        record = base_resolution()
        change(record)
        return resolutions(root, record)

    return setup


def _splits(name: str, data: bytes | None) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        path = root / "splits" / name
        if data is None:
            path.unlink()
        else:
            path.write_bytes(data)
        return predictions(root)

    return setup


def _renamed_split(name: str, old: str) -> Callable[[Path], list[str]]:
    """A checkout from before release 2.0: the validation list still has its old name."""

    def setup(root: Path) -> list[str]:
        (root / "splits" / name).rename(root / "splits" / old)
        return predictions(root)

    return setup


def _manifest(change: Callable[[dict], None] | bytes) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        path = root / "splits/manifest.json"
        if isinstance(change, bytes):
            path.write_bytes(change)
        else:
            data = json.loads(path.read_text(encoding="utf-8"))
            change(data)
            path.write_text(json.dumps(data), encoding="utf-8")
        return ["split", "--check"]

    return setup


def _schema(old: str, new: str) -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        edit_yaml(root, "annotations/schema.yaml", old, new)
        return predictions(root)

    return setup


def _gazetteer(old: str | bytes, new: str = "") -> Callable[[Path], list[str]]:
    def setup(root: Path) -> list[str]:
        if isinstance(old, bytes):
            (root / "annotations/gazetteer.yaml").write_bytes(old)
        else:
            edit_yaml(root, "annotations/gazetteer.yaml", old, new)
        return ["preannotate", "--out", str(root / "suggestions.jsonl")]

    return setup


SYRIA = "{id: gpe:syria, type: GPE, name: سوريا, aliases: [سوريا, سورية]}"
CP1256 = "تقرير عن المحادثات".encode("cp1256")

CASES = [
    # raw files
    Case("raw-empty", "A101", "articles/raw/empty.txt", _listed("empty.txt", b"")),
    Case("raw-blank", "A101", "articles/raw/blank.txt", _listed("blank.txt", b" \n\t\n")),
    Case("raw-nul", "A102", "byte offset 4", _listed("nul.txt", b"abc \x00 def")),
    Case("raw-cp1256", "A103", "articles/raw/old.txt: byte offset 0", _listed("old.txt", CP1256)),
    Case("raw-control", "A104", "character offset 8", _listed("bell.txt", "خبر قصير\x07".encode())),
    Case(
        "raw-html-empty",
        "A105",
        "articles/raw/page.html",
        _listed("page.html", b"<html><body><script>x</script></body></html>"),
    ),
    Case(
        "raw-missing",
        "A106",
        "articles/raw/gone.txt",
        lambda r: (add_listed(r, "gone.txt", None, sha256="f" * 64), ["ingest"])[1],
    ),
    Case("raw-directory", "A113", "articles/raw/folder.txt", _dir),
    Case("raw-changed", "A111", "astana-0099", _changed),
    Case("raw-listed-pdf", "A110", "articles/raw/scan.pdf", _listed("scan.pdf", b"%PDF-1.4")),
    Case("raw-unlisted-pdf", "A110", "articles/raw/scan.pdf", _new_raw("scan.pdf", b"%PDF-1.4")),
    Case("raw-unlisted-txt", "A109", "new.txt", _new_raw("new.txt", ARTICLE.encode())),
    Case(
        "raw-dotdot",
        "A112",
        "articles.yaml: entry 1",
        _entry("file: 000_b07221b9a5595ca2.txt", "file: ../../secret.txt"),
    ),
    Case("raw-symlink-out", "A112", "articles.yaml: entry 6", _symlink_out),
    # articles.yaml
    Case("meta-top-list", "A107", "articles/articles.yaml", _metadata("- a\n- b\n")),
    Case(
        "meta-articles-mapping", "A107", "articles/articles.yaml", _metadata("articles: {id: x}\n")
    ),
    Case("meta-entry-string", "A107", "entry 1", _metadata("articles:\n- astana-0001\n")),
    Case(
        "meta-unknown-key",
        "A107",
        "entry 2",
        _entry("outlet: null", "outlet: null\n  author: x", 2),
    ),
    Case(
        "meta-missing-sha",
        "A107",
        "entry 3",
        _entry(
            "  sha256: 4f09939e550eb94dbc183b46d73c1a8f7ce18758d7857ef101f6f6da3f224a4b\n", "", 3
        ),
    ),
    Case("meta-id-int", "A107", "entry 1", _entry("id: astana-0001", "id: 1")),
    Case("meta-id-pattern", "A107", "entry 1", _entry("id: astana-0001", "id: article-1")),
    Case("meta-duplicate-id", "A107", "entry 2", _entry("id: astana-0002", "id: astana-0001", 2)),
    Case(
        "meta-file-twice",
        "A107",
        "entry 2",
        _entry("file: 001_26353e1729ca0d34.txt", "file: 000_b07221b9a5595ca2.txt", 2),
    ),
    Case(
        "meta-file-list",
        "A107",
        "entry 1",
        _entry("file: 000_b07221b9a5595ca2.txt", "file: [a.txt, b.txt]"),
    ),
    Case(
        "meta-published-word", "A114", "entry 1", _entry("published: null", "published: yesterday")
    ),
    Case(
        "meta-published-feb30",
        "A114",
        "entry 2",
        _entry("published: null", "published: '2017-02-30'", 2),
    ),
    Case(
        "meta-published-format",
        "A114",
        "entry 1",
        _entry("published: null", "published: 04/07/2017"),
    ),
    Case(
        "meta-published-bad-yaml-date",
        "A202",
        "articles/articles.yaml",
        _entry("published: null", "published: 2017-13-45"),
    ),
    Case("meta-sha-not-hex", "A107", "entry 1", _entry("sha256: 0720", "sha256: zz20")),
    Case("meta-url-not-url", "A107", "entry 1", _entry("url: null", "url: the agency site")),
    Case("meta-invalid-yaml", "A202", "articles/articles.yaml", _metadata("articles: [\n")),
    Case(
        "meta-not-utf8",
        "A205",
        "articles/articles.yaml: byte offset 9",
        _metadata(b"articles:\xff\n"),
    ),
    # articles register
    Case(
        "register-published",
        "A114",
        "--published",
        _register(("n.txt", ARTICLE.encode()), args=("--published", "yesterday")),
    ),
    Case(
        "register-url-many",
        "A115",
        "a.txt, b.txt",
        _register(
            ("a.txt", ARTICLE.encode()),
            ("b.txt", (ARTICLE + "سطر").encode()),
            args=("--url", "https://example.org/a"),
        ),
    ),
    Case("register-copy", "A116", "articles/raw/copy.txt", _register_copy),
    Case(
        "register-two-copies",
        "A116",
        "articles/raw/b.txt",
        _register(("a.txt", ARTICLE.encode()), ("b.txt", ARTICLE.encode())),
    ),
    Case("register-bad-bytes", "A103", "articles/raw/old.txt", _register(("old.txt", CP1256))),
    Case("register-symlink-out", "A112", "articles/raw/new-link.txt", _register_symlink),
    # gold: shape (read before evaluate)
    Case("gold-entities-string", "A310", "gold.jsonl:1", _gold(_set("entities", "GPE", where=""))),
    Case("gold-start-float", "A310", "gold.jsonl:1", _gold(_set("start", 6.0))),
    Case("gold-start-bool", "A310", "gold.jsonl:2", _gold(_set("start", True), line=2)),
    Case("gold-start-null", "A310", "gold.jsonl:1", _gold(_set("start", None))),
    Case("gold-start-string", "A310", "gold.jsonl:3", _gold(_set("start", "6"), line=3)),
    Case("gold-missing-text", "A310", "gold.jsonl:1", _gold(_set("text", KeyError))),
    Case("gold-unknown-key", "A310", "gold.jsonl:1", _gold(_set("confidence", 0.9))),
    Case(
        "gold-paragraph-events-string",
        "A310",
        "gold.jsonl:1",
        _gold(_set("events", "STATEMENT", where="paragraphs")),
    ),
    Case(
        "gold-annotation-missing",
        "A310",
        "gold.jsonl:4",
        _gold(_set("annotation", KeyError, where=""), line=4),
    ),
    Case("gold-not-utf8", "A312", "gold.jsonl:2: byte offset", _gold_not_utf8),
    Case("gold-not-object", "A303", "gold.jsonl:1", _gold_bytes(b"[1, 2]\n")),
    Case("gold-blank-lines-counted", "A302", "gold.jsonl:3", _gold_blank_then_bad),
    Case(
        "gold-missing",
        "A311",
        "annotations/gold.jsonl",
        lambda r: ((r / "annotations/gold.jsonl").unlink(), predictions(r))[1],
    ),
    # gold: validated before evaluate, export spacy, view
    Case("gold-overlap-evaluate", "A610", "E007", _invalid_gold(_overlap, "evaluate")),
    Case("gold-label-export", "A610", "E008", _invalid_gold(_set("label", "WEAPON"), "export")),
    Case("gold-cross-paragraph-view", "A610", "E016", _invalid_gold(_cross_paragraphs, "view")),
    Case(
        "gold-hash-evaluate",
        "A610",
        "E018",
        _invalid_gold(_set("text_sha256", "0" * 64, where=""), "evaluate"),
    ),
    Case(
        "gold-events-union-export",
        "A610",
        "E017",
        _invalid_gold(_set("events", [], where=""), "export"),
    ),
    # predictions
    Case(
        "pred-float-offset",
        "A601",
        "p.jsonl:1",
        _pred(lambda p, g: p["entities"][0].update(start=p["entities"][0]["start"] + 0.5)),
    ),
    Case(
        "pred-bool-offset",
        "A601",
        "p.jsonl:1",
        _pred(lambda p, g: p["entities"][0].update(end=True)),
    ),
    Case("pred-entities-string", "A601", "p.jsonl:1", _pred(lambda p, g: p.update(entities="GPE"))),
    Case(
        "pred-label",
        "A604",
        "p.jsonl:1",
        _pred(lambda p, g: p["entities"][0].update(label="WEAPON")),
    ),
    Case("pred-id-unknown", "A602", "p.jsonl:1", _pred(lambda p, g: p.update(id="astana-9999"))),
    Case(
        "pred-outside-text",
        "A601",
        "p.jsonl:1",
        _pred(lambda p, g: p["entities"][0].update(end=len(g["text"]) + 3)),
    ),
    Case(
        "pred-paragraph-index",
        "A601",
        "p.jsonl:1",
        _pred(lambda p, g: p.update(paragraphs=[{"index": 99, "events": []}])),
    ),
    Case("pred-event-label", "A604", "p.jsonl:1", _pred(lambda p, g: p.update(events=["PARTY"]))),
    Case(
        "pred-events-string", "A601", "p.jsonl:1", _pred(lambda p, g: p.update(events="STATEMENT"))
    ),
    Case(
        "pred-twice",
        "A603",
        "p.jsonl:2",
        lambda r: predictions(r, {"id": split_doc(r)}, {"id": split_doc(r)}),
    ),
    Case(
        "pred-not-utf8",
        "A312",
        "p.jsonl:1",
        lambda r: (
            write_lines(r / "p.jsonl", [], raw=b'{"id": "\xc3"}\n'),
            ["evaluate", "--predictions", str(r / "p.jsonl")],
        )[1],
    ),
    # Doccano exports of a round (merge)
    Case(
        "export-entities-string", "A407", "ann.jsonl:1", _export(lambda e: e.update(entities="GPE"))
    ),
    Case(
        "export-float-offset",
        "A407",
        "ann.jsonl:1",
        _export(lambda e: e["entities"][0].__setitem__(0, 6.0)),
    ),
    Case(
        "export-object-missing-end",
        "A407",
        "ann.jsonl:1",
        _export(lambda e: e.update(entities=[{"start_offset": 6, "label": "ORG"}])),
    ),
    Case("export-conflict", "A314", "ann.jsonl:2", _export(_conflict)),
    Case(
        "export-label",
        "A408",
        "ann.jsonl:1",
        _export(lambda e: e["entities"][0].__setitem__(2, "WEAPON")),
    ),
    Case("export-drift", "A406", "ann.jsonl:1", _export(lambda e: e.update(text=e["text"] + " "))),
    Case(
        "export-unknown-doc",
        "A407",
        "ann.jsonl:1",
        _export(lambda e: e.update(doc_id="astana-9999")),
    ),
    Case(
        "export-index-string",
        "A407",
        "ann.jsonl:1",
        _export(lambda e: e.update(paragraph_index="0")),
    ),
    Case(
        "export-cats-string", "A407", "ann.jsonl:1", _export(lambda e: e.update(cats="STATEMENT"))
    ),
    Case(
        "export-not-utf8",
        "A312",
        "ann.jsonl:1",
        lambda r: export_round(r, raw=b'{"doc_id": "\xe0\x80"}\n'),
    ),
    Case(
        "export-no-round",
        "A412",
        "annotations/doccano/nothing",
        lambda r: ["merge", "--round", "nothing"],
    ),
    # resolutions (merge --resolutions)
    Case("res-no-reason", "A305", "res.jsonl:1", _resolution(lambda r: r.pop("reason"))),
    Case(
        "res-float",
        "A305",
        "res.jsonl:1",
        _resolution(lambda r: r["entities"][0].update(start=93.0)),
    ),
    Case(
        "res-entities-object",
        "A305",
        "res.jsonl:1",
        _resolution(lambda r: r.update(entities={"start": 1})),
    ),
    Case(
        "res-label",
        "A305",
        "res.jsonl:1",
        _resolution(lambda r: r["entities"][0].update(label="WEAPON")),
    ),
    Case(
        "res-index-bool",
        "A305",
        "res.jsonl:1",
        _resolution(lambda r: r.update(paragraph_index=True)),
    ),
    Case(
        "res-twice",
        "A305",
        "res.jsonl:2",
        lambda r: resolutions(r, base_resolution(), base_resolution()),
    ),
    # committed split lists (read before evaluate)
    Case(
        "splits-not-utf8",
        "A506",
        "splits/train.txt:2",
        _splits("train.txt", b"astana-0002\nastana-\xff\n"),
    ),
    Case(
        "splits-two-ids",
        "A506",
        "splits/test.txt:1",
        _splits("test.txt", b"astana-0001 astana-0002\n"),
    ),
    Case("splits-missing", "A502", "splits/validation.txt", _splits("validation.txt", None)),
    Case(
        "splits-old-dev-name", "A507", "splits/dev.txt", _renamed_split("validation.txt", "dev.txt")
    ),
    # splits/manifest.json (split --check)
    Case("manifest-seed-float", "A505", "manifest.json", _manifest(lambda m: m.update(seed=4.5))),
    Case("manifest-seed-string", "A505", "manifest.json", _manifest(lambda m: m.update(seed="4"))),
    Case(
        "manifest-ratios",
        "A505",
        "manifest.json",
        _manifest(lambda m: m["ratios"].update(train=0.5)),
    ),
    Case(
        "manifest-threshold",
        "A505",
        "manifest.json",
        _manifest(lambda m: m.update(near_duplicate_threshold=True)),
    ),
    Case("manifest-not-json", "A505", "manifest.json", _manifest(b"{seed: 4}")),
    Case("manifest-not-utf8", "A505", "byte offset 2", _manifest(b'{"\xff": 1}')),
    # schema (read before evaluate)
    Case(
        "schema-examples-string",
        "A203",
        "entities[1]",
        _schema(
            'examples: ["ستافان دي ميستورا", "خيرات عبد الرحمانوف", "فلاديمير بوتين"]',
            "examples: ستافان دي ميستورا",
        ),
    ),
    Case("schema-shortcut-int", "A203", "events[1]", _schema('shortcut: "1"', "shortcut: 1")),
    Case("schema-version-float", "A203", "schema.yaml", _schema('version: "1.0"', "version: 1.0")),
    Case("schema-cameo-ints", "A203", "events[1]", _schema('cameo: ["04"]', "cameo: [04]")),
    Case(
        "schema-unknown-key",
        "A203",
        "entities[1]",
        _schema("shortcut: p", "shortcut: p\n    colour: red"),
    ),
    Case(
        "schema-not-utf8",
        "A205",
        "schema.yaml: byte offset",
        lambda r: (
            (r / "annotations/schema.yaml").write_bytes(b"version: '\xff'\n"),
            predictions(r),
        )[1],
    ),
    # gazetteer (preannotate)
    Case(
        "gaz-aliases-string",
        "A204",
        "entry 1",
        _gazetteer(SYRIA, "{id: gpe:syria, type: GPE, name: سوريا, aliases: سوريا}"),
    ),
    Case(
        "gaz-id-int",
        "A204",
        "entry 1",
        _gazetteer(SYRIA, "{id: 7, type: GPE, name: سوريا, aliases: [سوريا]}"),
    ),
    Case(
        "gaz-extra-key",
        "A204",
        "entry 1",
        _gazetteer(SYRIA, "{id: gpe:syria, type: GPE, name: سوريا, aliases: [سوريا], note: x}"),
    ),
    Case(
        "gaz-type",
        "A204",
        "gazetteer.yaml: gpe:syria: type 'COUNTRY'",
        _gazetteer(SYRIA, "{id: gpe:syria, type: COUNTRY, name: سوريا, aliases: [سوريا]}"),
    ),
    Case("gaz-entries-mapping", "A204", "gazetteer.yaml", _gazetteer(b"entries: {a: 1}\n")),
    Case("gaz-not-utf8", "A205", "gazetteer.yaml: byte offset 0", _gazetteer(b"\xfeentries: []\n")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_with_its_code(case, project, capsys):
    argv = case.setup(project)
    before = snapshot(project)
    capsys.readouterr()
    assert main(["--root", str(project), *argv]) == 1
    err = capsys.readouterr().err
    assert f"[{case.code}]" in err, err
    assert case.place in err, err
    assert "Traceback" not in err
    assert snapshot(project) == before


# ---------------------------------------------------------------- reader-level cases
# (the commands that read these need a Doccano server, or build the whole dataset)


def code_and_message(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(AstanaError) as exc:
        call()
    return exc.value.code, str(exc.value)


SESSION = "paragraphs:\n- doc: astana-0001\n  p: 0\n  entities: [[العاصمة, GPE]]\n  events: []\n"


@pytest.mark.parametrize(
    ("text", "code", "place"),
    [
        (SESSION.replace("[[العاصمة, GPE]]", "العاصمة"), "A424", "entry 1"),
        (SESSION.replace("[[العاصمة, GPE]]", "[ab]"), "A424", "entry 1"),
        (SESSION.replace("p: 0", "p: 0.0"), "A424", "entry 1"),
        (SESSION.replace("p: 0", "p: true"), "A424", "entry 1"),
        (SESSION.replace("events: []", "events: STATEMENT"), "A424", "entry 1"),
        (SESSION + "- just a line\n", "A424", "entry 2"),
        (SESSION.replace("doc: astana-0001", "doc: 12"), "A424", "entry 1"),
        ("paragraphs: {}\n", "A424", "entry 0"),
    ],
)
def test_bad_session_file(tmp_path, text, code, place):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    got, message = code_and_message(lambda: read_session(path))
    assert got == code and f"{path}: paragraph {place}" in message


def test_session_file_not_utf8(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(SESSION.encode("cp1256", errors="replace").replace(b"GPE", b"\xff"))
    got, message = code_and_message(lambda: read_session(path))
    assert got == "A205" and f"{path}: byte offset" in message


PRE = {"doc_id": "astana-0001", "paragraph_index": 0, "entities": [[0, 5, "GPE"]], "cats": []}


@pytest.mark.parametrize(
    "change",
    [
        {"entities": "GPE"},
        {"entities": [[0.0, 5, "GPE"]]},
        {"entities": [[0, 5]]},
        {"entities": [[5, 5, "GPE"]]},
        {"paragraph_index": "0"},
        {"cats": "STATEMENT"},
    ],
)
def test_bad_preannotations(tmp_path, change):
    path = tmp_path / "pre.jsonl"
    write_lines(path, [PRE, {**PRE, **change}])
    got, message = code_and_message(lambda: read_preannotations(path))
    assert got == "A304" and f"{path}:2" in message


def _scores_with(f1: float) -> bytes:
    """A ner results file whose strict micro F1 is ``f1`` and every other score 0.5."""
    import json as _json

    strict = {"micro": {"f1": f1}, "macro_f1": 0.5}
    entities = {
        "strict": strict,
        "clitic": {"micro": {"f1": 0.5}},
        "partial": {"micro": {"f1": 0.5}},
    }
    data = {"command": "astana train ner", "split": "test", "scores": {"entities": entities}}
    return _json.dumps(data).encode()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"\xff": 1}', "byte offset 2"),
        (b'{"scores": {}}', "command"),
        (b'{"scores": {}, "command": "x", "split": "test"}', "scores.entities.strict.micro.f1"),
        (b'{"scores": [], "command": "x", "split": "test"}', "scores"),
        (_scores_with(1.5), "must be a score in [0, 1], got 1.5"),
        (_scores_with(-0.1), "got -0.1"),
        (_scores_with(float("nan")), "got nan"),
    ],
)
def test_bad_results_file(tmp_path, content, problem):
    (tmp_path / "results").mkdir()
    (tmp_path / "results/ner.json").write_bytes(content)
    got, message = code_and_message(lambda: read_results(tmp_path))
    assert got == "A609" and "results/ner.json" in message and problem in message


def test_bad_results_file_stops_the_card(project, capsys):
    (project / "results/ner.json").write_text('{"scores": {"entities": {}}}', encoding="utf-8")
    before = snapshot(project)
    assert main(["--root", str(project), "card", "--check"]) == 1
    assert "[A609]" in capsys.readouterr().err
    assert snapshot(project) == before


EMOJI = make_doc("t-0001", ["عنوان الخبر", "قال 😀 المتحدث بسوريا إن الوفد غادر."])


def export_line(entities) -> dict:
    return {
        "doc_id": "t-0001",
        "paragraph_index": 1,
        "text": EMOJI.paragraph_text(1),
        "entities": entities,
    }


def test_code_point_offsets_after_an_emoji_are_refused():
    text = EMOJI.paragraph_text(1)
    start = text.index("سوريا")
    where = "r9/ann.jsonl:4"
    # Written in code points: read as UTF-16 the span is shifted by one, into "بسوري".
    got, message = code_and_message(
        lambda: convert_export_line(
            export_line([[start, start + 5, "GPE"]]), {"t-0001": EMOJI}, SCHEMA, where=where
        )
    )
    assert got == "A313" and where in message and "t-0001 paragraph 1" in message
    assert "'سوريا'" in message  # the code-point reading it names


@pytest.mark.parametrize(
    "entity",
    [
        lambda s, e: [s, e, "GPE"],
        lambda s, e: {"start_offset": s, "end_offset": e, "label": "GPE"},
        lambda s, e: {"id": 7, "start_offset": s, "end_offset": e, "label": "GPE"},
        lambda s, e: {"start": s, "end": e, "label": "GPE"},
    ],
)
def test_every_doccano_entity_shape_converts_to_the_same_span(entity):
    text = EMOJI.paragraph_text(1)
    start = text.index("سوريا")
    s16, e16 = codepoint_to_utf16(text, start), codepoint_to_utf16(text, start + 5)
    ann = convert_export_line(
        export_line([entity(s16, e16)]), {"t-0001": EMOJI}, SCHEMA, where="x:1"
    )
    (span,) = ann.entities
    assert EMOJI.text[span.start : span.end] == "سوريا"


def test_identical_duplicate_export_lines_are_one_paragraph(project):
    line = base_export_line()
    export_round(project, line, line)
    from astana_corpus.annotate.doccano_format import read_export

    documents, _ = pipeline.load_documents(project)
    path = project / "annotations/doccano/rbad/confirmed/ann.jsonl"
    assert len(read_export(path, {d.id: d for d in documents}, SCHEMA)) == 1


def test_a_raw_file_without_arabic_is_a_warning_not_an_error(project, capsys):
    (project / "articles/raw/latin.txt").write_text(
        "Delegations met in the capital this morning.\nNo statement was issued.\n",
        encoding="utf-8",
    )
    assert main(["--root", str(project), "articles", "register"]) == 0
    capsys.readouterr()
    assert main(["--root", str(project), "validate"]) == 1  # the new file breaks the splits
    out = capsys.readouterr().out
    assert "W003" in out and "latin.txt" in out


def test_register_accepts_one_url_for_one_file_and_a_real_date(project):
    (project / "articles/raw/one.txt").write_text(ARTICLE, encoding="utf-8")
    args = ["articles", "register", "--url", "https://example.org/a", "--published", "2017-07-04"]
    assert main(["--root", str(project), *args]) == 0
    text = (project / "articles/articles.yaml").read_text(encoding="utf-8")
    assert "https://example.org/a" in text and "2017-07-04" in text
