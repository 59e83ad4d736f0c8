"""Adopting a station: a site that ran one station on its own SQLite file goes central. The
file's master data, documents and ledger become a new central database's first data
(store/adoption), and the station is enrolled as a terminal central is in step with: central
holds its moves up to its last one, and its pull cursors stand at the end of what central
logged for the copy, so neither side sends the other what it already has. Documents it made
before are central's from then on; what it makes after travels as any terminal's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from wms_tui.domain.errors import ConfigError, InvalidInput
from wms_tui.services.terminals import check_terminal_id, enrol
from wms_tui.store import adoption, migrate, replication
from wms_tui.store.models import ChangeCounter, SyncState, SyncTerminal
from wms_tui.store.session import transaction


@dataclass(frozen=True)
class Adopted:
    terminal_id: str
    warehouse: str
    secret: str  # shown once: central keeps its hash
    tables: list[adoption.Copied]
    applied_sequence: int  # the station's last own move, held centrally

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


def _check_databases(station: Engine, central: Engine, terminal_id: str) -> None:
    check_terminal_id(terminal_id)
    if station.dialect.name != "sqlite":
        raise ConfigError("the station to adopt is a SQLite file (sqlite:///path/to/wms.db)")
    if central.dialect.name != "postgresql":
        raise ConfigError("the central database is PostgreSQL: pass --url postgresql://...")
    for name, engine in (("the station's file", station), ("the central database", central)):
        try:
            up_to_date = migrate.is_up_to_date(engine)
        except DBAPIError as exc:  # not a database (a damaged or foreign file), or not reachable
            raise ConfigError(f"{name} cannot be read: {exc.orig}") from None
        if not up_to_date:
            raise ConfigError(f"{name} is not at the schema of this release ({', '.join(sorted(migrate.HEADS))}): "
                              "run wms-tui db upgrade (or central init) on it first")
    with station.connect() as conn:
        syncing = conn.scalar(select(SyncState.terminal_id))
    if syncing is not None:
        raise InvalidInput(f"the station already syncs as terminal {syncing}: its data reaches central by sync")


def adopt_station(station: Engine, central: Engine, terminal_id: str, warehouse: str,
                  progress: Callable[[int, int], None] = lambda _done, _total: None) -> Adopted:
    """Copy the station's file into the empty central database and enrol the station as
    `terminal_id` of `warehouse`, in one central transaction; then record on the station that
    it syncs, in step. The station's write lock is held throughout: what it would write
    meanwhile waits, and is then sent as a syncing terminal's. `progress(rows copied, rows in
    all)` follows the copy."""
    _check_databases(station, central, terminal_id)
    warehouse = warehouse.strip().upper()
    with station.begin() as source:  # the write lock, and one snapshot of the file
        total = sum(adoption.rows_to_copy(source).values())
        done = [0]

        def copied(rows: int) -> None:
            done[0] += rows
            progress(done[0], total)

        last = replication.last_own_sequence(source, terminal_id)
        with transaction(central) as session:
            tables = adoption.copy_station(source, session.connection(), copied)
            secret = enrol(session, terminal_id, warehouse, applied=(last, replication.chain_hash(source, terminal_id, last)))
            warehouse_id = session.get_one(SyncTerminal, terminal_id).warehouse_id
        with central.connect() as conn:
            counters = dict(conn.execute(select(ChangeCounter.warehouse_id, ChangeCounter.last_change)).all())
        # Should this fail, the station's sync starts from the beginning instead: its moves are
        # resends central skips, what it pulls it holds already.
        source.execute(SyncState.__table__.insert().values(
            terminal_id=terminal_id, acknowledged_sequence=last, master_cursor=counters.get(0, 0),
            warehouse_cursor=counters.get(warehouse_id, 0), last_success_at=datetime.now(UTC)))
    return Adopted(terminal_id, warehouse, secret, tables, last)
