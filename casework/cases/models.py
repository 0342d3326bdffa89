from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework import clock
from casework.extensions import Model, UTCDateTime, db
from workflows import RESOLUTIONS, STATES
from workflows.committees import FLAGGED_OUTCOMES

# Annex II categories and local risks: code -> (meaning, default level). See DOMAIN.md.
CATEGORIES: dict[str, tuple[str, int]] = {
    "SA-TOR": ("Torture, cruel or inhuman treatment", 1),
    "SA-FL": ("Forced labour", 1),
    "SA-WFCL": ("Worst forms of child labour", 1),
    "SA-SGBV": ("Sexual violence, gross abuses", 1),
    "SA-WAR": ("War crimes", 1),
    "NSAG": ("Non-state armed group presence, control or taxation", 1),
    "SEC": ("Security forces: illegal taxation, mining, abuse", 1),
    "BRB": ("Bribery, tag fraud, fraudulent origin, smuggling", 2),
    "AML": ("Money laundering", 2),
    "TAX": ("Undeclared taxes, fees, royalties", 2),
    "CHL": ("Children at sites (worst forms not confirmed)", 2),
    "OHS": ("Accidents, unsafe conditions", 2),
    "ENV": ("Environment", 3),
    "LAND": ("Land conflict", 3),
    "TRC": ("Traceability and record-keeping errors", 3),
}
# Categories whose cases only the assignee, supervisors and admins may open.
RESTRICTED_CATEGORIES = frozenset({"SA-SGBV"})
CHANNELS = ("sms", "whatsapp", "web", "phone", "field", "email")

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GENESIS_HASH = "0" * 64  # the "previous hash" of a chain's first event


