"""inter-agency collaboration: transfers and ledgers, police transfers, joint hearings, liaison meetings and
their quarterly schedule, supervised handling (docs/collaboration.md)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 20:44:07.989206
"""
from alembic import op
import sqlalchemy as sa
import workflow_app.platform.persistence.models.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('liaison_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('bureau', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('agenda', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('decisions', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('held_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_meeting')),
    sa.UniqueConstraint('number', name=op.f('uq_liaison_meeting_number'))
    )
    with op.batch_alter_table('liaison_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_meeting_bureau'), ['bureau'], unique=False)
        batch_op.create_index(batch_op.f('ix_liaison_meeting_instance_id'), ['instance_id'], unique=False)

    op.create_table('meeting_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bureau', sa.String(length=64), nullable=False),
    sa.Column('process_key', sa.String(length=200), nullable=False),
    sa.Column('next_due_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_schedule')),
    sa.UniqueConstraint('bureau', name=op.f('uq_meeting_schedule_bureau'))
    )
    with op.batch_alter_table('meeting_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_schedule_next_due_at'), ['next_due_at'], unique=False)

    op.create_table('meeting_action_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('bureau', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=True),
    sa.Column('owner_body', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('done_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['liaison_meeting.id'], name=op.f('fk_meeting_action_item_meeting_id_liaison_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_action_item'))
    )
    with op.batch_alter_table('meeting_action_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_action_item_bureau'), ['bureau'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_action_item_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_action_item_status'), ['status'], unique=False)

    op.create_table('meeting_schedule_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('started_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['schedule_id'], ['meeting_schedule.id'], name=op.f('fk_meeting_schedule_run_schedule_id_meeting_schedule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_schedule_run')),
    sa.UniqueConstraint('schedule_id', 'period', name=op.f('uq_meeting_schedule_run_schedule_id'))
    )
    with op.batch_alter_table('meeting_schedule_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_schedule_run_schedule_id'), ['schedule_id'], unique=False)

    op.create_table('collab_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('assist_type', sa.String(length=16), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('case_number', sa.String(length=100), nullable=True),
    sa.Column('employer_name', sa.String(length=300), nullable=True),
    sa.Column('from_bureau', sa.String(length=64), nullable=False),
    sa.Column('from_body', sa.String(length=32), nullable=False),
    sa.Column('to_bureau', sa.String(length=64), nullable=False),
    sa.Column('to_body', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('letter', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('receiver_instance_id', sa.Integer(), nullable=True),
    sa.Column('created_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('sent_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.Column('ack_due_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.Column('acknowledged_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
    sa.Column('answered_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.Column('escalated_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('new_case_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_collab_transfer_case_id_case_file')),
    sa.ForeignKeyConstraint(['new_case_id'], ['case_file.id'], name=op.f('fk_collab_transfer_new_case_id_case_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collab_transfer')),
    sa.UniqueConstraint('number', name=op.f('uq_collab_transfer_number'))
    )
    with op.batch_alter_table('collab_transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collab_transfer_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_collab_transfer_from', ['from_bureau', 'from_body', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_collab_transfer_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collab_transfer_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_collab_transfer_status'), ['status'], unique=False)
        batch_op.create_index('ix_collab_transfer_to', ['to_bureau', 'to_body', 'created_at'], unique=False)

    op.create_table('joint_hearing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('jurisdiction', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('scheduled_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('participants', sa.JSON(), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('conclusion', sa.JSON(), nullable=True),
    sa.Column('created_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('concluded_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_joint_hearing_case_id_case_file')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_joint_hearing_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['request_id'], ['joint_hearing_request.id'], name=op.f('fk_joint_hearing_request_id_joint_hearing_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_hearing')),
    sa.UniqueConstraint('number', name=op.f('uq_joint_hearing_number'))
    )
    with op.batch_alter_table('joint_hearing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_hearing_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_hearing_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_hearing_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_hearing_jurisdiction'), ['jurisdiction'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_hearing_status'), ['status'], unique=False)

    op.create_table('supervised_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('supervising_bureau', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('deadline_rule', sa.String(length=16), nullable=False),
    sa.Column('due_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('created_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('closed_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_supervised_case_case_id_case_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervised_case'))
    )
    with op.batch_alter_table('supervised_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervised_case_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_supervised_open', ['supervising_bureau', 'status'], unique=False)

    op.create_table('joint_hearing_opinion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hearing_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(length=32), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('proposed_body', sa.String(length=32), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', workflow_app.platform.persistence.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hearing_id'], ['joint_hearing.id'], name=op.f('fk_joint_hearing_opinion_hearing_id_joint_hearing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_hearing_opinion')),
    sa.UniqueConstraint('hearing_id', 'body', name=op.f('uq_joint_hearing_opinion_hearing_id'))
    )
    with op.batch_alter_table('joint_hearing_opinion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_hearing_opinion_hearing_id'), ['hearing_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('joint_hearing_opinion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_joint_hearing_opinion_hearing_id'))

    op.drop_table('joint_hearing_opinion')
    with op.batch_alter_table('supervised_case', schema=None) as batch_op:
        batch_op.drop_index('ix_supervised_open')
        batch_op.drop_index(batch_op.f('ix_supervised_case_case_id'))

    op.drop_table('supervised_case')
    with op.batch_alter_table('joint_hearing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_joint_hearing_status'))
        batch_op.drop_index(batch_op.f('ix_joint_hearing_jurisdiction'))
        batch_op.drop_index(batch_op.f('ix_joint_hearing_instance_id'))
        batch_op.drop_index(batch_op.f('ix_joint_hearing_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_joint_hearing_case_id'))

    op.drop_table('joint_hearing')
    with op.batch_alter_table('collab_transfer', schema=None) as batch_op:
        batch_op.drop_index('ix_collab_transfer_to')
        batch_op.drop_index(batch_op.f('ix_collab_transfer_status'))
        batch_op.drop_index(batch_op.f('ix_collab_transfer_kind'))
        batch_op.drop_index(batch_op.f('ix_collab_transfer_instance_id'))
        batch_op.drop_index('ix_collab_transfer_from')
        batch_op.drop_index(batch_op.f('ix_collab_transfer_case_id'))

    op.drop_table('collab_transfer')
    with op.batch_alter_table('meeting_schedule_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_schedule_run_schedule_id'))

    op.drop_table('meeting_schedule_run')
    with op.batch_alter_table('meeting_action_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_action_item_status'))
        batch_op.drop_index(batch_op.f('ix_meeting_action_item_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_action_item_bureau'))

    op.drop_table('meeting_action_item')
    with op.batch_alter_table('meeting_schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_schedule_next_due_at'))

    op.drop_table('meeting_schedule')
    with op.batch_alter_table('liaison_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_meeting_instance_id'))
        batch_op.drop_index(batch_op.f('ix_liaison_meeting_bureau'))

    op.drop_table('liaison_meeting')
