"""Moves between databases: a terminal's outbox as wire moves, wire moves applied to a ledger
(central on push, a terminal on pull), and the change logs a pull reads.

Why Core and driver SQL: a push or a catch-up carries up to a hundred thousand moves, so the
natural keys are resolved with one IN-list per kind and batch, the moves go to PostgreSQL by
COPY (one statement: its change trigger numbers the whole batch with one counter update) and
to SQLite by executemany, and the balances are updated once per key and batch.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

from psycopg.errors import UniqueViolation
from sqlalchemy import Connection, and_, any_, bindparam, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from wms_tui.domain import quantities
from wms_tui.domain.costing import move_value
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import ContainerKind
from wms_tui.domain.sync import FIELD_INDEX, MOVE_FIELDS
from wms_tui.store.costing import Place
from wms_tui.store.ledger import (
    LOOKUP_CHUNK,
    MOVE_COLUMNS,
    MOVES,
    SEQUENCES,
    _move_insert,
    _upsert_balances,
    move_warehouse,
    once_per_value,
)
from wms_tui.store.models import NO_CONTAINER, NO_LOT, Container, Item, Location, Lot, SyncState

ITEMS, LOCATIONS, LOTS, CONTAINERS = Item.__table__, Location.__table__, Lot.__table__, Container.__table__
_CHAIN_HASH = select(MOVES.c.chain_hash).where(MOVES.c.terminal_id == bindparam("terminal"), MOVES.c.sequence == bindparam("sequence"))
_LAST_SEQUENCE = select(func.max(MOVES.c.sequence)).where(MOVES.c.terminal_id == bindparam("terminal"), MOVES.c.received_at.is_(None))


@dataclass(frozen=True)
class _Spelling:
    """How a database spells a wire move's values in SQL: a JSON array, an amount stored as a
    scaled integer (>= 0) as its Decimal's str() ('1.000'), a timestamp in ISO 8601 with its
    zone, a UUID as 32 hex digits."""

    array: str
    amount: Callable[[str, int], str]
    timestamp: Callable[[str], str]
    uuid: Callable[[str], str]


_SQLITE = _Spelling(
    "json_array",
    lambda column, places: f"printf('%d.%0{places}d', {column} / {10 ** places}, {column} % {10 ** places})",
    lambda column: f"replace({column}, ' ', 'T') || '+00:00'",  # stored in UTC without the zone
    lambda column: column,  # stored as hex
)
_POSTGRESQL = _Spelling(
    "json_build_array",
    lambda column, places: f"round({column}::numeric / {10 ** places}, {places})::text",
    lambda column: f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')""",
    lambda column: f"replace({column}::text, '-', '')",
)


def _wire_move(spelling: _Spelling, natural_keys: str) -> str:
    """The SQL of a wire move (MOVE_FIELDS) as a JSON array, over stock_move AS m and its
    `natural_keys` (item, source, destination, lot, container): the database writes it itself;
    converting tens of thousands of rows through SQLAlchemy's types and back in Python cost
    several times the read."""
    return (
        f"{spelling.array}({spelling.uuid('m.id')}, m.sequence, {natural_keys}, "
        f"{spelling.amount('m.quantity', quantities.QUANTITY_PLACES)}, {spelling.amount('m.unit_cost', quantities.MONEY_PLACES)}, "
        f"m.operator, {spelling.timestamp('m.created_at')}, m.document_ref, m.reason, "
        f"CASE WHEN m.reverses_id IS NULL THEN NULL ELSE {spelling.uuid('m.reverses_id')} END, m.chain_hash)"
    )


