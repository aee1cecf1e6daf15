"""Safe outputs: a command never replaces what it did not make, and a crash loses nothing.

- An output path that exists must look like a previous output of the same command
  (``looks_like_*``); anything else (an input folder, the README, a gold file) is refused
  with A701 before anything is written.
- A dataset folder is swapped in by two renames with SIGINT/SIGTERM held back between
  them. A crash (even SIGKILL) between them leaves the previous folder as
  ``.<name>.old``, which the next run puts back before doing anything (``recover_folder``).
- Builds into one folder take a lock, so a second build at the same time is refused
  (A704) instead of interleaving; stale staging folders of killed runs are removed
  under that lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from astana_corpus.core.errors import error
from astana_corpus.core.io import make_temp_dir, write_text

STAGING_MARK = ".staging-"


def _first_json_line(path: Path) -> dict[str, Any] | None:
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    value = json.loads(line)
                    return value if isinstance(value, dict) else None
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return {}  # an empty file: a previous output that had no rows


def looks_like_documents(path: Path) -> bool:
    first = _first_json_line(path)
    return first is not None and (not first or {"id", "text", "provenance"} <= set(first))


def looks_like_suggestions(path: Path) -> bool:
    first = _first_json_line(path)
    return first is not None and (not first or {"doc_id", "paragraph_index"} <= set(first))


REPORT_KEY = "astana_report"  # every report written by --json/--report carries it


def looks_like_json_report(path: Path) -> bool:
    """A report an earlier command wrote (a JSON object with ``REPORT_KEY``), so committed
    JSON (splits/manifest.json, results/*.json) or a user's own file is never replaced."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(value, dict) and REPORT_KEY in value


def looks_like_view(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.read(80).startswith('<!DOCTYPE html>\n<html lang="ar" dir="rtl">')
    except (OSError, UnicodeDecodeError):
        return False


def looks_like_spacy_export(path: Path) -> bool:
    return path.is_dir() and all(p.suffix == ".spacy" for p in path.iterdir())


def looks_like_dataset(path: Path) -> bool:
    if not path.is_dir():
        return False
    if not any(path.iterdir()):
        return True
    readme = path / "README.md"
    try:
        head = readme.read_text(encoding="utf-8")[:2000]
    except (OSError, UnicodeDecodeError):
        return False
    return head.startswith("---\n") and "pretty_name: astana-corpus" in head


def looks_like_shards_output(path: Path) -> bool:
    """An output folder of the shards job: only Parquet parts (or nothing) inside."""
    return path.is_dir() and all(p.suffix == ".parquet" for p in path.iterdir())


def check_output(path: Path, *, looks_like: Callable[[Path], bool], what: str) -> None:
    """Refuse (A701) an existing ``path`` that is not a previous ``what`` output."""
    path = Path(path)
    if path.exists() and not looks_like(path):
        kind = "a folder" if path.is_dir() else "a file"
        raise error("A701", path=path, kind=kind, what=what)
    if path.parent.exists() and not path.parent.is_dir():
        raise error("A705", path=path.parent, what=what)


def write_json_report(path: Path | None, data: Any) -> None:
    """A ``--json``/``--report`` file (none when ``path`` is None), written atomically,
    never over a non-JSON file."""
    if path is None:
        return
    check_output(path, looks_like=looks_like_json_report, what="JSON report")
    report = {REPORT_KEY: "astana-corpus", **data} if isinstance(data, dict) else data
    write_text(path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")


class InterruptedAfterOutput(KeyboardInterrupt):
    """An interrupt that arrived while the new output was being put in place: it is there."""


@contextlib.contextmanager
def signals_held(after: type[KeyboardInterrupt] | None = None) -> Iterator[None]:
    """Hold SIGINT/SIGTERM back for a few system calls; they take effect right after.

    With ``after``, a held signal raises that (a KeyboardInterrupt) once the block is done.
    The Python handlers are swapped for ones that only note the signal (masking the
    signal would not do: another thread of the process may receive it). Off the main
    thread, where handlers cannot be set, nothing is held.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[signal.Signals] = []

    def note(signum: int, frame: object) -> None:
        pending.append(signal.Signals(signum))

    held = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, note) for signum in held}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if pending and after is not None:
            raise after
        if pending:
            handler = previous[pending[0]]
            if callable(handler):
                handler(pending[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), pending[0])


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def sigterm_like_ctrl_c() -> None:
    """Make SIGTERM unwind like Ctrl-C, so ``finally`` blocks remove staging files."""
    signal.signal(signal.SIGTERM, _raise_interrupt)


@contextlib.contextmanager
def interrupts_in_destructors() -> Iterator[list[BaseException]]:
    """Collect the interrupts that land inside a library's ``__del__``.

    Python cannot raise there and prints "Exception ignored" instead, so the command
    goes on; the caller gets them in the yielded list to report once it has finished.
    """
    late: list[BaseException] = []
    default = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            late.append(unraisable.exc_value)
        else:
            default(unraisable)

    sys.unraisablehook = hook
    try:
        yield late
    finally:
        sys.unraisablehook = default


def _old(out_dir: Path) -> Path:
    return out_dir.with_name(f".{out_dir.name}.old")


@contextlib.contextmanager
def folder_lock(out_dir: Path) -> Iterator[None]:
    """One writer per output folder (A704 for a second one), kept until the block ends.

    The lock is on the parent folder itself (no lock file is left behind); the kernel
    drops it if the process dies.
    """
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir.parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise error("A704", path=out_dir) from exc
        yield
    finally:
        os.close(fd)


def recover_folder(out_dir: Path) -> bool:
    """Put back a previous output a crash left as ``.<name>.old``; remove stale staging
    folders. Call under ``folder_lock``. Returns True when a folder was put back."""
    old = _old(out_dir)
    restored = False
    if old.exists():
        if out_dir.exists():
            shutil.rmtree(old)  # the swap had finished: the old copy is garbage
        else:
            old.rename(out_dir)
            restored = True
    for stale in out_dir.parent.glob(f".{out_dir.name}{STAGING_MARK}*"):
        shutil.rmtree(stale, ignore_errors=True)
    return restored


def staging_folder(out_dir: Path) -> Path:
    return make_temp_dir(out_dir.parent, f".{out_dir.name}{STAGING_MARK}")


def replace_folder(staging: Path, out_dir: Path) -> None:
    """Swap ``staging`` in as ``out_dir``; at every moment one complete copy has a name."""
    old = _old(out_dir)
    with signals_held(after=InterruptedAfterOutput):
        if out_dir.exists():
            out_dir.rename(old)
        staging.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
