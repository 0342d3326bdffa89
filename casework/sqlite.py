"""SQLite settings that make it a fair embedded default: WAL, foreign keys, a busy wait, and
writers that queue instead of sleeping.

SQLite lets one writer in at a time; a connection that finds the write lock taken retries
from its busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25... up to 100 ms between tries
and is not woken when the lock is released. With two web workers writing all the time,
the lock sits free while the waiter sleeps, and the other worker's next request often
takes it first (SMS intake on SQLite: about 135 requests/s, p99 near 190 ms; with the
queue about 230 requests/s, p99 near 100 ms; see bench/README.md).

`WriterQueueConnection` puts a file lock (``flock`` on ``<database>-writer.lock``) in front
of SQLite's: a connection takes it just before the first write of its transaction and
gives it back as soon as the transaction has committed or rolled back; a waiting writer
polls it every 0.1-1 ms, so the next writer starts about when the last one is done.
Readers never touch it (WAL readers do not wait for writers). SQLite's own locking and
durability are unchanged (same journal mode, same synchronous setting): the file lock
only orders the writers, and a writer that waited WRITER_WAIT for it goes on to SQLite's
own busy wait as before.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Statements that take SQLite's write lock (pysqlite opens a transaction before DML).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "WITH")
# How long to wait for the file lock before leaving it to SQLite's own busy timeout
# (a writer on another connection of the same thread could otherwise wait forever).
WRITER_WAIT = 5.0


def _is_write(sql: str) -> bool:
    head = sql.lstrip()[:8].upper()
    return head.startswith(_WRITES)


class WriterQueueCursor(sqlite3.Cursor):
    connection: WriterQueueConnection

    def execute(self, sql: str, parameters: Any = (), /) -> WriterQueueCursor:
        conn = self.connection
        if conn.writer_fd is not None and not conn.queued and _is_write(sql):
            conn.acquire_writer_lock()
        try:
            super().execute(sql, parameters)
            return self
        finally:
            conn.release_if_idle()

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> WriterQueueCursor:
        conn = self.connection
        if conn.writer_fd is not None and not conn.queued and _is_write(sql):
            conn.acquire_writer_lock()
        try:
            super().executemany(sql, seq_of_parameters)
            return self
        finally:
            conn.release_if_idle()


class WriterQueueConnection(sqlite3.Connection):
    """A pysqlite connection whose writers queue on a file lock; see the module docstring.
    Pass it as ``sqlite3.connect(..., factory=WriterQueueConnection)``."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self.holds_writer_lock = False
        self.queued = False  # this transaction has been through the queue
        self.writer_fd: int | None = None
        path = os.fspath(database)
        if isinstance(path, bytes):
            path = path.decode()
        if path and path != ":memory:" and not path.startswith("file:"):
            self.writer_fd = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory or WriterQueueCursor)

    # sqlite3's shortcuts make their cursor in C, past cursor(): route them through it.
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, seq_of_parameters)

    def acquire_writer_lock(self) -> None:
        """Wait for the file lock; after WRITER_WAIT, go on to SQLite's own busy wait (and
        do not queue again before this transaction ends)."""
        assert self.writer_fd is not None
        deadline = None
        delay = 0.0001
        while True:
            try:
                fcntl.flock(self.writer_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                now = time.monotonic()
                if deadline is None:
                    deadline = now + WRITER_WAIT
                elif now >= deadline:
                    break
                time.sleep(delay)
                delay = min(delay * 2, 0.001)
            else:
                self.holds_writer_lock = True
                break
        self.queued = True

    def release_if_idle(self) -> None:
        """Once no transaction is open (after a commit, a rollback, or an autocommit
        statement), give the lock back."""
        if self.queued and not self.in_transaction:
            self.queued = False
            if self.holds_writer_lock:
                self.holds_writer_lock = False
                assert self.writer_fd is not None
                fcntl.flock(self.writer_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_if_idle()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_if_idle()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._close_lock_file()

    def __del__(self) -> None:
        # A connection dropped without close() (SQLite rolls it back) must not keep the
        # lock file open, and so locked, for the rest of the process.
        self._close_lock_file()

    def _close_lock_file(self) -> None:
        self.holds_writer_lock = self.queued = False
        fd, self.writer_fd = getattr(self, "writer_fd", None), None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the lock


# How long a new PostgreSQL connection may take: a database host that does not answer
# (its address black-holed) must not hold a request, or the SMS webhook, for the minutes
# TCP takes to give up; the webhook then spools (casework/intake/spooled.py).
POSTGRES_CONNECT_TIMEOUT = 5


def engine_options(uri: str, options: dict[str, Any] | None) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS with the writer queue for a SQLite file database, and a
    connect timeout for PostgreSQL."""
    options = dict(options or {})
    connect_args = dict(options.get("connect_args") or {})
    if uri.startswith("sqlite"):
        connect_args.setdefault("factory", WriterQueueConnection)
    elif uri.startswith("postgresql"):
        connect_args.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT)
    else:
        return options
    options["connect_args"] = connect_args
    return options


def enable_sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
