"""`wms-tui import` refuses what would hurt later: bad GTINs, stock outside the warehouse, odd
bin codes, control characters, files that are not UTF-8. Refused files change nothing."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from wms_tui.cli import main
from wms_tui.services.importer import ImportFailed, import_csv
from wms_tui.store.ledger import PostingContext

CTX = PostingContext("IMPORT", "import")
LOCATIONS = "warehouse,zone,code\nWH1,STOCK,A-01\n"
ITEMS = "sku,name,barcode\nW-1,Widget,4006381333931\n"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() for table in ("item", "location", "stock_move"))


def refused(engine, tmp_path, **files) -> str:
    before = counts(engine)
    paths = {kind: write(tmp_path, f"{kind}.csv", content) for kind, content in files.items()}
    with pytest.raises(ImportFailed) as failure:
        import_csv(engine, CTX, **paths)
    assert counts(engine) == before
    return str(failure.value)


def test_a_gtin_with_a_wrong_check_digit_is_refused(engine, tmp_path):
    message = refused(engine, tmp_path, items="sku,name,barcode\nW-1,Widget,4006381333932\n")
    assert "items.csv row 2 column barcode: barcode 4006381333932 is not a valid GTIN: its check digit should be 1, not 2" in message


def test_opening_stock_goes_only_into_internal_locations(engine, tmp_path):
    message = refused(engine, tmp_path, locations=LOCATIONS, items=ITEMS,
                      stock="sku,location,quantity\nW-1,CUSTOMERS,5\nW-1,WH1/STOCK/A-01,5\n")
    assert "stock.csv row 2 column location: opening stock goes into a warehouse bin, not CUSTOMERS (customer)" in message


@pytest.mark.parametrize("code", ["Ä-01", "A/01", "A.01"])
def test_bin_codes_use_a_safe_alphabet(engine, tmp_path, code):
    message = refused(engine, tmp_path, locations=f"warehouse,zone,code\nWH1,STOCK,{code}\n")
    assert "locations.csv row 2 column code: bin code" in message and "use only letters A-Z" in message


def test_a_warehouse_code_outside_the_alphabet_is_named(engine, tmp_path):
    message = refused(engine, tmp_path, locations="warehouse,zone,code\nWH/1,STOCK,A-01\n")
    assert "locations.csv row 2 column warehouse: warehouse code 'WH/1'" in message


def test_control_characters_are_refused_and_named(engine, tmp_path):
    message = refused(engine, tmp_path, items="sku,name\nW-1,Red \x1b[31mwidget\nW-2,Bell\x07\n")
    assert r"items.csv row 2 column name: contains a control character (\x1b)" in message
    assert r"items.csv row 3 column name: contains a control character (\x07)" in message
    assert "\x1b" not in message


def test_an_over_long_sku_is_refused_on_both_databases(engine, tmp_path):
    message = refused(engine, tmp_path, items=f"sku,name\n{'S' * 41},Long\n")
    assert "items.csv row 2 column sku: SKU is 41 characters long; at most 40" in message


def test_a_file_that_is_not_utf8_is_refused_with_what_to_do(engine, tmp_path):
    latin1 = "sku,name\nW-1,Widget\nW-2,Gr\u00fcner Tee\n".encode("latin-1")
    message = refused(engine, tmp_path, items=latin1)
    assert "items.csv: file is not UTF-8: re-save as UTF-8 (line 3)" in message
    utf16 = "sku,name\nW-1,Widget\n".encode("utf-16")
    assert "items.csv: file is not UTF-8: re-save as UTF-8 (line 1)" in refused(engine, tmp_path, items=utf16)


def test_utf8_with_or_without_a_byte_order_mark_is_read(engine, tmp_path):
    write(tmp_path, "items.csv", "\ufeffsku,name\nW-1,Gr\u00fcner Tee\n")
    write(tmp_path, "more.csv", "sku,name\nW-2,[bold]Tea[/bold]\n")
    import_csv(engine, CTX, items=tmp_path / "items.csv")
    import_csv(engine, CTX, items=tmp_path / "more.csv")
    with engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM item ORDER BY sku")).scalars().all()
    assert names == ["Gr\u00fcner Tee", "[bold]Tea[/bold]"]


def test_the_import_command_reports_a_non_utf8_file_in_one_line(tmp_path):
    config = write(tmp_path, "config.toml", f'[database]\nurl = "sqlite:///{tmp_path / "ledger.db"}"\n')
    CliRunner().invoke(main, ["--config", str(config), "db", "upgrade"])
    items = write(tmp_path, "items.csv", "sku,name\nW-1,Gr\u00fcner Tee\n".encode("cp1252"))
    result = CliRunner().invoke(main, ["--config", str(config), "import", "--items", str(items)])
    assert result.exit_code == 1
    assert "items.csv: file is not UTF-8: re-save as UTF-8 (line 2)" in result.output
