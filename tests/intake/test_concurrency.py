"""Two workers at the same moment: the same MessageSid, or two parts of one report.

Each thread has its own test client, hence its own application context, database session
and connection, like two gunicorn workers; a barrier releases them together.
"""

from __future__ import annotations

import os
import threading

import pytest
from flask.testing import FlaskClient

from casework.cases.models import Case
from casework.messages.models import Message
from casework.reporters.models import Reporter
from tests.conftest import is_postgres
from tests.intake.conftest import DRC, INBOUND_URL, count, new_sid, read_answer, signature

ON_POSTGRES = is_postgres(os.environ.get("CASEWORK_TEST_DATABASE_URL", ""))
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="the PostgreSQL variant runs instead")

REPORT = "Hommes armés au puits de Kalimbi, ils prennent les sacs de cassitérite."


def race(app, requests: list[dict]) -> list:
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)
    errors: list[BaseException] = []

    def run(i: int, params: dict) -> None:
        try:
            # A plain FlaskClient: this thread has no app context of its own to share.
            client = FlaskClient(app, app.response_class)
            headers = {"X-Twilio-Signature": signature(INBOUND_URL, params)}
            barrier.wait(timeout=10)
            answers[i] = read_answer(client.post("/sms/inbound", data=params, headers=headers))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return answers


def params(sid: str, body: str = REPORT) -> dict:
    return {"MessageSid": sid, "From": DRC, "To": "+15005550006", "Body": body, "NumMedia": "0"}


def check_one_case_for_one_sid(app, db, n: int) -> None:
    sid = new_sid()
    assert_one_case_and_one_reply(db, race(app, [params(sid)] * n))


def assert_one_case_and_one_reply(db, answers) -> None:
    """Every delivery answered 200; one case, one message in, one reply naming the case."""
    assert all(a.status_code == 200 for a in answers)
    replies = [a.reply for a in answers if a.reply]
    assert len(replies) == 1, answers
    db.session.expire_all()
    assert count(db, Case) == 1
    assert count(db, Message, Message.direction == "in") == 1
    assert count(db, Message, Message.direction == "out") == 1
    assert db.session.scalars(db.select(Case.reference)).one() in replies[0]


def check_parts_of_one_report(app, db, n: int) -> None:
    answers = race(app, [params(new_sid(), f"{REPORT} (partie {i})") for i in range(n)])
    assert all(a.status_code == 200 and a.reply for a in answers)
    db.session.expire_all()
    assert count(db, Reporter) == 1
    assert count(db, Case) == 1  # one case, the other parts follow it
    assert count(db, Message, Message.direction == "in", Message.case_id.is_not(None)) == n


@pytest.mark.parametrize("n", [2, 8])
@pytest.mark.postgres
def test_the_same_message_sid_at_the_same_moment_on_postgresql(app, db, n):
    check_one_case_for_one_sid(app, db, n)


@pytest.mark.postgres
def test_parts_of_one_report_at_the_same_moment_on_postgresql(app, db):
    check_parts_of_one_report(app, db, 4)


@sqlite_only
def test_the_same_message_sid_at_the_same_moment_on_sqlite(app, db):
    check_one_case_for_one_sid(app, db, 4)


@sqlite_only
def test_parts_of_one_report_at_the_same_moment_on_sqlite(app, db):
    check_parts_of_one_report(app, db, 4)
