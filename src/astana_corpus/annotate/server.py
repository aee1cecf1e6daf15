"""A local Doccano 1.8.4 server: install, start on loopback, stop exactly what we started.

Doccano's pins (Django, pydantic, numpy<2, ...) clash with the project's, so it
lives in its own virtual environment (``.doccano/venv``) with its data in
``DOCCANO_HOME`` (``.doccano/home``); both are git-ignored.

``doccano webserver`` always binds 0.0.0.0, so the web server is started as
gunicorn with doccano's own settings and ``--bind HOST:PORT`` (127.0.0.1 by
default). The task worker (``doccano task``, needed for uploads and exports)
uses the SQLite database as broker and listens on no port.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from astana_corpus.core.errors import error
from astana_corpus.core.paths import DOCCANO_CONSTRAINTS

DOCCANO_VERSION = "1.8.4"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
STATE_FILE = "astana-server.json"
INIT_MARKER = ".astana-initialized"
# Two sync workers are enough for a handful of annotators on a 2-core machine.
WEB_WORKERS = 2
HEALTH_TIMEOUT = 180.0


@dataclass(frozen=True)
class ServerPaths:
    venv: Path
    home: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def state(self) -> Path:
        return self.home / STATE_FILE

    @property
    def logs(self) -> Path:
        return self.home / "logs"


@dataclass(frozen=True)
class ServerState:
    url: str
    host: str
    port: int
    web_pid: int
    task_pid: int


def server_paths(root: Path) -> ServerPaths:
    """Where the venv and data live: env ``ASTANA_DOCCANO_VENV`` / ``DOCCANO_HOME`` or .doccano/."""
    venv = Path(os.environ.get("ASTANA_DOCCANO_VENV", root / ".doccano" / "venv"))
    home = Path(os.environ.get("DOCCANO_HOME", root / ".doccano" / "home"))
    return ServerPaths(venv=venv.absolute(), home=home.absolute())


def _run(cmd: list[str], *, log: Path, env: dict[str, str] | None = None, what: str) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as handle:
        result = subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT, env=env)
    if result.returncode != 0:
        raise error("A416", what=what, status=result.returncode, log=log, tail=_tail(log))


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def install(root: Path, paths: ServerPaths) -> bool:
    """Create the Doccano venv if it is missing; return True when it installed."""
    if paths.python.exists() and (paths.venv / "bin" / "doccano").exists():
        return False
    constraints = root / DOCCANO_CONSTRAINTS
    if not constraints.exists():
        raise error("A417", path=constraints)
    log = paths.venv.parent / "install.log"
    print(
        f"installing doccano {DOCCANO_VERSION} into {paths.venv} (log: {log}) ...", file=sys.stderr
    )
    _run([sys.executable, "-m", "venv", str(paths.venv)], log=log, what="creating the venv")
    _run(
        [
            str(paths.python),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            "-c",
            str(constraints),
            f"doccano=={DOCCANO_VERSION}",
        ],
        log=log,
        what="pip install doccano",
    )
    return True


def _server_env(paths: ServerPaths) -> dict[str, str]:
    """The environment doccano's CLI sets up, for running its gunicorn app directly."""
    env = dict(os.environ)
    env.update(
        DOCCANO_HOME=str(paths.home),
        STANDALONE="True",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=f"sqlite:///{paths.home / 'db.sqlite3'}",
        MEDIA_ROOT=str(paths.home / "media"),
        DEBUG="False",
    )
    return env


def admin_credentials(*, purpose: str) -> tuple[str, str]:
    """``DOCCANO_USERNAME`` / ``DOCCANO_PASSWORD`` from the environment, else a prompt."""
    username = os.environ.get("DOCCANO_USERNAME")
    password = os.environ.get("DOCCANO_PASSWORD")
    if username and password:
        return username, password
    if not sys.stdin.isatty():
        raise error("A418", purpose=purpose, problem="no terminal to prompt on")
    username = username or input("Doccano username: ").strip()
    password = password or getpass.getpass(f"Doccano password for {username}: ")
    if not username or not password:
        raise error("A418", purpose=purpose, problem="an empty username or password")
    return username, password


