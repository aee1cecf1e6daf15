"""Agreement checked against numbers computed by hand."""

import pytest

from astana_corpus.annotate.agreement import agreement
from astana_corpus.core.metrics import cohen_kappa, fleiss_kappa
from astana_corpus.core.records import ParagraphAnnotation, Span


def ann(doc, index, spans=(), events=()):
    return ParagraphAnnotation(doc, index, tuple(Span(*s) for s in spans), tuple(events), 0)


def test_cohen_kappa_by_hand():
    # 10 items: both yes 3, both no 4, a-only 2, b-only 1 → po = 0.7,
    # pa = 0.5, pb = 0.4, pe = 0.5*0.4 + 0.5*0.6 = 0.5 → kappa = 0.2/0.5 = 0.4
    a = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert cohen_kappa([bool(x) for x in a], [bool(x) for x in b]) == pytest.approx(0.4)


def test_cohen_kappa_undefined_when_everyone_says_no():
    assert cohen_kappa([False] * 4, [False] * 4) is None


def test_fleiss_kappa_by_hand():
    # 4 items, 3 raters, yes counts 3, 0, 2, 1.
    # P_i = (k(k-1) + (3-k)(2-k)) / 6 → 1, 1, 1/3, 1/3; P̄ = 2/3.
    # p_yes = 6/12 = 0.5 → Pe = 0.5 → kappa = (2/3 - 1/2) / (1/2) = 1/3
    ratings = [[True] * 3, [False] * 3, [True, True, False], [True, False, False]]
    assert fleiss_kappa(ratings) == pytest.approx(1 / 3)


def test_pairwise_entity_f1_and_event_kappa_by_hand():
    a = {
        ("d", 0): ann("d", 0, [(0, 5, "GPE"), (10, 15, "PER")], ["STATEMENT"]),
        ("d", 1): ann("d", 1, [(20, 25, "ORG")], []),
        ("d", 2): ann("d", 2, [(30, 33, "DATE")], ["TALKS_HELD"]),  # only a did d/2
    }
    b = {
        ("d", 0): ann("d", 0, [(0, 5, "GPE"), (10, 15, "ORG")], ["STATEMENT"]),
        ("d", 1): ann("d", 1, [(20, 25, "ORG"), (26, 28, "GPE")], ["STATEMENT"]),
    }
    result = agreement(
        {"a": a, "b": b}, entity_labels=["GPE", "PER", "ORG"], event_labels=["STATEMENT"]
    )
    (pair,) = result["pairs"]
    assert pair["paragraphs"] == 2  # d/2 is not shared
    # a: {GPE0-5, PER10-15, ORG20-25}; b: {GPE0-5, ORG10-15, ORG20-25, GPE26-28}
    # both = 2 → F1 = 2*2 / (3 + 4) = 4/7
    assert pair["entities"]["f1"] == pytest.approx(4 / 7)
    assert pair["entities"]["per_label"]["GPE"]["f1"] == pytest.approx(2 * 1 / (1 + 2))
    assert pair["entities"]["per_label"]["PER"]["f1"] == 0
    assert pair["entities"]["per_label"]["ORG"]["f1"] == pytest.approx(2 * 1 / (1 + 2))
    # STATEMENT: a = [yes, no], b = [yes, yes] → po = .5, pe = .5*1 + .5*0 = .5 → 0
    assert pair["events"]["STATEMENT"]["kappa"] == pytest.approx(0.0)
    assert "fleiss" not in result


def test_three_annotators_get_fleiss():
    same = {("d", 0): ann("d", 0, [], ["AID"]), ("d", 1): ann("d", 1, [], [])}
    result = agreement({"a": same, "b": same, "c": same}, entity_labels=[], event_labels=["AID"])
    assert len(result["pairs"]) == 3
    assert result["fleiss"]["events"]["AID"] == pytest.approx(1.0)


def test_same_offsets_in_two_documents_are_two_mentions():
    """Regression: spans were compared without their document, so equal offsets collided."""
    a = {("d1", 0): ann("d1", 0, [(0, 5, "GPE")]), ("d2", 0): ann("d2", 0, [(0, 5, "GPE")])}
    b = {("d1", 0): ann("d1", 0, [(0, 5, "GPE")]), ("d2", 0): ann("d2", 0, [])}
    (pair,) = agreement({"a": a, "b": b}, entity_labels=["GPE"], event_labels=[])["pairs"]
    assert (pair["entities"]["a"], pair["entities"]["b"], pair["entities"]["both"]) == (2, 1, 1)
    assert pair["entities"]["f1"] == pytest.approx(2 * 1 / 3)


def test_clitic_tolerant_agreement_forgives_only_a_leading_proclitic():
    text = "زار الوفد بسوريا ثم سافر إلى موسكو"
    s, m = text.index("بسوريا"), text.index("موسكو")
    a = {("d", 0): ann("d", 0, [(s + 1, s + 6, "GPE"), (m, m + 5, "GPE")])}
    b = {
        ("d", 0): ann("d", 0, [(s, s + 6, "GPE"), (m + 1, m + 5, "GPE")])
    }  # with its ب; and "وسكو", cut
    result = agreement({"a": a, "b": b}, entity_labels=["GPE"], event_labels=[], texts={"d": text})
    (pair,) = result["pairs"]
    assert pair["entities"]["f1"] == 0.0
    assert pair["entities"]["clitic"]["both"] == 1  # the proclitic ب is forgiven, "وسكو" is not
    assert pair["entities"]["clitic"]["f1"] == pytest.approx(0.5)


def test_event_label_decisions_f1():
    a = {("d", 0): ann("d", 0, [], ["AID", "STATEMENT"]), ("d", 1): ann("d", 1, [], [])}
    b = {("d", 0): ann("d", 0, [], ["AID"]), ("d", 1): ann("d", 1, [], ["ATTACK"])}
    (pair,) = agreement(
        {"a": a, "b": b}, entity_labels=[], event_labels=["AID", "ATTACK", "STATEMENT"]
    )["pairs"]
    assert pair["event_labels"]["f1"] == pytest.approx(2 * 1 / (2 + 2))
