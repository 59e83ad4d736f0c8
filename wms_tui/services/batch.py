"""Batch work that shares the database with the floor: imports written in short transactions.

A terminal takes the write lock for every input; a batch job holding it for minutes would make
every scan wait (SQLite has one writer). So a batch job checks everything first, reading only,
and then writes in transactions of a few hundred rows, each aimed at WRITE_TARGET_S (well under
the floor's 250 ms), with a pause after each in which a waiting terminal gets the lock.

All-or-nothing for the user: the job has an id (`import_run`); the position it has written up to
is committed with the rows it counts, so a crash loses nothing and writes nothing twice; until
the last row is written the run says `running` (`wms-tui import --status`), and it is then
resumed from that position or rolled back (moves reversed: the ledger is append-only).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, and_, update
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.imports import ImportState, import_ref
from wms_tui.domain.reasons import MoveReason
from wms_tui.store.ledger import MOVES, PostingContext, reverse_moves
from wms_tui.store.models import ImportRun
from wms_tui.store.session import reading, transaction

WRITE_TARGET_S = 0.1  # what one write transaction aims at; its size adapts to reach it
# After each transaction: a terminal waiting for the lock tries again at least every 25 ms
# (SQLite's busy handler, restarted by the terminal every session.BUSY_STEP_MS), so one of its
# tries falls in the pause.
PAUSE_S = 0.03
FIRST_CHUNK = 50
MAX_CHUNK = 5_000
REVERSE_CHUNK = 1_000  # reversals per transaction: about WRITE_TARGET_S

Row = TypeVar("Row")


@dataclass(frozen=True)
class Part:
    """One file of a run, written in this order."""

    name: str  # e.g. "stock"
    path: Path
    sha256: str
    rows: int

    def as_dict(self) -> dict:
        return {"part": self.name, "path": str(self.path), "sha256": self.sha256, "rows": self.rows}


@dataclass(frozen=True)
class RunView:
    id: int
    kind: str
    state: ImportState
    started_at: datetime
    finished_at: datetime | None
    parts: tuple[Part, ...]
    part: str  # the part being written ("" before the first row)
    rows_done: int  # rows of that part written
    context: PostingContext

    def start_of(self, part: str) -> int:
        """Rows of `part` already written (all of it when a later part is being written)."""
        names = [p.name for p in self.parts]
        if not self.part or names.index(part) > names.index(self.part):
            return 0
        if part == self.part:
            return self.rows_done
        return next(p.rows for p in self.parts if p.name == part)

    @property
    def written(self) -> int:
        return sum(self.start_of(part.name) for part in self.parts)

    @property
    def total(self) -> int:
        return sum(part.rows for part in self.parts)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _view(run: ImportRun) -> RunView:
    parts = tuple(Part(entry["part"], Path(entry["path"]), entry["sha256"], entry["rows"]) for entry in json.loads(run.files))
    return RunView(run.id, run.kind, run.state, run.started_at, run.finished_at, parts, run.part, run.rows_done,
                   PostingContext(run.terminal_id, run.operator))


def start_run(engine: Engine, kind: str, parts: Sequence[Part], context: PostingContext) -> RunView:
    """Give a checked import its id; refused while another one is unfinished."""
    with transaction(engine) as session:
        unfinished = session.exec(select(ImportRun.id).where(ImportRun.state == ImportState.RUNNING)).first()
        if unfinished is not None:
            raise InvalidInput(f"import {unfinished} is unfinished: `wms-tui import --resume {unfinished}` "
                               f"or `--rollback {unfinished}` first")
        run = ImportRun(kind=kind, state=ImportState.RUNNING, started_at=datetime.now(UTC), terminal_id=context.terminal_id,
                        operator=context.operator, files=json.dumps([part.as_dict() for part in parts]))
        session.add(run)
        session.flush()
        return _view(run)


def unfinished_run(engine: Engine, run_id: int, kind: str | None = None) -> RunView:
    """A run to resume or roll back."""
    with reading(engine) as session:
        run = session.get(ImportRun, run_id)
        if run is None or (kind is not None and run.kind != kind):
            raise NotFound(f"no import {run_id}" + (f" of {kind}" if kind else ""))
        if run.state is not ImportState.RUNNING:
            raise InvalidInput(f"import {run_id} is {run.state.value.replace('_', ' ')}: nothing to do")
        return _view(run)


def same_files(run: RunView) -> None:
    """A resumed run must read the very files it was checked with."""
    for part in run.parts:
        if not part.path.is_file() or file_digest(part.path) != part.sha256:
            raise InvalidInput(f"import {run.id}: {part.path} is missing or changed since the import started; "
                               f"roll it back with `wms-tui import --rollback {run.id}`")


def runs(engine: Engine, *, limit: int = 20) -> list[RunView]:
    """The newest runs first (`wms-tui import --status`)."""
    with reading(engine) as session:
        return [_view(run) for run in session.exec(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit))]


def write_rows(
    engine: Engine,
    run: RunView,
    part: str,
    rows: Sequence[Row],
    write: Callable[[Session, Sequence[Row], int], None],
    progress: Callable[[int], None] = lambda _n: None,
) -> RunView:
    """Write `rows` (from `run.start_of(part)` on) in short transactions: `write(session, chunk,
    offset)` does the work of one; the run's position is advanced in the same transaction, only
    from where this process left it (a second process resuming the same run stops instead of
    writing the rows twice). Returns the run as it stands after the last chunk."""
    done = run.start_of(part)
    size = min(FIRST_CHUNK, MAX_CHUNK)
    cursor = (run.part, run.rows_done)
    while done < len(rows):
        chunk = rows[done : done + size]
        began = time.monotonic()
        with transaction(engine) as session:
            write(session, chunk, done)
            advanced = session.connection().execute(
                update(ImportRun.__table__)
                .where(and_(ImportRun.__table__.c.id == run.id, ImportRun.__table__.c.part == cursor[0],
                            ImportRun.__table__.c.rows_done == cursor[1]))
                .values(part=part, rows_done=done + len(chunk))
            )
            if advanced.rowcount != 1:
                raise InvalidInput(f"import {run.id} is being written by another process")
        took = time.monotonic() - began
        done += len(chunk)
        cursor = (part, done)
        progress(len(chunk))
        size = max(1, min(MAX_CHUNK, 2 * len(chunk), int(len(chunk) * WRITE_TARGET_S / max(took, 1e-3))))
        time.sleep(PAUSE_S)
    return RunView(run.id, run.kind, run.state, run.started_at, run.finished_at, run.parts, *cursor, run.context)


def record_created(session: Session, run: RunView, numbers: Sequence[str]) -> None:
    """Remember the documents a run created (in the transaction that creates them): a rollback
    cancels them."""
    row = session.get(ImportRun, run.id)
    row.created = "\n".join(filter(None, (row.created, *numbers)))


def created_by(engine: Engine, run: RunView) -> list[str]:
    with reading(engine) as session:
        created = session.get(ImportRun, run.id).created
    return created.split("\n") if created else []


def finish_run(engine: Engine, run: RunView, state: ImportState = ImportState.COMPLETE) -> None:
    with transaction(engine) as session:
        row = session.get(ImportRun, run.id)
        row.state, row.finished_at = state, datetime.now(UTC)


def reverse_run_moves(engine: Engine, run: RunView) -> int:
    """Reverse the moves the run posted, in short transactions; returns how many."""
    ref = import_ref(run.id)
    reversed_ids = core_select(MOVES.c.reverses_id).where(MOVES.c.document_ref == ref, MOVES.c.reverses_id.is_not(None))
    pending = (core_select(MOVES.c.id)
               .where(MOVES.c.document_ref == ref, MOVES.c.reverses_id.is_(None), MOVES.c.id.not_in(reversed_ids))
               .limit(REVERSE_CHUNK))
    count = 0
    while True:
        with transaction(engine) as session:
            connection = session.connection()
            ids = list(connection.execute(pending).scalars())
            if ids:
                reverse_moves(connection, ids, run.context, MoveReason.CORRECTION)
        if not ids:
            return count
        count += len(ids)
        time.sleep(PAUSE_S)

