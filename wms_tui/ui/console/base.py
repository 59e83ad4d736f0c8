"""What every console screen shares: loading in a thread worker, actions through the desk
services with the refusal in a red line, confirmation, and tables that sort, filter and export CSV.

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

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.message import Message
from textual.render import measure
from textual.screen import ModalScreen, Screen
from textual.strip import Strip
from textual.widgets import DataTable, Footer, Header, Input, Label, Static, TabbedContent, TabPane
from textual.widgets._header import HeaderTitle
from textual.widgets.data_table import RowKey

from wms_tui.domain.errors import WmsError


class Said(Static):
    """The outcome of the last action: green when done, red with the reason when refused."""

    def show(self, text: str, ok: bool) -> None:
        self.update(text)
        self.set_class(not ok, "-refused")
        self.set_class(ok, "-done")


class OneLineTitle(HeaderTitle):
    """The header's title: one line as wide as the header whatever it says, so a new title is
    redrawn in place (Textual's lays the whole screen out again for it), and the same title
    again (the header's watcher after a screen set it itself, `DeskHeader.retitle`) redraws
    nothing."""

    def update(self, content="", *, layout: bool = False) -> None:
        if content != self.content:
            super().update(content, layout=False)


class DeskHeader(Header):
    """Textual's header with the title that never changes the layout."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield OneLineTitle() if type(widget) is HeaderTitle else widget

    def retitle(self) -> None:
        """The screen's title shown now, not when Textual's watcher of the title runs."""
        self.query_one(OneLineTitle).update(self.format_title())


class DeskFooter(Footer):
    """The footer, remade only when the keys it shows changed. Textual's remakes its keys on
    every bindings signal, and opening a page sends several with the same keys (the screen
    shown, a table focused, tabs activated, the data arrived).

    Remade before the screen is next drawn, not after (Textual's): a screen's first keys were
    made after its first frame, and laid out in a frame of their own; on a page shown and left
    at once (the first order opened), only when it was next shown, a second frame of that one."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: list[tuple] | None = None
        self._remaking = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen and not self._remaking:
            self._remaking = True  # once for the signals sent together, with the keys as they end up
            self.call_later(self._remake)

    async def _remake(self) -> None:
        self._remaking = False
        keys = [(binding.key, binding.action, binding.description, enabled, tooltip)
                for _, binding, enabled, tooltip in self.screen.active_bindings.values() if binding.show]
        if keys != self._shown:
            self._shown = keys
            await self.recompose()


class DeskTable(DataTable):
    """A table that sorts (s: by the first column, again the other way, then by the next
    column; or a click on a column's header), filters (ctrl+f: the rows with a cell containing
    the text) and exports CSV. The sort and the filter stay when the screen reloads the rows."""

    BINDINGS = [
        Binding("s", "sort_column", "Sort"),
        Binding("ctrl+f", "filter", "Filter"),
        Binding("e", "export_csv", "CSV"),
    ]

    @dataclass
    class EndReached(Message):
        """The cursor reached the last row, or the rows were scrolled to the end, while the
        screen has more rows to load (`more_to_load`): asked once until rows are added."""

        table: DeskTable

    def __init__(self, *args, export_name: str = "table", **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        self.export_name = export_name
        self.filter_text = ""
        self.more_to_load = False
        self._asked_for_more = False
        self._filling = False
        self._sorted: tuple[int, bool] | None = None  # (column index, descending)
        self._all_rows: list[tuple[tuple, Any]] = []  # (cells, key) as given, the filter applied when shown
        self._sort_pending = False
        super().__init__(*args, **kwargs)

    def current_key(self) -> str | None:
        """The key of the row under the cursor (None in an empty table)."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def clear(self, columns: bool = False) -> DeskTable:
        self._all_rows = []
        self._asked_for_more = False
        if columns:
            self._sorted = None
        return super().clear(columns)

    def add_row(self, *cells: Any, height: int | None = 1, key: str | None = None, label: Any = None) -> RowKey:
        self._all_rows.append((cells, key))
        if not self._passes(cells):
            return RowKey(key)
        if self._sorted is not None and not self._sort_pending:
            self._sort_pending = True
            self.call_later(self._apply_sort)  # once, after the screen has added every row
        # Text, not str: cells are data, never markup (a "[" in a name stays as typed), and the
        # table need not parse each one as markup (most of the time 200 rows took to show).
        shown = (Text(cell, end="", no_wrap=True) if isinstance(cell, str) else cell for cell in cells)
        return super().add_row(*shown, height=height, key=key, label=label)

    def _update_dimensions(self, new_rows) -> None:
        # Textual widens the columns for new rows when idle, measuring each cell through the
        # console (its options, the terminal's size asked three times): ~25 ms for a page of
        # the order list, the slowest of its searches. A one-line text's width is its length:
        # rows without a label or a height of their own are measured so, Textual then sizing
        # the table from the widths.
        rows = [(key, self.rows[key]) for key in new_rows if self._row_locations.get(key) is not None]
        if any(row.label is not None or row.auto_height for _, row in rows):
            super()._update_dimensions(new_rows)
        else:
            columns = self.ordered_columns
            for key, _ in rows:
                _, cells = self._get_row_renderables(self._row_locations.get(key))
                for column, cell in zip(columns, cells, strict=False):
                    column.content_width = max(column.content_width, _cell_width(self.app.console, cell))
            super()._update_dimensions([])
        # Its cached lines are keyed without the widths: a header drawn before the rows arrived
        # stayed narrow over them (seen on a slow first start). Dropped once the widths are final.
        self._clear_caches()
        # The scrollbars told the new size now: Textual tells them as it next lays the screen
        # out, and a scrollbar told then draws itself again after that frame, in a frame of
        # its own that Textual's timer, late after the long one, gives 17 to 33 ms later (an
        # order page opened with wider columns than the last).
        if self.container_size:
            self._scroll_update(self.virtual_size)

    _drawing_style: Style | None = None  # the table's style while its lines are drawn

    @property
    def rich_style(self) -> Style:
        # Textual asks it once for each line drawn, and it is a walk up the table's ancestors
        # blending their colours: once per drawing of the lines is enough.
        return self._drawing_style if self._drawing_style is not None else super().rich_style

    def render_lines(self, crop: Region) -> list[Strip]:
        self._drawing_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._drawing_style = None

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int, cursor: bool = False,
                     hover: bool = False) -> list[list[Segment]]:
        # Textual draws each cell through Rich (padding, styling, wrapping, cropping: some twenty
        # objects a cell), half the time an order page took to draw. A cell of one line of
        # unstyled text is that text cut or padded to the column, in the cell's style: made so
        # here, in Textual's cache for the cell, and any other cell left to Textual.
        height = self.header_height if row_index == -1 else self.rows[self._row_locations.get_key(row_index)].height
        cell = self._get_row_renderables(row_index).cells[column_index] if column_index >= 0 else None
        padding = self.cell_padding
        if height != 1 or width <= 2 * padding or not _one_plain_line(cell):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._header_row_key if row_index == -1 else self._row_locations.get_key(row_index)
        cache_key = (row_key, self._column_locations.get_key(column_index), base_style, cursor, hover,
                     self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        if cache_key not in self._cell_render_cache:
            fixed = row_index >= 0 and (row_index < self.fixed_rows or column_index < self.fixed_columns)
            component_style, post_style = self._get_styles_to_render_cell(
                row_index == -1, False, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
                self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
            style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style + post_style
            text = " " * padding + set_cell_size(cell.plain, width - 2 * padding) + " " * padding
            self._cell_render_cache[cache_key] = [[Segment(text, style)]]
        return self._cell_render_cache[cache_key]

    def _scroll_update(self, virtual_size: Size) -> None:
        # Textual's, without redrawing the scrollbars each time the rows change: they redraw
        # themselves when what they show changes (their sizes are reactive), and another order's
        # lines, one more or one less, drew the order page a second time a frame later.
        self._refresh_scrollbars()
        width, height = self.container_size
        if self.show_vertical_scrollbar and self.styles.scrollbar_size_vertical:
            self.vertical_scrollbar.window_virtual_size = virtual_size.height
            self.vertical_scrollbar.window_size = height - self.scrollbar_size_horizontal
        if self.show_horizontal_scrollbar and self.styles.scrollbar_size_horizontal:
            self.horizontal_scrollbar.window_virtual_size = virtual_size.width
            self.horizontal_scrollbar.window_size = width - self.scrollbar_size_vertical
        self.scroll_x = self.validate_scroll_x(self.scroll_x)
        self.scroll_y = self.validate_scroll_y(self.scroll_y)

    def show_rows(self, rows: list[tuple[str | None, tuple]]) -> None:
        """Rows as (key, cells) in place of the table's, the cursor kept on its row number; the
        same rows again redraw nothing (a screen that reloads itself mostly reads what it shows)."""
        if [(tuple(cells), key) for key, cells in rows] == self._all_rows:
            return
        keep = self.cursor_row
        self._filling = True  # the cursor passes the last row as each is added: that is no ask for more
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        self._filling = False
        if rows:
            self.move_cursor(row=min(keep, len(rows) - 1))

    def append_rows(self, rows: list[tuple[str | None, tuple]]) -> None:
        """Rows as (key, cells) after the table's (the next page a screen loaded)."""
        self._filling = True
        for key, cells in rows:
            self.add_row(*cells, key=key)
        self._filling = False
        self._asked_for_more = False

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if self.row_count and new.row == self.row_count - 1:
            self._ask_for_more()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new and new >= self.max_scroll_y:
            self._ask_for_more()

    def _ask_for_more(self) -> None:
        if self.more_to_load and not self._asked_for_more and not self._filling:
            self._asked_for_more = True
            self.post_message(self.EndReached(self))

    def _passes(self, cells: tuple) -> bool:
        wanted = self.filter_text.casefold()
        return not wanted or any(wanted in str(cell).casefold() for cell in cells)

    def _apply_sort(self) -> None:
        self._sort_pending = False
        if self._sorted is not None and self._sorted[0] < len(self.columns):
            index, descending = self._sorted
            self.sort(list(self.columns)[index], key=_sort_key, reverse=descending)

    def sort_by(self, index: int, descending: bool) -> None:
        self._sorted = (index, descending)
        self._apply_sort()
        name = str(list(self.columns.values())[index].label)
        self.screen.say(f"sorted by {name}{' (descending)' if descending else ''}", ok=True)

    def action_sort_column(self) -> None:
        if not self.columns:
            return
        index, descending = self._sorted or (-1, True)
        if descending:
            self.sort_by((index + 1) % len(self.columns), False)
        else:
            self.sort_by(index, True)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(event.column_index, self._sorted == (event.column_index, False))

    def action_filter(self) -> None:
        self.screen.ask("Show the rows with a cell containing (empty: every row)",
                        [("filter", "text", self.filter_text)], lambda form: self.filter_rows(form["filter"]))

    def filter_rows(self, text: str) -> None:
        self.filter_text = text.strip()
        rows = self._all_rows
        super().clear()
        self._all_rows = []
        for cells, key in rows:
            self.add_row(*cells, key=key)
        shown = f"{self.row_count} of {len(rows)} row(s) contain {self.filter_text!r}" if self.filter_text else f"{len(rows)} row(s)"
        self.screen.say(shown, ok=True)

    def action_export_csv(self) -> None:
        folder = self.app.export_folder
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.export_name}-{datetime.now():%Y%m%d-%H%M%S}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(str(column.label) for column in self.columns.values())
            for row in self.ordered_rows:  # as shown: sorted and filtered
                writer.writerow(str(cell) for cell in self.get_row(row.key))
        self.screen.say(f"{len(self.rows)} row(s) exported to {path}", ok=True)


def _one_plain_line(cell: Any) -> bool:
    """A cell Textual would draw as its text alone: one line, no style, left-aligned, no tab."""
    return (isinstance(cell, Text) and not cell.spans and not cell.style and cell.justify in (None, "default", "left")
            and cell.overflow in (None, "fold", "crop") and "\n" not in cell.plain and "\t" not in cell.plain)


def _cell_width(console, cell) -> int:
    """What textual.render.measure gives for a cell, without asking the console for a text."""
    if isinstance(cell, Text):
        return max((cell_len(line) for line in cell.plain.splitlines()), default=0)
    return measure(console, cell, 1)


def _sort_key(value: Any) -> tuple:
    """Numbers sort as numbers, text as text, whatever a column mixes."""
    text = str(value)
    try:
        return (0, float(text.replace(",", "")), "")
    except ValueError:
        return (1, 0.0, text.lower())


def tab_label(number: int, label: str) -> str:
    """A tab's label says the digit that shows it."""
    return f"{number} {label}"


class TabBar(Static):
    """Tabs as one line of labels, the active one highlighted; a click on one shows it (the
    screen's `action_show_tab`). One widget, where Textual's Tabs are one per tab and more."""

    active = ""

    def show_tabs(self, labels: dict[str, str], active: str) -> None:
        """Labels by tab, and which one is shown; the line is redrawn only when they changed."""
        line = "  ".join(
            f"[@click=screen.show_tab({tab!r})]{f'[b reverse] {label} [/]' if tab == active else f' {label} '}[/]"
            for tab, label in labels.items()
        )
        self.active = active
        if line != self.content:
            self.update(line, layout=False)  # one line as wide as the screen (console.tcss)


class DeskScreen(Screen):
    """A console screen: `fetch` (thread) -> `show` (UI thread); `act` runs a desk action.
    Digits show the screen's tabs, when it has some (their labels say which digit)."""

    BINDINGS = [Binding(str(number), f"show_tab_number({number})", show=False) for number in range(1, 10)]

    @dataclass
    class Loaded(Message):
        data: Any
        load: int  # which reload read it
        refused: str | None = None  # why the read failed (then there is no data)

    @dataclass
    class Outcome(Message):
        text: str
        ok: bool
        then: Callable[[Any], None] | None = None  # after a done action, on the UI thread
        result: Any = None  # what the action returned (its line is `text`)

    def compose_header(self) -> ComposeResult:
        yield DeskHeader()

    def compose_footer(self) -> ComposeResult:
        yield Said(id="said")
        yield DeskFooter(compact=True)

    _styled_for: tuple | None = None  # the app's look when the screen was last restyled whole

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual restyles every widget of a screen each time it is shown (its own handler runs
        # after this one: handlers run from the subclass up). A widget's classes and states
        # restyle it as they change, shown or not, so only a change of the app's look while
        # the screen was hidden (theme or CSS, colour mode, terminal focus) needs that pass: it
        # was a third of the time an order page took to show.
        look = (self.app._css_update_count, self.app.ansi_color, self.app.app_focus)
        event.refresh_styles = event.refresh_styles and look != self._styled_for
        self._styled_for = look
        # Also the first read: Textual resumes a screen as it is first shown (mounting too
        # would read it twice).
        self.reload()

    def fetch(self) -> Any:  # runs in a thread worker
        raise NotImplementedError

    def show(self, data: Any) -> None:  # runs on the UI thread
        raise NotImplementedError

    _loads_started = 0
    _loads_answered = 0
    _load_shown = 0

    @property
    def loading(self) -> bool:
        """The screen's first read has not started yet, or its latest read has not come back."""
        return self._loads_started == 0 or self._loads_answered < self._loads_started

    def reload(self) -> None:
        self._loads_started += 1
        self._load(self._loads_started)

    @work(thread=True, exclusive=True, group="load")
    def _load(self, load: int) -> None:
        try:
            self.post_message(self.Loaded(self.fetch(), load))
        except WmsError as exc:
            self.post_message(self.Loaded(None, load, refused=str(exc)))

    def on_desk_screen_loaded(self, message: Loaded) -> None:
        message.stop()
        self._loads_answered = max(self._loads_answered, message.load)
        if message.refused is not None:
            self.say(message.refused, False)
            return
        # A read never replaces a newer one already shown: a reload started before an action
        # (the form closing) may finish after the one started once the action committed.
        if message.load < self._load_shown:
            return
        self._load_shown = message.load
        self.show(message.data)

    @work(thread=True, group="action")
    def act(self, action: Callable[..., Any], *args: Any, then: Callable[[Any], None] | None = None) -> None:
        """Run a desk action; its line (what it returned, as text) or the refusal shows, then
        the screen reloads and `then` gets the action's result."""
        try:
            result = action(*args)
            self.post_message(self.Outcome(str(result), True, then, result))
        except WmsError as exc:
            self.post_message(self.Outcome(str(exc), False))

    def on_desk_screen_outcome(self, message: Outcome) -> None:
        message.stop()
        self.say(message.text, message.ok)
        if message.ok:
            self.reload()
            if message.then is not None:
                message.then(message.result)

    def say(self, text: str, ok: bool) -> None:
        self.query_one(Said).show(text, ok)

    def action_show_tab_number(self, number: int) -> None:
        panes = list(self.query(TabPane))
        if number <= len(panes):
            self.query_one(TabbedContent).active = panes[number - 1].id
            panes[number - 1].query_one(DeskTable).focus()

    def confirm(self, question: str, action: Callable[..., Any], *args: Any, then: Callable[[Any], None] | None = None) -> None:
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
            for number, (tab, (label, _)) in enumerate(self.TABS.items(), 1):
                with TabPane(tab_label(number, label), id=f"tab-{tab}"):
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
        self.table(tab).show_rows(rows)

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


# Fields of an Ask form whose typing is not shown.
SECRET_FIELDS = frozenset({"pin"})


class Ask(ModalScreen["dict[str, str] | None"]):
    """A few typed fields (name, label, value given): what each desk action needs to be told.
    Enter on the last field or Ctrl+S hands them over as typed."""

    BINDINGS = [Binding("ctrl+s", "save", "Go"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, fields: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.heading = title
        self.fields = fields

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(self.heading, classes="panel-title")
            for name, label, value in self.fields:
                yield Label(label, classes="ask-label")
                yield Input(value, placeholder=label, id=f"ask-{name}", password=name in SECRET_FIELDS)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(f"#ask-{self.fields[0][0]}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == f"ask-{self.fields[-1][0]}":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        self.dismiss({name: self.query_one(f"#ask-{name}", Input).value for name, _, _ in self.fields})

    def action_cancel(self) -> None:
        self.dismiss(None)


def export_folder_default() -> Path:
    from wms_tui import config

    return config.data_dir() / "exports"
