"""Forms the console asks in a dialog: a new order (with item search), a payment, a return.
A form only collects what was typed; the desk service checks it and says what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, Select

from wms_tui.domain.outbound import ReturnCondition
from wms_tui.domain.quantities import display
from wms_tui.services import console_views, desk
from wms_tui.services.console_views import ItemChoice, PageInvoice, PageLine
from wms_tui.services.outbound.orders import LineInput


class NewOrderForm(ModalScreen["NewOrderForm.Entered | None"]):
    """Customer, warehouse, and lines: type to search items, Enter on one asks its quantity."""

    HEADING = "New order"
    PARTNER = "customer"
    PRICE_HINT = "unit price (default: standard cost)"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save order"),
        Binding("escape", "cancel", "Cancel"),
        Binding("delete", "drop_line", "Drop line", show=False),
    ]

    @dataclass(frozen=True)
    class Entered:
        partner: str
        warehouse: str
        lines: list[LineInput]

    @dataclass
    class Partners(Message):
        choices: list[tuple[str, str]]  # (code, name)

    @dataclass
    class Items(Message):
        choices: list[ItemChoice]

    def __init__(self, warehouse: str) -> None:
        super().__init__()
        self.warehouse = warehouse
        self.lines: list[LineInput] = []
        self.choices: dict[str, ItemChoice] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self.HEADING, classes="panel-title")
            with Horizontal(classes="fields"):
                yield Select([], prompt=self.PARTNER, id=self.PARTNER)
                yield Input(self.warehouse, placeholder="warehouse", id="warehouse")
            yield Input(placeholder="search items by SKU or name", id="item-search")
            yield DataTable(id="items", cursor_type="row")
            with Horizontal(classes="fields"):
                yield Input(placeholder="quantity", id="quantity")
                yield Input(placeholder=self.PRICE_HINT, id="price")
            yield Label("Lines (Delete drops the line under the cursor)")
            yield DataTable(id="lines", cursor_type="row")
            yield Label("", id="form-said", classes="refused")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#items", DataTable).add_columns("sku", "item", "std cost")
        self.query_one("#lines", DataTable).add_columns("sku", "quantity", "price")
        self.load_partners()
        self.query_one(f"#{self.PARTNER}", Select).focus()

    def partner_choices(self) -> list[tuple[str, str]]:  # runs in a thread worker
        return console_views.customer_codes(self.app.runtime.engine)

    def default_price(self, choice: ItemChoice) -> str | None:
        return str(choice.standard_cost)

    @work(thread=True, group="form")
    def load_partners(self) -> None:
        self.post_message(self.Partners(self.partner_choices()))

    @work(thread=True, exclusive=True, group="search")
    def search_items(self, text: str) -> None:
        self.post_message(self.Items(console_views.item_choices(self.app.runtime.engine, text)))

    def on_new_order_form_partners(self, message: Partners) -> None:
        self.query_one(f"#{self.PARTNER}", Select).set_options([(f"{code} {name}", code) for code, name in message.choices])

    def on_new_order_form_items(self, message: Items) -> None:
        table = self.query_one("#items", DataTable)
        table.clear()
        self.choices = {choice.sku: choice for choice in message.choices}
        for choice in message.choices:
            table.add_row(choice.sku, choice.name, f"{choice.standard_cost:,.2f}", key=choice.sku)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "item-search" and event.value.strip():
            self.search_items(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "item-search":
            self.query_one("#items", DataTable).focus()
        elif event.input.id in ("quantity", "price"):
            self.add_line()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "items":
            self.query_one("#quantity", Input).focus()

    def add_line(self) -> None:
        items = self.query_one("#items", DataTable)
        quantity = self.query_one("#quantity", Input)
        price = self.query_one("#price", Input)
        if not items.row_count:
            self.query_one("#form-said", Label).update("search an item first")
            return
        sku = items.coordinate_to_cell_key(items.cursor_coordinate).row_key.value
        unit_price = price.value.strip() or self.default_price(self.choices[sku])
        line = LineInput(sku, quantity.value.strip(), unit_price=unit_price)
        self.lines.append(line)
        self.query_one("#lines", DataTable).add_row(sku, line.quantity, unit_price or "supplier's")
        quantity.value = price.value = ""
        self.query_one("#form-said", Label).update("")
        self.query_one("#item-search", Input).focus()

    def action_drop_line(self) -> None:
        table = self.query_one("#lines", DataTable)
        if table.has_focus and table.row_count:
            del self.lines[table.cursor_row]
            table.remove_row(table.coordinate_to_cell_key(table.cursor_coordinate).row_key)

    def action_save(self) -> None:
        partner = self.query_one(f"#{self.PARTNER}", Select).value
        if not isinstance(partner, str):
            self.query_one("#form-said", Label).update(f"choose the {self.PARTNER}")
            return
        self.dismiss(self.Entered(partner, self.query_one("#warehouse", Input).value, list(self.lines)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PaymentForm(ModalScreen["PaymentForm.Entered | None"]):
    BINDINGS = [Binding("ctrl+s", "save", "Record payment"), Binding("escape", "cancel", "Cancel")]

    @dataclass(frozen=True)
    class Entered:
        invoice: str
        amount: str
        reference: str

    def __init__(self, invoices: list[PageInvoice]) -> None:
        super().__init__()
        self.invoices = {invoice.number: invoice for invoice in invoices}

    def compose(self) -> ComposeResult:
        first = next(iter(self.invoices.values()))
        with Vertical(classes="dialog"):
            yield Label("Record a payment", classes="panel-title")
            yield Select([(f"{n}  open {i.total - i.paid:,.2f}", n) for n, i in self.invoices.items()],
                         value=first.number, allow_blank=False, id="invoice")
            yield Input(f"{first.total - first.paid:.2f}", placeholder="amount", id="amount")
            yield Input(placeholder="reference (bank, cheque ...)", id="reference")
        yield Footer(compact=True)

    def on_select_changed(self, event: Select.Changed) -> None:
        invoice = self.invoices[event.value]
        self.query_one("#amount", Input).value = f"{invoice.total - invoice.paid:.2f}"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        self.dismiss(self.Entered(self.query_one("#invoice", Select).value, self.query_one("#amount", Input).value,
                                  self.query_one("#reference", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReturnForm(ModalScreen["desk.ReturnRequest | None"]):
    """Which shipped item comes back, how many, in what condition, and where it goes."""

    BINDINGS = [Binding("ctrl+s", "save", "Take in return"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, shipped: list[PageLine]) -> None:
        super().__init__()
        self.shipped = shipped

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Take in a return", classes="panel-title")
            yield Select([(f"{line.sku}  {display(line.shipped - line.returned)} returnable", line.sku) for line in self.shipped],
                         value=self.shipped[0].sku, allow_blank=False, id="sku")
            yield Input(placeholder="quantity", id="quantity")
            yield Select([(condition.value, condition.value) for condition in sorted(ReturnCondition)], value=ReturnCondition.GOOD.value,
                         allow_blank=False, id="condition")
            yield Input(placeholder=f"restock into bin (e.g. WH1/STOCK/A-01-1) or {desk.SCRAP}", id="disposition")
            yield Input(placeholder="lot (lot-tracked items)", id="lot")
            yield Checkbox("issue a credit note", value=True, id="credit")
        yield Footer(compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        self.dismiss(desk.ReturnRequest(
            self.query_one("#sku", Select).value,
            self.query_one("#quantity", Input).value,
            self.query_one("#condition", Select).value,
            self.query_one("#disposition", Input).value,
            self.query_one("#lot", Input).value.strip() or None,
            self.query_one("#credit", Checkbox).value,
        ))

    def action_cancel(self) -> None:
        self.dismiss(None)
