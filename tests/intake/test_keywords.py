"""Keywords: STATUS/STATUT/HALI, HELP/AIDE/MSAADA, STOP/START, language choice, empty."""

from __future__ import annotations

import pytest

from casework.cases.models import Case, CaseEvent
from casework.intake.keywords import normalise_reference, parse
from casework.intake.replies import REPLIES, STATUS_WORDS
from casework.messages.models import Message
from casework.reporters.models import Reporter
from tests.intake.conftest import DRC, DRC_2, UGANDA, cases, count, messages

REPORT = "Armed men are taxing the diggers at the Bisie site every morning."
LANGS = {"STATUS": "en", "STATUT": "fr", "HALI": "sw"}

# ---------------------------------------------------------------- STATUS


@pytest.mark.parametrize("keyword", ["STATUS", "STATUT", "HALI", "status", "Statut", "hali"])
@pytest.mark.parametrize(
    ("state", "resolution"), [("received", None), ("verifying", None), ("closed", "resolved")]
)
def test_status_answers_in_plain_words_in_the_keywords_language(
    sms, db, keyword, state, resolution
):
    sms(REPORT)
    [case] = cases(db)
    case.status, case.resolution = state, resolution
    db.session.commit()
    answer = sms(f"{keyword} {case.reference}")
    lang = LANGS[keyword.upper()]
    expected = REPLIES[lang]["status"].format(ref=case.reference, status=STATUS_WORDS[lang][state])
    assert answer.reply == expected
    assert len(cases(db)) == 1  # a status request opens nothing


@pytest.mark.parametrize(
    "typed",
    ["CW-7K3Q-92M0", "cw-7k3q-92m0", "CW7K3Q92M0", "7K3Q92M0", "7k3q 92m0", "CW 7K3Q 92MO"],
)
def test_status_accepts_the_reference_as_people_type_it(sms, db, typed):
    sms(REPORT)
    [case] = cases(db)
    case.reference = "CW-7K3Q-92M0"
    db.session.commit()
    answer = sms("STATUS " + typed)
    assert answer.reply.startswith("Report CW-7K3Q-92M0: ")


def test_a_status_word_followed_by_a_word_is_a_report(sms, db):
    """Without the prefix, only something with a digit is taken for a reference."""
    sms("Hali inatisha")
    assert len(cases(db)) == 1


def test_status_without_a_reference_answers_for_the_latest_case(sms, db):
    sms(REPORT)
    [case] = cases(db)
    assert sms("HALI").reply.startswith(f"Ripoti {case.reference}: imepokelewa")


def test_status_is_on_the_case_record_but_no_part_of_the_report(sms, db):
    sms(REPORT)
    [case] = cases(db)
    sms(f"STATUS {case.reference}")
    [_, status_request] = messages(db, Message.direction == "in")
    assert status_request.case_id is None
    kinds = [
        (e.kind, e.data.get("keyword"))
        for e in db.session.scalars(db.select(CaseEvent).order_by(CaseEvent.seq))
    ]
    assert kinds[-2:] == [("message_in", "status"), ("message_out", None)]


def test_another_numbers_reference_gets_the_same_answer_as_no_reference(sms, db):
    sms(REPORT, sender=DRC)
    [case] = cases(db)
    probing = sms(f"STATUS {case.reference}", sender=DRC_2)
    unknown = sms("STATUS CW-ZZZZ-9999", sender=DRC_2)
    garbage = sms("STATUS CW-12", sender=DRC_2)
    assert probing.reply == unknown.reply == garbage.reply == REPLIES["en"]["not_found"]
    assert case.reference not in probing.reply
    # Nothing about the probe lands on the case.
    assert count(db, CaseEvent, CaseEvent.kind == "message_in") == 0


def test_a_sentence_starting_with_hali_is_a_report(sms, db):
    sms("Hali ni mbaya sana kwa mgodi wa Rubaya, askari wanapiga watu.")
    [case] = cases(db)
    assert case.description.startswith("Hali ni mbaya")


# ---------------------------------------------------------------- HELP


@pytest.mark.parametrize(
    ("keyword", "lang"),
    [("HELP", "en"), ("help", "en"), ("AIDE", "fr"), ("Aide ?", "fr"), ("MSAADA", "sw")],
)
def test_help_explains_usage_in_its_language_and_opens_nothing(sms, db, keyword, lang):
    answer = sms(keyword, sender=UGANDA)
    assert answer.reply == REPLIES[lang]["help"]
    assert count(db, Case) == 0
    [inbound] = messages(db, Message.direction == "in")
    assert inbound.case_id is None and inbound.body == keyword


