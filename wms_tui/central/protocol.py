"""What the sync service does with a request, without HTTP: push (a terminal's moves, one
transaction per batch, idempotent, gap refused), documents (what a terminal created: packing,
shipments, receipts, counts, returns), tasks (completions and leases) and pull (master data, the
warehouse's orders and tasks and the other terminals' moves after the terminal's cursors).
Each raises SyncRefused with the status to answer when it refuses; a refused request changed
nothing."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Connection, Engine, bindparam, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from uuid6 import uuid7

from wms_tui.central.registry import Caller, authenticate, authenticate_all
from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.states import PENDING_TASK_STATES, TaskKind, TaskState
from wms_tui.domain.sync import (
    FIELD_INDEX,
    MAX_BATCH_MOVES,
    MAX_LEASED_TASKS,
    TASK_LEASE_S,
    ConflictKind,
    SyncRefused,
    sequence_problem,
)
from wms_tui.services.inbound import receiving
from wms_tui.services.outbound import terminal_progress
from wms_tui.store import pulled_rows, pushed_rows, replication
from wms_tui.store.ledger import MOVES
from wms_tui.store.models import SiteSecret, SyncConflict, SyncTerminal, Task

SEQUENCE, CHAIN = FIELD_INDEX["sequence"], FIELD_INDEX["chain_hash"]
MAX_PULL = 20_000
_RESENT = select(MOVES.c.sequence, MOVES.c.chain_hash).where(
    MOVES.c.terminal_id == bindparam("terminal"), MOVES.c.sequence.in_(bindparam("sequences", expanding=True))
)
_CONTACT = update(SyncTerminal).where(SyncTerminal.terminal_id == bindparam("terminal")).values(last_contact_at=bindparam("now"))


def _text(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise SyncRefused(400, f"'{key}' must be a string")
    return value


def _count(body: dict, key: str, default: int | None = None) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SyncRefused(400, f"'{key}' must be a whole number >= 0")
    return value


def _check_addressed(caller: Caller, body: dict) -> None:
    """A request names its terminal and warehouse: both must be the caller's own."""
    if _text(body, "terminal") != caller.terminal_id:
        raise SyncRefused(403, f"terminal {caller.terminal_id} may not send for terminal {body['terminal']}")
    if _text(body, "warehouse") != caller.warehouse_code:
        raise SyncRefused(403, f"terminal {caller.terminal_id} works in {caller.warehouse_code}, not {body['warehouse']}")


@dataclass(frozen=True)
class PushResult:
    applied_sequence: int
    inserted: int
    conflicts: int

    def as_json(self) -> dict:
        return {"applied_sequence": self.applied_sequence, "inserted": self.inserted, "conflicts": self.conflicts}

    def body_with(self, news: bytes | None) -> bytes:
        """The JSON answer, with what changed after the cursors the push sent when it asked (the
        body of a pull's answer): a terminal that pushes learns central's news in the same round
        trip, and does not pull besides."""
        answer = _json(self.as_json())
        return answer if news is None else answer[:-1] + b',"news":' + news + b"}"


@dataclass
class _Push:
    """One push request, parsed, on its way through a group (see PushGroups)."""

    credential: tuple[str, str] | None
    body: dict
    moves: list[list]
    parsed: list
    caller: Caller | None = None
    fresh_at: list[int] | None = None  # indexes of the moves above the terminal's applied sequence
    prepared: replication.ResolvedMoves | None = None  # the batch resolved before its transaction
    outcome: PushResult | Exception | None = None  # a refusal, or what else failed
    settled: bool = False  # its group's transaction has ended: the outcome stands

    @property
    def fresh(self) -> list[list]:
        return [self.moves[index] for index in self.fresh_at]


