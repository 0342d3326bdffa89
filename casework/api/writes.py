"""Writes to a case through the API: every change a user can make on the case page.

Each endpoint takes a JSON body (a pydantic model, which also documents it) with the case
``version`` it was based on, and answers with the case as it is now (its new version):

- 401 without a bearer token (a browser's session cookie never writes here: these posts
  are exempt from CSRF), or with a wrong, revoked or expired one;
- 403 when the token lacks the write scope or its user may not make this change;
- 404 when nothing has that reference (or action id);
- 422 with per-field ``errors`` when the body is invalid, or the operation refuses it;
- 409 (problem+json) when the case moved on from ``version``, or is in a state where the
  transition does not apply.

They call the operations the case page calls (casework/cases/operations.py) and commit
once. Unlike the page's append-only forms (note, corroboration, action, action done), every
API write checks ``version``: a program should not act on a case it has not read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from flask import abort, g, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from casework.api.contract import MAX_ID, documented
from casework.api.errors import problem
from casework.api.schemas import WriteResult
from casework.api.views import bp, case_summary
from casework.auth.models import User
from casework.cases import operations
from casework.cases.forms import TRANSITION_INPUTS
from casework.cases.models import CATEGORIES, Case, MitigationAction
from casework.cases.owners import owner_users, resolve_owner
from casework.cases.permissions import can_view, can_work
from casework.cases.views import TRANSITION_NAMES, WORKING_ROLES, as_datetime, find_site
from casework.errors import (
    GuardFailed,
    InvalidInput,
    PermissionDenied,
    StaleCase,
    TransitionNotAllowed,
)
from casework.extensions import csrf, db
from workflows import CLOSING_RESOLUTIONS, transition

WRITE_ERRORS = (401, 403, 404, 409, 422)
TAG = "Case writes"

CategoryCode = Literal[tuple(CATEGORIES)]  # type: ignore[valid-type]
ClosingResolution = Literal[tuple(CLOSING_RESOLUTIONS)]  # type: ignore[valid-type]


# ------------------------------------------------------------------ bodies


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(
        ge=1, le=MAX_ID, description="The case's version this write is based on (from a read)."
    )

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold U+0000: refused here, not a database error later.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("Text may not contain the NUL character (U+0000).")
        return value


class TransitionBody(_Body):
    """The data a transition takes: close needs a resolution; reject, close as
    unsubstantiated and reopen a reason; escalate a committee; mark as duplicate the
    original's reference. Other transitions take only the version."""

    resolution: ClosingResolution | None = None  # type: ignore[valid-type]
    comment: str | None = Field(None, max_length=5000)
    reason: str | None = Field(None, max_length=5000)
    committee_id: int | None = Field(None, ge=1, le=MAX_ID)
    duplicate_of: str | None = Field(None, max_length=20, description="The original's reference.")


class NoteBody(_Body):
    text: str = Field(min_length=1, max_length=20000)


class AssignBody(_Body):
    assignee: str | None = Field(
        max_length=255, description="An officer's or supervisor's email; null: nobody."
    )


class DetailsBody(_Body):
    """Only what is given changes (null or absent: as it is)."""

    title: str | None = Field(None, max_length=200)
    category: CategoryCode | None = None  # type: ignore[valid-type]
    site: str | None = Field(None, max_length=40, description="A mine site code.")
    location: str | None = Field(None, max_length=300)
    occurred_on: date | None = None


class LevelBody(_Body):
    level: Literal[1, 2, 3]
    reason: str = Field(
        "", max_length=5000, description="Required to downgrade a Level 1 case (it then waits "
        "for a second supervisor's approval)."
    )  # fmt: skip


class ApproveBody(_Body):
    pass


class RefuseBody(_Body):
    reason: str = Field("", max_length=5000)


class CorroborationBody(_Body):
    source: str = Field(min_length=1, max_length=200)
    summary: str = Field("", max_length=20000)


class ActionBody(_Body):
    description: str = Field(min_length=1, max_length=5000)
    owner: str = Field(
        pattern=r"^(user|contact):[1-9][0-9]{0,8}$",
        description="user:<id> (who may see the case) or contact:<id> (an active stakeholder "
        "contact), as the case page's owner list offers.",
    )
    due_date: date


class ActionDoneBody(_Body):
    pass


# ------------------------------------------------------------------ errors


class _FieldProblem(Exception):
    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _unprocessable(errors: list[dict[str, Any]]):
    return problem(422, "Invalid request", "See errors: one per problem.", errors=errors)


@bp.errorhandler(ValidationError)
def _on_invalid_body(exc: ValidationError):
    db.session.rollback()
    return _unprocessable(
        [
            {"field": ".".join(str(p) for p in e["loc"]) or None, "message": e["msg"]}
            for e in exc.errors(include_url=False)
        ]
    )


@bp.errorhandler(_FieldProblem)
def _on_field_problem(exc: _FieldProblem):
    db.session.rollback()
    return _unprocessable([{"field": exc.field, "message": exc.message}])