def test_a_cry_for_help_is_a_report_not_the_help_keyword(sms, db):
    sms("Msaada! watu wenye silaha wamevamia kijiji karibu na mgodi.")
    assert count(db, Case) == 1


@pytest.mark.parametrize("body", ["", "   ", "\n"])
def test_an_empty_message_gets_the_help_text_and_no_case(sms, db, body):
    answer = sms(body, sender=UGANDA)
    assert answer.reply == REPLIES["en"]["help"]
    assert count(db, Case) == 0


# ---------------------------------------------------------------- STOP and START


def test_stop_records_the_opt_out_and_only_start_is_answered_afterwards(sms, db):
    sms(REPORT)
    stop = sms("STOP")
    assert stop.reply == REPLIES["en"]["stop"]
    reporter = db.session.scalars(db.select(Reporter)).one()
    assert reporter.opted_out_dt is not None and reporter.is_opted_out
    events = [e.kind for e in db.session.scalars(db.select(CaseEvent).order_by(CaseEvent.seq))]
    assert "reporter_opted_out" in events

    # Reports still count, but nothing is texted back.
    assert sms("More: they came back with guns tonight.").reply is None
    assert sms("NEW Children digging at the Rubaya pits.").reply is None
    assert sms("HELP").reply is None
    assert sms(f"STATUS {cases(db)[0].reference}").reply is None
    assert len(cases(db)) == 2
    sent_after_stop = messages(db, Message.direction == "out")
    assert [m.body for m in sent_after_stop][-1] == REPLIES["en"]["stop"]

    start = sms("start")
    assert start.reply == REPLIES["en"]["start"]
    db.session.refresh(reporter)
    assert reporter.opted_out_dt is None
    assert sms("HELP").reply == REPLIES["en"]["help"]


def test_stop_is_honoured_for_a_reporter_without_any_case(sms, db):
    sms("STOP", sender=DRC_2)
    reporter = db.session.scalars(db.select(Reporter)).one()
    assert reporter.is_opted_out
    assert sms("Rapport: fraude sur les tags", sender=DRC_2).reply is None


# ---------------------------------------------------------------- language choice


@pytest.mark.parametrize(
    ("keyword", "lang"), [("FR", "fr"), ("sw", "sw"), ("English", "en"), ("Kiswahili", "sw")]
)
def test_a_language_keyword_is_confirmed_and_remembered(sms, db, keyword, lang):
    answer = sms(keyword)
    assert answer.reply == REPLIES[lang]["language"]
    reporter = db.session.scalars(db.select(Reporter)).one()
    assert (reporter.language, reporter.language_source) == (lang, "keyword")
    assert count(db, Case) == 0


def test_the_chosen_language_sticks_whatever_the_text(sms, db):
    sms("EN")
    answer = sms("Watoto wa miaka 12-14 wanachimba ndani ya shimo kwa site ya Nyabibwe.")
    assert answer.reply.startswith("Report received")
    answer = sms("AIDE")
    assert answer.reply == REPLIES["en"]["help"]


# ---------------------------------------------------------------- the parser


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("HELP", "help"),
        ("help.", "help"),
        ("Aidez-nous", "report"),
        ("STOP", "stop"),
        ("stop!", "stop"),
        ("Stop the soldiers at Rubaya", "report"),
        ("START", "start"),
        ("fr", "language"),
        ("Français", "language"),
        ("En ce moment des militaires exigent de l'argent", "report"),
        ("STATUS CW-7K3Q-92MX", "status"),
        ("statut: cw 7k3q 92mx", "status"),
        ("HALI", "status"),
        ("hali ngumu sana", "report"),
        ("NEW armed men", "new"),
        ("NEW", "new_without_text"),
        ("Nouvelle attaque à Nyabibwe", "report"),
        ("", "empty"),
    ],
)
def test_parse(body, kind):
    assert parse(body).kind == kind


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CW-7K3Q-92MX", "CW-7K3Q-92MX"),
        ("cw7k3q92mx", "CW-7K3Q-92MX"),
        ("7K3Q 92MX", "CW-7K3Q-92MX"),
        ("CW-7K3Q-92MO", "CW-7K3Q-92M0"),
        ("CW-IK3Q-L2MX", "CW-1K3Q-12MX"),
        ("CW-7K3Q-92M", None),
        ("CW-7K3Q-92MU", None),
    ],
)
def test_normalise_reference(raw, expected):
    assert normalise_reference(raw) == expected
