"""Raw articles and their metadata: ``articles/articles.yaml``, decoding, HTML extraction.

Raw files are never edited. Each is listed with a stable id and the sha256 of
its bytes; reading one checks the bytes against it, decodes UTF-8 (or
extracts an HTML page's main text with trafilatura) and names the file and
byte offset of anything that is not article text.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from astana_corpus.core.errors import error
from astana_corpus.core.io import sha256_bytes, write_text
from astana_corpus.core.paths import METADATA_FILE, RAW_DIR
from astana_corpus.core.yaml_list import NoYamlList, iter_yaml_list

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm")
ID_PATTERN = re.compile(r"^astana-\d{4,}$")
# C0 controls other than tab/newline/CR/FF/VT: their presence means the file
# is not text.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class ArticleMeta:
    """One entry of ``articles/articles.yaml``."""

    id: str
    file: str
    sha256: str
    outlet: str | None = None
    url: str | None = None
    published: str | None = None


def decode_raw(data: bytes, path: Path | str) -> str:
    """Decode raw bytes as UTF-8 text, dropping a leading BOM.

    Raises ``InputFormatError`` naming the file and byte offset for empty,
    binary and invalid UTF-8 input.
    """
    if not data.strip():
        raise error("A101", path=path)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise error("A102", path=path, offset=nul)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            "A103", path=path, offset=exc.start, byte=data[exc.start], reason=exc.reason
        ) from exc
    control = _CONTROL.search(text)
    if control:
        raise error("A104", path=path, offset=control.start(), char=ord(control.group()))
    return text.removeprefix("\ufeff")


def html_to_text(html: str, path: Path | str) -> str:
    """The main text of an HTML page (title first), via trafilatura."""
    import trafilatura

    extracted: Any = trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
        favor_precision=False,
        with_metadata=True,
    )
    body = (extracted.text if extracted is not None else "") or ""
    if not body.strip():
        raise error("A105", path=path)
    title = (extracted.title or "").strip()
    if title and not body.lstrip().startswith(title):
        return f"{title}\n{body}"
    return body


def extractor_name() -> str:
    import trafilatura

    return f"trafilatura {trafilatura.__version__}"


def read_source(path: Path) -> tuple[bytes, str, str]:
    """Return (raw bytes, source text, what the source text is)."""
    if path.is_dir():
        raise error("A113", path=path)
    if not path.is_file():
        raise error("A106", path=path, metadata=METADATA_FILE)
    data = path.read_bytes()
    text = decode_raw(data, path)
    if path.suffix.lower() in (".html", ".htm"):
        return data, html_to_text(text, path), extractor_name()
    return data, text, "utf-8"


def check_date(value: str | None, where: str) -> None:
    """``published`` is null or a real calendar date written YYYY-MM-DD (A114)."""
    if value is None:
        return
    try:
        ok = bool(_DATE.match(value)) and datetime.date.fromisoformat(value).isoformat() == value
    except ValueError:
        ok = False
    if not ok:
        raise error("A114", where=where, value=value)


def check_url(value: str | None, where: str) -> None:
    if value is not None and not _URL.match(value):
        raise error("A107", path=where, problem=f"url {value!r} is not an http(s) URL")


def raw_path(root: Path, file: str, where: str, raw_dir: Path | None = None) -> Path:
    """The path of a raw file, refused (A112) unless it resolves inside articles/raw
    (``raw_dir``: that folder resolved, when the caller checks many files)."""
    path = root / RAW_DIR / file
    if _PLAIN_NAME.fullmatch(file) and not os.path.islink(path):
        return path  # a plain name, no symlink: a file of articles/raw (one lstat)
    raw_dir = raw_dir or (root / RAW_DIR).resolve()
    resolved = path.resolve()
    if not resolved.is_relative_to(raw_dir) or resolved == raw_dir:
        raise error("A112", path=where, file=file, resolved=resolved, raw_dir=RAW_DIR)
    return path


@dataclass(frozen=True)
class RawListing:
    """What one read of articles/raw (``os.scandir``) tells of its entries without a system
    call per file: their names, which are symlinks and which are regular files.

    The checks every command runs on every listed file (A112, unlisted files, the
    documents key's stat) look a name up here instead of asking the file system about a
    pathlib path each. A name not found here (a file in a subfolder, ``./a.txt``, a
    spelling the file system folds) is checked exactly as before, on its own path.
    """

    names: frozenset[str]
    links: frozenset[str]  # the names that are symlinks (their targets are not looked at)
    files: frozenset[str]  # the names that are regular files, not symlinks


def list_raw(root: Path) -> RawListing | None:
    """The entries of articles/raw, or None when the folder cannot be read (the checks then
    take each file on its own path, and check_unlisted says what is wrong)."""
    names, links, files = [], [], []
    try:
        with os.scandir(root / RAW_DIR) as entries:
            for entry in entries:
                names.append(entry.name)
                if entry.is_symlink():
                    links.append(entry.name)
                elif entry.is_file():
                    files.append(entry.name)
    except OSError:
        return None
    return RawListing(frozenset(names), frozenset(links), frozenset(files))


def check_raw_paths(root: Path, metas: Sequence[ArticleMeta], listing: RawListing | None) -> None:
    """``raw_path`` (A112) for every entry of articles.yaml, in order.

    An entry of the listing that is not a symlink needs no system call: a listed name is
    one folder entry (no ``/``, never ``.`` or ``..``), so it resolves to itself inside
    articles/raw, which is what ``raw_path`` checks. Every other file (a symlink, a path
    into a subfolder or out, a name not listed) goes through ``raw_path`` itself.
    """
    path = root / METADATA_FILE
    raw_dir = (root / RAW_DIR).resolve()
    plain = listing.names - listing.links if listing is not None else frozenset()
    for number, meta in enumerate(metas, start=1):
        if meta.file not in plain:
            raw_path(root, meta.file, f"{path}: entry {number}", raw_dir)


def stat_raw_files(
    root: Path, files: Iterable[str], listing: RawListing | None
) -> dict[str, list[int] | None]:
    """Each raw file's ``[st_size, st_mtime_ns]`` (symlinks followed), None where it cannot
    be stat'ed (missing: ingest says so, A106).

    A listed name is stat'ed relative to the open folder (no path walked, no pathlib: the
    documents key stats every raw file on every command); any other, as
    ``(root / RAW_DIR / file).stat()``.
    """
    raw_dir = root / RAW_DIR
    listed = listing.names if listing is not None else frozenset()
    try:
        folder = os.open(raw_dir, os.O_RDONLY)
    except OSError:  # gone since it was listed, or a system without folder descriptors
        folder, listed = -1, frozenset()
    stamps: dict[str, list[int] | None] = {}
    try:
        for file in files:
            try:
                st = os.stat(file, dir_fd=folder) if file in listed else (raw_dir / file).stat()
            except OSError:
                stamps[file] = None
                continue
            stamps[file] = [st.st_size, st.st_mtime_ns]
    finally:
        if folder >= 0:
            os.close(folder)
    return stamps


def _entry_values(entry: dict[str, Any], where: str) -> dict[str, str | None]:
    """The entry's values, each a string (id, file, sha256) or a string or null."""
    values: dict[str, str | None] = {}
    for key, value in entry.items():
        if isinstance(value, datetime.date) and key == "published":
            value = value.isoformat()  # an unquoted YAML date
        if value is None and key not in ("id", "file", "sha256"):
            values[key] = None
        elif isinstance(value, str) and value:
            values[key] = value
        else:
            raise error(
                "A107",
                path=where,
                problem=f"{key} must be a non-empty string, got {type(value).__name__} {value!r}",
            )
    return values


