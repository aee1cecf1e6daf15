"""Every error a user can see: a stable code, a message template and what to do.

As in spaCy's ``Errors`` catalogue, a message is built from one place,
``CATALOGUE``, and starts with its code (``[A101] ...``), so tests assert the
code, not the wording, and the README lists the codes (generated from here).
Validation issue codes (E001..., W001...) are a separate catalogue of data
checks (``dataset.validate``); these ``A`` codes are errors that stop a command.

>>> exc = error("A101", path="articles/raw/x.txt")
>>> exc.code, isinstance(exc, InputFormatError)
('A101', True)
>>> str(exc).startswith("[A101] articles/raw/x.txt: the file is empty")
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class AstanaError(Exception):
    """Base class of every error the project raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a worker process, it reaches the parent with its code.
        return (type(self), (str(self),), self.__dict__)


class InputFormatError(AstanaError):
    """An input file (raw article, export, predictions) cannot be read as given."""


class ConfigError(AstanaError):
    """A configuration or metadata file is inconsistent with what is on disk."""


class ValidationError(AstanaError):
    """Annotations or splits break an invariant the dataset promises."""


class DoccanoError(AstanaError):
    """The Doccano server or its data is not in the state the command needs."""


@dataclass(frozen=True)
class ErrorSpec:
    kind: type[AstanaError]
    template: str  # what went wrong and where, with {fields}
    fix: str  # what the user should do


_I, _C, _V, _D = InputFormatError, ConfigError, ValidationError, DoccanoError

