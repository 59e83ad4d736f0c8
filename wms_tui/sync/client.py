"""The terminal side of sync: push the outbox (own moves above the acknowledged sequence, then
the documents it created) and pull what changed centrally, each batch applied locally in one short transaction. Nothing here
sits on a scan's path: the floor posts to its own file and this catches up when it can."""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

import httpx
from sqlalchemy import Engine, bindparam, select
from sqlalchemy.exc import IntegrityError

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.sync import (
    API_PREFIX,
    FIELD_INDEX,
    SCHEMA_HEADER,
    SyncRefused,
    credential,
    schema_token,
    status_text,
)
from wms_tui.store import migrate, pulled_rows, pushed_rows, replication
from wms_tui.store.db import read_only, replaceable
from wms_tui.store.models import SyncState, TaskDoneOutbox

SEQUENCE, CHAIN = FIELD_INDEX["sequence"], FIELD_INDEX["chain_hash"]
log = logging.getLogger(__name__)
SYNC_STATE = SyncState.__table__
TASK_OUTBOX = TaskDoneOutbox.__table__
# Push batches sent before the first is answered.
PUSHES_IN_FLIGHT = 2


class Offline(Exception):
    """The central service could not be reached (or answered with a server error)."""


@dataclass(frozen=True)
class Endpoint:
    url: str
    terminal_id: str
    warehouse: str
    secret: str


@dataclass(frozen=True)
class SyncReport:
    pushed: int
    pulled_moves: int
    pulled_rows: int
    tasks_confirmed: int = 0  # task completions sent
    documents_sent: int = 0  # document rows (packing, shipments, receipts, counts, returns) sent


# (acknowledged sequence, its chain hash, the first batch above it, the last sequence to send)
OutboxStart = tuple[int, str, replication.WireBatch, int]
NO_MOVES = replication.WireBatch([])


class Sent(NamedTuple):
    """What one send of the outbox did."""

    moves: int  # moves central applied
    documents: int  # document rows sent
    completions: int  # task completions sent
    news_moves: int = 0  # other terminals' moves the push's answer brought
    news_rows: int = 0  # rows (master data, documents) the push's answer brought


@dataclass(frozen=True)
class SyncStatus:
    to_send: int
    acknowledged: int
    last_success_at: datetime | None
    offline_since: datetime | None
    last_error: str | None

    def text(self, now: datetime | None = None) -> str:
        return status_text(now or datetime.now(UTC), last_success=self.last_success_at, offline_since=self.offline_since,
                           to_send=self.to_send)


@functools.cache
def _saving(columns: frozenset[str]):
    """The UPDATE of these sync_state columns, built once: a busy terminal saves after every
    push and pull, and building the statement cost more than running it."""
    return (SYNC_STATE.update().where(SYNC_STATE.c.terminal_id == bindparam("_terminal"))
            .values({column: bindparam(column) for column in columns}))


def _request_json(body: dict) -> str:
    """The body as JSON; a batch of moves (WireBatch) goes in as the database wrote it."""
    moves = body.get("moves")
    if not isinstance(moves, replication.WireBatch):
        return json.dumps(body, separators=(",", ":"))
    rest = json.dumps({name: value for name, value in body.items() if name != "moves"}, separators=(",", ":"))
    return f'{rest[:-1]}{"," if len(rest) > 2 else ""}"moves":{moves.json}}}'


