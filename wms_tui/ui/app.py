"""The wms-tui terminal app. At this stage: stock lookup by scanned or typed barcode."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static

from wms_tui.domain.errors import WmsError
from wms_tui.domain.quantities import display
from wms_tui.runtime import Runtime
from wms_tui.services.lookup import LookupResult, lookup_code


def render_result(result: LookupResult, width: int) -> str:
    """Plain lines that fit the screen: two columns on a handheld, a table on a dock station."""
    lines = [f"[b]{result.kind.upper()}[/b] {result.code}", result.title, *result.details]
    if not result.lines:
        lines.append("no stock")
    narrow = width < 40
    for line in result.lines:
        lot = f" {line.lot}" if line.lot else ""
        if narrow:
            lines.append(f"{line.place}{lot}")
            lines.append(f"  {display(line.on_hand)} ({display(line.available)} free)")
        else:
            expiry = f" exp {line.expiry}" if line.expiry else ""
            lines.append(f"{line.place:<24}{lot}{expiry}  on hand {display(line.on_hand)}  free {display(line.available)}")
    return "\n".join(lines)


class WmsApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "wms-tui"
    BINDINGS = [
        Binding("f10", "quit", "Quit", priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("escape", "clear", "Clear", priority=True),
    ]

    @dataclass
    class LookupDone(Message):
        scanned: str
        result: LookupResult | None
        error: str | None

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime

    def compose(self) -> ComposeResult:
        yield Static("Scan item, bin or lot", id="instruction")
        yield Input(placeholder="scan or type", id="scan")
        with VerticalScroll(id="result"):
            yield Static("", id="result-text")
        yield Static(f"{self.runtime.settings.terminal.id} · ready", id="status")
        yield Static("F10 quit Esc clear", id="legend")

    def on_mount(self) -> None:
        self.query_one("#scan", Input).focus()

    @on(Input.Submitted, "#scan")
    def scanned(self, event: Input.Submitted) -> None:
        code = event.value.strip()
        event.input.value = ""
        if code:
            self.set_status(f"looking up {code}…")
            self.run_lookup(code)

    @work(thread=True, exclusive=True, group="lookup")
    def run_lookup(self, code: str) -> None:
        # Database work stays off the UI thread; the result comes back as a message.
        try:
            result = lookup_code(self.runtime.engine, code, warehouse_code=self.runtime.settings.terminal.warehouse)
            self.post_message(self.LookupDone(code, result, None))
        except WmsError as exc:
            self.post_message(self.LookupDone(code, None, str(exc)))

    def on_wms_app_lookup_done(self, message: LookupDone) -> None:
        text = self.query_one("#result-text", Static)
        if message.error:
            self.bell()
            self.bell()
            text.update("")
            self.set_status(message.error, error=True)
        else:
            self.bell()
            text.update(render_result(message.result, self.size.width))
            self.set_status(f"{message.result.kind} {message.result.code}")
        self.query_one("#scan", Input).focus()

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "error")

    def action_clear(self) -> None:
        self.query_one("#result-text", Static).update("")
        self.set_status("ready")
        self.query_one("#scan", Input).focus()
