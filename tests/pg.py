"""Fresh PostgreSQL databases for the tests and the benchmark."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def fresh_postgres_database(server_url: str, name: str) -> Iterator[str]:
    """Create database ``name`` next to the one ``server_url`` names; drop it afterwards."""
    url = make_url(server_url.replace("postgres://", "postgresql://", 1)).set(
        drivername="postgresql+psycopg"
    )
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
