"""Reading cases: the filtered, permission-scoped, keyset-paginated queue.

The queue has views (open, overdue, waiting for me, closed, all) and two sorts (newest
first, or soonest deadline first). Paging is keyset on the sort's own key, ``(reported_dt,
id)`` or ``(due_dt, id)``, carried in an opaque cursor: a page never shifts when new cases
arrive, and a cursor made for one sort is refused by the other.
"""

from __future__ import annotations

import base64
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, and_, false, func, or_, select, tuple_
from sqlalchemy.orm import selectinload

from casework import clock
from casework.cases import search
from casework.cases.models import Case
from casework.cases.permissions import visible_filter
from casework.extensions import db
from casework.inputs import LIKE_ESCAPE, is_row_id, like_pattern
from casework.sites.models import Site
from workflows import STATES, TRANSITIONS

# The queue's views, in the order the tabs show them.
VIEWS = ("open", "overdue", "waiting", "closed", "all")
SORTS = ("newest", "deadline")
OPEN_STATES = tuple(s for s in STATES if s != "closed")
# States in which a committee member has a step to take (read from the workflow).
COMMITTEE_STATES = frozenset(s for t in TRANSITIONS if "committee" in t.roles for s in t.source)
# Roles for whom "waiting for me" can hold anything.
WAITING_ROLES = frozenset({"supervisor", "officer", "committee"})


@dataclass
class CaseFilters:
    status: str | None = None
    level: int | None = None
    category: str | None = None
    site: str | None = None  # a site's code, or (part of) its name
    assignee: int | str | None = None  # user id, or "me" / "none"
    q: str | None = None
    view: str | None = None  # one of VIEWS; None: every case (the API, the export command)


class BadCursor(ValueError):
    """A cursor we did not make (edited, truncated, out of range, or for another sort)."""


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def encode_cursor(case: Case, sort: str = "newest") -> str:
    """``n:<reported_dt>|<id>`` or ``d:<due_dt or ->|<id>``, base64: the last row's sort key."""
    if sort == "deadline":
        due = case.due_dt.isoformat() if case.due_dt else "-"
        return _b64(f"d:{due}|{case.id}")
    return _b64(f"n:{case.reported_dt.isoformat()}|{case.id}")


