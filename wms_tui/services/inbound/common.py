"""Look-ups and ledger helpers shared by the inbound services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, literal_column
from sqlmodel import Session, SQLModel, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.quantities import ZERO, display
from wms_tui.store import finders
from wms_tui.store.finders import find_location
from wms_tui.store.models import (
    NO_CONTAINER,
    NO_LOT,
    Item,
    Location,
    Lot,
    Reservation,
    StockBalance,
    Warehouse,
)

# Lot of a reservation keyed like balances (0 = no lot). A literal, not a bound parameter, so
# PostgreSQL sees the GROUP BY expression as the same one as in the SELECT list.
RESERVED_LOT = func.coalesce(Reservation.lot_id, literal_column(str(NO_LOT)))
Numbered = TypeVar("Numbered", bound=SQLModel)


def add_numbered(session: Session, row: Numbered, prefix: str) -> Numbered:
    """Insert a document and number it from its id (PO000042): unique without a counter table.
    On a terminal that syncs the number carries the terminal (RC000042-HH1): ids are only
    unique within one database, and its documents travel to central."""
    row.number = f"{prefix}-{uuid.uuid4().hex[:16]}"  # placeholder, unique across terminals
    session.add(row)
    session.flush()
    row.number = with_terminal(session, f"{prefix}{row.id:06d}")
    session.flush()
    return row


def with_terminal(session: Session, number: str) -> str:
    """A document number made unique across terminals: `number` followed by the terminal this
    database belongs to, when it syncs (in capitals, as document numbers are looked up)."""
    terminal = finders.own_terminal(session)
    return number if terminal is None else finders.normal_code(f"{number}-{terminal}")


def zone(session: Session, warehouse: Warehouse, name: str) -> Location:
    location = find_location(session, f"{warehouse.code}/{name}")
    if location is None:
        raise NotFound(f"warehouse {warehouse.code} has no {name} zone")
    return location


def shared(session: Session, code: str) -> Location:
    location = find_location(session, code)
    if location is None:
        raise NotFound(f"location {code} is missing: create a warehouse first")
    return location


def require_internal_bin(location: Location, warehouse_id: int, what: str) -> None:
    if location.kind != LocationKind.INTERNAL:
        raise InvalidInput(f"{what}: {location.code} is not a storage location ({location.kind}); scan a bin")
    if location.warehouse_id != warehouse_id:
        raise InvalidInput(f"{what}: {location.code} is in another warehouse")
    if not location.active:
        raise InvalidInput(f"{what}: {location.code} is archived")


@dataclass(frozen=True)
class Portion:
    lot_id: int | None
    container_id: int | None
    quantity: Decimal


def take_stock(
    session: Session,
    item: Item,
    location: Location,
    quantity: Decimal,
    *,
    lot_id: int | None = None,
    container_id: int | None = None,
    include_reserved: bool = False,
) -> list[Portion]:
    """Which balances (lot, container) `quantity` comes from: loose stock before containers,
    earliest expiry first, or only one container. Reserved stock stays untouched unless asked
    for. Raises when short."""
    query = (
        select(StockBalance.lot_id, StockBalance.container_id, StockBalance.quantity)
        .outerjoin(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.item_id == item.id, StockBalance.location_id == location.id, StockBalance.quantity > 0)
        .order_by(StockBalance.container_id, Lot.expiry_date, StockBalance.lot_id)
    )
    if lot_id is not None:
        query = query.where(StockBalance.lot_id == lot_id)
    if container_id is not None:
        query = query.where(StockBalance.container_id == container_id)
    reserved_by_lot: dict[int, Decimal] = {}
    if not include_reserved:
        rows = session.exec(
            select(RESERVED_LOT, func.sum(Reservation.quantity))
            .where(Reservation.item_id == item.id, Reservation.location_id == location.id)
            .group_by(RESERVED_LOT)
        ).all()
        reserved_by_lot = {lot: Decimal(total) for lot, total in rows}
    portions: list[Portion] = []
    remaining = quantity
    for lot, container, on_hand in session.exec(query).all():
        if remaining <= 0:
            break
        held_back = min(on_hand, reserved_by_lot.get(lot, ZERO))
        reserved_by_lot[lot] = reserved_by_lot.get(lot, ZERO) - held_back
        free = on_hand - held_back
        if free <= 0:
            continue
        take = min(free, remaining)
        portions.append(Portion(None if lot == NO_LOT else lot, None if container == NO_CONTAINER else container, take))
        remaining -= take
    if remaining > 0:
        have = quantity - remaining
        raise InvalidInput(f"{location.code} has only {display(have)} {item.sku} free to move, {display(quantity)} needed")
    return portions


def carry_reservations(
    session: Session, item_id: int, lot_id: int | None, source: Location, target: Location, moved: Decimal
) -> None:
    """Reservations follow their goods: when a move takes more than the free stock at the source,
    the reserved part (oldest reservation first) moves with it. Call before posting the move."""
    lot_filter = Reservation.lot_id.is_(None) if lot_id is None else Reservation.lot_id == lot_id
    reservations = session.exec(
        select(Reservation)
        .where(Reservation.item_id == item_id, Reservation.location_id == source.id, lot_filter)
        .order_by(Reservation.id)
    ).all()
    if not reservations:
        return
    on_hand = session.exec(
        select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
            StockBalance.item_id == item_id,
            StockBalance.location_id == source.id,
            StockBalance.lot_id == (lot_id or NO_LOT),
        )
    ).one()
    reserved = sum((r.quantity for r in reservations), ZERO)
    to_carry = moved - max(Decimal(on_hand) - reserved, ZERO)
    for reservation in reservations:
        if to_carry <= 0:
            break
        take = min(reservation.quantity, to_carry)
        if take == reservation.quantity:
            reservation.location_id = target.id
        else:
            reservation.quantity -= take
            session.add(Reservation(
                order_line_id=reservation.order_line_id, item_id=item_id, location_id=target.id,
                lot_id=lot_id, quantity=take,
            ))
        to_carry -= take
    session.flush()
