"""The orders desk end to end on the demo warehouse, through keys as a supervisor would."""

import pytest
from sqlmodel import Session, select

from tests.console.deskkit import SIZE, answer, cells, console, moves, rendered, said, settle
from tests.floor.outbound import pick_order
from wms_tui.domain.errors import NotFound
from wms_tui.domain.locations import LocationKind
from wms_tui.services import console_views
from wms_tui.store.models import (
    Item,
    Location,
    Partner,
    SalesOrder,
    SalesOrderLine,
    StockBalance,
    Task,
)
from wms_tui.ui.console.forms import NewOrderForm
from wms_tui.ui.console.orders import OrderScreen, open_order


def item_in_stock(runtime) -> str:
    """A SKU without lots that has stock in a bin of WH1's Stock zone."""
    with Session(runtime.engine) as session:
        return session.exec(
            select(Item.sku)
            .join(StockBalance, StockBalance.item_id == Item.id)
            .join(Location, Location.id == StockBalance.location_id)
            .where(Location.kind == LocationKind.INTERNAL, Location.code.startswith("WH1/STOCK/"),
                   StockBalance.quantity > 5, Item.tracking == "none")
            .order_by(Item.sku)
        ).first()


def open_picks(app) -> int:
    return int(next(row for row in cells(app, "work") if row[0] == "pick")[1])


async def test_order_entered_confirmed_allocated_shows_its_tasks_on_the_dashboard(runtime, tmp_path):
    sku = item_in_stock(runtime)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        picks_before = open_picks(app)
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, NewOrderForm)
        form.query_one("#customer").value = "C001"
        form.query_one("#item-search").focus()
        await pilot.press(*sku)
        await settle(app, pilot)
        await pilot.press("enter")  # to the search results
        await pilot.press("enter")  # this item: its quantity next
        await pilot.press("3", "enter")
        assert [row[:2] for row in cells(app, "lines")] == [[sku, "3"]]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        page = app.screen
        assert isinstance(page, OrderScreen)
        number = page.number
        assert "draft" in str(page.query_one("#summary").render())

        await pilot.press("c", "y")
        await settle(app, pilot)
        assert said(app) == (f"confirmed {number}", False)
        await pilot.press("a", "y")
        await settle(app, pilot)
        text, refused = said(app)
        assert not refused and text.startswith("1 pick task(s) for 3 units")
        await pilot.press("2")  # the tasks tab (its table is made when first shown)
        assert [row[1:3] + row[4:6] for row in cells(app, "tasks")] == [["pick", "open", sku, "3"]]

        await pilot.press("escape", "f2")
        await settle(app, pilot)
        assert open_picks(app) == picks_before + 1
    with Session(runtime.engine) as session:
        assert session.exec(select(SalesOrder.state).where(SalesOrder.number == number)).one() == "confirmed"
        assert len(session.exec(select(Task).where(Task.document_ref == number)).all()) == 1


async def test_cancel_after_a_pick_is_refused_with_the_reason_and_changes_nothing(runtime, tmp_path):
    number = pick_order(runtime)
    before = moves(runtime)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.push_screen(OrderScreen(number))
        await settle(app, pilot)
        await pilot.press("x", "y")
        await settle(app, pilot)
        assert said(app) == (f"sales order {number} cannot be cancelled: stock has moved for it; re-open it instead", True)
        assert "started (confirmed)" in str(app.screen.query_one("#summary").render())
    assert moves(runtime) == before
    with Session(runtime.engine) as session:
        assert session.exec(select(SalesOrder.state).where(SalesOrder.number == number)).one() == "confirmed"


async def test_a_question_answered_no_does_nothing(runtime, tmp_path):
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(OrderScreen("SO-000001"))
        await settle(app, pilot)
        await pilot.press("x", "n")
        await settle(app, pilot)
        assert said(app) == ("", False)
    with Session(runtime.engine) as session:
        assert session.exec(select(SalesOrder.state).where(SalesOrder.number == "SO-000001")).one() == "confirmed"


async def test_search_and_status_filter_the_order_list(runtime, tmp_path):
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app, pilot)
        assert len(cells(app, "list")) == 20
        await pilot.press("slash", *"C001", "enter")
        await settle(app, pilot)
        rows = cells(app, "list")
        assert rows and {row[2] for row in rows} == {"C001"}
        app.screen.query_one("#search").value = ""
        app.screen.query_one("#status").value = "cancelled"
        await settle(app, pilot)
        assert cells(app, "list") == []


async def test_back_order_policy_changed_on_the_order_page_and_a_bad_one_refused(runtime, tmp_path):
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(OrderScreen("SO-000018"))  # a draft
        await settle(app, pilot)
        await pilot.press("b")
        await answer(app, pilot, policy="ship_later")
        assert said(app)[0].startswith("back-order policy must be one of backorder_rest, cancel_rest") and said(app)[1]
        await pilot.press("b")
        await answer(app, pilot, policy="ship_complete")
        assert said(app) == ("SO-000018: back orders ship_complete", False)
        assert "back orders: ship_complete" in await rendered(app, pilot, "summary", "back orders: ship_complete")
        await pilot.press("b")
        await answer(app, pilot, policy="")
        text, refused = said(app)
        assert not refused and text.endswith("(the customer's policy)")
    with Session(runtime.engine) as session:
        assert session.exec(select(SalesOrder.backorder_policy).where(SalesOrder.number == "SO-000018")).one() is None


