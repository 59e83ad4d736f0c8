"""`wms-tui central`: the central database and its sync service (init, serve, terminals, status)."""

from __future__ import annotations

import gc
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import click

from wms_tui import config
from wms_tui.cli import WmsGroup
from wms_tui.domain.errors import ConfigError
from wms_tui.domain.sync import contact_text
from wms_tui.services import adoption, fleet, terminals
from wms_tui.services.desks import exceptions
from wms_tui.store import migrate
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.roles import Roles, apply_grants

URL_HELP = "Central PostgreSQL URL (default: [database] url from the config)."


def _central_engine(ctx: click.Context, url: str | None, **options):
    engine = make_engine(url or config.load(ctx.obj.get("config_path")).database.url, **options)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        raise ConfigError("the central database is PostgreSQL: pass --url postgresql://... or set [database] url")
    return engine


@click.group(cls=WmsGroup)
def central_group() -> None:
    """The central PostgreSQL database and the sync service terminals talk to."""


@central_group.command("init")
@click.option("--url", help=URL_HELP)
@click.option("--roles/--no-roles", default=True, show_default=True, help="Also create the roles and their GRANTs.")
@click.pass_context
def central_init(ctx: click.Context, url: str | None, roles: bool) -> None:
    """Create or upgrade the central schema (the terminals' migrations) and, run as the tables'
    owner, the least-privilege roles: wms_app, wms_sync (INSERT and SELECT only on moves) and
    wms_report (read only)."""
    engine = _central_engine(ctx, url)
    try:
        migrate.upgrade(engine)
        if roles:
            with engine.begin() as conn:
                apply_grants(conn, Roles())
    finally:
        engine.dispose()
    click.echo(f"central database at revision {', '.join(sorted(migrate.HEADS))}" + ("; roles granted" if roles else ""))


@central_group.command("serve")
@click.option("--url", help=URL_HELP + " Point it at the wms_sync role.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8750, show_default=True, type=int)
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (PEM), passed to uvicorn.")
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False), help="TLS private key (PEM), passed to uvicorn.")
@click.option("--ssl-keyfile-password", help="Password of the TLS key, if any.")
@click.option("--ssl-ca-certs", type=click.Path(exists=True, dir_okay=False), help="CA bundle for client certificates.")
@click.pass_context
def central_serve(ctx: click.Context, url: str | None, host: str, port: int, ssl_certfile: str | None, ssl_keyfile: str | None,
                  ssl_keyfile_password: str | None, ssl_ca_certs: str | None) -> None:
    """Run the sync service (stateless: start as many copies as needed, on any hosts, against
    one database)."""
    import uvicorn

    from wms_tui.central.app import create_app

    engine = _central_engine(ctx, url, pool_size=20)
    try:
        if not migrate.is_up_to_date(engine):
            raise ConfigError("the central database is not at the current schema: run `wms-tui central init` first")
        app = create_app(engine)
        # A push batch keeps tens of thousands of small objects alive while it is parsed and
        # applied, and the cyclic collector's passes over them and over the imported code took
        # some 40 % of the service's CPU per batch. What a request allocates is freed by
        # reference counting; the collector, which only finds cycles, runs less often and
        # skips what start-up built.
        gc.freeze()
        gc.set_threshold(10_000, 10, 10)
        uvicorn.run(app, host=host, port=port, log_level="warning", ssl_certfile=ssl_certfile,
                    ssl_keyfile=ssl_keyfile, ssl_keyfile_password=ssl_keyfile_password, ssl_ca_certs=ssl_ca_certs)
    finally:
        engine.dispose()


@central_group.group("terminals", cls=WmsGroup)
def terminals_group() -> None:
    """Terminals enrolled to sync: add (prints the secret once), list, revoke."""


@terminals_group.command("add")
@click.argument("terminal_id")
@click.option("--warehouse", required=True, help="Warehouse code the terminal works in.")
@click.option("--url", help=URL_HELP)
@click.pass_context
def terminals_add(ctx: click.Context, terminal_id: str, warehouse: str, url: str | None) -> None:
    """Enrol TERMINAL_ID and print its secret: put it in the terminal's [central] secret. It is
    shown only now (central keeps a hash); a lost secret means revoke and enrol a new id."""
    engine = _central_engine(ctx, url)
    try:
        secret = terminals.add_terminal(engine, terminal_id, warehouse)
    finally:
        engine.dispose()
    click.echo(f"terminal {terminal_id} enrolled for {warehouse.upper()}; its secret (shown once):")
    click.echo(secret)


