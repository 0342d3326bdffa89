"""``reporter-feedback``: a status SMS after 30 days of silence, never to a reporter who
may not be contacted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.cases import operations
from casework.jobs import feedback
from casework.messages.models import Message
from casework.reporters.models import Reporter
from tests.jobs.conftest import START, events

MINUTE = timedelta(minutes=1)
DAYS_30 = START + timedelta(days=30)


@pytest.fixture
def reporter(db):
    reporter = Reporter.for_phone("+243991234567", country="CD", language="sw")
    db.session.add(reporter)
    db.session.commit()
    return reporter


@pytest.fixture
def case(at, make_case, reporter):
    return make_case(status="verifying", level=2, reporter=reporter)


def sent(db, case) -> list[Message]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.case_id == case.id, Message.direction == "out")
            .order_by(Message.id)
        )
    )


def test_a_reporter_who_heard_nothing_for_30_days_gets_a_status_sms_in_their_language(
    db, at, case, reporter
):
    at(DAYS_30 - MINUTE)
    assert feedback.sweep() == {"updated": 0}
    at(DAYS_30 + MINUTE)
    assert feedback.sweep() == {"updated": 1}
    [message] = sent(db, case)
    assert message.language == "sw" and case.reference in message.body
    assert "Ripoti" in message.body  # Swahili
    assert case.description[:20] not in message.body
    [event] = events(db, case, "message_out")
    assert event.actor_id is None and event.data["automatic"] is True
    assert feedback.sweep() == {"updated": 0}  # once


def test_the_30_days_count_from_the_last_message_the_reporter_was_sent(db, at, case, make_user):
    officer = make_user("supervisor")
    at(START + timedelta(days=20))
    operations.assign(case, officer, actor=officer)
    from casework.messages.operations import send_to_reporter

    send_to_reporter(case, "Tunafuatilia ripoti yako.", actor=officer)
    db.session.commit()
    at(START + timedelta(days=40))
    assert feedback.sweep() == {"updated": 0}
    at(START + timedelta(days=50) - MINUTE)
    assert feedback.sweep() == {"updated": 0}
    at(START + timedelta(days=50) + MINUTE)
    assert feedback.sweep() == {"updated": 1}
    # And again 30 days after that update.
    at(START + timedelta(days=80) + 2 * MINUTE)
    assert feedback.sweep() == {"updated": 1}
    assert len(sent(db, case)) == 3


def test_a_failed_message_does_not_count_as_heard(db, at, case):
    at(DAYS_30 + MINUTE)
    feedback.sweep()
    [message] = sent(db, case)
    message.status = "failed"
    db.session.commit()
    at(DAYS_30 + timedelta(days=1))
    assert feedback.sweep() == {"updated": 0}  # the same period: its key is used
    at(DAYS_30 + timedelta(days=30) + MINUTE)
    assert feedback.sweep() == {"updated": 1}


@pytest.mark.parametrize(
    "why",
    ["anonymous", "opted_out", "invalid_phone", "do_not_contact", "closed"],
)
def test_nothing_goes_to_a_reporter_who_may_not_be_contacted(db, at, case, reporter, why):
    if why == "anonymous":
        reporter.anonymity = "anonymous"
    elif why == "opted_out":
        reporter.opted_out_dt = START
    elif why == "invalid_phone":
        reporter.is_phone_valid = False
    elif why == "do_not_contact":
        case.do_not_contact = True
    else:
        case.status, case.resolution = "closed", "resolved"
    db.session.commit()
    at(DAYS_30 + timedelta(days=3))
    assert feedback.sweep() == {"updated": 0}
    assert sent(db, case) == []


def test_cases_without_a_reporter_are_left_alone(db, at, make_case):
    make_case(status="verifying", level=2)
    at(DAYS_30 + timedelta(days=3))
    assert feedback.sweep() == {"updated": 0}
