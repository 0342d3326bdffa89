"""The posts that change a case: notes, assignment, details, level and its review,
corroborations, mitigation actions, committee decisions, a restricted case's committee
brief, revealing the reporter's phone, publishing and transitions (routes on the cases
blueprint). Thin: load-and-check, call an operation, commit once; the blueprint's error
handlers answer the domain errors.

Forms that overwrite what the user saw (transitions, assignment, details, level, the
level review, committee decisions, the committee brief, publishing and withdrawing the
public summary) send the version to the operation. Appending a note, a corroboration or
an action, or marking an action done, overwrites nothing, so a version that moved on
meanwhile does not stop them (a truly concurrent write still gets the 409).
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from casework.auth.models import User
from casework.cases import operations
from casework.cases.case_views import fill_choices, render_case
from casework.cases.forms import (
    STATUS_LABELS,
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
    TransitionForm,
    UnpublishForm,
)
from casework.cases.models import Case, MitigationAction
from casework.cases.owners import resolve_owner
from casework.cases.permissions import PHONE_ROLES, PUBLISH_ROLES, can_work
from casework.cases.views import (
    TRANSITION_NAMES,
    WORKING_ROLES,
    as_datetime,
    bp,
    done,
    find_site,
    get_case,
)
from casework.committees import operations as committee_ops
from casework.errors import StaleCase
from casework.extensions import db


def _require_work(case: Case) -> None:
    """Read-only users (viewers, admins) may look but never post to a case."""
    if not can_work(current_user, case):
        abort(403)


def _require_publisher(case: Case) -> None:
    """Refused before the form is read, so an officer's post never re-shows the form."""
    _require_work(case)
    if current_user.role not in PUBLISH_ROLES:
        abort(403)


def _check_form_version(case: Case, form) -> None:
    """For operations without ``expected_version``: the same refusal, made here."""
    if form.expected_version != case.version:
        raise StaleCase()


def _invalid(case: Case, slot: str, form):
    return render_case(case, bound=(slot, form), status=422)


@bp.post("/<reference>/notes")
def add_note(reference: str):
    case = get_case(reference)
    _require_work(case)
    form = NoteForm()
    if not form.validate():
        return _invalid(case, "note", form)
    operations.add_note(case, form.text.data, actor=current_user)
    return done(case, _("Your note is on the timeline."))


@bp.post("/<reference>/assign")
def assign(reference: str):
    case = get_case(reference)
    _require_work(case)
    if current_user.role not in WORKING_ROLES:
        abort(403)
    form = AssignForm()
    fill_choices("assign", form, case)
    if not form.validate():
        return _invalid(case, "assign", form)
    assignee_id = int(form.assignee_id.data)
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    operations.assign(case, assignee, actor=current_user, expected_version=form.expected_version)
    if assignee is None:
        message = _("Nobody is assigned to this case now.")
    elif assignee.id == current_user.id:
        message = _("The case is yours now.")
    else:
        message = _("%(name)s is now assigned to this case.", name=assignee.display_name)
    return done(case, message)


@bp.post("/<reference>/details")
def edit_details(reference: str):
    case = get_case(reference)
    _require_work(case)
    if current_user.role not in WORKING_ROLES:  # not a committee's step: before the form
        abort(403)
    form = DetailsForm()
    if not form.validate():
        return _invalid(case, "details", form)
    site = find_site(form.site_code.data)
    if form.site_code.data and site is None:
        form.site_code.errors.append(
            _("No mine site has the code %(code)s.", code=form.site_code.data)
        )
        return _invalid(case, "details", form)
    occurred = form.occurred_on.data
    if occurred is not None and case.occurred_dt and case.occurred_dt.date() == occurred:
        occurred = None  # same day as recorded: keep the recorded time of day
    before = case.version
    operations.update_details(
        case,
        actor=current_user,
        expected_version=form.expected_version,
        title=(form.title.data or "").strip() or None,
        category=form.category.data or None,
        site=site,
        location_text=(form.location_text.data or "").strip(),
        occurred_dt=as_datetime(occurred),
    )
    db.session.flush()
    if case.version == before:
        return done(case, _("Nothing changed."))
    return done(case, _("The case details are saved."))


