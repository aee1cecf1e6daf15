"""The dataset card's generated sections, rendered from a facts record.

``dataset_card.md`` holds prose written by people and tables generated from
the data, each between ``<!-- BEGIN GENERATED: name -->`` and
``<!-- END GENERATED: name -->``. ``render_card`` is a pure function of the
card text and a ``CardFacts`` record, which the pipeline fills from the stage
outputs of one build; ``astana card --check`` (and a test) fails when the
committed card is stale. Every number in those tables comes from the facts.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from astana_corpus.core.errors import error
from astana_corpus.core.paths import CARD_FILE
from astana_corpus.core.schema import Schema
from astana_corpus.dataset.figures import FIGURES
from astana_corpus.dataset.splits import SPLIT_NAMES
from astana_corpus.dataset.validate import CODE_NAMES

_SECTION = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)"
    r"(<!-- END GENERATED: (?P=name) -->)",
    re.DOTALL,
)


@dataclass(frozen=True)
class BaselineResult:
    """A recorded baseline run, as the card shows it (scores are ``astana evaluate``'s)."""

    name: str
    command: str
    split: str
    entities: Mapping[str, Any] | None  # None: the baseline predicts no entities
    events: Mapping[str, Any] | None  # None: the baseline predicts no event labels
    stale: bool  # trained or scored on other gold or splits than the current ones


@dataclass(frozen=True)
class PreannotationFacts:
    """The recorded in-sample pre-annotation scores (``results/preannotation.json``)."""

    labels: Mapping[str, Mapping[str, float | int]]  # score_spans rows, by label and ALL
    stale: bool  # measured on other gold, gazetteer or schema than the current


@dataclass(frozen=True)
class RoundAgreement:
    """`astana agreement` on a round of the current gold, and how its merge was adjudicated."""

    round: str
    result: Mapping[str, Any]  # as `annotate.agreement.agreement` returns it
    adjudication: Mapping[str, int]  # agreed, single, disagreements, resolved as ...


@dataclass(frozen=True)
class CardFacts:
    """Everything the card's tables say, gathered from the stage outputs of one build."""

    schema: Schema
    ingest: Mapping[str, Any]
    rows: Mapping[str, Mapping[str, int]]
    tokens: Mapping[str, int]
    entities: Mapping[str, Counter[str]]
    events: Mapping[str, Counter[str]]
    validation: Mapping[str, Any]
    preannotation: PreannotationFacts | None  # None: not recorded
    baselines: Sequence[tuple[str, BaselineResult | None]]
    instance: Mapping[str, Any] | None
    agreement: Sequence[RoundAgreement] = ()
    version: str = ""  # the release: astana_corpus.__version__ of the build


def sections(facts: CardFacts) -> dict[str, str]:
    """Markdown for every generated section."""
    schema = facts.schema
    out: dict[str, str] = {}
    out["entity-labels"] = _table(
        ["label", "definition", "examples"],
        [[f"`{lb.name}`", lb.description, "، ".join(lb.examples)] for lb in schema.entities],
    )
    out["event-labels"] = _table(
        ["label", "CAMEO", "definition", "example"],
        [
            [f"`{lb.name}`", ", ".join(lb.cameo), lb.description, "، ".join(lb.examples[:1])]
            for lb in schema.events
        ],
    )
    ingest = facts.ingest
    out["ingest"] = _table(
        ["what", "count"],
        [
            ["raw articles", ingest["documents"]],
            ["lines seen", ingest["paragraphs_seen"]],
            ["paragraphs kept", ingest["paragraphs_kept"]],
        ]
        + [[f"dropped: `{reason}`", n] for reason, n in ingest["dropped"].items()]
        + (
            [["parts trimmed off kept lines", ingest["parts_trimmed"]]]
            if ingest.get("parts_trimmed")
            else []
        ),
    )
    rows = facts.rows
    out["splits"] = _table(
        ["split", "documents", "paragraphs", "tokens", "entities"],
        [
            [
                s,
                rows["documents"][s],
                rows["paragraphs"][s],
                facts.tokens[s],
                sum(facts.entities[s].values()),
            ]
            for s in SPLIT_NAMES
        ]
        + [
            [
                "**all**",
                sum(rows["documents"].values()),
                sum(rows["paragraphs"].values()),
                sum(facts.tokens.values()),
                sum(sum(c.values()) for c in facts.entities.values()),
            ]
        ],
    )
    out["entity-counts"] = _counts_table("label", schema.entity_names, facts.entities)
    out["event-counts"] = _counts_table(
        "event label (paragraphs)", schema.event_names, facts.events
    )
    validation = facts.validation
    counts = validation["counts"]
    checked = validation["checked"]
    found = [
        f"- {i['code']}: {i['message']}" + (f" (document {i['doc_id']})" if i.get("doc_id") else "")
        for i in validation["issues"]
    ]
    out["validation"] = (
        f"`astana validate` ran {len(CODE_NAMES)} checks over "
        f"{plural(checked['documents'], 'document')}, "
        f"{plural(checked['paragraphs'], 'paragraph')} and "
        f"{plural(checked['entities'], 'entity', 'entities')}: "
        f"{plural(sum(n for c, n in counts.items() if c.startswith('E')), 'error')}, "
        f"{plural(sum(n for c, n in counts.items() if c.startswith('W')), 'warning')}"
        + (":\n\n" + "\n".join(found) + "\n\n" if found else ".\n\n")
        + _table(
            ["code", "check", "found"],
            [[c, name, counts.get(c, 0)] for c, name in CODE_NAMES.items()],
        )
    )
    out["preannotation"] = _preannotation(facts.preannotation)
    out["instance"] = (
        "```json\n" + json.dumps(facts.instance, ensure_ascii=False, indent=1) + "\n```\n"
    )
    out["baselines"] = _baselines(facts.baselines)
    out["agreement"] = _agreement(facts.agreement, schema)
    out["version"] = (
        f"**Version {facts.version}**: built by `astana build` of astana-corpus "
        f"{facts.version}; what changed in each release is in `CHANGELOG.md`.\n"
    )
    out["figures"] = (
        "".join(f"![{caption}](images/{name}.png)\n\n" for name, caption in FIGURES).rstrip("\n")
        + "\n"
    )
    return out


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _agreement(rounds: Sequence[RoundAgreement], schema: Schema) -> str:
    """Entity F1 (exact and clitic-tolerant) per label, kappa per event label, adjudication."""
    if not rounds:
        return "No round of the current gold has two annotators.\n"
    parts = []
    for r in rounds:
        for pair in r.result["pairs"]:
            a, b = pair["annotators"]
            ent = pair["entities"]
            rows = [
                [
                    "**all entities**",
                    ent["a"],
                    ent["b"],
                    ent["both"],
                    _fmt(ent["f1"]),
                    _fmt(ent["clitic"]["f1"]),
                ]
            ]
            for label in schema.entity_names:
                x, c = ent["per_label"][label], ent["clitic"]["per_label"][label]
                rows.append([f"`{label}`", x["a"], x["b"], x["both"], _fmt(x["f1"]), _fmt(c["f1"])])
            parts.append(
                f"Round `{r.round}`, {a} vs {b}, {pair['paragraphs']} paragraphs annotated by "
                "both (`astana agreement --round "
                + r.round
                + "`):\n\n"
                + _table(["entities", a, b, "both", "F1 exact", "F1 clitic-tolerant"], rows)
            )
            ev = pair["event_labels"]
            rows = [
                ["**all (paragraph, label) decisions**", ev["a"], ev["b"], f"F1 {_fmt(ev['f1'])}"]
            ]
            for label in schema.event_names:
                k = pair["events"][label]
                rows.append([f"`{label}`", k["a_yes"], k["b_yes"], _fmt(k["kappa"])])
            parts.append(
                _table(["event labels (paragraphs with the label)", a, b, "Cohen's kappa"], rows)
            )
        adj = r.adjudication
        names = r.result["annotators"]
        rows = [
            ["paragraphs both annotated the same", adj.get("agreed", 0)],
            ["paragraphs with a disagreement", adj.get("disagreements", 0)],
            *[[f"resolved as {n}'s version", adj.get(n, 0)] for n in names],
            ["resolved as neither version", adj.get("neither", 0)],
            ["unresolved", adj.get("disagreements", 0) - adj.get("resolved", 0)],
        ]
        parts.append(
            f"Adjudication of round `{r.round}` (`astana merge --round {r.round} "
            f"--resolutions annotations/resolutions/{r.round}.jsonl`):\n\n"
            + _table(["paragraphs", "count"], rows)
        )
    return "\n".join(parts)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def plural(n: int, word: str, words: str = "") -> str:
    """``1 warning``, ``2 warnings``, ``0 errors``, ``3 entities``.

    >>> plural(1, "warning"), plural(0, "error"), plural(3, "entity", "entities")
    ('1 warning', '0 errors', '3 entities')
    """
    return f"{n} {word}" if n == 1 else f"{n} {words or word + 's'}"


def _counts_table(what: str, names: Sequence[str], counts: Mapping[str, Counter[str]]) -> str:
    absent = [n for n in names if not any(counts[s][n] for s in SPLIT_NAMES)]
    note = (
        "\nNo example in any split: "
        + ", ".join(f"`{n}`" for n in absent)
        + " (defined in the schema, kept so label ids stay stable; a model cannot learn "
        "or be scored on it from this release).\n"
        if absent
        else ""
    )
    return (
        _table(
            [what, *SPLIT_NAMES, "all"],
            [
                [
                    f"`{n}`",
                    *(counts[s][n] for s in SPLIT_NAMES),
                    sum(counts[s][n] for s in SPLIT_NAMES),
                ]
                for n in names
            ],
        )
        + note
    )


def _preannotation(facts: PreannotationFacts | None) -> str:
    if facts is None:
        return (
            "Not recorded: run `astana preannotate --evaluate` (it writes "
            "`results/preannotation.json`), then `astana card`.\n"
        )
    table = _table(
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
            for lb, r in facts.labels.items()
        ],
    )
    if facts.stale:
        table += (
            "\n**Stale**: these scores were measured on other gold, gazetteer or "
            "schema than this build's; run `astana preannotate --evaluate` again.\n"
        )
    return table


