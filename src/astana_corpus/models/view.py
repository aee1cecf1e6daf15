"""`astana view`: the annotations as one right-to-left HTML page, for reading and review.

Entity spans are highlighted in the schema's Doccano colours with their label;
each paragraph shows its event labels. Works for gold and for any predictions
file in the `documents` shape (so errors of a model can be read in context).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

from astana_corpus.core.records import Entity, GoldDocument, GoldParagraph, Prediction
from astana_corpus.core.schema import Schema

_STYLE = """
body { font-family: 'Noto Naskh Arabic', 'Amiri', 'Arial', sans-serif; max-width: 60em;
       margin: 2em auto; line-height: 2.1; background: #fafafa; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; direction: ltr;
     text-align: left; font-family: monospace; }
p.para { background: #fff; padding: .5em 1em; border-radius: 6px; margin: .6em 0;
         box-shadow: 0 1px 2px rgba(0,0,0,.08); }
mark { padding: .1em .25em; border-radius: 4px; }
mark sub { font-family: monospace; font-size: .65em; font-weight: bold; margin-inline-start: .3em;
           direction: ltr; unicode-bidi: isolate; }
.events { direction: ltr; text-align: left; font-family: monospace; font-size: .8em;
          color: #555; }
.legend span { display: inline-block; margin: .2em; padding: .1em .4em; border-radius: 4px;
               font-family: monospace; font-size: .85em; }
"""


def _text_color(background: str) -> str:
    r, g, b = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    return "#000" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "#fff"


def render_html(records: Iterable[GoldDocument], schema: Schema, *, title: str) -> str:
    """HTML for gold records (or predictions shaped as such, see ``predictions_as_records``)."""
    colors = {lb.name: lb.color for lb in schema.entities}
    legend = "".join(
        f'<span style="background:{c};color:{_text_color(c)}">{html.escape(n)}</span>'
        for n, c in colors.items()
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="ar" dir="rtl"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f'<h1 dir="ltr">{html.escape(title)}</h1><div class="legend" dir="ltr">{legend}</div>',
    ]
    for record in records:
        text = record.text
        entities = sorted(record.entities, key=lambda e: (e.start, e.end))
        parts.append(f"<h2>{html.escape(record.id)}</h2>")
        for p in record.paragraphs:
            pieces, cursor = [], p.start
            for e in entities:
                if not (p.start <= e.start < p.end) or e.start < cursor:
                    continue
                pieces.append(html.escape(text[cursor : e.start]))
                color = colors.get(e.label, "#dddddd")
                pieces.append(
                    f'<mark style="background:{color};color:{_text_color(color)}" '
                    f'title="{html.escape(e.label)} [{e.start}, {e.end})">'
                    f"{html.escape(text[e.start : e.end])}"
                    f"<sub>{html.escape(e.label)}</sub></mark>"
                )
                cursor = e.end
            pieces.append(html.escape(text[cursor : p.end]))
            events = ", ".join(p.events) or "—"
            parts.append(
                f'<p class="para">{"".join(pieces)}<br><span class="events">'
                f"p{p.index} · events: {html.escape(events)}</span></p>"
            )
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
                events=pred.events or (),
                paragraphs=tuple(
                    GoldParagraph(p.index, p.start, p.end, pred.paragraph_events.get(p.index, ()))
                    for p in g.paragraphs
                ),
                annotation=g.annotation,
            )
        )
    return records
