"""Purchasing at the console: reorder suggestions and buy-to-order requisitions become purchase
orders in one action; a purchase order from the form, received, billed, held and released."""

from sqlalchemy import update
from sqlmodel import Session, func, select

from tests.console.deskkit import SIZE, answer, cells, console, said, settle
from wms_tui.services.demo import gtin13
from wms_tui.services.inbound.purchasing import set_supplier_price
from wms_tui.services.inbound.receiving import receive_scan, start_receipt
from wms_tui.services.inbound.replenishment import set_reorder_rule
from wms_tui.services.outbound.orders import LineInput, confirm_orders, create_order
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import BuyToOrderAllocation, Item, PurchaseOrder, SupplierInvoice
from wms_tui.store.session import transaction
from wms_tui.ui.console.purchasing import NewPurchaseForm, PurchaseOrderScreen


def purchase_orders(runtime) -> int:
    with Session(runtime.engine) as session:
        return session.exec(select(func.count()).select_from(PurchaseOrder)).one()


def below_minimum(runtime) -> None:
    """Two items far below a minimum no stock reaches: one from S001, one from S002."""
    with transaction(runtime.engine) as session:
        set_reorder_rule(session, "SKU-00002", "WH1/STOCK", 5000, 6000, supplier_code="S001")
        set_reorder_rule(session, "SKU-00003", "WH1/STOCK", 5000, 6000, supplier_code="S002")


async def test_reorder_suggestions_become_one_purchase_order_per_supplier(runtime, tmp_path):
    below_minimum(runtime)
    before = purchase_orders(runtime)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await settle(app, pilot)
        assert [(row[0], row[2]) for row in cells(app, "suggestions")] == [("SKU-00002", "S001"), ("SKU-00003", "S002")]
        await pilot.press("o", "y")
        await settle(app, pilot)
        text, refused = said(app)
        assert not refused and text.startswith("2 purchase order(s) for 2 item(s): PO")
        assert cells(app, "suggestions") == []  # on order now
        assert {row[1] for row in cells(app, "purchase-orders")[:2]} == {"S001", "S002"}

        await pilot.press("o", "y")  # nothing left to order: refused, nothing created
        await settle(app, pilot)
        assert said(app) == ("no item is below its reorder minimum: nothing to order", True)
    assert purchase_orders(runtime) == before + 2


def received(runtime, po_number: str, sku_ref: int, count: int) -> None:
    """`count` units of SKU-<ref> of the order received on the dock (floor services)."""
    with transaction(runtime.engine) as session:
        receipt = start_receipt(session, po_number, warehouse_code="WH1")
        receive_scan(session, PostingContext("HH1", "REC1"), receipt.number, gtin13(sku_ref), count=count)


async def test_purchase_order_from_the_form_received_billed_held_and_released(runtime, tmp_path):
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, NewPurchaseForm)
        form.query_one("#supplier").value = "S002"
        form.query_one("#item-search").focus()
        await pilot.press(*"SKU-00004")
        await settle(app, pilot)
        await pilot.press("enter", "enter", "1", "0", "tab", "2", ".", "5", "enter")
        assert cells(app, "lines") == [["SKU-00004", "10", "2.5"]]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        page = app.screen
        assert isinstance(page, PurchaseOrderScreen)
        number = page.number
        assert cells(app, "po-lines") == [["SKU-00004", "10", "0", "10", "2.50", ""]]
        assert "S002" in str(page.query_one("#summary").render())

        received(runtime, number, 4, 6)
        await pilot.press("r")
        await settle(app, pilot)
        assert [row[2:4] for row in cells(app, "receipts")] == [["SKU-00004", "6"]]
        assert cells(app, "receiving")[0][2:5] == ["10", "6", "4"]

        await pilot.press("x", "y")  # goods came in: cancel is refused with the reason
        await settle(app, pilot)
        assert said(app) == (f"purchase order {number} already has goods received: close it instead of cancelling", True)

        await pilot.press("i")
        await answer(app, pilot, **{"number": "INV-77", "price-0": "2.75"})  # billed 6 received at a higher price
        assert said(app) == ("invoice INV-77 held: SKU-00004: price 2.75 differs from the PO price 2.5", False)
        assert cells(app, "supplier-invoices")[0][:2] == ["INV-77", "held"]
        await pilot.press("l")
        await answer(app, pilot, reason="")
        assert said(app) == ("why invoice INV-77 is released cannot be empty", True)
        await pilot.press("l")
        await answer(app, pilot, reason="price rise agreed by phone")
        assert said(app) == ("invoice INV-77 released by SUP1: price rise agreed by phone", False)
        assert cells(app, "supplier-invoices")[0][1] == "released"
        await pilot.press("l")
        await settle(app, pilot)
        assert said(app) == (f"no supplier invoice of {number} is held", True)

        await pilot.press("c", "y")
        await settle(app, pilot)
        assert said(app) == (f"{number} closed: what was not delivered is no longer on order", False)
    with Session(runtime.engine) as session:
        invoice = session.exec(select(SupplierInvoice).where(SupplierInvoice.number == "INV-77")).one()
        assert invoice.hold_reason == "SKU-00004: price 2.75 differs from the PO price 2.5"
        assert (invoice.decided_by, invoice.decision_reason) == ("SUP1", "price rise agreed by phone")


async def test_buy_to_order_sales_become_purchase_orders_tied_to_their_lines(runtime, tmp_path):
    with transaction(runtime.engine) as session:
        session.execute(update(Item).where(Item.sku == "SKU-00005").values(buy_to_order=True))
        set_supplier_price(session, "S003", "SKU-00005", "4.00")
        number = create_order(session, "C001", "WH1", [LineInput("SKU-00005", 7, unit_price=9)]).number
        confirm_orders(session, [number])
    before = purchase_orders(runtime)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await settle(app, pilot)
        assert cells(app, "requisitions") == [[number, "C001", "SKU-00005", "7", "S003"]]
        app.screen.query_one("#requisitions").focus()
        await pilot.press("b", "y")
        await settle(app, pilot)
        text, refused = said(app)
        assert not refused and text.startswith(f"1 purchase order(s) for {number}: PO")
        assert cells(app, "requisitions") == []
        await pilot.press("b")
        await settle(app, pilot)
        assert said(app) == ("no buy-to-order sales order needs anything bought", False)
    assert purchase_orders(runtime) == before + 1
    with Session(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(BuyToOrderAllocation)).one() == 1