# The outbox is read from a terminal's file (SQLite), the warehouse's moves from central (PostgreSQL).
_OUTBOX = text(f"""
    SELECT {_wire_move(_SQLITE, "i.sku, s.code, t.code, "
                                "CASE WHEN m.lot_id IS NULL THEN NULL ELSE json_array(l.code, l.expiry_date) END, "
                                "CASE WHEN m.container_id IS NULL THEN NULL ELSE json_array(c.code, c.kind) END")}
    FROM stock_move AS m
    JOIN item AS i ON i.id = m.item_id
    JOIN location AS s ON s.id = m.from_location_id
    JOIN location AS t ON t.id = m.to_location_id
    LEFT JOIN lot AS l ON l.id = m.lot_id
    LEFT JOIN container AS c ON c.id = m.container_id
    WHERE m.terminal_id = :terminal AND m.sequence > :after AND m.received_at IS NULL
    ORDER BY m.sequence LIMIT :limit
""")
# The natural keys by a look-up each, not by joins: PostgreSQL planned a six-table join anew
# for nearly every read (0.3 ms of a 0.7 ms read of a few new moves); a look-up plans alone.
_LOOKED_UP_KEYS = (
    "(SELECT sku FROM item WHERE id = m.item_id), "
    "(SELECT code FROM location WHERE id = m.from_location_id), (SELECT code FROM location WHERE id = m.to_location_id), "
    "(SELECT json_build_array(code, expiry_date) FROM lot WHERE id = m.lot_id), "
    "(SELECT json_build_array(code, kind) FROM container WHERE id = m.container_id)"
)
_MOVES_SINCE = text(f"""
    SELECT mc.change_seq, m.terminal_id, {_POSTGRESQL.array}(m.terminal_id, {_wire_move(_POSTGRESQL, _LOOKED_UP_KEYS)})::text
    FROM move_change AS mc JOIN stock_move AS m ON m.id = mc.move_id
    WHERE mc.warehouse_id = :warehouse AND mc.change_seq > :after
    ORDER BY mc.change_seq LIMIT :limit
""")


class WireBatch:
    """Wire moves as the database wrote them: `json` is their JSON array, sent as it is (a
    terminal that parsed ten thousand moves only to write them out again spent more on that
    than on reading them); `last` is the last move, parsed, or None for no move."""

    def __init__(self, moves: list[str]) -> None:
        self.json = "[" + ",".join(moves) + "]"
        self.count = len(moves)
        self.last: list | None = json.loads(moves[-1]) if moves else None

    def __len__(self) -> int:
        return self.count

    def moves(self) -> list[list]:
        return json.loads(self.json)


def outbox_batch(conn: Connection, terminal_id: str, after: int, limit: int) -> WireBatch:
    """The terminal's own moves above `after`, in sequence order, as wire moves."""
    return WireBatch(list(conn.execute(_OUTBOX, {"terminal": terminal_id, "after": after, "limit": limit}).scalars()))


def outbox(conn: Connection, terminal_id: str, after: int, limit: int) -> list[list]:
    """outbox_batch's moves, parsed."""
    return outbox_batch(conn, terminal_id, after, limit).moves()


_OWN = MOVES.alias("own")
_ACKNOWLEDGED = (
    select(SyncState.acknowledged_sequence, _OWN.c.chain_hash)
    .outerjoin(_OWN, and_(_OWN.c.terminal_id == SyncState.terminal_id, _OWN.c.sequence == SyncState.acknowledged_sequence))
    .where(SyncState.terminal_id == bindparam("terminal"))
)


def acknowledged(conn: Connection, terminal_id: str) -> tuple[int, str]:
    """The highest own sequence central acknowledged and the chain hash a push above it
    continues, in one read: a terminal pushing a pick at a time reads this every push."""
    sequence, hash_ = conn.execute(_ACKNOWLEDGED, {"terminal": terminal_id}).one()
    return sequence, hash_ or ""


def chain_hash(conn: Connection, terminal_id: str, sequence: int) -> str:
    """The hash of a terminal's move `sequence` ("" before its first)."""
    if sequence == 0:
        return ""
    return conn.execute(_CHAIN_HASH, {"terminal": terminal_id, "sequence": sequence}).scalar_one()


def last_own_sequence(conn: Connection, terminal_id: str) -> int:
    return conn.execute(_LAST_SEQUENCE, {"terminal": terminal_id}).scalar() or 0


def moves_since(conn: Connection, warehouse_id: int, after: int, limit: int) -> list[tuple[int, str, str]]:
    """(change number, terminal id, the JSON of [terminal id, wire move]) of a warehouse's moves
    after change `after`: a pull's answer joins the texts."""
    return [tuple(row) for row in conn.execute(_MOVES_SINCE, {"warehouse": warehouse_id, "after": after, "limit": limit})]


# Moves a RecentMoves keeps per warehouse (some 450 bytes each in memory), and reads at a time.
RECENT_MOVES_KEPT = 50_000
_RECENT_READ = 5_000


@dataclass
class _Tail:
    """Every move of a warehouse with a change number in (after, upto], in change order."""

    after: int
    upto: int
    changes: list[int]
    moves: list[tuple[int, str, str]]

    def covers(self, change: int) -> bool:
        return self.after <= change <= self.upto


