"""The committees' two clocks: ``written-votes`` (every 5 minutes) closes each urgent
written vote whose deadline has passed and tells the committee the result;
``meeting-reminders`` (hourly) reminds the members of a meeting the day before.

A written vote is counted in its own transaction (`votes.close_written_vote` locks its
item): one that fails is logged and retried at the next run, the others close. Two runs at
once cannot both count a vote: the loser finds the item closed and moves on. The result's
notice carries the vote's reference in its dedupe key, so nobody hears it twice.

A meeting's reminder goes once, by its dedupe key (``meeting_reminder:<meeting id>``). A
meeting scheduled less than a day ahead gets none: its invitation has just told everyone.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel.speaklater import LazyString
from sqlalchemy import select

from casework import clock
from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.permissions import can_view, is_restricted
from casework.committees import votes
from casework.committees.meetings import propose_agenda
from casework.committees.models import AgendaItem, Meeting
from casework.committees.operations import can_read_brief, tell_members, verdict_text
from casework.errors import InvalidInput
from casework.extensions import db
from casework.jobs.common import BATCH, batches
from casework.notices.operations import notify_users, public_url, supervisors
from casework.timezones import local_when
from workflows.committees import MEETING_REMINDER_BEFORE, Verdict, majority

log = logging.getLogger(__name__)


class WrittenVotesFailed(RuntimeError):
    """Some written votes could not be closed (each is logged); the others were."""


def close_written_votes() -> dict[str, int]:
    """Close the written votes whose deadline has passed; one commit per vote."""
    now = clock.now()
    summary = {"adopted": 0, "not adopted": 0, "lapsed": 0}
    failed: list[int] = []
    due = [meeting.id for meeting in votes.due_written_votes(now)]
    db.session.rollback()  # end the reading transaction: each vote gets its own
    for meeting_id in due:
        try:
            item = _close(meeting_id)
        except Exception as error:
            db.session.rollback()
            if isinstance(error, InvalidInput) and not _is_open(meeting_id):
                continue  # another run counted it first
            log.exception("written vote %s not closed; retried at the next run", meeting_id)
            failed.append(meeting_id)
            continue
        if item is not None:
            summary[item.status.replace("_", " ")] += 1
    if failed:
        raise WrittenVotesFailed(f"{len(failed)} written vote(s) not closed: meetings {failed}")
    return summary


def _is_open(meeting_id: int) -> bool:
    status = db.session.scalar(select(Meeting.status).where(Meeting.id == meeting_id))
    db.session.rollback()
    return status == "open"


def _close(meeting_id: int) -> AgendaItem | None:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not meeting.is_open:
        db.session.rollback()
        return None
    item = votes.close_written_vote(meeting)
    _tell_result(item)
    db.session.commit()
    return item


def _tell_result(item: AgendaItem) -> None:
    """The members and the supervisors hear the result: those who may open the case get
    its link; a restricted case's committee members get its brief's (never the case's)."""
    meeting, case = item.meeting, item.case
    committee = meeting.committee
    verdict = votes.quorum_of(item) if item.status == "lapsed" else None
    verdict = verdict or majority(votes.counts(item), committee.rules)
    brief = public_url(f"/committees/{committee.id}/cases/{case.reference}")
    people = [m.user for m in committee.memberships] + supervisors()
    for user in people:
        where = _link(user, case, brief)
        if where is None:
            continue
        notify_users(
            [user],
            "vote_result",
            key=f"vote_result:{meeting.id}",
            committee=committee,
            ref=case.reference,
            outcome=item.proposed_outcome,
            status=item.status,
            # Worded when rendered, in each recipient's language.
            result=_worded(verdict),
            when=local_when(meeting.closes_dt, user.timezone),
            **where,
        )


def _link(user: User, case: Case, brief: str) -> dict[str, Any] | None:
    if can_view(user, case):
        return {"case": case}
    if is_restricted(case) and can_read_brief(user, case):
        return {"case": None, "url": brief, "brief_only": True}
    return None


def _worded(verdict: Verdict) -> LazyString:
    return LazyString(verdict_text, verdict)


# ------------------------------------------------------------------ meeting reminders


def remind_meetings(batch: int = BATCH) -> dict[str, int]:
    """Remind the members of each open meeting starting within a day; commits per batch.

    The agenda is proposed again first: a case escalated, or whose mitigation review fell
    due, since the meeting was scheduled is on it when the members read the reminder."""
    now = clock.now()
    reminded = 0
    coming = select(Meeting).where(
        Meeting.kind == "meeting",
        Meeting.status == "open",
        Meeting.starts_dt > now,
        Meeting.starts_dt <= now + MEETING_REMINDER_BEFORE,
    )
    for meetings in batches(coming, Meeting, batch, by=Meeting.starts_dt):
        for meeting in meetings:
            if meeting.created_dt > meeting.starts_dt - MEETING_REMINDER_BEFORE:
                continue  # scheduled inside the day before: the invitation was the reminder
            propose_agenda(meeting, since=meeting.created_dt)
            key = f"meeting_reminder:{meeting.id}"
            if tell_members(meeting, "meeting_reminder", key=key, actor=None):
                reminded += 1
    return {"reminded": reminded}
