from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.ui.floorkit import build_template, runtime_on_copy
from wms_tui.store.models import PurchaseOrder, SalesOrder
from wms_tui.store.session import transaction

# The demo dates its orders from today; screens and snapshots read fixed ones instead.
ENTERED = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def console_template(tmp_path_factory) -> Path:
    return build_template(tmp_path_factory.mktemp("console-template"))


@pytest.fixture
def runtime(console_template, tmp_path):
    runtime = runtime_on_copy(console_template, tmp_path, terminal="DESK1")
    with transaction(runtime.engine) as session:
        for number in range(1, 21):
            session.execute(
                update(SalesOrder).where(SalesOrder.number == f"SO-{number:06d}")
                .values(created_at=ENTERED - timedelta(hours=number),
                        confirmed_at=ENTERED + timedelta(minutes=5))
            )
        session.execute(update(SalesOrder).where(SalesOrder.state == "draft").values(confirmed_at=None))
        session.execute(update(PurchaseOrder).values(created_at=ENTERED))
    yield runtime
    runtime.close()
