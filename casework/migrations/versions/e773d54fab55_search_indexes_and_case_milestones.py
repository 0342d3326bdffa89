"""Search indexes and case milestones

Text search through an index (PostgreSQL: unaccent, a stored tsvector column of the report
and GIN indexes; SQLite: an FTS5 table kept by triggers), and the first triage, start of
verification and verification of each case kept on the case, backfilled from its record.

Revision ID: e773d54fab55
Revises: 532d0413b3e9
Create Date: 2026-11-30 03:31:17.982774

"""
from alembic import op
import sqlalchemy as sa

import casework.extensions
from casework.cases import search


# revision identifiers, used by Alembic.
revision = 'e773d54fab55'
down_revision = '532d0413b3e9'
branch_labels = None
depends_on = None

MILESTONES = {
    "triaged_dt": "triage",
    "verification_started_dt": "start_verification",
    "verified_dt": "verify",
}


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('triaged_dt', casework.extensions.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verification_started_dt', casework.extensions.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verified_dt', casework.extensions.UTCDateTime(timezone=True), nullable=True))

    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    # Each milestone from the case's record: its first transition of that name.
    name_of = "e.data ->> 'transition'" if postgresql else "json_extract(e.data, '$.transition')"
    # One pass over the cases that have a transition at all (most open ones, every closed one).
    firsts = ", ".join(
        f"{column} = (SELECT min(e.created_dt) FROM case_events e WHERE e.case_id = cases.id "
        f"AND e.kind = 'transition' AND {name_of} = '{transition}')"
        for column, transition in MILESTONES.items()
    )
    op.execute(
        f"UPDATE cases SET {firsts} WHERE EXISTS (SELECT 1 FROM case_events e "
        "WHERE e.case_id = cases.id AND e.kind = 'transition')"
    )

    if postgresql:
        for statement in search.PG_SETUP:
            op.execute(statement)
        for statement in search.PG_AFTER_CREATE:  # the stored document column and its index
            op.execute(statement)
        op.create_index(
            'ix_cases_search_summary',
            'cases',
            [sa.text(
                "to_tsvector('simple'::regconfig, "
                "regexp_replace(casework_unaccent(public_summary), '[[:punct:]]+', ' ', 'g'))"
            )],
            postgresql_using='gin',
        )
    else:
        for statement in search.SQLITE_SETUP:
            op.execute(statement)
        op.execute("INSERT INTO cases_fts (cases_fts) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_cases_search_summary', table_name='cases')
        op.drop_index(search.PG_REPORT_INDEX, table_name='cases')
        op.drop_column('cases', search.PG_REPORT_COLUMN)
        op.execute("DROP FUNCTION IF EXISTS casework_unaccent(text)")
    else:
        for statement in search.SQLITE_TEARDOWN:
            op.execute(statement)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('verified_dt')
        batch_op.drop_column('verification_started_dt')
        batch_op.drop_column('triaged_dt')
