"""move keys by statement: the key check of stock_move plans its look-ups once per session

Revision ID: 0029_move_keys_static
Revises: 0028_sparse_move_indexes
Create Date: 2026-12-03

The statement trigger that checks a move's item, locations, lot and container on PostgreSQL
(0026) ran each look-up as an EXECUTE of text built per table: parsed and planned on every
insert. A one-pick push spent 0.28-0.35 ms of the server's time in it (EXPLAIN ANALYZE), a
third of its insert. Each look-up is now a statement of its own in the function, which
PL/pgSQL plans once per session and reuses: 0.10-0.17 ms. Same checks, locks and messages.
"""

from collections.abc import Sequence

from alembic import op

from wms_tui.store.migrations.move_keys import check_by_execute, check_by_statement

revision: str = '0029_move_keys_static'
down_revision: str | Sequence[str] | None = '0028_sparse_move_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(check_by_statement())


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(check_by_execute())
