"""Several dispatchers and concurrent enqueuers at once: PostgreSQL (SKIP LOCKED) is the
production case; the dispatchers must not double-send on SQLite's single writer either."""

from __future__ import annotations

import threading
import time

import pytest

from notifications.models import OutboxMessage
from notifications.outbox import DispatchReport, dispatch, enqueue


def test_two_dispatchers_at_once_send_each_row_once(app, db, phonebook, twilio_fake):
    twilio_fake.delay = 0.005  # widen the window in which both are working
    count = 60
    for n in range(count):
        enqueue("sms", "test:amani", f"Message {n}")
    db.session.commit()

    start = threading.Barrier(2)
    reports: list[DispatchReport] = []
    errors: list[BaseException] = []

    def dispatcher() -> None:
        with app.app_context():  # its own session, as a separate process would have
            try:
                start.wait(timeout=10)
                total = DispatchReport()
                while (report := dispatch(batch=5)).claimed:
                    total += report
                reports.append(total)
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []

    bodies = [message["body"] for message in twilio_fake.sent]
    assert sorted(bodies) == sorted(f"Message {n}" for n in range(count))  # each exactly once
    assert len(twilio_fake.creates()) == count
    assert sum(r.sent for r in reports) == count
    assert all(r.sent > 0 for r in reports), reports  # both really worked
    db.session.expire_all()
    statuses = db.session.scalars(db.select(OutboxMessage.status)).all()
    assert set(statuses) == {"sent"}


@pytest.mark.postgres
def test_concurrent_enqueues_of_one_dedupe_key_keep_one_row(app, db, phonebook):
    first = enqueue("sms", "test:amani", "A", dedupe_key="reminder:case:1:triage")
    assert first is not None
    result: dict[str, object] = {}

    def other_transaction() -> None:
        with app.app_context():
            try:
                # Blocks on the unique index until the first transaction commits, then loses.
                result["row"] = enqueue("sms", "test:neema", "B", dedupe_key=first.dedupe_key)
                enqueue("sms", "test:neema", "B, unrelated")  # its transaction still works
                db.session.commit()
            except BaseException as exc:
                result["error"] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=other_transaction)
    thread.start()
    time.sleep(0.3)
    db.session.commit()
    thread.join(timeout=30)
    assert "error" not in result, result
    assert result["row"] is None
    db.session.expire_all()
    bodies = sorted(db.session.scalars(db.select(OutboxMessage.body)))
    assert bodies == ["A", "B, unrelated"]
