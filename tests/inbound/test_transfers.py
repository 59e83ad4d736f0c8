from decimal import Decimal

import pytest

from tests.inbound.support import (
    CTX,
    assert_consistent,
    barcode,
    build_world,
    on_hand,
    quantities_of,
    stock_up,
)
from wms_tui.domain.errors import InvalidInput
from wms_tui.services import tasks
from wms_tui.services.inbound import putaway, transfers
from wms_tui.services.inbound.transfers import TransferLineInput
from wms_tui.store.session import transaction


def test_transfer_through_transit_shows_in_transit(engine):
    source = build_world(engine, code="WH1")
    target = build_world(engine, code="WH2", steps=2)
    stock_up(engine, "W-1", source.bins[0], "10")
    with pytest.raises(InvalidInput, match="only 10 W-1 free"), transaction(engine) as session:
        too_many = transfers.create_transfer(session, "WH1", "WH2", [TransferLineInput("W-1", "11", source.bins[0])])
        transfers.ship_transfer(session, CTX, too_many.number)
    with transaction(engine) as session:
        transfer = transfers.create_transfer(session, "WH1", "WH2", [TransferLineInput("W-1", "6", source.bins[0])])
        transfers.ship_transfer(session, CTX, transfer.number)
    assert quantities_of(engine, "W-1", "WH1").on_hand == Decimal(4)
    in_transit = quantities_of(engine, "W-1", "WH2")
    assert (in_transit.on_hand, in_transit.in_transit) == (Decimal(0), Decimal(6))
    assert_consistent(engine)
    with transaction(engine) as session:
        received = transfers.receive_transfer(session, CTX, transfer.number)
        with pytest.raises(InvalidInput, match="is received, not shipped"):
            transfers.receive_transfer(session, CTX, transfer.number)
    assert received.lines == [("W-1", Decimal(6), Decimal(6))]
    arrived = quantities_of(engine, "W-1", "WH2")
    assert (arrived.on_hand, arrived.in_transit) == (Decimal(6), Decimal(0))
    assert on_hand(engine, "W-1", "WH2/INPUT") == Decimal(6)
    with transaction(engine) as session:
        [task] = tasks.open_queue(session, target.warehouse_id, tasks.TaskKind.PUTAWAY)
        tasks.claim_task(session, task.id, CTX.operator)
        putaway.complete_move_task(session, CTX, task.id, barcode(session, target.bins[0]))
    assert on_hand(engine, "W-1", target.bins[0]) == Decimal(6)
    assert_consistent(engine)
