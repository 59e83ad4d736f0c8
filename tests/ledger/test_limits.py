"""Limits on text and numbers: the same on SQLite and PostgreSQL, refused before the database."""

from decimal import Decimal

import pytest
from sqlalchemy import String, text
from sqlmodel import SQLModel

from tests.factories import build_small_warehouse
from wms_tui.domain import quantities
from wms_tui.domain import text as limits
from wms_tui.domain.errors import InvalidInput, LedgerRuleViolation
from wms_tui.services import catalog
from wms_tui.store import finders
from wms_tui.store.ledger import Ledger, MoveRequest, PostingContext
from wms_tui.store.session import transaction

CTX = PostingContext(terminal_id="T1", operator="alice")


def test_text_limits_are_the_column_lengths():
    columns = {
        "item.sku": limits.SKU_LENGTH, "item.name": limits.ITEM_NAME_LENGTH, "item.uom": limits.UOM_LENGTH,
        "item_barcode.barcode": limits.BARCODE_LENGTH, "location.code": limits.LOCATION_CODE_LENGTH,
        "location.name": limits.LOCATION_NAME_LENGTH, "warehouse.code": limits.WAREHOUSE_CODE_LENGTH,
        "warehouse.name": limits.WAREHOUSE_NAME_LENGTH, "lot.code": limits.LOT_CODE_LENGTH,
        "container.code": limits.CONTAINER_CODE_LENGTH,
    }
    for name, length in columns.items():
        table, column = name.split(".")
        column_type = SQLModel.metadata.tables[table].c[column].type
        assert isinstance(column_type, String) and column_type.length == length, name


@pytest.mark.parametrize(
    "sku, name, message",
    [
        ("S" * 41, "ok", "SKU is 41 characters long; at most 40"),
        ("S-1", "N" * 201, "name is 201 characters long; at most 200"),
        ("S-1", "Red \x1b[31mwidget", r"contains a control character (\x1b)"),
        ("S\x00", "ok", r"contains a control character (\x00)"),
        ("  ", "ok", "SKU cannot be empty"),
    ],
)
def test_over_long_or_control_text_is_refused_on_both_databases(engine, sku, name, message):
    with pytest.raises(InvalidInput) as refused, transaction(engine) as session:
        catalog.create_item(session, sku, name)
    assert message in str(refused.value)


@pytest.mark.parametrize("code", ["Ä-01", "A/01", "A.01", "A 01", "-A"])
def test_bin_codes_outside_the_alphabet_are_refused(engine, code):
    wh = build_small_warehouse(engine)
    with pytest.raises(InvalidInput, match="use only letters A-Z, digits, '-' and '_'"), transaction(engine) as session:
        catalog.add_bin(session, finders.location_by_code(session, "WH1/STOCK"), code)
    assert wh.bin_a.code == "WH1/STOCK/A-01-01"


def test_amounts_past_a_bigint_are_refused_before_the_database():
    assert quantities.to_units(quantities.MAX_STORED_MONEY, quantities.MONEY_PLACES) == 2**63 - 1
    with pytest.raises(InvalidInput, match="out of range: amounts are at most 922337203685477.5807"):
        quantities.to_units(Decimal("1e15"), quantities.MONEY_PLACES)


def test_a_balance_past_a_bigint_is_refused_and_never_becomes_a_float(engine):
    wh = build_small_warehouse(engine)
    ledger = Ledger(engine, CTX)
    # 10^6 units at 10^8 each: 10^14 of value per move; nine fit in a BIGINT of 1/10000ths.
    big = MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, quantities.MAX_MOVE_QUANTITY,
                      unit_cost=quantities.MAX_UNIT_COST)
    ledger.post([big] * 9)
    with pytest.raises(LedgerRuleViolation, match="a balance would pass the largest amount"):
        ledger.post([big] * 10)  # refused in Python: the batch's own sum is too large
    with pytest.raises(LedgerRuleViolation, match="a balance would pass the largest amount"):
        ledger.post([big])  # refused by the database: the sum with the stored balance
    with engine.connect() as conn:
        # Nine receipts, each through Price Variance (the price is not the item's standard cost).
        receipts = text("SELECT COUNT(*) FROM stock_move WHERE from_location_id = :supplier")
        assert conn.execute(receipts, {"supplier": wh.supplier.id}).scalar_one() == 9
        if engine.dialect.name == "sqlite":
            kinds = conn.execute(text("SELECT DISTINCT typeof(quantity), typeof(value) FROM stock_balance")).all()
            assert kinds == [("integer", "integer")]
