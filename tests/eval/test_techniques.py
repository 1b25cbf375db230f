"""SemEval-2020 Task 11 metrics as ``unspin eval techniques`` computes them."""

from __future__ import annotations

import pytest

from unspin.corpora.ptc import merge, si_scores, tc_scores


def test_overlapping_spans_are_merged_before_scoring() -> None:
    assert merge([(5, 9), (0, 3), (2, 4), (9, 12)]) == [(0, 4), (5, 12)]


def test_a_perfect_prediction_scores_one() -> None:
    assert si_scores([([(0, 10), (20, 30)], [(0, 10), (20, 30)])]) == (1.0, 1.0, 1.0)


def test_si_gives_partial_credit_per_character() -> None:
    # predicted [0, 10) covers half of gold [5, 15) and is half covered by it
    p, r, f = si_scores([([(0, 10)], [(5, 15)])])
    assert (p, r, f) == pytest.approx((0.5, 0.5, 0.5))


def test_si_precision_and_recall_count_spans_not_characters() -> None:
    # one short exact hit, one long miss: precision 1/2; gold fully covered: recall 1
    p, r, _ = si_scores([([(0, 4), (50, 90)], [(0, 4)])])
    assert (p, r) == pytest.approx((0.5, 1.0))


def test_si_pools_articles() -> None:
    p, r, _ = si_scores([([(0, 4)], [(0, 4)]), ([], [(0, 4)])])
    assert (p, r) == pytest.approx((1.0, 0.5))


def test_a_span_with_two_gold_techniques_needs_both_for_full_credit() -> None:
    micro, per = tc_scores([["Doubt", "Slogans"]], [["Doubt", "Repetition"]])
    assert micro == pytest.approx(0.5)
    assert per["Doubt"][:3] == (1.0, 1.0, 1.0)
    assert per["Repetition"][0] == 0.0
    assert per["Slogans"][1] == 0.0


def test_the_same_label_twice_counts_once_against_one_gold_label() -> None:
    micro, _ = tc_scores([["Doubt", "Slogans"]], [["Doubt", "Doubt"]])
    assert micro == pytest.approx(0.5)
