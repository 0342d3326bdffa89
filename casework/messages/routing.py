"""Which channel a message to a reporter goes by: SMS, or WhatsApp for WhatsApp reporters.

WhatsApp lets a business write free-form text only within 24 hours of the person's last
message to it; outside that window only a template Meta approved may go. So:

| reporter                           | free text (officer, intake reply) | status update          |
|------------------------------------|-----------------------------------|------------------------|
| wrote last by SMS, or never wrote  | SMS                               | SMS                    |
| WhatsApp, last message < 24 h ago  | WhatsApp                          | WhatsApp               |
| WhatsApp, last message >= 24 h ago | SMS (the words must arrive)       | WhatsApp template      |
|                                    |                                   | (TWILIO_WHATSAPP_      |
|                                    |                                   | TEMPLATE_SID), else SMS|

A template carries only variables (the reference and the status in plain words), so an
officer's own words outside the window go by SMS rather than be lost in a template. The
route is chosen when the message is queued and kept on its ``message_out`` event (``via``),
which is how the case page says "by WhatsApp template" or "by SMS (outside
WhatsApp's 24-hour window)".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from casework.cases.models import Case
from casework.extensions import db
from casework.intake.replies import DEFAULT_LANGUAGE, STATUS_WORDS
from casework.messages.models import Message
from casework.reporters.models import Reporter

WHATSAPP_WINDOW = timedelta(hours=24)

# ``via`` values, as kept on message_out events.
VIA_SMS = "sms"
VIA_WHATSAPP = "whatsapp"
VIA_TEMPLATE = "whatsapp_template"
VIA_SMS_FALLBACK = "sms_fallback"


@dataclass(frozen=True)
class Route:
    channel: str  # the Message's and the outbox row's channel: "sms" or "whatsapp"
    via: str  # one of the VIA_* values above
    template: str | None = None  # a WhatsApp template's Content SID


def last_inbound(reporter: Reporter, *, case: Case | None = None) -> Message | None:
    """The reporter's latest message to Casework (on ``case`` when given)."""
    query = select(Message).where(Message.reporter_id == reporter.id, Message.direction == "in")
    if case is not None:
        query = query.where(Message.case_id == case.id)
    return db.session.scalar(query.order_by(Message.created_dt.desc(), Message.id.desc()).limit(1))


def uses_whatsapp(reporter: Reporter, case: Case | None) -> bool:
    """The reporter writes on WhatsApp: their latest message on the case came by WhatsApp
    (a reporter who switched to SMS is answered by SMS), else the case arrived by it."""
    latest = last_inbound(reporter, case=case) if case is not None else None
    if latest is None:
        latest = last_inbound(reporter)
    if latest is not None:
        return latest.channel == "whatsapp"
    return case is not None and case.channel == "whatsapp"


def whatsapp_window_open(reporter: Reporter, now: datetime) -> bool:
    """Within 24 hours of the reporter's last WhatsApp message (on any of their cases:
    WhatsApp's window is per person, not per case)."""
    latest = db.session.scalar(
        select(Message.created_dt)
        .where(
            Message.reporter_id == reporter.id,
            Message.direction == "in",
            Message.channel == "whatsapp",
        )
        .order_by(Message.created_dt.desc())
        .limit(1)
    )
    return latest is not None and now - latest < WHATSAPP_WINDOW


def choose(reporter: Reporter, case: Case | None, now: datetime, *, templated: bool) -> Route:
    """The route for a message to ``reporter`` about ``case``; ``templated`` when the
    message may go as the status template outside the window (status updates)."""
    if not uses_whatsapp(reporter, case):
        return Route("sms", VIA_SMS)
    if whatsapp_window_open(reporter, now):
        return Route("whatsapp", VIA_WHATSAPP)
    sid = current_app.config.get("TWILIO_WHATSAPP_TEMPLATE_SID") or ""
    if templated and sid:
        return Route("whatsapp", VIA_TEMPLATE, template=sid)
    return Route("sms", VIA_SMS_FALLBACK)


def template_variables(case: Case, language: str | None) -> str:
    """The status template's variables as Twilio's ContentVariables JSON: ``{"1": ref,
    "2": the case's status in plain words}`` in the reporter's language."""
    words = STATUS_WORDS.get(language or "") or STATUS_WORDS[DEFAULT_LANGUAGE]
    return json.dumps({"1": case.reference, "2": words[case.status]}, ensure_ascii=False)
