"""The driver interface shared by all scanner adapters.

A driver runs one background thread that connects, reads, and reconnects with
back-off. Everything it has to say goes to one *sink* callable, on the driver
thread: a :class:`~drivers.scan.Scan`, a :class:`StatusChange` or a
:class:`ScanProblem` (partial frame, overflow, ...). A Textual app passes a sink
that only ``post_message``s; scripts use :class:`EventQueue` to iterate, also
asynchronously.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from drivers.scan import Scan


class DriverStatus(StrEnum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class StatusChange:
    source: str
    status: DriverStatus
    message: str = ""
    timestamp: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class ScanProblem:
    """Data that arrived but is not a scan (partial frame, overflow, human typing...)."""

    source: str
    kind: str
    message: str
    raw: bytes = b""
    timestamp: float = field(default_factory=time.time)


DriverEvent = Scan | StatusChange | ScanProblem
Sink = Callable[[DriverEvent], None]


class DeviceUnavailable(Exception):
    """Opening or reading the device failed; ``message`` says what to do about it.

    ``status`` is ERROR for problems a retry will not fix by itself (permission,
    busy, bad settings) and DISCONNECTED for a missing or vanished device; the
    driver retries both with back-off, since people fix them while it waits.
    """

    def __init__(self, message: str, status: DriverStatus = DriverStatus.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(slots=True)
class Backoff:
    """Exponential back-off between reconnect attempts, capped, reset on success."""

    initial: float = 0.25
    maximum: float = 10.0
    factor: float = 2.0
    _next: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        if not 0 < self.initial <= self.maximum or self.factor < 1:
            raise ValueError("back-off needs 0 < initial <= maximum and factor >= 1")
        self._next = self.initial

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._next * self.factor, self.maximum)
        return delay

    def reset(self) -> None:
        self._next = self.initial


class Deduplicator:
    """Drops a scan equal to the previous one within ``window`` seconds.

    Scanners in continuous or presentation mode re-read the same label; a step
    that counts units sets ``counting`` to let every read through.
    """

    def __init__(self, window: float) -> None:
        if window < 0:
            raise ValueError("duplicate window must be >= 0")
        self.window = window
        self.counting = False
        self.dropped = 0
        self._last: tuple[bytes, float] | None = None

    def accept(self, scan: Scan) -> bool:
        last, self._last = self._last, (scan.raw, scan.monotonic)
        if self.counting or self.window == 0 or last is None:
            return True
        if last[0] == scan.raw and 0 <= scan.monotonic - last[1] < self.window:
            self._last = last  # the window runs from the first read of a burst
            self.dropped += 1
            return False
        return True


class WakePipe:
    """A pipe whose read end joins the driver's select() so stop() wakes it at once."""

    def __init__(self) -> None:
        self.r, self.w = os.pipe()
        os.set_blocking(self.r, False)
        os.set_blocking(self.w, False)

    def wake(self) -> None:
        try:
            os.write(self.w, b"x")
        except BlockingIOError:
            pass  # already full, so already awake

    def drain(self) -> None:
        try:
            while os.read(self.r, 512):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        for fd in (self.r, self.w):
            try:
                os.close(fd)
            except OSError:
                pass


