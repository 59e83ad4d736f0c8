"""Authentication of a sync request: the enrolled, unrevoked terminal its credential names.
Enrolment, revocation and the terminals' status are services/terminals.py."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from wms_tui.domain.sync import SyncRefused, secret_matches
from wms_tui.store.models import (
    SyncTerminal,
    Warehouse,
)


@dataclass(frozen=True)
class Caller:
    """An authenticated terminal."""

    terminal_id: str
    warehouse_id: int
    warehouse_code: str
    applied_sequence: int
    applied_hash: str


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
