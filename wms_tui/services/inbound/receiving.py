"""Receiving: against a purchase order or blind, scan by scan, each scan its own commit.

A scan lands goods in the first zone of the warehouse's receipt route; back orders are filled
first (oldest first) and cross-dock is proposed for them; the push rule then queues the next
step (to QC, or putaway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.inbound import (
    PurchaseState,
    check_lot_data,
    check_receipt_quantity,
    receipt_route,
)
from wms_tui.domain.items import Tracking
from wms_tui.domain.outbound import OrderState
from wms_tui.domain.quantities import display
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import ContainerKind, ReceiptState
from wms_tui.services import catalog
from wms_tui.services.backorders import BackorderRelease
from wms_tui.services.inbound import routes
from wms_tui.services.inbound.buy_to_order import allocate_on_receipt
from wms_tui.services.inbound.common import (
    add_numbered,
    require_internal_bin,
    zone,
)
from wms_tui.services.outbound.common import warehouse_zones
from wms_tui.services.outbound.packing import next_sscc
from wms_tui.services.outbound.picking import record_picked
from wms_tui.services.posting import post
from wms_tui.store import finders, views, writes
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import (
    Container,
    Item,
    Location,
    Lot,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    Warehouse,
)

SUPPLIERS = "SUPPLIERS"


@dataclass(frozen=True)
class ReceiptView:
    id: int
    number: str
    po_number: str | None
    warehouse_code: str
    landing_code: str


def _view(session: Session, receipt: Receipt) -> ReceiptView:
    warehouse = session.get(Warehouse, receipt.warehouse_id)
    po = session.get(PurchaseOrder, receipt.purchase_order_id) if receipt.purchase_order_id else None
    landing = zone(session, warehouse, receipt_route(warehouse.receipt_steps)[0])
    return ReceiptView(receipt.id, receipt.number, po.number if po else None, warehouse.code, landing.code)


def _no_open_order(text: str) -> NotFound:
    return NotFound(f"no open purchase order for {text!r}: scan the PO number, the supplier or an item on it")


def _find_open_order(session: Session, scanned: str, warehouse: Warehouse | None) -> PurchaseOrder:
    """The PO meant by a scan of its number, its supplier, or an item on it."""
    text = scanned.strip()
    order = finders.find_purchase_order(session, text)
    if order is not None:
        return order
    supplier = finders.find_supplier(session, text)
    if supplier is not None:
        query = select(PurchaseOrder).where(PurchaseOrder.supplier_id == supplier.id)
        what = f"supplier {supplier.code}"
    else:
        scanned_item = finders.find_item(session, text)
        if scanned_item is None:
            raise _no_open_order(text)
        query = (
            select(PurchaseOrder)
            .join(PurchaseOrderLine, PurchaseOrderLine.order_id == PurchaseOrder.id)
            .where(PurchaseOrderLine.item_id == scanned_item.item.id)
            .where(PurchaseOrderLine.received_quantity < PurchaseOrderLine.quantity)
            .distinct()
        )
        what = f"item {scanned_item.item.sku}"
    query = query.where(PurchaseOrder.state == PurchaseState.OPEN).order_by(PurchaseOrder.created_at, PurchaseOrder.id)
    if warehouse is not None:
        query = query.where(PurchaseOrder.warehouse_id == warehouse.id)
    candidates = list(session.exec(query).all())
    if not candidates:
        raise _no_open_order(text)
    if len(candidates) > 1:
        numbers = ", ".join(order.number for order in candidates[:5])
        raise InvalidInput(f"{what} is on several open purchase orders ({numbers}): scan the PO number")
    return candidates[0]


def start_receipt(session: Session, scanned: str, *, warehouse_code: str | None = None) -> ReceiptView:
    """Open a receiving document for the purchase order found from the scan."""
    warehouse = finders.warehouse_by_code(session, warehouse_code) if warehouse_code else None
    order = _find_open_order(session, scanned, warehouse)
    if order.state != PurchaseState.OPEN:
        raise InvalidInput(f"purchase order {order.number} is {order.state}: nothing more to receive")
    receipt = add_numbered(
        session,
        Receipt(warehouse_id=order.warehouse_id, purchase_order_id=order.id, supplier_id=order.supplier_id, created_at=datetime.now(UTC)),
        "RC",
    )
    return _view(session, receipt)


def start_blind_receipt(session: Session, warehouse_code: str, *, supplier_code: str | None = None) -> ReceiptView:
    """A receipt without a purchase order: goods are counted as they come."""
    warehouse = finders.warehouse_by_code(session, warehouse_code)
    supplier = finders.supplier_by_code(session, supplier_code) if supplier_code else None
    receipt = add_numbered(
        session,
        Receipt(warehouse_id=warehouse.id, supplier_id=supplier.id if supplier else None, created_at=datetime.now(UTC)),
        "RC",
    )
    return _view(session, receipt)


def finish_receipt(session: Session, receipt_number: str) -> ReceiptView:
    receipt, _, _ = _open_receipt(session, receipt_number)
    receipt.state = ReceiptState.DONE
    session.flush()
    return _view(session, receipt)


@dataclass(frozen=True)
class CrossDockProposal:
    receipt_line_id: int
    order_number: str
    order_line_id: int
    quantity: Decimal
    from_code: str
    to_code: str


@dataclass(frozen=True)
class ScanResult:
    receipt_line_id: int
    sku: str
    quantity: Decimal
    lot_code: str | None
    container_code: str | None
    location_code: str
    over_quantity: Decimal
    line_remaining: Decimal | None  # None on a blind receipt
    allocated_to: str | None  # sales order a buy-to-order receipt was reserved for
    backorders_filled: list[BackorderRelease] = field(default_factory=list)
    cross_dock: list[CrossDockProposal] = field(default_factory=list)
    next_task_id: int | None = None


def _open_receipt(session: Session, number: str) -> tuple[Receipt, Warehouse, PurchaseOrder | None]:
    """The receipt with its warehouse and purchase order (None when blind), in one read."""
    found = views.receipt_with_order(session, number)
    if found is None:
        raise NotFound(f"no receipt {number!r}")
    if found[0].state != ReceiptState.OPEN:
        raise InvalidInput(f"receipt {found[0].number} is already finished")
    return found


def _po_line_for(session: Session, order: PurchaseOrder, item: Item) -> PurchaseOrderLine:
    lines = views.order_lines_of_item(session, order.id, item.id)
    if not lines:
        raise InvalidInput(f"item {item.sku} is not on purchase order {order.number}: set it aside or receive it blind")
    return _line_to_fill(lines)


def _landing(session: Session, warehouse: Warehouse, first: Location, item: Item, bin_scan: str | None) -> Location:
    if bin_scan is None:
        return first
    location = finders.location_by_code(session, bin_scan)
    require_internal_bin(location, warehouse.id, f"receiving {item.sku}")
    if warehouse.receipt_steps != 1:
        raise InvalidInput(
            f"warehouse {warehouse.code} receives in {warehouse.receipt_steps} steps: goods go to {first.code} first"
        )
    if not location.code.startswith(first.code + "/"):
        raise InvalidInput(f"receiving {item.sku}: {location.code} is not a bin of {first.code}")
    return location


def _container(
    session: Session, context: PostingContext, code: str | None, new_pallet: bool, kind: ContainerKind, landing: Location
) -> Container | None:
    """Receive onto an existing pallet standing at the landing place, or start a new one (with
    the code on its label, or the terminal's next SSCC)."""
    if new_pallet:
        if code is not None:
            raise InvalidInput("scan the pallet label or ask for a new SSCC, not both")
        return catalog.create_container(session, next_sscc(session, context.terminal_id), kind=kind, location=landing)
    if code is None:
        return None
    container = finders.find_container(session, code)
    if container is None:
        return catalog.create_container(session, code, kind=kind, location=landing)
    if container.location_id not in (None, landing.id):
        where = session.get(Location, container.location_id)
        raise InvalidInput(f"pallet {container.code} is at {where.code}, not at {landing.code}")
    container.location_id = landing.id
    return container


def _lot(session: Session, item: Item, lot_code: str | None, expiry: date | None, today: date) -> Lot | None:
    tracked = Tracking(item.tracking) is not Tracking.NONE
    check_lot_data(item.sku, tracked, item.expiry_tracked, lot_code, expiry, today)
    return catalog.get_or_create_lot(session, item, lot_code, expiry) if tracked else None


def receive_scan(
    session: Session,
    context: PostingContext,
    receipt_number: str,
    barcode: str,
    *,
    count: object = 1,
    lot: str | None = None,
    expiry: date | None = None,
    container_code: str | None = None,
    new_pallet: bool = False,
    container_kind: ContainerKind = ContainerKind.PALLET,
    bin_scan: str | None = None,
    over_receipt_allowed: bool = False,
    over_reason: str | None = None,
    today: date | None = None,
) -> ScanResult:
    """Receive `count` scans of `barcode` (a packaging barcode counts its pack size)."""
    receipt, warehouse, order = _open_receipt(session, receipt_number)
    scanned = finders.item_by_scan(session, barcode)
    item = scanned.item
    quantity = quantities.move_quantity(quantities.move_quantity(count) * scanned.units_per_scan)
    lot_row = _lot(session, item, lot, expiry, today or date.today())

    po_line: PurchaseOrderLine | None = None
    over = Decimal(0)
    if order is not None:
        if order.state != PurchaseState.OPEN:
            raise InvalidInput(f"purchase order {order.number} is {order.state}: nothing more to receive")
        po_line = _po_line_for(session, order, item)
        over = check_receipt_quantity(
            item.sku, order.number, po_line.quantity, po_line.received_quantity, quantity,
            over_receipt_allowed=over_receipt_allowed, reason=over_reason,
        )
        count_received(session, order, po_line, quantity)

    first_zone = f"{warehouse.code}/{receipt_route(warehouse.receipt_steps)[0]}"
    places = finders.find_locations(session, [first_zone, SUPPLIERS])
    missing = sorted({first_zone, SUPPLIERS} - places.keys())
    if missing:
        raise NotFound(f"location {', '.join(missing)} is missing: set up warehouse {warehouse.code} again")
    landing = _landing(session, warehouse, places[first_zone], item, bin_scan)
    container = _container(session, context, container_code, new_pallet, container_kind, landing)
    lot_id, container_id = (lot_row.id if lot_row else None), (container.id if container else None)
    session.flush()
    line_id = writes.add_receipt_line(session, {
        "receipt_id": receipt.id,
        "purchase_order_line_id": po_line.id if po_line else None,
        "item_id": item.id,
        "lot_id": lot_id,
        "container_id": container_id,
        "location_id": landing.id,
        "quantity": quantity,
        "over_quantity": over,
        "over_reason": over_reason.strip() if over and over_reason else None,
        "operator": context.operator,
        "created_at": datetime.now(UTC),
    })
    # A non-stock buy-to-order receipt is pinned to its order first; the rest of the arrival
    # serves waiting back orders through the posting hook.
    allocation = allocate_on_receipt(session, po_line, item, landing, lot_row, quantity) if po_line else None
    posted = post(session, context, [
        MoveRequest(
            item_id=item.id,
            from_location_id=places[SUPPLIERS].id,
            to_location_id=landing.id,
            quantity=quantity,
            lot_id=lot_id,
            container_id=container_id,
            unit_cost=po_line.unit_price if po_line else None,
            document_ref=receipt.number,
            document_line_id=line_id,
            reason=MoveReason.RECEIPT,
        )
    ], today=today)
    released = [release for release in posted.released if release.item_id == item.id]
    proposals = _cross_dock_proposals(session, warehouse, landing, line_id, released,
                                      quantity - (allocation.quantity if allocation else Decimal(0)))
    task_id = routes.after_landing(session, warehouse, landing, item, lot_row, quantity, receipt.number, line_id)
    return ScanResult(
        receipt_line_id=line_id,
        sku=item.sku,
        quantity=quantity,
        lot_code=lot_row.code if lot_row else None,
        container_code=container.code if container else None,
        location_code=landing.code,
        over_quantity=over,
        line_remaining=max(po_line.quantity - po_line.received_quantity, Decimal(0)) if po_line else None,
        allocated_to=allocation.order_number if allocation else None,
        backorders_filled=released,
        cross_dock=proposals,
        next_task_id=task_id,
    )


def _cross_dock_proposals(
    session: Session, warehouse: Warehouse, landing: Location, receipt_line_id: int, released: list[BackorderRelease],
    arrived: Decimal,
) -> list[CrossDockProposal]:
    """Released back orders the goods on the dock can go to straight away, oldest first, as far
    as the goods go; each lands where that order's picks land."""
    if not released:
        return []
    target = warehouse_zones(session, warehouse.id).pick_to
    proposals = []
    for release in released:
        quantity = min(release.quantity, arrived)
        if quantity <= 0:
            break
        arrived -= quantity
        proposals.append(CrossDockProposal(receipt_line_id, release.order_number, release.order_line_id, quantity,
                                           landing.code, target.code))
    return proposals


def count_received(session: Session, order: PurchaseOrder, po_line: PurchaseOrderLine, quantity: Decimal) -> None:
    """The purchase order line received `quantity` more; an open order is received once no
    line is short."""
    # Written at once, not left to the unit of work: the flush costs more than the UPDATE.
    writes.save_columns(session, po_line, {"received_quantity": po_line.received_quantity + quantity})
    complete = order.state == PurchaseState.OPEN and po_line.received_quantity >= po_line.quantity
    if complete and not views.any_line_short(session, order.id):
        order.state = PurchaseState.RECEIVED
    session.flush()


def count_pushed_lines(session: Session, line_ids: Sequence[int]) -> None:
    """Receipt lines a terminal made (and central holds now, pushed): their purchase order
    lines received them, as a scan here would have counted."""
    for line in session.exec(select(ReceiptLine).where(ReceiptLine.id.in_(line_ids)).order_by(ReceiptLine.id)):
        if line.purchase_order_line_id is not None:
            po_line = session.get(PurchaseOrderLine, line.purchase_order_line_id)
            count_received(session, session.get(PurchaseOrder, po_line.order_id), po_line, line.quantity)


def accept_cross_dock(session: Session, context: PostingContext, proposal: CrossDockProposal) -> None:
    """Send goods for a released back order straight from the dock to where the order's picks
    go: they count as picked for the order line (and flow on to pack and ship like picked
    units), and the putaway that would have stored them is shortened."""
    line = session.get(ReceiptLine, proposal.receipt_line_id)
    if line is None:
        raise NotFound(f"no receipt line {proposal.receipt_line_id}")
    order_line = session.get(SalesOrderLine, proposal.order_line_id)
    if order_line is None:
        raise NotFound(f"no sales order line {proposal.order_line_id}")
    order = session.get(SalesOrder, order_line.order_id)
    if order.state != OrderState.CONFIRMED:
        raise InvalidInput(f"sales order {order.number} is {order.state}: nothing to cross-dock")
    receipt = session.get(Receipt, line.receipt_id)
    source = session.get(Location, line.location_id)
    quantity = quantities.move_quantity(proposal.quantity)
    reserved = sum(session.exec(select(Reservation.quantity).where(Reservation.order_line_id == order_line.id)).all(), Decimal(0))
    open_units = order_line.committed_quantity - (order_line.picked_quantity - order_line.shipped_quantity) - reserved
    if quantity > open_units:
        raise InvalidInput(f"order {order.number}: only {display(max(open_units, Decimal(0)))} left to cross-dock, not {display(quantity)}")
    if quantity > line.quantity:
        raise InvalidInput(f"receipt line {line.id} brought {display(line.quantity)}, cannot cross-dock {display(quantity)}")
    routes.shorten_pending(session, receipt.number, line.id, quantity)
    target = warehouse_zones(session, order.warehouse_id).pick_to
    post(session, context, [
        MoveRequest(
            item_id=line.item_id, from_location_id=source.id, to_location_id=target.id, quantity=quantity,
            lot_id=line.lot_id, container_id=line.container_id, document_ref=order.number,
            document_line_id=order_line.id, reason=MoveReason.CROSS_DOCK,
        )
    ])
    record_picked(order_line, target, quantity)
    session.flush()


def _line_to_fill(lines: list[PurchaseOrderLine]) -> PurchaseOrderLine:
    """Of an item's PO lines (by expected date), the one a scan fills: the earliest still short;
    when all are complete, an over-receipt goes on the last."""
    return next((line for line in lines if line.received_quantity < line.quantity), lines[-1])


def line_to_fill(session: Session, po_number: str, item_id: int) -> PurchaseOrderLine | None:
    """The PO line the next scan of the item will fill (None: the item is not on the PO), for a
    receiver to see what is ordered and received before giving the quantity."""
    lines = session.exec(
        select(PurchaseOrderLine).join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrder.number == po_number, PurchaseOrderLine.item_id == item_id)
        .order_by(PurchaseOrderLine.expected_date, PurchaseOrderLine.id)
    ).all()
    return _line_to_fill(list(lines)) if lines else None


def finish_if_open(session: Session, receipt_number: str) -> None:
    """Finish the receipt unless it is finished already (a terminal leaving its receipt)."""
    receipt = finders.find_receipt(session, receipt_number)
    if receipt is not None and receipt.state == ReceiptState.OPEN:
        finish_receipt(session, receipt_number)
