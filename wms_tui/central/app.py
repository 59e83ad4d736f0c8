"""The sync service over HTTP (Starlette, served by uvicorn). Stateless: everything it knows is
in the database, so several copies may serve one database.

Every request carries the terminal's credential (Authorization: Bearer TERMINAL:SECRET) and its
schema version (X-Wms-Schema: the migration heads); a body is JSON, at most MAX_BODY_BYTES.
POST /v1/push applies a batch of moves (and answers what changed after the cursors it sends
as 'news', as a pull would: a terminal that is pushing learns the news without pulling);
POST /v1/documents the documents a terminal created (packing, shipments, receipts, counts,
returns); POST /v1/tasks applies task completions and leases tasks to the terminal; POST
/v1/pull answers what changed, waiting up to `wait_s` seconds (long poll) when nothing has;
GET /v1/health says the service is up and reaches its database.
A request the database cannot answer (central's PostgreSQL down, restarting or refusing
connections) is answered 503 with the reason, logged in one line: the terminal keeps its moves
and sends them again after its back-off.

A waiting pull does not re-read the database on its own: one task per service process reads
the change counters every POLL_S while pulls wait and wakes them all when one moves (50
terminals each re-running its pull every 50 ms would be 1,000 pulls a second). A woken pull
waits SETTLE_S more before it reads, so the picks of many terminals in that moment travel in
one answer instead of waking every terminal once per pick. The pulls of one warehouse at the
same cursors (the fleet, once it is in step) share one read and its serialised answer
(`SharedReads`): a wake costs one read, not one per terminal. Whatever their cursors, the
moves of those reads come from the process's copy of each warehouse's latest moves
(replication.RecentMoves): each move is read from the database once, not once per terminal.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time

import anyio
from sqlalchemy import Engine, text
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from wms_tui.central import protocol
from wms_tui.central.registry import Caller
from wms_tui.domain.sync import (
    API_PREFIX,
    MAX_BODY_BYTES,
    MAX_WAIT_S,
    SCHEMA_HEADER,
    SyncRefused,
    parse_credential,
    schema_token,
)
from wms_tui.store import migrate, replication

# How often the change counters are read while pulls wait: a change is noticed within this.
POLL_S = 0.05
# How long a woken pull lets further changes gather before it reads them.
SETTLE_S = 0.1
# Requests that write (push, documents, tasks) run at most this many at once per service
# process: a warehouse's pushes are applied a group at a time anyway, and 50 pushes queued on
# the database held all of the thread pool's 40 threads (and the engine's connections), so the
# pulls waited behind them for a thread.
WRITERS = 10
_COUNTERS = text("SELECT warehouse_id, last_change FROM change_counter ORDER BY warehouse_id")
# What the database raises when it cannot answer: down, restarting, refusing connections, or a
# transaction it gave up (a deadlock, a serialisation failure). The request may be sent again.
UNANSWERED = (OperationalError, InterfaceError)

log = logging.getLogger(__name__)


class ChangeWatch:
    """The service process's one reader of the change counters while pulls wait."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.waiting = 0
        # Counts the counter moves noticed (and the watch's starts: what it saw before it
        # stopped is no baseline). A read begun at a generation holds every change it counts.
        self.generation = 0
        self._moved = asyncio.Event()
        self._task: asyncio.Task | None = None

    def enter(self) -> None:
        """A pull is about to read and may wait (`leave` once when it answers). A watch that
        starts anew sets `moved` after its first read: its baseline may postdate the pull's."""
        self.waiting += 1
        if self._task is None:
            self.generation += 1
            self._task = asyncio.create_task(self._run())

    @property
    def watching(self) -> bool:
        """Whether counter moves are being noticed now (so `generation` is current)."""
        return self._task is not None

    def leave(self) -> None:
        self.waiting -= 1

    @property
    def moved(self) -> asyncio.Event:
        """Set by the first counter move noticed after this is taken: take it before reading."""
        return self._moved

    def _read(self) -> list[tuple[int, int]]:
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(_COUNTERS)]

    async def _run(self) -> None:
        try:
            seen = None
            while self.waiting:
                try:
                    counters = await run_in_threadpool(self._read)
                except UNANSWERED:  # the waiting pulls are woken: their own reads answer 503 now
                    self._wake()
                    return
                if counters != seen:
                    seen = counters
                    self._wake()
                await asyncio.sleep(POLL_S)
        finally:
            self._task = None

    def _wake(self) -> None:
        self.generation += 1
        self._moved.set()
        self._moved = asyncio.Event()


class SharedReads:
    """One read per pull point and watch generation: pulls at the same point join the read
    another began since the counters last moved (it holds every change they were woken for)
    instead of each reading the same rows. Without a watch running, nothing is shared."""

    def __init__(self, engine: Engine, watch: ChangeWatch) -> None:
        self.engine = engine
        self.watch = watch
        self.recent = replication.RecentMoves()
        self._reads: dict[protocol.PullPoint, tuple[int, asyncio.Future]] = {}

    async def changes(self, point: protocol.PullPoint) -> protocol.Changes:
        if not self.watch.watching:
            return await run_in_threadpool(protocol.read_changes, self.engine, point, self.recent)
        generation = self.watch.generation
        began = self._reads.get(point)
        if began is None or began[0] != generation:
            # Reads of earlier generations answer no one any more.
            self._reads = {known: read for known, read in self._reads.items() if read[0] == generation}
            began = generation, asyncio.ensure_future(run_in_threadpool(protocol.read_changes, self.engine, point, self.recent))
            began[1].add_done_callback(lambda done: self._forget_failed(point, done))
            self._reads[point] = began
        return await asyncio.shield(began[1])

    def _forget_failed(self, point: protocol.PullPoint, done: asyncio.Future) -> None:
        """A read that failed is not handed to later pulls (those joined already see its error)."""
        if not done.cancelled() and done.exception() is None:
            return
        if self._reads.get(point, (None, None))[1] is done:
            del self._reads[point]


