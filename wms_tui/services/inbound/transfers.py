"""Inter-warehouse transfers: ship into the destination's Transit location (counted there as in
transit), then receive from Transit into the destination's receipt route."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.inbound import receipt_route
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import TransferState
from wms_tui.services.inbound import routes
from wms_tui.services.inbound.common import (
    add_numbered,
    require_internal_bin,
    take_stock,
    zone,
)
from wms_tui.services.posting import post
from wms_tui.store import finders
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import Item, Location, Lot, Transfer, TransferLine, Warehouse


@dataclass(frozen=True)
class TransferLineInput:
    sku: str
    quantity: object
    from_location: str  # bin code or barcode in the source warehouse
    lot_code: str | None = None


@dataclass(frozen=True)
class TransferView:
    number: str
    state: TransferState
    from_warehouse: str
    to_warehouse: str
    lines: list[tuple[str, Decimal, Decimal]]  # sku, quantity, received


def _view(session: Session, transfer: Transfer) -> TransferView:
    rows = session.exec(
        select(TransferLine, Item.sku).join(Item, Item.id == TransferLine.item_id)
        .where(TransferLine.transfer_id == transfer.id).order_by(TransferLine.id)
    ).all()
    return TransferView(
        transfer.number, transfer.state,
        session.get(Warehouse, transfer.from_warehouse_id).code, session.get(Warehouse, transfer.to_warehouse_id).code,
        [(sku, line.quantity, line.received_quantity) for line, sku in rows],
    )


def _transfer(session: Session, number: str, state: TransferState) -> Transfer:
    transfer = session.exec(select(Transfer).where(Transfer.number == number.strip())).first()
    if transfer is None:
        raise NotFound(f"no transfer {number!r}")
    if transfer.state != state:
        raise InvalidInput(f"transfer {transfer.number} is {transfer.state}, not {state}")
    return transfer


def create_transfer(session: Session, from_code: str, to_code: str, lines: Sequence[TransferLineInput]) -> TransferView:
    source, destination = finders.warehouse_by_code(session, from_code), finders.warehouse_by_code(session, to_code)
    if source.id == destination.id:
        raise InvalidInput(f"a transfer goes between two warehouses, not from {source.code} to itself")
    if not lines:
        raise InvalidInput("a transfer needs at least one line")
    transfer = add_numbered(
        session, Transfer(from_warehouse_id=source.id, to_warehouse_id=destination.id, created_at=datetime.now(UTC)), "TR"
    )
    for line in lines:
        item = finders.item_by_sku(session, line.sku)
        location = finders.location_by_code(session, line.from_location)
        require_internal_bin(location, source.id, f"transfer of {item.sku}")
        lot_id = None
        if line.lot_code is not None:
            lot_id = finders.lot_by_code(session, item, line.lot_code).id
        session.add(TransferLine(transfer_id=transfer.id, item_id=item.id, lot_id=lot_id,
                                 from_location_id=location.id, quantity=quantities.move_quantity(line.quantity)))
    session.flush()
    return _view(session, transfer)


def ship_transfer(session: Session, context: PostingContext, number: str) -> TransferView:
    """Everything leaves its bins for the destination's Transit location in one batch."""
    transfer = _transfer(session, number, TransferState.DRAFT)
    destination = session.get(Warehouse, transfer.to_warehouse_id)
    transit = finders.location_by_code(session, f"{destination.code}/TRANSIT")
    # Posted line by line (one transaction) so two lines of one item never take the same units.
    for line in session.exec(select(TransferLine).where(TransferLine.transfer_id == transfer.id).order_by(TransferLine.id)).all():
        item = session.get(Item, line.item_id)
        source = session.get(Location, line.from_location_id)
        post(session, context, [
            MoveRequest(item.id, source.id, transit.id, portion.quantity, lot_id=portion.lot_id,
                        container_id=portion.container_id, document_ref=transfer.number,
                        document_line_id=line.id, reason=MoveReason.TRANSFER_OUT)
            for portion in take_stock(session, item, source, line.quantity, lot_id=line.lot_id)
        ])
    transfer.state = TransferState.SHIPPED
    session.flush()
    return _view(session, transfer)


def receive_transfer(session: Session, context: PostingContext, number: str) -> TransferView:
    """Take the goods out of Transit into the first zone of the destination's receipt route;
    its push rules queue the putaway."""
    transfer = _transfer(session, number, TransferState.SHIPPED)
    destination = session.get(Warehouse, transfer.to_warehouse_id)
    transit = finders.location_by_code(session, f"{destination.code}/TRANSIT")
    landing = zone(session, destination, receipt_route(destination.receipt_steps)[0])
    lines = session.exec(select(TransferLine).where(TransferLine.transfer_id == transfer.id).order_by(TransferLine.id)).all()
    for line in lines:
        item = session.get(Item, line.item_id)
        post(session, context, [
            MoveRequest(item.id, transit.id, landing.id, portion.quantity, lot_id=portion.lot_id,
                        container_id=portion.container_id, document_ref=transfer.number,
                        document_line_id=line.id, reason=MoveReason.TRANSFER_IN)
            for portion in take_stock(session, item, transit, line.quantity, lot_id=line.lot_id, include_reserved=True)
        ])
        line.received_quantity = line.quantity
        lot = session.get(Lot, line.lot_id) if line.lot_id else None
        routes.after_landing(session, destination, landing, session.get(Item, line.item_id), lot, line.quantity,
                             transfer.number, line.id)
    transfer.state = TransferState.RECEIVED
    session.flush()
    return _view(session, transfer)
