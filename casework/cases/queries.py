"""Reading cases: the filtered, permission-scoped, keyset-paginated queue."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import selectinload

from casework.cases.models import Case
from casework.cases.permissions import visible_filter
from casework.extensions import db
from casework.inputs import LIKE_ESCAPE, is_row_id, like_pattern
from casework.sites.models import Site


@dataclass
class CaseFilters:
    status: str | None = None
    level: int | None = None
    category: str | None = None
    site: str | None = None  # site code
    assignee: int | str | None = None  # user id, or "me" / "none"
    q: str | None = None


def encode_cursor(case_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{case_id}".encode()).decode().rstrip("=")


class BadCursor(ValueError):
    """A cursor we did not make (edited, truncated, out of range)."""


def decode_cursor(cursor: str) -> int:
    """The case id in a cursor we made; BadCursor on anything else."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (ValueError, UnicodeError):
        raise BadCursor("not a cursor") from None
    if not raw.startswith("id:") or not is_row_id(raw[3:]):
        raise BadCursor("not a cursor")
    return int(raw[3:])


def case_query(user, filters: CaseFilters) -> Select:
    query = select(Case).where(visible_filter(user))
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.level:
        query = query.where(Case.level == filters.level)
    if filters.category:
        query = query.where(Case.category == filters.category)
    if filters.site:
        query = query.join(Site, Case.site_id == Site.id).where(Site.code == filters.site)
    if filters.assignee == "me":
        query = query.where(Case.assignee_id == user.id)
    elif filters.assignee == "none":
        query = query.where(Case.assignee_id.is_(None))
    elif filters.assignee:
        if not is_row_id(str(filters.assignee)):
            return query.where(false())  # nobody has that id
        query = query.where(Case.assignee_id == int(filters.assignee))
    if filters.q:
        like = like_pattern(filters.q.strip())
        if user.role == "viewer":  # viewers search what they may read: the public summary
            query = query.where(
                or_(
                    Case.reference.ilike(like, escape=LIKE_ESCAPE),
                    Case.public_summary.ilike(like, escape=LIKE_ESCAPE),
                )
            )
        else:
            query = query.where(
                or_(
                    Case.reference.ilike(like, escape=LIKE_ESCAPE),
                    Case.title.ilike(like, escape=LIKE_ESCAPE),
                    Case.description.ilike(like, escape=LIKE_ESCAPE),
                )
            )
    return query


def page_of_cases(
    user, filters: CaseFilters, *, cursor: str | None, limit: int
) -> tuple[list[Case], str | None]:
    """Newest first, keyset on id: a page never shifts when new cases arrive."""
    query = (
        case_query(user, filters)
        .options(selectinload(Case.site), selectinload(Case.assignee))
        .order_by(Case.id.desc())
    )
    if cursor:
        query = query.where(Case.id < decode_cursor(cursor))
    rows = list(db.session.scalars(query.limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor
