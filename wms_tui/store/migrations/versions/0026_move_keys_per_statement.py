"""move keys per statement: stock_move's references checked once per distinct key, on PostgreSQL

Revision ID: 0026_move_keys_per_statement
Revises: 0025_sync_gaps
Create Date: 2026-12-03

PostgreSQL checks a foreign key once per inserted row and key: a push of 10,000 moves ran
60,000 look-ups (item, both locations, lot, container, reversed move), some 40 % of its time
in the database, for a batch that names a few hundred distinct items and bins. The foreign keys
of stock_move give way on PostgreSQL to the same guarantee checked per statement:

- an AFTER INSERT statement trigger over the inserted rows locks each distinct item, location,
  lot and container they name FOR KEY SHARE (the lock the per-row check takes, held to commit,
  so a concurrent delete waits) and refuses the statement with foreign_key_violation (23503,
  an IntegrityError as before) when one is missing; a reversed move must exist (moves are never
  deleted: stock_move_no_update_delete);
- a row trigger on item, location, lot and container refuses deleting a row (or changing its id)
  that a move names, with the same error (the importer's rollback relies on it to keep what
  moves refer to).

Moves are never updated, so inserts are the only writes to check. SQLite keeps its foreign keys
(a terminal posts a few moves at a time). One difference remains: a delete in a REPEATABLE READ
or SERIALIZABLE transaction that waited for a move's insert to commit does not see that move
(the per-row check re-reads with a newer snapshot); the application deletes those rows only in
READ COMMITTED (the importer's rollback).
"""

from collections.abc import Sequence

from alembic import op

from wms_tui.store.migrations.move_keys import REFERENCES, check_by_execute

revision: str = '0026_move_keys_per_statement'
down_revision: str | Sequence[str] | None = '0025_sync_gaps'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for columns in REFERENCES.values():
        for column in columns:
            op.drop_constraint(f'stock_move_{column}_fkey', 'stock_move', type_='foreignkey')
    op.drop_constraint('stock_move_reverses_id_fkey', 'stock_move', type_='foreignkey')
    op.execute(check_by_execute())
    op.execute(
        "CREATE TRIGGER stock_move_check_keys AFTER INSERT ON stock_move REFERENCING NEW TABLE AS new_moves "
        "FOR EACH STATEMENT EXECUTE FUNCTION wms_check_move_keys()"
    )
    op.execute(
        """
        CREATE FUNCTION wms_keep_moved_keys() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            column_name text;
            named boolean;
        BEGIN
            IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
                RETURN NEW;
            END IF;
            FOREACH column_name IN ARRAY TG_ARGV LOOP
                EXECUTE format('SELECT EXISTS (SELECT FROM stock_move WHERE %I = $1)', column_name) INTO named USING OLD.id;
                IF named THEN
                    RAISE foreign_key_violation USING MESSAGE = format(
                        '%s on table "%s" of id %s: table "stock_move" names it in %s',
                        lower(TG_OP), TG_TABLE_NAME, OLD.id, column_name);
                END IF;
            END LOOP;
            RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
        END $$
        """
    )
    for table, columns in REFERENCES.items():
        arguments = ', '.join(f"'{column}'" for column in columns)
        op.execute(
            f"CREATE TRIGGER {table}_keep_moved_keys BEFORE DELETE OR UPDATE OF id ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION wms_keep_moved_keys({arguments})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in REFERENCES:
        op.execute(f'DROP TRIGGER {table}_keep_moved_keys ON {table}')
    op.execute('DROP FUNCTION wms_keep_moved_keys()')
    op.execute('DROP TRIGGER stock_move_check_keys ON stock_move')
    op.execute('DROP FUNCTION wms_check_move_keys()')
    for table, columns in REFERENCES.items():
        for column in columns:
            op.create_foreign_key(f'stock_move_{column}_fkey', 'stock_move', table, [column], ['id'])
    op.create_foreign_key('stock_move_reverses_id_fkey', 'stock_move', 'stock_move', ['reverses_id'], ['id'])
