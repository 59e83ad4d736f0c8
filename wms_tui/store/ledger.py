"""Posting stock moves: the one way stock ever changes.

A batch is posted in the caller's transaction: every move is validated first, then the moves are
inserted and the balances updated, so either the whole batch lands or none of it does.

Why Core and driver SQL: a scan posts one move and a bulk job a hundred thousand, so the
statements are built once per process (per dialect), and the moves (and, on SQLite, the
balances) go to the driver's executemany with each value converted as its column type would,
because SQLAlchemy's per-row parameter handling costs more than SQLite's insert.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import Connection, Engine, bindparam, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import StatementError

from wms_tui.domain import quantities
from wms_tui.domain.availability import is_sellable
from wms_tui.domain.costing import move_value
from wms_tui.domain.errors import InvalidInput, LedgerRuleViolation, NotFound
from wms_tui.domain.items import Tracking, lot_problem
from wms_tui.domain.locations import PRICE_VARIANCE_CODE, LocationKind
from wms_tui.domain.reasons import MoveReason
from wms_tui.store.costing import ItemCost, Place, price_moves
from wms_tui.store.driver import driver_insert
from wms_tui.store.models import (
    NO_CONTAINER,
    NO_LOT,
    Container,
    Item,
    Location,
    Lot,
    StockBalance,
    StockMove,
    TerminalSequence,
)
from wms_tui.store.uuids import new_uuid7s

MOVES = StockMove.__table__
BALANCES = StockBalance.__table__
SEQUENCES = TerminalSequence.__table__
# New moves carry a reason's code: never an older spelling or free text.
MOVE_REASONS = frozenset(MoveReason)
# SQLite allows 32766 bound parameters per statement; IN-lists stay well below it.
LOOKUP_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class MoveRequest:
    """A stock move someone wants to post. Quantities as str/int/Decimal, never float."""

    item_id: int
    from_location_id: int
    to_location_id: int
    quantity: object
    lot_id: int | None = None
    container_id: int | None = None
    # None: the item's cost at this moment; a cost asked for applies to goods coming into stock
    # (store.costing decides what a move out of stock is worth).
    unit_cost: object | None = None
    document_ref: str | None = None
    document_line_id: int | None = None
    reason: MoveReason | None = None
    reverses_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class PostingContext:
    """Who posts and where: every move carries them for audit and sync."""

    terminal_id: str
    operator: str

    def __post_init__(self) -> None:
        if not self.terminal_id or not self.terminal_id.strip():
            raise LedgerRuleViolation("a terminal id is required to post moves")
        if not self.operator or not self.operator.strip():
            raise LedgerRuleViolation("an operator is required to post moves")


@dataclass(frozen=True, slots=True)
class PostedMove:
    id: uuid.UUID
    sequence: int
    item_id: int
    from_location_id: int
    to_location_id: int
    quantity: Decimal
    unit_cost: Decimal
    lot_id: int | None
    container_id: int | None
    created_at: datetime
    # The warehouse whose sellable stock this move adds to (it comes from outside its sellable
    # locations: a receipt, a count gain, a restock, a built kit); None for any other move.
    sellable_in: int | None = None


@dataclass
class _Lookups:
    items: dict[int, tuple[str, Tracking]] = field(default_factory=dict)
    costs: dict[int, ItemCost] = field(default_factory=dict)
    locations: dict[int, tuple[str, LocationKind, bool]] = field(default_factory=dict)
    places: dict[int, Place] = field(default_factory=dict)
    lots: dict[int, int] = field(default_factory=dict)  # lot id -> item id
    containers: set[int] = field(default_factory=set)
    # The sellable locations among the looked-up ones -> their warehouse: decided once per
    # location, not per move.
    sellable: dict[int, int | None] = field(default_factory=dict)
    price_variance_id: int | None = None  # read with the locations when a move asks for a cost


def _chunks(ids: set[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        yield ordered[start : start + LOOKUP_CHUNK]


_ITEMS = select(Item.id, Item.sku, Item.tracking, Item.standard_cost, Item.costing_method).where(
    Item.id.in_(bindparam("ids", expanding=True))
)
_LOCATION_COLUMNS = (Location.id, Location.code, Location.kind, Location.active, Location.warehouse_id)
_LOCATIONS = select(*_LOCATION_COLUMNS).where(Location.id.in_(bindparam("ids", expanding=True)))
# A cost asked for may differ from a standard cost: the Price Variance location comes along.
_LOCATIONS_AND_VARIANCE = select(*_LOCATION_COLUMNS).where(
    Location.id.in_(bindparam("ids", expanding=True)) | (Location.code == PRICE_VARIANCE_CODE)
)
_LOTS = select(Lot.id, Lot.item_id).where(Lot.id.in_(bindparam("ids", expanding=True)))
_CONTAINERS = select(Container.id).where(Container.id.in_(bindparam("ids", expanding=True)))


def _load_lookups(conn: Connection, requests: Sequence[MoveRequest]) -> _Lookups:
    found = _Lookups()
    item_ids = {r.item_id for r in requests}
    location_ids = {r.from_location_id for r in requests} | {r.to_location_id for r in requests}
    lot_ids = {r.lot_id for r in requests if r.lot_id is not None}
    container_ids = {r.container_id for r in requests if r.container_id is not None}
    # Rows unpacked as tuples (a named attribute costs a look-up per value); the enum columns
    # come back as their members.
    for chunk in _chunks(item_ids):
        for item_id, sku, tracking, standard_cost, method in conn.execute(_ITEMS, {"ids": chunk}):
            found.items[item_id] = (sku, tracking)
            found.costs[item_id] = ItemCost(standard_cost, method)
    costs_asked = any(r.unit_cost is not None for r in requests)
    for number, chunk in enumerate(_chunks(location_ids)):
        statement = _LOCATIONS_AND_VARIANCE if costs_asked and number == 0 else _LOCATIONS
        for location_id, code, kind, active, warehouse_id in conn.execute(statement, {"ids": chunk}):
            if code == PRICE_VARIANCE_CODE:
                found.price_variance_id = location_id
            found.locations[location_id] = (code, kind, active)
            found.places[location_id] = Place(kind, warehouse_id)
            if is_sellable(kind, code):
                found.sellable[location_id] = warehouse_id
    for chunk in _chunks(lot_ids):
        found.lots.update({row.id: row.item_id for row in conn.execute(_LOTS, {"ids": chunk})})
    for chunk in _chunks(container_ids):
        found.containers.update(conn.scalars(_CONTAINERS, {"ids": chunk}))
    return found


def _load_places(conn: Connection, found: _Lookups, location_ids: set[int]) -> None:
    """Places of locations pricing added (price variance, bins revalued) for the moves' warehouse."""
    for chunk in _chunks(location_ids - found.places.keys()):
        for location_id, _, kind, _, warehouse_id in conn.execute(_LOCATIONS, {"ids": chunk}):
            found.places[location_id] = Place(kind, warehouse_id)


