"""One speaker across the corpus: name cleaning, the automatic merge, and the alias file."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin.batch.speakers import (
    Alias,
    Mention,
    canonical_speakers,
    clean_name,
    decide_gender,
    name_key,
    read_aliases,
    usable_name,
)
from unspin.errors import InputError


def _merge(names: list[tuple[str, str, str]] | list[Mention],
           aliases: list[Alias] | None = None, evidence: list[Mention] | None = None
           ) -> dict[str, str]:
    """Each name's canonical speaker (names that map to several across articles fail)."""
    out: dict[str, str] = {}
    for (name, _, _), sp in canonical_speakers(names, aliases or [],
                                               evidence=evidence or []).items():
        assert out.setdefault(name, sp.name) == sp.name, name
    return out


#: Donald Trump is quoted in four articles under four forms, Ivanka Trump in one.
TRUMPS = [("Donald Trump", "person", "a1"), ("Donald J. Trump", "person", "a2"),
          ("Mr. Trump", "person", "a3"), ("President Trump", "person", "a4"),
          ("Trump", "person", "a5"), ("Donald Trump", "person", "a6"),
          ("Ivanka Trump", "person", "a7")]


@pytest.mark.parametrize(("name", "cleaned"), [
    ("President Donald J. Trump", "Donald Trump"),
    ("Mr. Trump", "Trump"),
    ("Sen. Bernie Sanders", "Bernie Sanders"),
    ("George H. W. Bush", "George Bush"),
    ("George H.W. Bush", "George Bush"),
    ("Brent Bozell III", "Brent Bozell"),
    ("Donald Trump Jr.", "Donald Trump Jr."),
    ("former Secretary of State", "of State"),
])
def test_a_person_loses_titles_middle_initials_and_suffixes_but_not_jr(name: str,
                                                                       cleaned: str) -> None:
    assert clean_name(name) == cleaned


def test_an_organisation_loses_only_a_leading_the() -> None:
    assert clean_name("the State Department", "organisation") == "State Department"
    assert name_key("The U.S. Senate", "organisation") == name_key("US Senate", "organisation")


def test_the_forms_of_one_name_are_one_speaker_and_a_relative_is_not() -> None:
    merged = _merge(TRUMPS)
    assert {merged[n] for n in ("Donald Trump", "Donald J. Trump", "Mr. Trump",
                                "President Trump", "Trump")} == {"Donald Trump"}
    assert merged["Ivanka Trump"] == "Ivanka Trump"


def test_a_surname_shared_by_bearers_of_similar_weight_stays_apart() -> None:
    merged = _merge([("Hillary Clinton", "person", "a1"), ("Bill Clinton", "person", "a2"),
                     ("Clinton", "person", "a3")])
    assert merged == {"Hillary Clinton": "Hillary Clinton", "Bill Clinton": "Bill Clinton",
                      "Clinton": "Clinton"}


def test_a_first_name_alone_goes_to_its_dominant_bearer_unless_it_is_a_surname() -> None:
    names = [("Hillary Clinton", "person", f"a{i}") for i in range(3)]
    names += [("Hillary Mann", "person", "b1"), ("Hillary", "person", "c1"),
              ("Bob Dole", "person", "d1"), ("Bob Casey", "person", "d2"), ("Bob", "person", "d3"),
              ("Clinton", "person", "e1"), ("Clinton Portis", "person", "e2")]
    merged = _merge(names)
    assert merged["Hillary"] == "Hillary Clinton"
    assert merged["Bob"] == "Bob"  # two Bobs of equal weight
    assert merged["Clinton"] == "Hillary Clinton"  # three articles against Portis's one


def test_a_single_word_is_a_surname_first_and_a_first_name_where_no_name_ends_in_it() -> None:
    names = [("Donald Trump", "person", f"a{i}") for i in range(4)]
    names += [("Donald", "person", "c1"), ("Trump Tower", "person", "t1"),
              ("Trump", "person", "t2")]
    names += [("John Kasich", "person", f"d{i}") for i in range(3)]
    names += [("John McCain", "person", f"e{i}") for i in range(3)]
    names += [("John", "person", "d4"), ("Lee", "person", "f1"), ("Lee Ann Stone", "person", "f2"),
              ("Lee Ann Stone", "person", "f3"), ("Lee Ann Stone", "person", "f4")]
    merged = _merge(names)
    assert merged["Donald"] == "Donald Trump"
    assert merged["Trump"] == "Donald Trump"  # "Trump Tower" is no bearer of the surname
    assert merged["John"] == "John"  # two first names of equal weight
    assert merged["Lee"] == "Lee Ann Stone"


