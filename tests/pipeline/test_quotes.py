"""The quotes stage: who said what, to whom and through whom (every text here is our own)."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from unspin.pipeline._attribution.marks import find_quoted
from unspin.pipeline.actors import find_actors
from unspin.pipeline.quotes import QuoteAttributor, find_quotes
from unspin.report import Actor, Quote


def _run(nlp: Language, text: str) -> tuple[Doc, list[Actor], list[Quote]]:
    doc = nlp(text)
    actors = find_actors(doc)
    quotes, _ = find_quotes(doc, actors)
    return doc, actors, quotes


def _speaker(actors: list[Actor], quote: Quote) -> str | None:
    names = {a.id: a.name for a in actors}
    return names.get(quote.speaker) if quote.speaker else None


def _text(doc: Doc, quote: Quote) -> str:
    return doc.text[quote.content.start : quote.content.end]


@pytest.mark.parametrize("text", ["Belarus' dictator met the press.", "They played rock 'n' roll all night.", "The Jones' house and the girls' team won."])
def test_an_apostrophe_is_not_a_quotation_mark(text: str) -> None:
    spans, notes = find_quoted(text)
    assert spans == []
    assert notes == []


def test_a_quote_that_reopens_in_the_next_paragraph_is_one_attribution(nlp: Language) -> None:
    text = '"The first part runs on here.\n\n"And it ends in this paragraph," Hill added.'
    _doc, actors, quotes = _run(nlp, text)
    assert [q.kind for q in quotes] == ["direct", "direct"]
    assert {_speaker(actors, q) for q in quotes} == {"Hill"}
    assert quotes[0].cue == quotes[1].cue


def test_the_speaker_of_a_quote_can_be_in_the_neighbouring_sentence(nlp: Language) -> None:
    text = 'Nora Quill stood up at the meeting. "The bridge will be rebuilt by spring," she said.'
    _, actors, quotes = _run(nlp, text)
    assert len(quotes) == 1
    assert _speaker(actors, quotes[0]) == "Nora Quill"


def test_a_quote_without_a_cue_continues_the_speaker_before_it(nlp: Language) -> None:
    text = '"We will win the vote," Tom Baker said. "Nobody can stop us now."'
    doc, actors, quotes = _run(nlp, text)
    assert [_text(doc, q) for q in quotes] == ['"We will win the vote,"', '"Nobody can stop us now."']
    assert all(_speaker(actors, q) == "Tom Baker" for q in quotes)


def test_an_appositive_describes_the_speaker_and_stays_in_the_source(nlp: Language) -> None:
    doc, actors, quotes = _run(nlp, "Hugh Hill, a doctor, said the ward was full.")
    (quote,) = quotes
    assert _speaker(actors, quote) == "Hugh Hill"
    assert quote.source is not None
    assert doc.text[quote.source.start : quote.source.end].startswith("Hugh Hill, a doctor")
    assert _text(doc, quote) == "the ward was full"
    assert actors[0].description == "doctor"


def test_according_to_names_the_source(nlp: Language) -> None:
    doc, actors, quotes = _run(nlp, "According to Maria Lopez, the budget is exhausted.")
    (quote,) = quotes
    assert quote.kind == "indirect"
    assert quote.cue is not None and doc.text[quote.cue.start : quote.cue.end] == "According to"
    assert _speaker(actors, quote) == "Maria Lopez"
    assert _text(doc, quote) == "the budget is exhausted"


@pytest.mark.parametrize("verb", ["sighed", "grumbled"])
def test_unusual_cue_verbs_introduce_a_quote(nlp: Language, verb: str) -> None:
    doc, actors, quotes = _run(nlp, f'"There are no beds left," Hugh Hill {verb}.')
    (quote,) = quotes
    assert quote.kind == "direct"
    assert quote.cue is not None and doc.text[quote.cue.start : quote.cue.end] == verb
    assert _speaker(actors, quote) == "Hugh Hill"


@pytest.mark.parametrize(
    "text", ["Experience shows that such storms pass quickly.", "History shows that walls fall."]
)
def test_a_verb_that_is_not_speech_is_not_an_attribution(nlp: Language, text: str) -> None:
    _, _, quotes = _run(nlp, text)
    assert quotes == []


def test_several_speakers_in_one_passage_keep_their_own_quotes(nlp: Language) -> None:
    text = (
        'Maria Lopez told reporters that the plan would fail. Tom Baker disagreed. '
        '"It will work," Baker said.'
    )
    doc, actors, quotes = _run(nlp, text)
    by_content = {_text(doc, q): _speaker(actors, q) for q in quotes}
    assert by_content["that the plan would fail"] == "Maria Lopez"
    assert by_content['"It will work,"'] == "Tom Baker"


def test_a_quoted_fragment_inside_the_reporters_sentence_is_mixed(nlp: Language) -> None:
    doc, actors, quotes = _run(nlp, 'Tom Baker called for a "fresh start" in the valley.')
    mixed = [q for q in quotes if q.kind == "mixed"]
    assert [_text(doc, q) for q in mixed] == ['"fresh start"']
    assert _speaker(actors, mixed[0]) == "Tom Baker"


def test_the_person_told_is_the_addressee(nlp: Language) -> None:
    _, actors, quotes = _run(nlp, "Maria Lopez told Tom Baker that the bridge was unsafe.")
    (quote,) = quotes
    assert _speaker(actors, quote) == "Maria Lopez"
    assert quote.addressee is not None
    assert {a.id: a.name for a in actors}[quote.addressee] == "Tom Baker"


def test_the_channel_comes_from_in_a_statement(nlp: Language) -> None:
    _, _, quotes = _run(nlp, "In a statement, Maria Lopez said the bridge was unsafe.")
    assert quotes[0].channel == "statement"


def test_a_reporting_outlet_goes_to_via_not_to_the_speaker(nlp: Language) -> None:
    text = "Maria Lopez argued that the bridge was unsafe, The Valley Herald reports."
    _, actors, quotes = _run(nlp, text)
    names = {a.id: a.name for a in actors}
    assert [names[q.speaker] for q in quotes if q.speaker] == ["Maria Lopez"]
    assert [names[v] for v in quotes[0].via] == ["The Valley Herald"]


@pytest.mark.parametrize(
    "text",
    ['He said "this never closes.', 'A stray ” mark and "another', '""""', '“Open “twice” here.'],
)
def test_unbalanced_quotation_marks_warn_and_never_crash(nlp: Language, text: str) -> None:
    doc = nlp(text)
    doc._.unspin_warnings = None
    QuoteAttributor(nlp, "unspin_quotes")(doc)
    assert isinstance(doc._.quotes, list)
    assert doc._.unspin_warnings and all(w.code == "W301" for w in doc._.unspin_warnings)


