"""Reading cases: the filtered, permission-scoped, keyset-paginated queue."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from casework.cases.models import Case
from casework.cases.permissions import visible_filter
from casework.extensions import db
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


def decode_cursor(cursor: str) -> int:
    """Raise ValueError on anything that is not a cursor we made."""
    padded = cursor + "=" * (-len(cursor) % 4)
    raw = base64.urlsafe_b64decode(padded.encode()).decode()
    if not raw.startswith("id:"):
        raise ValueError("not a cursor")
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
        query = query.where(Case.assignee_id == int(filters.assignee))
    if filters.q:
        like = f"%{filters.q.strip()}%"
        if user.role == "viewer":  # viewers search what they may read: the public summary
            query = query.where(or_(Case.reference.ilike(like), Case.public_summary.ilike(like)))
        else:
            query = query.where(
                or_(
                    Case.reference.ilike(like),
                    Case.title.ilike(like),
                    Case.description.ilike(like),
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