def _received(engine: Engine, credential: tuple[str, str] | None, body: dict) -> _Push:
    """A push's body checked and its moves parsed, before any transaction: a terminal's next
    batch is parsed while its previous one is applied (the caller's lock serialises them). A
    batch of COPY's size is also resolved and its rows written out as COPY text then, so that
    the transaction that applies it does only the database's part (the previous batch's
    transaction waits on PostgreSQL meanwhile)."""
    moves = body.get("moves")
    if not isinstance(moves, list) or not all(isinstance(move, list) and len(move) > CHAIN for move in moves):
        raise SyncRefused(400, "'moves' must be a list of moves (lists of the wire fields)")
    if len(moves) > MAX_BATCH_MOVES:
        raise SyncRefused(413, f"a batch holds at most {MAX_BATCH_MOVES} moves, got {len(moves)}")
    push = _Push(credential, body, moves, replication.parse_moves(engine.dialect, moves))
    if credential is not None and len(moves) >= replication.COPY_FROM_MOVES:
        with engine.connect() as conn:
            push.prepared = replication.resolve_known(conn, credential[0], moves, push.parsed, datetime.now(UTC))
        if push.prepared is not None:
            push.prepared.copy_text()
    return push


def _resolved(conn: Connection, applying: list[_Push], now: datetime) -> replication.ResolvedMoves:
    """The fresh moves of a group's pushes, resolved: a push's own resolution from before the
    transaction where it stands for the whole batch (none of it a resend) and for this caller,
    the others' here, together."""
    def ready(push: _Push) -> bool:
        return push.prepared is not None and len(push.fresh_at) == len(push.moves) and push.caller.terminal_id == push.credential[0]

    parts = [push.prepared for push in applying if ready(push)]
    rest = [push for push in applying if not ready(push)]
    if rest:
        parts.append(replication.resolve_moves(
            conn, [push.caller.terminal_id for push in rest for _ in push.fresh_at], [move for push in rest for move in push.fresh],
            [push.parsed[index] for push in rest for index in push.fresh_at], now))
    return replication.ResolvedMoves.joined(parts)


def _check_push(conn: Connection, push: _Push, caller: Caller) -> None:
    """Check an authenticated push's batch against central's copy of the terminal's ledger;
    sets its caller and fresh moves. Reads only: a refusal leaves nothing to undo."""
    push.caller = caller
    _check_addressed(caller, push.body)
    moves = push.moves
    sequences = [move[SEQUENCE] for move in moves]
    if not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sequences):
        raise SyncRefused(400, "every move needs a sequence number > 0")
    if problem := sequence_problem(caller.applied_sequence, sequences):
        raise SyncRefused(409, problem, applied_sequence=caller.applied_sequence)
    resent = {s: move[CHAIN] for s, move in zip(sequences, moves, strict=True) if s <= caller.applied_sequence}
    for start in range(0, len(resent), 5000):
        chunk = sorted(resent)[start : start + 5000]
        for sequence, stored in conn.execute(_RESENT, {"terminal": caller.terminal_id, "sequences": chunk}):
            if stored != resent[sequence]:
                raise SyncRefused(409, f"move {sequence} differs from the one pushed before: its chain was rewritten")
    push.fresh_at = [index for index, sequence in enumerate(sequences) if sequence > caller.applied_sequence]
    # The chain must continue central's copy: through a resent move (checked above) or through
    # the hash the batch says comes before it.
    if push.fresh_at and resent.get(caller.applied_sequence, push.body.get("previous_hash")) != caller.applied_hash:
        raise SyncRefused(409, f"the batch does not continue the chain central holds for {caller.terminal_id} "
                               f"after move {caller.applied_sequence}: the terminal's ledger was changed")