@pytest.fixture(scope="module")
def result(nlp: Language, seed_path: Path) -> tuple[Doc, list[Actor], list[Quote]]:
    """The project's seed article (read from ../shared, never copied), analysed once."""
    return _run(nlp, seed_path.read_text(encoding="utf-8"))


class TestSeedArticle:
    """The project's seed article."""

    @staticmethod
    def _id(actors: list[Actor], surname: str) -> str:
        return next(a.id for a in actors if a.name.endswith(surname))

    def test_every_quoted_passage_is_lukashenkos(self, result: tuple[Doc, list[Actor], list[Quote]]) -> None:
        doc, actors, quotes = result
        curly = [q for q in quotes if doc.text[q.content.start] == "“"]
        assert len(curly) >= 10
        assert {q.speaker for q in curly} == {self._id(actors, "Lukashenko")}

    def test_the_quote_introduced_by_he_said_is_lukashenkos(self, result: tuple[Doc, list[Actor], list[Quote]]) -> None:
        doc, actors, quotes = result
        he_said = [q for q in quotes if q.source is not None and doc.text[q.source.start : q.source.end] == "he"]
        assert he_said and {q.speaker for q in he_said} == {self._id(actors, "Lukashenko")}

    def test_the_daily_beast_is_a_channel_of_report_not_a_speaker(self, result: tuple[Doc, list[Actor], list[Quote]]) -> None:
        _, actors, quotes = result
        beast = next(a for a in actors if "Daily Beast" in a.name)
        assert beast.type == "outlet"
        assert all(q.speaker != beast.id for q in quotes)
        assert all(beast.id in q.via for q in quotes if q.speaker == self._id(actors, "Lukashenko"))

    def test_guterres_is_the_addressee_of_the_letter(self, result: tuple[Doc, list[Actor], list[Quote]]) -> None:
        _, actors, quotes = result
        letter = [q for q in quotes if q.channel == "letter"]
        assert letter and all(q.addressee == self._id(actors, "Guterres") for q in letter)

    @pytest.mark.parametrize("phrase", ["new world order", "security guarantees"])
    def test_scare_quoted_phrases_are_mixed_quotes(self, result: tuple[Doc, list[Actor], list[Quote]], phrase: str) -> None:
        doc, actors, quotes = result
        (quote,) = [q for q in quotes if phrase in doc.text[q.content.start : q.content.end] and q.kind == "mixed"]
        assert quote.speaker == self._id(actors, "Lukashenko")


def test_a_speaker_named_after_the_cue_is_the_source(nlp: Language) -> None:
    doc, actors, quotes = _run(nlp, '"The ward is full," said Hugh Hill.')
    (quote,) = quotes
    assert quote.source is not None and doc.text[quote.source.start : quote.source.end] == "Hugh Hill"
    assert _speaker(actors, quote) == "Hugh Hill"