@bp.errorhandler(InvalidInput)
def _on_invalid_input(exc: InvalidInput):
    db.session.rollback()
    return _unprocessable([{"field": None, "message": str(exc)}])


@bp.errorhandler(GuardFailed)
def _on_guard_failed(exc: GuardFailed):
    db.session.rollback()
    return _unprocessable([{"field": None, "message": _(reason)} for reason in exc.reasons])


@bp.errorhandler(StaleCase)
@bp.errorhandler(StaleDataError)
def _on_stale(exc: Exception):
    db.session.rollback()
    return problem(
        409,
        "Stale case",
        "The case changed since the version you sent, so nothing was saved. "
        "Read it again, then decide anew.",
    )


@bp.errorhandler(PermissionDenied)
def _on_permission_denied(exc: PermissionDenied):
    db.session.rollback()
    return problem(403, "Forbidden", str(exc))


@bp.errorhandler(TransitionNotAllowed)
def _on_transition_not_allowed(exc: TransitionNotAllowed):
    db.session.rollback()
    name = (request.view_args or {}).get("name", "")
    detail = _(exc.message, **exc.params)
    if name in TRANSITION_NAMES and current_user.role in transition(name).roles:
        return problem(409, "Not in this state", detail)  # the role may; the case is elsewhere
    return problem(403, "Forbidden", detail)


# ------------------------------------------------------------------ the write guard


def refuse_without_write_token():
    """401 unless the request came with a bearer token, 403 unless it may write; else None.

    A session cookie rides along on a forged cross-site request and these posts have no
    CSRF token; an ``Authorization`` header does not ride along."""
    if not g.get("authenticated_by_token"):
        response = problem(
            401,
            "Bearer token required",
            "Writes through the API need an 'Authorization: Bearer <token>' header with a "
            "write token; in the browser, use the case's or the meeting's page.",
        )
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if "write" not in g.get("token_scopes", frozenset()):
        return problem(
            403,
            "Read-only token",
            "This token may only read. Ask an admin for a write token "
            "(casework tokens create EMAIL --scope write).",
        )
    return None


def write_route(rule: str, summary: str, *, body: type[_Body], description: str = "", **doc):
    """A POST under /api/v1 that needs a write token: documented, CSRF-exempt, guarded."""

    def register(view: Callable[..., Any]):
        @functools.wraps(view)
        def guarded(**kwargs):
            refusal = refuse_without_write_token()
            if refusal is not None:
                return refusal
            return view(**kwargs)

        documented(
            summary,
            tag=TAG,
            description=description or (body.__doc__ or "").strip(),
            body=body,
            response=WriteResult,
            errors=WRITE_ERRORS,
            needs_write=True,
            **doc,
        )(guarded)
        csrf.exempt(guarded)
        bp.post(rule)(guarded)
        return guarded

    return register


def _body(model: type[_Body]) -> Any:
    """The request's JSON body as ``model`` (a ValidationError answers 422)."""
    raw = request.get_data(cache=True)
    if not request.is_json:
        raise _FieldProblem(None, "Send a JSON object with Content-Type: application/json.")
    return model.model_validate_json(raw or b"null")


def _case(reference: str, *, roles: frozenset[str] | None = None) -> Case:
    """The case, if the token's user may change it: 404 or 403 otherwise."""
    case = db.session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None:
        abort(404, "No case has that reference.")
    if not can_view(current_user, case) or not can_work(current_user, case):
        abort(403, "You may not change this case.")
    if roles is not None and current_user.role not in roles:
        abort(403, "Your role may not make this change.")
    return case


def _check(case: Case, version: int) -> None:
    """For operations that take no ``expected_version``: the same refusal, made here."""
    if version != case.version:
        raise StaleCase()


def _done(case: Case, **extra: Any):
    """Commit the request's one transaction; answer with the case as it is now."""
    db.session.commit()
    return {"case": case_summary(case, full=True), **extra}


def _action_out(action: MitigationAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "description": action.description,
        "owner": action.owner,
        "due_date": action.due_date.isoformat() if action.due_date else None,
        "is_done": action.is_done,
    }


# ------------------------------------------------------------------ the writes


