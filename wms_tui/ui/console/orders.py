"""The orders desk: the order list (search, status filter, marks for a wave) and an order's page
with every action the sales services offer, each behind a key and a confirmation."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from functools import partial

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static

from wms_tui.domain.errors import WmsError
from wms_tui.domain.outbound import AGING_BUCKETS, BackorderPolicy, OrderStatus
from wms_tui.domain.quantities import display
from wms_tui.services import console_views, desk
from wms_tui.services.console_views import OrderPage, OrderRow
from wms_tui.ui.console.base import (
    DeskHeader,
    DeskScreen,
    DeskTable,
    OneLineTitle,
    TabBar,
    tab_label,
)
from wms_tui.ui.console.forms import NewOrderForm, PaymentForm, ReturnForm

MARK = "*"


def money(value) -> str:
    return f"{value:,.2f}"


@dataclass(frozen=True)
class OrderListing:
    """The orders a search listed, newest first, and whether they are every match."""

    search: str
    status: str | None
    rows: list[OrderRow]
    complete: bool


class OrdersScreen(DeskScreen):
    """The order list, read a page at a time: a search shows the newest matches that fit the
    screen, and the next page loads as the cursor or the scrolling reaches the last row."""

    TITLE = "Orders"
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("n", "new_order", "New order"),
        Binding("space", "mark", "Mark"),
        Binding("c", "confirm_orders", "Confirm"),
        Binding("a", "allocate", "Allocate"),
        Binding("r", "refresh", "Refresh"),
    ]

    @dataclass
    class MoreLoaded(Message):
        listing: OrderListing  # the listing the rows follow
        rows: list[OrderRow]
        last: bool  # no more after them

    def __init__(self) -> None:
        super().__init__()
        self.marked: set[str] = set()
        self.listing: OrderListing | None = None
        self.rows_wanted = 0  # how many rows a reload reads: a page, or as many as were paged to

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Horizontal(classes="filters"):
            yield Input(placeholder="order, customer or SKU; Enter searches", id="search")
            yield Select([(status.value, status.value) for status in OrderStatus], prompt="any status", id="status")
        yield DeskTable(id="list", export_name="orders")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#list", DeskTable).add_columns(" ", "order", "customer", "wh", "created", "state", "status", "lines", "net")
        self.query_one("#list", DeskTable).focus()
        self.rows_wanted = self.page_rows()

    def page_rows(self) -> int:
        """A page: as many rows as the terminal has lines, so a page always fills the table."""
        return max(self.app.size.height, 1)

    def fetch(self) -> OrderListing:
        search, status = self.query_one("#search", Input).value, self.query_one("#status", Select).value
        status = status if isinstance(status, str) else None
        wanted = self.rows_wanted
        rows = console_views.order_list(self.app.runtime.engine, search=search, status=status, limit=wanted)
        return OrderListing(search, status, rows, len(rows) < wanted)

    def show(self, data: OrderListing) -> None:
        self.listing = data
        table = self.query_one("#list", DeskTable)
        table.more_to_load = not data.complete
        table.show_rows(self._cells(data.rows))

    def _cells(self, rows: list[OrderRow]) -> list[tuple[str, tuple]]:
        return [
            (row.number, (MARK if row.number in self.marked else "", row.number, row.customer, row.warehouse,
                          f"{row.created_at:%Y-%m-%d %H:%M}", row.state, row.status, row.lines, money(row.net)))
            for row in rows
        ]

    def on_desk_table_end_reached(self, event: DeskTable.EndReached) -> None:
        if self.listing is not None and not self.listing.complete:
            self.load_more(self.listing, self.page_rows())

    @work(thread=True, exclusive=True, group="more")
    def load_more(self, listing: OrderListing, page: int) -> None:
        try:
            rows = console_views.order_list(self.app.runtime.engine, search=listing.search, status=listing.status,
                                            limit=page, after=listing.rows[-1].number)
        except WmsError as exc:
            self.post_message(self.Outcome(str(exc), False))
        else:
            self.post_message(self.MoreLoaded(listing, rows, len(rows) < page))

    def on_orders_screen_more_loaded(self, message: MoreLoaded) -> None:
        if message.listing is not self.listing:
            return  # a newer read replaced the list the page was read for
        listing = message.listing
        self.listing = OrderListing(listing.search, listing.status, listing.rows + message.rows, message.last)
        self.rows_wanted = max(self.rows_wanted, len(self.listing.rows))
        table = self.query_one("#list", DeskTable)
        table.more_to_load = not self.listing.complete
        table.append_rows(self._cells(message.rows))

    def current(self) -> str | None:
        table = self.query_one("#list", DeskTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def chosen(self) -> list[str]:
        """The marked orders, or the one under the cursor."""
        if self.marked:
            return sorted(self.marked)
        number = self.current()
        return [number] if number else []

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.search_anew()
        self.query_one("#list", DeskTable).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.search_anew()

    def search_anew(self) -> None:
        """Another search: its first page, the cursor on its first row."""
        self.rows_wanted = self.page_rows()
        self.query_one("#list", DeskTable).move_cursor(row=0)
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        open_order(self, event.row_key.value)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_refresh(self) -> None:
        self.reload()

    def action_mark(self) -> None:
        number = self.current()
        if number is None:
            return
        self.marked ^= {number}
        table = self.query_one("#list", DeskTable)
        table.update_cell(number, list(table.columns)[0], MARK if number in self.marked else "")
        table.action_cursor_down()

    def action_new_order(self) -> None:
        def entered(form: NewOrderForm.Entered | None) -> None:
            if form is not None:
                self.act(desk.new_order, self.app.runtime.engine, form.partner, form.warehouse, form.lines,
                         then=partial(open_order, self))

        self.app.push_screen(NewOrderForm(self.app.runtime.settings.terminal.warehouse), entered)

    def action_confirm_orders(self) -> None:
        numbers = self.chosen()
        if numbers:
            self.confirm(f"Confirm {len(numbers)} order(s): {', '.join(numbers[:5])}{' ...' if len(numbers) > 5 else ''}?",
                         desk.confirm, self.app.runtime.engine, numbers, then=self._unmark)

    def action_allocate(self) -> None:
        numbers = self.chosen()
        if numbers:
            self.confirm(f"Allocate {len(numbers)} order(s) (creates their pick tasks)?",
                         desk.allocate, self.app.runtime.engine, numbers, then=self._unmark)

    def _unmark(self, _text: str) -> None:
        self.marked.clear()  # only after success: a refused wave keeps its marks (the reload redraws them)


class OrderScreen(DeskScreen):
    """One order: its lines and everything done for it, and what can be done next."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("c", "do('confirm')", "Confirm"),
        Binding("b", "policy", "Policy"),
        Binding("a", "do('allocate')", "Allocate"),
        Binding("x", "do('cancel')", "Cancel"),
        Binding("o", "do('reopen')", "Reopen"),
        Binding("l", "do('close')", "Close"),
        Binding("i", "do('invoice')", "Invoice"),
        Binding("p", "payment", "Pay"),
        Binding("t", "take_return", "Return"),
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.page: OrderPage | None = None
        self.rows: dict[str, list[tuple]] = {tab: [] for tab in TABS}  # as last read, also for tabs not made yet
        self._read_for_opening: OrderPage | None = None  # what `present` was given before the page was first made
        self.tables: dict[str, DeskTable] = {}  # by tab, as they are made
        self._skip_reload = False

    def present(self, page: OrderPage) -> None:
        """Show an order read a moment ago (open_order): drawn once, with its figures, and not
        read again as the page appears."""
        self.number = page.number
        self._loads_started += 1  # the page given is this screen's latest read: older ones never replace it
        self._loads_answered = self._load_shown = self._loads_started
        if self.is_mounted:
            self.action_show_tab("lines")
            self.show(page)
        else:
            self._read_for_opening = page
        if self.app.screen is not self:
            self._skip_reload = True  # the read as it is shown (DeskScreen.on_screen_resume)
            if self.is_mounted:
                self._push_once_told()
            else:
                self.app.push_screen(self)

    def _push_once_told(self) -> None:
        """Shown once each widget `show` changed has told the page what to redraw, which a
        widget does when it next goes idle: the page is then drawn once with all of them.
        Pushed at once, it was drawn before some had told, and again a frame later."""
        changed = [self.query_one(OneLineTitle), self.query_one("#summary"), self.query_one(TabBar), *self.tables.values()]
        waiting = set(changed)

        def told(widget: Widget) -> None:
            waiting.discard(widget)
            if not waiting and self.app.screen is not self:
                self.app.push_screen(self)

        for widget in changed:
            widget.call_next(told, widget)

    def reload(self) -> None:
        if self._skip_reload:
            self._skip_reload = False
            return
        super().reload()

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(id="summary")
        # One line of tabs over the shown tab's table, not a TabbedContent: the page is
        # restyled whole each time it is shown, and Textual's tabs are some twenty widgets.
        # Only the lines' table is made now, the others when their tab is first shown.
        yield TabBar(id="tabs")
        yield self._table("lines")
        yield from self.compose_footer()

    def _table(self, tab: str) -> DeskTable:
        table = self.tables[tab] = DeskTable(id=tab, classes="tab-table")
        table.add_columns(*TABS[tab])
        self._fill(table, tab)
        return table

    def _fill(self, table: DeskTable, tab: str) -> None:
        table.export_name = f"{self.number.replace('/', '-')}-{tab}"
        table.show_rows([(None, cells) for cells in self.rows[tab]])

    def action_show_tab_number(self, number: int) -> None:
        if number <= len(TABS):
            self.action_show_tab(list(TABS)[number - 1])

    def action_show_tab(self, tab: str) -> None:
        """The tab's table in place of the one shown (made on its first showing), focused."""
        table = self.tables.get(tab)
        if table is None:
            table = self._table(tab)
            self.mount(table, after=self.tables["lines"])
        for other in self.tables.values():
            other.display = other is table
        table.focus()
        self.query_one(TabBar).show_tabs(self._labels(), tab)

    def _labels(self) -> dict[str, str]:
        return {tab: tab_label(number, f"{tab.capitalize()} {len(self.rows[tab])}") for number, tab in enumerate(TABS, 1)}

    def on_mount(self) -> None:
        self.query_one("#lines", DeskTable).focus()
        self.query_one(TabBar).show_tabs(self._labels(), "lines")
        if self._read_for_opening is not None:
            self.show(self._read_for_opening)
            self._read_for_opening = None
        # The page is made once and kept (open_order), as is the list it was opened from: both
        # kept out of the collector's full passes (see ConsoleApp.on_mount), which otherwise
        # walk them again and again, ~45 ms a pass, a pass every 20 or so orders opened.
        gc.freeze()

    def fetch(self) -> OrderPage:
        return console_views.order_page(self.app.runtime.engine, self.number)

    def show(self, page: OrderPage) -> None:
        self.page = page
        self.title = f"Order {page.number}"
        self.query_one(DeskHeader).retitle()
        # Two lines whatever the order (who and where it stands; its policy and dates), so the
        # page keeps its shape from one order to the next: a summary of another height moves
        # the tables, and Textual then lays the page out a second time, in a frame of its own.
        # The order's words go in as $variables: a name or number with "[" in it is text, not markup.
        self._summarise(Content.from_markup(
            "[b]$number[/b]  $customer $name  ·  $warehouse  ·  [b]$status[/b] ($state)\n"
            f"back orders: $policy  ·  entered {page.created_at:%Y-%m-%d %H:%M}"
            + (f"  ·  confirmed {page.confirmed_at:%Y-%m-%d %H:%M}" if page.confirmed_at else ""),
            number=page.number, customer=page.customer, name=page.customer_name, warehouse=page.warehouse,
            status=str(page.status), state=str(page.state), policy=str(page.policy),
        ))
        self.rows = {
            "lines": [
                (line.sku, line.name, *(display(q) for q in (line.quantity, line.committed, line.backordered, line.cancelled,
                                                            line.picked, line.packed, line.shipped, line.invoiced, line.returned)),
                 money(line.unit_price))
                for line in page.lines
            ],
            "tasks": [(t.task_id, t.kind, t.state, t.location, t.sku, display(t.quantity), display(t.done), t.assignee) for t in page.tasks],
            "containers": [(c.code, c.state, display(c.weight_kg) if c.weight_kg is not None else "", c.shipment) for c in page.containers],
            "shipments": [(s.number, s.carrier, s.tracking_number, f"{s.shipped_at:%Y-%m-%d %H:%M}") for s in page.shipments],
            "invoices": [(i.number, str(i.issued_on), str(i.due_on), money(i.total), money(i.paid), i.payment_status) for i in page.invoices],
            "payments": [(p.invoice, money(p.amount), str(p.paid_on), p.reference, p.state) for p in page.payments],
            "returns": [(r.return_number, r.sku, display(r.quantity), r.condition, r.disposition, r.credit_note) for r in page.returns],
        }
        for tab, table in self.tables.items():
            self._fill(table, tab)
        bar = self.query_one(TabBar)
        bar.show_tabs(self._labels(), bar.active)

    def _summarise(self, summary: Content) -> None:
        """The summary in place of the last order's; the page is laid out again only when it
        takes another number of lines (laying it out is a second drawing of the page)."""
        shown = self.query_one("#summary", Static)
        width, height = shown.content_size
        shown.update(summary, layout=not width or summary.get_height(shown.styles, width) != height)

    def action_refresh(self) -> None:
        self.reload()

    def action_do(self, what: str) -> None:
        engine = self.app.runtime.engine
        question, action, args = {
            "confirm": ("Confirm this order (commits stock by its back-order policy)?", desk.confirm, ([self.number],)),
            "allocate": ("Allocate this order (creates its pick tasks)?", desk.allocate, ([self.number],)),
            "cancel": ("Cancel this order?", desk.cancel, (self.number,)),
            "reopen": ("Re-open this order? Its moves are reversed; invoices, payments and containers are voided.",
                       desk.reopen, (self.app.posting_context(), self.number)),
            "close": ("Close this order?", desk.close, (self.number,)),
            "invoice": ("Invoice what was shipped and not yet invoiced?", desk.invoice, (self.number,)),
        }[what]
        self.confirm(f"{self.number}: {question}", action, engine, *args)

    def action_policy(self) -> None:
        if self.page is None:
            return
        choices = ", ".join(policy.value for policy in BackorderPolicy)
        self.ask(f"{self.number}: back-order policy (empty: the customer's)", [("policy", choices, self.page.policy)],
                 lambda form: self.act(desk.set_policy, self.app.runtime.engine, self.number, form["policy"]))

    def action_payment(self) -> None:
        if self.page is None:
            return
        if not self.page.open_invoices:
            self.say(f"{self.number} has no open invoice to pay", ok=False)
            return

        def entered(form: PaymentForm.Entered | None) -> None:
            if form is not None:
                self.act(desk.record_payment, self.app.runtime.engine, form.invoice, form.amount, form.reference)

        self.app.push_screen(PaymentForm(self.page.open_invoices), entered)

    def action_take_return(self) -> None:
        if self.page is None:
            return
        shipped = [line for line in self.page.lines if line.shipped > line.returned]
        if not shipped:
            self.say(f"nothing shipped on {self.number} is left to return", ok=False)
            return

        def entered(request: desk.ReturnRequest | None) -> None:
            if request is not None:
                self.act(partial(desk.take_return, self.app.runtime.engine, self.app.posting_context(), self.number), request)

        self.app.push_screen(ReturnForm(shipped), entered)


