"""Durable print queue in SQLite.

A job (payload bytes, printer name, reference such as the SSCC) is committed before
anything is sent. A worker claims due jobs, sends them, and marks them ``sent`` only
after the backend accepted them. A failure leaves the job ``pending`` with its error and
a later ``next_attempt_at`` (exponential back-off), so an offline printer shows up as
pending jobs and catches up when it returns.

Delivery guarantee: at-least-once. If the process dies after the printer accepted the
bytes but before ``sent`` is committed, the job is found ``sending`` on restart and is
sent again (one duplicate label). Exactly-once cannot be had from a raw port-9100
printer, which never acknowledges a job; the window is the few milliseconds between the
printer's TCP acknowledgement and our commit. Without a crash a job is delivered once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from labels import _sqlite
from labels.printers import Printer, PrinterConfigError, PrinterError, send

log = logging.getLogger(__name__)

SendFn = Callable[[Printer, bytes, str], None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS print_job (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    printer TEXT NOT NULL,
    reference TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'label',
    payload BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT,
    created_at REAL NOT NULL,
    sent_at REAL,
    reprint_of INTEGER REFERENCES print_job(id)
);
CREATE INDEX IF NOT EXISTS print_job_due ON print_job (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS print_job_reference ON print_job (reference, id);
"""


class JobStatus(StrEnum):
    """A print job's status (the column's CHECK lists the same values)."""

    PENDING = "pending"  # waiting to be sent, or to be retried
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # can never print as asked (an unknown printer)


@dataclass(frozen=True)
class Job:
    id: int
    printer: str
    reference: str
    kind: str
    status: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    created_at: float
    sent_at: float | None
    reprint_of: int | None
    size: int


def backoff(attempts: int, base: float = 2.0, cap: float = 300.0) -> float:
    """Delay before the next try after ``attempts`` failures: 2, 4, 8 ... 300 s."""
    return min(cap, base * 2 ** max(attempts - 1, 0))


_COLUMNS = (
    "id, printer, reference, kind, status, attempts, next_attempt_at, last_error, "
    "created_at, sent_at, reprint_of, length(payload) AS size"
)


