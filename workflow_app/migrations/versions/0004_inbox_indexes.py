"""inbox indexes measured by the benchmark suite (bench (c), docs/benchmarks.md)

* ix_task_open_group gains ``assignee`` so "my groups' unclaimed" (assignee IS NULL) is an index range
  on SQLite too;
* ix_task_open_scope_due serves the supervisors' views of a body in a bureau (e.g. overdue work).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 20:55:00
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('task_row', schema=None) as batch_op:
        batch_op.drop_index('ix_task_open_group')
        batch_op.create_index('ix_task_open_group', ['status', 'candidate_group', 'assignee', 'priority', 'created_at'],
                              unique=False)
        batch_op.create_index('ix_task_open_scope_due', ['status', 'bureau', 'body', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task_row', schema=None) as batch_op:
        batch_op.drop_index('ix_task_open_scope_due')
        batch_op.drop_index('ix_task_open_group')
        batch_op.create_index('ix_task_open_group', ['status', 'candidate_group', 'priority', 'created_at'], unique=False)
