"""Text search over cases, through an index on both databases.

A search is words: each word matches a word of the case that starts with it, in any case,
accents ignored ("eboul" finds "Éboulement"), and a case matches when it has every word.
A search that is a case's reference finds that case by its unique index instead.

- PostgreSQL: a GIN index over ``to_tsvector('simple', casework_unaccent(title || ' ' ||
  description))`` (and one over the public summary, which is what viewers search), queried
  with a prefix ``tsquery``. ``casework_unaccent`` is the ``unaccent`` extension's function
  wrapped as IMMUTABLE, which an index expression needs.
- SQLite: an FTS5 table, ``cases_fts``, whose content is the ``cases`` table itself (no copy
  of the text), kept in step by triggers, with the ``unicode61`` tokenizer removing accents.

The DDL lives here, once: `install` runs it for ``create_all`` (the tests) and the
migration runs the same statements. A later migration that makes SQLite rebuild ``cases``
(batch mode: dropping or altering a column) drops the triggers with the old table: run
``SQLITE_TEARDOWN`` before it and ``SQLITE_SETUP`` plus an FTS5 ``'rebuild'`` after it
(tests/test_migrations.py checks that search still finds cases after upgrading).
"""

from __future__ import annotations

import re

from flask import g
from sqlalchemy import DDL, Index, column, event, func, literal_column, select, table, text
from sqlalchemy.sql import ColumnElement

from casework.cases.models import Case
from casework.extensions import db

# A search is at most this many words; a word at most this long (longer input is cut).
MAX_WORDS = 8
MAX_WORD = 40
WORD = re.compile(r"\w+", re.UNICODE)
# A reference as `new_reference` makes them: CW-7K3Q-92MX (any case; the dashes are what
# tells it from a ten-letter word).
_CROCKFORD = "[0-9A-HJKMNP-TV-Z]"
REFERENCE = re.compile(
    rf"^\s*([A-Z]{{1,8}})-({_CROCKFORD}{{4}})-({_CROCKFORD}{{4}})\s*$", re.IGNORECASE
)

# ---------------------------------------------------------------- PostgreSQL

PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION casework_unaccent(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$"
)
PG_SETUP = ("CREATE EXTENSION IF NOT EXISTS unaccent", PG_FUNCTION)
# The report's words, computed once when a case is written (a stored generated column, so
# no search recomputes them row by row) and indexed. The column is the database's, not the
# model's: the ORM never reads or writes it.
PG_REPORT_COLUMN = "search_document"
PG_REPORT_INDEX = "ix_cases_search_report"
PG_AFTER_CREATE = (
    f"ALTER TABLE cases ADD COLUMN {PG_REPORT_COLUMN} tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, casework_unaccent(title || ' ' || description))) STORED",
    f"CREATE INDEX {PG_REPORT_INDEX} ON cases USING gin ({PG_REPORT_COLUMN})",
)
# text(), not literal_column(): an Index attaches itself to the table its expression names.
_SIMPLE = text("'simple'::regconfig")
REPORT_DOCUMENT = literal_column(f"cases.{PG_REPORT_COLUMN}")
# Viewers search the public summary: few cases are published, an expression index will do.
SUMMARY_DOCUMENT = func.to_tsvector(
    _SIMPLE, func.casework_unaccent(Case.__table__.c.public_summary)
)
PG_INDEXES = (
    Index("ix_cases_search_summary", SUMMARY_DOCUMENT, postgresql_using="gin").ddl_if(
        dialect="postgresql"
    ),
)
# A search finding at most this many cases is read from the index first, then paged by id.
FEW = 1000

# ---------------------------------------------------------------- SQLite

SQLITE_SETUP = (
    "CREATE VIRTUAL TABLE cases_fts USING fts5(title, description, public_summary, "
    "content='cases', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN "
    "INSERT INTO cases_fts (rowid, title, description, public_summary) "
    "VALUES (new.id, new.title, new.description, new.public_summary); END",
    "CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN "
    "INSERT INTO cases_fts (cases_fts, rowid, title, description, public_summary) "
    "VALUES ('delete', old.id, old.title, old.description, old.public_summary); END",
    "CREATE TRIGGER cases_fts_update AFTER UPDATE OF title, description, public_summary "
    "ON cases BEGIN "
    "INSERT INTO cases_fts (cases_fts, rowid, title, description, public_summary) "
    "VALUES ('delete', old.id, old.title, old.description, old.public_summary); "
    "INSERT INTO cases_fts (rowid, title, description, public_summary) "
    "VALUES (new.id, new.title, new.description, new.public_summary); END",
)
SQLITE_TEARDOWN = (
    "DROP TRIGGER IF EXISTS cases_fts_update",
    "DROP TRIGGER IF EXISTS cases_fts_delete",
    "DROP TRIGGER IF EXISTS cases_fts_insert",
    "DROP TABLE IF EXISTS cases_fts",
)


