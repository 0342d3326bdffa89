"""What became of a message, in words: the state every page shows, why a send failed, and
retrying a message that was given up.

The truth about an outgoing message is split between two rows: the outbox row (waiting,
being sent, failed and to be retried, given up, captured in development) and, for a
message to a reporter, the `Message` row, which Twilio's delivery reports move on after
the send (delivered, read, undelivered). `delivery_state` reads both; no page shows a raw
status or a provider's error code alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework import clock
from casework.cases.operations import record_event
from casework.cases.permissions import can_view
from casework.errors import CaseworkError, PermissionDenied
from casework.extensions import db
from casework.messages.models import Message
from notifications import channels, outbox
from notifications.models import OutboxMessage

RETRY_ROLES = frozenset({"supervisor", "admin"})
MESSAGE_REF = "message:"

# Words for each state (the key is also a CSS class: delivery-<key>).
STATE_LABELS: dict[str, LazyString] = {
    "waiting": _l("waiting to be sent"),
    "sending": _l("being sent"),
    "sent": _l("sent"),
    "delivered": _l("delivered"),
    "read": _l("read"),
    "failed": _l("failed"),
    "given_up": _l("given up"),
    "captured": _l("captured (development: not sent)"),
    "received": _l("received"),
}

# Why a send failed: the outbox's and Twilio's error codes as sentences.
REASONS: dict[str, LazyString] = {
    # our resolvers (notifications' recipients)
    "opted_out": _l("the reporter opted out (they texted STOP)"),
    "unreachable": _l("the reporter may not be contacted (anonymous, or no valid phone number)"),
    "do_not_contact": _l("“do not contact the reporter” was switched on for the case"),
    "no_address": _l("the recipient has no address for this channel"),
    "disabled": _l("the recipient's account is disabled"),
    "inactive": _l("the contact is no longer active"),
    "undeliverable": _l("it could not be delivered"),
    "contact_erased": _l("the reporter's contact details were erased (contact erased)"),
    # Twilio REST errors (https://www.twilio.com/docs/api/errors)
    "21211": _l("Twilio refused the number: it is not a valid phone number"),
    "21408": _l("Twilio may not send SMS to this country with this account"),
    "21610": _l("the recipient opted out of SMS from this number (they texted STOP)"),
    "21612": _l("Twilio cannot send SMS from this number to that one"),
    "21614": _l("the number cannot receive SMS (it is not a mobile number)"),
    "20003": _l("Twilio refused the account's credentials"),
    "401": _l("Twilio refused the account's credentials"),
    "20429": _l("Twilio asked Casework to slow down (too many messages at once)"),
    "429": _l("Twilio asked Casework to slow down (too many messages at once)"),
    "20500": _l("Twilio had a problem on its side"),
    # Twilio delivery reports (status callbacks)
    "30001": _l("the message waited too long in Twilio's queue"),
    "30003": _l("the phone is switched off or out of reach"),
    "30004": _l("the recipient's phone or operator blocks these messages"),
    "30005": _l("the number does not exist or is no longer in service"),
    "30006": _l("the number is a landline or cannot receive SMS"),
    "30007": _l("the operator filtered the message out"),
    "30008": _l("the operator could not deliver it, for no stated reason"),
}
NOT_CONFIGURED = {
    "email": _l("the email service is not configured (set MAIL_SERVER)"),
    "sms": _l("the SMS service is not configured (set TWILIO_ACCOUNT_SID)"),
    "whatsapp": _l("the WhatsApp service is not configured (set TWILIO_ACCOUNT_SID)"),
}


def reason(code: str | None, channel: str = "sms", detail: str | None = None) -> str:
    """Why an attempt failed, as words: from the error code, else from the operator's
    detail the outbox kept (which names no person), else a sentence with the code."""
    code = (code or "").strip()
    if code == channels.NOT_CONFIGURED:
        # A missing TWILIO_AUTH_TOKEN or TWILIO_FROM_NUMBER: the detail names it.
        missing = (detail or "").split(" is not set", 1)[0]
        if " is not set" in (detail or "") and missing != channels.SETTINGS.get(channel):
            return str(_l("the service is not fully configured (set %(name)s)", name=missing))
        return str(NOT_CONFIGURED.get(channel, NOT_CONFIGURED["sms"]))
    if code in REASONS:
        return str(REASONS[code])
    text = (detail or "").lower()
    service = _l("the mail server") if channel == "email" else _l("Twilio")
    if code.isdigit():
        number = int(code)
        if channel == "email" and 400 <= number < 600:
            if number >= 500:
                return str(_l("the mail server refused it (SMTP %(code)s)", code=code))
            return str(_l("the mail server asked to try later (SMTP %(code)s)", code=code))
        if 500 <= number < 600 or 20500 <= number < 20600:
            return str(_l("%(service)s had a problem on its side (error %(code)s)",
                          service=service, code=code))  # fmt: skip
        return str(_l("%(service)s refused it (error %(code)s)", service=service, code=code))
    if "timed out" in text or "timeout" in text:
        return str(_l("%(service)s did not answer in time", service=service))
    if "refused" in text or "connectionerror" in text or "oserror" in text or "unreach" in text:
        return str(_l("%(service)s could not be reached", service=service))
    if code:
        return str(_l("the attempt failed (error %(code)s)", code=code))
    if detail:
        return str(_l("the attempt failed (%(detail)s)", detail=detail))
    return str(_l("the attempt failed, for no stated reason"))


@dataclass(frozen=True)
class DeliveryState:
    """A message's state for a page: ``key`` (waiting, sending, sent, delivered, read,
    failed, given_up, captured, received), its words, why it failed, when it is retried,
    and the outbox row a supervisor may retry (given up only)."""

    key: str
    why: str | None = None
    retry_at: datetime | None = None
    retry_row_id: int | None = None

    @property
    def label(self) -> str:
        return str(STATE_LABELS.get(self.key, self.key))

    @property
    def is_problem(self) -> bool:
        return self.key in ("failed", "given_up")


def row_state(row: OutboxMessage) -> DeliveryState:
    """The state of an outbox row on its own (the admin pages, notices)."""
    if row.status == "pending":
        return DeliveryState("waiting")
    if row.status == "sending":
        return DeliveryState("sending")
    if row.status == "failed":
        why = reason(row.last_error_code, row.channel, row.last_error)
        return DeliveryState("failed", why, retry_at=row.next_attempt_dt)
    if row.status == "dead":
        why = reason(row.last_error_code, row.channel, row.last_error)
        return DeliveryState("given_up", why, retry_row_id=row.id)
    if row.provider_status == channels.CAPTURED:
        return DeliveryState("captured")
    return DeliveryState("sent")


def message_state(message: Message, row: OutboxMessage | None) -> DeliveryState:
    """The state of a message to or from a reporter, from its outbox row (if it went
    through the outbox) and the delivery reports Twilio sent after."""
    if message.direction == "in":
        return DeliveryState("received")
    if row is not None and row.status != "sent":
        return row_state(row)
    if row is not None and row.provider_status == channels.CAPTURED:
        return DeliveryState("captured")
    status = message.status
    if status == channels.CAPTURED:
        return DeliveryState("captured")
    if status == "delivered":
        return DeliveryState("delivered")
    if status == "read":
        return DeliveryState("read")
    if status in ("failed", "undelivered", "canceled"):
        return DeliveryState("failed", reason(message.error_code, message.channel))
    # queued / accepted / sending / sent: Twilio has it (from the outbox, or as the
    # webhook's own reply) and has not reported on it yet.
    return DeliveryState("sent")


def outbox_rows_for(messages: Iterable[Message]) -> dict[int, OutboxMessage]:
    """Each message's latest outbox row (``ref`` ``message:<id>``), in one query."""
    refs = [f"{MESSAGE_REF}{m.id}" for m in messages if m.direction == "out"]
    if not refs:
        return {}
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.ref.in_(refs)).order_by(OutboxMessage.id)
    )
    return {int((row.ref or "").split(":", 1)[1]): row for row in rows}  # the latest wins


