"""Database, demo, import and stock reporting commands."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from drivers.replay import escape_line
from drivers.settings import ReplaySettings, ScannerSettings
from wms_tui import config
from wms_tui.cli import WmsGroup, database_url, open_command_runtime
from wms_tui.domain.errors import ConfigError
from wms_tui.domain.imports import ImportState
from wms_tui.domain.quantities import display
from wms_tui.domain.text import shown
from wms_tui.runtime import Runtime, open_runtime
from wms_tui.services import batch, exchange, importer
from wms_tui.services.demo import DEMO_STEPS, build_demo
from wms_tui.services.demo_tour import tour_scans
from wms_tui.services.floor.numbering import ensure_demo_range
from wms_tui.services.lookup import ITEM_LINES, lookup_code
from wms_tui.store import migrate, queries
from wms_tui.store.db import make_engine, warehouse_codes
from wms_tui.store.integrity import check_ledger
from wms_tui.store.roles import Roles, apply_grants, grant_statements
from wms_tui.store.session import reading


def _runtime(ctx: click.Context, **kwargs) -> Runtime:
    return open_command_runtime(ctx, **kwargs)


@click.group("db")
def db_group() -> None:
    """Create or upgrade the database schema."""


@db_group.command("upgrade")
@click.option("--url", help="Database URL (default: [database] url from the config).")
@click.pass_context
def db_upgrade(ctx: click.Context, url: str | None) -> None:
    """Apply all migrations: works on an empty SQLite file or PostgreSQL database."""
    settings = config.load(ctx.obj.get("config_path"))
    engine = make_engine(database_url(ctx, url) or settings.database.url)
    try:
        migrate.upgrade(engine)
        click.echo(f"database at revision {', '.join(sorted(migrate.current_revisions(engine)))}")
    finally:
        engine.dispose()


@db_group.command("status")
@click.option("--url", help="Database URL (default: [database] url from the config).")
@click.pass_context
def db_status(ctx: click.Context, url: str | None) -> None:
    """Show the schema revision and whether migrations are pending."""
    settings = config.load(ctx.obj.get("config_path"))
    engine = make_engine(database_url(ctx, url) or settings.database.url, create=False)
    try:
        current = migrate.current_revisions(engine)
        heads = migrate.head_revisions()
        click.echo(f"current: {', '.join(sorted(current)) or '(empty database)'}")
        click.echo(f"newest:  {', '.join(sorted(heads))}")
        click.echo("up to date" if current == heads else "migrations pending: run `wms-tui db upgrade`")
    finally:
        engine.dispose()


@db_group.command("check")
@click.option("--url", help="Database URL (default: [database] url from the config).")
@click.pass_context
def db_check(ctx: click.Context, url: str | None) -> None:
    """Verify the ledger: hash chains, gap-free sequences, balances against the moves, and
    every item summing to zero. Prints each problem found; exit status 1 if any."""
    settings = config.load(ctx.obj.get("config_path"))
    engine = make_engine(database_url(ctx, url) or settings.database.url, create=False)
    try:
        with reading(engine) as session:
            result = check_ledger(session.connection())
    finally:
        engine.dispose()
    for problem in result.problems:
        click.echo(problem)
    if not result.ok:
        raise click.ClickException(f"ledger check failed: {len(result.problems)} problem(s)")
    click.echo(f"ledger ok: {result.moves} moves in {result.terminals} terminal chains, {result.balances} balances")


@db_group.command("roles")
@click.option("--app", "application", default=Roles.application, show_default=True, help="Role of terminals and services.")
@click.option("--reporting", default=Roles.reporting, show_default=True, help="Read-only role for reports.")
@click.option("--apply", "apply", is_flag=True, help="Run the statements (as the tables' owner) instead of printing them.")
@click.option("--url", help="Database URL for --apply (default: [database] url from the config).")
@click.pass_context
def db_roles(ctx: click.Context, application: str, reporting: str, apply: bool, url: str | None) -> None:
    """PostgreSQL GRANTs for least privilege: the application role may only INSERT and SELECT
    moves (never UPDATE, DELETE, TRUNCATE), owns nothing, so it cannot disable the ledger's
    triggers; the reporting role only reads. The migrations role owns the tables: run
    `db upgrade` and `db roles --apply` as it, again after every upgrade."""
    roles = Roles(application, reporting)
    if not apply:
        for statement in grant_statements(roles):
            click.echo(f"{statement};")
        return
    settings = config.load(ctx.obj.get("config_path"))
    engine = make_engine(database_url(ctx, url) or settings.database.url)
    try:
        if engine.dialect.name == "sqlite":
            raise ConfigError("database roles exist on PostgreSQL only; protect a SQLite file with file permissions")
        with engine.begin() as conn:
            apply_grants(conn, roles)
    finally:
        engine.dispose()
    click.echo(f"granted: {application} (application), {reporting} (reporting)")


def demo_database_url(reset: bool) -> str:
    path = config.demo_database_path()
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


DEMO_PRINTER = "demo-folder"


def prepare_demo(config_path: str | None, reset: bool) -> Runtime:
    """Open (creating on first use) the embedded demo database."""
    url = demo_database_url(reset)
    runtime = open_runtime(config_path, database_url=url, upgrade=True)
    with reading(runtime.engine) as session:
        empty = session.connection().exec_driver_sql("SELECT COUNT(*) FROM item").scalar_one() == 0
    if empty:
        with click.progressbar(length=DEMO_STEPS, label="Building the demo warehouse") as bar:
            build_demo(runtime.engine, progress=lambda _step: bar.update(1))
    if not runtime.settings.sscc:  # a configured [sscc] range is applied by the app itself
        ensure_demo_range(runtime.engine, runtime.settings.terminal.id)
    if not runtime.settings.terminal.printer:
        folder = config.data_dir() / "demo-labels"
        use_folder_printer(runtime, folder)
        click.echo(f"labels and packing slips are written to {folder}")
    return runtime


def use_folder_printer(runtime: Runtime, folder: Path) -> None:
    """A terminal without a printer of its own "prints" PDF labels and slips into a folder."""
    settings = runtime.settings
    runtime.settings = replace(
        settings,
        terminal=replace(settings.terminal, printer=DEMO_PRINTER),
        printers={**settings.printers, DEMO_PRINTER: {"kind": "file", "target": f"{folder}/", "format": "pdf"}},
    )


@click.command("demo")
@click.option("--reset", is_flag=True, help="Throw away the demo database and build it again.")
@click.option("--no-app", is_flag=True, help="Only build the demo database, do not open the app.")
@click.option("--watch", is_flag=True,
              help="Play a guided tour: a picker, a packer and a shipper take one order from the shelf to the truck.")
@click.option("--replay", "replay_path", type=click.Path(exists=True, dir_okay=False),
              help="Play the scans of a capture file (one scan per line) as if a scanner sent them.")
@click.option("--interval-ms", default=900, show_default=True, type=click.IntRange(min=0),
              help="Pause between replayed scans.")
@click.option("--central", is_flag=True,
              help="Sync instead: start a throwaway PostgreSQL with the demo warehouse, the sync service on 127.0.0.1 and two "
                   "terminals (HH1, HH2) with their own SQLite files, say what to run in two more windows, clean up on Ctrl-C.")
@click.pass_context
def demo(ctx: click.Context, reset: bool, no_app: bool, watch: bool, replay_path: str | None, interval_ms: int,
         central: bool) -> None:
    """Open the app on a demo warehouse in an embedded SQLite file (built on first use).

    \b
    Sign in by scanning or typing a badge, then PIN 4711: BADGE-0001 picker,
    BADGE-0002 packer, BADGE-0003 receiver, BADGE-0004 shipper, BADGE-0009 supervisor
    (or type the id, e.g. PICK1, instead of the badge).

    \b
    --central shows sync: central PostgreSQL (the installed server binaries, in a
    temporary folder), `wms-tui central serve`, and terminals HH1 and HH2 enrolled
    and synced once. It prints the command for each terminal (another window or an
    SSH session each) and what to type so that stock received on HH1 shows on HH2.
    Ctrl-C stops everything and removes its files.
    """
    if central:
        if watch or replay_path or reset or no_app:
            raise click.UsageError("--central runs on its own throwaway database: no --reset, --no-app, --watch or --replay")
        from wms_tui.commands import central_demo

        central_demo.run()
        return
    if watch and replay_path:
        raise click.UsageError("give --watch or --replay, not both")
    runtime = prepare_demo(ctx.obj.get("config_path"), reset)
    click.echo(f"demo database: {runtime.engine.url.database}")
    try:
        scanner = None
        finale = ""
        if watch or replay_path:
            if watch:
                replay_path = str(config.data_dir() / "demo-tour.txt")
                tour = tour_scans(runtime.engine, runtime.settings.terminal.id)
                finale = tour.finale
                Path(replay_path).write_text("".join(escape_line(scan) + "\n" for scan in tour.scans), encoding="utf-8")
            scanner = ScannerSettings(driver="replay", replay=ReplaySettings(path=replay_path, interval_ms=interval_ms))
        if not no_app:
            from wms_tui.ui.app import WmsApp

            runtime.check_terminal_warehouse()
            WmsApp(runtime, scanner=scanner, finale=finale).run()
    finally:
        runtime.close()


@click.group("import", cls=WmsGroup, invoke_without_command=True, lazy_commands={
    "orders": "wms_tui.commands.exchange:import_orders",
    "purchases": "wms_tui.commands.exchange:import_purchases",
})
@click.option("--items", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="items.csv")
@click.option("--locations", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="locations.csv")
@click.option("--stock", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="stock.csv (opening stock)")
@click.option("--operator", default="import", show_default=True, help="Operator recorded on the moves.")
@click.option("--status", is_flag=True, help="Show the recent imports, and any left unfinished.")
@click.option("--resume", "resume_id", type=int, metavar="ID", help="Write the rest of an unfinished import (same files).")
@click.option("--rollback", "rollback_id", type=int, metavar="ID", help="Undo an unfinished import.")
@click.pass_context
def import_command(ctx: click.Context, items: Path | None, locations: Path | None, stock: Path | None, operator: str,
                   status: bool, resume_id: int | None, rollback_id: int | None) -> None:
    """Import items, locations and opening stock from CSV, all or nothing; or sales orders and
    purchase orders (`wms-tui import orders|purchases FILE.csv|.json`).

    \b
    items.csv     sku,name,uom,tracking,expiry_tracked,is_stock,buy_to_order,standard_cost,
                  barcode,case_barcode,case_quantity
    locations.csv warehouse,zone,code,pick_sequence
    stock.csv     sku,location,quantity,lot,expiry,unit_cost

    The files are checked in full first; then written in short transactions, so terminals keep
    working meanwhile. An import that stopped half-way (it shows in --status) is finished with
    --resume ID or undone with --rollback ID.
    """
    if ctx.invoked_subcommand is not None:
        return
    files = [path for path in (items, locations, stock) if path]
    chosen = sum(1 for given in (bool(files), status, resume_id is not None, rollback_id is not None) if given)
    if chosen != 1:
        raise click.UsageError("give files (--items, --locations, --stock), --status, --resume ID or --rollback ID")
    runtime = _runtime(ctx)
    try:
        if status:
            _import_status(runtime)
        elif rollback_id is not None:
            run = batch.unfinished_run(runtime.engine, rollback_id)
            click.echo((importer if run.kind == "csv" else exchange).rollback(runtime.engine, rollback_id))
        elif resume_id is not None:
            _resume(runtime, batch.unfinished_run(runtime.engine, resume_id))
        else:
            rows = sum(_line_count(path) - 1 for path in files)
            with click.progressbar(length=max(2 * rows, 1), label="Checking, then importing") as bar:
                summary = importer.import_csv(runtime.engine, runtime.posting_context(operator), items=items,
                                              locations=locations, stock=stock, progress=bar.update)
            click.echo(f"imported {summary.items} items, {summary.locations} locations, {summary.stock_moves} stock moves")
    finally:
        runtime.close()


def _resume(runtime: Runtime, run: batch.RunView) -> None:
    if run.kind != "csv":
        result = exchange.resume(runtime.engine, run.id)
        click.echo(f"import {run.id} complete: {len(result.documents)} {run.kind} with {result.lines} line(s)")
        return
    with click.progressbar(length=max(2 * (run.total - run.written), 1), label=f"Resuming import {run.id}") as bar:
        summary = importer.resume(runtime.engine, run.id, progress=bar.update)
    click.echo(f"import {run.id} complete: {summary.items} items, {summary.locations} locations, "
               f"{summary.stock_moves} stock moves")


def _import_status(runtime: Runtime) -> None:
    recent = batch.runs(runtime.engine)
    if not recent:
        click.echo("no imports yet")
    for run in recent:
        files = ", ".join(f"{part.name} {part.path.name}" for part in run.parts)
        when = f"{run.started_at:%Y-%m-%d %H:%M}"
        click.echo(f"import {run.id}  {run.state.value:<11} {when}  {run.written}/{run.total} rows  {files}")
        if run.state is ImportState.RUNNING:
            click.echo(f"  unfinished (or still running): `wms-tui import --resume {run.id}` writes the rest, "
                       f"`--rollback {run.id}` undoes it")


def _line_count(path: Path) -> int:
    with path.open("rb") as raw:  # bytes: a file that is not UTF-8 is the importer's to report
        return sum(1 for _ in raw)


@click.command("stock")
@click.argument("code")
@click.option("--warehouse", help="Warehouse code for the totals (default: the terminal's).")
@click.pass_context
def stock(ctx: click.Context, code: str, warehouse: str | None) -> None:
    """Quantities by location for an item (SKU or barcode), a location, a lot or a container."""
    runtime = _runtime(ctx)
    try:
        known = warehouse_codes(runtime.engine)
        warehouse = warehouse.strip().upper() if warehouse is not None else None
        if warehouse is not None and warehouse not in known:
            raise click.BadParameter(f"no warehouse {warehouse!r} (warehouses: {', '.join(known) or 'none'})",
                                     param_hint="--warehouse")
        result = lookup_code(runtime.engine, code, warehouse_code=warehouse or runtime.settings.terminal.warehouse)
    finally:
        runtime.close()
    click.echo(shown(f"{result.kind}: {result.code}  {result.title}"))  # names are data: never raw on a terminal
    for detail in result.details:
        click.echo(shown(f"  {detail}"))
    if not result.lines:
        click.echo("  no stock")
        return
    header = "item" if result.kind in ITEM_LINES else "location"
    click.echo(f"  {header:<28} {'lot':<16} {'expiry':<10} {'on hand':>10} {'available':>10}")
    for line in result.lines:
        click.echo(
            f"  {line.place:<28} {line.lot or '':<16} {str(line.expiry or ''):<10} {display(line.on_hand):>10}"
            f" {display(line.available):>10}"
        )


@click.group("report")
def report_group() -> None:
    """Stock reports."""


@report_group.command("valuation")
@click.pass_context
def report_valuation(ctx: click.Context) -> None:
    """Value per location: Physical / Partner / Virtual with subtotals (signed quantity x cost)."""
    runtime = _runtime(ctx)
    try:
        with reading(runtime.engine) as session:
            result = queries.valuation(session.connection())
    finally:
        runtime.close()
    click.echo(f"{'Location':<32} {'Value':>16}")
    for group, subtotal in result.groups.items():
        click.echo(f"{group.value:<32} {format_money(subtotal):>16}")
        for line in (line for line in result.lines if line.group is group):
            click.echo(f"  {line.name:<30} {format_money(line.value):>16}")
    click.echo(f"{'Total (always 0: double entry)':<32} {format_money(result.total):>16}")


def format_money(value) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"