def move_warehouse(source: Place, destination: Place) -> int | None:
    """The warehouse a move belongs to: its source's, else its destination's (a receipt from a
    supplier belongs to the receiving warehouse)."""
    return source.warehouse_id if source.warehouse_id is not None else destination.warehouse_id


def once_per_value(convert: Callable) -> Callable:
    """`convert` run once per distinct value of a batch: quantities, costs and reasons repeat
    across thousands of moves. Keyed by type too (True == 1 == 1.0 must not share an answer);
    an unhashable value is converted as it is (and refused, as any bad value is)."""
    seen: dict = {}

    def cached(value):
        try:
            key = (type(value), value)
            return seen[key]
        except KeyError:
            seen[key] = result = convert(value)
            return result
        except TypeError:
            return convert(value)

    return cached


def _validate_all(requests: Sequence[MoveRequest], found: _Lookups) -> list[tuple[Decimal, Decimal | None]]:
    """Each request's exact quantity and the unit cost asked for (None when none is), checked."""
    quantity_of, cost_of = once_per_value(quantities.move_quantity), once_per_value(quantities.unit_cost)
    return [_validate(index, request, found, quantity_of, cost_of) for index, request in enumerate(requests)]


def _validate(index: int, request: MoveRequest, found: _Lookups, quantity_of: Callable, cost_of: Callable) -> tuple[Decimal, Decimal | None]:
    """Check one request. Raises naming the move."""
    where = f"move {index + 1}"
    try:
        quantity = quantity_of(request.quantity)
    except Exception as exc:
        raise LedgerRuleViolation(f"{where}: {exc}") from None
    item = found.items.get(request.item_id)
    if item is None:
        raise NotFound(f"{where}: unknown item id {request.item_id}")
    sku, tracking = item
    for role, location_id in (("source", request.from_location_id), ("destination", request.to_location_id)):
        location = found.locations.get(location_id)
        if location is None:
            raise NotFound(f"{where}: unknown {role} location id {location_id}")
        code, kind, active = location
        if kind is LocationKind.VIEW:
            raise LedgerRuleViolation(f"{where}: {role} {code} is a view location and holds no stock; use one of its bins")
        if not active:
            raise LedgerRuleViolation(f"{where}: {role} {code} is archived")
    if request.from_location_id == request.to_location_id:
        code = found.locations[request.from_location_id][0]
        raise LedgerRuleViolation(f"{where}: source and destination are both {code}")
    if request.lot_id is not None:
        lot_item = found.lots.get(request.lot_id)
        if lot_item is None:
            raise NotFound(f"{where}: unknown lot id {request.lot_id}")
        if lot_item != request.item_id:
            raise LedgerRuleViolation(f"{where}: lot id {request.lot_id} belongs to another item than {sku}")
    if problem := lot_problem(sku, tracking, request.lot_id is not None, quantity):
        raise LedgerRuleViolation(f"{where}: {problem}")
    if request.container_id is not None and request.container_id not in found.containers:
        raise NotFound(f"{where}: unknown container id {request.container_id}")
    if request.reason is not None and request.reason not in MOVE_REASONS:
        raise LedgerRuleViolation(f"{where}: {request.reason!r} is not a move reason (one of {', '.join(MOVE_REASONS)})")
    try:
        cost = None if request.unit_cost is None else cost_of(request.unit_cost)
    except Exception as exc:
        raise LedgerRuleViolation(f"{where}: {exc}") from None
    return quantity, cost


