"""``reporter-retention``: a reporter's contact details are erased
CASEWORK_REPORTER_RETENTION_DAYS after their last case closed, never while a case is open
or on legal hold; under a frozen clock, through the job's own function and the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.cases.models import CaseEvent
from casework.jobs import retention
from casework.messages.models import Message
from casework.reporters.erasure import clear_legal_hold, set_legal_hold
from casework.reporters.models import Reporter
from tests.jobs.conftest import START
from tests.reporters.traces import traces_of

NUMBER = "+243991230088"
OTHER = "+243991230099"
YEAR = timedelta(days=365)


@pytest.fixture
def reporter(db):
    def make(number: str = NUMBER) -> Reporter:
        reporter = Reporter.for_phone(number, country="CD", language="sw")
        db.session.add(reporter)
        db.session.commit()
        return reporter

    return make


def closed_case(make_case, reporter, closed_dt):
    return make_case(reporter=reporter, status="closed", closed_dt=closed_dt)


def reporters(db) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(Reporter.id).order_by(Reporter.id)))


def test_contact_details_are_kept_until_365_days_after_the_last_case_closed(
    db, at, reporter, make_case
):
    kept = reporter()
    closed_case(make_case, kept, START - timedelta(days=400))
    closed_case(make_case, kept, START)  # the last one counts
    at(START + YEAR - timedelta(minutes=1))
    assert retention.sweep()["purged"] == 0
    assert reporters(db) == [kept.id]

    at(START + YEAR + timedelta(minutes=1))
    assert retention.sweep() == {"purged": 1, "cases": 2, "given_up": 0, "kept_on_hold": 0}
    assert reporters(db) == []
    assert traces_of(db, NUMBER) == []
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "contact_erased"))
    assert [e.data for e in events] == [{"reason": "retention period ended"}] * 2


def test_the_period_is_a_setting(db, at, app, reporter, make_case):
    app.config["CASEWORK_REPORTER_RETENTION_DAYS"] = 30
    closed_case(make_case, reporter(), START)
    at(START + timedelta(days=31))
    assert retention.sweep()["purged"] == 1


def test_a_case_still_open_keeps_the_reporter(db, at, reporter, make_case):
    kept = reporter()
    closed_case(make_case, kept, START - 2 * YEAR)
    make_case(reporter=kept, status="verifying")
    at(START + 2 * YEAR)
    assert retention.sweep()["purged"] == 0
    assert reporters(db) == [kept.id]


def test_a_legal_hold_keeps_the_reporter_until_it_is_lifted(db, at, reporter, make_case, make_user):
    supervisor = make_user("supervisor")
    held, other = reporter(), reporter(OTHER)
    case = closed_case(make_case, held, START)
    closed_case(make_case, other, START)
    set_legal_hold(case, reason="Court order, Goma tribunal.", actor=supervisor)
    db.session.commit()

    at(START + 2 * YEAR)
    assert retention.sweep() == {"purged": 1, "cases": 1, "given_up": 0, "kept_on_hold": 1}
    assert reporters(db) == [held.id]
    assert traces_of(db, OTHER) == []

    clear_legal_hold(case, reason="The court released the file.", actor=supervisor)
    db.session.commit()
    assert retention.sweep()["purged"] == 1
    assert reporters(db) == []
    kinds = db.session.scalars(
        select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    ).all()
    assert kinds[-3:] == ["legal_hold_set", "legal_hold_cleared", "contact_erased"]


def test_a_reporter_without_a_case_is_forgotten_a_period_after_their_last_message(db, at, reporter):
    quiet = reporter()
    db.session.add(Message(direction="in", channel="sms", body="HELP", reporter_id=quiet.id,
                           status="received", created_dt=START + timedelta(days=100)))  # fmt: skip
    db.session.commit()
    at(START + YEAR + timedelta(days=1))
    assert retention.sweep()["purged"] == 0  # wrote 100 days after they first did
    at(START + YEAR + timedelta(days=101))
    assert retention.sweep()["purged"] == 1
    assert db.session.scalars(select(Message.reporter_id)).all() == [None]


def test_a_second_run_finds_nothing_more_to_do(db, at, reporter, make_case, runner):
    closed_case(make_case, reporter(), START)
    at(START + 2 * YEAR)
    first = runner.invoke(args=["jobs", "run", "reporter-retention"])
    assert first.exit_code == 0, first.output
    assert reporters(db) == []
    assert retention.sweep()["purged"] == 0
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_batches_commit_as_they_go(db, at, reporter, make_case):
    for n in range(5):
        closed_case(make_case, reporter(f"+24399123010{n}"), START)
    at(START + 2 * YEAR)
    assert retention.sweep(batch=2)["purged"] == 5
    assert reporters(db) == []
