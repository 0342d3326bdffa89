"""Exporting the filtered queue as CSV or JSON Lines, for supervisors and admins.

Rows are read from the database in batches and written as they come (a generator), so an
export of a million cases holds one batch in memory, not the million. An export carries
what the exporting user may read in the queue and never a reporter's phone number (nor any
other contact detail of theirs). Each export is on the admin log: who, when, which filter.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from casework.admin.log import record_admin_change
from casework.auth.models import User
from casework.cases.models import RESTRICTED_CATEGORIES, Case
from casework.cases.queries import CaseFilters, case_query
from casework.committees.models import Committee
from casework.errors import PermissionDenied
from casework.extensions import db
from casework.sites.models import Site

EXPORT_ROLES = frozenset({"supervisor", "admin"})
FORMATS = {"csv": "text/csv", "jsonl": "application/jsonl"}
BATCH = 1000

# Table aliases: the queue's own filter may join sites already.
_site = Site.__table__.alias("export_site")
_assignee = User.__table__.alias("export_assignee")
# (field name, column): the export's columns, in order. Nothing about the reporter but
# whether they are anonymous or must not be contacted.
COLUMNS = (
    ("reference", Case.reference),
    ("status", Case.status),
    ("level", Case.level),
    ("category", Case.category),
    ("title", Case.title),
    ("description", Case.description),
    ("language", Case.language),
    ("channel", Case.channel),
    ("site_code", _site.c.code),
    ("site_name", _site.c.name),
    ("country", _site.c.country),
    ("province", _site.c.province),
    ("territory", _site.c.territory),
    ("location", Case.location_text),
    ("occurred", Case.occurred_dt),
    ("reported", Case.reported_dt),
    ("assignee", _assignee.c.name),
    ("committee", Committee.name),
    ("due", Case.due_dt),
    ("resolution", Case.resolution),
    ("closed", Case.closed_dt),
    ("is_published", Case.is_published),
    ("public_summary", Case.public_summary),
    ("is_anonymous", Case.is_anonymous),
    ("do_not_contact", Case.do_not_contact),
    ("suggested_category", Case.suggested_category),  # read, not exported
)
FIELDS = tuple(name for name, _ in COLUMNS)
EXPORTED = (*(f for f in FIELDS if f != "suggested_category"), "restricted")


def may_export(user: User) -> bool:
    return user.role in EXPORT_ROLES


def start_export(filters: CaseFilters, fmt: str, *, actor: User) -> None:
    """Check the actor may export and put the export on the admin log (flushes; commit
    before streaming, so the record stands even if the download is cut short)."""
    if not may_export(actor):
        raise PermissionDenied(_l("Only supervisors and administrators export cases."))
    chosen = {k: v for k, v in vars(filters).items() if v not in (None, "")}
    record_admin_change(
        actor,
        "cases.export",
        ("cases", "queue", "cases export"),
        after={"format": fmt, "filters": chosen},
    )


def rows(filters: CaseFilters, *, actor: User) -> Iterator[dict[str, Any]]:
    """The cases ``actor`` may read that match ``filters``, oldest first, as plain dicts.

    A restricted case (SA-SGBV) comes without its title, report and location, as in the
    API's list: its text is read one case at a time, on its page, which records the read."""
    query = (
        case_query(actor, filters)
        .with_only_columns(*(column for _, column in COLUMNS))
        .outerjoin(_site, _site.c.id == Case.site_id)
        .outerjoin(_assignee, _assignee.c.id == Case.assignee_id)
        .outerjoin(Committee, Committee.id == Case.committee_id)
        .order_by(Case.id)
        .execution_options(yield_per=BATCH)
    )
    for row in db.session.execute(query):
        record = {name: _plain(value) for name, value in zip(FIELDS, row, strict=True)}
        record["restricted"] = (row.category or row.suggested_category) in RESTRICTED_CATEGORIES
        if record["restricted"]:
            record.update(title="", description="", location="")
        del record["suggested_category"]
        yield record


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# A cell a spreadsheet would read as a formula: a reporter's SMS "=HYPERLINK(...)" must stay
# text when a supervisor opens the export (OWASP's CSV injection advice: a leading quote).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def as_csv(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORTED)
    writer.writeheader()
    for n, record in enumerate(records, 1):
        writer.writerow({key: spreadsheet_safe(value) for key, value in record.items()})
        if n % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def as_jsonl(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    lines = []
    for record in records:
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        if len(lines) == BATCH:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def stream(filters: CaseFilters, fmt: str, *, actor: User) -> Iterator[str]:
    write = as_csv if fmt == "csv" else as_jsonl
    return write(rows(filters, actor=actor))