# The hash "before" a terminal's first move.
GENESIS_HASH = ""
# The counter moved on, and the chain hash of the terminal's move before the reserved numbers
# read in the same statement (RETURNING sees the new last_sequence): a scan saves a round trip.
# The terminal is the bound value, not the outer column: SQLite's RETURNING names columns
# without their table, and the inner terminal_id would compare with itself.
_PREVIOUS_HASH = (
    select(MOVES.c.chain_hash)
    .where(MOVES.c.terminal_id == bindparam("terminal"), MOVES.c.sequence == SEQUENCES.c.last_sequence - bindparam("count"))
    .scalar_subquery()
)
_NEXT_SEQUENCES = (
    update(SEQUENCES)
    .where(SEQUENCES.c.terminal_id == bindparam("terminal"))
    .values(last_sequence=SEQUENCES.c.last_sequence + bindparam("count"))
    .returning(SEQUENCES.c.last_sequence, _PREVIOUS_HASH)
)


@lru_cache(maxsize=4)
def _first_sequence_insert(dialect_name: str):
    """INSERT of a new terminal's counter that yields to a concurrent first post (ON CONFLICT
    DO NOTHING): two processes posting a terminal's first move both go on to the UPDATE."""
    dialect_insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return dialect_insert(SEQUENCES).values(last_sequence=0).on_conflict_do_nothing(index_elements=[SEQUENCES.c.terminal_id])


def _reserve_sequences(conn: Connection, terminal_id: str, count: int) -> tuple[int, str]:
    """Reserve `count` consecutive sequence numbers; returns the first and the chain hash of the
    terminal's move before it. Gap-free: it rolls back with the moves if the transaction fails."""
    parameters = {"terminal": terminal_id, "count": count}
    reserved = conn.execute(_NEXT_SEQUENCES, parameters).first()
    if reserved is None:
        conn.execute(_first_sequence_insert(conn.dialect.name), {"terminal_id": terminal_id})
        reserved = conn.execute(_NEXT_SEQUENCES, parameters).one()
    last, previous_hash = reserved
    # The first move starts the chain; a missing previous move (deleted by hand) does not stop
    # the floor either: `db check` names the gap.
    return last - count + 1, previous_hash or GENESIS_HASH


def _text(value: str | None) -> str:
    # Free text is length-prefixed, so no value can imitate a field boundary; None and "" differ.
    return "-" if value is None else f"{len(value)}:{value}"


def _number(value: object) -> str:
    return "-" if value is None else str(value)


