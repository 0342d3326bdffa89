"""``digests`` (hourly, on the hour): each officer's and supervisor's day in one email, at
their own digest hour (``User.digest_hour``, in ``User.timezone``).

It lists their overdue cases, their cases due before the end of their day, the cases
assigned to them in the last 24 hours (by somebody else) and, for supervisors, the Level 1
downgrades waiting for their approval. Nothing is sent when every list is empty. The
dedupe key names the user and their local date, so a second run that hour, or a second
scheduler, sends nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select

from casework import clock
from casework.auth.models import User
from casework.cases.models import Case, CaseEvent
from casework.cases.permissions import can_view
from casework.extensions import db
from casework.notices.operations import case_url, notify_users
from casework.timezones import local, local_when, zone

NEWLY_ASSIGNED = timedelta(hours=24)
ROLES = ("officer", "supervisor")


@dataclass
class Day:
    """One user's digest: each list holds ``(case, when, url)`` rows."""

    overdue: list[tuple[Case, str, str]] = field(default_factory=list)
    due_today: list[tuple[Case, str, str]] = field(default_factory=list)
    assigned: list[tuple[Case, str, str]] = field(default_factory=list)
    approvals: list[tuple[Case, str, str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.due_today or self.assigned or self.approvals)


def sweep(batch: int = 0) -> dict[str, int]:
    """Send the digests of the users whose digest hour it is; commits once per user.
    (``batch`` is accepted like the other sweeps'; users are few.)"""
    now = clock.now()
    users = [
        user
        for user in db.session.scalars(
            select(User).where(User.role.in_(ROLES), User.is_enabled.is_(True)).order_by(User.id)
        )
        if local(now, user.timezone).hour == user.digest_hour
    ]
    counts = {"sent": 0, "nothing to say": 0}
    if not users:
        return counts
    recent = _assignments_since(now - NEWLY_ASSIGNED)
    for user in users:
        day = day_of(user, now, recent)
        if day.is_empty:
            counts["nothing to say"] += 1
            continue
        today = local(now, user.timezone).date()
        key = f"digest:{today.isoformat()}"
        if notify_users([user], "digest", key=key, day=day, today=today.isoformat()):
            counts["sent"] += 1
        db.session.commit()
    return counts


def _assignments_since(since: datetime) -> dict[int, list[int]]:
    """``user id -> case ids`` assigned to them by somebody else since ``since``."""
    found: dict[int, list[int]] = {}
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.actor_id, CaseEvent.data).where(
            CaseEvent.kind == "assigned", CaseEvent.created_dt >= since
        )
    )
    for case_id, actor_id, data in rows:
        to = (data or {}).get("to")
        if to and to != actor_id:
            found.setdefault(to, []).append(case_id)
    return found


def day_of(user: User, now: datetime, recent: dict[int, list[int]]) -> Day:
    """What ``user``'s digest says at ``now``."""
    end_of_day = datetime.combine(
        local(now, user.timezone).date() + timedelta(days=1), time(0), tzinfo=zone(user.timezone)
    )
    day = Day()

    def row(case: Case, moment: datetime | None) -> tuple[Case, str, str]:
        return case, local_when(moment, user.timezone), case_url(case)

    mine = db.session.scalars(
        select(Case)
        .where(Case.assignee_id == user.id, Case.status != "closed", Case.due_dt < end_of_day)
        .order_by(Case.due_dt, Case.id)
    )
    for case in mine:
        assert case.due_dt is not None
        (day.overdue if case.due_dt <= now else day.due_today).append(row(case, case.due_dt))
    ids = recent.get(user.id, [])
    if ids:
        assigned = db.session.scalars(
            select(Case)
            .where(Case.id.in_(ids), Case.assignee_id == user.id, Case.status != "closed")
            .order_by(Case.id)
        )
        day.assigned = [row(case, case.due_dt) for case in assigned]
    if user.role == "supervisor":
        waiting = db.session.scalars(
            select(Case)
            .where(
                Case.pending_level.is_not(None),
                Case.pending_level_by_id != user.id,
                Case.status != "closed",
            )
            .order_by(Case.id)
        )
        day.approvals = [row(case, case.due_dt) for case in waiting if can_view(user, case)]
    return day
