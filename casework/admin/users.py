"""Managing user accounts: create, change role, disable and enable, reset a password.

Each operation takes the acting admin as ``actor`` (None: the command line), records the
change on the admin log (`record_admin_change`) in the caller's transaction, flushes and
never commits. What ends a user's access ends it at once: disabling ends every session and
revokes every API token; a role change or a password reset ends their sessions.

Two refusals keep an instance manageable: an admin does not disable or demote themselves
from the UI, and the last enabled admin account is never disabled or demoted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Literal

from email_validator import EmailNotValidError, validate_email
from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

import notifications
from casework.admin.log import record_admin_change
from casework.auth.models import ApiToken, User
from casework.auth.passwords import RESET_LINK_HOURS, check_new_password, reset_token
from casework.auth.sessions import end_all_sessions
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import db
from casework.phones import INVALID_PHONE, normalise_phone
from casework.timezones import is_time_zone
from notifications import channels
from workflows import ROLES

LANGUAGES = ("en", "fr", "sw")
# Temporary passwords: no look-alike characters (0/O, 1/l/I), read out or copied by hand.
_TEMPORARY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"

ResetMethod = Literal["email", "link", "temporary"]


@dataclass(frozen=True)
class ResetStarted:
    """How a password reset went out: ``email`` (a link is in the outbox), ``link`` (the
    link, to hand over) or ``temporary`` (a password to show once, never stored in clear)."""

    method: ResetMethod
    link: str | None = None
    password: str | None = None


# Roles that read restricted (SA-SGBV) cases, which admins may not: an admin never learns
# such an account's password (no temporary password from the admin pages).
RESTRICTED_READERS = frozenset({"supervisor"})


def _target(user: User) -> tuple[str, int, str]:
    return ("user", user.id, user.email)


def _require_admin(actor: User | None) -> None:
    if actor is not None and actor.role != "admin":
        raise PermissionDenied(_l("Only an admin manages user accounts."))


def _enabled_admins_besides(user: User) -> int:
    """How many other enabled admins there are. Every enabled admin row is locked
    (PostgreSQL), so two admins disabling each other at once cannot leave none: the second
    waits, then counts again."""
    admins = db.session.scalars(
        select(User.id)
        .where(User.role == "admin", User.is_enabled.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()
    return len([admin_id for admin_id in admins if admin_id != user.id])


def _keep_an_admin(user: User, actor: User | None, *, own: Any) -> None:
    """Refuse to take away the actor's own access (``own``: the sentence saying so), or
    the instance's last admin."""
    if actor is not None and actor.id == user.id:
        raise InvalidInput(own)
    if user.role == "admin" and user.is_enabled and _enabled_admins_besides(user) == 0:
        raise InvalidInput(
            _l(
                "%(email)s is the only enabled admin: make another admin first, so someone "
                "can still manage Casework.",
                email=user.email,
            )
        )


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


# ------------------------------------------------------------------ create


def create_user(
    *,
    email: str,
    role: str,
    actor: User | None,
    name: str = "",
    phone: str | None = None,
    language: str = "en",
    timezone: str = "UTC",
    password: str | None = None,
) -> User:
    """A new enabled account. Without ``password`` it has none yet: nobody can log in
    with it until a reset (a link or a temporary password) gives it one."""
    _require_admin(actor)
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidInput(_l("Enter an email address such as name@example.org.")) from None
    if len(email) > 255:
        raise InvalidInput(_l("The email address is too long."))
    if find_user_by_email(email) is not None:
        raise InvalidInput(_l("There is already an account with the email %(email)s.", email=email))
    role = (role or "").lower()
    if role not in ROLES:
        raise InvalidInput(_l("Choose one of the roles offered."))
    if language not in LANGUAGES:
        raise InvalidInput(_l("Choose one of the languages offered."))
    timezone = (timezone or "UTC").strip()
    if not is_time_zone(timezone):
        raise InvalidInput(_l("%(zone)s is not a time zone.", zone=timezone))
    if phone:
        try:
            phone = normalise_phone(phone)
        except ValueError:
            raise InvalidInput(INVALID_PHONE) from None
    user = User(
        email=email,
        name=(name or "").strip()[:200],
        role=role,
        phone=phone or None,
        language=language,
        timezone=timezone,
    )
    if password is not None:
        user.set_password(check_new_password(password))
    db.session.add(user)
    db.session.flush()
    record_admin_change(
        actor,
        "user.create",
        _target(user),
        after={
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "language": user.language,
            "timezone": user.timezone,
            "has_phone": bool(user.phone),
            "has_password": bool(user.password_hash),
        },
    )
    return user


# ------------------------------------------------------------------ role, disable, enable


