"""Two-factor login: a TOTP authenticator app, with ten single-use recovery codes.

Enrolment is two steps. `begin_enrolment` draws a secret and keeps it (encrypted with the
data key) on the user as pending; `confirm_enrolment` takes a code from the app, which
proves the app holds the secret, turns the second factor on and returns the recovery codes,
shown once and stored hashed. `verify` checks a code or a recovery code at login.

A code is accepted once: the time step of the last accepted code is kept with the secret,
inside the same encrypted value (``SECRET:STEP``), and a code must come from a later step.
Accepting a code rewrites that value with a compare-and-set UPDATE, so two requests racing
with the same code cannot both win, on SQLite or PostgreSQL, in any number of workers.

Like every operation here: the acting user is ``actor=`` (None for the command line),
errors are `CaseworkError` sentences, and nothing commits.
"""

from __future__ import annotations

import re
import secrets
from typing import Literal

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from pyotp.utils import strings_equal
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from casework import clock
from casework.admin.log import record_admin_change
from casework.auth.models import RecoveryCode, User
from casework.auth.sessions import end_all_sessions
from casework.errors import CaseworkError, PermissionDenied
from casework.extensions import db
from casework.reporters.crypto import decrypt, encrypt

ISSUER = "Casework"
RECOVERY_CODE_COUNT = 10
# Recovery codes: 10 characters from 31 that cannot be mistaken for each other (no 0/o,
# 1/l/i), about 50 random bits each, shown as "abcde-fghjk". Their randomness, not the
# hash's cost, is what protects them; a moderate PBKDF2 keeps checking ten of them quick.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
_RECOVERY_HASH = "pbkdf2:sha256:50000"
_TOTP_CODE = re.compile(r"\d{6}")
_RECOVERY_CODE = re.compile(f"[{_ALPHABET}]{{{_RECOVERY_LENGTH}}}")

Method = Literal["code", "recovery_code"]


class TwoFactorError(CaseworkError):
    pass


class AlreadyEnrolled(TwoFactorError):
    def __init__(self) -> None:
        super().__init__(_l("Two-factor login is already on for this account."))


class NotEnrolling(TwoFactorError):
    def __init__(self) -> None:
        super().__init__(_l("Start setting up two-factor login first, then enter a code."))


class NotEnrolled(TwoFactorError):
    def __init__(self) -> None:
        super().__init__(_l("This account has no second factor to reset."))


class WrongCode(TwoFactorError):
    def __init__(self) -> None:
        super().__init__(
            _l(
                "That code is not right. Enter the 6-digit code your authenticator app "
                "shows now (a code works only once)."
            )
        )


# ---------------------------------------------------------------- state


def required_roles() -> frozenset[str]:
    """The roles that must log in with a second factor (``CASEWORK_2FA_ROLES``)."""
    return frozenset(current_app.config.get("CASEWORK_2FA_ROLES") or ())


def is_required(user: User) -> bool:
    return user.role in required_roles()


def is_enrolled(user: User) -> bool:
    return user.totp_enabled_dt is not None and user.totp_secret is not None


def must_enrol(user: User) -> bool:
    """True when ``user``'s role needs a second factor they have not set up yet."""
    return is_required(user) and not is_enrolled(user)


def _unpack(user: User) -> tuple[str, int]:
    """The secret and the time step of the last accepted code (-1: none yet)."""
    assert user.totp_secret is not None
    secret, _, step = decrypt(user.totp_secret).partition(":")
    return secret, int(step) if step else -1


def _pack(secret: str, step: int) -> str:
    return encrypt(f"{secret}:{step}" if step >= 0 else secret)


def pending_secret(user: User) -> str | None:
    """The secret of an enrolment begun but not confirmed, to show again; else None."""
    if user.totp_secret is None or user.totp_enabled_dt is not None:
        return None
    return _unpack(user)[0]


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_dt.is_(None))
        )
        or 0
    )


def normalise(code: str) -> str:
    """What the user typed, without spaces or dashes, lower case."""
    return re.sub(r"[\s\-]", "", code or "").lower()


# ---------------------------------------------------------------- enrolment


def begin_enrolment(user: User, *, actor: User | None) -> str:
    """Draw a new secret for ``user`` and keep it, encrypted, as pending (a previous
    pending one is replaced); the secret, to show as a QR code and as text."""
    if is_enrolled(user):
        raise AlreadyEnrolled()
    _check_self(user, actor)
    secret = pyotp.random_base32()
    user.totp_secret = _pack(secret, -1)
    user.totp_enabled_dt = None
    db.session.flush()
    return secret


def confirm_enrolment(user: User, code: str, *, actor: User | None) -> list[str]:
    """Turn the second factor on once ``code`` comes from the pending secret: the new
    recovery codes (in clear, to show once). The user's other sessions end, in case one
    was opened by somebody who knew only the password."""
    if is_enrolled(user):
        raise AlreadyEnrolled()
    _check_self(user, actor)
    if user.totp_secret is None:
        raise NotEnrolling()
    secret, _ = _unpack(user)
    step = _matching_step(secret, normalise(code), after=-1)
    if step is None:
        raise WrongCode()
    user.totp_secret = _pack(secret, step)
    user.totp_enabled_dt = clock.now()
    codes = _replace_recovery_codes(user)
    end_all_sessions(user, "second_factor_enrolled", keep_current=True)
    db.session.flush()
    return codes