def _reason(response: httpx.Response) -> str:
    """': ' and the error a failed answer gives, if it gives one in JSON."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    return f": {error}" if isinstance(error, str) else ""


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


class SyncClient:
    def __init__(self, engine: Engine, endpoint: Endpoint, *, batch_size: int = 5000, timeout_s: float = 30.0,
                 tasks_held: int = 10, transport: httpx.BaseTransport | None = None) -> None:
        self.engine = engine
        self.endpoint = endpoint
        self.batch_size = batch_size
        self.tasks_held = tasks_held  # tasks to keep under lease: the work this terminal can do offline
        self._sender_pool: ThreadPoolExecutor | None = None  # sends batches while the terminal reads or applies another
        self._reader = read_only(engine)
        # Its writes are central's to give again (acknowledgements, pulled changes, status):
        # their commits need not wait for the disk.
        self._writer = replaceable(engine)
        # Where the last pull left off (read from the file at the first). Should another
        # process on this file have pulled meanwhile, rows come again: upserts, moves skipped.
        self._cursors: tuple[int, int] | None = None
        # Held while an answer of central's changes is applied and the cursors moved on: pulls
        # and pushes that asked for news each bring answers, and only an answer read from the
        # cursors as they stand is applied (an older one could put back a row's older version).
        self._news_lock = threading.Lock()
        # When a push's answer last brought this terminal up to date with central (monotonic
        # seconds): the sync worker's puller stands aside while pushes keep doing that.
        self.current_at = float("-inf")
        # A push that asked for the news is on its way: the puller need not ask as well.
        self.awaiting_news = False
        # Requests go straight to httpx's transport: the client layer above it (base URL,
        # cookies, redirects, auth hooks) cost a busy terminal as much CPU as the rest of a
        # one-pick push, and the sync protocol uses none of it.
        self._transport = transport or httpx.HTTPTransport()
        base = httpx.URL(endpoint.url.rstrip("/") + API_PREFIX + "/")
        self._urls = {path: base.join(path.lstrip("/")) for path in ("/push", "/documents", "/tasks", "/pull")}
        self._headers = httpx.Headers({"Authorization": credential(endpoint.terminal_id, endpoint.secret),
                                       SCHEMA_HEADER: schema_token(migrate.HEADS), "Content-Type": "application/json"})
        self._timeouts = httpx.Timeout(timeout_s, connect=5.0).as_dict()
        with engine.begin() as conn:
            self._enrol(conn)

    def _enrol(self, conn) -> None:
        """Make this database the terminal's from the start, before it first reaches central:
        its document numbers carry the terminal, its documents are recorded for the push, and
        it claims only tasks central leased to it."""
        if conn.execute(select(SYNC_STATE.c.terminal_id).where(SYNC_STATE.c.terminal_id == self.endpoint.terminal_id)).first() is None:
            conn.execute(SYNC_STATE.insert().values(**{**self._state(conn), "terminal_id": self.endpoint.terminal_id}))

    def close(self) -> None:
        self._transport.close()
        if self._sender_pool is not None:
            self._sender_pool.shutdown()

    def _post(self, path: str, body: dict, *, wait_s: float = 0) -> dict:
        request = httpx.Request("POST", self._urls[path], headers=self._headers, content=_request_json(body),
                                extensions={"timeout": self._timeout(wait_s)})
        try:
            response = self._transport.handle_request(request)
            try:
                response.read()
            finally:
                response.close()
        except httpx.TransportError as exc:
            raise Offline(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None
        if response.status_code >= 500:
            raise Offline(f"central answered {response.status_code}{_reason(response)}")
        try:
            answer = response.json()
        except ValueError:
            raise Offline(f"central answered {response.status_code} without JSON") from None
        if response.status_code != 200:
            details = {k: v for k, v in answer.items() if k != "error"} if isinstance(answer, dict) else {}
            raise SyncRefused(response.status_code, str(answer.get("error", answer) if isinstance(answer, dict) else answer), **details)
        return answer

    def _timeout(self, wait_s: float) -> dict:
        """A pull waits up to wait_s for news on top of the usual read timeout."""
        read = self._timeouts["read"]
        return {**self._timeouts, "read": read + wait_s} if wait_s and read is not None else self._timeouts

    def _state(self, conn) -> dict:
        row = conn.execute(select(SYNC_STATE).where(SYNC_STATE.c.terminal_id == self.endpoint.terminal_id)).mappings().one_or_none()
        if row is None:
            return {"acknowledged_sequence": 0, "master_cursor": 0, "warehouse_cursor": 0, "last_success_at": None,
                    "offline_since": None, "last_error": None}
        return dict(row)

    def _save(self, conn, **values) -> None:
        conn.execute(_saving(frozenset(values)), {**values, "_terminal": self.endpoint.terminal_id})

    def _addressed(self, **body) -> dict:
        return {"terminal": self.endpoint.terminal_id, "warehouse": self.endpoint.warehouse, **body}

    def _outbox(self, after: int, through: int) -> replication.WireBatch:
        """The outbox batch above `after` up to move `through`. A terminal's own sequence
        numbers run without a hole."""
        if through <= after:
            return NO_MOVES
        with self._reader.connect() as conn:
            return replication.outbox_batch(conn, self.endpoint.terminal_id, after, min(self.batch_size, through - after))

    def push(self) -> int:
        """Send the outbox (see _push); returns the moves central applied."""
        return self._push(with_news=False)[0]

    def _push(self, *, with_news: bool, start: OutboxStart | None = None) -> tuple[int, tuple[int, int]]:
        try:
            return self._send_batches(with_news, start)
        finally:
            self.awaiting_news = False  # also when the push failed, or central sent no news

    def _outbox_start(self, conn) -> OutboxStart:
        """Where a push starts: the acknowledged sequence and its chain hash, the first batch
        above it, and the last sequence this push sends."""
        terminal = self.endpoint.terminal_id
        acknowledged, previous = replication.acknowledged(conn, terminal)
        moves = replication.outbox_batch(conn, terminal, acknowledged, self.batch_size)
        # A batch short of full is all there was: no second read for the last sequence.
        through = replication.last_own_sequence(conn, terminal) if len(moves) == self.batch_size else (
            moves.last[SEQUENCE] if moves else acknowledged)
        return acknowledged, previous, moves, through

    def _send_batches(self, with_news: bool, start: OutboxStart | None) -> tuple[int, tuple[int, int]]:
        """Send the outbox as it stood when the push began, in batches, until central has
        applied all of it; returns the moves central applied (not those it had already: a resend)
        and the (moves, rows) of central's news applied here. `with_news`: a push of one batch
        asks for the news after this terminal's cursors, and applies them with its acknowledgement.
        Moves posted meanwhile go with the next push: a terminal posting faster than its pushes
        are answered would otherwise never leave push() for the rest of its round (the pull).
        Up to PUSHES_IN_FLIGHT batches travel at once (central parses one while it applies the
        one before, in the order sent: the terminal's lock serialises them) and the next batch
        is read from the local file meanwhile. An answer that is not the plain success of the
        oldest batch (a refusal, a resend central had) stops sending: the batches behind it are
        waited out and the outbox is read again from what central acknowledged."""
        sent = 0
        terminal = self.endpoint.terminal_id
        if start is None:
            with self._reader.connect() as conn:
                start = self._outbox_start(conn)
        acknowledged, previous, moves, through = start
        in_flight: deque[tuple[Future, replication.WireBatch]] = deque()
        news_from, news_applied = None, (0, 0)
        while moves or in_flight:
            if moves and len(in_flight) < PUSHES_IN_FLIGHT:
                full = len(moves) == self.batch_size
                body = self._addressed(previous_hash=previous, moves=moves)
                if full or in_flight:
                    request = self._sender().submit(self._post, "/push", body)
                else:  # a lone batch (a pick or two) is sent from this thread: no hand-over to a sender
                    if with_news:
                        news_from = self._current_cursors()
                        body["news"] = {"master_cursor": news_from[0], "warehouse_cursor": news_from[1], "limit": self.batch_size}
                        self.awaiting_news = True
                    request = self._sent_here("/push", body)
                in_flight.append((request, moves))
                previous = moves.last[CHAIN]
                moves = self._outbox(moves.last[SEQUENCE], through) if full else NO_MOVES
                continue
            request, batch = in_flight.popleft()
            try:
                answer = request.result()
            except SyncRefused as exc:
                sent += self._wait_out(in_flight)
                central = exc.details.get("applied_sequence")
                if exc.status != 409 or not isinstance(central, int) or central == acknowledged:
                    raise
                answer = {"applied_sequence": central}  # central has less (or more): resend from there
            except Offline:
                sent += self._wait_out(in_flight)
                raise
            else:
                sent += answer["inserted"]
            acknowledged = answer["applied_sequence"]
            if "news" in answer and news_from is not None:
                news_applied = self._acknowledged_with_news(acknowledged, news_from, answer["news"])
            else:
                with self._writer.begin() as conn:
                    self._save(conn, acknowledged_sequence=acknowledged)
            if acknowledged != batch.last[SEQUENCE]:
                sent += self._wait_out(in_flight)
                moves = NO_MOVES
            if not in_flight and not moves and acknowledged < through:  # what central did not take of it (a resend)
                with self._reader.connect() as conn:
                    previous = replication.chain_hash(conn, terminal, acknowledged)
                moves = self._outbox(acknowledged, through)
        return sent, news_applied

    def _acknowledged_with_news(self, acknowledged: int, asked_from: tuple[int, int], news: dict) -> tuple[int, int]:
        """Save the acknowledgement and apply the news that came with it in one transaction;
        returns the (moves, rows) applied. News read from cursors the terminal has since moved
        past (a pull got there first) is left: the acknowledgement alone is saved, and so it is
        when the news cannot be applied (the puller meets and reports that error; the pushes go
        on meanwhile)."""
        applied = None
        with self._news_lock:
            current = asked_from == self._cursors  # else: read from cursors a pull has moved past
            if current and self._brings_something(news):
                try:
                    with self._writer.begin() as conn:
                        self._save(conn, acknowledged_sequence=acknowledged)
                        applied = self._apply_changes(conn, news)
                except (InvalidInput, NotFound, IntegrityError, LookupError, TypeError, ValueError):
                    log.warning("central's news with a push could not be applied; the puller asks again", exc_info=True)
                    current = False
                else:
                    self._cursors = news["master_cursor"], news["warehouse_cursor"]
            if applied is None:
                with self._writer.begin() as conn:
                    self._save(conn, acknowledged_sequence=acknowledged)
        if current and not news["more"]:  # up to date with central as of the push's answer
            self.current_at = time.monotonic()
        return applied or (0, 0)

    def _current_cursors(self) -> tuple[int, int]:
        with self._news_lock:
            if self._cursors is None:
                with self._reader.connect() as conn:
                    state = self._state(conn)
                self._cursors = state["master_cursor"], state["warehouse_cursor"]
            return self._cursors

    def _brings_something(self, answer: dict) -> bool:
        """Whether an answer of changes holds anything to write (rows, moves, or cursors moved on)."""
        return bool(answer["moves"] or answer["rows"] or answer["more"] or "site_secrets" in answer) or (
            answer["master_cursor"], answer["warehouse_cursor"]) != self._cursors

    def _apply_changes(self, conn, answer: dict) -> tuple[int, int]:
        """Apply an answer of central's changes in the caller's transaction and save its cursors;
        returns the (moves, rows) applied."""
        if "site_secrets" in answer:
            pulled_rows.adopt_site_secrets(conn, answer["site_secrets"])
        rows = pulled_rows.apply_rows(conn, answer["rows"], self.endpoint.terminal_id)
        pulled = answer["moves"]
        applied = replication.apply_moves(conn, [terminal for terminal, _ in pulled], [move for _, move in pulled],
                                          datetime.now(UTC), find_negative=False)
        self._save(conn, master_cursor=answer["master_cursor"], warehouse_cursor=answer["warehouse_cursor"])
        return len(applied.inserted), rows

    def _sent_here(self, path: str, body: dict) -> Future:
        """The answer to a request sent from this thread, as a settled future."""
        answer: Future = Future()
        try:
            answer.set_result(self._post(path, body))
        except (Offline, SyncRefused) as exc:
            answer.set_exception(exc)
        return answer

    @staticmethod
    def _wait_out(in_flight: deque) -> int:
        """Let the batches still travelling finish, whatever they answer (what central applied
        of them it acknowledges to the next push); returns the moves they brought central."""
        applied = 0
        while in_flight:
            request, _ = in_flight.popleft()
            try:
                applied += request.result()["inserted"]
            except (Offline, SyncRefused):
                pass
        return applied

    def _sender(self) -> ThreadPoolExecutor:
        if self._sender_pool is None:
            self._sender_pool = ThreadPoolExecutor(max_workers=PUSHES_IN_FLIGHT, thread_name_prefix=f"wms-sync-{self.endpoint.terminal_id}")
        return self._sender_pool

    def push_documents(self, tables: tuple[str, ...] | None = None) -> int:
        """Send the documents this terminal created or changed (of `tables`, default all: after
        its moves, they name the containers and lots those brought) until central has applied
        all; returns rows sent."""
        sent = 0
        while True:
            with self._reader.connect() as conn:
                last, rows = pushed_rows.outbox(conn, self.batch_size, tables)
            if not last:
                return sent
            if rows:  # entries whose rows are gone send nothing
                self._post("/documents", self._addressed(rows=rows))
                sent += sum(map(len, rows.values()))
            with self._writer.begin() as conn:
                pushed_rows.acknowledge(conn, last, tables)

    def exchange_tasks(self) -> int:
        """Send the completions of leased tasks and ask central to keep `tasks_held` tasks
        leased here (the leased rows arrive with the next pull); returns completions sent."""
        with self._reader.connect() as conn:
            return self._send_completions(self._completions(conn))

    @staticmethod
    def _completions(conn) -> list:
        return conn.execute(select(TASK_OUTBOX).order_by(TASK_OUTBOX.c.id)).all()

    def _send_completions(self, done: list) -> int:
        self._post("/tasks", self._addressed(want=self.tasks_held, done=[
            {"uid": row.task_uid.hex, "done_quantity": str(row.done_quantity), "assignee": row.assignee,
             "quantity": None if row.quantity is None else str(row.quantity), "tote": row.tote,
             "done_at": None if row.done_at is None else _aware(row.done_at).isoformat()} for row in done]))
        if done:
            with self._writer.begin() as conn:
                conn.execute(TASK_OUTBOX.delete().where(TASK_OUTBOX.c.id <= done[-1].id))
        return len(done)

    def pull(self, wait_s: float = 0) -> tuple[int, int]:
        """Apply what changed centrally; returns (moves, rows) applied. While a batch is applied
        locally the next one is already asked for, from the cursors its answer ends at (what the
        batch's transaction saves): a catch-up's reads on central and its local writes overlap.
        A batch that fails to apply leaves its cursors and the answer asked after it unused, and
        so does one read from cursors a push's news has moved past meanwhile."""
        asked_from = self._current_cursors()
        answer = self._ask_changes(*asked_from, wait_s)
        moves_applied = rows_applied = 0
        while True:
            following = (self._sender().submit(self._ask_changes, answer["master_cursor"], answer["warehouse_cursor"], 0)
                         if answer["more"] else None)
            try:
                with self._news_lock:
                    taken = asked_from == self._cursors and self._brings_something(answer)
                    if taken:
                        with self._writer.begin() as conn:
                            moves, rows = self._apply_changes(conn, answer)
                        self._cursors = asked_from = answer["master_cursor"], answer["warehouse_cursor"]
                        moves_applied, rows_applied = moves_applied + moves, rows_applied + rows
            except BaseException:
                if following is not None:
                    following.cancel()
                raise
            if following is None or not taken:
                if following is not None:
                    following.cancel()
                return moves_applied, rows_applied
            answer = following.result()

    def _ask_changes(self, master_cursor: int, warehouse_cursor: int, wait_s: float) -> dict:
        return self._post("/pull", self._addressed(master_cursor=master_cursor, warehouse_cursor=warehouse_cursor, wait_s=wait_s,
                                                   limit=self.batch_size), wait_s=wait_s)

    def send_outbox(self, ask_leases: bool = True, *, with_news: bool = False) -> Sent:
        """Send what this terminal made: the documents its moves name, the moves, the other
        documents, then task completions (asking for leases too when `ask_leases`); with_news:
        central's news come back with the moves (see _push)."""
        with self._reader.connect() as conn:  # a pick's push usually has neither: no reads for them
            documents_waiting, done = pushed_rows.waiting(conn), self._completions(conn)
            # Without documents to send first, the outbox is read in the same transaction.
            start = None if documents_waiting else self._outbox_start(conn)
        documents = self.push_documents(pushed_rows.BEFORE_MOVES) if documents_waiting else 0
        pushed, (news_moves, news_rows) = self._push(with_news=with_news, start=start)
        if documents_waiting:
            documents += self.push_documents()
        return Sent(pushed, documents, self._send_completions(done) if done or ask_leases else 0, news_moves, news_rows)

    def sync_once(self, wait_s: float = 0) -> SyncReport:
        """Push, then pull; the outcome (success, or offline since when) is recorded for the status."""
        try:
            sent = self.send_outbox()
            moves, rows = self.pull(wait_s)
        except (Offline, SyncRefused) as exc:
            self.record_failure(exc)
            raise
        self.record_success()
        return SyncReport(sent.moves, moves, rows, sent.completions, sent.documents)

    def record_success(self) -> None:
        with self._writer.begin() as conn:
            self._save(conn, last_success_at=datetime.now(UTC), offline_since=None, last_error=None)

    def record_failure(self, exc: Exception) -> None:
        with self._writer.begin() as conn:
            state = self._state(conn)
            offline_since = (state["offline_since"] or datetime.now(UTC)) if isinstance(exc, Offline) else state["offline_since"]
            self._save(conn, offline_since=offline_since, last_error=str(exc)[:300])

    def status(self) -> SyncStatus:
        with self._reader.connect() as conn:
            state = self._state(conn)
            last = replication.last_own_sequence(conn, self.endpoint.terminal_id)
        return SyncStatus(max(0, last - state["acknowledged_sequence"]), state["acknowledged_sequence"],
                          _aware(state["last_success_at"]), _aware(state["offline_since"]), state["last_error"])
