"""A report whose processing failed is not lost: it is kept with its reporter, processed
again by Twilio's retry or by ``casework intake replay``, and until then supervisors see it."""

from __future__ import annotations

import logging

import pytest

from casework.cases.models import Case
from casework.intake import classify
from casework.messages.models import Message
from casework.reporters.models import Reporter
from notifications.models import OutboxMessage
from tests.intake.conftest import DRC, cases, count, messages, new_sid
from tests.intake.test_concurrency import (
    ON_POSTGRES,
    assert_one_case_and_one_reply,
    params,
    race,
)

REPORT = "Watoto wa miaka 12-14 wanachimba ndani ya shimo kwa site ya Nyabibwe, hawaendi shule."
MORE = "Wameanza tena leo asubuhi, watoto kumi."


def _broken(text):
    raise ValueError("classifier bug")


@pytest.fixture
def classifier_bug(monkeypatch):
    """The category classifier raises, as a bug in it would; call the fixture's value to fix
    it."""
    monkeypatch.setattr(classify, "suggest_category", _broken)
    return monkeypatch.undo


def replay(runner):
    return runner.invoke(args=["intake", "replay"])


def outbox(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage)))


# ---------------------------------------------------------------- Twilio's retry


def test_a_crash_then_twilios_retry_of_the_same_sid_makes_the_case_and_one_reply(
    sms, db, classifier_bug
):
    sid = new_sid()
    crashed = sms(REPORT, sid=sid)
    assert crashed.status_code == 200 and crashed.reply is None
    [kept] = messages(db)
    assert kept.flag_reason == "processing_failed" and kept.reporter_id is not None
    assert count(db, Case) == 0

    assert sms(REPORT, sid=sid).reply is None  # still broken: kept as it was, not lost
    [kept] = messages(db)
    assert kept.flag_reason == "processing_failed" and kept.case_id is None

    classifier_bug()  # fixed
    retry = sms(REPORT, sid=sid)
    [case] = cases(db)
    assert retry.reply and case.reference in retry.reply
    assert case.description == REPORT and case.reporter.phone == DRC
    assert case.suggested_category == "SA-WFCL"
    [inbound] = messages(db, Message.direction == "in")
    assert inbound.id == kept.id and inbound.case_id == case.id and not inbound.is_flagged

    again = sms(REPORT, sid=sid)  # processed now: a duplicate like any other
    assert again.status_code == 200 and again.reply is None
    assert count(db, Case) == 1
    assert count(db, Message, Message.direction == "out") == 1


def test_a_retried_follow_up_joins_the_open_case(sms, db, monkeypatch):
    assert sms(REPORT).reply
    sid = new_sid()
    monkeypatch.setattr(classify, "suggest_category", _broken)
    assert sms(MORE, sid=sid).reply is None
    monkeypatch.undo()
    retry = sms(MORE, sid=sid)
    [case] = cases(db)
    assert retry.reply and case.reference in retry.reply
    assert count(db, Message, Message.case_id == case.id, Message.direction == "in") == 2
    assert count(db, Reporter) == 1


def _concurrent_retries_make_one_case(app, db, monkeypatch, n: int) -> None:
    body = params(new_sid(), REPORT)
    monkeypatch.setattr(classify, "suggest_category", _broken)
    [crashed] = race(app, [body])
    assert crashed.status_code == 200 and crashed.reply is None
    monkeypatch.undo()
    assert count(db, Message, Message.flag_reason == "processing_failed") == 1

    assert_one_case_and_one_reply(db, race(app, [body] * n))


@pytest.mark.skipif(ON_POSTGRES, reason="the PostgreSQL variant runs instead")
def test_concurrent_retries_of_a_failed_message_make_one_case_on_sqlite(app, db, monkeypatch):
    _concurrent_retries_make_one_case(app, db, monkeypatch, 4)


@pytest.mark.postgres
@pytest.mark.parametrize("n", [2, 8])
def test_concurrent_retries_of_a_failed_message_make_one_case_on_postgresql(
    app, db, monkeypatch, n
):
    _concurrent_retries_make_one_case(app, db, monkeypatch, n)


# ---------------------------------------------------------------- casework intake replay