@terminals_group.command("list")
@click.option("--url", help=URL_HELP)
@click.pass_context
def terminals_list(ctx: click.Context, url: str | None) -> None:
    """Enrolled terminals: warehouse, revoked or not, last contact, moves central holds from
    each (its applied sequence), tasks leased to it and its open sync conflicts."""
    engine = _central_engine(ctx, url)
    try:
        listed = fleet.list_terminals(engine)
    finally:
        engine.dispose()
    _print_terminals(listed)


def _print_terminals(listed: list[fleet.TerminalStatus]) -> None:
    now = datetime.now(UTC)
    click.echo(f"{'terminal':<20} {'warehouse':<10} {'state':<8} {'last contact':<32} {'applied':>8} {'leased':>7} {'conflicts':>9}")
    for t in listed:
        contact = f"{t.last_contact_at:%Y-%m-%d %H:%M:%S} ({contact_text(now, t.last_contact_at)})" if t.last_contact_at else "never"
        leased = f"{t.leased_tasks}" + (f" ({t.expired_leases} expired)" if t.expired_leases else "")
        click.echo(f"{t.terminal_id:<20} {t.warehouse:<10} {'revoked' if t.revoked else 'active':<8} {contact:<32} "
                   f"{t.applied_sequence:>8} {leased:>7} {t.open_conflicts:>9}")


@terminals_group.command("revoke")
@click.argument("terminal_id")
@click.option("--url", help=URL_HELP)
@click.pass_context
def terminals_revoke(ctx: click.Context, terminal_id: str, url: str | None) -> None:
    """Refuse TERMINAL_ID from its next request on (its moves already applied stay)."""
    engine = _central_engine(ctx, url)
    try:
        terminals.revoke_terminal(engine, terminal_id)
    finally:
        engine.dispose()
    click.echo(f"terminal {terminal_id} revoked")


@central_group.command("adopt")
@click.argument("station", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--terminal", "terminal_id", required=True, help="The terminal id the station works as (its config's [terminal] id).")
@click.option("--warehouse", required=True, help="Warehouse code the station works in.")
@click.option("--url", help=URL_HELP + " Run as the tables' owner, on a database `central init` made and nothing else wrote.")
@click.pass_context
def central_adopt(ctx: click.Context, station: Path, terminal_id: str, warehouse: str, url: str | None) -> None:
    """Make a station that ran on its own the start of a new central database: its file's
    master data, orders, purchases, documents and ledger are copied to central as they are, and
    the station is enrolled as TERMINAL, in step (nothing is sent twice). Prints its secret:
    put it in the station's [central] secret, with [central] url. Stop the station's app first."""
    engine = _central_engine(ctx, url)
    station_engine = make_engine(sqlite_url(station), create=False)
    try:
        with ExitStack() as shown:
            bars = []  # shown once the checks passed and the copy begins

            def advance(done: int, total: int) -> None:
                if not bars:
                    bars.append(shown.enter_context(click.progressbar(length=max(total, 1), label=f"Copying {station.name} to central")))
                bars[0].update(done - bars[0].pos)

            adopted = adoption.adopt_station(station_engine, engine, terminal_id, warehouse, advance)
    finally:
        station_engine.dispose()
        engine.dispose()
    click.echo(f"copied {adopted.rows} rows of {len(adopted.tables)} tables; central holds {terminal_id}'s moves up to "
               f"{adopted.applied_sequence}")
    click.echo(f"terminal {terminal_id} enrolled for {adopted.warehouse}; its secret (shown once):")
    click.echo(adopted.secret)


@central_group.command("status")
@click.option("--url", help=URL_HELP)
@click.pass_context
def central_status(ctx: click.Context, url: str | None) -> None:
    """Terminals (last contact, moves applied, tasks leased, conflicts open), the moves central
    holds and the exceptions waiting for a supervisor (F7 in `wms-tui console`)."""
    engine = _central_engine(ctx, url)
    try:
        status = terminals.central_status(engine)
        waiting = Counter(row.kind.value.replace("_", " ") for row in exceptions.exceptions(engine).waiting)
    finally:
        engine.dispose()
    _print_terminals(status.terminals)
    click.echo(f"central ledger: {status.moves} moves; sync conflicts open: {status.open_conflicts}")
    click.echo(f"exceptions waiting for a supervisor: {sum(waiting.values())}"
               + (f" ({', '.join(f'{kind} {count}' for kind, count in sorted(waiting.items()))})" if waiting else ""))
