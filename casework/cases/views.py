"""Case queues and the case page. Thin: load-and-check, call an operation, commit once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from casework.cases.models import CATEGORIES, Case
from casework.cases.operations import events_of, fire
from casework.cases.permissions import can_view, can_work
from casework.cases.queries import CaseFilters, page_of_cases
from casework.errors import CaseworkError, GuardFailed, PermissionDenied, StaleCase
from casework.extensions import db
from workflows import STATES, allowed_transitions

bp = Blueprint("cases", __name__, url_prefix="/cases")


def get_case(reference: str) -> Case:
    """Load a case for the current user: 404 when it does not exist, 403 when not theirs."""
    case = db.session.scalar(select(Case).where(Case.reference == reference.upper()))
    if case is None:
        abort(404)
    if not can_view(current_user, case):
        abort(403)
    return case


@bp.get("")
def queue():
    filters = CaseFilters(
        status=request.args.get("status") or None,
        level=request.args.get("level", type=int),
        category=request.args.get("category") or None,
        site=request.args.get("site") or None,
        assignee=request.args.get("assignee") or None,
        q=request.args.get("q") or None,
    )
    try:
        cases, next_cursor = page_of_cases(
            current_user, filters, cursor=request.args.get("cursor"), limit=50
        )
    except ValueError:
        abort(400)
    return render_template(
        "cases/queue.html",
        cases=cases,
        next_cursor=next_cursor,
        filters=filters,
        states=STATES,
        categories=CATEGORIES,
    )


@bp.get("/<reference>")
def detail(reference: str):
    case = get_case(reference)
    transitions = (
        allowed_transitions(case, current_user.role) if can_work(current_user, case) else []
    )
    return render_template(
        "cases/detail.html",
        case=case,
        events=events_of(case),
        transitions=transitions,
    )


@bp.post("/<reference>/transitions/<name>")
def fire_transition(reference: str, name: str):
    case = get_case(reference)
    data = {k: v for k, v in request.form.items() if k not in {"csrf_token", "version"}}
    try:
        fire(
            case,
            name,
            actor=current_user,
            expected_version=request.form.get("version", type=int),
            **data,
        )
        db.session.commit()
    except StaleCase as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.detail", reference=case.reference)), 409
    except PermissionDenied as exc:
        db.session.rollback()
        abort(403, str(exc))
    except GuardFailed as exc:
        db.session.rollback()
        for reason in exc.reasons:
            flash(reason, "error")
        return redirect(url_for("cases.detail", reference=case.reference))
    except CaseworkError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("cases.detail", reference=case.reference))
    flash(_("Case %(ref)s is now %(status)s.", ref=case.reference, status=case.status), "info")
    return redirect(url_for("cases.detail", reference=case.reference))
