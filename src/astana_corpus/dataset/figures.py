"""The figures of `astana stats`: PNG files drawn with matplotlib's Agg canvas.

Each figure is a pure function of the numbers of ``dataset.stats.corpus_stats`` and the
schema's colours. Files are byte-reproducible for one matplotlib version (pinned in
constraints.txt): a fixed size and dpi, no "Software" metadata, no pyplot state, and the
DejaVu Sans that ships inside matplotlib (the font manager prefers its own copy over a
system one of the same name). Labels are Latin; no Arabic text is drawn.

matplotlib is the optional extra ``[stats]``: without it, A640 names the extra.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from astana_corpus.core.errors import error
from astana_corpus.core.io import atomic_open
from astana_corpus.core.schema import Schema

# Name (file stem) and caption of every figure, in the card's order.
FIGURES: tuple[tuple[str, str], ...] = (
    ("entity_labels", "Entities per label and split"),
    ("span_lengths", "Entity span lengths in characters, per label (all splits)"),
    ("event_labels", "Paragraphs per event label and split"),
    ("event_cooccurrence", "Event labels that share a paragraph (diagonal: paragraphs)"),
    ("entities_per_document", "Entities per document, by label"),
)
NUMBERS_FILE = "figures.json"  # the numbers the figures draw, written beside them

_DPI = 100
_SPLIT_COLORS = {"train": "#4c72b0", "validation": "#dd8452", "test": "#55a868"}
_RC = {
    "font.family": ["DejaVu Sans"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "astana-corpus",
    "path.simplify": False,
}


def _matplotlib() -> Any:
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as exc:
        raise error("A640", detail=exc) from exc
    return matplotlib


def looks_like_figures(path: Path) -> bool:
    """A folder that holds only what `astana stats` writes (so it may be rewritten)."""
    names = {f"{name}.png" for name, _ in FIGURES} | {NUMBERS_FILE}
    return path.is_dir() and all(p.name in names for p in path.iterdir())


def render_figures(stats: Mapping[str, Any], schema: Schema | None) -> dict[str, bytes]:
    """PNG bytes of every figure, by file name (label colours from ``schema``, or
    matplotlib's default cycle without one, e.g. for a dataset folder outside a checkout)."""
    matplotlib = _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    draw = {
        "entity_labels": _entity_labels,
        "span_lengths": _span_lengths,
        "event_labels": _event_labels,
        "event_cooccurrence": _cooccurrence,
        "entities_per_document": _per_document,
    }
    colors = {lb.name: lb.color for lb in schema.entities} if schema else {}
    out = {}
    with matplotlib.rc_context(_RC):
        for name, caption in FIGURES:
            fig = Figure(figsize=(8, 4.5), dpi=_DPI)
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
            draw[name](ax, stats, colors)
            ax.set_title(caption)
            fig.tight_layout()
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
            out[f"{name}.png"] = buffer.getvalue()
    return out


def write_figures(out_dir: Path, images: Mapping[str, bytes], numbers: str) -> list[Path]:
    """Write the images and the numbers file atomically; return the paths."""
    paths = []
    for name, data in [*images.items(), (NUMBERS_FILE, numbers.encode("utf-8"))]:
        path = out_dir / name
        with atomic_open(path, "wb") as handle:
            handle.write(data)
        paths.append(path)
    return paths


def _grouped_bars(
    ax: Any, labels: Sequence[str], counts: Mapping[str, Mapping[str, int]], xlabel: str
) -> None:
    splits = list(counts)
    height = 0.8 / len(splits)
    for k, split in enumerate(splits):
        ys = [i + (k - (len(splits) - 1) / 2) * height for i in range(len(labels))]
        values = [counts[split][lb] for lb in labels]
        bars = ax.barh(ys, values, height=height, label=split, color=_SPLIT_COLORS.get(split))
        ax.bar_label(bars, padding=2, fontsize=7)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.legend(loc="lower right", frameon=False)


def _entity_labels(ax: Any, stats: Mapping[str, Any], colors: Mapping[str, str]) -> None:
    _grouped_bars(ax, stats["entity_labels"], stats["entity_counts"], "entities")


def _event_labels(ax: Any, stats: Mapping[str, Any], colors: Mapping[str, str]) -> None:
    _grouped_bars(ax, stats["event_labels"], stats["event_counts"], "paragraphs")


def _span_lengths(ax: Any, stats: Mapping[str, Any], colors: Mapping[str, str]) -> None:
    labels = stats["entity_labels"]
    lengths = [stats["span_lengths"][lb] for lb in labels]
    drawn = [i for i, v in enumerate(lengths) if v]
    if drawn:  # no span at all (nothing annotated yet): the axes stay empty
        ax.boxplot(
            [lengths[i] for i in drawn],
            positions=drawn,
            orientation="horizontal",
            widths=0.6,
            showfliers=False,
            medianprops={"color": "#222222"},
        )
    for i, values in enumerate(lengths):
        # Every span as a dot, spread over the row by its rank (no random jitter).
        offsets = [((r % 5) - 2) * 0.08 for r in range(len(values))]
        ax.scatter(
            values,
            [i + o for o in offsets],
            s=10,
            color=colors.get(labels[i], "#888888"),
            edgecolors="#333333",
            linewidths=0.3,
            zorder=3,
        )
        ax.text(1.0, i, f" n={len(values)}", transform=ax.get_yaxis_transform(), va="center")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel("characters")


def _cooccurrence(ax: Any, stats: Mapping[str, Any], colors: Mapping[str, str]) -> None:
    labels = stats["event_labels"]
    matrix = stats["event_cooccurrence"]
    top = max((v for row in matrix for v in row), default=0) or 1
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=top)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            color = "#ffffff" if value > top / 2 else "#000000"
            ax.text(j, i, str(value), ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(len(labels)), labels, rotation=40, ha="right", fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.spines[:].set_visible(False)


def _per_document(ax: Any, stats: Mapping[str, Any], colors: Mapping[str, str]) -> None:
    docs = stats["entities_per_document"]
    names = [f"{d['id']} ({d['split']})" for d in docs]
    left = [0] * len(docs)
    for label in stats["entity_labels"]:
        values = [d["entities"][label] for d in docs]
        ax.barh(names, values, left=left, label=label, color=colors.get(label, "#888888"))
        left = [a + b for a, b in zip(left, values, strict=True)]
    for i, total in enumerate(left):
        ax.text(total, i, f" {total}", va="center", fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("entities")
    ax.legend(loc="lower right", ncols=3, fontsize=7, frameon=False)