@write_route(
    "/cases/<reference>/transitions/<name>",
    "Fire a lifecycle transition",
    body=TransitionBody,
    path_enums={"name": tuple(sorted(TRANSITION_NAMES))},
)
def fire_transition(reference: str, name: str):
    if name not in TRANSITION_NAMES:
        abort(404, "No transition has that name.")
    case = _case(reference)
    data = _body(TransitionBody)
    inputs = TRANSITION_INPUTS.get(name, ())
    given: dict[str, Any] = {}
    for key in ("resolution", "comment", "reason", "committee_id", "duplicate_of"):
        value = getattr(data, key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            continue
        if key not in inputs:
            raise _FieldProblem(key, f"The {name} transition takes no {key}.")
        given[key] = value
    expected: int | None = data.version
    if name == "mark_duplicate":
        _check(case, data.version)
        reference_of_original = given.pop("duplicate_of", "")
        if not reference_of_original:
            raise _FieldProblem("duplicate_of", "Give the reference of the original case.")
        original = db.session.scalar(
            select(Case).where(Case.reference == reference_of_original.upper())
        )
        if original is None:
            raise _FieldProblem("duplicate_of", "No case has that reference.")
        operations.link_duplicate(case, original, actor=current_user)
        given["duplicate_of_id"] = case.duplicate_of_id
        expected = None  # checked above; linking moved the version on
    operations.fire(case, name, actor=current_user, expected_version=expected, **given)
    return _done(case)


@write_route("/cases/<reference>/notes", "Add a note to the timeline", body=NoteBody)
def add_note(reference: str):
    case = _case(reference)
    data = _body(NoteBody)
    _check(case, data.version)
    operations.add_note(case, data.text, actor=current_user)
    return _done(case)


@write_route("/cases/<reference>/assign", "Assign the case (or nobody)", body=AssignBody)
def assign(reference: str):
    case = _case(reference, roles=WORKING_ROLES)
    data = _body(AssignBody)
    assignee = None
    if data.assignee is not None:
        email = data.assignee.strip().lower()
        assignee = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if assignee is None or not assignee.is_enabled:
            raise _FieldProblem("assignee", "No enabled user has that email.")
    operations.assign(case, assignee, actor=current_user, expected_version=data.version)
    return _done(case)


@write_route("/cases/<reference>/details", "Update the case's details", body=DetailsBody)
def update_details(reference: str):
    case = _case(reference, roles=WORKING_ROLES)
    data = _body(DetailsBody)
    site = None
    if data.site is not None and data.site.strip():
        site = find_site(data.site)
        if site is None:
            raise _FieldProblem("site", "No mine site has that code.")
    occurred = data.occurred_on
    if occurred is not None and case.occurred_dt and case.occurred_dt.date() == occurred:
        occurred = None  # same day as recorded: keep the recorded time of day
    operations.update_details(
        case,
        actor=current_user,
        expected_version=data.version,
        title=(data.title.strip() or None) if data.title is not None else None,
        category=data.category,
        site=site,
        location_text=data.location.strip() if data.location is not None else None,
        occurred_dt=as_datetime(occurred),
    )
    return _done(case)


@write_route(
    "/cases/<reference>/level",
    "Change the level",
    body=LevelBody,
    description="A downgrade of a Level 1 case is recorded as a request (pending_level) "
    "that a second supervisor approves or refuses.",
)
def change_level(reference: str):
    case = _case(reference, roles=WORKING_ROLES)
    data = _body(LevelBody)
    operations.change_level(
        case,
        data.level,
        actor=current_user,
        reason=data.reason.strip(),
        expected_version=data.version,
    )
    return _done(case)


@write_route(
    "/cases/<reference>/level/approve",
    "Approve a pending Level 1 downgrade (another supervisor)",
    body=ApproveBody,
)
def approve_level(reference: str):
    case = _case(reference, roles=frozenset({"supervisor"}))
    data = _body(ApproveBody)
    operations.approve_level_change(case, actor=current_user, expected_version=data.version)
    return _done(case)


@write_route(
    "/cases/<reference>/level/refuse", "Refuse a pending Level 1 downgrade", body=RefuseBody
)
def refuse_level(reference: str):
    case = _case(reference, roles=frozenset({"supervisor"}))
    data = _body(RefuseBody)
    _check(case, data.version)
    operations.reject_level_change(case, actor=current_user, reason=data.reason.strip())
    return _done(case)


@write_route("/cases/<reference>/corroborations", "Record a corroboration", body=CorroborationBody)
def add_corroboration(reference: str):
    case = _case(reference)
    data = _body(CorroborationBody)
    _check(case, data.version)
    operations.add_corroboration(
        case, source=data.source.strip(), summary=data.summary.strip(), actor=current_user
    )
    return _done(case)


@write_route("/cases/<reference>/actions", "Add a mitigation action", body=ActionBody)
def add_action(reference: str):
    case = _case(reference)
    data = _body(ActionBody)
    _check(case, data.version)
    owner_user, owner_contact = resolve_owner(data.owner)
    if owner_user is not None and owner_user not in owner_users(case):
        owner_user = None  # only someone the page's list would offer
    if owner_user is None and owner_contact is None:
        raise _FieldProblem("owner", "Nobody who may own this case's actions has that id.")
    action = operations.add_action(
        case,
        description=data.description.strip(),
        owner_user=owner_user,
        owner_contact=owner_contact,
        due_date=data.due_date,
        actor=current_user,
    )
    return _done(case, action=_action_out(action))


@write_route(
    "/cases/<reference>/actions/<int:action_id>/done",
    "Mark a mitigation action done",
    body=ActionDoneBody,
)
def complete_action(reference: str, action_id: int):
    case = _case(reference)
    action = db.session.get(MitigationAction, action_id) if action_id <= MAX_ID else None
    if action is None or action.case_id != case.id:
        abort(404, "This case has no action with that id.")
    data = _body(ActionDoneBody)
    _check(case, data.version)
    operations.complete_action(action, actor=current_user)
    return _done(case, action=_action_out(action))
