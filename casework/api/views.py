"""The JSON read API: the same permissions as the UI, phone numbers never included."""

from __future__ import annotations

from flask import Blueprint, current_app, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from casework.api.contract import Param, documented
from casework.api.errors import problem
from casework.api.schemas import CaseList, CaseOut
from casework.cases.models import CATEGORIES, Case
from casework.cases.operations import events_of, record_restricted_view
from casework.cases.permissions import (
    can_view,
    is_restricted,
    sees_full_case,
    sees_masked_phone,
)
from casework.cases.queries import BadCursor, CaseFilters, page_of_cases
from casework.error_pages import problem_for
from casework.extensions import db
from casework.inputs import is_row_id
from casework.messages.models import Message
from workflows import STATES

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return problem_for(exc)  # never an exception's own text


def _iso(dt):
    return dt.isoformat() if dt else None


def case_summary(case: Case, *, full: bool) -> dict:
    data = {
        "reference": case.reference,
        "status": case.status,
        "category": case.category,
        "level": case.level,
        "site": case.site.code if case.site else None,
        "reported_dt": _iso(case.reported_dt),
        "url": url_for("api.case_detail", reference=case.reference, _external=False),
    }
    if not full:  # viewers: the published, redacted summary only
        data["summary"] = case.public_summary
        return data
    data.update(
        {
            "title": case.title,
            "description": case.description,
            "language": case.language,
            "channel": case.channel,
            "location": case.location_text,
            "assignee": case.assignee.email if case.assignee else None,
            "committee": case.committee.name if case.committee else None,
            "due_dt": _iso(case.due_dt),
            "resolution": case.resolution,
            "is_published": case.is_published,
            "reporter": (
                case.reporter.phone_masked
                if case.reporter and sees_masked_phone(current_user, case)
                else ("on file" if case.reporter else None)
            ),
            "version": case.version,
            "pending_level": case.pending_level,
            # What intake guessed from the report, for whoever triages it.
            "suggestions": {
                "category": case.suggested_category,
                "level": case.suggested_level,
                "site": case.suggested_site.code if case.suggested_site else None,
            },
        }
    )
    return data


def _filters() -> CaseFilters:
    args = request.args
    status, category = args.get("status"), args.get("category")
    if status and status not in STATES:
        raise ValueError(f"status must be one of: {', '.join(STATES)}")
    if category and category not in CATEGORIES:
        raise ValueError(f"category must be one of: {', '.join(CATEGORIES)}")
    level = args.get("level")
    if level and level not in {"1", "2", "3"}:
        raise ValueError("level must be 1, 2 or 3")
    assignee = args.get("assignee")
    if assignee and assignee not in {"me", "none"} and not is_row_id(assignee):
        raise ValueError("assignee must be a user id, 'me' or 'none'")
    return CaseFilters(
        status=status or None,
        level=int(level) if level else None,
        category=category or None,
        site=args.get("site") or None,
        assignee=assignee or None,
        q=args.get("q") or None,
    )


@bp.get("/cases")
@documented(
    "List the cases the user may read, newest first",
    tag="Cases",
    response=CaseList,
    errors=(400, 401),
    query=(
        Param("status", {"type": "string", "enum": list(STATES)}),
        Param("level", {"type": "string", "enum": ["1", "2", "3"]}),
        Param("category", {"type": "string", "enum": list(CATEGORIES)}),
        Param("site", {"type": "string", "maxLength": 40}, "A mine site code."),
        Param(
            "assignee",
            {"type": "string", "pattern": "^(me|none|[1-9][0-9]{0,8})$"},
            "A user id, 'me' or 'none'.",
        ),
        Param("q", {"type": "string", "maxLength": 200}, "Words of the report or title."),
        Param("cursor", {"type": "string", "maxLength": 200}, "From the previous page's next."),
        Param("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
    ),
)
def cases():
    try:
        filters = _filters()
        limit = request.args.get("limit", current_app.config["CASEWORK_API_PAGE_SIZE"], type=int)
        if not 1 <= limit <= 200:
            raise ValueError("limit must be between 1 and 200")
        items, next_cursor = page_of_cases(
            current_user,
            filters,
            cursor=request.args.get("cursor"),
            limit=limit,
            # What a listed case shows beyond its site and assignee: one query each a page.
            related=(Case.reporter, Case.committee, Case.suggested_site),
        )
    except BadCursor:
        return problem(400, "Bad request", "The cursor is not valid; start again without one.")
    except ValueError as exc:  # only our own sentences above reach here
        return problem(400, "Bad request", str(exc))
    return {"items": [_listed(c) for c in items], "next": next_cursor}


def _listed(case: Case) -> dict:
    data = case_summary(case, full=sees_full_case(current_user, case))
    if is_restricted(case) and "description" in data:
        # A restricted report (its title is often its first words) is read one case at a
        # time, on the detail, which records the read.
        data["title"] = data["description"] = None
    return data


@bp.get("/cases/<reference>")
@documented(
    "Read a case: its record, messages and intake's suggestions (viewers: the summary)",
    tag="Cases",
    response=CaseOut,
)
def case_detail(reference: str):
    case = db.session.scalar(select(Case).where(Case.reference == reference.upper()))
    if case is None:
        return problem(404, "Not found", "No case has that reference.")
    if not can_view(current_user, case):
        return problem(403, "Forbidden", "You may not read this case.")
    if is_restricted(case):  # who read a restricted report is on its record
        record_restricted_view(case, actor=current_user, via="api")
        db.session.commit()
    full = sees_full_case(current_user, case)
    data = case_summary(case, full=full)
    if full:
        data["events"] = [
            {
                "seq": e.seq,
                "kind": e.kind,
                "at": _iso(e.created_dt),
                "actor": e.actor.email if e.actor else None,
                "data": e.data,
            }
            for e in events_of(case)
            if e.kind != "phone_revealed" or current_user.role == "supervisor"
        ]
        data["messages"] = [
            {
                "direction": m.direction,
                "channel": m.channel,
                "body": m.body,
                "language": m.language,
                "status": m.status,
                "at": _iso(m.created_dt),
                "media": m.media,
                "is_flagged": m.is_flagged,
            }
            for m in db.session.scalars(
                select(Message).where(Message.case_id == case.id).order_by(Message.id)
            )
        ]
    return data


# The committees' routes, the case writes and the document, on bp; last: they import it.
from casework.api import committees, docs, writes  # noqa: E402, F401