# A file name without a folder, that is not "." or "..": it names an entry of articles/raw.
_PLAIN_NAME = re.compile(r"(?!\.\.?$)[^/\\\x00]+")


def _meta(root: Path, entry: Any, where: str, raw_dir: Path | None = None) -> ArticleMeta:
    allowed = set(ArticleMeta.__dataclass_fields__)
    if not isinstance(entry, dict):
        raise error("A107", path=where, problem="expected a mapping with id, file, sha256")
    unknown = set(entry) - allowed
    if unknown:
        raise error(
            "A107",
            path=where,
            problem=f"unknown keys {sorted(unknown, key=str)}; allowed: {sorted(allowed)}",
        )
    missing = {"id", "file", "sha256"} - set(entry)
    if missing:
        raise error("A107", path=where, problem=f"missing {sorted(missing)}")
    meta = ArticleMeta(**_entry_values(entry, where))  # type: ignore[arg-type]  # checked
    if not ID_PATTERN.match(meta.id):
        raise error("A107", path=where, problem=f"id {meta.id!r} is not of the form astana-0001")
    if not _SHA256.match(meta.sha256):
        raise error(
            "A107", path=where, problem=f"sha256 {meta.sha256!r} is not 64 lowercase hex digits"
        )
    check_date(meta.published, where)
    check_url(meta.url, where)
    raw_path(root, meta.file, where, raw_dir)
    return meta


