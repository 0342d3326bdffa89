"""Queue and dashboard indexes

The queue's tab counts and the dashboard read indexes alone on PostgreSQL: the status and
reported_dt indexes include the columns they filter and count; published cases for a
viewer's queue; site, category, level and date for the recurrence rule (and a site's cases,
in place of the plain site index).

Revision ID: a32a360aff4b
Revises: e773d54fab55
Create Date: 2026-11-30 03:57:50.413016

"""
from alembic import op
import sqlalchemy as sa

import casework.extensions


# revision identifiers, used by Alembic.
revision = 'a32a360aff4b'
down_revision = 'e773d54fab55'
branch_labels = None
depends_on = None


STATUS_INCLUDE = [
    'level', 'due_dt', 'category', 'suggested_category', 'assignee_id', 'committee_id',
    'is_published',
]
REPORTED_INCLUDE = [
    'id', 'category', 'suggested_category', 'committee_id', 'level', 'site_id', 'resolution',
    'triaged_dt', 'verification_started_dt', 'verified_dt', 'escalated_dt', 'closed_dt',
]


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        if op.get_bind().dialect.name == "postgresql":
            # The same names and leading columns, now with INCLUDEd columns.
            batch_op.drop_index('ix_cases_status')
            batch_op.create_index('ix_cases_status', ['status'], postgresql_include=STATUS_INCLUDE)
            batch_op.drop_index('ix_cases_reported_dt')
            batch_op.create_index(
                'ix_cases_reported_dt', ['reported_dt'], postgresql_include=REPORTED_INCLUDE
            )
        batch_op.create_index('ix_cases_published', ['status', 'reported_dt', 'id'], unique=False, postgresql_where=sa.text('is_published IS TRUE'), sqlite_where=sa.text('is_published IS 1'))
        # Leads with site_id: the plain site index goes.
        batch_op.drop_index('ix_cases_site_id')
        batch_op.create_index('ix_cases_site_category_level_reported', ['site_id', 'category', 'level', 'reported_dt'], unique=False)
        batch_op.create_index('ix_cases_level3_reported', ['reported_dt'], unique=False, postgresql_include=['site_id', 'category', 'suggested_category', 'committee_id'], postgresql_where=sa.text('level = 3'), sqlite_where=sa.text('level = 3'))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_level3_reported')
        batch_op.drop_index('ix_cases_site_category_level_reported')
        batch_op.create_index('ix_cases_site_id', ['site_id'])
        batch_op.drop_index('ix_cases_published')
        if op.get_bind().dialect.name == "postgresql":
            batch_op.drop_index('ix_cases_reported_dt')
            batch_op.create_index('ix_cases_reported_dt', ['reported_dt'])
            batch_op.drop_index('ix_cases_status')
            batch_op.create_index('ix_cases_status', ['status'])
