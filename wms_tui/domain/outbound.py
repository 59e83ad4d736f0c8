"""Outbound rules: back-order policies, order status, delivery routes, money, aging, SSCC.

Pure functions over plain values; the services feed them what they read from the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TypeVar

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.quantities import ZERO

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class BackorderPolicy(StrEnum):
    BACKORDER_REST = "backorder_rest"  # (a) ship what is available, back order the rest
    CANCEL_REST = "cancel_rest"  # (b) ship what is available, cancel the rest
    SHIP_COMPLETE = "ship_complete"  # (c) hold what is available until all is there
    SHIP_NOTHING = "ship_nothing"  # (d) cancel the order unless it can be filled now
    BACKORDER_ALL = "backorder_all"  # (e) back order the whole order until it can be filled


def backorder_policy(value: object) -> BackorderPolicy:
    try:
        return BackorderPolicy(str(value))
    except ValueError:
        choices = ", ".join(policy.value for policy in BackorderPolicy)
        raise InvalidInput(f"back-order policy must be one of {choices}, got {value!r}") from None


# Policies under which nothing leaves before the whole order is committed.
COMPLETE_ONLY = frozenset({BackorderPolicy.SHIP_COMPLETE, BackorderPolicy.BACKORDER_ALL})


@dataclass(frozen=True)
class LineDemand:
    line_id: int
    item_id: int
    quantity: Decimal


@dataclass(frozen=True)
class Commitment:
    line_id: int
    committed: Decimal
    backordered: Decimal
    cancelled: Decimal


def plan_commitment(
    policy: BackorderPolicy, lines: Sequence[LineDemand], coverable: Mapping[int, Decimal]
) -> list[Commitment]:
    """How much of each line to commit, back order or cancel when the order is confirmed.

    `coverable` is the stock per item this order may take; lines of one item share it in order.
    """
    left = {item_id: max(quantity, ZERO) for item_id, quantity in coverable.items()}
    covered: list[Decimal] = []
    for line in lines:
        take = min(line.quantity, left.get(line.item_id, ZERO))
        left[line.item_id] = left.get(line.item_id, ZERO) - take
        covered.append(take)
    complete = all(take == line.quantity for take, line in zip(covered, lines, strict=True))
    plan = []
    for take, line in zip(covered, lines, strict=True):
        rest = line.quantity - take
        if complete or policy is BackorderPolicy.BACKORDER_REST or policy is BackorderPolicy.SHIP_COMPLETE:
            plan.append(Commitment(line.line_id, take, rest, ZERO))
        elif policy is BackorderPolicy.CANCEL_REST:
            plan.append(Commitment(line.line_id, take, ZERO, rest))
        elif policy is BackorderPolicy.BACKORDER_ALL:
            plan.append(Commitment(line.line_id, ZERO, line.quantity, ZERO))
        else:  # SHIP_NOTHING
            plan.append(Commitment(line.line_id, ZERO, ZERO, line.quantity))
    return plan


@dataclass(frozen=True)
class WaitingOrder:
    """A confirmed order with back-ordered lines, as the release sees it."""

    policy: BackorderPolicy
    lines: tuple[LineDemand, ...]  # each line's back-ordered quantity


def plan_release(waiting: Sequence[WaitingOrder], coverable: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """Units of each back-ordered line to commit now, per line id.

    `waiting` is oldest first and `coverable` the stock per item no order has committed. Every
    policy looks at all that is coverable; an order that is back ordered whole (policy e) is
    released only when all it waits for can be committed at once, and meanwhile holds back what
    it will take, so younger orders do not overtake it.
    """
    left = {item_id: max(quantity, ZERO) for item_id, quantity in coverable.items()}
    released: dict[int, Decimal] = {}
    for order in waiting:
        if order.policy is BackorderPolicy.BACKORDER_ALL:
            needed: dict[int, Decimal] = {}
            for line in order.lines:
                needed[line.item_id] = needed.get(line.item_id, ZERO) + line.quantity
            whole = all(left.get(item_id, ZERO) >= quantity for item_id, quantity in needed.items())
            for item_id, quantity in needed.items():
                left[item_id] = left.get(item_id, ZERO) - min(quantity, left.get(item_id, ZERO))
            if whole:
                released.update({line.line_id: line.quantity for line in order.lines})
            continue
        for line in order.lines:
            take = min(line.quantity, left.get(line.item_id, ZERO))
            if take > 0:
                left[line.item_id] -= take
                released[line.line_id] = take
    return released


class ShortPickOutcome(StrEnum):
    BACKORDER = "backorder"
    CANCEL_LINE = "cancel_line"
    CANCEL_ORDER = "cancel_order"
    REALLOCATED = "reallocated"  # other bins had the missing units: new pick tasks take them


def short_pick_outcome(policy: BackorderPolicy) -> ShortPickOutcome:
    """What happens to units a picker could not find, by the order's back-order policy."""
    if policy is BackorderPolicy.CANCEL_REST:
        return ShortPickOutcome.CANCEL_LINE
    if policy is BackorderPolicy.SHIP_NOTHING:
        return ShortPickOutcome.CANCEL_ORDER
    return ShortPickOutcome.BACKORDER