def read_metadata(root: Path, *, cache: Path | None = None) -> list[ArticleMeta]:
    """Read and check ``articles/articles.yaml``: ids unique and well formed, every value
    of its type, dates real, files inside articles/raw.

    With ``cache`` (a JSON file under build/ that ``write_metadata_cache`` wrote after a
    command succeeded), the checked entries are read from it while it holds the sha256 of
    the YAML bytes: YAML is slow to read (~0.1 ms an entry: 8 s of process time for a
    100k-article archive, entry by entry; ``yaml.load`` took 19 s and ~650 MB). The
    raw-path checks (A112), which depend on the file system, run every time.
    """
    path = root / METADATA_FILE
    cached = read_cached_metadata(root, cache) if cache is not None else None
    if cached is not None:
        return cached
    # Entry by entry: memory holds one entry's YAML, not the whole document's.
    entries = iter_yaml_list(path, "articles", hint="run `astana articles register` to create it")
    metas: list[ArticleMeta] = []
    seen_ids: set[str] = set()
    seen_files: set[str] = set()
    raw_dir = (root / RAW_DIR).resolve()
    try:
        for number, entry in enumerate(entries, start=1):
            where = f"{path}: entry {number}"
            meta = _meta(root, entry, where, raw_dir)
            if meta.id in seen_ids:
                raise error(
                    "A107", path=where, problem=f"duplicate id {meta.id} (ids are never reused)"
                )
            if meta.file in seen_files:
                raise error("A107", path=where, problem=f"file {meta.file} is listed twice")
            seen_ids.add(meta.id)
            seen_files.add(meta.file)
            metas.append(meta)
    except NoYamlList:
        raise error("A107", path=path, problem="expected a top-level `articles:` list") from None
    return metas


def read_cached_metadata(
    root: Path, cache: Path, digest: str | None = None, listing: RawListing | None = None
) -> list[ArticleMeta] | None:
    """The entries kept in ``cache`` when it holds those of the current articles.yaml
    (their raw paths checked again, A112), else None; ``digest``: its ``metadata_digest``
    when the caller has taken it; ``listing``: articles/raw's (``list_raw``) when the
    caller has read it."""
    path = root / METADATA_FILE
    if not path.is_file():
        return None
    cached = _cached_metadata(cache, digest or _metadata_digest(path))
    if cached is not None:
        check_raw_paths(root, cached, listing if listing is not None else list_raw(root))
    return cached


def _metadata_digest(path: Path) -> str:
    # The checks of this module are part of the key: a cache never outlives a new rule.
    return sha256_bytes(path.read_bytes() + Path(__file__).read_bytes())


def metadata_digest(root: Path) -> str:
    """The key ``write_metadata_cache`` stores entries under: take it *before*
    ``read_metadata``, so entries read from a file that changed meanwhile are stored
    under the older bytes' key, which the file no longer matches (never served)."""
    path = root / METADATA_FILE
    return _metadata_digest(path) if path.is_file() else ""  # missing: read_metadata says so


def write_metadata_cache(cache: Path, metas: Sequence[ArticleMeta], digest: str) -> None:
    """Keep ``metas``, read and checked from articles.yaml bytes of ``digest``
    (``metadata_digest``), in ``cache`` for ``read_metadata``, unless it holds them."""
    if _cached_metadata(cache, digest) is None:
        entries = [dataclasses.asdict(m) for m in metas]
        write_text(cache, json.dumps({"sha256": digest, "articles": entries}) + "\n")


