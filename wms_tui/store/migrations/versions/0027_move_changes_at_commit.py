"""move changes at commit: a statement's moves get their move_change rows when it commits, not a
provisional row each that the commit renumbers

Revision ID: 0027_move_changes_at_commit
Revises: 0026_move_keys_per_statement
Create Date: 2026-12-03

Since 0023_sync_change_numbers a statement's moves were logged in move_change with provisional
numbers and the commit UPDATEd every one of those rows to its final number: for a push of
10,000 moves, 10,000 inserts and then 10,000 updates of a table with two indexes (each update a
new row version, both index entries again, and as many dead rows for autovacuum), about a third
of PostgreSQL's time per push.

Now the statement trigger notes the moves' provisional changes in a temporary table of the
session (move_change_due: no WAL, no index, visible to no other session, emptied at every
commit) and the commit inserts each move's move_change row once, with its final number, in the
same order as before (statement by statement, then row by row, moves and documents together).
The writing roles create it (PostgreSQL grants TEMPORARY on a database to every role unless an
administrator revoked it). A transaction's pending move changes are its session's
move_change_due rows; move_change holds only numbered ones.
"""

from collections.abc import Sequence

from alembic import op

from wms_tui.store.migrations.change_numbers import NUMBER_IN_PLACE, log_moves, number_changes

revision: str = '0027_move_changes_at_commit'
down_revision: str | Sequence[str] | None = '0026_move_keys_per_statement'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DUE = 'pg_temp.move_change_due'
# Created in the session on its first logged change; the numbering consumes its rows, and its
# file is truncated at commit (the dead rows of a temporary table are vacuumed by no one).
_CREATE_DUE = (
    f"IF to_regclass('{_DUE}') IS NULL THEN "
    "CREATE TEMPORARY TABLE move_change_due (warehouse_id integer NOT NULL, change_seq bigint NOT NULL, move_id uuid NOT NULL) "
    "ON COMMIT DELETE ROWS; END IF;"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(log_moves(_DUE, prepare=_CREATE_DUE))
    op.execute(number_changes(
        prepare=_CREATE_DUE,
        counted=f"SELECT count(*) FROM {_DUE} WHERE warehouse_id = scope",
        pending=f"SELECT true AS is_move, move_id, change_seq FROM {_DUE} WHERE warehouse_id = scope",
        write_moves="INSERT INTO move_change (warehouse_id, change_seq, move_id) "
                    "SELECT scope, final, move_id FROM numbered WHERE is_move ORDER BY final",
        # Consumed: SET CONSTRAINTS ... IMMEDIATE may number a transaction's changes before it ends.
        finish=f"DELETE FROM {_DUE};",
    ))


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(log_moves('move_change'))
    op.execute(NUMBER_IN_PLACE)
