"""Clean: promo, sign-up, share and credit lines go, each removal reported; the story stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin.article import Article, Source
from unspin.clean import classify_line, clean

STORY = """Town council approves new bridge over the Mill River

The town council voted 7-2 on Tuesday to build a footbridge over the Mill River, ending a debate that has run since the old crossing was washed away three winters ago.

"People have been walking two miles around to get to the station," said councillor Dana Whitfield, who proposed the plan. "That ends now."

Opponents said the cost, put at 1.4 million, would be better spent on road repairs. Residents who want to watch the debate again can find the recording on the council's website.

Readers who want to read more about the history of the old crossing will find it in the town library, the clerk said.

Construction is due to start in the spring and take about eight months."""


def _article(text: str) -> Article:
    return Article(id="t", raw_text=text, source=Source(kind="text"))


def _with_line(line: str, after: int = 2) -> str:
    """STORY with ``line`` inserted as its own paragraph after paragraph ``after``."""
    paras = STORY.split("\n\n")
    return "\n\n".join([*paras[:after], line, *paras[after:]])


def _restored(cleaned: Article) -> str:
    """The cleaned text with every removed segment put back where its ``at`` says it stood."""
    text = cleaned.text
    for r in sorted(cleaned.removed, key=lambda r: (r.at, r.start), reverse=True):
        inline = r.reason == "share_prompt"
        piece = r.text if inline else f"\n{r.text}\n"
        text = text[:r.at] + piece + text[r.at:]
    return text


def _words(text: str) -> list[str]:
    return text.split()


# --- the seed article ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed(seed_path: Path) -> Article:
    return clean(_article(seed_path.read_text(encoding="utf-8")))


def test_seed_loses_exactly_its_three_promo_segments(seed: Article) -> None:
    assert [r.reason for r in seed.removed] == ["promo", "promo", "video_title"]
    assert seed.removed[0].text.startswith("IN OTHER NEWS:")
    assert seed.removed[1].text.startswith("NOW WATCH:")
    # The trailing video title is the raw text's last line.
    assert seed.removed[2].text == seed.raw_text.rstrip().splitlines()[-1]


def test_seed_keeps_every_line_of_the_story(seed: Article) -> None:
    removed = {r.text for r in seed.removed}
    story = [ln for ln in seed.raw_text.splitlines() if ln.strip() and ln not in removed]
    kept = [ln for ln in seed.text.splitlines() if ln.strip()]
    assert kept == story


def test_seed_removed_offsets_index_the_raw_text(seed: Article) -> None:
    for r in seed.removed:
        assert seed.raw_text[r.start:r.end] == r.text


def test_seed_removals_stand_where_at_says(seed: Article) -> None:
    assert _words(_restored(seed)) == _words(seed.raw_text)
    assert all(0 <= r.at <= len(seed.text) for r in seed.removed)


def test_seed_in_other_news_stood_between_two_story_paragraphs(seed: Article) -> None:
    first = seed.removed[0]
    before, after = seed.text[:first.at], seed.text[first.at:]
    assert before.endswith("\n\n") and after.startswith("\u201cWe are not traitors")


# --- general cases on our own text -----------------------------------------------------------


def test_a_clean_article_loses_nothing() -> None:
    cleaned = clean(_article(STORY))
    assert cleaned.removed == ()
    assert cleaned.text == STORY


@pytest.mark.parametrize("line,reason", [
    ("Share  Tweet  Email  Facebook", "share_bar"),
    ("Share on Facebook | Share on Twitter | Copy link", "share_bar"),
    ("Like this story? Share it with a friend!", "share_bar"),
    ("Photo: Jo Brand / The Valley Times", "credit"),
    ("(AP Photo/Sam Lee)", "credit"),
    ("A crowd gathers at the riverbank. / Getty Images", "credit"),
    ("Image credit: Town council", "credit"),
    ("Sign up for our morning newsletter and get the headlines in your inbox.", "signup"),
    ("Subscribe to the Valley Times for unlimited access.", "signup"),
    ("Click here to download the app", "signup"),
    ("Follow the Valley Times on Twitter and Facebook.", "signup"),
    ("Pat Moor covers local politics. Follow her on Twitter @patmoor.", "signup"),
    ("Want more? Sign up for the free weekly briefing.", "signup"),
    ("RELATED: Council delays vote on parking fees", "promo"),
    ("Related: Council delays vote on parking fees", "promo"),
    ("[Related: Council delays vote on parking fees]", "promo"),
    ("Read more: Why the old bridge fell", "promo"),
    ("READ MORE", "promo"),
    ("SEE MORE: Flood defences in pictures", "promo"),
    ("Also: the full list of council votes", "promo"),
    ("DON'T MISS", "promo"),
    ("You may also like...", "promo"),
    ("Most read in local news", "promo"),
])
def test_non_article_lines_are_removed_with_their_reason(line: str, reason: str) -> None:
    cleaned = clean(_article(_with_line(line)))
    assert [(r.text, r.reason) for r in cleaned.removed] == [(line, reason)]
    assert cleaned.text == STORY


@pytest.mark.parametrize("line", [
    "Residents who want to watch the debate again can find the recording online.",
    "Readers who want to read more about the crossing will find it in the library.",
    "She said she would sign up for the volunteer rota as soon as it opened.",
    "The council will share the plans with residents and follow up on every objection.",
    '"Watch this space," the mayor told reporters after the vote.',
    "Related costs, such as lighting, are not included in the estimate.",
    "More than 300 people signed the petition.",
    "Photographs of the old crossing hang in the town hall.",
])
def test_prose_that_merely_mentions_promo_words_stays(line: str) -> None:
    assert classify_line(line) is None
    text = _with_line(line)
    assert clean(_article(text)).removed == ()


@pytest.mark.parametrize("headline", [
    "READ MORE: the town that built its own bridge",
    "Sign up for the bridge: residents queue to volunteer",
    "Photo: the day the river rose",
])
def test_the_headline_is_never_removed(headline: str) -> None:
    text = headline + "\n\n" + STORY.split("\n\n", 1)[1]
    cleaned = clean(_article(text))
    assert cleaned.text.startswith(headline)
    assert cleaned.removed == ()


def test_the_title_of_a_video_after_a_watch_promo_goes() -> None:
    text = _with_line("WATCH: The river in flood\n\nDrone footage of the Mill River in flood", after=3)
    cleaned = clean(_article(text))
    assert [r.reason for r in cleaned.removed] == ["promo", "video_title"]
    assert cleaned.text == STORY


def test_the_links_under_a_bare_label_go() -> None:
    links = "YOU MAY ALSO LIKE\nFerry service to resume in June\nNew car park opens at the station"
    cleaned = clean(_article(_with_line(links)))
    assert [r.reason for r in cleaned.removed] == ["promo", "link", "link"]
    assert cleaned.text == STORY


def test_a_single_subheading_after_a_bare_label_stays() -> None:
    # The widget's links are gone already; the next short line is the story's own subheading.
    text = _with_line("Most read in local news\n\nWhat happens next")
    cleaned = clean(_article(text))
    assert [r.text for r in cleaned.removed] == ["Most read in local news"]
    assert "What happens next" in cleaned.text


def test_links_marked_by_a_trailing_tag_go() -> None:
    line = "Ferry service to resume in June [VIDEO]"
    cleaned = clean(_article(_with_line(line)))
    assert [(r.text, r.reason) for r in cleaned.removed] == [(line, "link")]


def test_a_tagged_sentence_that_ends_like_prose_stays() -> None:
    line = "One survey puts support for the bridge at 64 percent. [TVS]"
    assert clean(_article(_with_line(line))).removed == ()


def test_a_trailing_click_to_tweet_prompt_goes_and_its_sentence_stays() -> None:
    quote = "A bridge is a promise that both banks will still be there tomorrow."
    cleaned = clean(_article(_with_line(quote + "Click To Tweet")))
    assert [(r.text, r.reason) for r in cleaned.removed] == [("Click To Tweet", "share_prompt")]
    assert quote + "\n\n" in cleaned.text
    r = cleaned.removed[0]
    assert cleaned.raw_text[r.start:r.end] == r.text
    assert cleaned.text[r.at - len(quote):r.at] == quote


def test_every_removal_of_a_messy_article_is_accounted_for() -> None:
    messy = "\n\n".join([
        STORY.split("\n\n")[0], "Share  Tweet  Email", *STORY.split("\n\n")[1:3],
        "RELATED: Council delays vote on parking fees", "(AP Photo/Sam Lee)",
        *STORY.split("\n\n")[3:], "Sign up for our morning newsletter.",
    ])
    cleaned = clean(_article(messy))
    assert cleaned.text == STORY
    assert [r.reason for r in cleaned.removed] == ["share_bar", "promo", "credit", "signup"]
    for r in cleaned.removed:
        assert messy[r.start:r.end] == r.text
    assert _words(_restored(cleaned)) == _words(messy)
