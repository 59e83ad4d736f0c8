"""Purchasing: what to reorder (ordered in one action) and the purchase orders with what came in."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Label

from wms_tui.domain.quantities import display
from wms_tui.services import console_views, desk
from wms_tui.services.console_views import PurchaseRow
from wms_tui.services.inbound.replenishment import PurchaseSuggestion
from wms_tui.ui.console.base import DeskScreen, DeskTable


@dataclass(frozen=True)
class PurchasingData:
    suggestions: list[PurchaseSuggestion]
    orders: list[PurchaseRow]


class PurchasingScreen(DeskScreen):
    TITLE = "Purchasing"
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("o", "order_suggestions", "Order suggestions"),
        Binding("r", "refresh", "Refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Label("Reorder suggestions (available + on order - back ordered below the minimum)", classes="panel-title")
        yield DeskTable(id="suggestions", export_name="reorder-suggestions")
        yield Label("Purchase orders", classes="panel-title")
        yield Input(placeholder="PO number or supplier; Enter searches", id="po-search")
        yield DeskTable(id="purchase-orders", export_name="purchase-orders")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#suggestions", DeskTable).add_columns(
            "sku", "wh", "supplier", "min", "max", "available", "on order", "back ord.", "order")
        self.query_one("#purchase-orders", DeskTable).add_columns(
            "number", "supplier", "wh", "state", "created", "lines", "ordered", "received")
        self.query_one("#suggestions", DeskTable).focus()

    def fetch(self) -> PurchasingData:
        engine = self.app.runtime.engine
        return PurchasingData(console_views.reorder_suggestions(engine),
                              console_views.purchase_orders(engine, search=self.query_one("#po-search", Input).value))

    def show(self, data: PurchasingData) -> None:
        suggestions = self.query_one("#suggestions", DeskTable)
        suggestions.clear()
        for s in data.suggestions:
            suggestions.add_row(s.sku, s.warehouse_code, s.supplier_code or "(none)", *(display(q) for q in (
                s.minimum, s.maximum, s.available, s.on_order, s.back_ordered, s.quantity)))
        orders = self.query_one("#purchase-orders", DeskTable)
        orders.clear()
        for row in data.orders:
            orders.add_row(row.number, row.supplier, row.warehouse, row.state, f"{row.created_at:%Y-%m-%d %H:%M}", row.lines,
                           display(row.ordered), display(row.received), key=row.number)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.reload()
        self.query_one("#purchase-orders", DeskTable).focus()

    def action_search(self) -> None:
        self.query_one("#po-search", Input).focus()

    def action_refresh(self) -> None:
        self.reload()

    def action_order_suggestions(self) -> None:
        self.confirm("Order every suggestion (one purchase order per supplier and warehouse)?",
                     desk.order_reorder_suggestions, self.app.runtime.engine)
