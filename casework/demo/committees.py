"""The committees at work around the demo's "now", after every case has been walked:

- the Nord-Kivu provincial committee met three days ago: attendance by sector, a guest,
  two items voted (one with a recusal), the rest postponed: minutes to read;
- the day after, its chair opened an urgent written vote on the restricted SA-SGBV case,
  which its members know by its brief; one member has voted;
- the Masisi local committee meets in five days, its agenda proposed from what awaits it.

Each step runs through the real operations on Casework's clock set to when it happened.
The cases' own walks (`casework.demo.seed`) are not in time order, so a case goes on an
agenda only if it was already before the committee when the meeting was called, and is
voted on only if nothing happened to it since (a case's record stays in time order); a
step whose case does not qualify (another random seed) is left out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from casework import clock
from casework.auth.models import User
from casework.cases.models import Case, CaseEvent
from casework.committees import meetings, votes
from casework.committees.models import Committee, Meeting
from casework.demo import data
from casework.extensions import db
from casework.timezones import zone
from workflows.committees import BEFORE_COMMITTEE

if TYPE_CHECKING:
    from casework.demo.seed import _Seeder


def show_committees_at_work(seeder: _Seeder) -> None:
    provincial = seeder.committees[data.PROVINCIAL_COMMITTEE]
    start = _local_day(seeder.now, provincial, days=-3, hour=9)
    _held_meeting(seeder, provincial, start)
    _written_vote(seeder, provincial, opened=start + timedelta(days=1, hours=1))
    local = seeder.committees[data.LOCAL_COMMITTEE]
    _coming_meeting(seeder, local, start=_local_day(seeder.now, local, days=5, hour=9))


def _local_day(now: datetime, committee: Committee, *, days: int, hour: int) -> datetime:
    """``hour`` o'clock on the committee's wall clock, ``days`` from the demo's today."""
    there = now.astimezone(zone(committee.time_zone)) + timedelta(days=days)
    return there.replace(hour=hour, minute=0, second=0, microsecond=0).astimezone(UTC)


def _last(case: Case, kind: str | None = None) -> datetime:
    """When the latest event (of ``kind``) was recorded on the case."""
    query = select(func.max(CaseEvent.created_dt)).where(CaseEvent.case_id == case.id)
    if kind is not None:
        query = query.where(CaseEvent.kind == kind)
    return db.session.scalar(query) or case.reported_dt


def _person(seeder: _Seeder, who: str) -> User:
    email = who if "@" in who else who.lower().replace(" ", ".") + "@example.org"
    return seeder.users[email]


def _call(committee: Committee, *, called: datetime, start: datetime, **where: str) -> Meeting:
    """Schedule the meeting at ``called``; keep on its agenda only the cases that were
    before the committee then (in their present state since before that moment)."""
    chair = committee.chair
    assert chair is not None
    clock.freeze(called)
    meeting = meetings.schedule_meeting(committee, starts_dt=start, actor=chair, **where)
    for item in list(meeting.items):
        if _last(item.case, "transition") >= called:
            meetings.remove_item(item, actor=chair)
    return meeting


def _held_meeting(seeder: _Seeder, committee: Committee, start: datetime) -> None:
    chair = committee.chair
    assert chair is not None
    called = start - timedelta(days=7)
    meeting = _call(committee, called=called, start=start, place=data.HELD_MEETING_PLACE)
    voted = []
    for key, outcome, rationale, discussion, choices, recusal in data.HELD_MEETING_ITEMS:
        case = seeder.cases.get(key)
        if case is None or case.committee_id != committee.id or _last(case) >= called:
            continue
        if case.status not in BEFORE_COMMITTEE:
            continue
        item = next((i for i in meeting.items if i.case_id == case.id), None)
        item = item or meetings.add_item(meeting, case, actor=chair)
        voted.append((item, outcome, rationale, discussion, choices, recusal))

    clock.freeze(start + timedelta(minutes=10))
    absent = _person(seeder, data.HELD_MEETING_ABSENT).id
    present = committee.member_ids() - {absent}
    meetings.record_attendance(meeting, member_ids=present, actor=chair)
    name, organisation, sector = data.HELD_MEETING_GUEST
    meetings.add_guest(meeting, name=name, organisation=organisation, sector=sector, actor=chair)
    for n, (item, outcome, rationale, discussion, choices, recusal) in enumerate(voted):
        clock.freeze(start + timedelta(minutes=20 + 50 * n))
        meetings.set_proposal(item, outcome=outcome, rationale=rationale, actor=chair)
        if recusal is not None:
            member = _person(seeder, recusal[0])
            votes.cast_vote(item, member, "recused", actor=member, reason=recusal[1])
        for who, choice in choices.items():
            votes.cast_vote(item, _person(seeder, who), choice, actor=chair)  # hands raised
        clock.freeze(start + timedelta(minutes=50 + 50 * n))
        votes.close_item(item, discussion=discussion, actor=chair)
    clock.freeze(start + timedelta(hours=2, minutes=30))
    meetings.close_meeting(meeting, actor=chair)  # what was not reached waits for the next


def _written_vote(seeder: _Seeder, committee: Committee, *, opened: datetime) -> None:
    key, who, choice = data.WRITTEN_VOTE
    case = seeder.cases.get(key)
    if case is None or case.committee_id != committee.id or case.status != "escalated":
        return
    if case.level != 1 or _last(case) >= opened:
        return
    chair = committee.chair
    assert chair is not None
    clock.freeze(opened)
    outcome, rationale = data.DECISIONS.get(case.category or "", data.DEFAULT_DECISION)
    meeting = votes.open_written_vote(case, outcome=outcome, rationale=rationale, actor=chair)
    clock.freeze(opened + timedelta(hours=5))
    voter = _person(seeder, who)
    votes.cast_vote(meeting.items[0], voter, choice, actor=voter)


def _coming_meeting(seeder: _Seeder, committee: Committee, *, start: datetime) -> None:
    called = seeder.now - timedelta(days=2)
    meeting = _call(committee, called=called, start=start, place=data.COMING_MEETING_PLACE,
                    link=data.COMING_MEETING_LINK)  # fmt: skip
    chair = committee.chair
    assert chair is not None
    # The chair has put the first decision on the agenda to the vote already.
    first = next((i for i in meeting.items if i.reason == "decision"), None)
    if first is not None:
        outcome, rationale = data.DECISIONS.get(first.case.category or "", data.DEFAULT_DECISION)
        meetings.set_proposal(first, outcome=outcome, rationale=rationale, actor=chair)
