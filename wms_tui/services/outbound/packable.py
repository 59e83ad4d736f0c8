"""What waits to be packed: units picked for an order and not yet in a container, per order
line and lot. The one place packed units are counted: packing refuses an over-pack by it, the
packer's screen lists what is left by it, and the slip and labels print it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain.quantities import ZERO
from wms_tui.domain.reasons import PICKING, UNPICKING, MoveReason
from wms_tui.domain.states import ContainerState
from wms_tui.services.outbound.common import order_lines
from wms_tui.store.models import ContainerLine, Item, Lot, SalesOrder, ShippingContainer, StockMove

LineLot = tuple[int, int | None]  # (order line id, lot id or None)


def picked(session: Session, order_number: str, line_ids: Sequence[int]) -> dict[LineLot, Decimal]:
    """Units picked (or cross-docked) per order line and lot, net of put-backs (a cancelled short
    pick, a reopen)."""
    totals: dict[LineLot, Decimal] = defaultdict(Decimal)
    for line_id, lot_id, reason, reverses, quantity in session.execute(
        select(StockMove.document_line_id, StockMove.lot_id, StockMove.reason, StockMove.reverses_id, func.sum(StockMove.quantity))
        .where(StockMove.document_ref == order_number, StockMove.document_line_id.in_(list(line_ids)))
        .group_by(StockMove.document_line_id, StockMove.lot_id, StockMove.reason, StockMove.reverses_id)
    ):
        code = MoveReason.parse(reason)
        if code in PICKING and reverses is None:
            totals[(line_id, lot_id)] += Decimal(quantity)
        elif reverses is not None and code in UNPICKING:
            totals[(line_id, lot_id)] -= Decimal(quantity)
    return totals


def packed(session: Session, line_ids: Sequence[int]) -> dict[LineLot, Decimal]:
    """Units packed per order line and lot, in containers that are not voided."""
    rows = session.execute(
        select(ContainerLine.order_line_id, ContainerLine.lot_id, func.sum(ContainerLine.quantity))
        .join(ShippingContainer, ShippingContainer.container_id == ContainerLine.container_id)
        .where(ContainerLine.order_line_id.in_(list(line_ids)), ShippingContainer.state != ContainerState.VOID)
        .group_by(ContainerLine.order_line_id, ContainerLine.lot_id)
    )
    return {(line_id, lot_id): Decimal(total) for line_id, lot_id, total in rows}


def packed_by_line(session: Session, line_ids: Sequence[int]) -> dict[int, Decimal]:
    """Units packed per order line, whatever their lots."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for (line_id, _), units in packed(session, line_ids).items():
        totals[line_id] += units
    return dict(totals)


def open_lots(session: Session, order: SalesOrder, item_id: int) -> dict[str | None, Decimal]:
    """Units of the item picked for the order and not yet packed, per lot code (None: no lot)."""
    line_ids = [line.id for line in order_lines(session, order.id) if line.item_id == item_id]
    left: dict[int | None, Decimal] = defaultdict(Decimal)
    for (_, lot_id), units in picked(session, order.number, line_ids).items():
        left[lot_id] += units
    for (_, lot_id), units in packed(session, line_ids).items():
        left[lot_id] -= units
    codes = {lot.id: lot.code for lot in session.exec(select(Lot).where(Lot.id.in_([k for k in left if k])))}
    return {codes.get(lot_id) if lot_id else None: units for lot_id, units in left.items() if units > 0}


def left_to_pack(session: Session, order: SalesOrder) -> dict[str, Decimal]:
    """Units per SKU picked for the order and not yet in a container (what the packer still has)."""
    lines = order_lines(session, order.id)
    done = packed_by_line(session, [line.id for line in lines])
    skus = {item.id: item.sku for item in session.exec(select(Item).where(Item.id.in_({line.item_id for line in lines})))}
    left: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        open_units = line.picked_quantity - done.get(line.id, ZERO)
        if open_units > 0:
            left[skus[line.item_id]] += open_units
    return dict(left)
