"""The `wms-tui` command, run as a user would (click's runner, real database files)."""

import sqlite3
import warnings
from contextlib import closing
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.conftest import new_pg_database
from wms_tui.cli import main
from wms_tui.runtime import open_runtime
from wms_tui.services import operators
from wms_tui.store import migrate
from wms_tui.store.db import make_engine
from wms_tui.store.session import transaction


def run(*args: str, config_path: Path | None = None):
    prefix = ["--config", str(config_path)] if config_path else []
    return CliRunner().invoke(main, [*prefix, *args], catch_exceptions=False)


@pytest.fixture
def sqlite_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "ledger.db"}"\n[terminal]\nid = "T9"\n')
    return path


def all_commands(group: click.Group, prefix=()):
    context = click.Context(group)
    for name in group.list_commands(context):  # sub-commands load on first use: ask for each
        command = group.get_command(context, name)
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_every_command_has_help():
    paths = list(all_commands(main))
    assert {("operators", "add"), ("bench", "ui"), ("demo",), ("label", "container")} <= set(paths)
    for path in paths:
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        assert "Usage:" in result.output and len(result.output.splitlines()) > 3, path


def test_db_upgrade_on_an_empty_sqlite_file(sqlite_config):
    result = run("db", "upgrade", config_path=sqlite_config)
    assert result.exit_code == 0, result.output
    assert all(head in result.output for head in migrate.head_revisions())
    assert "up to date" in run("db", "status", config_path=sqlite_config).output


@pytest.mark.pg
def test_db_upgrade_on_an_empty_postgres_database(pg_admin_url, tmp_path):
    url, drop = new_pg_database(pg_admin_url, "template0")
    try:
        result = run("db", "upgrade", "--url", url)
        assert result.exit_code == 0, result.output
        engine = make_engine(url)
        assert migrate.is_up_to_date(engine)
        engine.dispose()
    finally:
        drop()


def test_commands_refuse_a_database_that_was_not_upgraded(sqlite_config):
    result = CliRunner().invoke(main, ["--config", str(sqlite_config), "stock", "X"])
    assert result.exit_code == 1
    assert "run `wms-tui db upgrade` first" in result.output
    assert not (sqlite_config.parent / "ledger.db").exists()  # refused: no empty file left behind
    make_engine(f"sqlite:///{sqlite_config.parent / 'ledger.db'}").dispose()  # an empty file, not upgraded
    result = CliRunner().invoke(main, ["--config", str(sqlite_config), "stock", "X"])
    assert result.exit_code == 1 and "run `wms-tui db upgrade` first" in result.output


def write_csvs(tmp_path: Path, stock_rows: str) -> dict[str, Path]:
    files = {
        "locations": "warehouse,zone,code,pick_sequence\nWH1,STOCK,A-01,1\nWH1,STOCK,A-02,2\n",
        "items": (
            "sku,name,uom,tracking,expiry_tracked,standard_cost,barcode,case_barcode,case_quantity\n"
            "W-1,Widget,pc,none,no,2.50,4006381333931,14006381333938,12\n"
            "M-1,Milk,l,lot,yes,0.80,,,\n"
        ),
        "stock": "sku,location,quantity,lot,expiry,unit_cost\n" + stock_rows,
    }
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(text)
    return paths


def test_import_then_stock_and_valuation(sqlite_config, tmp_path):
    run("db", "upgrade", config_path=sqlite_config)
    csvs = write_csvs(tmp_path, "W-1,WH1/STOCK/A-01,10,,,\nM-1,WH1/STOCK/A-02,4.5,L1,2030-01-31,\n")
    result = run("import", "--locations", str(csvs["locations"]), "--items", str(csvs["items"]),
                 "--stock", str(csvs["stock"]), config_path=sqlite_config)
    assert result.exit_code == 0, result.output
    assert "imported 2 items, 2 locations, 2 stock moves" in result.output

    by_case = run("stock", "14006381333938", config_path=sqlite_config).output
    assert "item: W-1  Widget" in by_case
    assert "case barcode: one scan counts 12" in by_case
    assert "WH1: on hand 10 · committed 0 · available 10" in by_case
    assert "WH1/STOCK/A-01" in by_case

    by_lot = run("stock", "L1", config_path=sqlite_config).output
    assert "lot: L1" in by_lot and "2030-01-31" in by_lot and "4.5" in by_lot

    valuation = run("report", "valuation", config_path=sqlite_config).output
    assert "Physical Locations" in valuation and "$28.60" in valuation  # 10 x 2.50 + 4.5 x 0.80
    assert "Initial Inventory" in valuation and "-$28.60" in valuation


