"""Case queues and the case page. Thin: load-and-check, call an operation, commit once.

Domain errors raised by operations are turned into HTTP by this blueprint's error
handlers, which re-show the page the user posted from with their input kept:

- `StaleCase` (the form's ``version`` is not the case's) and `StaleDataError` (another
  request committed between our read and our write) answer 409 with a conflict message;
  nothing is saved. The re-shown form carries the case's *current* version, so submitting
  it again is a deliberate choice made after seeing the other person's change.
- `GuardFailed` and `InvalidInput` answer 422 with the sentences saying what is missing.
- `PermissionDenied` answers 403; `TransitionNotAllowed` 403 when the role may never fire
  the transition, 409 when the case has moved to a state where it does not apply.

Forms that overwrite what the user saw (transitions, assignment, details, level, the
level review, committee decisions, publishing and withdrawing the public summary) send
the version to the operation. Appending a note, a corroboration or an action, or marking
an action done, overwrites nothing, so a version that moved on meanwhile does not stop
them (a truly concurrent write still gets the 409).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Forbidden

from casework import clock
from casework.auth.forms import ROLE_LABELS
from casework.auth.models import User
from casework.cases import operations
from casework.cases.forms import (
    CHANNEL_LABELS,
    LANGUAGE_LABELS,
    OUTCOME_LABELS,
    RESOLUTION_LABELS,
    STATUS_LABELS,
    TRANSITION_INPUTS,
    TRANSITION_LABELS,
    ActionDoneForm,
    ActionForm,
    AssignForm,
    CorroborationForm,
    DecisionForm,
    DetailsForm,
    FilterForm,
    LevelForm,
    LevelReviewForm,
    LinkOwnerForm,
    NewReportForm,
    NoteForm,
    PublishForm,
    RevealPhoneForm,
    TransitionForm,
    UnpublishForm,
    category_label,
    choices,
)
from casework.cases.models import Case, MitigationAction
from casework.cases.owners import owner_choices, resolve_owner
from casework.cases.permissions import (
    PHONE_ROLES,
    PUBLISH_ROLES,
    can_view,
    can_work,
    sees_full_case,
    sees_masked_phone,
)
from casework.cases.queries import CaseFilters, page_of_cases
from casework.committees.models import Committee
from casework.errors import (
    GuardFailed,
    InvalidInput,
    PermissionDenied,
    StaleCase,
    TransitionNotAllowed,
)
from casework.extensions import db
from casework.intake.operations import unfiled_messages
from casework.sites.models import Site
from workflows import TRANSITIONS, allowed_transitions, check, transition

bp = Blueprint("cases", __name__, url_prefix="/cases")
bp.add_app_template_global(sees_masked_phone, "sees_masked_phone")

QUEUE_PAGE_SIZE = 50
FILTER_KEYS = ("status", "level", "category", "assignee", "site", "q")
WORKING_ROLES = frozenset({"officer", "supervisor"})
ACTION_STATES = frozenset({"verified", "escalated", "mitigation", "monitoring"})
_TRANSITION_NAMES = frozenset(t.name for t in TRANSITIONS)


def conflict_message() -> str:
    return _(
        "Someone else changed this case while you were editing it, so nothing was saved. "
        "The page now shows the case as it is, with your input kept below: check it against "
        "their changes and submit again, or reload the page to start over."
    )


# ------------------------------------------------------------------ loading and checks


def get_case(reference: str) -> Case:
    """Load a case for the current user: 404 when it does not exist, 403 when not theirs."""
    case = db.session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None:
        abort(404)
    if not can_view(current_user, case):
        abort(403)
    return case


def _require_work(case: Case) -> None:
    """Read-only users (viewers, admins) may look but never post to a case."""
    if not can_work(current_user, case):
        abort(403)


def _require_publisher(case: Case) -> None:
    """Refused before the form is read, so an officer's post never re-shows the form."""
    _require_work(case)
    if current_user.role not in PUBLISH_ROLES:
        abort(403)


