"""The back-order release hook: incoming stock fills waiting back orders first, oldest first.

Receiving calls `release_backorders` when goods arrive; the outbound services own what happens to
the released lines (allocation, pick tasks).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.store.models import SalesOrder, SalesOrderLine


@dataclass(frozen=True)
class BackorderRelease:
    order_id: int
    order_number: str
    order_line_id: int
    quantity: Decimal


def release_backorders(session: Session, item_id: int, warehouse_id: int, arrived: object) -> list[BackorderRelease]:
    """Turn up to `arrived` units of back-ordered demand into committed demand, oldest order
    first; returns what was released so the caller can propose cross-dock or allocate."""
    remaining = quantities.move_quantity(arrived)
    waiting = session.exec(
        select(SalesOrderLine, SalesOrder)
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .where(
            SalesOrderLine.item_id == item_id,
            SalesOrder.warehouse_id == warehouse_id,
            SalesOrder.state == "confirmed",
            SalesOrderLine.backordered_quantity > 0,
        )
        .order_by(SalesOrder.created_at, SalesOrder.id, SalesOrderLine.id)
        .with_for_update()
    ).all()
    released: list[BackorderRelease] = []
    for line, order in waiting:
        if remaining <= 0:
            break
        take = min(remaining, line.backordered_quantity)
        line.backordered_quantity -= take
        line.committed_quantity += take
        remaining -= take
        released.append(BackorderRelease(order.id, order.number, line.id, take))
    session.flush()
    return released
