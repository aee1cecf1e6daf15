"""Doccano conversion units (no server) and the round trip against the real server."""

from __future__ import annotations

import contextlib
import json
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astana_corpus.annotate.doccano_format import (
    codepoint_to_utf16,
    convert_export_line,
    utf16_to_codepoint,
)
from astana_corpus.core.errors import DoccanoError
from astana_corpus.core.records import Document, Paragraph, Provenance
from astana_corpus.core.schema import read_schema
from tests.conftest import ROOT

SCHEMA = read_schema(ROOT)


def make_doc(doc_id: str, paragraphs: list[str]) -> Document:
    pieces, paras, offset = [], [], 0
    for index, text in enumerate(paragraphs):
        if pieces:
            pieces.append("\n")
            offset += 1
        paras.append(Paragraph(index, offset, offset + len(text), offset, offset + len(text)))
        pieces.append(text)
        offset += len(text)
    prov = Provenance("articles/raw/x.txt", "0" * 64, "txt", "utf-8", None, None, None, ())
    return Document(doc_id, "".join(pieces), tuple(paras), prov)


EMOJI_DOC = make_doc("test-0001", ["عنوان التقرير", "قال 😀 الوفد بسوريا إن الجولة انتهت."])


@given(st.text(alphabet="سوريا 😀𝔸،", max_size=20), st.data())
def test_utf16_round_trip(text, data):
    offset = data.draw(st.integers(0, len(text)))
    assert utf16_to_codepoint(text, codepoint_to_utf16(text, offset)) == offset
    assert codepoint_to_utf16(text, offset) == len(text[:offset].encode("utf-16-le")) // 2


def test_utf16_offset_inside_surrogate_pair_is_refused():
    with pytest.raises(ValueError, match="inside"):
        utf16_to_codepoint("😀س", 1)


def export_line(**overrides):
    text = EMOJI_DOC.paragraph_text(1)
    start = text.index("سوريا")
    line = {
        "id": 7,
        "text": text,
        "doc_id": "test-0001",
        "paragraph_index": 1,
        # UTF-16: the emoji counts twice
        "entities": [[start + 1, start + 1 + len("سوريا"), "GPE"]],
        "cats": ["STATEMENT"],
    }
    line.update(overrides)
    return line


def test_export_line_converted_to_document_codepoints():
    ann = convert_export_line(export_line(), {"test-0001": EMOJI_DOC}, SCHEMA, where="f:1")
    (span,) = ann.entities
    assert EMOJI_DOC.text[span.start : span.end] == "سوريا"
    assert ann.events == ("STATEMENT",)


@pytest.mark.parametrize(
    ("overrides", "code", "where"),
    [
        ({"entities": [[0, 3, "COUNTRY"]]}, "A408", "COUNTRY"),
        ({"cats": ["MEETING"]}, "A408", "MEETING"),
        ({"text": "نص تغير بعد الرفع"}, "A406", "test-0001 paragraph 1"),
        ({"doc_id": "test-0404"}, "A407", "test-0404 paragraph 1"),
        ({"entities": [[8, 8, "GPE"]]}, "A407", "[8, 8)"),
        ({"entities": [[8, 99, "GPE"]]}, "A407", "99"),
        ({"entities": [[8]]}, "A407", "[8]"),
    ],
)
def test_bad_export_lines_are_refused_with_place(overrides, code, where):
    with pytest.raises(DoccanoError) as info:
        convert_export_line(
            export_line(**overrides), {"test-0001": EMOJI_DOC}, SCHEMA, where="r1/ann.jsonl:3"
        )
    assert info.value.code == code
    assert "r1/ann.jsonl:3" in str(info.value) and where in str(info.value)


# ------------------------------------------------------------------ real server


def login(url, username, password):
    from doccano_client import DoccanoClient

    client = DoccanoClient(url)
    client.login(username=username, password=password)
    return client


