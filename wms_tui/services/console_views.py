"""What the supervisor console shows of orders: the order list and an order's page (the
dashboard is services/dashboard).

Plain dataclasses read in one short read-only session each, so the console's thread workers
hand finished rows to the screen and never keep a session open.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial

from sqlalchemy import Engine, and_, func, or_, true, tuple_
from sqlmodel import Session, select

from wms_tui.domain.outbound import (
    OrderStatus,
    line_amount,
    payment_status,
)
from wms_tui.domain.quantities import ZERO
from wms_tui.domain.states import (
    CreditNoteState,
    InvoiceState,
    PartnerKind,
    PaymentState,
    ReturnDisposition,
)
from wms_tui.services.order_status import STORED_STATUSES, codes_showing, derived
from wms_tui.services.outbound import invoicing
from wms_tui.store.finders import sales_order_by_number
from wms_tui.store.models import (
    Container,
    CreditNote,
    CustomerProfile,
    Invoice,
    Item,
    Location,
    OrderFacts,
    Partner,
    Payment,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    Shipment,
    ShippingContainer,
    Task,
    Warehouse,
)
from wms_tui.store.session import reading


@dataclass(frozen=True)
class OrderRow:
    number: str
    customer: str
    warehouse: str
    created_at: datetime
    state: str
    status: str
    lines: int
    net: Decimal  # after discounts, before tax and freight


def _number_prefix(prefix: str):
    """Order numbers starting with `prefix`: a range of the number's unique index (a LIKE with a
    leading wildcard would read every order), the LIKE keeping it exact whatever the collation."""
    return and_(SalesOrder.number >= prefix, SalesOrder.number < prefix + "\U0010ffff",
                SalesOrder.number.startswith(prefix, autoescape=True))


def _search_terms(session: Session, text: str) -> list:
    """One condition per way an order can match `text`, each read through its own index: the
    order number starts with it (as typed or in capitals), the customer's code or name contains
    it, an item's SKU contains it. Customers and items are small tables, looked up first; a
    number prefix only when some number has it (with a state filter beside it, SQLite would
    rather walk the state's index than the number's)."""
    pattern = f"%{text}%"
    terms = [
        _number_prefix(prefix) for prefix in dict.fromkeys((text, text.upper()))
        if session.execute(select(SalesOrder.id).where(_number_prefix(prefix)).limit(1)).first()
    ]
    customers = session.execute(
        select(Partner.id).where(Partner.kind == PartnerKind.CUSTOMER, or_(Partner.code.ilike(pattern), Partner.name.ilike(pattern)))
    ).scalars().all()
    # One term per customer: each reads its newest orders in order from (customer, created).
    terms += [SalesOrder.customer_id == customer for customer in customers]
    items = session.execute(select(Item.id).where(Item.sku.ilike(pattern))).scalars().all()
    if items:
        terms.append(_with_items(session, items))
    return terms


# Lines of the searched items from which the order list walks the orders newest first.
MANY_LINES = 2000


def _with_items(session: Session, items: list[int]):
    """Orders with a line of one of `items`, read from the (item, order) index. Few such lines:
    their orders looked up by id and sorted. Many (a SKU prefix of ten items in 5,000 lines of
    100,000 orders): the orders walked newest first, each looked for in that index, until the
    page is full; SQLite, planning without statistics, would look up and sort every one."""
    lines = select(SalesOrderLine.order_id).where(SalesOrderLine.item_id.in_(items))
    counted = session.execute(select(func.count()).select_from(lines.limit(MANY_LINES).subquery())).scalar_one()
    if counted < MANY_LINES:
        return SalesOrder.id.in_(lines)
    return lines.where(SalesOrderLine.order_id == SalesOrder.id).exists()


def _older_than(created_at, order_id, before: tuple[datetime, int] | None):
    """Orders listed after the one created at `before` (created, id): a range of the created
    index, as the list is sorted, so a later page reads no more than the first did."""
    return true() if before is None else tuple_(created_at, order_id) < tuple_(*before)


def _newest(session: Session, condition, limit: int, before: tuple[datetime, int] | None) -> list[tuple[datetime, int]]:
    """The newest orders meeting `condition` (None: any order)."""
    return session.execute(
        select(SalesOrder.created_at, SalesOrder.id)
        .where(true() if condition is None else condition, _older_than(SalesOrder.created_at, SalesOrder.id, before))
        .order_by(SalesOrder.created_at.desc(), SalesOrder.id.desc()).limit(limit)
    ).all()


def _newest_showing(session: Session, codes: tuple[int, ...], condition, limit: int,
                    before: tuple[datetime, int] | None) -> list[tuple[datetime, int]]:
    """The newest working orders meeting `condition` (None: any order) whose order_facts code is
    one of `codes`: read from the (code, created) index, never from their lines and money; the
    orders' own rows only for a condition on them (a row to visit for each order of the codes)."""
    query = (
        select(OrderFacts.created_at, OrderFacts.order_id)
        .where(OrderFacts.code.in_(codes), _older_than(OrderFacts.created_at, OrderFacts.order_id, before))
        .order_by(OrderFacts.created_at.desc(), OrderFacts.order_id.desc()).limit(limit)
    )
    if condition is not None:
        query = query.join(SalesOrder, SalesOrder.id == OrderFacts.order_id).where(condition)
    return session.execute(query).all()


