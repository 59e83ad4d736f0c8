"""Costing: what the units of a move are worth. Pure rules, no I/O.

An item is costed by one of three methods (Odoo's, and the references' "number of products x
product cost"):

- STANDARD: every move carries the item's standard cost. What a purchase cost more or less than
  the standard is a purchase price variance, kept apart from the stock (the ledger passes the
  receipt through the Price Variance location: Supplier -> Price Variance at the price paid,
  Price Variance -> stock at standard).
- AVERAGE (AVCO): the stock of an item in one warehouse has one unit cost, the average of what
  came in; moves out carry it.
- FIFO: a warehouse keeps the item's cost layers in the order they came in; a move leaving the
  warehouse takes the oldest layers' value.

Value follows the goods: a move out of a stock position (item, location, lot, container) takes
its share of the position's value, all of what is left when it empties the position, so a
location holding nothing is worth exactly 0. Values are exact to MONEY_PLACES and a move's value
is always quantity x unit cost, rounded once (`move_value`): a value that no single unit cost
gives is carried by two moves (`priced_pieces`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from wms_tui.domain import quantities

VALUE_QUANTUM = Decimal(1).scaleb(-quantities.MONEY_PLACES)
QUANTITY_STEP = Decimal(1).scaleb(-quantities.QUANTITY_PLACES)
ZERO = quantities.ZERO


class CostingMethod(StrEnum):
    STANDARD = "standard"
    AVERAGE = "average"
    FIFO = "fifo"


def move_value(quantity: Decimal, unit_cost: Decimal) -> Decimal:
    """What a move adds to its destination's value and takes from its source's."""
    return (quantity * unit_cost).quantize(VALUE_QUANTUM, rounding=ROUND_HALF_EVEN)


def unit_cost_of(quantity: Decimal, value: Decimal) -> Decimal:
    """The unit cost of `quantity` units worth `value` (quantity > 0)."""
    return (value / quantity).quantize(VALUE_QUANTUM, rounding=ROUND_HALF_EVEN)


def priced_pieces(quantity: Decimal, value: Decimal) -> list[tuple[Decimal, Decimal]]:
    """(quantity, unit cost) pieces, one or two, whose move values add up to exactly `value`.

    10 units worth 25.00 are one piece at 2.50; 3 units worth 10.0001 are 2 at 3.3333 and 1 at
    3.3335. The last piece is one unit (or the smallest quantity when less than a unit moves), so
    its unit cost is the exact remainder. `value` must not be negative.
    """
    cost = unit_cost_of(quantity, value)
    if move_value(quantity, cost) == value:
        return [(quantity, cost)]
    # The rest at the unit cost rounded down, so it never takes more than `value`.
    cost = (value / quantity).quantize(VALUE_QUANTUM, rounding=ROUND_DOWN)
    step = Decimal(1) if quantity > 1 else QUANTITY_STEP
    rest = quantity - step
    rest_value = move_value(rest, cost)
    return [(rest, cost), (step, ((value - rest_value) / step).quantize(VALUE_QUANTUM))]


def share(held_quantity: Decimal, held_value: Decimal, quantity: Decimal, fallback_cost: Decimal) -> Decimal:
    """The value leaving a position that holds `held_quantity` worth `held_value` when `quantity`
    units leave it: all of it when the position empties (so it is left worth 0), else the units
    at the position's unit cost. Units beyond what the position holds (stock going negative)
    are valued at `fallback_cost`. Never negative."""
    if held_quantity <= 0:
        return move_value(quantity, fallback_cost)
    if quantity >= held_quantity:
        return max(held_value, ZERO) + move_value(quantity - held_quantity, fallback_cost)
    return move_value(quantity, unit_cost_of(held_quantity, max(held_value, ZERO)))


@dataclass(frozen=True, slots=True)
class Layer:
    """A FIFO cost layer: units that came in together and what is left of their value."""

    quantity: Decimal
    value: Decimal


def consume_layers(layers: Sequence[Layer], quantity: Decimal, fallback_cost: Decimal) -> tuple[list[Layer], list[Layer]]:
    """Take `quantity` from the oldest layers first: the layers left, and what was taken from
    each (a move spanning two layers is two moves, each at its layer's cost). A layer taken
    whole gives all its value; beyond the last layer, units are valued at `fallback_cost`."""
    left, taken, remaining = quantity, [], []
    for layer in layers:
        if left <= 0:
            remaining.append(layer)
        elif layer.quantity <= left:
            taken.append(layer)
            left -= layer.quantity
        else:
            part = move_value(left, unit_cost_of(layer.quantity, layer.value))
            remaining.append(Layer(layer.quantity - left, layer.value - part))
            taken.append(Layer(left, part))
            left = ZERO
    if left > 0:
        taken.append(Layer(left, move_value(left, fallback_cost)))
    return remaining, taken


def spread(total: Decimal, held: Sequence[Decimal]) -> list[Decimal]:
    """`total` split over positions in proportion to the (positive) quantities they hold, each
    rounded, the rounding left on the largest, so the parts add up to `total` exactly: the
    values a warehouse's positions take when its unit cost changes (AVCO receipt, FIFO layer
    consumed)."""
    whole = sum(held, ZERO)
    parts = [(total * quantity / whole).quantize(VALUE_QUANTUM, rounding=ROUND_HALF_EVEN) for quantity in held]
    largest = max(range(len(held)), key=held.__getitem__)
    parts[largest] += total - sum(parts, ZERO)
    return parts
