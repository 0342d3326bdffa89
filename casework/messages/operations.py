"""Outbound messages to reporters, and the app's side of the notifications outbox.

`send_to_reporter` (an officer's words) and `send_status_update` (Casework's own, e.g. at a
milestone) write the message, its outbox row and the case event in the caller's
transaction; a dispatcher sends it after the commit, by SMS or WhatsApp
(`casework.messages.routing`). `init_app` plugs Casework into `notifications`: it resolves
``reporter:<id>`` (``reporter:<id>:case:<case id>`` for a message about a case) to the
decrypted number at send time, checking again that the reporter may be contacted (so
numbers never sit in the outbox, and a STOP or a "do not contact" set after queueing still
stops the message), and updates `Message` rows when a send succeeds or is given up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, current_app, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

import notifications
from casework import clock
from casework.cases.models import Case, CaseEvent
from casework.cases.operations import record_event
from casework.cases.permissions import can_work
from casework.errors import CaseworkError, InvalidInput, PermissionDenied
from casework.extensions import db
from casework.intake.replies import status_reply
from casework.messages import routing
from casework.messages.models import Message
from casework.reporters.models import Reporter
from notifications.models import OutboxMessage
from notifications.outbox import MAX_SMS_LENGTH

log = logging.getLogger(__name__)

MESSAGING_ROLES = frozenset({"officer", "supervisor"})


class ReporterUnreachable(CaseworkError):
    """Casework may not, or cannot, send this reporter an SMS."""


class ReporterOptedOut(ReporterUnreachable):
    """The reporter texted STOP."""

    def __init__(self, message: str | LazyString | None = None):
        super().__init__(
            message
            or _l(
                "The reporter texted STOP, so Casework sends them no more SMS. "
                "They can text START to hear from you again."
            )
        )


class DoNotContact(ReporterUnreachable):
    """An officer switched "do not contact the reporter" on for the case."""

    def __init__(self, message: str | LazyString | None = None):
        super().__init__(
            message
            or _l(
                "“Do not contact the reporter” is switched on for this case, so Casework "
                "sends its reporter nothing, not even automatic updates."
            )
        )


def check_reachable(reporter: Reporter | None, case: Case | None = None) -> Reporter:
    """The reporter, if a message may go to them (about ``case``, when given); else the
    reason, as a domain error."""
    if case is not None and case.is_anonymous:
        raise ReporterUnreachable(
            _l(
                "This case was reported anonymously (ANON): no number was kept, so nothing "
                "can be sent to the reporter."
            )
        )
    if case is not None and case.do_not_contact:
        raise DoNotContact()
    if reporter is None and case is not None and case.contact_erased_dt is not None:
        raise ReporterUnreachable(
            _l("The reporter's contact details were erased: Casework can no longer write to them.")
        )
    if reporter is None:
        raise ReporterUnreachable(_l("This case has no reporter to write to."))
    if reporter.anonymity == "anonymous":
        raise ReporterUnreachable(
            _l("The reporter chose to stay anonymous: Casework does not contact them.")
        )
    if not reporter.is_phone_valid:
        raise ReporterUnreachable(
            _l("The reporter's number is not a valid phone number, so no SMS can reach them.")
        )
    if reporter.is_opted_out:
        raise ReporterOptedOut()
    return reporter


def may_message_reporter(user, case: Case) -> bool:
    return user.role in MESSAGING_ROLES and can_work(user, case)


def send_to_reporter(case: Case, body: str, *, actor) -> Message:
    """Write to the reporter of ``case`` by SMS: queued now, sent after the commit."""
    if actor is None or not may_message_reporter(actor, case):
        raise PermissionDenied(
            _l("Only the officers and supervisors working this case may write to its reporter.")
        )
    text = body.strip()
    if not text:
        raise InvalidInput(_l("Write the message before sending it."))
    if len(text) > MAX_SMS_LENGTH:
        raise InvalidInput(
            _l(
                "An SMS holds at most %(limit)d characters; this one has %(count)d. "
                "Shorten it and send it again.",
                limit=MAX_SMS_LENGTH,
                count=len(text),
            )
        )
    reporter = check_reachable(case.reporter, case)
    now = clock.now()
    route = routing.choose(reporter, case, now, templated=False)
    message = _write(case, reporter, route, text, language=reporter.language, now=now)
    notifications.enqueue(
        route.channel,
        recipient(reporter, case),
        text,
        ref=f"message:{message.id}",
        status_callback_url=status_callback_url(message),
    )
    case.updated_dt = now
    data: dict = {"message_id": message.id, "body": text}
    if route.via != routing.VIA_SMS:
        data["via"] = route.via
    record_event(case, "message_out", actor=actor, data=data)
    return message


def send_status_update(
    case: Case, text: str, *, kind: str, actor=None, key: str | None = None
) -> Message | None:
    """Tell the case's reporter, unasked, how their case stands; None when nothing is sent.

    ``text`` is what to say, already in the reporter's language (see
    `casework.intake.replies.milestone_text`); ``kind`` names why (a milestone such as
    ``verifying`` or ``closed_rejected``, or ``reminder`` for the 30-day update) and is kept
    on the ``message_out`` event with ``"automatic": true``. ``actor`` is whoever caused it
    (None for a job). ``key`` makes it idempotent: a second call with a key already in the
    outbox sends nothing (use one per case event, or per case and period for a job).

    Sends nothing, silently, when the reporter may not be contacted (anonymous, STOP, not a
    valid number, no reporter, or "do not contact" on the case). WhatsApp reporters outside
    the 24-hour window get the approved status template (reference and status in plain
    words) when TWILIO_WHATSAPP_TEMPLATE_SID is set, else an SMS. Writes the message, its
    outbox row and the event in the caller's transaction; never commits; does not touch
    the case row (an automatic message must not make an officer's open form stale).
    """
    try:
        reporter = check_reachable(case.reporter, case)
    except ReporterUnreachable:
        return None
    if key is not None and db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)
    ):
        return None
    now = clock.now()
    language = reporter.language or case.language
    route = routing.choose(reporter, case, now, templated=True)
    if route.template:  # what the template says, as near as we know it; its variables go out
        shown = status_reply(case.reference, case.status, language)
        body = routing.template_variables(case, language)
    else:
        shown = body = text
    message = _write(case, reporter, route, shown, language=language, now=now)
    row = notifications.enqueue(
        route.channel,
        recipient(reporter, case),
        body,
        ref=f"message:{message.id}",
        dedupe_key=key,
        status_callback_url=status_callback_url(message),
        template=route.template,
    )
    if row is None:  # a concurrent transaction used the key first
        db.session.delete(message)
        db.session.flush()
        return None
    data = {"message_id": message.id, "body": shown, "automatic": True, "milestone": kind}
    if route.via != routing.VIA_SMS:
        data["via"] = route.via
    record_event(case, "message_out", actor=actor, data=data)
    return message


def _write(case: Case, reporter: Reporter, route, body: str, *, language, now) -> Message:
    message = Message(
        direction="out",
        channel=route.channel,
        status="queued",
        case=case,
        reporter=reporter,
        body=body,
        language=language,
        created_dt=now,
        updated_dt=now,
    )
    db.session.add(message)
    db.session.flush()
    return message


def recipient(reporter: Reporter, case: Case | None = None) -> str:
    """The outbox recipient for a message to ``reporter``: about ``case``, the resolver
    checks the case's "do not contact" switch at send time too."""
    if case is None:
        return f"reporter:{reporter.id}"
    return f"reporter:{reporter.id}:case:{case.id}"


def status_callback_url(message: Message) -> str | None:
    """Where Twilio reports delivery of ``message``: ``<public URL>/sms/status?m=<id>``.

    Twilio signs the whole URL, query included, so ``m`` cannot be forged. Without
    CASEWORK_PUBLIC_URL (and outside a request, without SERVER_NAME) there is no URL to
    give and delivery reports are not asked for.
    """
    base = current_app.config.get("CASEWORK_PUBLIC_URL") or ""
    if not base:
        try:
            base = url_for("core.index", _external=True)
        except RuntimeError:
            if not current_app.extensions.get("casework.public_url_warned"):
                current_app.extensions["casework.public_url_warned"] = True  # once per app
                log.warning("no CASEWORK_PUBLIC_URL: SMS delivery reports are not requested")
            return None
    return f"{base.rstrip('/')}/sms/status?m={message.id}"


def case_messages(case: Case) -> list[Message]:
    """The case's SMS thread, oldest first: every message filed on the case, in and out,
    and the status requests (not filed on a case) that its replies answer."""
    # The answered ids as values, not a subquery: "case_id = x OR id IN (SELECT ...)" is a
    # sequential scan of every message on PostgreSQL; with values each side uses its index.
    answered = list(
        db.session.scalars(
            select(Message.reply_to_id).where(
                Message.case_id == case.id, Message.reply_to_id.is_not(None)
            )
        )
    )
    return list(
        db.session.scalars(
            select(Message)
            .where(or_(Message.case_id == case.id, Message.id.in_(answered)))
            .order_by(Message.created_dt, Message.id)
        )
    )


def message_vias(case: Case) -> dict[int, str]:
    """``{message id: via}`` for the case's messages that went another way than plain SMS
    (their ``message_out`` event keeps it; see `casework.messages.routing`)."""
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "message_out")
    )
    return {
        e.data["message_id"]: e.data["via"]
        for e in events
        if e.data and e.data.get("via") and e.data.get("message_id")
    }


