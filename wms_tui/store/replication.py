"""Moves between databases: a terminal's outbox as wire moves, wire moves applied to a ledger
(central on push, a terminal on pull), and the change logs a pull reads.

Why Core and driver SQL: a push or a catch-up carries up to a hundred thousand moves, so the
natural keys are resolved with one IN-list per kind and batch, the moves go to PostgreSQL by
COPY (one statement: its change trigger numbers the whole batch with one counter update) and
to SQLite by executemany, and the balances are updated once per key and batch.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter

from psycopg.errors import UniqueViolation
from sqlalchemy import Connection, and_, any_, bindparam, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from wms_tui.domain import quantities
from wms_tui.domain.costing import move_value
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import ContainerKind
from wms_tui.domain.sync import FIELD_INDEX, MOVE_FIELDS
from wms_tui.store.costing import Place
from wms_tui.store.ledger import (
    BALANCES,
    LOOKUP_CHUNK,
    MOVE_COLUMNS,
    MOVES,
    SEQUENCES,
    _move_insert,
    _upsert_balances,
    move_warehouse,
    once_per_value,
)
from wms_tui.store.models import (
    NO_CONTAINER,
    NO_LOT,
    Container,
    Item,
    Location,
    Lot,
    MoveChange,
    SyncState,
)

ITEMS, LOCATIONS, LOTS, CONTAINERS = Item.__table__, Location.__table__, Lot.__table__, Container.__table__
_SOURCE, _TARGET = aliased(LOCATIONS), aliased(LOCATIONS)
_WIRE_COLUMNS = (
    MOVES.c.id, MOVES.c.sequence, ITEMS.c.sku, _SOURCE.c.code, _TARGET.c.code, LOTS.c.code, LOTS.c.expiry_date,
    CONTAINERS.c.code, CONTAINERS.c.kind, MOVES.c.quantity, MOVES.c.unit_cost, MOVES.c.operator, MOVES.c.created_at,
    MOVES.c.document_ref, MOVES.c.reason, MOVES.c.reverses_id, MOVES.c.chain_hash, MOVES.c.terminal_id,
)


def _wire_select():
    return (
        select(*_WIRE_COLUMNS)
        .join(ITEMS, ITEMS.c.id == MOVES.c.item_id)
        .join(_SOURCE, _SOURCE.c.id == MOVES.c.from_location_id)
        .join(_TARGET, _TARGET.c.id == MOVES.c.to_location_id)
        .outerjoin(LOTS, LOTS.c.id == MOVES.c.lot_id)
        .outerjoin(CONTAINERS, CONTAINERS.c.id == MOVES.c.container_id)
    )


_OUTBOX = (
    _wire_select()
    .where(MOVES.c.terminal_id == bindparam("terminal"), MOVES.c.sequence > bindparam("after"), MOVES.c.received_at.is_(None))
    .order_by(MOVES.c.sequence)
    .limit(bindparam("limit"))
)
_MOVES_SINCE = (
    _wire_select()
    .add_columns(MoveChange.change_seq)
    .join(MoveChange, MoveChange.move_id == MOVES.c.id)
    .where(MoveChange.warehouse_id == bindparam("warehouse"), MoveChange.change_seq > bindparam("after"))
    .order_by(MoveChange.change_seq)
    .limit(bindparam("limit"))
)
_CHAIN_HASH = select(MOVES.c.chain_hash).where(MOVES.c.terminal_id == bindparam("terminal"), MOVES.c.sequence == bindparam("sequence"))
_LAST_SEQUENCE = select(func.max(MOVES.c.sequence)).where(MOVES.c.terminal_id == bindparam("terminal"), MOVES.c.received_at.is_(None))


def _wire(row) -> list:
    (move_id, sequence, sku, source, target, lot, expiry, container, kind, quantity, cost, operator, created_at,
     document_ref, reason, reverses_id, chain_hash) = row[:17]
    return [
        move_id.hex, sequence, sku, source, target,
        None if lot is None else [lot, None if expiry is None else expiry.isoformat()],
        None if container is None else [container, str(kind)],
        # SQLite gives timestamps back without their zone: they were written in UTC.
        str(quantity), str(cost), operator, (created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)).isoformat(),
        document_ref, reason,
        None if reverses_id is None else reverses_id.hex, chain_hash,
    ]


def outbox(conn: Connection, terminal_id: str, after: int, limit: int) -> list[list]:
    """The terminal's own moves above `after`, in sequence order, as wire moves."""
    return [_wire(row) for row in conn.execute(_OUTBOX, {"terminal": terminal_id, "after": after, "limit": limit})]


