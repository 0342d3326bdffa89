"""The password check of the login, in the same time whatever the email names.

An unknown email, a disabled account, an account without a password and a wrong password
each cost one password-hash check, as a right password does: without a user, a dummy hash
made the same way as real ones (``User.set_password``) is checked instead, so the answer's
timing does not say which emails have an account. Every refusal is the same ``None``.
"""

from __future__ import annotations

import secrets
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from casework.auth.models import User
from casework.extensions import db


@cache
def _dummy_hash() -> str:
    """A hash of a random password nobody knows, made with the default method and cost."""
    return generate_password_hash(secrets.token_urlsafe(32))


def check_credentials(email: str, password: str) -> User | None:
    """The enabled user ``email`` names, if ``password`` is theirs; else None, in about the
    time a right password takes."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    matches = check_password_hash(stored, password)
    if user is None or not user.password_hash or not matches or not user.is_active:
        return None
    return user
