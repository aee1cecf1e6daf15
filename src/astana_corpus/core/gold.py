"""Reading and writing ``annotations/gold.jsonl`` as typed ``GoldDocument`` records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from astana_corpus.core.errors import error
from astana_corpus.core.io import iter_jsonl, iter_raw_lines, parse_json_line, write_jsonl
from astana_corpus.core.records import GoldDocument


def iter_gold(path: Path) -> Iterator[GoldDocument]:
    """Gold records in file order; a line of the wrong shape is A310 naming file:line."""
    if not Path(path).is_file():
        raise error("A311", path=path)
    for lineno, record in iter_jsonl(path):
        try:
            yield GoldDocument.from_dict(record)
        except ValueError as exc:
            raise error("A310", path=path, line=lineno, problem=exc) from exc


def iter_gold_lines(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte offset, bytes) of every gold line, for ``gold_from_line`` in a
    worker process (the build reads gold once, this way)."""
    if not Path(path).is_file():
        raise error("A311", path=path)
    return iter_raw_lines(path)


def gold_from_line(raw: bytes, path: Path, lineno: int, offset: int) -> GoldDocument:
    """One gold line as a record: the errors of ``iter_gold`` for that line."""
    try:
        return GoldDocument.from_dict(parse_json_line(raw, path, lineno, offset))
    except ValueError as exc:
        raise error("A310", path=path, line=lineno, problem=exc) from exc


def read_gold(path: Path) -> list[GoldDocument]:
    return list(iter_gold(path))


def write_gold(path: Path, records: Iterable[GoldDocument]) -> int:
    """Write gold atomically, one line per document in the order given."""
    return write_jsonl(path, (r.to_dict() for r in records))