def set_role(user: User, role: str, *, actor: User | None) -> bool:
    """Change ``user``'s role; their sessions end (their pages and rights change). False
    when it already was that role (nothing recorded)."""
    _require_admin(actor)
    role = (role or "").lower()
    if role not in ROLES:
        raise InvalidInput(_l("Choose one of the roles offered."))
    if role == user.role:
        return False
    if user.role == "admin":
        _keep_an_admin(user, actor, own=_l("You cannot change your own role; ask another admin."))
    before = user.role
    user.role = role
    db.session.flush()
    ended = end_all_sessions(user, "role_change")
    record_admin_change(
        actor,
        "user.role",
        _target(user),
        before={"role": before},
        after={"role": role, "sessions_ended": ended},
    )
    return True


def disable_user(user: User, *, actor: User | None) -> bool:
    """Disable the account: every session ends and every API token is revoked now. False
    when it already was disabled."""
    _require_admin(actor)
    if not user.is_enabled:
        return False
    _keep_an_admin(user, actor, own=_l("You cannot disable your own account; ask another admin."))
    user.is_enabled = False
    db.session.flush()
    ended = end_all_sessions(user, "disabled")
    revoked = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.is_revoked.is_(False))
        .values(is_revoked=True)
    )
    record_admin_change(
        actor,
        "user.disable",
        _target(user),
        before={"is_enabled": True},
        after={
            "is_enabled": False,
            "sessions_ended": ended,
            "tokens_revoked": getattr(revoked, "rowcount", 0) or 0,
        },
    )
    return True


def enable_user(user: User, *, actor: User | None) -> bool:
    """Enable the account again (its old API tokens stay revoked). False when it already
    was enabled."""
    _require_admin(actor)
    if user.is_enabled:
        return False
    user.is_enabled = True
    db.session.flush()
    record_admin_change(
        actor,
        "user.enable",
        _target(user),
        before={"is_enabled": False},
        after={"is_enabled": True},
    )
    return True


# ------------------------------------------------------------------ password reset


def email_can_reach_users() -> bool:
    """Can a reset link go by email? Yes when mail is configured, or captured in
    development (shown on the "Sent mail and SMS" page); not in production without mail."""
    return channels.is_configured("email") or channels.captures("email")


def _temporary_password() -> str:
    groups = ("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)  # 19 characters, about 80 bits


def _queue_reset_email(user: User, link: str, *, new_account: bool) -> None:
    context: dict[str, Any] = {
        "user": user,
        "link": link,
        "hours": RESET_LINK_HOURS,
        "new_account": new_account,
    }
    with force_locale(user.language or "en"):
        subject = str(
            _l("Your Casework account: choose a password")
            if new_account
            else _l("Casework: reset your password")
        )
        body = render_template("auth/email/password_reset.txt", **context)
    # ``password_reset:`` keeps the body off the outbox pages (casework/admin/recipients.py):
    # whoever reads them must not be able to take over the account.
    notifications.enqueue(
        "email", f"user:{user.id}", body, subject=subject, ref=f"password_reset:{user.id}"
    )


def start_password_reset(
    user: User, *, actor: User | None, method: ResetMethod, new_account: bool = False
) -> ResetStarted:
    """Let ``user`` set a new password: ``email`` sends them a one-time link, ``link``
    returns it to hand over (the command line), ``temporary`` sets a temporary password,
    returned to be shown once, that they must change at their next login.

    Until the link is used the old password still works; a temporary password replaces it
    and ends every session at once. Disabled accounts are refused: enable them first.
    """
    _require_admin(actor)
    if method not in ("email", "link", "temporary"):
        raise ValueError(f"unknown reset method {method!r}")
    if actor is not None and actor.id == user.id:
        raise InvalidInput(_l("Change your own password from your password page."))
    if not user.is_enabled:
        raise InvalidInput(
            _l(
                "%(email)s is disabled: enable the account before resetting its password.",
                email=user.email,
            )
        )
    if method == "temporary" and actor is not None and user.role in RESTRICTED_READERS:
        raise InvalidInput(
            _l(
                "A supervisor reads restricted cases, which administrators may not: an "
                "administrator must never know a supervisor's password. It is reset by the "
                "link emailed to them (or by an operator on the server: casework users "
                "reset-password)."
            )
        )
    if method == "email" and not email_can_reach_users():
        raise InvalidInput(
            _l("Email is not configured (MAIL_SERVER): give a temporary password instead.")
        )
    after: dict[str, Any] = {"method": method}
    result: ResetStarted
    if method == "temporary":
        password = _temporary_password()
        user.set_password(password)
        user.must_change_password = True
        db.session.flush()
        after["sessions_ended"] = end_all_sessions(user, "password_reset")
        after["must_change_password"] = True
        result = ResetStarted("temporary", password=password)
    else:
        from casework.notices.operations import public_url

        link = public_url(f"/password/reset/{reset_token(user)}")
        if method == "email":
            _queue_reset_email(user, link, new_account=new_account)
        after["expires_in_hours"] = RESET_LINK_HOURS
        result = ResetStarted(method, link=link)
    record_admin_change(actor, "user.password_reset", _target(user), after=after)
    return result
