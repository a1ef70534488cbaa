"""Replies kept apart (sms_reply, deleted with the sender's conversation), and the old `reply` column gone.

Revision ID: c0002_replies_apart
Revises: c0001_baseline
Create Date: 2026-12-03

Stores made by `create_all` come in two shapes: older ones kept each reply in a nullable
sms_message_seen.reply and have no sms_reply; newer ones have sms_reply and may still carry the
unused column. Either way this ends with sms_reply and without the column (it held reply texts,
which are kept no longer than Twilio's retries now).
"""
import sqlalchemy as sa
from alembic import op

revision = "c0002_replies_apart"
down_revision = "c0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("sms_reply"):
        op.create_table("sms_reply",
                        sa.Column("sid_hash", sa.String(length=64), nullable=False),
                        sa.Column("sender_hash", sa.String(length=80), nullable=False),
                        sa.Column("created_at", sa.DateTime(), nullable=False),
                        sa.Column("twiml", sa.Text(), nullable=False),
                        sa.PrimaryKeyConstraint("sid_hash"))
        op.create_index(op.f("ix_sms_reply_created_at"), "sms_reply", ["created_at"], unique=False)
        op.create_index(op.f("ix_sms_reply_sender_hash"), "sms_reply", ["sender_hash"], unique=False)
    if "reply" in {column["name"] for column in inspector.get_columns("sms_message_seen")}:
        with op.batch_alter_table("sms_message_seen") as batch:
            batch.drop_column("reply")


def downgrade() -> None:
    op.drop_index(op.f("ix_sms_reply_sender_hash"), table_name="sms_reply")
    op.drop_index(op.f("ix_sms_reply_created_at"), table_name="sms_reply")
    op.drop_table("sms_reply")
