"""The terminals allowed to sync: enrolment (a secret shown once, stored as its SHA-256),
revocation (refused at the next request), authentication of a request, and the status the
operations team reads (last contact, moves waiting, conflicts open)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, select

from wms_tui.config import TERMINAL_ID_PATTERN
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.states import ExceptionKind
from wms_tui.domain.sync import SyncRefused, new_secret, secret_digest, secret_matches
from wms_tui.store import finders
from wms_tui.store.models import (
    ExceptionResolution,
    SyncConflict,
    SyncTerminal,
    TerminalSequence,
    Warehouse,
)
from wms_tui.store.session import reading, transaction


@dataclass(frozen=True)
class Caller:
    """An authenticated terminal."""

    terminal_id: str
    warehouse_id: int
    warehouse_code: str
    applied_sequence: int
    applied_hash: str


@dataclass(frozen=True)
class TerminalStatus:
    terminal_id: str
    warehouse: str
    revoked: bool
    last_contact_at: datetime | None
    applied_sequence: int


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


def revoke_terminal(engine: Engine, terminal_id: str) -> None:
    with transaction(engine) as session:
        terminal = session.get(SyncTerminal, terminal_id)
        if terminal is None:
            raise NotFound(f"no enrolled terminal {terminal_id}")
        if terminal.revoked_at is None:
            terminal.revoked_at = datetime.now(UTC)


def list_terminals(engine: Engine) -> list[TerminalStatus]:
    with reading(engine) as session:
        rows = session.execute(
            select(SyncTerminal, Warehouse.code).join(Warehouse, Warehouse.id == SyncTerminal.warehouse_id).order_by(SyncTerminal.terminal_id)
        ).all()
        return [TerminalStatus(t.terminal_id, code, t.revoked_at is not None, t.last_contact_at, t.applied_sequence) for t, code in rows]


_CALLER = (
    select(SyncTerminal.terminal_id, SyncTerminal.secret_hash, SyncTerminal.revoked_at, SyncTerminal.warehouse_id,
           SyncTerminal.applied_sequence, SyncTerminal.applied_hash, Warehouse.code)
    .join(Warehouse, Warehouse.id == SyncTerminal.warehouse_id)
)


def authenticate(conn: Connection, credential: tuple[str, str] | None, *, lock: bool = False) -> Caller:
    """The terminal a request's credential names, or 401/403. `lock` holds its row until the
    transaction ends, so one terminal's pushes apply one after the other."""
    if credential is None:
        raise SyncRefused(401, "missing or malformed credential: send 'Authorization: Bearer TERMINAL:SECRET'")
    terminal_id, secret = credential
    statement = _CALLER.where(SyncTerminal.terminal_id == terminal_id)
    row = conn.execute(statement.with_for_update(of=SyncTerminal) if lock else statement).one_or_none()
    if row is None or not secret_matches(secret, row.secret_hash):
        raise SyncRefused(401, "unknown terminal or wrong secret")
    if row.revoked_at is not None:
        raise SyncRefused(403, f"terminal {terminal_id} was revoked at {row.revoked_at:%Y-%m-%d %H:%M}")
    return Caller(row.terminal_id, row.warehouse_id, row.code, row.applied_sequence, row.applied_hash)


@dataclass(frozen=True)
class CentralStatus:
    terminals: list[TerminalStatus]
    moves: int  # moves in the central ledger
    open_conflicts: int  # sync conflicts no supervisor resolved yet


def central_status(engine: Engine) -> CentralStatus:
    terminals = list_terminals(engine)
    with reading(engine) as session:
        moves = session.execute(select(func.coalesce(func.sum(TerminalSequence.last_sequence), 0))).scalar_one()
        resolved = set(session.execute(
            select(ExceptionResolution.reference).where(ExceptionResolution.kind == ExceptionKind.SYNC_CONFLICT)).scalars())
        conflicts = session.execute(select(SyncConflict.id)).scalars().all()
    return CentralStatus(terminals, moves, sum(str(conflict) not in resolved for conflict in conflicts))
