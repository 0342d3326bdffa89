"""The outbox: every email and SMS Casework sends is first a row here, written in the same
transaction as the change that caused it (DESIGN.md principle 4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casework.extensions import Model, UTCDateTime

CHANNELS = ("email", "sms", "whatsapp")
# pending: not tried yet; sending: claimed by a dispatcher; sent: handed to the provider;
# failed: the last attempt failed and another is due at next_attempt_dt; dead: given up
# (a permanent failure, or out of attempts).
STATUSES = ("pending", "sending", "sent", "failed", "dead")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class OutboxMessage(Model):
    """One message to one recipient, and what became of it.

    ``recipient`` is an email address, or a reference such as ``reporter:42`` that a
    resolver the app registers turns into an address at send time: SMS recipients are
    always references, so phone numbers never sit in this table in clear. ``last_error``
    holds the failure's kind and provider code, scrubbed of numbers and addresses.
    ``dedupe_key`` is unique: enqueueing the same key twice keeps the first row.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(f"channel IN ({_in(CHANNELS)})", name="channel"),
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # The dispatcher's queue: due rows in order; and stale claims by their lease.
        Index("ix_outbox_messages_status_next_attempt", "status", "next_attempt_dt"),
        Index("ix_outbox_messages_status_claimed", "status", "claimed_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_code: Mapped[str | None] = mapped_column(String(20))
    provider_id: Mapped[str | None] = mapped_column(String(255))
    provider_status: Mapped[str | None] = mapped_column(String(20))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status_callback_url: Mapped[str | None] = mapped_column(String(500))
    # WhatsApp outside the 24-hour window: an approved template (Twilio Content SID), with
    # ``body`` holding its variables as JSON.
    template: Mapped[str | None] = mapped_column(String(64))
    ref: Mapped[str | None] = mapped_column(String(100), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.channel} {self.status}>"


JOB_RESULTS = ("running", "ok", "failed")


class JobRun(Model):
    """One run of a scheduled job, for ``casework jobs list`` and the admin page."""

    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint(f"result IN ({_in(JOB_RESULTS)})", name="result"),
        Index("ix_job_runs_job_started", "job", "started_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(50))
    started_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(String(10), default="running")
    detail: Mapped[str] = mapped_column(String(500), default="")
