"""Flood control: past the hourly limit, messages are kept on the reporter's latest open
case (or one case the flood opens), flagged, without a reply, and shown on the case page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework import clock
from casework.cases.models import CaseEvent
from casework.messages.models import Message
from casework.reporters.models import Reporter
from tests.intake.conftest import DRC_2, cases, count, messages


@pytest.fixture
def app_config():
    return {"CASEWORK_SMS_HOURLY_LIMIT": 3}


def test_past_the_limit_messages_are_kept_flagged_and_unanswered(sms, db, frozen_now):
    answers = [sms(f"Hommes armés à Rubaya, message {i}") for i in range(3)]
    assert all(a.reply for a in answers)
    [case] = cases(db)

    flooded = [sms(f"Encore {i}") for i in range(3)]
    flooded.append(sms("NOUVEAU pot-de-vin au pont de Kalehe"))  # no new case either
    flooded.append(sms("AIDE"))
    assert [a.reply for a in flooded] == [None] * 5
    assert all(a.status_code == 200 for a in flooded)
    assert len(cases(db)) == 1

    inbound = messages(db, Message.direction == "in")
    assert len(inbound) == 8
    assert all(m.case_id == case.id for m in inbound)  # nothing lost, all on the case
    assert [m.is_flagged for m in inbound] == [False] * 3 + [True] * 5
    assert {m.flag_reason for m in inbound[3:]} == {"flood"}
    assert count(db, Message, Message.direction == "out") == 3
    # One event for the flood, not one per message.
    assert count(db, CaseEvent, CaseEvent.kind == "message_flood") == 1


def test_the_limit_is_per_number_and_per_hour(sms, db, frozen_now):
    for i in range(4):
        sms(f"Hommes armés à Rubaya, message {i}")
    assert sms("Pot-de-vin au pont", sender=DRC_2).reply  # another number is unaffected
    clock.freeze(frozen_now + timedelta(minutes=61))
    assert sms("Ils sont revenus").reply  # an hour later the number may text again


def test_stop_is_honoured_even_in_a_flood(sms, db, frozen_now):
    for i in range(4):
        sms(f"message {i} hommes armés")
    assert sms("STOP").reply is None
    assert db.session.scalars(db.select(Reporter)).one().is_opted_out


def test_a_flood_from_a_reporter_without_a_case_opens_one_case_for_all_of_it(sms, db):
    assert all(sms(word).reply for word in ("AIDE", "HELP", "MSAADA"))  # no case yet
    assert cases(db) == []

    flooded = [sms(f"Hommes armés à Rubaya, message {i}") for i in range(4)]
    flooded.append(sms("NOUVEAU pot-de-vin au pont de Kalehe"))
    assert [a.reply for a in flooded] == [None] * 5

    [case] = cases(db)  # one case, never one per message
    assert case.description == "Hommes armés à Rubaya, message 0"
    assert case.suggested_category == "NSAG" and case.status == "received"
    on_case = messages(db, Message.case_id == case.id)
    assert [m.body for m in on_case] == [
        *(f"Hommes armés à Rubaya, message {i}" for i in range(4)),
        "NOUVEAU pot-de-vin au pont de Kalehe",
    ]
    assert all(m.direction == "in" and m.flag_reason == "flood" for m in on_case)
    assert count(db, Message, Message.direction == "in", Message.case_id.is_(None)) == 3  # help
    assert count(db, Message, Message.direction == "out") == 3
    assert count(db, CaseEvent, CaseEvent.kind == "message_flood") == 1


def test_a_flood_after_the_latest_case_closed_opens_a_new_case(sms, db, frozen_now):
    for i in range(3):
        sms(f"Hommes armés à Rubaya, message {i}")
    [closed] = cases(db)
    closed.status, closed.resolution = "closed", "resolved"
    db.session.commit()

    assert [sms(f"Ils sont revenus {i}").reply for i in range(3)] == [None] * 3
    first, second = cases(db)
    assert first.id == closed.id and first.status == "closed"
    assert count(db, Message, Message.case_id == closed.id, Message.direction == "in") == 3
    assert second.status == "received" and second.description == "Ils sont revenus 0"
    assert [m.body for m in messages(db, Message.case_id == second.id)] == [
        f"Ils sont revenus {i}" for i in range(3)
    ]
    assert count(db, CaseEvent, CaseEvent.case_id == second.id,
                 CaseEvent.kind == "message_flood") == 1  # fmt: skip


def test_the_case_page_shows_flooded_messages_to_an_officer(sms, db, login_as):
    for i in range(3):
        sms(f"Hommes armés à Rubaya, message {i}")
    sms("Encore: ils ont pris 40 sacs <b>hier</b> 😡")
    [case] = cases(db)
    officer, _ = login_as("officer")
    html = officer.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert 'id="messages"' in html
    assert "Encore: ils ont pris 40 sacs &lt;b&gt;hier&lt;/b&gt; 😡" in html  # verbatim, escaped
    assert "flooded: kept without a reply" in html
    for i in range(3):
        assert f"Hommes armés à Rubaya, message {i}" in html
    assert html.count("From the reporter") == 4 and html.count("To the reporter") == 3
    # The replies went back in the webhook's answer: "sent", never "queued".
    assert 'class="status delivery-sent">sent<' in html and "queued" not in html


def test_viewers_never_see_the_messages(sms, db, login_as):
    sms("Hommes armés à Rubaya")
    [case] = cases(db)
    case.is_published, case.public_summary = True, "Présence armée signalée à Rubaya."
    db.session.commit()
    viewer, _ = login_as("viewer")
    html = viewer.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Présence armée signalée" in html
    assert 'id="messages"' not in html and "Hommes armés à Rubaya" not in html
