"""The floor screen: status line, one-line instruction, one focused input, the answer, the
key legend. The same screen serves sign-in, the menu and every flow; the terminal service
decides what it shows."""

from __future__ import annotations

import asyncio
import gc
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from drivers.base import DriverStatus, ScanProblem, StatusChange
from drivers.scan import Scan
from wms_tui.config import UI_KEYS
from wms_tui.domain.flows import Expect, Screenful, legend_lines, sign_in_screen
from wms_tui.domain.text import for_screen

log = logging.getLogger(__name__)

# Each binding has an id, so a site can give it other keys in [ui.keys] (the app's keymap).
FUNCTION_KEYS = [
    Binding(UI_KEYS[f"f{n}"], f"function_key({n})", f"F{n}", show=False, priority=True, id=f"f{n}") for n in range(1, 11)
]


# The answer ("What is this?", a long list) scrolls with the keys a handheld has, while the
# input keeps the focus: the scan input uses none of them.
SCROLL_KEYS = [
    Binding(UI_KEYS[binding], f"scroll_body('{binding}')", binding, show=False, priority=True, id=binding)
    for binding in ("scroll_up", "scroll_down", "page_up", "page_down")
]


IDLE = "idle"  # the input queue's item for the terminal's upkeep between inputs (no input itself)


class _OneLayoutPass:
    """A widget whose size (or scrolled content) changed in a layout pass needs no second pass:
    Textual lays the screen out again after every such change (the widget's virtual_size is a
    layout reactive), which here only repeats the first pass a frame later. These widgets'
    children, if any, are arranged in the same pass; scrollbars still follow (_scroll_update)."""

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class Line(_OneLayoutPass, Static):
    """A line (or lines) of the floor screen."""


class Body(_OneLayoutPass, VerticalScroll):
    """The scrolling part: the details of the step."""


