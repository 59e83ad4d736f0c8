"""Input as people type it (issue 15, item 6): badges and codes in any case, dates as printed
(per [ui] date_order) besides GS1's YYMMDD, the expiry read back, a decimal comma wherever a
quantity or weight is typed; one domain parser for each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from tests.floor.inbound import EXPIRY, lot_scan, number_pallets
from tests.floor.kit import Desk, runtime_on_copy
from tests.floor.outbound import pick_order, picked, scan_of, whole
from wms_tui import config
from wms_tui.domain.errors import ConfigError, InvalidInput
from wms_tui.domain.flows import Expect
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.quantities import move_quantity
from wms_tui.domain.typed import DateOrder, typed_date, typed_decimal
from wms_tui.services.demo import DEMO_PIN, gtin13
from wms_tui.store.models import Lot, ShippingContainer


@pytest.mark.parametrize(("typed", "order", "expected"), [
    ("2026-12-31", DateOrder.DMY, date(2026, 12, 31)),
    ("2026-12-31", DateOrder.MDY, date(2026, 12, 31)),
    ("31.12.26", DateOrder.DMY, date(2026, 12, 31)),
    ("31/12/2026", DateOrder.DMY, date(2026, 12, 31)),
    ("03/04/2026", DateOrder.DMY, date(2026, 4, 3)),
    ("03/04/2026", DateOrder.MDY, date(2026, 3, 4)),
    ("12/31/26", DateOrder.MDY, date(2026, 12, 31)),
    ("261231", DateOrder.DMY, date(2026, 12, 31)),
    ("260200", DateOrder.DMY, date(2026, 2, 28)),  # GS1: day 00 is the month's last day
])
def test_dates_as_printed(typed, order, expected):
    assert typed_date(typed, order) == expected


@pytest.mark.parametrize("typed", ["31/12/2026x", "2026/12/31", "32.12.26", "12/31/2026", "1.1", "991399", ""])
def test_what_is_no_date_is_refused_with_the_forms_to_type(typed):
    with pytest.raises(InvalidInput, match="not a date"):
        typed_date(typed, DateOrder.DMY)


def test_one_decimal_parser_takes_a_comma_or_a_point():
    assert typed_decimal("2,5") == typed_decimal("2.5") == Decimal("2.5")
    assert move_quantity("2,5") == Decimal("2.5")  # every quantity typed goes through it
    for typed in ("1.000,5", "2,5,1", "-1", "1e3", "abc"):
        with pytest.raises(InvalidInput):
            typed_decimal(typed)


def test_date_order_is_validated_and_defaults_to_day_first(tmp_path):
    assert config.parse({}).ui.date_order is DateOrder.DMY
    assert config.parse({"ui": {"date_order": "mdy"}}).ui.date_order is DateOrder.MDY
    with pytest.raises(ConfigError, match=r"\[ui\] date_order: 'ymd' must be one of dmy, mdy"):
        config.parse({"ui": {"date_order": "ymd"}}, "config.toml")


def test_badge_in_small_letters_signs_in_and_the_pin_is_masked(runtime):
    desk = Desk(runtime)
    desk.scan("badge-0003")
    assert desk.shown.expects is Expect.PIN  # the screen masks what is typed at this step
    desk.scan(DEMO_PIN)
    assert not desk.error and desk.flow == "menu", desk.message


def open_receive(runtime) -> Desk:
    number_pallets(runtime)
    desk = Desk(runtime)
    desk.sign_in("BADGE-0003")
    desk.scan("1", "po000002")  # a PO number typed in small letters
    assert desk.step == "item" and not desk.error, desk.message
    return desk


def lot_expiry(runtime, code: str) -> date | None:
    with Session(runtime.engine) as session:
        return session.exec(select(Lot.expiry_date).where(Lot.code == code)).one()


def test_expiry_typed_as_printed_is_read_back_and_posted(runtime):
    desk = open_receive(runtime)
    desk.scan(gtin13(31))
    desk.type("LOT-DMY")
    assert desk.step == "expiry" and "YYMMDD" not in desk.instruction
    desk.type(f"{EXPIRY:%d.%m.%y}")
    assert desk.step == "qty" and f"exp {EXPIRY.isoformat()}" in desk.details, desk.details
    desk.scan("2", "*2")
    assert not desk.error, desk.message
    assert lot_expiry(runtime, "LOT-DMY") == EXPIRY


def test_month_first_sites_read_slashes_month_first(demo_template, tmp_path):
    runtime = runtime_on_copy(demo_template, tmp_path, extra='[ui]\ndate_order = "mdy"\n')
    try:
        desk = open_receive(runtime)
        desk.scan(gtin13(31))
        desk.type("LOT-MDY")
        desk.type(f"{EXPIRY:%m/%d/%Y}")
        assert desk.step == "qty", desk.message
        desk.scan("2", "*2")
        assert lot_expiry(runtime, "LOT-MDY") == EXPIRY
    finally:
        runtime.close()


def test_expiry_of_a_gs1_scan_is_shown_back(runtime):
    desk = open_receive(runtime)
    desk.scan(lot_scan(31, "LOT-GS1"))
    assert desk.step == "qty"
    assert f"exp {EXPIRY.isoformat()}" in desk.message and f"exp {EXPIRY.isoformat()}" in desk.details


def test_weight_with_a_decimal_comma(runtime):
    number = pick_order(runtime)
    desk = Desk(runtime)
    desk.sign_in("BADGE-0002")
    desk.scan("1", number.lower(), "1")  # the order number in small letters
    assert desk.step == "item", desk.message
    for (gtin, lot), quantity in picked(runtime, number).items():
        desk.scan(scan_of(gtin, lot), whole(quantity))
    desk.key("f2")
    desk.type("12,5")
    assert not desk.error and desk.step == "order", desk.message
    with Session(runtime.engine) as session:
        weights = session.exec(select(ShippingContainer.weight_kg)).all()
    assert Decimal("12.5") in weights


def test_a_bin_label_typed_in_small_letters_is_that_bin(runtime):
    desk = Desk(runtime)
    desk.sign_in("BADGE-0001")
    typed = location_barcode("WH1/STOCK/A-01-1").lower()
    desk.scan("3", typed)  # count: unplanned, asks again
    assert "no count planned" in desk.message
    desk.scan(typed)
    assert desk.step == "item" and not desk.error, desk.message
    assert desk.shown.document == "A-01-1" and "count A-01-1" in desk.details
