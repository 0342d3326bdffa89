"""``action-reminders`` (hourly): a mitigation action's owner is reminded 3 days before its
due date, on the day, then every week while it is overdue, from 08:00 their time; the
case's assignee gets a copy.

Each open action holds the owner's date of its next reminder (``next_reminder_on``, set
by the operations when the action is added). The sweep reads the actions whose date has
come somewhere on Earth (UTC today + 1), sends those whose owner's local day and hour have
come, and moves the date on by compare-and-set: a reminder missed while the scheduler was
down is sent once, late, and the next one follows the rule again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select

from casework import clock
from casework.cases.models import Case, MitigationAction
from casework.cases.operations import owner_timezone, record_event
from casework.jobs.common import BATCH, batches, compare_and_set
from casework.notices.operations import notify_contact, notify_users
from casework.timezones import local
from workflows.notices import REMINDER_LOCAL_HOUR, next_action_reminder

KIND = "action_reminder"


def reminder_kind(due: date, today: date) -> str:
    return "soon" if today < due else "today" if today == due else "overdue"


def sweep(batch: int = BATCH) -> dict[str, int]:
    """Send the action reminders due now; commits after each batch of actions."""
    now = clock.now()
    latest = now.date() + timedelta(days=1)  # the furthest east anyone's date can be
    sent = 0
    due = (
        select(MitigationAction)
        .join(Case, Case.id == MitigationAction.case_id)
        .where(
            MitigationAction.is_done.is_(False),
            MitigationAction.next_reminder_on <= latest,
            Case.status != "closed",
        )
    )
    for actions in batches(due, MitigationAction, batch):
        sent += sum(_remind(action, now) for action in actions)
    return {"reminded": sent}


def _remind(action: MitigationAction, now: datetime) -> bool:
    day, due = action.next_reminder_on, action.due_date
    if day is None or due is None:
        return False
    wall = local(now, owner_timezone(action))
    today = wall.date()
    if today < day or wall.hour < REMINDER_LOCAL_HOUR:
        return False
    following = next_action_reminder(due, today + timedelta(days=1))[1]
    table = cast(Table, MitigationAction.__table__)
    expected = {"next_reminder_on": day, "is_done": False}
    if not compare_and_set(table, action.id, expected, next_reminder_on=following):
        return False  # another sweep sent it, or the action was done meanwhile
    case = action.case
    kind = reminder_kind(due, today)
    key = f"action_reminder:{action.id}:{day.isoformat()}"
    context: dict[str, Any] = {
        "action": action,
        "due": due.isoformat(),
        "when": kind,
        "days": abs((due - today).days),
        "copy": False,
        "owner_name": action.owner or "",
    }
    told = False
    if action.owner_user is not None:
        told = bool(notify_users([action.owner_user], KIND, key=key, case=case, **context))
    elif action.owner_contact is not None:
        told = notify_contact(action.owner_contact, KIND, key=key, case=case, **context)
    assignee = case.assignee
    if assignee is not None:
        # A copy for the case's officer (the only reminder when the owner is a name alone).
        context["copy"] = action.owner_user is None or action.owner_user.id != assignee.id
        told = bool(notify_users([assignee], KIND, key=key, case=case, **context)) or told
    if told:
        data = {
            "action_id": action.id,
            "when": kind,
            "due_date": due.isoformat(),
            "owner": action.owner or "",
        }
        record_event(case, "action_reminder", actor=None, data=data)
    return told
