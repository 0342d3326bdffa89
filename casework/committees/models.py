from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework import clock
from casework.extensions import Model, UTCDateTime, db

SECTORS = ("government", "industry", "civil_society")


class Committee(Model):
    __tablename__ = "committees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    scope: Mapped[str] = mapped_column(String(20), default="local")  # local | provincial
    country: Mapped[str | None] = mapped_column(String(2))
    province: Mapped[str | None] = mapped_column(String(100))

    memberships: Mapped[list[CommitteeMembership]] = relationship(
        back_populates="committee", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Committee {self.name}>"


class CommitteeMembership(Model):
    __tablename__ = "committee_memberships"
    __table_args__ = (
        UniqueConstraint("committee_id", "user_id", name="uq_committee_memberships_member"),
        CheckConstraint("sector IN ('government', 'industry', 'civil_society')", name="sector"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committees.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sector: Mapped[str] = mapped_column(String(20), default="civil_society")

    committee: Mapped[Committee] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class Decision(Model):
    """A committee's decision on an escalated case (OECD: mitigate, suspend, disengage)."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('continue_with_mitigation', 'suspend', 'disengage', 'no_action')",
            name="outcome",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"))
    outcome: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(db.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    committee: Mapped[Committee | None] = relationship()


DECISION_OUTCOMES = ("continue_with_mitigation", "suspend", "disengage", "no_action")

from casework.auth.models import User  # noqa: E402
