"""Two people promising the same stock at once (the console's wave beside a thin session's
order, central re-allocating a short pick): the second waits for the first and promises only
what is left. On PostgreSQL nothing else serialises them; on SQLite the write lock does."""

import threading
from decimal import Decimal

from sqlalchemy import func, select

from tests.outbound.helpers import build_shop, check_books
from wms_tui.services.outbound import allocation, orders
from wms_tui.services.outbound.orders import LineInput
from wms_tui.store.models import Reservation
from wms_tui.store.session import transaction

HELD_S = 0.5  # how long the first transaction keeps its promise uncommitted


def _in_turn(engine, first, second):
    """`first` runs in a transaction kept open while `second` starts in another thread, then
    commits; returns what each returned."""
    answers = {}

    def run_second() -> None:
        with transaction(engine) as session:
            answers["second"] = second(session)

    with transaction(engine) as session:
        answers["first"] = first(session)
        other = threading.Thread(target=run_second)
        other.start()
        other.join(HELD_S)  # without a lock the second is done by now, having read the same stock
    other.join(30)
    assert not other.is_alive()
    return answers["first"], answers["second"]


def test_two_orders_confirmed_at_once_never_promise_the_same_units(engine):
    shop = build_shop(engine)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "10")
    with transaction(engine) as session:
        for number in ("SO-1", "SO-2"):
            orders.create_order(session, "C1", "WH1", [LineInput("W-1", "10", "1")], number=number)
    first, second = _in_turn(engine, lambda s: orders.confirm_order(s, "SO-1"), lambda s: orders.confirm_order(s, "SO-2"))
    assert [(line.committed, line.backordered) for line in first.lines] == [(Decimal(10), Decimal(0))]
    assert [(line.committed, line.backordered) for line in second.lines] == [(Decimal(0), Decimal(10))]
    check_books(engine)


def test_two_allocations_at_once_never_reserve_the_same_units(engine):
    shop = build_shop(engine)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "5")
    shop.receive(shop.wh.widget.id, shop.wh.bin_b.id, "5")
    with transaction(engine) as session:
        for number in ("SO-1", "SO-2"):
            orders.create_order(session, "C1", "WH1", [LineInput("W-1", "5", "1")], number=number)
            orders.confirm_order(session, number)
    _in_turn(engine, lambda s: allocation.allocate(s, ["SO-1"]), lambda s: allocation.allocate(s, ["SO-2"]))
    with transaction(engine) as session:
        reserved = dict(session.execute(
            select(Reservation.location_id, func.sum(Reservation.quantity)).group_by(Reservation.location_id)).all())
    assert reserved == {shop.wh.bin_a.id: Decimal(5), shop.wh.bin_b.id: Decimal(5)}
    check_books(engine)
