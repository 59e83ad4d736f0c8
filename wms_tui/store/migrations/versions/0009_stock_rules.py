"""stock rules: the stock_exception table, where the floor hands a supervisor what it cannot settle

Revision ID: 0009_stock_rules
Revises: 0010_console
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_stock_rules'
down_revision: str | Sequence[str] | None = '0010_console'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('stock_exception',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('state', sa.String(length=10), server_default='open', nullable=False),
    sa.Column('document_ref', sa.String(length=60), nullable=True),
    sa.Column('move_ids', sa.Text(), server_default='', nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=40), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stock_exception', schema=None) as batch_op:
        batch_op.create_index('ix_stock_exception_state', ['state'], unique=False)
        batch_op.create_index('ix_stock_exception_document', ['document_ref'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stock_exception', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_exception_document')
        batch_op.drop_index('ix_stock_exception_state')
    op.drop_table('stock_exception')
