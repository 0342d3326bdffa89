"""Admin changes at the same moment on PostgreSQL (two admins, two workers): every change
is on the log, the chain stays one line and `casework audit verify` passes, including the
very first changes of a fresh install (before the log's head row exists)."""

from __future__ import annotations

import threading

import pytest

from casework.admin.log import record_admin_change, verify_admin_log
from casework.extensions import db as _db

pytestmark = pytest.mark.postgres


def at_once(app, count: int) -> None:
    """``count`` threads, each with its own application context (session and connection),
    released together, each appending one entry and committing."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def change(n: int) -> None:
        try:
            with app.app_context():
                _db.session.connection()  # connected before the barrier, like a busy worker
                barrier.wait(timeout=10)
                record_admin_change(None, "site.update", ("site", n, f"site {n}"), after={"n": n})
                _db.session.commit()
        except BaseException as error:  # surfaced below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=change, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_the_first_changes_of_a_fresh_install_made_at_once_are_all_logged(app, db):
    at_once(app, 4)
    checked, broken = verify_admin_log()
    assert (checked, broken) == (4, None)


def test_changes_made_at_once_queue_on_one_chain(app, db):
    record_admin_change(None, "site.update", ("site", 0, "site 0"), after={"n": 0})
    db.session.commit()
    at_once(app, 4)
    db.session.expire_all()
    checked, broken = verify_admin_log()
    assert (checked, broken) == (5, None)
