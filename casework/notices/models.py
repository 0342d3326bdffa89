from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework import clock
from casework.extensions import Model, UTCDateTime, db


class Notice(Model):
    """One thing a user was told, as their notifications list shows it.

    Written in the same transaction as the change that caused it, in the user's language;
    its email and SMS are outbox rows whose ``ref`` is ``notice:<id>``. ``dedupe_key`` is
    unique: the same event never notifies the same user twice.
    """

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_user_created", "user_id", "created_dt"),
        Index("ix_notices_user_read", "user_id", "read_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(db.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    # Where opening a notice about no case leads in the app (a meeting, a brief), if anywhere.
    path: Mapped[str | None] = mapped_column(String(300))

    case = relationship("Case")

    @property
    def is_read(self) -> bool:
        return self.read_dt is not None