def annotate(client, project_id, example, spans_utf16, cats, confirm=True):
    """What an annotator does in the browser: spans in UTF-16 units, labels, confirm."""
    span_types = {lt.text: lt.id for lt in client.list_label_types(project_id, "span")}
    cat_types = {lt.text: lt.id for lt in client.list_label_types(project_id, "category")}
    for start, end, label in spans_utf16:
        client.create_span(
            project_id, example.id, start, end, span_types[label], human_annotated=True
        )
    for cat in cats:
        client.create_category(project_id, example.id, cat_types[cat], human_annotated=True)
    if confirm:
        client.update_example_state(project_id, example.id)


@pytest.fixture()
def admin(doccano):
    from astana_corpus.annotate.doccano import connect

    return connect(doccano["url"], doccano["username"], doccano["password"])


def new_project(admin, project_root, prefix, documents):
    """Push ``documents`` to a fresh project; return (name, project)."""
    from astana_corpus.annotate.doccano import push

    name = f"{prefix}-{secrets.token_hex(4)}"
    push(project_root, client=admin, project=name, documents=documents, schema=SCHEMA)
    return name, next(p for p in admin.list_projects() if p.name == name)


def new_annotator(admin, doccano, project):
    """A fresh annotator account in ``project``, logged in."""
    user, password = f"ann-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    admin.create_user(user, password)
    admin.add_member(project.id, user, "annotator")
    return user, login(doccano["url"], user, password)


@pytest.mark.doccano
def test_serve_again_does_nothing(doccano):
    from astana_corpus.annotate.server import serve

    state, started = serve(ROOT, port=doccano["state"].port)
    assert not started
    assert state == doccano["state"]