_OWN = aliased(MOVES)
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


def moves_since(conn: Connection, warehouse_id: int, after: int, limit: int) -> list[tuple[int, str, list]]:
    """(change number, terminal id, wire move) of a warehouse's moves after change `after`."""
    rows = conn.execute(_MOVES_SINCE, {"warehouse": warehouse_id, "after": after, "limit": limit})
    return [(row.change_seq, row.terminal_id, _wire(row)) for row in rows]


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


def _lot_ids(conn: Connection, wanted: dict[tuple[int, str], date | None], now: datetime) -> dict[tuple[int, str], int]:
    """Lots by (item id, code), created when this database does not know them yet."""
    if not wanted:
        return {}
    keys = list(wanted)
    found: dict[tuple[int, str], int] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK // 2):
        chunk = keys[start : start + LOOKUP_CHUNK // 2]
        condition = or_(*(and_(LOTS.c.item_id == item_id, LOTS.c.code == code) for item_id, code in chunk))
        found.update(((row.item_id, row.code), row.id) for row in conn.execute(select(LOTS.c.id, LOTS.c.item_id, LOTS.c.code).where(condition)))
    missing = [{"item_id": i, "code": c, "expiry_date": wanted[(i, c)], "created_at": now} for i, c in keys if (i, c) not in found]
    for row in missing:
        found[(row["item_id"], row["code"])] = conn.execute(LOTS.insert().returning(LOTS.c.id), row).scalar_one()
    return found


def _container_ids(conn: Connection, wanted: dict[str, str], now: datetime) -> dict[str, int]:
    """Containers by code (SSCC or LPN), created when this database does not know them yet."""
    found = dict(_rows_by_key(conn, (CONTAINERS.c.code, CONTAINERS.c.id), CONTAINERS.c.code, wanted))
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


_MOVE_ROW = itemgetter(*MOVE_COLUMNS)


class _MoveParser:
    """A wire move's values, checked (a malformed move refuses its whole batch) and converted
    to what the database driver takes for stock_move's columns; the values that repeat are
    checked and converted once per batch."""

    def __init__(self, dialect, received_at: datetime) -> None:
        _, stored = _move_insert(dialect)
        self.stored_time = stored["created_at"]
        # (the checked Decimal, its stored form)
        self.quantity = once_per_value(lambda value: _checked(quantities.move_quantity, stored["quantity"], value))
        self.unit_cost = once_per_value(lambda value: _checked(quantities.unit_cost, stored["unit_cost"], value))
        self.reason = once_per_value(_reason_code)
        self.operator = once_per_value(lambda operator: str(operator)[:40])
        self.received_at = stored["received_at"](received_at)

    def __call__(self, move: Sequence, index: int) -> tuple[dict, Decimal, Decimal]:
        """The move's columns that come from the wire (its own id as hex), its quantity and unit cost."""
        try:
            if len(move) != len(MOVE_FIELDS):
                raise ValueError(f"has {len(move)} fields, not {len(MOVE_FIELDS)}")
            (move_id, sequence, _item, _source, _target, _lot, _container, quantity, cost, operator, created_at,
             document_ref, reason, reverses, chain) = move
            created_at = datetime.fromisoformat(created_at)
            if created_at.tzinfo is None:
                raise ValueError("created_at has no time zone")
            if not isinstance(chain, str) or len(chain) != 64:
                raise ValueError("chain_hash is not a SHA-256")
            quantity, stored_quantity = self.quantity(quantity)
            cost, stored_cost = self.unit_cost(cost)
            return {
                "id": _uuid_hex(move_id),
                "sequence": int(sequence),
                "quantity": stored_quantity,
                "unit_cost": stored_cost,
                "operator": self.operator(operator),
                "created_at": self.stored_time(created_at),
                "document_ref": document_ref,
                "document_line_id": None,
                "reason": self.reason(reason),
                "reverses_id": None if reverses is None else _uuid_hex(reverses),
                "chain_hash": chain,
                "received_at": self.received_at,
            }, quantity, cost
        except (TypeError, ValueError, AttributeError, ArithmeticError, InvalidInput) as exc:
            what = _field(move, "id") if isinstance(move, Sequence) and len(move) == len(MOVE_FIELDS) else index + 1
            raise InvalidInput(f"move {what}: {exc}") from None


def _checked(check: Callable, store: Callable, value) -> tuple:
    number = check(value)
    return number, store(number)


def _reason_code(reason: str | None) -> str | None:
    if reason is None:
        return None
    if (parsed := MoveReason.parse(reason)) is None:
        raise ValueError(f"unknown reason {reason!r}")
    return parsed.value


def parse_moves(dialect, moves: Sequence[Sequence], received_at: datetime) -> list[tuple[dict, Decimal, Decimal] | InvalidInput]:
    """Each wire move checked and converted (`apply_moves`'s `parsed`), or why it is malformed:
    the refusal is raised only if the move is applied (a resent move is skipped as before). A
    push parses its batch before it waits for the terminal's lock, so a terminal's next batch is
    parsed while its previous one is applied."""
    parse = _MoveParser(dialect, received_at)
    parsed: list[tuple[dict, Decimal, Decimal] | InvalidInput] = []
    for index, move in enumerate(moves):
        try:
            parsed.append(parse(move, index))
        except InvalidInput as exc:
            parsed.append(exc)
    return parsed


def apply_moves(conn: Connection, terminal_id: str | Sequence[str], moves: Sequence[Sequence], received_at: datetime,
                *, all_new: bool = False, parsed: Sequence[tuple[dict, Decimal, Decimal] | InvalidInput] | None = None,
                find_negative: bool = True) -> Applied:
    """Insert the wire moves this database does not hold yet and update the balances once for
    them, in the caller's transaction. `terminal_id` is the posting terminal of every move, or
    one per move. Natural keys are resolved here; an unknown item or location refuses the batch.
    `all_new`: the caller knows none of them is here (a push above the terminal's applied
    sequence, on PostgreSQL), so they are not looked up: one that is raises MoveAlreadyHere.
    `parsed`: the moves' `parse_moves` with the same `received_at`, when the caller has it.
    `find_negative`: list the internal balances left below zero (central raises conflicts for
    them; a terminal applying a pull does not ask)."""
    terminals = [terminal_id] * len(moves) if isinstance(terminal_id, str) else list(terminal_id)
    applied = Applied()
    if not moves:
        return applied
    if parsed is None:
        parsed = parse_moves(conn.dialect, moves, received_at)
    if malformed := next((values for values in parsed if isinstance(values, InvalidInput)), None):
        raise malformed
    existing = set() if all_new else _held(conn, [row["id"] for row, _, _ in parsed])
    fresh = [(move, *values, terminal) for move, values, terminal in zip(moves, parsed, terminals, strict=True)
             if values[0]["id"] not in existing]
    if not fresh:
        return applied
    skus = {_field(move, "item") for move, *_ in fresh}
    items = dict(_rows_by_key(conn, (ITEMS.c.sku, ITEMS.c.id), ITEMS.c.sku, skus))
    codes = {_field(move, name) for move, *_ in fresh for name in ("from", "to")}
    places: dict[str, tuple[int, Place]] = {
        code: (location_id, Place(LocationKind(kind), warehouse_id))
        for code, location_id, kind, warehouse_id in _rows_by_key(
            conn, (LOCATIONS.c.code, LOCATIONS.c.id, LOCATIONS.c.kind, LOCATIONS.c.warehouse_id), LOCATIONS.c.code, codes)
    }
    if unknown := sorted(skus - items.keys(), key=str):
        raise NotFound(f"unknown item SKU(s): {', '.join(map(str, unknown[:5]))}")
    if unknown := sorted(codes - places.keys(), key=str):
        raise NotFound(f"unknown location code(s): {', '.join(map(str, unknown[:5]))}")
    lots_wanted: dict[tuple[int, str], date | None] = {}
    containers_wanted: dict[str, str] = {}
    for move, *_ in fresh:
        if lot := _field(move, "lot"):
            lots_wanted[(items[_field(move, "item")], lot[0])] = None if lot[1] is None else date.fromisoformat(lot[1])
        if container := _field(move, "container"):
            containers_wanted[container[0]] = container[1]
    lots = _lot_ids(conn, lots_wanted, received_at)
    containers = _container_ids(conn, containers_wanted, received_at)
    deltas: dict[tuple[int, int, int, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    value_of = once_per_value(lambda pair: move_value(*pair))
    warehouse_of = once_per_value(lambda pair: move_warehouse(places[pair[0]][1], places[pair[1]][1]))
    rows: list[tuple] = []
    per_terminal: dict[str, int] = {}
    for move, row, quantity, cost, terminal in fresh:
        item_id = items[_field(move, "item")]
        source_code, target_code = _field(move, "from"), _field(move, "to")
        source_id, target_id = places[source_code][0], places[target_code][0]
        lot = _field(move, "lot")
        lot_id = lots[(item_id, lot[0])] if lot else None
        container = _field(move, "container")
        container_id = containers[container[0]] if container else None
        warehouse_id = warehouse_of((source_code, target_code))
        applied.warehouses.add(warehouse_id)
        row.update(terminal_id=terminal, item_id=item_id, from_location_id=source_id, to_location_id=target_id,
                   lot_id=lot_id, container_id=container_id, warehouse_id=warehouse_id)
        rows.append(_MOVE_ROW(row))
        if row["sequence"] > per_terminal.get(terminal, 0):
            per_terminal[terminal] = row["sequence"]
        value = value_of((quantity, cost))
        lot_key, container_key = lot_id or NO_LOT, container_id or NO_CONTAINER
        out = deltas[(item_id, source_id, lot_key, container_key)]
        out[0] -= quantity
        out[1] -= value
        into = deltas[(item_id, target_id, lot_key, container_key)]
        into[0] += quantity
        into[1] += value
        applied.inserted.append(row["id"])
    _insert(conn, rows)
    _upsert_balances(conn, deltas)
    _raise_counters(conn, per_terminal)
    if not find_negative:
        return applied
    internal = {location_id for location_id, place in places.values() if place.kind is LocationKind.INTERNAL}
    sku_of = {item_id: sku for sku, item_id in items.items()}
    code_of = {location_id: code for code, (location_id, _) in places.items()}
    applied.negative = [(sku_of[key[0]], code_of[key[1]], quantity) for key, quantity in _below_zero(conn, deltas, internal)]
    return applied


def _held(conn: Connection, ids: list[str]) -> set[str]:
    """Which of these move ids (hex) this database holds already. On SQLite one statement reads
    them from one JSON array: binding thousands of UUIDs in IN-lists cost more than the search."""
    if conn.dialect.name == "sqlite":
        return set(conn.exec_driver_sql("SELECT id FROM stock_move WHERE id IN (SELECT value FROM json_each(?))",
                                        (json.dumps(ids),)).scalars())
    return {row.id.hex for row in _rows_by_key(conn, (MOVES.c.id,), MOVES.c.id, map(uuid.UUID, ids))}


def _insert(conn: Connection, values: list[tuple]) -> None:
    """Rows of stock_move's columns (MOVE_COLUMNS), each value as the driver takes it."""
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        try:
            with cursor.copy(f"COPY stock_move ({', '.join(MOVE_COLUMNS)}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        except UniqueViolation as exc:
            if exc.diag.constraint_name == "stock_move_pkey":
                raise MoveAlreadyHere(str(exc)) from None
            raise
        return
    conn.exec_driver_sql(_move_insert(conn.dialect)[0], values)


def _raise_counters(conn: Connection, last: dict[str, int]) -> None:
    """Each posting terminal's counter follows its highest move here (`db check` compares them)."""
    conn.execute(_counter_upsert(conn.dialect.name),
                 [{"terminal_id": terminal, "last_sequence": sequence} for terminal, sequence in sorted(last.items())])


@functools.cache
def _counter_upsert(dialect: str):
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SEQUENCES)
    highest = (func.greatest if dialect == "postgresql" else func.max)(SEQUENCES.c.last_sequence, insert.excluded.last_sequence)
    return insert.on_conflict_do_update(index_elements=[SEQUENCES.c.terminal_id], set_={"last_sequence": highest})


_NEGATIVE = BALANCES.c.quantity < 0


def _below_zero(conn: Connection, deltas: Mapping[tuple[int, int, int, int], object], locations: set[int]):
    """The balances of the batch's keys at `locations` that are below zero now: asked by location
    (negative balances are rare, so few rows come back) and matched to the keys here."""
    columns = [BALANCES.c.item_id, BALANCES.c.location_id, BALANCES.c.lot_id, BALANCES.c.container_id, BALANCES.c.quantity]
    rows = _rows_by_key(conn, columns, BALANCES.c.location_id, locations, _NEGATIVE)
    return [(tuple(row[:4]), row[4]) for row in rows if tuple(row[:4]) in deltas]