def _apply_pushes(engine: Engine, pushes: list[_Push], now: datetime) -> None:
    """Apply pushes of one warehouse, each of another terminal, in one transaction: every push
    checked, then the fresh moves of those that pass applied together (one COPY, one upsert of
    the balances, which concurrent pushes of a busy bin share) and the terminals' rows moved
    on. Sets each push's outcome; raises what made the batch as a whole fail."""
    with engine.begin() as conn:
        # The terminals' rows stay locked until the commit.
        for push, caller in zip(pushes, authenticate_all(conn, [push.credential for push in pushes], lock=True), strict=True):
            try:
                if isinstance(caller, SyncRefused):
                    raise caller
                _check_push(conn, push, caller)
            except SyncRefused as refused:
                push.outcome = refused
        passed = [push for push in pushes if push.outcome is None]
        applying = [push for push in passed if push.fresh_at]
        try:
            # Above the applied sequence, so new: the primary key refuses one that is not.
            applied = replication.write_resolved(conn, _resolved(conn, applying, now)) if applying else replication.Applied()
        except replication.MoveAlreadyHere:
            raise SyncRefused(409, "a move id of this batch is already in the central ledger under another sequence") from None
        except (InvalidInput, NotFound) as exc:
            raise SyncRefused(422, str(exc)) from None
        if applying and applied.warehouses - {applying[0].caller.warehouse_id}:  # a group is of one warehouse
            raise SyncRefused(403, f"a move of this batch belongs to another warehouse than {applying[0].caller.warehouse_code}")
        moved_on = []
        for push in passed:
            caller = push.caller
            if not push.fresh_at:
                push.outcome = PushResult(caller.applied_sequence, 0, 0)
                moved_on.append({"terminal": caller.terminal_id, "sequence": caller.applied_sequence,
                                 "hash": caller.applied_hash, "now": now})
                continue
            last = push.fresh[-1]
            push.outcome = PushResult(last[SEQUENCE], len(push.fresh_at), _negative_conflicts(conn, caller, push.fresh, applied.negative, now))
            moved_on.append({"terminal": caller.terminal_id, "sequence": last[SEQUENCE], "hash": last[CHAIN], "now": now})
        if moved_on:
            conn.execute(_MOVED_ON, moved_on)


_MOVED_ON = (update(SyncTerminal).where(SyncTerminal.terminal_id == bindparam("terminal"))
             .values(applied_sequence=bindparam("sequence"), applied_hash=bindparam("hash"), last_contact_at=bindparam("now")))


def _answer(push: _Push) -> PushResult:
    if isinstance(push.outcome, Exception):
        raise push.outcome
    return push.outcome


class PushGroups:
    """Group commit of a service process's pushes: while one transaction applies pushes of a
    warehouse, the pushes arriving for it wait, and the next transaction applies all of them
    together (one per terminal: a terminal's second batch in flight waits for the next). Fifty
    terminals confirming picks from the same bins otherwise queue one by one on those bins'
    balance rows, each holding them from its upsert to its commit. A group that fails as a whole
    (a move of one push is malformed, already here or of another warehouse) is applied again one
    push per transaction, so each push answers for itself alone."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._turn = threading.Condition()
        self._waiting: dict[str, list[_Push]] = {}
        self._applying: set[str] = set()

    def push(self, credential: tuple[str, str] | None, body: dict) -> tuple[PushResult, Caller]:
        """The push's outcome and its (authenticated) caller."""
        request = _received(self.engine, credential, body)
        warehouse = str(body.get("warehouse"))  # checked against the caller's in the transaction
        with self._turn:
            self._waiting.setdefault(warehouse, []).append(request)
            while not request.settled:
                if warehouse in self._applying:
                    self._turn.wait()
                    continue
                self._applying.add(warehouse)
                group = self._take(warehouse)
                self._turn.release()
                try:
                    self._apply(group)
                finally:
                    self._turn.acquire()
                    for settled in group:
                        settled.settled = True
                    self._applying.discard(warehouse)
                    self._turn.notify_all()
        return _answer(request), request.caller

    def _take(self, warehouse: str) -> list[_Push]:
        """The waiting pushes of a warehouse, first come first, one per terminal, up to a
        batch's worth of moves (the first always)."""
        group, terminals, moves, rest = [], set(), 0, []
        for request in self._waiting.pop(warehouse):
            terminal = request.credential[0] if request.credential else None
            if group and (terminal in terminals or moves + len(request.moves) > MAX_BATCH_MOVES):
                rest.append(request)
                continue
            group.append(request)
            terminals.add(terminal)
            moves += len(request.moves)
        if rest:
            self._waiting[warehouse] = rest
        return group

    def _apply(self, group: list[_Push]) -> None:
        if not self._applied(group) and len(group) > 1:
            for request in group:
                request.outcome = None
                self._applied([request])

    def _applied(self, group: list[_Push]) -> bool:
        """Whether the group was applied in one transaction; if not, each push's outcome is what
        made it fail (re-raised in the push's own request)."""
        try:
            _apply_pushes(self.engine, group, datetime.now(UTC))
        except Exception as failed:  # noqa: BLE001 - a group fails whole; its pushes are tried alone
            for request in group:
                request.outcome = failed
            return False
        return True


