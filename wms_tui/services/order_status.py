"""An order's derived status from its state and the facts order_facts keeps for it: the order
list filters by it and the dashboard counts by it without reading any order's lines and money."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from itertools import product

from wms_tui.domain.outbound import (
    DerivedStatus,
    LineProgress,
    OrderState,
    OrderStatus,
    derive_status,
)
from wms_tui.domain.quantities import ZERO

# Orders whose status changes with work; quotes, cancelled and closed orders are what they are stored as.
WORKING_STATES = (OrderState.DRAFT.value, OrderState.CONFIRMED.value)
# Statuses shown as the order's state is stored: no need to derive them.
STORED_STATUSES = (OrderStatus.QUOTE, OrderStatus.CANCELLED, OrderStatus.CLOSED)

# What an order's derived status depends on besides its state: order_facts keeps them (its
# code holds them a bit each, after the confirmed bit, in this order).
FACTS = ("shipped", "done", "picked", "invoiced", "covered", "paid", "backordered")


@cache
def status_of(
    state: str, shipped: int = 0, done: int = 1, picked: int = 0, invoiced: int = 0, covered: int = 1, paid: int = 0, backordered: int = 0
) -> DerivedStatus:
    """domain.outbound.derive_status of an order with these FACTS: it is given lines and money
    that have exactly them (the rule only asks whether a line is shipped, picked or fully
    shipped or cancelled or back ordered, and compares paid with invoiced and with zero)."""
    one = Decimal(1)
    lines = [LineProgress(one, ZERO if shipped or not done else one, one if picked else ZERO, one if shipped else ZERO,
                          one if backordered else ZERO)]
    if shipped and not done:
        lines.append(LineProgress(one, ZERO, ZERO, ZERO))  # a line still to ship
    billed = Decimal(2) if invoiced else ZERO
    received = ZERO if not paid else (max(billed, one) if covered else one)
    return derive_status(OrderState(state), lines, billed, received)


def facts_code(confirmed: int, *flags: int) -> int:
    """A working order's state (confirmed or draft) and FACTS as one number, a bit each: what
    the triggers of migration 0020_console_counts keep in order_facts.code."""
    code = confirmed
    for flag in flags:
        code = code * 2 + flag
    return code


@cache
def status_of_code(code: int) -> DerivedStatus:
    bits = [(code >> power) & 1 for power in range(len(FACTS), -1, -1)]
    return status_of(OrderState.CONFIRMED.value if bits[0] else OrderState.DRAFT.value, *bits[1:])


def derived(state: str, code: int | None) -> DerivedStatus:
    """An order's derived status from its state and its order_facts code (None unless draft or
    confirmed: those show their state)."""
    return status_of(state) if code is None else status_of_code(code)


@cache
def codes_showing(wanted: OrderStatus) -> tuple[int, ...]:
    """The codes of the combinations of state and FACTS whose derived status shows `wanted`."""
    return tuple(
        facts_code(int(state == OrderState.CONFIRMED), *flags)
        for state, *flags in product(WORKING_STATES, *([(0, 1)] * len(FACTS))) if wanted in status_of(state, *flags).sides
    )