def _cached_metadata(cache: Path, digest: str) -> list[ArticleMeta] | None:
    """The entries ``read_metadata`` kept in ``cache`` for YAML bytes of ``digest``, or
    None (no cache, another digest, or a cache it cannot read: it is rewritten)."""
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("sha256") != digest:
            return None
        return [ArticleMeta(**entry) for entry in data["articles"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def register_articles(
    root: Path,
    *,
    outlet: str | None = None,
    url: str | None = None,
    published: str | None = None,
) -> list[ArticleMeta]:
    """Add every raw file not yet in the metadata, with the next free ids.

    Existing entries are never renumbered, so ids stay stable as the corpus
    grows; new files get ids in file-name order. Returns the new entries.
    Refused, with nothing written: a ``published`` that is no date (A114), a
    ``url`` for more than one new file (A115), a file with the same bytes as a
    listed or another new one (A116), a symlink out of articles/raw (A112).
    """
    path = root / METADATA_FILE
    check_date(published, "--published")
    check_url(url, "--url")
    metas = read_metadata(root) if path.exists() else []
    listed = {m.file for m in metas}
    known = {m.sha256: f"{m.id} ({m.file})" for m in metas}
    next_number = max((int(m.id.split("-")[1]) for m in metas), default=0) + 1
    new_files = [
        raw
        for raw in sorted((root / RAW_DIR).iterdir())
        if raw.name not in listed and raw.suffix.lower() in SUPPORTED_SUFFIXES and not raw.is_dir()
    ]
    if url is not None and len(new_files) > 1:
        raise error(
            "A115", url=url, count=len(new_files), files=", ".join(r.name for r in new_files)
        )
    added: list[ArticleMeta] = []
    for raw in new_files:
        raw_path(root, raw.name, str(raw))
        data = raw.read_bytes()
        decode_raw(data, raw)
        digest = sha256_bytes(data)
        if digest in known:
            raise error("A116", path=raw, sha256=digest, other=known[digest])
        known[digest] = f"the new file {raw.name}"
        added.append(
            ArticleMeta(
                id=f"astana-{next_number:04d}",
                file=raw.name,
                sha256=digest,
                outlet=outlet,
                url=url,
                published=published,
            )
        )
        next_number += 1
    if added or not path.exists():
        write_metadata(root, metas + added)
    return added


def write_metadata(root: Path, metas: list[ArticleMeta]) -> None:
    header = (
        "# One entry per raw article in articles/raw/. Ids are stable: never renumber or\n"
        "# reuse one. sha256 is of the raw bytes; ingest refuses a file that changed.\n"
        "# outlet / url / published stay null where unknown: never invent a source.\n"
    )
    body = yaml.safe_dump(
        {"articles": [m.__dict__ for m in metas]},
        allow_unicode=True,
        sort_keys=False,
        width=1000,
    )
    write_text(root / METADATA_FILE, header + body)


def check_unlisted(
    root: Path, metas: Iterable[ArticleMeta], listing: RawListing | None = None
) -> None:
    """Every file of articles/raw is listed: an unsupported type (a .pdf, which register
    ignores) is A110, a supported one that is not listed A109. ``listing``: the folder's
    entries (``list_raw``) when the caller has read them."""
    listed = {m.file for m in metas}
    raw_dir = root / RAW_DIR
    files: Iterable[str]
    if listing is None:
        files = (p.name for p in raw_dir.iterdir() if p.is_file())
    else:  # only a name not listed can be unlisted; a symlink's target is asked, as is_file does
        files = (
            name
            for name in listing.names - listed
            if name in listing.files or (name in listing.links and (raw_dir / name).is_file())
        )
    unlisted = sorted(
        raw_dir / name for name in files if not name.startswith(".") and name not in listed
    )
    for p in unlisted:
        if p.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise error(
                "A110",
                path=p,
                suffix=p.suffix,
                supported=f"{', '.join(SUPPORTED_SUFFIXES)} (convert it, or move it out of "
                f"{RAW_DIR})",
            )
    if unlisted:
        files = ", ".join(p.name for p in unlisted)
        raise error("A109", path=raw_dir, metadata=METADATA_FILE, files=files)
