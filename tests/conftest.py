"""Shared fixtures. The Doccano fixture starts the real server (never a mock)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
from pathlib import Path

import pytest

from astana_corpus.core.errors import AstanaError
from astana_corpus.ingest.documents import iter_articles

ROOT = Path(__file__).resolve().parents[1]


def copy_project(dest: Path) -> Path:
    """A copy of the committed project's inputs (no build/ outputs) at ``dest``."""
    for name in ("articles", "annotations", "splits", "results", "configs"):
        shutil.copytree(ROOT / name, dest / name)
    for name in ("dataset_card.md", "LICENSE"):
        shutil.copy(ROOT / name, dest)
    return dest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Every catalogue code raised while the suite runs (tests/test_zz_error_catalogue.py checks
# that each code of the catalogue is raised by at least one test).
RAISED_CODES: set[str] = set()
SKIPPED: list[str] = []
_original_init = AstanaError.__init__


def _recording_init(self, message, *, code=""):
    _original_init(self, message, code=code)
    if code:
        RAISED_CODES.add(code)


AstanaError.__init__ = _recording_init


def pytest_collection_modifyitems(session, config, items):
    """Run the catalogue check last, and only when the whole suite was selected."""
    last = [i for i in items if i.get_closest_marker("after_everything")]
    rest = [i for i in items if not i.get_closest_marker("after_everything")]
    items[:] = rest + last
    default_args = sorted(str(ROOT / p) for p in config.getini("testpaths"))
    given = sorted(str(Path(a).resolve()) for a in config.args)
    config.astana_whole_suite = (
        not config.option.keyword and not config.option.markexpr and given == default_args
    )


def pytest_runtest_logreport(report):
    if report.skipped:
        SKIPPED.append(report.nodeid)


@pytest.fixture(scope="session")
def seed_documents():
    return list(iter_articles(ROOT))


@pytest.fixture()
def project_root(tmp_path):
    """A scratch project root with the committed schema and guidelines."""
    (tmp_path / "annotations").mkdir()
    for name in ("schema.yaml", "guidelines.md"):
        shutil.copy(ROOT / "annotations" / name, tmp_path / "annotations" / name)
    return tmp_path


@pytest.fixture(scope="session")
def doccano(tmp_path_factory):
    """A real Doccano server on 127.0.0.1 for the session, started by our launcher.

    It installs Doccano into .doccano/venv on first use (a few minutes). If it
    cannot start, the tests fail in CI; locally they are skipped with the reason.
    """
    from astana_corpus.annotate.server import serve, stop
    from astana_corpus.core.errors import DoccanoError

    home = tmp_path_factory.mktemp("doccano-home")
    saved = {
        k: os.environ.get(k)
        for k in ("DOCCANO_HOME", "DOCCANO_USERNAME", "DOCCANO_PASSWORD", "DOCCANO_URL")
    }
    # A fresh random admin password per session, never a fixed one. It starts with "-"
    # on purpose: the launcher must not let doccano's CLI read it as an option.
    credentials = {"username": "astana-admin", "password": "-" + secrets.token_urlsafe(16)}
    os.environ.update(
        DOCCANO_HOME=str(home),
        DOCCANO_USERNAME=credentials["username"],
        DOCCANO_PASSWORD=credentials["password"],
    )
    os.environ.pop("DOCCANO_URL", None)
    try:
        state, _ = serve(ROOT, port=free_port())
    except DoccanoError as exc:
        message = f"the real Doccano server could not be started: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(f"LOUD SKIP (local only, CI fails here): {message}")
    yield {"url": state.url, "state": state, **credentials}
    stop(ROOT)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


# Run in a fresh interpreter (cwd outside the checkout), so spaCy can only find the
# package's tokenizer through its entry point.
_FRESH_SPACY = r"""
import json, sys
import spacy
from spacy.util import load_config, load_model_from_config

job = json.load(sys.stdin)
imported_before = "astana_corpus" in sys.modules
if job["config"]:
    nlp = load_model_from_config(load_config(job["path"]), auto_fill=True)
else:
    nlp = spacy.load(job["path"])
docs = [nlp.make_doc(text) for text in job["texts"]]
print(json.dumps({
    "imported_before": imported_before,
    "tokenizer": nlp.config["nlp"]["tokenizer"],
    "tokens": [[[t.text, t.idx, t.idx + len(t.text)] for t in d if not t.is_space] for d in docs],
    "spaces": [[t.text for t in d if t.is_space] for d in docs],
}))
"""


def spacy_in_fresh_process(path, texts, *, cwd, config=False):
    """Load a saved pipeline (or build one from a training config) in a new process and
    tokenise ``texts`` with it: its tokenizer config, and (text, start, end) per token."""
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _FRESH_SPACY],
        input=json.dumps({"path": str(path), "config": config, "texts": list(texts)}),
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    out["tokens"] = [[tuple(t) for t in doc] for doc in out["tokens"]]
    return out