def order_list(engine: Engine, *, search: str = "", status: str | None = None, limit: int = 200,
               after: str | None = None) -> list[OrderRow]:
    """Newest orders first whose number starts with `search`, or whose customer (code or name)
    or an item's SKU contains it, with their derived status; only those with `status` when given.
    `after` (an order number) pages on: the next `limit` orders listed after that one."""
    text = search.strip()
    wanted = OrderStatus(status) if status else None
    with reading(engine) as session:
        terms = _search_terms(session, text) if text else [None]
        if wanted in STORED_STATUSES:
            stored = SalesOrder.state == wanted.value
            terms = [stored if term is None else and_(term, stored) for term in terms]
        before = None
        if after is not None:
            last = sales_order_by_number(session, after)
            before = (last.created_at, last.id)
        if wanted is None or wanted in STORED_STATUSES:
            newest_of = partial(_newest, session, limit=limit, before=before)
        else:
            newest_of = partial(_newest_showing, session, codes_showing(wanted), limit=limit, before=before)
        # Each term's newest orders, merged: an OR of them would read and sort every match.
        newest = sorted({tuple(key) for term in terms for key in newest_of(term)}, reverse=True)[:limit]
        ids = [order_id for _, order_id in newest]
        found = {
            row.id: row
            for row in session.execute(
                select(SalesOrder.id, SalesOrder.number, SalesOrder.state, SalesOrder.created_at, Partner.code,
                       Warehouse.code.label("warehouse"), OrderFacts.code.label("facts"))
                .join(Partner, Partner.id == SalesOrder.customer_id)
                .outerjoin(OrderFacts, OrderFacts.order_id == SalesOrder.id)
                .join(Warehouse, Warehouse.id == SalesOrder.warehouse_id)
                .where(SalesOrder.id.in_(ids))
            )
        }
        rows = [found[order_id] for order_id in ids]
        sums: dict[int, tuple[int, Decimal]] = defaultdict(lambda: (0, ZERO))
        for line in session.execute(
            select(SalesOrderLine.order_id, SalesOrderLine.quantity, SalesOrderLine.unit_price,
                   SalesOrderLine.discount_percent, SalesOrderLine.tax_rate)
            .where(SalesOrderLine.order_id.in_(ids))
        ):
            count, total = sums[line.order_id]
            sums[line.order_id] = (count + 1, total + line_amount(line.quantity, line.unit_price, line.discount_percent, line.tax_rate).net)
    return [
        OrderRow(row.number, row.code, row.warehouse, row.created_at, row.state, derived(row.state, row.facts).value, *sums[row.id])
        for row in rows
    ]


@dataclass(frozen=True)
class PageLine:
    line_id: int
    sku: str
    name: str
    quantity: Decimal
    committed: Decimal
    backordered: Decimal
    cancelled: Decimal
    picked: Decimal
    packed: Decimal
    shipped: Decimal
    invoiced: Decimal
    returned: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class PageTask:
    task_id: int
    kind: str
    state: str
    location: str
    sku: str
    quantity: Decimal
    done: Decimal
    assignee: str


@dataclass(frozen=True)
class PageContainer:
    code: str
    state: str
    weight_kg: Decimal | None
    shipment: str


@dataclass(frozen=True)
class PageShipment:
    number: str
    carrier: str
    tracking_number: str
    shipped_at: datetime


@dataclass(frozen=True)
class PageInvoice:
    number: str
    issued_on: date
    due_on: date
    total: Decimal
    paid: Decimal
    state: str
    payment_status: str


@dataclass(frozen=True)
class PagePayment:
    invoice: str
    amount: Decimal
    paid_on: date
    reference: str
    state: str


@dataclass(frozen=True)
class PageReturnLine:
    return_line_id: int
    return_number: str
    sku: str
    quantity: Decimal
    condition: str
    disposition: str
    credit_note: str


