"""Random sequences of valid and invalid postings never break double entry, and balances always
equal a recomputation from the moves; an invalid posting changes nothing."""

from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.factories import build_small_warehouse
from wms_tui.domain.errors import WmsError
from wms_tui.store.ledger import Ledger, MoveRequest, PostingContext
from wms_tui.store.models import StockBalance, StockMove

quantities = st.one_of(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal(500), places=3),
    st.sampled_from(["0", "-1", "1e9", "abc", "0.0001"]),  # invalid ones
)


def recompute(conn) -> dict:
    expected: dict = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for move in conn.execute(select(StockMove)):
        value = (move.quantity * move.unit_cost).quantize(Decimal("0.0001"))
        for location, sign in ((move.from_location_id, -1), (move.to_location_id, 1)):
            key = (move.item_id, location, move.lot_id or 0, move.container_id or 0)
            expected[key][0] += sign * move.quantity
            expected[key][1] += sign * value
    return {key: tuple(totals) for key, totals in expected.items()}


def test_random_postings_keep_the_ledger_consistent(engine):
    wh = build_small_warehouse(engine)
    locations = [wh.supplier.id, wh.customer.id, wh.bin_a.id, wh.bin_b.id, wh.loss.id, wh.view.id]
    items = [(wh.widget.id, None), (wh.milk.id, wh.milk_lot.id), (wh.milk.id, None)]
    ledger = Ledger(engine, PostingContext("T1", "prop"))
    moves = st.builds(
        lambda item, source, target, quantity: MoveRequest(item[0], source, target, quantity, lot_id=item[1]),
        st.sampled_from(items), st.sampled_from(locations), st.sampled_from(locations), quantities,
    )

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.lists(moves, min_size=1, max_size=4), min_size=1, max_size=5))
    def check(batches):
        for batch in batches:
            with engine.connect() as conn:
                before = recompute(conn)
            try:
                ledger.post(batch)
                accepted = True
            except WmsError:
                accepted = False
            with engine.connect() as conn:
                after = recompute(conn)
                balances = {
                    (row.item_id, row.location_id, row.lot_id, row.container_id): (row.quantity, row.value)
                    for row in conn.execute(select(StockBalance))
                }
            if not accepted:
                assert after == before
            nonzero = {key: totals for key, totals in after.items()}
            assert {key: totals for key, totals in balances.items() if key in nonzero or totals != (0, 0)} == nonzero
            per_item: dict = defaultdict(Decimal)
            for (item_id, *_), (quantity, _value) in balances.items():
                per_item[item_id] += quantity
            assert all(total == 0 for total in per_item.values())

    check()
