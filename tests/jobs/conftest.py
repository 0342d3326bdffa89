"""Helpers for the scheduled jobs' tests: a movable frozen clock, and what was told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from casework import clock
from casework.cases.models import CaseEvent
from casework.notices.models import Notice
from notifications.models import OutboxMessage

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Kinshasa


@pytest.fixture
def at():
    """``at(moment)`` moves Casework's frozen clock; it starts at `START`."""
    clock.freeze(START)
    yield clock.freeze
    clock.freeze(None)


def notices(db, kind: str | None = None, user=None) -> list[Notice]:
    db.session.expire_all()
    stmt = select(Notice).order_by(Notice.id)
    if kind is not None:
        stmt = stmt.where(Notice.kind == kind)
    if user is not None:
        stmt = stmt.where(Notice.user_id == user.id)
    return list(db.session.scalars(stmt))


def outbox(db, recipient: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient is not None:
        stmt = stmt.where(OutboxMessage.recipient == recipient)
    return list(db.session.scalars(stmt))


def events(db, case, kind: str) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
            .order_by(CaseEvent.seq)
        )
    )
