"""Migrations apply from empty and produce exactly the schema the models declare."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from casework import create_app
from casework.cases.search import include_name
from casework.extensions import db
from tests.conftest import is_postgres, test_config
from tests.pg import fresh_postgres_database


@pytest.fixture
def empty_database_url(tmp_path):
    base = os.environ.get("CASEWORK_TEST_DATABASE_URL", "")
    if not is_postgres(base):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"{make_url(base).database}_migrations_{os.getpid()}"
    with fresh_postgres_database(base, name) as url:
        yield url


# SQLite cannot reflect expression indexes, so Alembic skips comparing the PostgreSQL-only
# search indexes there (and says so).
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrations_apply_from_empty_and_match_the_models(empty_database_url):
    app = create_app(test_config(empty_database_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "render_as_batch": True,
                    "include_name": include_name,
                },
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ; run `casework db migrate`: {diff}"
        downgrade(revision="base")
        upgrade()
        db.engine.dispose()


def test_the_notices_migration_backfills_existing_cases_without_a_flood(empty_database_url):
    """Upgrading a database with cases already overdue marks their reminders as told (the
    digest lists them) instead of mailing every supervisor once per old case."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from casework.cases.models import Case
    from casework.demo.seed import seed

    app = create_app(test_config(empty_database_url))
    with app.app_context():
        upgrade()
        seed(2026)
        db.session.commit()
        downgrade(revision="afe5724905c3")  # as the database was before this migration
        upgrade()
        db.session.expire_all()
        now = datetime.now(UTC)
        cases = db.session.scalars(select(Case)).all()
        overdue = [c for c in cases if c.due_dt and c.due_dt <= now]
        assert overdue and all(c.deadline_stage == 3 for c in overdue)
        assert all(c.deadline_stage == 0 for c in cases if c.due_dt and c.due_dt > now)
        open_cases = [c for c in cases if not c.is_closed]
        assert all(c.age_limit_dt is not None for c in open_cases)
        assert all(c.age_limit_dt is None for c in cases if c.is_closed)
        assert any(c.age_stage == 2 for c in open_cases)  # the demo's case over six months
        db.session.remove()
        db.engine.dispose()


def test_the_search_migration_indexes_existing_cases_and_backfills_milestones(
    empty_database_url,
):
    """Upgrading a database that has cases: search finds them through the new index, and
    each case's first triage and verification come from its record."""
    from sqlalchemy import select

    from casework.auth.models import User
    from casework.cases.models import Case, CaseEvent
    from casework.cases.queries import CaseFilters, case_query
    from casework.demo.seed import seed

    app = create_app(test_config(empty_database_url))
    with app.app_context():
        upgrade()
        seed(2026)
        db.session.commit()
        db.session.remove()
        downgrade(revision="532d0413b3e9")  # as the database was before this migration
        upgrade()
        cases = db.session.scalars(select(Case)).all()
        firsts: dict[tuple[int, str], object] = {}
        transitions = select(CaseEvent).where(CaseEvent.kind == "transition")
        for event in db.session.scalars(transitions.order_by(CaseEvent.id)):
            firsts.setdefault((event.case_id, event.data["transition"]), event.created_dt)
        for case in cases:
            assert case.triaged_dt == firsts.get((case.id, "triage")), case.reference
            assert case.verified_dt == firsts.get((case.id, "verify")), case.reference
        assert any(c.triaged_dt for c in cases) and any(c.verified_dt for c in cases)
        supervisor = db.session.scalars(select(User).where(User.role == "supervisor")).first()
        target = next(c for c in cases if c.description.split())
        word = max(target.description.split(), key=len).strip(".,:;!?()")
        found = db.session.scalars(case_query(supervisor, CaseFilters(q=word))).all()
        assert target in found
        db.session.remove()
        db.engine.dispose()