def chain_timestamp(created_at: datetime) -> str:
    """created_at as hashed: UTC, microseconds. SQLite gives it back naive (stored as UTC)."""
    if created_at.tzinfo is not None:
        created_at = created_at.astimezone(UTC).replace(tzinfo=None)
    return created_at.isoformat(timespec="microseconds")


def move_hash(previous_hash: str, move: Mapping, timestamp: str) -> str:
    """SHA-256 (hex) over a move's content and the hash of the terminal's previous move.

    The format is frozen: changing it breaks every chain already stored (migration 0006 fills
    the hashes of moves posted before chains existed with this same function).
    """
    return _chain_hash(
        previous_hash, move["id"], _text(move["terminal_id"]), move["sequence"], move["item_id"], move["from_location_id"],
        move["to_location_id"], move["lot_id"], move["container_id"],
        quantities.to_units(move["quantity"], quantities.QUANTITY_PLACES),
        quantities.to_units(move["unit_cost"], quantities.MONEY_PLACES),
        _signed(move["operator"], timestamp), move["document_ref"], move["document_line_id"], move["reason"], move["reverses_id"],
    )


def _signed(operator: str, timestamp: str) -> str:
    """The hashed operator and time: the same for every move of a batch."""
    return f"{_text(operator)}|{timestamp}"


def _chain_hash(
    previous_hash: str, move_id: uuid.UUID, terminal: str, sequence: int, item_id: int, source: int, target: int,
    lot_id: int | None, container_id: int | None, quantity_units: int, cost_units: int, signed: str,
    document_ref: str | None, document_line_id: int | None, reason: str | None, reverses_id: uuid.UUID | None,
) -> str:
    """move_hash's content (the frozen format) from the stored units, the hashed terminal
    (`_text`) and `_signed`: posting works each of them out once, for the hash and the insert."""
    content = (
        f"{previous_hash}|{move_id.hex}|{terminal}|{sequence}|{item_id}|{source}|{target}|{_number(lot_id)}"
        f"|{_number(container_id)}|{quantity_units}|{cost_units}|{signed}|{_text(document_ref)}|{_number(document_line_id)}"
        f"|{_text(reason)}|{'-' if reverses_id is None else reverses_id.hex}"
    )
    return hashlib.sha256(content.encode()).hexdigest()


Key = tuple[int, int, int, int]  # item, location, lot (NO_LOT), container (NO_CONTAINER)
_BALANCE_KEY = ("item_id", "location_id", "lot_id", "container_id")


_BALANCE_FIELDS = (*_BALANCE_KEY, "quantity", "value")
_BALANCE_COLUMNS = ", ".join(_BALANCE_FIELDS)
_BALANCE_ADD = (
    f"ON CONFLICT ({', '.join(_BALANCE_KEY)}) DO UPDATE "
    "SET quantity = balance.quantity + excluded.quantity, value = balance.value + excluded.value"
)
# SQLite: the driver's executemany of one prepared upsert, values converted here (SQLAlchemy's
# per-row parameter handling cost more than the upserts); with RETURNING, rows of one
# multi-row VALUES, as many as the bound-parameter limit allows.
_BALANCE_ROW = "(?, ?, ?, ?, ?, ?)"
_BALANCE_UPSERT_SQL = f"INSERT INTO stock_balance AS balance ({_BALANCE_COLUMNS}) VALUES {_BALANCE_ROW} {_BALANCE_ADD}"
_BALANCE_ROWS_PER_STATEMENT = 32766 // 6  # SQLite's bound-parameter limit, six a row
# PostgreSQL: a batch's balances as six arrays, one statement (an executemany of thousands of
# upserts is thousands of statements for the server to run). Each array goes as its text
# ('{1,2,3}'), the amounts in stored units: psycopg's dump of a list, value by value, cost a
# push of 10,000 moves more than the upsert itself.
_BALANCE_UNNEST_SQL = (
    f"INSERT INTO stock_balance AS balance ({_BALANCE_COLUMNS}) SELECT * FROM unnest("
    + ", ".join(f"CAST(:{name} AS {'integer' if name in _BALANCE_KEY else 'bigint'}[])" for name in _BALANCE_FIELDS)
    + f") {_BALANCE_ADD}"
)
_BALANCE_UNNEST = text(_BALANCE_UNNEST_SQL)
_BALANCE_RETURNING = f"RETURNING {', '.join(f'balance.{name}' for name in _BALANCE_KEY)}, balance.quantity"
_BALANCE_RETURNED = (*(BALANCES.c[name] for name in _BALANCE_KEY), BALANCES.c.quantity)
_BALANCE_UNNEST_RETURNING = text(f"{_BALANCE_UNNEST_SQL} {_BALANCE_RETURNING}").columns(*_BALANCE_RETURNED)
# Only the balances the upsert left below zero come back (rare): no second statement to find them.
_BALANCE_UNNEST_NEGATIVE = (
    text(f"WITH upserted AS ({_BALANCE_UNNEST_SQL} {_BALANCE_RETURNING}) SELECT * FROM upserted WHERE quantity < 0")
    .columns(*_BALANCE_RETURNED)
)


