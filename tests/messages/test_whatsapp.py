"""WhatsApp reporters are answered on WhatsApp: free-form within 24 hours of their last
message, through the approved template outside it, else by SMS; the case says which. Sent
by the real twilio client to the local Twilio fake through the dispatcher."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from casework import clock
from casework.cases.models import Case, CaseEvent
from casework.intake.replies import milestone_text
from casework.messages.models import Message
from casework.messages.operations import send_to_reporter
from casework.reporters.models import Reporter
from notifications.models import OutboxMessage
from notifications.outbox import dispatch
from tests.conftest import csrf_token
from tests.intake.conftest import DRC
from tests.intake.test_recovery import REPORT, replay

PHONE = "+243812345678"
WHATSAPP_FROM = "+14155238886"
TEMPLATE = "HX" + "b" * 32


@pytest.fixture
def whatsapp_case(db, app, make_case, frozen_now):
    """A case reported on WhatsApp, its reporter's last message ``hours`` ago."""
    app.config["TWILIO_WHATSAPP_FROM"] = WHATSAPP_FROM

    def make(hours: float, language: str = "sw") -> Case:
        reporter = Reporter.for_phone(PHONE, country="CD", language=language)
        db.session.add(reporter)
        db.session.commit()
        case = make_case(reporter=reporter, channel="whatsapp", status="triaged")
        db.session.add(
            Message(direction="in", channel="whatsapp", case_id=case.id, reporter=reporter,
                    body="Habari zaidi", created_dt=clock.now() - timedelta(hours=hours))
        )  # fmt: skip
        db.session.commit()
        return case

    return make


def start_verification(db, client, case: Case) -> Message:
    url = f"/cases/{case.reference}"
    data = {"csrf_token": csrf_token(client, url), "version": str(case.version)}
    response = client.post(f"{url}/transitions/start_verification", data=data)
    assert response.status_code == 302
    return db.session.scalars(db.select(Message).where(Message.direction == "out")).one()


def via(db, case) -> dict | None:
    db.session.expire_all()
    [event] = db.session.scalars(
        db.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "message_out")
    ).all()
    return event.data.get("via")


def test_within_24_hours_the_update_goes_free_form_on_whatsapp(
    db, login_as, whatsapp_case, twilio_fake
):
    case = whatsapp_case(hours=23.9)
    client, _ = login_as("officer")
    message = start_verification(db, client, case)
    assert message.channel == "whatsapp" and via(db, case) == "whatsapp"

    assert dispatch().sent == 1
    [request] = twilio_fake.creates()
    assert request.form["To"] == f"whatsapp:{PHONE}"
    assert request.form["From"] == f"whatsapp:{WHATSAPP_FROM}"
    assert request.form["Body"] == milestone_text("verifying", case.reference, "sw")
    assert "ContentSid" not in request.form


def test_after_24_hours_the_update_goes_through_the_approved_template(
    app, db, login_as, whatsapp_case, twilio_fake
):
    app.config["TWILIO_WHATSAPP_TEMPLATE_SID"] = TEMPLATE
    case = whatsapp_case(hours=24)
    client, _ = login_as("officer")
    message = start_verification(db, client, case)
    assert message.channel == "whatsapp" and via(db, case) == "whatsapp_template"
    assert message.body == f"Ripoti {case.reference}: inathibitishwa. Asante kwa kuripoti."

    assert dispatch().sent == 1
    [request] = twilio_fake.creates()
    assert request.form["To"] == f"whatsapp:{PHONE}"
    assert request.form["From"] == f"whatsapp:{WHATSAPP_FROM}"
    assert request.form["ContentSid"] == TEMPLATE
    variables = json.loads(request.form["ContentVariables"])
    assert variables == {"1": case.reference, "2": "inathibitishwa"}
    assert "Body" not in request.form

    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "by WhatsApp template" in html


