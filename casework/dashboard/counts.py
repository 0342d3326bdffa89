"""The dashboard's summary tables kept by triggers, in the same transaction as the change:

- `CaseMonthCount` (``case_month_counts``): a case with a category counts 1 under (month of
  reported_dt in UTC, category, its site's province or '', committee or 0, closed as a
  duplicate or rejected): incidents per month by category and by province.
- `CaseSiteMonthCount` (``case_site_month_counts``): a case with a category and a site
  counts 1 under (month, site, committee or 0, restricted category): sites with recurring
  incidents.

Triggers on ``cases``: an insert adds 1 to the new keys, a delete takes 1 from the old ones,
an update of reported_dt, category, site_id, committee_id or resolution does both. Taking 1
is an UPDATE of an existing row only, never an insert of -1: a count can go to 0 (the reads
skip those) but never below, whatever order rows are deleted in. A trigger on ``sites``
moves a site's cases to its new province when the province changes (counted again from
that site's cases).

The DDL lives here, once: `install` runs it for ``create_all`` (the tests) and the
migration runs the same statements, then `backfill`. `RESTRICTED_CATEGORIES` is written
into the SQL: changing it needs a migration that runs the setup again and recounts. As for
search's FTS5 triggers, a later migration that makes SQLite rebuild ``cases`` or ``sites``
(batch mode) drops these triggers with the old table: run ``SQLITE_TEARDOWN`` before it and
``SQLITE_SETUP`` after it.

Concurrency (PostgreSQL): a transaction changing a case holds its keys' row locks until it
commits, so two transactions changing cases of one key (same month, category, province and
committee) wait for each other. New reports have no category (it is set at triage) and so
lock nothing here.
"""

# SQL built from this module's constants only, never from input:
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import DDL, event

from casework.cases.models import RESTRICTED_CATEGORIES, Case
from casework.sites.models import Site

DROPPED = "('duplicate', 'rejected')"
RESTRICTED = "(" + ", ".join(f"'{c}'" for c in sorted(RESTRICTED_CATEGORIES)) + ")"
# The columns whose change moves a case to other keys.
WATCHED = ("reported_dt", "category", "site_id", "committee_id", "resolution")


