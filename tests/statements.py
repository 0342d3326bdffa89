"""Counting the SQL a block of code sends, for the tests that pin batch loading."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from casework.extensions import db


@contextmanager
def statements() -> Iterator[list[str]]:
    """The statements sent to the database inside the block: ``with statements() as seen``."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
