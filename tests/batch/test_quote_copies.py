"""Repeated quotes: the same direct quote in two articles or more, found and marked when
altered (texts are our own)."""

from __future__ import annotations

from unspin.batch.quote_copies import MIN_WORDS, QuoteText, find_quote_copies, normalise

PLEDGE = "\u201cWe will rebuild every bridge in this county before the winter comes,\u201d"


def test_quoted_words_are_compared_without_case_punctuation_or_quotation_marks() -> None:
    assert normalise(PLEDGE) == normalise('"we will rebuild every bridge in this county '
                                          'before the winter comes"')


def test_a_quote_in_two_articles_is_one_cluster_and_its_first_appearance_is_marked() -> None:
    copies = find_quote_copies([
        QuoteText("b", "q1", '"We will rebuild every bridge in this county before the winter '
                  'comes."', "courier", "2024-03-02"),
        QuoteText("a", "q3", PLEDGE, "herald", "2024-03-01"),
        QuoteText("c", "q1", '"The budget for the new ferry terminal is already spent," she '
                  "said.", "herald", "2024-03-01")])
    assert [(c.cluster, c.article_id, c.quote_id, c.outlet, c.first, c.altered, c.similarity)
            for c in copies] == [(1, "a", "q3", "herald", True, False, 1.0),
                                 (1, "b", "q1", "courier", False, False, 1.0)]


def test_a_changed_or_trimmed_copy_is_altered() -> None:
    copies = find_quote_copies([
        QuoteText("a", "q1", PLEDGE, published="2024-03-01"),
        QuoteText("b", "q1", '"We will rebuild every bridge in the county before the winter '
                  'comes,"', published="2024-03-02"),
        QuoteText("c", "q1", '"rebuild every bridge in this county"', published="2024-03-03")])
    assert [(c.article_id, c.altered) for c in copies] == [("a", False), ("b", True),
                                                          ("c", True)]
    assert all(0 < c.similarity < 1 for c in copies[1:])


def test_a_quote_repeated_only_inside_one_article_or_too_short_is_not_a_copy() -> None:
    short = '"We will win."'
    assert len(normalise(short)) < MIN_WORDS
    assert find_quote_copies([QuoteText("a", "q1", PLEDGE), QuoteText("a", "q7", PLEDGE),
                              QuoteText("b", "q1", short), QuoteText("c", "q2", short)]) == []


def test_different_quotes_sharing_a_few_words_are_not_one() -> None:
    assert find_quote_copies([
        QuoteText("a", "q1", PLEDGE),
        QuoteText("b", "q1", '"We will never rebuild a bridge that the river can take again '
                  'next spring,"')]) == []


def test_two_quotes_that_only_open_alike_are_two_quotes() -> None:
    assert find_quote_copies([
        QuoteText("a", "q1", '"It\u2019s going to be built now,"'),
        QuoteText("b", "q1", '"It\u2019s going to be challenging here,"')]) == []
    assert find_quote_copies([QuoteText("a", "q1", '"I\u2019m a big fan of Elizabeth Warren,"'),
                              QuoteText("b", "q1", '"I\u2019m a big fan of Paul,"')]) == []
