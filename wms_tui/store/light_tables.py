"""Some tables as Core table clauses naming only the columns a few reads use, typed as the
models type them: for reads that must not load the models. The console starts on the
dashboard, and loading SQLModel, the ORM and every table class before its first read was a
third of the console's start-up. tests/console/test_light_tables.py keeps them to the models.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, DateTime, Integer, String, Uuid, bindparam, column, table

from wms_tui.domain.outbound import OrderState
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import (
    ContainerState,
    CountLineState,
    ExceptionKind,
    StockExceptionState,
    TaskKind,
    TaskState,
)
from wms_tui.store.types import StrEnumType


def _timestamp(name: str):
    return column(name, DateTime(timezone=True))


task = table(
    "task",
    column("id", Integer), column("kind", StrEnumType(TaskKind, 20)), column("state", StrEnumType(TaskState, 20)),
    column("location_id", Integer), column("assignee", String), column("document_ref", String),
    _timestamp("claimed_at"), column("leased_to", String), _timestamp("lease_until"),
)
location = table("location", column("id", Integer), column("code", String))
warehouse = table("warehouse", column("id", Integer), column("code", String))
shipping_container = table("shipping_container", column("state", StrEnumType(ContainerState, 20)))
sales_order = table("sales_order", column("state", StrEnumType(OrderState, 20)))
order_facts = table("order_facts", column("code", Integer))
pick_discrepancy = table("pick_discrepancy", _timestamp("created_at"))
count_line = table("count_line", column("state", StrEnumType(CountLineState, 10)))
stock_exception = table("stock_exception", column("state", StrEnumType(StockExceptionState, 10)))
# The reasons whose moves are indexed by time (ix_stock_move_paced): what the console's pace
# chart counts per hour and the receipts export lists. Other moves write no entry in it.
PACED_REASONS = (MoveReason.PICK, MoveReason.RECEIPT)
PACED_CONDITION = f"reason IN ({', '.join(repr(reason.value) for reason in PACED_REASONS)})"


def paced_reason(reason_column) -> ColumnElement[bool]:
    """The column IN the paced reasons, written as the index's condition is (values inline, in
    the same order): SQLite reads a partial index only for a query that repeats its condition."""
    values = [reason.value for reason in PACED_REASONS]
    return reason_column.in_(bindparam("paced_reasons", values, expanding=True, literal_execute=True))


stock_move = table("stock_move", column("reason", String), _timestamp("created_at"), column("reverses_id", Uuid))
sync_terminal = table(
    "sync_terminal",
    column("terminal_id", String), column("warehouse_id", Integer), _timestamp("revoked_at"), _timestamp("last_contact_at"),
    column("applied_sequence", Integer),
)
sync_conflict = table("sync_conflict", column("id", Integer), column("terminal_id", String))
exception_resolution = table("exception_resolution", column("kind", StrEnumType(ExceptionKind, 20)), column("reference", String))
