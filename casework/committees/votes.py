"""Votes: each member's choice or recusal, the quorum and majority counted when an item
closes, and the urgent written procedure for Level 1 cases.

The rules themselves are `workflows.committees`; this module counts who takes part and
how they voted, and writes the outcome: an adopted proposal is the committee's decision,
kept with its tally and on the case's record.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from casework import clock
from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.operations import record_event, restart_deadline
from casework.committees.meetings import (
    new_item,
    present_ids,
    require_meeting,
    require_open,
    require_started,
)
from casework.committees.models import AgendaItem, Attendance, Committee, Decision, Meeting, Vote
from casework.committees.operations import can_run, require_run, tell_members, verdict_text
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import db
from workflows.committees import (
    BEFORE_COMMITTEE,
    CHOICES,
    OUTCOMES,
    WRITTEN_VOTE_HOURS,
    Verdict,
    majority,
    quorum,
)


def _members_by_sector(committee: Committee) -> Counter[str]:
    return Counter(m.sector for m in committee.memberships)


def _participants(item: AgendaItem) -> set[int]:
    """Who takes part in the item's vote: the members present at the meeting (or, for a
    written vote, those who voted or abstained), recused members excluded, and only those
    still members of the committee."""
    members = item.meeting.committee.member_ids()
    recused = {v.user_id for v in item.votes if v.choice == "recused"}
    if item.meeting.is_written:
        ids = {v.user_id for v in item.votes if v.choice in CHOICES}
    else:
        ids = {a.user_id for a in item.meeting.attendance if a.user_id is not None}
    return (ids - recused) & members


def taking_part(item: AgendaItem) -> Counter[str]:
    """The members taking part in the item's vote, by sector."""
    sectors = {m.user_id: m.sector for m in item.meeting.committee.memberships}
    return Counter(sectors[i] for i in _participants(item))


def quorum_of(item: AgendaItem) -> Verdict:
    """The item's quorum, counted on the members who may vote on it: a recused member is
    neither present nor part of the total (so a sector whose only member is recused is
    not required, and conflicted members cannot make the room look quorate)."""
    committee = item.meeting.committee
    recused = {v.user_id for v in item.votes if v.choice == "recused"}
    eligible = Counter(m.sector for m in committee.memberships if m.user_id not in recused)
    return quorum(eligible, taking_part(item), committee.rules)


def meeting_quorum(meeting: Meeting) -> Verdict:
    """The quorum of the meeting's attendance, before anybody is recused on an item."""
    committee = meeting.committee
    sectors = {m.user_id: m.sector for m in committee.memberships}
    present = Counter(sectors[a.user_id] for a in meeting.attendance if a.user_id in sectors)
    return quorum(_members_by_sector(committee), present, committee.rules)


def counts(item: AgendaItem) -> Counter[str]:
    """The votes that count: those of members taking part (a vote recorded for a member
    later marked absent, or who left the committee, is not counted)."""
    participants = _participants(item)
    return Counter(v.choice for v in item.votes if v.user_id in participants)


def cast_vote(item: AgendaItem, voter: User, choice: str, *, actor: User, reason: str = "") -> Vote:
    """``voter``'s vote on ``item`` (``for``, ``against``, ``abstain``), or their recusal
    (``recused``, with the conflict of interest in ``reason``).

    One row per member and item, written with ``INSERT ... ON CONFLICT DO UPDATE``: voting
    again changes the vote, and two members voting at the same moment are both counted.
    The item's row is locked first, so a vote and the closing of the item never cross.
    """
    item = _locked(item)
    meeting, committee = item.meeting, item.meeting.committee
    if actor.id != voter.id and not (can_run(actor, committee) and not meeting.is_written):
        raise PermissionDenied(_l("Members cast their own votes."))
    if voter.id not in committee.member_ids():
        raise PermissionDenied(_l("Only the committee's members vote."))
    if not meeting.is_open or not item.is_open:
        raise InvalidInput(_l("The vote on this item is closed."))
    if meeting.is_written and meeting.closes_dt and clock.now() >= meeting.closes_dt:
        raise InvalidInput(_l("The written vote closed at its deadline."))
    if choice not in (*CHOICES, "recused"):
        raise InvalidInput(_l("Vote for, against, or abstain."))
    if choice != "recused":  # a conflict of interest may be declared ahead
        require_started(meeting)
    if choice == "recused" and not reason.strip():
        raise InvalidInput(_l("Say what the conflict of interest is: it is kept in the minutes."))
    if choice != "recused" and item.proposed_outcome is None:
        raise InvalidInput(
            _l("Nothing is put to the vote yet: the chair states the proposal first.")
        )
    if not meeting.is_written and actor.id != voter.id and voter.id not in present_ids(meeting):
        raise InvalidInput(_l("Mark the member present before recording their vote."))
    # A member who votes at a meeting takes part in it, in the room or on the call.
    if not meeting.is_written and actor.id == voter.id and voter.id not in present_ids(meeting):
        sector = next(m.sector for m in committee.memberships if m.user_id == voter.id)
        meeting.attendance.append(Attendance(user_id=voter.id, sector=sector))
        db.session.flush()
    values = {
        "agenda_item_id": item.id,
        "user_id": voter.id,
        "choice": choice,
        "reason": reason.strip() if choice == "recused" else "",
        "recorded_by_id": actor.id,
        "cast_dt": clock.now(),
    }
    dialect = db.session.get_bind().dialect.name
    insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Vote).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["agenda_item_id", "user_id"],
        set_={k: stmt.excluded[k] for k in ("choice", "reason", "recorded_by_id", "cast_dt")},
    )
    db.session.execute(stmt)
    db.session.expire(item, ["votes"])
    return db.session.scalars(
        select(Vote).where(Vote.agenda_item_id == item.id, Vote.user_id == voter.id)
    ).one()


