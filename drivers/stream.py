"""The read loop shared by byte-stream adapters (serial, TCP): poll, frame, emit."""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable

from drivers.base import ScannerDriver
from drivers.errors import gone_error
from drivers.framing import FrameOverflow, SuffixFramer
from drivers.scan import Scan

_HANGUP = select.POLLHUP | select.POLLERR | select.POLLNVAL


def pump(
    driver: ScannerDriver,
    fd: int,
    framer: SuffixFramer,
    partial_timeout: float,
    device: str,
    read: Callable[[int], bytes] | None = None,
) -> None:
    """Read ``fd`` until the driver stops (return) or the device goes away (raise).

    Blocks in poll(): with no pending bytes it waits for data or the wake pipe
    only; with pending bytes it waits at most ``partial_timeout`` and then
    reports them as a partial frame. A hung-up or erroring fd raises at once, so
    a dead descriptor can never spin.
    """
    read = read or (lambda n: os.read(fd, n))
    poller = select.poll()
    poller.register(fd, select.POLLIN | _HANGUP)
    poller.register(driver.wakeup.r, select.POLLIN)
    while not driver.stopping:
        timeout_ms = partial_timeout * 1000 if framer.pending else None
        ready = poller.poll(timeout_ms)
        if not ready:
            partial = framer.take_partial()
            if partial:
                driver.emit_problem(
                    "partial",
                    f"incomplete frame from {device}: no suffix within "
                    f"{partial_timeout * 1000:.0f} ms (the scan was not accepted; rescan). "
                    "If every scan ends like this, set the scanner's suffix to "
                    f"{framer.suffix.value} or change the suffix setting",
                    partial,
                )
            continue
        events = dict(ready)
        if driver.wakeup.r in events:
            driver.wakeup.drain()
            continue
        try:
            data = read(65536)
        except BlockingIOError:
            continue
        except OSError as exc:
            _flush_partial(driver, framer, device)
            raise gone_error(device, exc) from None
        if not data:
            _flush_partial(driver, framer, device)
            raise gone_error(device)
        now_wall, now_mono = time.time(), time.monotonic()
        for frame in framer.feed(data):
            if isinstance(frame, FrameOverflow):
                driver.emit_problem("overflow", f"{device}: {frame.message}", frame.head)
            else:
                driver.emit_scan(Scan.from_bytes(frame, driver.source, now_wall, now_mono))


def _flush_partial(driver: ScannerDriver, framer: SuffixFramer, device: str) -> None:
    partial = framer.take_partial()
    if partial:
        driver.emit_problem(
            "partial", f"incomplete frame from {device} when it disconnected; rescan", partial
        )
