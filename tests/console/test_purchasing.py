"""Purchasing at the console: reorder suggestions become purchase orders in one action."""

from sqlmodel import Session, func, select

from tests.console.deskkit import SIZE, cells, console, said, settle
from wms_tui.services.inbound.replenishment import set_reorder_rule
from wms_tui.store.models import PurchaseOrder
from wms_tui.store.session import transaction


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
