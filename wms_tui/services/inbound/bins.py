"""Which bin goods should go to, and whether a bin can take them."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.inbound import FINAL_ZONE, BinCandidate, PutawaySuggestion, show, suggest_bin
from wms_tui.domain.locations import LocationKind
from wms_tui.services.inbound.common import ZERO, zone
from wms_tui.store.models import NO_LOT, Item, Location, Lot, StockBalance, Warehouse
from wms_tui.store.models_inbound import BinCapacity, PutawayRule


def storage_bins(session: Session, warehouse: Warehouse) -> list[Location]:
    """Active leaf locations under the warehouse's Stock zone."""
    stock = zone(session, warehouse, FINAL_ZONE)
    parents = select(Location.parent_id).where(Location.parent_id.is_not(None))
    return list(
        session.exec(
            select(Location).where(
                Location.warehouse_id == warehouse.id,
                Location.kind == LocationKind.INTERNAL,
                Location.active,
                Location.code.startswith(stock.code + "/"),
                Location.id.not_in(parents),
            )
        ).all()
    )


def suggest_putaway(
    session: Session, warehouse: Warehouse, item: Item, lot: Lot | None, quantity: Decimal
) -> PutawaySuggestion | None:
    bins = storage_bins(session, warehouse)
    if not bins:
        return None
    ids = [location.id for location in bins]
    rules = session.exec(select(PutawayRule).where(PutawayRule.item_id == item.id)).all()
    fixed = {rule.location_id for rule in rules if rule.kind == "fixed_bin"}
    zone_codes = [session.get(Location, rule.location_id).code + "/" for rule in rules if rule.kind == "zone"]
    totals: dict[int, Decimal] = {}
    of_item: dict[int, Decimal] = {}
    of_lot: dict[int, Decimal] = {}
    rows = session.exec(
        select(StockBalance.location_id, StockBalance.item_id, StockBalance.lot_id, func.sum(StockBalance.quantity))
        .where(StockBalance.location_id.in_(ids))
        .group_by(StockBalance.location_id, StockBalance.item_id, StockBalance.lot_id)
    ).all()
    for location_id, item_id, lot_id, on_hand in rows:
        totals[location_id] = totals.get(location_id, ZERO) + on_hand
        if item_id == item.id:
            of_item[location_id] = of_item.get(location_id, ZERO) + on_hand
            if lot is not None and lot_id == lot.id and lot_id != NO_LOT:
                of_lot[location_id] = of_lot.get(location_id, ZERO) + on_hand
    capacities = dict(session.exec(select(BinCapacity.location_id, BinCapacity.max_quantity).where(BinCapacity.location_id.in_(ids))).all())
    candidates = [
        BinCandidate(
            location_id=location.id,
            code=location.code,
            pick_sequence=location.pick_sequence,
            fixed_for_item=location.id in fixed,
            holds_item=of_item.get(location.id, ZERO),
            holds_lot=of_lot.get(location.id, ZERO),
            total_on_hand=totals.get(location.id, ZERO),
            in_item_zone=any(location.code.startswith(prefix) for prefix in zone_codes),
            capacity=capacities.get(location.id),
        )
        for location in bins
    ]
    return suggest_bin(candidates, quantity, lot is not None)


def check_capacity(session: Session, location: Location, quantity: Decimal) -> None:
    capacity = session.get(BinCapacity, location.id)
    if capacity is None:
        return
    on_hand = session.exec(
        select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(StockBalance.location_id == location.id)
    ).one()
    if Decimal(on_hand) + quantity > capacity.max_quantity:
        raise InvalidInput(
            f"{location.code} holds {show(Decimal(on_hand))} of {show(capacity.max_quantity)}: {show(quantity)} more does not fit; choose another bin"
        )


def set_putaway_rule(session: Session, item: Item, location: Location, kind: str) -> PutawayRule:
    """A fixed bin for the item (kind "fixed_bin") or the zone its bins are in (kind "zone")."""
    if kind not in ("fixed_bin", "zone"):
        raise InvalidInput(f"putaway rule kind must be fixed_bin or zone, got {kind!r}")
    if location.kind != LocationKind.INTERNAL:
        raise InvalidInput(f"putaway rule for {item.sku}: {location.code} is not a storage location")
    rule = PutawayRule(item_id=item.id, location_id=location.id, kind=kind)
    session.add(rule)
    session.flush()
    return rule


def set_bin_capacity(session: Session, location: Location, max_quantity: Decimal) -> BinCapacity:
    if max_quantity <= 0:
        raise InvalidInput(f"capacity of {location.code} must be positive, got {max_quantity}")
    capacity = session.get(BinCapacity, location.id)
    if capacity is None:
        capacity = BinCapacity(location_id=location.id, max_quantity=max_quantity)
        session.add(capacity)
    else:
        capacity.max_quantity = max_quantity
    session.flush()
    return capacity
