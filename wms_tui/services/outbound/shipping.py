"""Shipping: hand closed containers to a carrier; their contents move Output -> Customer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.outbound import COMPLETE_ONLY, OrderState
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import ContainerState
from wms_tui.services.inbound.common import with_terminal
from wms_tui.services.outbound.common import (
    order_lines,
    order_policy,
    warehouse_zones,
)
from wms_tui.services.posting import post
from wms_tui.store import finders
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import (
    Container,
    ContainerLine,
    SalesOrderLine,
    Shipment,
    ShippingContainer,
)


def check_shippable(container: Container, state: ContainerState) -> None:
    """A container ships once it is closed (weighed and labelled), and only once."""
    if state == ContainerState.OPEN:
        raise InvalidInput(f"{container.kind} {container.code} is still open: close and weigh it before shipping")
    if state != ContainerState.CLOSED:
        raise InvalidInput(f"{container.kind} {container.code} is already {state}")


def record_shipped(lines: Sequence[SalesOrderLine], contents: Sequence[ContainerLine]) -> None:
    """The contents of shipped containers leave their order lines' commitments as shipped units."""
    by_line = {line.id: line for line in lines}
    for content in contents:
        line = by_line[content.order_line_id]
        line.shipped_quantity += content.quantity
        line.committed_quantity -= content.quantity


@dataclass(frozen=True)
class ShipmentResult:
    number: str
    order_number: str
    carrier: str
    tracking_number: str
    containers: list[str]
    units: Decimal


def ship(
    session: Session,
    context: PostingContext,
    order_number: str,
    container_codes: Sequence[str],
    *,
    carrier: str,
    tracking_number: str = "",
) -> ShipmentResult:
    """Ship closed containers (a pallet brings the boxes on it). What stays behind is shipped
    later by packing and shipping again."""
    if not carrier or not carrier.strip():
        raise InvalidInput("a shipment needs a carrier")
    if not container_codes:
        raise InvalidInput("scan at least one container to ship")
    order = finders.sales_order_by_number(session, order_number)
    if order.state != OrderState.CONFIRMED:
        raise InvalidInput(f"sales order {order.number} is {order.state}: nothing to ship")
    lines = order_lines(session, order.id)
    waiting = [line for line in lines if line.backordered_quantity > 0]
    if waiting and order_policy(session, order) in COMPLETE_ONLY:
        raise InvalidInput(f"sales order {order.number} ships complete only and {len(waiting)} line(s) are back ordered")
    codes = list(dict.fromkeys(code.strip() for code in container_codes))
    roots = session.exec(
        select(Container, ShippingContainer)
        .join(ShippingContainer, ShippingContainer.container_id == Container.id)
        .where(Container.code.in_(codes))
    ).all()
    missing = sorted(set(codes) - {container.code for container, _ in roots})
    if missing:
        raise NotFound(f"no shipping container {', '.join(missing)}")
    children = session.exec(
        select(Container, ShippingContainer)
        .join(ShippingContainer, ShippingContainer.container_id == Container.id)
        .where(Container.parent_id.in_([container.id for container, _ in roots]))
    ).all()
    shipping = {container.id: (container, state) for container, state in [*roots, *children]}
    for container, state in shipping.values():
        if state.order_id != order.id:
            raise InvalidInput(f"container {container.code} belongs to another order than {order.number}")
        check_shippable(container, state.state)
    contents = session.exec(select(ContainerLine).where(ContainerLine.container_id.in_(list(shipping)))).all()
    zones = warehouse_zones(session, order.warehouse_id)
    post(
        session, context,
        [
            MoveRequest(c.item_id, zones.output.id, zones.customers.id, c.quantity, lot_id=c.lot_id,
                        document_ref=order.number, document_line_id=c.order_line_id, reason=MoveReason.SHIP)
            for c in contents
        ],
    )
    record_shipped(lines, contents)
    count = session.execute(select(func.count()).select_from(Shipment).where(Shipment.order_id == order.id)).scalar_one()
    shipment = Shipment(
        number=with_terminal(session, f"{order.number}/SHP-{count + 1}"), warehouse_id=order.warehouse_id, order_id=order.id,
        carrier=carrier.strip(), tracking_number=tracking_number.strip(), operator=context.operator,
        shipped_at=datetime.now(UTC),
    )
    session.add(shipment)
    session.flush()
    for container, state in shipping.values():
        state.state = ContainerState.SHIPPED
        state.shipment_id = shipment.id
        container.location_id = zones.customers.id
    session.flush()
    return ShipmentResult(
        shipment.number, order.number, shipment.carrier, shipment.tracking_number,
        sorted(container.code for container, _ in shipping.values()), sum((c.quantity for c in contents), Decimal(0)),
    )
