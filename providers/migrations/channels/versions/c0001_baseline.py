"""The SMS store's first tables: the STOP list and the ids of messages seen.

Revision ID: c0001_baseline
Revises:
Create Date: 2026-12-03

A store made by `create_all` before migrations has these two (and maybe what c0002 adds): it is
stamped here and c0002 brings it the rest.
"""
import sqlalchemy as sa
from alembic import op

revision = "c0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("sms_suppression",
                    sa.Column("sender_hash", sa.String(length=80), nullable=False),
                    sa.Column("since", sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint("sender_hash"))
    op.create_table("sms_message_seen",
                    sa.Column("sid_hash", sa.String(length=64), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint("sid_hash"))
    op.create_index(op.f("ix_sms_message_seen_created_at"), "sms_message_seen", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sms_message_seen_created_at"), table_name="sms_message_seen")
    op.drop_table("sms_message_seen")
    op.drop_table("sms_suppression")
