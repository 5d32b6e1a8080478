"""The bilingual catalogue: complete, loadable twice, and able to name software from files."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from directory.catalog import SoftwareResolver, load_catalog, normalize, read_catalog
from directory.db import get_database
from directory.models import Category, Software
from search.vocabulary import Vocabulary

DATA = read_catalog()


def test_catalogue_is_large_enough_and_bilingual():
    assert len(DATA["categories"]) >= 25
    assert len(DATA["software"]) >= 60
    for entry in DATA["categories"] + DATA["software"]:
        for field in ("name", "description"):
            assert entry[field]["fr"].strip() and entry[field]["en"].strip(), entry["slug"]


def test_references_are_consistent():
    slugs = [c["slug"] for c in DATA["categories"]]
    assert len(slugs) == len(set(slugs))
    used = set()
    for software in DATA["software"]:
        assert software["categories"], software["slug"]
        assert set(software["categories"]) <= set(slugs), software["slug"]
        used |= set(software["categories"])
    assert used == set(slugs), "every task has at least one software"


def test_load_is_idempotent(app):
    database = get_database(app)
    with database.session_scope() as session:
        load_catalog(session)
        session.commit()
        categories = session.exec(select(func.count(Category.id))).one()
        software = session.exec(select(func.count(Software.id))).one()
    assert (categories, software) == (len(DATA["categories"]), len(DATA["software"]))
    with database.session_scope() as session:
        etherpad = session.exec(select(Software).where(Software.slug == "etherpad")).one()
        assert [c.slug for c in etherpad.categories] == ["collaborative-writing"]
        assert etherpad.name["fr"] == "Etherpad"


@pytest.mark.parametrize(
    ("declared", "slug"),
    [
        ("Etherpad", "etherpad"),
        ("Etherpad Lite", "etherpad"),
        ("etherpad-lite", "etherpad"),
        ("Jitsi", "jitsi-meet"),
        ("BBB", "bigbluebutton"),
        ("Galène", "galene"),
        ("galene", "galene"),
        ("Matrix Synapse", "matrix-synapse"),
    ],
)
def test_declared_software_names_map_onto_the_catalogue(app, declared, slug):
    with get_database(app).session_scope() as session:
        resolver = SoftwareResolver.from_session(session)
        software_id = resolver.resolve(declared)
        assert software_id is not None, declared
        assert session.get(Software, software_id).slug == slug


def test_unknown_or_ambiguous_names_are_not_guessed(app):
    with get_database(app).session_scope() as session:
        resolver = SoftwareResolver.from_session(session)
    assert resolver.resolve("Hubzilla") is None
    assert resolver.resolve("") is None


@pytest.mark.parametrize(
    ("text", "kind", "slug"),
    [
        ("pad", "software", "etherpad"),
        ("bloc-notes collaboratif", "category", "collaborative-writing"),
        ("Visioconférence", "category", "video-calls"),
        ("sondage", "category", "polls"),
        ("doodle", "category", "polls"),
        ("jitis", "software", "jitsi-meet"),
        ("etherpda", "software", "etherpad"),
        ("nexcloud", "software", "nextcloud"),
        ("raccourcisseur d'url", "category", "url-shortening"),
    ],
)
def test_query_vocabulary_reads_aliases_and_typos(app, text, kind, slug):
    with get_database(app).session_scope() as session:
        vocabulary = Vocabulary.from_catalog(
            list(session.exec(select(Category))), list(session.exec(select(Software)))
        )
    resolution = vocabulary.resolve(text)
    assert slug in (resolution.software if kind == "software" else resolution.categories)
    assert resolution.leftover == ()


def test_short_words_are_not_fuzzy(app):
    with get_database(app).session_scope() as session:
        vocabulary = Vocabulary.from_catalog(
            list(session.exec(select(Category))), list(session.exec(select(Software)))
        )
    assert vocabulary.resolve("lyon").empty
    assert vocabulary.resolve("pads lyon").leftover == ("lyon",)


def test_normalize_folds_case_accents_and_punctuation():
    assert normalize("Etherpad-Lite") == normalize("etherpad lite") == "etherpad lite"
    assert normalize("Visioconférence") == "visioconference"
    assert normalize("raccourcisseur d’URL") == "raccourcisseur d url"


def test_a_real_word_is_not_corrected_into_another(app):
    """'gestionnaire' (a plain French word of the catalogue) is not a typo of 'questionnaire':
    a password manager query must not land on survey tools; real typos still are read."""
    with get_database(app).session_scope() as session:
        vocabulary = Vocabulary.from_catalog(
            list(session.exec(select(Category))), list(session.exec(select(Software)))
        )
    alone = vocabulary.resolve("gestionnaire")
    assert alone.empty and alone.leftover == ("gestionnaire",)
    manager = vocabulary.resolve("gestionnaire de mots de passe")
    assert manager.categories == {"password-management"} and not manager.software
    assert "forms-surveys" in vocabulary.resolve("questionaire").categories  # a typo, still read
