"""sync: terminals sync their ledger with the central database

Revision ID: 0011_sync
Revises: 0009_stock_rules
Create Date: 2026-12-10

stock_move gains its warehouse (the key a central ledger is partitioned and pulled by; filled
for moves already posted, from their locations) and received_at (set on moves sync brought in).
New tables: the central registry of terminals (sync_terminal), the per-scope change counters
and the change logs pulled through them (change_counter, change_log, move_change), the
terminal's own sync position (sync_state) and the conflicts sync raises (sync_conflict).

On PostgreSQL, triggers write the change logs inside the writing transaction, whoever writes:
a statement trigger on stock_move numbers a statement's moves per warehouse with one counter
update, and row triggers log master data (scope 0) and tasks (their warehouse). The counter row
stays locked until commit, so change numbers commit in order and a pull never skips a late one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wms_tui.store.migrations.change_numbers import log_moves

revision: str = '0011_sync'
down_revision: str | Sequence[str] | None = '0009_stock_rules'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Pulled by terminals: table -> (key column, warehouse column or None for master data).
LOGGED_TABLES = {
    'warehouse': ('code', None),
    'location': ('code', None),
    'item': ('sku', None),
    'item_barcode': ('barcode', None),
    'partner': ('code', None),
    'operator': ('code', None),
    'task': ('uid', 'warehouse_id'),
}


def upgrade() -> None:
    op.add_column('stock_move', sa.Column('warehouse_id', sa.Integer(), nullable=True))
    op.add_column('stock_move', sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
    # Nullable only because a column added to SQLite cannot be NOT NULL without a default;
    # every task gets one here and the model gives each new one its own.
    op.add_column('task', sa.Column('uid', sa.Uuid(), nullable=True))
    _fill_task_uids()
    op.create_index('ix_task_uid', 'task', ['uid'], unique=True)
    _fill_move_warehouses()
    # Every table holding a warehouse's data carries its warehouse (the partition key); a stock
    # exception's is its document's (only sales orders raise them so far).
    with op.batch_alter_table('stock_exception') as batch_op:
        batch_op.add_column(sa.Column('warehouse_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('stock_exception_warehouse_id_fkey', 'warehouse', ['warehouse_id'], ['id'])
    op.execute('UPDATE stock_exception SET warehouse_id = '
               '(SELECT warehouse_id FROM sales_order WHERE sales_order.number = stock_exception.document_ref)')
    op.create_table('sync_terminal',
    sa.Column('terminal_id', sa.String(length=40), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_sequence', sa.Integer(), server_default='0', nullable=False),
    sa.Column('applied_hash', sa.String(length=64), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id']),
    sa.PrimaryKeyConstraint('terminal_id')
    )
    op.create_index('ix_sync_terminal_warehouse_id', 'sync_terminal', ['warehouse_id'], unique=False)
    op.create_table('change_counter',
    sa.Column('warehouse_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_change', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('warehouse_id')
    )
    op.create_table('change_log',
    sa.Column('warehouse_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('change_seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_key', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('warehouse_id', 'change_seq'),
    sa.UniqueConstraint('table_name', 'row_key', name='uq_change_log_row')
    )
    op.create_table('move_change',
    sa.Column('warehouse_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('change_seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('move_id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('warehouse_id', 'change_seq'),
    sa.UniqueConstraint('move_id')
    )
    op.create_table('sync_state',
    sa.Column('terminal_id', sa.String(length=40), nullable=False),
    sa.Column('acknowledged_sequence', sa.Integer(), nullable=False),
    sa.Column('master_cursor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('warehouse_cursor', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offline_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('terminal_id')
    )
    op.create_table('sync_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.Uuid(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('terminal_id', sa.String(length=40), nullable=False),
    sa.Column('move_ids', sa.String(length=2000), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uid')
    )
    op.create_index('ix_sync_conflict_warehouse', 'sync_conflict', ['warehouse_id', 'created_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        _create_change_triggers()


def _fill_task_uids() -> None:
    from uuid6 import uuid7

    bind = op.get_bind()
    task = sa.table('task', sa.column('id', sa.Integer()), sa.column('uid', sa.Uuid()))
    ids = bind.execute(sa.select(task.c.id).order_by(task.c.id)).scalars().all()
    if ids:
        bind.execute(task.update().where(task.c.id == sa.bindparam('task_id')).values(uid=sa.bindparam('new_uid')),
                     [{'task_id': task_id, 'new_uid': uuid7()} for task_id in ids])


def _fill_move_warehouses() -> None:
    """Moves already posted get their source's warehouse, else their destination's. The
    append-only triggers refuse the UPDATE, so they are set aside for it (as in 0006)."""
    bind = op.get_bind()
    if not bind.execute(sa.text('SELECT COUNT(*) FROM stock_move')).scalar_one():
        return
    dialect = bind.dialect.name
    if dialect == 'sqlite':
        op.execute('DROP TRIGGER stock_move_no_update')
    else:
        op.execute('ALTER TABLE stock_move DISABLE TRIGGER stock_move_no_update_delete')
    op.execute(
        'UPDATE stock_move SET warehouse_id = COALESCE('
        '(SELECT warehouse_id FROM location WHERE location.id = stock_move.from_location_id), '
        '(SELECT warehouse_id FROM location WHERE location.id = stock_move.to_location_id))'
    )
    if dialect == 'sqlite':  # the trigger exactly as 0001_ledger created it
        op.execute(
            "CREATE TRIGGER stock_move_no_update BEFORE UPDATE ON stock_move "
            "BEGIN SELECT RAISE(ABORT, 'stock_move is append-only: posted moves cannot be "
            "updated; post a reversing move instead'); END"
        )
    else:
        op.execute('ALTER TABLE stock_move ENABLE TRIGGER stock_move_no_update_delete')


def _create_change_triggers() -> None:
    op.execute(
        """
        CREATE FUNCTION wms_bump_change(scope integer, amount bigint) RETURNS bigint LANGUAGE sql AS $$
            INSERT INTO change_counter AS counter (warehouse_id, last_change) VALUES (scope, amount)
            ON CONFLICT (warehouse_id) DO UPDATE SET last_change = counter.last_change + excluded.last_change
            RETURNING counter.last_change
        $$
        """
    )
    op.execute(log_moves("move_change"))
    op.execute(
        "CREATE TRIGGER stock_move_log_changes AFTER INSERT ON stock_move REFERENCING NEW TABLE AS new_moves "
        "FOR EACH STATEMENT EXECUTE FUNCTION wms_log_moves()"
    )
    op.execute(
        """
        CREATE FUNCTION wms_log_row() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            scope integer := 0;
            changed_key text;
            last bigint;
        BEGIN
            EXECUTE format('SELECT ($1).%I::text', TG_ARGV[0]) INTO changed_key USING NEW;
            IF TG_NARGS > 1 THEN
                EXECUTE format('SELECT ($1).%I', TG_ARGV[1]) INTO scope USING NEW;
            END IF;
            last := wms_bump_change(scope, 1);
            INSERT INTO change_log (warehouse_id, change_seq, table_name, row_key)
            VALUES (scope, last, TG_TABLE_NAME, changed_key)
            ON CONFLICT ON CONSTRAINT uq_change_log_row
            DO UPDATE SET warehouse_id = excluded.warehouse_id, change_seq = excluded.change_seq;
            RETURN NULL;
        END $$
        """
    )
    for table, (key, scope) in LOGGED_TABLES.items():
        arguments = f"'{key}'" + (f", '{scope}'" if scope else "")
        op.execute(
            f"CREATE TRIGGER {table}_log_changes AFTER INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION wms_log_row({arguments})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in LOGGED_TABLES:
            op.execute(f'DROP TRIGGER {table}_log_changes ON {table}')
        op.execute('DROP TRIGGER stock_move_log_changes ON stock_move')
        op.execute('DROP FUNCTION wms_log_row()')
        op.execute('DROP FUNCTION wms_log_moves()')
        op.execute('DROP FUNCTION wms_bump_change(integer, bigint)')
    op.drop_index('ix_sync_conflict_warehouse', table_name='sync_conflict')
    op.drop_table('sync_conflict')
    op.drop_table('sync_state')
    op.drop_table('move_change')
    op.drop_table('change_log')
    op.drop_table('change_counter')
    op.drop_index('ix_sync_terminal_warehouse_id', table_name='sync_terminal')
    op.drop_table('sync_terminal')
    op.drop_index('ix_task_uid', table_name='task')
    op.execute('ALTER TABLE task DROP COLUMN uid')
    # DROP COLUMN leaves the table (and its triggers) in place on both databases.
    with op.batch_alter_table('stock_exception') as batch_op:
        batch_op.drop_constraint('stock_exception_warehouse_id_fkey', type_='foreignkey')
        batch_op.drop_column('warehouse_id')
    op.execute('ALTER TABLE stock_move DROP COLUMN received_at')
    op.execute('ALTER TABLE stock_move DROP COLUMN warehouse_id')
