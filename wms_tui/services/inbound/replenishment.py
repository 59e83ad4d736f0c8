"""Reorder rules: purchase suggestions (min/max per warehouse) and pick-face refills from
reserve bins.

Purchase rules are read for all items at once with a handful of grouped queries, so suggesting
for tens of thousands of items costs the same few round trips as for one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, type_coerce
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.inbound import PurchaseState, check_reorder_rule, purchase_quantity
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.quantities import ZERO, display
from wms_tui.domain.states import PENDING_TASK_STATES, PartnerKind, ReorderRuleKind, TaskKind
from wms_tui.services import tasks
from wms_tui.services.inbound.bins import storage_bins
from wms_tui.services.inbound.common import RESERVED_LOT
from wms_tui.services.inbound.purchasing import (
    PurchaseLineInput,
    PurchaseOrderView,
    create_purchase_order,
)
from wms_tui.store import finders, queries
from wms_tui.store.models import (
    NO_LOT,
    Item,
    Location,
    Lot,
    Partner,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderRule,
    Reservation,
    StockBalance,
    SupplierItem,
    Task,
    Warehouse,
)
from wms_tui.store.types import Quantity


def set_reorder_rule(
    session: Session,
    sku: str,
    location_code: str,
    minimum: object,
    maximum: object,
    *,
    kind: ReorderRuleKind = ReorderRuleKind.PURCHASE,
    supplier_code: str | None = None,
) -> ReorderRule:
    """Create or change the min/max of an item at a location. A purchase rule sits on a
    warehouse (its view or Stock zone); a pick-face rule on the bin pickers take from."""
    try:
        kind = ReorderRuleKind(kind)
    except ValueError:
        raise InvalidInput(f"reorder rule kind must be one of {', '.join(ReorderRuleKind)}, got {kind!r}") from None
    item = finders.item_by_sku(session, sku)
    location = finders.location_by_code(session, location_code)
    if location.warehouse_id is None or location.kind not in (LocationKind.INTERNAL, LocationKind.VIEW):
        raise InvalidInput(f"reorder rule for {item.sku}: {location.code} is not a warehouse location")
    if kind == ReorderRuleKind.PICK_FACE and location.kind != LocationKind.INTERNAL:
        raise InvalidInput(f"pick-face rule for {item.sku}: {location.code} is not a bin")
    low, high = quantities.counted_quantity(minimum), quantities.counted_quantity(maximum)
    check_reorder_rule(item.sku, low, high)
    supplier = finders.supplier_by_code(session, supplier_code) if supplier_code else None
    rule = session.exec(select(ReorderRule).where(ReorderRule.item_id == item.id, ReorderRule.location_id == location.id)).first()
    if rule is None:
        rule = ReorderRule(item_id=item.id, location_id=location.id, kind=kind, min_quantity=low, max_quantity=high)
        session.add(rule)
    rule.kind, rule.min_quantity, rule.max_quantity = kind, low, high
    rule.supplier_id = supplier.id if supplier else None
    session.flush()
    return rule


@dataclass(frozen=True)
class PurchaseSuggestion:
    item_id: int
    sku: str
    warehouse_code: str
    supplier_code: str | None  # None: no supplier known for the item yet
    minimum: Decimal
    maximum: Decimal
    available: Decimal
    on_order: Decimal
    back_ordered: Decimal
    quantity: Decimal


def _grouped(session: Session, query) -> dict[tuple[int, int], Decimal]:
    return {(item_id, warehouse_id): Decimal(total) for item_id, warehouse_id, total in session.exec(query).all()}


def purchase_suggestions(session: Session, warehouse_code: str | None = None) -> list[PurchaseSuggestion]:
    """Items whose sellable stock not committed + on order - back ordered fell below their
    minimum, with the quantity that brings them back to their maximum."""
    rules_query = (
        select(
            ReorderRule.item_id, ReorderRule.min_quantity, ReorderRule.max_quantity, ReorderRule.supplier_id,
            Item.sku, Location.warehouse_id,
        )
        .join(Item, Item.id == ReorderRule.item_id)
        .join(Location, Location.id == ReorderRule.location_id)
        .where(ReorderRule.kind == ReorderRuleKind.PURCHASE, Item.active)
        .order_by(Location.warehouse_id, Item.sku)  # the buyer's list reads the same every time
    )
    warehouses = {w.id: w.code for w in session.exec(select(Warehouse)).all()}
    if warehouse_code is not None:
        wanted = finders.warehouse_by_code(session, warehouse_code)
        rules_query = rules_query.where(Location.warehouse_id == wanted.id)
    rules = session.exec(rules_query).all()
    if not rules:
        return []
    today = datetime.now(UTC).date()
    wanted: dict[int, set[int]] = defaultdict(set)
    for rule in rules:
        wanted[rule.warehouse_id].add(rule.item_id)
    figures = {
        warehouse_id: queries.availability_by_item(session.connection(), warehouse_id, item_ids, today)
        for warehouse_id, item_ids in wanted.items()
    }
    on_order = _grouped(session, select(PurchaseOrderLine.item_id, PurchaseOrder.warehouse_id,
                                        func.sum(type_coerce(PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity, Quantity())))
                        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
                        .where(PurchaseOrder.state == PurchaseState.OPEN)
                        .group_by(PurchaseOrderLine.item_id, PurchaseOrder.warehouse_id))
    preferred: dict[int, int] = {}
    for item_id, supplier_id in session.exec(
        select(SupplierItem.item_id, SupplierItem.supplier_id).order_by(SupplierItem.priority.desc(), SupplierItem.id.desc())
    ).all():
        preferred[item_id] = supplier_id  # the last written wins: lowest priority number
    suppliers = {p.id: p.code for p in session.exec(select(Partner).where(Partner.kind == PartnerKind.SUPPLIER)).all()}
    suggestions = []
    for item_id, minimum, maximum, rule_supplier_id, sku, warehouse_id in rules:
        key = (item_id, warehouse_id)
        figure = figures[warehouse_id][item_id]
        need = purchase_quantity(minimum, maximum, figure.uncommitted, on_order.get(key, ZERO), figure.back_ordered)
        if need <= 0:
            continue
        supplier_id = rule_supplier_id or preferred.get(item_id)
        suggestions.append(PurchaseSuggestion(
            item_id=item_id, sku=sku, warehouse_code=warehouses[warehouse_id],
            supplier_code=suppliers.get(supplier_id) if supplier_id else None,
            minimum=minimum, maximum=maximum, available=figure.available,
            on_order=on_order.get(key, ZERO), back_ordered=figure.back_ordered, quantity=need,
        ))
    return sorted(suggestions, key=lambda s: (s.warehouse_code, s.sku))


def order_suggestions(session: Session, suggestions: list[PurchaseSuggestion]) -> list[PurchaseOrderView]:
    """One action: the chosen suggestions become purchase orders, one per supplier and warehouse."""
    grouped: dict[tuple[str, str], list[PurchaseSuggestion]] = defaultdict(list)
    for suggestion in suggestions:
        if suggestion.supplier_code is None:
            raise InvalidInput(f"{suggestion.sku} has no supplier: add a supplier price or a supplier on its reorder rule")
        grouped[(suggestion.supplier_code, suggestion.warehouse_code)].append(suggestion)
    return [
        create_purchase_order(session, supplier, warehouse, [PurchaseLineInput(s.sku, s.quantity) for s in group])
        for (supplier, warehouse), group in sorted(grouped.items())
    ]


@dataclass(frozen=True)
class Refill:
    task_id: int
    sku: str
    from_code: str
    to_code: str
    quantity: Decimal


def plan_pick_face_refills(session: Session, warehouse_code: str) -> list[Refill]:
    """Queue replenish tasks for pick faces below their minimum, from reserve bins (earliest
    expiry first), up to their maximum counting refills already queued."""
    warehouse = finders.warehouse_by_code(session, warehouse_code)
    rules = session.exec(
        select(ReorderRule, Item, Location)
        .join(Item, Item.id == ReorderRule.item_id)
        .join(Location, Location.id == ReorderRule.location_id)
        .where(ReorderRule.kind == ReorderRuleKind.PICK_FACE, Location.warehouse_id == warehouse.id)
        .order_by(Location.pick_sequence, Location.code)
    ).all()
    pick_faces = {location.id for _, _, location in rules}
    reserve = {b.id: b for b in storage_bins(session, warehouse) if b.id not in pick_faces}
    refills: list[Refill] = []
    for rule, item, face in rules:
        at_face = Decimal(session.exec(
            select(func.coalesce(func.sum(StockBalance.quantity), 0))
            .where(StockBalance.item_id == item.id, StockBalance.location_id == face.id)
        ).one())
        queued = Decimal(session.exec(
            select(func.coalesce(func.sum(type_coerce(Task.quantity - Task.done_quantity, Quantity())), 0)).where(
                Task.kind == TaskKind.REPLENISH, Task.target_location_id == face.id, Task.item_id == item.id,
                Task.state.in_(PENDING_TASK_STATES),
            )
        ).one())
        if at_face + queued >= rule.min_quantity:
            continue
        need = rule.max_quantity - at_face - queued
        for location_id, lot_id, free in _reserve_stock(session, item, list(reserve)):
            if need <= 0:
                break
            take = min(free, need)
            task = tasks.create_task(session, tasks.NewTask(
                kind=TaskKind.REPLENISH, warehouse_id=warehouse.id, location_id=location_id,
                target_location_id=face.id, item_id=item.id, lot_id=None if lot_id == NO_LOT else lot_id,
                quantity=take, reason=f"pick face below min {display(rule.min_quantity)}",
            ))
            refills.append(Refill(task.id, item.sku, reserve[location_id].code, face.code, take))
            need -= take
    return refills


def _reserve_stock(session: Session, item: Item, bin_ids: list[int]) -> list[tuple[int, int, Decimal]]:
    """(bin, lot, free quantity) of an item in reserve bins, earliest expiry first."""
    if not bin_ids:
        return []
    rows = session.exec(
        select(StockBalance.location_id, StockBalance.lot_id, func.sum(StockBalance.quantity))
        .outerjoin(Lot, Lot.id == StockBalance.lot_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.item_id == item.id, StockBalance.location_id.in_(bin_ids))
        .group_by(StockBalance.location_id, StockBalance.lot_id, Lot.expiry_date, Location.pick_sequence, Location.code)
        .having(func.sum(StockBalance.quantity) > 0)
        .order_by(Lot.expiry_date, Location.pick_sequence, Location.code)
    ).all()
    reserved = {
        (location_id, lot_id): Decimal(total)
        for location_id, lot_id, total in session.exec(
            select(Reservation.location_id, RESERVED_LOT, func.sum(Reservation.quantity))
            .where(Reservation.item_id == item.id, Reservation.location_id.in_(bin_ids))
            .group_by(Reservation.location_id, RESERVED_LOT)
        ).all()
    }
    stock = []
    for location_id, lot_id, on_hand in rows:
        free = Decimal(on_hand) - reserved.get((location_id, lot_id), ZERO)
        if free > 0:
            stock.append((location_id, lot_id, free))
    return stock