def new_reference(prefix: str = "CW") -> str:
    """``CW-7K3Q-92MX``: 40 random bits in Crockford base32, easy to read out on a phone."""
    chars = "".join(secrets.choice(CROCKFORD) for _ in range(8))
    return f"{prefix}-{chars[:4]}-{chars[4:]}"


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Case(Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(STATES)})", name="status"),
        CheckConstraint("level IS NULL OR level IN (1, 2, 3)", name="level"),
        CheckConstraint(f"category IS NULL OR category IN ({_in(CATEGORIES)})", name="category"),
        CheckConstraint(
            f"resolution IS NULL OR resolution IN ({_in(RESOLUTIONS)})", name="resolution"
        ),
        CheckConstraint("(status = 'closed') = (resolution IS NOT NULL)", name="closed_resolution"),
        CheckConstraint(f"channel IN ({_in(CHANNELS)})", name="channel"),
        Index("ix_cases_status_due", "status", "due_dt"),
        Index("ix_cases_assignee_status", "assignee_id", "status"),
        # The queue sorted by deadline pages on (due_dt, id); a supervisor's "waiting for me"
        # finds the few downgrades waiting for approval.
        Index("ix_cases_due_id", "due_dt", "id"),
        Index(
            "ix_cases_pending_level_by",
            "pending_level_by_id",
            postgresql_where=text("pending_level IS NOT NULL"),
            sqlite_where=text("pending_level IS NOT NULL"),
        ),
        # The queue's tab counts and the dashboard's open cases filter by who may see what
        # (casework/cases/permissions.py): with those columns in the index, PostgreSQL counts
        # from the index alone.
        Index(
            "ix_cases_status",
            "status",
            postgresql_include=[
                "level",
                "due_dt",
                "category",
                "suggested_category",
                "assignee_id",
                "committee_id",
                "is_published",
            ],
        ),
        # The dashboard's figures over time are ranges of reported_dt; with what they count
        # included, they read the index alone (the rows are wide: the report's text).
        Index(
            "ix_cases_reported_dt",
            "reported_dt",
            postgresql_include=[
                "id",
                "category",
                "suggested_category",
                "committee_id",
                "level",
                "site_id",
                "resolution",
                "triaged_dt",
                "verification_started_dt",
                "verified_dt",
                "escalated_dt",
                "closed_dt",
            ],
        ),
        # DOMAIN.md's recurrence rule: Level 3 reports of one category at one site.
        Index(
            "ix_cases_site_category_level_reported", "site_id", "category", "level", "reported_dt"
        ),
        Index(
            "ix_cases_level3_reported",
            "reported_dt",
            postgresql_include=["site_id", "category", "suggested_category", "committee_id"],
            postgresql_where=text("level = 3"),
            sqlite_where=text("level = 3"),
        ),
        # A viewer's queue and its counts: published cases only. The predicate reads as the
        # app's filter does (`is_(True)`), or PostgreSQL cannot prove the index applies.
        Index(
            "ix_cases_published",
            "status",
            "reported_dt",
            "id",
            postgresql_where=text("is_published IS TRUE"),
            sqlite_where=text("is_published IS 1"),
        ),
        # The scheduled sweeps read what is due, not what is stored (casework/jobs.py).
        Index("ix_cases_deadline_sweep", "deadline_stage", "due_dt"),
        Index("ix_cases_age_sweep", "age_stage", "age_limit_dt"),
        CheckConstraint("deadline_stage BETWEEN 0 AND 3", name="deadline_stage"),
        CheckConstraint("age_stage BETWEEN 0 AND 2", name="age_stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="received")
    category: Mapped[str | None] = mapped_column(String(10), index=True)
    level: Mapped[int | None] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(db.Text, default="")  # the report, verbatim
    language: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(10), default="web")
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    location_text: Mapped[str] = mapped_column(String(300), default="")
    occurred_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporters.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"), index=True)
    due_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(20))
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # What intake guessed; the officer confirms or corrects at triage.
    suggested_category: Mapped[str | None] = mapped_column(String(10))
    suggested_level: Mapped[int | None]
    suggested_site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    # A Level 1 downgrade waits here for a second supervisor's approval.
    pending_level: Mapped[int | None]
    pending_level_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pending_level_reason: Mapped[str | None] = mapped_column(db.Text)
    is_published: Mapped[bool] = mapped_column(default=False)
    # Safety: nothing is sent to the reporter while set (an officer's audited switch).
    do_not_contact: Mapped[bool] = mapped_column(default=False)
    # Reported with ANON: no number was ever stored; nothing can contact the reporter.
    is_anonymous: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A supervisor's legal hold: the reporter's contact details are kept past retention.
    legal_hold_reason: Mapped[str | None] = mapped_column(db.Text)
    # When the case was last escalated: only decisions voted since then are its committee's
    # decision (a reopened case escalated again needs a new one).
    escalated_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Milestones for the dashboard's figures: the first time the case was triaged, had its
    # verification started and was verified (set by `operations.fire`, never reset by a
    # reopening), so deadline compliance and median times are aggregates over `cases`.
    triaged_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verification_started_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the reporter's contact details were erased (ERASE, or the retention purge).
    contact_erased_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How far the reminders of the running deadline have gone: 0 none, 1 warned, 2 breach
    # told, 3 supervisors told (the operations reset it whenever a new deadline starts).
    deadline_stage: Mapped[int] = mapped_column(default=0)
    # When an open case passes the maximum time open (6 months, or a justified extension);
    # None once closed. age_stage: 0 nothing sent, 1 warned, 2 over the limit.
    age_limit_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    age_stage: Mapped[int] = mapped_column(default=0)
    public_summary: Mapped[str] = mapped_column(db.Text, default="")
    # What committee members of a restricted (SA-SGBV) case read instead of the case: written
    # by a supervisor, without anything that identifies the survivor or the reporter.
    committee_brief: Mapped[str] = mapped_column(db.Text, default="", server_default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(default=1)
    # The head of the event chain, moved only by `record_event` (never through the ORM, so
    # it does not bump `version`); `audit verify` checks every chain ends here.
    event_count: Mapped[int] = mapped_column(default=0)
    last_event_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)

    __mapper_args__ = {"version_id_col": version}

    site = relationship("Site", foreign_keys=[site_id])
    suggested_site = relationship("Site", foreign_keys=[suggested_site_id])
    reporter = relationship("Reporter")
    assignee = relationship("User", foreign_keys=[assignee_id])
    committee = relationship("Committee")
    duplicate_of: Mapped[Case | None] = relationship(remote_side=[id])
    actions: Mapped[list[MitigationAction]] = relationship(
        back_populates="case", order_by="MitigationAction.id", cascade="all, delete-orphan"
    )
    corroborations: Mapped[list[Corroboration]] = relationship(
        back_populates="case", order_by="Corroboration.id", cascade="all, delete-orphan"
    )
    decisions = relationship(
        "Decision", order_by="Decision.id", cascade="all, delete-orphan", viewonly=False
    )

    # Read by the workflow guards.
    @property
    def corroboration_count(self) -> int:
        return len(self.corroborations)

    @property
    def valid_decisions(self) -> list:
        """The decisions of the case's committee reached by a vote (a quorate meeting or a
        written vote) since the case was last escalated to it."""
        return [
            d
            for d in self.decisions
            if d.is_voted
            and d.committee_id == self.committee_id
            and (self.escalated_dt is None or d.decided_dt >= self.escalated_dt)
        ]

    # Read by the workflow guards.
    @property
    def decision_count(self) -> int:
        return len(self.valid_decisions)

    @property
    def decision_outcome(self) -> str | None:
        """The outcome of the committee's latest voted decision."""
        valid = self.valid_decisions
        return valid[-1].outcome if valid else None

    @property
    def is_trade_stopped(self) -> bool:
        """The committee's latest voted decision suspends trade or disengages (flagged)."""
        return self.decision_outcome in FLAGGED_OUTCOMES

    @property
    def lacks_committee_brief(self) -> bool:
        """Restricted, and no brief yet for the committee (read by the escalation guard)."""
        restricted = (self.category or self.suggested_category) in RESTRICTED_CATEGORIES
        return restricted and not self.committee_brief.strip()

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category][0] if self.category else ""

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.status}>"


