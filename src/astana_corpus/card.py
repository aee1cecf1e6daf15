"""The dataset card's generated sections.

``dataset_card.md`` holds prose written by people and tables generated from
the data, each between ``<!-- BEGIN GENERATED: name -->`` and
``<!-- END GENERATED: name -->``. ``astana card`` rewrites those sections
from a fresh build; ``astana card --check`` (and a test) fails when the
committed card is stale. Every number in those tables comes from code here.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from astana_corpus.errors import ValidationError
from astana_corpus.schema import Schema
from astana_corpus.splits import SPLIT_NAMES

if TYPE_CHECKING:
    from astana_corpus.build import BuildSummary

CARD_FILE = Path("dataset_card.md")
_SECTION = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)"
    r"(<!-- END GENERATED: (?P=name) -->)",
    re.DOTALL,
)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def card_context(root: Path, *, summary: BuildSummary, schema: Schema) -> dict[str, str]:
    """Markdown for every generated section."""
    from astana_corpus.adjudicate import GOLD_FILE
    from astana_corpus.articles import iter_documents
    from astana_corpus.io import read_jsonl
    from astana_corpus.preannotate import preannotate, read_gazetteer, score_against_gold

    sections: dict[str, str] = {}
    sections["entity-labels"] = _table(
        ["label", "definition", "examples"],
        [[f"`{lb.name}`", lb.description, "، ".join(lb.examples)] for lb in schema.entities],
    )
    sections["event-labels"] = _table(
        ["label", "CAMEO", "definition", "example"],
        [
            [f"`{lb.name}`", ", ".join(lb.cameo), lb.description, "، ".join(lb.examples[:1])]
            for lb in schema.events
        ],
    )
    ingest = summary.ingest
    sections["ingest"] = _table(
        ["what", "count"],
        [
            ["raw articles", ingest["documents"]],
            ["lines seen", ingest["paragraphs_seen"]],
            ["paragraphs kept", ingest["paragraphs_kept"]],
        ]
        + [[f"dropped: `{reason}`", n] for reason, n in ingest["dropped"].items()],
    )
    rows = summary.rows
    sections["splits"] = _table(
        ["split", "documents", "paragraphs", "tokens", "entities"],
        [
            [
                s,
                rows["documents"][s],
                rows["paragraphs"][s],
                summary.tokens[s],
                sum(summary.entities[s].values()),
            ]
            for s in SPLIT_NAMES
        ]
        + [
            [
                "**all**",
                sum(rows["documents"].values()),
                sum(rows["paragraphs"].values()),
                sum(summary.tokens.values()),
                sum(sum(c.values()) for c in summary.entities.values()),
            ]
        ],
    )
    sections["entity-counts"] = _table(
        ["label", *SPLIT_NAMES, "all"],
        [
            [
                f"`{n}`",
                *(summary.entities[s][n] for s in SPLIT_NAMES),
                sum(summary.entities[s][n] for s in SPLIT_NAMES),
            ]
            for n in schema.entity_names
        ],
    )
    sections["event-counts"] = _table(
        ["event label (paragraphs)", *SPLIT_NAMES, "all"],
        [
            [
                f"`{n}`",
                *(summary.events[s][n] for s in SPLIT_NAMES),
                sum(summary.events[s][n] for s in SPLIT_NAMES),
            ]
            for n in schema.event_names
        ],
    )
    validation = summary.validation
    from astana_corpus.validate import CODE_NAMES

    counts = validation["counts"]
    sections["validation"] = (
        f"`astana validate` ran {len(CODE_NAMES)} checks over {validation['checked']['documents']}"
        f" documents, {validation['checked']['paragraphs']} paragraphs and "
        f"{validation['checked']['entities']} entities: "
        f"{sum(n for c, n in counts.items() if c.startswith('E'))} errors, "
        f"{sum(n for c, n in counts.items() if c.startswith('W'))} warnings.\n\n"
        + _table(
            ["code", "check", "found"],
            [[c, name, counts.get(c, 0)] for c, name in CODE_NAMES.items()],
        )
    )
    documents = list(iter_documents(root))
    gold = list(read_jsonl(root / GOLD_FILE))
    scores = score_against_gold(
        preannotate(documents, read_gazetteer(root, schema)), gold, documents, schema.entity_names
    )
    sections["preannotation"] = _table(
        ["type", "gold", "suggested", "correct", "precision", "recall", "F1"],
        [
            [
                f"`{lb}`" if lb != "ALL" else "**all**",
                r["gold"],
                r["predicted"],
                r["correct"],
                f"{r['precision']:.3f}",
                f"{r['recall']:.3f}",
                f"{r['f1']:.3f}",
            ]
            for lb, r in scores.items()
        ],
    )
    sections["instance"] = _instance(summary)
    sections["baselines"] = _baselines(root)
    return sections


def _baselines(root: Path) -> str:
    """The recorded baseline results (results/*.json, written by `astana train`)."""
    from astana_corpus.train import BASELINES, ENTITY_BASELINES, EVENT_BASELINES, read_results

    results = read_results(root)
    rows = []
    for name in BASELINES:
        r = results.get(name)
        if r is None:
            rows.append([name, "not run", "", "", "", "", "", ""])
            continue
        ent, ev = r["scores"]["entities"], r["scores"]["events"]
        # A baseline is only scored on the task it predicts ("–" for the other).
        entity_cells = ["–"] * 4
        if name in ENTITY_BASELINES:
            entity_cells = [
                f"{ent['strict']['micro']['f1']:.3f}",
                f"{ent['clitic']['micro']['f1']:.3f}",
                f"{ent['partial']['micro']['f1']:.3f}",
                f"{ent['strict']['macro_f1']:.3f}",
            ]
        event_cell = "–"
        if name in EVENT_BASELINES:
            paragraph, document = ev["paragraph"]["micro"]["f1"], ev["document"]["micro"]["f1"]
            event_cell = f"{paragraph:.3f} / {document:.3f}"
        rows.append([name, f"`{r['command']}`", r["split"], *entity_cells, event_cell])
    return _table(
        [
            "baseline",
            "command",
            "split",
            "entities strict F1 (micro)",
            "clitic F1",
            "partial F1",
            "strict macro F1",
            "events micro F1 (paragraph / document)",
        ],
        rows,
    )


def _instance(summary: BuildSummary) -> str:
    """The first row of the train split of the `paragraphs` config, as stored."""
    import pyarrow.parquet as pq

    path = summary.out_dir / "data" / "paragraphs" / "train.parquet"
    row = pq.read_table(path).slice(0, 1).to_pylist()[0]
    return "```json\n" + json.dumps(row, ensure_ascii=False, indent=1) + "\n```\n"


def render_card(text: str, sections: Mapping[str, str]) -> str:
    """``text`` with every generated section replaced; unknown or missing markers fail."""
    found = {m.group("name") for m in _SECTION.finditer(text)}
    missing = sorted(set(sections) - found)
    unknown = sorted(found - set(sections))
    if missing or unknown:
        raise ValidationError(
            f"{CARD_FILE}: generated sections missing {missing} / unknown {unknown}; add "
            "<!-- BEGIN GENERATED: name --> ... <!-- END GENERATED: name --> markers"
        )
    return _SECTION.sub(lambda m: m.group(1) + sections[m.group("name")] + m.group(4), text)


def fresh_card(root: Path) -> str:
    """The card as it should read now: generated sections from a build in a temp dir."""
    from astana_corpus.build import build

    with tempfile.TemporaryDirectory() as tmp:
        summary = build(root, out_dir=Path(tmp) / "astana-corpus")
        readme = (summary.out_dir / "README.md").read_text(encoding="utf-8")
    # The built README is front matter + the rendered card.
    return readme.split("---\n", 2)[2]


def update_card(root: Path, *, check: bool = False) -> list[str]:
    """Rewrite (or with ``check``, compare) the card; return the stale section names."""
    from astana_corpus.io import write_text

    path = root / CARD_FILE
    current = path.read_text(encoding="utf-8")
    fresh = fresh_card(root)
    now = {m.group("name"): m.group("body") for m in _SECTION.finditer(current)}
    new = {m.group("name"): m.group("body") for m in _SECTION.finditer(fresh)}
    stale = sorted(name for name in new if now.get(name) != new[name])
    if not check and fresh != current:
        write_text(path, fresh)
    return stale
