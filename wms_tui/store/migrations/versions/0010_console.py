"""console: exception resolutions recorded by the supervisor console

Revision ID: 0010_console
Revises: 0005_enum_spellings, 0006_move_hash_chain
Create Date: 2026-12-03

Joins the two heads. exception_resolution says who resolved a floor exception (short pick,
count variance, over-receipt, failed print), when and how; the exception stays in its own table.
Indexes for the console over 100,000 orders and 1,000,000 moves (`wms-tui bench console`):
orders newest first and by state, and today's moves by reason for the dashboard's hourly pace.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_console'
down_revision: str | Sequence[str] | None = '0008_costing'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exception_resolution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('resolved_by', sa.String(length=40), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'reference', name='uq_exception_resolution')
    )
    op.create_index('ix_sales_order_created', 'sales_order', ['created_at'])
    op.create_index('ix_sales_order_state_created', 'sales_order', ['state', 'created_at'])
    op.create_index('ix_stock_move_reason_created', 'stock_move', ['reason', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_stock_move_reason_created', table_name='stock_move')
    op.drop_index('ix_sales_order_state_created', table_name='sales_order')
    op.drop_index('ix_sales_order_created', table_name='sales_order')
    op.drop_table('exception_resolution')