class FloorScreen(Screen):
    BINDINGS = [
        *FUNCTION_KEYS,
        *SCROLL_KEYS,
        Binding(UI_KEYS["clear"], "clear_input", "Clear", show=False, priority=True, id="clear"),
    ]

    @dataclass
    class Answered(Message):
        screenful: Screenful
        arrived: float  # monotonic time the input arrived (scan time for scanner input)

    @dataclass
    class Failed(Message):
        text: str
        arrived: float

    def __init__(self) -> None:
        super().__init__()
        self.inputs: queue.SimpleQueue[tuple[str, str | int, float] | None] = queue.SimpleQueue()
        self.outstanding = 0  # inputs taken but not answered yet
        self.texts: dict[str, str] = {}  # what each line shows now
        # A long-lived thread: a thread per scan would cost more than the scan's own work.
        self.input_thread = threading.Thread(target=self.work_inputs, name="floor-inputs", daemon=True)
        self.shown: Screenful | None = None
        # Called with seconds from an input's arrival to its answer on screen (benchmarks).
        self.latency_probe: Callable[[float], None] | None = None

    def compose(self) -> ComposeResult:
        yield Line("", id="status")
        yield Line("", id="banner", classes="hidden")
        yield Line("", id="instruction")
        scan = Input(placeholder="scan or type", id="scan")
        # A steady cursor: a blinking one draws a frame every half second, and an answer ready
        # within a frame's time (1/60 s) after it waited for the next frame (up to 17 ms; ~4% of
        # the bench's scans). The focused input's colours show where scans go.
        scan.cursor_blink = False
        yield scan
        with Body(id="body", can_focus=False):
            yield Line("", id="details")
        yield Line("", id="message")
        yield Line("", id="legend")

    def on_mount(self) -> None:
        # The widgets a scan's answer updates, found once: a query per update costs more than the update.
        self.lines = {line.id: line for line in self.query(Line)}
        self.body = self.query_one(Body)
        self.scan_input = self.query_one("#scan", Input)
        self.input_thread.start()
        self.scan_input.focus()
        self.show(sign_in_screen(), ring=False)

    # -- input -----------------------------------------------------------------------------------

    @on(Input.Submitted, "#scan")
    def typed(self, event: Input.Submitted) -> None:
        value = event.value
        event.input.value = ""
        # Enter alone means something only where scans are counted: it accepts the count.
        if value.strip() or (self.shown is not None and self.shown.counting):
            self.enqueue("text", value, time.monotonic())

    def action_function_key(self, key: int) -> None:
        self.enqueue("key", key, time.monotonic())

    def action_scroll_body(self, how: str) -> None:
        body = self.body
        {"scroll_up": body.scroll_up, "scroll_down": body.scroll_down,
         "page_up": body.scroll_page_up, "page_down": body.scroll_page_down}[how](animate=False)

    def action_clear_input(self) -> None:
        self.scan_input.value = ""

    def driver_event(self, event: object) -> None:
        if isinstance(event, Scan):
            self.enqueue("text", (event.symbology or "") + event.text, event.monotonic)
        elif isinstance(event, StatusChange):
            self.scanner_status(event)
        elif isinstance(event, ScanProblem) and event.kind == "end":
            if self.app.finale:  # a played tour: its last screen says so, after its last input
                self.enqueue("finale", self.app.finale, time.monotonic())
        elif isinstance(event, ScanProblem):
            self.say(f"scanner: {event.message}", ok=False)

    def scanner_status(self, change: StatusChange) -> None:
        banner = self.lines["banner"]
        if change.status in (DriverStatus.DISCONNECTED, DriverStatus.ERROR):
            banner.update(Text(f"SCANNER OFFLINE: {change.message or change.status.value}. Reconnecting; type codes meanwhile"))
            banner.remove_class("hidden")
            self.ring(ok=False)
        elif change.status is DriverStatus.CONNECTED:
            if not banner.has_class("hidden"):
                self.say("scanner connected again", ok=True)
            banner.add_class("hidden")

    def enqueue(self, kind: str, value: str | int, arrived: float) -> None:
        self.outstanding += 1
        self.inputs.put((kind, value, arrived))

    def work_inputs(self) -> None:
        """The input thread: one input at a time, in arrival order, through the terminal
        service (database work off the UI thread); only messages come back."""
        while (item := self.inputs.get()) is not None:
            kind, value, arrived = item
            if kind == IDLE:
                self.app.wait_for_terminal().idle()
                self.app.push_soon()  # what the input posted leaves now, not at the next sync interval
                continue
            try:
                terminal = self.app.wait_for_terminal()
                if kind == "finale":
                    screenful = replace(terminal.current(), message=str(value), ok=True,
                                        details=("picked, packed, shipped:", "sign in to try it", "yourself; Ctrl+Q quits"))
                else:
                    screenful = terminal.submit(value) if kind == "text" else terminal.press(int(value))
            except Exception as exc:  # the terminal service catches its own; this is start-up failing
                log.exception("input failed")
                self.post_message(self.Failed(f"system error, nothing was saved: {exc}", arrived))
                continue
            self.post_message(self.Answered(screenful, arrived))

    def on_floor_screen_answered(self, message: Answered) -> None:
        self.outstanding -= 1
        self.show(message.screenful)
        if self.latency_probe is not None:
            self._probe_after_frame(self.latency_probe, message.arrived)
        # After the frame with the answer (and a probe waiting for it: deferred as the probe is).
        asyncio.get_running_loop().call_soon(self.call_after_refresh, self._while_idle)

    def _while_idle(self) -> None:
        """The answer is on screen and no input waits: the work an input would otherwise stop
        for is done now, while the operator reads it. The terminal's upkeep (see Terminal.idle)
        goes to the input thread; here, the garbage collection due (at the 700th allocation,
        a full pass every 100th time), as the collector's own thresholds decide."""
        if self.outstanding:
            return
        self.inputs.put((IDLE, 0, time.monotonic()))
        counts, thresholds = gc.get_count(), gc.get_threshold()
        gc.collect(max((generation for generation in (1, 2) if counts[generation] >= thresholds[generation]), default=0))

    def _probe_after_frame(self, probe: Callable[[float], None], arrived: float) -> None:
        """Time the answer once a frame shows it. Each updated widget asks for its repaint from
        its own message queue, so the widgets run first (call_soon) and the callback after the
        next refresh then checks that none is still pending (Textual's own flags; its version is
        pinned); if one is, it waits for the frame after."""

        def shown() -> None:
            pending = self._layout_required or self._dirty_widgets or any(
                widget._repaint_required or widget._layout_required for widget in self.walk_children())
            if pending:
                self._probe_after_frame(probe, arrived)
            else:
                probe(time.monotonic() - arrived)

        asyncio.get_running_loop().call_soon(self.call_after_refresh, shown)

    def on_floor_screen_failed(self, message: Failed) -> None:
        self.outstanding -= 1
        self.say(message.text, ok=False)

    def on_unmount(self) -> None:
        self.inputs.put(None)
        self.input_thread.join(timeout=10)

    # -- output ----------------------------------------------------------------------------------

    def show(self, screenful: Screenful, *, ring: bool = True) -> None:
        self.shown = screenful
        self.put("instruction", screenful.instruction)
        self.put("details", "\n".join(screenful.details))
        self.body.scroll_home(animate=False)
        # The reason and what to do first; the scan it refused last, on a line of its own.
        self.say(screenful.message + (f"\nread {screenful.echo}" if screenful.echo else ""), ok=screenful.ok, ring=ring)
        self.update_status()
        self.update_legend()
        self.app.set_counting(screenful.counting)
        if screenful.prints:
            self.app.queue_prints(screenful.prints)
        scan = self.scan_input
        scan.password = screenful.expects is Expect.PIN  # a PIN typed is not shown
        if not scan.has_focus:  # focus() repaints the input even when it has the focus already
            scan.focus()

    def say(self, text: str, *, ok: bool, ring: bool = True) -> None:
        self.put("message", text)
        self.lines["message"].set_class(not ok, "error")
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
        # The document and progress first, then the sync words: on a 20-column handheld the rest
        # may be cut off, but "offline" must still show.
        parts = [shown.status, self.app.sync_text, shown.title, shown.operator or "", self.app.prints_pending_text()]
        self.put("status", " · ".join(part for part in parts if part))

    def update_legend(self) -> None:
        if self.shown is not None:
            self.put("legend", "\n".join(legend_lines(self.shown.actions, self.size.width or 80, self.shown.back)))

    def put(self, widget_id: str, text: str) -> None:
        """Update a line only when it changed, and lay the screen out again only when the line
        needs another height: a layout pass repaints every widget, a repaint only this one."""
        if self.texts.get(widget_id) != text:
            self.texts[widget_id] = text
            widget = self.lines[widget_id]
            # Text, not markup: "[bold]" in an item name shows as typed; for_screen() writes
            # control characters out, so data never drives the terminal, and cuts long lines.
            widget.update(Text(for_screen(text)), layout=False)
            if _height_changed(widget):
                widget.refresh(layout=True)

    def on_resize(self) -> None:
        self.update_legend()


def _height_changed(widget: Static) -> bool:
    """Whether the widget's new content needs another height than the one it was laid out at
    (a widget not laid out yet always does); a minimum height (the message's) counts."""
    content = widget.content_size
    if not content.width:
        return True
    styles = widget.styles
    if not styles.height or not styles.height.is_auto:
        return False  # a fixed height (the status line) stays
    container, viewport = widget.container_size, widget.app.size
    needed = widget.get_content_height(container, viewport, content.width)
    if styles.min_height is not None:
        needed = max(needed, int(styles.min_height.resolve(container, viewport)) - styles.gutter.height)
    return needed != content.height
