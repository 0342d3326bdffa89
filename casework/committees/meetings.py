"""Meetings: scheduling, the agenda proposed from what awaits the committee, attendance.

Operations as in `casework.committees.operations`: actor explicit, flush, never commit.
The agenda and attendance belong to the meeting: changing them bumps its version, so a
chair's form built on an older state is refused rather than overwrite another's change.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from casework import clock
from casework.auth.models import User
from casework.cases.models import Case
from casework.committees.models import AgendaItem, Attendance, Committee, Meeting
from casework.committees.operations import check_version, require_run, tell_members
from casework.errors import InvalidInput
from casework.extensions import db
from casework.timezones import local_when
from workflows import deadline_for
from workflows.committees import BEFORE_COMMITTEE, CHOICES, OUTCOMES, SECTORS, VOTING_OPENS_BEFORE


def cases_before(committee: Committee) -> list[Case]:
    """The committee's open cases: escalated, in mitigation or in monitoring."""
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.committee_id == committee.id, Case.status.in_(BEFORE_COMMITTEE))
            .order_by(Case.due_dt.is_(None), Case.due_dt, Case.id)
        )
    )


def awaiting(committee: Committee, by: datetime) -> list[tuple[Case, str]]:
    """What a meeting at ``by`` should take: every escalated case (a decision), and the
    cases in mitigation or monitoring whose review falls due by then (a progress review)."""
    found = []
    for case in cases_before(committee):
        if case.status == "escalated":
            found.append((case, "decision"))
        elif case.due_dt is not None and case.due_dt <= by:
            found.append((case, "review"))
    return found


def _open_item_case_ids(committee: Committee, but: Meeting | None = None) -> set[int]:
    query = (
        select(AgendaItem.case_id)
        .join(Meeting)
        .where(
            Meeting.committee_id == committee.id,
            Meeting.status == "open",
            AgendaItem.status == "open",
        )
    )
    if but is not None and but.id is not None:
        query = query.where(Meeting.id != but.id)
    return set(db.session.scalars(query))


def propose_agenda(meeting: Meeting, *, since: datetime | None = None) -> list[AgendaItem]:
    """Add what awaits the committee at the meeting's time and is on no other open agenda.

    With ``since`` (proposing again, the day before), only the cases whose current
    deadline started after it: escalated, or put under a new review, since the agenda was
    first proposed. A case the chair took off the agenda stays off."""
    taken = _open_item_case_ids(meeting.committee, but=meeting)
    taken |= {item.case_id for item in meeting.items}
    added = []
    for case, reason in awaiting(meeting.committee, meeting.starts_dt):
        if case.id in taken or (since is not None and not _started_after(case, since)):
            continue
        added.append(new_item(meeting, case, reason))
    if added and meeting.id is not None:
        _changed(meeting)
    return added


def _started_after(case: Case, since: datetime) -> bool:
    span = deadline_for(case.status, case.level)
    return case.due_dt is not None and span is not None and case.due_dt - span > since


def new_item(meeting: Meeting, case: Case, reason: str) -> AgendaItem:
    position = max((i.position for i in meeting.items), default=0) + 1
    item = AgendaItem(case=case, reason=reason, position=position, status="open")
    meeting.items.append(item)
    return item


def schedule_meeting(
    committee: Committee, *, starts_dt: datetime, place: str = "", link: str = "", actor: User
) -> Meeting:
    """A meeting at ``starts_dt`` (UTC), its agenda proposed; the members are invited."""
    require_run(committee, actor)
    if starts_dt <= clock.now():
        raise InvalidInput(_l("A meeting is scheduled in the future."))
    place, link = place.strip(), link.strip()
    if not place and not link:
        raise InvalidInput(_l("Say where the meeting is held, or give the call link."))
    if link and not link.startswith(("https://", "http://")):
        raise InvalidInput(_l("The call link starts with https://."))
    meeting = Meeting(
        committee=committee,
        kind="meeting",
        status="open",
        starts_dt=starts_dt,
        place=place[:300],
        link=link[:500],
        created_by_id=actor.id,
        created_dt=clock.now(),
    )
    db.session.add(meeting)
    propose_agenda(meeting)
    db.session.flush()
    tell_members(meeting, "meeting_invitation", key=f"meeting_invitation:{meeting.id}", actor=actor)
    return meeting


