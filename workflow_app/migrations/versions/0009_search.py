"""search indexes: registrations and cases are listed newest first (domain/cases/search.py)

* ix_complaint_received (received_at, id) orders and pages the registrations and serves the received-date range;
* ix_case_file_opened (opened_at, id) orders and pages the cases.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 18:00:00
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_received', ['received_at', 'id'], unique=False)
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.create_index('ix_case_file_opened', ['opened_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_opened')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_received')