def test_full_names_merge_on_first_and_last_word() -> None:
    merged = _merge([("Hillary Rodham Clinton", "person", "a1"),
                     ("Hillary Clinton", "person", "a2"), ("Hillary Clinton", "person", "a3")])
    assert set(merged.values()) == {"Hillary Clinton"}


def test_different_middle_initials_are_different_people() -> None:
    merged = _merge([("George W. Bush", "person", "a1"), ("George H.W. Bush", "person", "a2"),
                     ("George Bush", "person", "a3"), ("James B. Comey", "person", "a4"),
                     ("James Comey", "person", "a5"), ("James B. Comey Jr.", "person", "a6")])
    assert [merged[n] for n in ("George W. Bush", "George H.W. Bush", "George Bush")] == [
        "George W. Bush", "George H.W. Bush", "George Bush"]
    assert {merged["James B. Comey"], merged["James Comey"]} == {"James Comey"}
    assert merged["James B. Comey Jr."] == "James Comey Jr."  # a son is not his father


def test_a_word_before_a_known_full_name_is_dropped() -> None:
    merged = _merge([("Donald Trump", "person", "a1"), ("Billionaire Donald Trump", "person", "a2"),
                     ("Hillary Rodham Clinton", "person", "a3"),
                     ("Hillary Clinton", "person", "a4")])
    assert merged["Billionaire Donald Trump"] == "Donald Trump"
    assert merged["Hillary Rodham Clinton"] == "Hillary Clinton"  # "rodham clinton" unknown


def test_every_name_gets_a_speaker_even_when_its_parts_repeat() -> None:
    names = [("J. J. Price", "person", "a1"), ("J. Price", "person", "a2"),
             ("Price", "person", "a3")]
    assert set(canonical_speakers(names)) == set(names)


def test_a_surname_typed_an_organisation_is_the_person_the_crawl_names_far_more() -> None:
    names = [("Carly Fiorina", "person", f"a{i}") for i in range(3)]
    names += [("Fiorina", "organisation", "b1")]
    assert _merge(names)["Fiorina"] == "Carly Fiorina"


def test_organisations_merge_with_and_without_the_but_not_with_people() -> None:
    merged = _merge([("the State Department", "organisation", "a1"),
                     ("State Department", "organisation", "a2"),
                     ("Ford", "organisation", "a3"), ("Gerald Ford", "person", "a4")])
    assert merged["the State Department"] == merged["State Department"] == "State Department"
    assert merged["Ford"] == "Ford" and merged["Gerald Ford"] == "Gerald Ford"


def test_one_name_given_two_types_is_one_speaker_of_the_type_most_articles_give_it() -> None:
    result = canonical_speakers([("Mo Elleithee", "person", "a1"), ("Mo Elleithee", "person", "a2"),
                                 ("Mo Elleithee", "organisation", "a3")])
    assert {(sp.name, sp.type) for sp in result.values()} == {("Mo Elleithee", "person")}


def test_a_speaker_counts_the_articles_of_all_its_names() -> None:
    result = canonical_speakers(TRUMPS)
    donald = result[("Mr. Trump", "person", "a3")]
    assert donald.articles == {"a1", "a2", "a3", "a4", "a5", "a6"}
    assert donald.aliases == {"Donald Trump", "Donald J. Trump", "Mr. Trump", "President Trump",
                              "Trump"}


def test_the_alias_file_wins_over_the_automatic_merge() -> None:
    names = [("Hillary Clinton", "person", "a1"), ("Bill Clinton", "person", "a2"),
             ("Clinton", "person", "a3"), ("Mr. Clinton", "person", "a4"),
             ("Foggy Bottom", "organisation", "a5"), ("State Department", "organisation", "a6")]
    aliases = [Alias("Mr. Clinton", "Bill Clinton", "Q1124"),
               Alias("Foggy Bottom", "State Department")]
    result = canonical_speakers(names, aliases)
    merged = {n: sp.name for (n, _, _), sp in result.items()}
    # names are matched by key, titles dropped: "Clinton" is the alias "Mr. Clinton" too
    assert merged["Mr. Clinton"] == merged["Clinton"] == merged["Bill Clinton"] == "Bill Clinton"
    assert merged["Hillary Clinton"] == "Hillary Clinton"
    assert merged["Foggy Bottom"] == merged["State Department"] == "State Department"
    assert result[("Bill Clinton", "person", "a2")].wikidata_id == "Q1124"


