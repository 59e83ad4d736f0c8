"""The console derives order statuses in SQL (the few facts the rule depends on, counted per
combination): the same status as domain.outbound.derive_status and the orders service give."""

from collections import Counter
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from tests.console.test_billing_and_returns import shipped_order
from tests.floor.outbound import pick_order
from tests.outbound.helpers import CTX, build_shop
from tests.outbound.test_order_flow import _pack_and_ship, _pick_all
from wms_tui.domain.outbound import LineProgress, OrderState, derive_status
from wms_tui.services import console_views, dashboard, order_status
from wms_tui.services.outbound import allocation, invoicing, orders
from wms_tui.services.outbound.orders import LineInput
from wms_tui.store.models import OrderFacts, SalesOrder, SalesOrderLine
from wms_tui.store.session import transaction

lines = st.lists(
    st.tuples(st.integers(1, 5), st.integers(0, 5), st.integers(0, 5), st.integers(0, 5), st.integers(0, 2)).map(
        lambda t: LineProgress(Decimal(t[0]), Decimal(min(t[1], t[0])), Decimal(t[2]),
                               Decimal(min(t[3], t[0] - min(t[1], t[0]))),  # shipped + cancelled <= quantity
                               Decimal(t[4]))),
    max_size=4,
)


@given(st.sampled_from([OrderState.DRAFT, OrderState.CONFIRMED]), lines, st.integers(0, 3), st.integers(0, 4))
def test_the_facts_give_the_status_the_lines_and_money_give(state, progress, invoiced, paid):
    facts = (
        int(any(line.shipped > 0 for line in progress)),
        int(all(line.shipped + line.cancelled >= line.quantity for line in progress)),
        int(any(line.picked > 0 for line in progress)),
        int(invoiced > 0), int(paid >= invoiced), int(paid > 0),
        int(any(line.backordered > 0 for line in progress)),
    )
    assert order_status.status_of(state.value, *facts) == derive_status(state, progress, Decimal(invoiced), Decimal(paid))


def test_list_filter_and_dashboard_agree_with_the_orders_service(runtime):
    pick_order(runtime)
    paid = shipped_order(runtime)
    with transaction(runtime.engine) as session:
        invoice = invoicing.invoice_order(session, paid)
        invoicing.record_payment(session, invoice.number, "1.00")
    listed = {row.number: row.status for row in console_views.order_list(runtime.engine, limit=1000)}
    with Session(runtime.engine) as session:
        numbers = session.exec(select(SalesOrder.number)).all()
        derived = {number: orders.order_status(session, number) for number in numbers}
    assert listed == {number: status.value for number, status in derived.items()}
    sides = Counter(side.value for status in derived.values() for side in status.sides)
    assert {"started", "partially paid", "open"} <= set(sides)
    for side in sides:  # filtering by one side finds every order showing it, whatever its other side
        assert {row.number for row in console_views.order_list(runtime.engine, status=side)} == {
            number for number, status in derived.items() if side in {shown.value for shown in status.sides}}
    counts = dashboard.dashboard(runtime.engine).orders
    assert {status: count for status, count in counts.items() if count} == dict(sides)


def test_the_kept_facts_follow_an_order_through_its_life(engine):
    """order_facts is kept by triggers (0020_console_counts) on SQLite and PostgreSQL alike: after
    every step the list, the status filter and the dashboard show what the orders service derives."""
    shop = build_shop(engine, steps=3)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "6")
    shown = []

    def step():
        with Session(engine) as session:
            expected = orders.order_status(session, "SO-1")
        assert [row.status for row in console_views.order_list(engine, search="SO-1")] == [expected.value]
        for side in expected.sides:
            assert "SO-1" in {row.number for row in console_views.order_list(engine, status=side.value)}
            assert dashboard.dashboard(engine).orders[side.value] == 1
        shown.append(expected.value)

    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", [LineInput("W-1", "10", "5.00")], number="SO-1")
    step()
    with transaction(engine) as session:
        orders.confirm_order(session, "SO-1")
    step()
    with transaction(engine) as session:
        allocation.allocate(session, ["SO-1"])
    _pick_all(engine, shop, "SO-1")
    step()
    _pack_and_ship(engine, "SO-1", "TRACK-1")
    step()
    with transaction(engine) as session:
        invoice = invoicing.invoice_order(session, "SO-1")
    step()
    with transaction(engine) as session:
        invoicing.record_payment(session, invoice.number, "10.00")
    step()
    with transaction(engine) as session:
        invoicing.record_payment(session, invoice.number, invoice.total - Decimal("10.00"))
    step()
    with transaction(engine) as session:
        orders.reopen_order(session, CTX, "SO-1")  # reverses the moves, voids the invoice and its payments
    step()
    assert shown == ["open", "back ordered", "started", "partially shipped", "partially shipped, invoiced",
                     "partially shipped, partially paid", "partially shipped, paid", shown[-1]]
    assert "paid" not in shown[-1]


