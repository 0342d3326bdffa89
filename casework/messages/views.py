"""Writing to a case's reporter from the case page. Thin: load-and-check, operate, commit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from casework.cases.permissions import sees_full_case
from casework.cases.views import get_case
from casework.errors import CaseworkError, PermissionDenied
from casework.extensions import db
from casework.messages.delivery import may_retry, message_states
from casework.messages.delivery import reason as delivery_reason
from casework.messages.media import error_words, media_views
from casework.messages.models import Message
from casework.messages.operations import (
    case_messages,
    contact_state,
    message_vias,
    outbound_messages,
    send_to_reporter,
)
from notifications import channels

bp = Blueprint("messages", __name__)

# The words the case page shows for a message's flags and delivery status.
FLAG_LABELS = {
    "flood": _l("flooded: kept without a reply"),
    "processing_failed": _l("processing failed: not yet processed"),
    "invalid_sender": _l("sender is not a valid phone number"),
}
# A `Message`'s own status in words, where its outbox row is not at hand; pages that show
# a message use `message_states` (casework/messages/delivery.py), which reads both.
DELIVERY_LABELS = {
    "queued": _l("waiting to be sent"),
    "accepted": _l("sent"),
    "sending": _l("being sent"),
    "sent": _l("sent"),
    "delivered": _l("delivered"),
    "undelivered": _l("not delivered"),
    "failed": _l("failed"),
    "read": _l("read by the reporter"),
    "canceled": _l("canceled"),
    "captured": _l("captured (development: not sent)"),
}


@bp.app_context_processor
def _message_labels():
    return {"message_flag_labels": FLAG_LABELS, "delivery_labels": DELIVERY_LABELS}


@bp.app_template_global()
def case_thread(case) -> list[Message]:
    """For templates/messages/_panel.html: the case's SMS, for those who may read its report."""
    if not sees_full_case(current_user, case):
        return []
    return case_messages(case)


@bp.app_template_global()
def reporter_contact(case):
    """For templates/messages/_compose.html: may the current user write, and if not, why."""
    return contact_state(current_user, case)


bp.add_app_template_global(outbound_messages, "outbound_messages")
bp.add_app_template_global(message_states, "message_states")
bp.add_app_template_global(delivery_reason, "delivery_reason")
bp.add_app_template_global(media_views, "message_media")  # templates/messages/_media.html
bp.add_app_template_global(error_words, "media_error_words")


# How a message went when it did not simply go the way the reporter wrote (see
# casework/messages/routing.py), by the ``via`` its message_out event keeps.
VIA_LABELS = {
    "whatsapp_template": _l("by WhatsApp template"),
    "sms_fallback": _l("by SMS (outside WhatsApp's 24-hour window)"),
}


@bp.app_template_global()
def message_routes(case) -> dict[int, str]:
    """For templates/messages/_panel.html: ``{message id: how it went, in words}``."""
    return {
        message_id: str(VIA_LABELS[via])
        for message_id, via in message_vias(case).items()
        if via in VIA_LABELS
    }


# What an automatic update told the reporter (its ``milestone``), for the timeline.
MILESTONE_LABELS = {
    "verifying": _l("checking of their report has started"),
    "escalated": _l("the case went to a committee"),
    "mitigation": _l("steps to deal with the problem are under way"),
    "closed_resolved": _l("the case is closed and the problem dealt with"),
    "closed_unresolved": _l("the case is closed but the problem not fully solved"),
    "closed_unsubstantiated": _l("the case is closed; checks could not confirm the report"),
    "closed_duplicate": _l("the case is closed; the problem was already reported"),
    "closed_rejected": _l("the case is closed; it is outside what the programme handles"),
    "reopened": _l("the case is reopened"),
    "reminder": _l("how the case stands (the regular update)"),
}


@bp.app_context_processor
def _via_labels():
    return {"via_labels": VIA_LABELS, "milestone_labels": MILESTONE_LABELS}


@bp.app_template_global()
def may_retry_messages() -> bool:
    return may_retry(current_user)


@bp.post("/cases/<reference>/messages")
def send(reference: str):
    case = get_case(reference)
    back = url_for("cases.detail", reference=case.reference) + "#messages"
    try:
        message = send_to_reporter(case, request.form.get("body", ""), actor=current_user)
        db.session.commit()
    except PermissionDenied as exc:
        db.session.rollback()
        abort(403, str(exc))
    except CaseworkError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back, 303)
    flash(_queued_words(message.channel), "info")
    return redirect(back, 303)


def _queued_words(channel: str) -> str:
    """What the officer is told once the message is queued: only what will happen."""
    if channels.captures(channel):
        return _(
            "Message queued. This development server has no SMS service: it will be "
            "captured, not sent (see “Sent mail and SMS”)."
        )
    if not channels.is_configured(channel):
        return _(
            "Message saved, but it cannot go out: the SMS service is not configured on this "
            "server. Ask an administrator to set TWILIO_ACCOUNT_SID."
        )
    return _("Message queued; it goes out within a minute.")


from casework.messages import contact_views  # noqa: E402, F401  (the "do not contact" switch)
