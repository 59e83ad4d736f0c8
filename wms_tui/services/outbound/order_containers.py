"""An order's shipping containers as the packing and shipping stations see them: which order
a scanned label or tote belongs to, the box still open, the boxes a pallet could take, and
what shipping only some containers would leave behind."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.outbound import OrderState
from wms_tui.domain.states import ContainerKind, ContainerState, TaskKind
from wms_tui.services.outbound.packable import left_to_pack
from wms_tui.store import finders
from wms_tui.store.models import (
    Container,
    ContainerLine,
    Item,
    Location,
    SalesOrder,
    ShippingContainer,
    Task,
    Warehouse,
)

# Containers of an order not shipped (nor voided): being packed or packed.
PACKED_STATES = (ContainerState.OPEN, ContainerState.CLOSED)


def order_to_pack(session: Session, reference: str) -> SalesOrder:
    """The order a packer's scan names: its number, a tote its picks went into (the order
    whose goods are in it), or one of its containers."""
    order = finders.find_sales_order(session, reference)
    if order is not None:
        return order
    tote = tote_contents(session, reference.upper())  # tote labels are kept in capitals, as pickers scan them
    if tote is not None:
        if tote.order is None:
            raise InvalidInput(f"tote {reference}: everything picked into it is packed")
        return finders.sales_order_by_number(session, tote.order)
    found = order_of_container(session, reference)
    if found is not None:
        return found
    raise NotFound(f"{reference} is no order, tote or container of an order")


@dataclass(frozen=True)
class ToteContents:
    """A tote as the floor sees it: the order whose picked goods are in it (None: empty, all
    packed), what of them, and where the picks went (the pick-to place)."""

    code: str
    order: str | None
    last_order: str  # the newest order picked into it
    lines: tuple[tuple[str, Decimal], ...]  # (SKU, units still in it)
    at: str | None


# Built once: every tote a picker scans is looked up, and building the read costs more than running it.
_PICKS_INTO_TOTE = (
    select(Task.document_ref, Item.sku, Task.done_quantity, Location.code)
    .join(Item, Item.id == Task.item_id).join(Location, Location.id == Task.target_location_id)
    .where(Task.kind == TaskKind.PICK, Task.tote == bindparam("code"), Task.done_quantity > 0)
    .order_by(Task.id.desc())
)


def tote_contents(session: Session, code: str) -> ToteContents | None:
    """What is in a tote, from the picks into it; None for a code no pick went into."""
    rows = session.exec(_PICKS_INTO_TOTE, params={"code": code}).all()
    if not rows:
        return None
    for number in dict.fromkeys(row[0] for row in rows):
        order = finders.find_sales_order(session, number)
        left = left_to_pack(session, order) if order is not None and order.state == OrderState.CONFIRMED else {}
        if not left:
            continue
        into: dict[str, Decimal] = defaultdict(Decimal)
        for ref, sku, units, _at in rows:
            if ref == number:
                into[sku] += units
        lines = tuple((sku, min(units, left[sku])) for sku, units in sorted(into.items()) if left.get(sku))
        if lines:
            at = next(where for ref, _sku, _units, where in rows if ref == number)
            return ToteContents(code, number, rows[0][0], lines, at)
    return ToteContents(code, None, rows[0][0], (), rows[0][3])


def open_container_of(session: Session, order: SalesOrder) -> Container | None:
    """The order's container still being filled (the first, if several are)."""
    return session.exec(
        select(Container).join(ShippingContainer, ShippingContainer.container_id == Container.id)
        .where(ShippingContainer.order_id == order.id, ShippingContainer.state == ContainerState.OPEN).order_by(Container.id)
    ).first()


def loose_boxes(session: Session, order: SalesOrder) -> int:
    """Closed boxes of the order not yet on a pallet nor shipped: what a pallet could take."""
    return session.exec(
        select(func.count()).select_from(Container)
        .join(ShippingContainer, ShippingContainer.container_id == Container.id)
        .where(ShippingContainer.order_id == order.id, ShippingContainer.state == ContainerState.CLOSED,
               Container.parent_id.is_(None), Container.kind != ContainerKind.PALLET)
    ).one()


