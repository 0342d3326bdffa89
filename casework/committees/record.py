"""What a meeting's page, its minutes and the API say about its items: an open item as it
stands now, a closed one as it was when it closed.

A closed item is never counted again from today's membership: a member who left since (or
a changed rule) would otherwise rewrite the committee's record. So a closed item gives its
stored result (the sentence written at closing, in the language of whoever closed it), its
votes as recorded (the rows do not change once it is closed), and a closed meeting its
attendance rows, with the number of members frozen in an adopted item's tally when there
is one.
"""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload, selectinload

from casework.cases.models import Case
from casework.committees import votes
from casework.committees.models import (
    AgendaItem,
    Attendance,
    Committee,
    CommitteeMembership,
    Meeting,
    Vote,
)
from casework.committees.operations import verdict_text
from workflows.committees import CHOICES, majority

# A meeting with all that its page, its minutes and the API read, in a few statements
# whatever the number of items, votes and attendees.
MEETING_LOADS = (
    joinedload(Meeting.committee)
    .selectinload(Committee.memberships)
    .joinedload(CommitteeMembership.user),
    selectinload(Meeting.attendance).joinedload(Attendance.user),
    selectinload(Meeting.items).options(
        joinedload(AgendaItem.case).options(
            selectinload(Case.actions),
            selectinload(Case.decisions),
            joinedload(Case.site),
        ),
        selectinload(AgendaItem.votes).joinedload(Vote.user),
        joinedload(AgendaItem.decision),
    ),
)


def voters(item: AgendaItem) -> dict[str, list[str]]:
    """The names behind each choice (for, against, abstain). An open item's: the members
    taking part now. A closed one's as frozen at closing: the adopted decision's tally
    (the votes that counted), else the vote rows, which do not change once it is closed."""
    if item.is_open:
        members = item.meeting.committee.member_ids()
        if not item.meeting.is_written:
            members &= {a.user_id for a in item.meeting.attendance if a.user_id is not None}
        rows = [v for v in item.votes if v.user_id in members]
    else:
        tally = item.decision.tally if item.decision is not None else None
        if tally and isinstance(tally.get("votes"), dict):
            return {c: sorted(tally["votes"].get(c, [])) for c in CHOICES}
        rows = list(item.votes)
    return {c: sorted(v.user.display_name for v in rows if v.choice == c) for c in CHOICES}


def counts(item: AgendaItem) -> Counter[str]:
    """The votes of an open item that count now (`votes.counts`); a closed item's as they
    were when it closed (`voters`)."""
    if item.is_open:
        return votes.counts(item)
    return Counter({c: len(names) for c, names in voters(item).items()})


def result_text(item: AgendaItem) -> str:
    """A closed item's result in words: the sentence stored when it closed. A postponed
    item's, in the language being rendered; an older row without a stored sentence is
    counted from its recorded votes."""
    if item.status == "postponed":
        return _("Postponed: the committee takes the case at a later meeting.")
    if item.is_open:
        return ""
    if item.result:
        return item.result
    if item.status in ("adopted", "not_adopted"):
        return verdict_text(majority(counts(item), item.meeting.committee.rules))
    return ""


def members_then(meeting: Meeting) -> int:
    """How many members the committee had when the meeting's items closed: the number an
    adopted item's tally froze, else today's (nothing was frozen)."""
    for item in meeting.items:
        tally = item.decision.tally if item.decision is not None else None
        if tally and isinstance(tally.get("members"), int):
            return tally["members"]
    return len(meeting.committee.memberships)


def quorum_line(meeting: Meeting) -> str:
    """The meeting's quorum as it stands (an open meeting), or who was there (a closed or
    cancelled one: its attendance rows, which are not changed afterwards)."""
    if meeting.is_open:
        return verdict_text(votes.meeting_quorum(meeting))
    present = sum(1 for a in meeting.attendance if not a.is_guest)
    return ngettext(
        "%(present)s of %(num)s member was present.",
        "%(present)s of %(num)s members were present.",
        members_then(meeting),
        present=present,
    )
