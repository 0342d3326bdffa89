"""What every sweep shares: claiming due rows and moving a row's reminder marker once.

The sweeps are safe to run twice at once (two schedulers, or ``casework jobs run`` beside
the scheduler) and to kill at any moment:

- rows are read in batches, each batch in its own transaction, committed before the next,
  so a killed run loses at most the batch it was in, and that batch left nothing behind;
- on PostgreSQL a batch is read ``FOR UPDATE SKIP LOCKED``: two sweeps take disjoint rows;
- a row's marker (a stage, a next reminder date) moves by compare-and-set before anything
  is queued: the sweep that loses the race sends nothing;
- every notice carries a dedupe key naming the row, the step and the date it is about.

Markers are written with Core statements, never through the ORM, so a case's ``version``
does not move: a reminder never makes an officer's open form stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Table, and_, tuple_, update

from casework.extensions import db

BATCH = 100


def claim(stmt: Select, *of: Any) -> Select:
    """``stmt`` locking the rows it returns and skipping those another sweep holds
    (PostgreSQL; SQLite has one writer at a time and ignores the clause)."""
    return stmt.with_for_update(skip_locked=True, of=list(of) or None)


def batches(stmt: Select, model: Any, batch: int, by: Any = None) -> Iterator[list[Any]]:
    """The rows ``stmt`` selects, claimed ``batch`` at a time in (``by``, id) order; each
    batch is committed once the caller has handled it (before the next is read)."""
    order = [by, model.id] if by is not None else [model.id]
    after: tuple[Any, ...] | None = None
    while True:
        page = stmt if after is None else stmt.where(tuple_(*order) > tuple_(*after))
        rows = list(db.session.scalars(claim(page.order_by(*order).limit(batch), model)))
        if not rows:
            return
        yield rows
        db.session.commit()
        if len(rows) < batch:
            return
        last = rows[-1]
        after = (getattr(last, by.key), last.id) if by is not None else (last.id,)


def compare_and_set(table: Table, row_id: int, expected: dict[str, Any], **values: Any) -> bool:
    """Set ``values`` on row ``row_id`` only if its columns still hold ``expected``; whether
    this call moved it. The loser of a race, or a rerun after a commit, gets False."""
    conditions = [table.c.id == row_id]
    for name, value in expected.items():
        column = table.c[name]
        conditions.append(column.is_(None) if value is None else column == value)
    result = db.session.execute(update(table).where(and_(*conditions)).values(**values))
    return bool(getattr(result, "rowcount", 0) == 1)


def stamp(moment: datetime) -> str:
    """A dedupe-key-friendly instant: ``20261102T0900``."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
