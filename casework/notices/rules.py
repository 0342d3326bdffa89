"""Which case events tell whom, at once: the table, then the code that reads it.

`casework.cases.operations.record_event` hands every new event here, so a notice is
queued in the same transaction as the change it reports. The scheduled reminders
(deadlines, actions, age limit, digests) are the jobs' business (`casework.jobs`).

| event                      | who is told                          | kind               |
|----------------------------|--------------------------------------|--------------------|
| created at Level 1         | every supervisor (email and SMS)     | level1_alert       |
| level raised to 1          | every supervisor (email and SMS)     | level1_alert       |
| Level 1 downgrade asked    | the other supervisors                | downgrade_approval |
| assigned                   | the new assignee                     | assigned           |
| escalated                  | the committee's members (restricted: | escalated          |
|                            | told of the brief, not the case)     |                    |
| action added with an owner | the owner (a user, or a contact)     | action_assigned    |
| action's owner linked      | the new owner (a user, or a contact) | action_assigned    |
| closed or reopened         | the assignee                         | case_status        |
| a public milestone         | the reporter (SMS/WhatsApp; see casework.messages.milestones)      |

Nobody is told of their own doing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casework.auth.models import User
from casework.cases.models import Case, CaseEvent, MitigationAction
from casework.cases.permissions import can_view
from casework.extensions import db
from casework.messages.milestones import tell_reporter
from casework.notices.operations import notify_contact, notify_users, public_url, supervisors
from casework.timezones import local_when


def _key(case: Case, event: CaseEvent) -> str:
    return f"{event.kind}:{case.id}:{event.seq}"


def _actor(event: CaseEvent) -> User | None:
    return db.session.get(User, event.actor_id) if event.actor_id else None


def _tell(users, kind: str, case: Case, event: CaseEvent, **context: Any) -> None:
    actor = _actor(event)
    for user in users:
        notify_users(
            [user],
            kind,
            key=_key(case, event),
            case=case,
            actor=actor,
            actor_name=actor.display_name if actor else "Casework",
            due=local_when(case.due_dt, user.timezone),
            **context,
        )


def _level_1(case: Case, event: CaseEvent) -> None:
    data = event.data
    if event.kind == "created":
        if (case.level or case.suggested_level) != 1:
            return
        raised = False
    else:
        previous = data.get("from")
        if data.get("to") != 1 or previous == 1:
            return
        if previous is None and case.suggested_level == 1:
            return  # triage confirms what intake suggested: the alert went out on arrival
        raised = True
    _tell(supervisors(), "level1_alert", case, event, raised=raised)


def _downgrade(case: Case, event: CaseEvent) -> None:
    _tell(supervisors(), "downgrade_approval", case, event, to_level=event.data.get("to"))


def _assigned(case: Case, event: CaseEvent) -> None:
    assignee = db.session.get(User, event.data["to"]) if event.data.get("to") else None
    if assignee is not None:
        _tell([assignee], "assigned", case, event)


def _transition(case: Case, event: CaseEvent) -> None:
    name = event.data.get("transition")
    if name == "escalate" and case.committee is not None:
        members = [m.user for m in case.committee.memberships]
        _tell(members, "escalated", case, event, committee_name=case.committee.name)
        _tell_brief_readers(members, case, event)
    elif (event.data.get("to") == "closed" or name == "reopen") and case.assignee is not None:
        _tell([case.assignee], "case_status", case, event, reopened=name == "reopen",
              reason=event.data.get("reason", ""))  # fmt: skip
    tell_reporter(case, event)  # the reporter's milestone SMS: casework.messages.milestones


def _tell_brief_readers(members, case: Case, event: CaseEvent) -> None:
    """The members who may not open a restricted case (`notify_users` skips them) but
    read its brief: told with no case attached, so the notice carries and lists nothing
    of it but its reference, and linked to the brief's page instead of the case's."""
    from casework.committees.operations import can_read_brief  # it imports the cases

    readers = [u for u in members if not can_view(u, case) and can_read_brief(u, case)]
    actor = _actor(event)
    url = public_url(f"/committees/{case.committee_id}/cases/{case.reference}")
    for user in readers:
        notify_users([user], "escalated", key=_key(case, event), actor=actor,
                     reference=case.reference, case_level=case.level, brief_only=True,
                     committee_name=case.committee.name if case.committee else "",
                     due=local_when(case.due_dt, user.timezone), url=url)  # fmt: skip


def _action_added(case: Case, event: CaseEvent) -> None:
    action = db.session.get(MitigationAction, event.data["action_id"])
    if action is None:
        return
    due = action.due_date.isoformat() if action.due_date else ""
    if action.owner_user is not None:
        actor = _actor(event)
        notify_users([action.owner_user], "action_assigned", key=_key(case, event), case=case,
                     actor=actor, action=action, due=due)  # fmt: skip
    elif action.owner_contact is not None:
        notify_contact(action.owner_contact, "action_assigned", key=_key(case, event),
                       case=case, action=action, due=due)  # fmt: skip


RULES: dict[str, Callable[[Case, CaseEvent], None]] = {
    "created": _level_1,
    "level_changed": _level_1,
    "level_downgrade_requested": _downgrade,
    "assigned": _assigned,
    "transition": _transition,
    "action_added": _action_added,
    "action_owner_linked": _action_added,  # a name alone became a user or a contact
}


def on_event(case: Case, event: CaseEvent) -> None:
    """Queue the notices ``event`` calls for (see the table above)."""
    rule = RULES.get(event.kind)
    if rule is not None:
        rule(case, event)