def cancel_meeting(
    meeting: Meeting, *, actor: User, expected_version: int | None = None
) -> Meeting:
    require_run(meeting.committee, actor)
    check_version(meeting, expected_version)
    if not meeting.is_open:
        raise InvalidInput(_l("This meeting is already closed."))
    if any(v.choice in CHOICES for item in meeting.items for v in item.votes) or any(
        item.status not in {"open", "postponed"} for item in meeting.items
    ):
        raise InvalidInput(_l("Votes were cast at this meeting: close it instead of cancelling."))
    for item in meeting.items:  # back on the next agenda
        if item.is_open:
            item.status, item.closed_dt, item.closed_by_id = "postponed", clock.now(), actor.id
    meeting.status = "cancelled"
    meeting.closed_dt = clock.now()
    db.session.flush()
    return meeting


def close_meeting(meeting: Meeting, *, actor: User, expected_version: int | None = None) -> Meeting:
    """End the meeting: items not decided are postponed to the next one."""
    require_run(meeting.committee, actor)
    check_version(meeting, expected_version)
    require_meeting(meeting)
    if not meeting.is_open:
        raise InvalidInput(_l("This meeting is already closed."))
    for item in meeting.items:
        if item.is_open:
            item.status = "postponed"
            item.closed_dt = clock.now()
            item.closed_by_id = actor.id
    meeting.status = "closed"
    meeting.closed_dt = clock.now()
    db.session.flush()
    return meeting


def require_meeting(meeting: Meeting) -> None:
    """Agenda, proposals, postponing and closing belong to meetings; a written vote has
    its one item and proposal from the start, and is counted at its deadline."""
    if meeting.is_written:
        raise InvalidInput(
            _l("A written vote keeps its case and proposal; it is counted at its deadline.")
        )


def require_started(meeting: Meeting) -> None:
    """Votes at a meeting are cast at the meeting (from a little before its start, as
    members gather), never days ahead."""
    if not meeting.is_written and clock.now() < meeting.starts_dt - VOTING_OPENS_BEFORE:
        raise InvalidInput(
            _l("Voting opens when the meeting starts, %(when)s.",
               when=local_when(meeting.starts_dt, meeting.committee.time_zone))
        )  # fmt: skip


def present_ids(meeting: Meeting) -> set[int]:
    return {a.user_id for a in meeting.attendance if a.user_id is not None}


def require_open(meeting: Meeting) -> None:
    if not meeting.is_open:
        raise InvalidInput(_l("This meeting is closed: nothing more can be changed."))


def add_item(
    meeting: Meeting, case: Case, *, actor: User, expected_version: int | None = None
) -> AgendaItem:
    require_run(meeting.committee, actor)
    check_version(meeting, expected_version)
    require_open(meeting)
    require_meeting(meeting)
    if case.committee_id != meeting.committee_id or case.status not in BEFORE_COMMITTEE:
        raise InvalidInput(_l("Only cases before this committee go on its agenda."))
    if any(item.case_id == case.id for item in meeting.items):
        raise InvalidInput(_l("That case is already on the agenda."))
    item = new_item(meeting, case, "decision" if case.status == "escalated" else "review")
    _changed(meeting)
    db.session.flush()
    return item


def remove_item(item: AgendaItem, *, actor: User, expected_version: int | None = None) -> None:
    meeting = item.meeting
    require_run(meeting.committee, actor)
    check_version(meeting, expected_version)
    require_open(meeting)
    require_meeting(meeting)
    if item.votes or not item.is_open:
        raise InvalidInput(_l("Votes were cast on this item: it stays in the minutes."))
    meeting.items.remove(item)
    _changed(meeting)
    db.session.flush()


