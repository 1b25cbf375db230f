"""Near-duplicate articles: MinHash/LSH copies, their original, and what is left out
(the invented texts are the ``stories`` fixture of ``tests/conftest.py``)."""

from __future__ import annotations

from typing import Any

from unspin.batch.duplicates import MIN_WORDS, find_duplicates


def test_a_reprint_is_a_copy_of_the_earlier_story(stories: Any) -> None:
    (dup,) = find_duplicates([("late", stories.reprint, "2024-03-02"),
                              ("early", stories.story, "2024-03-01"),
                              ("other", stories.other, "2024-03-01")])
    assert (dup.article_id, dup.duplicate_of) == ("late", "early")
    assert 0.5 <= dup.similarity < 1.0


def test_every_member_of_a_cluster_points_at_its_one_original(stories: Any) -> None:
    dups = find_duplicates([("c", stories.story, None), ("b", stories.reprint, "2024-03-05"),
                            ("a", stories.story + " Updated.", "2024-03-04")])
    assert [(d.article_id, d.duplicate_of) for d in dups] == [("b", "a"), ("c", "a")]


def test_unrelated_stories_are_not_copies(stories: Any) -> None:
    assert find_duplicates([("s", stories.story, None), ("o", stories.other, None)]) == []


def test_short_texts_are_left_out(stories: Any) -> None:
    short = " ".join(stories.story.split()[: MIN_WORDS - 1])
    assert find_duplicates([("x", short, None), ("y", short, None)]) == []


def test_the_same_input_gives_the_same_pairs(stories: Any) -> None:
    records = [("a", stories.story, None), ("b", stories.reprint, None), ("o", stories.other, None)]
    assert find_duplicates(records) == find_duplicates(list(reversed(records)))