@pytest.mark.doccano
def test_full_round_trip_two_annotators(doccano, project_root, seed_documents):
    from astana_corpus.annotate.agreement import agreement
    from astana_corpus.annotate.doccano import connect, pull, push
    from astana_corpus.annotate.merge import merge, read_round
    from astana_corpus.core.errors import ValidationError
    from astana_corpus.core.io import read_jsonl

    url = doccano["url"]
    admin = connect(url, doccano["username"], doccano["password"])
    name = f"round-trip-{secrets.token_hex(4)}"
    documents = [*seed_documents, EMOJI_DOC]
    n_paragraphs = sum(len(d.paragraphs) for d in documents)

    report = push(project_root, client=admin, project=name, documents=documents, schema=SCHEMA)
    assert report.created_project
    assert report.uploaded == n_paragraphs
    assert len(report.label_types_created) == len(SCHEMA.entity_names) + len(SCHEMA.event_names)
    again = push(project_root, client=admin, project=name, documents=documents, schema=SCHEMA)
    assert (again.uploaded, again.already_there, again.label_types_created) == (0, n_paragraphs, [])
    project = next(p for p in admin.list_projects() if p.name == name)
    assert not project.collaborative_annotation and not project.allow_overlapping
    assert not project.grapheme_mode
    assert project.guideline == (project_root / "annotations/guidelines.md").read_text().strip()

    examples = {
        (e.meta["doc_id"], e.meta["paragraph_index"]): e for e in admin.list_examples(project.id)
    }
    assert len(examples) == n_paragraphs
    by_id = {d.id: d for d in documents}
    for (doc_id, index), example in examples.items():
        assert example.text == by_id[doc_id].paragraph_text(index)  # exact text, no mojibake

    passwords = {}
    for user in ("ann1", "ann2"):
        passwords[user] = secrets.token_urlsafe(12)
        admin.create_user(user, passwords[user])
        admin.add_member(project.id, user, "annotator")

    # astana-0002: both annotators do all 8 paragraphs; they disagree on paragraph 2.
    doc = by_id["astana-0002"]
    p1 = doc.paragraph_text(1)
    russia = p1.index("روسيا")
    plan = {
        "ann1": {1: ([(russia, russia + 5, "GPE")], ["AGREEMENT"]), 2: ([], ["STATEMENT"])},
        "ann2": {
            1: ([(russia, russia + 5, "GPE")], ["AGREEMENT"]),
            2: ([], ["STATEMENT", "TALKS_SCHEDULED"]),
        },
    }
    emoji_text = EMOJI_DOC.paragraph_text(1)
    syria16 = codepoint_to_utf16(emoji_text, emoji_text.index("سوريا"))
    for user, paragraphs in plan.items():
        client = login(url, user, passwords[user])
        for index in range(len(doc.paragraphs)):
            spans, cats = paragraphs.get(index, ([], []))
            annotate(client, project.id, examples[("astana-0002", index)], spans, cats)
        annotate(client, project.id, examples[("test-0001", 0)], [], [])
        annotate(
            client,
            project.id,
            examples[("test-0001", 1)],
            [(syria16, syria16 + 5, "GPE")],
            ["STATEMENT"],
        )
    # ann1 labels a paragraph of astana-0001 without confirming it.
    client = login(url, "ann1", passwords["ann1"])
    annotate(client, project.id, examples[("astana-0001", 0)], [(0, 5, "ORG")], [], confirm=False)

    pulled = pull(
        project_root,
        client=admin,
        project=name,
        round_name="r1",
        documents=documents,
        schema=SCHEMA,
        url=url,
    )
    assert pulled.annotators["ann1"] == {"examples": n_paragraphs, "labelled": 4, "confirmed": 10}
    assert pulled.annotators["ann2"]["confirmed"] == 10
    folder = project_root / "annotations/doccano/r1"
    assert sorted(p.name for p in folder.glob("*.jsonl")) == sorted(
        [f"{doccano['username']}.jsonl", "ann1.jsonl", "ann2.jsonl"]
    )
    assert (folder / "confirmed" / "ann1.jsonl").exists()
    with pytest.raises(DoccanoError, match=r"^\[A410\]"):
        pull(
            project_root,
            client=admin,
            project=name,
            round_name="r1",
            documents=documents,
            schema=SCHEMA,
            url=url,
        )

    # Agreement: 10 shared confirmed paragraphs, the same 2 spans → F1 1.0;
    # TALKS_SCHEDULED: ann1 never, ann2 once → kappa 0 (pe = .9, po = .9).
    by_annotator = read_round(project_root, "r1", by_id, SCHEMA)
    assert sorted(by_annotator) == ["ann1", "ann2"]
    result = agreement(
        by_annotator, entity_labels=SCHEMA.entity_names, event_labels=SCHEMA.event_names
    )
    (pair,) = result["pairs"]
    assert pair["paragraphs"] == 10
    assert pair["entities"]["f1"] == 1.0
    assert pair["events"]["TALKS_SCHEDULED"]["kappa"] == pytest.approx(0.0)
    assert pair["events"]["AGREEMENT"]["kappa"] == pytest.approx(1.0)

    gold = project_root / "annotations/gold.jsonl"
    with pytest.raises(ValidationError, match=r"^\[A308\] round r1: 1 paragraph"):
        merge(project_root, round_name="r1", documents=documents, schema=SCHEMA)
    assert not gold.exists()
    (review,) = read_jsonl(project_root / "annotations/review/r1.jsonl")
    assert (review["doc_id"], review["paragraph_index"]) == ("astana-0002", 2)
    assert review["versions"]["ann2"]["events"] == ["STATEMENT", "TALKS_SCHEDULED"]

    merged = merge(project_root, round_name="r1", documents=documents, schema=SCHEMA, prefer="ann2")
    assert merged.documents_written == ["astana-0002", "test-0001"]
    assert "astana-0001" not in merged.documents_incomplete  # unconfirmed: not counted
    records = {r["id"]: r for r in read_jsonl(gold)}
    for record in records.values():
        for entity in record["entities"]:
            assert record["text"][entity["start"] : entity["end"]] == entity["text"]
    assert [e["text"] for e in records["astana-0002"]["entities"]] == ["روسيا"]
    assert records["astana-0002"]["paragraphs"][2]["events"] == ["STATEMENT", "TALKS_SCHEDULED"]
    (emoji_entity,) = records["test-0001"]["entities"]
    assert emoji_entity["text"] == "سوريا"
    assert emoji_entity["start"] == EMOJI_DOC.text.index("سوريا")


@pytest.mark.doccano
def test_server_not_running_names_url_and_fix():
    from astana_corpus.annotate.doccano import connect
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(DoccanoError, match=rf"^\[A401\] .*{url}"):
        connect(url, "x", "y")