def _array_text(values: Iterable[int]) -> str:
    """A PostgreSQL array literal of integers."""
    return "{" + ",".join(map(str, values)) + "}"


def _balance_rows(deltas: dict[Key, list[Decimal]], keys: Iterable[Key]) -> list[tuple[int, ...]]:
    """The deltas of `keys` as stock_balance's rows: the key, then quantity and value in stored units."""
    to_units, quantity_places, money_places = quantities.to_units, quantities.QUANTITY_PLACES, quantities.MONEY_PLACES
    return [(*key, to_units(deltas[key][0], quantity_places), to_units(deltas[key][1], money_places)) for key in keys]


def _upsert_sqlite(conn: Connection, deltas: dict[Key, list[Decimal]], returning: bool):
    rows = _balance_rows(deltas, deltas)
    if not returning:
        conn.exec_driver_sql(_BALANCE_UPSERT_SQL, rows)
        return ()
    returned = []
    for start in range(0, len(rows), _BALANCE_ROWS_PER_STATEMENT):
        chunk = rows[start : start + _BALANCE_ROWS_PER_STATEMENT]
        sql = (f"INSERT INTO stock_balance AS balance ({_BALANCE_COLUMNS}) VALUES {', '.join([_BALANCE_ROW] * len(chunk))} "
               f"{_BALANCE_ADD} RETURNING {', '.join(_BALANCE_KEY)}, quantity")
        returned += conn.exec_driver_sql(sql, tuple(value for row in chunk for value in row)).all()
    return [(*position, quantities.from_units(units, quantities.QUANTITY_PLACES)) for *position, units in returned]


def _upsert_balances(conn: Connection, deltas: dict[Key, list[Decimal]], *, watched: Collection[Key] = (),
                     negative: bool = False) -> dict[Key, Decimal]:
    """Add the deltas to the balances; returns the new quantity of each `watched` position, or
    with `negative` of each position left below zero."""
    if not deltas:
        return {}
    returning = bool(watched) or negative
    try:
        if conn.dialect.name == "postgresql":
            statement = _BALANCE_UNNEST_NEGATIVE if negative else _BALANCE_UNNEST_RETURNING if returning else _BALANCE_UNNEST
            columns = zip(*_balance_rows(deltas, sorted(deltas)), strict=True)
            result = conn.execute(statement, dict(zip(_BALANCE_FIELDS, map(_array_text, columns), strict=True)))
        else:
            result = _upsert_sqlite(conn, deltas, returning)
    except (InvalidInput, StatementError) as exc:
        # A batch's own sum is refused before it is sent (InvalidInput, from the conversion to
        # units); a sum with the stored balance by PostgreSQL ("bigint out of range") or, on
        # SQLite, by the stock_balance_in_range trigger.
        cause = exc.orig if isinstance(exc, StatementError) else exc
        if not (isinstance(cause, InvalidInput) or "out of range" in str(cause)):
            raise
        raise LedgerRuleViolation(
            f"a balance would pass the largest amount the ledger holds ({quantities.MAX_STORED_QUANTITY} units, "
            f"{quantities.MAX_STORED_MONEY} in value): check the quantities and costs"
        ) from None
    if negative:
        return {tuple(position): quantity for *position, quantity in result if quantity < 0}
    if not returning:
        return {}
    watched = set(watched)
    return {key: quantity for *position, quantity in result if (key := tuple(position)) in watched}


