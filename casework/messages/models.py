from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework import clock
from casework.extensions import Model, UTCDateTime, db

DELIVERY_STATUSES = (
    "received",
    "queued",
    "accepted",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "read",
    "canceled",
)


class Message(Model):
    """An SMS or WhatsApp message to or from a reporter.

    ``provider_sid`` (Twilio's MessageSid) is unique: a webhook delivered twice finds the
    constraint, not a second row. Phone numbers are not stored here; the reporter row
    holds the number, encrypted.
    """

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'out')", name="direction"),
        Index("ix_messages_reporter_created", "reporter_id", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporters.id"))
    # For an outbound reply: the inbound message it answers.
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    body: Mapped[str] = mapped_column(db.Text, default="")
    language: Mapped[str | None] = mapped_column(String(8))
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="received")
    error_code: Mapped[str | None] = mapped_column(String(20))
    is_flagged: Mapped[bool] = mapped_column(default=False)
    flag_reason: Mapped[str | None] = mapped_column(String(100))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case = relationship("Case")
    reporter = relationship("Reporter")

    @property
    def flags(self) -> list[str]:
        """``flag_reason`` as a list: flood, processing_failed, invalid_sender."""
        return [r for r in (self.flag_reason or "").split(",") if r]
