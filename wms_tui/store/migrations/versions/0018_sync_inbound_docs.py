"""sync inbound docs: purchase orders pulled by terminals, the documents a terminal creates pushed

Revision ID: 0018_sync_inbound_docs
Revises: 0017_sync_outbound_docs
Create Date: 2026-12-14

Global ids (UUIDv7 `uid`, filled for the rows already there) on the purchase order lines
terminals pull and on the documents terminals create and push: receipts and their lines, count
sessions and their lines, sales returns and their lines (sales order lines have theirs from
0017_sync_outbound_docs). sales_return gains its warehouse (the partition key, from its order).

On a terminal that syncs, every insert or update of a pushed document is recorded by a SQLite
trigger in document_outbox (0017_sync_outbound_docs made it), by its uid, until central has
applied it.

On PostgreSQL, purchase orders and their lines are logged for the pull like sales orders (a
line's scope is its order's warehouse), and the ones already there are logged once.

A task a syncing terminal makes for itself (services/tasks.create_tasks holds it for the
terminal, without a lease) stays there: its completion is no longer recorded for central.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wms_tui.store.migrations.uids import add_uid, drop_uid

revision: str = '0018_sync_inbound_docs'
down_revision: str | Sequence[str] | None = '0017_sync_outbound_docs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITH_UID = ['purchase_order_line', 'receipt', 'receipt_line', 'count_session', 'count_line', 'sales_return',
            'sales_return_line']
# Recorded in document_outbox on a terminal: the documents it creates (store/pushed_rows.PUSHED).
PUSHED = ['receipt', 'receipt_line', 'count_session', 'count_line', 'sales_return', 'sales_return_line']


def upgrade() -> None:
    for table in WITH_UID:
        add_uid(table)
    with op.batch_alter_table('sales_return') as batch_op:
        batch_op.add_column(sa.Column('warehouse_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('sales_return_warehouse_id_fkey', 'warehouse', ['warehouse_id'], ['id'])
    op.execute('UPDATE sales_return SET warehouse_id = '
               '(SELECT warehouse_id FROM sales_order WHERE sales_order.id = sales_return.order_id)')
    if op.get_bind().dialect.name == 'sqlite':
        _record_leased_completions_only()
        for table in PUSHED:
            for event in ('INSERT', 'UPDATE'):
                op.execute(
                    f"CREATE TRIGGER {table}_outbox_{event.lower()} AFTER {event} ON {table} "
                    "WHEN EXISTS (SELECT 1 FROM sync_state) "
                    f"BEGIN INSERT INTO document_outbox (table_name, row_key) VALUES ('{table}', NEW.uid); END"
                )
    else:
        _create_pull_triggers()


def _record_leased_completions_only(own_tasks_too: bool = False) -> None:
    """A task a syncing terminal made for itself is held by it without a lease (lease_until
    empty) and stays on the terminal: only completions of tasks central leased are pushed."""
    op.execute('DROP TRIGGER task_done_record')
    op.execute(
        "CREATE TRIGGER task_done_record AFTER UPDATE OF state ON task "
        "WHEN NEW.state = 'done' AND OLD.state != 'done' "
        "AND NEW.leased_to IN (SELECT terminal_id FROM sync_state) "
        + ("" if own_tasks_too else "AND NEW.lease_until IS NOT NULL ")
        + "BEGIN INSERT INTO task_done_outbox (task_uid, done_quantity, assignee, done_at) "
        "VALUES (NEW.uid, NEW.done_quantity, NEW.assignee, NEW.done_at); END"
    )


def _create_pull_triggers() -> None:
    op.execute("CREATE TRIGGER purchase_order_log_changes AFTER INSERT OR UPDATE ON purchase_order "
               "FOR EACH ROW EXECUTE FUNCTION wms_log_row('number', 'warehouse_id')")
    # The function 0017_sync_outbound_docs made for sales order lines: a line's warehouse is its order's.
    op.execute("CREATE TRIGGER purchase_order_line_log_changes AFTER INSERT OR UPDATE ON purchase_order_line "
               "FOR EACH ROW EXECUTE FUNCTION wms_log_row_through_parent("
               "'uid', 'SELECT warehouse_id FROM purchase_order WHERE id = ($1).order_id')")
    # The orders and lines already there reach terminals with their next pull.
    op.execute('UPDATE purchase_order SET number = number')
    op.execute('UPDATE purchase_order_line SET uid = uid')


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        _record_leased_completions_only(own_tasks_too=True)  # the trigger as 0016_sync_documents made it
        for table in PUSHED:
            op.execute(f'DROP TRIGGER {table}_outbox_insert')
            op.execute(f'DROP TRIGGER {table}_outbox_update')
    else:
        op.execute('DROP TRIGGER purchase_order_line_log_changes ON purchase_order_line')
        op.execute('DROP TRIGGER purchase_order_log_changes ON purchase_order')
        op.execute("DELETE FROM change_log WHERE table_name IN ('purchase_order', 'purchase_order_line')")
    with op.batch_alter_table('sales_return') as batch_op:
        batch_op.drop_constraint('sales_return_warehouse_id_fkey', type_='foreignkey')
        batch_op.drop_column('warehouse_id')
    for table in WITH_UID:
        drop_uid(table)
