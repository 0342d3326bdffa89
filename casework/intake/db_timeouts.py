"""Short database waits for the SMS webhook, so that a lock or a stalled database ends in
the spool, well before gunicorn's worker timeout (30 s) kills the request.

Inside `bounded`, every transaction the session begins first sets, on PostgreSQL,
``lock_timeout`` and ``statement_timeout`` for that transaction only (``set_config(...,
true)``, which is ``SET LOCAL``: nothing outlives the transaction); on SQLite, the
connection's ``busy_timeout``, put back to the usual 5 s when the connection returns to
the pool. ``CASEWORK_INTAKE_DB_TIMEOUT_MS`` (default 3000) sets both.

On SQLite a writer may first wait for the writer queue's file lock (`casework.sqlite`,
5 s at most) when another Casework connection is writing; a lock held by any other
program (``sqlite3``, a backup tool) is met by the busy timeout alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import current_app
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from casework.extensions import db

_KEY = "casework.intake_timeout_ms"
_SHORTENED = "casework.busy_timeout_shortened"
SQLITE_BUSY_TIMEOUT_MS = 5000  # as set on connect (casework.sqlite.enable_sqlite_pragmas)


def timeout_ms() -> int:
    return max(1, int(current_app.config.get("CASEWORK_INTAKE_DB_TIMEOUT_MS") or 3000))


@contextlib.contextmanager
def bounded() -> Iterator[None]:
    """Every transaction begun in this block waits at most ``timeout_ms`` for a lock or a
    statement."""
    _listen()
    session = db.session()
    session.info[_KEY] = timeout_ms()
    if session.in_transaction():  # begun before the block: bound the rest of it too
        _on_begin(session, None, session.connection())
    try:
        yield
    finally:
        session.info.pop(_KEY, None)


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database could not take the work (a timeout, a lock, a
    refused or broken connection, an exhausted pool), rather than that the work is wrong."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _listen() -> None:
    if not event.contains(db.session, "after_begin", _on_begin):
        event.listen(db.session, "after_begin", _on_begin)


def _on_begin(session, transaction, connection) -> None:
    ms = session.info.get(_KEY)
    if not ms:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "SELECT set_config('lock_timeout', :t, true), "
                "set_config('statement_timeout', :t, true)"
            ),
            {"t": f"{int(ms)}ms"},
        )
    elif connection.dialect.name == "sqlite":
        pooled = connection.connection
        _restore_on_checkin(connection.engine)
        pooled.driver_connection.execute(f"PRAGMA busy_timeout = {int(ms)}")
        pooled.info[_SHORTENED] = True


def _restore_on_checkin(engine) -> None:
    if not event.contains(engine.pool, "checkin", _on_checkin):
        event.listen(engine.pool, "checkin", _on_checkin)


def _on_checkin(dbapi_connection, connection_record) -> None:
    if dbapi_connection is not None and connection_record.info.pop(_SHORTENED, False):
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
