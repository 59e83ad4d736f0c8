"""The floor screen: status line, one-line instruction, one focused input, the answer, the
key legend. The same screen serves sign-in, the menu and every flow; the terminal service
decides what it shows."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from drivers.base import DriverStatus, ScanProblem, StatusChange
from drivers.scan import Scan
from wms_tui.domain.flows import Screenful, legend_lines, sign_in_screen

FUNCTION_KEYS = [
    Binding(f"f{n}", f"function_key({n})", f"F{n}", show=False, priority=True) for n in range(1, 11)
]


class FloorScreen(Screen):
    BINDINGS = [
        *FUNCTION_KEYS,
        Binding("escape", "clear_input", "Clear", show=False, priority=True),
        Binding("ctrl+q", "app.quit", "Quit", show=False, priority=True),
    ]

    @dataclass
    class Answered(Message):
        screenful: Screenful
        arrived: float  # monotonic time the input arrived (scan time for scanner input)

    def __init__(self) -> None:
        super().__init__()
        self.pending: deque[tuple[str, str | int, float]] = deque()
        self.busy = False
        self.shown: Screenful | None = None
        # Called with seconds from an input's arrival to its answer on screen (benchmarks).
        self.latency_probe: Callable[[float], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="status")
        yield Static("", id="banner", classes="hidden")
        yield Static("", id="instruction")
        yield Input(placeholder="scan or type", id="scan")
        with VerticalScroll(id="body", can_focus=False):
            yield Static("", id="details")
        yield Static("", id="message")
        yield Static("", id="legend")

    def on_mount(self) -> None:
        self.query_one("#scan", Input).focus()
        self.show(sign_in_screen(), ring=False)

    # -- input -----------------------------------------------------------------------------------

    @on(Input.Submitted, "#scan")
    def typed(self, event: Input.Submitted) -> None:
        value = event.value
        event.input.value = ""
        if value.strip():
            self.enqueue("text", value, time.monotonic())

    def action_function_key(self, key: int) -> None:
        self.enqueue("key", key, time.monotonic())

    def action_clear_input(self) -> None:
        self.query_one("#scan", Input).value = ""

    def driver_event(self, event: object) -> None:
        if isinstance(event, Scan):
            self.enqueue("text", (event.symbology or "") + event.text, event.monotonic)
        elif isinstance(event, StatusChange):
            self.scanner_status(event)
        elif isinstance(event, ScanProblem) and event.kind != "end":
            self.say(f"scanner: {event.message}", ok=False)

    def scanner_status(self, change: StatusChange) -> None:
        banner = self.query_one("#banner", Static)
        if change.status in (DriverStatus.DISCONNECTED, DriverStatus.ERROR):
            banner.update(Text(f"SCANNER OFFLINE: {change.message or change.status.value}. Reconnecting; type codes meanwhile"))
            banner.remove_class("hidden")
            self.ring(ok=False)
        elif change.status is DriverStatus.CONNECTED:
            if not banner.has_class("hidden"):
                self.say("scanner connected again", ok=True)
            banner.add_class("hidden")

    def enqueue(self, kind: str, value: str | int, arrived: float) -> None:
        self.pending.append((kind, value, arrived))
        if not self.busy:
            self._next()

    def _next(self) -> None:
        if self.pending:
            self.busy = True
            self.process(*self.pending.popleft())

    @work(thread=True, group="floor")
    def process(self, kind: str, value: str | int, arrived: float) -> None:
        # Database work off the UI thread; only a message comes back.
        terminal = self.app.wait_for_terminal()
        screenful = terminal.submit(value) if kind == "text" else terminal.press(int(value))
        self.post_message(self.Answered(screenful, arrived))

    def on_floor_screen_answered(self, message: Answered) -> None:
        self.show(message.screenful)
        if self.latency_probe is not None:
            probe, arrived = self.latency_probe, message.arrived
            self.call_after_refresh(lambda: probe(time.monotonic() - arrived))
        self.busy = False
        self._next()

    # -- output ----------------------------------------------------------------------------------

    def show(self, screenful: Screenful, *, ring: bool = True) -> None:
        self.shown = screenful
        self.query_one("#instruction", Static).update(Text(screenful.instruction))
        self.query_one("#details", Static).update(Text("\n".join(screenful.details)))
        self.say(screenful.message, ok=screenful.ok, ring=ring)
        self.update_status()
        self.update_legend()
        self.app.set_counting(screenful.counting)
        if screenful.prints:
            self.app.queue_prints(screenful.prints)
        self.query_one("#scan", Input).focus()

    def say(self, text: str, *, ok: bool, ring: bool = True) -> None:
        message = self.query_one("#message", Static)
        message.update(Text(text))
        message.set_class(not ok, "error")
        if ring:
            self.ring(ok=ok)

    def ring(self, *, ok: bool) -> None:
        """Success rings once; an error twice, so it is heard without looking."""
        self.app.bell()
        if not ok:
            self.app.bell()

    def update_status(self) -> None:
        shown = self.shown
        if shown is None:
            return
        parts = [shown.title, shown.operator or "", shown.progress, self.app.prints_pending_text()]
        self.query_one("#status", Static).update(Text(" · ".join(part for part in parts if part)))

    def update_legend(self) -> None:
        if self.shown is not None:
            self.query_one("#legend", Static).update(Text("\n".join(legend_lines(self.shown.actions, self.size.width or 80, self.shown.back))))

    def on_resize(self) -> None:
        self.update_legend()
