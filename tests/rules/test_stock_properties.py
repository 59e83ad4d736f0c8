"""Random days in the warehouse: sequences of what people do (order, confirm, allocate, pick,
short pick, pack and ship, receive, count, return, restock, scrap, cancel, re-open, transfer,
build kits), each through the services in its own transaction. An action may be refused (with a
WmsError, keeping nothing); after every step the books must hold: no internal location below
zero, committed never above on hand, every quantity equal to its recomputation from the moves and
the documents, and nothing worth anything where nothing is (world.check_books)."""

from __future__ import annotations

import shutil
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from tests.conftest import new_pg_database
from tests.rules.world import CTX, TODAY, World, build_world, check_books
from wms_tui.domain.errors import WmsError
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import BackorderPolicy
from wms_tui.domain.states import ReturnDisposition, TaskKind
from wms_tui.services import catalog, tasks
from wms_tui.services.inbound import counting, kits, purchasing, receiving, transfers
from wms_tui.services.outbound import orders, picking, returns
from wms_tui.store import finders
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.models import Item, SalesReturn, SalesReturnLine
from wms_tui.store.session import transaction

SKUS = ("W-1", "G-1", "K-1")
QUANTITY = st.integers(min_value=1, max_value=6).map(str)
ORDER = st.integers(min_value=0, max_value=7)  # the n-th order entered (wraps round)
BIN = st.integers(min_value=0, max_value=2)

ACTIONS = st.one_of(
    st.tuples(st.just("order"), st.sampled_from(list(BackorderPolicy)), st.sampled_from(SKUS), QUANTITY, st.sampled_from(SKUS), QUANTITY,
              st.booleans()),
    st.tuples(st.just("allocate"), ORDER),
    st.tuples(st.just("pick"), ORDER, st.booleans()),
    st.tuples(st.just("short_pick"), ORDER),
    st.tuples(st.just("pack_and_ship"), ORDER),
    st.tuples(st.just("receive"), st.sampled_from(SKUS[:2]), QUANTITY, BIN),
    st.tuples(st.just("count"), BIN, st.integers(min_value=0, max_value=5)),
    st.tuples(st.just("return"), ORDER, QUANTITY, st.sampled_from(["good", "damaged"])),
    st.tuples(st.just("restock"), ORDER, BIN),
    st.tuples(st.just("scrap"), ORDER),
    st.tuples(st.just("cancel"), ORDER),
    st.tuples(st.just("reopen"), ORDER),
    st.tuples(st.just("transfer"), QUANTITY),
    st.tuples(st.just("build_kits"), st.integers(min_value=1, max_value=2).map(str), BIN),
)