class RecentMoves:
    """A service process's copy of each warehouse's latest moves (moves_since's rows), so that
    each is read from the database once, not once per terminal: every terminal reads every move
    of its warehouse, each after its own cursor, and with fifty terminals PostgreSQL building
    the same rows fifty times was most of its time. A read fetches only the moves past the
    copy. It answers what moves_since answers in the same snapshot: change numbers commit in
    order, so a snapshot sees exactly the moves up to its warehouse counter, and a committed
    move never changes. Derived from the database only, so each copy of the service keeps its
    own and the service stays stateless."""

    def __init__(self, kept: int = RECENT_MOVES_KEPT) -> None:
        self.kept = kept
        self._lock = threading.Lock()
        self._tails: dict[int, _Tail] = {}

    def moves_since(self, conn: Connection, warehouse_id: int, after: int, limit: int, last: int) -> list[tuple[int, str, str]]:
        """`last`: the warehouse's last change number, read in `conn`'s snapshot."""
        if after >= last:
            return []
        while True:
            with self._lock:
                tail = self._tails.get(warehouse_id)
                if tail is None or not tail.covers(after):
                    break
                start = bisect.bisect_right(tail.changes, after)
                end = bisect.bisect_right(tail.changes, last, lo=start)
                if end - start >= limit or tail.upto >= last:
                    return tail.moves[start : min(end, start + limit)]
                read_from = tail.upto
            read = moves_since(conn, warehouse_id, read_from, _RECENT_READ)
            self._keep(warehouse_id, read_from, last if len(read) < _RECENT_READ else read[-1][0], read)
        # Behind the copy (a catch-up) or nothing kept yet: the database answers, and an answer
        # that reaches the counter starts the copy.
        moves = moves_since(conn, warehouse_id, after, limit)
        if len(moves) < limit:
            self._keep(warehouse_id, after, last, moves)
        return moves

    def _keep(self, warehouse_id: int, after: int, upto: int, moves: list[tuple[int, str, str]]) -> None:
        """Add every move in (after, upto]: to the copy it continues, else as the copy when it is newer."""
        with self._lock:
            tail = self._tails.get(warehouse_id)
            if tail is not None and tail.covers(after):
                fresh = [move for move in moves if move[0] > tail.upto]
                tail.changes += [move[0] for move in fresh]
                tail.moves += fresh
                tail.upto = max(tail.upto, upto)
            elif tail is None or upto > tail.upto:
                tail = self._tails[warehouse_id] = _Tail(after, upto, [move[0] for move in moves], list(moves))
            excess = len(tail.moves) - self.kept
            if excess > self.kept // 4:  # trimmed now and then, not on every read
                tail.after = tail.changes[excess - 1]
                del tail.changes[:excess], tail.moves[:excess]


class MoveAlreadyHere(Exception):
    """A move said to be new whose id this database holds already."""


@dataclass
class Applied:
    """What applying a batch of wire moves did."""

    inserted: list[str] = field(default_factory=list)  # ids, hex
    # Internal balances the batch left below zero: (sku, location code, quantity).
    negative: list[tuple[str, str, Decimal]] = field(default_factory=list)
    warehouses: set[int | None] = field(default_factory=set)


def _field(move: Sequence, name: str):
    return move[FIELD_INDEX[name]]


def _rows_by_key(conn: Connection, columns: Sequence, key, keys: Iterable, *conditions) -> list:
    """The rows whose `key` is one of `keys` (and that meet `conditions`, clauses built once at
    module level): one statement with an array on PostgreSQL (an IN-list of thousands of
    parameters costs more to build and parse than to run), IN-lists of LOOKUP_CHUNK on SQLite."""
    ordered = sorted(set(keys), key=str)
    if not ordered:
        return []
    statement = _keyed_select(conn.dialect.name, tuple(columns), key, conditions)
    if conn.dialect.name == "postgresql":
        return conn.execute(statement, {"keys": ordered}).all()
    return [row for start in range(0, len(ordered), LOOKUP_CHUNK)
            for row in conn.execute(statement, {"keys": ordered[start : start + LOOKUP_CHUNK]})]


@functools.cache
def _keyed_select(dialect: str, columns: tuple, key, conditions: tuple):
    """Built once per call site: a terminal pulling a few moves at a time spent more on building
    these statements than on running them."""
    wanted = (key == any_(bindparam("keys", type_=postgresql.ARRAY(key.type))) if dialect == "postgresql"
              else key.in_(bindparam("keys", expanding=True)))
    return select(*columns).where(wanted, *conditions)