# The order page, made once and shown again for each order opened: making its widgets was
# most of the time an order took to open.
ORDER_PAGE = "order"


def open_order(opener: DeskScreen, number: str) -> None:
    """Read the order in a thread, then show it on the order page (a refusal, such as an order
    that is not there, on the screen it was opened from)."""
    app = opener.app
    if not app.is_screen_installed(ORDER_PAGE):
        app.install_screen(OrderScreen(number), ORDER_PAGE)
    page = app.get_screen(ORDER_PAGE)

    def read() -> None:
        try:
            found = console_views.order_page(app.runtime.engine, number)
        except WmsError as exc:
            app.call_from_thread(opener.say, str(exc), False)
        else:
            app.call_from_thread(page.present, found)

    app.run_worker(read, thread=True, exclusive=True, group="open-order")


TABS = {
    "lines": ("sku", "item", "ordered", "committed", "back ord.", "cancelled", "picked", "packed", "shipped", "invoiced",
              "returned", "price"),
    "tasks": ("task", "kind", "state", "location", "sku", "quantity", "done", "operator"),
    "containers": ("container", "state", "kg", "shipment"),
    "shipments": ("shipment", "carrier", "tracking", "shipped"),
    "invoices": ("invoice", "issued", "due", "total", "paid", "status"),
    "payments": ("invoice", "amount", "paid on", "reference", "state"),
    "returns": ("return", "sku", "quantity", "condition", "disposition", "credit note"),
}


class AgingScreen(DeskScreen):
    """Unpaid invoices per customer by how late they are."""

    TITLE = "Receivables aging"
    BINDINGS = [Binding("r", "refresh", "Refresh")]

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield DeskTable(id="aging", export_name="aging")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#aging", DeskTable).focus()

    def action_refresh(self) -> None:
        self.reload()

    def fetch(self):
        return console_views.aging(self.app.runtime.engine)

    def show(self, rows) -> None:
        table = self.query_one("#aging", DeskTable)
        table.clear(columns=True)
        buckets = list(AGING_BUCKETS)
        table.add_columns("customer", *buckets, "total")
        for row in rows:
            table.add_row(row.customer_code, *(money(row.buckets[b]) for b in buckets), money(row.total), key=row.customer_code)
        if not rows:
            self.say("no unpaid invoices", ok=True)