def _find_site(code: str | None) -> Site | None:
    code = (code or "").strip()
    if not code:
        return None
    return db.session.scalar(select(Site).where(func.upper(Site.code) == code.upper()))


def _level(value: str | None) -> int | None:
    return int(value) if value else None


def _as_datetime(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0, 0), tzinfo=UTC) if day else None


def _check_form_version(case: Case, form) -> None:
    """For operations without ``expected_version``: the same refusal, made here."""
    if form.expected_version != case.version:
        raise StaleCase()


# ------------------------------------------------------------------ template helpers


@bp.app_template_filter("when")
def _format_when(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


@bp.record_once
def _label_globals(state) -> None:
    # Macros imported without context ({% from "_macros.html" import status_badge %}) see
    # the environment's globals but not what context processors add.
    state.app.jinja_env.globals["status_labels"] = STATUS_LABELS


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "transition_labels": TRANSITION_LABELS,
        "resolution_labels": RESOLUTION_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "language_labels": LANGUAGE_LABELS,
        "category_label": category_label,
        "get_locale": get_locale,
        "has_endpoint": _has_endpoint,
    }


def _has_endpoint(endpoint: str) -> bool:
    """Links to other areas only when they are installed (e.g. the SMS simulator)."""
    return endpoint in current_app.view_functions


# ------------------------------------------------------------------ the queue


def _filters_from_args() -> tuple[FilterForm, CaseFilters, dict[str, str]]:
    form = FilterForm(formdata=request.args)
    if current_user.role == "supervisor":
        form.assignee.choices = [
            *form.assignee.choices,
            *choices((str(u.id), u.display_name) for u in _assignable_users()),
        ]
    form.validate()
    active = {}
    for key in FILTER_KEYS:
        field = form[key]
        value = (field.data or "").strip() if isinstance(field.data, str) else ""
        if value and not field.errors:
            active[key] = value
    if current_user.role == "viewer":
        # A viewer sees only published summaries; text search over the report itself
        # would tell them what unpublished text says.
        active.pop("q", None)
    filters = CaseFilters(
        status=active.get("status"),
        level=_level(active.get("level")),
        category=active.get("category"),
        site=active.get("site", "").upper() or None,
        assignee=active.get("assignee"),
        q=active.get("q"),
    )
    return form, filters, active


def _render_queue(report_form: NewReportForm | None = None, status: int = 200):
    filter_form, filters, active = _filters_from_args()
    try:
        cases, next_cursor = page_of_cases(
            current_user, filters, cursor=request.args.get("cursor"), limit=QUEUE_PAGE_SIZE
        )
    except ValueError:
        abort(400, _("That link to older cases is not valid; start again from the first page."))
    may_report = current_user.role in WORKING_ROLES
    # Inbound SMS that should be on a case and are not (see `unfiled_messages`): none, once
    # intake works; should any exist, supervisors must be able to find and read them.
    unfiled_count, unfiled = unfiled_messages() if current_user.role == "supervisor" else (0, [])
    if may_report and report_form is None:
        report_form = NewReportForm(formdata=None)
    return (
        render_template(
            "cases/queue.html",
            cases=cases,
            next_cursor=next_cursor,
            active_filters=active,
            filter_form=filter_form,
            report_form=report_form if may_report else None,
            report_open=status != 200,
            is_paged=bool(request.args.get("cursor")),
            now=clock.now(),
            full_view=current_user.role != "viewer",
            unfiled=unfiled,
            unfiled_count=unfiled_count,
        ),
        status,
    )


@bp.get("")
def queue():
    return _render_queue()


