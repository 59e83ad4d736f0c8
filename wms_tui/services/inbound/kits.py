"""Kits and assemblies: build (components Stock -> Production, kit Production -> Stock) and
unbuild (the reverse). A standard-costed kit comes out at its standard cost, so the value the
build creates (kit standard less the components' cost) stays in Manufacturing, as the
references' location-value table shows it; an AVCO or FIFO kit comes out at what its components
were worth, and Manufacturing nets to zero."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.costing import CostingMethod, move_value, priced_pieces, unit_cost_of
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.items import Tracking
from wms_tui.domain.reasons import MoveReason
from wms_tui.services import catalog
from wms_tui.services.inbound.common import require_internal_bin, shared, take_stock
from wms_tui.services.posting import post
from wms_tui.store import finders
from wms_tui.store.ledger import MoveRequest, PostedMove, PostingContext
from wms_tui.store.models import BomLine, Item, Location


def define_kit(session: Session, kit_sku: str, components: Sequence[tuple[str, object]]) -> list[BomLine]:
    """Set (replace) the bill of materials: (component SKU, units per kit)."""
    kit = finders.item_by_sku(session, kit_sku)
    if not components:
        raise InvalidInput(f"kit {kit.sku} needs at least one component")
    rows = []
    for sku, per_kit in components:
        component = finders.item_by_sku(session, sku)
        if component.id == kit.id:
            raise InvalidInput(f"kit {kit.sku} cannot contain itself")
        rows.append(BomLine(kit_item_id=kit.id, component_item_id=component.id, quantity=quantities.move_quantity(per_kit)))
    if len({row.component_item_id for row in rows}) != len(rows):
        raise InvalidInput(f"kit {kit.sku}: each component once, with its total quantity")
    for old in session.exec(select(BomLine).where(BomLine.kit_item_id == kit.id)).all():
        session.delete(old)
    session.flush()
    session.add_all(rows)
    session.flush()
    return rows


@dataclass(frozen=True)
class KitResult:
    kit_sku: str
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal


def _bom(session: Session, kit: Item) -> list[tuple[Item, Decimal]]:
    rows = session.exec(select(BomLine).where(BomLine.kit_item_id == kit.id).order_by(BomLine.id)).all()
    if not rows:
        raise InvalidInput(f"item {kit.sku} has no bill of materials")
    return [(session.get(Item, row.component_item_id), row.quantity) for row in rows]


def _place(session: Session, kit: Item, location_code: str) -> Location:
    location = finders.location_by_code(session, location_code)
    require_internal_bin(location, location.warehouse_id, f"kit {kit.sku}")
    return location


def _value(moves: list[PostedMove]) -> Decimal:
    return sum((move_value(move.quantity, move.unit_cost) for move in moves), Decimal(0))


def _result(kit: Item, amount: Decimal, value: Decimal) -> KitResult:
    return KitResult(kit.sku, amount, unit_cost_of(amount, value), value)


def build_kits(
    session: Session, context: PostingContext, kit_sku: str, quantity: object, location_code: str, *, lot_code: str | None = None
) -> KitResult:
    """Consume the components from a bin and put the built kits there."""
    kit = finders.item_by_sku(session, kit_sku)
    amount = quantities.move_quantity(quantity)
    bin_ = _place(session, kit, location_code)
    bom = _bom(session, kit)
    production = shared(session, "PRODUCTION")
    reference = f"BUILD {kit.sku}"
    moves = [
        MoveRequest(component.id, bin_.id, production.id, portion.quantity, lot_id=portion.lot_id,
                    container_id=portion.container_id, document_ref=reference, reason=MoveReason.KIT_BUILD)
        for component, per_kit in bom
        for portion in take_stock(session, component, bin_, quantities.move_quantity(per_kit * amount))
    ]
    lot = None
    if Tracking(kit.tracking) is not Tracking.NONE:
        if not lot_code:
            raise InvalidInput(f"kit {kit.sku} is lot-tracked: give the lot of the kits built")
        lot = catalog.get_or_create_lot(session, kit, lot_code)
    consumed = _value(post(session, context, moves).moves)
    kit_move = MoveRequest(kit.id, production.id, bin_.id, amount, lot_id=lot.id if lot else None,
                           document_ref=reference, reason=MoveReason.KIT_BUILD)
    if kit.costing_method is CostingMethod.STANDARD:
        built = post(session, context, [kit_move]).moves
    else:
        built = post(session, context, [
            replace(kit_move, quantity=part, unit_cost=cost) for part, cost in priced_pieces(amount, consumed)
        ]).moves
    return _result(kit, amount, _value(built))


def unbuild_kits(session: Session, context: PostingContext, kit_sku: str, quantity: object, location_code: str) -> KitResult:
    """Take kits apart in a bin: kits go to Production, their components come back."""
    kit = finders.item_by_sku(session, kit_sku)
    amount = quantities.move_quantity(quantity)
    bin_ = _place(session, kit, location_code)
    bom = _bom(session, kit)
    tracked = [component.sku for component, _ in bom if Tracking(component.tracking) is not Tracking.NONE]
    if tracked:
        raise InvalidInput(f"kit {kit.sku}: components {', '.join(tracked)} are lot-tracked; unbuild them with their lots by hand")
    production = shared(session, "PRODUCTION")
    reference = f"UNBUILD {kit.sku}"
    # The kits leave at what they are worth in the bin; the components come back at their own
    # cost, and Manufacturing keeps the difference.
    kits_moves = [
        MoveRequest(kit.id, bin_.id, production.id, portion.quantity, lot_id=portion.lot_id,
                    container_id=portion.container_id, document_ref=reference, reason=MoveReason.KIT_UNBUILD)
        for portion in take_stock(session, kit, bin_, amount)
    ]
    components = [
        MoveRequest(component.id, production.id, bin_.id, quantities.move_quantity(per_kit * amount),
                    document_ref=reference, reason=MoveReason.KIT_UNBUILD)
        for component, per_kit in bom
    ]
    taken = post(session, context, kits_moves + components).moves
    return _result(kit, amount, _value([move for move in taken if move.item_id == kit.id]))
