"""Bad input gets its catalogue code (one case per code not covered by a stage's own tests)."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import sys
import threading

import pytest

from astana_corpus import pipeline
from astana_corpus.annotate import server
from astana_corpus.annotate.doccano import pull
from astana_corpus.annotate.doccano_format import (
    export_files,
    locate_entities,
    read_preannotations,
    read_session,
)
from astana_corpus.annotate.merge import merge
from astana_corpus.annotate.preannotate import read_gazetteer
from astana_corpus.cli import main
from astana_corpus.core.errors import AstanaError
from astana_corpus.core.gold import read_gold
from astana_corpus.core.io import iter_jsonl
from astana_corpus.core.schema import read_schema
from astana_corpus.dataset.card import render_card
from astana_corpus.dataset.splits import (
    first_seed_with_nonempty_splits,
    read_committed,
    read_config,
)
from astana_corpus.ingest.clean import clean_document
from astana_corpus.ingest.documents import ingest_article
from astana_corpus.ingest.sources import ArticleMeta, html_to_text
from astana_corpus.models.train import read_results
from tests.conftest import ROOT, free_port
from tests.test_doccano import make_doc

SCHEMA = read_schema(ROOT)


def code_of(call) -> str:
    with pytest.raises(AstanaError) as exc:
        call()
    return exc.value.code


# ---------------------------------------------------------------- raw articles


def test_a105_html_without_article_text():
    assert code_of(
        lambda: html_to_text("<html><body><script>x</script></body></html>", "p.html")
    ) == ("A105")


def test_a108_cleaning_kept_nothing():
    meta = ArticleMeta("astana-0001", "x.txt", "0")
    furniture = "اترك تعليقا\nشارك على فيسبوك تويتر\n"
    call = lambda: clean_document(meta, furniture, source_format="txt", source_kind="utf-8")  # noqa: E731
    assert code_of(call) == "A108"


def test_a110_unsupported_file_type(tmp_path):
    (tmp_path / "articles/raw").mkdir(parents=True)
    (tmp_path / "articles/raw/a.pdf").write_bytes(b"%PDF")
    meta = ArticleMeta("astana-0001", "a.pdf", "0")
    assert code_of(lambda: ingest_article(tmp_path, meta)) == "A110"


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s.replace("name: PER", "name: per"),  # not UPPER_SNAKE
        lambda s: s.replace("version:", "versions:"),  # no version
    ],
)
def test_a203_bad_schema(project_root, damage):
    path = project_root / "annotations/schema.yaml"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert code_of(lambda: read_schema(project_root)) == "A203"


@pytest.mark.parametrize(
    "entries",
    [
        [{"id": "x", "type": "WEAPON", "name": "n", "aliases": ["n"]}],
        [{"id": "x", "type": "GPE", "name": "n"}],
        [{"id": "x", "type": "GPE", "name": "n", "aliases": [" "]}],
        [],
    ],
)
def test_a204_bad_gazetteer(project_root, entries):
    path = project_root / "annotations/gazetteer.yaml"
    path.write_text(json.dumps({"entries": entries}), encoding="utf-8")
    assert code_of(lambda: read_gazetteer(project_root, SCHEMA)) == "A204"


# ---------------------------------------------------------------- annotation files


def test_a301_a303_json_lines(tmp_path):
    assert code_of(lambda: list(iter_jsonl(tmp_path / "none.jsonl"))) == "A301"
    with pytest.raises(AstanaError, match=r"none\.jsonl: not found"):
        list(iter_jsonl(tmp_path / "none.jsonl"))
    (tmp_path / "folder.jsonl").mkdir()
    with pytest.raises(AstanaError, match=r"folder\.jsonl: is a folder, not a file") as exc:
        list(iter_jsonl(tmp_path / "folder.jsonl"))
    assert exc.value.code == "A301"
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1}\n\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(AstanaError, match=r"a\.jsonl:3:") as exc:  # blank lines count
        list(iter_jsonl(path))
    assert exc.value.code == "A303"


def test_a304_bad_preannotations(tmp_path):
    path = tmp_path / "pre.jsonl"
    path.write_text('{"doc_id": "d", "paragraph_index": 0, "entities": [[0, 1]]}\n')
    assert code_of(lambda: read_preannotations(path)) == "A304"


def test_a310_a311_gold_of_the_wrong_shape(tmp_path):
    assert code_of(lambda: read_gold(tmp_path / "gold.jsonl")) == "A311"
    record = json.loads(
        (ROOT / "annotations/gold.jsonl").read_text(encoding="utf-8").split("\n")[0]
    )
    for damage in ({"entities": "GPE"}, {"text": None}, {"paragraphs": [{"index": "0"}]}):
        path = tmp_path / "gold.jsonl"
        path.write_text(json.dumps({**record, **damage}, ensure_ascii=False) + "\n")
        with pytest.raises(AstanaError, match=r"gold\.jsonl:1: ") as exc:
            read_gold(path)
        assert exc.value.code == "A310"


def _round(root, name, files):
    for sub in ("", "confirmed/"):
        for user, lines in files.items():
            path = root / f"annotations/doccano/{name}/{sub}{user}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))


DOC = make_doc("test-0001", ["وصل الوفد إلى أستانة", "وقال بوتين إن روسيا تدعم الحوار."])


def _line(index, cats=()):
    text = DOC.paragraph_text(index)
    return {"id": index, "text": text, "doc_id": DOC.id, "paragraph_index": index,
            "entities": [], "cats": list(cats)}  # fmt: skip


def test_a307_prefer_unknown_annotator(project_root):
    _round(project_root, "r1", {"a": [_line(0)], "b": [_line(0, ["AID"])]})
    call = lambda: merge(  # noqa: E731
        project_root, round_name="r1", documents=[DOC], schema=SCHEMA, prefer="zed"
    )
    assert code_of(call) == "A307"


def test_a309_no_document_complete(project_root):
    _round(project_root, "r1", {"a": [_line(0)]})  # paragraph 1 never annotated
    call = lambda: merge(project_root, round_name="r1", documents=[DOC], schema=SCHEMA)  # noqa: E731
    assert code_of(call) == "A309"
    assert not (project_root / "annotations/gold.jsonl").exists()


def test_a409_a410_a412_round_folders_before_any_server_call(project_root):
    def pull_round(name):
        return lambda: pull(
            project_root, client=None, project="p", round_name=name, documents=[], schema=SCHEMA
        )

    assert code_of(pull_round("../r1")) == "A409"
    (project_root / "annotations/doccano/r1").mkdir(parents=True)
    assert code_of(pull_round("r1")) == "A410"
    assert code_of(lambda: export_files(project_root, "r7", confirmed_only=True)) == "A412"


def test_a413_entity_not_found_as_a_whole_name():
    text = "زار بوتين سوريا"
    call = lambda: locate_entities(text, [("سوري", "GPE")], where="s.yaml: entry 1")  # noqa: E731
    assert code_of(call) == "A413"


@pytest.mark.parametrize(
    "body",
    [
        "paragraphs: {doc: x}\n",
        "paragraphs:\n  - {doc: astana-0001, p: one, entities: []}\n",
        "paragraphs:\n  - {doc: astana-0001, p: 0, entities: سوريا}\n",
        "paragraphs:\n  - {doc: astana-0001, p: 0}\n",
    ],
)
def test_a424_malformed_session_entries(tmp_path, body):
    path = tmp_path / "s.yaml"
    path.write_text(body, encoding="utf-8")
    assert code_of(lambda: read_session(path)) == "A424"


# ---------------------------------------------------------------- the Doccano launcher


def test_a416_a422_failing_install_steps_are_named(tmp_path):
    log = tmp_path / "install.log"
    call = lambda: server._run([sys.executable, "-c", "raise SystemExit(3)"], log=log, what="x")  # noqa: E731
    assert code_of(call) == "A416"
    paths = server.ServerPaths(venv=tmp_path / "venv", home=tmp_path / "home")
    assert code_of(lambda: server._backend_dir(paths)) == "A422"


def test_a417_missing_constraints(tmp_path):
    paths = server.ServerPaths(venv=tmp_path / "venv", home=tmp_path / "home")
    assert code_of(lambda: server.install(tmp_path, paths)) == "A417"


def test_a418_no_credentials_and_no_terminal(monkeypatch):
    monkeypatch.delenv("DOCCANO_USERNAME", raising=False)
    monkeypatch.delenv("DOCCANO_PASSWORD", raising=False)
    assert code_of(lambda: server.admin_credentials(purpose="test")) == "A418"


def test_a423_add_user_needs_a_password(monkeypatch, capsys):
    monkeypatch.delenv("DOCCANO_NEW_PASSWORD", raising=False)
    argv = ["--root", str(ROOT), "doccano", "add-user", "--project", "p", "--username", "u"]
    assert main(argv) == 1
    assert "[A423]" in capsys.readouterr().err


@pytest.fixture()
def launcher(tmp_path, monkeypatch):
    """serve() with installation and initialisation taken as done, spawning given commands."""
    monkeypatch.setenv("DOCCANO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ASTANA_DOCCANO_VENV", str(tmp_path / "venv"))
    monkeypatch.setattr(server, "install", lambda root, paths: False)
    monkeypatch.setattr(server, "initialise", lambda paths: False)
    monkeypatch.setattr(server, "_backend_dir", lambda paths: tmp_path)
    return tmp_path


def test_a419_port_taken_by_another_server(launcher):
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", free_port()), Health)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        call = lambda: server.serve(launcher, port=httpd.server_port)  # noqa: E731
        assert code_of(call) == "A419"
    finally:
        httpd.shutdown()


def test_a420_a421_processes_that_die_or_never_answer(launcher, monkeypatch):
    """Real child processes: one that exits at once (A420), one that never answers (A421)."""
    spawn = server._spawn

    def fake(script):
        return lambda cmd, *, env, log: spawn([sys.executable, "-c", script], env=env, log=log)

    monkeypatch.setattr(server, "_spawn", fake("raise SystemExit(1)"))
    assert code_of(lambda: server.serve(launcher, port=free_port(), timeout=5)) == "A420"
    monkeypatch.setattr(server, "_spawn", fake("import time; time.sleep(30)"))
    assert code_of(lambda: server.serve(launcher, port=free_port(), timeout=1)) == "A421"
    assert server.running(server.server_paths(launcher)) is None  # stopped, not left running


# ---------------------------------------------------------------- splits, card, models


def test_a501_no_seed_fills_every_split():
    assert code_of(lambda: first_seed_with_nonempty_splits(["only-one"], limit=3)) == "A501"


def test_a502_a505_split_files(tmp_path):
    assert code_of(lambda: read_committed(tmp_path)) == "A502"
    (tmp_path / "splits").mkdir()
    for body in ("not json", "[1]", '{"seed": 1}'):
        (tmp_path / "splits/manifest.json").write_text(body)
        assert code_of(lambda: read_config(tmp_path)) == "A505"


def test_a504_card_markers():
    assert code_of(lambda: render_card("no markers here", {"splits": "x"})) == "A504"


@pytest.fixture()
def copy(tmp_path):
    for name in ("articles", "annotations", "splits", "configs"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def test_a606_listed_document_without_gold(copy):
    gold = copy / "annotations/gold.jsonl"
    gold.write_text(gold.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    assert code_of(lambda: pipeline.gold_by_split(copy)) == "A606"


def test_a607_a608_unknown_baseline_and_missing_config(copy):
    assert code_of(lambda: pipeline.train(copy, "bert", record=False)) == "A607"
    (copy / "configs/ner.cfg").unlink()
    assert code_of(lambda: pipeline.train(copy, "ner", record=False)) == "A608"


def test_a609_malformed_results(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results/ner.json").write_text('{"baseline": "ner"}')
    assert code_of(lambda: read_results(tmp_path)) == "A609"


def test_cli_prints_the_code_and_exits_1(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "validate"]) == 1
    assert "[A201]" in capsys.readouterr().err  # no schema: named, with what to do


def test_no_traceback_from_the_cli_on_a_damaged_documents_key(copy):
    """A damaged materialised key only costs a fresh ingest, never a crash."""
    pipeline.load_documents(copy)
    (copy / "build/documents.key.json").write_text("{not json")
    result = subprocess.run(
        [sys.executable, "-m", "astana_corpus", "--root", str(copy), "split", "--check"],
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("argv", "command", "problem"),
    [
        (["frob"], "astana", "invalid choice: 'frob'"),
        (["evaluate"], "astana evaluate", "required: --predictions"),
        (["validate", "--no-such-flag"], "astana", "unrecognized arguments: --no-such-flag"),
    ],
)
def test_a206_usage_mistakes_are_coded_and_exit_2(capsys, argv, command, problem):
    from astana_corpus.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"[A206] {command}: " in err and problem in err
    assert f"run `{command} --help`" in err


def test_doccano_commands_check_the_project_before_logging_in(project_root, monkeypatch, capsys):
    """A project without articles metadata is reported (A201), not a login problem (A418)."""
    from astana_corpus.cli.main import main

    monkeypatch.delenv("DOCCANO_USERNAME", raising=False)
    monkeypatch.delenv("DOCCANO_PASSWORD", raising=False)
    argv = ["--root", str(project_root), "doccano", "push", "--project", "p"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "[A418]" not in err
    assert "[A201]" in err and "articles.yaml: not found" in err