def is_search_table(name: str | None) -> bool:
    """FTS5's table and its shadow tables: kept by this module, not by the models."""
    return bool(name) and str(name).startswith("cases_fts")


def include_name(name, type_, parent_names) -> bool:
    """Alembic's filter when comparing a database with the models: FTS5's tables and
    PostgreSQL's document column and its index are this module's. (SQLite cannot reflect
    expression indexes: Alembic skips the PostgreSQL-only one there, with a warning.)"""
    if type_ == "table":
        return not is_search_table(name)
    return name not in (PG_REPORT_COLUMN, PG_REPORT_INDEX)


def install() -> None:
    """Run the search DDL with ``create_all`` and ``drop_all`` (the migration runs the
    same statements itself)."""
    cases = Case.__table__
    for statement in PG_SETUP:
        event.listen(cases, "before_create", DDL(statement).execute_if(dialect="postgresql"))
    for statement in PG_AFTER_CREATE:
        event.listen(cases, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    for statement in SQLITE_SETUP:
        event.listen(cases, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in SQLITE_TEARDOWN:
        event.listen(cases, "before_drop", DDL(statement).execute_if(dialect="sqlite"))


install()

# ---------------------------------------------------------------- queries


def words(query: str) -> list[str]:
    """The words of a search, lower-cased, at most MAX_WORDS of MAX_WORD characters."""
    return [w[:MAX_WORD].lower() for w in WORD.findall(query or "")][:MAX_WORDS]


def as_reference(query: str) -> str | None:
    """``CW-7K3Q-92MX`` when the search is a reference (in any case)."""
    match = REFERENCE.match(query or "")
    if not match:
        return None
    return "-".join(part.upper() for part in match.groups())


def matching(query: str, *, summary_only: bool, dialect: str) -> ColumnElement[bool] | None:
    """The cases having every word of ``query`` (in the title or report; or, for viewers,
    in the public summary); None when the query has no word."""
    terms = words(query)
    if not terms:
        return None
    if dialect == "postgresql":
        # Words are letters, digits and underscores only: nothing tsquery reads as syntax.
        tsquery = " & ".join(f"{term}:*" for term in terms)
        document = SUMMARY_DOCUMENT if summary_only else REPORT_DOCUMENT
        condition = document.op("@@")(func.to_tsquery(_SIMPLE, func.casework_unaccent(tsquery)))
        few = _few_matches(condition, (tsquery, summary_only))
        return condition if few is None else Case.id.in_(few)
    columns = "public_summary" if summary_only else "{title description}"
    phrases = " AND ".join(f'"{term}"*' for term in terms)
    fts = table("cases_fts", column("rowid"))
    return Case.id.in_(
        select(fts.c.rowid).where(
            text("cases_fts MATCH :fts_query").bindparams(fts_query=f"{columns} : ({phrases})")
        )
    )


def _few_matches(condition: ColumnElement[bool], key: tuple) -> list[int] | None:
    """The ids of the cases matching ``condition`` if there are at most FEW, else None.

    PostgreSQL cannot estimate how many cases a word's prefix matches: it guesses the same
    for a rare word as for a common one, and for a rare one it walks the queue's date index
    checking every row (seconds at a million cases). So the index answers first, at most
    FEW+1 ids: a rare word's cases are then read by id; a common word's are found within
    the first rows of the date index, as the planner expects. Once per request (the queue
    asks again for each view's count).

    The probe reads the index, never the table from its start: on a small table the planner
    would rather scan, and a word in no early row would then read the whole table."""
    probes = g.setdefault("search_probes", {})
    if key not in probes:
        # (Should the probe fail, the transaction is rolled back, and the setting with it.)
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        ids = db.session.scalars(select(Case.id).where(condition).limit(FEW + 1)).all()
        db.session.execute(text("SET LOCAL enable_seqscan = on"))
        probes[key] = list(ids) if len(ids) <= FEW else None
    return probes[key]