class ShortPickReason(StrEnum):
    """Why a picker closed a task short (alphabetical, as the terminal's menu lists them)."""

    DAMAGED = "damaged"
    EXPIRED = "expired"
    NOT_FOUND = "not_found"
    SHORT = "short"
    WRONG_ITEM = "wrong_item"


SHORT_PICK_REASONS = frozenset(ShortPickReason)  # the floor pick flow's menu reads this name


class ReturnCondition(StrEnum):
    GOOD = "good"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    OPENED = "opened"


# Reference 002: returned products are restocked to be resold only if they are not damaged.
RESTOCKABLE_CONDITIONS = frozenset({ReturnCondition.GOOD, ReturnCondition.OPENED})


Code = TypeVar("Code", bound=StrEnum)


def reason_code(value: str, allowed: type[Code], what: str) -> Code:
    code = (value or "").strip().lower()
    try:
        return allowed(code)
    except ValueError:
        raise InvalidInput(f"{what} must be one of {', '.join(sorted(allowed))}, got {value!r}") from None


class OrderState(StrEnum):
    """The stored lifecycle step, changed only by the actions (convert, confirm, cancel, close)."""

    QUOTE = "quote"
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    CLOSED = "closed"


# Orders whose lines commit stock and wait to be picked, packed and shipped.
OPEN_ORDER_STATES = (OrderState.CONFIRMED,)


class OrderStatus(StrEnum):
    """What a person sees: derived from the state, the lines, the moves and the money. An order
    shows a goods side (open ... fulfilled) and, once invoiced, a money side beside it."""

    QUOTE = "quote"
    OPEN = "open"  # unfulfilled: nothing picked or shipped yet
    BACK_ORDERED = "back ordered"  # nothing shipped yet and units wait for stock
    STARTED = "started"  # picked, nothing shipped yet
    PARTIALLY_SHIPPED = "partially shipped"
    FULFILLED = "fulfilled"
    INVOICED = "invoiced"
    PARTIALLY_PAID = "partially paid"
    PAID = "paid"
    CANCELLED = "cancelled"
    CLOSED = "closed"


@dataclass(frozen=True)
class DerivedStatus:
    """Both sides of an order's status: "partially shipped, paid" says that goods are still to
    come although the money is in."""

    goods: OrderStatus
    money: OrderStatus | None = None  # invoiced, partially paid or paid; None before any invoice

    @property
    def sides(self) -> tuple[OrderStatus, ...]:
        return (self.goods,) if self.money is None else (self.goods, self.money)

    @property
    def value(self) -> str:
        return ", ".join(side.value for side in self.sides)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class LineProgress:
    quantity: Decimal
    cancelled: Decimal
    picked: Decimal
    shipped: Decimal
    backordered: Decimal = ZERO


def _goods_status(lines: Sequence[LineProgress]) -> OrderStatus:
    shipped_any = any(line.shipped > 0 for line in lines)
    if shipped_any and all(line.shipped + line.cancelled >= line.quantity for line in lines):
        return OrderStatus.FULFILLED
    if shipped_any:
        return OrderStatus.PARTIALLY_SHIPPED
    if any(line.picked > 0 for line in lines):
        return OrderStatus.STARTED
    if any(line.backordered > 0 for line in lines):
        return OrderStatus.BACK_ORDERED
    return OrderStatus.OPEN


def _money_status(invoiced: Decimal, paid: Decimal) -> OrderStatus | None:
    if invoiced > 0 and paid >= invoiced:
        return OrderStatus.PAID
    if paid > 0:
        return OrderStatus.PARTIALLY_PAID
    if invoiced > 0:
        return OrderStatus.INVOICED
    return None


