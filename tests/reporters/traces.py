"""Where a phone number still shows in the database: every row of every table, read as
text, searched for the number (without its '+'), its keyed hashes and its masked form."""

from __future__ import annotations

from sqlalchemy import select

from casework.extensions import db as _db
from casework.reporters import crypto
from casework.reporters.models import mask_phone


def traces_of(db, number: str) -> list[str]:
    """``table.column`` for every value that holds ``number`` in any form we store."""
    needles = [number.lstrip("+"), *crypto.lookup_hashes(number), mask_phone(number)]
    db.session.expire_all()
    found = []
    for table in _db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                text = str(value) if value is not None else ""
                if any(needle in text for needle in needles):
                    found.append(f"{table.name}.{column}")
    return found
