"""Data never drives the terminal: markup and control characters in names show as written."""

from sqlalchemy import text

from tests.ui.floorkit import Floor
from wms_tui.domain.text import SCREEN_LINE_LIMIT
from wms_tui.services.demo import gtin13
from wms_tui.ui.app import WmsApp


async def test_markup_and_escape_sequences_in_an_item_name_show_literally(runtime, tmp_path):
    # Names can arrive from elsewhere than the importer (a central database, an older file).
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE item SET name = :name WHERE sku = 'SKU-00003'"), {"name": "[bold]Tea[/bold] \x1b[31mred\x07"})
    app = WmsApp(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        choice = next(line.split()[0] for line in floor.details.splitlines() if "What is this?" in line)
        await floor.scan(choice)
        await floor.scan(gtin13(3))
        assert "[bold]Tea[/bold] \\x1b[31mred\\x07" in floor.details
        assert "\x1b" not in floor.details and "\x07" not in floor.details


async def test_a_megabyte_input_is_not_echoed_back_whole(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        choice = next(line.split()[0] for line in floor.details.splitlines() if "What is this?" in line)
        await floor.scan(choice)
        await floor.type("B" * 1_000_000)
        assert floor.error and "not a known item" in floor.message
        assert all(len(line) <= SCREEN_LINE_LIMIT for line in floor.message.splitlines())
