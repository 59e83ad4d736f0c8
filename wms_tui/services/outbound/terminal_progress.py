"""What central does with the outbound work a terminal pushed: its picks (task completions) and
its shipments, recorded on central's order lines and reservations by the rules the terminal
applied when it did the work."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.services.outbound.common import order_lines
from wms_tui.services.outbound.picking import record_picked, release_reservation
from wms_tui.services.outbound.shipping import record_shipped
from wms_tui.store.models import (
    ContainerLine,
    Location,
    SalesOrderLine,
    Shipment,
    ShippingContainer,
    Task,
)


def record_pick(session: Session, task: Task, units: Decimal) -> None:
    """A pick task a terminal confirmed: its units picked for the order line, its reservation released."""
    line = session.get(SalesOrderLine, task.document_line_id)
    release_reservation(session, task, units)
    record_picked(line, session.get(Location, task.target_location_id), units)
    session.flush()


def record_shipments(session: Session, shipment_ids: Iterable[int]) -> None:
    """Shipments a terminal made: the contents of their containers shipped from their order lines."""
    for shipment in session.exec(select(Shipment).where(Shipment.id.in_(list(shipment_ids)))):
        containers = select(ShippingContainer.container_id).where(ShippingContainer.shipment_id == shipment.id)
        contents = session.exec(select(ContainerLine).where(ContainerLine.container_id.in_(containers))).all()
        record_shipped(order_lines(session, shipment.order_id), contents)
    session.flush()
