"""provisional deadlines, clock reminders, notifications (docs/deadlines.md)

* ``due_provisional`` on task_row, timer_row and statutory_clock: the date crosses a year without official
  calendar data (shown as 暂定, recomputed when the year is loaded);
* statutory_clock ``remind``/``remind_at``/``reminded_at``/``escalated_at``: the worker's reminder and
  escalation of the long clocks;
* ``deadline_recompute``: per-instance jobs that recompute provisional dates after a calendar load;
* ``notification``: in-app notifications.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:00:55.065025
"""
from alembic import op
import sqlalchemy as sa
import workflow_app.platform.persistence.models.base


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deadline_recompute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.Column('done_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_deadline_recompute_instance_id_process_instance'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_recompute'))
    )
    with op.batch_alter_table('deadline_recompute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_recompute_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_recompute_pending', ['status', 'id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('business_key', sa.String(length=100), nullable=True),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.Column('read_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_notification_instance_id_process_instance'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_notification_user_unread', ['username', 'read_at', 'id'], unique=False)

    with op.batch_alter_table('statutory_clock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_provisional', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('remind', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('remind_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_clock_status_remind', ['status', 'remind_at'], unique=False)

    with op.batch_alter_table('task_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_provisional', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('timer_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_provisional', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('timer_row', schema=None) as batch_op:
        batch_op.drop_column('due_provisional')

    with op.batch_alter_table('task_row', schema=None) as batch_op:
        batch_op.drop_column('due_provisional')

    with op.batch_alter_table('statutory_clock', schema=None) as batch_op:
        batch_op.drop_index('ix_clock_status_remind')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('remind_at')
        batch_op.drop_column('remind')
        batch_op.drop_column('due_provisional')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_unread')
        batch_op.drop_index(batch_op.f('ix_notification_instance_id'))

    op.drop_table('notification')
    with op.batch_alter_table('deadline_recompute', schema=None) as batch_op:
        batch_op.drop_index('ix_recompute_pending')
        batch_op.drop_index(batch_op.f('ix_deadline_recompute_instance_id'))

    op.drop_table('deadline_recompute')
