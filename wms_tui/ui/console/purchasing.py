"""Purchasing: what to reorder (ordered in one action), what buy-to-order sales need bought,
the purchase orders with what came in, and a purchase order's page: its receiving document,
receipts and supplier invoices (the 3-way check, holds and their release)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Label, Static, TabbedContent, TabPane

from wms_tui.domain.quantities import display
from wms_tui.services import console_views, desk
from wms_tui.services.console_views import PurchaseRow
from wms_tui.services.desks import purchasing
from wms_tui.services.desks.purchasing import PurchasePage, Requisition
from wms_tui.services.inbound.invoices import InvoiceLineInput
from wms_tui.services.inbound.replenishment import PurchaseSuggestion
from wms_tui.ui.console.base import DeskScreen, DeskTable, tab_label
from wms_tui.ui.console.forms import NewOrderForm


@dataclass(frozen=True)
class PurchasingData:
    suggestions: list[PurchaseSuggestion]
    requisitions: list[Requisition]
    orders: list[PurchaseRow]


class NewPurchaseForm(NewOrderForm):
    """The order form for a supplier: a line without a price takes the supplier's."""

    HEADING = "New purchase order"
    PARTNER = "supplier"
    PRICE_HINT = "unit price (default: the supplier's)"

    def partner_choices(self) -> list[tuple[str, str]]:
        return purchasing.supplier_codes(self.app.runtime.engine)

    def default_price(self, choice) -> str | None:
        return None