def _taken_from_stock(deltas: dict[Key, list[Decimal]], found: _Lookups) -> list[Key]:
    """Positions the batch takes from an internal location: they must not go below zero. Partner
    and virtual locations go negative by design (a supplier's balance is what it delivered)."""
    return [
        key for key, (quantity, _) in deltas.items()
        if quantity < 0 and key[1] in found.locations and found.locations[key[1]][1] is LocationKind.INTERNAL
    ]


def _refuse_negative(left: dict[Key, Decimal], deltas: dict[Key, list[Decimal]], found: _Lookups) -> None:
    """No internal location gives more than it holds. `left` is what the upsert itself returned
    (the row is locked by then), so two terminals taking the last units at once cannot both
    succeed."""
    for key, quantity in left.items():
        if quantity < 0:
            item_id, location_id, lot_id, _ = key
            wanted = -deltas[key][0]
            lot = "" if lot_id == NO_LOT else f" (lot id {lot_id})"
            raise LedgerRuleViolation(
                f"{found.locations[location_id][0]} holds only {quantities.display(quantity + wanted)} {found.items[item_id][0]}{lot}:"
                f" a move cannot take {quantities.display(wanted)}"
            )


def _sellable_in(found: _Lookups, request: MoveRequest) -> int | None:
    # The Price Variance location the costing adds is not among the lookups: it is virtual, so
    # a move from it into a bin (a receipt under standard cost) is an arrival.
    if request.to_location_id not in found.sellable:
        return None
    warehouse = found.sellable[request.to_location_id]
    if request.from_location_id in found.sellable and found.sellable[request.from_location_id] == warehouse:
        return None
    return warehouse


# stock_move's columns, in the order posting builds its rows (tests/ledger checks it names them all).
MOVE_COLUMNS = (
    "id", "terminal_id", "sequence", "item_id", "from_location_id", "to_location_id", "lot_id", "container_id",
    "quantity", "unit_cost", "operator", "created_at", "document_ref", "document_line_id", "reason", "reverses_id",
    "chain_hash", "warehouse_id", "received_at",
)


@lru_cache(maxsize=8)
def _move_insert(dialect) -> tuple[str, dict[str, Callable]]:
    """The INSERT text and the per-column conversions of stock_move, worked out once per dialect instance."""
    return driver_insert(dialect, MOVES, MOVE_COLUMNS)