def _negative_conflicts(conn, caller: Caller, moves: list[list], negative, now: datetime) -> int:
    """A negative bin is a physical fact: the moves stand, a supervisor is told (one conflict
    per bin and batch, naming the batch's moves of that item there)."""
    rows = []
    for sku, code, quantity in negative:
        involved = [m[FIELD_INDEX["id"]] for m in moves
                    if m[FIELD_INDEX["item"]] == sku and code in (m[FIELD_INDEX["from"]], m[FIELD_INDEX["to"]])]
        if not involved:  # driven negative by another push of its group
            continue
        rows.append({"uid": uuid7(), "warehouse_id": caller.warehouse_id, "kind": ConflictKind.NEGATIVE_BALANCE.value,
                     "terminal_id": caller.terminal_id, "move_ids": " ".join(involved)[:2000],
                     "detail": f"{sku} at {code} is {quantity} after moves of {caller.terminal_id}"[:300], "created_at": now})
    if rows:
        conn.execute(SyncConflict.__table__.insert(), rows)
    return len(rows)


@dataclass(frozen=True)
class DocumentsResult:
    applied: int  # rows upserted (a resend counts them again and changes nothing)

    def as_json(self) -> dict:
        return {"applied": self.applied}


# What a row new to central records on central's own documents, by the rules the terminal
# applied, given the rows' ids and the terminal that pushed them: a shipment's contents shipped
# from their order lines, a receipt line counted on its purchase order line, a task the
# terminal made taken into central's queue, a short pick's decision applied to its order line.
RECORDS = {
    "shipment": lambda session, ids, _terminal: terminal_progress.record_shipments(session, ids),
    "receipt_line": lambda session, ids, _terminal: receiving.count_pushed_lines(session, ids),
    "task": terminal_progress.adopt_tasks,
    "pick_discrepancy": terminal_progress.record_short_picks,
}


def documents(engine: Engine, credential: tuple[str, str] | None, body: dict) -> DocumentsResult:
    """The documents the caller created or changed (after its moves, which brought their lots
    and containers) upserted by their natural keys in one transaction, each in the caller's
    warehouse; what the rows new to central record applied. A batch sent twice changes nothing."""
    rows = body.get("rows")
    if isinstance(rows, dict) and sum(len(table_rows) for table_rows in rows.values() if isinstance(table_rows, list)) > MAX_BATCH_MOVES:
        raise SyncRefused(413, f"a batch holds at most {MAX_BATCH_MOVES} document rows")
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            caller = authenticate(conn, credential)
            _check_addressed(caller, body)
            new = pushed_rows.apply_documents(conn, rows, caller.warehouse_id, caller.terminal_id, now)
            with Session(bind=conn) as session:
                for table, ids in new.items():
                    if table in RECORDS:
                        RECORDS[table](session, ids, caller.terminal_id)
                session.flush()
            conn.execute(_CONTACT, {"terminal": caller.terminal_id, "now": now})
    except pushed_rows.Malformed as exc:
        raise SyncRefused(400, str(exc)) from None
    except pushed_rows.Elsewhere as exc:
        raise SyncRefused(403, str(exc)) from None
    except (InvalidInput, NotFound) as exc:
        raise SyncRefused(422, str(exc)) from None
    except IntegrityError as exc:  # e.g. a number central holds under another key
        raise SyncRefused(409, f"a pushed document clashes with central's: {exc.orig}") from None
    return DocumentsResult(sum(len(table_rows) for table_rows in rows.values()))


