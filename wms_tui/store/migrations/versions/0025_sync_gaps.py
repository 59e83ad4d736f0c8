"""sync gaps: a completion carries its task's quantity and tote; packing containers pulled

Revision ID: 0025_sync_gaps
Revises: 0024_console_reads
Create Date: 2026-12-03

task_done_outbox gains `quantity` and `tote`: on a terminal (SQLite) a trigger fills them with
the task's of the moment it is done, so central learns that a pick split into a second tote
kept only the units picked into the first (the rest is a task of its own), and which tote a
pick went into (a packer on another terminal scans it).

On PostgreSQL (central), a packing container's own row (its place, the pallet it is on) is
logged in its order's warehouse's change log when it changes; other containers (a pallet a
move names) are no terminal's business and are not logged. A packing container new here
travels with its shipping_container row, which brings it. The ones already there are logged
once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025_sync_gaps'
down_revision: str | Sequence[str] | None = '0024_console_reads'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('task_done_outbox', sa.Column('quantity', sa.BigInteger(), nullable=True))
    op.add_column('task_done_outbox', sa.Column('tote', sa.String(length=40), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE TRIGGER task_done_quantity AFTER INSERT ON task_done_outbox BEGIN "
                   "UPDATE task_done_outbox SET (quantity, tote) = (SELECT quantity, tote FROM task WHERE uid = NEW.task_uid) "
                   "WHERE id = NEW.id; END")
        return
    op.execute(
        """
        CREATE FUNCTION wms_log_packing_container() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            scope integer;
        BEGIN
            SELECT warehouse_id INTO scope FROM shipping_container WHERE container_id = NEW.id;
            IF scope IS NOT NULL THEN
                INSERT INTO change_log (warehouse_id, change_seq, table_name, row_key)
                VALUES (scope, wms_bump_change(scope, 1), 'container', NEW.code)
                ON CONFLICT ON CONSTRAINT uq_change_log_row
                DO UPDATE SET warehouse_id = excluded.warehouse_id, change_seq = excluded.change_seq;
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute("CREATE TRIGGER container_log_changes AFTER UPDATE ON container "
               "FOR EACH ROW EXECUTE FUNCTION wms_log_packing_container()")
    op.execute('UPDATE container SET code = code WHERE id IN (SELECT container_id FROM shipping_container)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TRIGGER task_done_quantity')
    else:
        op.execute('DROP TRIGGER container_log_changes ON container')
        op.execute('DROP FUNCTION wms_log_packing_container()')
        op.execute("DELETE FROM change_log WHERE table_name = 'container'")
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of the table breaks the trigger on task
    # that writes it.
    op.execute('ALTER TABLE task_done_outbox DROP COLUMN tote')
    op.execute('ALTER TABLE task_done_outbox DROP COLUMN quantity')
