"""Triage suggestions: category and level from the words, site from the registry."""

from __future__ import annotations

import pytest

from casework.cases.models import Case
from casework.intake.classify import suggest_category, suggest_site
from tests.intake.conftest import RWANDA, cases

DOMAIN_EXAMPLES = [
    (
        "Bjr. Kwa barrière ya Mushaki, FARDC wanatoza 2000 FC kwa kila sac ya coltan "
        "inayotoka Rubaya.",
        "SEC",
        1,
    ),
    (
        "Watoto wa miaka 12-14 wanachimba ndani ya shimo kwa site ya Nyabibwe, hawaendi shule.",
        "SA-WFCL",
        1,
    ),
    (
        "3 femmes violées hier près du puits de Kalimbi par hommes armés en tenue. Aidez-nous svp.",
        "SA-SGBV",
        1,
    ),
    (
        "Police des mines ku pont ya Kalehe exige 20$ pour passer moto sans documents ya "
        "traçabilité.",
        "BRB",
        2,
    ),
    ("Éboulement leo saa 10 puits ya Kalimbi: watu 2 wamekufa, 3 wamejeruhiwa.", "OHS", 2),
    ("Cahier ya coopérative haijajazwa tangu wiki 2, poids hailingani na tags.", "TRC", 3),
]


@pytest.mark.parametrize(("text", "category", "level"), DOMAIN_EXAMPLES)
def test_the_domain_examples(text, category, level):
    suggestion = suggest_category(text)
    assert (suggestion.category, suggestion.level) == (category, level), suggestion.scores


@pytest.mark.parametrize(
    ("text", "categories"),
    [
        ("watoto", {"CHL", "SA-WFCL"}),
        ("Il y a beaucoup d'enfants sur le site", {"CHL"}),
        ("Children digging in the pits of Bisie", {"SA-WFCL"}),
        ("hommes armés", {"NSAG"}),
        ("HOMMES ARMES au puits", {"NSAG"}),
        ("watu wenye silaha wamefika", {"NSAG"}),
        ("armed men at the mine", {"NSAG"}),
        ("Les FDLR taxent les creuseurs", {"NSAG"}),
        ("pot-de-vin", {"BRB"}),
        ("Pot de vin au pont", {"BRB"}),
        ("rushwa", {"BRB"}),
        ("they asked a bribe at the roadblock", {"BRB"}),
        ("travail forcé des creuseurs", {"SA-FL"}),
        ("waliteswa na askari", {"SA-TOR"}),
        ("mercure dans la rivière", {"ENV"}),
        ("mgogoro wa ardhi na shamba", {"LAND"}),
        ("blanchiment d'argent par le comptoir", {"AML"}),
        ("redevances non déclarées", {"TAX"}),
    ],
)
def test_keywords_in_three_languages(text, categories):
    assert suggest_category(text).category in categories


def test_an_accident_without_injury_is_level_3():
    suggestion = suggest_category("Éboulement au puits de Kalimbi ce matin, personne blessé? non")
    assert suggestion.category == "OHS"
    assert suggest_category("Eboulement puits ya Kalimbi leo").level == 3
    assert suggest_category("Eboulement: watu 2 wamekufa").level == 2


@pytest.mark.parametrize("text", ["Bonjour", "ok merci", "Habari za asubuhi", ""])
def test_no_suggestion_without_evidence(text):
    suggestion = suggest_category(text)
    assert (suggestion.category, suggestion.level) == (None, None)


# ---------------------------------------------------------------- sites


@pytest.fixture
def sites(make_site):
    return {
        "nyabibwe": make_site(code="CD-SK-NYA", name="Nyabibwe", province="Sud-Kivu"),
        "rubaya": make_site(code="CD-NK-RUB", name="Rubaya"),
        "kalimbi": make_site(code="CD-SK-KAL", name="Mont Kalimbi", province="Sud-Kivu"),
        "bisie": make_site(code="CD-NK-BIS", name="Bisie", territory="Walikale"),
        "rutongo": make_site(code="RW-RUT", name="Rutongo", country="RW", province="Northern"),
        "rutongo_cd": make_site(code="CD-RUT", name="Rutongo", country="CD"),
        "mugote": make_site(code="CD-SK-MUG", name="Mugote-Ngungu"),
    }


@pytest.mark.parametrize(
    ("text", "site"),
    [
        ("site ya Nyabibwe", "nyabibwe"),
        ("NYABIBWE", "nyabibwe"),
        ("kwa shimo ya nyabibwé", "nyabibwe"),
        ("à Nyabibue hier", "nyabibwe"),  # one letter off
        ("kwa Rubaya", "rubaya"),
        ("rubya", "rubaya"),
        ("puits du mont kalimbi", "kalimbi"),
        ("mugote ngungu", "mugote"),
        ("à Bisie, Walikale", "bisie"),
    ],
)
def test_site_names_match_without_accents_case_or_small_typos(app, sites, text, site):
    found = suggest_site(text, country="CD", app_extensions=app.extensions)
    assert found is not None and found.id == sites[site].id


@pytest.mark.parametrize("text", ["Bonjour", "basic ruby", "Nyabi", "les mines de la région"])
def test_no_site_when_none_is_named(app, sites, text):
    assert suggest_site(text, country="CD", app_extensions=app.extensions) is None


def test_a_site_in_the_reporters_country_wins(app, sites):
    found = suggest_site("kirombe cya Rutongo", country="RW", app_extensions=app.extensions)
    assert found.id == sites["rutongo"].id
    found = suggest_site("mine de Rutongo", country="CD", app_extensions=app.extensions)
    assert found.id == sites["rutongo_cd"].id


def test_a_new_site_is_seen_at_once(app, make_site, db):
    assert suggest_site("Luwowo", country="CD", app_extensions=app.extensions) is None
    make_site(code="CD-NK-LUW", name="Luwowo")
    assert suggest_site("Luwowo", country="CD", app_extensions=app.extensions) is not None


def test_the_case_carries_the_suggestions(sms, db, sites):
    sms(DOMAIN_EXAMPLES[1][0])
    [case] = cases(db)
    assert (case.suggested_category, case.suggested_level) == ("SA-WFCL", 1)
    assert case.suggested_site_id == sites["nyabibwe"].id
    # Suggestions only: triage fields stay for the officer to confirm.
    assert (case.category, case.level, case.site_id) == (None, None, None)


def test_a_rwandan_report_suggests_the_rwandan_site(sms, db, sites):
    sms("Abana bato mu kirombe cya Rutongo", sender=RWANDA)
    case = db.session.scalars(db.select(Case)).one()
    assert case.suggested_site_id == sites["rutongo"].id


def test_a_site_is_found_without_its_generic_words(app, sites):
    found = suggest_site("près du puits de Kalimbi", country="CD", app_extensions=app.extensions)
    assert found.id == sites["kalimbi"].id