@dataclass(frozen=True)
class PullPoint:
    """Where a pull reads from. Every terminal of a warehouse at the same cursors reads the same
    changes: the service answers the pulls waiting at one point with one read."""

    warehouse_id: int
    master_after: int
    warehouse_after: int
    limit: int


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


class Changes:
    """What changed after a pull point, read in one snapshot, with every other terminal's moves
    and the caller's own (each pull's answer leaves out its caller's: it holds them). Serialised
    once (the rows, each run of one terminal's moves), whichever number of pulls it answers."""

    def __init__(self, master_cursor: int, warehouse_cursor: int, rows: dict[str, list[dict]], moves: list[tuple[str, str]],
                 more: bool, site_secrets: dict[str, str] | None) -> None:
        self.warehouse_cursor = warehouse_cursor
        self.rows = rows
        self.more = more
        self.posted_by = {terminal for terminal, _ in moves}
        # The answer's fields other than the moves, as the end of a JSON object: '"master_cursor":...}'
        rest = {"master_cursor": master_cursor, "warehouse_cursor": warehouse_cursor, "rows": rows, "more": more}
        if site_secrets is not None:
            rest["site_secrets"] = site_secrets
        self._rest = _json(rest)[1:]
        # Joined per run of one terminal's moves in change order (a catch-up's batch is one run);
        # each move comes as its JSON from the database (replication.RecentMoves).
        self._moves = [(terminal, ",".join(move for _, move in run).encode())
                       for terminal, run in groupby(moves, key=itemgetter(0))]

    def news_for(self, terminal_id: str) -> bool:
        """Whether the answer to `terminal_id` carries anything: rows, or a move of another terminal."""
        return bool(self.rows) or bool(self.posted_by - {terminal_id})

    def body_for(self, terminal_id: str) -> bytes:
        """The JSON answer to `terminal_id`'s pull."""
        moves = b",".join(move for terminal, move in self._moves if terminal != terminal_id)
        return b'{"moves":[' + moves + b"]," + self._rest


def _cursors(fields: dict) -> tuple[int, int, int]:
    """A pull's (master cursor, warehouse cursor, limit), checked."""
    limit = min(_count(fields, "limit", MAX_PULL), MAX_PULL) or MAX_PULL
    return _count(fields, "master_cursor"), _count(fields, "warehouse_cursor"), limit


def news_asked(body: dict) -> tuple[int, int, int] | None:
    """The cursors a push sent to learn what changed after them (its 'news' field), checked
    before anything is applied; None when it did not ask."""
    fields = body.get("news")
    if fields is None:
        return None
    if not isinstance(fields, dict):
        raise SyncRefused(400, "'news' must be an object of the terminal's cursors")
    return _cursors(fields)


def pull_point(engine: Engine, credential: tuple[str, str] | None, body: dict) -> tuple[Caller, PullPoint]:
    """The caller of a pull and where it reads from; its contact time recorded (see record_contact)."""
    cursors = _cursors(body)
    with engine.begin() as conn:
        caller = authenticate(conn, credential)
        _check_addressed(caller, body)
        record_contact(conn, caller.terminal_id)
    return caller, PullPoint(caller.warehouse_id, *cursors)


