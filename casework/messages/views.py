"""Writing to a case's reporter from the case page. Thin: load-and-check, operate, commit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.cases.views import get_case
from casework.errors import CaseworkError, PermissionDenied
from casework.extensions import db
from casework.messages.operations import contact_state, outbound_messages, send_to_reporter

bp = Blueprint("messages", __name__)


@bp.app_template_global()
def reporter_contact(case):
    """For templates/messages/_compose.html: may the current user write, and if not, why."""
    return contact_state(current_user, case)


bp.add_app_template_global(outbound_messages, "outbound_messages")


@bp.post("/cases/<reference>/messages")
def send(reference: str):
    case = get_case(reference)
    back = url_for("cases.detail", reference=case.reference) + "#messages"
    try:
        send_to_reporter(case, request.form.get("body", ""), actor=current_user)
        db.session.commit()
    except PermissionDenied as exc:
        db.session.rollback()
        abort(403, str(exc))
    except CaseworkError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back, 303)
    flash(_("Message queued; it goes out within a minute."), "info")
    return redirect(back, 303)