def post_moves(conn: Connection, requests: Sequence[MoveRequest], context: PostingContext) -> list[PostedMove]:
    """Validate and post a batch of moves inside the caller's transaction.

    Nothing is written unless every move is valid; a database error, or a batch that would take
    more from an internal location than it holds, rolls back the caller's transaction, so the
    batch is all-or-nothing.

    Each move becomes the driver's values straight away (executemany, no SQLAlchemy per-row
    handling): what is the same for the whole batch (terminal, operator, time) is converted
    once, and the stored quantity and cost units are worked out once for both the hash and
    the row.
    """
    if not requests:
        return []
    found = _load_lookups(conn, requests)
    checked = _validate_all(requests, found)
    priced = price_moves(conn, requests, checked, found.costs, found.places, found.price_variance_id)
    _load_places(conn, found, {p[0].from_location_id for p in priced} | {p[0].to_location_id for p in priced})
    first_sequence, previous_hash = _reserve_sequences(conn, context.terminal_id, len(priced))
    now = datetime.now(UTC)
    sql, stored = _move_insert(conn.dialect)
    stored_id, stored_now = stored["id"], stored["created_at"](now)
    terminal, signed = _text(context.terminal_id), _signed(context.operator, chain_timestamp(now))
    places = found.places
    quantity_units_of = once_per_value(lambda quantity: quantities.to_units(quantity, quantities.QUANTITY_PLACES))
    cost_units_of = once_per_value(lambda cost: quantities.to_units(cost, quantities.MONEY_PLACES))
    values: list[tuple] = []
    posted: list[PostedMove] = []
    deltas: dict[tuple[int, int, int, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for offset, ((request, quantity, cost), move_id) in enumerate(zip(priced, new_uuid7s(len(priced)), strict=True)):
        sequence = first_sequence + offset
        item_id, source_id, target_id = request.item_id, request.from_location_id, request.to_location_id
        lot_id, container_id, reverses_id = request.lot_id, request.container_id, request.reverses_id
        quantity_units, cost_units = quantity_units_of(quantity), cost_units_of(cost)
        previous_hash = _chain_hash(
            previous_hash, move_id, terminal, sequence, item_id, source_id, target_id, lot_id, container_id, quantity_units,
            cost_units, signed, request.document_ref, request.document_line_id, request.reason, reverses_id,
        )
        values.append((
            stored_id(move_id), context.terminal_id, sequence, item_id, source_id, target_id, lot_id, container_id,
            quantity_units, cost_units, context.operator, stored_now, request.document_ref, request.document_line_id,
            request.reason, None if reverses_id is None else stored_id(reverses_id), previous_hash,
            move_warehouse(places[source_id], places[target_id]), None,
        ))
        value = move_value(quantity, cost)
        lot_key = lot_id or NO_LOT
        container_key = container_id or NO_CONTAINER
        source = deltas[(item_id, source_id, lot_key, container_key)]
        source[0] -= quantity
        source[1] -= value
        target = deltas[(item_id, target_id, lot_key, container_key)]
        target[0] += quantity
        target[1] += value
        posted.append(
            PostedMove(
                move_id, sequence, item_id, source_id, target_id, quantity, cost, lot_id, container_id, now,
                _sellable_in(found, request),
            )
        )
    conn.exec_driver_sql(sql, values)
    left = _upsert_balances(conn, deltas, watched=_taken_from_stock(deltas, found))
    _refuse_negative(left, deltas, found)
    return posted


def reverse_moves(
    conn: Connection, move_ids: Sequence[uuid.UUID], context: PostingContext, reason: MoveReason
) -> list[PostedMove]:
    """Post the exact opposite of each move (same quantity, cost, lot, container).

    A move can be reversed once: the unique `reverses_id` makes a second reversal fail even
    when two terminals try at the same moment.
    """
    wanted = list(dict.fromkeys(move_ids))
    originals = {row.id: row for row in conn.execute(select(MOVES).where(MOVES.c.id.in_(wanted)))}
    missing = [str(move_id) for move_id in wanted if move_id not in originals]
    if missing:
        raise NotFound(f"cannot reverse unknown move(s): {', '.join(missing)}")
    already = conn.scalars(select(MOVES.c.reverses_id).where(MOVES.c.reverses_id.in_(wanted))).all()
    if already:
        raise LedgerRuleViolation(f"move {already[0]} was already reversed")
    requests = [
        MoveRequest(
            item_id=original.item_id,
            from_location_id=original.to_location_id,
            to_location_id=original.from_location_id,
            quantity=original.quantity,
            lot_id=original.lot_id,
            container_id=original.container_id,
            unit_cost=original.unit_cost,
            document_ref=original.document_ref,
            document_line_id=original.document_line_id,
            reason=reason,
            reverses_id=original.id,
        )
        for original in (originals[move_id] for move_id in wanted)
    ]
    return post_moves(conn, requests, context)


def standing_moves(
    conn: Connection, document_ref: str, *, reasons: Iterable[str] | None = None, not_to: Sequence[int] = ()
) -> list[uuid.UUID]:
    """Ids of the document's moves that still stand (neither a reversal nor reversed), in posting
    order, optionally of some reasons and not into some locations: what undoing the document's
    work reverses. Asked here because whether a move stands is the ledger's reversal rule."""
    reversed_ids = select(MOVES.c.reverses_id).where(MOVES.c.reverses_id.is_not(None), MOVES.c.document_ref == document_ref)
    query = select(MOVES.c.id).where(
        MOVES.c.document_ref == document_ref, MOVES.c.reverses_id.is_(None), MOVES.c.id.not_in(reversed_ids)
    )
    if reasons is not None:
        query = query.where(MOVES.c.reason.in_(list(reasons)))
    if not_to:
        query = query.where(MOVES.c.to_location_id.not_in(list(not_to)))
    return list(conn.scalars(query.order_by(MOVES.c.terminal_id, MOVES.c.sequence)))


class Ledger:
    """Posts moves in their own transaction: for callers that do nothing else in it."""

    def __init__(self, engine: Engine, context: PostingContext) -> None:
        self.engine = engine
        self.context = context

    def post(self, requests: Sequence[MoveRequest]) -> list[PostedMove]:
        with self.engine.begin() as conn:
            return post_moves(conn, requests, self.context)

    def reverse(self, move_ids: Sequence[uuid.UUID], reason: MoveReason) -> list[PostedMove]:
        with self.engine.begin() as conn:
            return reverse_moves(conn, move_ids, self.context, reason)