def initialise(paths: ServerPaths) -> bool:
    """Run ``doccano init`` and create the admin user once per DOCCANO_HOME."""
    marker = paths.home / INIT_MARKER
    if marker.exists():
        return False
    username, password = admin_credentials(purpose="creating the Doccano admin user")
    env = _server_env(paths)
    paths.logs.mkdir(parents=True, exist_ok=True)
    doccano = str(paths.venv / "bin" / "doccano")
    log = paths.logs / "init.log"
    print(f"initialising the Doccano database in {paths.home} ...", file=sys.stderr)
    _run([doccano, "init"], log=log, env=env, what="doccano init")
    _run(
        # --opt=value: a password that starts with "-" must not be read as an option.
        [doccano, "createuser", f"--username={username}", f"--password={password}"],
        log=log,
        env=env,
        what="doccano createuser",
    )
    marker.write_text(f"admin user: {username}\n", encoding="utf-8")
    return True


def read_state(paths: ServerPaths) -> ServerState | None:
    try:
        return ServerState(**json.loads(paths.state.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _alive(pid: int, needle: str) -> bool:
    """Is ``pid`` running and still the process we started (not a reused pid)?"""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return needle.encode() in cmdline


def health(url: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/v1/health/", timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def running(paths: ServerPaths) -> ServerState | None:
    """The recorded server if both its processes are alive, else None."""
    state = read_state(paths)
    if state and _alive(state.web_pid, "gunicorn") and _alive(state.task_pid, "doccano"):
        return state
    return None


def serve(
    root: Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout: float = HEALTH_TIMEOUT,
) -> tuple[ServerState, bool]:
    """Install if needed, initialise once, start web + task worker, wait for health.

    Returns (state, started): ``started`` is False when a server recorded in
    DOCCANO_HOME was already running (nothing is done then).
    """
    paths = server_paths(root)
    state = running(paths)
    if state is not None:
        return state, False
    install(root, paths)
    initialise(paths)
    env = _server_env(paths)
    paths.logs.mkdir(parents=True, exist_ok=True)
    backend = _backend_dir(paths)
    url = f"http://{host}:{port}"
    if health(url, timeout=2):
        raise error("A419", url=url, home=paths.home)
    web = _spawn(
        [
            str(paths.venv / "bin" / "gunicorn"),
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(WEB_WORKERS),
            "--chdir",
            str(backend),
            "--capture-output",
            "--timeout",
            "120",
            "config.wsgi",
        ],
        env=env,
        log=paths.logs / "web.log",
    )
    task = _spawn(
        [str(paths.venv / "bin" / "doccano"), "task", "--concurrency", "1"],
        env=env,
        log=paths.logs / "task.log",
    )
    state = ServerState(url=url, host=host, port=port, web_pid=web.pid, task_pid=task.pid)
    paths.state.write_text(json.dumps(asdict(state), indent=2), encoding="utf-8")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if web.poll() is not None or task.poll() is not None:
            stop(root)
            which = "web server" if web.poll() is not None else "task worker"
            log = paths.logs / ("web.log" if which == "web server" else "task.log")
            raise error("A420", which=which, log=log, tail=_tail(log))
        if health(url):
            return state, True
        time.sleep(1)
    stop(root)
    raise error("A421", url=url, timeout=timeout, logs=paths.logs)


def _backend_dir(paths: ServerPaths) -> Path:
    found = sorted(paths.venv.glob("lib/python3*/site-packages/backend"))
    if not found:
        raise error("A422", venv=paths.venv)
    return found[0]


def _spawn(cmd: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    try:
        # A session of its own, so stop() can end the process and its workers together.
        return subprocess.Popen(
            cmd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        handle.close()


def stop(root: Path, *, timeout: float = 20.0) -> bool:
    """Stop the processes recorded in DOCCANO_HOME; return False if none was running."""
    paths = server_paths(root)
    state = read_state(paths)
    if state is None:
        return False
    stopped = False
    for pid, needle in ((state.web_pid, "gunicorn"), (state.task_pid, "doccano")):
        if not _alive(pid, needle):
            continue
        stopped = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid, needle) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.2)
        if _alive(pid, needle):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        _reap(pid)
    paths.state.unlink(missing_ok=True)
    return stopped


def _reap(pid: int) -> None:
    # Collect the exit status when this process started the server itself.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def default_url(root: Path) -> str:
    """``DOCCANO_URL``, else the server recorded in DOCCANO_HOME, else the default port."""
    if os.environ.get("DOCCANO_URL"):
        return os.environ["DOCCANO_URL"].rstrip("/")
    state = read_state(server_paths(root))
    return state.url if state else f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
