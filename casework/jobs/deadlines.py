"""``deadlines`` (every 5 minutes): the warning before a state's deadline, the breach,
and a day later the supervisors.

Each case carries how far its current deadline's reminders have gone
(``Case.deadline_stage``: 0 none, 1 warned, 2 breach told, 3 supervisors told); the
operations reset it to 0 whenever a new deadline starts. The sweep reads only the rows
whose next step may be due, through ``ix_cases_deadline_sweep (deadline_stage, due_dt)``:
one index range per stage, so its cost follows what is due, not what is stored.

A case first seen far past its deadline (data older than this job, a scheduler that was
down) jumps straight to the stage it should be at and tells its people once: the assignee
of the breach and the supervisors that it is overdue, not three notices in a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, or_, select

from casework import clock
from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.operations import record_event
from casework.jobs.common import BATCH, batches, compare_and_set, stamp
from casework.notices.operations import notify_users, supervisors
from casework.timezones import local_when
from workflows import deadline_for
from workflows.notices import (
    DEADLINE_WARNING_AT_MOST,
    OVERDUE_TO_SUPERVISORS_AFTER,
    warning_before,
)

NONE, WARNED, BREACHED, OVERDUE = 0, 1, 2, 3


def stage_at(due: datetime, span: timedelta, now: datetime) -> int:
    """The stage a deadline ``due`` (of a state lasting ``span``) has reached at ``now``."""
    if now >= due + OVERDUE_TO_SUPERVISORS_AFTER:
        return OVERDUE
    if now >= due:
        return BREACHED
    if now >= due - warning_before(span):
        return WARNED
    return NONE


def due_rows(now: datetime):
    """Rows whose next stage may have come, one index range per stage: a warning comes
    at most a day before the deadline, the breach at it, the supervisors a day after."""
    return or_(
        and_(Case.deadline_stage == NONE, Case.due_dt <= now + DEADLINE_WARNING_AT_MOST),
        and_(Case.deadline_stage == WARNED, Case.due_dt <= now),
        and_(Case.deadline_stage == BREACHED, Case.due_dt <= now - OVERDUE_TO_SUPERVISORS_AFTER),
    )


@dataclass
class Summary:
    warned: int = 0
    breached: int = 0
    overdue: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"warned": self.warned, "breached": self.breached, "overdue": self.overdue}


def sweep(batch: int = BATCH) -> dict[str, int]:
    """Send the deadline reminders due now; commits after each batch of cases."""
    now = clock.now()
    summary = Summary()
    due = select(Case).where(due_rows(now), Case.status != "closed")
    for cases in batches(due, Case, batch, by=Case.due_dt):
        for case in cases:
            _remind(case, now, summary)
    return summary.as_dict()


def _remind(case: Case, now: datetime, summary: Summary) -> None:
    span = deadline_for(case.status, case.level)
    due = case.due_dt
    if span is None or due is None:
        return
    old, new = case.deadline_stage, stage_at(due, span, now)
    if new <= old:
        return
    cases = cast(Table, Case.__table__)
    expected = {"deadline_stage": old, "due_dt": due}
    if not compare_and_set(cases, case.id, expected, deadline_stage=new):
        return  # another sweep got there first, or the deadline moved meanwhile
    assignee = case.assignee if case.assignee is not None and case.assignee.is_enabled else None
    data: dict[str, Any] = {"due": due.isoformat(), "stage": new}
    if new == WARNED:
        if assignee is not None:
            _tell([assignee], "deadline", case, new, stage="warning")
        data["assignee_told"] = assignee is not None
        record_event(case, "deadline_warning", actor=None, data=data)
        summary.warned += 1
    elif new == BREACHED:
        told = [assignee] if assignee is not None else supervisors()
        _tell(told, "deadline", case, new, stage="breach", unassigned=assignee is None)
        data["unassigned"] = assignee is None
        record_event(case, "deadline_breached", actor=None, data=data)
        summary.breached += 1
    else:
        late = old < BREACHED  # first seen past the supervisors' mark: one notice each
        if late and assignee is not None:
            _tell([assignee], "deadline", case, BREACHED, stage="breach")
        # An assignee who was just told of the breach does not hear of it twice.
        bosses = [u for u in supervisors() if not (late and u is assignee)]
        name = assignee.display_name if assignee is not None else ""
        _tell(bosses, "overdue", case, new, assignee_name=name)
        data.update(late=late, assignee_told=late and assignee is not None)
        record_event(case, "deadline_overdue", actor=None, data=data)
        summary.overdue += 1


def _tell(users: list[User], kind: str, case: Case, step: int, **context) -> None:
    """Each in their own time zone; the key names the case, the stage and the deadline."""
    assert case.due_dt is not None
    key = f"deadline:{case.id}:{step}:{stamp(case.due_dt)}"
    for user in users:
        due = local_when(case.due_dt, user.timezone)
        notify_users([user], kind, key=key, case=case, due=due, **context)
