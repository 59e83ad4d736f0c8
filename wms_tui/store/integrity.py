"""`wms-tui db check`: is the ledger still what was posted?

Reads every move once, in sequence order per terminal, and verifies:
- each terminal's hash chain (a move changed, deleted or inserted behind the triggers' back no
  longer matches the hash stored with it or with the move after it);
- gap-free sequences 1..n that end where the terminal's counter says;
- every stored balance equals the balance recomputed from the moves (quantity and value);
- for every item, the balances over all locations sum to zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, select

from wms_tui.domain.quantities import display
from wms_tui.store.ledger import (
    BALANCES,
    GENESIS_HASH,
    MOVES,
    SEQUENCES,
    chain_timestamp,
    move_hash,
    move_value,
)
from wms_tui.store.models import NO_CONTAINER, NO_LOT, Item, Location

STREAM_CHUNK = 10_000
BalanceKey = tuple[int, int, int, int]


@dataclass
class LedgerCheck:
    moves: int = 0
    terminals: int = 0
    balances: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Names:
    """SKUs and location codes for the messages (ids mean nothing to the person reading)."""

    def __init__(self, conn: Connection) -> None:
        self.items = dict(conn.execute(select(Item.id, Item.sku)).all())
        self.locations = dict(conn.execute(select(Location.id, Location.code)).all())

    def balance(self, key: BalanceKey) -> str:
        item_id, location_id, lot_id, container_id = key
        text = f"{self.items.get(item_id, f'item id {item_id}')} at {self.locations.get(location_id, f'location id {location_id}')}"
        if lot_id != NO_LOT:
            text += f" lot id {lot_id}"
        if container_id != NO_CONTAINER:
            text += f" container id {container_id}"
        return text


def _moves(conn: Connection) -> Iterator:
    statement = select(MOVES).order_by(MOVES.c.terminal_id, MOVES.c.sequence)
    yield from conn.execution_options(yield_per=STREAM_CHUNK).execute(statement).mappings()


def check_ledger(conn: Connection) -> LedgerCheck:
    result = LedgerCheck()
    names = _Names(conn)
    counters = dict(conn.execute(select(SEQUENCES.c.terminal_id, SEQUENCES.c.last_sequence)).all())
    recomputed: dict[BalanceKey, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    terminal, expected_sequence, previous_hash = None, 1, GENESIS_HASH

    def close_chain() -> None:
        if terminal is None:
            return
        last = expected_sequence - 1
        counter = counters.pop(terminal, None)
        if counter is None:
            result.problems.append(f"terminal {terminal}: has moves up to {last} but no sequence counter")
        elif counter != last:
            result.problems.append(f"terminal {terminal}: counter says last sequence {counter}, moves end at {last}")

    for move in _moves(conn):
        result.moves += 1
        if move["terminal_id"] != terminal:
            close_chain()
            terminal, expected_sequence, previous_hash = move["terminal_id"], 1, GENESIS_HASH
            result.terminals += 1
        where = f"terminal {terminal} move {move['sequence']} (id {move['id']})"
        if move["sequence"] != expected_sequence:
            missing = f"{expected_sequence}" if move["sequence"] == expected_sequence + 1 else f"{expected_sequence}-{move['sequence'] - 1}"
            result.problems.append(f"terminal {terminal}: sequence jumps to {move['sequence']}, move(s) {missing} missing")
        if move["chain_hash"] is None:
            result.problems.append(f"{where}: has no hash")
        elif move["received_at"] is None and move["chain_hash"] != move_hash(previous_hash, move, chain_timestamp(move["created_at"])):
            # A move sync brought in keeps its terminal's hash, made over that terminal's row
            # ids: the central service checked the chain continues when it was pushed.
            result.problems.append(
                f"{where}: hash does not match its content and the previous move's hash: "
                "this move (or the one before it) was changed after posting"
            )
        previous_hash = move["chain_hash"] or GENESIS_HASH
        expected_sequence = move["sequence"] + 1
        quantity, value = move["quantity"], move_value(move["quantity"], move["unit_cost"])
        lot, container = move["lot_id"] or NO_LOT, move["container_id"] or NO_CONTAINER
        source = recomputed[(move["item_id"], move["from_location_id"], lot, container)]
        source[0] -= quantity
        source[1] -= value
        target = recomputed[(move["item_id"], move["to_location_id"], lot, container)]
        target[0] += quantity
        target[1] += value
    close_chain()
    for terminal_id, counter in sorted(counters.items()):
        if counter:
            result.problems.append(f"terminal {terminal_id}: counter says last sequence {counter}, but it has no moves")
    _check_balances(conn, recomputed, names, result)
    return result


def _check_balances(conn: Connection, recomputed: dict[BalanceKey, list[Decimal]], names: _Names, result: LedgerCheck) -> None:
    stored: dict[BalanceKey, tuple[Decimal, Decimal]] = {}
    item_totals: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    columns = (BALANCES.c.item_id, BALANCES.c.location_id, BALANCES.c.lot_id, BALANCES.c.container_id)
    for row in conn.execute(select(*columns, BALANCES.c.quantity, BALANCES.c.value)):
        stored[tuple(row[:4])] = (row.quantity, row.value)
        totals = item_totals[row.item_id]
        totals[0] += row.quantity
        totals[1] += row.value
    result.balances = len(stored)
    zero = (Decimal(0), Decimal(0))
    for key in sorted(stored.keys() | recomputed.keys()):
        have, want = stored.get(key, zero), tuple(recomputed.get(key, zero))
        if have != want:
            result.problems.append(
                f"balance of {names.balance(key)}: stored quantity {display(have[0])} value {display(have[1])}, "
                f"the moves give quantity {display(want[0])} value {display(want[1])}"
            )
    for item_id, (quantity, value) in sorted(item_totals.items()):
        if quantity or value:
            sku = names.items.get(item_id, f"item id {item_id}")
            result.problems.append(
                f"item {sku}: balances over all locations sum to quantity {display(quantity)} value {display(value)}, not 0"
            )
