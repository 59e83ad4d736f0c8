"""sync change numbers: a writer takes its warehouse's change counter only when it commits

Revision ID: 0023_sync_change_numbers
Revises: 0022_ledger_lean
Create Date: 2026-12-02

Until now the change-log triggers (0011_sync, 0017_sync_outbound_docs) bumped the scope's
change_counter row where the change was written, so every writer of a warehouse held that row
from its first logged change to its commit: a push held it through its balances, conflicts and
terminal row, and the warehouse's pushes ran one after the other (6-7 a second under load).

Now wms_bump_change, which those triggers call, hands out provisional numbers (negative, from
the sequence change_provisional) and notes the scope in change_due, once per transaction. A
deferred constraint trigger on change_due fires at commit, after every other statement of the
transaction: it takes the counters of the transaction's scopes in scope order (so two writers
never wait on each other's counters crosswise), numbers the transaction's provisional changes
in the order they were logged and deletes its change_due rows. The counter row is still locked
until the commit ends, so change numbers still become visible in order and a pull can never pass
a change that commits later with a lower number; a writer only holds it for its commit.

Provisional numbers are only ever seen by their own transaction (another's are uncommitted, and
a committed change is numbered): `change_seq < 0` finds a transaction's pending changes. The
sequence cycles: its numbers need only be unique among transactions running at the same time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from wms_tui.store.migrations.change_numbers import NUMBER_IN_PLACE, PROVISIONAL_SHIFT

revision: str = '0023_sync_change_numbers'
down_revision: str | Sequence[str] | None = '0022_ledger_lean'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('change_due',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    if op.get_bind().dialect.name == 'postgresql':
        _number_at_commit()


def _number_at_commit() -> None:
    op.execute(f'CREATE SEQUENCE change_provisional MAXVALUE {2 ** 31 - 1} CYCLE')
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION wms_bump_change(scope integer, amount bigint) RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE
            due text := COALESCE(NULLIF(current_setting('wms.changes_due', true), ''), ',');
        BEGIN
            IF strpos(due, ',' || scope || ',') = 0 THEN
                INSERT INTO change_due (warehouse_id) VALUES (scope);
                PERFORM set_config('wms.changes_due', due || scope || ',', true);
            END IF;
            -- The callers number their changes last - amount + 1 .. last.
            RETURN amount - (nextval('change_provisional') << {PROVISIONAL_SHIFT});
        END $$
        """
    )
    op.execute(NUMBER_IN_PLACE)
    op.execute(
        "CREATE CONSTRAINT TRIGGER change_due_number AFTER INSERT ON change_due DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION wms_number_changes()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER change_due_number ON change_due')
        op.execute('DROP FUNCTION wms_number_changes()')
        # As 0011_sync made it: the counter taken where the change is written.
        op.execute(
            """
            CREATE OR REPLACE FUNCTION wms_bump_change(scope integer, amount bigint) RETURNS bigint LANGUAGE sql AS $$
                INSERT INTO change_counter AS counter (warehouse_id, last_change) VALUES (scope, amount)
                ON CONFLICT (warehouse_id) DO UPDATE SET last_change = counter.last_change + excluded.last_change
                RETURNING counter.last_change
            $$
            """
        )
        op.execute('DROP SEQUENCE change_provisional')
    op.drop_table('change_due')
