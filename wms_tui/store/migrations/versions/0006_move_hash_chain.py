"""move hash chain: each move's SHA-256 covers its content and the terminal's previous move's hash

Revision ID: 0006_move_hash_chain
Revises: 0001_ledger
Create Date: 2026-11-23

The hash is a column of stock_move (not a side table): it is written in the same INSERT as the
move, so posting costs no extra statement, and the append-only triggers protect it like the
rest of the move. Moves posted before this revision get their hashes here, in sequence order
per terminal; the triggers refuse that UPDATE, so they are set aside for the backfill only
(SQLite: dropped and created again; PostgreSQL: disabled and enabled) inside this migration's
transaction.

On SQLite it also adds the balance range guard: an integer sum past 64 bits silently becomes a
float there (PostgreSQL refuses it with "bigint out of range"), so a balance update that is no
longer an integer is refused the same way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_move_hash_chain'
down_revision: str | Sequence[str] | None = '0001_ledger'
branch_labels: str | Sequence[str] | None = ('ledger_integrity',)
depends_on: str | Sequence[str] | None = None

BACKFILL_CHUNK = 10_000


def upgrade() -> None:
    # A plain ADD COLUMN (not a batch table copy): SQLite keeps the table and its triggers.
    op.add_column('stock_move', sa.Column('chain_hash', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER stock_balance_in_range BEFORE UPDATE ON stock_balance "
            "WHEN typeof(NEW.quantity) != 'integer' OR typeof(NEW.value) != 'integer' "
            "BEGIN SELECT RAISE(ABORT, 'stock_balance out of range: the sum passes a 64-bit integer'); END"
        )
    if bind.execute(sa.text("SELECT COUNT(*) FROM stock_move")).scalar_one():
        _suspend_move_guards(bind.dialect.name)
        _fill_hashes(bind)
        _restore_move_guards(bind.dialect.name)


def _fill_hashes(bind) -> None:
    from wms_tui.store.ledger import GENESIS_HASH, MOVES, chain_timestamp, move_hash

    page = (
        # Only the columns the table has at this revision (0011_sync added two more).
        sa.select(*(column for column in MOVES.c if column.name not in ("chain_hash", "warehouse_id", "received_at")))
        .where(sa.tuple_(MOVES.c.terminal_id, MOVES.c.sequence) > sa.tuple_(sa.bindparam("terminal"), sa.bindparam("sequence")))
        .order_by(MOVES.c.terminal_id, MOVES.c.sequence)
        .limit(BACKFILL_CHUNK)
    )
    store = MOVES.update().where(MOVES.c.id == sa.bindparam("move_id")).values(chain_hash=sa.bindparam("hash"))
    terminal, sequence, previous = "", 0, GENESIS_HASH
    while rows := bind.execute(page, {"terminal": terminal, "sequence": sequence}).mappings().all():
        updates = []
        for row in rows:
            if row["terminal_id"] != terminal:
                previous = GENESIS_HASH
            previous = move_hash(previous, row, chain_timestamp(row["created_at"]))
            updates.append({"move_id": row["id"], "hash": previous})
            terminal, sequence = row["terminal_id"], row["sequence"]
        bind.execute(store, updates)


def _suspend_move_guards(dialect: str) -> None:
    if dialect == "sqlite":
        op.execute("DROP TRIGGER stock_move_no_update")
    else:
        op.execute("ALTER TABLE stock_move DISABLE TRIGGER stock_move_no_update_delete")


def _restore_move_guards(dialect: str) -> None:
    if dialect == "sqlite":  # the trigger exactly as 0001_ledger created it
        op.execute(
            "CREATE TRIGGER stock_move_no_update BEFORE UPDATE ON stock_move "
            "BEGIN SELECT RAISE(ABORT, 'stock_move is append-only: posted moves cannot be "
            "updated; post a reversing move instead'); END"
        )
    else:
        op.execute("ALTER TABLE stock_move ENABLE TRIGGER stock_move_no_update_delete")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER stock_balance_in_range")
    # DROP COLUMN leaves the table (and its triggers) in place on both databases.
    op.execute("ALTER TABLE stock_move DROP COLUMN chain_hash")
