"""Reports that a listing is wrong, and navigators' reviews of them (providers.reports).

Revision ID: r0002_listing_reports
Revises: r0001_baseline
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "r0002_listing_reports"
down_revision = "r0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('listing_report',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('listing_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('term', sa.String(length=80), nullable=True),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_listing_report_listing_id'), 'listing_report', ['listing_id'], unique=False)
    op.create_table('listing_review',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('listing_id', sa.String(length=36), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reviewer', sa.Text(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('address_1', sa.Text(), nullable=True),
    sa.Column('city', sa.Text(), nullable=True),
    sa.Column('state_province', sa.String(length=2), nullable=True),
    sa.Column('postal_code', sa.String(length=10), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('term', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_listing_review_listing_id'), 'listing_review', ['listing_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_listing_review_listing_id'), table_name='listing_review')
    op.drop_table('listing_review')
    op.drop_index(op.f('ix_listing_report_listing_id'), table_name='listing_report')
    op.drop_table('listing_report')
