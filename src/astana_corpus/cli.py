"""The `astana` command: parses arguments and calls library functions."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from astana_corpus.errors import AstanaError

DEFAULT_DOCUMENTS = Path("build/documents.jsonl")


def _print_ingest_report(report: dict, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    table = Table(title="ingest", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("documents", str(report["documents"]))
    table.add_row("paragraphs seen", str(report["paragraphs_seen"]))
    table.add_row("paragraphs kept", str(report["paragraphs_kept"]))
    for reason, count in report["dropped"].items():
        table.add_row(f"dropped: {reason}", str(count))
    console.print(table)
    console.print(f"wrote {out}")


def cmd_ingest(args: argparse.Namespace) -> int:
    from astana_corpus.articles import ingest

    out = args.out if args.out.is_absolute() else args.root / args.out
    report = ingest(args.root, out=out, progress=not args.quiet).to_dict()
    if args.report:
        import json

        from astana_corpus.io import write_text

        write_text(args.report, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    if not args.quiet:
        _print_ingest_report(report, out)
    return 0


def cmd_articles_register(args: argparse.Namespace) -> int:
    from astana_corpus.articles import register_articles

    added = register_articles(args.root, outlet=args.outlet, url=args.url, published=args.published)
    for meta in added:
        print(f"{meta.id}\t{meta.file}\t{meta.sha256}")
    if not added:
        print("no new raw files", file=sys.stderr)
    return 0


def _documents(args: argparse.Namespace) -> list:
    """Cleaned documents, re-ingested from the committed raw files (never a stale copy)."""
    from astana_corpus.articles import iter_documents

    return list(iter_documents(args.root))


def _client(args: argparse.Namespace):
    from astana_corpus.doccano import connect
    from astana_corpus.doccano_server import admin_credentials, default_url

    url = (args.url or default_url(args.root)).rstrip("/")
    username, password = admin_credentials(purpose=f"logging in to {url}")
    return connect(url, username, password), url


def cmd_doccano_serve(args: argparse.Namespace) -> int:
    from astana_corpus.doccano_server import serve

    state, started = serve(args.root, host=args.host, port=args.port)
    if started:
        print(
            f"Doccano is running at {state.url} (web pid {state.web_pid}, "
            f"task pid {state.task_pid}); stop it with `astana doccano stop`"
        )
    else:
        print(f"Doccano is already running at {state.url}; nothing done")
    return 0


def cmd_doccano_stop(args: argparse.Namespace) -> int:
    from astana_corpus.doccano_server import stop

    print("stopped" if stop(args.root) else "no Doccano server recorded as running")
    return 0


def cmd_doccano_status(args: argparse.Namespace) -> int:
    from astana_corpus.doccano_server import health, running, server_paths

    state = running(server_paths(args.root))
    if state is None:
        print("not running")
        return 1
    print(f"running at {state.url}; healthy: {health(state.url)}")
    return 0


def cmd_doccano_add_user(args: argparse.Namespace) -> int:
    import getpass
    import os

    from astana_corpus.doccano import require_project
    from astana_corpus.errors import DoccanoError

    client, url = _client(args)
    password = os.environ.get("DOCCANO_NEW_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise DoccanoError("set DOCCANO_NEW_PASSWORD for the new user (no terminal)")
        password = getpass.getpass(f"password for the new user {args.username}: ")
    project = require_project(client, args.project, url)
    client.create_user(args.username, password)
    client.add_member(project.id, args.username, args.role)
    print(f"user {args.username} added to {args.project} as {args.role}")
    return 0


def cmd_doccano_push(args: argparse.Namespace) -> int:
    from astana_corpus.doccano import push, read_preannotations
    from astana_corpus.schema import read_schema

    client, url = _client(args)
    pre = read_preannotations(args.preannotations) if args.preannotations else None
    report = push(
        args.root,
        client=client,
        project=args.project,
        documents=_documents(args),
        schema=read_schema(args.root),
        preannotations=pre,
    )
    what = "created" if report.created_project else "reused"
    print(
        f"project {args.project!r} {what} (id {report.project_id}) at {url}; "
        f"label types created: {len(report.label_types_created)}; paragraphs uploaded: "
        f"{report.uploaded}; already there: {report.already_there}"
    )
    return 0


def cmd_doccano_apply_session(args: argparse.Namespace) -> int:
    from astana_corpus.doccano import apply_session
    from astana_corpus.schema import read_schema

    client, url = _client(args)
    report = apply_session(
        client=client,
        project=args.project,
        session=args.session,
        documents=_documents(args),
        schema=read_schema(args.root),
        url=url,
        replace=args.replace,
    )
    print(
        f"annotated and confirmed {report.annotated} examples ({report.entities} entities; "
        f"{report.replaced} replaced earlier annotations); "
        f"{report.unchanged} already annotated identically"
    )
    return 0


def cmd_doccano_preload(args: argparse.Namespace) -> int:
    from astana_corpus.doccano import preload_suggestions, read_preannotations
    from astana_corpus.schema import read_schema

    client, url = _client(args)
    report = preload_suggestions(
        client=client,
        project=args.project,
        preannotations=read_preannotations(args.preannotations),
        documents=_documents(args),
        schema=read_schema(args.root),
        url=url,
    )
    print(
        f"suggestions copied to {report.annotated} examples ({report.entities} spans); "
        f"{report.unchanged} already had this user's annotations and were left alone"
    )
    return 0


def cmd_doccano_pull(args: argparse.Namespace) -> int:
    from astana_corpus.doccano import pull
    from astana_corpus.schema import read_schema

    client, url = _client(args)
    report = pull(
        args.root,
        client=client,
        project=args.project,
        round_name=args.round,
        documents=_documents(args),
        schema=read_schema(args.root),
        url=url,
    )
    print(f"round {report.round} stored in {report.directory}")
    for name, counts in sorted(report.annotators.items()):
        print(
            f"  {name}: {counts['examples']} examples, {counts['labelled']} labelled, "
            f"{counts['confirmed']} confirmed"
        )
    return 0


def cmd_preannotate(args: argparse.Namespace) -> int:
    import json

    from astana_corpus.io import read_jsonl, write_jsonl, write_text
    from astana_corpus.preannotate import preannotate, read_gazetteer, score_against_gold
    from astana_corpus.schema import read_schema

    schema = read_schema(args.root)
    gazetteer = read_gazetteer(args.root, schema)
    documents = _documents(args)
    lines = list(preannotate(documents, gazetteer))
    out = args.out if args.out.is_absolute() else args.root / args.out
    write_jsonl(out, lines)
    print(
        f"wrote {sum(len(x['entities']) for x in lines)} suggestions for {len(lines)} "
        f"paragraphs to {out}"
    )
    if not args.evaluate:
        return 0
    from astana_corpus.adjudicate import GOLD_FILE

    table = score_against_gold(
        lines, read_jsonl(args.root / GOLD_FILE), documents, schema.entity_names
    )
    if args.json:
        write_text(args.json, json.dumps(table, indent=2) + "\n")
    from rich.console import Console
    from rich.table import Table

    view = Table(title="pre-annotation vs gold (exact span and type)")
    for col in ("type", "gold", "suggested", "correct", "precision", "recall", "F1"):
        view.add_column(col, justify="right" if col != "type" else "left")
    for label, row in table.items():
        view.add_row(
            label,
            str(row["gold"]),
            str(row["predicted"]),
            str(row["correct"]),
            f"{row['precision']:.3f}",
            f"{row['recall']:.3f}",
            f"{row['f1']:.3f}",
        )
    Console().print(view)
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from astana_corpus.adjudicate import merge
    from astana_corpus.preannotate import GAZETTEER_FILE, read_gazetteer
    from astana_corpus.schema import read_schema

    schema = read_schema(args.root)
    has_gazetteer = (args.root / GAZETTEER_FILE).exists()
    report = merge(
        args.root,
        round_name=args.round,
        documents=_documents(args),
        schema=schema,
        gazetteer=read_gazetteer(args.root, schema) if has_gazetteer else None,
        prefer=args.prefer,
        resolutions=args.resolutions,
        confirmed_only=not args.include_unconfirmed,
    )
    print(
        f"round {report.round}: annotators {', '.join(report.annotators)}; paragraphs "
        f"agreed {report.paragraphs_agreed}, single-annotated {report.paragraphs_single}, "
        f"disagreements {report.disagreements} (resolved {report.resolved})"
    )
    print(
        f"gold: wrote {len(report.documents_written)} document(s): "
        f"{', '.join(report.documents_written)}"
    )
    if report.documents_kept_from_earlier:
        print(f"  kept from earlier rounds: {', '.join(report.documents_kept_from_earlier)}")
    for doc_id, missing in report.documents_incomplete.items():
        print(f"  not in gold, paragraphs not annotated: {doc_id} {missing}")
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    import json

    from astana_corpus.adjudicate import read_round
    from astana_corpus.agreement import agreement
    from astana_corpus.io import write_text
    from astana_corpus.schema import read_schema

    schema = read_schema(args.root)
    by_id = {d.id: d for d in _documents(args)}
    by_annotator = read_round(
        args.root, args.round, by_id, schema, confirmed_only=not args.include_unconfirmed
    )
    result = agreement(
        by_annotator, entity_labels=schema.entity_names, event_labels=schema.event_names
    )
    result["round"] = args.round
    if args.json:
        write_text(args.json, json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    _print_agreement(result)
    return 0


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _print_agreement(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

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


def cmd_split(args: argparse.Namespace) -> int:
    from astana_corpus.splits import (
        SPLIT_NAMES,
        check_splits,
        compute_splits,
        read_config,
        write_splits,
    )

    texts = {d.id: d.text for d in _documents(args)}
    if args.check:
        problems = check_splits(args.root, texts)
        for problem in problems:
            print(problem, file=sys.stderr)
        print("splits are up to date" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    result = compute_splits(texts, read_config(args.root))
    write_splits(args.root, result)
    lists = result.lists()
    print(
        "wrote splits/: "
        + ", ".join(f"{n} {len(lists[n])}" for n in SPLIT_NAMES)
        + f"; near-duplicate pairs: {len(result.near_duplicates)}"
    )
    return 0


def _validation_report(args: argparse.Namespace):
    from astana_corpus.adjudicate import GOLD_FILE
    from astana_corpus.io import read_jsonl
    from astana_corpus.schema import read_schema
    from astana_corpus.splits import check_splits, compute_splits, read_committed, read_config
    from astana_corpus.validate import validate

    documents = _documents(args)
    texts = {d.id: d.text for d in documents}
    gold_path = args.root / GOLD_FILE
    gold = list(read_jsonl(gold_path)) if gold_path.exists() else []
    computed = compute_splits(texts, read_config(args.root))
    try:
        lists = read_committed(args.root)
        problems = check_splits(args.root, texts, computed=computed)
    except AstanaError as exc:
        lists, problems = {}, [str(exc)]
    return validate(
        documents=documents,
        gold=gold,
        schema=read_schema(args.root),
        split_lists=lists,
        near_duplicates=computed.near_duplicates,
        split_problems=problems,
    )


def cmd_validate(args: argparse.Namespace) -> int:
    import json

    from rich.console import Console
    from rich.table import Table

    from astana_corpus.io import write_text
    from astana_corpus.validate import CODE_NAMES

    report = _validation_report(args)
    data = report.to_dict()
    if args.json:
        write_text(args.json, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
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
    console.print(f"{verdict}: {len(report.errors)} errors, {len(report.warnings)} warnings")
    return 1 if report.errors else 0


def cmd_build(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from astana_corpus.build import CONFIGS, OUT_DIR, build
    from astana_corpus.splits import SPLIT_NAMES

    out = args.out if args.out is None or args.out.is_absolute() else args.root / args.out
    summary = build(args.root, out_dir=out or args.root / OUT_DIR, progress=not args.quiet)
    console = Console(stderr=False)
    table = Table(title=f"astana build → {summary.out_dir}")
    table.add_column("config / split")
    for split in SPLIT_NAMES:
        table.add_column(split, justify="right")
    for config in CONFIGS:
        table.add_row(f"{config} (rows)", *(str(summary.rows[config][s]) for s in SPLIT_NAMES))
    table.add_row("entities", *(str(sum(summary.entities[s].values())) for s in SPLIT_NAMES))
    table.add_row("tokens", *(str(summary.tokens[s]) for s in SPLIT_NAMES))
    console.print(table)
    counts = summary.validation["counts"]
    warnings = sum(n for c, n in counts.items() if c.startswith("W"))
    console.print(f"validation: 0 errors, {warnings} warnings ({', '.join(counts) or 'none'})")
    console.print(f'load it: datasets.load_dataset("{summary.out_dir}", "tokens")')
    return 0


def cmd_card(args: argparse.Namespace) -> int:
    from astana_corpus.card import update_card

    stale = update_card(args.root, check=args.check)
    if args.check:
        if stale:
            print(
                f"dataset_card.md is stale in: {', '.join(stale)}; run `astana card`",
                file=sys.stderr,
            )
            return 1
        print("dataset_card.md is up to date")
        return 0
    print(f"updated sections: {', '.join(stale) or 'none (already up to date)'}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from rich.console import Console
    from rich.table import Table

    from astana_corpus.evaluate import SCHEMES, evaluate, gold_for_split, read_predictions
    from astana_corpus.io import write_text
    from astana_corpus.schema import read_schema

    schema = read_schema(args.root)
    gold = gold_for_split(args.root, args.split)
    result = evaluate(gold, read_predictions(args.predictions, gold, schema), schema)
    result["split"] = args.split
    if args.json:
        write_text(args.json, json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    console = Console()
    if result["missing_predictions"]:
        console.print(
            f"[yellow]no prediction for {', '.join(result['missing_predictions'])}"
            " (scored as empty)[/yellow]"
        )
    table = Table(title=f"entities, {args.split} split ({result['documents']} documents)")
    # POS (COR+INC+PAR+MIS, strict): more than the gold spans when several predictions
    # overlap one gold span, as in nervaluate.
    for col in (
        "label",
        "POS",
        "strict P",
        "strict R",
        "strict F1",
        *(f"{s} F1" for s in SCHEMES[1:]),
    ):
        table.add_column(col, justify="left" if col == "label" else "right")
    entities = result["entities"]
    labels = sorted(
        {lb for s in SCHEMES for lb in entities[s]["per_label"]}, key=schema.entity_names.index
    )

    def row(scores: dict, label: str | None) -> list[str]:
        def get(scheme: str) -> dict:
            if label is None:
                return scores[scheme]["micro"]
            return scores[scheme]["per_label"].get(
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

    for label in labels:
        table.add_row(label, *row(entities, label))
    table.add_row("micro", *row(entities, None))
    table.add_row(
        "macro F1",
        "",
        "",
        "",
        f"{entities['strict']['macro_f1']:.3f}",
        *(f"{entities[s]['macro_f1']:.3f}" for s in SCHEMES[1:]),
    )

    def cell(d: dict) -> str:
        return f"{d['precision']:.2f}/{d['recall']:.2f}/{d['f1']:.2f}"

    console.print(table)
    events = Table(title="event labels")
    events.add_column("label")
    for level in ("paragraph", "document"):
        events.add_column(f"{level} P/R/F1 (support)", justify="right")
    for label in schema.event_names:
        row = []
        for level in ("paragraph", "document"):
            d = result["events"][level]["per_label"].get(label)
            row.append(f"{cell(d)} ({d['support']})" if d else "-")
        if any(r != "-" for r in row):
            events.add_row(label, *row)
    events.add_row(
        "micro", *(cell(result["events"][lv]["micro"]) for lv in ("paragraph", "document"))
    )
    events.add_row(
        "macro F1", *(f"{result['events'][lv]['macro_f1']:.2f}" for lv in ("paragraph", "document"))
    )
    console.print(events)
    return 0


def cmd_export_spacy(args: argparse.Namespace) -> int:
    from astana_corpus.export import export_spacy

    out = args.out if args.out.is_absolute() else args.root / args.out
    counts = export_spacy(args.root, out_dir=out)
    print(f"wrote {out}/: " + ", ".join(f"{s}.spacy {n} docs" for s, n in counts.items()))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from astana_corpus.train import run_baseline

    command = f"astana train {args.baseline}" + (
        f" --split {args.split}" if args.split != "test" else ""
    )
    result = run_baseline(
        args.root,
        args.baseline,
        split=args.split,
        max_steps=args.max_steps,
        record=not args.no_record,
        command=command,
    )
    entities = result["scores"]["entities"]
    events = result["scores"]["events"]
    print(
        f"{args.baseline} on {args.split}: entities strict micro F1 "
        f"{entities['strict']['micro']['f1']:.3f} (clitic {entities['clitic']['micro']['f1']:.3f},"
        f" partial {entities['partial']['micro']['f1']:.3f}); events paragraph micro F1 "
        f"{events['paragraph']['micro']['f1']:.3f}"
    )
    if not args.no_record:
        print(f"recorded results/{args.baseline}.json; `astana card` puts it in the card")
    return 0


def cmd_view(args: argparse.Namespace) -> int:
    from astana_corpus.adjudicate import GOLD_FILE
    from astana_corpus.io import read_jsonl, write_text
    from astana_corpus.schema import read_schema
    from astana_corpus.view import predictions_as_records, render_html

    schema = read_schema(args.root)
    gold = {r["id"]: r for r in read_jsonl(args.root / GOLD_FILE)}
    if args.predictions:
        from astana_corpus.evaluate import read_predictions

        read_predictions(args.predictions, gold, schema)  # same checks as evaluate
        records = predictions_as_records(read_jsonl(args.predictions), gold)
        title = f"predictions: {args.predictions}"
    else:
        records = [gold[k] for k in sorted(gold)]
        title = "astana-corpus gold annotations"
    out = args.out if args.out.is_absolute() else args.root / args.out
    write_text(out, render_html(records, schema, title=title))
    print(f"wrote {out} ({len(records)} documents); open it in a browser")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="astana",
        description="Build the astana-corpus dataset: ingest, annotate, validate, split, build.",
    )
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="project root (default: current folder)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="clean raw articles into build/documents.jsonl")
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_DOCUMENTS,
        help=f"output JSON lines (default: {DEFAULT_DOCUMENTS})",
    )
    p.add_argument("--report", type=Path, help="also write the counts as JSON here")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("articles", help="manage articles/articles.yaml")
    asub = p.add_subparsers(dest="articles_command", required=True)
    r = asub.add_parser("register", help="give ids to raw files not yet listed")
    r.add_argument("--outlet", help="outlet of the new files, if known")
    r.add_argument("--url", help="source URL, if known (one new file only)")
    r.add_argument("--published", help="publication date YYYY-MM-DD, if known")
    r.set_defaults(func=cmd_articles_register)

    p = sub.add_parser("doccano", help="run a local Doccano server and move data in and out")
    dsub = p.add_subparsers(dest="doccano_command", required=True)
    from astana_corpus.doccano_server import DEFAULT_HOST, DEFAULT_PORT

    d = dsub.add_parser("serve", help="install (once), start on loopback, wait until healthy")
    d.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to bind (default {DEFAULT_HOST}; others expose the server)",
    )
    d.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    d.set_defaults(func=cmd_doccano_serve)
    d = dsub.add_parser("stop", help="stop the server started by serve")
    d.set_defaults(func=cmd_doccano_stop)
    d = dsub.add_parser("status", help="exit 0 when the recorded server runs")
    d.set_defaults(func=cmd_doccano_status)
    url_help = "server URL (default: DOCCANO_URL, else the server started by serve)"
    d = dsub.add_parser("add-user", help="create an annotator account and add it to a project")
    d.add_argument("--url", help=url_help)
    d.add_argument("--project", required=True)
    d.add_argument("--username", required=True)
    d.add_argument(
        "--role", default="annotator", choices=["annotator", "annotation_approver", "project_admin"]
    )
    d.set_defaults(func=cmd_doccano_add_user)
    d = dsub.add_parser("push", help="create/reuse a project and upload new paragraphs")
    d.add_argument("--url", help=url_help)
    d.add_argument("--project", required=True)
    d.add_argument(
        "--preannotations",
        type=Path,
        help="JSONL of suggested spans/labels per paragraph (astana preannotate)",
    )
    d.set_defaults(func=cmd_doccano_push)
    d = dsub.add_parser(
        "preload", help="copy suggestions into the logged-in annotator's own annotations"
    )
    d.add_argument("--url", help=url_help)
    d.add_argument("--project", required=True)
    d.add_argument("--preannotations", type=Path, default=Path("build/preannotations.jsonl"))
    d.set_defaults(func=cmd_doccano_preload)
    d = dsub.add_parser(
        "apply-session",
        help="enter a recorded annotation session (YAML) as the logged-in annotator",
    )
    d.add_argument("--url", help=url_help)
    d.add_argument("--project", required=True)
    d.add_argument("--session", type=Path, required=True)
    d.add_argument(
        "--replace",
        action="store_true",
        help="review session: replace this user's differing annotations",
    )
    d.set_defaults(func=cmd_doccano_apply_session)
    d = dsub.add_parser("pull", help="store a round's exports under annotations/doccano/ROUND")
    d.add_argument("--url", help=url_help)
    d.add_argument("--project", required=True)
    d.add_argument("--round", required=True, help="round name, e.g. r1 (a new folder)")
    d.set_defaults(func=cmd_doccano_pull)

    p = sub.add_parser("preannotate", help="gazetteer/rule suggestions per paragraph")
    p.add_argument("--out", type=Path, default=Path("build/preannotations.jsonl"))
    p.add_argument(
        "--evaluate",
        action="store_true",
        help="score the suggestions against annotations/gold.jsonl",
    )
    p.add_argument("--json", type=Path, help="with --evaluate: also write the scores here")
    p.set_defaults(func=cmd_preannotate)

    p = sub.add_parser("merge", help="merge a pulled round into annotations/gold.jsonl")
    p.add_argument("--round", required=True)
    p.add_argument("--prefer", help="resolve disagreements with this annotator's version")
    p.add_argument("--resolutions", type=Path, help="JSONL of chosen versions per paragraph")
    p.add_argument(
        "--include-unconfirmed",
        action="store_true",
        help="also use examples the annotator did not confirm (if labelled)",
    )
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("split", help="compute splits/ (train/dev/test lists + manifest)")
    p.add_argument(
        "--check",
        action="store_true",
        help="fail if the committed lists differ from what is computed",
    )
    p.set_defaults(func=cmd_split)

    p = sub.add_parser("validate", help="run the check catalogue over gold and splits")
    p.add_argument("--json", type=Path, help="also write the report as JSON here")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("build", help="the main job: validate and write dist/astana-corpus/")
    p.add_argument("--out", type=Path, default=None, help="default: dist/astana-corpus")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("card", help="regenerate the tables of dataset_card.md")
    p.add_argument("--check", action="store_true", help="exit 1 if the card is stale")
    p.set_defaults(func=cmd_card)

    p = sub.add_parser("evaluate", help="score predictions (documents-shaped JSONL) vs gold")
    p.add_argument("--predictions", type=Path, required=True)
    p.add_argument("--split", default="test", help="train, dev or test (default: test)")
    p.add_argument("--json", type=Path, help="also write all scores as JSON here")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("export", help="export the splits for trainers")
    esub = p.add_subparsers(dest="export_command", required=True)
    e = esub.add_parser("spacy", help="one DocBin per split (entities + event cats)")
    e.add_argument("--out", type=Path, default=Path("build/spacy"))
    e.set_defaults(func=cmd_export_spacy)

    p = sub.add_parser("train", help="train/run a baseline and score it with evaluate")
    p.add_argument("baseline", choices=["gazetteer", "ner", "events"])
    p.add_argument("--split", default="test")
    p.add_argument("--max-steps", type=int, help="override training.max_steps (tests)")
    p.add_argument("--no-record", action="store_true", help="do not write results/<baseline>.json")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("view", help="HTML page of gold (or predictions) with coloured spans")
    p.add_argument("--predictions", type=Path, help="a predictions file instead of gold")
    p.add_argument("--out", type=Path, default=Path("build/gold.html"))
    p.set_defaults(func=cmd_view)

    p = sub.add_parser("agreement", help="inter-annotator agreement of a pulled round")
    p.add_argument("--round", required=True)
    p.add_argument("--json", type=Path, help="also write the result as JSON here")
    p.add_argument("--include-unconfirmed", action="store_true")
    p.set_defaults(func=cmd_agreement)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except AstanaError as exc:
        print(f"astana {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"astana {args.command}: interrupted; no partial output was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
