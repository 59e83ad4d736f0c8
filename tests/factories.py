"""A small warehouse built through the real catalog services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from wms_tui.domain.items import Tracking
from wms_tui.services import catalog
from wms_tui.store.models import Item, Location, Lot
from wms_tui.store.session import transaction


@dataclass
class SmallWarehouse:
    stock: Location
    bin_a: Location
    bin_b: Location
    supplier: Location
    customer: Location
    loss: Location
    scrap: Location
    view: Location
    warehouse_id: int
    widget: Item
    milk: Item
    milk_lot: Lot


def build_small_warehouse(engine: Engine) -> SmallWarehouse:
    with transaction(engine) as session:
        wh = catalog.create_warehouse(session, "WH1", "Warehouse 1")
        bin_a = catalog.add_bin(session, wh.zones["STOCK"], "A-01-01", pick_sequence=1)
        bin_b = catalog.add_bin(session, wh.zones["STOCK"], "A-01-02", pick_sequence=2)
        widget = catalog.create_item(session, "W-1", "Widget", standard_cost="2.50")
        catalog.add_barcode(session, widget, "4006381333931")
        catalog.add_barcode(session, widget, "14006381333938", packaging="case", quantity="12")
        milk = catalog.create_item(session, "M-1", "Milk 1l", tracking=Tracking.LOT, expiry_tracked=True, standard_cost="0.80")
        milk_lot = catalog.get_or_create_lot(session, milk, "L2409", date(2027, 1, 31))
        return SmallWarehouse(
            stock=wh.zones["STOCK"],
            bin_a=bin_a,
            bin_b=bin_b,
            supplier=catalog.shared_location(session, "SUPPLIERS"),
            customer=catalog.shared_location(session, "CUSTOMERS"),
            loss=catalog.shared_location(session, "INVENTORY-LOSS"),
            scrap=catalog.shared_location(session, "SCRAP"),
            view=wh.view,
            warehouse_id=wh.warehouse.id,
            widget=widget,
            milk=milk,
            milk_lot=milk_lot,
        )