def test_import_is_all_or_nothing_and_names_file_row_column(sqlite_config, tmp_path):
    run("db", "upgrade", config_path=sqlite_config)
    csvs = write_csvs(tmp_path, "W-1,WH1/STOCK/A-01,10,,,\nW-1,WH1/STOCK/NOPE,1,,,\nM-1,WH1/STOCK/A-02,-2,L1,2030-01-31,\n")
    result = CliRunner().invoke(main, ["--config", str(sqlite_config), "import", "--locations", str(csvs["locations"]),
                                       "--items", str(csvs["items"]), "--stock", str(csvs["stock"])])
    assert result.exit_code == 1
    assert "stock.csv row 3 column location: no location 'WH1/STOCK/NOPE'" in result.output
    assert "stock.csv row 4 column quantity: quantity must be greater than zero" in result.output
    assert "nothing was imported" in result.output
    after = CliRunner().invoke(main, ["--config", str(sqlite_config), "stock", "W-1"])
    assert "'W-1' is not a known item" in after.output  # the items of the same run were rolled back


def test_import_reports_bad_quantity_with_its_row(sqlite_config, tmp_path):
    run("db", "upgrade", config_path=sqlite_config)
    csvs = write_csvs(tmp_path, "W-1,WH1/STOCK/A-01,-3,,,\n")
    result = CliRunner().invoke(main, ["--config", str(sqlite_config), "import", "--locations", str(csvs["locations"]),
                                       "--items", str(csvs["items"]), "--stock", str(csvs["stock"])])
    assert result.exit_code == 1
    assert "stock.csv row 2 column quantity: quantity must be greater than zero" in result.output


def test_demo_builds_a_realistic_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("WMS_DATA_DIR", str(tmp_path))
    config_path = tmp_path / "c.toml"
    config_path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "demo.db"}"\n')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run("demo", "--no-app")
    assert result.exit_code == 0, result.output
    # A first run says what it built and where, nothing else: no warning of any kind.
    assert [str(warning.message) for warning in caught] == []
    assert "warning" not in result.output.lower()
    item = run("stock", "SKU-00001", config_path=config_path).output
    assert "item: SKU-00001" in item
    valuation = run("report", "valuation", config_path=config_path).output
    assert "Total (always 0: double entry)" in valuation and valuation.strip().endswith("$0.00")
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    with engine.connect() as conn:
        counts = {table: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar_one()
                  for table in ("item", "location", "lot", "stock_move", "sales_order", "purchase_order")}
        expired = conn.exec_driver_sql("SELECT COUNT(*) FROM lot WHERE expiry_date < date('now')").scalar_one()
    engine.dispose()
    assert counts["item"] == 400 and counts["location"] > 240 and counts["lot"] > 50
    assert counts["stock_move"] > 500 and counts["sales_order"] > 0 and counts["purchase_order"] > 0
    assert expired > 0  # expired lots exist, so pickers can be shown they are refused
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    with engine.connect() as conn:
        states = dict(conn.exec_driver_sql("SELECT state, COUNT(*) FROM sales_order GROUP BY state").all())
        committed = conn.exec_driver_sql("SELECT SUM(committed_quantity) FROM sales_order_line").scalar_one()
    engine.dispose()
    assert states == {"confirmed": 16, "draft": 4}
    assert committed > 0  # confirmed orders committed stock through the outbound services


def test_operators_add_and_list(sqlite_config):
    assert run("db", "upgrade", config_path=sqlite_config).exit_code == 0
    added = run("operators", "add", "ann", "--name", "Ann Lee", "--role", "picker", "--badge", "B-77",
                "--pin", "4739", config_path=sqlite_config)
    assert added.exit_code == 0 and "added ANN (Ann Lee, picker)" in added.output
    for pin, problem in (("1111", "one digit repeated"), ("4321", "simple sequence"), ("12a4", "4 to 12 digits"),
                         ("123", "4 to 12 digits")):
        refused = run("operators", "add", "bob", "--name", "Bob", "--role", "packer", "--badge", "B-78", "--pin", pin,
                      config_path=sqlite_config)
        assert refused.exit_code == 1 and problem in refused.output, (pin, refused.output)
    again = run("operators", "add", "bob", "--name", "Bob", "--role", "packer", "--badge", "B-77", "--pin", "5820",
                config_path=sqlite_config)
    assert again.exit_code == 1 and "that badge already belongs to another operator" in again.output
    assert "B-77" not in again.output
    listed = run("operators", "list", config_path=sqlite_config)
    assert "ANN" in listed.output and "B-77" not in listed.output and "4739" not in listed.output
    with closing(sqlite3.connect(sqlite_config.parent / "ledger.db")) as db:
        [(stored,)] = db.execute("SELECT badge_hash FROM operator").fetchall()
    assert len(stored) == 64 and "B-77" not in stored  # keyed hash, never the badge


