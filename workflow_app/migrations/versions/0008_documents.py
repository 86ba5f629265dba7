"""issued_document, document_service: official documents of a case and their service records (docs/documents.md)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:40:00
"""
from alembic import op
import sqlalchemy as sa
import workflow_app.platform.persistence.models.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('issued_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('doc_type', sa.String(length=64), nullable=False),
    sa.Column('number_kind', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('docx_attachment_id', sa.Integer(), nullable=False),
    sa.Column('pdf_attachment_id', sa.Integer(), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['docx_attachment_id'], ['attachment.id'],
                            name=op.f('fk_issued_document_docx_attachment_id_attachment')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                            name=op.f('fk_issued_document_instance_id_process_instance'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pdf_attachment_id'], ['attachment.id'],
                            name=op.f('fk_issued_document_pdf_attachment_id_attachment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_document')),
    sa.UniqueConstraint('number_kind', 'number', name=op.f('uq_issued_document_number_kind'))
    )
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_document_doc_type'), ['doc_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_issued_document_instance_id'), ['instance_id'], unique=False)

    op.create_table('document_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('proof_attachment_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['issued_document.id'],
                            name=op.f('fk_document_service_document_id_issued_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proof_attachment_id'], ['attachment.id'],
                            name=op.f('fk_document_service_proof_attachment_id_attachment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_service'))
    )
    with op.batch_alter_table('document_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_service_document_id'), ['document_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('document_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_service_document_id'))
    op.drop_table('document_service')
    with op.batch_alter_table('issued_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_document_instance_id'))
        batch_op.drop_index(batch_op.f('ix_issued_document_doc_type'))
    op.drop_table('issued_document')
