"""The extraction metric: word 4-gram shingles, per-page normalised counts, averaged per page."""

from __future__ import annotations

import pytest

from unspin.eval.extraction import (
    Counts,
    is_promo_line,
    match,
    promo_lines,
    score,
    shingles,
    tokens,
)


def test_tokens_are_runs_of_word_characters_with_case_kept() -> None:
    assert tokens("Don't stop—the Café's 2nd run!") == ["Don", "t", "stop", "the", "Café", "s", "2nd", "run"]


def test_shingles_are_counted_with_multiplicity() -> None:
    assert shingles("a b c d a b c d") == {
        ("a", "b", "c", "d"): 2, ("b", "c", "d", "a"): 1, ("c", "d", "a", "b"): 1,
        ("d", "a", "b", "c"): 1,
    }


def test_a_text_shorter_than_four_tokens_is_one_short_shingle() -> None:
    assert shingles("one two") == {("one", "two"): 1}
    assert shingles("") == {}


def test_a_perfect_output_scores_one() -> None:
    counts = match("the cat sat on the mat", "the cat sat on the mat")
    assert counts == Counts(1.0, 0.0, 0.0)
    assert (counts.precision, counts.recall) == (1.0, 1.0)


def test_extra_and_missing_shingles_are_false_positives_and_negatives() -> None:
    # truth: abcd bcde cdef; output: abcd bcde cdex dexy -> TP 2, FP 2, FN 1, sum 5.
    counts = match("a b c d e f", "a b c d e x y")
    assert (counts.tp, counts.fp, counts.fn) == pytest.approx((2 / 5, 2 / 5, 1 / 5))
    assert counts.precision == pytest.approx(2 / 4)
    assert counts.recall == pytest.approx(2 / 3)


def test_pages_weigh_the_same_whatever_their_length() -> None:
    short_perfect = match("a b c d", "a b c d")
    long_half = match(" ".join(f"w{i}" for i in range(103)), " ".join(f"w{i}" for i in range(53)))
    result = score([short_perfect, long_half])
    assert result.precision == pytest.approx(1.0)
    assert result.recall == pytest.approx((1.0 + 50 / 100) / 2)
    assert result.f1 == pytest.approx(2 * 1.0 * 0.75 / 1.75)


def test_an_empty_output_counts_for_recall_only() -> None:
    empty = match("a b c d e", "")
    assert score([empty, match("a b c d", "a b c d")]).precision == pytest.approx(1.0)
    assert score([empty]).recall == 0.0


@pytest.mark.parametrize("line,flagged", [
    ("Read more: Why the old bridge fell", True),
    ("[Related: Council delays vote]", True),
    ("DON'T MISS", True),
    ("You may also like...", True),
    ("Sign up for our free daily newsletter.", True),
    ("Great news. Subscribe to our channel for more!", True),
    ("Follow us on Twitter @valleytimes", True),
    ("A quotable line.Click To Tweet", True),
    ("Share  Tweet  Email", True),
    ("Residents can watch the debate again online and read more in the library.", False),
    ("The council will share the plans with residents.", False),
])
def test_the_promo_detector_flags_calls_and_cross_links_not_prose(line: str, flagged: bool) -> None:
    assert is_promo_line(line) is flagged


def test_a_promo_line_that_the_truth_contains_is_not_a_leftover() -> None:
    truth = "The story. Sign up for the volunteer rota here. The end."
    output = "The story.\nSign up for the volunteer rota here.\nSign up for our newsletter."
    assert promo_lines(output, truth) == ["Sign up for our newsletter."]
