"""Text search over cases, through an index on both databases.

A search is words: each word matches a word of the case that starts with it, in any case,
accents ignored ("eboul" finds "Éboulement"), and a case matches when it has every word.
A search that is a case's reference finds that case by its unique index instead.

- PostgreSQL: the report's words are a stored generated ``tsvector`` column,
  ``search_document`` (title and report, accents removed by ``casework_unaccent``, ASCII
  punctuation read as a space, so "Kalimbi.watu" is two words as in SQLite), with a GIN
  index; viewers search the public summary, through an expression index of the same form.
  ``casework_unaccent`` is the ``unaccent`` extension's function wrapped as IMMUTABLE,
  which an index expression needs. Each word of a search becomes a quoted prefix
  ``tsquery``: no character typed can be read as ``tsquery`` syntax.
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
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g
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
_CHAR = "[0-9A-Z]"  # Crockford's base32, and the letters read out for its digits
REFERENCE = re.compile(rf"^([A-Z]{{1,8}})-({_CHAR}{{4}})-({_CHAR}{{4}})$")
SHORT_REFERENCE = re.compile(rf"^{_CHAR}{{4}}-{_CHAR}{{4}}$")

# ---------------------------------------------------------------- PostgreSQL

# The extension may live in any schema (some hosts keep extensions in their own): the
# function names the one it is in.
PG_FUNCTION = """DO $do$
DECLARE home text := (SELECT extnamespace::regnamespace::text FROM pg_extension
                      WHERE extname = 'unaccent');
BEGIN
  EXECUTE format(
    'CREATE OR REPLACE FUNCTION casework_unaccent(text) RETURNS text '
    'LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT '
    'AS $f$ SELECT %s.unaccent(%L::regdictionary, $1) $f$',
    home, home || '.unaccent');
END
$do$"""
PG_SETUP = ("CREATE EXTENSION IF NOT EXISTS unaccent", PG_FUNCTION)
# The report's words, computed once when a case is written (a stored generated column, so
# no search recomputes them row by row) and indexed. The column is the database's, not the
# model's: the ORM never reads or writes it.
PG_REPORT_COLUMN = "search_document"
PG_REPORT_INDEX = "ix_cases_search_report"
PG_AFTER_CREATE = (
    f"ALTER TABLE cases ADD COLUMN {PG_REPORT_COLUMN} tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, regexp_replace("
    "casework_unaccent(title || ' ' || description), '[[:punct:]]+', ' ', 'g'))) STORED",
    f"CREATE INDEX {PG_REPORT_INDEX} ON cases USING gin ({PG_REPORT_COLUMN})",
)
# text(), not literal_column() or bound values: an Index attaches itself to the table its
# expression names, and a query matches an expression index only with the same constants.
_SIMPLE = text("'simple'::regconfig")


def _plain(expression) -> ColumnElement:
    """Accents removed, ASCII punctuation a space (as in the generated column)."""
    return func.regexp_replace(
        func.casework_unaccent(expression), text("'[[:punct:]]+'"), text("' '"), text("'g'")
    )


REPORT_DOCUMENT: ColumnElement = literal_column(f"cases.{PG_REPORT_COLUMN}")
# Viewers search the public summary: few cases are published, an expression index will do.
SUMMARY_DOCUMENT = func.to_tsvector(_SIMPLE, _plain(Case.__table__.c.public_summary))
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

    def ddl(statement: str) -> DDL:
        return DDL(statement.replace("%", "%%"))  # DDL reads % as a parameter's mark

    for statement in PG_SETUP:
        event.listen(cases, "before_create", ddl(statement).execute_if(dialect="postgresql"))
    for statement in PG_AFTER_CREATE:
        event.listen(cases, "after_create", ddl(statement).execute_if(dialect="postgresql"))
    for statement in SQLITE_SETUP:
        event.listen(cases, "after_create", ddl(statement).execute_if(dialect="sqlite"))
    for statement in SQLITE_TEARDOWN:
        event.listen(cases, "before_drop", ddl(statement).execute_if(dialect="sqlite"))


install()

# ---------------------------------------------------------------- queries


def words(query: str) -> list[str]:
    """The words of a search (each with a letter or digit), lower-cased, at most MAX_WORDS
    of MAX_WORD characters."""
    found = (w[:MAX_WORD].lower() for w in WORD.findall(query or ""))
    return [w for w in found if any(c.isalnum() for c in w)][:MAX_WORDS]


# Read out over a phone, O is 0 and I or L is 1: Crockford's base32 has none of them.
_READ_OUT = str.maketrans("OIL", "011")


def as_reference(query: str) -> str | None:
    """``CW-7K3Q-92MX`` when the search reads as a reference: in any case, with O for 0 or
    I/L for 1, or without the instance's prefix (``7K3Q-92MX``)."""
    text_ = (query or "").strip().upper()
    if SHORT_REFERENCE.match(text_):
        text_ = f"{current_app.config['CASEWORK_REFERENCE_PREFIX']}-{text_}"
    match = REFERENCE.match(text_)
    if not match:
        return None
    head, *rest = match.groups()
    return "-".join([head, *(part.translate(_READ_OUT) for part in rest)])


def matching(query: str, *, summary_only: bool, dialect: str) -> ColumnElement[bool] | None:
    """The cases having every word of ``query`` (in the title or report; or, for viewers,
    in the public summary); None when the query has no word."""
    terms = words(query)
    if not terms:
        return None
    if dialect == "postgresql":
        tsquery: ColumnElement | None = None
        for term in terms:  # each word quoted, as a prefix: never read as tsquery syntax
            word = func.to_tsquery(_SIMPLE, func.quote_literal(_plain(term)).op("||")(":*"))
            tsquery = word if tsquery is None else tsquery.op("&&")(word)
        document = SUMMARY_DOCUMENT if summary_only else REPORT_DOCUMENT
        condition = document.op("@@")(tsquery)
        few = _few_matches(condition, (tuple(terms), summary_only))
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
        with through_indexes():
            ids = db.session.scalars(select(Case.id).where(condition).limit(FEW + 1)).all()
        probes[key] = list(ids) if len(ids) <= FEW else None
    return probes[key]


@contextmanager
def through_indexes() -> Iterator[None]:
    """PostgreSQL plans the statements run inside without a sequential scan where an index
    serves: searches stopping at a limit (the probe, a search's capped counts), which the
    planner would rather answer by reading the table from its start, and which then read
    all of it when the words are only in old cases. (Should a statement fail, the
    transaction is rolled back, and the setting with it.)"""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if postgresql:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
    yield
    if postgresql:
        db.session.execute(text("SET LOCAL enable_seqscan TO DEFAULT"))


def find_reference(query: str) -> str | None:
    """The reference of the case the search names, if one has it (whoever may see it: the
    caller's own filter decides what is shown)."""
    reference = as_reference(query)
    if reference is None:
        return None
    return db.session.scalar(select(Case.reference).where(Case.reference == reference))