def test_operators_locked_after_failures_are_listed_unlocked_and_audited(sqlite_config):
    sqlite_config.write_text(sqlite_config.read_text() + "[security]\nmax_failures = 2\npin_min_length = 5\n")
    run("db", "upgrade", config_path=sqlite_config)
    short = run("operators", "add", "ann", "--name", "Ann", "--role", "picker", "--badge", "B-77", "--pin", "4739",
                config_path=sqlite_config)
    assert short.exit_code == 1 and "PIN must be 5 to 12 digits" in short.output
    run("operators", "add", "ann", "--name", "Ann", "--role", "picker", "--badge", "B-77", "--pin", "47391",
        config_path=sqlite_config)
    runtime = open_runtime(str(sqlite_config))
    try:
        with transaction(runtime.engine) as session:
            for _ in range(2):
                assert operators.sign_in(session, "B-77", "00000", terminal="T9", policy=runtime.settings.security).operator is None
    finally:
        runtime.close()
    listed = run("operators", "list", config_path=sqlite_config).output
    assert "LOCKED until" in listed and "(2 failed)" in listed and "terminal T9 LOCKED" in listed
    assert run("operators", "unlock", "ann", config_path=sqlite_config).output.strip() == "unlocked operator ANN"
    assert run("operators", "unlock", "--terminal", "T9", config_path=sqlite_config).output.strip() == "unlocked terminal T9"
    assert "LOCKED" not in run("operators", "list", config_path=sqlite_config).output
    unknown = run("operators", "unlock", "nobody", config_path=sqlite_config)
    assert unknown.exit_code == 1 and "no operator 'nobody'" in unknown.output
    audit = run("operators", "audit", "--operator", "ann", config_path=sqlite_config).output.splitlines()
    assert [line.split()[2:4] for line in audit] == [["unlock", "ok"], ["sign_in", "failed"], ["sign_in", "failed"]]


def test_an_unexpected_error_is_one_line_and_a_log_file_with_the_traceback(sqlite_config, tmp_path, monkeypatch):
    monkeypatch.setenv("WMS_LOG_DIR", str(tmp_path / "logs"))
    run("db", "upgrade", config_path=sqlite_config)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr("wms_tui.commands.stock.lookup_code", broken)
    result = CliRunner().invoke(main, ["--config", str(sqlite_config), "stock", "X"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert "Error: unexpected RuntimeError: disk on fire second line (traceback in " in result.output
    logs = list((tmp_path / "logs").glob("error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in result.output
    assert "Traceback (most recent call last)" in logs[0].read_text() and "in broken" in logs[0].read_text()


@pytest.mark.parametrize("args", [["stock"], ["--bogus"], ["no-such-command"], ["stock", "X", "--warehouse"]])
def test_usage_errors_exit_1_with_one_message(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "Error:" in result.output and "Traceback" not in result.output


def test_db_roles_prints_the_grants_and_refuses_to_apply_them_to_sqlite(sqlite_config):
    printed = run("db", "roles", "--app", "floor_app")
    assert printed.exit_code == 0
    assert "REVOKE UPDATE, DELETE ON stock_move, auth_event FROM floor_app, wms_sync;" in printed.output
    refused = CliRunner().invoke(main, ["--config", str(sqlite_config), "db", "roles", "--apply"])
    assert refused.exit_code == 1 and "PostgreSQL only" in refused.output
    bad_name = CliRunner().invoke(main, ["db", "roles", "--app", "x; DROP TABLE item"])
    assert bad_name.exit_code == 1 and "a PostgreSQL identifier" in bad_name.output


def test_an_unknown_warehouse_is_refused(sqlite_config, tmp_path):
    run("db", "upgrade", config_path=sqlite_config)
    csvs = write_csvs(tmp_path, "W-1,WH1/STOCK/A-01,10,,,\n")
    run("import", "--locations", str(csvs["locations"]), "--items", str(csvs["items"]), config_path=sqlite_config)
    result = CliRunner().invoke(main, ["--config", str(sqlite_config), "stock", "W-1", "--warehouse", "NOPE"])
    assert result.exit_code == 1 and "no warehouse 'NOPE' (warehouses: WH1)" in result.output
    assert "WH1: on hand" in run("stock", "W-1", "--warehouse", "wh1", config_path=sqlite_config).output
    # The terminal app does not start in a warehouse the database does not have.
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(sqlite_config.read_text().replace('id = "T9"', 'id = "T9"\nwarehouse = "NOPE"'))
    result = CliRunner().invoke(main, ["--config", str(elsewhere)])
    assert result.exit_code == 1
    assert f"{elsewhere}: [terminal] warehouse: 'NOPE' is not a warehouse of this database (WH1)" in result.output
