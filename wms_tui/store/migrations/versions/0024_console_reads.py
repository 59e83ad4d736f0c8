"""console reads: an item's orders found from the item index alone

Revision ID: 0024_console_reads
Revises: 0023_sync_change_numbers
Create Date: 2026-12-02

The order list searched by SKU (`wms-tui bench console`: "SKU-0004" is ten items, some 5,000
lines of 100,000 orders) read every matching line's row for its order id. The item index
carries the order id now, (item_id, order_id) in place of (item_id): the same number of
indexes written per line, and whatever read the item index still can.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0024_console_reads'
down_revision: str | Sequence[str] | None = '0023_sync_change_numbers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_sales_order_line_item_order', 'sales_order_line', ['item_id', 'order_id'])
    op.drop_index('ix_sales_order_line_item_id', table_name='sales_order_line')


def downgrade() -> None:
    op.create_index('ix_sales_order_line_item_id', 'sales_order_line', ['item_id'])
    op.drop_index('ix_sales_order_line_item_order', table_name='sales_order_line')