CATALOGUE: dict[str, ErrorSpec] = {
    # A1xx: raw articles and their metadata
    "A101": ErrorSpec(
        _I,
        "{path}: the file is empty (or only whitespace)",
        "remove it from articles/articles.yaml or replace it with the article's text",
    ),
    "A102": ErrorSpec(
        _I,
        "{path}: byte offset {offset}: NUL byte, this looks like a binary file",
        "supply the article as UTF-8 .txt or .html",
    ),
    "A103": ErrorSpec(
        _I,
        "{path}: byte offset {offset}: invalid UTF-8 (byte 0x{byte:02x}, {reason})",
        "re-save the file as UTF-8 (e.g. `iconv -f cp1256 -t utf-8`)",
    ),
    "A104": ErrorSpec(
        _I,
        "{path}: character offset {offset}: control character U+{char:04X}",
        "this looks like a binary file: supply the article's text",
    ),
    "A105": ErrorSpec(
        _I,
        "{path}: no article text found in the HTML",
        "check that the page holds the article body (not a cookie wall or an index page)",
    ),
    "A106": ErrorSpec(
        _C,
        "{path}: listed in {metadata} but missing",
        "restore the file (raw articles are never deleted) or remove its entry",
    ),
    "A107": ErrorSpec(_C, "{path}: {problem}", "fix the entry (id, file and sha256 are required)"),
    "A108": ErrorSpec(
        _I,
        "{path}: cleaning kept no paragraph (dropped: {dropped})",
        "check the file holds article text",
    ),
    "A109": ErrorSpec(
        _C,
        "{path}: files not in {metadata}: {files}",
        "run `astana articles register` to give them ids",
    ),
    "A110": ErrorSpec(_I, "{path}: unsupported file type {suffix!r}", "use one of {supported}"),
    "A111": ErrorSpec(
        _C,
        "{path}: sha256 {actual} differs from {expected} in {metadata} ({doc_id})",
        "raw articles are never edited: restore the original bytes, or add the new "
        "version as a new file",
    ),
    "A112": ErrorSpec(
        _C,
        "{path}: file {file!r} resolves to {resolved}, outside {raw_dir}",
        "list only files inside articles/raw (no `..`, no symlink pointing out of it)",
    ),
    "A113": ErrorSpec(
        _I,
        "{path}: is a directory, not a file",
        "list the article's file, not a folder (raw articles are single .txt or .html files)",
    ),
    "A114": ErrorSpec(
        _C,
        "{where}: published {value!r} is not a date YYYY-MM-DD",
        "write the publication date as YYYY-MM-DD (e.g. 2017-07-04), or leave it null",
    ),
    "A115": ErrorSpec(
        _C,
        "--url {url} given for {count} new files ({files})",
        "register one file at a time when you give --url (one URL per article)",
    ),
    "A116": ErrorSpec(
        _C,
        "{path}: the same bytes (sha256 {sha256}) as {other}",
        "the article is already there: delete the copy (one entry per article)",
    ),
    "A140": ErrorSpec(
        _I,
        "{path}: not an input shard (a raw .txt/.html file, .jsonl or .parquet expected)",
        "pass a folder of shards or shard files of those kinds",
    ),
    "A141": ErrorSpec(
        _I,
        "{path}: record {record}: {problem}",
        "every shard record needs a string `id` and a string `text` or `html`",
    ),
    # A2xx: configuration files (YAML, schema, gazetteer)
    "A201": ErrorSpec(_C, "{path}: {state}", "{hint}"),
    "A202": ErrorSpec(_C, "{path}: invalid YAML: {detail}", "fix the YAML syntax"),
    "A203": ErrorSpec(
        _C, "{path}: {problem}", "fix annotations/schema.yaml (see the comments in it)"
    ),
    "A204": ErrorSpec(
        _C, "{path}: {problem}", "fix annotations/gazetteer.yaml (id, type, name, aliases)"
    ),
    "A205": ErrorSpec(
        _C,
        "{path}: byte offset {offset}: invalid UTF-8 (byte 0x{byte:02x}, {reason})",
        "re-save the file as UTF-8",
    ),
    "A206": ErrorSpec(
        _C,
        "{command}: {problem}",
        "run `{command} --help` for the arguments it takes",
    ),
    # A3xx: annotation files (JSON lines, exports, resolutions, sessions)
    "A301": ErrorSpec(_I, "{path}: {state}", "check the path"),
    "A302": ErrorSpec(
        _I,
        "{path}:{line}: invalid JSON at column {column}: {detail}",
        "fix or remove the line",
    ),
    "A303": ErrorSpec(
        _I, "{path}:{line}: expected a JSON object, got {got}", "write one object per line"
    ),
    "A304": ErrorSpec(
        _I,
        "{where}: {problem}",
        "write suggestions as {{doc_id, paragraph_index, entities: [[start, end, label]], "
        "cats}} (the shape `astana preannotate` writes)",
    ),
    "A305": ErrorSpec(
        _V,
        "{where}: {problem}",
        "write one line per paragraph: {{doc_id, paragraph_index, entities: "
        "[{{start, end, label}}], events}} in document offsets, labels from the schema",
    ),
    "A306": ErrorSpec(
        _V,
        "round {round}: no annotator has {which}annotations",
        "confirm examples in Doccano (or pass --include-unconfirmed) and pull again",
    ),
    "A307": ErrorSpec(
        _V,
        "--prefer {prefer}: not an annotator of round {round} ({annotators})",
        "name one of the round's annotators",
    ),
    "A308": ErrorSpec(
        _V,
        "round {round}: {count} paragraph(s) with disagreements, written to {review}; "
        "gold was not written",
        "resolve them with --resolutions FILE (same keys, one chosen version per line) "
        "or --prefer ANNOTATOR",
    ),
    "A309": ErrorSpec(
        _V,
        "round {round}: no document has every paragraph annotated (incomplete: "
        "{incomplete}); gold was not written",
        "annotate and confirm the missing paragraphs, then pull a new round",
    ),
    "A310": ErrorSpec(
        _V,
        "{path}:{line}: {problem}",
        "gold lines are written by `astana merge`; restore the file from git or merge again",
    ),
    "A311": ErrorSpec(_V, "{path}: not found", "annotate in Doccano and run `astana merge` first"),
    "A312": ErrorSpec(
        _I,
        "{path}:{line}: byte offset {offset}: invalid UTF-8 (byte 0x{byte:02x}, {reason})",
        "re-save the file as UTF-8 (JSON lines are UTF-8)",
    ),
    "A313": ErrorSpec(
        _I,
        "{where}: span [{start}, {end}) read as UTF-16 offsets (Doccano's unit) is {got!r}, "
        "which {problem}; {alternative}",
        "export the round from Doccano again (it writes UTF-16 offsets), or correct the span "
        "in the browser",
    ),
    "A314": ErrorSpec(
        _I,
        "{where}: {doc_id} paragraph {index} again, with different labels than line {first}",
        "keep one example per paragraph in each export (was the paragraph pushed twice?)",
    ),
    "A315": ErrorSpec(
        _V,
        "{path}: holds no gold document; a dataset without annotations would replace the last one",
        "restore the gold file from git, or merge a round into it (`astana merge`)",
    ),
    # A4xx: Doccano server, client, exports and sessions
    "A401": ErrorSpec(
        _D,
        "no Doccano server answers at {url}",
        "start one with `astana doccano serve` (or set DOCCANO_URL to the running server)",
    ),
    "A402": ErrorSpec(
        _D,
        "login to {url} as {username!r} failed ({status}): wrong username or password",
        "check DOCCANO_USERNAME / DOCCANO_PASSWORD",
    ),
    "A403": ErrorSpec(
        _D,
        "unknown project {name!r} at {url}; projects there: {names}",
        "create it with `astana doccano push --project NAME`",
    ),
    "A404": ErrorSpec(
        _D, "Doccano rejected the upload: {detail}", "fix the lines it names and push again"
    ),
    "A405": ErrorSpec(
        _D,
        "project {project!r} is a {kind} project, not {expected}",
        "choose another --project name",
    ),
    "A406": ErrorSpec(
        _D,
        "{where}: the text in Doccano differs from the current cleaned paragraph (drift)",
        "pull the annotations first, then push to a new project; or re-run ingest with the "
        "cleaning the project was pushed with",
    ),
    "A407": ErrorSpec(
        _D,
        "{where}: {problem}",
        "was this example uploaded with `astana doccano push`? check the export line",
    ),
    "A408": ErrorSpec(
        _D,
        "{where}: label(s) {labels} not in annotations/schema.yaml ({allowed})",
        "add the label to the schema, or correct the annotation in Doccano",
    ),
    "A409": ErrorSpec(_D, "round name {round!r} must be a plain folder name", "use e.g. r1"),
    "A410": ErrorSpec(
        _D,
        "{path} already exists; exports of a round are never overwritten",
        "pull into a new round name",
    ),
    "A412": ErrorSpec(
        _D, "{path}: no such round", "pull it with `astana doccano pull --round NAME`"
    ),
    "A413": ErrorSpec(
        _D,
        "{where}: {surface!r} ({label}) not found as a whole name after offset {cursor}",
        "list entities in text order and copy them exactly",
    ),
    "A414": ErrorSpec(
        _D, "{where}: no such example in project {project!r}", "push the paragraphs first"
    ),
    "A415": ErrorSpec(
        _D,
        "{where}: this user already annotated the example differently",
        "correct it in the browser, or apply a review session with --replace",
    ),
    "A416": ErrorSpec(
        _D, "{what} failed (exit {status}); see {log}:\n{tail}", "fix what the log says"
    ),
    "A417": ErrorSpec(
        _D,
        "{path}: not found; it pins the Doccano server's packages",
        "restore scripts/doccano-constraints.txt from git",
    ),
    "A418": ErrorSpec(
        _D,
        "{purpose}: {problem}",
        "set DOCCANO_USERNAME and DOCCANO_PASSWORD (or run in a terminal to be prompted)",
    ),
    "A419": ErrorSpec(
        _D,
        "another server already answers at {url} (not started from {home})",
        "stop it or choose another --port",
    ),
    "A420": ErrorSpec(
        _D, "the Doccano {which} exited during start-up; {log}:\n{tail}", "fix what the log says"
    ),
    "A421": ErrorSpec(
        _D,
        "Doccano did not answer {url}/v1/health/ within {timeout:.0f} s",
        "see the logs in {logs}",
    ),
    "A422": ErrorSpec(
        _D,
        "{venv}: doccano's backend package not found",
        "delete the venv and run `astana doccano serve` again to reinstall",
    ),
    "A423": ErrorSpec(
        _D,
        "set DOCCANO_NEW_PASSWORD for the new user (no terminal to prompt on)",
        "export DOCCANO_NEW_PASSWORD, or run the command in a terminal",
    ),
    "A424": ErrorSpec(
        _D,
        "{path}: paragraph entry {number}: {problem}",
        "each entry needs doc, p, entities [[surface, LABEL]] and events (see the README)",
    ),
    "A425": ErrorSpec(
        _D,
        "the Doccano server stopped answering during {what} ({detail}); nothing was written",
        "check that it runs (`astana doccano status`, `astana doccano serve`), then run the "
        "command again: it carries on where it can",
    ),
    "A426": ErrorSpec(
        _D,
        "Doccano refused the session during {what} (HTTP {status}): it expired or was closed",
        "run the command again to log in anew; check DOCCANO_USERNAME / DOCCANO_PASSWORD",
    ),
    # A5xx: splits, dataset and card
    "A501": ErrorSpec(_V, "no seed below {limit} gives every split a document", "add documents"),
    "A502": ErrorSpec(_V, "{path}: missing", "run `astana split` and commit splits/"),
    "A503": ErrorSpec(
        _V,
        "validation found {count} error(s), nothing was built: {first}",
        "run `astana validate` for the full report",
    ),
    "A504": ErrorSpec(
        _V,
        "{path}: generated sections missing {missing} / unknown {unknown}",
        "give each generated section a BEGIN GENERATED and an END GENERATED marker comment",
    ),
    "A505": ErrorSpec(
        _V, "{path}: {problem}", "run `astana split` to rewrite splits/manifest.json"
    ),
    "A506": ErrorSpec(
        _V,
        "{path}:{line}: {problem}",
        "split lists hold one document id per line: fix that line, or rewrite the lists "
        "with `astana split --allow-moves` (any document may then change split)",
    ),
    "A508": ErrorSpec(
        _V,
        "{path}: missing; the dataset folder ships it (the card's license_link points to it)",
        "restore LICENSE from the repository (`git checkout -- LICENSE`) or write your "
        "project's licence terms there",
    ),
    "A507": ErrorSpec(
        _V,
        "{path}: the split is called validation since release 1.0 (the Hugging Face name)",
        "`git mv splits/dev.txt splits/validation.txt`, then `astana split` (it reads the old "
        "manifest's `dev` ratio and rewrites the manifest; no document moves)",
    ),
    "A520": ErrorSpec(
        _V,
        "{count} committed document(s) would change split, nothing was written:\n{moves}",
        "if the moves are intended (a new document links groups of two splits), run "
        "`astana split --allow-moves` and commit splits/; otherwise check the new documents",
    ),
    # A6xx: predictions, evaluation, exports and baselines
    "A601": ErrorSpec(
        _I,
        "{where}: {problem}",
        "write one JSON object per document: {{id, entities: [{{start, end, label}}], "
        "events, paragraphs: [{{index, events}}]}} (see README, evaluate)",
    ),
    "A602": ErrorSpec(
        _I,
        "{where}: id {doc_id!r} is not in the evaluated split",
        "predict only its documents ({listed})",
    ),
    "A603": ErrorSpec(_I, "{where}: id {doc_id!r} appears twice", "keep one line per document"),
    "A604": ErrorSpec(
        _I, "{where}: unknown {kind} label {label!r}", "use a label of the schema: {allowed}"
    ),
    "A605": ErrorSpec(_I, "unknown split {split!r}", "use one of {allowed}"),
    "A606": ErrorSpec(_V, "documents in splits/ without gold: {missing}", "run `astana validate`"),
    "A607": ErrorSpec(_C, "unknown baseline {name!r}", "use one of {allowed}"),
    "A608": ErrorSpec(_C, "{path}: not found", "restore the training config from git"),
    "A609": ErrorSpec(
        _C,
        "{path}: {problem}",
        "results are written by `astana train`: run it again (or delete the file)",
    ),
    "A610": ErrorSpec(
        _V,
        "{path}: {count} validation error(s) in gold, first: {doc_id} offset {offset}: "
        "{issue} {message}",
        "run `astana validate` and fix gold (merge again) before {command}",
    ),
    # A62x: evaluation against a built dataset folder, prediction formats, extras
    "A611": ErrorSpec(
        _C,
        "{path}: {problem}",
        "it is written by `astana preannotate --evaluate`: run it again (or delete the file)",
    ),
    "A620": ErrorSpec(
        _I,
        "{path}: not a dataset folder built by `astana build` ({problem})",
        "pass the folder `astana build` wrote (README.md with front matter and "
        "data/<config>/<split>.parquet), e.g. --dataset dist/astana-corpus",
    ),
    "A621": ErrorSpec(
        _I,
        "{path}: config {config!r} has no {split!r} split",
        "use --split with one of {allowed}",
    ),
    "A622": ErrorSpec(
        _I,
        "{where}: {par_id}: {problem}, but the tokens config row has {n} tokens",
        "give one tag per token of that row, in order (its `tokens` list; see README, "
        "prediction formats)",
    ),
    "A623": ErrorSpec(
        _I,
        "{where}: {problem}",
        "write one JSON object per row of the tokens config: {{id: the row's id, "
        "ner_tags: [one tag per token], events (optional)}} (see README, prediction formats)",
    ),
    "A624": ErrorSpec(
        _I,
        "{where}: {problem}",
        "keep one format per file: documents lines ({{id, entities, events, paragraphs}}) "
        "or iob2 lines ({{id, ner_tags}}); --format documents|iob2 names it (see README)",
    ),
    "A625": ErrorSpec(
        ConfigError,
        "astana {command} needs {module}, which is not installed (the [{extra}] extra)",
        "pip install 'astana-corpus[{extra}]' (or '.[{extra}]' in a checkout; '[all]' "
        "installs every command's dependencies)",
    ),
    # A64x: pictures (astana stats, astana view)
    "A640": ErrorSpec(
        _C,
        "astana stats draws with matplotlib, which is not installed ({detail})",
        "install the stats extra: pip install -c constraints.txt -e '.[stats]'",
    ),
    "A641": ErrorSpec(
        _I,
        "{path}: not a built dataset folder ({problem})",
        "give --dataset the folder `astana build` wrote (README.md + data/documents/*.parquet)",
    ),
    "A642": ErrorSpec(
        _C,
        "--compare needs a predictions file to compare with gold",
        "run `astana view --predictions FILE --compare`",
    ),
    # A7xx: outputs and the machine
    "A701": ErrorSpec(
        _C,
        "{path}: exists and is {kind}, not a previous {what}; it was left untouched",
        "choose another output path (a command only replaces its own earlier output)",
    ),
    "A703": ErrorSpec(
        AstanaError,
        "{path}: {detail} (the operating system refused the read or write)",
        "check the path's permissions and the free disk space, then run the command again",
    ),
    "A705": ErrorSpec(
        _C,
        "{path}: is a file, so the {what} cannot be written under it; it was left untouched",
        "choose an output path whose parent is a folder (or does not exist yet)",
    ),
    "A704": ErrorSpec(
        _C,
        "{path}: another command is writing this folder right now",
        "wait for it to finish (or stop it), then run the command again",
    ),
    "A720": ErrorSpec(
        _C,
        "--engine ray needs Ray Data, which is not installed ({detail})",
        'install the extra: pip install "astana-corpus[ray]" (or use --engine local)',
    ),
}


