"""The finders: every kind of key, case-insensitive codes, one GTIN normalisation, GS1 scans,
and the same answer for the same scan wherever it is looked up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import build_small_warehouse
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import sscc
from wms_tui.services import catalog, lookup, operators
from wms_tui.services.inbound import purchasing
from wms_tui.services.outbound import customers, orders
from wms_tui.store import finders
from wms_tui.store.session import transaction

UPC_A = "036000291452"
EAN_8 = "96385074"
PALLET = sscc("0340123", 17)


@pytest.fixture
def world(engine):
    wh = build_small_warehouse(engine)
    with transaction(engine) as session:
        catalog.add_barcode(session, catalog.create_item(session, "U-1", "UPC item"), UPC_A)
        catalog.add_barcode(session, catalog.create_item(session, "E-8", "EAN-8 item"), EAN_8)
        catalog.create_container(session, PALLET, kind="pallet")
        catalog.create_container(session, "LPN-7")
        customers.create_customer(session, "C1", "Customer One")
        orders.create_order(session, "C1", "wh1", [orders.LineInput("W-1", "1")], number="so-7")
        purchasing.register_supplier(session, "ACME", "Acme")
        purchasing.create_purchase_order(session, "ACME", "WH1", [purchasing.PurchaseLineInput("W-1", "5")])
        operators.create_operator(session, "ann", "Ann", "picker", badge="B-ANN", pin="4739")
    return wh


def sku_of(engine, scan: str) -> str | None:
    with transaction(engine) as session:
        found = finders.find_item(session, scan)
        return found.item.sku if found else None


@pytest.mark.parametrize(
    "scan, sku",
    [
        ("4006381333931", "W-1"),  # EAN-13 as registered
        ("04006381333931", "W-1"),  # its GTIN-14 form, as GS1 AI 01 carries it
        (UPC_A, "U-1"),  # GTIN-12
        ("0" + UPC_A, "U-1"),  # ... as EAN-13
        ("00" + UPC_A, "U-1"),  # ... as GTIN-14
        (EAN_8, "E-8"),  # GTIN-8
        ("000000" + EAN_8, "E-8"),  # ... as GTIN-14
        ("W-1", "W-1"),  # typed SKU
        (" W-1 ", "W-1"),
        ("]C10104006381333931", "W-1"),  # GS1-128 element string with AIM prefix, AI 01
        ("0104006381333931", "W-1"),  # ... without prefix
        ("]C1010400638133393110L2409", "W-1"),  # AI 01 followed by a lot (AI 10)
        ("]E04006381333931", "W-1"),  # EAN-13 with its AIM prefix
        ("9999999999994", None),
        ("", None),
    ],
)
def test_item_by_any_gtin_form_sku_or_gs1(engine, world, scan, sku):
    assert sku_of(engine, scan) == sku


def test_packaging_barcode_counts_its_units(engine, world):
    with transaction(engine) as session:
        case = finders.item_by_scan(session, "14006381333938")
        unit = finders.item_by_scan(session, "W-1")
    assert (case.item.sku, case.units_per_scan, case.packaging) == ("W-1", Decimal(12), "case")
    assert (unit.item.sku, unit.units_per_scan, unit.packaging) == ("W-1", Decimal(1), "unit")


def test_unknown_or_empty_item_scan_is_refused_by_name(engine, world):
    with transaction(engine) as session:
        with pytest.raises(NotFound, match=r"not a known item.*'5901234123457'"):
            finders.item_by_scan(session, "5901234123457")
        with pytest.raises(InvalidInput, match="scan the item's barcode"):
            finders.item_by_scan(session, "  ")
        assert finders.item_by_sku(session, "w-1").sku == "W-1"  # typed in small letters (issue 15)
        with pytest.raises(NotFound, match="no item with SKU 'w-2'"):
            finders.item_by_sku(session, "w-2")


@pytest.mark.parametrize(
    "scan", ["4006381333931", "04006381333931", "W-1", "]C10104006381333931", "14006381333938"]
)
def test_the_lookup_screen_finds_the_same_item_as_the_scan_steps(engine, world, scan):
    with transaction(engine) as session:
        assert lookup.lookup_scan(session, scan).code == finders.item_by_scan(session, scan).item.sku == "W-1"


def test_locations_by_code_any_case_or_by_check_digit_barcode(engine, world):
    code = "WH1/STOCK/A-01-01"
    with transaction(engine) as session:
        for scan in (code, code.lower(), f" {code} ", location_barcode(code), location_barcode(code).lower()):
            assert finders.location_by_code(session, scan).code == code
        assert set(finders.find_locations(session, ["wh1/stock", "SUPPLIERS", "NOWHERE"])) == {"WH1/STOCK", "SUPPLIERS"}
        assert finders.find_location(session, "WH1/STOCK/Z-99") is None
        with pytest.raises(InvalidInput, match="wrong check digit"):
            finders.find_location(session, f"{code}.00")
        with pytest.raises(NotFound, match="no location 'WH1/STOCK/Z-99'"):
            finders.location_by_code(session, "WH1/STOCK/Z-99")


def test_lots_belong_to_their_item(engine, world):
    with transaction(engine) as session:
        milk, widget = finders.item_by_sku(session, "M-1"), finders.item_by_sku(session, "W-1")
        assert finders.lot_by_code(session, milk, " L2409 ").id == world.milk_lot.id
        assert finders.find_lot(session, widget, "L2409") is None
        assert [(lot.code, item.sku) for lot, item in finders.lots_with_code(session, "L2409")] == [("L2409", "M-1")]
        with pytest.raises(NotFound, match="item M-1 has no lot 'L0000'"):
            finders.lot_by_code(session, milk, "L0000")


def test_containers_by_code_or_sscc_element_string(engine, world):
    with transaction(engine) as session:
        for scan in (PALLET, f"]C100{PALLET}", f"00{PALLET}"):
            assert finders.container_by_code(session, scan).code == PALLET
        assert finders.container_by_code(session, "LPN-7").kind == "box"
        assert finders.find_container(session, "") is None
        with pytest.raises(NotFound, match="no container 'LPN-8'"):
            finders.container_by_code(session, "LPN-8")


def test_documents_warehouses_and_operators_by_code_in_any_case(engine, world):
    with transaction(engine) as session:
        assert finders.sales_order_by_number(session, " so-7 ").number == "SO-7"  # stored as normal_code gives it
        assert finders.purchase_order_by_number(session, "po000001").number == "PO000001"
        assert finders.warehouse_by_code(session, "wh1").id == world.warehouse_id
        assert finders.operator_by_code(session, "Ann").code == "ANN"
        assert finders.find_operator_by_badge(session, "B-ANN").code == "ANN"
        assert finders.supplier_by_code(session, "ACME").name == "Acme"
        assert finders.customer_by_code(session, "C1").name == "Customer One"
        assert [finders.find_partner(session, code).kind for code in ("ACME", "C1")] == ["supplier", "customer"]
        assert finders.find_sales_order(session, "SO-8") is None
        for call, message in (
            (lambda: finders.sales_order_by_number(session, "SO-8"), "no sales order 'SO-8'"),
            (lambda: finders.purchase_order_by_number(session, "PO9"), "no purchase order 'PO9'"),
            (lambda: finders.warehouse_by_code(session, "wh9"), "no warehouse 'wh9'"),
            (lambda: finders.operator_by_code(session, "bob"), "no operator 'bob'"),
            (lambda: finders.supplier_by_code(session, "C1"), "no supplier 'C1'"),  # a customer is no supplier
            (lambda: finders.customer_by_code(session, "ACME"), "no customer 'ACME'"),
        ):
            with pytest.raises(NotFound, match=message):
                call()
