"""A desk table sizes its columns as Textual's table does (it measures one-line texts itself)."""

from decimal import Decimal

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from wms_tui.ui.console.base import DeskTable

ROWS = [
    ("SO-0000001", "Northwind", 3, Decimal("1234.50"), ""),
    ("SO-0000002", "倉庫の顧客", 12, Decimal("7.00"), "a [b] c"),
    ("SO-0000003", Text("two\nlines, the second longer"), 1, Decimal("0"), "x"),
]


class Tables(App):
    def compose(self) -> ComposeResult:
        yield DeskTable(id="desk")
        yield DataTable(id="plain")


async def test_desk_table_columns_are_as_wide_as_textuals():
    app = Tables()
    async with app.run_test(size=(160, 30)) as pilot:
        for table in app.query(DataTable).results():
            table.add_columns("order", "customer", "lines", "net", "note")
            for number, row in enumerate(ROWS):
                # The plain table gets what the desk table makes of a cell: a text, never markup.
                cells = row if isinstance(table, DeskTable) else [Text(c, end="", no_wrap=True) if isinstance(c, str) else c for c in row]
                table.add_row(*cells, key=str(number))
        await pilot.pause()
        widths = {table.id: [column.content_width for column in table.columns.values()] for table in app.query(DataTable).results()}
        assert widths["desk"] == widths["plain"]
        assert widths["desk"][1] == 24  # the longer line of the two-line text
        assert app.query_one("#desk").virtual_size == app.query_one("#plain").virtual_size

