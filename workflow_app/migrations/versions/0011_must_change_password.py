"""app_user.must_change_password: a password someone else chose is replaced at the user's next login

Set by an administrator's reset and by creating a user with an initial password; cleared when the user
sets a new password (platform/identity/directory.py, docs/security.md "Passwords"). Existing users keep
their passwords: the column starts false.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 19:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
