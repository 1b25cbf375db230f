"""The actors stage: names, titles, nominals and pronouns merged into actors (our own texts)."""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language

from unspin.pipeline.actors import ActorFinder, find_actors
from unspin.report import Actor


def _mentions(text: str, actor: Actor) -> list[str]:
    return [text[m.start : m.end] for m in actor.mentions]


def _actor(actors: list[Actor], name: str) -> Actor:
    return next(a for a in actors if a.name == name)


def test_a_surname_joins_the_full_name(nlp: Language) -> None:
    text = "Maria Lopez opened the bridge. Later Lopez left."
    actors = find_actors(nlp(text))
    assert _mentions(text, _actor(actors, "Maria Lopez")) == ["Maria Lopez", "Lopez"]


def test_a_pronoun_joins_the_person_before_it(nlp: Language) -> None:
    text = "Tom Baker opened the bridge. He cut the ribbon himself."
    actors = find_actors(nlp(text))
    assert "He" in _mentions(text, _actor(actors, "Tom Baker"))


def test_a_title_before_the_name_is_the_description(nlp: Language) -> None:
    actors = find_actors(nlp("Finance Minister Tom Baker opened the bridge."))
    assert _actor(actors, "Tom Baker").description == "Finance Minister"


def test_a_nominal_with_the_same_role_joins_the_person(nlp: Language) -> None:
    text = "Valdorian President Anna Weber opened the bridge. The Valdorian president cut the ribbon."
    actors = find_actors(nlp(text))
    assert "The Valdorian president" in _mentions(text, _actor(actors, "Anna Weber"))


def test_a_news_organisation_is_an_outlet(nlp: Language) -> None:
    for text in ("Reuters reported that the bridge opened.", "The bridge opened, The Valley Herald reports."):
        actors = find_actors(nlp(text))
        assert [a.type for a in actors if a.type == "outlet"] == ["outlet"], text


def test_actor_ids_are_unique_and_mentions_in_text_order(nlp: Language) -> None:
    text = "Tom Baker met Maria Lopez. She thanked Baker. He smiled."
    actors = find_actors(nlp(text))
    assert len({a.id for a in actors}) == len(actors)
    for a in actors:
        assert [m.start for m in a.mentions] == sorted(m.start for m in a.mentions)


def test_the_component_sets_the_layer(nlp: Language) -> None:
    doc = nlp("Tom Baker opened the bridge.")
    ActorFinder(nlp, "unspin_actors")(doc)
    assert [a.name for a in doc._.actors] == ["Tom Baker"]


def test_the_seed_merges_lukashenkos_names_titles_and_pronouns(nlp: Language, seed_path: Path) -> None:
    text = seed_path.read_text(encoding="utf-8")
    actors = find_actors(nlp(text))
    luka = _actor(actors, "Alexander Lukashenko")
    mentions = _mentions(text, luka)
    assert {"Alexander Lukashenko", "Lukashenko", "He", "he"} <= set(mentions)
    assert luka.description == "Belarusian President"
    guterres = _actor(actors, "António Guterres")
    assert guterres.description == "UN Secretary General"
    assert "the Secretary General" in _mentions(text, guterres)


def test_an_honorific_or_a_gendered_title_gives_a_persons_gender(nlp: Language) -> None:
    text = ("Mrs. Ana Ruiz opened the bridge. Congressman Tom Baker cut the ribbon. "
            "Pat Lee watched.")
    actors = find_actors(nlp(text))
    assert (_actor(actors, "Ana Ruiz").gender, _actor(actors, "Ana Ruiz").gender_evidence) == (
        "female", 1)
    assert _actor(actors, "Tom Baker").gender == "male"
    assert _actor(actors, "Pat Lee").gender == "unknown"  # a first name is no evidence


def test_pronouns_give_a_gender_when_two_agree_and_none_disagrees(nlp: Language) -> None:
    text = ("Pat Lee opened the bridge. She cut the ribbon herself. "
            "Sam Ortiz spoke next. He was brief.")
    actors = find_actors(nlp(text))
    assert _actor(actors, "Pat Lee").gender == "female"
    assert _actor(actors, "Sam Ortiz").gender == "unknown"  # one pronoun is too little


def test_words_that_conflict_leave_the_gender_unknown(nlp: Language) -> None:
    text = "Congresswoman Robin Hale opened the bridge. Mr. Hale cut the ribbon."
    assert _actor(find_actors(nlp(text)), "Robin Hale").gender == "unknown"


def test_a_pronoun_skips_the_person_whose_words_say_the_other_gender(nlp: Language) -> None:
    text = "Mrs. Ana Ruiz met Tom Baker on Monday. Mr. Baker left early. She stayed."
    actors = find_actors(nlp(text))
    assert "She" in _mentions(text, _actor(actors, "Ana Ruiz"))
    assert "She" not in _mentions(text, _actor(actors, "Tom Baker"))


def test_places_and_organisations_have_no_gender(nlp: Language) -> None:
    actors = find_actors(nlp("Mr. Tom Baker said the United Nations would help Ohio."))
    assert {a.gender for a in actors if a.type != "person"} == {"unknown"}
