"""What a committee's workspace shows: reads only, for the view to hand to its template.

A restricted case (SA-SGBV) is listed like any other, but a reader who may not open it
(a committee member) gets its reference, its category and a link to its brief: never its
title, which often quotes the report. What the committee wrote about a case (its proposal's
rationale, the discussion, the mitigation actions and their owners) is for those who read
the case or its brief (`reads`): an admin, who manages committees, reads neither for a
restricted case.

Every list is loaded with its relations up front, so a page costs the same number of
statements however many cases, meetings and decisions it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from casework.auth.models import User
from casework.cases.models import Case, MitigationAction
from casework.cases.permissions import can_view, is_restricted
from casework.committees.meetings import cases_before
from casework.committees.models import AgendaItem, Committee, CommitteeMembership, Decision, Meeting
from casework.committees.operations import can_read_brief
from casework.extensions import db
from workflows.committees import BEFORE_COMMITTEE

PAST_MEETINGS_SHOWN = 20
DECISIONS_SHOWN = 50

# The committee as its pages show it: members (with their names) and chair.
COMMITTEE_LOADS = (
    selectinload(Committee.memberships).joinedload(CommitteeMembership.user),
    joinedload(Committee.chair),
)


def reads(user: User, case: Case) -> bool:
    """Whether ``user`` may read what the committee wrote about ``case``: whoever opens the
    case, and for a restricted case the readers of its brief (its committee's members)."""
    return can_view(user, case) or can_read_brief(user, case)


def preload(cases: list[Case]) -> list[Case]:
    """Load the decisions and site of ``cases`` (already in the session) in one statement
    each, rather than one per case when the page asks for them."""
    if cases:
        db.session.scalars(
            select(Case)
            .where(Case.id.in_([c.id for c in cases]))
            .options(selectinload(Case.decisions), joinedload(Case.site))
        ).all()
    return cases


@dataclass(frozen=True)
class CaseEntry:
    """A case as this reader may see it: ``readable`` says whether its title and text may
    be shown; ``url`` is the case page, its brief, or None (nothing this reader may open)."""

    case: Case
    readable: bool
    url: str | None

    @property
    def restricted(self) -> bool:
        return is_restricted(self.case)

    @property
    def flagged(self) -> bool:
        """The latest voted decision stops trade (suspend, disengage)."""
        return self.case.is_trade_stopped


def brief_url(committee_id: int, case: Case) -> str:
    return url_for("committees.case_brief", committee_id=committee_id, reference=case.reference)


def entry(user: User, committee: Committee, case: Case) -> CaseEntry:
    if can_view(user, case):
        return CaseEntry(case, True, url_for("cases.detail", reference=case.reference))
    if is_restricted(case) and case.committee_id == committee.id and can_read_brief(user, case):
        return CaseEntry(case, False, brief_url(committee.id, case))
    return CaseEntry(case, False, None)


def cases(user: User, committee: Committee) -> list[CaseEntry]:
    """The cases before the committee, the nearest deadline first."""
    return [entry(user, committee, case) for case in preload(cases_before(committee))]


@dataclass(frozen=True)
class ActionEntry:
    action: MitigationAction
    case: CaseEntry
    overdue: bool


def open_actions(user: User, committee: Committee, today: date) -> list[ActionEntry]:
    """The open mitigation actions of the cases before the committee, by due date: the
    overdue ones come first, actions without a date last. Only the actions of cases the
    reader `reads`: the others' descriptions and owners may point at a survivor."""
    rows = db.session.scalars(
        select(MitigationAction)
        .join(Case, Case.id == MitigationAction.case_id)
        .options(contains_eager(MitigationAction.case))
        .where(
            Case.committee_id == committee.id,
            Case.status.in_(BEFORE_COMMITTEE),
            MitigationAction.is_done.is_(False),
        )
        .order_by(
            MitigationAction.due_date.is_(None), MitigationAction.due_date, MitigationAction.id
        )
    )
    return [
        ActionEntry(a, entry(user, committee, a.case), bool(a.due_date and a.due_date < today))
        for a in rows
        if reads(user, a.case)
    ]


@dataclass(frozen=True)
class Meetings:
    coming: list[Meeting]  # open meetings, the next first (a meeting running now included)
    written: list[tuple[Meeting, CaseEntry | None]]  # open written votes and their case
    past: list[Meeting]  # closed or cancelled meetings, the latest first


def meetings(user: User, committee: Committee) -> Meetings:
    def of(kind: str, statuses: tuple[str, ...]):
        return (
            select(Meeting)
            .where(
                Meeting.committee_id == committee.id,
                Meeting.kind == kind,
                Meeting.status.in_(statuses),
            )
            .options(selectinload(Meeting.items).joinedload(AgendaItem.case))
        )

    coming = list(db.session.scalars(of("meeting", ("open",)).order_by(Meeting.starts_dt)))
    written = [
        (m, entry(user, committee, m.items[0].case) if m.items else None)
        for m in db.session.scalars(of("written", ("open",)).order_by(Meeting.closes_dt))
    ]
    past = list(
        db.session.scalars(
            of("meeting", ("closed", "cancelled"))
            .order_by(Meeting.starts_dt.desc())
            .limit(PAST_MEETINGS_SHOWN)
        )
    )
    return Meetings(coming, written, past)


@dataclass(frozen=True)
class DecisionEntry:
    decision: Decision
    case: CaseEntry
    meeting: Meeting | None  # the meeting or written vote that adopted it; None: legacy

    @property
    def by_written_vote(self) -> bool:
        return self.meeting is not None and self.meeting.is_written


def decisions(user: User, committee: Committee) -> list[DecisionEntry]:
    """The committee's decisions, the latest first."""
    rows = db.session.execute(
        select(Decision, Case, Meeting)
        .join(Case, Case.id == Decision.case_id)
        .outerjoin(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
        .outerjoin(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Decision.committee_id == committee.id)
        .order_by(Decision.decided_dt.desc(), Decision.id.desc())
        .limit(DECISIONS_SHOWN)
    )
    return [DecisionEntry(d, entry(user, committee, c), m) for d, c, m in rows]
