"""The inventory desk: stock by item, location or lot; an item's moves; valuation; transfers;
kits; count differences to approve or reject; pick-face refills; scrap."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Select

from wms_tui.domain.quantities import display
from wms_tui.domain.states import ExceptionKind, Resolution
from wms_tui.services.desks import exceptions, inventory
from wms_tui.services.desks.inventory import ItemHistory, StockGrouping, StockLine
from wms_tui.services.inbound.transfers import TransferLineInput
from wms_tui.ui.console.base import TabbedDeskScreen


def quantity(value) -> str:
    return "" if value is None else display(value)


class InventoryScreen(TabbedDeskScreen):
    TITLE = "Inventory"
    TABS = {
        "stock": ("Stock", ("sku", "item", "wh", "location", "lot", "expiry", "on hand", "committed", "available", "on order",
                            "back ord.", "in transit")),
        "history": ("History", ("when", "operator", "terminal", "document", "reason", "from", "to", "quantity", "lot")),
        "valuation": ("Valuation", ("group", "location", "value")),
        "transfers": ("Transfers", ("transfer", "state", "from", "to", "created", "lines", "quantity", "received", "items")),
        "kits": ("Kits", ("kit", "item", "components")),
        "counts": ("Count differences", ("count", "location", "sku", "lot", "ledger", "counted", "difference", "threshold", "by")),
        "faces": ("Pick faces", ("sku", "pick face", "min", "max", "at face", "refills queued", "below min")),
    }
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("g", "grouping", "Group by"),
        Binding("h", "history", "History"),
        Binding("x", "scrap", "Scrap"),
        Binding("t", "new_transfer", "New transfer"),
        Binding("p", "ship_transfer", "Ship"),
        Binding("v", "receive_transfer", "Receive"),
        Binding("b", "build", "Build"),
        Binding("u", "unbuild", "Unbuild"),
        Binding("a", "decide('approved')", "Approve"),
        Binding("j", "decide('rejected')", "Reject"),
        Binding("f", "plan_refills", "Plan refills"),
        Binding("r", "refresh", "Refresh"),
    ]
    ACTION_TABS = {
        "search": ("stock",), "grouping": ("stock",), "history": ("stock",), "scrap": ("stock",),
        "new_transfer": ("transfers", "stock"), "ship_transfer": ("transfers",), "receive_transfer": ("transfers",),
        "build": ("kits",), "unbuild": ("kits",), "decide": ("counts",), "plan_refills": ("faces",),
    }

    def __init__(self) -> None:
        super().__init__()
        self.stock_rows: list[StockLine] = []
        self.history_sku = ""

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Horizontal(classes="filters"):
            yield Input(placeholder="SKU, item, lot or bin; Enter searches", id="search")
            yield Select([(grouping.value, grouping.value) for grouping in StockGrouping], value=StockGrouping.ITEM.value,
                         allow_blank=False, id="grouping")
            yield Input(placeholder="warehouse (all)", id="warehouse")
        yield from self.compose_tabs()
        yield from self.compose_footer()

    def on_mount(self) -> None:  # TabbedDeskScreen.on_mount adds the columns first
        self.table("stock").focus()

    @property
    def warehouse(self) -> str:
        return self.query_one("#warehouse", Input).value.strip() or self.app.runtime.settings.terminal.warehouse

    # -- reading -----------------------------------------------------------------------------

    def fetch_stock(self) -> list[StockLine]:
        return inventory.stock(self.app.runtime.engine, by=self.query_one("#grouping", Select).value,
                               search=self.query_one("#search", Input).value, warehouse=self.query_one("#warehouse", Input).value)

    def show_stock(self, rows: list[StockLine]) -> None:
        self.stock_rows = rows
        self.fill("stock", [
            (str(number), (row.sku, row.name, row.warehouse, row.location, row.lot, str(row.expiry or ""), display(row.on_hand),
                           display(row.committed), display(row.available), quantity(row.on_order), quantity(row.back_ordered),
                           quantity(row.in_transit)))
            for number, row in enumerate(rows)
        ])

    def fetch_history(self) -> ItemHistory | None:
        return inventory.item_history(self.app.runtime.engine, self.history_sku) if self.history_sku else None

    def show_history(self, history: ItemHistory | None) -> None:
        if history is None:
            self.say("choose an item on the Stock tab and press h for its moves", ok=True)
            return
        self.query_one("#tabs").get_tab("tab-history").label = f"History {history.sku}"
        self.fill("history", [
            (str(number), (f"{move.at:%Y-%m-%d %H:%M}", move.operator, move.terminal, move.document,
                           move.reason + (" (reversal)" if move.reverses else ""), move.source, move.target,
                           display(move.quantity), move.lot))
            for number, move in enumerate(history.moves)
        ])

    def fetch_valuation(self):
        return inventory.valuation(self.app.runtime.engine)

    def show_valuation(self, valuation) -> None:
        rows = [(f"{line.group}/{line.name}", (line.group.value, line.name, f"{line.value:,.2f}")) for line in valuation.lines]
        rows += [(f"total {group}", (group.value, "subtotal", f"{value:,.2f}")) for group, value in valuation.groups.items()]
        rows.append(("total", ("", "total", f"{valuation.total:,.2f}")))
        self.fill("valuation", rows)

    def fetch_transfers(self):
        return inventory.transfer_list(self.app.runtime.engine)

    def show_transfers(self, rows) -> None:
        self.fill("transfers", [
            (row.number, (row.number, row.state, row.source, row.destination, f"{row.created_at:%Y-%m-%d %H:%M}", row.lines,
                          display(row.quantity), display(row.received), row.items))
            for row in rows
        ])

    def fetch_kits(self):
        return inventory.kit_list(self.app.runtime.engine)

    def show_kits(self, rows) -> None:
        self.fill("kits", [(row.sku, (row.sku, row.name, row.components)) for row in rows])

    def fetch_counts(self):
        return inventory.count_differences(self.app.runtime.engine)

    def show_counts(self, rows) -> None:
        self.fill("counts", [
            (str(row.line_id), (row.count, row.location, row.sku, row.lot, display(row.expected), display(row.first_count),
                                display(row.difference), display(row.threshold), row.counted_by))
            for row in rows
        ])

    def fetch_faces(self):
        return inventory.pick_faces(self.app.runtime.engine, self.warehouse)

    def show_faces(self, rows) -> None:
        self.fill("faces", [
            (f"{row.sku}@{row.location}", (row.sku, row.location, display(row.minimum), display(row.maximum), display(row.at_face),
                                          display(row.queued), "yes" if row.below_minimum else ""))
            for row in rows
        ])

    # -- keys --------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_show_tab("stock")
        self.reload()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.reload()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_refresh(self) -> None:
        self.reload()

    def action_grouping(self) -> None:
        choices = list(StockGrouping)
        select = self.query_one("#grouping", Select)
        select.value = choices[(choices.index(StockGrouping(select.value)) + 1) % len(choices)].value

    def current_stock(self) -> StockLine | None:
        key = self.table("stock").current_key()
        return self.stock_rows[int(key)] if key is not None and int(key) < len(self.stock_rows) else None

    def action_history(self) -> None:
        row = self.current_stock()
        if row is not None:
            self.history_sku = row.sku
            self.action_show_tab("history")

    def action_scrap(self) -> None:
        row = self.current_stock()
        app = self.app

        def entered(form: dict[str, str]) -> None:
            self.act(inventory.scrap, app.runtime.engine, app.posting_context(), form["sku"], form["location"], form["quantity"],
                     form["reason"], form["lot"])

        self.ask("Scrap (from a bin to Scrap, with the reason)", [
            ("sku", "SKU", row.sku if row else ""), ("location", "bin", row.location if row else ""),
            ("lot", "lot (lot-tracked items)", row.lot if row else ""), ("quantity", "quantity", ""),
            ("reason", "reason (damaged, expired ...)", ""),
        ], entered)

    def action_new_transfer(self) -> None:
        row = self.current_stock() if self.active_tab == "stock" else None
        app = self.app

        def entered(form: dict[str, str]) -> None:
            line = TransferLineInput(form["sku"], form["quantity"], form["location"], form["lot"].strip() or None)
            self.act(inventory.new_transfer, app.runtime.engine, form["source"], form["destination"], line,
                     then=lambda _text: self.action_show_tab("transfers"))

        self.ask("New transfer between warehouses (drafted; p ships it)", [
            ("source", "from warehouse", row.warehouse if row else self.warehouse), ("destination", "to warehouse", ""),
            ("sku", "SKU", row.sku if row else ""), ("location", "from bin", row.location if row else ""),
            ("lot", "lot (lot-tracked items)", row.lot if row else ""), ("quantity", "quantity", ""),
        ], entered)

    def action_ship_transfer(self) -> None:
        number = self.table("transfers").current_key()
        if number:
            self.confirm(f"Ship transfer {number} (its goods go into the destination's Transit)?",
                         inventory.ship_transfer, self.app.runtime.engine, self.app.posting_context(), number)

    def action_receive_transfer(self) -> None:
        number = self.table("transfers").current_key()
        if number:
            self.confirm(f"Receive transfer {number} at its destination?",
                         inventory.receive_transfer, self.app.runtime.engine, self.app.posting_context(), number)

    def _kit_form(self, title: str, action, *, lot: bool) -> None:
        app = self.app
        fields = [("sku", "kit SKU", self.table("kits").current_key() or ""), ("quantity", "kits", ""), ("location", "bin", "")]
        if lot:
            fields.append(("lot", "lot of the kits built (lot-tracked kits)", ""))

        def entered(form: dict[str, str]) -> None:
            self.act(action, app.runtime.engine, app.posting_context(), *(form[name] for name, _, _ in fields))

        self.ask(title, fields, entered)

    def action_build(self) -> None:
        self._kit_form("Build kits (components from the bin, kits into it)", inventory.build_kits, lot=True)

    def action_unbuild(self) -> None:
        self._kit_form("Unbuild kits (kits from the bin, components back into it)", inventory.unbuild_kits, lot=False)

    def action_decide(self, action: str) -> None:
        line = self.table("counts").current_key()
        if line is None:
            return
        question = {Resolution.APPROVED: "Approve this count (its difference posts now, no recount)",
                    Resolution.REJECTED: "Reject this count (the ledger's quantity stays, no recount)"}[Resolution(action)]
        app = self.app

        def approved(form: dict[str, str]) -> None:
            self.act(partial(exceptions.resolve, badge=form["badge"], pin=form["pin"], policy=app.runtime.settings.security),
                     app.runtime.engine, app.posting_context(), ExceptionKind.COUNT_VARIANCE, line, action)

        self.ask_approval(question, [], approved)

    def action_plan_refills(self) -> None:
        self.confirm(f"Plan refills of every pick face in {self.warehouse} below its minimum (creates refill tasks)?",
                     inventory.plan_refills, self.app.runtime.engine, self.warehouse)