@bp.post("/new")
def new_report():
    """A report taken by phone, in the field or by email, typed in by an officer."""
    if current_user.role not in WORKING_ROLES:
        abort(403)
    form = NewReportForm()
    if not form.validate():
        return _render_queue(form, 422)
    site = _find_site(form.site_code.data)
    if form.site_code.data and site is None:
        form.site_code.errors.append(
            _("No mine site has the code %(code)s.", code=form.site_code.data)
        )
        return _render_queue(form, 422)
    try:
        case = operations.create_case(
            description=form.description.data,
            channel=form.channel.data,
            actor=current_user,
            title=(form.title.data or "").strip(),
            category=form.category.data or None,
            level=_level(form.level.data),
            site=site,
            location_text=(form.location_text.data or "").strip(),
            occurred_dt=_as_datetime(form.occurred_on.data),
            language=form.language.data or None,
        )
    except InvalidInput as exc:
        db.session.rollback()
        form.description.errors.append(str(exc))
        return _render_queue(form, 422)
    db.session.commit()
    flash(_("Case %(ref)s is open. Give the reporter this reference.", ref=case.reference), "info")
    return redirect(url_for("cases.detail", reference=case.reference))


# ------------------------------------------------------------------ the case page


def _assignable_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(WORKING_ROLES), User.is_enabled.is_(True))
            .order_by(User.name, User.email)
        )
    )


def _committees() -> list[Committee]:
    return list(db.session.scalars(select(Committee).order_by(Committee.name)))


def _fill_choices(slot: str, form, case: Case) -> None:
    """Choices that come from the database, for the forms that have them."""
    if slot == "assign":
        # Officers only see a "take this case" button; whether they may assign somebody
        # else is the operation's call (403), not a form error.
        form.assignee_id.choices = choices(
            [
                ("0", _("nobody")),
                *(
                    (str(u.id), f"{u.display_name} ({ROLE_LABELS.get(u.role, u.role)})")
                    for u in _assignable_users()
                ),
            ]
        )
    elif slot in ("action", "link_owner"):
        form.owner.choices = owner_choices(case)
    elif slot == "transition":
        form.committee_id.choices = choices(
            [("", _("choose...")), *((str(c.id), c.name) for c in _committees())]
        )


def _default_forms(case: Case) -> dict[str, Any]:
    """The forms the current user may use on this case, unbound, at the case's version."""
    user = current_user
    version = str(case.version)
    work = can_work(user, case)
    forms: dict[str, Any] = {"transitions": {}}

    def make(slot, cls, **data):
        form = cls(formdata=None, data={"version": version, **data})
        _fill_choices(slot, form, case)
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
        forms["details"] = make(
            "details",
            DetailsForm,
            title=case.title,
            category=case.category or "",
            site_code=case.site.code if case.site else "",
            location_text=case.location_text,
            occurred_on=case.occurred_dt.date() if case.occurred_dt else None,
        )
        forms["level"] = make("level", LevelForm, level=str(case.level or ""))
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
    decides = user.role == "supervisor" or (
        user.role == "committee" and case.committee_id in user.committee_ids
    )
    if decides and case.status in operations.DECISION_STATES and case.committee_id:
        forms["decision"] = make("decision", DecisionForm)
    if user.role in PHONE_ROLES and case.reporter is not None:
        forms["reveal_phone"] = make("reveal_phone", RevealPhoneForm)
    if user.role in PUBLISH_ROLES:
        if operations.can_publish(case):
            forms["publish"] = make("publish", PublishForm, summary=case.public_summary)
        if case.is_published:
            forms["unpublish"] = make("unpublish", UnpublishForm)
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
        _fill_choices(slot, form, case)
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
    return render_case(get_case(reference))


def _done(case: Case, message: str):
    """Commit the request's one transaction, then show the case again (post/redirect/get)."""
    db.session.commit()
    flash(message, "info")
    return redirect(url_for("cases.detail", reference=case.reference))


def _invalid(case: Case, slot: str, form):
    return render_case(case, bound=(slot, form), status=422)


# ------------------------------------------------------------------ posting to a case


