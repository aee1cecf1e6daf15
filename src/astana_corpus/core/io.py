"""Small I/O helpers: atomic writes and deterministic JSON lines.

Outputs are written to a temporary file in the target folder and renamed
into place, so an interrupted command never leaves a partial file behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from astana_corpus.core.errors import error


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path``; rename it over ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        # mkstemp makes the file private (0600); give it the permissions of a normal file.
        os.chmod(tmp, 0o666 & ~current_umask())
    except OSError as exc:
        raise error("A703", path=exc.filename or path, detail=exc.strerror or exc) from exc
    kwargs: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            detail = exc.strerror or exc
            raise error("A703", path=exc.filename or path, detail=detail) from exc
        raise


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def make_temp_dir(parent: Path, prefix: str) -> Path:
    """A staging folder next to its target (same filesystem, so rename is atomic),
    with normal folder permissions (mkdtemp makes it 0700)."""
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(path, 0o777 & ~current_umask())
    return path


def dumps_record(record: Any) -> str:
    """One JSON line: UTF-8 text kept readable, keys sorted for byte-stable output."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def write_jsonl(path: Path, records: Iterable[Any]) -> int:
    """Write ``records`` as JSON lines atomically; return how many were written."""
    count = 0
    with atomic_open(path) as handle:
        for record in records:
            handle.write(dumps_record(record))
            handle.write("\n")
            count += 1
    return count


def write_text(path: Path, text: str) -> None:
    """Write ``text`` atomically with ``\\n`` line ends."""
    with atomic_open(path) as handle:
        handle.write(text)


def missing_state(path: Path) -> str:
    """Why ``path`` cannot be read as a file: ``not found`` or what is there instead.

    >>> missing_state(Path("/"))
    'is a folder, not a file'
    """
    return "is a folder, not a file" if path.is_dir() else "not found"


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) of a JSON-lines file, skipping blank lines.

    Lines are split at ``\n`` only and counted from 1, blank ones included. A line
    that is not UTF-8 (A312), not JSON (A302) or not a JSON object (A303) raises an
    error naming file and line.
    """
    for lineno, offset, raw in iter_raw_lines(path):
        yield lineno, parse_json_line(raw, path, lineno, offset)


def iter_raw_lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte offset, bytes) of every non-blank line, unparsed: what a
    batch carries to a worker process, which parses it with ``parse_json_line``."""
    path = Path(path)
    if not path.is_file():
        raise error("A301", path=path, state=missing_state(path))
    offset = 0
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if raw.strip():
                yield lineno, offset, raw
            offset += len(raw)


def line_ranges(path: Path, size: int) -> list[tuple[int, int]]:
    """Byte ranges [start, end) of about ``size`` bytes that cover ``path`` and start and
    end at line boundaries: what a worker process reads on its own (``lines_between``),
    so the lines never pass through the parent. Found by seeking, not by reading it all.

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.jsonl").write_bytes(b"{}\\n{}\\n{}\\n")
    >>> line_ranges(folder / "a.jsonl", 4)
    [(0, 6), (6, 9)]
    """
    path = Path(path)
    if not path.is_file():
        raise error("A301", path=path, state=missing_state(path))
    total = path.stat().st_size
    ranges = []
    start = 0
    with path.open("rb") as handle:
        while start < total:
            handle.seek(min(start + max(size, 1), total) - 1)
            handle.readline()  # to the end of the line the range would cut
            end = min(handle.tell(), total)
            ranges.append((start, end))
            start = end
    return ranges


def lines_between(path: Path, start: int, end: int) -> list[tuple[int, bytes]]:
    """(byte offset, bytes) of every non-blank line in [start, end) of ``path``."""
    with Path(path).open("rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    lines = []
    offset = start
    for raw in data.split(b"\n"):  # "\n" only, as iter_raw_lines has it
        if raw.strip():
            lines.append((offset, raw + b"\n"))
        offset += len(raw) + 1
    return lines


def line_number_at(path: Path, offset: int) -> int:
    """The number (from 1) of the line of ``path`` that starts at byte ``offset``: for
    the message of a bad line read by offset (counted only when there is one)."""
    count = 0
    with Path(path).open("rb") as handle:
        while offset > 0:
            block = handle.read(min(offset, 1 << 20))
            if not block:
                break
            count += block.count(b"\n")
            offset -= len(block)
    return count + 1


def parse_json_line(raw: bytes, path: Path, lineno: int, offset: int) -> dict[str, Any]:
    """One line of a JSON-lines file as an object (A312, A302, A303 name file:line)."""
    return _json_object(_utf8_line(raw, path, lineno, offset), path, lineno)


def read_line_at(path: Path, offset: int) -> bytes:
    """The line of ``path`` that starts at byte ``offset``."""
    with Path(path).open("rb") as handle:
        handle.seek(offset)
        return handle.readline()


def _utf8_line(raw: bytes, path: Path, lineno: int, offset: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            "A312",
            path=path,
            line=lineno,
            offset=offset + exc.start,
            byte=raw[exc.start],
            reason=exc.reason,
        ) from exc


def _json_object(line: str, path: Path, lineno: int) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise error("A302", path=path, line=lineno, column=exc.colno, detail=exc.msg) from exc
    except (ValueError, RecursionError) as exc:  # e.g. too deeply nested, huge numbers
        raise error("A302", path=path, line=lineno, column=1, detail=exc) from exc
    if not isinstance(value, dict):
        raise error("A303", path=path, line=lineno, got=type(value).__name__)
    return value


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the objects of a JSON-lines file; a bad line names file and line."""
    for _, value in iter_jsonl(path):
        yield value


def read_json(path: Path, *, code: str) -> Any:
    """A JSON file's value; invalid UTF-8 or JSON is the catalogue error ``code`` (whose
    template names ``{path}`` and ``{problem}``)."""
    data = Path(path).read_bytes()
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problem = f"byte offset {exc.start}: invalid UTF-8 (byte 0x{data[exc.start]:02x})"
        raise error(code, path=path, problem=problem) from exc
    except (ValueError, RecursionError) as exc:
        raise error(code, path=path, problem=f"not valid JSON ({exc})") from exc


def read_yaml(path: Path, *, hint: str = "check the path") -> Any:
    """A YAML file's content (``{}`` when empty); a missing (A201), non-UTF-8 (A205) or
    invalid (A202) file is an error naming it, with ``hint`` saying what to do."""
    import yaml

    text = read_yaml_text(path, hint=hint)
    try:
        # libyaml's loader when PyYAML has it: the same documents, ~10x faster on a long
        # articles.yaml (one entry per article).
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(text, Loader=loader) or {}
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        # ValueError: e.g. a date-like value that is no date (2017-13-45)
        raise error("A202", path=path, detail=exc) from exc


def read_yaml_text(path: Path, *, hint: str) -> str:
    """A YAML file's text; a missing (A201) or non-UTF-8 (A205) file is an error naming it."""
    path = Path(path)
    if not path.is_file():
        raise error("A201", path=path, hint=hint, state=missing_state(path))
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            "A205", path=path, offset=exc.start, byte=data[exc.start], reason=exc.reason
        ) from exc


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in blocks (a gold file of a million paragraphs is GBs)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))