@bp.post("/<reference>/level")
def change_level(reference: str):
    case = get_case(reference)
    _require_work(case)
    if current_user.role not in WORKING_ROLES:  # not a committee's step: before the form
        abort(403)
    form = LevelForm()
    if not form.validate():
        return _invalid(case, "level", form)
    new_level = int(form.level.data)
    previous = case.level
    operations.change_level(
        case,
        new_level,
        actor=current_user,
        reason=(form.reason.data or "").strip(),
        expected_version=form.expected_version,
    )
    if case.pending_level == new_level and previous == 1:
        message = _(
            "Your request to downgrade this case to Level %(n)s is recorded. "
            "A second supervisor must approve it.",
            n=new_level,
        )
    elif previous == new_level:
        message = _("The case is already at Level %(n)s.", n=new_level)
    else:
        message = _("The case is now Level %(n)s.", n=new_level)
    return done(case, message)


@bp.post("/<reference>/level/approve")
def approve_level(reference: str):
    case = get_case(reference)
    _require_work(case)
    if current_user.role != "supervisor":  # a second pair of eyes: before reading the form
        abort(403)
    form = LevelReviewForm()
    if not form.validate():
        return _invalid(case, "level_review", form)
    operations.approve_level_change(
        case, actor=current_user, expected_version=form.expected_version
    )
    return done(case, _("Downgrade approved: the case is now Level %(n)s.", n=case.level))


@bp.post("/<reference>/level/refuse")
def refuse_level(reference: str):
    case = get_case(reference)
    _require_work(case)
    if current_user.role != "supervisor":  # a second pair of eyes: before reading the form
        abort(403)
    form = LevelReviewForm()
    if not form.validate():
        return _invalid(case, "level_review", form)
    _check_form_version(case, form)
    operations.reject_level_change(
        case, actor=current_user, reason=(form.reason.data or "").strip()
    )
    return done(case, _("Downgrade refused: the case stays Level %(n)s.", n=case.level))


@bp.post("/<reference>/corroborations")
def add_corroboration(reference: str):
    case = get_case(reference)
    _require_work(case)
    form = CorroborationForm()
    if not form.validate():
        return _invalid(case, "corroboration", form)
    operations.add_corroboration(
        case,
        source=form.source.data.strip(),
        summary=(form.summary.data or "").strip(),
        actor=current_user,
    )
    return done(case, _("The corroboration is recorded."))


@bp.post("/<reference>/actions")
def add_action(reference: str):
    case = get_case(reference)
    _require_work(case)
    form = ActionForm()
    fill_choices("action", form, case)
    if not form.validate():
        return _invalid(case, "action", form)
    owner_user, owner_contact = resolve_owner(form.owner.data)
    operations.add_action(
        case,
        description=form.description.data.strip(),
        owner_user=owner_user,
        owner_contact=owner_contact,
        due_date=form.due_date.data,
        actor=current_user,
    )
    return done(case, _("The mitigation action is added."))


@bp.post("/<reference>/actions/<int:action_id>/owner")
def link_action_owner(reference: str, action_id: int):
    """Give an action whose owner is a name alone to a user or a contact from the list."""
    case = get_case(reference)
    _require_work(case)
    if current_user.role not in WORKING_ROLES:
        abort(403)
    action = db.session.get(MitigationAction, action_id)
    if action is None or action.case_id != case.id:
        abort(404)
    form = LinkOwnerForm()
    fill_choices("link_owner", form, case)
    if not form.validate():
        problems = [error for errors in form.errors.values() for error in errors]
        return render_case(case, status=422, problems=problems)
    user, contact = resolve_owner(form.owner.data)
    operations.link_action_owner(action, user=user, contact=contact, actor=current_user)
    return done(case, _("The action's owner is now %(name)s.", name=action.owner))