def outbound_messages(case: Case, limit: int = 10) -> list[Message]:
    """The latest messages sent to the case's reporter, newest first."""
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.case_id == case.id, Message.direction == "out")
            .order_by(Message.created_dt.desc(), Message.id.desc())
            .limit(limit)
        )
    )


# ----------------------------------------------------------------- plugged into notifications


def _resolve_reporter(ident: str, channel: str) -> str:
    """``reporter:<id>[:case:<case id>]`` -> the number in clear, checked again at send
    time: a STOP, or a "do not contact" on the case, that came after the message was
    queued still stops it."""
    reporter_id, _, about = ident.partition(":")
    if not reporter_id.isdigit():  # "reporter:erased": their contact details were erased
        raise notifications.Undeliverable(
            "the reporter's contact details were erased", code="contact_erased"
        )
    case = db.session.get(Case, int(about.removeprefix("case:"))) if about else None
    reporter = db.session.get(Reporter, int(reporter_id))
    try:
        check_reachable(reporter, case)
    except ReporterOptedOut:
        raise notifications.Undeliverable("the reporter opted out", code="opted_out") from None
    except DoNotContact:
        raise notifications.Undeliverable(
            "do not contact is set on the case", code="do_not_contact"
        ) from None
    except ReporterUnreachable:
        raise notifications.Undeliverable(
            "the reporter may not be contacted", code="unreachable"
        ) from None
    assert reporter is not None
    return reporter.phone


