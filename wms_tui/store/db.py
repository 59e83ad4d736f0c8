"""Engine and transaction set-up for the local SQLite ledger and the central PostgreSQL database."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from wms_tui.domain.errors import ConfigError

# How long a SQLite transaction waits for another writer's lock before "database is locked";
# an engine's execution option BUSY_TIMEOUT_OPTION (milliseconds) sets it per transaction.
BUSY_TIMEOUT_MS = 30_000
BUSY_TIMEOUT_OPTION = "busy_timeout_ms"
# Set by `replaceable`: the transaction writes only what central holds and gives again.
REPLACEABLE_OPTION = "replaceable_writes"


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def make_engine(url: str, *, echo: bool = False, pool_size: int | None = None, create: bool = True) -> Engine:
    """An engine tuned for the ledger. SQLite: WAL, synchronous=FULL (see `replaceable`), BEGIN IMMEDIATE writes.
    `create=False`: a SQLite file that does not exist is refused, not created empty (a command
    that refuses to run leaves nothing behind)."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigError(f"database.url {url!r} is not a database URL: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            if not create and not Path(database).exists():
                raise ConfigError(f"no database at {database}: run `wms-tui db upgrade` first "
                                  "(or `wms-tui demo`, then `wms-tui --demo COMMAND`)")
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "factory": _WriterLockedConnection})
        _tune_sqlite(engine, _writer_lock(database))
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # A service (`central serve`) serves many requests at once: pool_size connections each
        # way, as many again in overflow.
        sizes = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": pool_size}
        return create_engine(parsed, echo=echo, pool_pre_ping=True, **sizes)
    raise ConfigError(f"database.url: unsupported database {parsed.get_backend_name()!r} (use sqlite or postgresql)")


_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _writer_lock(database: str) -> threading.Lock | None:
    """The lock this process's writers to one SQLite file queue on (None: an in-memory database,
    private to its connection)."""
    if not database or database == ":memory:":
        return None
    with _writer_locks_guard:
        return _writer_locks.setdefault(str(Path(database).resolve()), threading.Lock())


class _WriterLockedConnection(sqlite3.Connection):
    """A SQLite connection that lets go of its file's writer lock when its transaction ends.

    Why a lock of our own: SQLite makes a writer that finds the file locked sleep and poll
    (1, 2, 5 ... 100 ms), so on a terminal whose floor, pusher and puller threads write the
    same file, a pick waited out the puller's apply in sleeps far longer than the apply. Threads
    queued on a lock are woken the moment it is free; other processes still meet SQLite's own
    lock and its busy timeout."""

    holding: threading.Lock | None = None

    def _let_go(self) -> None:
        held, self.holding = self.holding, None
        if held is not None:
            held.release()

    def _ending(end):
        """`end` (commit, rollback, close) that lets go of the lock however it ends."""
        def ended(self) -> None:
            try:
                end(self)
            finally:
                self._let_go()
        return ended

    commit = _ending(sqlite3.Connection.commit)
    rollback = _ending(sqlite3.Connection.rollback)
    close = _ending(sqlite3.Connection.close)
    del _ending