def test_after_24_hours_without_a_template_the_update_goes_by_sms(
    app, db, login_as, whatsapp_case, twilio_fake
):
    app.config["TWILIO_WHATSAPP_TEMPLATE_SID"] = ""
    case = whatsapp_case(hours=30, language="fr")
    client, _ = login_as("officer")
    message = start_verification(db, client, case)
    assert message.channel == "sms" and via(db, case) == "sms_fallback"

    assert dispatch().sent == 1
    [request] = twilio_fake.creates()
    assert request.form["To"] == PHONE and request.form["From"] == "+15005550006"
    assert request.form["Body"] == milestone_text("verifying", case.reference, "fr")

    html = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "by SMS (outside WhatsApp&#39;s 24-hour window)" in html


@pytest.mark.parametrize(("hours", "channel", "to"), [
    (2, "whatsapp", f"whatsapp:{PHONE}"), (48, "sms", PHONE),
])  # fmt: skip
def test_an_officers_message_goes_on_whatsapp_in_the_window_else_by_sms(
    app, db, make_user, whatsapp_case, twilio_fake, hours, channel, to
):
    """A template cannot carry an officer's words: outside the window they go by SMS."""
    app.config["TWILIO_WHATSAPP_TEMPLATE_SID"] = TEMPLATE
    case = whatsapp_case(hours=hours)
    message = send_to_reporter(case, "Tutakupigia simu kesho.", actor=make_user("officer"))
    db.session.commit()
    assert message.channel == channel
    assert dispatch().sent == 1
    [request] = twilio_fake.creates()
    assert request.form["To"] == to and request.form["Body"] == "Tutakupigia simu kesho."
    assert "ContentSid" not in request.form


def test_a_reporter_who_switched_to_sms_is_answered_by_sms(db, make_user, whatsapp_case):
    case = whatsapp_case(hours=1)
    db.session.add(
        Message(direction="in", channel="sms", case_id=case.id, reporter_id=case.reporter_id,
                body="Ni mimi tena", created_dt=clock.now())
    )  # fmt: skip
    db.session.commit()
    message = send_to_reporter(case, "Asante.", actor=make_user("officer"))
    assert message.channel == "sms"


@pytest.mark.parametrize(("hours_later", "channel"), [(1, "whatsapp"), (25, "sms")])
def test_an_intake_reply_queued_outside_the_webhook_follows_the_same_window(
    db,
    runner,
    sms,
    classifier_bug,
    frozen_now,
    hours_later,
    channel,
):
    """A report kept after a failure and replayed later: its reply cannot ride on the
    webhook's answer, so the outbox sends it, on WhatsApp while the window is open."""
    sms(REPORT, sender=f"whatsapp:{DRC}")
    classifier_bug()
    clock.freeze(frozen_now + timedelta(hours=hours_later))
    assert replay(runner).exit_code == 0
    db.session.expire_all()
    [reply] = db.session.scalars(db.select(Message).where(Message.direction == "out")).all()
    [row] = db.session.scalars(db.select(OutboxMessage)).all()
    assert reply.channel == row.channel == channel
    assert row.template is None and row.body == reply.body


def test_a_whatsapp_message_that_waited_past_the_window_goes_by_sms(
    app, db, make_user, whatsapp_case, twilio_fake
):
    """Queued inside the 24 hours, sent after them (Twilio down meanwhile): by SMS, since
    WhatsApp would refuse free-form text; the message says so."""
    case = whatsapp_case(hours=23)
    message = send_to_reporter(case, "Tutakupigia simu kesho.", actor=make_user("officer"))
    db.session.commit()
    assert message.channel == "whatsapp"
    twilio_fake.fail_next(1, status=500, code=20500)
    assert dispatch().retry == 1
    clock.freeze(clock.now() + timedelta(hours=2))  # past the window, and past the backoff
    assert dispatch().sent == 1
    first, second = twilio_fake.creates()
    assert first.form["To"] == f"whatsapp:{PHONE}" and second.form["To"] == PHONE
    assert second.form["Body"] == "Tutakupigia simu kesho."
    db.session.refresh(message)
    assert message.channel == "sms"
    row = db.session.scalars(db.select(OutboxMessage)).one()
    assert row.channel == "sms" and row.status == "sent"
