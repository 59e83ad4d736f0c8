"""ledger lean: a pick or any other line change writes the console's order facts only when a fact changes

Revision ID: 0022_ledger_lean
Revises: 0021_sync_floor_decisions
Create Date: 2026-12-02

Every scan that posts a move also writes its document's rows, and each index and trigger on
them is pages written and synced before the scan is answered (`wms-tui bench outbound`):
- the order_facts line trigger fires only when the line moves to another order or one of its
  flags turns (shipped, done, picked, back ordered), not on every change of a quantity;
- an order's code is written only when it changes, so its index (code, created_at) is not
  rewritten by every line change of the order;
- ix_sales_order_line_facts goes: it let the console read its status facts from the lines
  (0015_console_indexes), which order_facts (0020_console_counts) holds since; the lines of an
  order are still found through ix_sales_order_line_order_id.
"""

from collections.abc import Sequence

from alembic import op

from wms_tui.store.migrations.order_facts import (
    LINE_FACTS_CHANGE,
    create_triggers,
    drop_triggers,
    recode,
    recode_when_changed,
    triggers,
)

revision: str = '0022_ledger_lean'
down_revision: str | Sequence[str] | None = '0021_sync_floor_decisions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINE_FACTS = ['order_id', 'quantity', 'shipped_quantity', 'cancelled_quantity', 'picked_quantity', 'backordered_quantity']
WHEN = {'order_facts_line_update': LINE_FACTS_CHANGE}


def _lean_triggers():
    return triggers(recode_when_changed(op.get_bind().dialect.name == 'postgresql'))


def upgrade() -> None:
    drop_triggers(op, triggers(recode))
    create_triggers(op, _lean_triggers(), WHEN)
    op.drop_index('ix_sales_order_line_facts', table_name='sales_order_line')


def downgrade() -> None:
    op.create_index('ix_sales_order_line_facts', 'sales_order_line', LINE_FACTS)
    drop_triggers(op, _lean_triggers())
    create_triggers(op, triggers(recode))
