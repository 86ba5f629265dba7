"""process drafts: a process owner's edited definition files, saved without deploying (docs/workspace.md)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 07:00:00
"""
import sqlalchemy as sa
from alembic import op

from workflow_app.platform.persistence.models.base import UTCDateTime

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('process_draft',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('title', sa.String(length=200), nullable=False),
                    sa.Column('process_key', sa.String(length=200), nullable=True),
                    sa.Column('restored_from', sa.String(length=220), nullable=True),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('revision', sa.Integer(), nullable=False),
                    sa.Column('base_deployment_id', sa.Integer(), nullable=True),
                    sa.Column('created_by', sa.String(length=64), nullable=False),
                    sa.Column('created_at', UTCDateTime(), nullable=False),
                    sa.Column('updated_by', sa.String(length=64), nullable=False),
                    sa.Column('updated_at', UTCDateTime(), nullable=False),
                    sa.Column('lock_version', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_process_draft_status', 'process_draft', ['status', 'updated_at'])
    op.create_index(op.f('ix_process_draft_process_key'), 'process_draft', ['process_key'])
    op.create_table('process_draft_file',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('draft_id', sa.Integer(), nullable=False),
                    sa.Column('filename', sa.String(length=200), nullable=False),
                    sa.Column('content', sa.LargeBinary(), nullable=False),
                    sa.Column('content_hash', sa.String(length=64), nullable=False),
                    sa.Column('base_hash', sa.String(length=64), nullable=True),
                    sa.Column('updated_at', UTCDateTime(), nullable=False),
                    sa.Column('updated_by', sa.String(length=64), nullable=False),
                    sa.ForeignKeyConstraint(['draft_id'], ['process_draft.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('draft_id', 'filename'))
    op.create_index(op.f('ix_process_draft_file_draft_id'), 'process_draft_file', ['draft_id'])


def downgrade() -> None:
    op.drop_table('process_draft_file')
    op.drop_table('process_draft')