def test_replay_recovers_a_failed_message_and_sends_the_reply_through_the_outbox(
    sms, db, runner, classifier_bug
):
    sms(REPORT)
    assert count(db, Case) == 0
    classifier_bug()

    result = replay(runner)
    assert result.exit_code == 0, result.output
    assert "1 unfiled inbound message(s); 1 replayed (1 new_case), 0 failed again." in (
        result.output
    )
    [case] = cases(db)
    assert case.description == REPORT and case.reporter.phone == DRC
    [inbound] = messages(db, Message.direction == "in")
    assert inbound.case_id == case.id and not inbound.is_flagged
    [reply] = messages(db, Message.direction == "out")
    assert reply.case_id == case.id and case.reference in reply.body
    [queued] = outbox(db)  # no webhook response to carry it: the outbox sends it
    assert queued.channel == "sms" and queued.recipient == f"reporter:{case.reporter_id}"
    assert queued.ref == f"message:{reply.id}" and queued.body == reply.body
    assert DRC not in result.output

    again = replay(runner)  # safe to run twice
    assert again.exit_code == 0, again.output
    assert "0 unfiled inbound message(s)" in again.output
    assert count(db, Case) == 1 and len(outbox(db)) == 1


def test_replay_keeps_what_still_fails_and_says_so(sms, db, runner, classifier_bug, caplog):
    sms(REPORT)
    with caplog.at_level(logging.ERROR):
        result = replay(runner)
    assert result.exit_code == 1
    assert "1 unfiled inbound message(s); 0 replayed, 1 failed again." in result.output
    [kept] = messages(db)
    assert kept.flag_reason == "processing_failed" and kept.case_id is None
    assert count(db, Case) == 0


def test_replay_files_a_bare_message_kept_before_reporters_were_kept(app, db, runner):
    """Rows kept by earlier versions have no reporter: the report still gets its case."""
    db.session.add_all(
        [
            Message(direction="in", provider_sid=new_sid(), body=REPORT, is_flagged=True,
                    flag_reason="processing_failed"),
            Message(direction="in", provider_sid=new_sid(), body="HALI", is_flagged=True,
                    flag_reason="processing_failed"),
        ]
    )  # fmt: skip
    db.session.commit()
    result = replay(runner)
    assert result.exit_code == 0, result.output
    assert "2 replayed (1 new_case, 1 no_sender)" in result.output
    [case] = cases(db)
    assert case.description == REPORT and case.reporter_id is None
    assert count(db, Message, Message.direction == "out") == 0
    assert replay(runner).output.startswith("0 unfiled")


def test_replay_files_a_flood_kept_without_a_case_on_the_reporters_open_case(sms, db, runner, app):
    """Earlier versions left a flood from a reporter without a case on no case."""
    app.config["CASEWORK_SMS_HOURLY_LIMIT"] = 1
    assert sms("AIDE").reply
    assert sms("Hommes armés à Rubaya").reply is None
    [flooded] = messages(db, Message.flag_reason == "flood")
    [case] = cases(db)
    flooded.case_id = None  # as it was left before
    db.session.commit()

    result = replay(runner)
    assert result.exit_code == 0, result.output
    assert "1 replayed (1 flooded)" in result.output
    [flooded] = messages(db, Message.flag_reason == "flood")
    assert flooded.case_id == case.id and cases(db) == [case]
    assert count(db, Message, Message.direction == "out") == 1  # still no reply


# ---------------------------------------------------------------- supervisors find them


def test_supervisors_see_unfiled_messages_on_the_queue_until_replayed(
    sms, db, runner, login_as, classifier_bug
):
    sms(REPORT)
    supervisor, _ = login_as("supervisor")
    html = supervisor.get("/cases").get_data(as_text=True)
    assert 'id="unfiled"' in html and "1 SMS is on no case" in html
    assert REPORT in html and "processing failed" in html
    assert "+243 ••• ••• 101" in html and DRC not in html

    officer, _ = login_as("officer")
    assert 'id="unfiled"' not in officer.get("/cases").get_data(as_text=True)

    classifier_bug()
    assert replay(runner).exit_code == 0
    assert 'id="unfiled"' not in supervisor.get("/cases").get_data(as_text=True)