class MitigationAction(Model):
    __tablename__ = "mitigation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(db.Text)
    # Who carries it out: a user or a contact; ``owner`` is the name as shown (and the
    # free text of actions recorded before owners were picked from a list).
    owner: Mapped[str] = mapped_column(String(200), default="")
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    due_date: Mapped[date | None] = mapped_column(index=True)
    is_done: Mapped[bool] = mapped_column(default=False)
    done_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The owner's date of the next reminder (None: none due; done actions have none).
    next_reminder_on: Mapped[date | None] = mapped_column(index=True)

    case: Mapped[Case] = relationship(back_populates="actions")
    owner_user = relationship("User")
    owner_contact = relationship("Contact")


class Corroboration(Model):
    """A source that confirms (part of) a report: a site visit, a witness, a document."""

    __tablename__ = "corroborations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(db.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    case: Mapped[Case] = relationship(back_populates="corroborations")


class CaseEvent(Model):
    """One entry of a case's append-only, hash-chained timeline.

    ``hash`` covers the event's content and ``prev_hash`` (the previous event of the same
    case), so editing or deleting any event breaks the chain from there on; the unique
    ``(case_id, seq)`` keeps the chain linear under concurrent writers.
    """

    __tablename__ = "case_events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),
        Index("ix_case_events_kind_created", "kind", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    case: Mapped[Case] = relationship()
    actor = relationship("User")

    def compute_hash(self) -> str:
        body = json.dumps(
            {
                "case_id": self.case_id,
                "seq": self.seq,
                "kind": self.kind,
                "actor_id": self.actor_id,
                "created_dt": self.created_dt.isoformat(),
                "data": self.data,
                "prev_hash": self.prev_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(body.encode()).hexdigest()


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _events_are_append_only(mapper, connection, target: CaseEvent) -> None:
    raise RuntimeError("case events are append-only: record a new event instead")
