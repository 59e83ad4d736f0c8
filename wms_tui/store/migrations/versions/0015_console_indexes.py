"""console indexes: the order list searched and filtered, and order statuses derived, through indexes

Revision ID: 0015_console_indexes
Revises: 0016_sync_documents
Create Date: 2026-12-04

`wms-tui bench console` (100,000 orders, 1,000,000 moves) with SQLite planning without
statistics (nothing runs ANALYZE on a site's database):
- a customer's newest orders read in order (customer, created), not all of them sorted;
- an order's status facts read from its lines, invoices and payments without visiting their
  rows (covering indexes: the working orders' lines are read on every dashboard refresh).
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0015_console_indexes'
down_revision: str | Sequence[str] | None = '0016_sync_documents'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINE_FACTS = ['order_id', 'quantity', 'shipped_quantity', 'cancelled_quantity', 'picked_quantity', 'backordered_quantity']


def upgrade() -> None:
    op.create_index('ix_sales_order_customer_created', 'sales_order', ['customer_id', 'created_at'])
    op.create_index('ix_sales_order_line_facts', 'sales_order_line', LINE_FACTS)
    op.create_index('ix_invoice_order_totals', 'invoice', ['order_id', 'state', 'total'])
    op.create_index('ix_payment_invoice_amounts', 'payment', ['invoice_id', 'state', 'amount'])


def downgrade() -> None:
    op.drop_index('ix_payment_invoice_amounts', table_name='payment')
    op.drop_index('ix_invoice_order_totals', table_name='invoice')
    op.drop_index('ix_sales_order_line_facts', table_name='sales_order_line')
    op.drop_index('ix_sales_order_customer_created', table_name='sales_order')
