"""What the operations team reads about the terminals enrolled to sync: last contact, moves
central holds from each, tasks each holds by lease, sync conflicts still open. The console's
dashboard shows it from its first frame, so it reads in Core over light table clauses, without
loading the models (services/terminals enrols and revokes terminals)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, select

from wms_tui.domain.states import PENDING_TASK_STATES, ExceptionKind
from wms_tui.store.db import read_only
from wms_tui.store.light_tables import (
    exception_resolution,
    sync_conflict,
    sync_terminal,
    task,
    warehouse,
)


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


def open_conflicts(connection: Connection) -> Counter[str]:
    """Sync conflicts no supervisor resolved yet, by the terminal that raised them."""
    resolution = exception_resolution.c
    resolved = set(connection.execute(
        select(resolution.reference).where(resolution.kind == ExceptionKind.SYNC_CONFLICT)).scalars())
    return Counter(terminal for conflict, terminal in connection.execute(select(sync_conflict.c.id, sync_conflict.c.terminal_id))
                   if str(conflict) not in resolved)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their zone (they are stored in UTC)."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def list_terminals(engine: Engine) -> list[TerminalStatus]:
    now = datetime.now(UTC)
    terminal, tasks = sync_terminal.c, task.c
    with read_only(engine).connect() as connection:
        rows = connection.execute(
            select(terminal.terminal_id, terminal.revoked_at, terminal.last_contact_at, terminal.applied_sequence, warehouse.c.code)
            .select_from(sync_terminal.join(warehouse, warehouse.c.id == terminal.warehouse_id)).order_by(terminal.terminal_id)
        ).all()
        if not rows:
            return []
        leases: dict[str, tuple[int, int]] = {
            holder: (held, expired) for holder, held, expired in connection.execute(
                select(tasks.leased_to, func.count(), func.count().filter(tasks.lease_until < now))
                .where(tasks.leased_to.is_not(None), tasks.state.in_([state.value for state in PENDING_TASK_STATES]))
                .group_by(tasks.leased_to))
        }
        conflicts = open_conflicts(connection)
    return [TerminalStatus(row.terminal_id, row.code, row.revoked_at is not None, _utc(row.last_contact_at), row.applied_sequence,
                           *leases.get(row.terminal_id, (0, 0)), conflicts[row.terminal_id])
            for row in rows]


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
