"""Officers writing to reporters: queued with the case change, sent after the commit,
never to a reporter who texted STOP."""

from __future__ import annotations

import pytest
from flask import render_template
from flask_login import login_user

from casework import clock
from casework.cases.models import CaseEvent
from casework.errors import InvalidInput, PermissionDenied
from casework.messages.models import Message
from casework.messages.operations import (
    ReporterOptedOut,
    ReporterUnreachable,
    send_to_reporter,
)
from casework.reporters.models import Reporter
from notifications.models import OutboxMessage
from notifications.outbox import dispatch
from tests.conftest import csrf_token

PHONE = "+243812345678"


@pytest.fixture
def make_reporter(db):
    def make(phone: str = PHONE, **fields) -> Reporter:
        reporter = Reporter.for_phone(phone, country="CD", language="sw", **fields)
        db.session.add(reporter)
        db.session.commit()
        return reporter

    return make


@pytest.fixture
def reported_case(make_case, make_reporter):
    return make_case(reporter=make_reporter())


def events(db, case, kind):
    return list(
        db.session.scalars(
            db.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
        )
    )


def outbox(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage)))


def test_a_message_is_queued_with_its_event_and_sent_after_commit(
    app, db, make_user, reported_case, twilio_fake
):
    officer = make_user("officer")
    message = send_to_reporter(reported_case, "  Asante. Tutakupigia simu kesho.  ", actor=officer)
    db.session.commit()

    assert (message.direction, message.status, message.channel) == ("out", "queued", "sms")
    assert message.body == "Asante. Tutakupigia simu kesho."
    assert message.reporter_id == reported_case.reporter_id and message.language == "sw"
    [row] = outbox(db)
    assert row.channel == "sms" and row.status == "pending"
    assert row.recipient == f"reporter:{reported_case.reporter_id}:case:{reported_case.id}"
    assert row.ref == f"message:{message.id}"
    assert row.status_callback_url == f"http://casework.test/sms/status?m={message.id}"
    assert PHONE not in " ".join(str(v) for v in vars(row).values())  # never in clear
    [event] = events(db, reported_case, "message_out")
    assert event.actor_id == officer.id
    assert event.data == {"message_id": message.id, "body": "Asante. Tutakupigia simu kesho."}
    assert twilio_fake.requests == []  # nothing before the dispatcher runs

    assert dispatch().sent == 1
    [request] = twilio_fake.creates()
    assert request.form["To"] == PHONE
    assert request.form["Body"] == "Asante. Tutakupigia simu kesho."
    assert request.form["StatusCallback"] == row.status_callback_url
    db.session.expire_all()
    message = db.session.get(Message, message.id)
    assert message.provider_sid == twilio_fake.sent[0]["sid"]
    assert message.status == "queued"  # Twilio's word; /sms/status moves it on


def test_the_public_url_is_the_status_callback_base(app, db, make_user, reported_case):
    app.config["CASEWORK_PUBLIC_URL"] = "https://casework.example.org"
    message = send_to_reporter(reported_case, "Habari", actor=make_user("supervisor"))
    [row] = outbox(db)
    assert row.status_callback_url == f"https://casework.example.org/sms/status?m={message.id}"


def test_a_reporter_who_texted_stop_gets_nothing(app, db, make_user, reported_case):
    officer = make_user("officer")
    reported_case.reporter.opted_out_dt = clock.now()
    db.session.commit()
    with pytest.raises(ReporterOptedOut, match="STOP"):
        send_to_reporter(reported_case, "Habari", actor=officer)
    db.session.rollback()
    assert outbox(db) == []
    assert db.session.scalars(db.select(Message)).all() == []
    assert events(db, reported_case, "message_out") == []


def test_stop_after_queueing_still_stops_the_sms(app, db, make_user, reported_case, twilio_fake):
    message = send_to_reporter(reported_case, "Habari", actor=make_user("officer"))
    db.session.commit()
    reported_case.reporter.opted_out_dt = clock.now()  # STOP arrives before the dispatcher
    db.session.commit()

    assert dispatch().dead == 1
    assert twilio_fake.requests == []
    db.session.expire_all()
    message = db.session.get(Message, message.id)
    assert (message.status, message.error_code) == ("failed", "opted_out")
    [failed] = events(db, reported_case, "message_failed")
    assert failed.data == {"message_id": message.id, "error_code": "opted_out"}