@pytest.mark.doccano
def test_wrong_credentials(doccano):
    from astana_corpus.annotate.doccano import connect

    with pytest.raises(DoccanoError, match=r"^\[A402\]"):
        connect(doccano["url"], doccano["username"], "not-the-password")


@pytest.mark.doccano
def test_unknown_project_on_pull(admin, project_root, seed_documents):
    from astana_corpus.annotate.doccano import pull

    with pytest.raises(DoccanoError, match=r"^\[A403\] unknown project 'no-such-project'"):
        pull(
            project_root,
            client=admin,
            project="no-such-project",
            round_name="r9",
            documents=seed_documents,
            schema=SCHEMA,
        )
    assert not (project_root / "annotations/doccano/r9").exists()


@pytest.mark.doccano
def test_interrupted_or_refused_pull_leaves_nothing(admin, project_root, monkeypatch):
    import astana_corpus.annotate.doccano as module
    from astana_corpus.annotate.doccano import pull

    name, _ = new_project(admin, project_root, "interrupt", [EMOJI_DOC])

    calls = {"n": 0}
    real = module._download

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C half-way
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "_download", flaky)
    with pytest.raises(KeyboardInterrupt):
        pull(
            project_root,
            client=admin,
            project=name,
            round_name="r1",
            documents=[EMOJI_DOC],
            schema=SCHEMA,
        )
    monkeypatch.setattr(module, "_download", real)
    exports = project_root / "annotations/doccano"
    assert list(exports.iterdir()) == []

    # A drifted paragraph (the cleaned text changed since push) refuses the whole pull.
    drifted = make_doc("test-0001", ["عنوان التقرير", "نص مختلف الآن."])
    with pytest.raises(DoccanoError, match=r"^\[A406\] .*test-0001 paragraph 1"):
        pull(
            project_root,
            client=admin,
            project=name,
            round_name="r1",
            documents=[drifted],
            schema=SCHEMA,
        )
    assert list(exports.iterdir()) == []


@pytest.mark.doccano
def test_unknown_label_in_export_is_refused(admin, project_root):
    from astana_corpus.annotate.doccano import pull

    name, project = new_project(admin, project_root, "label", [EMOJI_DOC])
    # Someone adds a label in the browser that the schema does not have.
    admin.create_label_type(project.id, "span", "WEAPON", color="#000000")
    example = next(iter(admin.list_examples(project.id)))
    annotate(admin, project.id, example, [(0, 4, "WEAPON")], [])
    with pytest.raises(DoccanoError, match=r"^\[A408\] .*WEAPON"):
        pull(
            project_root,
            client=admin,
            project=name,
            round_name="r1",
            documents=[EMOJI_DOC],
            schema=SCHEMA,
        )
    assert not (project_root / "annotations/doccano/r1").exists()


@pytest.mark.doccano
def test_apply_session_as_annotator_and_review_replace(doccano, admin, project_root, tmp_path):
    from astana_corpus.annotate.doccano import apply_session, pull

    name, project = new_project(admin, project_root, "session", [EMOJI_DOC])
    user, annotator = new_annotator(admin, doccano, project)

    session = tmp_path / "s.yaml"
    session.write_text(
        "paragraphs:\n"
        "  - {doc: test-0001, p: 0, entities: [], events: []}\n"
        "  - {doc: test-0001, p: 1, entities: [[سوريا, GPE]], events: [STATEMENT]}\n",
        encoding="utf-8",
    )
    first = apply_session(
        client=annotator, project=name, session=session, documents=[EMOJI_DOC], schema=SCHEMA
    )
    assert (first.annotated, first.entities) == (2, 1)
    again = apply_session(
        client=annotator, project=name, session=session, documents=[EMOJI_DOC], schema=SCHEMA
    )
    # p0 has no labels, so it counts as annotated again (nothing to compare); p1 is unchanged
    assert again.unchanged == 1

    review = tmp_path / "r.yaml"
    review.write_text(
        "paragraphs:\n  - {doc: test-0001, p: 1, entities: [[سوريا, LOC]], events: [TALKS_HELD]}\n",
        encoding="utf-8",
    )
    with pytest.raises(DoccanoError, match=r"^\[A415\]"):
        apply_session(
            client=annotator, project=name, session=review, documents=[EMOJI_DOC], schema=SCHEMA
        )
    replaced = apply_session(
        client=annotator,
        project=name,
        session=review,
        documents=[EMOJI_DOC],
        schema=SCHEMA,
        replace=True,
    )
    assert replaced.replaced == 1

    pull(
        project_root,
        client=admin,
        project=name,
        round_name="r1",
        documents=[EMOJI_DOC],
        schema=SCHEMA,
    )
    lines = [
        json.loads(x)
        for x in (project_root / f"annotations/doccano/r1/confirmed/{user}.jsonl")
        .read_text()
        .splitlines()
    ]
    (p1,) = [x for x in lines if x["paragraph_index"] == 1]
    text = EMOJI_DOC.paragraph_text(1)
    start16 = codepoint_to_utf16(text, text.index("سوريا"))
    assert p1["entities"] == [[start16, start16 + 5, "LOC"]]  # UTF-16 in Doccano's export
    assert p1["cats"] == ["TALKS_HELD"]


