from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework import clock
from casework.extensions import Model, UTCDateTime, db
from workflows.committees import CHOICES, OUTCOMES, SECTORS, Rules

SCOPES = ("local", "provincial")
MEETING_KINDS = ("meeting", "written")
MEETING_STATUSES = ("open", "closed", "cancelled")
ITEM_REASONS = ("decision", "review")
ITEM_STATUSES = ("open", "adopted", "not_adopted", "postponed", "lapsed")


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Committee(Model):
    """A multi-stakeholder body: a local committee covers a territory, a provincial one a
    province (of its country). Its rules (`workflows.committees.Rules`) say when it decides."""

    __tablename__ = "committees"
    __table_args__ = (
        CheckConstraint(f"scope IN ({_in(SCOPES)})", name="scope"),
        CheckConstraint("quorum_percent BETWEEN 0 AND 99", name="quorum_percent"),
        CheckConstraint("majority_percent BETWEEN 0 AND 99", name="majority_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    scope: Mapped[str] = mapped_column(String(20), default="local")  # local | provincial
    country: Mapped[str | None] = mapped_column(String(2))
    province: Mapped[str | None] = mapped_column(String(100))
    # A local committee's territories (districts in Rwanda), ';'-separated like site minerals.
    territories: Mapped[str] = mapped_column(String(500), default="", server_default="")
    time_zone: Mapped[str] = mapped_column(
        String(64), default="Africa/Lubumbashi", server_default="Africa/Lubumbashi"
    )
    language: Mapped[str] = mapped_column(String(8), default="fr", server_default="fr")
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    quorum_percent: Mapped[int] = mapped_column(default=50, server_default="50")
    quorum_each_sector: Mapped[bool] = mapped_column(default=True, server_default=true())
    majority_percent: Mapped[int] = mapped_column(default=50, server_default="50")

    memberships: Mapped[list[CommitteeMembership]] = relationship(
        back_populates="committee", cascade="all, delete-orphan"
    )
    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])

    @property
    def rules(self) -> Rules:
        return Rules(self.quorum_percent, self.quorum_each_sector, self.majority_percent)

    @property
    def territory_list(self) -> list[str]:
        return [t.strip() for t in self.territories.split(";") if t.strip()]

    def member_ids(self) -> set[int]:
        return {m.user_id for m in self.memberships}

    def is_chaired_by(self, user) -> bool:
        return user is not None and self.chair_id is not None and self.chair_id == user.id

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


class Meeting(Model):
    """A sitting of the committee, or (``kind="written"``) an urgent written vote on one
    Level 1 case: the same agenda items and votes, with a deadline instead of a room."""

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(MEETING_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({_in(MEETING_STATUSES)})", name="status"),
        CheckConstraint("kind = 'meeting' OR closes_dt IS NOT NULL", name="written_deadline"),
        Index("ix_meetings_committee_starts", "committee_id", "starts_dt"),
        Index("ix_meetings_status_closes", "status", "closes_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default="meeting")
    status: Mapped[str] = mapped_column(String(10), default="open")
    starts_dt: Mapped[datetime] = mapped_column(UTCDateTime)  # a written vote: when it opened
    closes_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a written vote's deadline
    place: Mapped[str] = mapped_column(String(300), default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    committee: Mapped[Committee] = relationship()
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="meeting", order_by="Attendance.id", cascade="all, delete-orphan"
    )

    @property
    def is_written(self) -> bool:
        return self.kind == "written"

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class Attendance(Model):
    """Who was at a meeting: a member (``user_id``), or a guest without a vote."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id", name="uq_meeting_attendance_member"),
        CheckConstraint(f"sector IN ({_in(SECTORS)})", name="sector"),
        CheckConstraint("user_id IS NOT NULL OR guest_name <> ''", name="who"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    guest_name: Mapped[str] = mapped_column(String(200), default="")
    guest_organisation: Mapped[str] = mapped_column(String(200), default="")
    sector: Mapped[str] = mapped_column(String(20))

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    user: Mapped[User | None] = relationship()

    @property
    def is_guest(self) -> bool:
        return self.user_id is None


class AgendaItem(Model):
    """A case before a meeting, and the outcome proposed for the members' vote."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        UniqueConstraint("meeting_id", "case_id", name="uq_agenda_items_case"),
        CheckConstraint(f"reason IN ({_in(ITEM_REASONS)})", name="reason"),
        CheckConstraint(f"status IN ({_in(ITEM_STATUSES)})", name="status"),
        CheckConstraint(
            f"proposed_outcome IS NULL OR proposed_outcome IN ({_in(OUTCOMES)})",
            name="proposed_outcome",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(10), default="decision")
    proposed_outcome: Mapped[str | None] = mapped_column(String(30))
    rationale: Mapped[str] = mapped_column(db.Text, default="")
    discussion: Mapped[str] = mapped_column(db.Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="open")
    result: Mapped[str] = mapped_column(db.Text, default="")  # the verdict, in words
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    case: Mapped[Case] = relationship()
    votes: Mapped[list[Vote]] = relationship(
        back_populates="item", order_by="Vote.id", cascade="all, delete-orphan"
    )
    decision: Mapped[Decision | None] = relationship(back_populates="agenda_item")

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class Vote(Model):
    """A member's vote on an agenda item, or their recusal (``choice="recused"``, with the
    conflict of interest in ``reason``). One row per member and item: voting again changes it."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("agenda_item_id", "user_id", name="uq_votes_member"),
        CheckConstraint(f"choice IN ({_in((*CHOICES, 'recused'))})", name="choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    choice: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(db.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cast_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    item: Mapped[AgendaItem] = relationship(back_populates="votes")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


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
    # The vote that reached it. Decisions from before committees voted have none: they stay
    # readable but do not count as the committee's decision (`Case.valid_decisions`).
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), unique=True
    )
    # Attendance by sector, the count of each choice and the recusals, as they stood when
    # the vote closed: a decision keeps its own record even if members leave later.
    tally: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    committee: Mapped[Committee | None] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship(back_populates="decision")

    @property
    def is_voted(self) -> bool:
        return self.agenda_item_id is not None


DECISION_OUTCOMES = OUTCOMES

from casework.auth.models import User  # noqa: E402
from casework.cases.models import Case  # noqa: E402
