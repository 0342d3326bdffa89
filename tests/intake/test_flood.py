"""Flood control: past the hourly limit, messages are kept on the latest case, flagged,
and get no reply."""

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
