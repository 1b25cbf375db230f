"""Near-duplicate articles: MinHash/LSH copies, their original, and what is left out."""

from __future__ import annotations

from unspin.batch.duplicates import MIN_WORDS, find_duplicates

#: An invented wire story (80 words) and a lightly edited reprint of it.
STORY = ("The harbour board voted on Tuesday to close the old ferry pier for repairs after "
         "inspectors found cracks in three of its concrete pillars, a spokeswoman for the board "
         "said. Ferries will dock at the cargo quay until the work is finished, which engineers "
         "expect to take about eight months. Local traders said the closure would cost them "
         "customers during the summer season, and asked the board to open a temporary walkway "
         "from the quay to the market square before the first cruise ships arrive in May.")
REPRINT = ("HARBOURTOWN (Wire) - " + STORY.replace("on Tuesday", "on Tuesday evening")
           + " Reporting by A. Writer.")
OTHER = ("A new library opened in the north of the city on Saturday with a reading garden, a "
         "workshop for repairing bicycles and a room where children can record their own radio "
         "shows. The architects used timber from a forest that burned two summers ago, and the "
         "council said the building uses half the energy of the old branch it replaces. More "
         "than two thousand people visited on the first day, many of them waiting in the rain "
         "for the doors to open at nine in the morning.")


def test_a_reprint_is_a_copy_of_the_earlier_story() -> None:
    (dup,) = find_duplicates([("late", REPRINT, "2024-03-02"), ("early", STORY, "2024-03-01"),
                              ("other", OTHER, "2024-03-01")])
    assert (dup.article_id, dup.duplicate_of) == ("late", "early")
    assert 0.5 <= dup.similarity < 1.0


def test_every_member_of_a_cluster_points_at_its_one_original() -> None:
    dups = find_duplicates([("c", STORY, None), ("b", REPRINT, "2024-03-05"),
                            ("a", STORY + " Updated.", "2024-03-04")])
    assert [(d.article_id, d.duplicate_of) for d in dups] == [("b", "a"), ("c", "a")]


def test_unrelated_stories_are_not_copies() -> None:
    assert find_duplicates([("s", STORY, None), ("o", OTHER, None)]) == []


def test_short_texts_are_left_out() -> None:
    short = " ".join(STORY.split()[: MIN_WORDS - 1])
    assert find_duplicates([("x", short, None), ("y", short, None)]) == []


def test_the_same_input_gives_the_same_pairs() -> None:
    records = [("a", STORY, None), ("b", REPRINT, None), ("o", OTHER, None)]
    assert find_duplicates(records) == find_duplicates(list(reversed(records)))
