"""Dashboard counts

The dashboard's incidents per month and sites with recurring incidents read two summary
tables, case_month_counts and case_site_month_counts, kept by triggers on cases (and on
sites, for a province's change) in the same transaction: plpgsql functions on PostgreSQL,
triggers on SQLite (casework/dashboard/counts.py). Backfilled here from the cases.

Revision ID: 90d71f604827
Revises: a32a360aff4b
Create Date: 2026-11-30 04:15:19.646333

"""
from alembic import op
import sqlalchemy as sa

from casework.dashboard import counts


# revision identifiers, used by Alembic.
revision = '90d71f604827'
down_revision = 'a32a360aff4b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_month_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('dropped', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_month_counts')),
    sa.UniqueConstraint('month', 'category', 'province', 'committee_id', 'dropped', name=op.f('uq_case_month_counts_month'))
    )
    op.create_table('case_site_month_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_site_month_counts')),
    sa.UniqueConstraint('month', 'site_id', 'committee_id', 'restricted', name=op.f('uq_case_site_month_counts_month'))
    )
    dialect = op.get_bind().dialect.name
    # The triggers, then the cases counted, in this one transaction.
    for statement in counts.PG_SETUP if dialect == "postgresql" else counts.SQLITE_SETUP:
        op.execute(statement)
    for statement in counts.backfill(dialect):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in counts.PG_TEARDOWN if dialect == "postgresql" else counts.SQLITE_TEARDOWN:
        op.execute(statement)
    op.drop_table('case_site_month_counts')
    op.drop_table('case_month_counts')