def decode_cursor(cursor: str, sort: str = "newest") -> tuple[datetime | None, int]:
    """The sort key in a cursor we made for ``sort``; BadCursor on anything else."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (ValueError, UnicodeError):
        raise BadCursor("not a cursor") from None
    prefix = "d:" if sort == "deadline" else "n:"
    when, bar, ident = raw[2:].rpartition("|")
    if not raw.startswith(prefix) or not bar or not is_row_id(ident):
        raise BadCursor("not a cursor")
    if when == "-" and sort == "deadline":
        return None, int(ident)
    try:
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None:  # we write the offset: a cursor without one is not ours
            raise ValueError("naive")
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 in a zone east of UTC
        raise BadCursor("not a cursor") from None
    return moment, int(ident)


def view_filter(user, view: str | None):
    """The SQL condition of a queue view for ``user`` (None: no condition)."""
    # The open states named (not "status != 'closed'"): an index on (status, due_dt) can
    # then serve the overdue view and its count on PostgreSQL.
    is_open = Case.status.in_(OPEN_STATES)
    if view == "open":
        return is_open
    if view == "closed":
        return Case.status == "closed"
    if view == "overdue":
        return and_(is_open, Case.due_dt < clock.now())
    if view == "waiting":
        return and_(is_open, waiting_for(user))
    return None


def waiting_for(user):
    """What waits for ``user``: a supervisor's Level 1 downgrades to approve (asked by
    someone else) and their cases; an officer's cases; a committee member's cases in a
    state where their committee has a step to take."""
    if user.role == "supervisor":
        return or_(
            and_(Case.pending_level.is_not(None), Case.pending_level_by_id != user.id),
            Case.assignee_id == user.id,
        )
    if user.role == "officer":
        return Case.assignee_id == user.id
    if user.role == "committee":
        ids = list(user.committee_ids)
        if not ids:
            return false()
        return and_(Case.committee_id.in_(ids), Case.status.in_(sorted(COMMITTEE_STATES)))
    return false()


def sites_matching(text: str) -> Select:
    """Sites whose code is ``text`` (any case) or whose name contains it."""
    text = text.strip()
    return select(Site.id).where(
        or_(
            func.upper(Site.code) == text.upper(),
            Site.name.ilike(like_pattern(text), escape=LIKE_ESCAPE),
        )
    )


def case_query(user, filters: CaseFilters) -> Select:
    query = select(Case).where(visible_filter(user))
    in_view = view_filter(user, filters.view)
    if in_view is not None:
        query = query.where(in_view)
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.level:
        query = query.where(Case.level == filters.level)
    if filters.category:
        query = query.where(Case.category == filters.category)
    if filters.site:
        query = query.where(Case.site_id.in_(sites_matching(filters.site)))
    if filters.assignee == "me":
        query = query.where(Case.assignee_id == user.id)
    elif filters.assignee == "none":
        query = query.where(Case.assignee_id.is_(None))
    elif filters.assignee:
        if not is_row_id(str(filters.assignee)):
            return query.where(false())  # nobody has that id
        query = query.where(Case.assignee_id == int(filters.assignee))
    if filters.q:
        reference = search.find_reference(filters.q)
        if reference:  # else a reference-like search (THE-DEAD-CREW) is words
            return query.where(Case.reference == reference)
        condition = search.matching(
            filters.q,
            summary_only=user.role == "viewer",  # viewers search what they may read
            dialect=db.session.get_bind().dialect.name,
        )
        if condition is None:  # punctuation only: nothing to look for
            return query.where(false())
        query = query.where(condition)
    return query


def _ordered(query: Select, sort: str, cursor: str | None) -> Select:
    if sort == "deadline":
        # Soonest deadline first; cases with no deadline running last, oldest first.
        query = query.order_by(Case.due_dt.asc().nulls_last(), Case.id.asc())
        if cursor:
            due, ident = decode_cursor(cursor, "deadline")
            if due is None:
                query = query.where(Case.due_dt.is_(None), Case.id > ident)
            else:
                query = query.where(
                    or_(tuple_(Case.due_dt, Case.id) > (due, ident), Case.due_dt.is_(None))
                )
        return query
    query = query.order_by(Case.reported_dt.desc(), Case.id.desc())
    if cursor:
        reported, ident = decode_cursor(cursor, "newest")
        query = query.where(tuple_(Case.reported_dt, Case.id) < (reported, ident))
    return query


def page_of_cases(
    user,
    filters: CaseFilters,
    *,
    cursor: str | None,
    limit: int,
    sort: str = "newest",
    related: tuple = (),
) -> tuple[list[Case], str | None]:
    """One page in ``sort`` order (newest reported first, or soonest deadline first), keyset
    on the sort's key; BadCursor for a cursor we did not make for this sort. The site and
    assignee come with the page, and each of ``related`` (more relationships of Case) in
    one query for the whole page."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of: {', '.join(SORTS)}")
    loads = (Case.site, Case.assignee, *related)
    query = _ordered(
        case_query(user, filters).options(*(selectinload(r) for r in loads)), sort, cursor
    )
    rows = list(db.session.scalars(query.limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1], sort) if len(rows) > limit else None
    return rows[:limit], next_cursor


# Counting stops here: a tab says "10000+" rather than count a million rows each time; with
# a text search, "1000+" (the words are checked on every row counted).
COUNT_CAP = 10_000


def count_cap(filters: CaseFilters) -> int:
    return search.FEW if filters.q else COUNT_CAP


def view_counts(user, filters: CaseFilters, views=VIEWS) -> dict[str, int]:
    """How many cases each view holds with the other filters applied, capped at
    `count_cap` + 1 (a count above the cap means "more than the cap"). "all" is open +
    closed."""
    cap = count_cap(filters)
    counts: dict[str, int] = {}
    for view in views:
        if view == "all":
            continue
        capped = (
            case_query(user, _with_view(filters, view))
            .with_only_columns(Case.id)
            .limit(cap + 1)
            .subquery()
        )
        with search.through_indexes() if filters.q else nullcontext():
            counts[view] = db.session.scalar(select(func.count()).select_from(capped)) or 0
    if "all" in views:
        counts["all"] = min(counts.get("open", 0) + counts.get("closed", 0), cap + 1)
    return counts


def _with_view(filters: CaseFilters, view: str) -> CaseFilters:
    return CaseFilters(**{**vars(filters), "view": view})
