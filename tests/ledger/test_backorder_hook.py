from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.factories import build_small_warehouse
from wms_tui.services.backorders import release_backorders
from wms_tui.store import queries
from wms_tui.store.models import Partner, SalesOrder, SalesOrderLine
from wms_tui.store.session import transaction


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
        released = release_backorders(session, wh.widget.id, wh.warehouse_id, "6")
    assert [(r.order_number, r.quantity) for r in released] == [("SO-OLD", Decimal(4)), ("SO-NEW", Decimal(2))]
    with engine.connect() as conn:
        totals = queries.warehouse_quantities(conn, wh.widget.id, wh.warehouse_id)
    assert totals.back_ordered == Decimal(3)
    assert totals.committed == Decimal(6)
