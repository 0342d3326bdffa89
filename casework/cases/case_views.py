"""The case page: which forms the current user gets, the names its timeline shows, what
each offered transition still lacks (routes on the cases blueprint).

`render_case` is also how a post shows the page again, with the posted form bound.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from casework import clock
from casework.auth.forms import ROLE_LABELS
from casework.auth.models import User
from casework.cases import operations
from casework.cases.forms import (
    TRANSITION_INPUTS,
    ActionDoneForm,
    ActionForm,
    AssignForm,
    BriefForm,
    CorroborationForm,
    DetailsForm,
    LevelForm,
    LevelReviewForm,
    LinkOwnerForm,
    NoteForm,
    PublishForm,
    RevealPhoneForm,
    SuggestionsForm,
    TransitionForm,
    UnpublishForm,
    choices,
)
from casework.cases.models import Case
from casework.cases.owners import owner_choices
from casework.cases.permissions import (
    PHONE_ROLES,
    PUBLISH_ROLES,
    can_view,
    can_work,
    is_restricted,
    sees_full_case,
)
from casework.cases.triage import accept_suggestions, may_accept, open_suggestions
from casework.cases.views import WORKING_ROLES, assignable_users, bp, done, get_case
from casework.committees.models import Committee
from casework.committees.operations import can_read_brief
from casework.committees.scope import covering
from casework.dashboard.figures import recurrence_for
from casework.errors import GuardFailed, TransitionNotAllowed
from casework.extensions import db
from workflows import allowed_transitions, check, transition

ACTION_STATES = frozenset({"verified", "escalated", "mitigation", "monitoring"})


def _no_committee(case: Case) -> str:
    """Why escalation offers no committee, and who can change that."""
    if case.site is None:
        return _("There is no committee yet: an admin creates them at /committees.")
    return _(
        "No committee covers %(site)s: an admin sets committees' territories at /committees.",
        site=f"{case.site.name} ({case.site.territory or case.site.province or case.site.country})",
    )


def fill_choices(slot: str, form, case: Case) -> None:
    """Choices that come from the database, for the forms that have them."""
    if slot == "assign":
        # Officers only see a "take this case" button; whether they may assign somebody
        # else is the operation's call (403), not a form error.
        form.assignee_id.choices = choices(
            [
                ("0", _("nobody")),
                *(
                    (str(u.id), f"{u.display_name} ({ROLE_LABELS.get(u.role, u.role)})")
                    for u in assignable_users()
                ),
            ]
        )
    elif slot in ("action", "link_owner"):
        form.owner.choices = owner_choices(case)
    elif slot == "transition":
        committees = covering(case.site, case.level)
        form.committee_id.choices = choices(
            [("", _("choose...")), *((str(c.id), c.name) for c in committees)]
        )
        if not committees:
            form.committee_id.description = _no_committee(case)


def _default_forms(case: Case) -> dict[str, Any]:
    """The forms the current user may use on this case, unbound, at the case's version."""
    user = current_user
    version = str(case.version)
    work = can_work(user, case)
    forms: dict[str, Any] = {"transitions": {}}

    def make(slot, cls, **data):
        form = cls(formdata=None, data={"version": version, **data})
        fill_choices(slot, form, case)
        return form

    if not work:
        if user.role in PHONE_ROLES and case.reporter is not None:
            forms["reveal_phone"] = make("reveal_phone", RevealPhoneForm)
        return forms
    forms["note"] = make("note", NoteForm)
    if user.role == "supervisor":
        forms["assign"] = make("assign", AssignForm, assignee_id=str(case.assignee_id or 0))
    elif user.role == "officer" and case.assignee_id != user.id:
        forms["assign"] = make("assign", AssignForm, assignee_id=str(user.id))
    if user.role in WORKING_ROLES:
        # Before triage, intake's suggestions fill what is unset (the officer reads them
        # in the form and saves or corrects them); never the level: someone chooses it.
        suggested = open_suggestions(case) if case.status == "received" else None
        category = case.category or (suggested.category if suggested else None)
        site = case.site or (suggested.site if suggested else None)
        forms["details"] = make(
            "details",
            DetailsForm,
            title=case.title,
            category=category or "",
            site_code=site.code if site else "",
            location_text=case.location_text,
            occurred_on=case.occurred_dt.date() if case.occurred_dt else None,
        )
        forms["level"] = make("level", LevelForm, level=str(case.level or ""))
        if may_accept(user, case) and open_suggestions(case):
            forms["suggestions"] = make("suggestions", SuggestionsForm)
        if not case.is_closed:
            forms["corroboration"] = make("corroboration", CorroborationForm)
    if (
        case.pending_level is not None
        and user.role == "supervisor"
        and user.id != case.pending_level_by_id
    ):
        forms["level_review"] = make("level_review", LevelReviewForm)
    if case.status in ACTION_STATES:
        forms["action"] = make("action", ActionForm)
    forms["action_done"] = make("action_done", ActionDoneForm)
    if user.role in WORKING_ROLES and not case.is_closed:
        forms["link_owner"] = make("link_owner", LinkOwnerForm)
    if user.role in PHONE_ROLES and case.reporter is not None:
        forms["reveal_phone"] = make("reveal_phone", RevealPhoneForm)
    if user.role in PUBLISH_ROLES:
        if operations.can_publish(case):
            forms["publish"] = make("publish", PublishForm, summary=case.public_summary)
        if case.is_published:
            forms["unpublish"] = make("unpublish", UnpublishForm)
    if user.role == "supervisor" and is_restricted(case):
        forms["brief"] = make("brief", BriefForm, brief=case.committee_brief)
    for t in allowed_transitions(case, user.role):
        forms["transitions"][t.name] = make("transition", TransitionForm)
    return forms


