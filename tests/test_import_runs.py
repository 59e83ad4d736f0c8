"""An import is written in short transactions under an import id: one that stops half-way says
so, and is resumed (nothing written twice) or rolled back (moves reversed, what it created
removed or archived); a row refused while writing rolls it back by itself."""

from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import Session, func, select

from tests.test_import_validation import counts, write
from wms_tui.cli import main
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.imports import ImportState
from wms_tui.domain.quantities import QUANTITY_PLACES, from_units
from wms_tui.runtime import open_runtime
from wms_tui.services import batch, importer
from wms_tui.services.importer import ImportFailed, import_csv
from wms_tui.store.ledger import PostingContext

CTX = PostingContext("IMPORT", "import")
LOCATIONS = "warehouse,zone,code\n" + "".join(f"WH1,STOCK,A-{n:02d}\n" for n in range(1, 41))
ITEMS = "sku,name\n" + "".join(f"W-{n},Widget {n}\n" for n in range(1, 31))
STOCK = "sku,location,quantity\n" + "".join(f"W-{n % 20 + 1},WH1/STOCK/A-{n % 20 + 1:02d},{n % 4 + 1}\n" for n in range(600))


class Crash(Exception):
    pass


def crash_after(rows: int):
    """A progress callback that stops the import once `rows` rows are written (after the checks)."""
    seen = [0]
    total = 40 + 30 + 600  # rows checked first, then written

    def tick(count: int) -> None:
        seen[0] += count
        if seen[0] - total >= rows:
            raise Crash

    return tick


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(batch, "FIRST_CHUNK", 7)
    monkeypatch.setattr(batch, "MAX_CHUNK", 7)
    monkeypatch.setattr(batch, "PAUSE_S", 0)


def files(tmp_path):
    return {"locations": write(tmp_path, "locations.csv", LOCATIONS), "items": write(tmp_path, "items.csv", ITEMS),
            "stock": write(tmp_path, "stock.csv", STOCK)}


def on_hand(engine) -> Decimal:
    with engine.connect() as conn:
        units = conn.execute(text("SELECT COALESCE(SUM(b.quantity), 0) FROM stock_balance b "
                                  "JOIN location l ON l.id = b.location_id WHERE l.kind = 'internal'")).scalar_one()
    return from_units(units, QUANTITY_PLACES)


def test_a_crashed_import_says_so_and_resumes_without_writing_twice(engine, tmp_path, small_chunks):
    with pytest.raises(Crash):
        import_csv(engine, CTX, progress=crash_after(300), **files(tmp_path))
    [run] = batch.runs(engine)
    assert run.state is ImportState.RUNNING and run.part == "stock" and 0 < run.written - 70 < 600
    written = counts(engine)[2]
    assert written == run.written - 70  # the moves written are the rows it counts, no more
    with pytest.raises(InvalidInput, match="import 1 is unfinished"):
        import_csv(engine, CTX, stock=files(tmp_path)["stock"])
    summary = importer.resume(engine, run.id)
    assert summary == importer.ImportSummary(30, 40, 600)
    assert counts(engine)[0] == 30 and counts(engine)[2] == 600
    assert on_hand(engine) == sum(n % 4 + 1 for n in range(600))
    assert batch.runs(engine)[0].state is ImportState.COMPLETE
    with pytest.raises(InvalidInput, match="import 1 is complete: nothing to do"):
        importer.resume(engine, run.id)


def test_a_crashed_import_rolls_back(engine, tmp_path, small_chunks):
    before = counts(engine)
    with pytest.raises(Crash):
        import_csv(engine, CTX, progress=crash_after(300), **files(tmp_path))
    said = importer.rollback(engine, 1)
    # W-1..W-20 got stock (their reversed moves refer to them): archived; W-21..W-30 removed;
    # A-01..A-20 had stock: archived; A-21..A-40 removed.
    assert said.startswith("import 1 rolled back:") and "30 items and bins removed, 40 archived" in said
    assert on_hand(engine) == 0
    with engine.connect() as conn:
        active = conn.execute(text("SELECT COUNT(*) FROM item WHERE active")).scalar_one()
    assert active == before[0]
    assert batch.runs(engine)[0].state is ImportState.ROLLED_BACK