def test_a_user_canonical_is_a_full_name_for_surnames_alone() -> None:
    merged = _merge([*TRUMPS, ("Donny", "person", "a8")], [Alias("Donny", "Donald Trump")])
    assert merged["Trump"] == merged["Donny"] == merged["Donald J. Trump"] == "Donald Trump"
    assert merged["Ivanka Trump"] == "Ivanka Trump"


def test_an_alias_file_is_read_with_or_without_header_and_wikidata(tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text("alias,canonical,wikidata_id\n# comment\n\nMr. Trump,Donald Trump,Q22686\n"
                    '"Clinton, Hillary",Hillary Clinton\n', encoding="utf-8")
    assert read_aliases(path) == [Alias("Mr. Trump", "Donald Trump", "Q22686"),
                                  Alias("Clinton, Hillary", "Hillary Clinton", None)]


@pytest.mark.parametrize(("text", "message"), [
    ("Trump\n", "line 1 .* 1 field"),
    ("Trump,Donald Trump,Q1,extra\n", "line 1 .* 4 field"),
    ("ok,Fine\n,Donald Trump\n", "line 2"),
    ("Trump,Donald Trump,22686\n", "not a Wikidata id"),
    ("--,Nobody\n", "no letters or digits"),
    ("Trump,Donald Trump\n\"Mr.\nTrump\",Donald Trump\nTrump,Ivanka Trump\n",
     "line 4 .* line 1 made it 'Donald Trump'"),
])
def test_a_malformed_alias_file_is_an_input_error_naming_the_line(
        tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        read_aliases(path)
    assert info.value.exit_code == 2


def test_a_missing_alias_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the alias file"):
        read_aliases(tmp_path / "nope.csv")


def test_an_alias_file_saved_with_a_byte_order_mark_reads_its_header(tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text("\ufeffalias,canonical,wikidata_id\nMr. Trump,Donald Trump,Q22686\n",
                    encoding="utf-8")
    assert read_aliases(path) == [Alias("Mr. Trump", "Donald Trump", "Q22686")]


def test_an_alias_applies_to_an_organisation_as_it_is_named() -> None:
    names = [("General Motors", "organisation", "a1"), ("GM", "organisation", "a2"),
             ("Democratic National Committee", "organisation", "a3"),
             ("Lou Motors", "person", "a4")]
    merged = _merge(names, [Alias("General Motors", "GM Corp"),
                            Alias("Democratic National Committee", "DNC")])
    assert merged["General Motors"] == "GM Corp"
    assert merged["Democratic National Committee"] == "DNC"
    assert merged["Lou Motors"] == "Lou Motors"



@pytest.mark.parametrize(("name", "usable"), [
    ("Donald Trump", "Donald Trump"),
    ("Los Hijos de Trump", "Los Hijos de Trump"),
    ("Douglas Holtz-Eakin", "Douglas Holtz-Eakin"),
    ("Tom Nides Thanked Clinton", "Tom Nides"),
    ("Trump told Business Insider", "Trump"),
    ("Trump Says He", "Trump"),
    ("CLEVELAND - Donald Trump", "Donald Trump"),
    ("Mo Elleithee (person)", "Mo Elleithee"),
    ("pro-Trump", None),
    ("Anti-Clinton", None),
    ("Trump Trump", None),
    ("Trump v. Trump", None),
    ("Endorsed Trump", None),
    ("Trump Supporter Screams 1", None),
    ("Clinton Plan", None),
    ("Weak - Rubio", None),
    ("realDonaldTrump Twitter", None),
    ("PAC", None),
    ("Vladimir V. Putin", "Vladimir V. Putin"),
    ("Said Comey", "Comey"),
    ("Trump’s Son", None),
    ("Obama Sees 'Personal Insult", "Obama"),
    ("McDonald", "McDonald"),
    ("2016", None),
])
def test_a_name_is_a_name_as_written_or_none(name: str, usable: str | None) -> None:
    assert usable_name(name) == usable


def test_a_mention_that_is_no_name_never_becomes_a_speaker() -> None:
    names = [*TRUMPS, ("pro-Trump", "person", "b1"), ("Trump Trump", "person", "b2"),
             ("Tom Nides Thanked Clinton", "person", "b3")]
    result = canonical_speakers(names)
    assert ("pro-Trump", "person", "b1") not in result
    assert ("Trump Trump", "person", "b2") not in result
    assert result[("Tom Nides Thanked Clinton", "person", "b3")].name == "Tom Nides"
    assert {sp.name for sp in result.values()} == {"Donald Trump", "Ivanka Trump", "Tom Nides"}


def test_two_surnames_of_the_crawl_joined_by_a_hyphen_are_no_name() -> None:
    names = [("Donald Trump", "person", "a1"), ("Hillary Clinton", "person", "a2"),
             ("Trump-Clinton", "person", "a3"), ("Douglas Holtz-Eakin", "person", "a4"),
             ("Holtz-Eakin", "person", "a5")]
    result = canonical_speakers(names)
    assert ("Trump-Clinton", "person", "a3") not in result
    assert result[("Holtz-Eakin", "person", "a5")].name == "Douglas Holtz-Eakin"


def test_a_first_name_one_letter_off_a_far_more_quoted_one_is_a_misspelling() -> None:
    names = [("Hillary Clinton", "person", f"a{i}") for i in range(3)]
    names += [("Hillary Rodham Clinton", "person", "a3"), ("Hilary Clinton", "person", "b1"),
              ("Jon Stewart", "person", "c1"), ("John Stewart", "person", "c2")]
    merged = _merge(names)
    assert merged["Hilary Clinton"] == "Hillary Clinton"
    assert merged["Jon Stewart"] != merged["John Stewart"]  # too short, and equally quoted


def test_a_surname_alone_is_weighed_by_the_articles_naming_each_bearer_quoted_or_not() -> None:
    # Donald is quoted in one article but named in six; Ivanka quoted in two
    quoted = [("Donald Trump", "person", "a1"), ("Ivanka Trump", "person", "b1"),
              ("Ivanka Trump", "person", "b2"), ("Trump", "person", "c1")]
    named = [Mention("Donald Trump", "person", f"a{i}") for i in range(1, 7)]
    named += [Mention("Ivanka Trump", "person", "b1"), Mention("Ivanka Trump", "person", "b2")]
    assert _merge(quoted)["Trump"] == "Trump"  # quotes alone: 1 against 2, no bearer dominates
    assert _merge(quoted, evidence=named)["Trump"] == "Donald Trump"


def test_a_surname_goes_to_the_bearer_its_title_or_gender_fits_in_each_article() -> None:
    named = [Mention("Hillary Clinton", "person", f"h{i}", "former Secretary of State",
                     "female") for i in range(4)]
    named += [Mention("Bill Clinton", "person", f"b{i}", "former President", "male")
              for i in range(4)]
    quoted = [Mention("Mrs. Clinton", "person", "x1", None, "female"),
              Mention("President Clinton", "person", "x2"),
              Mention("Clinton", "person", "x3", "the secretary"),
              Mention("Clinton", "person", "x4")]
    result = canonical_speakers(quoted, evidence=[*named, *quoted])
    assert [result[(m.name, m.type, m.article)].name for m in quoted] == [
        "Hillary Clinton", "Bill Clinton", "Hillary Clinton", "Clinton"]


def test_a_first_name_alone_needs_a_bearer_named_in_several_articles() -> None:
    names = [Mention("Joseph Crowley", "person", "a1"),
             Mention("Joseph", "person", "b1", "Amelize", "female")]
    assert _merge(names)["Joseph"] == "Joseph"


@pytest.mark.parametrize(("votes", "gender"), [
    ({"male": 10}, "male"), ({"female": 9, "male": 1}, "female"),
    ({"male": 8, "female": 2}, None), ({}, None),
])
def test_a_speakers_gender_is_what_nine_in_ten_of_its_articles_say(
        votes: dict[str, int], gender: str | None) -> None:
    from collections import Counter

    assert decide_gender(Counter(votes)) == gender


def test_a_bare_full_name_is_evidence_for_the_father_not_for_a_jr() -> None:
    quoted = [Mention("Trump", "person", "x1")]
    named = [Mention("Donald Trump", "person", f"a{i}") for i in range(6)]
    named += [Mention("Donald J. Trump", "person", "a9"), Mention("Donald Trump Jr.", "person", "b1"),
              Mention("Eric Trump", "person", "c1")]
    result = canonical_speakers(quoted, evidence=[*named, *quoted])
    assert result[("Trump", "person", "x1")].name == "Donald Trump"  # 7 articles against 2


def test_a_word_before_a_well_known_first_name_is_that_first_name_alone() -> None:
    names = [("Hillary Clinton", "person", f"a{i}") for i in range(4)]
    names += [("Crooked Hillary", "person", "b1"), ("Derek Jeter", "person", "c1"),
              ("Mary Jeter", "person", "c2")]
    merged = _merge(names)
    assert merged["Crooked Hillary"] == "Hillary Clinton"
    assert merged["Mary Jeter"] == "Mary Jeter"  # "Jeter" is a surname here
