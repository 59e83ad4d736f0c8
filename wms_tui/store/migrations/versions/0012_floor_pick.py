"""floor pick: held_step, the pending step of an operator another one took the terminal from

Revision ID: 0012_floor_pick
Revises: 0011_sync
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_floor_pick'
down_revision: str | Sequence[str] | None = '0011_sync'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('held_step',
    sa.Column('operator', sa.String(length=40), nullable=False),
    sa.Column('terminal_id', sa.String(length=40), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('operator')
    )


def downgrade() -> None:
    op.drop_table('held_step')