def _lot_ids(conn: Connection, wanted: dict[tuple[int, str], date | None], now: datetime,
             create: bool = True) -> dict[tuple[int, str], int] | None:
    """Lots by (item id, code), created when this database does not know them yet (without
    `create`: None then)."""
    if not wanted:
        return {}
    keys = list(wanted)
    found: dict[tuple[int, str], int] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK // 2):
        chunk = keys[start : start + LOOKUP_CHUNK // 2]
        condition = or_(*(and_(LOTS.c.item_id == item_id, LOTS.c.code == code) for item_id, code in chunk))
        found.update(((row.item_id, row.code), row.id) for row in conn.execute(select(LOTS.c.id, LOTS.c.item_id, LOTS.c.code).where(condition)))
    missing = [{"item_id": i, "code": c, "expiry_date": wanted[(i, c)], "created_at": now} for i, c in keys if (i, c) not in found]
    if missing and not create:
        return None
    for row in missing:
        found[(row["item_id"], row["code"])] = conn.execute(LOTS.insert().returning(LOTS.c.id), row).scalar_one()
    return found


def _container_ids(conn: Connection, wanted: dict[str, str], now: datetime, create: bool = True) -> dict[str, int] | None:
    """Containers by code (SSCC or LPN), created when this database does not know them yet
    (without `create`: None then)."""
    found = dict(_rows_by_key(conn, (CONTAINERS.c.code, CONTAINERS.c.id), CONTAINERS.c.code, wanted))
    if not create and wanted.keys() - found.keys():
        return None
    for code in sorted(set(wanted) - found.keys()):
        row = {"code": code, "kind": ContainerKind(wanted[code]).value, "created_at": now}
        found[code] = conn.execute(CONTAINERS.insert().returning(CONTAINERS.c.id), row).scalar_one()
    return found


_HEX_UUID = re.compile("[0-9a-f]{32}")


def _uuid_hex(value) -> str:
    """A wire UUID as its 32 lowercase hex digits: what SQLite stores and PostgreSQL's COPY
    reads. The wire's own spelling passes as it is (a batch holds tens of thousands: building
    UUID objects cost more than the rest of the check); any other spelling uuid.UUID takes is
    normalised."""
    if isinstance(value, str) and _HEX_UUID.fullmatch(value):
        return value
    return uuid.UUID(hex=value).hex


def _utc_spelling(text: str) -> bool:
    """Whether a wire timestamp is spelled as every sender of ours spells it: UTC to the
    microsecond, 'YYYY-MM-DDTHH:MM:SS.ffffff+00:00'."""
    return len(text) == 32 and text[10] == "T" and text[19] == "." and text.endswith("+00:00")


def _stored_timestamp(dialect) -> Callable[[str, datetime], object]:
    """(wire text, its parsed moment) -> what the database takes for a move's created_at: the
    text itself where it is the usual UTC spelling (PostgreSQL reads it; SQLite stores UTC as
    'YYYY-MM-DD HH:MM:SS.ffffff'), converting each of ten thousand moments back cost more than
    parsing them; any other spelling through the moment, in UTC."""
    if dialect.name == "sqlite":
        stored = _move_insert(dialect)[1]["created_at"]
        return lambda text, moment: f"{text[:10]} {text[11:26]}" if _utc_spelling(text) else stored(moment.astimezone(UTC))
    return lambda text, moment: text if _utc_spelling(text) else moment.astimezone(UTC).isoformat()


@dataclass(frozen=True, slots=True, eq=False)
class _Amounts:
    """A wire move's quantity and unit cost, checked: as numbers, as stored, and the value they
    move. One per distinct pair and batch, so it is hashed by identity."""

    quantity: Decimal
    value: Decimal
    stored_quantity: object
    stored_cost: object


class ParsedMove(NamedTuple):
    """A wire move's own values (not its natural keys), checked and as the driver takes them."""

    id: str  # hex
    sequence: int
    amounts: _Amounts
    operator: str
    created_at: object
    document_ref: str | None
    reason: str | None
    reverses_id: str | None
    chain_hash: str


class _MoveParser:
    """A wire move's values, checked (a malformed move refuses its whole batch) and converted
    to what the database driver takes for stock_move's columns; the values that repeat are
    checked and converted once per batch."""

    def __init__(self, dialect) -> None:
        _, stored = _move_insert(dialect)
        self.stored_time, self.stored_quantity, self.stored_cost = _stored_timestamp(dialect), stored["quantity"], stored["unit_cost"]
        self.reason = once_per_value(_reason_code)
        self.operator = once_per_value(lambda operator: str(operator)[:40])
        self._amounts: dict[tuple, _Amounts] = {}

    def amounts(self, quantity, cost) -> _Amounts:
        # Keyed by the values' types too: True == 1 must not pass as a quantity of 1.
        key = (type(quantity), quantity, type(cost), cost)
        try:
            return self._amounts[key]
        except KeyError:
            self._amounts[key] = found = self._checked_amounts(quantity, cost)
            return found
        except TypeError:  # unhashable: refused by the check
            return self._checked_amounts(quantity, cost)

    def _checked_amounts(self, quantity, cost) -> _Amounts:
        quantity, cost = quantities.move_quantity(quantity), quantities.unit_cost(cost)
        return _Amounts(quantity, move_value(quantity, cost), self.stored_quantity(quantity), self.stored_cost(cost))

    def __call__(self, move: Sequence, index: int) -> ParsedMove:
        try:
            if len(move) != len(MOVE_FIELDS):
                raise ValueError(f"has {len(move)} fields, not {len(MOVE_FIELDS)}")
            (move_id, sequence, _item, _source, _target, _lot, _container, quantity, cost, operator, created_at,
             document_ref, reason, reverses, chain) = move
            moment = datetime.fromisoformat(created_at)
            if moment.tzinfo is None:
                raise ValueError("created_at has no time zone")
            if not isinstance(chain, str) or len(chain) != 64:
                raise ValueError("chain_hash is not a SHA-256")
            if document_ref is not None and not isinstance(document_ref, str):
                raise ValueError("document_ref is not text")
            return ParsedMove(_uuid_hex(move_id), int(sequence), self.amounts(quantity, cost), self.operator(operator),
                              self.stored_time(created_at, moment), document_ref, self.reason(reason),
                              None if reverses is None else _uuid_hex(reverses), chain)
        except (TypeError, ValueError, AttributeError, ArithmeticError, InvalidInput) as exc:
            what = _field(move, "id") if isinstance(move, Sequence) and len(move) == len(MOVE_FIELDS) else index + 1
            raise InvalidInput(f"move {what}: {exc}") from None


def _reason_code(reason: str | None) -> str | None:
    if reason is None:
        return None
    if (parsed := MoveReason.parse(reason)) is None:
        raise ValueError(f"unknown reason {reason!r}")
    return parsed.value


def parse_moves(dialect, moves: Sequence[Sequence]) -> list[ParsedMove | InvalidInput]:
    """Each wire move checked and converted (what `resolve_moves` takes), or why it is malformed:
    the refusal is raised only if the move is applied (a resent move is skipped as before). A
    push parses its batch before it waits for the terminal's lock, so a terminal's next batch is
    parsed while its previous one is applied."""
    parse = _MoveParser(dialect)
    parsed: list[ParsedMove | InvalidInput] = []
    for index, move in enumerate(moves):
        try:
            parsed.append(parse(move, index))
        except InvalidInput as exc:
            parsed.append(exc)
    return parsed


# A wire move's natural keys: item, source, destination, lot, container.
_NATURAL_KEYS = itemgetter(*(FIELD_INDEX[name] for name in ("item", "from", "to", "lot", "container")))


@dataclass
class ResolvedMoves:
    """Wire moves with their natural keys resolved: stock_move's columns (each value as the
    driver takes it) and what they add to each balance, as applying them writes them. A push's
    batch is resolved before its transaction (`resolve_known`), and the batches of one group
    are written together (`joined`)."""

    columns: dict[str, list]
    deltas: dict[tuple[int, int, int, int], list[Decimal]]
    last_sequences: dict[str, int]  # each posting terminal's highest sequence
    warehouses: set[int | None]
    internal: set[int]  # the internal locations named (a negative balance there is a conflict)
    sku_of: dict[int, str]
    code_of: dict[int, str]
    _copy_text: str | None = None

    def __len__(self) -> int:
        return len(self.columns["id"])

    def copy_text(self) -> str:
        """The rows in COPY's text format, built once (a push builds it before its transaction)."""
        if self._copy_text is None:
            ordered = [self.columns[name] for name in MOVE_COLUMNS]
            self._copy_text = "\n".join(map("\t".join, zip(*map(_copy_column, ordered), strict=True))) + "\n"
        return self._copy_text

    @classmethod
    def joined(cls, parts: Sequence[ResolvedMoves]) -> ResolvedMoves:
        if len(parts) == 1:
            return parts[0]
        deltas: dict[tuple[int, int, int, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        last: dict[str, int] = {}
        for part in parts:
            for key, (quantity, value) in part.deltas.items():
                deltas[key][0] += quantity
                deltas[key][1] += value
            for terminal, sequence in part.last_sequences.items():
                last[terminal] = max(sequence, last.get(terminal, 0))
        texts = [part._copy_text for part in parts]
        return cls({name: [value for part in parts for value in part.columns[name]] for name in MOVE_COLUMNS}, deltas, last,
                   set().union(*(part.warehouses for part in parts)), set().union(*(part.internal for part in parts)),
                   {k: v for part in parts for k, v in part.sku_of.items()}, {k: v for part in parts for k, v in part.code_of.items()},
                   "".join(texts) if None not in texts else None)


def apply_moves(conn: Connection, terminal_id: str | Sequence[str], moves: Sequence[Sequence], received_at: datetime,
                *, find_negative: bool = True) -> Applied:
    """Insert the wire moves this database does not hold yet and update the balances once for
    them, in the caller's transaction. `terminal_id` is the posting terminal of every move, or
    one per move. Natural keys are resolved here; an unknown item or location refuses the batch.
    `find_negative`: list the internal balances left below zero (central raises conflicts for
    them; a terminal applying a pull does not ask).
    The batch is handled column by column (each key resolved once, the moves of one key and
    amount counted together): a batch is tens of thousands of moves."""
    terminals = [terminal_id] * len(moves) if isinstance(terminal_id, str) else list(terminal_id)
    if not moves:
        return Applied()
    parsed = parse_moves(conn.dialect, moves)
    _refuse_malformed(parsed)
    existing = _held(conn, [values.id for values in parsed])
    fresh = [index for index, values in enumerate(parsed) if values.id not in existing]
    if not fresh:
        return Applied()
    moves, parsed, terminals = ([column[index] for index in fresh] for column in (moves, parsed, terminals))
    return write_resolved(conn, resolve_moves(conn, terminals, moves, parsed, received_at), find_negative=find_negative)


def _refuse_malformed(parsed: Sequence[ParsedMove | InvalidInput]) -> None:
    if malformed := next((values for values in parsed if isinstance(values, InvalidInput)), None):
        raise malformed


def resolve_moves(conn: Connection, terminals: list[str], moves: Sequence[Sequence], parsed: Sequence[ParsedMove | InvalidInput],
                  received_at: datetime) -> ResolvedMoves:
    """Moves (`parsed`: their parse_moves) resolved in the caller's transaction, unknown lots
    and containers created; a malformed move, an unknown item or location refuses the batch."""
    _refuse_malformed(parsed)
    return _resolve(conn, terminals, moves, parsed, received_at, create=True)


def resolve_known(conn: Connection, terminal_id: str, moves: Sequence[Sequence], parsed: Sequence[ParsedMove | InvalidInput],
                  received_at: datetime) -> ResolvedMoves | None:
    """A batch resolved with what the database holds now, outside the transaction that will
    write it (master data ids do not change); None if a move is malformed or names a lot,
    container, item or location it does not hold yet: then the batch is resolved in that
    transaction (`resolve_moves`), where unknown lots and containers are created."""
    if not moves or any(isinstance(values, InvalidInput) for values in parsed):
        return None
    return _resolve(conn, [terminal_id] * len(moves), moves, parsed, received_at, create=False)


def _resolve(conn: Connection, terminals: list[str], moves: Sequence[Sequence], parsed: Sequence[ParsedMove],
             received_at: datetime, *, create: bool) -> ResolvedMoves | None:
    """The moves' columns and deltas. `create`: lots and containers the database does not know
    are created, an unknown item or location refuses the batch; else any of them gives None."""
    skus, sources, targets, wire_lots, wire_containers = zip(*map(_NATURAL_KEYS, moves), strict=True)
    items = dict(_rows_by_key(conn, (ITEMS.c.sku, ITEMS.c.id), ITEMS.c.sku, set(skus)))
    codes = {*sources, *targets}
    places: dict[str, tuple[int, Place]] = {
        code: (location_id, Place(LocationKind(kind), warehouse_id))
        for code, location_id, kind, warehouse_id in _rows_by_key(
            conn, (LOCATIONS.c.code, LOCATIONS.c.id, LOCATIONS.c.kind, LOCATIONS.c.warehouse_id), LOCATIONS.c.code, codes)
    }
    unknown_items, unknown_codes = sorted(set(skus) - items.keys(), key=str), sorted(codes - places.keys(), key=str)
    if not create and (unknown_items or unknown_codes):
        return None
    if unknown_items:
        raise NotFound(f"unknown item SKU(s): {', '.join(map(str, unknown_items[:5]))}")
    if unknown_codes:
        raise NotFound(f"unknown location code(s): {', '.join(map(str, unknown_codes[:5]))}")
    location_ids = {code: location_id for code, (location_id, _) in places.items()}
    item_ids = list(map(items.__getitem__, skus))
    source_ids, target_ids = list(map(location_ids.__getitem__, sources)), list(map(location_ids.__getitem__, targets))
    lot_ids = _lot_column(conn, item_ids, wire_lots, received_at, create)
    container_ids = _container_column(conn, wire_containers, received_at, create)
    if lot_ids is None or container_ids is None:
        return None
    warehouse_of = {pair: move_warehouse(places[pair[0]][1], places[pair[1]][1]) for pair in set(zip(sources, targets, strict=True))}
    ids, sequences, amounts, operators, created, document_refs, reasons, reversed_ids, chains = zip(*parsed, strict=True)
    count = len(moves)
    last: dict[str, int] = {}
    for terminal, sequence in zip(terminals, sequences, strict=True):
        if sequence > last.get(terminal, 0):
            last[terminal] = sequence
    columns = {
        "id": list(ids), "terminal_id": terminals, "sequence": list(sequences), "item_id": item_ids,
        "from_location_id": source_ids, "to_location_id": target_ids, "lot_id": lot_ids, "container_id": container_ids,
        "quantity": [amount.stored_quantity for amount in amounts], "unit_cost": [amount.stored_cost for amount in amounts],
        "operator": list(operators), "created_at": list(created), "document_ref": list(document_refs),
        "document_line_id": [None] * count, "reason": list(reasons), "reverses_id": list(reversed_ids), "chain_hash": list(chains),
        "warehouse_id": list(map(warehouse_of.__getitem__, zip(sources, targets, strict=True))),
        "received_at": [_move_insert(conn.dialect)[1]["received_at"](received_at)] * count,
    }
    return ResolvedMoves(
        columns, _deltas(item_ids, source_ids, target_ids, lot_ids, container_ids, amounts), last, set(warehouse_of.values()),
        {location_id for location_id, place in places.values() if place.kind is LocationKind.INTERNAL},
        {item_id: sku for sku, item_id in items.items()}, {location_id: code for code, location_id in location_ids.items()})


def write_resolved(conn: Connection, resolved: ResolvedMoves, *, find_negative: bool = True) -> Applied:
    """Insert resolved moves (none of them held here: the primary key refuses one that is, as
    MoveAlreadyHere on PostgreSQL), add their deltas to the balances and move the posting
    terminals' counters on, in the caller's transaction (see apply_moves)."""
    _insert(conn, resolved)
    below_zero = _upsert_balances(conn, resolved.deltas, negative=find_negative)
    _raise_counters(conn, resolved.last_sequences)
    applied = Applied(inserted=list(resolved.columns["id"]), warehouses=set(resolved.warehouses))
    if find_negative:
        applied.negative = [(resolved.sku_of[key[0]], resolved.code_of[key[1]], quantity)
                            for key, quantity in below_zero.items() if key[1] in resolved.internal]
    return applied


def _lot_column(conn: Connection, item_ids: list[int], wire_lots: Sequence, now: datetime, create: bool) -> list[int | None] | None:
    """Each move's lot id (None without a lot), lots this database does not know created (or,
    without `create`, None for the column)."""
    if not any(wire_lots):
        return [None] * len(item_ids)
    wanted = {(item_id, lot[0]): None if lot[1] is None else date.fromisoformat(lot[1])
              for item_id, lot in zip(item_ids, wire_lots, strict=True) if lot}
    lots = _lot_ids(conn, wanted, now, create)
    if lots is None:
        return None
    return [lots[(item_id, lot[0])] if lot else None for item_id, lot in zip(item_ids, wire_lots, strict=True)]


def _container_column(conn: Connection, wire_containers: Sequence, now: datetime, create: bool) -> list[int | None] | None:
    """Each move's container id (None without one), containers this database does not know
    created (or, without `create`, None for the column)."""
    if not any(wire_containers):
        return [None] * len(wire_containers)
    containers = _container_ids(conn, {container[0]: container[1] for container in wire_containers if container}, now, create)
    if containers is None:
        return None
    return [containers[container[0]] if container else None for container in wire_containers]


def _deltas(item_ids, source_ids, target_ids, lot_ids, container_ids, amounts) -> dict[tuple[int, int, int, int], list[Decimal]]:
    """What the moves add to each balance key (quantity, value): the moves of one key pair and
    amount are counted first, so the arithmetic runs once per distinct move, not per move."""
    lot_keys = [NO_LOT if lot_id is None else lot_id for lot_id in lot_ids]
    container_keys = [NO_CONTAINER if container_id is None else container_id for container_id in container_ids]
    deltas: dict[tuple[int, int, int, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for (item_id, source_id, target_id, lot_key, container_key, amount), count in Counter(
            zip(item_ids, source_ids, target_ids, lot_keys, container_keys, amounts, strict=True)).items():
        quantity, value = amount.quantity * count, amount.value * count
        out = deltas[(item_id, source_id, lot_key, container_key)]
        out[0] -= quantity
        out[1] -= value
        into = deltas[(item_id, target_id, lot_key, container_key)]
        into[0] += quantity
        into[1] += value
    return deltas


def _held(conn: Connection, ids: list[str]) -> set[str]:
    """Which of these move ids (hex) this database holds already. On SQLite one statement reads
    them from one JSON array: binding thousands of UUIDs in IN-lists cost more than the search."""
    if conn.dialect.name == "sqlite":
        return set(conn.exec_driver_sql("SELECT id FROM stock_move WHERE id IN (SELECT value FROM json_each(?))",
                                        (json.dumps(ids),)).scalars())
    return {row.id.hex for row in _rows_by_key(conn, (MOVES.c.id,), MOVES.c.id, map(uuid.UUID, ids))}


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return r"\N"
    spelled = value.isoformat() if isinstance(value, datetime) else str(value)
    return spelled.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(spelled) else spelled


def _copy_column(values: Sequence) -> Iterable[str]:
    """A column's values in COPY's text format: each distinct value converted once when they
    repeat; a column of distinct numbers or plain text as it is."""
    distinct = set(values)
    if len(distinct) * 4 <= len(values):
        return map({value: _copy_field(value) for value in distinct}.__getitem__, values)
    kinds = set(map(type, distinct))
    if kinds == {int}:
        return map(str, values)
    if kinds == {str} and not _COPY_SPECIAL.search("".join(distinct)):
        return values
    return map(_copy_field, values)


# Below this many moves PostgreSQL takes them in one INSERT of arrays: a COPY costs the server
# ~0.8 ms to set up whatever it carries, most of a one-pick push's time there.
COPY_FROM_MOVES = 64


@functools.cache
def _unnest_insert() -> str:
    """stock_move's INSERT of one array per column (PostgreSQL), prepared once for any count."""
    dialect = postgresql.dialect()
    # Without a length: a cast to VARCHAR(40) would cut a longer value short, the insert refuses it.
    types = [re.sub(r"\(\d+\)", "", MOVES.c[name].type.dialect_impl(dialect).compile(dialect=dialect)) for name in MOVE_COLUMNS]
    arrays = ", ".join(f"%s::{type_}[]" for type_ in types)
    return f"INSERT INTO stock_move ({', '.join(MOVE_COLUMNS)}) SELECT * FROM unnest({arrays})"


def _insert(conn: Connection, moves: ResolvedMoves) -> None:
    """stock_move's rows. On PostgreSQL one statement: a few moves as arrays, more as one COPY
    of text built a column at a time (psycopg's per-row adaptation of 19 values cost more than
    PostgreSQL's insert)."""
    ordered = [moves.columns[name] for name in MOVE_COLUMNS]
    if conn.dialect.name != "postgresql":
        conn.exec_driver_sql(_move_insert(conn.dialect)[0], list(zip(*ordered, strict=True)))
        return
    cursor = conn.connection.driver_connection.cursor()
    try:
        if len(moves) < COPY_FROM_MOVES:
            cursor.execute(_unnest_insert(), ordered)
            return
        with cursor.copy(f"COPY stock_move ({', '.join(MOVE_COLUMNS)}) FROM STDIN") as copy:
            copy.write(moves.copy_text())
    except UniqueViolation as exc:
        if exc.diag.constraint_name == "stock_move_pkey":
            raise MoveAlreadyHere(str(exc)) from None
        raise


def _raise_counters(conn: Connection, last: dict[str, int]) -> None:
    """Each posting terminal's counter follows its highest move here (`db check` compares them)."""
    conn.execute(_counter_upsert(conn.dialect.name),
                 [{"terminal_id": terminal, "last_sequence": sequence} for terminal, sequence in sorted(last.items())])


@functools.cache
def _counter_upsert(dialect: str):
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SEQUENCES)
    highest = (func.greatest if dialect == "postgresql" else func.max)(SEQUENCES.c.last_sequence, insert.excluded.last_sequence)
    return insert.on_conflict_do_update(index_elements=[SEQUENCES.c.terminal_id], set_={"last_sequence": highest})
