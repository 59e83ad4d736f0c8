"""The terminals enrolled to sync with the central database: enrolment (a secret shown once,
stored as its SHA-256), revocation (refused at their next request), and central's status. What
the operations team reads about each terminal is services/fleet (`wms-tui central
terminals|status` and the console's terminals view); the sync service checks a request's
credential in central/registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from wms_tui.config import TERMINAL_ID_PATTERN
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.sync import new_secret, secret_digest
from wms_tui.services.fleet import TerminalStatus, list_terminals, open_conflicts
from wms_tui.store import finders
from wms_tui.store.db import read_only
from wms_tui.store.models import (
    SyncTerminal,
    TerminalSequence,
)
from wms_tui.store.session import transaction


def add_terminal(engine: Engine, terminal_id: str, warehouse_code: str) -> str:
    """Enrol a terminal; returns its secret (shown once: only its hash is kept)."""
    with transaction(engine) as session:
        return enrol(session, terminal_id, warehouse_code)


def check_terminal_id(terminal_id: str) -> None:
    if not TERMINAL_ID_PATTERN.match(terminal_id):
        raise InvalidInput(f"terminal id {terminal_id!r} must be 1-40 letters, digits, '-' or '_'")


def enrol(session: Session, terminal_id: str, warehouse_code: str, *, applied: tuple[int, str] = (0, "")) -> str:
    """Enrol a terminal in the caller's transaction, central holding its moves up to `applied`
    (sequence, that move's chain hash); returns its secret."""
    check_terminal_id(terminal_id)
    secret = new_secret()
    warehouse = finders.warehouse_by_code(session, warehouse_code)
    if session.get(SyncTerminal, terminal_id) is not None:
        raise InvalidInput(f"terminal {terminal_id} is already enrolled (revoke it and enrol another id)")
    session.add(SyncTerminal(terminal_id=terminal_id, warehouse_id=warehouse.id, secret_hash=secret_digest(secret),
                             created_at=datetime.now(UTC), applied_sequence=applied[0], applied_hash=applied[1]))
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


@dataclass(frozen=True)
class CentralStatus:
    terminals: list[TerminalStatus]
    moves: int  # moves in the central ledger
    open_conflicts: int  # sync conflicts no supervisor resolved yet


def central_status(engine: Engine) -> CentralStatus:
    terminals = list_terminals(engine)
    with read_only(engine).connect() as connection:
        moves = connection.execute(select(func.coalesce(func.sum(TerminalSequence.last_sequence), 0))).scalar_one()
        conflicts = sum(open_conflicts(connection).values())
    return CentralStatus(terminals, moves, conflicts)
