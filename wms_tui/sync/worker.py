"""The sync worker: one thread that pushes and pulls (long poll) in rounds, backs off while the
central service is unreachable, and reports the status line's words after every round. It only
calls `report` (the app posts that as a message): scanning never waits on it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from wms_tui.config import Settings
from wms_tui.domain.errors import ConfigError
from wms_tui.domain.sync import SyncRefused, backoff_s
from wms_tui.sync.client import Endpoint, Offline, SyncClient

# Longest pause between attempts while offline.
MAX_BACKOFF_S = 60.0
# How often the status words are refreshed during a back-off.
REPORT_EVERY_S = 5.0

log = logging.getLogger(__name__)


def endpoint_from(settings: Settings) -> Endpoint:
    if not settings.central.url:
        raise ConfigError(f"{settings.source or 'the settings'}: [central] url is empty: this terminal does not sync")
    return Endpoint(settings.central.url, settings.terminal.id, settings.terminal.warehouse.strip().upper(), settings.central.secret)


class SyncWorker:
    def __init__(self, client: SyncClient, interval_s: float, report: Callable[[str], None]) -> None:
        self.client = client
        self.interval_s = interval_s
        self.report = report
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="wms-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval_s + 35)

    def run(self) -> None:
        """Rounds until stopped: a round pulls with a long poll of interval_s, so the terminal's
        own moves leave at least that often and others' arrive as soon as they land."""
        failures = 0
        while not self._stop.is_set():
            try:
                self.client.sync_once(wait_s=self.interval_s)
                failures = 0
            except (Offline, SyncRefused):
                failures += 1
            except Exception:  # a bug or a broken local file must not end syncing for good
                log.exception("sync round failed")
                failures += 1
            self.report(self.client.status().text())
            if failures:
                # While backing off, the words still age ("offline 12 min"), read locally.
                resume = time.monotonic() + backoff_s(failures, self.interval_s, MAX_BACKOFF_S)
                while not self._stop.wait(min(REPORT_EVERY_S, max(0.0, resume - time.monotonic()))):
                    if time.monotonic() >= resume:
                        break
                    self.report(self.client.status().text())