def test_a_twilio_refusal_marks_the_message_failed(app, db, make_user, reported_case, twilio_fake):
    twilio_fake.fail_next(1, status=400, code=21610)  # Twilio's own opt-out list
    message = send_to_reporter(reported_case, "Habari", actor=make_user("officer"))
    db.session.commit()
    assert dispatch().dead == 1
    db.session.expire_all()
    message = db.session.get(Message, message.id)
    assert (message.status, message.error_code) == ("failed", "21610")


@pytest.mark.parametrize(
    ("reporter_fields", "match"),
    [
        (None, "no reporter"),
        ({"anonymity": "anonymous"}, "anonymous"),
        ({"is_phone_valid": False}, "not a valid phone number"),
    ],
)
def test_reporters_who_cannot_be_reached_are_refused(
    app, db, make_user, make_case, make_reporter, reporter_fields, match
):
    reporter = make_reporter(**reporter_fields) if reporter_fields is not None else None
    case = make_case(reporter=reporter)
    with pytest.raises(ReporterUnreachable, match=match):
        send_to_reporter(case, "Habari", actor=make_user("officer"))
    db.session.rollback()
    assert outbox(db) == []


@pytest.mark.parametrize("role", ["committee", "viewer", "admin"])
def test_only_officers_and_supervisors_write_to_reporters(app, make_user, reported_case, role):
    with pytest.raises(PermissionDenied):
        send_to_reporter(reported_case, "Habari", actor=make_user(role))


def test_empty_and_overlong_messages_are_refused(app, make_user, reported_case):
    officer = make_user("officer")
    with pytest.raises(InvalidInput):
        send_to_reporter(reported_case, "   ", actor=officer)
    with pytest.raises(InvalidInput, match="1600"):
        send_to_reporter(reported_case, "x" * 1601, actor=officer)


# ------------------------------------------------------------------------ the web form


def test_an_officer_sends_from_the_case_page(app, db, login_as, reported_case):
    client, _ = login_as("officer")
    url = f"/cases/{reported_case.reference}"
    token = csrf_token(client, url)
    response = client.post(f"{url}/messages", data={"body": "Habari", "csrf_token": token})
    assert response.status_code == 303
    assert response.location.endswith(f"{url}#messages")
    [message] = db.session.scalars(db.select(Message)).all()
    assert message.body == "Habari" and message.status == "queued"
    assert len(outbox(db)) == 1


def test_the_form_refuses_an_opted_out_reporter_with_a_sentence(app, db, login_as, reported_case):
    client, _ = login_as("officer")
    reported_case.reporter.opted_out_dt = clock.now()
    db.session.commit()
    url = f"/cases/{reported_case.reference}"
    token = csrf_token(client, url)
    response = client.post(
        f"{url}/messages", data={"body": "Habari", "csrf_token": token}, follow_redirects=True
    )
    assert "texted STOP" in response.get_data(as_text=True)
    assert outbox(db) == []


def test_the_form_needs_csrf_and_the_right_role(app, db, login_as, reported_case):
    client, _ = login_as("officer")
    url = f"/cases/{reported_case.reference}/messages"
    assert client.post(url, data={"body": "Habari"}).status_code == 400
    viewer, _ = login_as("viewer")
    reported_case.is_published = True
    db.session.commit()
    token = csrf_token(viewer, "/cases")
    assert viewer.post(url, data={"body": "Habari", "csrf_token": token}).status_code == 403
    assert outbox(db) == []


def test_the_compose_partial(app, db, make_user, make_case, reported_case):
    officer = make_user("officer")
    send_to_reporter(reported_case, "Tumepokea ripoti yako", actor=officer)
    db.session.commit()
    with app.test_request_context():
        login_user(officer)
        html = render_template("messages/_compose.html", case=reported_case)
        assert f'action="/cases/{reported_case.reference}/messages"' in html
        # What was sent is listed by the Messages panel the compose box sits in.
        html = render_template("messages/_panel.html", case=reported_case)
        assert "Tumepokea ripoti yako" in html and "waiting to be sent" in html
        assert f'action="/cases/{reported_case.reference}/messages"' in html
        anonymous = make_case(reporter=None)
        html = render_template("messages/_compose.html", case=anonymous)
        assert "no reporter" in html and "<textarea" not in html
        login_user(make_user("viewer"))
        assert render_template("messages/_compose.html", case=reported_case).strip() == ""
