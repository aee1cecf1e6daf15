"""Scores shared by evaluation, pre-annotation scoring and agreement: P/R/F1 and kappas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def precision_recall_f1(
    correct: float, predicted: float, gold: float
) -> tuple[float, float, float]:
    """Precision, recall and F1 (0.0 where undefined).

    >>> precision_recall_f1(2, 4, 3)
    (0.5, 0.6666666666666666, 0.5714285714285715)
    """
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def set_f1(a: set[Any], b: set[Any]) -> float | None:
    """Symmetric F1 of two sets; None when both are empty (nothing to agree on)."""
    if not a and not b:
        return None
    return 2 * len(a & b) / (len(a) + len(b))


def cohen_kappa(x: Sequence[bool], y: Sequence[bool]) -> float | None:
    """Cohen's kappa of two yes/no ratings of the same items.

    >>> cohen_kappa([True, True, False, False], [True, False, False, False])
    0.5
    """
    n = len(x)
    if n == 0 or n != len(y):
        return None
    observed = sum(a == b for a, b in zip(x, y, strict=True)) / n
    px, py = sum(x) / n, sum(y) / n
    expected = px * py + (1 - px) * (1 - py)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def fleiss_kappa(ratings: Sequence[Sequence[bool]]) -> float | None:
    """Fleiss' kappa; ``ratings[i]`` holds every rater's yes/no for item ``i``."""
    if not ratings or len({len(r) for r in ratings}) != 1 or len(ratings[0]) < 2:
        return None
    n_raters = len(ratings[0])
    n_items = len(ratings)
    yes = [sum(r) for r in ratings]
    p_items = [
        (k * (k - 1) + (n_raters - k) * (n_raters - k - 1)) / (n_raters * (n_raters - 1))
        for k in yes
    ]
    p_bar = sum(p_items) / n_items
    p_yes = sum(yes) / (n_items * n_raters)
    p_e = p_yes**2 + (1 - p_yes) ** 2
    if p_e == 1:
        return None
    return (p_bar - p_e) / (1 - p_e)
