"""The `astana stats` and `astana view` commands: figures and the HTML view."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from astana_corpus import pipeline
from astana_corpus.cli.render import plural
from astana_corpus.core.paths import FIGURES_DIR, VIEW_FILE


def _path(args: argparse.Namespace, path: Path | None) -> Path | None:
    """A path option, relative to --root unless absolute."""
    return None if path is None else path if path.is_absolute() else args.root / path


def cmd_view(args: argparse.Namespace) -> int:
    out = _path(args, args.out)
    assert out is not None
    count = pipeline.view(
        args.root, out=out, predictions=_path(args, args.predictions), compare=args.compare
    )
    print(f"wrote {out} ({plural(count, 'document')}); open it in a browser")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    result = pipeline.stats(
        args.root, dataset=_path(args, args.dataset), out=_path(args, args.out), check=args.check
    )
    n = result.numbers
    source = f"dataset {args.dataset}" if args.dataset else "gold and splits/"
    print(
        f"{source}: {sum(n['documents'].values())} documents, "
        f"{sum(sum(c.values()) for c in n['entity_counts'].values())} entities"
    )
    if args.check:
        for name in result.files:
            print(f"stale: {result.out_dir / name}")
        print("figures are up to date" if not result.files else "run `astana stats` to redraw")
        return 1 if result.files else 0
    print(f"wrote {result.out_dir}/: " + ", ".join(result.files))
    return 0


def add_parsers(sub: Any) -> None:
    """Register `stats` and `view` on the `astana` subparsers."""
    p = sub.add_parser("stats", help="figures (PNG) of label counts, span lengths, events")
    p.add_argument(
        "--dataset", type=Path, help="a built dataset folder (default: gold and splits/)"
    )
    p.add_argument("--out", type=Path, default=None, help=f"default {FIGURES_DIR}")
    p.add_argument("--check", action="store_true", help="exit 1 if the figures are stale")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("view", help="HTML page of gold (or predictions) with coloured spans")
    p.add_argument("--predictions", type=Path, help="a predictions file instead of gold")
    p.add_argument(
        "--compare",
        action="store_true",
        help="with --predictions: matches, misses and false alarms against gold",
    )
    p.add_argument("--out", type=Path, default=VIEW_FILE)
    p.set_defaults(func=cmd_view)
