"""sparse move indexes: a move writes an index entry only for what it carries

Revision ID: 0028_sparse_move_indexes
Revises: 0027_move_changes_at_commit
Create Date: 2026-12-03

Every posted move wrote an entry in each of stock_move's indexes, also for a NULL or for a
reason no read looks for: the reversal key (NULL for every move but a reversal), the document
(NULL for moves no document made) and (reason, created_at), which only the console's pace chart
and the receipts export read, for picks and receipts. Each entry is a page a commit writes to
the write-ahead log; the log is copied into the database every 1,000 pages, in the commit that
fills it, so fewer pages per scan also means that commit comes less often.

- uq_stock_move_reverses: the UNIQUE constraint becomes a partial unique index (reversals only).
  SQLite cannot drop a table constraint: the table is rebuilt as SQLite's documented procedure
  does it (new table, rows copied in order, its indexes made, old one dropped, new one renamed,
  the triggers created again from their stored SQL).
- ix_stock_move_document: moves with a document only.
- ix_stock_move_reason_created -> ix_stock_move_paced: picks and receipts only. SQLite uses a
  partial index only for a query that repeats its condition word for word
  (store.light_tables.paced_reason).
"""

import re
from collections.abc import Sequence

from alembic import op

revision: str = '0028_sparse_move_indexes'
down_revision: str | Sequence[str] | None = '0027_move_changes_at_commit'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REVERSAL = 'reverses_id IS NOT NULL'
_DOCUMENT = 'document_ref IS NOT NULL'
# store.light_tables.PACED_CONDITION as of this revision.
_PACED = "reason IN ('pick', 'receipt')"
_REVERSES_CONSTRAINT = re.compile(r',\s*CONSTRAINT uq_stock_move_reverses UNIQUE \(reverses_id\)')


def _rebuild_sqlite_moves(change_table_sql, indexes: list[str]) -> None:
    """Recreate stock_move with `change_table_sql` applied to its CREATE TABLE, its rows (in
    rowid order) and its triggers kept, and `indexes` (CREATE INDEX statements naming the table
    "stock_move") in place of its own."""
    connection = op.get_bind()
    sql = connection.exec_driver_sql
    [table_sql] = sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stock_move'").scalars()
    triggers = sql("SELECT sql FROM sqlite_master WHERE tbl_name = 'stock_move' AND type = 'trigger'").scalars().all()
    own_indexes = sql("SELECT name FROM sqlite_master WHERE tbl_name = 'stock_move' AND type = 'index' AND sql IS NOT NULL").scalars().all()
    rebuilt_sql, renamed = re.subn(r'^CREATE TABLE "?stock_move"? \(', 'CREATE TABLE stock_move_rebuilt (', change_table_sql(table_sql))
    # The reversal's reference names the rebuilt table itself (the rename carries it over):
    # naming the old one, dropping it would count every reversal as a broken reference.
    rebuilt_sql, referenced = re.subn(r'REFERENCES "?stock_move"? \(', 'REFERENCES stock_move_rebuilt (', rebuilt_sql)
    if not renamed or referenced != 1:
        raise RuntimeError(f'stock_move is not defined as this migration expects: {table_sql[:200]}')
    sql(rebuilt_sql)
    sql('INSERT INTO stock_move_rebuilt SELECT * FROM stock_move ORDER BY rowid')
    for name in own_indexes:
        sql(f'DROP INDEX {name}')
    # The indexes exist before the old table is dropped: dropping it looks up, for each of its
    # moves, the rebuilt moves that reverse it, through the reversal index (without it, a scan
    # of the whole table per move).
    for index_sql in indexes:
        sql(index_sql.replace(' ON stock_move (', ' ON stock_move_rebuilt (', 1))
    sql('DROP TABLE stock_move')
    sql('ALTER TABLE stock_move_rebuilt RENAME TO stock_move')
    for trigger_sql in triggers:
        sql(trigger_sql)


_ITEM_INDEX = 'CREATE INDEX ix_stock_move_item ON stock_move (item_id)'
_SPARSE_INDEXES = [
    f'CREATE UNIQUE INDEX uq_stock_move_reverses ON stock_move (reverses_id) WHERE {_REVERSAL}',
    f'CREATE INDEX ix_stock_move_document ON stock_move (document_ref) WHERE {_DOCUMENT}',
    f'CREATE INDEX ix_stock_move_paced ON stock_move (reason, created_at) WHERE {_PACED}',
]
_DENSE_INDEXES = [
    'CREATE INDEX ix_stock_move_document ON stock_move (document_ref)',
    'CREATE INDEX ix_stock_move_reason_created ON stock_move (reason, created_at)',
]


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        def without_constraint(table_sql: str) -> str:
            changed, found = _REVERSES_CONSTRAINT.subn('', table_sql)
            if found != 1:
                raise RuntimeError('stock_move has no uq_stock_move_reverses constraint to replace')
            return changed

        _rebuild_sqlite_moves(without_constraint, [_ITEM_INDEX, *_SPARSE_INDEXES])
        return
    op.drop_constraint('uq_stock_move_reverses', 'stock_move', type_='unique')
    op.drop_index('ix_stock_move_document', table_name='stock_move')
    op.drop_index('ix_stock_move_reason_created', table_name='stock_move')
    for index_sql in _SPARSE_INDEXES:
        op.execute(index_sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        def with_constraint(table_sql: str) -> str:
            closing = table_sql.rstrip().rfind(')')
            return f'{table_sql[:closing].rstrip()}, \n\tCONSTRAINT uq_stock_move_reverses UNIQUE (reverses_id)\n)'

        _rebuild_sqlite_moves(with_constraint, [_ITEM_INDEX, *_DENSE_INDEXES])
        return
    for name in ('ix_stock_move_paced', 'ix_stock_move_document', 'uq_stock_move_reverses'):
        op.drop_index(name, table_name='stock_move')
    for index_sql in _DENSE_INDEXES:
        op.execute(index_sql)
    op.create_unique_constraint('uq_stock_move_reverses', 'stock_move', ['reverses_id'])
