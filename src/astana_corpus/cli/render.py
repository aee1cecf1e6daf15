"""How the CLI shows results: rich tables on the terminal, nothing computed here."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from astana_corpus.core.errors import AstanaError, error
from astana_corpus.core.outputs import InterruptedAfterOutput
from astana_corpus.dataset.splits import SPLIT_NAMES
from astana_corpus.dataset.validate import CODE_NAMES, Report
from astana_corpus.models.evaluate import SCHEMES


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def ingest(report: Mapping[str, Any], out: Path) -> None:
    console = Console(stderr=True)
    table = Table(title="ingest", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("documents", str(report["documents"]))
    table.add_row("paragraphs seen", str(report["paragraphs_seen"]))
    table.add_row("paragraphs kept", str(report["paragraphs_kept"]))
    for reason, count in report["dropped"].items():
        table.add_row(f"dropped: {reason}", str(count))
    if report.get("parts_trimmed"):
        table.add_row("parts trimmed off kept lines", str(report["parts_trimmed"]))
    console.print(table)
    console.print(f"wrote {out}")


def preannotation(scores: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
    """The per-type table, then the per-source one (a source's recall is its share of all
    gold spans, so the sources' recalls add up to the overall recall)."""
    console = Console()
    for key, title, first in (
        ("labels", "pre-annotation vs gold (exact span and type)", "type"),
        ("sources", "per source: what each gazetteer, variant and rule earns", "source"),
    ):
        view = Table(title=title)
        for col in (first, "gold", "suggested", "correct", "precision", "recall", "F1"):
            view.add_column(col, justify="right" if col != first else "left")
        for name, row in scores[key].items():
            view.add_row(
                name,
                str(row["gold"]),
                str(row["predicted"]),
                str(row["correct"]),
                f"{row['precision']:.3f}",
                f"{row['recall']:.3f}",
                f"{row['f1']:.3f}",
            )
        console.print(view)


def agreement(result: Mapping[str, Any]) -> None:
    console = Console()
    if len(result["annotators"]) < 2:
        console.print(
            f"round {result['round']}: one annotator ({', '.join(result['annotators'])})"
            "; agreement needs two or more"
        )
        return
    for pair in result["pairs"]:
        a, b = pair["annotators"]
        table = Table(title=f"{a} vs {b}: {pair['paragraphs']} paragraphs in common")
        for col in ("label", "F1 / kappa", a, b, "both"):
            table.add_column(col)
        ent = pair["entities"]
        table.add_row(
            "entities (all)", _fmt(ent["f1"]), str(ent["a"]), str(ent["b"]), str(ent["both"])
        )
        for label, row in ent["per_label"].items():
            table.add_row(
                f"  {label}", _fmt(row["f1"]), str(row["a"]), str(row["b"]), str(row["both"])
            )
        for label, row in pair["events"].items():
            table.add_row(
                f"event {label}", _fmt(row["kappa"]), str(row["a_yes"]), str(row["b_yes"]), ""
            )
        console.print(table)
    if "fleiss" in result:
        table = Table(title=f"Fleiss' kappa, {result['fleiss']['paragraphs']} paragraphs")
        table.add_column("event label")
        table.add_column("kappa")
        for label, value in result["fleiss"]["events"].items():
            table.add_row(label, _fmt(value))
        console.print(table)


def validation(report: Report) -> None:
    data = report.to_dict()
    console = Console()
    table = Table(title=f"astana validate: {data['checked']}")
    for col in ("code", "check", "found"):
        table.add_column(col)
    for code, name in CODE_NAMES.items():
        n = data["counts"].get(code, 0)
        style = "red" if n and code.startswith("E") else "yellow" if n else "green"
        table.add_row(code, name, f"[{style}]{n}[/{style}]")
    console.print(table)
    for issue in report.issues:
        where = " ".join(
            x for x in (issue.doc_id, f"@{issue.offset}" if issue.offset is not None else None) if x
        )
        console.print(
            f"{issue.severity.upper()} {issue.code} {where}: {issue.message}", markup=False
        )
    verdict = "FAILED" if report.errors else "passed"
    console.print(
        f"{verdict}: {plural(len(report.errors), 'error')}, "
        f"{plural(len(report.warnings), 'warning')}"
    )


def build(
    out_dir: Path,
    rows: Mapping[str, Mapping[str, int]],
    entities: Mapping[str, Mapping[str, int]],
    tokens: Mapping[str, int],
    counts: Mapping[str, int],
) -> None:
    console = Console()
    table = Table(title=f"astana build → {out_dir}")
    table.add_column("config / split")
    for split in SPLIT_NAMES:
        table.add_column(split, justify="right")
    for config, by_split in rows.items():
        table.add_row(f"{config} (rows)", *(str(by_split[s]) for s in SPLIT_NAMES))
    table.add_row("entities", *(str(sum(entities[s].values())) for s in SPLIT_NAMES))
    table.add_row("tokens", *(str(tokens[s]) for s in SPLIT_NAMES))
    console.print(table)
    warnings = sum(n for c, n in counts.items() if c.startswith("W"))
    console.print(
        f"validation: 0 errors, {plural(warnings, 'warning')} ({', '.join(counts) or 'none'})"
    )
    console.print(f'load it: datasets.load_dataset("{out_dir}", "tokens")')


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 document"``, ``"2 documents"``; ``many`` for irregular plurals.

    >>> plural(1, "entity", "entities"), plural(0, "warning")
    ('1 entity', '0 warnings')
    """
    return f"{n} {word if n == 1 else many or word + 's'}"


def _score_cells(scores: Mapping[str, Any], label: str | None) -> list[str]:
    def get(scheme: str) -> Mapping[str, Any]:
        if label is None:
            return scores[scheme]["micro"]  # type: ignore[no-any-return]
        return scores[scheme]["per_label"].get(  # type: ignore[no-any-return]
            label, {"f1": 0.0, "precision": 0.0, "recall": 0.0, "possible": 0}
        )

    strict = get("strict")
    return [
        str(int(strict["possible"])),
        f"{strict['precision']:.3f}",
        f"{strict['recall']:.3f}",
        f"{strict['f1']:.3f}",
        *(f"{get(s)['f1']:.3f}" for s in SCHEMES[1:]),
    ]


def _prf(d: Mapping[str, float]) -> str:
    return f"{d['precision']:.2f} {d['recall']:.2f} {d['f1']:.2f}"


# What the evaluation tables' abbreviations and columns mean, printed under them.
ENTITY_LEGEND = (
    "gold: gold spans as strict matching counts them (correct + incorrect + partial + "
    "missed; a gold span overlapped by two predictions counts twice). P precision, "
    "R recall, F1 their harmonic mean. strict: same boundaries and type; exact: same "
    "boundaries, any type; partial: an overlap counts half; type: any overlap, same type; "
    "clitic: strict, but a span that adds only a proclitic (بسوريا for سوريا) counts. "
    "micro: all spans together; macro F1: the mean of the labels' F1."
)
EVENT_LEGEND = (
    "P R F1 per event label, over paragraphs and over documents (a document's labels are "
    "its paragraphs' unless predicted for the document); n: gold paragraphs or documents "
    "with the label."
)


def evaluation(result: Mapping[str, Any], console: Console | None = None) -> None:
    """The entity and event tables (they fit 80 columns) and what their columns mean."""
    console = console or Console()
    entity_names, event_names = result["labels"]["entities"], result["labels"]["events"]
    read = result.get("predictions", {})
    gold = result.get("gold", {})
    console.print(
        f"gold: {gold.get('path', '?')} ({gold.get('source', '?')}), "
        f"{result['split']} split, {plural(result['documents'], 'document')}; "
        f"predictions: {read.get('file', '?')} ({read.get('format', '?')} format, "
        f"{plural(read.get('lines', 0), 'line')})",
        markup=False,
    )
    if result["missing_predictions"]:
        missing = result["missing_predictions"]
        console.print(
            f"no prediction for {plural(len(missing), 'document')} (scored as empty): "
            + ", ".join(missing),
            style="yellow",
            markup=False,
        )
    if read.get("missing_paragraphs"):
        missing = read["missing_paragraphs"]
        console.print(
            f"no line for {plural(len(missing), 'paragraph')} of predicted documents "
            "(scored as empty): " + ", ".join(missing),
            style="yellow",
            markup=False,
        )
    if read.get("iob2_repairs"):
        console.print(
            f"{plural(read['iob2_repairs'], 'I- tag')} without a B- before began an entity "
            "(as seqeval and conlleval read them)",
            style="yellow",
            markup=False,
        )
    table = Table(title=f"entities, {result['split']} split", title_justify="left", show_edge=False)
    headers = ("label", "gold", "strict\nP", "strict\nR", "strict\nF1")
    for col in (*headers, *(f"{s}\nF1" for s in SCHEMES[1:])):
        table.add_column(col, justify="left" if col == "label" else "right", no_wrap=True)
    entities = result["entities"]
    labels = sorted(
        {lb for s in SCHEMES for lb in entities[s]["per_label"]}, key=list(entity_names).index
    )
    for label in labels:
        table.add_row(label, *_score_cells(entities, label))
    table.add_row("micro", *_score_cells(entities, None))
    table.add_row("macro F1", "", "", "", *(f"{entities[s]['macro_f1']:.3f}" for s in SCHEMES))
    console.print(table)
    console.print(ENTITY_LEGEND)
    events = Table(title="event labels", title_justify="left", show_edge=False)
    events.add_column("label", no_wrap=True)
    for level in ("paragraph", "document"):
        events.add_column(f"{level}s\nP    R    F1   (n)", justify="right", no_wrap=True)
    for label in event_names:
        cells = []
        for level in ("paragraph", "document"):
            d = result["events"][level]["per_label"].get(label)
            cells.append(f"{_prf(d)} ({d['support']})" if d else "-")
        if any(c != "-" for c in cells):
            events.add_row(label, *cells)
    events.add_row(
        "micro", *(_prf(result["events"][lv]["micro"]) for lv in ("paragraph", "document"))
    )
    events.add_row(
        "macro F1", *(f"{result['events'][lv]['macro_f1']:.2f}" for lv in ("paragraph", "document"))
    )
    console.print(events)
    console.print(EVENT_LEGEND)


def push(report: Any, project: str, url: str) -> None:
    what = "created" if report.created_project else "reused"
    print(
        f"project {project!r} {what} (id {report.project_id}) at {url}; "
        f"label types created: {len(report.label_types_created)}; paragraphs uploaded: "
        f"{report.uploaded}; already there: {report.already_there}"
    )


def session(report: Any) -> None:
    print(
        f"annotated and confirmed {plural(report.annotated, 'example')} "
        f"({plural(report.entities, 'entity', 'entities')}; "
        f"{report.replaced} replaced earlier annotations); "
        f"{report.unchanged} already annotated identically"
    )


def preload(report: Any) -> None:
    print(
        f"suggestions copied to {plural(report.annotated, 'example')} "
        f"({plural(report.entities, 'span')}); "
        f"{report.unchanged} already had this user's annotations and were left alone"
    )


def pull(report: Any) -> None:
    print(f"round {report.round} stored in {report.directory}")
    for name, counts in sorted(report.annotators.items()):
        print(
            f"  {name}: {plural(counts['examples'], 'example')}, {counts['labelled']} labelled, "
            f"{counts['confirmed']} confirmed"
        )


def merge(report: Any) -> None:
    print(
        f"round {report.round}: annotators {', '.join(report.annotators)}; paragraphs "
        f"agreed {report.paragraphs_agreed}, single-annotated {report.paragraphs_single}, "
        f"disagreements {report.disagreements} (resolved {report.resolved})"
    )
    print(
        f"gold: wrote {plural(len(report.documents_written), 'document')}: "
        f"{', '.join(report.documents_written)}"
    )
    if report.documents_kept_from_earlier:
        print(f"  kept from earlier rounds: {', '.join(report.documents_kept_from_earlier)}")
    for doc_id, missing in report.documents_incomplete.items():
        print(f"  not in gold, paragraphs not annotated: {doc_id} {missing}")


def train(result: Mapping[str, Any], *, recorded: bool) -> None:
    entities, events = result["scores"]["entities"], result["scores"]["events"]
    print(
        f"{result['baseline']} on {result['split']}: entities strict micro F1 "
        f"{entities['strict']['micro']['f1']:.3f} (clitic {entities['clitic']['micro']['f1']:.3f},"
        f" partial {entities['partial']['micro']['f1']:.3f}); events paragraph micro F1 "
        f"{events['paragraph']['micro']['f1']:.3f}"
    )
    if recorded:
        print(f"recorded results/{result['baseline']}.json; `astana card` puts it in the card")


def split(outcome: Any) -> None:
    result, changes = outcome.result, outcome.changes
    print(
        "wrote splits/: "
        + ", ".join(f"{n} {len(ids)}" for n, ids in result.lists().items())
        + f"; near-duplicate pairs: {len(result.near_duplicates)}"
    )
    if outcome.fresh:
        print("no committed lists to compare with: every document is new")
    else:
        print(
            f"compared with the committed lists: {plural(len(changes.moves), 'document')} "
            f"moved, {len(changes.added)} added, {len(changes.removed)} removed"
        )
    for move in changes.moves:
        print(f"  moved {move.doc_id}: {move.old} → {move.new} ({move.why})")
    for doc_id in changes.added:
        print(f"  added {doc_id}: {result.assignment[doc_id]} (group {result.groups[doc_id]})")
    for doc_id in changes.removed:
        print(f"  removed {doc_id}: no longer a document")
    cap = result.config.max_paragraph_documents
    print(
        f"boilerplate (a paragraph in more than {cap} documents; links nothing, E020 skips "
        f"it): {plural(result.boilerplate_count, 'paragraph')}"
    )
    for b in result.boilerplate:
        print(f"  {b.documents} documents (first {', '.join(b.ids)}): {b.text}")


def similarity(report: Any, path: Path) -> None:
    def span(values: Sequence[float]) -> str:
        return f"{values[0]:.2f}–{values[1]:.2f}" if values else "none"

    print(
        f"wrote {path}: {plural(report['documents'], 'document')}, "
        f"{plural(len(report['pairs']), 'pair')}: Jaccard {span(report['jaccard_range'])}, "
        f"containment {span(report['containment_range'])}, "
        f"{report['pairs_sharing_a_paragraph']} sharing a paragraph of >= "
        f"{report['min_paragraph_chars']} characters"
    )


def card(stale: Sequence[str], *, checked: bool) -> None:
    if not checked:
        print(f"updated sections: {', '.join(stale) or 'none (already up to date)'}")
    elif stale:
        print(
            f"dataset_card.md is stale in: {', '.join(stale)}; run `astana card`", file=sys.stderr
        )
    else:
        print("dataset_card.md is up to date")


def failure(command: str, exc: BaseException, *, finished: bool = False) -> int:
    """Print why ``astana command`` stopped (or, ``finished``, that an interrupt came too
    late to stop it); return its exit status."""
    if isinstance(exc, KeyboardInterrupt):
        what = (
            "interrupted too late to stop: the command finished and its output is complete"
            if finished or isinstance(exc, InterruptedAfterOutput)
            else "interrupted; earlier outputs are as they were, nothing half-written was kept"
        )
        print(f"astana {command}: {what}", file=sys.stderr)
        return 130
    if not isinstance(exc, AstanaError):  # a disk or permission failure nobody foresaw
        filename = getattr(exc, "filename", None) or "?"
        exc = error("A703", path=filename, detail=getattr(exc, "strerror", None) or exc)
    print(f"astana {command}: error: {exc}", file=sys.stderr)
    return exc.exit_code
