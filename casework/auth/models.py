from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from casework import clock
from casework.extensions import Model, UTCDateTime
from workflows import ROLES
from workflows.notices import KINDS, default_channels


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ({})".format(", ".join(f"'{r}'" for r in ROLES)), name="role"),
        CheckConstraint("digest_hour BETWEEN 0 AND 23", name="digest_hour"),
        CheckConstraint(
            "(quiet_from IS NULL) = (quiet_until IS NULL) AND "
            "(quiet_from IS NULL OR "
            "(quiet_from BETWEEN 0 AND 23 AND quiet_until BETWEEN 0 AND 23))",
            name="quiet_hours",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    is_enabled: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How the user is told (workflows/notices.py has the kinds and each role's defaults).
    timezone: Mapped[str] = mapped_column(String(40), default="UTC")
    digest_hour: Mapped[int] = mapped_column(default=7)  # local hour of the daily digest
    # SMS wait out [quiet_from, quiet_until) local hours (urgent notices excepted).
    quiet_from: Mapped[int | None]
    quiet_until: Mapped[int | None]
    # The kinds received by each channel; None: the role's defaults.
    email_notices: Mapped[list[str] | None] = mapped_column(JSON)
    sms_notices: Mapped[list[str] | None] = mapped_column(JSON)
    # Two-factor login (casework/auth/twofactor.py): the TOTP secret, encrypted with the data
    # key; enrolment is complete once a code from it was accepted (totp_enabled_dt).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an admin gave a temporary password: the next login must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(default=False)

    memberships: Mapped[list[CommitteeMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    @property
    def committee_ids(self) -> set[int]:
        return {m.committee_id for m in self.memberships}

    def notice_channels(self, kind: str) -> set[str]:
        """The channels this user gets notices of ``kind`` by (SMS only with a phone)."""
        channels = default_channels(kind, self.role)
        if KINDS[kind].urgent:  # not for settings to silence
            return channels if self.phone else channels - {"sms"}
        for channel, chosen in (("email", self.email_notices), ("sms", self.sms_notices)):
            if chosen is not None:
                channels.discard(channel)
                if kind in chosen:
                    channels.add(channel)
        if not self.phone:
            channels.discard("sms")
        return channels

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiToken(Model):
    """A bearer token; only its SHA-256 is stored (the token itself is random, 256 bits)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_revoked: Mapped[bool] = mapped_column(default=False)
    # What the token may do: "read", or "read write" (space-separated scopes). Tokens made
    # before scopes existed keep what they could do ("read write").
    scopes: Mapped[str] = mapped_column(String(100), default="read", server_default="read write")
    # None: never expires (only tokens made before expiry existed).
    expires_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class UserSession(Model):
    """A login, server-side: the session cookie carries a random token whose SHA-256 is
    here. Logging out ends this one; a password or role change, disabling the account or a
    second-factor reset ends all of the user's (casework/auth/sessions.py)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()


class RecoveryCode(Model):
    """A single-use second-factor recovery code; only its hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)


from casework.committees.models import CommitteeMembership  # noqa: E402
