"""Delivery through the real clients to real local servers, and the faults on the way: an
SMTP server that goes down and comes back, Twilio answering 500 and 429 then recovering.
Every message arrives once after recovery, none twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from casework import clock
from casework.notices.operations import notify_users
from notifications import channels
from notifications.models import OutboxMessage
from notifications.outbox import BACKOFF_SECONDS, DispatchReport, dispatch, enqueue


def rows(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


def later(seconds: int) -> None:
    clock.freeze(clock.now() + timedelta(seconds=seconds + 1))


def test_a_notice_email_reaches_a_real_smtp_server_with_text_and_html(
    app, db, make_user, make_case, smtp_server
):
    officer = make_user("officer", language="fr")
    case = make_case()
    notify_users([officer], "assigned", key="test:assigned", case=case)
    db.session.commit()
    assert dispatch().sent == 1
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == [officer.email]
    assert case.reference in mail.message["Subject"]
    text = mail.message.get_body(("plain",)).get_content()
    html = mail.message.get_body(("html",)).get_content()
    assert f"/cases/{case.reference}" in text and f"/cases/{case.reference}" in html
    assert case.description not in text + html
    [row] = rows(db)
    assert row.status == "sent" and row.provider_status == "sent"


def test_a_notice_sms_reaches_the_twilio_fake_through_the_real_client(
    app, db, make_user, make_case, twilio_fake
):
    supervisor = make_user("supervisor", phone="+243810000010")
    case = make_case(level=1)  # Level 1: every supervisor by email and SMS
    db.session.commit()
    report = dispatch()
    assert report.sent == report.claimed == 2
    [request] = twilio_fake.creates()
    assert request.form["To"] == supervisor.phone
    assert request.auth == (app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"])
    assert case.reference in request.form["Body"]
    sms = next(r for r in rows(db) if r.channel == "sms")
    assert sms.provider_id == twilio_fake.sent[0]["sid"]


# ------------------------------------------------------------------ configured or not


@pytest.mark.parametrize("env", ["development", "testing"])
def test_an_unconfigured_channel_is_captured_in_development(app, db, phonebook, twilio_fake, env):
    app.config.update(CASEWORK_ENV=env, TWILIO_ACCOUNT_SID="", MAIL_SERVER="")
    enqueue("sms", "test:amani", "Habari")
    enqueue("email", "officer@example.org", "Hello", subject="Hello")
    db.session.commit()
    assert dispatch().sent == 2
    assert twilio_fake.requests == []
    assert {(r.status, r.provider_status, r.provider_id) for r in rows(db)} == {
        ("sent", "captured", None)
    }
    assert channels.capture_active() and channels.problems() == {}


def test_an_unconfigured_channel_is_an_error_in_production(app, db, phonebook, twilio_fake):
    app.config.update(CASEWORK_ENV="production", TWILIO_ACCOUNT_SID="")
    enqueue("whatsapp", "test:amani", "Habari")
    db.session.commit()
    assert dispatch().retry == 1
    [row] = rows(db)
    assert row.last_error_code == "not_configured"
    assert row.last_error.startswith("TWILIO_ACCOUNT_SID is not set")
    assert twilio_fake.requests == []
    assert not channels.capture_active()
    assert channels.problems()["sms"] == "not configured: set TWILIO_ACCOUNT_SID"


def test_a_configured_channel_sends_in_development_too(app, db, phonebook, twilio_fake):
    app.config["CASEWORK_ENV"] = "development"
    enqueue("sms", "test:amani", "Habari")
    db.session.commit()
    assert dispatch().sent == 1 and len(twilio_fake.sent) == 1
    assert rows(db)[0].provider_status == "queued"  # Twilio's answer, not "captured"


# ------------------------------------------------------------------ faults


def test_smtp_down_then_back_delivers_exactly_one_copy(app, db, smtp_server, frozen_now):
    enqueue("email", "supervisor@example.org", "Case overdue", subject="Overdue")
    db.session.commit()
    smtp_server.stop()
    report = dispatch()
    assert report.retry == 1
    [row] = rows(db)
    assert row.status == "failed" and row.next_attempt_dt == frozen_now + timedelta(seconds=60)

    # The same address comes back: a new server on the same port.
    smtp_server.controller = Controller(
        smtp_server.handler, hostname=smtp_server.host, port=smtp_server.port
    )
    smtp_server.start()
    assert dispatch().claimed == 0  # not before its backoff
    later(BACKOFF_SECONDS[0])
    assert dispatch().sent == 1
    assert dispatch().claimed == 0
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["supervisor@example.org"]
    assert rows(db)[0].status == "sent" and rows(db)[0].attempts == 2


def test_twilio_500_then_429_then_recovery_delivers_every_message_once(
    app, db, phonebook, twilio_fake, frozen_now
):
    count = 4
    twilio_fake.fail_next(count, status=500, code=20500)
    twilio_fake.fail_next(count, status=429, code=20429)
    for n in range(count):
        enqueue("sms", "test:amani" if n % 2 else "test:neema", f"Message {n}")
    db.session.commit()

    assert dispatch().retry == count  # 500
    later(BACKOFF_SECONDS[0])
    assert dispatch().retry == count  # 429
    assert {r.last_error_code for r in rows(db)} == {"20429"}
    later(BACKOFF_SECONDS[1])
    assert dispatch().sent == count  # recovered
    later(max(BACKOFF_SECONDS))
    assert dispatch().claimed == 0

    bodies = sorted(m["body"] for m in twilio_fake.sent)
    assert bodies == [f"Message {n}" for n in range(count)]
    assert len(twilio_fake.creates()) == 3 * count
    assert {(r.status, r.attempts) for r in rows(db)} == {("sent", 3)}


@pytest.mark.postgres
def test_two_dispatchers_through_a_twilio_outage_send_each_message_once(
    app, db, phonebook, twilio_fake, frozen_now
):
    twilio_fake.delay = 0.005
    count = 40
    twilio_fake.fail_next(count // 2, status=500, code=20500)
    twilio_fake.fail_next(count // 4, status=429, code=20429)
    for n in range(count):
        enqueue("sms", "test:amani", f"Message {n}")
    db.session.commit()

    def both_dispatchers() -> list[DispatchReport]:
        start = threading.Barrier(2)
        reports: list[DispatchReport] = []
        errors: list[BaseException] = []

        def dispatcher() -> None:
            with app.app_context():
                try:
                    start.wait(timeout=10)
                    total = DispatchReport()
                    while (report := dispatch(batch=4)).claimed:
                        total += report
                    reports.append(total)
                except BaseException as exc:
                    errors.append(exc)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=dispatcher) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        return reports

    for _ in range(4):  # rounds, each past the longest backoff used so far
        both_dispatchers()
        later(BACKOFF_SECONDS[1])
    bodies = sorted(m["body"] for m in twilio_fake.sent)
    assert bodies == sorted(f"Message {n}" for n in range(count))  # each exactly once
    assert {r.status for r in rows(db)} == {"sent"}
    assert len(twilio_fake.creates()) == count + count // 2 + count // 4