class Day:
    """Carries out one action on the world; refusals are the services' to make."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.numbers: list[str] = []

    def _number(self, index: int) -> str | None:
        return self.numbers[index % len(self.numbers)] if self.numbers else None

    def run(self, action: tuple) -> None:
        kind, *args = action
        if kind == "order":
            policy, sku, quantity, other_sku, other_quantity, allocate = args
            number = f"SO-{len(self.numbers) + 1}"
            self.numbers.append(number)
            lines = [(sku, quantity)] + ([(other_sku, other_quantity)] if other_sku != sku else [])
            self.world.order(number, policy, lines, allocate=allocate)
            return
        if kind == "receive":
            sku, quantity, bin_index = args
            self.world.receive(sku, quantity, self.world.bins[bin_index])
            return
        if kind == "count":
            self._count(*args)
            return
        if kind == "transfer":
            self._transfer(*args)
            return
        if kind == "build_kits":
            quantity, bin_index = args
            with transaction(self.world.engine) as session:
                kits.build_kits(session, CTX, "K-1", quantity, self.world.bins[bin_index])
            return
        number = self._number(args[0])
        if number is None:
            return
        getattr(self, f"_{kind}")(number, *args[1:])

    def _allocate(self, number: str) -> None:
        self.world.allocate(number)

    def _pick(self, number: str, whole: bool) -> None:
        for task in self.world.pick_tasks(number)[:1]:
            self.world.pick(task.id, None if whole else "1")

    def _short_pick(self, number: str) -> None:
        with transaction(self.world.engine) as session:
            for task in tasks.open_queue(session, self.world.warehouse_id, TaskKind.PICK):
                if task.document_ref == number:
                    tasks.claim_task(session, task.id, CTX.operator)
                    picking.short_pick(session, CTX, task.id, reason="not_found")
                    return

    def _pack_and_ship(self, number: str) -> None:
        self.world.pack_and_ship(number)

    def _return(self, number: str, quantity: str, condition: str) -> None:
        with transaction(self.world.engine) as session:
            order = finders.sales_order_by_number(session, number)
            lines = orders.order_lines(session, order.id)
            shipped = [line for line in lines if line.shipped_quantity > 0]
            if shipped:
                item = session.get(Item, shipped[0].item_id)
                returns.receive_return(session, CTX, number, [returns.ReturnInput(item.sku, quantity, condition)])

    def _pending_return(self, session, number: str) -> SalesReturnLine | None:
        order = finders.sales_order_by_number(session, number)
        return session.exec(
            select(SalesReturnLine).join(SalesReturn, SalesReturn.id == SalesReturnLine.return_id)
            .where(SalesReturn.order_id == order.id, SalesReturnLine.disposition == ReturnDisposition.PENDING)
        ).first()

    def _restock(self, number: str, bin_index: int) -> None:
        with transaction(self.world.engine) as session:
            line = self._pending_return(session, number)
            if line is None:
                return
            target = self.world.bins[bin_index]
            task_id = returns.restock(session, line.id, target)
            tasks.claim_task(session, task_id, CTX.operator)
            returns.confirm_restock(session, CTX, task_id, location_scan=location_barcode(target), today=TODAY)

    def _scrap(self, number: str) -> None:
        with transaction(self.world.engine) as session:
            line = self._pending_return(session, number)
            if line is not None:
                returns.scrap(session, CTX, line.id)

    def _cancel(self, number: str) -> None:
        with transaction(self.world.engine) as session:
            orders.cancel_order(session, number, today=TODAY)

    def _reopen(self, number: str) -> None:
        with transaction(self.world.engine) as session:
            orders.reopen_order(session, CTX, number, today=TODAY)

    def _count(self, bin_index: int, counted: int) -> None:
        """The bin is counted: each item on the sheet is found `counted` times (or what is there)."""
        with transaction(self.world.engine) as session:
            plan = counting.plan_cycle_count(session, "WH1", [self.world.bins[bin_index]], recount_threshold="1000")
            [task_id] = plan.task_ids
            tasks.claim_task(session, task_id, CTX.operator)
            sheet = counting.count_sheet(session, task_id)
            for line in sheet:
                counting.record_count(session, CTX, task_id, line.line_id, str(counted), reason="counted")
            if not sheet:
                counting.record_unlisted(session, CTX, task_id, "4006381333931", str(counted), reason="found")

    def _transfer(self, quantity: str) -> None:
        """WH2 sends W-1 to WH1 (received there through its receipt route)."""
        with transaction(self.world.engine) as session:
            transfer = transfers.create_transfer(session, "WH2", "WH1", [transfers.TransferLineInput("W-1", quantity, "WH2/STOCK/B-01")])
            transfers.ship_transfer(session, CTX, transfer.number)
            transfers.receive_transfer(session, CTX, transfer.number)


def _world(engine) -> World:
    world = build_world(engine)
    with transaction(engine) as session:
        other = catalog.create_warehouse(session, "WH2", "Warehouse 2")
        catalog.add_bin(session, other.zones["STOCK"], "B-01")
        po = purchasing.create_purchase_order(session, "ACME", "WH2", [purchasing.PurchaseLineInput("W-1", "40")])
        receipt = receiving.start_receipt(session, po.number)
        receiving.receive_scan(session, CTX, receipt.number, "4006381333931", count="40",
                               bin_scan=location_barcode("WH2/STOCK/B-01"), today=TODAY)
    return world


def _run_day(engine, actions) -> None:
    day = Day(_world(engine))
    check_books(engine)
    for action in actions:
        try:
            day.run(action)
        except WmsError:
            pass  # refused, as a person would be told: the transaction kept nothing
        check_books(engine)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_random_days_keep_the_books_right(request, tmp_path, backend):
    examples, steps = (14, 40) if backend == "sqlite" else (3, 25)

    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(ACTIONS, min_size=steps // 2, max_size=steps))
    def check(actions):
        if backend == "sqlite":
            path = tmp_path / f"{uuid.uuid4().hex}.db"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            url, drop = sqlite_url(path), path.unlink
        else:
            url, drop = new_pg_database(request.getfixturevalue("pg_admin_url"), request.getfixturevalue("pg_template"))
        engine = make_engine(url)
        try:
            _run_day(engine, actions)
        finally:
            engine.dispose()
            drop()

    check()
