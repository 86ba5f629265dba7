"""process publications: submissions of drafts, four-eyes approvals, version comments (docs/workspace.md)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 08:00:00
"""
import sqlalchemy as sa
from alembic import op

from workflow_app.platform.persistence.models.base import UTCDateTime

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('process_publication',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('draft_id', sa.Integer(), nullable=False),
                    sa.Column('process_key', sa.String(length=200), nullable=True),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('comment', sa.Text(), nullable=False),
                    sa.Column('approvals', sa.Integer(), nullable=False),
                    sa.Column('restored_from', sa.String(length=220), nullable=True),
                    sa.Column('files', sa.Text(), nullable=False),
                    sa.Column('submitted_by', sa.String(length=64), nullable=False),
                    sa.Column('submitted_at', UTCDateTime(), nullable=False),
                    sa.Column('approved_by', sa.String(length=64), nullable=True),
                    sa.Column('approved_at', UTCDateTime(), nullable=True),
                    sa.Column('rejected_by', sa.String(length=64), nullable=True),
                    sa.Column('rejected_at', UTCDateTime(), nullable=True),
                    sa.Column('withdrawn_at', UTCDateTime(), nullable=True),
                    sa.Column('reason', sa.Text(), nullable=True),
                    sa.Column('deployment_id', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['draft_id'], ['process_draft.id'], ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['deployment_id'], ['deployment.id']),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_process_publication_draft', 'process_publication', ['draft_id', 'submitted_at'])
    op.create_index(op.f('ix_process_publication_process_key'), 'process_publication', ['process_key'])
    op.create_index(op.f('ix_process_publication_deployment_id'), 'process_publication', ['deployment_id'])


def downgrade() -> None:
    op.drop_table('process_publication')
