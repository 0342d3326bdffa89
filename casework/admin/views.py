"""Administration pages for supervisors and admins: the outbox (counts, failures, retries,
configuration problems) and, in development, the mail and SMS captured instead of sent.
Thin: load, check the role, call an operation, commit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, func, or_, select

from casework.admin.recipients import describe
from casework.errors import CaseworkError, PermissionDenied
from casework.extensions import db
from casework.inputs import row_id_arg
from casework.messages.delivery import retry_delivery, row_state
from casework.security import safe_next
from notifications import channels
from notifications.models import OutboxMessage

bp = Blueprint("admin", __name__, url_prefix="/admin")

ADMIN_ROLES = frozenset({"admin", "supervisor"})
PAGE_SIZE = 50

# The outbox's states in words, in the order the page lists them.
STATE_COUNTS = (
    ("waiting", _l("waiting to be sent")),
    ("sending", _l("being sent")),
    ("failed", _l("failed, will be retried")),
    ("given_up", _l("given up")),
    ("sent", _l("sent")),
    ("captured", _l("captured (development: not sent)")),
)
CHANNEL_NAMES = {"email": _l("email"), "sms": _l("SMS"), "whatsapp": _l("WhatsApp")}


def may_administer(user) -> bool:
    return getattr(user, "role", None) in ADMIN_ROLES


@bp.before_request
def _only_admins_and_supervisors():
    # Logged-in users only (casework.security); of those, admins and supervisors.
    if not may_administer(current_user):
        abort(403)


@bp.app_template_global()
def admin_links() -> dict[str, bool]:
    """For the header: which of this blueprint's pages the current user gets a link to."""
    allowed = current_user.is_authenticated and may_administer(current_user)
    return {"outbox": allowed, "captured": allowed and channels.capture_active()}


def _counts() -> dict[str, int]:
    captured = OutboxMessage.provider_status == channels.CAPTURED
    rows = db.session.execute(
        select(OutboxMessage.status, captured, func.count()).group_by(
            OutboxMessage.status, captured
        )
    ).all()
    counts = dict.fromkeys((key for key, _label in STATE_COUNTS), 0)
    names = {"pending": "waiting", "sending": "sending", "failed": "failed", "dead": "given_up"}
    for status, is_captured, count in rows:
        key = names.get(status) or ("captured" if is_captured else "sent")
        counts[key] += count
    return counts


def _page(query, before: int | None, order_dt):
    """Keyset pagination, newest first on (``order_dt``, id): the page after row ``before``."""
    if before is not None:
        anchor = db.session.get(OutboxMessage, before)
        if anchor is not None and getattr(anchor, order_dt.key) is not None:
            at = getattr(anchor, order_dt.key)
            query = query.where(
                or_(order_dt < at, and_(order_dt == at, OutboxMessage.id < anchor.id))
            )
    rows = list(
        db.session.scalars(
            query.order_by(order_dt.desc(), OutboxMessage.id.desc()).limit(PAGE_SIZE + 1)
        )
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].id if more else None)


@bp.get("/outbox")
def outbox():
    query = select(OutboxMessage).where(OutboxMessage.status.in_(("failed", "dead")))
    rows, next_before = _page(query, row_id_arg("before"), OutboxMessage.id)
    return render_template(
        "admin/outbox.html",
        counts=_counts(),
        state_counts=STATE_COUNTS,
        problems=channels.problems(),
        capture_active=channels.capture_active(),
        captured_services=_captured_services(),
        rows=rows,
        shown=describe(rows, current_user),
        states={row.id: row_state(row) for row in rows},
        next_before=next_before,
        channel_names=CHANNEL_NAMES,
    )


@bp.get("/captured")
def captured():
    query = select(OutboxMessage).where(
        OutboxMessage.status == "sent", OutboxMessage.provider_status == channels.CAPTURED
    )
    rows, next_before = _page(query, row_id_arg("before"), OutboxMessage.sent_dt)
    return render_template(
        "admin/captured.html",
        rows=rows,
        shown=describe(rows, current_user),
        capture_active=channels.capture_active(),
        captured_services=_captured_services(),
        next_before=next_before,
        channel_names=CHANNEL_NAMES,
    )


def _captured_services() -> list[str]:
    names = {"email": _l("emails"), "sms": _l("SMS and WhatsApp messages")}
    return [str(names[s]) for s in channels.SERVICES if channels.captures(s)]


def _safe_next(default: str) -> str:
    return safe_next(request.form.get("next"), default)


@bp.post("/outbox/<int:row_id>/retry")
def retry(row_id: int):
    back = _safe_next(url_for(".outbox"))
    if db.session.get(OutboxMessage, row_id) is None:
        abort(404)
    try:
        retry_delivery(row_id, actor=current_user)
        db.session.commit()
    except PermissionDenied as exc:
        db.session.rollback()
        abort(403, str(exc))
    except CaseworkError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back, 303)
    flash(_("The message will be sent again within a minute."), "info")
    return redirect(back, 303)
