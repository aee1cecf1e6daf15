"""Inter-annotator agreement: entity F1 between annotators, kappa per event label.

Doccano computes no agreement, so it is computed here from each annotator's
export. Only paragraphs annotated by every annotator in a comparison count.

- Entity agreement of a pair: F1 with one annotator as reference (symmetric:
  ``2·|A∩B| / (|A| + |B|)``), exact match on (start, end, label), overall
  and per label.
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
from astana_corpus.core.records import ParagraphAnnotation

Key = tuple[str, int]
ByAnnotator = Mapping[str, Mapping[Key, ParagraphAnnotation]]


def _entities(ann: ParagraphAnnotation, label: str | None = None) -> set[tuple[int, int, str]]:
    return {(s.start, s.end, s.label) for s in ann.entities if label is None or s.label == label}


def agreement(
    by_annotator: ByAnnotator, *, entity_labels: Sequence[str], event_labels: Sequence[str]
) -> dict[str, Any]:
    """Pairwise and (3+) overall agreement, as a JSON-ready dict."""
    names = sorted(by_annotator)
    pairs = []
    for a, b in combinations(names, 2):
        common = sorted(set(by_annotator[a]) & set(by_annotator[b]))
        ents_a = set().union(*(_entities(by_annotator[a][k]) for k in common)) if common else set()
        ents_b = set().union(*(_entities(by_annotator[b][k]) for k in common)) if common else set()
        per_label = {}
        for label in entity_labels:
            la = {e for e in ents_a if e[2] == label}
            lb = {e for e in ents_b if e[2] == label}
            per_label[label] = {
                "f1": set_f1(la, lb),
                "a": len(la),
                "b": len(lb),
                "both": len(la & lb),
            }
        kappas = {}
        for label in event_labels:
            x = [label in by_annotator[a][k].events for k in common]
            y = [label in by_annotator[b][k].events for k in common]
            kappas[label] = {"kappa": cohen_kappa(x, y), "a_yes": sum(x), "b_yes": sum(y)}
        pairs.append(
            {
                "annotators": [a, b],
                "paragraphs": len(common),
                "entities": {
                    "f1": set_f1(ents_a, ents_b),
                    "a": len(ents_a),
                    "b": len(ents_b),
                    "both": len(ents_a & ents_b),
                    "per_label": per_label,
                },
                "events": kappas,
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
