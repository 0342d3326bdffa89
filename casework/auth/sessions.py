"""Server-side sessions: a login is a `UserSession` row, and the signed session cookie
carries only a random token naming it. A cookie stops working the moment its row ends:
at logout (that session), or for every session of the user at a password change, a role
change, a second-factor reset or when the account is disabled. A cookie copied before
any of these is refused on its next request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import update

from casework import clock
from casework.auth.models import User, UserSession
from casework.extensions import db

SESSION_KEY = "_sid"
TOUCH_EVERY = timedelta(minutes=5)  # last_seen_dt is written at most this often


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> UserSession:
    """Begin a login for ``user``: a new row and its token in the (fresh) cookie."""
    token = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=_hash(token))
    db.session.add(row)
    db.session.flush()
    session[SESSION_KEY] = token
    return row


def live_session(user_id: int) -> UserSession | None:
    """The current cookie's session row, if it belongs to ``user_id`` and has not ended or
    outlived the login's lifetime; touches its last-seen time now and then."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    row = db.session.scalar(db.select(UserSession).where(UserSession.token_hash == _hash(token)))
    now = clock.now()
    if row is None or row.user_id != user_id or row.ended_dt is not None:
        return None
    if now - row.created_dt > current_app.permanent_session_lifetime:
        return None
    if now - row.last_seen_dt > TOUCH_EVERY:
        row.last_seen_dt = now
        db.session.commit()
    return row


def end_session(reason: str = "logout") -> None:
    """End the current cookie's session (flushes; the caller commits)."""
    token = session.get(SESSION_KEY)
    if isinstance(token, str) and token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _hash(token), UserSession.ended_dt.is_(None))
            .values(ended_dt=clock.now(), ended_reason=reason)
        )


def end_all_sessions(user: User, reason: str, *, keep_current: bool = False) -> int:
    """End every live session of ``user`` (``keep_current``: all but this request's own,
    e.g. after the user changed their own password); the number ended. Flushes only."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_dt.is_(None))
    token = session.get(SESSION_KEY) if keep_current else None
    if isinstance(token, str) and token:
        stmt = stmt.where(UserSession.token_hash != _hash(token))
    result = db.session.execute(stmt.values(ended_dt=clock.now(), ended_reason=reason))
    return getattr(result, "rowcount", 0) or 0
