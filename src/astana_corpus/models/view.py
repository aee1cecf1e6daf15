"""`astana view`: the annotations as one right-to-left HTML page, for reading and review.

Entity spans are highlighted in the schema's Doccano colours with a label badge; each
paragraph shows its event labels and each document heading its document events (the union
of the paragraphs'). A legend lists every entity and event label with its description.
Works for gold, for any predictions file in the `documents` shape, and for a comparison
of predictions with gold (``render_comparison``), where a *match* is strict: the same
start, end and label. Gold spans not predicted are *misses*, predicted spans not in gold
*false alarms*; the same holds for event labels per paragraph and per document.

Arabic text sits in ``dir="rtl" lang="ar"`` containers; ids, labels and counts sit in
``dir="ltr"`` lines with ``<bdi>`` around each id, so "p1 · events: —" keeps its order
next to right-to-left text. Badge text is black or white, whichever contrasts more with
the badge colour (WCAG 2): for any colour the better of the two reaches at least 4.58:1,
above the 4.5:1 that WCAG AA asks of normal text.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from astana_corpus.core.records import Entity, GoldDocument, GoldParagraph, Prediction
from astana_corpus.core.schema import Label, Schema

# Mark colours of the comparison; their text is near-black (contrast above 12:1 on each).
STATUSES = {
    "match": ("#c6efce", "✓", "gold and predicted with the same start, end and label"),
    "miss": ("#ffe2a8", "−", "in gold, not predicted"),
    "false-alarm": ("#ffc9d2", "+", "predicted, not in gold"),
}
MARK_TEXT = "#111111"
# Drawing order of marks with the same extent: gold (matched or missed) outside predicted.
_ORDER = {"gold": 0, "match": 0, "miss": 1, "false-alarm": 2}

_STYLE = """
body { font-family: 'Noto Naskh Arabic', 'Noto Sans Arabic', 'Amiri', 'DejaVu Sans', sans-serif;
       max-width: 62em; margin: 2em auto; padding: 0 1em; line-height: 2.2;
       background: #fafafa; color: #1a1a1a; }
h1 { font-size: 1.4em; text-align: left; }
h2.doc { font-size: 1.1em; margin-top: 2.2em; text-align: left; font-family: monospace; }
.ltr { direction: ltr; text-align: left; font-family: monospace; font-size: .85em;
       color: #333; line-height: 1.8; }
.para { background: #fff; padding: .4em 1em; border-radius: 6px; margin: .6em 0;
        box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.para p { margin: 0; }
mark { padding: .08em .2em; border-radius: 4px; }
mark.match { border-bottom: 3px solid #1a7f37; }
mark.miss { outline: 2px dashed #9a5b00; }
mark.false-alarm { border-bottom: 3px double #b3261e; }
.badge { display: inline-block; font-family: monospace; font-size: .68em; font-weight: bold;
         line-height: 1.4; padding: 0 .3em; border-radius: 3px; margin-inline-start: .25em;
         direction: ltr; unicode-bidi: isolate; vertical-align: baseline; }
.ev { font-size: .9em; margin: 0 .15em; }
.ev.miss { outline: 2px dashed #9a5b00; } .ev.false-alarm { outline: 2px double #b3261e; }
.sym { margin-inline-end: .2em; }
.legend { direction: ltr; text-align: left; background: #fff; padding: .5em 1em;
          border-radius: 6px; }
.legend h2 { font-size: 1em; margin: .4em 0 0; }
.legend ul { list-style: none; padding: 0; margin: 0; columns: 2; }
.legend li { font-size: .85em; line-height: 1.6; margin: .15em 0; break-inside: avoid; }
.legend .badge { font-size: .9em; min-width: 10em; text-align: center; }
.summary { font-weight: bold; }
"""


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``: 0 for black, 1 for white."""
    channels = []
    for i in (1, 3, 5):
        c = int(color[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def badge_text_color(background: str) -> str:
    """Black or white text, whichever contrasts more with ``background`` (≥ 4.58:1)."""
    black, white = "#000000", "#ffffff"
    on_black, on_white = contrast_ratio(background, black), contrast_ratio(background, white)
    return black if on_black >= on_white else white


def _badge(label: Label | None, name: str, *, cls: str = "badge", extra: str = "") -> str:
    color = label.color if label else "#dddddd"
    return (
        f'<span class="{cls}" data-label="{html.escape(name)}" '
        f'style="background:{color};color:{badge_text_color(color)}">'
        f"{extra}{html.escape(name)}</span>"
    )


def _symbol(status: str) -> str:
    return f'<span class="sym" aria-hidden="true">{STATUSES[status][1]}</span>'


@dataclass(frozen=True)
class _Item:
    """A span to draw: its status is "gold" (plain view) or one of ``STATUSES``."""

    start: int
    end: int
    label: str
    status: str
    key: int


@dataclass(frozen=True)
class DocumentComparison:
    """Strict comparison of one document's predictions with its gold."""

    matches: frozenset[tuple[int, int, str]]
    misses: frozenset[tuple[int, int, str]]
    false_alarms: frozenset[tuple[int, int, str]]
    paragraph_events: Mapping[int, Mapping[str, str]]  # index → label → status
    document_events: Mapping[str, str]  # label → status


def _event_status(gold: Iterable[str], predicted: Iterable[str]) -> dict[str, str]:
    g, p = set(gold), set(predicted)
    return {
        **{e: "match" for e in g & p},
        **{e: "miss" for e in g - p},
        **{e: "false-alarm" for e in p - g},
    }


def compare_document(gold: GoldDocument, prediction: Prediction) -> DocumentComparison:
    """Matches (same start, end and label), misses and false alarms of entities and events."""
    g = {(e.start, e.end, e.label) for e in gold.entities}
    p = {(s.start, s.end, s.label) for s in prediction.entities}
    predicted_doc_events = (
        prediction.events
        if prediction.events is not None
        else tuple({e for evs in prediction.paragraph_events.values() for e in evs})
    )
    return DocumentComparison(
        matches=frozenset(g & p),
        misses=frozenset(g - p),
        false_alarms=frozenset(p - g),
        paragraph_events={
            par.index: _event_status(par.events, prediction.paragraph_events.get(par.index, ()))
            for par in gold.paragraphs
        },
        document_events=_event_status(gold.events, predicted_doc_events),
    )


class _Page:
    """The parts every page shares: labels by name, head, legend."""

    def __init__(self, schema: Schema, *, comparison: bool) -> None:
        self.entities = {lb.name: lb for lb in schema.entities}
        self.events = {lb.name: lb for lb in schema.events}
        self.event_order = {name: i for i, name in enumerate(schema.event_names)}
        self.comparison = comparison

    def head(self, title: str) -> list[str]:
        return [
            "<!DOCTYPE html>",
            '<html lang="ar" dir="rtl"><head><meta charset="utf-8">',
            f'<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body dir="rtl">',
            f'<h1 dir="ltr">{html.escape(title)}</h1>',
            self.legend(),
        ]

    def legend(self) -> str:
        def items(labels: Iterable[Label], cls: str, *, events: bool) -> str:
            rows = []
            for lb in labels:
                cameo = f" (CAMEO {', '.join(lb.cameo)})" if events and lb.cameo else ""
                rows.append(
                    f"<li>{_badge(lb, lb.name, cls=cls)} "
                    f"{html.escape(lb.description)}{html.escape(cameo)}</li>"
                )
            return "<ul>" + "".join(rows) + "</ul>"

        parts = [
            '<section class="legend" dir="ltr"><h2>Entity labels</h2>',
            items(self.entities.values(), "badge", events=False),
            "<h2>Event labels (per paragraph; a document's are their union)</h2>",
            items(self.events.values(), "badge ev", events=True),
        ]
        if self.comparison:
            parts.append("<h2>Comparison with gold</h2><ul>")
            for status, (color, symbol, text) in STATUSES.items():
                parts.append(
                    f'<li><mark class="{status}" style="background:{color};color:{MARK_TEXT}">'
                    f"{symbol} {html.escape(status)}</mark> {html.escape(text)}</li>"
                )
            parts.append("</ul>")
        parts.append("</section>")
        return "".join(parts)

    def event_badges(self, statuses: Mapping[str, str]) -> str:
        """Event badges in schema order (status "gold" in the plain view), or "—"."""
        if not statuses:
            return '<span class="none">—</span>'
        names = sorted(statuses, key=lambda n: self.event_order.get(n, len(self.event_order)))
        out = []
        for name in names:
            status = statuses[name]
            sym = _symbol(status) if status in STATUSES else ""
            cls = f"badge ev {status}"
            out.append(_badge(self.events.get(name), name, cls=cls, extra=sym))
        return " ".join(out)

    def heading(self, record: GoldDocument, doc_events: Mapping[str, str]) -> str:
        return (
            f'<h2 class="doc" dir="ltr" id="{html.escape(record.id)}">'
            f'<bdi class="doc-id">{html.escape(record.id)}</bdi> · '
            f'<span class="ev-label">document events:</span> '
            f'<span class="doc-events">{self.event_badges(doc_events)}</span></h2>'
        )

    def paragraph(
        self, record: GoldDocument, par: GoldParagraph, items: Sequence[_Item], events: str
    ) -> str:
        return (
            f'<div class="para" data-doc="{html.escape(record.id)}" data-index="{par.index}">'
            f'<p class="text" dir="rtl" lang="ar">{self.spans(record.text, par, items)}</p>'
            f'<p class="meta ltr" dir="ltr"><bdi class="pid">p{par.index}</bdi> · '
            f'<span class="ev-label">events:</span> {events}</p></div>'
        )

    def spans(self, text: str, par: GoldParagraph, items: Sequence[_Item]) -> str:
        """The paragraph text with each item as a ``<mark>``; overlapping items (a false
        alarm over a miss) nest, split into pieces at every boundary, with one badge on
        the piece where the item ends."""
        inside = [i for i in items if par.start <= i.start < par.end]
        ends = {i.key: min(i.end, par.end) for i in inside}
        cuts = sorted({par.start, par.end, *(i.start for i in inside), *ends.values()})
        out = []
        for a, b in itertools.pairwise(cuts):
            covering = [i for i in inside if i.start <= a and b <= ends[i.key]]
            # Longer items outside, gold before predicted on equal extents.
            covering.sort(key=lambda i: (i.start - ends[i.key], _ORDER[i.status], i.key))
            for i in covering:
                out.append(self.open_mark(i, first=i.start == a))
            out.append(html.escape(text[a:b]))
            for i in reversed(covering):
                if ends[i.key] == b:
                    label = self.entities.get(i.label)
                    sym = _symbol(i.status) if i.status in STATUSES else ""
                    out.append(_badge(label, i.label, cls=f"badge ent {i.status}", extra=sym))
                out.append("</mark>")
        return "".join(out)

    def open_mark(self, item: _Item, *, first: bool) -> str:
        if item.status in STATUSES:
            background, text_color = STATUSES[item.status][0], MARK_TEXT
        else:
            label = self.entities.get(item.label)
            background = label.color if label else "#dddddd"
            text_color = badge_text_color(background)
        piece = "" if first else ' data-piece="cont"'
        return (
            f'<mark class="ent {item.status}" data-key="{item.key}" '
            f'data-label="{html.escape(item.label)}" data-status="{item.status}"{piece} '
            f'title="{html.escape(item.label)} [{item.start}, {item.end})" '
            f'style="background:{background};color:{text_color}">'
        )


def render_html(records: Iterable[GoldDocument], schema: Schema, *, title: str) -> str:
    """HTML for gold records (or predictions shaped as such, see ``predictions_as_records``)."""
    page = _Page(schema, comparison=False)
    parts = page.head(title)
    for record in records:
        items = [
            _Item(e.start, e.end, e.label, "gold", k)
            for k, e in enumerate(sorted(record.entities, key=lambda e: (e.start, e.end)))
        ]
        parts.append(f'<section class="document" data-doc="{html.escape(record.id)}">')
        parts.append(page.heading(record, dict.fromkeys(record.events, "gold")))
        for par in record.paragraphs:
            events = page.event_badges(dict.fromkeys(par.events, "gold"))
            parts.append(page.paragraph(record, par, items, events))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _count_line(cmp: DocumentComparison) -> str:
    def events(status: str) -> int:
        return sum(s == status for par in cmp.paragraph_events.values() for s in par.values())

    return (
        f'<span data-count="entity-match">{len(cmp.matches)}</span> matches · '
        f'<span data-count="entity-miss">{len(cmp.misses)}</span> misses · '
        f'<span data-count="entity-false-alarm">{len(cmp.false_alarms)}</span> false alarms'
        " (entities, strict); paragraph event labels: "
        f'<span data-count="event-match">{events("match")}</span> matches · '
        f'<span data-count="event-miss">{events("miss")}</span> misses · '
        f'<span data-count="event-false-alarm">{events("false-alarm")}</span> false alarms'
    )


def render_comparison(
    gold: Sequence[GoldDocument],
    predictions: Mapping[str, Prediction],
    schema: Schema,
    *,
    title: str,
) -> str:
    """HTML comparing predictions with gold, for the gold documents that have a prediction:
    entity marks coloured by status (``STATUSES``) with the label badge, event badges per
    paragraph and per document with their status, and the counts of each document."""
    page = _Page(schema, comparison=True)
    parts = page.head(title)
    compared = [(g, compare_document(g, predictions[g.id])) for g in gold if g.id in predictions]
    totals = {
        "match": sum(len(c.matches) for _, c in compared),
        "miss": sum(len(c.misses) for _, c in compared),
        "false-alarm": sum(len(c.false_alarms) for _, c in compared),
    }
    parts.append(
        f'<p class="ltr summary" dir="ltr" id="totals">{len(compared)} documents; entities '
        f"(strict): {totals['match']} matches · {totals['miss']} misses · "
        f"{totals['false-alarm']} false alarms</p>"
    )
    for record, cmp in compared:
        rows = [(s, "match") for s in cmp.matches] + [(s, "miss") for s in cmp.misses]
        rows += [(s, "false-alarm") for s in cmp.false_alarms]
        rows.sort(key=lambda r: (r[0][0], r[0][1], _ORDER[r[1]], r[0][2]))
        items = [_Item(s[0], s[1], s[2], status, k) for k, (s, status) in enumerate(rows)]
        outside = sum(not any(p.start <= i.start < p.end for p in record.paragraphs) for i in items)
        parts.append(f'<section class="document" data-doc="{html.escape(record.id)}">')
        parts.append(page.heading(record, cmp.document_events))
        note = f" · {outside} span(s) outside every paragraph, not drawn" if outside else ""
        parts.append(f'<p class="ltr summary doc-summary" dir="ltr">{_count_line(cmp)}{note}</p>')
        for par in record.paragraphs:
            events = page.event_badges(cmp.paragraph_events[par.index])
            parts.append(page.paragraph(record, par, items, events))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def predictions_as_records(
    predictions: Iterable[Prediction], gold: Mapping[str, GoldDocument]
) -> list[GoldDocument]:
    """Predictions shaped as gold records (gold's text and paragraphs), for render_html."""
    records = []
    for pred in predictions:
        g = gold[pred.id]
        records.append(
            GoldDocument(
                id=pred.id,
                text=g.text,
                text_sha256=g.text_sha256,
                entities=tuple(
                    Entity(e.start, e.end, e.label, g.text[e.start : e.end]) for e in pred.entities
                ),
                events=pred.events
                if pred.events is not None
                else tuple(sorted({e for evs in pred.paragraph_events.values() for e in evs})),
                paragraphs=tuple(
                    GoldParagraph(p.index, p.start, p.end, pred.paragraph_events.get(p.index, ()))
                    for p in g.paragraphs
                ),
                annotation=g.annotation,
            )
        )
    return records
