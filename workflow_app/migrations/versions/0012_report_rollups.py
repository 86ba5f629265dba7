"""the dashboard's roll-ups (domain/reports/models.py, kept by domain/reports/rollups.py)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 18:40:00
"""
import sqlalchemy as sa
from alembic import op

from workflow_app.platform.persistence.models.base import UTCDateTime

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_rollup_state',
                    sa.Column('name', sa.String(length=32), nullable=False),
                    sa.Column('complaint_watermark', sa.Integer(), nullable=False),
                    sa.Column('case_watermark', sa.Integer(), nullable=False),
                    sa.Column('refreshed_at', UTCDateTime(), nullable=True),
                    sa.Column('snapshot_at', UTCDateTime(), nullable=True),
                    sa.PrimaryKeyConstraint('name'))
    op.create_table('report_complaint_day',
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('district', sa.String(length=64), nullable=False),
                    sa.Column('channel', sa.String(length=32), nullable=False),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('day', 'district', 'channel'))
    op.create_table('report_claim_day',
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('district', sa.String(length=64), nullable=False),
                    sa.Column('code', sa.String(length=64), nullable=False),
                    sa.Column('label', sa.String(length=200), nullable=False),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('day', 'district', 'code'))
    op.create_table('report_stage_snapshot',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('jurisdiction', sa.String(length=64), nullable=False),
                    sa.Column('body', sa.String(length=32), nullable=False),
                    sa.Column('status', sa.String(length=32), nullable=False),
                    sa.Column('stage', sa.String(length=200), nullable=True),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_report_stage_snapshot_day', 'report_stage_snapshot', ['day'], unique=False)
    op.create_table('report_overdue_snapshot',
                    sa.Column('bureau', sa.String(length=64), nullable=False),
                    sa.Column('body', sa.String(length=32), nullable=False),
                    sa.Column('open_tasks', sa.Integer(), nullable=False),
                    sa.Column('overdue_tasks', sa.Integer(), nullable=False),
                    sa.Column('running_clocks', sa.Integer(), nullable=False),
                    sa.Column('overdue_clocks', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('bureau', 'body'))


def downgrade() -> None:
    op.drop_table('report_overdue_snapshot')
    op.drop_index('ix_report_stage_snapshot_day', table_name='report_stage_snapshot')
    op.drop_table('report_stage_snapshot')
    op.drop_table('report_claim_day')
    op.drop_table('report_complaint_day')
    op.drop_table('report_rollup_state')
