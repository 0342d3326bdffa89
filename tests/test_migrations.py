"""Migrations apply from empty and produce exactly the schema the models declare."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from casework import create_app
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


def test_migrations_apply_from_empty_and_match_the_models(empty_database_url):
    app = create_app(test_config(empty_database_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ; run `casework db migrate`: {diff}"
        downgrade(revision="base")
        upgrade()
        db.engine.dispose()