@bp.post("/<reference>/notes")
def add_note(reference: str):
    case = get_case(reference)
    _require_work(case)
    form = NoteForm()
    if not form.validate():
        return _invalid(case, "note", form)
    operations.add_note(case, form.text.data, actor=current_user)
    return _done(case, _("Your note is on the timeline."))


@bp.post("/<reference>/assign")
def assign(reference: str):
    case = get_case(reference)
    _require_work(case)
    if current_user.role not in WORKING_ROLES:
        abort(403)
    form = AssignForm()
    _fill_choices("assign", form, case)
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
    return _done(case, message)


@bp.post("/<reference>/details")
def edit_details(reference: str):
    case = get_case(reference)
    _require_work(case)
    form = DetailsForm()
    if not form.validate():
        return _invalid(case, "details", form)
    site = _find_site(form.site_code.data)
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
        occurred_dt=_as_datetime(occurred),
    )
    db.session.flush()
    if case.version == before:
        return _done(case, _("Nothing changed."))
    return _done(case, _("The case details are saved."))


@bp.post("/<reference>/level")
def change_level(reference: str):
    case = get_case(reference)
    _require_work(case)
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
    return _done(case, message)


@bp.post("/<reference>/level/approve")
def approve_level(reference: str):
    case = get_case(reference)
    _require_work(case)
    form = LevelReviewForm()
    if not form.validate():
        return _invalid(case, "level_review", form)
    operations.approve_level_change(
        case, actor=current_user, expected_version=form.expected_version
    )
    return _done(case, _("Downgrade approved: the case is now Level %(n)s.", n=case.level))


@bp.post("/<reference>/level/refuse")
def refuse_level(reference: str):
    case = get_case(reference)
    _require_work(case)
    form = LevelReviewForm()
    if not form.validate():
        return _invalid(case, "level_review", form)
    _check_form_version(case, form)
    operations.reject_level_change(
        case, actor=current_user, reason=(form.reason.data or "").strip()
    )
    return _done(case, _("Downgrade refused: the case stays Level %(n)s.", n=case.level))


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
    return _done(case, _("The corroboration is recorded."))


@bp.post("/<reference>/actions")
def add_action(reference: str):
    case = get_case(reference)
    _require_work(case)
    form = ActionForm()
    _fill_choices("action", form, case)
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
    return _done(case, _("The mitigation action is added."))


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
    _fill_choices("link_owner", form, case)
    if not form.validate():
        problems = [error for errors in form.errors.values() for error in errors]
        return render_case(case, status=422, problems=problems)
    user, contact = resolve_owner(form.owner.data)
    operations.link_action_owner(action, user=user, contact=contact, actor=current_user)
    return _done(case, _("The action's owner is now %(name)s.", name=action.owner))


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
    return _done(case, _("The action is marked done."))


@bp.post("/<reference>/decisions")
def record_decision(reference: str):
    case = get_case(reference)
    _require_work(case)
    form = DecisionForm()
    if not form.validate():
        return _invalid(case, "decision", form)
    _check_form_version(case, form)
    operations.record_decision(
        case,
        outcome=form.outcome.data,
        summary=(form.summary.data or "").strip(),
        actor=current_user,
    )
    return _done(case, _("The committee's decision is recorded."))


@bp.post("/<reference>/reveal-phone")
def reveal_phone(reference: str):
    """Show the reporter's number once, on this response only; the access is audited.

    The number is never flashed (the flash lives in the session cookie), logged or put in
    a URL; the page carries ``Cache-Control: no-store`` like every logged-in page.
    """
    case = get_case(reference)
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
        return _done(case, _("The public summary is updated."))
    return _done(
        case, _("The summary is published: member companies and auditors can read it now.")
    )


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
    return _done(case, _("The summary is withdrawn: viewers no longer see this case."))


