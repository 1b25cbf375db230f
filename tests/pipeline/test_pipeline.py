"""Building the pipeline checks stage order when it is built, not in document 40,000."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from unspin.errors import ConfigError
from unspin.pipeline import check_order, register_extensions


@Language.factory("unspin_test_needs_quotes", requires=["doc._.quotes"], assigns=["doc._.roles"])
def _needs_quotes(nlp: Language, name: str) -> object:
    return lambda doc: doc


@Language.factory("unspin_test_gives_quotes", assigns=["doc._.quotes"])
def _gives_quotes(nlp: Language, name: str) -> object:
    return lambda doc: doc


def test_a_stage_whose_requirement_nobody_assigns_is_refused() -> None:
    register_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("unspin_test_needs_quotes")
    with pytest.raises(ConfigError, match=r"requires doc\._\.quotes"):
        check_order(nlp)


def test_the_same_stage_after_its_provider_is_accepted() -> None:
    register_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("unspin_test_gives_quotes")
    nlp.add_pipe("unspin_test_needs_quotes")
    check_order(nlp)


def test_every_layer_is_a_doc_extension() -> None:
    register_extensions()
    for layer in ("actors", "quotes", "techniques", "narratives", "roles", "unspin_warnings"):
        assert Doc.has_extension(layer)


def test_asking_for_a_stage_without_what_it_needs_is_a_config_error() -> None:
    from unspin.options import Options
    from unspin.pipeline import build_pipeline

    with pytest.raises(ConfigError, match="voice"):
        build_pipeline(Options(stages=("voice",)))