@bp.post("/<reference>/actions/<int:action_id>/done")
def complete_action(reference: str, action_id: int):
    case = get_case(reference)
    _require_work(case)
    action = db.session.get(MitigationAction, action_id)
    if action is None or action.case_id != case.id:
        abort(404)
    form = ActionDoneForm()
    if not form.validate():
        return _invalid(case, "action_done", form)
    operations.complete_action(action, actor=current_user)
    return done(case, _("The action is marked done."))


@bp.post("/<reference>/reveal-phone")
def reveal_phone(reference: str):
    """Show the reporter's number once, on this response only; the access is audited.

    The number is never flashed (the flash lives in the session cookie), logged or put in
    a URL; the page carries ``Cache-Control: no-store`` like every logged-in page.
    """
    case = get_case(reference)
    if current_user.role not in PHONE_ROLES:  # before reading the form (the operation checks too)
        abort(403)
    form = RevealPhoneForm()
    if not form.validate():
        return _invalid(case, "reveal_phone", form)
    phone = operations.reveal_phone(case, actor=current_user)
    db.session.commit()
    return render_case(case, revealed_phone=phone)


@bp.post("/<reference>/publish")
def publish(reference: str):
    case = get_case(reference)
    _require_publisher(case)
    form = PublishForm()
    if not form.validate():
        return _invalid(case, "publish", form)
    was_published = case.is_published
    operations.publish(
        case, summary=form.summary.data, actor=current_user, expected_version=form.expected_version
    )
    if was_published:
        return done(case, _("The public summary is updated."))
    return done(case, _("The summary is published: member companies and auditors can read it now."))


@bp.post("/<reference>/unpublish")
def unpublish(reference: str):
    case = get_case(reference)
    _require_publisher(case)
    form = UnpublishForm()
    if not form.validate():
        return _invalid(case, "unpublish", form)
    operations.unpublish(
        case,
        actor=current_user,
        reason=form.reason.data.strip(),
        expected_version=form.expected_version,
    )
    return done(case, _("The summary is withdrawn: viewers no longer see this case."))


@bp.post("/<reference>/brief")
def save_brief(reference: str):
    """The committee brief of a restricted case: what its committee reads instead of it."""
    case = get_case(reference)
    _require_work(case)
    if current_user.role != "supervisor":
        abort(403)
    form = BriefForm()
    if not form.validate():
        return _invalid(case, "brief", form)
    _check_form_version(case, form)
    committee_ops.write_brief(case, form.brief.data, actor=current_user)
    return done(case, _("The committee brief is saved; it is on the case record."))


@bp.post("/<reference>/transitions/<name>")
def fire_transition(reference: str, name: str):
    case = get_case(reference)
    if name not in TRANSITION_NAMES:
        abort(404)
    _require_work(case)
    form = TransitionForm()
    fill_choices("transition", form, case)
    if not form.validate():
        return _invalid(case, "transition", form)
    data: dict[str, Any] = {}
    for key in TRANSITION_INPUTS.get(name, ()):
        value = form[key].data
        if isinstance(value, str):
            value = value.strip()
        if value:
            data[key] = value
    expected = form.expected_version
    if name == "mark_duplicate":
        _check_form_version(case, form)
        original_ref = data.pop("duplicate_of", "")
        if not original_ref:
            form.duplicate_of.errors.append(_("Give the reference of the original case."))
            return _invalid(case, "transition", form)
        original = db.session.scalar(select(Case).where(Case.reference == original_ref.upper()))
        if original is None:
            form.duplicate_of.errors.append(
                _("No case has the reference %(ref)s. Check it and try again.", ref=original_ref)
            )
            return _invalid(case, "transition", form)
        operations.link_duplicate(case, original, actor=current_user)
        data["duplicate_of_id"] = case.duplicate_of_id
        expected = None  # checked above; linking moved the version on
    operations.fire(case, name, actor=current_user, expected_version=expected, **data)
    status = STATUS_LABELS.get(case.status, case.status)
    return done(case, _("Case %(ref)s is now %(status)s.", ref=case.reference, status=status))
