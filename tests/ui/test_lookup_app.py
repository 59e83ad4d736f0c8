"""The first screen: look up stock by scanned or typed code, driven headless at floor sizes."""

import pytest
from textual.widgets import Input, Static

from wms_tui.runtime import Runtime, open_runtime
from wms_tui.services.demo import build_demo, gtin13
from wms_tui.ui.app import WmsApp

SIZES = [(20, 16), (40, 25), (80, 24)]


@pytest.fixture(scope="module")
def demo_runtime(tmp_path_factory) -> Runtime:
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{folder / "demo.db"}"\n[terminal]\nid = "HH1"\n')
    runtime = open_runtime(str(path), upgrade=True)
    build_demo(runtime.engine, items=60)
    yield runtime
    runtime.close()


def screen_text(app: WmsApp) -> str:
    return "\n".join(str(widget.render()) for widget in app.query(Static))


async def scan(pilot, code: str) -> None:
    app = pilot.app
    app.query_one("#scan", Input).value = code
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_scan_item_barcode_shows_stock(demo_runtime, size):
    app = WmsApp(demo_runtime)
    async with app.run_test(size=size) as pilot:
        assert app.focused is app.query_one("#scan", Input)
        await scan(pilot, gtin13(3))
        text = screen_text(app)
        assert "ITEM" in text and "SKU-00003" in text
        assert "WH1: on hand" in text
        assert app.focused is app.query_one("#scan", Input)
        assert "error" not in app.query_one("#status").classes


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_unknown_code_rings_twice_and_keeps_focus(demo_runtime, size, monkeypatch):
    app = WmsApp(demo_runtime)
    bells = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    async with app.run_test(size=size) as pilot:
        await scan(pilot, "NO-SUCH-THING")
        status = app.query_one("#status", Static)
        assert "not a known item, location, container or lot" in str(status.render())
        assert "error" in status.classes
        assert len(bells) == 2
        assert app.focused is app.query_one("#scan", Input)
        await pilot.press("escape")
        assert "error" not in status.classes


async def test_location_barcode_with_wrong_check_digits_is_refused(demo_runtime):
    app = WmsApp(demo_runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        await scan(pilot, "WH1/STOCK/A-01-1.00")
        assert "wrong check digit" in str(app.query_one("#status", Static).render())
        from wms_tui.domain.locations import location_barcode

        await scan(pilot, location_barcode("WH1/STOCK/A-01-1"))
        assert "LOCATION" in screen_text(app)


async def test_legend_fits_the_smallest_handheld(demo_runtime):
    app = WmsApp(demo_runtime)
    async with app.run_test(size=(20, 16)):
        legend = str(app.query_one("#legend", Static).render())
        assert len(legend) <= 20


@pytest.mark.parametrize(
    "scanned, expected",
    [
        ("]E0" + gtin13(5), "SKU-00005"),  # EAN-13 with its AIM prefix
        ("01" + "0" + gtin13(5) + "17301231", "SKU-00005"),  # GS1 element string: GTIN + expiry
        ("]C1010" + gtin13(5) + "10LOT1", "SKU-00005"),
    ],
)
async def test_gs1_and_aim_scans_find_the_item(demo_runtime, scanned, expected):
    app = WmsApp(demo_runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, scanned)
        assert expected in screen_text(app)


async def test_bad_check_digit_is_reported_not_guessed(demo_runtime):
    app = WmsApp(demo_runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        bad = gtin13(5)[:-1] + str((int(gtin13(5)[-1]) + 1) % 10)
        await scan(pilot, bad)
        assert "check digit" in str(app.query_one("#status", Static).render())
