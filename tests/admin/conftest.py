"""Fixtures for the admin pages: a case whose reporter can be written to, and helpers."""

from __future__ import annotations

import pytest

from casework.reporters.models import Reporter
from notifications.models import OutboxMessage

PHONE = "+243812345678"


@pytest.fixture
def reported_case(db, make_case):
    reporter = Reporter.for_phone(PHONE, country="CD", language="sw")
    db.session.add(reporter)
    db.session.commit()
    return make_case(reporter=reporter)


def outbox_rows(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))