def _kept_and_recounted(engine) -> tuple[dict, dict]:
    """order_facts as the triggers keep it, and as counted again from the orders and lines (no
    invoices here: nothing billed, nothing received)."""
    with Session(engine) as session:
        kept = {facts.order_id: (facts.lines, facts.shipped_lines, facts.done_lines, facts.picked_lines,
                                 facts.backordered_lines, facts.code) for facts in session.exec(select(OrderFacts))}
        states = dict(session.exec(select(SalesOrder.id, SalesOrder.state)).all())
        counts = {order_id: [0, 0, 0, 0, 0] for order_id in states}
        for line in session.exec(select(SalesOrderLine)):
            flags = (1, line.shipped_quantity > 0, line.shipped_quantity + line.cancelled_quantity >= line.quantity,
                     line.picked_quantity > 0, line.backordered_quantity > 0)
            counts[line.order_id] = [count + int(flag) for count, flag in zip(counts[line.order_id], flags, strict=True)]
    recounted = {}
    for order_id, (total, shipped, done, picked, backordered) in counts.items():
        working = states[order_id] in (OrderState.DRAFT, OrderState.CONFIRMED)
        code = order_status.facts_code(int(states[order_id] == OrderState.CONFIRMED), int(shipped > 0), int(done == total),
                                   int(picked > 0), 0, 1, 0, int(backordered > 0)) if working else None
        recounted[order_id] = (total, shipped, done, picked, backordered, code)
    return kept, recounted


def test_the_facts_follow_every_kind_of_line_change(engine):
    """The line trigger fires only when a fact can change (0022_ledger_lean) and an order's code is
    rewritten only when it changes: changes that turn no flag, and ones that turn one, a line moved
    to another order, each leave order_facts as counted again from the lines."""
    build_shop(engine, steps=1)
    with transaction(engine) as session:
        for number in ("SO-1", "SO-2"):
            orders.create_order(session, "C1", "WH1", [LineInput("W-1", "5", "1.00"), LineInput("W-1", "2", "1.00")], number=number)
        orders.confirm_order(session, "SO-1")
    with Session(engine) as session:
        first, second = session.exec(
            select(SalesOrderLine.id).join(SalesOrder).where(SalesOrder.number == "SO-1").order_by(SalesOrderLine.id)).all()
        other_order = session.exec(select(SalesOrder.id).where(SalesOrder.number == "SO-2")).one()
    changes = [
        (first, {"picked_quantity": 1}), (first, {"picked_quantity": 3}),  # a flag turns, then none
        (first, {"backordered_quantity": 2}), (first, {"backordered_quantity": 1}), (first, {"backordered_quantity": 0}),
        (first, {"shipped_quantity": 3}), (first, {"cancelled_quantity": 2}),  # done turns on the second
        (first, {"quantity": 6}),  # done turns back off
        (second, {"order_id": other_order}),  # moved: counted off SO-1, onto SO-2
        (second, {"shipped_quantity": 2}),
    ]
    for line_id, values in changes:
        with transaction(engine) as session:
            session.execute(SalesOrderLine.__table__.update().where(SalesOrderLine.id == line_id).values(**values))
        kept, recounted = _kept_and_recounted(engine)
        assert kept == recounted, values
