"""costing: costing methods and FIFO layers, the Price Variance location, the supplier-invoice
match with tolerances and decisions, advance invoices and refunds

Revision ID: 0008_costing
Revises: 0005_enum_spellings, 0006_move_hash_chain
Create Date: 2026-12-01

Every existing item becomes STANDARD-costed (what moves out already carried). A database that
has its shared locations gets the Price Variance location beside them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_costing'
down_revision: str | Sequence[str] | None = '0007_operator_auth'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not computed: this revision keeps doing what it did whatever the code becomes.
PRICE_VARIANCE = {'code': 'PRICE-VARIANCE', 'name': 'Price Variance', 'kind': 'price_variance', 'barcode': 'PRICE-VARIANCE.04'}


def upgrade() -> None:
    op.add_column('item', sa.Column('costing_method', sa.String(length=10), server_default='standard', nullable=False))
    op.create_table('cost_layer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_cost_layer_item_warehouse', 'cost_layer', ['item_id', 'warehouse_id'], unique=False)
    op.add_column('supplier_detail', sa.Column('invoice_price_tolerance_percent', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('supplier_detail', sa.Column('invoice_quantity_tolerance_percent', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('supplier_invoice', sa.Column('decided_by', sa.String(length=40), nullable=True))
    op.add_column('supplier_invoice', sa.Column('decision_reason', sa.String(length=200), nullable=True))
    op.add_column('supplier_invoice', sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('supplier_invoice_line', sa.Column('hold_reason', sa.Text(), nullable=True))
    op.add_column('invoice', sa.Column('kind', sa.String(length=10), server_default='invoice', nullable=False))
    op.add_column('payment', sa.Column('kind', sa.String(length=10), server_default='payment', nullable=False))
    op.add_column('payment', sa.Column('reason', sa.String(length=200), nullable=True))
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('advance_invoice_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_invoice_line_advance_invoice_id', 'invoice', ['advance_invoice_id'], ['id'])
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_payment_refund_of_id', 'payment', ['refund_of_id'], ['id'])
    location = sa.table(
        'location', *(sa.column(name) for name in ('code', 'name', 'kind', 'barcode', 'active', 'pick_sequence'))
    )
    bind = op.get_bind()
    has_shared = bind.execute(sa.select(location.c.code).where(location.c.code == 'SUPPLIERS')).first()
    has_variance = bind.execute(sa.select(location.c.code).where(location.c.code == PRICE_VARIANCE['code'])).first()
    if has_shared and not has_variance:
        op.execute(location.insert().values(**PRICE_VARIANCE, active=True, pick_sequence=0))


def downgrade() -> None:
    location = sa.table('location', sa.column('code'))
    op.execute(location.delete().where(location.c.code == PRICE_VARIANCE['code']))
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_payment_refund_of_id', type_='foreignkey')
        batch_op.drop_column('refund_of_id')
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.drop_constraint('fk_invoice_line_advance_invoice_id', type_='foreignkey')
        batch_op.drop_column('advance_invoice_id')
    for table, column in (
        ('payment', 'reason'), ('payment', 'kind'), ('invoice', 'kind'), ('supplier_invoice_line', 'hold_reason'),
        ('supplier_invoice', 'decided_at'), ('supplier_invoice', 'decision_reason'), ('supplier_invoice', 'decided_by'),
        ('supplier_detail', 'invoice_quantity_tolerance_percent'), ('supplier_detail', 'invoice_price_tolerance_percent'),
        ('item', 'costing_method'),
    ):
        # Plain DROP COLUMN (SQLite 3.35+): a batch copy of item would break the tables referring to it.
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    op.drop_index('ix_cost_layer_item_warehouse', table_name='cost_layer')
    op.drop_table('cost_layer')
