"""The terminals enrolled to sync with the central database: enrolment (a secret shown once,
stored as its SHA-256), revocation (refused at their next request), and what the operations
team reads about each (last contact, moves central holds from it, tasks it holds by lease,
sync conflicts still open). `wms-tui central terminals|status` and the console's terminals
view both read it here; the sync service checks a request's credential in central/registry."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from wms_tui.config import TERMINAL_ID_PATTERN
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.states import PENDING_TASK_STATES, ExceptionKind
from wms_tui.domain.sync import new_secret, secret_digest
from wms_tui.store import finders
from wms_tui.store.models import (
    ExceptionResolution,
    SyncConflict,
    SyncTerminal,
    Task,
    TerminalSequence,
    Warehouse,
)
from wms_tui.store.session import reading, transaction


@dataclass(frozen=True)
class TerminalStatus:
    terminal_id: str
    warehouse: str
    revoked: bool
    last_contact_at: datetime | None
    applied_sequence: int  # the moves central holds from it: its sequence 1..n
    leased_tasks: int  # open tasks leased to it: the work it can do offline
    expired_leases: int  # of those, leases that ran out (it has not been in touch since)
    open_conflicts: int  # sync conflicts it raised that no supervisor resolved yet


def add_terminal(engine: Engine, terminal_id: str, warehouse_code: str) -> str:
    """Enrol a terminal; returns its secret (shown once: only its hash is kept)."""
    if not TERMINAL_ID_PATTERN.match(terminal_id):
        raise InvalidInput(f"terminal id {terminal_id!r} must be 1-40 letters, digits, '-' or '_'")
    secret = new_secret()
    with transaction(engine) as session:
        warehouse = finders.warehouse_by_code(session, warehouse_code)
        if session.get(SyncTerminal, terminal_id) is not None:
            raise InvalidInput(f"terminal {terminal_id} is already enrolled (revoke it and enrol another id)")
        session.add(SyncTerminal(terminal_id=terminal_id, warehouse_id=warehouse.id, secret_hash=secret_digest(secret),
                                 created_at=datetime.now(UTC)))
    return secret


def revoke(session: Session, terminal_id: str) -> bool:
    """Revoke in the caller's transaction; False when it already was."""
    terminal = session.get(SyncTerminal, terminal_id)
    if terminal is None:
        raise NotFound(f"no enrolled terminal {terminal_id}")
    if terminal.revoked_at is not None:
        return False
    terminal.revoked_at = datetime.now(UTC)
    return True


def revoke_terminal(engine: Engine, terminal_id: str) -> None:
    with transaction(engine) as session:
        revoke(session, terminal_id)


def _open_conflicts(session: Session) -> Counter[str]:
    """Sync conflicts no supervisor resolved yet, by the terminal that raised them."""
    resolved = set(session.execute(
        select(ExceptionResolution.reference).where(ExceptionResolution.kind == ExceptionKind.SYNC_CONFLICT)).scalars())
    return Counter(terminal for conflict, terminal in session.execute(select(SyncConflict.id, SyncConflict.terminal_id))
                   if str(conflict) not in resolved)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone (they are stored in UTC)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def list_terminals(engine: Engine) -> list[TerminalStatus]:
    now = datetime.now(UTC)
    with reading(engine) as session:
        rows = session.execute(
            select(SyncTerminal, Warehouse.code).join(Warehouse, Warehouse.id == SyncTerminal.warehouse_id).order_by(SyncTerminal.terminal_id)
        ).all()
        if not rows:
            return []
        leases: dict[str, tuple[int, int]] = {
            holder: (held, expired) for holder, held, expired in session.execute(
                select(Task.leased_to, func.count(), func.count().filter(Task.lease_until < now))
                .where(Task.leased_to.is_not(None), Task.state.in_([state.value for state in PENDING_TASK_STATES])).group_by(Task.leased_to))
        }
        conflicts = _open_conflicts(session)
    return [TerminalStatus(t.terminal_id, code, t.revoked_at is not None, _utc(t.last_contact_at), t.applied_sequence,
                           *leases.get(t.terminal_id, (0, 0)), conflicts[t.terminal_id])
            for t, code in rows]


def is_central(engine: Engine) -> bool:
    """Terminals sync only with a PostgreSQL database; a SQLite file is one station's own."""
    return engine.dialect.name == "postgresql"


@dataclass(frozen=True)
class Fleet:
    """What the console shows of the terminals: none at all on a single station."""

    central: bool
    terminals: list[TerminalStatus]


def fleet(engine: Engine) -> Fleet:
    return Fleet(is_central(engine), list_terminals(engine))


@dataclass(frozen=True)
class CentralStatus:
    terminals: list[TerminalStatus]
    moves: int  # moves in the central ledger
    open_conflicts: int  # sync conflicts no supervisor resolved yet


def central_status(engine: Engine) -> CentralStatus:
    terminals = list_terminals(engine)
    with reading(engine) as session:
        moves = session.execute(select(func.coalesce(func.sum(TerminalSequence.last_sequence), 0))).scalar_one()
        conflicts = sum(_open_conflicts(session).values())
    return CentralStatus(terminals, moves, conflicts)
