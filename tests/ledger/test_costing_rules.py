"""The pure costing rules (domain.costing): exact values whatever the quantities and costs."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from wms_tui.domain.costing import Layer, consume_layers, move_value, priced_pieces, share, spread

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10_000), places=3)
values = st.decimals(min_value=Decimal(0), max_value=Decimal(1_000_000), places=4)


@given(quantities, values)
def test_pieces_carry_exactly_the_value(quantity, value):
    pieces = priced_pieces(quantity, value)
    assert len(pieces) <= 2
    assert sum(q for q, _ in pieces) == quantity
    assert sum(move_value(q, cost) for q, cost in pieces) == value
    assert all(q > 0 and cost >= 0 and cost == cost.quantize(Decimal("0.0001")) for q, cost in pieces)


@given(quantities, values, st.integers(min_value=1, max_value=1000))
def test_emptying_a_position_takes_all_its_value(held, value, part):
    taken = share(held, value, held, Decimal(1))
    assert taken == value
    some = min(held, Decimal(part) / 1000)
    assert share(held, value, some, Decimal(1)) <= value


def test_fifo_takes_the_oldest_layers_first():
    remaining, taken = consume_layers([Layer(Decimal(10), Decimal(20)), Layer(Decimal(10), Decimal(30))], Decimal(15), Decimal(9))
    assert taken == [Layer(Decimal(10), Decimal(20)), Layer(Decimal(5), Decimal(15))]
    assert remaining == [Layer(Decimal(5), Decimal(15))]
    _, beyond = consume_layers(remaining, Decimal(7), Decimal(9))
    assert beyond == [Layer(Decimal(5), Decimal(15)), Layer(Decimal(2), Decimal(18))]


@given(values, st.lists(quantities, min_size=1, max_size=6))
def test_spread_adds_up_exactly(total, held):
    assert sum(spread(total, held)) == total