@pytest.mark.doccano
def test_preload_gives_annotators_the_suggestions_unconfirmed(doccano, admin, project_root):
    from astana_corpus.annotate.doccano import preload_suggestions
    from astana_corpus.core.records import ParagraphSuggestions, Span, Suggestion

    name, project = new_project(admin, project_root, "preload", [EMOJI_DOC])
    _user, annotator = new_annotator(admin, doccano, project)
    text = EMOJI_DOC.paragraph_text(1)
    start = text.index("سوريا")
    found = (Suggestion(Span(start, start + 5, "GPE"), "gpe:syria", "gazetteer:hand"),)
    suggestions = {("test-0001", 1): ParagraphSuggestions("test-0001", 1, found, ("STATEMENT",))}

    report = preload_suggestions(
        client=annotator,
        project=name,
        preannotations=suggestions,
        documents=[EMOJI_DOC],
        schema=SCHEMA,
    )
    assert (report.annotated, report.entities) == (1, 1)
    example = next(e for e in annotator.list_examples(project.id) if e.meta["paragraph_index"] == 1)
    (span,) = annotator.list_spans(project.id, example.id)
    # stored in the browser's UTF-16 units: the emoji before the name counts twice
    assert (span.start_offset, span.end_offset) == (
        codepoint_to_utf16(text, start),
        codepoint_to_utf16(text, start + 5),
    )
    assert not example.is_confirmed
    assert list(admin.list_spans(project.id, example.id)) == []  # the admin's view is untouched
    again = preload_suggestions(
        client=annotator,
        project=name,
        preannotations=suggestions,
        documents=[EMOJI_DOC],
        schema=SCHEMA,
    )
    assert (again.annotated, again.unchanged) == (0, 1)

    # A session that accepts the suggestion as it is still confirms the example.
    from astana_corpus.annotate.doccano import apply_session

    session = project_root / "accept.yaml"
    session.write_text(
        "paragraphs:\n  - {doc: test-0001, p: 1, entities: [[سوريا, GPE]], events: [STATEMENT]}\n",
        encoding="utf-8",
    )
    accepted = apply_session(
        client=annotator, project=name, session=session, documents=[EMOJI_DOC], schema=SCHEMA
    )
    assert accepted.unchanged == 1
    example = next(e for e in annotator.list_examples(project.id) if e.meta["paragraph_index"] == 1)
    assert example.is_confirmed


@pytest.mark.doccano
def test_upload_rejected_by_doccano_is_named(admin, project_root):
    from astana_corpus.annotate.doccano import upload_lines

    _, project = new_project(admin, project_root, "reject", [EMOJI_DOC])
    with pytest.raises(DoccanoError, match=r"^\[A404\] .*text") as exc:
        upload_lines(admin, project.id, [{"txt": "نص بلا عمود النص", "cats": []}])
    assert "paragraphs.jsonl" in str(exc.value)


