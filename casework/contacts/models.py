from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from casework import clock
from casework.committees.models import SECTORS
from casework.extensions import Model, UTCDateTime, db
from casework.reporters import crypto
from casework.reporters.models import mask_phone


class Contact(Model):
    """Somebody without a login who is told about cases: a cooperative's manager, a
    mines-division officer, a company's due-diligence contact. The phone number is
    encrypted like a reporter's and shown masked."""

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(
            "sector IN ({})".format(", ".join(f"'{s}'" for s in SECTORS)), name="sector"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    sector: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255))
    phone_encrypted: Mapped[str | None] = mapped_column(db.Text)
    phone_masked: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="fr")
    timezone: Mapped[str] = mapped_column(String(40), default="Africa/Kinshasa")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def phone(self) -> str | None:
        """The number in clear, for sending only: never shown, never logged."""
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else None

    def set_phone(self, e164: str | None) -> None:
        self.phone_encrypted = crypto.encrypt(e164) if e164 else None
        self.phone_masked = mask_phone(e164) if e164 else None

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name

    def __repr__(self) -> str:
        return f"<Contact {self.id}>"
