"""API tokens: created for a user (shown once, only the hash stored) and revoked, each on
the admin log. Operations: the actor is explicit (None: the command line); they flush and
never commit. The admin log keeps the token's id, never the token or its hash."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework import clock
from casework.admin.log import record_admin_change
from casework.auth.models import ApiToken, User
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import db


def _require_admin(actor: User | None) -> None:
    if actor is not None and actor.role != "admin":
        raise PermissionDenied(_l("Only an admin manages API tokens."))


SCOPES = {"read": "read", "write": "read write"}  # what --scope gives: writing implies reading
DEFAULT_TOKEN_DAYS = 90


def create_api_token(
    user: User, *, actor: User | None, scope: str = "read", days: int | None = DEFAULT_TOKEN_DAYS
) -> str:
    """A new token for ``user``, returned once: only its SHA-256 is stored. ``scope``
    "read" or "write" (which reads too); it expires after ``days`` (None: never)."""
    _require_admin(actor)
    if scope not in SCOPES:
        raise InvalidInput(_l("A token's scope is read or write."))
    if days is not None and days < 1:
        raise InvalidInput(_l("A token lasts at least one day."))
    if not user.is_active:
        raise InvalidInput(
            _l(
                "The account %(email)s is disabled; a token for it would not work.",
                email=user.email,
            )
        )
    token = secrets.token_urlsafe(32)
    expires = clock.now() + timedelta(days=days) if days is not None else None
    row = ApiToken(
        user=user, token_hash=ApiToken.hash(token), scopes=SCOPES[scope], expires_dt=expires
    )
    db.session.add(row)
    db.session.flush()
    record_admin_change(
        actor,
        "token.create",
        ("user", user.id, user.email),
        after={
            "token_id": row.id,
            "scopes": row.scopes,
            "expires_dt": expires.isoformat() if expires else None,
        },
    )
    return token


def revoke_api_tokens(user: User, *, actor: User | None) -> int:
    """Revoke every live token of ``user``; how many. On the admin log when there were any."""
    _require_admin(actor)
    live = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.is_revoked.is_(False))
        .order_by(ApiToken.id)
    ).all()
    for row in live:
        row.is_revoked = True
    db.session.flush()
    if live:
        record_admin_change(
            actor,
            "token.revoke",
            ("user", user.id, user.email),
            before={"live_tokens": [row.id for row in live]},
            after={"live_tokens": []},
        )
    return len(live)
