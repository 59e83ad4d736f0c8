"""What every console screen shares: loading in a thread worker, actions through the desk
services with the refusal in a red line, confirmation, and tables that sort and export CSV.

Workers only post messages: a screen's `fetch` runs in a thread and its result reaches `show`
on the UI thread; an action's outcome reaches `say`. WmsError is the one error a worker
expects (the service's reason, shown as it is); anything else is a bug and stops the app.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Label, Static, TabbedContent, TabPane

from wms_tui.domain.errors import WmsError
from wms_tui.ui.console.forms import Ask


class Said(Static):
    """The outcome of the last action: green when done, red with the reason when refused."""

    def show(self, text: str, ok: bool) -> None:
        self.update(text)
        self.set_class(not ok, "-refused")
        self.set_class(ok, "-done")


class DeskTable(DataTable):
    """A table that sorts by the cursor's column (again: the other way) and exports CSV."""

    BINDINGS = [
        Binding("s", "sort_column", "Sort"),
        Binding("e", "export_csv", "CSV"),
    ]

    def __init__(self, *args, export_name: str = "table", **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(*args, **kwargs)
        self.export_name = export_name
        self._sorted: tuple[Any, bool] | None = None

    def current_key(self) -> str | None:
        """The key of the row under the cursor (None in an empty table)."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def action_sort_column(self) -> None:
        if not self.columns:
            return
        column = list(self.columns)[self.cursor_column]
        reverse = self._sorted == (column, False)
        self.sort(column, key=_sort_key, reverse=reverse)
        self._sorted = (column, reverse)

    def action_export_csv(self) -> None:
        folder = self.app.export_folder
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.export_name}-{datetime.now():%Y%m%d-%H%M%S}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(str(column.label) for column in self.columns.values())
            for row_key in self.rows:
                writer.writerow(str(cell) for cell in self.get_row(row_key))
        self.screen.say(f"{len(self.rows)} row(s) exported to {path}", ok=True)


def _sort_key(value: Any) -> tuple:
    """Numbers sort as numbers, text as text, whatever a column mixes."""
    text = str(value)
    try:
        return (0, float(text.replace(",", "")), "")
    except ValueError:
        return (1, 0.0, text.lower())


class DeskScreen(Screen):
    """A console screen: `fetch` (thread) -> `show` (UI thread); `act` runs a desk action."""

    @dataclass
    class Loaded(Message):
        data: Any

    @dataclass
    class Outcome(Message):
        text: str
        ok: bool
        then: Callable[[str], None] | None = None  # after a done action, on the UI thread

    def compose_header(self) -> ComposeResult:
        yield Header()

    def compose_footer(self) -> ComposeResult:
        yield Said(id="said")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def fetch(self) -> Any:  # runs in a thread worker
        raise NotImplementedError

    def show(self, data: Any) -> None:  # runs on the UI thread
        raise NotImplementedError

    @work(thread=True, exclusive=True, group="load")
    def reload(self) -> None:
        try:
            self.post_message(self.Loaded(self.fetch()))
        except WmsError as exc:
            self.post_message(self.Outcome(str(exc), False))

    def on_desk_screen_loaded(self, message: Loaded) -> None:
        message.stop()
        self.show(message.data)

    @work(thread=True, group="action")
    def act(self, action: Callable[..., str], *args: Any, then: Callable[[str], None] | None = None) -> None:
        """Run a desk action; its line (or the refusal) shows, then the screen reloads and
        `then` gets the action's result."""
        try:
            self.post_message(self.Outcome(action(*args), True, then))
        except WmsError as exc:
            self.post_message(self.Outcome(str(exc), False))

    def on_desk_screen_outcome(self, message: Outcome) -> None:
        message.stop()
        self.say(message.text, message.ok)
        if message.ok:
            self.reload()
            if message.then is not None:
                message.then(message.text)

    def say(self, text: str, ok: bool) -> None:
        self.query_one(Said).show(text, ok)

    def confirm(self, question: str, action: Callable[..., str], *args: Any, then: Callable[[str], None] | None = None) -> None:
        """Ask first; run the action only on yes."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.act(action, *args, then=then)

        self.app.push_screen(Confirm(question), answered)

    def ask(self, title: str, fields: list[tuple[str, str, str]], then: Callable[[dict[str, str]], None]) -> None:
        """A form of typed fields (name, label, value given); `then` gets them unless cancelled."""
        self.app.push_screen(Ask(title, fields), lambda answers: answers is not None and then(answers))

    def ask_approval(self, title: str, fields: list[tuple[str, str, str]], then: Callable[[dict[str, str]], None]) -> None:
        """`ask`, with a supervisor's badge and PIN first: what a decision on an exception needs."""
        self.ask(title, [("badge", "supervisor badge (scan it)", ""), ("pin", "supervisor PIN", ""), *fields], then)


class TabbedDeskScreen(DeskScreen):
    """A desk of tabs, each one table. Only the active tab is read (`fetch_<tab>` in the worker,
    `show_<tab>` on the UI thread); an action key shows in the footer, and works, only on the
    tabs ACTION_TABS gives it."""

    TABS: dict[str, tuple[str, tuple[str, ...]]] = {}  # tab -> (label, columns)
    ACTION_TABS: dict[str, tuple[str, ...]] = {}  # action -> tabs it acts on (absent: every tab)

    def compose_tabs(self) -> ComposeResult:
        with TabbedContent(id="tabs"):
            for tab, (label, _) in self.TABS.items():
                with TabPane(label, id=f"tab-{tab}"):
                    yield DeskTable(id=tab, export_name=tab)

    def on_mount(self) -> None:
        for tab, (_, columns) in self.TABS.items():
            self.query_one(f"#{tab}", DeskTable).add_columns(*columns)

    @property
    def active_tab(self) -> str:
        return (self.query_one("#tabs", TabbedContent).active or "").removeprefix("tab-")

    def table(self, tab: str | None = None) -> DeskTable:
        return self.query_one(f"#{tab or self.active_tab}", DeskTable)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tabs = self.ACTION_TABS.get(action)
        return tabs is None or self.active_tab in tabs

    def fetch(self) -> tuple[str, Any]:
        tab = self.active_tab
        return tab, getattr(self, f"fetch_{tab}")()

    def show(self, data: tuple[str, Any]) -> None:
        tab, rows = data
        getattr(self, f"show_{tab}")(rows)

    def fill(self, tab: str, rows: list[tuple[str, tuple]]) -> None:
        """Rows as (key, cells); the cursor stays on its row number."""
        table = self.table(tab)
        keep = table.cursor_row
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = f"tab-{tab}"
        self.table(tab).focus()


class Confirm(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="question")
            with Horizontal(classes="keys"):
                yield Label("[b]y[/b] yes   [b]n[/b] no")
        yield Footer(compact=True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def export_folder_default() -> Path:
    from wms_tui import config

    return config.data_dir() / "exports"