def _timeline_context(case: Case, events) -> dict[str, Any]:
    """Names for the ids events carry (people, committees, actions), fetched once."""
    user_ids: set[int] = set()
    committee_ids: set[int] = set()
    for e in events:
        if e.kind == "assigned":
            user_ids.update(v for v in (e.data.get("from"), e.data.get("to")) if v)
        if e.data.get("requested_by"):
            user_ids.add(e.data["requested_by"])
        if e.data.get("committee_id"):
            committee_ids.add(int(e.data["committee_id"]))
    if case.pending_level_by_id:
        user_ids.add(case.pending_level_by_id)
    people = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    committees = (
        {
            c.id: c
            for c in db.session.scalars(select(Committee).where(Committee.id.in_(committee_ids)))
        }
        if committee_ids
        else {}
    )
    return {
        "people": people,
        "committees": committees,
        "actions_by_id": {a.id: a for a in case.actions},
    }


def render_case(
    case: Case,
    *,
    bound: tuple[str, Any] | None = None,
    status: int = 200,
    problems: list[str] | None = None,
    conflict: bool = False,
    revealed_phone: str | None = None,
):
    """The case page; ``bound`` is the posted form to show again with the user's input."""
    if not sees_full_case(current_user, case):
        return render_template("cases/public.html", case=case), status
    forms = _default_forms(case)
    open_slot = None
    if bound is not None:
        slot, form = bound
        fill_choices(slot, form, case)
        if conflict:
            form.version.data = str(case.version)
        if slot == "transition":
            name = (request.view_args or {})["name"]
            forms["transitions"][name] = form
            open_slot = f"transition-{name}"
        else:
            forms[slot] = form
            open_slot = slot
    events = operations.events_of(case)
    return (
        render_template(
            "cases/detail.html",
            case=case,
            forms=forms,
            open_slot=open_slot,
            problems=problems or [],
            conflict=conflict,
            revealed_phone=revealed_phone,
            events=events,
            transitions=[transition(name) for name in forms["transitions"]],
            not_yet=_what_is_missing(case, forms["transitions"]),
            transition_inputs=TRANSITION_INPUTS,
            now=clock.now(),
            is_assignee=case.assignee_id == current_user.id,
            restricted=is_restricted(case),
            recurrence=recurrence_for(case),
            suggestions=open_suggestions(case) if "suggestions" in forms else None,
            **_timeline_context(case, events),
        ),
        status,
    )


# Stand-ins for what a transition's own inputs will supply, so that the check below
# reports only what the case itself still lacks (a decision, a corroboration...).
_PROBE_DATA = {
    "resolution": "unresolved",
    "reason": "-",
    "committee_id": "-",
    "duplicate_of_id": "-",
}


def _what_is_missing(case: Case, names) -> dict[str, list[str]]:
    """Guard sentences for the offered transitions, shown before the user clicks; the
    button stays, and the same guards run again, with the real input, on POST."""
    missing: dict[str, list[str]] = {}
    for name in names:
        try:
            check(case, name, current_user.role, _PROBE_DATA)
        except GuardFailed as exc:
            missing[name] = [_(reason) for reason in exc.reasons]
        except TransitionNotAllowed:
            continue
    return missing


@bp.get("/<reference>")
def detail(reference: str):
    case = db.session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is not None and not can_view(current_user, case) and can_read_brief(current_user, case):
        # A committee member following a link to a restricted case of their committee reads
        # its brief, the only part of it they may read.
        return redirect(f"/committees/{case.committee_id}/cases/{case.reference}")
    case = get_case(reference)
    if is_restricted(case):  # who read a restricted report is on its record
        operations.record_restricted_view(case, actor=current_user, via="page")
        db.session.commit()
    return render_case(case)


@bp.post("/<reference>/suggestions")
def accept_intake_suggestions(reference: str):
    """One click: intake's category, level and site for the fields still unset."""
    case = get_case(reference)
    if not may_accept(current_user, case):
        abort(403)
    form = SuggestionsForm()
    if not form.validate():
        return render_case(case, bound=("suggestions", form), status=422)
    accept_suggestions(case, actor=current_user, expected_version=form.expected_version)
    return done(case, _("Intake's suggestions are accepted: check them, then confirm triage."))
