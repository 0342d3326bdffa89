"""Every write to a case. Operations flush, record the event, and never commit.

Each takes the acting user as ``actor`` (None for the system, e.g. SMS intake), raises
domain errors from `casework.errors`, and leaves the commit to the request, CLI command
or job that called it. ``expected_version`` is the case version the user's form was built
from: a mismatch raises `StaleCase` rather than overwrite somebody else's change.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, event, select, update
from sqlalchemy.orm import Session

from casework import clock
from casework.auth.models import User
from casework.cases.models import (
    CATEGORIES,
    RESTRICTED_CATEGORIES,
    Case,
    CaseEvent,
    Corroboration,
    MitigationAction,
    new_reference,
)
from casework.cases.permissions import (
    PHONE_ROLES,
    PUBLISH_ROLES,
    can_view,
    can_work,
    is_restricted,
)
from casework.committees.models import Committee
from casework.committees.scope import covering
from casework.contacts.models import Contact
from casework.errors import InvalidInput, PermissionDenied, StaleCase
from casework.extensions import db
from casework.notices.rules import on_event
from casework.sites.models import Site
from casework.timezones import local
from workflows import deadline_for
from workflows import fire as workflow_fire
from workflows.notices import AGE_LIMIT_MONTHS, add_months, next_action_reminder


def record_event(
    case: Case,
    kind: str,
    *,
    actor: User | None,
    data: dict[str, Any] | None = None,
    flush: bool = True,
) -> CaseEvent:
    """Append an event to the case's hash chain.

    The chain's head (event count, last hash) lives on the case row and moves with an
    ``UPDATE ... RETURNING``: the row lock it takes makes concurrent writers to one case
    append one after the other, never racing for a sequence number, and `audit verify`
    compares every chain with its head, so removing the newest events shows too. The head
    is written with Core statements, so it does not bump the case's version: a note never
    makes somebody else's form stale. ``flush=False`` leaves the event row for the next
    flush, for callers that write several rows and flush once.
    """
    if case.id is None:
        db.session.flush()
    cases = cast(Table, Case.__table__)
    heads = _heads()
    head = heads.get(case.id)
    if head is None:
        seq, prev_hash = db.session.execute(
            update(cases)
            .where(cases.c.id == case.id)
            .values(event_count=cases.c.event_count + 1)
            .returning(cases.c.event_count, cases.c.last_event_hash)
        ).one()
    else:  # this transaction holds the row (or made it): the head is as it left it
        seq, prev_hash = head[0] + 1, head[1]
    event = CaseEvent(
        case_id=case.id,
        seq=seq,
        kind=kind,
        actor_id=actor.id if actor else None,
        created_dt=clock.now(),
        data=data or {},
        prev_hash=prev_hash,
    )
    event.hash = event.compute_hash()
    db.session.execute(
        update(cases)
        .where(cases.c.id == case.id)
        .values(event_count=seq, last_event_hash=event.hash)
    )
    heads[case.id] = (seq, event.hash)
    db.session.add(event)
    if flush:
        db.session.flush()
    on_event(case, event)
    return event


_HEADS = "casework.event_heads"


def _heads() -> dict[int, tuple[int, str]]:
    """``case id -> (event count, last hash)`` for the cases whose head this transaction
    has moved (holding the case row's lock since) or whose row it inserted: their next
    event needs no ``UPDATE ... RETURNING`` to learn the head."""
    return db.session.info.setdefault(_HEADS, {})


@event.listens_for(Session, "after_transaction_end")
def _forget_heads(session: Session, transaction) -> None:
    # The end of the transaction, or of a savepoint (released or rolled back), forgets: the
    # next event asks the row again. A flush's own inner transaction does not count.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_HEADS, None)


def _touch(case: Case) -> None:
    case.updated_dt = clock.now()


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != case.version:
        raise StaleCase()


def _require_work(case: Case, actor: User | None) -> None:
    if actor is not None and not can_work(actor, case):
        raise PermissionDenied(_l("You may not change this case."))


def _require_open(case: Case) -> None:
    """Closed cases take notes, not new findings: reopen the case first."""
    if case.is_closed:
        raise InvalidInput(_l("This case is closed; reopen it before changing it."))


def restart_deadline(case: Case) -> None:
    """A new state: its deadline clock starts now, its reminders from the beginning."""
    now = clock.now()
    delta = deadline_for(case.status, case.level)
    case.due_dt = now + delta if delta else None
    case.deadline_stage = 0


def create_case(
    *,
    description: str,
    channel: str = "web",
    actor: User | None = None,
    title: str = "",
    category: str | None = None,
    level: int | None = None,
    site: Site | None = None,
    location_text: str = "",
    occurred_dt: datetime | None = None,
    reporter=None,
    language: str | None = None,
    suggested_category: str | None = None,
    suggested_level: int | None = None,
    suggested_site: Site | None = None,
    suggested_site_id: int | None = None,
    is_anonymous: bool = False,
    reference: str | None = None,
) -> Case:
    """Open a case in the first state, from any source (SMS, web form, CLI, seed).

    Flushes the case (its id is in the event's hash) but leaves its "created" event for the
    next flush: a new case's chain starts at the genesis hash, nothing to look up.
    ``suggested_site_id`` names the suggested site without loading it. ``reference`` is
    one given to the reporter already (SMS intake's spool); should it be taken, the case
    gets a new one.
    """
    if actor is not None and actor.role not in {"officer", "supervisor"}:
        raise PermissionDenied(_l("Only officers and supervisors can open cases."))
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(
            _l("%(category)s is not a risk category; choose one from the list.", category=category)
        )
    if level is not None and level not in (1, 2, 3):
        raise InvalidInput(_l("Level must be 1, 2 or 3."))
    if not description.strip():
        raise InvalidInput(_l("A case needs the text of the report."))
    now = clock.now()
    case = Case(
        reference=_unused_reference(reference),
        status="received",
        description=description,
        title=(title or _title_from(description))[:200],
        channel=channel,
        category=category,
        level=level,
        site=site,
        location_text=location_text,
        occurred_dt=occurred_dt,
        reported_dt=now,
        reporter=reporter,
        language=language,
        suggested_category=suggested_category,
        suggested_level=suggested_level,
        created_dt=now,
        updated_dt=now,
        age_limit_dt=add_months(now, AGE_LIMIT_MONTHS),
    )
    if suggested_site is not None:
        case.suggested_site = suggested_site
    elif suggested_site_id is not None:
        case.suggested_site_id = suggested_site_id
    if is_anonymous:  # an ANON report: no reporter, and nothing may ever reach one
        if reporter is not None:
            raise InvalidInput(_l("An anonymous case has no reporter."))
        case.is_anonymous = True
    restart_deadline(case)
    db.session.add(case)
    db.session.flush()
    _heads()[case.id] = (case.event_count, case.last_event_hash)  # as this flush wrote them
    data: dict[str, Any] = {"channel": channel, "status": case.status}
    if is_anonymous:  # on the chain from the start: the case was anonymous when it opened
        data["anonymous"] = True
    record_event(case, "created", actor=actor, data=data, flush=False)
    return case


def _title_from(description: str) -> str:
    first = " ".join(description.split())
    return first if len(first) <= 80 else first[:79] + "…"


def _unused_reference(reserved: str | None = None) -> str:
    prefix = current_app.config["CASEWORK_REFERENCE_PREFIX"]
    reference = reserved or new_reference(prefix)
    while True:  # 2^40 references: a clash is rare, but it must never reach the constraint
        if not db.session.scalar(select(Case.id).where(Case.reference == reference)):
            return reference
        reference = new_reference(prefix)


def assign(
    case: Case, assignee: User | None, *, actor: User, expected_version: int | None = None
) -> Case:
    if actor.role != "supervisor" and not (
        actor.role == "officer" and assignee is not None and assignee.id == actor.id
    ):
        raise PermissionDenied(_l("Only a supervisor can assign cases (officers may take one)."))
    _require_work(case, actor)
    _check_version(case, expected_version)
    if assignee is not None and assignee.role not in {"officer", "supervisor"}:
        raise InvalidInput(_l("Cases are assigned to officers or supervisors."))
    previous = case.assignee_id
    case.assignee = assignee
    _touch(case)
    record_event(
        case,
        "assigned",
        actor=actor,
        data={"from": previous, "to": assignee.id if assignee else None},
    )
    return case


# The transitions whose first time is kept on the case, for the dashboard's figures.
MILESTONES = {
    "triage": "triaged_dt",
    "start_verification": "verification_started_dt",
    "verify": "verified_dt",
}


def fire(
    case: Case, name: str, *, actor: User, expected_version: int | None = None, **data: Any
) -> Case:
    """Fire a lifecycle transition: role and guards checked, deadline restarted, event kept."""
    _require_work(case, actor)
    _check_version(case, expected_version)
    if name == "escalate" and data.get("committee_id"):
        committee = db.session.get(Committee, int(data["committee_id"]))
        if committee is None:
            raise InvalidInput(_l("That committee does not exist."))
        if committee not in covering(case.site, case.level):
            raise InvalidInput(
                _l(
                    "%(committee)s does not cover this case's site: choose a committee of its "
                    "territory or province.",
                    committee=committee.name,
                )
            )
    if actor.role == "committee" and case.committee_id not in actor.committee_ids:
        raise PermissionDenied(_l("This case is not before your committee."))
    source = case.status
    t = workflow_fire(case, name, actor.role, data)
    if name == "escalate" and data.get("committee_id"):
        case.committee = committee  # the object, so the notice rules see its members
    if name == "escalate":
        case.escalated_dt = clock.now()
    milestone = MILESTONES.get(name)
    if milestone and getattr(case, milestone) is None:
        setattr(case, milestone, clock.now())
    if name == "mark_duplicate" and data.get("duplicate_of_id"):
        case.duplicate_of_id = int(data["duplicate_of_id"])
    if t.dest == "closed":
        case.resolution = t.resolution or data["resolution"]
        case.closed_dt = clock.now()
        case.age_limit_dt = None  # only open cases age
    elif source == "closed":
        case.resolution = None
        case.closed_dt = None
        case.age_limit_dt = _age_limit(case)
        case.age_stage = 0
    restart_deadline(case)
    _touch(case)
    event_data: dict[str, Any] = {"transition": name, "from": source, "to": case.status}
    for key in ("resolution", "reason", "committee_id", "duplicate_of_id", "comment"):
        if data.get(key):
            event_data[key] = data[key]
    if t.dest == "closed":
        event_data["resolution"] = case.resolution
    record_event(case, "transition", actor=actor, data=event_data)
    return case


def add_note(case: Case, text: str, *, actor: User) -> CaseEvent:
    _require_work(case, actor)
    if not text.strip():
        raise InvalidInput(_l("A note cannot be empty."))
    _touch(case)
    return record_event(case, "note", actor=actor, data={"text": text})


def update_details(
    case: Case,
    *,
    actor: User,
    expected_version: int | None = None,
    title: str | None = None,
    category: str | None = None,
    site: Site | None = None,
    location_text: str | None = None,
    occurred_dt: datetime | None = None,
) -> Case:
    """Triage fields other than the level (levels go through `change_level`)."""
    _require_work(case, actor)
    if actor.role not in {"officer", "supervisor"}:
        raise PermissionDenied(_l("Only officers and supervisors edit case details."))
    _check_version(case, expected_version)
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(
            _l("%(category)s is not a risk category; choose one from the list.", category=category)
        )
    if (
        category is not None
        and is_restricted(case)
        and category not in RESTRICTED_CATEGORIES
        and actor.role != "supervisor"
    ):
        raise PermissionDenied(
            _l("Only a supervisor can move a case out of a restricted category.")
        )
    changes: dict[str, Any] = {}
    for field, value in (
        ("title", title),
        ("category", category),
        ("location_text", location_text),
        ("occurred_dt", occurred_dt),
    ):
        if value is not None and getattr(case, field) != value:
            changes[field] = [_jsonable(getattr(case, field)), _jsonable(value)]
            setattr(case, field, value)
    if site is not None and case.site_id != site.id:
        changes["site"] = [case.site.code if case.site else None, site.code]
        case.site = site
    if changes:
        _touch(case)
        record_event(case, "details_changed", actor=actor, data={"changes": changes})
    return case


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def change_level(
    case: Case,
    new_level: int,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Set the level; a downgrade from Level 1 only becomes a request for a second approver."""
    _require_work(case, actor)
    _require_open(case)
    if actor.role not in {"officer", "supervisor"}:
        raise PermissionDenied(_l("Only officers and supervisors change levels."))
    _check_version(case, expected_version)
    if new_level not in (1, 2, 3):
        raise InvalidInput(_l("Level must be 1, 2 or 3."))
    if new_level == case.level:
        return case
    if case.pending_level is not None:
        raise InvalidInput(
            _l(
                "A downgrade is already waiting for a second supervisor; it must be approved "
                "or refused first."
            )
        )
    if case.level == 1 and new_level > 1:
        if not reason.strip():
            raise InvalidInput(_l("Give a reason for downgrading a Level 1 case."))
        case.pending_level = new_level
        case.pending_level_by_id = actor.id
        case.pending_level_reason = reason
        _touch(case)
        record_event(
            case,
            "level_downgrade_requested",
            actor=actor,
            data={"from": 1, "to": new_level, "reason": reason},
        )
        return case
    _apply_level(case, new_level, actor=actor, reason=reason)
    return case


def _apply_level(case: Case, new_level: int, *, actor: User, reason: str, **extra: Any) -> None:
    previous = case.level
    case.level = new_level
    case.pending_level = case.pending_level_by_id = case.pending_level_reason = None
    _set_deadline_if_level_matters(case, previous)
    _touch(case)
    record_event(
        case,
        "level_changed",
        actor=actor,
        data={"from": previous, "to": new_level, "reason": reason, **extra},
    )


def _set_deadline_if_level_matters(case: Case, previous: int | None) -> None:
    # The running deadline is re-based from when the state's clock started: approximated
    # as "now" — a stricter level must not wait out a laxer deadline.
    delta = deadline_for(case.status, case.level)
    if delta is not None:
        candidate = clock.now() + delta
        laxer = (previous or 1) < (case.level or 1)
        if case.due_dt is None or candidate < case.due_dt or laxer:
            case.due_dt = candidate
            case.deadline_stage = 0  # a new deadline: its warning and breach are still to come


def approve_level_change(case: Case, *, actor: User, expected_version: int | None = None) -> Case:
    """The second pair of eyes: a different supervisor approves the Level 1 downgrade."""
    _require_work(case, actor)
    _require_open(case)
    _check_version(case, expected_version)
    if case.pending_level is None:
        raise InvalidInput(_l("There is no level change waiting for approval."))
    if actor.role != "supervisor":
        raise PermissionDenied(_l("Only a supervisor can approve a Level 1 downgrade."))
    if actor.id == case.pending_level_by_id:
        raise PermissionDenied(_l("A second supervisor must approve a downgrade you requested."))
    _apply_level(
        case,
        case.pending_level,
        actor=actor,
        reason=case.pending_level_reason or "",
        requested_by=case.pending_level_by_id,
    )
    return case


def reject_level_change(case: Case, *, actor: User, reason: str = "") -> Case:
    _require_work(case, actor)
    if case.pending_level is None:
        raise InvalidInput(_l("There is no level change waiting for approval."))
    if actor.role != "supervisor":
        raise PermissionDenied(_l("Only a supervisor can refuse a Level 1 downgrade."))
    record_event(
        case,
        "level_downgrade_refused",
        actor=actor,
        data={"to": case.pending_level, "reason": reason},
    )
    case.pending_level = case.pending_level_by_id = case.pending_level_reason = None
    _touch(case)
    return case


def link_duplicate(case: Case, original: Case, *, actor: User) -> Case:
    _require_work(case, actor)
    if original.id == case.id:
        raise InvalidInput(_l("A case cannot duplicate itself."))
    if not can_view(actor, original):
        raise PermissionDenied(_l("You may not see the case you named."))
    root = original
    while root.duplicate_of is not None:  # point at the original, never at another duplicate
        root = root.duplicate_of
        if root.id == case.id:
            raise InvalidInput(_l("That link would make a loop of duplicates."))
    case.duplicate_of = root
    _touch(case)
    record_event(case, "duplicate_linked", actor=actor, data={"original": root.reference})
    return case


def add_corroboration(case: Case, *, source: str, summary: str, actor: User) -> Corroboration:
    _require_work(case, actor)
    _require_open(case)
    if not source.strip():
        raise InvalidInput(_l("Say what the corroborating source is."))
    item = Corroboration(case=case, source=source, summary=summary, recorded_by_id=actor.id)
    db.session.add(item)
    _touch(case)
    db.session.flush()
    record_event(case, "corroboration", actor=actor, data={"source": source, "summary": summary})
    return item


def add_action(
    case: Case,
    *,
    description: str,
    due_date: date | None,
    actor: User,
    owner: str = "",
    owner_user: User | None = None,
    owner_contact: Contact | None = None,
) -> MitigationAction:
    """A mitigation action, owned by a user or a stakeholder contact (who is told at once
    and reminded as the due date nears), or by a name alone."""
    _require_work(case, actor)
    _require_open(case)
    if not description.strip():
        raise InvalidInput(_l("Describe the mitigation action."))
    if owner_user is not None and owner_contact is not None:
        raise InvalidInput(_l("An action has one owner: a user or a contact, not both."))
    if owner_user is not None and not (owner_user.is_enabled and can_view(owner_user, case)):
        raise InvalidInput(_l("That person may not see this case; choose another owner."))
    if owner_contact is not None and not owner_contact.is_active:
        raise InvalidInput(_l("That contact is no longer active; choose another owner."))
    if owner_user is not None or owner_contact is not None:
        owner = (owner_user or owner_contact).display_name  # type: ignore[union-attr]
    action = MitigationAction(
        case=case,
        description=description,
        owner=owner,
        owner_user=owner_user,
        owner_contact=owner_contact,
        due_date=due_date,
    )
    db.session.add(action)
    schedule_action_reminder(action)
    _touch(case)
    db.session.flush()
    record_event(
        case,
        "action_added",
        actor=actor,
        data={
            "action_id": action.id,
            "description": description,
            "owner": owner,
            "owner_user_id": owner_user.id if owner_user else None,
            "owner_contact_id": owner_contact.id if owner_contact else None,
            "due_date": due_date.isoformat() if due_date else None,
        },
    )
    return action


def owner_timezone(action: MitigationAction) -> str:
    """The owner's time zone; an owner known by name only is reminded through the case's
    assignee, on the assignee's clock."""
    owner = action.owner_user or action.owner_contact or action.case.assignee
    return owner.timezone if owner is not None else "UTC"


def schedule_action_reminder(action: MitigationAction) -> None:
    """Set the action's next reminder day from today in its owner's time zone."""
    if action.is_done or action.due_date is None:
        action.next_reminder_on = None
        return
    today = local(clock.now(), owner_timezone(action)).date()
    action.next_reminder_on = next_action_reminder(action.due_date, today)[1]


def link_action_owner(
    action: MitigationAction,
    *,
    contact: Contact | None = None,
    user: User | None = None,
    actor: User,
) -> MitigationAction:
    """Give an action whose owner is a name alone (recorded before owners were picked from
    a list) to a user or a contact: from now on they are told and reminded. The name as
    first written stays on the record (the event's ``from``)."""
    case = action.case
    _require_work(case, actor)
    _require_open(case)
    if (contact is None) == (user is None):
        raise InvalidInput(_l("Choose one owner: a user or a contact."))
    if action.owner_user_id is not None or action.owner_contact_id is not None:
        raise InvalidInput(_l("This action's owner is already linked."))
    if action.is_done:
        raise InvalidInput(_l("This action is done; its owner stays as recorded."))
    if contact is not None and not contact.is_active:
        raise InvalidInput(_l("This contact is deactivated; choose another owner."))
    if user is not None and (not user.is_enabled or not can_view(user, case)):
        raise InvalidInput(_l("%(name)s may not see this case.", name=user.display_name))
    previous = action.owner
    action.owner_user = user
    action.owner_contact = contact
    action.owner = (user or contact).display_name  # type: ignore[union-attr]
    schedule_action_reminder(action)
    _touch(case)
    db.session.flush()
    record_event(
        case,
        "action_owner_linked",
        actor=actor,
        data={
            "action_id": action.id,
            "from": previous,
            "owner": action.owner,
            "owner_user_id": user.id if user else None,
            "owner_contact_id": contact.id if contact else None,
        },
    )
    return action


def complete_action(action: MitigationAction, *, actor: User) -> MitigationAction:
    _require_work(action.case, actor)
    if action.is_done:
        return action
    action.is_done = True
    action.done_dt = clock.now()
    action.next_reminder_on = None
    _touch(action.case)
    record_event(action.case, "action_done", actor=actor, data={"action_id": action.id})
    return action


# A case open this long may be published before it closes ("long-running", DOMAIN.md).
PUBLISH_OPEN_CASES_AFTER = timedelta(days=90)
# Nine digits or more, whatever separates them (+243/990/000/101, "tel: 990 000 101"): the
# shortest national numbers in the region. Dates and amounts ("2024-05-12", "20 000 000 FC")
# have fewer.
_PHONE_LIKE = re.compile(r"\d(?:[\s./()-]*\d){8,}")


def can_publish(case: Case) -> bool:
    """Whether the case is far enough along to publish: closed, or open this long."""
    return case.is_closed or clock.now() - case.reported_dt >= PUBLISH_OPEN_CASES_AFTER


def _require_publisher(case: Case, actor: User, message: LazyString) -> None:
    _require_work(case, actor)
    if actor.role not in PUBLISH_ROLES:
        raise PermissionDenied(message)


def publish(case: Case, *, summary: str, actor: User, expected_version: int | None = None) -> Case:
    """Publish a redacted summary for viewers: a supervisor's step, on a closed or
    long-running case. The summary is what viewers read; it must not carry a phone number."""
    _require_publisher(case, actor, _l("Only a supervisor can publish a case summary."))
    _check_version(case, expected_version)
    summary = summary.strip()
    if not summary:
        raise InvalidInput(_l("Write the public summary first."))
    if _PHONE_LIKE.search(summary):
        raise InvalidInput(_l("The public summary must not contain a phone number."))
    if not can_publish(case):
        raise InvalidInput(
            _l("Only closed cases, or cases open for more than 90 days, are published.")
        )
    case.public_summary = summary
    case.is_published = True
    _touch(case)
    record_event(case, "published", actor=actor, data={"summary": summary})
    return case


def unpublish(case: Case, *, actor: User, reason: str, expected_version: int | None = None) -> Case:
    """Withdraw the summary from viewers; the text stays on the case for a later republish."""
    _require_publisher(case, actor, _l("Only a supervisor can withdraw a published summary."))
    _check_version(case, expected_version)
    if not case.is_published:
        raise InvalidInput(_l("This case has no published summary to withdraw."))
    if not reason.strip():
        raise InvalidInput(_l("Say why the summary is withdrawn."))
    case.is_published = False
    _touch(case)
    record_event(case, "unpublished", actor=actor, data={"reason": reason})
    return case


def reveal_phone(case: Case, *, actor: User) -> str:
    """The reporter's number in clear, for the roles that need it; always on the record."""
    if actor.role not in PHONE_ROLES or not can_view(actor, case):
        raise PermissionDenied(_l("Your role may not see reporters' phone numbers."))
    if case.reporter is None:
        raise InvalidInput(_l("This case has no reporter phone number."))
    record_event(case, "phone_revealed", actor=actor, data={})
    return case.reporter.phone


def record_restricted_view(case: Case, *, actor: User, via: str) -> None:
    """Put a look at a restricted case on its record: who read an SA-SGBV report, and when.

    One event per view (``via``: ``page`` or ``api``), no query: the case page and the API
    call it on every read of a restricted case, whoever reads it.
    """
    if is_restricted(case):
        record_event(case, "restricted_viewed", actor=actor, data={"via": via})


# Who switches "do not contact the reporter": the people who write to reporters.
DO_NOT_CONTACT_ROLES = frozenset({"officer", "supervisor"})


def set_do_not_contact(
    case: Case, value: bool, *, reason: str, actor: User, expected_version: int | None = None
) -> Case:
    """Switch "do not contact the reporter" on (``value`` True) or off, with a reason.

    While it is on, nothing goes to the case's reporter: no officer's message, no
    automatic update, and no message already queued (the outbox's resolver checks it again
    at send time). For when contact could put the reporter at risk.
    """
    if actor.role not in DO_NOT_CONTACT_ROLES or not can_work(actor, case):
        raise PermissionDenied(
            _l("Only the officers and supervisors working this case may change this.")
        )
    _check_version(case, expected_version)
    if not reason.strip():
        raise InvalidInput(_l("Say why in the Reason box: it is kept on the case's record."))
    if case.do_not_contact == bool(value):
        raise InvalidInput(
            _l("“Do not contact the reporter” is already on.")
            if value
            else _l("“Do not contact the reporter” is already off.")
        )
    case.do_not_contact = bool(value)
    _touch(case)
    kind = "do_not_contact_set" if value else "do_not_contact_cleared"
    record_event(case, kind, actor=actor, data={"reason": reason.strip()})
    return case


def _age_limit(case: Case) -> datetime:
    """The maximum time open of a reopened case: six months after the report, or the
    latest extension a supervisor recorded, whichever is later."""
    limit = add_months(case.reported_dt, AGE_LIMIT_MONTHS)
    extended = db.session.scalars(
        select(CaseEvent.data)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "age_limit_extended")
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    ).first()
    if extended and extended.get("to"):
        limit = max(limit, datetime.fromisoformat(extended["to"]))
    return limit


def extend_age_limit(
    case: Case, *, until: datetime, reason: str, actor: User, expected_version: int | None = None
) -> Case:
    """A supervisor's justified extension of the maximum time open (6 months, DOMAIN.md):
    a new date, in the future, and why; on the record. The age reminders start again
    from it (warned a month before, marked over the limit at it)."""
    _require_work(case, actor)
    if actor.role != "supervisor":
        raise PermissionDenied(_l("Only a supervisor can extend a case's time limit."))
    _require_open(case)
    _check_version(case, expected_version)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_l("Say why this case needs more time: it is kept on the record."))
    if until.tzinfo is None:
        raise ValueError("extend_age_limit needs an aware datetime")
    if until <= clock.now():
        raise InvalidInput(_l("The new time limit must be a date in the future."))
    previous = case.age_limit_dt
    case.age_limit_dt = until
    case.age_stage = 0
    _touch(case)
    record_event(
        case,
        "age_limit_extended",
        actor=actor,
        data={"from": _jsonable(previous), "to": until.isoformat(), "reason": reason},
    )
    return case


def events_of(case: Case) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )
