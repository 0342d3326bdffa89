"""Which language replies are in: keyword, then the text (lingua), then the country code."""

from __future__ import annotations

import pytest

from casework.intake import language
from casework.reporters.models import Reporter
from tests.intake.conftest import BURUNDI, DRC, RWANDA, UGANDA

EXAMPLES = {
    # DOMAIN.md's example reports, mixed languages and all.
    "Bjr. Kwa barrière ya Mushaki, FARDC wanatoza 2000 FC kwa kila sac ya coltan inayotoka "
    "Rubaya.": "sw",
    "Watoto wa miaka 12-14 wanachimba ndani ya shimo kwa site ya Nyabibwe, hawaendi shule.": "sw",
    "3 femmes violées hier près du puits de Kalimbi par hommes armés en tenue. Aidez-nous "
    "svp.": "fr",
    "Police des mines ku pont ya Kalehe exige 20$ pour passer moto sans documents ya "
    "traçabilité.": "fr",
    "Éboulement leo saa 10 puits ya Kalimbi: watu 2 wamekufa, 3 wamejeruhiwa.": "sw",
    "Armed men are taxing miners at the Bisie site every week.": "en",
}


@pytest.mark.parametrize(("text", "expected"), EXAMPLES.items())
def test_detect_the_example_reports(text, expected):
    assert language.detect(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "CW-7K3Q-92MX",
        "12 14 $$$",
    ],
)
def test_detect_declines_when_unsure(text):
    assert language.detect(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Abana bato barimo gucukura amabuye y'agaciro mu kirombe cya Rutongo.",
        "Abasirikare basaba amafaranga abacukuzi ku kirombe.",
    ],
)
def test_kinyarwanda_is_not_passed_off_as_a_reply_language(text):
    # lingua has no Kinyarwanda model; Ganda (or no answer) is fine, Swahili would not be.
    assert language.detect(text) not in {"en", "fr", "sw"}


def test_choose_order():
    assert language.choose(keyword_choice="sw", detected="fr") == ("sw", "keyword")
    assert language.choose(reporter_language="en", reporter_source="keyword", detected="fr") == (
        "en",
        "keyword",
    )
    assert language.choose(reporter_language="en", reporter_source="text", detected="fr") == (
        "fr",
        "text",
    )
    assert language.choose(detected="lg", keyword_language="sw") == ("sw", "text")
    assert language.choose(reporter_language="sw", reporter_source="text", country="CD") == (
        "sw",
        "text",
    )
    assert language.choose(country="CD") == ("fr", "country")
    assert language.choose(country="UG") == ("en", "country")
    assert language.choose(country="ZZ") == ("en", "country")


@pytest.mark.parametrize(
    ("sender", "reply_start"),
    [
        (DRC, "Signalement enregistré"),
        (BURUNDI, "Signalement enregistré"),
        (RWANDA, "Report received"),
        (UGANDA, "Report received"),
    ],
)
def test_the_country_code_decides_when_the_text_does_not(sms, db, sender, reply_start):
    # Kinyarwanda: no replies in it, and lingua cannot tell; the number's country decides.
    answer = sms("Abasirikare basaba amafaranga abacukuzi ku kirombe cya Rutongo.", sender=sender)
    assert answer.reply.startswith(reply_start)
    reporter = db.session.scalars(db.select(Reporter)).one()
    assert reporter.language_source == "country"


@pytest.mark.parametrize(
    ("text", "reply_start", "lang"),
    [
        ("Armed men are taxing miners at the Bisie site every week.", "Report received", "en"),
        ("Des militaires exigent de l'argent aux creuseurs de Bisie.", "Signalement", "fr"),
        ("Askari wanatoza pesa kwa wachimbaji wa Bisie kila wiki.", "Ripoti imepokelewa", "sw"),
    ],
)
@pytest.mark.parametrize("sender", [DRC, UGANDA])
def test_replies_follow_the_language_of_the_text(sms, db, text, reply_start, lang, sender):
    answer = sms(text, sender=sender)
    assert answer.reply.startswith(reply_start)
    reporter = db.session.scalars(db.select(Reporter)).one()
    assert (reporter.language, reporter.language_source) == (lang, "text")
    case = reporter_case(db)
    assert case.language == lang


def reporter_case(db):
    from casework.cases.models import Case

    return db.session.scalars(db.select(Case)).one()


def test_a_short_follow_up_keeps_the_reporters_language(sms, db):
    sms("Des militaires exigent de l'argent aux creuseurs de Bisie.", sender=UGANDA)
    answer = sms("ok merci", sender=UGANDA)
    assert answer.reply.startswith("Ajouté")