def _month(row: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"to_char({row}.reported_dt AT TIME ZONE 'UTC', 'YYYY-MM')"
    return f"strftime('%Y-%m', {row}.reported_dt)"


def _false(dialect: str) -> str:
    return "false" if dialect == "postgresql" else "0"


def _province_of(row: str) -> str:
    return f"coalesce((SELECT s.province FROM sites s WHERE s.id = {row}.site_id), '')"  # nosec B608: constants


@dataclass(frozen=True)
class Summary:
    table: str
    # {column: SQL expression} over a cases row (new, old or an alias), in a dialect
    key: Callable[[str, str], dict[str, str]]
    counted: Callable[[str], str]  # which cases count, over a cases row

    @property
    def columns(self) -> str:
        return ", ".join(self.key("c", "sqlite"))


MONTHS = Summary(
    "case_month_counts",
    lambda row, dialect: {
        "month": _month(row, dialect),
        "category": f"{row}.category",
        "province": _province_of(row),
        "committee_id": f"coalesce({row}.committee_id, 0)",
        "dropped": f"coalesce({row}.resolution IN {DROPPED}, {_false(dialect)})",
    },
    lambda row: f"{row}.category IS NOT NULL",
)
SITES = Summary(
    "case_site_month_counts",
    lambda row, dialect: {
        "month": _month(row, dialect),
        "site_id": f"{row}.site_id",
        "committee_id": f"coalesce({row}.committee_id, 0)",
        "restricted": f"({row}.category IN {RESTRICTED})",
    },
    lambda row: f"{row}.category IS NOT NULL AND {row}.site_id IS NOT NULL",
)
SUMMARIES = (MONTHS, SITES)


def _add(summary: Summary, row: str, dialect: str) -> str:
    values = ", ".join(summary.key(row, dialect).values())
    return (
        f"INSERT INTO {summary.table} ({summary.columns}, n) "  # nosec B608: constants
        f"SELECT {values}, 1 WHERE {summary.counted(row)} "
        f"ON CONFLICT ({summary.columns}) DO UPDATE SET n = {summary.table}.n + 1"
    )


def _take(summary: Summary, row: str, dialect: str) -> str:
    match = " AND ".join(f"{c} = {v}" for c, v in summary.key(row, dialect).items())
    where = f"{summary.counted(row)} AND {match}"
    return f"UPDATE {summary.table} SET n = n - 1 WHERE {where}"  # nosec B608: constants


def _regroup(dialect: str) -> tuple[str, str]:
    """A site's province changed (old -> new): its cases' counts move from one province to
    the other, counted from those cases."""
    key = MONTHS.key("c", dialect)
    del key["province"]
    grouped = (
        f"(SELECT {', '.join(f'{v} AS {c}' for c, v in key.items())}, count(*) AS n "  # nosec B608: constants
        f"FROM cases c WHERE c.site_id = new.id AND {MONTHS.counted('c')} "
        f"GROUP BY {', '.join(key.values())}) AS g"
    )
    same = " AND ".join(f"case_month_counts.{c} = g.{c}" for c in key)
    take = (
        f"UPDATE case_month_counts SET n = case_month_counts.n - g.n FROM {grouped} "  # nosec B608: constants
        f"WHERE case_month_counts.province = old.province AND {same}"
    )
    add = (
        f"INSERT INTO case_month_counts ({MONTHS.columns}, n) "  # nosec B608: constants
        f"SELECT g.month, g.category, new.province, g.committee_id, g.dropped, g.n "
        f"FROM {grouped} WHERE true "
        f"ON CONFLICT ({MONTHS.columns}) DO UPDATE SET n = case_month_counts.n + excluded.n"
    )
    return take, add


_CHANGED = " OR ".join(f"old.{c} IS DISTINCT FROM new.{c}" for c in WATCHED)
_PROVINCE_CHANGED = "old.province IS DISTINCT FROM new.province"

# ---------------------------------------------------------------- PostgreSQL

_PG_CASE_FUNCTION = (
    "CREATE OR REPLACE FUNCTION casework_case_counts() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP <> 'INSERT' THEN "
    + "".join(f"{_take(s, 'old', 'postgresql')}; " for s in SUMMARIES)
    + "END IF; IF TG_OP <> 'DELETE' THEN "
    + "".join(f"{_add(s, 'new', 'postgresql')}; " for s in SUMMARIES)
    + "END IF; RETURN NULL; END $$"
)
_PG_SITE_FUNCTION = (
    "CREATE OR REPLACE FUNCTION casework_site_province_counts() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    + "".join(f"{statement}; " for statement in _regroup("postgresql"))
    + "RETURN NULL; END $$"
)
PG_SETUP = (
    _PG_CASE_FUNCTION,
    _PG_SITE_FUNCTION,
    "CREATE TRIGGER case_counts_insert_delete AFTER INSERT OR DELETE ON cases "
    "FOR EACH ROW EXECUTE FUNCTION casework_case_counts()",
    f"CREATE TRIGGER case_counts_update AFTER UPDATE OF {', '.join(WATCHED)} ON cases "
    f"FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION casework_case_counts()",
    "CREATE TRIGGER site_province_counts AFTER UPDATE OF province ON sites "
    f"FOR EACH ROW WHEN ({_PROVINCE_CHANGED}) "
    "EXECUTE FUNCTION casework_site_province_counts()",
)
PG_TEARDOWN = (
    "DROP TRIGGER IF EXISTS site_province_counts ON sites",
    "DROP TRIGGER IF EXISTS case_counts_update ON cases",
    "DROP TRIGGER IF EXISTS case_counts_insert_delete ON cases",
    "DROP FUNCTION IF EXISTS casework_site_province_counts()",
    "DROP FUNCTION IF EXISTS casework_case_counts()",
)

# ---------------------------------------------------------------- SQLite


def _sqlite_body(*statements: str) -> str:
    return "BEGIN " + "".join(f"{s}; " for s in statements) + "END"


SQLITE_SETUP = (
    "CREATE TRIGGER case_counts_insert AFTER INSERT ON cases "
    + _sqlite_body(*(_add(s, "new", "sqlite") for s in SUMMARIES)),
    "CREATE TRIGGER case_counts_delete AFTER DELETE ON cases "
    + _sqlite_body(*(_take(s, "old", "sqlite") for s in SUMMARIES)),
    f"CREATE TRIGGER case_counts_update AFTER UPDATE OF {', '.join(WATCHED)} ON cases "
    f"WHEN {_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} "
    + _sqlite_body(
        *(_take(s, "old", "sqlite") for s in SUMMARIES),
        *(_add(s, "new", "sqlite") for s in SUMMARIES),
    ),
    "CREATE TRIGGER site_province_counts AFTER UPDATE OF province ON sites "
    f"WHEN {_PROVINCE_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} "
    + _sqlite_body(*_regroup("sqlite")),
)
SQLITE_TEARDOWN = (
    "DROP TRIGGER IF EXISTS site_province_counts",
    "DROP TRIGGER IF EXISTS case_counts_update",
    "DROP TRIGGER IF EXISTS case_counts_delete",
    "DROP TRIGGER IF EXISTS case_counts_insert",
)


def backfill(dialect: str) -> tuple[str, ...]:
    """Count every case into the empty summary tables (one grouped INSERT each)."""
    statements = []
    for summary in SUMMARIES:
        key = summary.key("c", dialect)
        if "province" in key:
            key["province"] = "coalesce(s.province, '')"
        values = ", ".join(key.values())
        into = f"INSERT INTO {summary.table} ({summary.columns}, n)"
        cases = f"cases c LEFT JOIN sites s ON s.id = c.site_id WHERE {summary.counted('c')}"
        statements.append(f"{into} SELECT {values}, count(*) FROM {cases} GROUP BY {values}")  # nosec B608: constants
    return tuple(statements)


def install() -> None:
    """Run the triggers' DDL with ``create_all`` and ``drop_all`` (the migration runs the
    same statements itself). After ``sites`` and ``cases`` both exist; the summary tables
    need only exist by the time a trigger runs."""
    cases = Case.__table__
    for statement in PG_SETUP:
        event.listen(cases, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    for statement in SQLITE_SETUP:  # DDL formats with %: strftime's are doubled
        ddl = DDL(statement.replace("%", "%%"))
        event.listen(cases, "after_create", ddl.execute_if(dialect="sqlite"))
    for statement in PG_TEARDOWN:
        event.listen(cases, "before_drop", DDL(statement).execute_if(dialect="postgresql"))
    for statement in SQLITE_TEARDOWN:
        event.listen(cases, "before_drop", DDL(statement).execute_if(dialect="sqlite"))


assert Site.__tablename__ == "sites"  # cases has a foreign key to it: created first
install()
