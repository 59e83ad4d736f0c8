"""Orders and purchases imported from files (all or nothing, problems named by row and column),
shipments, receipts and stock exported as CSV and JSON."""

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from sqlmodel import Session, func, select

from tests.console.test_orders_desk import item_in_stock
from tests.floor.outbound import PACKER, pick_order, picked
from wms_tui.cli import main
from wms_tui.domain.locations import LocationKind
from wms_tui.services import console_views, desk
from wms_tui.services.inbound.purchasing import purchase_order_view
from wms_tui.services.outbound import packing, shipping
from wms_tui.store.models import Location, PurchaseOrder, SalesOrder, StockBalance
from wms_tui.store.session import transaction


def cli(runtime, *args: str):
    config = next(Path(runtime.engine.url.database).parent.glob("*.toml"))  # the fixture's config file
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def count(runtime, model) -> int:
    with Session(runtime.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


ORDERS_CSV = """number,customer,warehouse,sku,quantity,unit_price,discount_percent,tax_rate,policy
ERP-1,C001,WH1,{a},3,12.50,10,20,
ERP-1,C001,WH1,{b},1,4,,,
ERP-2,C002,WH1,{a},2,12.50,,,cancel_rest
"""


def test_orders_from_csv_and_json_become_the_same_drafts(runtime, tmp_path):
    a, b = "SKU-00002", "SKU-00003"
    (tmp_path / "orders.csv").write_text(ORDERS_CSV.format(a=a, b=b))
    (tmp_path / "orders.json").write_text(json.dumps([
        {"number": "ERP-3", "customer": "C001", "warehouse": "WH1",
         "lines": [{"sku": a, "quantity": 3, "unit_price": "12.50", "discount_percent": 10, "tax_rate": 20},
                   {"sku": b, "quantity": "1", "unit_price": 4}]},
    ]))
    result = cli(runtime, "import", "orders", str(tmp_path / "orders.csv"))
    assert result.exit_code == 0, result.output
    assert result.output == "imported 2 orders with 3 line(s): ERP-1, ERP-2\n"
    assert cli(runtime, "import", "orders", str(tmp_path / "orders.json")).output == "imported 1 orders with 2 line(s): ERP-3\n"
    pages = {number: console_views.order_page(runtime.engine, number) for number in ("ERP-1", "ERP-2", "ERP-3")}
    shape = {number: [(line.sku, line.quantity, line.unit_price) for line in page.lines] for number, page in pages.items()}
    assert shape["ERP-1"] == shape["ERP-3"] == [(a, 3, 12.5), (b, 1, 4)]
    assert (pages["ERP-1"].state, pages["ERP-1"].customer) == ("draft", "C001")
    assert pages["ERP-2"].policy == "cancel_rest"
    assert cli(runtime, "import", "--help").exit_code == 0  # items/locations/stock import unchanged
    assert "--items" in cli(runtime, "import", "--help").output


def test_a_malformed_orders_file_is_refused_whole_naming_row_and_column(runtime, tmp_path):
    before = count(runtime, SalesOrder)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "number,customer,warehouse,sku,quantity\n"
        "ERP-9,C001,WH1,SKU-00002,2\n"
        "ERP-9,C001,WH1,NO-SUCH-SKU,1\n"
        "ERP-10,C001,WH1,SKU-00002,two\n"
        "SO-000001,C001,WH1,SKU-00002,1\n"
        "ERP-11,C001,WH9,SKU-00002,1\n"
    )
    result = cli(runtime, "import", "orders", str(bad))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: nothing was imported; 4 problem(s):",
        "bad.csv row 3 column sku: no item with SKU 'NO-SUCH-SKU'",
        "bad.csv row 4 column quantity: quantity 'two' is not a number",
        "bad.csv row 5 column number: sales order SO-000001 already exists",
        "bad.csv row 6 column warehouse: no warehouse 'WH9'",
    ]
    missing = tmp_path / "missing.csv"
    missing.write_text("number,customer,warehouse,sku\nERP-12,C001,WH1,SKU-00002\n")
    assert "missing.csv: header is missing column(s) quantity" in cli(runtime, "import", "orders", str(missing)).output
    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps([{"number": "ERP-13", "customer": "C001", "warehouse": "WH1", "lines": [{"sku": "SKU-00002", "quantity": 1}]}] * 2))
    assert "twice.json row 2 column number: ERP-13 appears twice in the file" in cli(runtime, "import", "orders", str(twice)).output
    badline = tmp_path / "badline.json"
    badline.write_text(json.dumps([{"number": "ERP-14", "customer": "C001", "warehouse": "WH1", "lines": [{"sku": "SKU-00002", "quantity": -1}]}]))
    assert "badline.json row 1 column lines[0].quantity: " in cli(runtime, "import", "orders", str(badline)).output
    assert count(runtime, SalesOrder) == before