def _on_message_result(row, outcome: str) -> None:
    """Carry the outbox's result to the `Message` (``ref`` ``message:<id>``)."""
    message = db.session.get(Message, int(row.ref.split(":", 1)[1]))
    if message is None:
        return
    if outcome == "sent":
        message.provider_sid = message.provider_sid or row.provider_id
        if message.status == "queued":  # a delivery report may already have moved it on
            message.status = row.provider_status or "sent"
        message.updated_dt = clock.now()
    elif outcome == "dead":
        message.status = "failed"
        message.error_code = row.last_error_code or "undeliverable"
        message.updated_dt = clock.now()
        if message.case is not None:
            record_event(
                message.case,
                "message_failed",
                actor=None,
                data={"message_id": message.id, "error_code": message.error_code},
            )


def _reroute(row) -> None:
    """A free-form WhatsApp message that waited past the reporter's 24-hour window (a
    backoff, a stopped dispatcher, a retry days later) goes by SMS instead: WhatsApp would
    refuse it, and its words must still reach the reporter. Templates may go any time."""
    if row.channel != "whatsapp" or row.template:
        return
    message = db.session.get(Message, int(row.ref.split(":", 1)[1]))
    if message is None or message.reporter is None:
        return
    if routing.whatsapp_window_open(message.reporter, clock.now()):
        return
    row.channel = message.channel = "sms"
    log.info("outbox row %s: WhatsApp's window closed while it waited; sending by SMS", row.id)


def init_app(app: Flask) -> None:
    notifications.init_app(app, clock=clock.now)
    notifications.register_resolver("reporter", _resolve_reporter, app=app)
    notifications.register_hook("message", _on_message_result, app=app)
    notifications.register_preparer("message", _reroute, app=app)
    from casework.notices.operations import init_app as init_notices

    init_notices(app)


@dataclass(frozen=True)
class ContactState:
    """For the compose box: may the user write, and if not, why (a sentence)."""

    allowed: bool
    reason: str | None = None


def contact_state(user, case: Case) -> ContactState:
    if not may_message_reporter(user, case):
        return ContactState(False)
    try:
        check_reachable(case.reporter, case)
    except ReporterUnreachable as exc:
        return ContactState(False, str(exc))
    return ContactState(True)
