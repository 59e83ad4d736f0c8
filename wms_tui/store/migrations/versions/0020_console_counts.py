"""console counts: each order's status facts kept beside it, so statuses are filtered and counted through an index

Revision ID: 0020_console_counts
Revises: 0018_sync_inbound_docs
Create Date: 2026-12-02

An order's derived status depends on its state and a few facts (services/order_status.FACTS): any line
shipped, every line shipped or cancelled, any line picked, anything invoiced, the payments
covering the invoices, anything paid (void invoices and their payments apart), any line back
ordered. order_facts keeps per order the counts and sums they come from, maintained by
triggers on sales_order, sales_order_line, invoice and payment (whoever writes them: the
services, sync, a bulk import), and `code`: the working order's state and facts as one number,
a bit each (order_status.facts_code), NULL for quotes, cancelled and closed orders. An index on
(code, created_at) answers "the newest orders showing this status" and "orders per status"
without reading every working order's lines and money (`wms-tui bench console`: 100,000
orders). The facts of the orders already there are worked out once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wms_tui.store.migrations.order_facts import (
    CODE,
    create_triggers,
    drop_triggers,
    line_counts,
    recode,
    triggers,
)

revision: str = '0020_console_counts'
down_revision: str | Sequence[str] | None = '0018_sync_inbound_docs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The facts of the orders already there, worked out once.
BACKFILL = f"""
INSERT INTO order_facts (order_id, state, created_at, lines, shipped_lines, done_lines, picked_lines, backordered_lines,
                         billed, received)
SELECT o.id, o.state, o.created_at, COALESCE(l.lines, 0), COALESCE(l.shipped_lines, 0), COALESCE(l.done_lines, 0),
       COALESCE(l.picked_lines, 0), COALESCE(l.backordered_lines, 0), COALESCE(m.billed, 0), COALESCE(m.received, 0)
FROM sales_order o
LEFT JOIN (
    SELECT order_id, {', '.join(f'SUM({value}) AS {column}' for column, value in line_counts('sales_order_line').items())}
    FROM sales_order_line GROUP BY order_id
) l ON l.order_id = o.id
LEFT JOIN (
    SELECT i.order_id, SUM(i.total) AS billed, SUM(COALESCE(p.paid, 0)) AS received
    FROM invoice i
    LEFT JOIN (SELECT invoice_id, SUM(amount) AS paid FROM payment WHERE state = 'posted' GROUP BY invoice_id) p
        ON p.invoice_id = i.id
    WHERE i.state <> 'void'
    GROUP BY i.order_id
) m ON m.order_id = o.id
"""


def upgrade() -> None:
    op.create_table('order_facts',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lines', sa.Integer(), server_default='0', nullable=False),
    sa.Column('shipped_lines', sa.Integer(), server_default='0', nullable=False),
    sa.Column('done_lines', sa.Integer(), server_default='0', nullable=False),
    sa.Column('picked_lines', sa.Integer(), server_default='0', nullable=False),
    sa.Column('backordered_lines', sa.Integer(), server_default='0', nullable=False),
    sa.Column('billed', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('received', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('code', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['sales_order.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('order_id')
    )
    op.execute(BACKFILL)
    op.execute(f'UPDATE order_facts SET code = {CODE}')
    op.create_index('ix_order_facts_code_created', 'order_facts', ['code', 'created_at'])
    create_triggers(op, triggers(recode))


def downgrade() -> None:
    drop_triggers(op, triggers(recode))
    op.drop_index('ix_order_facts_code_created', table_name='order_facts')
    op.drop_table('order_facts')