def test_a_row_refused_while_writing_rolls_the_import_back(engine, tmp_path, small_chunks, monkeypatch):
    paths = files(tmp_path)
    real = importer._write_item

    def someone_else_was_first(session, row):
        if row["sku"] == "W-25":  # created at the console between the checks and the write
            importer.catalog.create_item(session, "W-25", "Widget by hand")
        real(session, row)

    monkeypatch.setattr(importer, "_write_item", someone_else_was_first)
    with pytest.raises(ImportFailed, match="items.csv row 26 column sku: item W-25 already exists"):
        import_csv(engine, CTX, **paths)
    assert batch.runs(engine)[0].state is ImportState.ROLLED_BACK
    assert on_hand(engine) == 0


def test_import_status_resume_and_rollback_commands(tmp_path, small_chunks):
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "ledger.db"}"\n[terminal]\nid = "T9"\n')
    run = lambda *args: CliRunner().invoke(main, ["--config", str(config), *args])  # noqa: E731
    assert run("db", "upgrade").exit_code == 0
    assert run("import", "--status").output.strip() == "no imports yet"
    runtime = open_runtime(str(config))
    try:
        with pytest.raises(Crash):
            import_csv(runtime.engine, CTX, progress=crash_after(300), **files(tmp_path))
    finally:
        runtime.close()
    status = run("import", "--status").output
    assert "import 1  running" in status and "/670 rows" in status and "--resume 1" in status
    both = run("import", "--status", "--rollback", "1")
    assert both.exit_code == 1 and "give files" in both.output
    resumed = run("import", "--resume", "1")
    assert resumed.exit_code == 0 and "import 1 complete: 30 items, 40 locations, 600 stock moves" in resumed.output
    assert "import 1  complete" in run("import", "--status").output
    again = run("import", "--rollback", "1")
    assert again.exit_code == 1 and "import 1 is complete: nothing to do" in again.output


def test_a_documents_import_that_stopped_resumes_or_its_documents_are_cancelled(runtime, tmp_path, small_chunks,
                                                                                monkeypatch):
    from tests.console.test_exchange import cli
    from wms_tui.services import exchange
    from wms_tui.store.models import SalesOrder

    monkeypatch.setattr(batch, "MAX_CHUNK", 1)  # one order per transaction
    orders = write(tmp_path, "orders.csv", "number,customer,warehouse,sku,quantity\n"
                   + "".join(f"ERP-{n},C001,WH1,SKU-00002,{n}\n" for n in range(1, 5)))
    real = exchange._create

    def crash_at_the_third(session, kind, document):
        if document.key == "ERP-3":
            raise Crash
        return real(session, kind, document)

    monkeypatch.setattr(exchange, "_create", crash_at_the_third)
    with pytest.raises(Crash):
        exchange.import_documents(runtime.engine, "orders", orders)
    monkeypatch.setattr(exchange, "_create", real)
    [run] = batch.runs(runtime.engine)
    assert run.state is ImportState.RUNNING and run.written == 2
    assert exchange.rollback(runtime.engine, run.id) == f"import {run.id} rolled back: 2 orders cancelled"
    with Session(runtime.engine) as session:
        states = dict(session.exec(select(SalesOrder.number, SalesOrder.state).where(SalesOrder.number.like("ERP-%"))).all())
    assert states == {"ERP-1": "cancelled", "ERP-2": "cancelled"}

    monkeypatch.setattr(exchange, "_create", crash_at_the_third)
    again = write(tmp_path, "more.csv", "number,customer,warehouse,sku,quantity\n"
                  + "".join(f"ERP-{n},C001,WH1,SKU-00002,{n}\n" for n in range(3, 6)))
    with pytest.raises(Crash):
        exchange.import_documents(runtime.engine, "orders", again)
    monkeypatch.setattr(exchange, "_create", real)
    resumed = cli(runtime, "import", "--resume", str(batch.runs(runtime.engine)[0].id))
    assert "import 2 complete: 3 orders with 3 line(s)" in resumed.output
    with Session(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(SalesOrder).where(SalesOrder.number.like("ERP-%"))).one() == 5
