from decimal import Decimal

import pytest
from sqlmodel import select

from tests.inbound.support import CTX, TODAY, assert_consistent, build_world, on_hand, stock_up
from wms_tui.domain.errors import InvalidInput
from wms_tui.services import catalog
from wms_tui.services.inbound import invoices, kits, purchasing, receiving
from wms_tui.services.inbound.invoices import InvoiceLineInput
from wms_tui.services.inbound.purchasing import PurchaseLineInput
from wms_tui.store import finders, queries
from wms_tui.store.models import StockBalance
from wms_tui.store.session import transaction


def _valuation(engine) -> dict[str, Decimal]:
    with engine.connect() as conn:
        return {line.name: line.value for line in queries.valuation(conn).lines}


def test_kit_build_and_unbuild(engine):
    world = build_world(engine)
    with transaction(engine) as session:
        catalog.create_item(session, "K-1", "Widget pair kit", costing_method="average")
        catalog.create_item(session, "C-1", "Carton", standard_cost="0.50")
        kits.define_kit(session, "K-1", [("W-1", "2"), ("C-1", "1")])
    stock_up(engine, "W-1", world.bins[0], "10")
    stock_up(engine, "C-1", world.bins[0], "4")
    before = _valuation(engine)
    with pytest.raises(InvalidInput, match="only 4 C-1 free"), transaction(engine) as session:
        kits.build_kits(session, CTX, "K-1", "5", world.bins[0])
    with transaction(engine) as session:
        built = kits.build_kits(session, CTX, "K-1", "3", world.bins[0])
    assert (built.unit_cost, built.value) == (Decimal("5.5"), Decimal("16.5"))  # 2 x 2.50 + 0.50
    assert [on_hand(engine, sku, world.bins[0]) for sku in ("K-1", "W-1", "C-1")] == [Decimal(3), Decimal(4), Decimal(1)]
    after = _valuation(engine)
    assert after["Manufacturing"] == Decimal(0)
    assert after["Warehouse WH1"] == before["Warehouse WH1"]  # components became the kit's value
    with transaction(engine) as session:
        kit_value = session.exec(select(StockBalance.value).where(
            StockBalance.item_id == finders.item_by_sku(session, "K-1").id,
            StockBalance.location_id == finders.location_by_code(session, world.bins[0]).id,
        )).one()
    assert kit_value == Decimal("16.5")  # the value created shows in stock
    with transaction(engine) as session:
        kits.unbuild_kits(session, CTX, "K-1", "1", world.bins[0])
    assert [on_hand(engine, sku, world.bins[0]) for sku in ("K-1", "W-1", "C-1")] == [Decimal(2), Decimal(6), Decimal(2)]
    assert _valuation(engine)["Manufacturing"] == Decimal(0)
    assert_consistent(engine)


def test_supplier_invoice_check(engine):
    build_world(engine)
    with transaction(engine) as session:
        po = purchasing.create_purchase_order(session, "ACME", "WH1", [PurchaseLineInput("W-1", "10"), PurchaseLineInput("M-1", "4", "0.75")])
        receipt = receiving.start_receipt(session, po.number)
        receiving.receive_scan(session, CTX, receipt.number, "W-1", count="6", today=TODAY)
    with transaction(engine) as session:
        held = invoices.check_supplier_invoice(session, "ACME", "INV-1", po.number, [InvoiceLineInput("W-1", "6", "2.45")])
    assert held.state == "held"
    assert held.reasons == ["W-1: price 2.45 differs from the PO price 2.4"]
    with transaction(engine) as session:  # a held invoice bills its lines until it is rejected
        invoices.reject_supplier_invoice(session, "ACME", "INV-1", operator="ap-clerk", reason="wrong price")
        short = invoices.check_supplier_invoice(session, "ACME", "INV-2", po.number, [InvoiceLineInput("W-1", "10", "2.40")])
    assert short.reasons == ["W-1: invoiced 10 but 6 received and not yet invoiced"]
    with transaction(engine) as session:
        invoices.reject_supplier_invoice(session, "ACME", "INV-2", operator="ap-clerk", reason="billed more than delivered")
    with transaction(engine) as session:
        ok = invoices.check_supplier_invoice(session, "ACME", "INV-3", po.number, [InvoiceLineInput("W-1", "6", "2.40")])
    assert (ok.state, ok.reasons) == ("approved", [])
    with transaction(engine) as session:
        again = invoices.check_supplier_invoice(session, "ACME", "INV-4", po.number, [InvoiceLineInput("W-1", "6", "2.40")])
    assert again.reasons == ["W-1: invoiced 6 but 0 received and not yet invoiced"]  # no double billing
    with pytest.raises(InvalidInput, match="already entered"), transaction(engine) as session:
        invoices.check_supplier_invoice(session, "ACME", "INV-3", po.number, [InvoiceLineInput("W-1", "1", "2.40")])
    with pytest.raises(InvalidInput, match="B-1 is not on purchase order"), transaction(engine) as session:
        invoices.check_supplier_invoice(session, "ACME", "INV-5", po.number, [InvoiceLineInput("B-1", "1", "1")])
    assert_consistent(engine)
