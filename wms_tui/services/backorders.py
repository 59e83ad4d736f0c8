"""The back-order release hook: incoming stock fills waiting back orders first, oldest first.

Receiving calls `release_backorders` when goods arrive; the outbound services own what happens to
the released lines (allocation, pick tasks). Stock freed any other way (a cancelled order, a
restocked return) goes through `release_available`, which offers whatever is coverable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, type_coerce
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.outbound import OPEN_ORDER_STATES
from wms_tui.domain.quantities import ZERO
from wms_tui.store import views
from wms_tui.store.models import Location, Lot, SalesOrder, SalesOrderLine, StockBalance
from wms_tui.store.types import Quantity

CHUNK = 5000


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
    session.flush()
    if not views.any_backorder_waiting(session, item_id, warehouse_id):
        return []
    waiting = views.backorders_waiting(session, item_id, warehouse_id)
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


def _sums_by_item(session: Session, query, item_ids: list[int], item_column) -> dict[int, tuple[Decimal, ...]]:
    """Per item, the query's summed columns (after the item id), for items in `item_ids`."""
    totals: dict[int, tuple[Decimal, ...]] = {}
    for start in range(0, len(item_ids), CHUNK):
        chunk = item_ids[start : start + CHUNK]
        for item_id, *sums in session.execute(query.where(item_column.in_(chunk))):
            totals[item_id] = tuple(Decimal(total or 0) for total in sums)
    return totals


def coverable_stock(session: Session, warehouse_id: int, item_ids: Iterable[int], today: date) -> dict[int, Decimal]:
    """Stock per item a new commitment may take: on hand, less what is committed, less what
    older back orders wait for (they are served first), less expired lots (never sold)."""
    ids = sorted(set(item_ids))
    # On hand and its expired part in one pass over the balances.
    expired = type_coerce(case((Lot.expiry_date < today, StockBalance.quantity), else_=0), Quantity())
    stock = _sums_by_item(
        session,
        select(StockBalance.item_id, func.sum(StockBalance.quantity), func.sum(expired))
        .join(Location, Location.id == StockBalance.location_id)
        .outerjoin(Lot, Lot.id == StockBalance.lot_id)
        .where(Location.warehouse_id == warehouse_id, Location.kind == LocationKind.INTERNAL)
        .group_by(StockBalance.item_id),
        ids,
        StockBalance.item_id,
    )
    promised = _open_line_sums(session, warehouse_id, ids)
    coverable = {}
    for item_id in ids:
        on_hand, expired_units = stock.get(item_id, (ZERO, ZERO))
        committed, waiting = promised.get(item_id, (ZERO, ZERO))
        coverable[item_id] = on_hand - expired_units - committed - waiting
    return coverable


def _open_line_sums(session: Session, warehouse_id: int, item_ids: list[int]) -> dict[int, tuple[Decimal, ...]]:
    """Per item, (committed, back ordered) summed over the open sales lines of the warehouse."""
    return _sums_by_item(
        session,
        select(SalesOrderLine.item_id, func.sum(SalesOrderLine.committed_quantity), func.sum(SalesOrderLine.backordered_quantity))
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .where(SalesOrder.warehouse_id == warehouse_id, SalesOrder.state.in_(OPEN_ORDER_STATES))
        .group_by(SalesOrderLine.item_id),
        item_ids,
        SalesOrderLine.item_id,
    )


def release_available(session: Session, warehouse_id: int, item_ids: Iterable[int], today: date) -> list[BackorderRelease]:
    """Offer stock that became free (cancel, re-open, restock) to waiting back orders."""
    ids = sorted(set(item_ids))
    # Back-ordered demand is part of `promised`; add it back to see what could serve it.
    waiting = {item_id: backordered for item_id, (_, backordered) in _open_line_sums(session, warehouse_id, ids).items()}
    released: list[BackorderRelease] = []
    for item_id, free in coverable_stock(session, warehouse_id, ids, today).items():
        offer = min(free + waiting.get(item_id, ZERO), waiting.get(item_id, ZERO))
        if offer > 0:
            released += release_backorders(session, item_id, warehouse_id, offer)
    return released
