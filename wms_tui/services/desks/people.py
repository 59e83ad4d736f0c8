"""People and devices: operators (add, block, let in again, reset PIN, role), printers (a test
print, the print queue, retry now) and the terminals enrolled to sync (enrol, revoke)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from labels import LocationLabel, Printer, PrintQueue, load_printers, render_for_printer
from labels.queue import JobStatus
from wms_tui.domain.auth import SecurityPolicy
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.services import fleet, operators, terminals
from wms_tui.store.ledger import PostingContext
from wms_tui.store.session import reading, transaction

# Jobs the printers tab lists: everything not yet printed, and what printed last.
WAITING = (JobStatus.PENDING, JobStatus.SENDING, JobStatus.FAILED)
SENT_SHOWN = 20


@dataclass(frozen=True)
class OperatorRow:
    code: str
    name: str
    role: str
    active: bool
    locked_until: datetime | None  # None: not locked out now


def operator_list(engine: Engine) -> list[OperatorRow]:
    """Every operator, never a badge or a PIN."""
    with reading(engine) as session:
        return [OperatorRow(row.code, row.name, row.role.value, row.active, row.locked_until)
                for row in operators.list_operators(session)]


def add_operator(engine: Engine, code: str, name: str, role: str, badge: str, pin: str) -> str:
    with transaction(engine) as session:
        operator = operators.create_operator(session, code, name, role, badge=badge, pin=pin)
    return f"added {operator.code} ({operator.name}, {operator.role.value})"


def set_active(engine: Engine, code: str, active: bool) -> str:
    with transaction(engine) as session:
        operator = operators.set_active(session, code, active)
    return f"{operator.code} {'may sign in again' if active else 'is blocked: badge and PIN are refused'}"


def reset_pin(engine: Engine, code: str, pin: str) -> str:
    with transaction(engine) as session:
        operator = operators.reset_pin(session, code, pin)
    return f"{operator.code} has a new PIN"


def set_role(engine: Engine, code: str, role: str) -> str:
    with transaction(engine) as session:
        operator = operators.set_role(session, code, role)
    return f"{operator.code} is a {operator.role.value} from the next sign-in"


@dataclass(frozen=True)
class PrinterRow:
    name: str
    kind: str
    target: str
    media: str
    waiting: int
    failed: int
    last_error: str


@dataclass(frozen=True)
class JobRow:
    job_id: int
    printer: str
    kind: str
    reference: str
    status: str
    attempts: int
    created_at: datetime
    last_error: str


@dataclass(frozen=True)
class Printers:
    printers: list[PrinterRow]
    jobs: list[JobRow]


def _jobs(queue_path: Path | None) -> list:
    if queue_path is None or not queue_path.exists():
        return []
    queue = PrintQueue(queue_path)
    try:
        waiting = queue.jobs(WAITING)
        sent = queue.jobs((JobStatus.SENT,))[-SENT_SHOWN:]
    finally:
        queue.close()
    return sorted(waiting + sent, key=lambda job: job.id, reverse=True)


def printers(configured: Mapping[str, Mapping[str, Any]], queue_path: Path | None) -> Printers:
    """The configured printers with what waits for each, and the queue's latest jobs."""
    jobs = _jobs(queue_path)
    rows = []
    for name, printer in sorted(load_printers(configured).items()):
        mine = [job for job in jobs if job.printer == name]
        failed = [job for job in mine if job.status == JobStatus.FAILED]
        errors = [job.last_error for job in mine if job.last_error and job.status != JobStatus.SENT]
        rows.append(PrinterRow(name, printer.kind, printer.target, printer.media,
                               sum(1 for job in mine if job.status in (JobStatus.PENDING, JobStatus.SENDING)), len(failed), errors[-1] if errors else ""))
    return Printers(rows, [
        JobRow(job.id, job.printer, job.kind, job.reference, job.status, job.attempts, datetime.fromtimestamp(job.created_at, UTC),
               job.last_error or "")
        for job in jobs
    ])


def _printer(configured: Mapping[str, Mapping[str, Any]], name: str) -> tuple[Printer, dict[str, Printer]]:
    loaded = load_printers(configured)
    if name not in loaded:
        raise NotFound(f"no printer {name!r} in the config ([printers.{name}])")
    return loaded[name], loaded


def _send_now(queue: PrintQueue, loaded: dict[str, Printer], job_id: int) -> str:
    queue.drain(loaded)
    job = queue.get(job_id)
    if job.status == JobStatus.SENT:
        return f"job {job_id} printed on {job.printer}"
    return f"job {job_id} {job.status} on {job.printer} ({job.last_error}); it stays in the queue"


def test_print(configured: Mapping[str, Mapping[str, Any]], name: str, queue_path: Path) -> str:
    """A bin label reading TEST-PAGE, through the queue (kept if the printer is offline)."""
    printer, loaded = _printer(configured, name)
    label = LocationLabel("TEST-PAGE", f"{printer.name}: {printer.kind} {printer.target} {printer.media} {printer.dpi}dpi")
    queue_path.parent.mkdir(parents=True, exist_ok=True)
    queue = PrintQueue(queue_path)
    try:
        job_id = queue.submit(printer.name, render_for_printer([label], printer), f"test:{name}", "test")
        return _send_now(queue, loaded, job_id)
    finally:
        queue.close()


def retry_job(configured: Mapping[str, Mapping[str, Any]], job_id: int, queue_path: Path | None) -> str:
    """A waiting or failed job is sent again now."""
    if queue_path is None or not queue_path.exists():
        raise NotFound(f"no print job {job_id}: the print queue is empty")
    queue = PrintQueue(queue_path)
    try:
        if not queue.retry(job_id):
            raise InvalidInput(f"print job {job_id} is not waiting or failed: nothing to retry")
        return _send_now(queue, load_printers(configured), job_id)
    finally:
        queue.close()


@dataclass(frozen=True)
class Enrolled:
    """A terminal enrolled at the console: its line, and its secret to show this once."""

    terminal_id: str
    warehouse: str
    secret: str

    def __str__(self) -> str:
        return f"terminal {self.terminal_id} enrolled for {self.warehouse}: its secret was shown once"


def _central_only(engine: Engine) -> None:
    if not fleet.is_central(engine):
        raise InvalidInput("terminals sync with a central PostgreSQL database; this console runs on a single station's "
                           "SQLite file, where there is nothing to enrol")


def enrol_terminal(engine: Engine, terminal_id: str, warehouse: str) -> Enrolled:
    """As `wms-tui central terminals add`: central keeps only the secret's hash."""
    _central_only(engine)
    terminal_id = terminal_id.strip()
    secret = terminals.add_terminal(engine, terminal_id, warehouse.strip())
    return Enrolled(terminal_id, warehouse.strip().upper(), secret)


def revoke_terminal(engine: Engine, context: PostingContext, terminal_id: str, *, badge: str, pin: str,
                    policy: SecurityPolicy) -> str:
    """Refuse a terminal from its next request on, approved by a supervisor's badge and PIN
    (recorded in the audit trail). Its moves already applied stay."""

    def revoked(session: Session, supervisor: operators.OperatorView) -> str:
        if not terminals.revoke(session, terminal_id):
            raise InvalidInput(f"terminal {terminal_id} was already revoked")
        return f"terminal {terminal_id} revoked by {supervisor.code}: its next request is refused"

    return operators.with_approval(engine, badge, pin, terminal=context.terminal_id, policy=policy,
                                   what=f"revoke terminal {terminal_id} at the console of {context.operator}", action=revoked)
