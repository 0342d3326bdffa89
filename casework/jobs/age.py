"""``age-limit`` (daily): a case open for 5 months warns its assignee and the supervisors;
at 6 months (``Case.age_limit_dt``) it is marked over the limit, on its record and in the
queue, and they are told again, until a supervisor closes it as unresolved or records a
justified extension (`casework.cases.operations.extend_age_limit`, which resets it).

``Case.age_stage`` says how far it has gone (0 nothing sent, 1 warned, 2 over the limit);
the sweep reads ``ix_cases_age_sweep (age_stage, age_limit_dt)``, one range per stage.
A case found already past its limit is marked and told once, without a late warning.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, or_, select

from casework import clock
from casework.cases.models import Case
from casework.cases.operations import record_event
from casework.jobs.common import BATCH, batches, compare_and_set, stamp
from casework.notices.operations import notify_users, supervisors
from casework.timezones import local_when
from workflows.notices import AGE_LIMIT_MONTHS, AGE_WARNING_MONTHS, add_months

NONE, WARNED, OVER = 0, 1, 2
# The warning comes this many months before the limit (5 months open, of 6).
WARNING_MONTHS_BEFORE = AGE_LIMIT_MONTHS - AGE_WARNING_MONTHS
LONGEST_MONTH = timedelta(days=31 * WARNING_MONTHS_BEFORE)


def warning_at(limit: datetime) -> datetime:
    return add_months(limit, -WARNING_MONTHS_BEFORE)


def stage_at(limit: datetime, now: datetime) -> int:
    if now >= limit:
        return OVER
    return WARNED if now >= warning_at(limit) else NONE


def due_rows(now: datetime):
    return or_(
        and_(Case.age_stage == NONE, Case.age_limit_dt <= now + LONGEST_MONTH),
        and_(Case.age_stage == WARNED, Case.age_limit_dt <= now),
    )


def sweep(batch: int = BATCH) -> dict[str, int]:
    """Warn of, and mark, the cases reaching the age limit; commits after each batch."""
    now = clock.now()
    counts = {"warned": 0, "over the limit": 0}
    due = select(Case).where(due_rows(now), Case.status != "closed")
    for cases in batches(due, Case, batch, by=Case.age_limit_dt):
        for case in cases:
            stage = _mark(case, now)
            if stage == WARNED:
                counts["warned"] += 1
            elif stage == OVER:
                counts["over the limit"] += 1
    return counts


def _mark(case: Case, now: datetime) -> int | None:
    limit = case.age_limit_dt
    if limit is None:
        return None
    old, new = case.age_stage, stage_at(limit, now)
    if new <= old:
        return None
    cases = cast(Table, Case.__table__)
    expected = {"age_stage": old, "age_limit_dt": limit}
    if not compare_and_set(cases, case.id, expected, age_stage=new):
        return None
    data: dict[str, Any] = {"limit": limit.isoformat()}
    kind = "age_limit_warning" if new == WARNED else "age_limit_reached"
    record_event(case, kind, actor=None, data=data)
    people = [case.assignee] if case.assignee is not None else []
    key = f"age_limit:{case.id}:{new}:{stamp(limit)}"
    for user in [*people, *supervisors()]:
        when = local_when(limit, user.timezone)
        notify_users([user], "age_limit", key=key, case=case, over=new == OVER, limit=when)
    return new
