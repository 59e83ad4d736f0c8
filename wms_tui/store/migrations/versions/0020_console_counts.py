"""console counts: each order's status facts kept beside it, so statuses are filtered and counted through an index

Revision ID: 0020_console_counts
Revises: 0018_sync_inbound_docs
Create Date: 2026-12-02

An order's derived status depends on its state and a few facts (console_views.FACTS): any line
shipped, every line shipped or cancelled, any line picked, anything invoiced, the payments
covering the invoices, anything paid (void invoices and their payments apart), any line back
ordered. order_facts keeps per order the counts and sums they come from, maintained by
triggers on sales_order, sales_order_line, invoice and payment (whoever writes them: the
services, sync, a bulk import), and `code`: the working order's state and facts as one number,
a bit each (console_views._code), NULL for quotes, cancelled and closed orders. An index on
(code, created_at) answers "the newest orders showing this status" and "orders per status"
without reading every working order's lines and money (`wms-tui bench console`: 100,000
orders). The facts of the orders already there are worked out once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020_console_counts'
down_revision: str | Sequence[str] | None = '0018_sync_inbound_docs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORKING = "('draft', 'confirmed')"


def _flag(condition: str) -> str:
    return f'(CASE WHEN {condition} THEN 1 ELSE 0 END)'


# The code's bits, highest first, in console_views' order: confirmed, then FACTS.
CODE_BITS = (
    "state = 'confirmed'", 'shipped_lines > 0', 'done_lines = lines', 'picked_lines > 0', 'billed > 0',
    'received >= billed', 'received > 0', 'backordered_lines > 0',
)
CODE = (f"CASE WHEN state IN {WORKING} THEN "
        + ' + '.join(f'{_flag(bit)} * {2 ** power}' for power, bit in zip(range(len(CODE_BITS) - 1, -1, -1), CODE_BITS, strict=True))
        + ' END')


def _line_counts(row: str) -> dict[str, str]:
    """What one order line adds to its order's counts."""
    return {
        'lines': '1',
        'shipped_lines': _flag(f'{row}.shipped_quantity > 0'),
        'done_lines': _flag(f'{row}.shipped_quantity + {row}.cancelled_quantity >= {row}.quantity'),
        'picked_lines': _flag(f'{row}.picked_quantity > 0'),
        'backordered_lines': _flag(f'{row}.backordered_quantity > 0'),
    }


def _invoice_sums(row: str) -> dict[str, str]:
    """What one invoice adds to its order's money: nothing once void."""
    live = _flag(f"{row}.state <> 'void'")
    paid = f"(SELECT COALESCE(SUM(amount), 0) FROM payment WHERE invoice_id = {row}.id AND state = 'posted')"
    return {'billed': f'{live} * {row}.total', 'received': f'{live} * {paid}'}


def _payment_sums(row: str) -> dict[str, str]:
    posted = _flag(f"{row}.state = 'posted'")
    return {'received': f'{posted} * {row}.amount'}


def _add(counts: dict[str, str], order: str, sign: str) -> str:
    changes = ', '.join(f'{column} = {column} {sign} {value}' for column, value in counts.items())
    return f'UPDATE order_facts SET {changes} WHERE order_id = {order}'


def _recode(order: str) -> str:
    return f'UPDATE order_facts SET code = {CODE} WHERE order_id = {order}'


def _changed(counts, order_of) -> list[str]:
    """A row's part taken off its old order, the new row's added to its order, both re-coded."""
    return [_add(counts('OLD'), order_of('OLD'), '-'), _add(counts('NEW'), order_of('NEW'), '+'),
            _recode(order_of('OLD')), _recode(order_of('NEW'))]


def _own_order(row: str) -> str:
    return f'{row}.order_id'


def _payment_order(row: str) -> str:
    # A void invoice's payments count for nothing: no order, no row updated.
    return f"(SELECT order_id FROM invoice WHERE id = {row}.invoice_id AND state <> 'void')"


LINE_COLUMNS = 'order_id, quantity, shipped_quantity, cancelled_quantity, picked_quantity, backordered_quantity'
# trigger -> (event, table, statements)
TRIGGERS = {
    'order_facts_order_insert': ('INSERT', 'sales_order', [
        'INSERT INTO order_facts (order_id, state, created_at) VALUES (NEW.id, NEW.state, NEW.created_at)', _recode('NEW.id')]),
    'order_facts_order_update': ('UPDATE OF state, created_at', 'sales_order', [
        'UPDATE order_facts SET state = NEW.state, created_at = NEW.created_at WHERE order_id = NEW.id', _recode('NEW.id')]),
    'order_facts_line_insert': ('INSERT', 'sales_order_line', [
        _add(_line_counts('NEW'), 'NEW.order_id', '+'), _recode('NEW.order_id')]),
    'order_facts_line_update': (f'UPDATE OF {LINE_COLUMNS}', 'sales_order_line', _changed(_line_counts, _own_order)),
    'order_facts_line_delete': ('DELETE', 'sales_order_line', [
        _add(_line_counts('OLD'), 'OLD.order_id', '-'), _recode('OLD.order_id')]),
    'order_facts_invoice_insert': ('INSERT', 'invoice', [
        _add(_invoice_sums('NEW'), 'NEW.order_id', '+'), _recode('NEW.order_id')]),
    'order_facts_invoice_update': ('UPDATE OF order_id, state, total', 'invoice', _changed(_invoice_sums, _own_order)),
    'order_facts_invoice_delete': ('DELETE', 'invoice', [
        _add(_invoice_sums('OLD'), 'OLD.order_id', '-'), _recode('OLD.order_id')]),
    'order_facts_payment_insert': ('INSERT', 'payment', [
        _add(_payment_sums('NEW'), _payment_order('NEW'), '+'), _recode(_payment_order('NEW'))]),
    'order_facts_payment_update': ('UPDATE OF invoice_id, state, amount', 'payment', _changed(_payment_sums, _payment_order)),
    'order_facts_payment_delete': ('DELETE', 'payment', [
        _add(_payment_sums('OLD'), _payment_order('OLD'), '-'), _recode(_payment_order('OLD'))]),
}

# The facts of the orders already there, worked out once.
BACKFILL = f"""
INSERT INTO order_facts (order_id, state, created_at, lines, shipped_lines, done_lines, picked_lines, backordered_lines,
                         billed, received)
SELECT o.id, o.state, o.created_at, COALESCE(l.lines, 0), COALESCE(l.shipped_lines, 0), COALESCE(l.done_lines, 0),
       COALESCE(l.picked_lines, 0), COALESCE(l.backordered_lines, 0), COALESCE(m.billed, 0), COALESCE(m.received, 0)
FROM sales_order o
LEFT JOIN (
    SELECT order_id, {', '.join(f'SUM({value}) AS {column}' for column, value in _line_counts('sales_order_line').items())}
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
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for name, (event, table, statements) in TRIGGERS.items():
        body = ' '.join(f'{statement};' for statement in statements)
        if postgresql:
            op.execute(f'CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$')
            op.execute(f'CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()')
        else:
            op.execute(f'CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body} END')


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for name, (_, table, _) in TRIGGERS.items():
        op.execute(f'DROP TRIGGER {name} ON {table}' if postgresql else f'DROP TRIGGER {name}')
        if postgresql:
            op.execute(f'DROP FUNCTION {name}()')
    op.drop_index('ix_order_facts_code_created', table_name='order_facts')
    op.drop_table('order_facts')
