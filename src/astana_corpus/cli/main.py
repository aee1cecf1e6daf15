"""The `astana` command: parses arguments, calls the pipeline, renders the results."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from astana_corpus import __version__, pipeline
from astana_corpus.annotate import doccano, server
from astana_corpus.annotate.doccano_format import read_preannotations
from astana_corpus.annotate.server import DEFAULT_HOST, DEFAULT_PORT
from astana_corpus.cli import evaluate, pictures, render
from astana_corpus.cli.usage import Parser
from astana_corpus.core import paths
from astana_corpus.core.errors import AstanaError, catalogue_markdown, error, missing_extra
from astana_corpus.core.outputs import (
    check_output,
    interrupts_in_destructors,
    looks_like_json_report,
    sigterm_like_ctrl_c,
    write_json_report,
)
from astana_corpus.ingest.sources import register_articles


def _path(args: argparse.Namespace, path: Path) -> Path:
    """A path option, relative to --root unless absolute."""
    return path if path.is_absolute() else args.root / path


def cmd_ingest(args: argparse.Namespace) -> int:
    out = _path(args, args.out)
    report = pipeline.ingest(args.root, out=out, progress=not args.quiet).to_dict()
    write_json_report(args.report, report)
    if not args.quiet:
        render.ingest(report, out)
    return 0


def cmd_articles_register(args: argparse.Namespace) -> int:
    added = register_articles(args.root, outlet=args.outlet, url=args.url, published=args.published)
    for meta in added:
        print(f"{meta.id}\t{meta.file}\t{meta.sha256}")
    if not added:
        print("no new raw files", file=sys.stderr)
    return 0


def cmd_doccano_serve(args: argparse.Namespace) -> int:
    state, started = server.serve(args.root, host=args.host, port=args.port)
    if started:
        print(
            f"Doccano is running at {state.url} (web pid {state.web_pid}, "
            f"task pid {state.task_pid}); stop it with `astana doccano stop`"
        )
    else:
        print(f"Doccano is already running at {state.url}; nothing done")
    return 0


def cmd_doccano_stop(args: argparse.Namespace) -> int:
    print("stopped" if server.stop(args.root) else "no Doccano server recorded as running")
    return 0


def cmd_doccano_status(args: argparse.Namespace) -> int:
    state = server.running(server.server_paths(args.root))
    if state is None:
        print("not running")
        return 1
    print(f"running at {state.url}; healthy: {server.health(state.url)}")
    return 0


def cmd_doccano_add_user(args: argparse.Namespace) -> int:
    password = os.environ.get("DOCCANO_NEW_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise error("A423")
        password = getpass.getpass(f"password for the new user {args.username}: ")
    session = pipeline.doccano_session(args.root, url=args.url)
    doccano.add_user(
        session.client,
        project=args.project,
        username=args.username,
        password=password,
        role=args.role,
        url=session.url,
    )
    print(f"user {args.username} added to {args.project} as {args.role}")
    return 0


def cmd_doccano_push(args: argparse.Namespace) -> int:
    pre = read_preannotations(args.preannotations) if args.preannotations else None
    s = pipeline.doccano_session(args.root, url=args.url)
    report = doccano.push(
        args.root, client=s.client, project=args.project, documents=s.documents,
        schema=s.schema, preannotations=pre,
    )  # fmt: skip
    render.push(report, args.project, s.url)
    return 0


def cmd_doccano_apply_session(args: argparse.Namespace) -> int:
    s = pipeline.doccano_session(args.root, url=args.url)
    report = doccano.apply_session(
        client=s.client, project=args.project, session=args.session, documents=s.documents,
        schema=s.schema, url=s.url, replace=args.replace,
    )  # fmt: skip
    render.session(report)
    return 0


def cmd_doccano_preload(args: argparse.Namespace) -> int:
    s = pipeline.doccano_session(args.root, url=args.url)
    suggestions = read_preannotations(_path(args, args.preannotations))
    report = doccano.preload_suggestions(
        client=s.client, project=args.project, preannotations=suggestions,
        documents=s.documents, schema=s.schema, url=s.url,
    )  # fmt: skip
    render.preload(report)
    return 0


def cmd_doccano_pull(args: argparse.Namespace) -> int:
    s = pipeline.doccano_session(args.root, url=args.url)
    report = doccano.pull(
        args.root, client=s.client, project=args.project, round_name=args.round,
        documents=s.documents, schema=s.schema, url=s.url,
    )  # fmt: skip
    render.pull(report)
    return 0


def cmd_preannotate(args: argparse.Namespace) -> int:
    out = _path(args, args.out)
    paragraphs, suggestions = pipeline.write_preannotations(args.root, out=out)
    print(
        f"wrote {render.plural(suggestions, 'suggestion')} for "
        f"{render.plural(paragraphs, 'paragraph')} to {out}"
    )
    if args.evaluate:
        scores = pipeline.preannotation_scores(args.root)
        write_json_report(args.json, scores)
        render.preannotation(scores)
        if not args.no_record:
            print(f"recorded in {pipeline.record_preannotation(args.root, scores)}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    report = pipeline.merge_round(
        args.root, round_name=args.round, prefer=args.prefer, resolutions=args.resolutions,
        confirmed_only=not args.include_unconfirmed,
    )  # fmt: skip
    render.merge(report)
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    result = pipeline.round_agreement(
        args.root, round_name=args.round, confirmed_only=not args.include_unconfirmed
    )
    write_json_report(args.json, result)
    render.agreement(result)
    return 0


def cmd_split(args: argparse.Namespace) -> int:
    if args.check:
        problems = pipeline.split_problems(args.root)
        for problem in problems:
            print(problem, file=sys.stderr)
        print("splits are up to date" if not problems else render.plural(len(problems), "problem"))
        return 1 if problems else 0
    if args.report:
        report = pipeline.similarity_report(args.root)
        write_json_report(args.report, report)
        render.similarity(report, args.report)
        return 0
    render.split(pipeline.split(args.root, allow_moves=args.allow_moves))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    report = pipeline.check(args.root).report
    write_json_report(args.json, report.to_dict())
    render.validation(report)
    return 1 if report.errors else 0


def cmd_build(args: argparse.Namespace) -> int:
    out = _path(args, args.out or paths.OUT_DIR)
    summary = pipeline.build(args.root, out_dir=out, progress=not args.quiet)
    w = summary.written
    render.build(summary.out_dir, w.rows, w.entities, w.tokens, summary.validation["counts"])
    return 0


def cmd_shards(args: argparse.Namespace) -> int:
    out, inputs = _path(args, args.out), [_path(args, p) for p in args.inputs]
    n = pipeline.process_shards(args.root, inputs=inputs, out_dir=out, engine=args.engine)
    print(f"wrote {out}/ ({n} documents, engine {args.engine})")
    return 0


def cmd_card(args: argparse.Namespace) -> int:
    stale = pipeline.update_card(args.root, check_only=args.check)
    render.card(stale, checked=args.check)
    return 1 if args.check and stale else 0


def cmd_export_spacy(args: argparse.Namespace) -> int:
    out = _path(args, args.out)
    counts = pipeline.export_spacy(args.root, out_dir=out)
    print(
        f"wrote {out}/: "
        + ", ".join(f"{s}.spacy {render.plural(n, 'doc')}" for s, n in counts.items())
    )
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    split = f" --split {args.split}" if args.split != "test" else ""
    result = pipeline.train(
        args.root, args.baseline, split=args.split, max_steps=args.max_steps,
        record=not args.no_record, command=f"astana train {args.baseline}{split}",
    )  # fmt: skip
    render.train(result, recorded=not args.no_record)
    return 0


def cmd_errors(args: argparse.Namespace) -> int:
    print(catalogue_markdown(), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = Parser(
        prog="astana",
        description="Build the astana-corpus dataset: ingest, annotate, validate, split, build.",
    )
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="project root (default: current folder)"
    )
    parser.add_argument("--version", action="version", version=f"astana-corpus {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="clean raw articles into build/documents.jsonl")
    p.add_argument("--out", type=Path, default=paths.DOCUMENTS_FILE, help="default %(default)s")
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

    def remote(name: str, helptext: str) -> argparse.ArgumentParser:
        d = dsub.add_parser(name, help=helptext)
        d.add_argument("--url", help="server URL (default: DOCCANO_URL, else `serve`'s server)")
        d.add_argument("--project", required=True)
        return d

    d = remote("add-user", "create an annotator account and add it to a project")
    d.add_argument("--username", required=True)
    roles = ["annotator", "annotation_approver", "project_admin"]
    d.add_argument("--role", default="annotator", choices=roles)
    d.set_defaults(func=cmd_doccano_add_user)
    d = remote("push", "create/reuse a project and upload new paragraphs")
    d.add_argument("--preannotations", type=Path, help="suggestions (astana preannotate)")
    d.set_defaults(func=cmd_doccano_push)
    d = remote("preload", "copy suggestions into the logged-in annotator's own annotations")
    d.add_argument("--preannotations", type=Path, default=paths.PREANNOTATIONS_FILE)
    d.set_defaults(func=cmd_doccano_preload)
    d = remote("apply-session", "enter a recorded session (YAML) as the logged-in annotator")
    d.add_argument("--session", type=Path, required=True)
    d.add_argument("--replace", action="store_true", help="review: replace differing labels")
    d.set_defaults(func=cmd_doccano_apply_session)
    d = remote("pull", "store a round's exports under annotations/doccano/ROUND")
    d.add_argument("--round", required=True, help="round name, e.g. r1 (a new folder)")
    d.set_defaults(func=cmd_doccano_pull)

    p = sub.add_parser("preannotate", help="gazetteer/rule suggestions per paragraph")
    p.add_argument("--out", type=Path, default=paths.PREANNOTATIONS_FILE)
    p.add_argument(
        "--evaluate",
        action="store_true",
        help="score the suggestions against gold; record them in results/preannotation.json",
    )
    p.add_argument("--json", type=Path, help="with --evaluate: also write the scores here")
    p.add_argument(
        "--no-record", action="store_true", help="with --evaluate: do not write the record"
    )
    p.set_defaults(func=cmd_preannotate)

    p = sub.add_parser("merge", help="merge a pulled round into annotations/gold.jsonl")
    p.add_argument("--round", required=True)
    p.add_argument("--prefer", help="resolve disagreements with this annotator's version")
    p.add_argument("--resolutions", type=Path, help="JSONL of chosen versions per paragraph")
    unconfirmed = "also use examples the annotator did not confirm (if labelled)"
    p.add_argument("--include-unconfirmed", action="store_true", help=unconfirmed)
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("split", help="compute splits/ (train/validation/test lists + manifest)")
    p.add_argument("--check", action="store_true", help="fail if the lists differ from computed")
    moves = "write even when committed documents change split (each is listed with why)"
    p.add_argument("--allow-moves", action="store_true", help=moves)
    report = "write pairwise Jaccard/containment of the documents as JSON here (splits/ untouched)"
    p.add_argument("--report", type=Path, metavar="FILE", help=report)
    p.set_defaults(func=cmd_split)

    p = sub.add_parser("validate", help="run the check catalogue over gold and splits")
    p.add_argument("--json", type=Path, help="also write the report as JSON here")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("build", help="the main job: validate and write dist/astana-corpus/")
    p.add_argument("--out", type=Path, default=None, help="default: dist/astana-corpus")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("shards", help="clean + pre-annotate shards (raw/JSONL/Parquet files)")
    p.add_argument("inputs", type=Path, nargs="+", help="shard files or folders of them")
    p.add_argument("--out", type=Path, required=True, help="folder of Parquet parts")
    p.add_argument("--engine", choices=["local", "ray"], default="local", help="ray: RAY_ADDRESS")
    p.set_defaults(func=cmd_shards)

    p = sub.add_parser("card", help="regenerate the tables of dataset_card.md")
    p.add_argument("--check", action="store_true", help="exit 1 if the card is stale")
    p.set_defaults(func=cmd_card)

    evaluate.add_parser(sub)

    p = sub.add_parser("export", help="export the splits for trainers")
    esub = p.add_subparsers(dest="export_command", required=True)
    e = esub.add_parser("spacy", help="one DocBin per split (entities + event cats)")
    e.add_argument("--out", type=Path, default=paths.SPACY_DIR)
    e.set_defaults(func=cmd_export_spacy)

    p = sub.add_parser("train", help="train/run a baseline and score it with evaluate")
    p.add_argument("baseline", choices=["gazetteer", "ner", "events"])
    p.add_argument("--split", default="test")
    p.add_argument("--max-steps", type=int, help="override training.max_steps (tests)")
    p.add_argument("--no-record", action="store_true", help="do not write results/<baseline>.json")
    p.set_defaults(func=cmd_train)

    pictures.add_parsers(sub)

    p = sub.add_parser("errors", help="the error codes and what each asks you to do (Markdown)")
    p.set_defaults(func=cmd_errors)

    p = sub.add_parser("agreement", help="inter-annotator agreement of a pulled round")
    p.add_argument("--round", required=True)
    p.add_argument("--json", type=Path, help="also write the result as JSON here")
    p.add_argument("--include-unconfirmed", action="store_true", help=unconfirmed)
    p.set_defaults(func=cmd_agreement)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sigterm_like_ctrl_c()
    with interrupts_in_destructors() as late:
        try:
            for path in (getattr(args, option, None) for option in ("json", "report")):
                if path is not None:  # refuse a bad report path before doing the work
                    check_output(path, looks_like=looks_like_json_report, what="report")
            status = int(args.func(args))
        except ModuleNotFoundError as exc:  # an extra that is not installed (A625)
            coded = missing_extra(exc, args.command)
            if coded is None:
                raise
            return render.failure(args.command, coded)
        except (AstanaError, OSError, KeyboardInterrupt) as exc:
            return render.failure(args.command, exc)
    return render.failure(args.command, late[0], finished=True) if late else status