@bp.post("/<reference>/transitions/<name>")
def fire_transition(reference: str, name: str):
    case = get_case(reference)
    if name not in _TRANSITION_NAMES:
        abort(404)
    _require_work(case)
    form = TransitionForm()
    _fill_choices("transition", form, case)
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
    return _done(case, _("Case %(ref)s is now %(status)s.", ref=case.reference, status=status))


# ------------------------------------------------------------------ domain errors -> HTTP

# The form each POST endpoint reads, so an error handler can show it again as posted.
POSTED_FORMS: dict[str, tuple[str, type]] = {
    "cases.add_note": ("note", NoteForm),
    "cases.assign": ("assign", AssignForm),
    "cases.edit_details": ("details", DetailsForm),
    "cases.change_level": ("level", LevelForm),
    "cases.approve_level": ("level_review", LevelReviewForm),
    "cases.refuse_level": ("level_review", LevelReviewForm),
    "cases.add_corroboration": ("corroboration", CorroborationForm),
    "cases.add_action": ("action", ActionForm),
    "cases.complete_action": ("action_done", ActionDoneForm),
    "cases.link_action_owner": ("link_owner", LinkOwnerForm),
    "cases.record_decision": ("decision", DecisionForm),
    "cases.reveal_phone": ("reveal_phone", RevealPhoneForm),
    "cases.publish": ("publish", PublishForm),
    "cases.unpublish": ("unpublish", UnpublishForm),
    "cases.fire_transition": ("transition", TransitionForm),
}


def _reshow(status: int, problems: list[str], *, conflict: bool = False):
    """After a rollback: the case as it is now, the posted form as the user typed it."""
    reference = (request.view_args or {}).get("reference")
    if reference is None:  # not a case page: nothing to re-show
        abort(status)
    case = get_case(reference)
    slot_form = POSTED_FORMS.get(request.endpoint or "")
    bound = (slot_form[0], slot_form[1]()) if slot_form else None
    return render_case(case, bound=bound, status=status, problems=problems, conflict=conflict)


@bp.errorhandler(StaleCase)
@bp.errorhandler(StaleDataError)
def _on_stale(exc):
    db.session.rollback()
    current_app.logger.info("stale case edit refused at %s", request.endpoint)
    return _reshow(409, [conflict_message()], conflict=True)


@bp.errorhandler(GuardFailed)
def _on_guard_failed(exc: GuardFailed):
    db.session.rollback()
    return _reshow(422, [_(reason) for reason in exc.reasons])


@bp.errorhandler(InvalidInput)
def _on_invalid_input(exc: InvalidInput):
    db.session.rollback()
    return _reshow(422, [str(exc)])  # a lazy_gettext sentence: str() translates it


# The codes in a workflow refusal, shown as the labels the user sees on the page.
_REFUSAL_LABELS = {"status": STATUS_LABELS, "transition": TRANSITION_LABELS, "role": ROLE_LABELS}


def _refusal(exc: TransitionNotAllowed) -> str:
    """The workflow's English msgid in the user's language, its codes as labels."""
    params = {
        key: _REFUSAL_LABELS[key].get(code, code) if key in _REFUSAL_LABELS else code
        for key, code in exc.params.items()
    }
    return _(exc.message, **params)


@bp.errorhandler(TransitionNotAllowed)
def _on_transition_not_allowed(exc: TransitionNotAllowed):
    db.session.rollback()
    name = (request.view_args or {}).get("name", "")
    if name in _TRANSITION_NAMES and current_user.role in transition(name).roles:
        # The role may fire it, but not from where the case is now.
        return _reshow(409, [_refusal(exc)])
    return current_app.handle_http_exception(Forbidden(_refusal(exc)))


@bp.errorhandler(PermissionDenied)
def _on_permission_denied(exc: PermissionDenied):
    db.session.rollback()
    return current_app.handle_http_exception(Forbidden(str(exc)))


from casework.cases import age_views  # noqa: E402, F401  (the time-limit form's route, on bp)