def _locked(item: AgendaItem) -> AgendaItem:
    """The item, its row locked for this transaction (PostgreSQL; SQLite has one writer)."""
    db.session.flush()
    locked = db.session.scalars(
        select(AgendaItem)
        .where(AgendaItem.id == item.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    # The lock may have waited for another vote's commit, which can have marked its voter
    # present: read the attendance again under the lock, or a member's double submission
    # would mark them present twice (a unique violation) or a quorum be counted on old rows.
    db.session.expire(locked.meeting, ["attendance"])
    return locked


def close_item(item: AgendaItem, *, discussion: str = "", actor: User | None) -> AgendaItem:
    """Count the vote: without quorum the item stays open and the reason is raised in words
    (a meeting) or the item lapses (a written vote at its deadline); with quorum the
    proposal is adopted or not, and an adopted one is the committee's decision."""
    item = _locked(item)
    meeting = item.meeting
    if actor is not None:
        require_run(meeting.committee, actor)
    if not meeting.is_open or not item.is_open:
        raise InvalidInput(_l("This item is already closed."))
    if item.proposed_outcome is None:
        raise InvalidInput(
            _l("Nothing is put to the vote yet: the chair states the proposal first.")
        )
    if meeting.is_written and actor is not None:
        raise InvalidInput(_l("A written vote is counted at its deadline, by Casework."))
    require_started(meeting)
    if item.case.committee_id != meeting.committee_id or item.case.status not in BEFORE_COMMITTEE:
        # Closed, reopened or sent to another committee since it was put on the agenda.
        return _lapse(item, _l("The case is no longer before this committee."), actor)
    held = quorum_of(item)
    now = clock.now()
    if discussion.strip():
        item.discussion = discussion.strip()
    if not held.holds and not meeting.is_written:
        raise InvalidInput(verdict_text(held))
    tally = _tally(item)
    if not held.holds:  # a written vote that too few members answered
        item.status, item.result = "lapsed", verdict_text(held)
    else:
        adopted = majority(counts(item), meeting.committee.rules)
        item.status = "adopted" if adopted.holds else "not_adopted"
        item.result = verdict_text(adopted)
    item.closed_dt, item.closed_by_id = now, actor.id if actor else None
    if item.reason == "review" and item.status != "lapsed":
        # The progress review is done: the state's deadline (the next review) starts again,
        # and with it the case's place on a later agenda.
        restart_deadline(item.case)
    decision = None
    if item.status == "adopted":
        decision = Decision(
            case_id=item.case_id,
            committee_id=meeting.committee_id,
            outcome=item.proposed_outcome,
            summary="\n\n".join(p for p in (item.rationale, item.discussion) if p),
            recorded_by_id=actor.id if actor else None,
            decided_dt=now,
            agenda_item=item,
            tally=tally,
        )
        db.session.add(decision)
        item.case.decisions.append(decision)
        item.case.updated_dt = now
    db.session.flush()
    data: dict[str, Any] = {
        "meeting_id": meeting.id,
        "kind": meeting.kind,
        "agenda_item_id": item.id,
        "proposed_outcome": item.proposed_outcome,
        "result": item.status,
        "tally": tally,
    }
    if decision is not None:
        data |= {"decision_id": decision.id, "outcome": decision.outcome,
                 "summary": decision.summary}  # fmt: skip
    record_event(item.case, "decision" if decision else "committee_vote", actor=actor, data=data)
    if meeting.is_written:
        meeting.status, meeting.closed_dt = "closed", now
        db.session.flush()
    return item


def _lapse(item: AgendaItem, reason, actor: User | None) -> AgendaItem:
    now = clock.now()
    item.status, item.result = "lapsed", str(reason)
    item.closed_dt, item.closed_by_id = now, actor.id if actor else None
    if item.meeting.is_written:
        item.meeting.status, item.meeting.closed_dt = "closed", now
    db.session.flush()
    return item


def _tally(item: AgendaItem) -> dict[str, Any]:
    """What stays with the decision: attendance by sector, the votes that counted (members
    taking part), the recusals."""
    meeting = item.meeting
    members = meeting.committee.member_ids()
    participants = _participants(item)
    names = {v.user_id: v.user.name for v in item.votes}
    tally: dict[str, Any] = {
        "members": len(members),
        "taking_part": dict(taking_part(item)),
        "votes": {
            c: sorted(
                names[v.user_id] for v in item.votes if v.choice == c and v.user_id in participants
            )
            for c in CHOICES
        },
        "recused": [
            {"member": names[v.user_id], "reason": v.reason}
            for v in item.votes
            if v.choice == "recused" and v.user_id in members
        ],
    }
    if not meeting.is_written:
        tally["present"] = dict(Counter(a.sector for a in meeting.attendance if not a.is_guest))
        tally["guests"] = [
            {"name": a.guest_name, "organisation": a.guest_organisation, "sector": a.sector}
            for a in meeting.attendance
            if a.is_guest
        ]
    return tally


def postpone_item(item: AgendaItem, *, actor: User) -> AgendaItem:
    require_run(item.meeting.committee, actor)
    require_open(item.meeting)
    require_meeting(item.meeting)
    if not item.is_open:
        raise InvalidInput(_l("This item is already closed."))
    item.status, item.closed_dt, item.closed_by_id = "postponed", clock.now(), actor.id
    db.session.flush()
    return item


# ------------------------------------------------------------------ written votes


def open_written_vote(
    case: Case,
    *,
    outcome: str,
    rationale: str,
    actor: User,
    hours: int = WRITTEN_VOTE_HOURS,
) -> Meeting:
    """An urgent vote on a Level 1 case between meetings: the members vote online until
    the deadline; the same quorum (on those who voted) and majority apply."""
    committee = case.committee
    if committee is None or case.status not in BEFORE_COMMITTEE:
        raise InvalidInput(_l("Only a case before a committee can be put to its vote."))
    require_run(committee, actor)
    if case.level != 1:
        raise InvalidInput(
            _l("The written procedure is for Level 1 cases; others wait for the next meeting.")
        )
    if outcome not in OUTCOMES:
        raise InvalidInput(_l("Choose one of the outcomes offered."))
    if not rationale.strip():
        raise InvalidInput(_l("Give the rationale the members vote on."))
    if not 1 <= hours <= 24 * 14:
        raise InvalidInput(_l("A written vote stays open between 1 hour and 14 days."))
    already = db.session.scalar(
        select(Meeting.id)
        .join(AgendaItem)
        .where(Meeting.kind == "written", Meeting.status == "open", AgendaItem.case_id == case.id)
    )
    if already is not None:
        raise InvalidInput(_l("A written vote on this case is already open."))
    now = clock.now()
    closes_dt = now + timedelta(hours=hours)
    meeting = Meeting(
        committee=committee,
        kind="written",
        status="open",
        starts_dt=now,
        closes_dt=closes_dt,
        created_by_id=actor.id,
        created_dt=now,
    )
    db.session.add(meeting)
    item = new_item(meeting, case, "decision" if case.status == "escalated" else "review")
    item.proposed_outcome, item.rationale = outcome, rationale.strip()
    db.session.flush()
    record_event(
        case,
        "written_vote_opened",
        actor=actor,
        data={
            "meeting_id": meeting.id,
            "proposed_outcome": outcome,
            "closes_dt": closes_dt.isoformat(),
        },
    )
    tell_members(meeting, "written_vote", key=f"written_vote:{meeting.id}", actor=actor)
    return meeting


def due_written_votes(now: datetime) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting).where(
                Meeting.kind == "written", Meeting.status == "open", Meeting.closes_dt <= now
            )
        )
    )


def close_written_vote(meeting: Meeting) -> AgendaItem:
    """Count a written vote whose deadline has passed (the scheduler's job)."""
    return close_item(meeting.items[0], actor=None)
