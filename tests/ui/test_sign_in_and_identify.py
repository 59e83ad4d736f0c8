"""Sign-in (badge or id, then PIN), the role's menu, "what is this?" end to end at the three terminal
sizes, and the scanner banner (the steps one by one: tests/floor/test_sign_in.py)."""

import pytest
from textual.widgets import Input

from drivers.base import DriverStatus, StatusChange
from tests.ui.floorkit import SIZE_IDS, SIZES, Floor
from wms_tui.domain.auth import REFUSED
from wms_tui.domain.locations import location_barcode
from wms_tui.services.demo import DEMO_PIN, gtin13
from wms_tui.ui.app import WmsApp


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_sign_in_with_id_and_pin_shows_the_roles_menu(runtime, tmp_path, size):
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.type("recv1")
        assert floor.step == "pin" and floor.instruction == "Enter your PIN"
        assert app.screen.query_one("#scan", Input).password  # the PIN typed is not shown
        await floor.type("9999")
        assert floor.error and floor.message == REFUSED
        assert floor.step == "badge" and not app.screen.query_one("#scan", Input).password  # a wrong PIN starts over
        await floor.type("RECV1")
        await floor.type(DEMO_PIN)
        assert not floor.error, floor.message
        assert floor.details.splitlines()[0] == "1 Receive"
        assert "Pick" not in floor.details and "What is this?" in floor.details
        assert "RECV1" in floor.widget("status")
        await floor.key("f10")
        assert floor.step == "badge" and "signed out" in floor.message


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_what_is_this_item_bin_order_and_unknown(runtime, tmp_path, size):
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        menu = floor.details.splitlines()
        choice = next(line.split()[0] for line in menu if "What is this?" in line)
        await floor.scan(choice)
        assert floor.instruction == "Scan anything"
        await floor.scan(gtin13(3))
        assert "ITEM SKU-00003" in floor.details and "WH1: on hand" in floor.details
        await floor.scan(location_barcode("WH1/STOCK/A-01-1"))
        assert "LOCATION WH1/STOCK/A-01-1" in floor.details
        await floor.scan("SO-000012")
        assert "ORDER SO-000012" in floor.details and "status" in floor.details
        bells = floor.bells
        await floor.scan("NO-SUCH-THING")
        assert floor.error and "not a known item, location, container, lot or order" in floor.message
        assert floor.bells == bells + 2 and floor.input_focused()


async def test_unplugged_scanner_shows_a_banner_and_typing_still_works(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        banner = app.screen.query_one("#banner")
        assert banner.has_class("hidden")
        app._from_driver(StatusChange("serial:/dev/ttyACM0", DriverStatus.DISCONNECTED, "device unplugged"))
        await pilot.pause()
        assert not banner.has_class("hidden") and "SCANNER OFFLINE" in floor.widget("banner")
        await floor.type("BADGE-0001")  # typed input is the fallback
        await floor.type(DEMO_PIN)
        assert not floor.error and floor.flow == "menu"
        app._from_driver(StatusChange("serial:/dev/ttyACM0", DriverStatus.CONNECTED))
        await pilot.pause()
        assert banner.has_class("hidden") and "scanner connected again" in floor.message
        assert app.focused is app.screen.query_one("#scan", Input)
