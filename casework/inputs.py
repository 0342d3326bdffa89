"""Reading untrusted input into query values: ids that fit the database's integer columns,
LIKE patterns that match what was typed. Bad input becomes "nothing matches" or a 4xx,
never a database error (a 500)."""

from __future__ import annotations

from flask import request

# Ids are integer columns: PostgreSQL's ends at 2**31 - 1, and a bigger number in a query
# is a database error ("integer out of range"), not "no rows".
MAX_ROW_ID = 2**31 - 1

LIKE_ESCAPE = "\\"


def is_row_id(text: str) -> bool:
    """``text`` is the decimal id of a row that can exist (1 to ``MAX_ROW_ID``)."""
    return text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ROW_ID


def row_id_arg(name: str) -> int | None:
    """``request.args[name]`` as a row id, or None when it is missing or cannot be one
    (a page anchor from an edited link is ignored: the first page)."""
    value = request.args.get(name, "")
    return int(value) if is_row_id(value) else None


def like_pattern(text: str) -> str:
    """``%text%`` where ``%``, ``_`` and ``\\`` match themselves; use it with
    ``column.ilike(pattern, escape=LIKE_ESCAPE)``."""
    escaped = (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"