class PrintQueue:
    def __init__(
        self,
        db_path: str | Path,
        clock: Callable[[], float] = time.time,
        base_delay: float = 2.0,
        max_delay: float = 300.0,
    ):
        self._conn = _sqlite.connect(db_path)
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()  # one connection shared by UI and worker threads
        self.clock = clock
        self.base_delay, self.max_delay = base_delay, max_delay

    def close(self) -> None:
        self._conn.close()

    def submit(
        self,
        printer: str,
        payload: bytes,
        reference: str,
        kind: str = "label",
        reprint_of: int | None = None,
    ) -> int:
        """Store a job durably; it is sent by the next ``drain``."""
        if not payload:
            raise ValueError("print job payload is empty")
        now = self.clock()
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO print_job (printer, reference, kind, payload, next_attempt_at,"
                " created_at, reprint_of) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (printer, reference, kind, payload, now, now, reprint_of),
            )
        return int(cur.lastrowid or 0)

    def get(self, job_id: int) -> Job:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM print_job WHERE id = ?", (job_id,)
            ).fetchone()
        if row is None:
            raise KeyError(f"no print job {job_id}")
        return Job(**dict(row))

    def payload(self, job_id: int) -> bytes:
        with self._lock:
            row = self._conn.execute("SELECT payload FROM print_job WHERE id = ?", (job_id,))
            found = row.fetchone()
        if found is None:
            raise KeyError(f"no print job {job_id}")
        return bytes(found["payload"])

    def jobs(
        self,
        statuses: tuple[str, ...] = (JobStatus.PENDING, JobStatus.SENDING, JobStatus.FAILED),
        reference: str | None = None,
    ) -> list[Job]:
        marks = ",".join("?" * len(statuses))
        sql = f"SELECT {_COLUMNS} FROM print_job WHERE status IN ({marks})"
        params: list[object] = list(statuses)
        if reference is not None:
            sql += " AND reference = ?"
            params.append(reference)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", params).fetchall()
        return [Job(**dict(r)) for r in rows]

    def reprint(self, reference: str, printer: str | None = None) -> int:
        """Queue the latest payload stored for ``reference`` (e.g. an SSCC) again."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, printer, kind, payload FROM print_job WHERE reference = ?"
                " ORDER BY id DESC LIMIT 1",
                (reference,),
            ).fetchone()
        if row is None:
            raise KeyError(f"nothing was ever printed for {reference!r}")
        return self.submit(
            printer or row["printer"],
            bytes(row["payload"]),
            reference,
            row["kind"],
            reprint_of=row["id"],
        )

    def retry(self, job_id: int | None = None) -> int:
        """Make failed (or all waiting) jobs due now; returns how many."""
        sql = "UPDATE print_job SET status='pending', next_attempt_at=? WHERE status IN ('pending','failed')"
        params: list[object] = [self.clock()]
        if job_id is not None:
            sql += " AND id = ?"
            params.append(job_id)
        with self._lock:
            return self._conn.execute(sql, params).rowcount

    def recover(self) -> int:
        """After a crash: jobs left ``sending`` may or may not have printed; send them
        again (at-least-once) and say so in their error. Call once at start-up."""
        with self._lock:
            return self._conn.execute(
                "UPDATE print_job SET status='pending', next_attempt_at=?, last_error="
                "'interrupted while sending; resent, may print twice' WHERE status='sending'",
                (self.clock(),),
            ).rowcount

    def _claim(self, job_id: int) -> bool:
        with self._lock, _sqlite.immediate(self._conn) as conn:
            return (
                conn.execute(
                    "UPDATE print_job SET status='sending', attempts=attempts+1"
                    " WHERE id=? AND status='pending'",
                    (job_id,),
                ).rowcount
                == 1
            )

    def drain(self, printers: Mapping[str, Printer], sender: SendFn = send) -> list[Job]:
        """Send every due job once; returns the jobs as they ended this round."""
        now = self.clock()
        with self._lock:
            due = [
                r["id"]
                for r in self._conn.execute(
                    "SELECT id FROM print_job WHERE status='pending' AND next_attempt_at<=?"
                    " ORDER BY id",
                    (now,),
                )
            ]
        done = []
        for job_id in due:
            if not self._claim(job_id):  # another worker took it
                continue
            job = self.get(job_id)
            printer = printers.get(job.printer)
            try:
                if printer is None:
                    raise PrinterConfigError(f"printer {job.printer!r} is not configured")
                sender(printer, self.payload(job_id), f"{job.kind}-{job.reference}-{job.id}")
            except PrinterConfigError as exc:
                self._finish(job_id, JobStatus.FAILED, str(exc), None)
            except (PrinterError, OSError) as exc:
                delay = backoff(job.attempts, self.base_delay, self.max_delay)
                self._finish(job_id, JobStatus.PENDING, str(exc), self.clock() + delay)
                log.warning(
                    "print job %d to %s failed (retry in %.0fs): %s",
                    job_id,
                    job.printer,
                    delay,
                    exc,
                )
            else:
                self._finish(job_id, JobStatus.SENT, None, None)
            done.append(self.get(job_id))
        return done

    def _finish(self, job_id: int, status: str, error: str | None, next_at: float | None) -> None:
        with self._lock:
            if status == JobStatus.SENT:
                self._conn.execute(
                    "UPDATE print_job SET status='sent', sent_at=?, last_error=NULL WHERE id=?",
                    (self.clock(), job_id),
                )
            else:
                self._conn.execute(
                    "UPDATE print_job SET status=?, last_error=?, next_attempt_at="
                    "coalesce(?, next_attempt_at) WHERE id=?",
                    (status, error, next_at, job_id),
                )

    def next_due_in(self) -> float | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT min(next_attempt_at) AS t FROM print_job WHERE status='pending'"
            ).fetchone()
        return None if row["t"] is None else max(row["t"] - self.clock(), 0.0)

    def run_worker(
        self,
        printers: Mapping[str, Printer],
        stop: threading.Event,
        sender: SendFn = send,
        idle: float = 1.0,
    ) -> None:
        """Drain until ``stop`` is set, sleeping until the next job is due (never spins)."""
        self.recover()
        while not stop.is_set():
            self.drain(printers, sender)
            wait = self.next_due_in()
            stop.wait(idle if wait is None else min(max(wait, 0.05), idle))
