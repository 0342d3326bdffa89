"""The cases blueprint and what its route modules share: loading a case for the current
user, the helpers and labels templates use, and the error handlers.

The routes live by idea: `queue_views` (the queue and a new report), `case_views` (the case
page), `action_views` (the posts that change a case) and `age_views` (the time limit); all
attach to `bp`, so endpoints stay ``cases.<name>``.

Domain errors raised by operations are turned into HTTP by this blueprint's error
handlers, which re-show the page the user posted from with their input kept:

- `StaleCase` (the form's ``version`` is not the case's) and `StaleDataError` (another
  request committed between our read and our write) answer 409 with a conflict message;
  nothing is saved. The re-shown form carries the case's *current* version, so submitting
  it again is a deliberate choice made after seeing the other person's change.
- `GuardFailed` and `InvalidInput` answer 422 with the sentences saying what is missing.
- `PermissionDenied` answers 403; `TransitionNotAllowed` 403 when the role may never fire
  the transition, 409 when the case has moved to a state where it does not apply.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Forbidden

from casework.auth.forms import ROLE_LABELS
from casework.auth.models import User
from casework.cases.forms import (
    CHANNEL_LABELS,
    LANGUAGE_LABELS,
    OUTCOME_LABELS,
    RESOLUTION_LABELS,
    STATUS_LABELS,
    TRANSITION_LABELS,
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
    category_label,
)
from casework.cases.models import Case
from casework.cases.permissions import can_view, sees_masked_phone
from casework.errors import (
    GuardFailed,
    InvalidInput,
    PermissionDenied,
    StaleCase,
    TransitionNotAllowed,
)
from casework.extensions import db
from casework.sites.models import Site
from workflows import TRANSITIONS, transition

bp = Blueprint("cases", __name__, url_prefix="/cases")
bp.add_app_template_global(sees_masked_phone, "sees_masked_phone")

WORKING_ROLES = frozenset({"officer", "supervisor"})
TRANSITION_NAMES = frozenset(t.name for t in TRANSITIONS)


def conflict_message() -> str:
    return _(
        "Someone else changed this case while you were editing it, so nothing was saved. "
        "The page now shows the case as it is, with your input kept below: check it against "
        "their changes and submit again, or reload the page to start over."
    )


# ------------------------------------------------------------------ shared by the routes


def get_case(reference: str) -> Case:
    """Load a case for the current user: 404 when it does not exist, 403 when not theirs."""
    case = db.session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None:
        abort(404)
    if not can_view(current_user, case):
        abort(403)
    return case


def find_site(code: str | None) -> Site | None:
    code = (code or "").strip()
    if not code:
        return None
    return db.session.scalar(select(Site).where(func.upper(Site.code) == code.upper()))


def as_datetime(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0, 0), tzinfo=UTC) if day else None


def assignable_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(WORKING_ROLES), User.is_enabled.is_(True))
            .order_by(User.name, User.email)
        )
    )


def done(case: Case, message: str):
    """Commit the request's one transaction, then show the case again (post/redirect/get)."""
    db.session.commit()
    flash(message, "info")
    return redirect(url_for("cases.detail", reference=case.reference))


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
    "cases.reveal_phone": ("reveal_phone", RevealPhoneForm),
    "cases.publish": ("publish", PublishForm),
    "cases.unpublish": ("unpublish", UnpublishForm),
    "cases.save_brief": ("brief", BriefForm),
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
    if name in TRANSITION_NAMES and current_user.role in transition(name).roles:
        # The role may fire it, but not from where the case is now.
        return _reshow(409, [_refusal(exc)])
    return current_app.handle_http_exception(Forbidden(_refusal(exc)))


@bp.errorhandler(PermissionDenied)
def _on_permission_denied(exc: PermissionDenied):
    db.session.rollback()
    return current_app.handle_http_exception(Forbidden(str(exc)))


# The routes, on bp; last, since they import the above.
from casework.cases import (  # noqa: E402, F401
    action_views,
    age_views,
    case_views,
    export_views,
    queue_views,
)
from casework.cases.case_views import render_case  # noqa: E402
from casework.reporters import hold_views  # noqa: E402, F401  (the legal hold)
