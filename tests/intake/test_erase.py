"""ERASE / EFFACER / FUTA through the signed webhook: asked, confirmed within the window,
the number gone from every table; a late or unasked confirmation asks again; a legal hold
keeps the number and the reporter hears that a person will follow up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from casework import clock
from casework.cases.models import CaseEvent
from casework.intake.keywords import parse
from casework.intake.replies import REPLIES
from casework.messages.models import Message
from casework.reporters.erasure import set_legal_hold
from casework.reporters.models import Reporter
from tests.intake.conftest import DRC, DRC_2, cases, messages
from tests.reporters.traces import traces_of

REPORT = "Armed men are taxing the diggers at the Bisie site every morning."
NOON = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def at():
    clock.freeze(NOON)
    yield clock.freeze
    clock.freeze(None)


@pytest.mark.parametrize(
    ("text", "kind", "lang"),
    [
        ("ERASE", "erase", "en"),
        ("effacer.", "erase", "fr"),
        ("Futa", "erase", "sw"),
        ("ERASE YES", "erase_confirm", "en"),
        ("Effacer oui!", "erase_confirm", "fr"),
        ("futa ndiyo", "erase_confirm", "sw"),
        ("FUTA YES", "erase_confirm", "sw"),
    ],
)
def test_erase_and_its_confirmation_are_read_in_each_language(text, kind, lang):
    parsed = parse(text)
    assert (parsed.kind, parsed.language) == (kind, lang)


def test_a_sentence_starting_with_futa_is_a_report():
    assert parse("Futa ya mafuta imemwagika karibu na mgodi wa Rubaya").kind == "report"


def test_erase_asks_for_a_confirmation_and_erases_nothing_yet(sms, db, at):
    sms(REPORT)
    answer = sms("ERASE")
    assert answer.reply == REPLIES["en"]["erase_ask"]
    reporter = db.session.scalars(select(Reporter)).one()
    assert reporter.erase_requested_dt == NOON
    assert cases(db)[0].reporter_id == reporter.id


def test_erase_confirmed_within_the_window_leaves_no_trace_of_the_number(sms, db, at, runner):
    sms(REPORT)
    sms("NEW Children digging at the Rubaya pits.")
    sms("EFFACER")
    at(NOON + timedelta(hours=23))
    answer = sms("EFFACER OUI")

    assert answer.reply == REPLIES["fr"]["erase_done"]
    assert traces_of(db, DRC) == []
    assert db.session.scalars(select(Reporter)).all() == []
    for case in cases(db):
        assert case.reporter_id is None and case.contact_erased_dt == NOON + timedelta(hours=23)
    # The texts stay; no message, the ERASE ones and the last reply included, keeps a link.
    bodies = [m.body for m in messages(db)]
    assert REPORT in bodies and "EFFACER OUI" in bodies
    assert bodies[-1] == REPLIES["fr"]["erase_done"]
    assert {m.reporter_id for m in messages(db)} == {None}
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "contact_erased"))
    assert [e.data for e in events] == [{"reason": "erase requested by the reporter"}] * 2
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_after_erasure_the_same_number_is_a_new_reporter(sms, db, at):
    sms(REPORT)
    sms("ERASE")
    sms("ERASE YES")
    first = cases(db)[0]
    answer = sms(REPORT)
    assert "Report received" in (answer.reply or "")
    latest = cases(db)[-1]
    assert latest.id != first.id and latest.reporter_id is not None


def test_a_confirmation_after_the_window_asks_again(sms, db, at):
    sms(REPORT)
    sms("FUTA")
    at(NOON + timedelta(hours=25))
    answer = sms("FUTA NDIYO")
    assert answer.reply == REPLIES["sw"]["erase_ask"]
    reporter = db.session.scalars(select(Reporter)).one()
    assert reporter.erase_requested_dt == NOON + timedelta(hours=25)
    assert cases(db)[0].reporter_id == reporter.id
    # ... and the new request can be confirmed.
    at(NOON + timedelta(hours=26))
    assert sms("FUTA NDIYO").reply == REPLIES["sw"]["erase_done"]
    assert traces_of(db, DRC) == []


def test_a_confirmation_without_a_request_asks_for_one(sms, db, at):
    sms(REPORT)
    answer = sms("ERASE YES")
    assert answer.reply == REPLIES["en"]["erase_ask"]
    assert cases(db)[0].reporter_id is not None


def test_a_number_we_never_heard_from_is_not_stored_by_erase(sms, db, at):
    answer = sms("ERASE", sender=DRC_2)
    assert answer.reply == REPLIES["en"]["erase_done"]
    assert traces_of(db, DRC_2) == []


def test_an_opted_out_reporter_can_still_erase(sms, db, at):
    sms(REPORT)
    sms("STOP")
    assert sms("ERASE").reply == REPLIES["en"]["erase_ask"]
    assert sms("ERASE YES").reply == REPLIES["en"]["erase_done"]
    assert traces_of(db, DRC) == []


def test_a_legal_hold_keeps_the_number_and_the_request_is_on_the_record(sms, db, at, make_user):
    sms(REPORT)
    case = cases(db)[0]
    set_legal_hold(case, reason="Witness in the Bisie inquiry.", actor=make_user("supervisor"))
    db.session.commit()
    sms("ERASE")
    answer = sms("ERASE YES")

    assert answer.reply == REPLIES["en"]["erase_held"]
    reporter = db.session.scalars(select(Reporter)).one()
    assert reporter.erase_requested_dt is None
    db.session.refresh(case)
    assert case.reporter_id == reporter.id and case.contact_erased_dt is None
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.kind == "contact_erase_requested")
    ).one()
    assert event.data["legal_hold"] is True
    assert messages(db, Message.body == "ERASE YES")[0].reporter_id == reporter.id