def container_number(session: Session, order: SalesOrder, container: Container) -> int:
    """The container's place among the order's containers (box 1, box 2 ...)."""
    return session.exec(
        select(func.count()).select_from(ShippingContainer)
        .where(ShippingContainer.order_id == order.id, ShippingContainer.container_id <= container.id,
               ShippingContainer.state != ContainerState.VOID)
    ).one()


def boxes_on(session: Session, pallet: Container) -> int:
    return session.exec(select(func.count()).select_from(Container).where(Container.parent_id == pallet.id)).one()


def has_contents(session: Session, container: Container) -> bool:
    return session.exec(
        select(ContainerLine.id).where(ContainerLine.container_id == container.id).limit(1)
    ).first() is not None


def all_packed(session: Session, order: SalesOrder) -> bool:
    """No container of the order is open and nothing picked waits to be packed."""
    states = session.exec(select(ShippingContainer.state).where(ShippingContainer.order_id == order.id)).all()
    return ContainerState.OPEN not in states and not left_to_pack(session, order)


def order_of_container(session: Session, code: str) -> SalesOrder | None:
    """The order a scanned container is packed for; None for a code that is no container of one."""
    container = finders.find_container(session, code)
    if container is None:
        return None
    return session.exec(
        select(SalesOrder).join(ShippingContainer, ShippingContainer.order_id == SalesOrder.id)
        .where(ShippingContainer.container_id == container.id)
    ).first()


@dataclass(frozen=True)
class ToShip:
    container: Container
    state: ContainerState  # the shipping container's
    order: SalesOrder
    pallet: str | None  # the pallet the box is stacked on


def to_ship(session: Session, code: str) -> ToShip:
    """A container scanned at shipping, with its order; refused when it is not packed for one."""
    found = finders.find_container(session, code)
    if found is None:
        raise NotFound(f"no container {code}: scan the label the packer printed")
    row = session.exec(
        select(ShippingContainer.state, SalesOrder)
        .join(SalesOrder, SalesOrder.id == ShippingContainer.order_id)
        .where(ShippingContainer.container_id == found.id)
    ).first()
    if row is None:
        raise InvalidInput(f"{code} is not packed for an order: nothing to ship")
    state, order = row
    pallet = session.get(Container, found.parent_id).code if found.parent_id is not None else None
    return ToShip(found, state, order, pallet)


@dataclass(frozen=True)
class LeftBehind:
    """What of the order would stay behind if only the scanned containers shipped."""

    closed: int  # packed containers not scanned
    open: bool  # a container still being packed
    unpacked: bool  # picked goods not yet in a container

    def __bool__(self) -> bool:
        return bool(self.closed or self.open or self.unpacked)


def left_behind(session: Session, order: SalesOrder, scanned: list[str] | tuple[str, ...]) -> LeftBehind:
    rows = session.exec(
        select(Container.code, ShippingContainer.state)
        .join(ShippingContainer, ShippingContainer.container_id == Container.id)
        .where(ShippingContainer.order_id == order.id, Container.parent_id.is_(None),
               ShippingContainer.state.in_(PACKED_STATES))
    ).all()
    closed = [code for code, state in rows if state == ContainerState.CLOSED and code not in scanned]
    return LeftBehind(len(closed), any(state == ContainerState.OPEN for _, state in rows), bool(left_to_pack(session, order)))


def still_packed(session: Session, order_number: str) -> int:
    """Containers of the order packed or being packed and not shipped."""
    order = finders.sales_order_by_number(session, order_number)
    return session.exec(
        select(func.count()).select_from(ShippingContainer)
        .where(ShippingContainer.order_id == order.id, ShippingContainer.state.in_(PACKED_STATES))
    ).one()


def ship_from(session: Session, order: SalesOrder) -> str:
    """The sender the order's slip names: its warehouse."""
    return session.get(Warehouse, order.warehouse_id).name
