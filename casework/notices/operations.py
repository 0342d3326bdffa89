"""Telling people: a notice in the user's list, and its email and SMS through the outbox.

`notify_users` and `notify_contact` write in the caller's transaction and never commit, like
every operation: a rolled-back change tells nobody. Each recipient's copy carries a
dedupe key built from the event that caused it, so a job that runs twice, or two
schedulers at once, tell each person once.

What a notice says comes from ``templates/notifications/<kind>.{txt,html,sms.txt}``,
rendered in the recipient's language. Notices name the case reference, what happened and
what is expected, and link to the case; they never carry the report's text, and SMS never
name a restricted category.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, url_for
from flask_babel import force_locale
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

import notifications
from casework import clock, timezones
from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.permissions import can_view, is_restricted, visible_filter
from casework.contacts.models import Contact
from casework.extensions import db
from casework.notices.models import Notice
from workflows.notices import KINDS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    title: str
    text: str
    html: str
    sms: str


def case_url(case: Case | None) -> str:
    """The case's page as a recipient outside the app opens it (CASEWORK_PUBLIC_URL)."""
    return public_url(f"/cases/{case.reference}" if case is not None else "/notifications")


def public_url(path: str) -> str:
    """``path`` as a recipient outside the app opens it (CASEWORK_PUBLIC_URL)."""
    base = current_app.config.get("CASEWORK_PUBLIC_URL") or ""
    if base:
        return base.rstrip("/") + path
    try:
        return url_for("core.index", _external=True).rstrip("/") + path
    except RuntimeError:  # no request and no SERVER_NAME: a path is all we can give
        return path


def render(kind: str, language: str, **context: Any) -> Rendered:
    """The notice ``kind`` in ``language``: its title, plain text, HTML and SMS.

    ``notifications/<kind>.txt`` sets ``title``, ``what`` (what happened) and ``expected``
    (what the recipient is asked to do) and renders the plain text; the HTML part is
    ``notifications/<kind>.html`` when a kind needs its own, else the shared
    ``notifications/_email.html`` built from the same sentences.
    """
    env = current_app.jinja_env
    with force_locale(language or "en"):
        context = {"kind": kind, "language": language, **context}
        current_app.update_template_context(context)
        module = env.get_template(f"notifications/{kind}.txt").make_module(context)
        title = str(getattr(module, "title", "")).strip()
        sentences = {name: getattr(module, name, "") for name in ("title", "what", "expected")}
        html_template = env.select_template(
            [f"notifications/{kind}.html", "notifications/_email.html"]
        )
        html = html_template.render({**context, **sentences})
        sms = env.get_template(f"notifications/{kind}.sms.txt").render(context)
    return Rendered(title, str(module).strip() + "\n", html, " ".join(sms.split()))


def sms_not_before(user: User, now: datetime) -> datetime:
    """When an SMS to ``user`` may go: now, or the end of their quiet hours."""
    if user.quiet_from is None or user.quiet_until is None:
        return now
    local = timezones.local(now, user.timezone)
    start, end, hour = user.quiet_from, user.quiet_until, local.hour
    quiet = start <= hour < end if start < end else (hour >= start or hour < end)
    if not quiet:
        return now
    wake = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake


def notify_users(
    users: Iterable[User],
    kind: str,
    *,
    key: str,
    case: Case | None = None,
    actor: User | None = None,
    **context: Any,
) -> list[Notice]:
    """Tell each user (never the actor, never a disabled account) about ``kind``.

    ``key`` names the event (e.g. ``assigned:<case id>:<event seq>``); each user's notice,
    email and SMS get it with the user's id appended, so a second call with the same key
    adds nothing. Users who may not see the case are skipped.
    """
    notices = []
    seen: set[int] = set()
    for user in users:
        if user.id in seen or not user.is_enabled or (actor is not None and user.id == actor.id):
            continue
        seen.add(user.id)
        if case is not None and not can_view(user, case):
            continue
        notice = _notify_user(user, kind, key=f"{key}:user:{user.id}", case=case, **context)
        if notice is not None:
            notices.append(notice)
    return notices


