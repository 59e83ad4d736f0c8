"""Units of work: one transaction per thing a person does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from wms_tui.store.db import read_only


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    with Session(read_only(engine), expire_on_commit=False) as session:
        yield session
