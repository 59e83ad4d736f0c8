"""floor: operators and persisted terminal flow state

Revision ID: 0004_floor
Revises: 0001_ledger
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_floor'
down_revision: str | Sequence[str] | None = '0001_ledger'
branch_labels: str | Sequence[str] | None = ('floor',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('operator',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('badge', sa.String(length=60), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code'),
    sa.UniqueConstraint('badge')
    )
    op.create_table('floor_session',
    sa.Column('terminal_id', sa.String(length=40), nullable=False),
    sa.Column('operator', sa.String(length=40), nullable=True),
    sa.Column('state', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('terminal_id')
    )


def downgrade() -> None:
    op.drop_table('floor_session')
    op.drop_table('operator')
