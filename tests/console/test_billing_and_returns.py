"""After the floor shipped an order: invoice it, record its payment, take a return back."""

from sqlmodel import Session, select

from tests.console.deskkit import SIZE, cells, console, said, settle
from tests.floor.outbound import PACKER, packed_order
from wms_tui.services.outbound import shipping
from wms_tui.store.models import SalesOrder, SalesReturnLine, Task
from wms_tui.store.session import transaction
from wms_tui.ui.console.forms import PaymentForm, ReturnForm
from wms_tui.ui.console.orders import OrderScreen


def shipped_order(runtime) -> str:
    number, boxes = packed_order(runtime)
    with transaction(runtime.engine) as session:
        shipping.ship(session, PACKER, number, boxes, carrier="DHL", tracking_number="JD0001")
    return number


def summary(app) -> str:
    return str(app.screen.query_one("#summary").render())


async def test_invoice_payment_paid_then_a_return_restocked_with_a_credit_note(runtime, tmp_path):
    number = shipped_order(runtime)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(OrderScreen(number))
        await settle(app, pilot)
        assert "fulfilled" in summary(app)
        await pilot.press("4")  # the shipments tab (a tab's table is made when it is first shown)
        assert [row[1:3] for row in cells(app, "shipments")] == [["DHL", "JD0001"]]

        await pilot.press("p")  # nothing invoiced yet: nothing to pay
        assert said(app) == (f"{number} has no open invoice to pay", True)
        await pilot.press("i", "y")
        await settle(app, pilot)
        text, refused = said(app)
        assert not refused and text.startswith(f"invoice {number}/INV-1 for ")
        assert "invoiced" in summary(app)

        await pilot.press("f4")  # the unpaid invoice ages under its customer
        await settle(app, pilot)
        assert len(cells(app, "aging")) == 1
        await pilot.press("f3")
        await settle(app, pilot)
        app.push_screen(OrderScreen(number))
        await settle(app, pilot)

        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, PaymentForm)
        await pilot.press("ctrl+s")  # the open amount is filled in
        await settle(app, pilot)
        await pilot.press("5")  # the invoices tab
        assert said(app) == (f"payment of {cells(app, 'invoices')[0][3].replace(',', '')} on {number}/INV-1: paid", False)
        assert "paid (confirmed)" in summary(app)

        await pilot.press("i", "y")  # a second invoice for the same shipment is refused
        await settle(app, pilot)
        assert said(app) == (f"sales order {number} is already invoiced for everything shipped", True)

        sku = cells(app, "lines")[0][0]
        await pilot.press("t")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ReturnForm)
        form.query_one("#sku").value = sku
        form.query_one("#quantity").value = "1"
        form.query_one("#disposition").value = "WH1/STOCK/A-01-1"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        text, refused = said(app)
        assert not refused and f"return {number}/RET-1: put-back task" in text and f"credit note {number}/CN-1" in text
        await pilot.press("7")  # the returns tab
        assert [row[:5] for row in cells(app, "returns")] == [[f"{number}/RET-1", sku, "1", "good", "restocking"]]
    with Session(runtime.engine) as session:
        line = session.exec(select(SalesReturnLine)).one()
        assert session.get(Task, line.task_id).target_location_id is not None
        assert session.exec(select(SalesOrder.state).where(SalesOrder.number == number)).one() == "confirmed"


async def test_a_refused_return_keeps_nothing(runtime, tmp_path):
    number = shipped_order(runtime)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(OrderScreen(number))
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        form = app.screen
        form.query_one("#quantity").value = "1"
        form.query_one("#disposition").value = "WH1/OUTPUT"  # not a stock bin
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert said(app) == ("restock into a bin of WH1/STOCK, not WH1/OUTPUT", True)
        await pilot.press("7")  # the returns tab
        assert cells(app, "returns") == []
    with Session(runtime.engine) as session:
        assert session.exec(select(SalesReturnLine)).all() == []
