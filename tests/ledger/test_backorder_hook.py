from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.factories import build_small_warehouse
from wms_tui.domain.reasons import MoveReason
from wms_tui.services import catalog, posting
from wms_tui.store import finders, queries
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import Partner, SalesOrder, SalesOrderLine
from wms_tui.store.session import transaction

CTX = PostingContext("T1", "alice")


def test_arrivals_fill_oldest_backorders_first(engine):
    wh = build_small_warehouse(engine)
    now = datetime.now(UTC)
    with transaction(engine) as session:
        customer = Partner(code="C1", name="Customer 1", kind="customer")
        session.add(customer)
        session.flush()
        for number, age_days, waiting in (("SO-NEW", 1, "5"), ("SO-OLD", 3, "4")):
            order = SalesOrder(number=number, customer_id=customer.id, warehouse_id=wh.warehouse_id,
                               state="confirmed", created_at=now - timedelta(days=age_days))
            session.add(order)
            session.flush()
            session.add(SalesOrderLine(order_id=order.id, item_id=wh.widget.id, quantity=Decimal(waiting),
                                       backordered_quantity=Decimal(waiting)))
    with transaction(engine) as session:
        # Goods landing where they cannot be sold yet (returns awaiting a decision) release nothing.
        returns = catalog.add_bin(session, finders.location_by_code(session, "WH1"), "RETURNS")
        held = posting.post(session, CTX, [MoveRequest(wh.widget.id, wh.customer.id, returns.id, "6", reason=MoveReason.RETURN)])
        assert held.released == []
        released = posting.post(session, CTX, [MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "6", reason=MoveReason.RECEIPT)]).released
    assert [(r.order_number, r.quantity) for r in released] == [("SO-OLD", Decimal(4)), ("SO-NEW", Decimal(2))]
    with engine.connect() as conn:
        totals = queries.warehouse_quantities(conn, wh.widget.id, wh.warehouse_id)
    assert (totals.on_hand, totals.committed, totals.back_ordered, totals.available) == (Decimal(12), Decimal(6), Decimal(3), Decimal(0))
