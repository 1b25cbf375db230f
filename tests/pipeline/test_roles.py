"""Roles: the central entities' parts (protagonist, antagonist, innocent), linked to actors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from spacy.language import Language

from unspin.errors import ModelError
from unspin.pipeline.actors import find_actors
from unspin.pipeline.roles import (
    FINE_ROLE_TEXT,
    MAIN_ROLES,
    MODEL_DIR,
    FakeRoles,
    RoleModel,
    candidates,
    find_roles,
)

# Our own text (not from any corpus).
TEXT = (
    "Governor Ana Varga calls for peace talks\n\n"
    "Governor Ana Varga asked both sides to return to peace talks in Vienna. "
    "Varga said the region needed calm. "
    "General Petrov ordered a new attack on the border towns on Monday. "
    "Petrov has led the war since the spring."
)
COOKING_TEXT = (
    "A weeknight risotto that forgives you\n\n"
    "Chef Marco Rossi warms the stock in a second pot so it never cools the rice. "
    "Rossi toasts the arborio in butter until the edges turn translucent, then adds a splash "
    "of white wine. After about eighteen minutes the grains should be creamy but still have "
    "a bite. Rossi finishes it with grated parmesan and a squeeze of lemon."
)


def test_every_fine_role_sits_under_one_of_the_three_main_roles() -> None:
    assert len(FINE_ROLE_TEXT) == 22
    assert {main for main, _ in FINE_ROLE_TEXT.values()} == set(MAIN_ROLES)


def test_without_the_actors_layer_candidates_are_entities_grouped_by_text(nlp: Language) -> None:
    doc = nlp(TEXT)
    doc._.actors = None
    keys = {c.key for c in candidates(doc, None)}
    assert {"Ana Varga", "Petrov"} <= keys


def test_without_the_actors_layer_roles_have_no_actor(nlp: Language) -> None:
    doc = nlp(TEXT)
    doc._.actors = None
    roles = find_roles(doc, FakeRoles())
    assert roles and all(r.actor is None for r in roles)


def test_with_the_actors_layer_each_role_links_to_its_actor(nlp: Language) -> None:
    doc = nlp(TEXT)
    doc._.actors = find_actors(doc)
    roles = find_roles(doc, FakeRoles())
    by_actor = {a.id: a for a in doc._.actors}
    assert roles
    for role in roles:
        assert role.actor in by_actor
        mentions = {(m.start, m.end) for m in by_actor[role.actor].mentions}
        assert (role.start, role.end) in mentions


def test_the_fake_reads_war_as_antagonist_and_peace_as_protagonist(nlp: Language) -> None:
    doc = nlp(TEXT)
    doc._.actors = find_actors(doc)
    names = {a.id: a.name for a in doc._.actors}
    roles = {names[r.actor or ""].split()[-1]: (r.main_role, r.fine_roles)
             for r in find_roles(doc, FakeRoles())}
    assert roles["Petrov"] == ("Antagonist", ["Instigator"])
    assert roles["Varga"] == ("Protagonist", ["Peacemaker"])


def test_a_missing_artifact_is_a_model_error_that_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="unspin train roles"):
        RoleModel.load(tmp_path)


def test_the_shipped_artifact_loads_without_pickle() -> None:
    with np.load(MODEL_DIR / "model.npz", allow_pickle=False) as z:
        assert all(z[k].dtype == np.float32 for k in z.files)
    assert RoleModel.load().meta["data"]["sha256"]


@pytest.fixture(scope="module")
def trained(require_models: Callable[[Exception], None]) -> object:
    from unspin.pipeline.roles import TrainedRoles

    try:
        return TrainedRoles()
    except ModelError as exc:  # pragma: no cover - the encoder extra is absent
        require_models(exc)


def test_an_article_on_neither_war_nor_climate_gets_no_roles(nlp: Language,
                                                            trained: FakeRoles) -> None:
    doc = nlp(COOKING_TEXT)
    doc._.actors = find_actors(doc)
    assert find_roles(doc, trained) == []


def test_the_seeds_central_figure_gets_a_role_on_his_actor(seed_path: Path) -> None:
    import unspin
    from unspin.options import Options

    report = unspin.analyze(seed_path.read_text(encoding="utf-8"),
                            Options(stages=("actors", "roles")))
    names = {a.id: a.name for a in report.actors}
    assert "Alexander Lukashenko" in {names.get(r.actor or "") for r in report.roles}
    for role in report.roles:
        fine_mains = {FINE_ROLE_TEXT[f][0] for f in role.fine_roles}
        assert fine_mains == {role.main_role}