async def _request_body(request: Request) -> dict:
    """The JSON object of a request whose schema version is ours, read up to the size limit."""
    ours = schema_token(migrate.HEADS)
    theirs = request.headers.get(SCHEMA_HEADER)
    if theirs != ours:
        raise SyncRefused(426, f"schema version {theirs or 'missing'} is not the central database's {ours}: "
                               "bring the terminal and central to the same release (wms-tui db upgrade)", schema=ours)
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise SyncRefused(413, f"a request body may hold at most {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise SyncRefused(413, f"a request body may hold at most {MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
    except ClientDisconnect:  # the terminal lost its network mid-request: it sends the whole again
        raise SyncRefused(400, "the connection closed before the request's body was whole: nothing was applied") from None
    try:
        body = json.loads(b"".join(chunks))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SyncRefused(400, f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise SyncRefused(400, "the body must be a JSON object")
    return body


def _refusal(exc: SyncRefused) -> JSONResponse:
    return JSONResponse({"error": str(exc), **exc.details}, status_code=exc.status)


async def _database_unanswered(_request: Request, exc: Exception) -> JSONResponse:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    log.warning("central's database did not answer: %s", reason)
    return JSONResponse({"error": f"central's database did not answer ({reason}): send again later"}, status_code=503)


def _check_database(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def create_app(engine: Engine) -> Starlette:
    writers = anyio.CapacityLimiter(WRITERS)

    def applying(apply):
        """An endpoint that hands the caller's credential and body to `apply(credential, body)`
        (in a worker thread) and answers its result, or the refusal."""

        async def endpoint(request: Request) -> JSONResponse:
            try:
                body = await _request_body(request)
                credential = parse_credential(request.headers.get("authorization", ""))
                result = await anyio.to_thread.run_sync(functools.partial(apply, credential, body), limiter=writers)
            except SyncRefused as exc:
                return _refusal(exc)
            return JSONResponse(result.as_json())

        return endpoint

    documents, tasks = applying(functools.partial(protocol.documents, engine)), applying(functools.partial(protocol.tasks, engine))
    changes = ChangeWatch(engine)
    reads = SharedReads(engine, changes)
    pushes = protocol.PushGroups(engine)

    async def push(request: Request) -> Response:
        """Applies a batch of moves; answers with what changed after the cursors it sent as
        'news', if it sent them (read once the batch is applied, as a pull would, not waited for)."""
        try:
            body = await _request_body(request)
            credential = parse_credential(request.headers.get("authorization", ""))
            asked = protocol.news_asked(body)
            result, caller = await anyio.to_thread.run_sync(functools.partial(pushes.push, credential, body), limiter=writers)
            news = None if asked is None else await reads.changes(protocol.PullPoint(caller.warehouse_id, *asked))
        except SyncRefused as exc:
            return _refusal(exc)
        return Response(result.body_with(None if news is None else news.body_for(caller.terminal_id)), media_type="application/json")

    async def answer_when_news(caller: Caller, point: protocol.PullPoint, wait: float) -> protocol.Changes:
        """The changes after the pull's point, once there are some for the caller or `wait`
        seconds have passed."""
        if wait <= 0:
            return await reads.changes(point)
        deadline = time.monotonic() + wait
        changes.enter()
        try:
            while True:
                moved = changes.moved
                found = await reads.changes(point)
                left = deadline - time.monotonic()
                if found.news_for(caller.terminal_id) or found.more or left <= 0:
                    return found
                try:
                    await asyncio.wait_for(moved.wait(), left)
                except TimeoutError:
                    continue  # one last read at the deadline
                await asyncio.sleep(min(SETTLE_S, max(0.0, deadline - time.monotonic())))
        finally:
            changes.leave()

    async def pull(request: Request) -> Response:
        try:
            body = await _request_body(request)
            credential = parse_credential(request.headers.get("authorization", ""))
            wait = body.get("wait_s", 0)
            if not isinstance(wait, int | float) or isinstance(wait, bool) or wait < 0:
                raise SyncRefused(400, "'wait_s' must be a number of seconds >= 0")
            caller, point = await run_in_threadpool(protocol.pull_point, engine, credential, body)
            found = await answer_when_news(caller, point, min(float(wait), MAX_WAIT_S))
        except SyncRefused as exc:
            return _refusal(exc)
        return Response(found.body_for(caller.terminal_id), media_type="application/json")

    async def health(_request: Request) -> JSONResponse:
        await run_in_threadpool(_check_database, engine)  # a 503 when it does not answer
        return JSONResponse({"schema": schema_token(migrate.HEADS)})

    return Starlette(routes=[
        Route(f"{API_PREFIX}/push", push, methods=["POST"]),
        Route(f"{API_PREFIX}/documents", documents, methods=["POST"]),
        Route(f"{API_PREFIX}/tasks", tasks, methods=["POST"]),
        Route(f"{API_PREFIX}/pull", pull, methods=["POST"]),
        Route(f"{API_PREFIX}/health", health, methods=["GET"]),
    ], exception_handlers=dict.fromkeys(UNANSWERED, _database_unanswered))
