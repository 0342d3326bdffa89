"""A stopped PostgreSQL: the app reaches the server through a TCP proxy on 127.0.0.1 that
the test stops (open connections cut, new ones refused) and starts again; the real server
is never touched. Messages that arrive meanwhile are spooled, answered with a reference,
and filed when the server is back."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy.engine import make_url

from casework.intake import spool
from casework.messages.models import Message
from tests.fakes.tcp_proxy import TcpProxy
from tests.intake.conftest import DRC, cases, messages, new_sid

pytestmark = pytest.mark.postgres

REF = re.compile(r"CW-[0-9A-Z]{4}-[0-9A-Z]{4}")
REPORT = "Watoto wanachimba ndani ya shimo kwa site ya Nyabibwe, hawaendi shule."


@pytest.fixture
def proxy(_schema):
    url = make_url(_schema)
    proxy = TcpProxy(url.port or 5432).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def app_config(proxy, _schema):
    through = make_url(_schema).set(host="127.0.0.1", port=proxy.port)
    return {
        "SQLALCHEMY_DATABASE_URI": through.render_as_string(hide_password=False),
        "CASEWORK_INTAKE_DB_TIMEOUT_MS": 1000,
    }


def test_reports_sent_while_postgresql_is_stopped_are_answered_and_filed_when_it_is_back(
    app, db, sms, runner, proxy
):
    assert sms("Mwanzo: " + REPORT).reply  # the server is up: an ordinary case
    [before] = cases(db)
    db.session.remove()  # the pool keeps the connection: the next request finds it cut

    proxy.stop()
    sid = new_sid()
    started = time.monotonic()
    answer = sms(REPORT, sid=sid, extra={"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/m/1",
                                         "MediaContentType0": "image/png"})  # fmt: skip
    assert time.monotonic() - started < 5
    assert answer.status_code == 200
    [reference] = set(REF.findall(answer.reply))
    assert reference != before.reference
    assert len(spool.pending()) == 1

    refused = runner.invoke(args=["jobs", "run", "intake-spool"])
    assert refused.exit_code == 1  # still down: the next minute tries again
    assert len(spool.pending()) == 1

    proxy.start()  # the same port: the server is back
    db.session.remove()
    filed = runner.invoke(args=["jobs", "run", "intake-spool"])
    assert filed.exit_code == 0, filed.output
    assert spool.pending() == []
    case = next(c for c in cases(db) if c.reference == reference)
    assert case.description == REPORT and case.reporter.phone == DRC
    assert case.reporter_id == before.reporter_id
    [inbound] = messages(db, Message.provider_sid == sid)
    assert inbound.case_id == case.id
    assert inbound.media == [{"url": "https://api.twilio.com/m/1", "content_type": "image/png"}]


def test_a_postgresql_host_that_stops_answering_does_not_hold_the_webhook(
    app, db, sms, runner, proxy
):
    db.session.remove()
    proxy.stop()
    proxy.start(black_hole=True)  # connections accepted, never answered
    started = time.monotonic()
    answer = sms(REPORT)
    assert time.monotonic() - started < 10  # the connect timeout, well under gunicorn's 30 s
    assert answer.status_code == 200
    [reference] = set(REF.findall(answer.reply))

    proxy.stop()
    proxy.start()
    db.session.remove()
    assert runner.invoke(args=["jobs", "run", "intake-spool"]).exit_code == 0
    [case] = cases(db)
    assert case.reference == reference and case.description == REPORT
