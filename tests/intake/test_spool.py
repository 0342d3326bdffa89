"""No report lost when the database cannot take it: the webhook waits a few seconds at
most, spools the message (encrypted, durable), still gives the reporter a reference, and
the intake-spool job or ``casework intake replay`` files it once the database answers.

The database is held by another connection, as a long migration or a stuck transaction
would: on SQLite ``BEGIN EXCLUSIVE`` from a plain sqlite3 connection, on PostgreSQL
``LOCK TABLE messages IN ACCESS EXCLUSIVE MODE``.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time

import psycopg
import pytest
from sqlalchemy.engine import make_url

from casework.cases.models import Case
from casework.intake import spool
from casework.messages.models import Message
from casework.reporters.models import Reporter
from notifications.models import OutboxMessage
from tests.intake.conftest import DRC, DRC_2, RWANDA, cases, count, messages, new_sid

REF = re.compile(r"CW-[0-9A-Z]{4}-[0-9A-Z]{4}")
REPORT = "Watoto wanachimba ndani ya shimo kwa site ya Nyabibwe, hawaendi shule."
MORE = "Wako wengi sana leo, zaidi ya ishirini."
PHOTO = {
    "NumMedia": "1",
    "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1",
    "MediaContentType0": "image/jpeg",
}
# The most the webhook may take while the database is held: well under gunicorn's 30 s.
BOUND_SECONDS = 5.0


@pytest.fixture
def app_config():
    return {"CASEWORK_INTAKE_DB_TIMEOUT_MS": 300}


@contextlib.contextmanager
def database_held(app):
    """Another connection holds the database (SQLite) or the messages table (PostgreSQL)
    for the duration of the block."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain) as conn:
            conn.execute("SET lock_timeout = '10s'")  # fail, not hang, if the test holds it
            conn.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
            yield
            conn.rollback()