def _tune_sqlite(engine: Engine, writer_lock: threading.Lock | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself (pysqlite's implicit BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed scan survives power loss, not only a process crash (NORMAL in WAL
        # mode may lose the last transactions when power fails).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        record.info["synchronous"] = "FULL"

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # Writers take the lock up front (IMMEDIATE): a deferred transaction that reads and
        # then writes fails at once with "database is locked" if another writer got in first.
        # Readers (execution option read_only=True) stay deferred and never block writers.
        options = connection.get_execution_options()
        timeout = int(options.get(BUSY_TIMEOUT_OPTION, BUSY_TIMEOUT_MS))
        # Set only when it changes: a scan is one transaction, and the pooled connection keeps it.
        if connection.info.get(BUSY_TIMEOUT_OPTION) != timeout:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={timeout}")
            connection.info[BUSY_TIMEOUT_OPTION] = timeout
        if options.get("read_only", False):
            connection.exec_driver_sql("BEGIN")
            return
        synchronous = "NORMAL" if options.get(REPLACEABLE_OPTION, False) else "FULL"
        if connection.info.get("synchronous") != synchronous:  # the pooled connection keeps it
            connection.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
            connection.info["synchronous"] = synchronous
        dbapi_connection = connection.connection.dbapi_connection
        if writer_lock is not None:
            if not writer_lock.acquire(timeout=timeout / 1000):
                raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
            dbapi_connection.holding = writer_lock
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection._let_go()
            raise


def is_locked(exc: OperationalError) -> bool:
    """Another writer held the lock past the busy timeout (SQLite)."""
    return "database is locked" in str(exc.orig)


def read_only(engine: Engine) -> Engine:
    """The same engine whose transactions only read (no write lock taken on SQLite)."""
    return engine.execution_options(read_only=True)


def replaceable(engine: Engine) -> Engine:
    """The same engine whose transactions write only what central holds and gives again: a
    sync's acknowledgements, what it pulled, its status. On SQLite their commits are not synced
    to disk (synchronous=NORMAL in WAL mode, where FULL cost a sync of the log per commit: on a
    busy terminal two of every three): a power cut may undo the last of them, never part of
    one nor any commit before them, and the next sync does it again. The floor's own writes
    (moves, documents) stay synchronous=FULL, and a FULL commit syncs the log with all that
    came before it."""
    return engine.execution_options(**{REPLACEABLE_OPTION: True})


def checkpoint_wal(engine: Engine) -> None:
    """SQLite: copy what the write-ahead log holds into the database file now, between two
    inputs, rather than in the commit that takes the log past SQLite's automatic checkpoint
    (1,000 pages: that commit writes and syncs the database file too). PASSIVE: it waits for
    no reader or writer. Other databases: nothing to do."""
    if engine.dialect.name != "sqlite":
        return
    connection = engine.raw_connection()  # no transaction: a checkpoint cannot run inside one
    try:
        connection.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        connection.close()


def warehouse_codes(engine: Engine) -> list[str]:
    """The database's warehouse codes. Plain SQL, no models: the app checks its warehouse with it
    before the first frame, and loading the tables' models there would slow every cold start."""
    with read_only(engine).connect() as connection:
        return [code for (code,) in connection.execute(text("SELECT code FROM warehouse ORDER BY code"))]


# The item ids in the order given (sorted by the caller): locks taken in one order everywhere,
# so two transactions never each hold a key the other waits for.
_LOCK_STOCK_OF_ITEMS = text(
    "SELECT pg_advisory_xact_lock(:warehouse_id, item_id) FROM unnest(CAST(:item_ids AS integer[])) AS item_id"
)


def lock_stock_of_items(connection: Connection, warehouse_id: int, item_ids) -> None:
    """Until the transaction ends, only it decides what of these items' stock in the warehouse is
    promised (confirming orders, allocating, releasing back orders): on PostgreSQL two such
    transactions at once (the console, thin sessions, central re-allocating a short pick) would
    both read the same free units and both promise them. Each waits here for the other to
    commit, then reads what it promised. SQLite: nothing to do, a writer holds the whole
    database from its BEGIN IMMEDIATE."""
    if connection.dialect.name != "postgresql":
        return
    ids = sorted(set(item_ids))
    if ids:
        connection.execute(_LOCK_STOCK_OF_ITEMS, {"warehouse_id": warehouse_id, "item_ids": ids})


def _terminal_lock_key(terminal_id: str) -> int:
    """The advisory-lock key of a terminal id: 64 bits of a hash, so ids do not collide."""
    digest = hashlib.sha256(f"wms-tui terminal {terminal_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def try_hold_terminal(engine: Engine, terminal_id: str) -> Connection | None:
    """PostgreSQL: the terminal id for this process alone, as a session-level advisory lock that
    the returned connection holds until `release_terminal`, or until the process ends however
    it ends (the server drops the lock with the connection). None: another process holds it."""
    connection = engine.connect()
    held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _terminal_lock_key(terminal_id)})
    if held.scalar_one():
        connection.commit()  # ends the transaction; a session-level lock outlives it
        return connection
    connection.close()
    return None


def release_terminal(connection: Connection, terminal_id: str) -> None:
    # Unlocked before the connection goes back to the pool, which would keep the lock with it.
    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _terminal_lock_key(terminal_id)})
    connection.commit()
    connection.close()