def test_search_finds_a_number_from_its_start_a_customer_or_an_item_and_limits_to_the_newest(runtime):
    def found(text: str, limit: int = 200) -> list[str]:
        return [row.number for row in console_views.order_list(runtime.engine, search=text, limit=limit)]

    with Session(runtime.engine) as session:
        orders = session.exec(select(SalesOrder)).all()
        newest = sorted(orders, key=lambda order: (order.created_at, order.id), reverse=True)
        customer = session.get(Partner, orders[0].customer_id)
        with_item = set(session.exec(select(SalesOrder.number).join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
                                     .join(Item, Item.id == SalesOrderLine.item_id).where(Item.sku == "SKU-00030")).all())
    assert found("so-00001") == [order.number for order in newest if order.number.startswith("SO-00001")]
    assert len(found("so-00001")) == 10
    assert found("000012") == []  # a number is matched from its start (SO-000012 is not)
    assert found(customer.name[3:].lower()) == [order.number for order in newest if order.customer_id == customer.id]
    assert set(found("sku-00030")) == with_item and with_item
    assert found(customer.code) == [order.number for order in newest if order.customer_id == customer.id]
    assert found("", limit=5) == [order.number for order in newest[:5]]


def test_order_list_pages_on_after_an_order_through_every_match_once(runtime):
    def numbers(limit: int, after: str | None = None, **query) -> list[str]:
        return [row.number for row in console_views.order_list(runtime.engine, limit=limit, after=after, **query)]

    for query in ({}, {"search": "SO-00001"}, {"search": "C00"}, {"status": "open"}):
        every = numbers(1000, **query)
        paged: list[str] = []
        while page := numbers(3, paged[-1] if paged else None, **query):
            paged += page
        assert paged == every and len(every) > 3, query
    with pytest.raises(NotFound):
        numbers(3, "SO-999999")


async def test_the_order_list_loads_the_next_page_at_its_last_row_by_key_and_by_scrolling(runtime, tmp_path):
    every = [row.number for row in console_views.order_list(runtime.engine, limit=1000)]
    app = console(runtime, tmp_path)
    async with app.run_test(size=(100, 9)) as pilot:  # a page: as many rows as the terminal has lines (9 of 20)
        await pilot.press("f3")
        await settle(app, pilot)
        assert [row[1] for row in cells(app, "list")] == every[:9]
        await pilot.press("ctrl+end")  # the cursor on the last row loaded: the next page comes
        await settle(app, pilot)
        assert [row[1] for row in cells(app, "list")] == every[:18] and len(every) > 18
        while app.screen.query_one("#list").more_to_load:  # page down reaches every order
            await pilot.press("pagedown")
            await settle(app, pilot)
        assert [row[1] for row in cells(app, "list")] == every
        await pilot.press("r")  # a reload keeps the rows paged to
        await settle(app, pilot)
        assert [row[1] for row in cells(app, "list")] == every
        app.screen.query_one("#search").value = "C00"
        await pilot.press("slash", "enter")  # a new search starts from its first page
        await settle(app, pilot)
        assert len(cells(app, "list")) == 9
        table = app.screen.query_one("#list")
        while table.more_to_load:  # scrolled to the end (the wheel, the scrollbar): loads on until every match is listed
            table.scroll_end(animate=False)
            await settle(app, pilot)
        assert [row[1] for row in cells(app, "list")] == [row.number for row in console_views.order_list(
            runtime.engine, search="C00", limit=1000)]


async def test_an_order_page_shown_again_takes_the_theme_changed_while_it_was_hidden(runtime, tmp_path):
    # The kept page is not restyled whole each time it is shown: only when the app's look changed.
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:

        async def shown_after(*keys: str):
            for key in keys:
                await pilot.press(key)
                await settle(app, pilot)
            return app.screen

        page = await shown_after("f3", "enter")  # the newest order's page
        assert isinstance(page, OrderScreen)
        await shown_after("escape")
        hidden = page.query_one("#lines").styles.background
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        assert await shown_after("enter") is page
        shown = page.query_one("#lines").styles.background
        app.update_styles(page)  # what styling it whole gives
        assert shown == page.query_one("#lines").styles.background != hidden


async def test_order_page_keeps_its_shape_from_one_order_to_the_next(runtime, tmp_path):
    """A draft's summary (no confirmation date) and a confirmed order's take the same two lines,
    so the tables stay where they were: the page is not laid out again for another order."""
    with Session(runtime.engine) as session:
        draft = session.exec(select(SalesOrder.number).where(SalesOrder.state == "draft")).first()
        confirmed = session.exec(select(SalesOrder.number).where(SalesOrder.confirmed_at.is_not(None))).first()
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        orders = app.screen
        shapes = []
        for number in (confirmed, draft, confirmed):
            open_order(orders, number)
            await settle(app, pilot)
            page = app.screen
            assert page.number == number
            shapes.append((page.query_one("#summary").region, page.query_one("#lines").region))
            await pilot.press("escape")
            await settle(app, pilot)
        assert shapes[0][0].height == 2
        assert shapes[0] == shapes[1] == shapes[2]


async def test_order_page_shows_a_name_with_brackets_as_written(runtime, tmp_path):
    """A customer's name is text on the order page, not markup: "[b]" and a lone "[" show as typed."""
    name = "Smith [b]& Sons[/b] [North"
    with Session(runtime.engine) as session:
        number, partner_id = session.exec(select(SalesOrder.number, SalesOrder.customer_id)).first()
        partner = session.get(Partner, partner_id)
        partner.name = name
        session.add(partner)
        session.commit()
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        open_order(app.screen, number)
        await settle(app, pilot)
        assert isinstance(app.screen, OrderScreen)
        assert name in await rendered(app, pilot, "summary", name)
