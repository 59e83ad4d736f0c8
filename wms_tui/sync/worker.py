"""The sync worker: a pusher thread that sends the terminal's outbox as soon as the floor has
posted (`nudge`) or every interval, and a puller thread that long-polls central for what
changed; each backs off while the central service is unreachable, and the status line's words
are reported as they change. It only calls `report` (the app posts that as a message):
scanning never waits on it.

Why two threads: in one loop of push-then-long-poll, a pick made while the poll waited left
only when the poll returned (up to interval_s later), and in a busy warehouse a terminal
whose poll kept answering at once pushed and asked for task leases every round. A push asks
for central's news too, so while a terminal is picking its pushes bring the other terminals'
moves and the puller waits (half the requests: 50 picking terminals each pushing and pulling
took more of a 2-core server than the pushes alone).
"""

from __future__ import annotations

import functools
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
# How often the status words are refreshed (they age: "synced 4 s ago", "offline 12 min").
REPORT_EVERY_S = 1.0
# A pull that brought something is followed by the next no sooner than this after it began:
# in a busy warehouse news is always waiting, and each terminal asking again the moment it has
# applied the last answer made central's load grow with terminals times activity.
PULL_GAP_S = 0.3
# A push is followed by the next no sooner than this after it began: picks confirmed faster
# than that leave together (a one-pick push costs central nearly what a twenty-pick one does).
PUSH_GAP_S = 0.3
# The puller stands aside this long after a push's answer brought the terminal up to date
# (pushes ask for central's news): a picking terminal then makes one round trip per push, not
# a push and a pull. Past two push gaps, so it polls again soon after the pushes stop.
PULL_ASIDE_S = 0.7
# Task leases are asked for this often when nothing else calls for it (a completion sent
# tops them up at once).
LEASE_EVERY_S = 10.0

log = logging.getLogger(__name__)


def endpoint_from(settings: Settings) -> Endpoint:
    if not settings.central.url:
        raise ConfigError(f"{settings.source or 'the settings'}: [central] url is empty: this terminal does not sync")
    return Endpoint(settings.central.url, settings.terminal.id, settings.terminal.warehouse.strip().upper(), settings.central.secret)


class SyncWorker:
    def __init__(self, client: SyncClient, interval_s: float, report: Callable[[str], None], *,
                 push_gap_s: float = PUSH_GAP_S, pull_gap_s: float = PULL_GAP_S, pull_aside_s: float = PULL_ASIDE_S,
                 pulled: Callable[[int, int], None] | None = None) -> None:
        self.client = client
        self.interval_s = interval_s
        self.report = report
        self.push_gap_s = push_gap_s
        self.pull_gap_s = pull_gap_s
        self.pull_aside_s = pull_aside_s
        self.pulled = pulled  # called with (moves, rows) after a pull or push that applied central's news
        self._stop = threading.Event()
        self._outbox_grew = threading.Event()
        self._threads: list[threading.Thread] = []
        self._report_lock = threading.Lock()
        self._reported_at = 0.0

    def start(self) -> None:
        self._threads = [self._started(self._pushing, "wms-sync-push"), self._started(self._pulling, "wms-sync-pull")]

    def stop(self) -> None:
        self._stop.set()
        self._outbox_grew.set()
        for thread in self._threads:
            thread.join(timeout=self.interval_s + 35)

    def run(self) -> None:
        """Both loops until stopped (or interrupted), the pulls in the calling thread."""
        self._threads = [self._started(self._pushing, "wms-sync-push")]
        try:
            self._pulling()
        finally:
            self.stop()

    @staticmethod
    def _started(loop, name: str) -> threading.Thread:
        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        return thread

    def nudge(self) -> None:
        """The floor posted something: push it now rather than at the next interval."""
        self._outbox_grew.set()

    def _pushing(self) -> None:
        """Sends whatever waits when nudged (no sooner than push_gap_s after the last push
        began), or every interval_s (moves posted by another process on this file, task
        leases running low)."""
        leases_asked = pushed = 0.0
        while not self._stop.is_set():
            self._outbox_grew.wait(self.interval_s)
            if self._stop.wait(max(0.0, pushed + self.push_gap_s - time.monotonic())):
                return
            self._outbox_grew.clear()
            pushed = time.monotonic()
            ask_leases = time.monotonic() - leases_asked >= LEASE_EVERY_S
            sent = self._attempt(functools.partial(self.client.send_outbox, ask_leases, with_news=True))
            if sent is None:
                continue
            if ask_leases:
                leases_asked = time.monotonic()
            if (sent.news_moves or sent.news_rows) and self.pulled is not None:
                self.pulled(sent.news_moves, sent.news_rows)

    def _pulling(self) -> None:
        """Long polls of interval_s; one that brought something is followed by the next no
        sooner than pull_gap_s after it began, and none begins while a push that asked for the
        news is on its way or sooner than pull_aside_s after one brought them (under load a push
        takes longer than that: a pull beside it would only add to the load)."""
        while not self._stop.is_set():
            aside = self.client.current_at + self.pull_aside_s - time.monotonic()
            if aside > 0 or self.client.awaiting_news:
                self._stop.wait(aside if aside > 0 else self.pull_gap_s)
                continue
            began = time.monotonic()
            applied = self._attempt(functools.partial(self.client.pull, self.interval_s))
            if applied and any(applied) and not self._stop.is_set():
                if self.pulled is not None:
                    self.pulled(*applied)
                self._stop.wait(max(0.0, began + self.pull_gap_s - time.monotonic()))

    def _attempt(self, sync):
        """sync()'s result, its outcome recorded for the status; after a failure, a back-off
        (the status words still refreshed) and another try, until stopped (then None)."""
        failures = 0
        while not self._stop.is_set():
            try:
                result = sync()
            except Exception as exc:  # noqa: BLE001 - a bug or a broken local file must not end syncing for good
                if not isinstance(exc, Offline | SyncRefused):
                    log.exception("sync failed")
                failures += 1
                self._settle(exc)
            else:
                self._settle(None, recovered=bool(failures))
                return result
            resume = time.monotonic() + backoff_s(failures, self.interval_s, MAX_BACKOFF_S)
            while not self._stop.wait(min(REPORT_EVERY_S, max(0.0, resume - time.monotonic()))):
                if time.monotonic() >= resume:
                    break
                self.report(self.client.status().text())
        return None

    def _settle(self, failure: Exception | None, *, recovered: bool = False) -> None:
        """Record the outcome and report the status words: a failure and the first success after
        one at once, other successes at most every REPORT_EVERY_S (each is a write)."""
        with self._report_lock:
            now = time.monotonic()
            if failure is None and not recovered and now - self._reported_at < REPORT_EVERY_S:
                return
            self._reported_at = now
            if failure is None:
                self.client.record_success()
            else:
                self.client.record_failure(failure)
        self.report(self.client.status().text())
