"""Documents travel: purchase orders reach terminals, and the receipts, counts and returns a
terminal creates reach central once each, under numbers no other terminal hands out, driving
what they drive centrally (a purchase order's received quantities)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.sync.kit import Terminal, assert_converged
from wms_tui.bench.faultproxy import FaultProxy
from wms_tui.central import protocol
from wms_tui.domain.inbound import PurchaseState
from wms_tui.domain.outbound import ReturnCondition
from wms_tui.domain.states import CountLineState, ExceptionKind
from wms_tui.domain.sync import SyncRefused
from wms_tui.services import catalog, tasks
from wms_tui.services.desks.exceptions import exceptions
from wms_tui.services.inbound import counting, purchasing, receiving
from wms_tui.services.outbound import customers, orders, returns
from wms_tui.services.outbound.common import returns_location
from wms_tui.store import finders, pushed_rows
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import (
    CountLine,
    CountSession,
    Item,
    Location,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
)
from wms_tui.store.session import reading, transaction
from wms_tui.sync.client import Offline

pytestmark = pytest.mark.pg

WIDGET = "4006381333931"  # W-1's unit barcode


def central_po(engine, quantity: int) -> str:
    with transaction(engine) as session:
        purchasing.register_supplier(session, "SUP1", "Supplier 1")
        return purchasing.create_purchase_order(session, "SUP1", "WH1", [purchasing.PurchaseLineInput("W-1", quantity)]).number


def po(engine, number: str) -> tuple[PurchaseState, list[Decimal], list]:
    """A purchase order's state, its lines' received quantities and their uids."""
    with reading(engine) as session:
        order = finders.purchase_order_by_number(session, number)
        lines = session.scalars(select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order.id).order_by(PurchaseOrderLine.id)).all()
        return order.state, [line.received_quantity for line in lines], [line.uid for line in lines]


def context(terminal: Terminal) -> PostingContext:
    return PostingContext(terminal.terminal_id, f"op-{terminal.terminal_id}")


def receive(terminal: Terminal, scanned: str | None, count: int, over_reason: str | None = None) -> str:
    """A receipt on the terminal (against the PO scanned, or blind) with one scan of `count`
    widgets (more than ordered with `over_reason`)."""
    with transaction(terminal.engine) as session:
        receipt = receiving.start_receipt(session, scanned) if scanned else receiving.start_blind_receipt(session, "WH1")
        receiving.receive_scan(session, context(terminal), receipt.number, WIDGET, count=count,
                               over_receipt_allowed=over_reason is not None, over_reason=over_reason)
    terminal.posted += 1
    return receipt.number


def count_bin_a(terminal: Terminal, counted: int) -> str:
    """A cycle count of bin A-01-01 the terminal plans and counts itself (a difference posts)."""
    with transaction(terminal.engine) as session:
        plan = counting.plan_cycle_count(session, "WH1", ["WH1/STOCK/A-01-01"], recount_threshold="5")
        task = tasks.claim_task(session, plan.task_ids[0], f"op-{terminal.terminal_id}")
        [line] = counting.count_sheet(session, task.id)
        counting.record_count(session, context(terminal), task.id, line.line_id, counted, reason="damaged")
    terminal.posted += 1
    return plan.number


def receipts(engine) -> dict[str, list[tuple]]:
    """Receipts by number: their lines as (SKU, location, quantity, operator)."""
    with reading(engine) as session:
        found = {}
        for receipt in session.scalars(select(Receipt)):
            found[receipt.number] = [tuple(row) for row in session.execute(
                select(Item.sku, Location.code, ReceiptLine.quantity, ReceiptLine.operator)
                .join(Item, Item.id == ReceiptLine.item_id).join(Location, Location.id == ReceiptLine.location_id)
                .where(ReceiptLine.receipt_id == receipt.id).order_by(ReceiptLine.id)
            )]
        return found


def counts(engine) -> dict[str, list[tuple]]:
    """Count sessions by number: their lines as (SKU, state, counted, expected)."""
    with reading(engine) as session:
        return {count.number: [tuple(row) for row in session.execute(
            select(Item.sku, CountLine.state, CountLine.counted_quantity, CountLine.expected_quantity)
            .join(Item, Item.id == CountLine.item_id).where(CountLine.session_id == count.id)
        )] for count in session.scalars(select(CountSession))}


def test_a_receipt_against_a_central_po_reaches_central_exactly_once(central, service, terminals):
    number = central_po(central, 10)
    t1 = terminals("T1")
    client = t1.client(service.url)
    client.sync_once()
    assert po(t1.engine, number) == po(central, number)  # pulled, its line by the same uid
    receipt = receive(t1, number, 4)  # offline
    assert receipt.endswith("-T1")
    client.pull()  # central has not had the receipt yet: the terminal's progress stays
    assert po(t1.engine, number)[:2] == (PurchaseState.OPEN, [Decimal(4)])
    client.push()
    proxy = FaultProxy(service.port)
    proxy.mode = "drop_response"
    try:
        with pytest.raises(Offline):  # central applies the receipt, its answer is lost...
            t1.client(proxy.url, timeout_s=5).push_documents()
    finally:
        proxy.close()
    assert receipts(central) == receipts(t1.engine)
    assert client.sync_once().documents_sent == 2  # ...so the terminal sends it again
    assert po(central, number)[:2] == (PurchaseState.OPEN, [Decimal(4)])  # counted once
    assert receipts(central) == receipts(t1.engine) == {receipt: [("W-1", "WH1/STOCK", Decimal(4), "op-T1")]}
    with reading(central) as session:
        assert finders.find_receipt(session, receipt).purchase_order_id == finders.purchase_order_by_number(session, number).id
    receive(t1, number, 7, over_reason="supplier sent a spare")  # a receiving discrepancy
    assert client.sync_once().documents_sent == 2
    assert po(central, number)[:2] == po(t1.engine, number)[:2] == (PurchaseState.RECEIVED, [Decimal(11)])
    assert client.sync_once().documents_sent == 0
    [over] = [e for e in exceptions(central).waiting if e.kind == ExceptionKind.OVER_RECEIPT]  # on central's desk
    assert over.who == "op-T1" and over.what.endswith("W-1: 1 over the order: supplier sent a spare")
    assert_converged(central, [t1])


def test_two_terminals_receive_and_count_at_once_without_collisions(central, service, terminals):
    fleet = [terminals("T1"), terminals("hh2")]  # numbers are in capitals, as they are looked up
    for terminal in fleet:
        terminal.client(service.url).sync_once()

    def work(terminal: Terminal) -> tuple[str, str]:
        terminal.post(MoveRequest(terminal.site.widget.id, terminal.site.supplier.id, terminal.site.bin_a.id, 5))
        return receive(terminal, None, 3), count_bin_a(terminal, 4)

    with ThreadPoolExecutor(2) as pool:
        made = list(pool.map(work, fleet))
    assert made == [("RC000001-T1", "CC000001-T1"), ("RC000001-HH2", "CC000001-HH2")]
    for terminal in [*fleet, fleet[0]]:  # the first once more: it pulls what the second pushed
        terminal.client(service.url).sync_once()
    assert receipts(central) == {f"RC000001-{t.upper()}": [("W-1", "WH1/STOCK", Decimal(3), f"op-{t}")] for t in ("T1", "hh2")}
    posted = [("W-1", CountLineState.POSTED, Decimal(4), Decimal(5))]
    assert counts(central) == {"CC000001-T1": posted, "CC000001-HH2": posted}
    for terminal in fleet:  # each pulled the other's receipt and count
        assert (receipts(terminal.engine), counts(terminal.engine)) == (receipts(central), counts(central)), terminal.terminal_id
    assert_converged(central, fleet)


def test_a_return_reaches_central_on_its_order_line(central, service, terminals):
    t1 = terminals("T1")
    for engine in (central, t1.engine):  # the order as central made it and the terminal pulled it
        with transaction(engine) as session:
            customers.create_customer(session, "C1", "Customer 1")
            order = orders.create_order(session, "C1", "WH1", [orders.LineInput("W-1", 2)], number="SO-1")
            orders.confirm_order(session, order.number)
    with transaction(central) as session:
        uid = session.scalars(select(SalesOrderLine)).one().uid
        # Master data is central's: the Returns location reaches the terminal with its pull.
        returns_location(session, finders.warehouse_by_code(session, "WH1"))
    with transaction(t1.engine) as session:
        line = session.scalars(select(SalesOrderLine)).one()
        line.uid, line_id = uid, line.id
    client = t1.client(service.url)
    client.sync_once()
    site = t1.site
    t1.post(MoveRequest(site.widget.id, site.supplier.id, site.bin_a.id, 2),
            MoveRequest(site.widget.id, site.bin_a.id, site.customer.id, 2, document_ref="SO-1", document_line_id=line_id))
    with transaction(t1.engine) as session:
        number = returns.receive_return(session, context(t1), "SO-1", [returns.ReturnInput("W-1", 1, "damaged")]).number
    t1.posted += 1
    assert number == "SO-1/RET-1-T1"
    assert client.sync_once().documents_sent == 2
    with reading(central) as session:
        document = session.scalars(select(SalesReturn)).one()
        [returned] = session.scalars(select(SalesReturnLine).where(SalesReturnLine.return_id == document.id)).all()
        assert (document.number, document.operator, document.warehouse_id) == (number, "op-T1", finders.warehouse_by_code(session, "WH1").id)
        assert (returned.order_line_id, returned.quantity, returned.condition) == (
            session.scalars(select(SalesOrderLine)).one().id, Decimal(1), ReturnCondition.DAMAGED)
    assert_converged(central, [t1])


def test_documents_central_cannot_place_are_refused_whole(central, service, terminals):
    number = central_po(central, 10)
    with transaction(central) as session:
        catalog.create_warehouse(session, "WH2", "Warehouse 2")
        theirs = finders.find_receipt(session, receiving.start_blind_receipt(session, "WH2").number).uid.hex
    t1 = terminals("T1")
    client = t1.client(service.url)
    client.sync_once()
    receive(t1, number, 4)
    client.push()
    with t1.engine.connect() as conn:
        _, documents = pushed_rows.outbox(conn, 100)
    [line] = documents["receipt_line"]
    body = {"terminal": "T1", "warehouse": "WH1"}
    refusals = {
        "unknown table": ({"invoice": []}, 400, "documents of invoice are not pushed"),
        "not a list": ({"receipt": {"uid": "x"}}, 400, "must be a list of rows"),
        "malformed": ({**documents, "receipt_line": [{**line, "quantity": "many"}]}, 400, "malformed"),
        "no rows object": ([], 400, "'rows' must be an object"),
        "unknown PO line": ({**documents, "receipt_line": [{**line, "purchase_order_line_id": "0" * 32}]}, 422, "unknown purchase_order_line"),
        "another warehouse": ({**documents, "receipt": [{**documents["receipt"][0], "warehouse_id": "WH2"}]}, 403,
                              "a pushed receipt belongs to another warehouse"),
        "another warehouse's row": ({**documents, "receipt": [{**documents["receipt"][0], "uid": theirs}]}, 403,
                                    "a pushed receipt belongs to another warehouse"),
    }
    for what, (sent, status, words) in refusals.items():
        with pytest.raises(SyncRefused) as refused:
            protocol.documents(central, ("T1", t1.secret), {**body, "rows": sent})
        assert (what, refused.value.status) == (what, status)
        assert words in str(refused.value), what
    assert list(receipts(central)) == ["RC000001"]  # WH2's, untouched
    assert po(central, number)[1] == [Decimal(0)]


def test_a_po_line_pulled_in_a_page_without_its_po_brings_it_along(central, service, terminals):
    t1 = terminals("T1")
    t1.client(service.url).sync_once()
    number = central_po(central, 10)
    with transaction(central) as session:  # the order changes after its line: its change comes later
        purchasing.close_purchase_order(session, number)
    assert t1.client(service.url, batch_size=1).sync_once().pulled_rows >= 2
    assert po(t1.engine, number) == po(central, number)
    assert po(central, number)[0] == PurchaseState.CLOSED
