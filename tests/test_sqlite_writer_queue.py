"""SQLite writers queue on a file lock instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from casework import create_app, sqlite
from casework.sqlite import WriterQueueConnection, engine_options
from tests.conftest import test_config


def connect(path, **kwargs) -> WriterQueueConnection:
    conn = sqlite3.connect(path, factory=WriterQueueConnection, timeout=5, **kwargs)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn  # type: ignore[return-value]


@pytest.fixture
def path(tmp_path):
    db = tmp_path / "queue.db"
    with connect(db) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    return db


def test_a_writer_waits_for_the_file_lock_and_starts_as_soon_as_it_is_free(path):
    first, second = connect(path), connect(path, check_same_thread=False)
    first.execute("INSERT INTO t VALUES (1)")
    assert first.holds_writer_lock
    started = threading.Event()
    wrote_at: list[float] = []

    def write():
        started.set()
        second.execute("INSERT INTO t VALUES (2)")
        wrote_at.append(time.monotonic())
        second.commit()

    thread = threading.Thread(target=write)
    thread.start()
    started.wait()
    time.sleep(0.3)
    assert wrote_at == []  # queued behind the first writer, not in SQLite's busy loop
    committed_at = time.monotonic()
    first.commit()
    assert not first.holds_writer_lock
    thread.join(5)
    # SQLite's own busy handler would have been asleep for up to 100 ms at a time by now.
    assert wrote_at and wrote_at[0] - committed_at < 0.05
    assert [r[0] for r in first.execute("SELECT x FROM t ORDER BY x")] == [1, 2]
    first.close()
    second.close()


def test_readers_never_wait(path):
    writer, reader = connect(path), connect(path)
    writer.execute("INSERT INTO t VALUES (1)")
    started = time.monotonic()
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert time.monotonic() - started < 0.05
    assert not reader.holds_writer_lock
    writer.rollback()
    writer.close()
    reader.close()


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_the_lock_is_given_back_when_the_transaction_ends(path, end):
    conn = connect(path)
    conn.execute("INSERT INTO t VALUES (1)")
    getattr(conn, end)()
    other = connect(path)
    other.execute("INSERT INTO t VALUES (2)")  # would wait WRITER_WAIT if still held
    assert other.holds_writer_lock
    other.rollback()
    other.close()
    if end != "close":
        conn.close()


def test_autocommit_statements_hold_nothing_afterwards(path):
    conn = connect(path, isolation_level=None)
    conn.execute("INSERT INTO t VALUES (1)")
    assert not conn.in_transaction and not conn.holds_writer_lock
    conn.execute("CREATE TABLE u (y INTEGER)")
    assert not conn.holds_writer_lock
    conn.close()


def test_a_stuck_writer_only_delays_the_next_one_to_sqlites_own_busy_timeout(path, monkeypatch):
    # Two connections of one thread: the second cannot wait for the first. After
    # WRITER_WAIT it goes on to SQLite, which answers as it always did.
    monkeypatch.setattr(sqlite, "WRITER_WAIT", 0.2)
    first = connect(path)
    first.execute("INSERT INTO t VALUES (1)")
    second = sqlite3.connect(path, factory=WriterQueueConnection, timeout=0.1)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("INSERT INTO t VALUES (2)")
    assert time.monotonic() - started < 2
    first.rollback()
    first.close()
    second.close()


def test_memory_databases_have_no_lock_file():
    conn = sqlite3.connect(":memory:", factory=WriterQueueConnection)
    assert conn.writer_fd is None  # type: ignore[attr-defined]
    conn.execute("CREATE TABLE t (x)")
    conn.close()


def test_engine_options_keep_what_is_configured():
    options = engine_options("sqlite:///x.db", {"hide_parameters": True, "pool_pre_ping": True})
    assert options["hide_parameters"] is True and options["pool_pre_ping"] is True
    assert options["connect_args"]["factory"] is WriterQueueConnection
    # PostgreSQL gets a connect timeout only (a host that stops answering must not hold a
    # request for minutes); other databases are left as configured.
    postgres = engine_options("postgresql+psycopg://h/db", {"connect_args": {"sslmode": "require"}})
    assert postgres["connect_args"] == {"sslmode": "require", "connect_timeout": 5}
    assert "connect_args" not in engine_options("mysql://h/db", {})


def test_the_app_uses_the_queue_on_sqlite(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    from casework.extensions import db

    app = create_app(test_config(database_url))
    with app.app_context():
        with db.engine.connect() as conn:
            assert isinstance(conn.connection.dbapi_connection, WriterQueueConnection)
        db.engine.dispose()
