"""Passwords: the rules a new one must meet, one-time reset links, and changing one.

A reset link carries the user's id and a fingerprint of their current password hash,
signed with ``SECRET_KEY`` and timestamped. Setting any new password changes the hash
(every hash has a fresh salt), so a link works once, and a link made before another
reset or a change stops working too. It expires after ``RESET_LINK_HOURS``.

Like every operation: no request, no flash, no commit; sessions are ended through
`casework.auth.sessions` in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import update

from casework import clock
from casework.auth.models import User
from casework.auth.sessions import end_all_sessions
from casework.errors import InvalidInput
from casework.extensions import db

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200  # the login form's limit
RESET_LINK_HOURS = 24
_SALT = "casework.password-reset"
MAX_AGE_SECONDS = int(timedelta(hours=RESET_LINK_HOURS).total_seconds())


class ResetLinkInvalid(InvalidInput):
    """The link is forged, expired, already used or for an account that cannot log in."""

    def __init__(self) -> None:
        super().__init__(
            _l(
                "This password link has expired or was already used. Ask an administrator "
                "for a new one."
            )
        )


class _ClockSigner(TimestampSigner):
    """Timestamps from Casework's clock, so tests can move time past the expiry."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


class _Serializer(URLSafeTimedSerializer):
    default_signer = _ClockSigner


def _serializer() -> _Serializer:
    return _Serializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    """Changes whenever the password does; reveals nothing about the hash it is made of."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    message = f"{user.id}:{user.password_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def check_new_password(password: str) -> str:
    """The password if it meets the rules, else InvalidInput saying which."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _l(
                "The password has %(n)s characters; it needs at least %(min)s. A few "
                "unrelated words make a good one.",
                n=len(password),
                min=MIN_PASSWORD_LENGTH,
            )
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            _l("The password is too long: at most %(max)s characters.", max=MAX_PASSWORD_LENGTH)
        )
    return password


def reset_token(user: User) -> str:
    """A one-time, signed token for ``user``'s reset link (valid RESET_LINK_HOURS)."""
    return str(_serializer().dumps({"u": user.id, "p": _fingerprint(user)}))


def user_for_token(token: str) -> User:
    """The user a reset token is for, if it is genuine, unexpired, unused and the account
    enabled; else `ResetLinkInvalid` (the same for every reason: a guess learns nothing)."""
    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except BadData:
        raise ResetLinkInvalid() from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise ResetLinkInvalid()
    user = db.session.get(User, data["u"])
    if user is None or not user.is_enabled:
        raise ResetLinkInvalid()
    if not hmac.compare_digest(str(data.get("p", "")), _fingerprint(user)):
        raise ResetLinkInvalid()
    return user


def set_new_password(user: User, password: str, *, reason: str, keep_current: bool = False) -> int:
    """Give ``user`` a new password (checked against the rules) and end their sessions
    (all of them, or all but this request's own with ``keep_current``); the number ended."""
    user.set_password(check_new_password(password))
    user.must_change_password = False
    db.session.flush()
    return end_all_sessions(user, reason, keep_current=keep_current)


def reset_with_token(token: str, password: str) -> User:
    """Set the password of the user a reset link is for; the link cannot be used again."""
    user = user_for_token(token)
    # Compare-and-set on the hash the link was made for: of two submissions at once, the
    # second finds the hash changed and the link spent.
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == user.password_hash)
        .values(password_hash=User.password_hash)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise ResetLinkInvalid()
    set_new_password(user, password, reason="password_reset")
    return user


def change_own_password(user: User, current: str, new: str) -> int:
    """The user changes their own password: the current one must be right; their other
    sessions end, this one stays. The number of sessions ended."""
    if not user.check_password(current):
        raise InvalidInput(_l("Your current password is not right."))
    if current == new:
        raise InvalidInput(_l("Choose a new password, different from the current one."))
    return set_new_password(user, new, reason="password_change", keep_current=True)