def set_proposal(
    item: AgendaItem,
    *,
    outcome: str,
    rationale: str,
    actor: User,
    expected_version: int | None = None,
) -> AgendaItem:
    """The outcome put to the vote, with its rationale. Fixed once a vote is cast."""
    meeting = item.meeting
    require_run(meeting.committee, actor)
    check_version(meeting, expected_version)
    require_open(meeting)
    require_meeting(meeting)
    if not item.is_open:
        raise InvalidInput(_l("This item is already closed."))
    if any(v.choice in CHOICES for v in item.votes):
        raise InvalidInput(
            _l("Members have voted on this proposal: close the item and put a new one instead.")
        )
    if outcome not in OUTCOMES:
        raise InvalidInput(_l("Choose one of the outcomes offered."))
    item.proposed_outcome = outcome
    item.rationale = rationale.strip()
    _changed(meeting)
    db.session.flush()
    return item


def _changed(meeting: Meeting) -> None:
    """The agenda and attendance are part of the meeting: touching its row bumps its
    version, so another chair's open form is now stale (flagged, so that even an unchanged
    time under a frozen clock writes the row)."""
    meeting.updated_dt = clock.now()
    flag_modified(meeting, "updated_dt")


# ------------------------------------------------------------------ attendance


def record_attendance(
    meeting: Meeting, *, member_ids: set[int], actor: User, expected_version: int | None = None
) -> Meeting:
    """The members present: replaces the list of present members (guests stay).

    A member who voted for themselves on an open item stays present: they took part on
    the call, and a chair's attendance form loaded before their vote must not silently
    drop it (their vote would stop counting)."""
    require_run(meeting.committee, actor)
    check_version(meeting, expected_version)
    require_open(meeting)
    if meeting.is_written:
        raise InvalidInput(_l("A written vote has no attendance: its members vote online."))
    members = {m.user_id: m for m in meeting.committee.memberships}
    unknown = set(member_ids) - set(members)
    if unknown:
        raise InvalidInput(_l("Only the committee's members are marked present; add guests apart."))
    voted_online = {
        v.user_id
        for item in meeting.items
        if item.is_open
        for v in item.votes
        if v.recorded_by_id == v.user_id
    }
    member_ids = set(member_ids) | (voted_online & set(members))
    for row in [a for a in meeting.attendance if not a.is_guest]:
        if row.user_id not in member_ids:
            meeting.attendance.remove(row)
    present = {a.user_id for a in meeting.attendance}
    for user_id in sorted(member_ids - present):
        meeting.attendance.append(Attendance(user_id=user_id, sector=members[user_id].sector))
    _changed(meeting)
    db.session.flush()
    return meeting


def add_guest(
    meeting: Meeting, *, name: str, organisation: str, sector: str, actor: User
) -> Attendance:
    require_run(meeting.committee, actor)
    require_open(meeting)
    if meeting.is_written:
        raise InvalidInput(_l("A written vote has no attendance: its members vote online."))
    if not name.strip():
        raise InvalidInput(_l("Give the guest's name."))
    if sector not in SECTORS:
        raise InvalidInput(_l("Choose the sector the guest comes from."))
    guest = Attendance(
        guest_name=name.strip()[:200], guest_organisation=organisation.strip()[:200], sector=sector
    )
    meeting.attendance.append(guest)
    _changed(meeting)
    db.session.flush()
    return guest


def remove_guest(guest: Attendance, *, actor: User) -> None:
    meeting = guest.meeting
    require_run(meeting.committee, actor)
    require_open(meeting)
    if not guest.is_guest:
        raise InvalidInput(_l("Members are marked absent in the attendance list."))
    meeting.attendance.remove(guest)
    _changed(meeting)
    db.session.flush()
