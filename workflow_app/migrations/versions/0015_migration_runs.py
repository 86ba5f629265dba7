"""migration runs of running instances between process versions, and the waiting element of timers and
message subscriptions (the live view counts per element; docs/operations.md)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 08:00:00
"""
import sqlalchemy as sa
from alembic import op

from workflow_app.platform.persistence.models.base import UTCDateTime

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('timer_row') as batch:
        batch.add_column(sa.Column('element', sa.String(length=200), nullable=True))
    with op.batch_alter_table('message_subscription') as batch:
        batch.add_column(sa.Column('element', sa.String(length=200), nullable=True))
    op.create_table('migration_run',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('process_key', sa.String(length=200), nullable=False),
                    sa.Column('source_version_id', sa.Integer(), nullable=False),
                    sa.Column('target_version_id', sa.Integer(), nullable=False),
                    sa.Column('source_version', sa.Integer(), nullable=False),
                    sa.Column('target_version', sa.Integer(), nullable=False),
                    sa.Column('batch_size', sa.Integer(), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('total', sa.Integer(), nullable=False),
                    sa.Column('migrated', sa.Integer(), nullable=False),
                    sa.Column('failed', sa.Integer(), nullable=False),
                    sa.Column('started_by', sa.String(length=64), nullable=False),
                    sa.Column('started_at', UTCDateTime(), nullable=False),
                    sa.Column('finished_at', UTCDateTime(), nullable=True),
                    sa.Column('row_version', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['source_version_id'], ['process_version.id']),
                    sa.ForeignKeyConstraint(['target_version_id'], ['process_version.id']),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_migration_run_process', 'migration_run', ['process_key', 'id'], unique=False)
    op.create_table('migration_result',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('run_id', sa.Integer(), nullable=False),
                    sa.Column('instance_id', sa.Integer(), nullable=False),
                    sa.Column('business_key', sa.String(length=100), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('batch', sa.Integer(), nullable=True),
                    sa.Column('reason', sa.Text(), nullable=True),
                    sa.Column('detail', sa.Text(), nullable=True),
                    sa.Column('notes', sa.Text(), nullable=True),
                    sa.Column('finished_at', UTCDateTime(), nullable=True),
                    sa.ForeignKeyConstraint(['run_id'], ['migration_run.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_migration_result_run', 'migration_result', ['run_id', 'status', 'id'], unique=False)
    op.create_index(op.f('ix_migration_result_instance_id'), 'migration_result', ['instance_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_migration_result_instance_id'), table_name='migration_result')
    op.drop_index('ix_migration_result_run', table_name='migration_result')
    op.drop_table('migration_result')
    op.drop_index('ix_migration_run_process', table_name='migration_run')
    op.drop_table('migration_run')
    with op.batch_alter_table('message_subscription') as batch:
        batch.drop_column('element')
    with op.batch_alter_table('timer_row') as batch:
        batch.drop_column('element')