@dataclass(frozen=True)
class OrderPage:
    number: str
    customer: str
    customer_name: str
    warehouse: str
    state: str
    status: str
    policy: str
    created_at: datetime
    confirmed_at: datetime | None
    freight: Decimal
    lines: list[PageLine] = field(default_factory=list)
    tasks: list[PageTask] = field(default_factory=list)
    containers: list[PageContainer] = field(default_factory=list)
    shipments: list[PageShipment] = field(default_factory=list)
    invoices: list[PageInvoice] = field(default_factory=list)
    payments: list[PagePayment] = field(default_factory=list)
    returns: list[PageReturnLine] = field(default_factory=list)

    @property
    def open_invoices(self) -> list[PageInvoice]:
        return [invoice for invoice in self.invoices if invoice.state != InvoiceState.VOID and invoice.paid < invoice.total]

    @property
    def pending_returns(self) -> list[PageReturnLine]:
        return [line for line in self.returns if line.disposition == ReturnDisposition.PENDING]


def order_page(engine: Engine, number: str, *, today: date | None = None) -> OrderPage:
    """An order and everything done for it, in a few reads of columns (each statement, and each
    row made an object, costs more than the database's work for one order)."""
    # Loaded with the first page shown, not with the dashboard the console starts on: these
    # bring the ledger's posting and the returns service.
    from wms_tui.services.outbound.common import order_policy
    from wms_tui.services.outbound.packable import packed_by_line
    from wms_tui.services.outbound.returns import returned_by_line

    today = today or datetime.now(UTC).date()
    with reading(engine) as session:
        order = sales_order_by_number(session, number)
        # The customer's profile is read along (into the session, where order_policy finds it).
        customer_code, customer_name, warehouse, facts, _ = session.execute(
            select(Partner.code, Partner.name, Warehouse.code, OrderFacts.code, CustomerProfile)
            .select_from(SalesOrder)
            .join(Partner, Partner.id == SalesOrder.customer_id)
            .join(Warehouse, Warehouse.id == SalesOrder.warehouse_id)
            .outerjoin(OrderFacts, OrderFacts.order_id == SalesOrder.id)
            .outerjoin(CustomerProfile, CustomerProfile.partner_id == SalesOrder.customer_id)
            .where(SalesOrder.id == order.id)
        ).one()
        line_rows = session.execute(
            select(SalesOrderLine.id, Item.sku, Item.name, SalesOrderLine.quantity, SalesOrderLine.committed_quantity,
                   SalesOrderLine.backordered_quantity, SalesOrderLine.cancelled_quantity, SalesOrderLine.picked_quantity,
                   SalesOrderLine.shipped_quantity, SalesOrderLine.unit_price)
            .join(Item, Item.id == SalesOrderLine.item_id)
            .where(SalesOrderLine.order_id == order.id).order_by(SalesOrderLine.id)
        ).all()
        line_ids = [line.id for line in line_rows]
        packed = packed_by_line(session, line_ids)
        invoiced = invoicing.invoiced_by_line(session, line_ids)
        returned = returned_by_line(session, line_ids)
        lines = [
            PageLine(line.id, line.sku, line.name, line.quantity, line.committed_quantity, line.backordered_quantity,
                     line.cancelled_quantity, line.picked_quantity, packed.get(line.id, ZERO), line.shipped_quantity,
                     invoiced.get(line.id, ZERO), returned.get(line.id, ZERO), line.unit_price)
            for line in line_rows
        ]
        page_tasks = [
            PageTask(row.id, row.kind, row.state, row.code or "", row.sku or "", row.quantity, row.done_quantity, row.assignee or "")
            for row in session.execute(
                select(Task.id, Task.kind, Task.state, Location.code, Item.sku, Task.quantity, Task.done_quantity, Task.assignee)
                .outerjoin(Location, Location.id == Task.location_id)
                .outerjoin(Item, Item.id == Task.item_id)
                .where(Task.document_ref == order.number).order_by(Task.queue_position, Task.id)
            )
        ]
        shipments = session.execute(
            select(Shipment.id, Shipment.number, Shipment.carrier, Shipment.tracking_number, Shipment.shipped_at)
            .where(Shipment.order_id == order.id).order_by(Shipment.id)
        ).all()
        shipment_numbers = {shipment.id: shipment.number for shipment in shipments}
        containers = [
            PageContainer(row.code, row.state, row.weight_kg, shipment_numbers.get(row.shipment_id, ""))
            for row in session.execute(
                select(Container.code, ShippingContainer.state, ShippingContainer.weight_kg, ShippingContainer.shipment_id)
                .join(Container, Container.id == ShippingContainer.container_id)
                .where(ShippingContainer.order_id == order.id).order_by(Container.code)
            )
        ]
        invoice_rows = session.execute(
            select(Invoice.id, Invoice.number, Invoice.issued_on, Invoice.due_on, Invoice.total, Invoice.state)
            .where(Invoice.order_id == order.id).order_by(Invoice.id)
        ).all()
        payments_of: dict[int, list] = defaultdict(list)
        for payment in session.execute(
            select(Payment.invoice_id, Payment.amount, Payment.paid_on, Payment.reference, Payment.state)
            .where(Payment.invoice_id.in_([invoice.id for invoice in invoice_rows])).order_by(Payment.invoice_id, Payment.id)
        ):
            payments_of[payment.invoice_id].append(payment)
        invoices = []
        payments = []
        for invoice in invoice_rows:
            paid = sum((p.amount for p in payments_of[invoice.id] if p.state == PaymentState.POSTED), ZERO)  # as invoicing.paid_amount
            shown = InvoiceState.VOID.value if invoice.state == InvoiceState.VOID else payment_status(invoice.total, paid, invoice.due_on, today).value
            invoices.append(PageInvoice(invoice.number, invoice.issued_on, invoice.due_on, invoice.total, paid, invoice.state, shown))
            payments += [PagePayment(invoice.number, p.amount, p.paid_on, p.reference, p.state) for p in payments_of[invoice.id]]
        returns = [
            PageReturnLine(row.id, row.number, row.sku, row.quantity, row.condition, row.disposition, row.credit_note or "")
            for row in session.execute(
                select(SalesReturnLine.id, SalesReturn.number, Item.sku, SalesReturnLine.quantity, SalesReturnLine.condition,
                       SalesReturnLine.disposition, CreditNote.number.label("credit_note"))
                .join(SalesReturn, SalesReturn.id == SalesReturnLine.return_id)
                .join(Item, Item.id == SalesReturnLine.item_id)
                .outerjoin(CreditNote, and_(CreditNote.return_id == SalesReturn.id, CreditNote.state != CreditNoteState.VOID))
                .where(SalesReturn.order_id == order.id).order_by(SalesReturnLine.id)
            )
        ]
        return OrderPage(
            order.number, customer_code, customer_name, warehouse, order.state, derived(order.state, facts).value,
            order_policy(session, order).value, order.created_at, order.confirmed_at, order.freight,
            lines, page_tasks, containers,
            [PageShipment(s.number, s.carrier, s.tracking_number, s.shipped_at) for s in shipments],
            invoices, payments, returns,
        )


