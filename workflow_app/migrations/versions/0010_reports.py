"""indexes of the dashboard's figures (domain/reports/figures.py, measured by bench/leadership.py)

* ix_complaint_received_figures: complaints received in a period, per district and channel (index-only on PostgreSQL);
* ix_case_opened: cases opened in a period, per jurisdiction and body;
* ix_case_urgent: the urgent (emergency) cases, per jurisdiction and body;
* ix_collab_transfer_kind_created: police transfers and acknowledgement times of a kind in a period.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 18:00:00
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_received_figures', ['received_at', 'employer_district', 'channel'], unique=False)
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.create_index('ix_case_opened', ['opened_at', 'jurisdiction', 'body'], unique=False)
        batch_op.create_index('ix_case_urgent', ['urgent', 'jurisdiction', 'body'], unique=False)
    with op.batch_alter_table('collab_transfer', schema=None) as batch_op:
        batch_op.create_index('ix_collab_transfer_kind_created', ['kind', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('collab_transfer', schema=None) as batch_op:
        batch_op.drop_index('ix_collab_transfer_kind_created')
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_urgent')
        batch_op.drop_index('ix_case_opened')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_received_figures')
