"""Units of work: one transaction per thing a person does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from wms_tui.store.db import BUSY_TIMEOUT_OPTION, is_locked, read_only

# How long a waiting transaction tries for the write lock between two calls of on_busy.
BUSY_STEP_MS = 100


@contextmanager
def transaction(engine: Engine, *, on_busy: Callable[[], None] | None = None) -> Iterator[Session]:
    """A session whose work commits together on success and rolls back on any error.

    With `on_busy`, the write lock is taken before the work starts and waited for as long as
    another writer holds it (SQLite: a batch job between its short transactions), calling
    on_busy every BUSY_STEP_MS meanwhile, instead of failing with "database is locked"."""
    session = _holding_write_lock(engine, on_busy) if on_busy is not None else Session(engine, expire_on_commit=False)
    with session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()


def _holding_write_lock(engine: Engine, on_busy: Callable[[], None]) -> Session:
    stepping = engine.execution_options(**{BUSY_TIMEOUT_OPTION: BUSY_STEP_MS})
    while True:
        session = Session(stepping, expire_on_commit=False)
        try:
            session.connection()  # begins now: BEGIN IMMEDIATE on SQLite takes the write lock
            return session
        except OperationalError as exc:
            session.close()
            if not is_locked(exc):
                raise
        on_busy()


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    with Session(read_only(engine), expire_on_commit=False) as session:
        yield session
