"""Inter-annotator agreement: entity F1 between annotators, kappa per event label.

Doccano computes no agreement, so it is computed here from each annotator's
export. Only paragraphs annotated by every annotator in a comparison count.

- Entity agreement of a pair: F1 with one annotator as reference (symmetric:
  ``2·|A∩B| / (|A| + |B|)``), exact match on (document, start, end, label),
  overall and per label, and clitic-tolerant (a leading proclitic difference
  forgiven) when the document texts are given.
- Event labels: each label is a yes/no decision per paragraph; Cohen's
  kappa per pair, and Fleiss' kappa over all annotators when there are 3+.
  Kappa is undefined (``None``) when chance agreement is 1 (everyone said the
  same for every paragraph).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

from astana_corpus.core.metrics import cohen_kappa, fleiss_kappa, set_f1
from astana_corpus.core.records import ParagraphAnnotation, Span
from astana_corpus.core.spans import clitic_snap

Key = tuple[str, int]
ByAnnotator = Mapping[str, Mapping[Key, ParagraphAnnotation]]


Mention = tuple[str, Span]  # (document id, span in document offsets)


def _mentions(
    anns: Mapping[Key, ParagraphAnnotation],
    other: Mapping[Key, ParagraphAnnotation],
    keys: Sequence[Key],
    texts: Mapping[str, str] | None,
) -> tuple[set[Mention], set[Mention]]:
    """One annotator's spans on ``keys``: as annotated, and with every span that differs
    from one of ``other``'s only by a leading proclitic taken as that span."""
    exact: set[Mention] = set()
    snapped: set[Mention] = set()
    for key in keys:
        spans = list(anns[key].entities)
        exact |= {(key[0], s) for s in spans}
        if texts is not None:
            spans = clitic_snap(texts[key[0]], list(other[key].entities), spans)
        snapped |= {(key[0], s) for s in spans}
    return exact, snapped


def _f1_row(a: set[Mention], b: set[Mention], label: str | None = None) -> dict[str, Any]:
    la = {m for m in a if label is None or m[1].label == label}
    lb = {m for m in b if label is None or m[1].label == label}
    return {"f1": set_f1(la, lb), "a": len(la), "b": len(lb), "both": len(la & lb)}


def agreement(
    by_annotator: ByAnnotator,
    *,
    entity_labels: Sequence[str],
    event_labels: Sequence[str],
    texts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Pairwise and (3+) overall agreement, as a JSON-ready dict.

    Entities: exact F1 on (document, start, end, label), overall and per label; with the
    document ``texts``, also clitic-tolerant F1 (a span that differs only by a leading
    proclitic sequence counts as the same, as in `astana evaluate`). Events: Cohen's
    kappa per label, and F1 over (paragraph, label) decisions.
    """
    names = sorted(by_annotator)
    pairs = []
    for a, b in combinations(names, 2):
        anns_a, anns_b = by_annotator[a], by_annotator[b]
        common = sorted(set(anns_a) & set(anns_b))
        ents_a, clitic_a = _mentions(anns_a, anns_b, common, texts)
        ents_b, clitic_b = _mentions(anns_b, anns_a, common, texts)
        entities = _f1_row(ents_a, ents_b)
        entities["per_label"] = {lb: _f1_row(ents_a, ents_b, lb) for lb in entity_labels}
        if texts is not None:
            entities["clitic"] = _f1_row(clitic_a, clitic_b)
            entities["clitic"]["per_label"] = {
                lb: _f1_row(clitic_a, clitic_b, lb) for lb in entity_labels
            }
        kappas = {}
        for label in event_labels:
            x = [label in anns_a[k].events for k in common]
            y = [label in anns_b[k].events for k in common]
            kappas[label] = {"kappa": cohen_kappa(x, y), "a_yes": sum(x), "b_yes": sum(y)}
        decisions_a = {(k, e) for k in common for e in anns_a[k].events}
        decisions_b = {(k, e) for k in common for e in anns_b[k].events}
        pairs.append(
            {
                "annotators": [a, b],
                "paragraphs": len(common),
                "entities": entities,
                "events": kappas,
                "event_labels": {
                    "f1": set_f1(decisions_a, decisions_b),
                    "a": len(decisions_a),
                    "b": len(decisions_b),
                    "both": len(decisions_a & decisions_b),
                },
            }
        )
    result: dict[str, Any] = {"annotators": names, "pairs": pairs}
    if len(names) >= 3:
        common_all = sorted(set.intersection(*(set(by_annotator[n]) for n in names)))
        result["fleiss"] = {
            "paragraphs": len(common_all),
            "events": {
                label: fleiss_kappa(
                    [[label in by_annotator[n][k].events for n in names] for k in common_all]
                )
                for label in event_labels
            },
        }
    return result
