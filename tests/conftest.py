"""Shared fixtures. The Doccano fixture starts the real server (never a mock)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
from pathlib import Path

import pytest

from astana_corpus.articles import iter_documents

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def seed_documents():
    return list(iter_documents(ROOT))


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
    from astana_corpus.doccano_server import serve, stop
    from astana_corpus.errors import DoccanoError

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