def regenerate_recovery_codes(user: User, *, actor: User | None) -> list[str]:
    """Replace every recovery code of ``user`` by ten new ones (in clear, to show once).
    The view asks for a current code first."""
    if not is_enrolled(user):
        raise NotEnrolled()
    _check_self(user, actor)
    codes = _replace_recovery_codes(user)
    db.session.flush()
    return codes


def turn_off(user: User, *, actor: User | None) -> None:
    """Remove ``user``'s own second factor and recovery codes (to move to a new phone:
    turn it off, then set it up again). The view asks for a current code from the app
    first. Their other sessions end; if their role requires a second factor, the security
    page is all they reach until they set up a new one."""
    if not is_enrolled(user):
        raise NotEnrolled()
    _check_self(user, actor)
    user.totp_secret = None
    user.totp_enabled_dt = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(user, "second_factor_off", keep_current=True)
    db.session.flush()


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]  # fmt: skip
    now = clock.now()
    for code in codes:
        db.session.add(
            RecoveryCode(
                user_id=user.id,
                code_hash=generate_password_hash(code, method=_RECOVERY_HASH),
                created_dt=now,
            )
        )
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def _check_self(user: User, actor: User | None) -> None:
    """A second factor is set up by its owner, never on their behalf."""
    if actor is None or actor.id != user.id:
        raise PermissionDenied(_l("Only the account's owner can set up its second factor."))


# ---------------------------------------------------------------- login


def _matching_step(secret: str, code: str, *, after: int) -> int | None:
    """The time step (now, or one either side) whose code is ``code``, if later than
    ``after``; else None."""
    if not _TOTP_CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(clock.now())
    for step in (now - 1, now, now + 1):
        if step > after and strings_equal(code, totp.generate_otp(step)):
            return step
    return None


def verify(user: User, code: str, *, allow_recovery: bool = True) -> Method | None:
    """Check ``code`` at login: a 6-digit code from the app, not used before, or (unless
    ``allow_recovery`` is False) one of the user's unused recovery codes, which is used
    up. How it passed, or None."""
    if not is_enrolled(user):
        return None
    typed = normalise(code)
    if _TOTP_CODE.fullmatch(typed):
        return "code" if _accept_totp(user, typed) else None
    if allow_recovery and _RECOVERY_CODE.fullmatch(typed):
        return "recovery_code" if _use_recovery_code(user, typed) else None
    return None


def _accept_totp(user: User, code: str) -> bool:
    stored = user.totp_secret
    secret, last_step = _unpack(user)
    step = _matching_step(secret, code, after=last_step)
    if step is None:
        return False
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, User.totp_secret == stored)
        .values(totp_secret=_pack(secret, step))
        .execution_options(synchronize_session="fetch")
    )
    return getattr(result, "rowcount", 0) == 1  # 0: a concurrent login took this step


def _use_recovery_code(user: User, code: str) -> bool:
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_dt.is_(None))
    ).all()
    for row in unused:
        if check_password_hash(row.code_hash, code):
            result = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_dt.is_(None))
                .values(used_dt=clock.now())
                .execution_options(synchronize_session="fetch")
            )
            return getattr(result, "rowcount", 0) == 1
    return False


# ---------------------------------------------------------------- administration


def reset_second_factor(user: User, *, actor: User | None) -> None:
    """Remove ``user``'s second factor and recovery codes (they lost their phone), on the
    admin log, and end all their sessions; their next login asks them to set it up again
    if their role requires it. An admin does this for somebody else (``actor=None``: the
    command line); nobody resets their own through it."""
    if actor is not None and actor.role != "admin":
        raise PermissionDenied(_l("Only an administrator can reset a second factor."))
    if actor is not None and actor.id == user.id:
        raise PermissionDenied(
            _l("You cannot reset your own second factor: ask another administrator.")
        )
    left = recovery_codes_left(user)
    if user.totp_secret is None and not left:
        raise NotEnrolled()
    before = {
        "second_factor": "on" if is_enrolled(user) else "being set up",
        "recovery_codes_left": left,
    }
    user.totp_secret = None
    user.totp_enabled_dt = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(user, "second_factor_reset")
    record_admin_change(
        actor,
        "user.second_factor_reset",
        ("user", user.id, user.email),
        before=before,
        after={"second_factor": "off", "recovery_codes_left": 0},
    )
    db.session.flush()


# ---------------------------------------------------------------- key rotation


class UndecryptableSecret(TwoFactorError):
    pass


def rotate_secrets(batch: int = 500) -> int:
    """Re-encrypt every stored TOTP secret under the newest ``CASEWORK_DATA_KEY`` key
    (`casework reporters rotate-key`); the number re-encrypted. Flushes, never commits."""
    from cryptography.fernet import InvalidToken

    from casework.reporters.crypto import rotate

    count, last_id = 0, 0
    while True:
        users = db.session.scalars(
            select(User)
            .where(User.id > last_id, User.totp_secret.isnot(None))
            .order_by(User.id)
            .limit(batch)
        ).all()
        if not users:
            return count
        for user in users:
            assert user.totp_secret is not None
            try:
                user.totp_secret = rotate(user.totp_secret)
            except InvalidToken:
                raise UndecryptableSecret(
                    f"user {user.id}'s two-factor key does not decrypt with any key in "
                    "CASEWORK_DATA_KEY. Add the key it was encrypted with (after the new one) "
                    "and run the command again."
                ) from None
            count += 1
        last_id = users[-1].id
        db.session.flush()