def read_changes(engine: Engine, point: PullPoint, recent: replication.RecentMoves) -> Changes:
    """What changed after a pull point, read in one snapshot (REPEATABLE READ): change numbers
    commit in order, so nothing below the new cursor can still appear. The moves come from the
    service process's `recent` copy where it holds them."""
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        read = pulled_rows.heads(conn, point.warehouse_id, point.master_after, point.warehouse_after, point.limit)
        master_cursor, master_changes, rows = pulled_rows.changed_rows(conn, read.master, point.master_after)
        more = master_changes >= point.limit
        # The warehouse's documents and moves name master data (a customer, a bin): they wait
        # until the terminal has all of it up to this snapshot.
        document_cursor, document_changes, documents = (point.warehouse_after, 0, {}) if more else pulled_rows.changed_rows(
            conn, read.warehouse, point.warehouse_after)
        changed = [] if more else recent.moves_since(conn, point.warehouse_id, point.warehouse_after, point.limit, read.last_change)
        full = [last for last, count in ((document_cursor, document_changes), (changed[-1][0] if changed else 0, len(changed)))
                if count >= point.limit]
        warehouse_cursor = min(full) if full else max(document_cursor, changed[-1][0] if changed else point.warehouse_after)
        for table, table_rows in documents.items():
            rows.setdefault(table, []).extend(table_rows)
        moves = [(terminal, move) for seq, terminal, move in changed if seq <= warehouse_cursor]
        if full:  # rows of the other log past the cut come again next time (an upsert: harmless)
            more = True
        # Operators' badge hashes are keyed by the site's badge key: a terminal pulling master
        # data from the start takes central's key with them, so its badges sign in.
        secrets = dict(conn.execute(select(SiteSecret.name, SiteSecret.value)).all()) if point.master_after == 0 else None
    return Changes(master_cursor, warehouse_cursor, rows, moves, more, secrets)


TASKS = Task.__table__


@dataclass(frozen=True)
class TasksResult:
    granted: list[str]  # uids of the tasks leased to the caller by this request
    held: int  # tasks under lease to the caller now
    conflicts: int

    def as_json(self) -> dict:
        return {"granted": self.granted, "held": self.held, "conflicts": self.conflicts}


def _completion(entry: object) -> dict:
    try:
        if not isinstance(entry, dict):
            raise TypeError("not an object")
        done_at = None if entry.get("done_at") is None else datetime.fromisoformat(entry["done_at"])
        # A count's task, or a short pick that found nothing, is done with no units.
        done_quantity = quantities.counted_quantity(entry["done_quantity"])
        quantity = None if entry.get("quantity") is None else quantities.counted_quantity(entry["quantity"])
        if quantity is not None and done_quantity > quantity:
            raise ValueError(f"{done_quantity} done of a task of {quantity}")
        return {"uid": uuid.UUID(hex=entry["uid"]), "done_quantity": done_quantity, "quantity": quantity,
                "tote": None if entry.get("tote") is None else str(entry["tote"])[:40],
                "assignee": None if entry.get("assignee") is None else str(entry["assignee"])[:40], "done_at": done_at}
    except (KeyError, TypeError, ValueError, ArithmeticError, InvalidInput) as exc:
        raise SyncRefused(400, f"a task completion is malformed: {exc}") from None


def tasks(engine: Engine, credential: tuple[str, str] | None, body: dict) -> TasksResult:
    """The caller's task completions applied, its leases renewed, and up to `want` tasks leased
    to it in all (queue order; one winner: rows are locked, others skipped), in one transaction.
    A completion of a task another terminal already confirmed is a physical fact: the first
    stands, the second is raised as a conflict. A pick's units are recorded on its order line."""
    completions = body.get("done", [])
    if not isinstance(completions, list):
        raise SyncRefused(400, "'done' must be a list of task completions")
    done = [_completion(entry) for entry in completions]
    want = min(_count(body, "want", 0), MAX_LEASED_TASKS)
    now = datetime.now(UTC)
    until = now + timedelta(seconds=TASK_LEASE_S)
    with engine.begin() as conn:
        caller = authenticate(conn, credential)
        _check_addressed(caller, body)
        conflicts = [_apply_completion(conn, caller, entry, now) for entry in done].count(True)
        pending = TASKS.c.state.in_([state.value for state in PENDING_TASK_STATES])
        mine = (TASKS.c.warehouse_id == caller.warehouse_id) & (TASKS.c.leased_to == caller.terminal_id) & pending
        conn.execute(update(TASKS).where(mine, TASKS.c.lease_until < now + timedelta(seconds=TASK_LEASE_S / 2))
                     .values(lease_until=until))
        held = conn.execute(select(func.count()).select_from(TASKS).where(mine)).scalar_one()
        granted: list[str] = []
        if want > held:
            free = (
                select(TASKS.c.id, TASKS.c.uid)
                .where(TASKS.c.warehouse_id == caller.warehouse_id, TASKS.c.state == TaskState.OPEN.value,
                       TASKS.c.leased_to.is_(None) | (TASKS.c.lease_until < now))
                .order_by(TASKS.c.queue_position, TASKS.c.id).limit(want - held).with_for_update(skip_locked=True)
            )
            rows = conn.execute(free).all()
            if rows:
                conn.execute(update(TASKS).where(TASKS.c.id.in_([row.id for row in rows]))
                             .values(leased_to=caller.terminal_id, lease_until=until))
            granted = [row.uid.hex for row in rows]
    return TasksResult(granted, held + len(granted), conflicts)


