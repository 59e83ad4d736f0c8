"""sync outbound documents: orders pulled to terminals, packing and shipments pushed back

Revision ID: 0017_sync_outbound_docs
Revises: 0015_console_indexes
Create Date: 2026-12-02

Order lines, reservations, container lines and shipments gain a global id (uid, UUIDv7; filled
for the rows there are). On PostgreSQL (central), triggers log sales orders, their lines and
reservations in their warehouse's change log (a line or reservation finds its warehouse through
its order); a deleted reservation is logged too, so terminals drop it; customer profiles are
logged with master data (a terminal prints the ship-to address). The rows already there are
logged once. On a terminal (SQLite),
triggers record in document_outbox each packing container, container line and shipment it
creates or changes while it syncs (sync_state holds its row), until central has applied them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wms_tui.store.migrations.uids import add_uid, drop_uid

revision: str = '0017_sync_outbound_docs'
down_revision: str | Sequence[str] | None = '0015_console_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UID_TABLES = ('sales_order_line', 'reservation', 'container_line', 'shipment')
# Central change log, as 0011_sync's: table -> (key column, warehouse column or None for master data).
LOGGED_TABLES = {
    'customer_profile': ('partner_id', None),
    'sales_order': ('number', 'warehouse_id'),
}
# Central change log: table -> (key column, the warehouse of the row ($1) as a query, events).
LOGGED_THROUGH_PARENT = {
    'sales_order_line': ('uid', 'SELECT warehouse_id FROM sales_order WHERE id = ($1).order_id', 'INSERT OR UPDATE'),
    'reservation': ('uid', 'SELECT o.warehouse_id FROM sales_order_line l JOIN sales_order o ON o.id = l.order_id '
                           'WHERE l.id = ($1).order_line_id', 'INSERT OR UPDATE OR DELETE'),
}
SYNCING = 'EXISTS (SELECT 1 FROM sync_state)'
# Terminal outbox: trigger name -> (event, table, condition, [(pushed table, key of NEW)]).
OUTBOX_TRIGGERS = {
    'shipping_container_outbox_insert': (
        'INSERT', 'shipping_container', SYNCING,
        [('container', '(SELECT code FROM container WHERE id = NEW.container_id)'),
         ('shipping_container', '(SELECT code FROM container WHERE id = NEW.container_id)')]),
    'shipping_container_outbox_update': (
        'UPDATE', 'shipping_container', SYNCING,
        [('shipping_container', '(SELECT code FROM container WHERE id = NEW.container_id)')]),
    # A packing container closed (its place), nested on a pallet or shipped.
    'container_outbox_update': (
        'UPDATE', 'container', f'{SYNCING} AND EXISTS (SELECT 1 FROM shipping_container WHERE container_id = NEW.id)',
        [('container', 'NEW.code')]),
    'container_line_outbox_insert': ('INSERT', 'container_line', SYNCING, [('container_line', 'NEW.uid')]),
    'container_line_outbox_update': ('UPDATE', 'container_line', SYNCING, [('container_line', 'NEW.uid')]),
    'shipment_outbox_insert': ('INSERT', 'shipment', SYNCING, [('shipment', 'NEW.uid')]),
    'shipment_outbox_update': ('UPDATE', 'shipment', SYNCING, [('shipment', 'NEW.uid')]),
}


def upgrade() -> None:
    for table in UID_TABLES:
        add_uid(table)
    op.create_table('document_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_key', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    if op.get_bind().dialect.name == 'postgresql':
        _create_change_triggers()
    else:
        for name, (event, table, condition, entries) in OUTBOX_TRIGGERS.items():
            inserts = ' '.join(f"INSERT INTO document_outbox (table_name, row_key) VALUES ('{pushed}', {key});"
                               for pushed, key in entries)
            op.execute(f'CREATE TRIGGER {name} AFTER {event} ON {table} WHEN {condition} BEGIN {inserts} END')


def _create_change_triggers() -> None:
    for table, (key, scope) in LOGGED_TABLES.items():
        arguments = f"'{key}'" + (f", '{scope}'" if scope else "")
        op.execute(f"CREATE TRIGGER {table}_log_changes AFTER INSERT OR UPDATE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION wms_log_row({arguments})")
    # As wms_log_row (0011_sync), for rows that reach their warehouse through a parent, and
    # for deletions (a deleted row's key is logged: the pull finds it gone).
    op.execute(
        """
        CREATE FUNCTION wms_log_row_through_parent() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            changed record;
            scope integer;
            changed_key text;
            last bigint;
        BEGIN
            IF TG_OP = 'DELETE' THEN
                changed := OLD;
            ELSE
                changed := NEW;
            END IF;
            EXECUTE format('SELECT ($1).%I::text', TG_ARGV[0]) INTO changed_key USING changed;
            EXECUTE TG_ARGV[1] INTO scope USING changed;
            last := wms_bump_change(COALESCE(scope, 0), 1);
            INSERT INTO change_log (warehouse_id, change_seq, table_name, row_key)
            VALUES (COALESCE(scope, 0), last, TG_TABLE_NAME, changed_key)
            ON CONFLICT ON CONSTRAINT uq_change_log_row
            DO UPDATE SET warehouse_id = excluded.warehouse_id, change_seq = excluded.change_seq;
            RETURN NULL;
        END $$
        """
    )
    for table, (key, scope, events) in LOGGED_THROUGH_PARENT.items():
        quoted = scope.replace("'", "''")
        op.execute(f"CREATE TRIGGER {table}_log_changes AFTER {events} ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION wms_log_row_through_parent('{key}', '{quoted}')")
    # The rows already there reach terminals too: each is logged once, by its own trigger.
    for table, (key, _) in [*LOGGED_TABLES.items(), *((t, spec[:2]) for t, spec in LOGGED_THROUGH_PARENT.items())]:
        op.execute(f'UPDATE {table} SET {key} = {key}')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in LOGGED_THROUGH_PARENT:
            op.execute(f'DROP TRIGGER {table}_log_changes ON {table}')
        for table in LOGGED_TABLES:
            op.execute(f'DROP TRIGGER {table}_log_changes ON {table}')
        op.execute('DROP FUNCTION wms_log_row_through_parent()')
    else:
        for name in OUTBOX_TRIGGERS:
            op.execute(f'DROP TRIGGER {name}')
    op.drop_table('document_outbox')
    for table in reversed(UID_TABLES):
        drop_uid(table)