@pytest.mark.doccano
def test_push_to_a_project_of_another_type_is_refused(admin, project_root):
    from astana_corpus.annotate.doccano import push

    name = f"other-type-{secrets.token_hex(4)}"
    admin.create_project(name, project_type="SequenceLabeling", description="x", guideline="")
    with pytest.raises(DoccanoError, match=r"^\[A405\] .*SequenceLabeling"):
        push(project_root, client=admin, project=name, documents=[EMOJI_DOC], schema=SCHEMA)


@pytest.mark.doccano
def test_session_entry_for_a_paragraph_not_in_the_project(admin, project_root, tmp_path):
    from astana_corpus.annotate.doccano import apply_session

    name, _ = new_project(admin, project_root, "missing", [EMOJI_DOC])
    session = tmp_path / "s.yaml"
    session.write_text("paragraphs:\n  - {doc: test-0001, p: 7, entities: []}\n")
    with pytest.raises(DoccanoError, match=r"^\[A414\] .*entry 1 \(test-0001 paragraph 7\)"):
        apply_session(
            client=admin, project=name, session=session, documents=[EMOJI_DOC], schema=SCHEMA
        )


class CuttableProxy:
    """A loopback TCP proxy in front of the real server: `cut()` drops every connection and
    refuses new ones, as when the server stops or the network goes away mid-command."""

    def __init__(self, target_port):
        import socket
        import threading

        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = []
        self.is_cut = False
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        import socket
        import threading

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.is_cut:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self):
        import socket

        self.is_cut = True
        with self.lock:
            for s in self.open:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
            self.open.clear()

    def restore(self):
        self.is_cut = False

    def close(self):
        self.cut()
        self.listener.close()


@pytest.mark.doccano
def test_server_gone_mid_pull_writes_nothing_and_a_retry_works(
    doccano, admin, project_root, monkeypatch
):
    import astana_corpus.annotate.doccano as module

    name, _ = new_project(admin, project_root, "gone", [EMOJI_DOC])
    proxy = CuttableProxy(doccano["state"].port)
    try:
        client = module.connect(proxy.url, doccano["username"], doccano["password"])
        real = module._download

        def first_then_gone(*args, **kwargs):
            files = real(*args, **kwargs)
            proxy.cut()  # the server disappears after the first of the two downloads
            return files

        monkeypatch.setattr(module, "_download", first_then_gone)
        pull_round = dict(project=name, round_name="r1", documents=[EMOJI_DOC], schema=SCHEMA)
        with pytest.raises(DoccanoError, match=r"^\[A425\] .*pull"):
            module.pull(project_root, client=client, **pull_round)
        assert list((project_root / "annotations/doccano").iterdir()) == []
        monkeypatch.setattr(module, "_download", real)
        proxy.restore()
        client = module.connect(proxy.url, doccano["username"], doccano["password"])
        report = module.pull(project_root, client=client, **pull_round)
        assert report.directory == project_root / "annotations/doccano/r1"
        assert report.directory.is_dir() and (report.directory / "confirmed").is_dir()
    finally:
        proxy.close()


@pytest.mark.doccano
def test_an_expired_session_is_named_and_logging_in_again_works(doccano, admin, project_root):
    from astana_corpus.annotate.doccano import apply_session

    name, project = new_project(admin, project_root, "expired", [EMOJI_DOC])
    user, password = f"ann-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    admin.create_user(user, password)
    admin.add_member(project.id, user, "annotator")
    annotator = login(doccano["url"], user, password)
    session = project_root / "s.yaml"
    session.write_text(
        "paragraphs:\n  - {doc: test-0001, p: 1, entities: [[سوريا, GPE]], events: []}\n",
        encoding="utf-8",
    )
    annotator.logout()  # the server-side session is gone, as after an expiry
    run = dict(project=name, session=session, documents=[EMOJI_DOC], schema=SCHEMA)
    with pytest.raises(DoccanoError, match=r"^\[A426\] .*apply-session"):
        apply_session(client=annotator, **run)
    annotator.login(username=user, password=password)
    assert apply_session(client=annotator, **run).annotated == 1
