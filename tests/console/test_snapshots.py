"""SVG snapshots of each console screen at 120x40 (Textual is pinned, so a change here is a
change of ours). Update with `--snapshot-update` after looking at the new SVGs."""

from datetime import date

from sqlalchemy import update

from tests.console.conftest import ENTERED
from tests.console.deskkit import SIZE, console, settle
from tests.console.test_billing_and_returns import shipped_order
from tests.console.test_exceptions import a_short_pick, a_stock_exception, an_over_receipt
from tests.console.test_purchasing import below_minimum
from tests.floor.outbound import pick_order
from wms_tui.services.inbound.purchasing import PurchaseLineInput, create_purchase_order
from wms_tui.services.outbound import invoicing
from wms_tui.store.models import PickDiscrepancy, ReceiptLine, StockException
from wms_tui.store.session import transaction
from wms_tui.ui.console.orders import OrderScreen
from wms_tui.ui.console.purchasing import PurchaseOrderScreen


def keys(*pressed: str, order: str | None = None):
    async def run_before(pilot) -> None:
        await settle(pilot.app, pilot)
        if order:
            pilot.app.push_screen(OrderScreen(order))
            await settle(pilot.app, pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot.app, pilot)

    return run_before


def test_dashboard(runtime, tmp_path, snap_compare):
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys())


def test_order_list(runtime, tmp_path, snap_compare):
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys("f3", "space", "space"))


def test_order_page(runtime, tmp_path, snap_compare):
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys(order="SO-000001"))


def test_refused_action(runtime, tmp_path, snap_compare):
    number = pick_order(runtime)
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys("x", "y", order=number))


def test_confirmation(runtime, tmp_path, snap_compare):
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys("o", order="SO-000002"))


def test_new_order_form(runtime, tmp_path, snap_compare):
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys("f3", "n", "tab", "tab", *"SKU-0000"))


def test_aging(runtime, tmp_path, snap_compare):
    number = shipped_order(runtime)
    with transaction(runtime.engine) as session:  # long overdue whatever today is
        invoicing.invoice_order(session, number, issued_on=date(2025, 1, 2))
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys("f4"))


def test_purchasing(runtime, tmp_path, snap_compare):
    below_minimum(runtime)
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys("f5"))


def test_inventory(runtime, tmp_path, snap_compare):
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys("f6"))


def test_inventory_scrap_form(runtime, tmp_path, snap_compare):
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys("f6", "x"))


def test_inventory_valuation(runtime, tmp_path, snap_compare):
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys("f6", "3"))


def test_purchase_order_page(runtime, tmp_path, snap_compare):
    with transaction(runtime.engine) as session:
        number = create_purchase_order(session, "S001", "WH1", [PurchaseLineInput("SKU-00004", 10, "2.50"),
                                                                 PurchaseLineInput("SKU-00007", 4)]).number

    async def run_before(pilot) -> None:
        await settle(pilot.app, pilot)
        pilot.app.push_screen(PurchaseOrderScreen(number))
        await settle(pilot.app, pilot)

    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_exceptions(runtime, tmp_path, snap_compare):
    a_short_pick(runtime)
    an_over_receipt(runtime)
    a_stock_exception(runtime)
    with transaction(runtime.engine) as session:  # fixed times for a stable picture
        session.execute(update(PickDiscrepancy).values(created_at=ENTERED))
        session.execute(update(ReceiptLine).values(created_at=ENTERED))
        session.execute(update(StockException).values(created_at=ENTERED))
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys("f7"))


def test_people(runtime, tmp_path, snap_compare):
    assert snap_compare(console(runtime, tmp_path), terminal_size=SIZE, run_before=keys("f8"))