@dataclass(frozen=True)
class ItemChoice:
    sku: str
    name: str
    standard_cost: Decimal


def item_choices(engine: Engine, search: str, *, limit: int = 20) -> list[ItemChoice]:
    """Active items whose SKU or name contains `search`, for an order form's item search."""
    pattern = f"%{search.strip()}%"
    with reading(engine) as session:
        return [
            ItemChoice(sku, name, cost)
            for sku, name, cost in session.execute(
                select(Item.sku, Item.name, Item.standard_cost)
                .where(Item.active, or_(Item.sku.ilike(pattern), Item.name.ilike(pattern)))
                .order_by(Item.sku).limit(limit)
            )
        ]


def customer_codes(engine: Engine) -> list[tuple[str, str]]:
    """(code, name) of active customers."""
    with reading(engine) as session:
        return [
            (code, name)
            for code, name in session.execute(
                select(Partner.code, Partner.name).where(Partner.kind == PartnerKind.CUSTOMER, Partner.active).order_by(Partner.code)
            )
        ]


def aging(engine: Engine, *, as_of: date | None = None) -> list[invoicing.AgingRow]:
    with reading(engine) as session:
        return invoicing.aging(session, as_of=as_of)


@dataclass(frozen=True)
class PurchaseRow:
    number: str
    supplier: str
    warehouse: str
    state: str
    created_at: datetime
    lines: int
    ordered: Decimal
    received: Decimal


def purchase_orders(engine: Engine, *, search: str = "", limit: int = 200) -> list[PurchaseRow]:
    """Newest purchase orders first whose number or supplier contains `search`, with what came in."""
    pattern = f"%{search.strip()}%"
    with reading(engine) as session:
        rows = session.execute(
            select(PurchaseOrder.id, PurchaseOrder.number, Partner.code, Warehouse.code.label("warehouse"), PurchaseOrder.state,
                   PurchaseOrder.created_at)
            .join(Partner, Partner.id == PurchaseOrder.supplier_id)
            .join(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id)
            .where(or_(PurchaseOrder.number.ilike(pattern), Partner.code.ilike(pattern), Partner.name.ilike(pattern)))
            .order_by(PurchaseOrder.created_at.desc(), PurchaseOrder.id.desc()).limit(limit)
        ).all()
        totals: dict[int, list] = defaultdict(lambda: [0, ZERO, ZERO])
        for order_id, quantity, received in session.execute(
            select(PurchaseOrderLine.order_id, PurchaseOrderLine.quantity, PurchaseOrderLine.received_quantity)
            .where(PurchaseOrderLine.order_id.in_([row.id for row in rows]))
        ):
            total = totals[order_id]
            total[0] += 1
            total[1] += quantity
            total[2] += received
        return [PurchaseRow(row.number, row.code, row.warehouse, row.state, row.created_at, *totals[row.id]) for row in rows]