def _notify_user(user: User, kind: str, *, key: str, case: Case | None, **context: Any):
    exists = select(Notice.id).where(Notice.dedupe_key == key)
    if db.session.scalar(exists) is not None:
        return None
    context.setdefault("url", case_url(case))
    rendered = render(kind, user.language, case=case, recipient=user,
                      restricted=case is not None and is_restricted(case), **context)  # fmt: skip
    now = clock.now()
    path = urlsplit(str(context["url"] or "")).path if case is None else ""
    notice = Notice(
        user_id=user.id,
        case_id=case.id if case is not None else None,
        kind=kind,
        title=rendered.title[:300],
        body=rendered.text,
        created_dt=now,
        dedupe_key=key,
        path=path[:300] if path.startswith("/") and path != "/notifications" else None,
    )
    try:
        with db.session.begin_nested():  # a concurrent duplicate leaves the caller usable
            db.session.add(notice)
    except IntegrityError:
        return None
    sms_at = now if KINDS[kind].urgent else sms_not_before(user, now)
    _queue(rendered, f"user:{user.id}", user.notice_channels(kind), key=key,
           ref=f"notice:{notice.id}", sms_at=sms_at)  # fmt: skip
    return notice


def _queue(rendered: Rendered, recipient: str, channels: set[str], *, key: str, ref: str,
           sms_at: datetime | None = None) -> bool:  # fmt: skip
    """Put the email and/or SMS of a rendered notice in the outbox; whether any was new."""
    queued = []
    if "email" in channels:
        queued.append(
            notifications.enqueue("email", recipient, rendered.text, subject=rendered.title,
                                  html=rendered.html, dedupe_key=f"{key}:email", ref=ref)
        )  # fmt: skip
    if "sms" in channels:
        queued.append(
            notifications.enqueue("sms", recipient, rendered.sms, dedupe_key=f"{key}:sms",
                                  ref=ref, not_before=sms_at)
        )  # fmt: skip
    return any(row is not None for row in queued)


def notify_contact(contact: Contact, kind: str, *, key: str, case: Case | None = None,
                   **context: Any) -> bool:  # fmt: skip
    """Tell a stakeholder contact: by email when they have an address, else by SMS.
    Returns whether anything was queued."""
    if not contact.is_active or not (contact.email or contact.phone_encrypted):
        return False
    rendered = render(kind, contact.language, case=case, url=None, recipient=contact,
                      restricted=case is not None and is_restricted(case), **context)  # fmt: skip
    recipient = f"contact:{contact.id}"
    channel = "email" if contact.email else "sms"
    ref = f"case:{case.id}" if case is not None else recipient  # whose eyes its text is for
    return _queue(rendered, recipient, {channel}, key=f"{key}:{recipient}", ref=ref)


def supervisors() -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.role == "supervisor", User.is_enabled.is_(True)))
    )


def visible_notices(user: User) -> Select:
    """``user``'s notices about no case or about a case they may still open: a notice
    about a case taken away from them (reassigned, restricted) is no longer shown."""
    return (
        select(Notice)
        .outerjoin(Case, Case.id == Notice.case_id)
        .where(Notice.user_id == user.id, or_(Notice.case_id.is_(None), visible_filter(user)))
    )


def unread_count(user: User) -> int:
    unread = visible_notices(user).where(Notice.read_dt.is_(None))
    return db.session.scalar(select(func.count()).select_from(unread.subquery())) or 0


# ------------------------------------------------------------ plugged into notifications


def _resolve_user(ident: str, channel: str) -> str:
    user = db.session.get(User, int(ident))
    if user is None or not user.is_enabled:
        raise notifications.Undeliverable("the account is disabled", code="disabled")
    address = user.email if channel == "email" else user.phone
    if not address:
        raise notifications.Undeliverable(f"the user has no {channel} address", code="no_address")
    return address


def _resolve_contact(ident: str, channel: str) -> str:
    contact = db.session.get(Contact, int(ident))
    if contact is None or not contact.is_active:
        raise notifications.Undeliverable("the contact is inactive", code="inactive")
    address = contact.email if channel == "email" else contact.phone
    if not address:
        raise notifications.Undeliverable(
            f"the contact has no {channel} address", code="no_address"
        )
    return address


def init_app(app: Flask) -> None:
    notifications.register_resolver("user", _resolve_user, app=app)
    notifications.register_resolver("contact", _resolve_contact, app=app)
