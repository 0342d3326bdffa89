from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from casework import clock
from casework.extensions import Model, UTCDateTime, db
from casework.reporters import crypto


def mask_phone(e164: str) -> str:
    """``+243812345678`` -> ``+243 ••• ••• 678``: the country and the last three digits."""
    if not e164.startswith("+") or len(e164) < 8:
        return "•" * max(len(e164) - 2, 3) + e164[-2:]
    return f"{e164[:4]} ••• ••• {e164[-3:]}"


class Reporter(Model):
    """Somebody who reported by phone. The number never leaves this row unencrypted."""

    __tablename__ = "reporters"
    __table_args__ = (
        CheckConstraint("anonymity IN ('anonymous', 'confidential')", name="anonymity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    phone_encrypted: Mapped[str] = mapped_column(db.Text)
    phone_masked: Mapped[str] = mapped_column(String(32))
    is_phone_valid: Mapped[bool] = mapped_column(default=True)
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(8))
    # How ``language`` was chosen: "keyword" (the reporter asked; it sticks), "text"
    # (detected from a message) or "country" (the number's country code).
    language_source: Mapped[str | None] = mapped_column(String(10))
    anonymity: Mapped[str] = mapped_column(String(20), default="confidential")
    opted_out_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reporter texted ERASE and was asked to confirm (the confirmation must follow soon).
    erase_requested_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @classmethod
    def for_phone(cls, phone: str, **fields) -> Reporter:
        return cls(
            phone_hash=crypto.lookup_hash(phone),
            phone_encrypted=crypto.encrypt(phone),
            phone_masked=mask_phone(phone),
            **fields,
        )

    @classmethod
    def find(cls, phone: str) -> Reporter | None:
        return db.session.scalar(
            db.select(cls).where(cls.phone_hash.in_(crypto.lookup_hashes(phone)))
        )

    @property
    def phone(self) -> str:
        """The number in clear. Callers must audit the access (see `reveal_phone`)."""
        return crypto.decrypt(self.phone_encrypted)

    @property
    def is_opted_out(self) -> bool:
        return self.opted_out_dt is not None

    def __repr__(self) -> str:
        return f"<Reporter {self.id}>"
