"""Two schedulers at once on PostgreSQL: each sweep takes its own rows (FOR UPDATE SKIP
LOCKED) and moves each marker by compare-and-set, so each notice goes out once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from casework.cases import operations
from casework.cases.models import CaseEvent
from casework.jobs import actions, age, deadlines, feedback
from casework.messages.models import Message
from casework.notices.models import Notice
from casework.reporters.models import Reporter
from notifications.models import OutboxMessage
from tests.jobs.conftest import START

pytestmark = pytest.mark.postgres


def twice_at_once(app, sweep, **kwargs) -> list[dict]:
    """Run ``sweep`` in two threads, each with its own app context (its own session)."""
    barrier = threading.Barrier(2)
    results: list[dict] = []
    errors: list[BaseException] = []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                results.append(sweep(**kwargs))
            except BaseException as exc:  # surfaced below, in the test's thread
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_two_deadline_sweeps_at_once_tell_each_assignee_once(app, db, at, make_user, make_case):
    officers = [make_user("officer") for _ in range(3)]
    make_user("supervisor")
    cases = [
        make_case(status="verifying", level=2, assignee=officers[i % 3], due_dt=START)
        for i in range(40)
    ]
    at(START + timedelta(minutes=1))
    results = twice_at_once(app, deadlines.sweep, batch=5)
    assert sum(r["breached"] for r in results) == 40
    db.session.expire_all()
    told = Counter(db.session.scalars(select(Notice.case_id).where(Notice.kind == "deadline")))
    assert told == Counter({case.id: 1 for case in cases})
    kept = Counter(
        db.session.scalars(select(CaseEvent.case_id).where(CaseEvent.kind == "deadline_breached"))
    )
    assert kept == Counter({case.id: 1 for case in cases})


def test_two_action_and_age_sweeps_at_once_send_each_reminder_once(
    app, db, at, make_user, make_case
):
    officer = make_user("officer")
    make_user("supervisor")
    for _ in range(12):
        case = make_case(status="mitigation", level=2, assignee=officer)
        operations.add_action(
            case,
            description="Fence the pit",
            due_date=date(2026, 11, 3),
            actor=officer,
            owner_user=officer,
        )
    db.session.commit()
    at(START + timedelta(days=1, hours=1))  # the due day, 10:00 UTC
    results = twice_at_once(app, actions.sweep, batch=3)
    assert sum(r["reminded"] for r in results) == 12
    count = db.session.scalar(
        select(func.count()).select_from(Notice).where(Notice.kind == "action_reminder")
    )
    assert count == 12

    at(START + timedelta(days=200))
    results = twice_at_once(app, age.sweep, batch=3)
    assert sum(r["over the limit"] for r in results) == 12
    db.session.expire_all()
    count = db.session.scalar(
        select(func.count()).select_from(Notice).where(Notice.kind == "age_limit")
    )
    assert count == 24  # the assignee and the supervisor, once each


def test_two_feedback_sweeps_at_once_send_each_reporter_one_sms(app, db, at, make_case):
    for n in range(10):
        reporter = Reporter.for_phone(f"+24399123450{n}", country="CD", language="fr")
        db.session.add(reporter)
        make_case(status="verifying", level=2, reporter=reporter)
    at(START + timedelta(days=31))
    results = twice_at_once(app, feedback.sweep, batch=2)
    assert sum(r["updated"] for r in results) == 10
    db.session.expire_all()
    per_case = Counter(
        db.session.scalars(select(Message.case_id).where(Message.direction == "out"))
    )
    assert sorted(per_case.values()) == [1] * 10
    rows = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.dedupe_key.startswith("reporter-feedback:"))
    )
    assert rows == 10
