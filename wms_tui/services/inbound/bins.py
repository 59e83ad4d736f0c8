"""Which bin goods should go to, and whether a bin can take them."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.inbound import FINAL_ZONE, BinCandidate, PutawaySuggestion, suggest_bin
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.quantities import ZERO, display
from wms_tui.domain.states import PutawayRuleKind
from wms_tui.store import finders, views
from wms_tui.store.models import (
    NO_LOT,
    BinCapacity,
    Item,
    Location,
    Lot,
    PutawayRule,
    StockBalance,
    Warehouse,
)


def _stock_prefix(warehouse: Warehouse) -> str:
    return f"{warehouse.code}/{FINAL_ZONE}/"


def storage_bins(session: Session, warehouse: Warehouse) -> list[Location]:
    """Active leaf locations under the warehouse's Stock zone, in pick order."""
    ids = [row[0] for row in views.storage_bins(session, warehouse.id, _stock_prefix(warehouse))]
    return list(session.exec(select(Location).where(Location.id.in_(ids)).order_by(Location.pick_sequence, Location.code)).all())


def suggest_putaway(
    session: Session, warehouse: Warehouse, item: Item, lot: Lot | None, quantity: Decimal, *, task_id: int = 0
) -> PutawaySuggestion | None:
    """Look only at the bins that can win: the item's fixed bins, bins holding the item, and the
    first empty bins in pick order (in its zone and overall). A few indexed reads whatever the
    number of bins."""
    stock_prefix = _stock_prefix(warehouse)
    rules = views.putaway_rules(session, item.id)
    fixed = {location_id for kind, _, location_id in rules if kind == PutawayRuleKind.FIXED_BIN}
    zone_codes = [code + "/" for kind, code, _ in rules if kind == PutawayRuleKind.ZONE]
    of_item: dict[int, Decimal] = {}
    of_lot: dict[int, Decimal] = {}
    for location_id, lot_id, on_hand in views.item_stock(session, item.id, stock_prefix):
        of_item[location_id] = of_item.get(location_id, ZERO) + on_hand
        if lot is not None and lot_id == lot.id and lot_id != NO_LOT:
            of_lot[location_id] = of_lot.get(location_id, ZERO) + on_hand
    rows = {}
    totals: dict[int, Decimal] = {}
    if fixed or of_item:
        ids = list(fixed | set(of_item))
        rows = {row[0]: row for row in views.storage_bins_by_id(session, warehouse.id, stock_prefix, ids)}
        # Capacity counts everything in the bin, other items too (empty bins hold nothing).
        if rows:
            totals = views.bin_totals(session, list(rows))
    for prefix in [*zone_codes, stock_prefix]:
        rows.update({row[0]: row for row in views.empty_bins(session, warehouse.id, stock_prefix, prefix, quantity, task_id)})
    candidates = [
        BinCandidate(
            location_id=location_id,
            code=code,
            pick_sequence=pick_sequence,
            fixed_for_item=location_id in fixed,
            holds_item=of_item.get(location_id, ZERO),
            holds_lot=of_lot.get(location_id, ZERO),
            total_on_hand=totals.get(location_id, ZERO),
            in_item_zone=any(code.startswith(prefix) for prefix in zone_codes),
            capacity=capacity,
        )
        for location_id, code, pick_sequence, capacity in rows.values()
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
            f"{location.code} holds {display(Decimal(on_hand))} of {display(capacity.max_quantity)}: {display(quantity)} more does not fit; choose another bin"
        )


def set_putaway_rule(session: Session, sku: str, location_code: str, kind: PutawayRuleKind) -> PutawayRule:
    """A fixed bin for the item or the zone its bins are in."""
    try:
        kind = PutawayRuleKind(kind)
    except ValueError:
        raise InvalidInput(f"putaway rule kind must be {' or '.join(PutawayRuleKind)}, got {kind!r}") from None
    item = finders.item_by_sku(session, sku)
    location = finders.location_by_code(session, location_code)
    if location.kind != LocationKind.INTERNAL:
        raise InvalidInput(f"putaway rule for {item.sku}: {location.code} is not a storage location")
    rule = session.exec(select(PutawayRule).where(PutawayRule.item_id == item.id, PutawayRule.location_id == location.id)).first()
    if rule is None:
        rule = PutawayRule(item_id=item.id, location_id=location.id, kind=kind)
        session.add(rule)
    rule.kind = kind
    session.flush()
    return rule


def set_bin_capacity(session: Session, location_code: str, max_quantity: object) -> BinCapacity:
    """How many units a bin holds, all items together; putaway will not overfill it."""
    location = finders.location_by_code(session, location_code)
    limit = quantities.move_quantity(max_quantity)
    capacity = session.get(BinCapacity, location.id)
    if capacity is None:
        capacity = BinCapacity(location_id=location.id, max_quantity=limit)
        session.add(capacity)
    capacity.max_quantity = limit
    session.flush()
    return capacity
