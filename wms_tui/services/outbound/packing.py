"""Packing: containers (box, pallet, tote) numbered from the terminal's own range, filled with
picked units, closed with a weight, nested on pallets; label and packing-slip data.

Packed contents are kept per container here; the ledger moves them (Pack -> Output in a
3-step route, Output -> Customer when shipped), so the stock books never see a container
appear out of nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.outbound import OrderState, sscc
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import ContainerKind, ContainerState
from wms_tui.services import catalog
from wms_tui.services.outbound import packable
from wms_tui.services.outbound.common import (
    order_lines,
    resolve_lot,
    scanned_units,
    warehouse_zones,
)
from wms_tui.services.posting import post
from wms_tui.store import finders, writes
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import (
    Container,
    ContainerLine,
    CustomerProfile,
    Item,
    Lot,
    NumberRange,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShippingContainer,
    Warehouse,
)

CONTAINER_KINDS = tuple(ContainerKind)
SSCC = "sscc"


def assign_number_range(session: Session, terminal_id: str, prefix: str, first: int, last: int, *, purpose: str = SSCC) -> NumberRange:
    """Give a terminal its own block of serials; blocks of one prefix never overlap."""
    if not terminal_id.strip():
        raise InvalidInput("a number range belongs to a terminal: give its id")
    if first < 0 or last < first:
        raise InvalidInput(f"number range {first}-{last} is empty or negative")
    if purpose == SSCC:
        sscc(prefix, last)  # refuses a prefix or range that does not make an 18-digit SSCC
    overlapping = session.exec(
        select(NumberRange).where(
            NumberRange.purpose == purpose, NumberRange.prefix == prefix,
            NumberRange.first_value <= last, NumberRange.last_value >= first,
        )
    ).first()
    if overlapping:
        raise InvalidInput(
            f"range {first}-{last} overlaps terminal {overlapping.terminal_id}'s {overlapping.first_value}-{overlapping.last_value}"
        )
    if session.exec(select(NumberRange).where(NumberRange.purpose == purpose, NumberRange.terminal_id == terminal_id)).first():
        raise InvalidInput(f"terminal {terminal_id} already has a {purpose} range")
    entry = NumberRange(purpose=purpose, terminal_id=terminal_id, prefix=prefix, first_value=first, last_value=last, next_value=first)
    session.add(entry)
    session.flush()
    return entry


def next_sscc(session: Session, terminal_id: str) -> str:
    """The terminal's next SSCC; the counter moves in the caller's transaction, so a rolled
    back container gives its number back and a committed one is never handed out twice."""
    taken = writes.take_serial(session, SSCC, terminal_id)
    if taken is None:
        raise InvalidInput(f"terminal {terminal_id} has no SSCC numbers left: assign it a range")
    return sscc(*taken)


def _container(session: Session, code: str) -> tuple[Container, ShippingContainer]:
    container = finders.find_container(session, code)
    packing = session.get(ShippingContainer, container.id) if container is not None else None
    if packing is None:
        raise NotFound(f"no shipping container {code!r}")
    return container, packing


def open_container(
    session: Session, context: PostingContext, order_number: str, *, kind: ContainerKind = ContainerKind.BOX, code: str | None = None
) -> Container:
    """A new box/pallet/tote for an order at the packing place; numbered from the terminal's
    SSCC range unless a code (an LPN already on it) is given."""
    if kind not in CONTAINER_KINDS:
        raise InvalidInput(f"container kind must be one of {', '.join(CONTAINER_KINDS)}, got {kind!r}")
    order = finders.sales_order_by_number(session, order_number)
    if order.state != OrderState.CONFIRMED:
        raise InvalidInput(f"sales order {order.number} is {order.state}: nothing to pack")
    zones = warehouse_zones(session, order.warehouse_id)
    if zones.route.pick_to is None:
        raise InvalidInput(f"warehouse {zones.warehouse.code} delivers in 1 step: picks go straight to the customer")
    place = zones.pack if zones.route.packs_with_move else zones.output
    container = catalog.create_container(session, code or next_sscc(session, context.terminal_id), kind=kind, location=place)
    session.add(ShippingContainer(container_id=container.id, warehouse_id=order.warehouse_id, order_id=order.id))
    session.flush()
    return container


def pack(
    session: Session,
    context: PostingContext,
    container_code: str,
    *,
    item_scan: str,
    packages: object | None = None,
    lot_code: str | None = None,
) -> ContainerLine:
    """Put scanned units into an open container; never more than was picked and not yet packed."""
    container, shipping = _container(session, container_code)
    if shipping.state != ContainerState.OPEN:
        raise InvalidInput(f"container {container.code} is {shipping.state}: open a new one")
    if container.kind == ContainerKind.PALLET:
        raise InvalidInput(f"pallet {container.code} takes closed boxes, not loose units")
    order = session.get(SalesOrder, shipping.order_id)
    scan = finders.item_by_scan(session, item_scan)
    units = scanned_units(scan, packages)
    lot = resolve_lot(session, scan.item, lot_code)
    lot_id = lot.id if lot else None
    lines = [line for line in order_lines(session, order.id) if line.item_id == scan.item.id]
    if not lines:
        raise InvalidInput(f"item {scan.item.sku} is not on sales order {order.number}")
    line_ids = [line.id for line in lines]
    picked = packable.picked(session, order.number, line_ids)
    packed = packable.packed(session, line_ids)
    chosen, open_units = None, Decimal(0)
    for line in lines:
        open_units = picked.get((line.id, lot_id), Decimal(0)) - packed.get((line.id, lot_id), Decimal(0))
        if open_units >= units:
            chosen = line
            break
    if chosen is None:
        what = f"{scan.item.sku}" + (f" lot {lot.code}" if lot else "")
        raise InvalidInput(f"over-pack: {units} {what} scanned but only {max(open_units, Decimal(0))} picked and not yet packed")
    zones = warehouse_zones(session, order.warehouse_id)
    if zones.route.packs_with_move:
        post(
            session, context,
            [MoveRequest(scan.item.id, zones.pack.id, zones.output.id, units, lot_id=lot_id,
                         document_ref=order.number, document_line_id=chosen.id, reason=MoveReason.PACK)],
        )
    content = ContainerLine(container_id=container.id, order_line_id=chosen.id, item_id=scan.item.id, lot_id=lot_id, quantity=units)
    session.add(content)
    session.flush()
    return content


def close_container(session: Session, container_code: str, *, weight_kg: object) -> ShippingContainer:
    container, shipping = _container(session, container_code)
    if shipping.state != ContainerState.OPEN:
        raise InvalidInput(f"container {container.code} is already {shipping.state}")
    has_contents = session.exec(select(ContainerLine.id).where(ContainerLine.container_id == container.id).limit(1)).first()
    has_children = session.exec(select(Container.id).where(Container.parent_id == container.id).limit(1)).first()
    if not has_contents and not has_children:
        raise InvalidInput(f"container {container.code} is empty: pack something or discard it")
    shipping.weight_kg = quantities.move_quantity(weight_kg)
    shipping.state = ContainerState.CLOSED
    shipping.closed_at = datetime.now(UTC)
    zones = warehouse_zones(session, shipping.warehouse_id)
    container.location_id = zones.packed_at.id
    session.flush()
    return shipping


def nest(session: Session, box_code: str, pallet_code: str) -> Container:
    """Stack a closed box on an open pallet of the same order."""
    box, box_state = _container(session, box_code)
    pallet, pallet_state = _container(session, pallet_code)
    if pallet.kind != ContainerKind.PALLET:
        raise InvalidInput(f"{pallet.code} is a {pallet.kind}: boxes go on a pallet")
    if pallet_state.state != ContainerState.OPEN:
        raise InvalidInput(f"pallet {pallet.code} is {pallet_state.state}")
    if box_state.state != ContainerState.CLOSED:
        raise InvalidInput(f"close {box.code} before putting it on a pallet")
    if box_state.order_id != pallet_state.order_id:
        raise InvalidInput(f"{box.code} and pallet {pallet.code} belong to different orders")
    box.parent_id = pallet.id
    session.flush()
    return box


@dataclass(frozen=True)
class ContentRow:
    gtin: str | None
    sku: str
    description: str
    quantity: Decimal
    lot: str | None
    best_before: date | None


@dataclass(frozen=True)
class Address:
    name: str
    street: str
    city: str
    postcode: str
    country: str


@dataclass(frozen=True)
class ContainerLabel:
    """What a GS1 logistic label needs for one container."""

    sscc: str
    kind: str
    ship_from: str
    ship_to: Address
    order_number: str
    carrier: str | None
    tracking_number: str | None
    weight_kg: Decimal | None
    contents: list[ContentRow]
    index: int
    of: int


def _contents(session: Session, container_ids: list[int]) -> dict[int, list[ContentRow]]:
    rows = session.exec(
        select(ContainerLine, Item, Lot)
        .join(Item, Item.id == ContainerLine.item_id)
        .outerjoin(Lot, Lot.id == ContainerLine.lot_id)
        .where(ContainerLine.container_id.in_(container_ids))
        .order_by(ContainerLine.id)
    ).all()
    gtins = finders.unit_barcodes(session, {item.id for _, item, _ in rows})
    grouped: dict[int, list[ContentRow]] = defaultdict(list)
    for content, item, lot in rows:
        grouped[content.container_id].append(
            ContentRow(gtins.get(item.id), item.sku, item.name, content.quantity, lot.code if lot else None, lot.expiry_date if lot else None)
        )
    return grouped


def _ship_to(session: Session, order: SalesOrder) -> Address:
    profile = session.get(CustomerProfile, order.customer_id)
    return Address(profile.ship_to_name, profile.ship_to_street, profile.ship_to_city, profile.ship_to_postcode, profile.ship_to_country)


def container_labels(session: Session, order_number: str) -> list[ContainerLabel]:
    """Label data for every container of the order, numbered n of m."""
    order = finders.sales_order_by_number(session, order_number)
    rows = session.exec(
        select(Container, ShippingContainer)
        .join(ShippingContainer, ShippingContainer.container_id == Container.id)
        .where(ShippingContainer.order_id == order.id, ShippingContainer.state != ContainerState.VOID)
        .order_by(Container.id)
    ).all()
    contents = _contents(session, [container.id for container, _ in rows])
    shipments = {s.id: s for s in session.exec(select(Shipment).where(Shipment.order_id == order.id))}
    warehouse = session.get(Warehouse, order.warehouse_id)
    ship_to = _ship_to(session, order)
    labels = []
    for index, (container, shipping) in enumerate(rows, start=1):
        shipment = shipments.get(shipping.shipment_id)
        labels.append(
            ContainerLabel(
                container.code, container.kind, warehouse.name, ship_to, order.number,
                shipment.carrier if shipment else None, shipment.tracking_number if shipment else None,
                shipping.weight_kg, contents.get(container.id, []), index, len(rows),
            )
        )
    return labels


@dataclass(frozen=True)
class SlipLine:
    sku: str
    description: str
    ordered: Decimal
    packed: Decimal  # in the order's containers, shipped ones included
    shipped: Decimal
    back_ordered: Decimal
    cancelled: Decimal


@dataclass(frozen=True)
class PackingSlip:
    """Goes in the box: what was ordered and what is in this delivery. No prices."""

    order_number: str
    ship_to: Address
    printed_on: date
    lines: list[SlipLine]
    containers: dict[str, list[ContentRow]]


def packing_slip(session: Session, order_number: str) -> PackingSlip:
    order = finders.sales_order_by_number(session, order_number)
    lines = session.exec(
        select(SalesOrderLine, Item).join(Item, Item.id == SalesOrderLine.item_id)
        .where(SalesOrderLine.order_id == order.id).order_by(SalesOrderLine.id)
    ).all()
    packed = packable.packed_by_line(session, [line.id for line, _ in lines])
    containers = session.exec(
        select(Container).join(ShippingContainer, ShippingContainer.container_id == Container.id)
        .where(ShippingContainer.order_id == order.id, ShippingContainer.state != ContainerState.VOID).order_by(Container.id)
    ).all()
    contents = _contents(session, [container.id for container in containers])
    return PackingSlip(
        order.number,
        _ship_to(session, order),
        datetime.now(UTC).date(),
        [
            SlipLine(item.sku, item.name, line.quantity, max(line.shipped_quantity, packed.get(line.id, Decimal(0))),
                     line.shipped_quantity, line.backordered_quantity, line.cancelled_quantity)
            for line, item in lines
        ],
        {container.code: contents.get(container.id, []) for container in containers},
    )


def terminal_range(session: Session, terminal_id: str, *, purpose: str = SSCC) -> NumberRange | None:
    """The number range the terminal holds, if any."""
    return session.exec(
        select(NumberRange).where(NumberRange.purpose == purpose, NumberRange.terminal_id == terminal_id)
    ).first()


def last_assigned(session: Session, prefix: str, *, purpose: str = SSCC) -> int | None:
    """The highest number any terminal's range under the prefix reaches (None: no range yet)."""
    return session.exec(
        select(func.max(NumberRange.last_value)).where(NumberRange.purpose == purpose, NumberRange.prefix == prefix)
    ).one()