def test_purchases_import_one_order_per_reference(runtime, tmp_path):
    before = count(runtime, PurchaseOrder)
    path = tmp_path / "po.csv"
    path.write_text(
        "reference,supplier,warehouse,sku,quantity,unit_price,expected_date\n"
        "R1,S001,WH1,SKU-00002,10,1.25,2030-01-31\n"
        "R1,S001,WH1,SKU-00003,5,,\n"
        "R2,S002,WH1,SKU-00004,7,,\n"
    )
    result = cli(runtime, "import", "purchases", str(path))
    assert result.exit_code == 0, result.output
    assert count(runtime, PurchaseOrder) == before + 2
    number = result.output.split(": ")[1].split(", ")[0]
    with Session(runtime.engine) as session:
        view = purchase_order_view(session, number)
    assert [(line.sku, line.quantity, line.unit_price) for line in view.lines][0] == ("SKU-00002", 10, 1.25)
    path.write_text("reference,supplier,warehouse,sku,quantity\nR3,C001,WH1,SKU-00002,1\n")
    assert "po.csv row 2 column supplier: no supplier 'C001'" in cli(runtime, "import", "purchases", str(path)).output
    assert count(runtime, PurchaseOrder) == before + 2


def ship_whole_order(runtime, number: str) -> None:
    pick_order(runtime, number)
    in_pack = picked(runtime, number)
    with transaction(runtime.engine) as session:
        box = packing.open_container(session, PACKER, number)
        for (gtin, lot), quantity in in_pack.items():
            packing.pack(session, PACKER, box.code, item_scan=gtin, packages=quantity, lot_code=lot)
        packing.close_container(session, box.code, weight_kg="2")
        shipping.ship(session, PACKER, number, [box.code], carrier="UPS", tracking_number="1Z9")


def test_round_trip_an_imported_order_comes_back_as_its_shipment(runtime, tmp_path):
    sku = item_in_stock(runtime)
    path = tmp_path / "one.csv"
    path.write_text(f"number,customer,warehouse,sku,quantity\nERP-20,C001,WH1,{sku},2\n")
    assert cli(runtime, "import", "orders", str(path)).exit_code == 0
    desk.confirm(runtime.engine, ["ERP-20"])
    desk.allocate(runtime.engine, ["ERP-20"])
    ship_whole_order(runtime, "ERP-20")
    today = datetime.now(UTC).date().isoformat()
    as_csv = cli(runtime, "export", "shipments", "--since", today).output
    as_json = cli(runtime, "export", "shipments", "--since", today, "--format", "json").output
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert rows == json.loads(as_json)
    assert [(row["order"], row["customer"], row["carrier"], row["sku"], row["quantity"]) for row in rows] == [
        ("ERP-20", "C001", "UPS", sku, "2")
    ]
    assert cli(runtime, "export", "shipments", "--since", "2999-01-01").output.splitlines()[1:] == []


def test_stock_export_is_what_import_stock_reads(runtime, tmp_path):
    out = tmp_path / "stock.csv"
    result = cli(runtime, "export", "stock", "--output", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["sku", "location", "quantity", "lot", "expiry", "unit_cost"]
    with Session(runtime.engine) as session:
        internal = session.exec(
            select(func.sum(StockBalance.quantity)).join(Location, Location.id == StockBalance.location_id)
            .where(Location.kind == LocationKind.INTERNAL)
        ).one()
    assert sum(float(row["quantity"]) for row in rows) == float(internal)
    assert cli(runtime, "export", "receipts", "--format", "json").output == "[]\n"  # the demo received nothing yet
