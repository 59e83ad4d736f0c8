from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from tests.floor.kit import runtime_on_copy
from wms_tui.domain.outbound import OrderState
from wms_tui.store.models import PurchaseOrder, SalesOrder
from wms_tui.store.session import transaction

# The demo dates its orders from today; screens and snapshots read fixed ones instead.
ENTERED = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)


@pytest.fixture
def runtime(demo_template, tmp_path):
    runtime = runtime_on_copy(demo_template, tmp_path, terminal="DESK1")
    with transaction(runtime.engine) as session:
        for number in range(1, 21):
            session.execute(
                update(SalesOrder).where(SalesOrder.number == f"SO-{number:06d}")
                .values(created_at=ENTERED - timedelta(hours=number),
                        confirmed_at=ENTERED + timedelta(minutes=5))
            )
        session.execute(update(SalesOrder).where(SalesOrder.state == OrderState.DRAFT).values(confirmed_at=None))
        session.execute(update(PurchaseOrder).values(created_at=ENTERED))
    yield runtime
    runtime.close()