def error(code: str, **fields: Any) -> AstanaError:
    """The exception for catalogue ``code``, its message filled in from ``fields``."""
    spec = CATALOGUE[code]
    message = f"[{code}] {spec.template.format(**fields)}; {spec.fix.format(**fields)}"
    return spec.kind(message, code=code)


# Which extra (pyproject.toml) installs a third-party module that is imported only when a
# command needs it; the core install holds what loading and `evaluate --dataset` import.
EXTRA_OF_MODULE = {
    "spacy": "build",
    "thinc": "build",
    "srsly": "build",
    "trafilatura": "ingest",
    "justext": "ingest",
    "lxml_html_clean": "ingest",
    "doccano_client": "annotate",
    "pydantic": "annotate",
    "requests_toolbelt": "annotate",
}


# What each extra installs, itself included (pyproject.toml: build adds ingest, ...).
EXTRA_INCLUDES = {
    "ingest": frozenset({"ingest"}),
    "build": frozenset({"ingest", "build"}),
    "train": frozenset({"ingest", "build", "train"}),
    "annotate": frozenset({"ingest", "build", "annotate"}),
}
# The extra each command needs as a whole, so one install is enough.
COMMAND_EXTRA = {
    "ingest": "ingest",
    "articles": "ingest",
    **dict.fromkeys(("validate", "split", "build", "card", "export", "view", "evaluate"), "build"),
    "train": "train",
    **dict.fromkeys(("preannotate", "merge", "agreement", "doccano"), "annotate"),
}


