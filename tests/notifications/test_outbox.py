"""The outbox: enqueue in the caller's transaction, dispatch after the commit, retries."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import select

import notifications
from casework import clock
from notifications.models import OutboxMessage
from notifications.outbox import BACKOFF_SECONDS, LEASE, dispatch, drain, enqueue


def rows(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


# ------------------------------------------------------------------------ enqueue


def test_sms_recipients_are_references_never_numbers(app, phonebook):
    with pytest.raises(ValueError, match="never phone numbers"):
        enqueue("sms", "+243810000001", "Habari")
    with pytest.raises(ValueError, match="no resolver"):
        enqueue("sms", "nobody:1", "Habari")
    with pytest.raises(ValueError, match="at most 1600"):
        enqueue("sms", "test:amani", "x" * 1601)
    with pytest.raises(ValueError, match="unknown channel"):
        enqueue("fax", "test:amani", "Habari")


def test_nothing_is_sent_before_commit(app, db, phonebook, twilio_fake):
    enqueue("sms", "test:amani", "Rolled back")
    db.session.rollback()
    assert rows(db) == []
    assert dispatch().claimed == 0
    assert twilio_fake.requests == []


@pytest.mark.postgres  # SQLite has one writer: the other session would wait for ours
def test_an_uncommitted_row_is_not_dispatched_by_another_session(app, db, phonebook, twilio_fake):
    enqueue("sms", "test:amani", "Not yet")
    with app.app_context():  # another app context: another session, as a dispatcher has
        assert dispatch().claimed == 0
    assert twilio_fake.requests == []
    db.session.commit()
    with app.app_context():
        assert dispatch().sent == 1


def test_a_dedupe_key_enqueues_once(app, db, phonebook):
    first = enqueue("sms", "test:amani", "Reminder", dedupe_key="reminder:action:7:due")
    again = enqueue("sms", "test:amani", "Reminder", dedupe_key="reminder:action:7:due")
    assert first is not None and again is None
    db.session.commit()
    later = enqueue("sms", "test:amani", "Reminder", dedupe_key="reminder:action:7:due")
    assert later is None
    other = enqueue("sms", "test:amani", "Reminder", dedupe_key="reminder:action:7:overdue-1")
    assert other is not None
    db.session.commit()
    assert [r.dedupe_key for r in rows(db)] == [
        "reminder:action:7:due",
        "reminder:action:7:overdue-1",
    ]


def test_enqueue_leaves_the_callers_transaction_open(app, db, phonebook):
    row = enqueue("sms", "test:amani", "Habari", ref="test:1")
    assert row is not None and row.id is not None  # flushed, so the caller may link it
    assert db.session().in_transaction()
    db.session.rollback()
    assert rows(db) == []


# ------------------------------------------------------------------------ delivery


def test_email_is_delivered_over_smtp(app, db, smtp_server):
    enqueue(
        "email",
        "supervisor@example.org",
        "Case CW-7K3Q-92MX is overdue for triage.",
        subject="Overdue: CW-7K3Q-92MX",
        html="<p>Case <b>CW-7K3Q-92MX</b> is overdue for triage.</p>",
    )
    db.session.commit()
    report = dispatch()
    assert (report.claimed, report.sent) == (1, 1)
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["supervisor@example.org"]
    assert mail.message["Subject"] == "Overdue: CW-7K3Q-92MX"
    assert "overdue for triage" in mail.message.get_body(("plain",)).get_content()
    assert "<b>CW-7K3Q-92MX</b>" in mail.message.get_body(("html",)).get_content()
    [row] = rows(db)
    assert row.status == "sent" and row.attempts == 1 and row.sent_dt is not None
    assert row.provider_id and row.provider_id in mail.message["Message-ID"]


def test_sms_is_delivered_through_the_real_twilio_client(app, db, phonebook, twilio_fake):
    enqueue(
        "sms",
        "test:amani",
        "Asante. Tumepokea ripoti yako.",
        status_callback_url="https://casework.example/sms/status?m=5",
    )
    db.session.commit()
    assert dispatch().sent == 1
    [request] = twilio_fake.creates()
    sid = app.config["TWILIO_ACCOUNT_SID"]
    assert request.path == f"/2010-04-01/Accounts/{sid}/Messages.json"
    assert request.auth == (sid, app.config["TWILIO_AUTH_TOKEN"])
    assert request.form["To"] == "+243810000001"
    assert request.form["From"] == app.config["TWILIO_FROM_NUMBER"]
    assert request.form["Body"] == "Asante. Tumepokea ripoti yako."
    assert request.form["StatusCallback"] == "https://casework.example/sms/status?m=5"
    [row] = rows(db)
    [created] = twilio_fake.sent
    assert row.status == "sent" and row.provider_id == created["sid"]
    assert row.provider_id.startswith("SM") and len(row.provider_id) == 34
    assert row.provider_status == "queued"
    assert "+243810000001" not in (row.recipient + (row.last_error or ""))


def test_no_status_callback_is_asked_for_when_the_row_has_none(app, db, phonebook, twilio_fake):
    enqueue("sms", "test:neema", "Habari")
    db.session.commit()
    dispatch()
    assert "StatusCallback" not in twilio_fake.creates()[0].form


# ------------------------------------------------------------------------ failures


def test_failures_back_off_then_give_up(app, db, phonebook, twilio_fake, outcomes, frozen_now):
    twilio_fake.fail_next(len(BACKOFF_SECONDS) + 1, status=503, code=20500)
    enqueue("sms", "test:amani", "Habari", ref="test:retry")
    db.session.commit()

    now = frozen_now
    for attempt, wait in enumerate(BACKOFF_SECONDS, start=1):
        report = dispatch()
        assert (report.claimed, report.retry) == (1, 1), attempt
        [row] = rows(db)
        assert row.status == "failed" and row.attempts == attempt
        assert row.next_attempt_dt == now + timedelta(seconds=wait)
        assert row.last_error_code == "20500"
        assert "503" in row.last_error
        # Not due yet: a dispatcher running now claims nothing.
        clock.freeze(row.next_attempt_dt - timedelta(seconds=1))
        assert dispatch().claimed == 0
        now = row.next_attempt_dt
        clock.freeze(now)

    report = dispatch()
    assert (report.claimed, report.dead) == (1, 1)
    [row] = rows(db)
    assert row.status == "dead" and row.attempts == len(BACKOFF_SECONDS) + 1
    clock.freeze(now + timedelta(days=7))
    assert dispatch().claimed == 0
    assert [o[1] for o in outcomes] == ["retry"] * len(BACKOFF_SECONDS) + ["dead"]
    assert len(twilio_fake.creates()) == len(BACKOFF_SECONDS) + 1
    assert twilio_fake.sent == []


def test_a_retry_that_succeeds_is_sent(app, db, phonebook, twilio_fake, outcomes, frozen_now):
    twilio_fake.fail_next(1, status=429, code=20429)
    enqueue("sms", "test:amani", "Habari", ref="test:once")
    db.session.commit()
    assert dispatch().retry == 1
    clock.freeze(frozen_now + timedelta(seconds=BACKOFF_SECONDS[0]))
    assert dispatch().sent == 1
    [row] = rows(db)
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None
    assert [o[1] for o in outcomes] == ["retry", "sent"]


def test_a_permanent_twilio_error_gives_up_at_once_and_keeps_no_number(
    app, db, phonebook, twilio_fake, outcomes
):
    twilio_fake.fail_next(
        1, status=400, code=21211, message="The 'To' number +243810000001 is not valid."
    )
    enqueue("sms", "test:amani", "Habari", ref="test:bad")
    db.session.commit()
    assert dispatch().dead == 1
    [row] = rows(db)
    assert row.status == "dead" and row.attempts == 1 and row.last_error_code == "21211"
    assert "810000001" not in row.last_error
    assert outcomes == [("test:bad", "dead", "dead", 1)]


def test_a_resolver_refusal_is_final_and_nothing_is_sent(app, db, phonebook, twilio_fake):
    enqueue("sms", "test:gone", "Habari")
    db.session.commit()
    assert dispatch().dead == 1
    [row] = rows(db)
    assert row.last_error_code == "gone"
    assert twilio_fake.requests == []


def test_missing_twilio_settings_are_retried_and_named(app, db, phonebook, twilio_fake):
    app.config["TWILIO_AUTH_TOKEN"] = ""
    enqueue("sms", "test:amani", "Habari")
    db.session.commit()
    assert dispatch().retry == 1
    assert "TWILIO_AUTH_TOKEN is not set" in rows(db)[0].last_error


def test_a_stalled_smtp_server_times_out_and_is_retried(app, db):
    # Accepts the connection and never says a word.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        app.config["MAIL_TIMEOUT"] = 0.3
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1])
        app.extensions["mail"].server = "127.0.0.1"
        app.extensions["mail"].port = silent.getsockname()[1]
        app.extensions["mail"].suppress = False
        enqueue("email", "officer@example.org", "Hello", subject="Hello")
        db.session.commit()
        assert dispatch().retry == 1
    [row] = rows(db)
    assert row.status == "failed" and "timed out" in row.last_error.lower()


def test_a_failing_hook_never_loses_the_sent_record(app, db, phonebook, twilio_fake):
    def broken(row, outcome):
        raise RuntimeError("bug in the app's hook")

    notifications.register_hook("test", broken)
    enqueue("sms", "test:amani", "Habari", ref="test:7")
    db.session.commit()
    assert dispatch().sent == 1
    assert rows(db)[0].status == "sent"
    assert dispatch().claimed == 0  # and it is not sent again
    assert len(twilio_fake.creates()) == 1


def test_an_abandoned_claim_is_taken_over_after_the_lease(
    app, db, phonebook, twilio_fake, frozen_now
):
    row = enqueue("sms", "test:amani", "Habari")
    row.status, row.claim_token, row.claimed_dt = "sending", "dead-beef", frozen_now
    row.attempts = 1
    db.session.commit()
    assert dispatch().claimed == 0  # its dispatcher may still be sending it
    clock.freeze(frozen_now + LEASE + timedelta(seconds=1))
    assert dispatch().sent == 1
    assert rows(db)[0].attempts == 2


def test_a_dispatch_claims_at_most_its_batch(app, db, phonebook, twilio_fake):
    for n in range(7):
        enqueue("sms", "test:amani", f"Message {n}")
    db.session.commit()
    report = dispatch(batch=3)
    assert (report.claimed, report.sent) == (3, 3)
    assert [r.status for r in rows(db)] == ["sent"] * 3 + ["pending"] * 4


def test_drain_sends_everything_due_in_batches(app, db, phonebook, twilio_fake):
    for n in range(7):
        enqueue("sms", "test:amani", f"Message {n}")
    db.session.commit()
    report = drain(batch=3)
    assert (report.claimed, report.sent) == (7, 7)
    assert [m["body"] for m in twilio_fake.sent] == [f"Message {n}" for n in range(7)]


def test_parallel_senders_send_each_message_once_and_each_recipients_in_order(
    app, db, twilio_fake, smtp_server
):
    book = {f"r{n}": f"+2438100000{n:02d}" for n in range(10)}
    notifications.register_resolver(
        "many", lambda name, channel: book[name] if channel == "sms" else f"{name}@example.org"
    )
    app.config["NOTIFICATIONS_DISPATCH_THREADS"] = 4
    for n in range(40):
        enqueue("sms", f"many:r{n % 10}", f"SMS {n}")
        enqueue("email", f"many:r{n % 10}", f"Mail {n}", subject=f"Mail {n}")
    db.session.commit()
    report = drain(batch=50)
    assert (report.claimed, report.sent) == (80, 80)
    bodies = [m["body"] for m in twilio_fake.sent]
    assert sorted(bodies) == sorted(f"SMS {n}" for n in range(40))
    for r in range(10):  # one recipient's messages go through one sender, in order
        to = book[f"r{r}"]
        mine = [m["body"] for m in twilio_fake.sent if m["to"] == to]
        assert mine == [f"SMS {n}" for n in range(r, 40, 10)]
    subjects = [m.message["Subject"] for m in smtp_server.messages]
    assert sorted(subjects) == sorted(f"Mail {n}" for n in range(40))
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {"sent"} and all(r.claim_token is None for r in rows)
