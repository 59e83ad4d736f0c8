"""sync floor decisions: short picks, the tasks a terminal makes and its own locations pushed

Revision ID: 0021_sync_floor_decisions
Revises: 0020_console_counts
Create Date: 2026-12-02

A pick discrepancy (a short pick) gains a global id (UUIDv7 `uid`, filled for the rows there
are) and what the picker's terminal decided for the missing units: `outcome` (back ordered,
line cancelled, order cancelled, allocated again) and `given_up_quantity` (the units that left
the order line by that outcome), so central applies the same decision.

On a terminal that syncs, SQLite triggers record in document_outbox (store/pushed_rows.PUSHED):
each short pick it records; each task it makes for itself that others must know of (a pick:
the rest of a pick split into a second tote; a count a short pick asks for), by its uid; each
location it creates (the Returns location on first use), by its code. The completion of such a
task is recorded for central like a leased task's: central owns the task once it has it.

On PostgreSQL, the documents terminals push (shipments, their containers and contents,
receipts, counts, returns and their lines) are logged in their warehouse's change log, so the
warehouse's other terminals pull them; the ones already there are logged once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wms_tui.store.migrations.uids import add_uid, drop_uid

revision: str = '0021_sync_floor_decisions'
down_revision: str | Sequence[str] | None = '0020_console_counts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYNCING = 'EXISTS (SELECT 1 FROM sync_state)'
# A task a syncing terminal made for itself (held without a lease) that central must have.
OWN_SHARED_TASK = ("NEW.leased_to IN (SELECT terminal_id FROM sync_state) "
                   "AND (NEW.kind = 'pick' OR NEW.reason = 'short_pick')")
# Terminal outbox: trigger name -> (table, condition, key of NEW).
OUTBOX_TRIGGERS = {
    'pick_discrepancy_outbox_insert': ('pick_discrepancy', SYNCING, 'NEW.uid'),
    'task_outbox_insert': ('task', f'{SYNCING} AND NEW.lease_until IS NULL AND {OWN_SHARED_TASK}', 'NEW.uid'),
    'location_outbox_insert': ('location', SYNCING, 'NEW.code'),
}


# Central change log: table -> (key column, the warehouse of the row ($1) as a query).
LOGGED = {
    'shipment': ('uid', 'SELECT ($1).warehouse_id'),
    'shipping_container': ('container_id', 'SELECT ($1).warehouse_id'),
    'container_line': ('uid', 'SELECT o.warehouse_id FROM sales_order_line l JOIN sales_order o ON o.id = l.order_id '
                              'WHERE l.id = ($1).order_line_id'),
    'receipt': ('uid', 'SELECT ($1).warehouse_id'),
    'receipt_line': ('uid', 'SELECT warehouse_id FROM receipt WHERE id = ($1).receipt_id'),
    'count_session': ('uid', 'SELECT ($1).warehouse_id'),
    'count_line': ('uid', 'SELECT warehouse_id FROM count_session WHERE id = ($1).session_id'),
    'sales_return': ('uid', 'SELECT warehouse_id FROM sales_order WHERE id = ($1).order_id'),
    'sales_return_line': ('uid', 'SELECT o.warehouse_id FROM sales_return r JOIN sales_order o ON o.id = r.order_id '
                                 'WHERE r.id = ($1).return_id'),
}


def upgrade() -> None:
    add_uid('pick_discrepancy')
    with op.batch_alter_table('pick_discrepancy') as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('given_up_quantity', sa.BigInteger(), nullable=False, server_default='0'))
    if op.get_bind().dialect.name == 'sqlite':
        for name, (table, condition, key) in OUTBOX_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} AFTER INSERT ON {table} WHEN {condition} "
                       f"BEGIN INSERT INTO document_outbox (table_name, row_key) VALUES ('{table}', {key}); END")
        _record_completions(f"(NEW.lease_until IS NOT NULL OR ({OWN_SHARED_TASK}))")
    else:
        # The function 0017_sync_outbound_docs made: the row's warehouse as a query.
        for table, (key, scope) in LOGGED.items():
            quoted = scope.replace("'", "''")
            op.execute(f"CREATE TRIGGER {table}_log_changes AFTER INSERT OR UPDATE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION wms_log_row_through_parent('{key}', '{quoted}')")
        for table, (key, _) in LOGGED.items():  # the rows already there reach terminals too
            op.execute(f'UPDATE {table} SET {key} = {key}')


def _record_completions(condition: str) -> None:
    """The completions of tasks this terminal does for central (task_done_outbox)."""
    op.execute('DROP TRIGGER task_done_record')
    op.execute(
        "CREATE TRIGGER task_done_record AFTER UPDATE OF state ON task "
        "WHEN NEW.state = 'done' AND OLD.state != 'done' "
        f"AND NEW.leased_to IN (SELECT terminal_id FROM sync_state) AND {condition} "
        "BEGIN INSERT INTO task_done_outbox (task_uid, done_quantity, assignee, done_at) "
        "VALUES (NEW.uid, NEW.done_quantity, NEW.assignee, NEW.done_at); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _record_completions('NEW.lease_until IS NOT NULL')  # as 0018_sync_inbound_docs made it
        for name in OUTBOX_TRIGGERS:
            op.execute(f'DROP TRIGGER {name}')
    else:
        for table in LOGGED:
            op.execute(f'DROP TRIGGER {table}_log_changes ON {table}')
        tables = ', '.join(f"'{table}'" for table in LOGGED)
        op.execute(f'DELETE FROM change_log WHERE table_name IN ({tables})')
    with op.batch_alter_table('pick_discrepancy') as batch_op:
        batch_op.drop_column('given_up_quantity')
        batch_op.drop_column('outcome')
    drop_uid('pick_discrepancy')