class PurchasingScreen(DeskScreen):
    TITLE = "Purchasing"
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("o", "order_suggestions", "Order suggestions"),
        Binding("b", "order_requisition", "Buy for order"),
        Binding("n", "new_purchase", "New PO"),
        Binding("r", "refresh", "Refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Label("Reorder suggestions (available + on order - back ordered below the minimum)", classes="panel-title")
        yield DeskTable(id="suggestions", export_name="reorder-suggestions")
        yield Label("Buy-to-order requisitions (b orders the one under the cursor)", classes="panel-title")
        yield DeskTable(id="requisitions", export_name="buy-to-order")
        yield Label("Purchase orders (Enter opens one)", classes="panel-title")
        yield Input(placeholder="PO number or supplier; Enter searches", id="po-search")
        yield DeskTable(id="purchase-orders", export_name="purchase-orders")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#suggestions", DeskTable).add_columns(
            "sku", "wh", "supplier", "min", "max", "available", "on order", "back ord.", "order")
        self.query_one("#requisitions", DeskTable).add_columns("sales order", "customer", "sku", "to buy", "supplier")
        self.query_one("#purchase-orders", DeskTable).add_columns(
            "number", "supplier", "wh", "state", "created", "lines", "ordered", "received")
        self.query_one("#suggestions", DeskTable).focus()

    def fetch(self) -> PurchasingData:
        engine = self.app.runtime.engine
        return PurchasingData(purchasing.reorder_suggestions(engine), purchasing.requisitions(engine),
                              console_views.purchase_orders(engine, search=self.query_one("#po-search", Input).value))

    def show(self, data: PurchasingData) -> None:
        suggestions = self.query_one("#suggestions", DeskTable)
        suggestions.clear()
        for s in data.suggestions:
            suggestions.add_row(s.sku, s.warehouse_code, s.supplier_code or "(none)", *(display(q) for q in (
                s.minimum, s.maximum, s.available, s.on_order, s.back_ordered, s.quantity)))
        requisitions = self.query_one("#requisitions", DeskTable)
        requisitions.clear()
        for number, r in enumerate(data.requisitions):
            requisitions.add_row(r.order, r.customer, r.sku, display(r.quantity), r.supplier, key=f"{r.order}#{number}")
        orders = self.query_one("#purchase-orders", DeskTable)
        orders.clear()
        for row in data.orders:
            orders.add_row(row.number, row.supplier, row.warehouse, row.state, f"{row.created_at:%Y-%m-%d %H:%M}", row.lines,
                           display(row.ordered), display(row.received), key=row.number)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.reload()
        self.query_one("#purchase-orders", DeskTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "purchase-orders":
            self.app.push_screen(PurchaseOrderScreen(event.row_key.value))

    def action_search(self) -> None:
        self.query_one("#po-search", Input).focus()

    def action_refresh(self) -> None:
        self.reload()

    def action_order_suggestions(self) -> None:
        self.confirm("Order every suggestion (one purchase order per supplier and warehouse)?",
                     desk.order_reorder_suggestions, self.app.runtime.engine)

    def action_order_requisition(self) -> None:
        key = self.query_one("#requisitions", DeskTable).current_key()
        if key is None:
            self.say("no buy-to-order sales order needs anything bought", ok=True)
            return
        order = key.partition("#")[0]
        self.confirm(f"Buy what {order} needs (one purchase order per supplier, each line tied to its sales line)?",
                     purchasing.order_requisition, self.app.runtime.engine, order)

    def action_new_purchase(self) -> None:
        def entered(form: NewOrderForm.Entered | None) -> None:
            if form is not None:
                self.act(purchasing.new_purchase_order, self.app.runtime.engine, form.partner, form.warehouse, form.lines,
                         then=lambda number: self.app.push_screen(PurchaseOrderScreen(number)))

        self.app.push_screen(NewPurchaseForm(self.app.runtime.settings.terminal.warehouse), entered)


TABS = {
    "po-lines": ("Lines", ("sku", "ordered", "received", "open", "price", "expected")),
    "receiving": ("Receiving document", ("sku", "item", "ordered", "received", "to receive", "expected")),
    "receipts": ("Receipts", ("receipt", "state", "sku", "quantity", "over", "over reason", "operator", "at")),
    "supplier-invoices": ("Supplier invoices", ("invoice", "state", "lines", "total", "hold reasons", "entered")),
}


class PurchaseOrderScreen(DeskScreen):
    """One purchase order: its lines, what the dock sees, what came in, what the supplier billed."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("i", "supplier_invoice", "Supplier invoice"),
        Binding("l", "release", "Release hold"),
        Binding("c", "close_order", "Close"),
        Binding("x", "cancel_order", "Cancel"),
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.page: PurchasePage | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(id="summary")
        with TabbedContent(id="tabs"):
            for number, (tab, (label, _)) in enumerate(TABS.items(), 1):
                with TabPane(tab_label(number, label), id=f"tab-{tab}"):
                    yield DeskTable(id=tab, export_name=f"{self.number}-{tab}")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.title = self.number
        for tab, (_, columns) in TABS.items():
            self.query_one(f"#{tab}", DeskTable).add_columns(*columns)
        self.query_one("#po-lines", DeskTable).focus()

    def fetch(self) -> PurchasePage:
        return purchasing.purchase_page(self.app.runtime.engine, self.number)

    def show(self, page: PurchasePage) -> None:
        self.page = page
        order = page.order
        self.query_one("#summary", Static).update(
            f"[b]{order.number}[/b]  {order.supplier_code} {page.supplier_name}  ·  {order.warehouse_code}  ·  [b]{order.state}[/b]"
            + (f"  ·  [b]{len(page.held)} invoice(s) held[/b]" if page.held else "")
        )
        rows = {
            "po-lines": [(line.sku, display(line.quantity), display(line.received), display(line.open_quantity), f"{line.unit_price:,.2f}",
                          str(line.expected_date or "")) for line in order.lines],
            "receiving": [(line.sku, line.name, display(line.ordered), display(line.received), display(line.to_receive),
                           str(line.expected_date or "")) for line in page.receiving.lines],
            "receipts": [(r.receipt, r.state, r.sku, display(r.quantity), display(r.over) if r.over else "", r.over_reason, r.operator,
                          f"{r.at:%Y-%m-%d %H:%M}") for r in page.receipts],
        }
        for tab, values in rows.items():
            table = self.query_one(f"#{tab}", DeskTable)
            table.clear()
            for value in values:
                table.add_row(*value)
        invoices = self.query_one("#supplier-invoices", DeskTable)
        invoices.clear()
        for invoice in page.invoices:
            invoices.add_row(invoice.number, invoice.state, invoice.lines, f"{invoice.total:,.2f}", invoice.hold_reason,
                             f"{invoice.created_at:%Y-%m-%d %H:%M}", key=invoice.number)

    def action_refresh(self) -> None:
        self.reload()

    def action_close_order(self) -> None:
        self.confirm(f"Close {self.number} (what was not delivered is no longer expected)?",
                     purchasing.close_purchase_order, self.app.runtime.engine, self.number)

    def action_cancel_order(self) -> None:
        self.confirm(f"Cancel {self.number}?", purchasing.cancel_purchase_order, self.app.runtime.engine, self.number)

    def action_supplier_invoice(self) -> None:
        if self.page is None:
            return
        lines = self.page.order.lines
        fields = [("number", "the supplier's invoice number", "")]
        for number, line in enumerate(lines):
            fields += [(f"quantity-{number}", f"{line.sku} quantity billed (empty: not on this invoice)", display(line.received)),
                       (f"price-{number}", f"{line.sku} unit price billed", f"{line.unit_price:.2f}")]

        def entered(form: dict[str, str]) -> None:
            billed = [InvoiceLineInput(line.sku, form[f"quantity-{number}"], form[f"price-{number}"])
                      for number, line in enumerate(lines) if form[f"quantity-{number}"].strip()]
            self.act(purchasing.enter_supplier_invoice, self.app.runtime.engine, self.number, form["number"], billed)

        self.ask(f"Supplier invoice against {self.number} (checked against the order and the receipts)", fields, entered)

    def action_release(self) -> None:
        if self.page is None:
            return
        chosen = self.query_one("#supplier-invoices", DeskTable).current_key()
        held = [invoice.number for invoice in self.page.held]
        invoice = chosen if chosen in held else (held[0] if held else None)
        if invoice is None:
            self.say(f"no supplier invoice of {self.number} is held", ok=False)
            return

        def entered(form: dict[str, str]) -> None:
            self.act(purchasing.release_supplier_invoice, self.app.runtime.engine, self.app.operator, self.number, invoice,
                     form["reason"])

        self.ask(f"Release invoice {invoice} for payment", [("reason", "why it may be paid as billed", "")], entered)
