from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework import clock
from casework.extensions import Model, UTCDateTime, db

# Where a file came from (what an officer says, or "reporter" for media sent by MMS).
SOURCES = ("field_visit", "reporter", "third_party")


class EvidenceFile(Model):
    """A file on a case: stored encrypted under ``storage_key`` (never on a static path),
    its SHA-256 (of the original bytes) also on the case's hash-chained record, so a file
    replaced or removed in storage shows in `casework audit verify`."""

    __tablename__ = "evidence_files"
    __table_args__ = (CheckConstraint("source IN ('field_visit', 'reporter', 'third_party')",
                                      name="source"),)  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # The MMS/WhatsApp message whose media it is (None for an upload).
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))  # read from the content
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    # A downscaled copy without location or camera metadata (images only).
    preview_key: Mapped[str | None] = mapped_column(String(200))
    caption: Mapped[str] = mapped_column(db.Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="field_visit")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    case = relationship("Case")
    message = relationship("Message")
    added_by = relationship("User")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
