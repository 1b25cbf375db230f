"""Language check: English passes; other languages and scripts are recognised offline."""

from __future__ import annotations

import pytest

from unspin.lang import detect_language

SAMPLES = {
    "en": "The committee said on Friday that it would review the budget before the end of the "
          "year, and that the minister had been asked to explain the delays to the public.",
    "de": "Der Ausschuss teilte am Freitag mit, dass er den Haushalt noch vor Ende des Jahres "
          "prüfen werde und dass der Minister die Verzögerungen erklären solle.",
    "fr": "Le comité a déclaré vendredi qu'il examinerait le budget avant la fin de l'année et que "
          "le ministre devait expliquer les retards au public.",
    "es": "El comité dijo el viernes que revisaría el presupuesto antes de fin de año y que el "
          "ministro debía explicar los retrasos al público.",
    "ru": "Комитет заявил в пятницу, что рассмотрит бюджет до конца года, а министра попросили "
          "объяснить задержки.",
    "zh": "委员会周五表示，将在年底前审查预算，并要求部长向公众解释延误的原因。",
}


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_each_sample_is_recognised(code: str) -> None:
    assert detect_language(SAMPLES[code]).code == code


def test_only_english_is_english() -> None:
    assert detect_language(SAMPLES["en"]).is_english
    assert not any(detect_language(SAMPLES[c]).is_english for c in SAMPLES if c != "en")


def test_a_short_latin_headline_is_taken_as_english() -> None:
    assert detect_language("Minister resigns").is_english


def test_text_without_letters_is_undetermined() -> None:
    assert detect_language("12 34 56 — 78").code == "und"
