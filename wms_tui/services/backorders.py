"""Back orders: waiting demand is served first from stock that becomes free, oldest order first.

`release_waiting` is the one place back orders are released. The posting hook
(services.posting) calls it for every move that adds to a warehouse's sellable stock, whatever
brought it (a receipt, a transfer received, a count that finds more, a restocked return, a built
kit), and the services that free committed stock without a move (a cancelled or re-opened order)
call it themselves. What happens to the released lines next (cross-dock, allocation and pick
tasks) belongs to the outbound services.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session

from wms_tui.domain.outbound import (
    BackorderPolicy,
    LineDemand,
    WaitingOrder,
    backorder_policy,
    plan_release,
)
from wms_tui.store import queries, views
from wms_tui.store.db import lock_stock_of_items


@dataclass(frozen=True)
class BackorderRelease:
    order_id: int
    order_number: str
    order_line_id: int
    item_id: int
    quantity: Decimal


def _waiting(session: Session, warehouse_id: int, item_ids: set[int]) -> list:
    """Back-ordered lines of the warehouse for these items, and of every item an order among them
    also waits for (an order back ordered whole is released for all its items at once)."""
    rows: dict[int, object] = {}
    wanted, seen = set(item_ids), set()
    while wanted - seen:
        new = wanted - seen
        seen |= new
        for row in views.backorders_waiting(session, warehouse_id, sorted(new)):
            rows[row[0].id] = row
        orders = {row[1].id for row in rows.values()}
        for row in views.backorders_of_orders(session, sorted(orders)):
            rows[row[0].id] = row
        wanted = {row[0].item_id for row in rows.values()}
    return sorted(rows.values(), key=lambda row: (row[1].created_at, row[1].id, row[0].id))


def release_waiting(session: Session, warehouse_id: int, item_ids: Iterable[int], today: date | None = None) -> list[BackorderRelease]:
    """Commit whatever waiting back orders the warehouse's uncommitted sellable stock covers now,
    by each order's back-order policy (domain.outbound.plan_release); returns what was released."""
    session.flush()
    ids = {item_id for item_id in item_ids if views.any_backorder_waiting(session, item_id, warehouse_id)}
    if not ids:
        return []
    lock_stock_of_items(session.connection(), warehouse_id, ids)
    rows = _waiting(session, warehouse_id, ids)
    figures = queries.availability_by_item(session.connection(), warehouse_id, {line.item_id for line, _, _ in rows}, today or datetime.now(UTC).date())
    lines_by_order: dict[int, list] = defaultdict(list)
    for line, order, profile_policy in rows:
        lines_by_order[order.id].append((line, order, profile_policy))
    waiting = [
        WaitingOrder(
            backorder_policy(entries[0][1].backorder_policy or entries[0][2] or BackorderPolicy.BACKORDER_REST),
            tuple(LineDemand(line.id, line.item_id, line.backordered_quantity) for line, _, _ in entries),
        )
        for entries in lines_by_order.values()
    ]
    plan = plan_release(waiting, {item_id: figure.uncommitted for item_id, figure in figures.items()})
    released = []
    for line, order, _ in rows:
        take = plan.get(line.id)
        if take:
            line.backordered_quantity -= take
            line.committed_quantity += take
            released.append(BackorderRelease(order.id, order.number, line.id, line.item_id, take))
    session.flush()
    return released