def message_states(messages: Iterable[Message]) -> dict[int, DeliveryState]:
    """``{message id: state}`` for a list of messages (a thread, the latest messages)."""
    messages = list(messages)
    rows = outbox_rows_for(messages)
    return {m.id: message_state(m, rows.get(m.id)) for m in messages}


# ------------------------------------------------------------------------------ retry


class NotRetryable(CaseworkError):
    pass


def may_retry(user) -> bool:
    return user is not None and getattr(user, "role", None) in RETRY_ROLES


def _message_of(row: OutboxMessage | None) -> Message | None:
    """The reporter message an outbox row sends (``ref`` ``message:<id>``), if any."""
    if row is None or not (row.ref or "").startswith(MESSAGE_REF):
        return None
    return db.session.get(Message, int((row.ref or "")[len(MESSAGE_REF) :]))


def retry_delivery(row_id: int, *, actor) -> OutboxMessage:
    """Send a message that was given up again, now. Supervisors and admins only.

    For a message to a reporter (``ref`` ``message:<id>``) the `Message` reads "waiting"
    again and its case gets a ``message_retried`` event. Never commits.
    """
    if not may_retry(actor):
        raise PermissionDenied(_l("Only supervisors and administrators may retry a message."))
    given_up = db.session.get(OutboxMessage, row_id)
    message = _message_of(given_up)
    if message is not None and message.case is not None and not can_view(actor, message.case):
        raise PermissionDenied(_l("You may not see the case this message belongs to."))
    refusal = outbox.recipient_refusal(given_up) if given_up is not None else None
    if given_up is not None and refusal is not None:  # it would only be given up again
        raise NotRetryable(
            _l(
                "This message cannot be sent again yet: %(reason)s",
                reason=reason(refusal.code, given_up.channel, refusal.detail),
            )
        )
    try:
        row = outbox.retry(row_id)
    except outbox.NotRetryable:
        raise NotRetryable(
            _l(
                "This message was not given up (it is waiting, being sent or already "
                "sent), so there is nothing to retry. Reload the page to see its state."
            )
        ) from None
    if message is not None:
        message.status = "queued"
        message.error_code = None
        message.updated_dt = clock.now()
        if message.case is not None:
            record_event(
                message.case,
                "message_retried",
                actor=actor,
                data={"message_id": message.id, "outbox_id": row.id},
            )
    return row
