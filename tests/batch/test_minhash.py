"""The copy finders' shared parts: shingles, signatures and clusters."""

from __future__ import annotations

import pytest

from unspin.batch._minhash import Clusters, shingles, signature


def test_shingles_are_the_word_n_grams_or_the_whole_text_when_shorter() -> None:
    assert shingles(["the", "ferry", "is", "late"], 3) == {"the ferry is", "ferry is late"}
    assert shingles(["late"], 3) == {"late"}


def test_a_signature_is_the_same_in_every_run_and_estimates_jaccard() -> None:
    pytest.importorskip("datasketch", reason="datasketch (the batch extra) is not installed")
    a = {f"gram {i}" for i in range(100)}
    b = {f"gram {i}" for i in range(50, 150)}  # exact Jaccard 1/3
    same = signature(sorted(a, reverse=True), 128)
    assert signature(a, 128).digest().tolist() == same.digest().tolist()
    assert signature(a, 128).jaccard(signature(b, 128)) == pytest.approx(1 / 3, abs=0.12)


def test_clusters_join_pairs_transitively_in_order_of_first_appearance() -> None:
    clusters: Clusters[str] = Clusters()
    for item in "abcde":
        clusters.add(item)
    clusters.join("d", "b")
    clusters.join("e", "d")
    assert clusters.groups() == [["a"], ["b", "d", "e"], ["c"]]
    assert clusters.find("e") == clusters.find("b")
