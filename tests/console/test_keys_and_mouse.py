"""Keyboard first, and the mouse works (issue 14, item 9): every action has a key the footer
shows (F1 lists them all where the footer is too narrow), every screen a command palette entry; tables sort (keys or a click on a header) and
filter, and keep both when the screen reloads; digits and clicks switch tabs; a click opens an
order."""

import csv

from textual.binding import Binding
from textual.widgets import HelpPanel
from textual.widgets._key_panel import BindingsTable

from tests.console.deskkit import SIZE, answer, cells, console, said, settle
from wms_tui.ui.console.app import SCREENS, ConsoleApp
from wms_tui.ui.console.base import DeskTable
from wms_tui.ui.console.dashboard import DashboardScreen
from wms_tui.ui.console.exceptions import ExceptionsScreen
from wms_tui.ui.console.inventory import InventoryScreen
from wms_tui.ui.console.orders import AgingScreen, OrderScreen, OrdersScreen
from wms_tui.ui.console.people import PeopleScreen
from wms_tui.ui.console.purchasing import PurchaseOrderScreen, PurchasingScreen

DESKS = (DashboardScreen, OrdersScreen, OrderScreen, AgingScreen, PurchasingScreen, PurchaseOrderScreen, InventoryScreen,
         ExceptionsScreen, PeopleScreen)


def bindings(widget_class) -> list[Binding]:
    """The bindings the console's own classes declare (Textual's focus keys apart)."""
    return [binding for cls in widget_class.__mro__ if cls.__module__.startswith("wms_tui.")
            for binding in cls.__dict__.get("BINDINGS", [])]


def test_every_action_has_a_key_shown_in_the_footer():
    for desk in (*DESKS, DeskTable):
        hidden = [binding.action for binding in bindings(desk) if not binding.show]
        # Digits show tabs: each tab's label says its digit.
        assert all(action.startswith("show_tab_number(") for action in hidden), (desk.__name__, hidden)
        assert all(binding.description for binding in bindings(desk) if binding.show), desk.__name__
    # The screens' F-keys are in the header (the footer keeps its width for actions) and in the palette.
    assert all(f"{key.upper()} {label}" in ConsoleApp.SUB_TITLE for key, label, _, _ in SCREENS.values())


async def test_the_palette_has_an_entry_for_every_screen(runtime, tmp_path):
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        for mode, (key, _, title, _) in SCREENS.items():
            commands[f"{title} ({key.upper()})"].callback()
            await settle(app, pilot)
            assert app.current_mode == mode


async def test_sort_by_keys_and_by_a_header_click_stays_when_the_dashboard_refreshes(runtime, tmp_path):
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#orders", DeskTable).focus()
        await pilot.pause()
        unsorted = cells(app, "orders")
        await pilot.press("s")  # by the first column
        assert cells(app, "orders") == sorted(unsorted)
        assert said(app) == ("sorted by status", False)
        await pilot.press("s")  # the other way
        assert cells(app, "orders") == sorted(unsorted, reverse=True)
        await pilot.press("s")  # the next column, numbers as numbers
        counts = [int(row[1]) for row in cells(app, "orders")]
        assert counts == sorted(counts) and said(app) == ("sorted by orders", False)
        await pilot.press("r")
        await settle(app, pilot)
        assert [int(row[1]) for row in cells(app, "orders")] == counts  # the refresh keeps the sort
        await pilot.click("#orders", offset=(3, 0))  # the header of "status"
        await settle(app, pilot)
        assert cells(app, "orders") == sorted(unsorted)
        await pilot.click("#orders", offset=(3, 0))
        await settle(app, pilot)
        assert cells(app, "orders") == sorted(unsorted, reverse=True)


async def test_filter_shows_the_rows_containing_the_text_and_stays_when_the_list_reloads(runtime, tmp_path):
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app, pilot)
        every = cells(app, "list")
        await pilot.press("ctrl+f")
        await answer(app, pilot, filter="c002")
        shown = cells(app, "list")
        assert shown == [row for row in every if "C002" in row] and 0 < len(shown) < len(every)
        assert said(app) == (f"{len(shown)} of {len(every)} row(s) contain 'c002'", False)
        await pilot.press("r")
        await settle(app, pilot)
        assert cells(app, "list") == shown
        await pilot.press("s", "s", "s", "e")  # the mark column both ways, then order number; exported as shown
        [exported] = (tmp_path / "exports").glob("orders-*.csv")
        rows = list(csv.reader(exported.open(encoding="utf-8")))[1:]
        assert rows == cells(app, "list") and [row[1] for row in rows] == sorted(row[1] for row in shown)
        await pilot.press("ctrl+f")
        await answer(app, pilot, filter="")
        assert cells(app, "list") == every


async def test_digits_and_clicks_switch_tabs_and_a_click_opens_an_order(runtime, tmp_path):
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        assert app.screen.active_tab == "valuation" and app.focused.id == "valuation"
        await pilot.click("#--content-tab-tab-kits")
        await settle(app, pilot)
        assert app.screen.active_tab == "kits"

        await pilot.press("f3")
        await settle(app, pilot)
        first = cells(app, "list")[0][1]
        await pilot.click("#list", offset=(5, 1))  # the first row: highlighted, then chosen
        await pilot.click("#list", offset=(5, 1))
        await settle(app, pilot)
        assert isinstance(app.screen, OrderScreen) and app.screen.number == first
        await pilot.press("2")
        await settle(app, pilot)
        assert "2 Tasks" in str(app.screen.query_one("#tabs").render()) and app.screen.query_one("#tabs").active == "tasks"
        assert app.focused.id == "tasks" and not app.screen.query_one("#lines").display
        await pilot.click("#tabs", offset=(2, 0))  # the first tab's label: the lines again
        await settle(app, pilot)
        assert app.focused.id == "lines" and not app.screen.query_one("#tasks").display
        await pilot.press("f1")  # the keys the footer has no room for at 120 columns
        await pilot.pause()
        listed = app.screen.query_one(HelpPanel).query_one(BindingsTable).render_bindings_table()
        assert {"Return", "Refresh", "Filter", "Sort"} <= {str(cell) for cell in listed.columns[1].cells}
        await pilot.press("f1")
        await pilot.pause()
        assert not app.screen.query(HelpPanel)