def missing_extra(exc: ModuleNotFoundError, command: str) -> AstanaError | None:
    """A625 for a module of an extra that is not installed, naming the command's extra
    when it holds that module (``astana build`` asks for [build], not for [ingest] first
    and [build] next); None for any other missing module (a broken install).

    >>> no_html = ModuleNotFoundError("No module named 'trafilatura'", name="trafilatura")
    >>> "astana-corpus[build]" in str(missing_extra(no_html, "build"))
    True
    """
    module = (exc.name or "").partition(".")[0]
    extra = EXTRA_OF_MODULE.get(module)
    if extra is None:
        return None
    wanted = COMMAND_EXTRA.get(command)
    if wanted is not None and extra in EXTRA_INCLUDES[wanted]:
        extra = wanted
    return error("A625", command=command, module=module, extra=extra)


def catalogue_markdown() -> str:
    """The catalogue as a Markdown table (the README's error-code section)."""
    lines = ["| code | kind | what it means | what to do |", "|---|---|---|---|"]
    for code, spec in CATALOGUE.items():
        cells = (spec.template, spec.fix)
        what, fix = (
            c.replace("|", "\\|").replace("\n", " ").replace("{{", "{").replace("}}", "}")
            for c in cells
        )
        lines.append(f"| `{code}` | {spec.kind.__name__} | {what} | {fix} |")
    return "\n".join(lines) + "\n"