def test_a_participle_cue_shares_its_governors_speaker(nlp: Language) -> None:
    doc, actors, quotes = _run(nlp, "Tom Baker left the hall, adding that the vote was rigged.")
    (quote,) = quotes
    assert quote.cue is not None and doc.text[quote.cue.start : quote.cue.end] == "adding"
    assert _speaker(actors, quote) == "Tom Baker"
    assert _text(doc, quote) == "that the vote was rigged"


def test_a_verb_of_saying_with_an_object_is_an_indirect_attribution(nlp: Language) -> None:
    doc, actors, quotes = _run(nlp, 'Maria Lopez lamented the new tolls. "Nobody asked us," she said.')
    lament = next(q for q in quotes if q.cue is not None and doc.text[q.cue.start : q.cue.end] == "lamented")
    assert lament.kind == "indirect"
    assert _text(doc, lament) == "the new tolls"
    assert all(_speaker(actors, q) == "Maria Lopez" for q in quotes)


def test_a_nested_attribution_is_kept_within_the_outer_one_and_reaches_us_through_it(nlp: Language) -> None:
    text = "Ilse Brandt said that the engineers claimed the bridge was safe."
    _, actors, quotes = _run(nlp, text)
    names = {a.id: a.name for a in actors}
    by_cue = {text[q.cue.start:q.cue.end]: q for q in quotes if q.cue is not None}
    assert set(by_cue) >= {"said", "claimed"}
    assert by_cue["claimed"].within == by_cue["said"].id
    assert [names.get(v) for v in by_cue["claimed"].via] == ["Ilse Brandt"]


def test_according_to_a_nominal_outlet_puts_it_in_via(nlp: Language) -> None:
    text = ("Deputy Transport Minister Oleg Varga told reporters that the tolls had been "
            "\"a gift to smugglers\", according to the state news agency.")
    _, actors, quotes = _run(nlp, text)
    names = {a.id: a.name for a in actors}
    assert "Transport" not in names.values()
    told = [q for q in quotes if q.cue is not None and text[q.cue.start:q.cue.end] == "told"]
    assert told and names[told[0].speaker or ""] == "Oleg Varga"
    assert [names[v] for v in told[0].via] == ["state news agency"]
    mixed = [q for q in quotes if q.kind == "mixed"]
    assert mixed and mixed[0].speaker == told[0].speaker


def test_an_opening_outlet_covers_only_what_it_reported(nlp: Language) -> None:
    text = ("The Lakeside Herald reports that Governor Lena Roth said she would veto the budget.\n"
            "\"The numbers do not add up,\" Roth said.\n"
            "\"She is wrong,\" said Paul Dent, the treasurer, in an interview with us.")
    _, actors, quotes = _run(nlp, text)
    names = {a.id: a.name for a in actors}
    by_speaker = {names.get(q.speaker or ""): q for q in quotes if q.kind == "direct"}
    assert [names[v] for v in by_speaker["Lena Roth"].via] == ["The Lakeside Herald"]
    assert by_speaker["Paul Dent"].via == []


def test_an_unknown_method_is_a_config_error(nlp: Language) -> None:
    from unspin.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown quotes method"):
        find_quotes(nlp("She said so."), method="telepathy")


def test_a_trailing_signature_names_the_speaker_of_the_passage_above(nlp: Language) -> None:
    text = ("The county approved the road on Tuesday after a long debate.\n\n"
            "\"We will not back down on this. The road will be built.\"\n"
            "— Commissioner Maria Lopez\n\nResidents were divided.")
    _doc, actors, quotes = _run(nlp, text)
    (quote,) = [q for q in quotes if q.kind == "direct"]
    assert _speaker(actors, quote) == "Maria Lopez"
    assert quote.source is not None and text[quote.source.start:quote.source.end] == "Maria Lopez"


def test_a_lead_in_ending_in_a_colon_names_the_speaker_of_the_passage_below(
        nlp: Language) -> None:
    text = ("The county approved the budget on Tuesday after a long debate.\n\n"
            "And from Chairwoman Ruth Adler:\n\n"
            "\"The budget is balanced and the reserves are full.\"\n\nResidents were divided.")
    _doc, actors, quotes = _run(nlp, text)
    (quote,) = [q for q in quotes if q.kind == "direct"]
    assert _speaker(actors, quote) == "Ruth Adler"


def test_a_line_that_is_neither_signature_nor_lead_in_names_no_one(nlp: Language) -> None:
    text = ("Maria Lopez spoke at the meeting on Tuesday.\n\n"
            "\"We will not back down.\"\n\nResidents were divided.")
    _doc, _actors, quotes = _run(nlp, text)
    (quote,) = [q for q in quotes if q.kind == "direct"]
    assert quote.speaker is None
