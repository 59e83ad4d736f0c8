"""The terminal's print station: labels and slips that committed scans asked for are built,
rendered and stored in the durable print queue by one thread, and sent to the terminal's
printer by another, with the queue's back-off while the printer is offline.

No Textual here: the station reports through two callbacks, called from its threads:
`on_change` (the number waiting changed: the app's status line shows "N to print") and `notify`
(a print that can never work, or a printer that did not start: the operator should hear of it).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from sqlalchemy import Engine

from labels import Printer, PrintQueue, load_printers, send
from labels.queue import JobStatus, SendFn
from wms_tui import config
from wms_tui.domain.errors import WmsError
from wms_tui.services.floor.printing import render
from wms_tui.services.floor.terminal import PrintRequest
from wms_tui.store.session import reading

log = logging.getLogger(__name__)

# Retry back-off of an offline printer (the queue doubles it per failed attempt, up to the cap).
RETRY_BASE_S = 2.0
RETRY_CAP_S = 300.0
IDLE_S = 1.0  # the sender looks at the queue at least this often (jobs queued by another process)


class PrintStation:
    def __init__(
        self,
        engine: Engine,
        printer: Printer,
        printers: Mapping[str, Printer],
        queue_path: Path | str,
        *,
        on_change: Callable[[], None] = lambda: None,
        notify: Callable[[str], None] = lambda _text: None,
        sender: SendFn = send,
    ) -> None:
        self.engine = engine
        self.printer = printer
        self.printers = {**printers, printer.name: printer}
        Path(queue_path).parent.mkdir(parents=True, exist_ok=True)
        self.queue = PrintQueue(queue_path, base_delay=RETRY_BASE_S, max_delay=RETRY_CAP_S)
        self.on_change = on_change
        self.notify = notify
        self.sender = sender
        self._requests: queue.Queue[PrintRequest | None] = queue.Queue()
        self._rendering = 0  # requests taken off _requests and not yet in the queue file
        self._waiting = 0  # jobs in the queue file not printed yet, as last counted by a station thread
        self._count_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._reported = -1
        self._threads: list[threading.Thread] = []

    # -- the app's side ----------------------------------------------------------------------------

    def start(self) -> None:
        self.queue.recover()  # jobs cut off mid-send by a crash go again (at-least-once)
        self._threads = [
            threading.Thread(target=self._render_loop, name="print-render", daemon=True),
            threading.Thread(target=self._send_loop, name="print-send", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        self._changed()

    def submit(self, requests: Iterable[PrintRequest]) -> None:
        """Queue requests for rendering; returns at once (the UI thread never renders)."""
        for request in requests:
            with self._count_lock:
                self._rendering += 1
            self._requests.put(request)
        self._changed()

    def pending(self) -> int:
        """Labels and slips not printed yet: being rendered, or waiting for the printer. Cheap:
        the status line asks after every scan, on the UI thread, so no queue file is read here."""
        with self._count_lock:
            return self._waiting + self._rendering

    def _count_waiting(self) -> None:
        waiting = sum(1 for job in self.queue.jobs(("pending", "sending")) if job.printer in self.printers)
        with self._count_lock:
            self._waiting = waiting

    def retry_now(self) -> None:
        """Make waiting jobs due at once (the printer is back) and wake the sender."""
        self.queue.retry()
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._requests.put(None)
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        self.queue.close()

    # -- threads -----------------------------------------------------------------------------------

    def _changed(self) -> None:
        count = self.pending()
        if count != self._reported:
            self._reported = count
            self.on_change()

    def _render_loop(self) -> None:
        while not self._stop.is_set():
            request = self._requests.get()
            if request is None:
                return
            refusal = None
            try:
                with reading(self.engine) as session:
                    job = render(session, request, self.printer)
                self.queue.submit(self.printer.name, job.payload, job.reference, request.kind)
            except (WmsError, ValueError) as exc:  # data a label cannot carry: printing it never works
                refusal = exc
            except Exception as exc:  # a bug: the station keeps running, the operator is told
                log.exception("rendering %s failed", request)
                refusal = exc
            finally:
                self._count_waiting()
                with self._count_lock:
                    self._rendering -= 1
            # Told only once the counts are right: whoever hears of it and asks pending() then
            # never sees the refused request as still waiting.
            if refusal is not None:
                self.notify(f"not printed: {request.kind} {request.reference}: {refusal}")
            self._wake.set()
            self._changed()

    def _send_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                for job in self.queue.drain(self.printers, self.sender):
                    if job.status == JobStatus.FAILED:
                        self.notify(f"print job {job.id} ({job.reference}) failed: {job.last_error}")
            except Exception:
                log.exception("print queue drain failed")
            self._count_waiting()
            self._changed()
            due = self.queue.next_due_in()
            self._wake.wait(IDLE_S if due is None else min(max(due, 0.01), IDLE_S))


def start_for_terminal(
    engine: Engine, settings: config.Settings, *, on_change: Callable[[], None], notify: Callable[[str], None]
) -> PrintStation | None:
    """The running print station of a terminal with a printer ([terminal] printer), or None
    without one. A printer that cannot start is told through `notify`: the terminal still
    works, and says why nothing prints."""
    if not settings.terminal.printer:
        return None
    try:
        printers = load_printers(settings.printers)
        station = PrintStation(engine, printers[settings.terminal.printer], printers, config.print_queue_path(),
                               on_change=on_change, notify=notify)
    except (OSError, ValueError, KeyError) as exc:
        notify(f"printer {settings.terminal.printer} not started: {exc}")
        return None
    station.start()
    return station