def timed(send, *args, **kwargs):
    started = time.monotonic()
    answer = send(*args, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < BOUND_SECONDS, f"the webhook took {elapsed:.1f} s"
    return answer


def spooled_files(app) -> list:
    return sorted(p.name for p in spool.pending())


def file_with_job(runner):
    result = runner.invoke(args=["jobs", "run", "intake-spool"])
    assert result.exit_code == 0, result.output
    return result


def outbox(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_reports_arriving_while_the_database_is_held_get_a_reference_and_are_filed_later(
    app, db, sms, runner
):
    report_sid, more_sid, other_sid = new_sid(), new_sid(), new_sid()
    with database_held(app):
        first = timed(sms, REPORT, sid=report_sid, extra=PHOTO)
        more = timed(sms, MORE, sid=more_sid)
        other = timed(sms, "Hommes armés à Rubaya, ils prennent les sacs.", sid=other_sid,
                      sender=RWANDA)  # fmt: skip
        assert len(spooled_files(app)) == 3
    assert first.status_code == more.status_code == other.status_code == 200
    [reference] = set(REF.findall(first.reply))
    assert "Ripoti imepokelewa" in first.reply  # the usual reply, in the reporter's language
    assert reference in more.reply and "Imeongezwa" in more.reply  # one report, one reference
    [other_reference] = set(REF.findall(other.reply))
    assert other_reference != reference and "Signalement" in other.reply
    assert first.action is None  # no delivery report asked: no row to report on yet
    assert count(db, Message) == 0 and count(db, Case) == 0

    result = file_with_job(runner)
    assert "spooled 3, filed 3, failed 0, unreadable 0" in result.output
    assert spooled_files(app) == []
    by_reference = {case.reference: case for case in cases(db)}
    assert set(by_reference) == {reference, other_reference}
    case = by_reference[reference]
    assert case.description == REPORT and case.reporter.phone == DRC
    assert case.channel == "sms" and case.suggested_category == "SA-WFCL"
    assert by_reference[other_reference].reporter.phone == RWANDA
    [photo, follow_up] = messages(db, Message.case_id == case.id, Message.direction == "in")
    assert photo.provider_sid == report_sid and photo.body == REPORT
    assert photo.media == [{"url": PHOTO["MediaUrl0"], "content_type": "image/jpeg"}]
    assert follow_up.provider_sid == more_sid and follow_up.body == MORE
    # The replies given at the time are on the record, as sent; nothing is sent again.
    replies = messages(db, Message.direction == "out", Message.case_id == case.id)
    assert [r.body for r in replies] == [first.reply, more.reply]
    assert all(r.status == "accepted" for r in replies)
    assert outbox(db) == []
    assert count(db, Reporter) == 2

    file_with_job(runner)  # nothing left: harmless
    assert len(cases(db)) == 2


def test_the_spool_holds_the_message_encrypted_and_a_repeat_of_it_once(app, db, sms):
    sid = new_sid()
    with database_held(app):
        answer = timed(sms, REPORT, sid=sid)
        repeat = timed(sms, REPORT, sid=sid)
    assert REF.search(answer.reply) and repeat.status_code == 200 and repeat.reply is None
    [name] = spooled_files(app)
    path = spool.folder() / name
    raw = path.read_bytes()
    assert DRC.encode() not in raw and b"Nyabibwe" not in raw and sid.encode() not in raw
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    entry = spool.read(path)
    assert entry.form["From"] == DRC and entry.form["Body"] == REPORT
    assert entry.reference in answer.reply and entry.reply == answer.reply

    # The database is back, and Twilio delivers the same message again before the job
    # ran: still the one message, under the reference first given.
    assert sms(REPORT, sid=sid).reply is None
    assert count(db, Message) == 0


def test_an_anonymous_report_is_spooled_without_the_number_and_keeps_its_reference(
    app, db, sms, runner
):
    with database_held(app):
        answer = timed(
            sms,
            "ANON askari wanachukua pesa kwa kizuizi cha Nyabibwe",
            # What Twilio adds that also names or locates the sender (WhatsApp, SMS).
            extra={"WaId": DRC.lstrip("+"), "ProfileName": "Mama Neema", "FromCity": "GOMA"},
        )
    [reference] = set(REF.findall(answer.reply))
    [name] = spooled_files(app)
    entry = spool.read(spool.folder() / name)
    assert "From" not in entry.form and entry.sender_hash is None
    assert not {"WaId", "ProfileName", "FromCity"} & set(entry.form)
    assert DRC.lstrip("+") not in repr(entry) and "Neema" not in repr(entry)

    file_with_job(runner)
    [case] = cases(db)
    assert case.reference == reference and case.is_anonymous and case.reporter_id is None
    assert count(db, Reporter) == 0
    [reply] = messages(db, Message.direction == "out")
    assert reply.body == answer.reply and reply.reporter_id is None


def test_keywords_are_answered_once_filed_through_the_outbox_with_a_delivery_report(
    app, db, sms, runner
):
    assert sms(REPORT).reply  # the database is up: an ordinary case
    [case] = cases(db)
    status_sid = new_sid()
    with database_held(app):
        status = timed(sms, f"HALI {case.reference}", sid=status_sid)
        stop = timed(sms, "STOP", sender=DRC_2)
    assert status.reply is None and stop.reply is None  # no database to answer from

    result = runner.invoke(args=["intake", "replay"])
    assert result.exit_code == 0, result.output
    assert "2 spooled message(s); 2 filed, 0 failed again." in result.output
    [asked] = messages(db, Message.provider_sid == status_sid)
    [status_reply] = messages(db, Message.reply_to_id == asked.id)
    assert case.reference in status_reply.body and status_reply.status == "queued"
    queued = {row.ref: row for row in outbox(db)}
    row = queued[f"message:{status_reply.id}"]
    assert row.recipient == f"reporter:{case.reporter_id}"
    assert row.status_callback_url == f"http://casework.test/sms/status?m={status_reply.id}"
    assert Reporter.find(DRC_2).opted_out_dt is not None  # STOP is honoured once filed
    assert len(queued) == 2  # and confirmed


def test_a_flood_while_spooled_is_kept_without_replies(app, db, sms, runner):
    app.config["CASEWORK_SMS_HOURLY_LIMIT"] = 2
    with database_held(app):
        answers = [timed(sms, f"{REPORT} ({i})") for i in range(4)]
    assert [bool(a.reply) for a in answers] == [True, True, False, False]
    file_with_job(runner)
    [case] = cases(db)
    assert count(db, Message, Message.direction == "in", Message.case_id == case.id) == 4


def test_replies_sent_by_replay_ask_for_a_delivery_report_at_the_public_url(
    app, db, sms, runner, monkeypatch
):
    from casework.intake import classify

    def broken(text):
        raise ValueError("classifier bug")

    monkeypatch.setattr(classify, "suggest_category", broken)
    sms(REPORT)
    monkeypatch.undo()
    app.config["CASEWORK_PUBLIC_URL"] = "https://casework.example.org"
    assert runner.invoke(args=["intake", "replay"]).exit_code == 0
    [reply] = messages(db, Message.direction == "out")
    [queued] = outbox(db)
    assert queued.status_callback_url == (f"https://casework.example.org/sms/status?m={reply.id}")


def test_a_spooled_message_that_cannot_be_decrypted_stays_and_replay_says_so(app, db, sms, runner):
    with database_held(app):
        sms(REPORT)
    app.config["CASEWORK_DATA_KEY"] = "bmV3LWtleS1uZXctay1uZXcta2V5LW5ldy1rZXktMTI="
    result = runner.invoke(args=["intake", "replay"])
    assert result.exit_code == 1
    assert "1 spooled message(s); 0 filed, 1 failed again." in result.output
    assert len(spooled_files(app)) == 1 and count(db, Case) == 0


def test_the_spool_folder_defaults_to_the_instance_folder(app, monkeypatch):
    monkeypatch.setitem(app.config, "CASEWORK_SPOOL_DIR", "")
    assert str(spool.folder()) == os.path.join(app.instance_path, "spool")


def test_supervisors_see_how_many_messages_wait_in_the_spool(app, db, sms, runner, login_as):
    with database_held(app):
        sms(REPORT)
        sms("Hommes armés à Rubaya", sender=RWANDA)
    supervisor, _ = login_as("supervisor")
    html = supervisor.get("/cases").get_data(as_text=True)
    assert 'id="spooled"' in html and "2 SMS wait in the spool" in html
    assert REPORT not in html  # counted, not shown
    officer, _ = login_as("officer")
    assert 'id="spooled"' not in officer.get("/cases").get_data(as_text=True)

    file_with_job(runner)
    assert 'id="spooled"' not in supervisor.get("/cases").get_data(as_text=True)


def test_with_the_default_timeout_a_held_database_costs_the_webhook_about_three_seconds(
    app, db, sms, monkeypatch
):
    monkeypatch.setitem(app.config, "CASEWORK_INTAKE_DB_TIMEOUT_MS", 3000)
    with database_held(app):
        started = time.monotonic()
        answer = sms(REPORT)
        elapsed = time.monotonic() - started
    assert 2.5 < elapsed < 10, elapsed  # waited for the lock, then spooled: gunicorn's is 30 s
    assert REF.search(answer.reply) and len(spool.pending()) == 1


def test_a_processing_failure_whose_reporter_cannot_be_kept_is_spooled_with_its_sender(
    app, db, sms, runner, monkeypatch
):
    from casework.intake import operations

    real_keep = operations.keep_failed

    def crash(*args, **kwargs):
        raise ValueError("a bug")

    def keep_only_bare(inbound, *, with_reporter=True):
        if with_reporter:
            raise ValueError("another bug")
        return real_keep(inbound, with_reporter=False)

    monkeypatch.setattr(operations, "receive_message", crash)
    monkeypatch.setattr(operations, "keep_failed", keep_only_bare)
    answer = sms(REPORT)
    [reference] = set(REF.findall(answer.reply))
    assert messages(db) == []  # not kept bare, without its sender: spooled whole
    monkeypatch.undo()

    file_with_job(runner)
    [case] = cases(db)
    assert case.reference == reference and case.reporter.phone == DRC
