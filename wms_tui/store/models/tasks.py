"""Tasks: the work queue of every terminal (pick, putaway, replenish, count) and short-pick records."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Uuid
from sqlmodel import Field
from uuid6 import uuid7

from wms_tui.domain.outbound import ShortPickOutcome, ShortPickReason
from wms_tui.domain.states import TaskKind, TaskState
from wms_tui.store.models.base import TableModel
from wms_tui.store.models.fields import (
    enum_field,
    quantity_field,
    text_field,
    timestamp_field,
    uid_field,
)
from wms_tui.store.types import Quantity


class Task(TableModel, table=True):
    """A unit of floor work (pick, putaway, replenish, count) that one operator claims at a time."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_queue", "warehouse_id", "kind", "state", "queue_position"),
        Index("ix_task_document", "document_ref"),
        Index("ix_task_assignee", "assignee", "state"),
        Index("ix_task_uid", "uid", unique=True),
        Index("ix_task_lease", "warehouse_id", "leased_to"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # Global id: a task travels between the central database and terminals by it.
    uid: uuid.UUID | None = Field(default_factory=uuid7, sa_column=Column(Uuid(), nullable=True, default=uuid7))
    kind: TaskKind = enum_field(TaskKind, 20)
    state: TaskState = enum_field(TaskState, 20, default=TaskState.OPEN)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    location_id: int | None = Field(default=None, foreign_key="location.id")
    target_location_id: int | None = Field(default=None, foreign_key="location.id")
    item_id: int | None = Field(default=None, foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    quantity: Decimal = quantity_field(default=Decimal(0))
    done_quantity: Decimal = quantity_field(default=Decimal(0))
    assignee: str | None = text_field(40, nullable=True)
    # Work order: lower first. Skipping moves a task behind everything queued so far.
    queue_position: int = Field(default=0)
    skip_count: int = Field(default=0)
    batch_ref: str | None = text_field(40, nullable=True)
    tote: str | None = text_field(40, nullable=True)
    document_ref: str | None = text_field(60, nullable=True)
    document_line_id: int | None = None
    # Why the task exists, for the person doing it; a count task's is a CountTaskReason.
    reason: str | None = text_field(40, nullable=True)
    created_at: datetime = timestamp_field()
    claimed_at: datetime | None = timestamp_field(nullable=True)
    done_at: datetime | None = timestamp_field(nullable=True)
    # Sync: the terminal central leased the task to (a syncing terminal claims only those) and
    # until when; the terminal whose confirmation central applied.
    leased_to: str | None = text_field(40, nullable=True)
    lease_until: datetime | None = timestamp_field(nullable=True)
    done_by: str | None = text_field(40, nullable=True)


class TaskDoneOutbox(TableModel, table=True):
    """Terminal: completions of tasks leased to it, as they were, until central has them
    (written by a trigger: see migration 0016_sync_documents)."""

    __tablename__ = "task_done_outbox"
    id: int | None = Field(default=None, primary_key=True)
    task_uid: uuid.UUID
    done_quantity: Decimal = quantity_field()
    assignee: str | None = text_field(40, nullable=True)
    done_at: datetime | None = timestamp_field(nullable=True)
    # The task's own quantity and tote then (a pick split into a second tote keeps only what it
    # picked; filled by a trigger: see migration 0025_sync_gaps); empty for completions recorded before.
    quantity: Decimal | None = Field(default=None, sa_column=Column(Quantity(), nullable=True))
    tote: str | None = text_field(40, nullable=True)


class PickDiscrepancy(TableModel, table=True):
    """A short pick: what the bin should have held for the task and what the picker found."""

    __tablename__ = "pick_discrepancy"
    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()
    task_id: int = Field(foreign_key="task.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id")
    location_id: int = Field(foreign_key="location.id")
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    expected_quantity: Decimal = quantity_field()
    picked_quantity: Decimal = quantity_field()
    reason_code: ShortPickReason = enum_field(ShortPickReason, 40)
    operator: str = text_field(40)
    count_task_id: int | None = Field(default=None, foreign_key="task.id")
    created_at: datetime = timestamp_field()
    # What became of the missing units (by the order's back-order policy, or allocated again)
    # and how many left the order line so: central applies the terminal's decision.
    outcome: ShortPickOutcome | None = enum_field(ShortPickOutcome, 20, nullable=True)
    given_up_quantity: Decimal = quantity_field(default=Decimal(0))