def _baselines(results: Sequence[tuple[str, BaselineResult | None]]) -> str:
    """The recorded baseline results (results/*.json, written by `astana train`)."""
    rows = []
    stale = []
    for name, r in results:
        if r is None:
            rows.append([name, "not run", "", "", "", "", "", ""])
            continue
        # A baseline is only scored on the task it predicts ("–" for the other).
        entity_cells = ["–"] * 4
        if r.entities is not None:
            ent = r.entities
            entity_cells = [
                f"{ent['strict']['micro']['f1']:.3f}",
                f"{ent['clitic']['micro']['f1']:.3f}",
                f"{ent['partial']['micro']['f1']:.3f}",
                f"{ent['strict']['macro_f1']:.3f}",
            ]
        event_cell = "–"
        if r.events is not None:
            paragraph, document = (r.events[lv]["micro"]["f1"] for lv in ("paragraph", "document"))
            event_cell = f"{paragraph:.3f} / {document:.3f}"
        label = f"{name} (**stale**)" if r.stale else name
        if r.stale:
            stale.append(name)
        rows.append([label, f"`{r.command}`", r.split, *entity_cells, event_cell])
    table = _table(
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
    if stale:
        table += (
            f"\n**Stale**: {', '.join(stale)} ran on other gold or splits than this build; "
            "re-run `astana train NAME` before reading these numbers.\n"
        )
    return table


def generated_sections(text: str) -> dict[str, str]:
    """The bodies of the generated sections of a card text, by name."""
    return {m.group("name"): m.group("body") for m in _SECTION.finditer(text)}


def render_card(text: str, bodies: Mapping[str, str]) -> str:
    """``text`` with every generated section replaced; unknown or missing markers fail."""
    found = {m.group("name") for m in _SECTION.finditer(text)}
    missing = sorted(set(bodies) - found)
    unknown = sorted(found - set(bodies))
    if missing or unknown:
        raise error("A504", path=CARD_FILE, missing=missing, unknown=unknown)
    return _SECTION.sub(lambda m: m.group(1) + bodies[m.group("name")] + m.group(4), text)
