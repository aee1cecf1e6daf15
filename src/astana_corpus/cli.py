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
