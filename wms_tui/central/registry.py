"""Authentication of a sync request: the enrolled, unrevoked terminal its credential names.
Enrolment, revocation and the terminals' status are services/terminals.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select

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


# Built once: every sync request authenticates, and building the statement cost the service
# more than running it.
_CALLERS = (
    select(SyncTerminal.terminal_id, SyncTerminal.secret_hash, SyncTerminal.revoked_at, SyncTerminal.warehouse_id,
           SyncTerminal.applied_sequence, SyncTerminal.applied_hash, Warehouse.code)
    .join(Warehouse, Warehouse.id == SyncTerminal.warehouse_id)
    .where(SyncTerminal.terminal_id.in_(bindparam("named", expanding=True)))
    .order_by(SyncTerminal.terminal_id)
)
_CALLERS_LOCKED = _CALLERS.with_for_update(of=SyncTerminal)


def authenticate(conn: Connection, credential: tuple[str, str] | None) -> Caller:
    """The terminal a request's credential names, or 401/403."""
    caller = authenticate_all(conn, [credential])[0]
    if isinstance(caller, SyncRefused):
        raise caller
    return caller


def authenticate_all(conn: Connection, credentials: Sequence[tuple[str, str] | None], *, lock: bool = False) -> list[Caller | SyncRefused]:
    """The terminal each credential names, or why it is refused (401/403), read in one statement.
    `lock` holds their rows until the transaction ends (taken in terminal order, so two groups
    never wait on each other crosswise): one terminal's pushes apply one after the other."""
    named = sorted({credential[0] for credential in credentials if credential is not None})
    rows = {}
    if named:
        rows = {row.terminal_id: row for row in conn.execute(_CALLERS_LOCKED if lock else _CALLERS, {"named": named})}
    return [_caller(credential, rows) for credential in credentials]


def _caller(credential: tuple[str, str] | None, rows: dict) -> Caller | SyncRefused:
    if credential is None:
        return SyncRefused(401, "missing or malformed credential: send 'Authorization: Bearer TERMINAL:SECRET'")
    terminal_id, secret = credential
    row = rows.get(terminal_id)
    if row is None or not secret_matches(secret, row.secret_hash):
        return SyncRefused(401, "unknown terminal or wrong secret")
    if row.revoked_at is not None:
        return SyncRefused(403, f"terminal {terminal_id} was revoked at {row.revoked_at:%Y-%m-%d %H:%M}")
    return Caller(row.terminal_id, row.warehouse_id, row.code, row.applied_sequence, row.applied_hash)