class ScannerDriver(ABC):
    """Start/stop, status and event delivery; subclasses implement the device loop."""

    def __init__(
        self,
        source: str,
        sink: Sink,
        *,
        duplicate_window: float = 0.0,
        backoff: Backoff | None = None,
    ) -> None:
        self.source = source
        self._sink = sink
        self.dedupe = Deduplicator(duplicate_window)
        self.backoff = backoff or Backoff()
        self._status = DriverStatus.STOPPED
        self._status_message = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # Read loops select() on wakeup.r besides the device, so stop() is instant.
        self.wakeup = WakePipe()

    @property
    def status(self) -> DriverStatus:
        return self._status

    @property
    def counting(self) -> bool:
        return self.dedupe.counting

    @counting.setter
    def counting(self, value: bool) -> None:
        """True while the current step counts repeated scans of the same label."""
        self.dedupe.counting = value

    def start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise RuntimeError(f"{self.source}: driver already started")
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._main, name=f"scanner:{self.source}", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop, wake it, and join it."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        self.wakeup.wake()
        thread.join(timeout)
        if thread.is_alive():
            raise RuntimeError(f"{self.source}: driver thread did not stop within {timeout} s")
        self.wakeup.drain()

    def __enter__(self) -> ScannerDriver:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop and release the wake pipe; the driver cannot be started again."""
        self.stop()
        self.wakeup.close()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _main(self) -> None:
        self._set_status(DriverStatus.CONNECTING, "")
        try:
            while not self._stop.is_set():
                try:
                    self._open()
                except DeviceUnavailable as exc:
                    self._set_status(exc.status, exc.message)
                    self._sleep(self.backoff.next_delay())
                    continue
                self.backoff.reset()
                self._set_status(DriverStatus.CONNECTED, self.describe())
                try:
                    self._read_loop()
                except DeviceUnavailable as exc:
                    self._set_status(exc.status, exc.message)
                finally:
                    self._close()
                if not self._stop.is_set():
                    self._sleep(self.backoff.next_delay())
        finally:
            self._set_status(DriverStatus.STOPPED, "")

    def _sleep(self, seconds: float) -> None:
        # Waiting on the stop event makes back-off both CPU-free and interruptible.
        self._stop.wait(seconds)

    def _set_status(self, status: DriverStatus, message: str) -> None:
        # Retries repeat the same failure; report only changes.
        if (status, message) == (self._status, self._status_message):
            return
        self._status, self._status_message = status, message
        self._sink(StatusChange(self.source, status, message))

    def emit_scan(self, scan: Scan) -> None:
        if self.dedupe.accept(scan):
            self._sink(scan)

    def emit_problem(self, kind: str, message: str, raw: bytes = b"") -> None:
        self._sink(ScanProblem(self.source, kind, message, raw))

    def describe(self) -> str:
        """What is connected, for the status line."""
        return self.source

    @abstractmethod
    def _open(self) -> None:
        """Open the device or raise DeviceUnavailable with an actionable message."""

    @abstractmethod
    def _read_loop(self) -> None:
        """Read until stopped (return) or the device goes away (raise DeviceUnavailable).

        Must block in select/poll (including ``self.wakeup.r``), never busy-wait,
        and return promptly once :attr:`stopping` is set.
        """

    @abstractmethod
    def _close(self) -> None:
        """Release the device; must be safe after a failed or partial open."""


class EventQueue:
    """A sink that queues events for blocking iteration.

    ``for event in q.iter(timeout=...)`` ends after ``timeout`` seconds without
    an event.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[DriverEvent] = queue.SimpleQueue()

    def __call__(self, event: DriverEvent) -> None:
        self._queue.put(event)

    def get(self, timeout: float | None = None) -> DriverEvent | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def iter(self, timeout: float | None = None) -> Iterator[DriverEvent]:
        while (event := self.get(timeout)) is not None:
            yield event

    def scans(self, timeout: float | None = None) -> Iterator[Scan]:
        for event in self.iter(timeout):
            if isinstance(event, Scan):
                yield event


class AsyncEventQueue:
    """A sink for asyncio code: ``async for event in q`` on the loop that created it.

    The driver thread hands events over with ``call_soon_threadsafe``, so the
    consumer never blocks the event loop and cancellation leaves nothing behind.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop or asyncio.get_running_loop()
        self._queue: asyncio.Queue[DriverEvent] = asyncio.Queue()

    def __call__(self, event: DriverEvent) -> None:
        self._loop.call_soon_threadsafe(self._queue.put_nowait, event)

    def __aiter__(self) -> AsyncIterator[DriverEvent]:
        return self

    async def __anext__(self) -> DriverEvent:
        return await self._queue.get()