def _apply_completion(conn, caller: Caller, entry: dict, now: datetime) -> bool:
    """Apply one completion; True when it is the second confirmation of the task (a conflict)."""
    task = conn.execute(
        select(TASKS.c.id, TASKS.c.state, TASKS.c.done_by, TASKS.c.kind, TASKS.c.document_ref, TASKS.c.document_line_id)
        .where(TASKS.c.uid == entry["uid"], TASKS.c.warehouse_id == caller.warehouse_id).with_for_update()
    ).one_or_none()
    if task is None:
        raise SyncRefused(422, f"no task {entry['uid'].hex} in {caller.warehouse_code}")
    if task.state == TaskState.DONE.value:
        if task.done_by in (None, caller.terminal_id):  # a resend, or done centrally: nothing new
            return False
        # One conflict per task and terminal, also when a lost answer makes the terminal resend.
        raised = conn.execute(postgresql.insert(SyncConflict.__table__).values(
            uid=uuid.uuid5(entry["uid"], caller.terminal_id), warehouse_id=caller.warehouse_id, kind=ConflictKind.TASK_DONE_TWICE.value,
            terminal_id=caller.terminal_id, move_ids="", created_at=now,
            detail=(f"{task.kind} task {entry['uid'].hex} ({task.document_ref or 'no document'}) confirmed by "
                    f"{task.done_by}, then by {caller.terminal_id} after its lease moved")[:300],
        ).on_conflict_do_nothing(index_elements=["uid"]))
        return raised.rowcount == 1
    # The terminal's quantity and tote of the task stand: a pick split into a second tote kept
    # only the units picked into the first (the rest came as a task of its own).
    as_done = {name: entry[name] for name in ("quantity", "tote") if entry[name] is not None}
    conn.execute(update(TASKS).where(TASKS.c.id == task.id).values(
        state=TaskState.DONE.value, done_quantity=entry["done_quantity"], assignee=entry["assignee"],
        done_at=entry["done_at"] or now, done_by=caller.terminal_id, **as_done))
    if task.kind == TaskKind.PICK and task.document_line_id is not None:
        with Session(bind=conn) as session:
            terminal_progress.record_pick(session, session.get(Task, task.id), entry["done_quantity"])
    return False


# A pull writes the caller's contact time only when the stored one is older than this: 50
# terminals pulling several times a second would otherwise be as many writes of rows their own
# pushes hold locked.
CONTACT_PRECISION_S = 5


_STALE_CONTACT = (
    select(SyncTerminal.terminal_id)
    .where(SyncTerminal.terminal_id == bindparam("terminal"),
           SyncTerminal.last_contact_at.is_(None) | (SyncTerminal.last_contact_at < bindparam("stale_before")))
    .with_for_update(skip_locked=True)
)
_RECORD_CONTACT = update(SyncTerminal).where(SyncTerminal.terminal_id.in_(_STALE_CONTACT)).values(last_contact_at=bindparam("now"))


def record_contact(conn: Connection, terminal_id: str) -> None:
    """Once per pull request (a long poll reads many times), unless the terminal's row is locked:
    its own push holds it, and records the contact itself. Waiting for that push held the pull's
    answer back by as long as the push queued (seconds, under load)."""
    now = datetime.now(UTC)
    conn.execute(_RECORD_CONTACT, {"terminal": terminal_id, "now": now, "stale_before": now - timedelta(seconds=CONTACT_PRECISION_S)})