def derive_status(state: OrderState, lines: Sequence[LineProgress], invoiced: Decimal, paid: Decimal) -> DerivedStatus:
    """The goods side never hides behind the money side, and an order with units still back
    ordered or to ship is never shown closed."""
    if state is OrderState.QUOTE:
        return DerivedStatus(OrderStatus.QUOTE)
    if state is OrderState.CANCELLED:
        return DerivedStatus(OrderStatus.CANCELLED)
    unfinished = any(line.shipped + line.cancelled < line.quantity for line in lines)
    if state is OrderState.CLOSED and not unfinished:
        return DerivedStatus(OrderStatus.CLOSED)
    return DerivedStatus(_goods_status(lines), _money_status(invoiced, paid))


@dataclass(frozen=True)
class DeliveryRoute:
    """The zones goods pass from stock to the customer: the warehouse's delivery steps."""

    steps: int

    def __post_init__(self) -> None:
        if self.steps not in (1, 2, 3):
            raise InvalidInput(f"delivery steps must be 1, 2 or 3, got {self.steps}")

    @property
    def pick_to(self) -> str | None:
        """Zone picks go to; None: straight to the customer (1 step)."""
        return {1: None, 2: "OUTPUT", 3: "PACK"}[self.steps]

    @property
    def packs_with_move(self) -> bool:
        """3 steps: packing moves goods from Pack to Output; 2 steps pack where they lie."""
        return self.steps == 3


def percent(value: object, what: str) -> Decimal:
    number = quantities.unit_cost(value)
    if number > HUNDRED:
        raise InvalidInput(f"{what} must be between 0 and 100, got {value!r}")
    return number


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmount:
    net: Decimal
    tax: Decimal


def line_amount(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, tax_rate: Decimal) -> LineAmount:
    """Net after discount and its tax, each rounded to the cent (per line, as on the invoice)."""
    net = cents(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)
    return LineAmount(net, cents(net * tax_rate / HUNDRED))


class PaymentStatus(StrEnum):
    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially paid"
    PAID = "paid"
    OVERDUE = "overdue"


def payment_status(total: Decimal, paid: Decimal, due_on: date, as_of: date) -> PaymentStatus:
    if paid >= total:
        return PaymentStatus.PAID
    if as_of > due_on:
        return PaymentStatus.OVERDUE
    return PaymentStatus.PARTIALLY_PAID if paid > 0 else PaymentStatus.UNPAID


AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def aging_bucket(due_on: date, as_of: date) -> str:
    late = (as_of - due_on).days
    if late <= 0:
        return "current"
    if late <= 30:
        return "1-30"
    if late <= 60:
        return "31-60"
    if late <= 90:
        return "61-90"
    return "90+"


def sscc(prefix: str, serial: int) -> str:
    """SSCC-18: extension digit + GS1 company prefix (`prefix`), serial reference, check digit."""
    width = 17 - len(prefix)
    if not prefix.isdigit() or width < 1:
        raise InvalidInput(f"SSCC prefix {prefix!r} must be 2 to 16 digits (extension digit + company prefix)")
    if serial < 0 or serial >= 10**width:
        raise InvalidInput(f"serial {serial} does not fit the {width} digits left after prefix {prefix}")
    body = f"{prefix}{serial:0{width}d}"
    from biip.checksums import (
        gs1_standard_check_digit,  # biip loads when a container is first numbered, not at start
    )

    return body + str(gs1_standard_check_digit(body))



def still_to_pick(lines: Sequence[LineProgress]) -> Decimal:
    """Units promised from stock and not picked yet (back orders and cancellations aside)."""
    return sum((max(line.quantity - line.cancelled - line.backordered - line.picked, ZERO) for line in lines), ZERO)


def shipment_outcome(containers: int, lines: Sequence[LineProgress], *, to_pack: Decimal, still_packed: int) -> str:
    """What a shipment did and what of the order is still open, in the floor's words:
    "shipped 3 boxes; 12 units still to pick"."""
    shipped = f"shipped {containers} {'box' if containers == 1 else 'boxes'}"
    open_parts = []
    to_pick = still_to_pick(lines)
    if to_pick:
        open_parts.append(f"{_units(to_pick)} still to pick")
    if to_pack:
        open_parts.append(f"{_units(to_pack)} to pack")
    if still_packed:
        open_parts.append(f"{still_packed} packed {'box' if still_packed == 1 else 'boxes'} to ship")
    back_ordered = sum((line.backordered for line in lines), ZERO)
    if back_ordered:
        open_parts.append(f"{_units(back_ordered)} back ordered")
    return f"{shipped}; " + (", ".join(open_parts) if open_parts else "order complete")


def _units(quantity: Decimal) -> str:
    text = quantities.display(quantity)
    return f"{text} unit" if quantity == 1 else f"{text} units"

