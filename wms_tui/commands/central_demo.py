"""`wms-tui demo --central` (`scripts/demo --central`): a throwaway central PostgreSQL with the
demo warehouse, the sync service on 127.0.0.1, and two terminals (HH1, HH2) enrolled, each with
its own SQLite file and config, synced once: open one app per terminal in two more windows (an
SSH session each works the same) and a pick on HH1 (an order's line central leased to it) shows
on HH2: the bin it was picked from holds that much less there a second or two later.
Everything lives in one folder and is removed, the server and the service stopped, on Ctrl-C."""

from __future__ import annotations

import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wms_tui.domain.errors import ConfigError
from wms_tui.domain.sync import API_PREFIX
from wms_tui.services.demo import DEMO_PIN, DemoPick, build_demo, pick_to_show
from wms_tui.services.terminals import add_terminal
from wms_tui.store import migrate
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.pgserver import PgUnavailable, ThrowawayPostgres, free_port
from wms_tui.store.roles import Roles, apply_grants
from wms_tui.store.session import reading
from wms_tui.sync.client import Endpoint, SyncClient

TERMINALS = ("HH1", "HH2")
WAREHOUSE = "WH1"
SERVICE_START_S = 30.0
SSCC_COMPANY_PREFIX = "0614141"  # GS1's example company prefix
SSCC_BLOCK = 1_000_000
TOTE = "TOTE-HH1"  # what the newcomer picks into on HH1


@dataclass
class CentralDemo:
    folder: Path
    server: ThrowawayPostgres
    database_url: str  # the central database, as its owner
    service_url: str = ""
    service: subprocess.Popen | None = None
    configs: dict[str, Path] = field(default_factory=dict)  # terminal id -> its config file
    pick: DemoPick | None = None  # what the newcomer picks on HH1

    def stop(self) -> None:
        """Stop the service and the server, and remove the folder."""
        try:
            if self.service is not None and self.service.poll() is None:
                self.service.terminate()
                try:
                    self.service.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.service.kill()
                    self.service.wait()
        finally:
            try:
                self.server.stop()
            finally:
                shutil.rmtree(self.folder, ignore_errors=True)


def wms_command(*args: str) -> list[str]:
    """`wms-tui ARGS` with this interpreter, so the demo runs the code it was started from."""
    return [sys.executable, "-m", "wms_tui", *args]


def _central_database(server_url: str) -> str:
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "wms"'))
    finally:
        admin.dispose()
    return make_url(server_url).set(database="wms").render_as_string(hide_password=False)


def _start_service(demo: CentralDemo, port: int) -> None:
    """`wms-tui central serve` as the least-privilege wms_sync role, waited for until it answers."""
    sync_url = make_url(demo.database_url).set(username=Roles().sync_service).render_as_string(hide_password=False)
    log = (demo.folder / "central-serve.log").open("wb")
    demo.service = subprocess.Popen(wms_command("central", "serve", "--url", sync_url, "--host", "127.0.0.1", "--port", str(port)),
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    demo.service_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVICE_START_S
    while True:
        if demo.service.poll() is not None:
            raise click.ClickException(f"the sync service stopped (see {log.name})")
        try:
            if httpx.get(f"{demo.service_url}{API_PREFIX}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise click.ClickException(f"the sync service did not answer within {SERVICE_START_S:.0f} s (see {log.name})")
        time.sleep(0.2)


def _terminal(demo: CentralDemo, terminal_id: str, secret: str, first_serial: int) -> None:
    """The terminal's folder: its config, its SQLite ledger, and a first sync (master data,
    operators, orders and the tasks central leases it); HH1's pick is chosen among its tasks."""
    folder = demo.folder / terminal_id
    folder.mkdir()
    database = folder / "wms.db"
    config = folder / "config.toml"
    config.write_text(
        f'[database]\nurl = "{sqlite_url(database)}"\n\n'
        f'[terminal]\nid = "{terminal_id}"\nwarehouse = "{WAREHOUSE}"\nprinter = "labels"\n\n'
        f'[central]\nurl = "{demo.service_url}"\nsecret = "{secret}"\ninterval_s = 1.0\n\n'
        f'[printers.labels]\nkind = "file"\ntarget = "{folder / "labels"}/"\nformat = "pdf"\n\n'
        # Each terminal its own block of SSCC serials: pallets received offline never collide.
        f'[sscc]\ncompany_prefix = "{SSCC_COMPANY_PREFIX}"\nextension_digit = 3\n\n'
        f'[sscc.terminals.{terminal_id}]\nstart = {first_serial}\nend = {first_serial + SSCC_BLOCK - 1}\n',
        encoding="utf-8",
    )
    config.chmod(0o600)  # it holds the terminal's secret
    engine = make_engine(sqlite_url(database), create=True)
    try:
        migrate.upgrade(engine)
        client = SyncClient(engine, Endpoint(demo.service_url, terminal_id, WAREHOUSE, secret))
        try:
            client.sync_once()
        finally:
            client.close()
        if terminal_id == TERMINALS[0]:
            with reading(engine) as session:
                demo.pick = pick_to_show(session, terminal_id)
    finally:
        engine.dispose()
    demo.configs[terminal_id] = config


def start(folder: Path | None = None, port: int | None = None, say=click.echo) -> CentralDemo:
    """Everything up and synced once; `stop()` undoes it (also when a step fails)."""
    folder = folder or Path(tempfile.mkdtemp(prefix="wms-central-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    say("Starting a throwaway PostgreSQL server")
    try:
        server = ThrowawayPostgres()
    except PgUnavailable as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise ConfigError(f"{exc}: the central demo needs the PostgreSQL server binaries (scripts/test installs them)") from None
    try:
        server_url = server.start()
    except BaseException as exc:
        shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, PgUnavailable):
            raise ConfigError(f"PostgreSQL did not start: {exc}") from None
        raise
    demo = CentralDemo(folder, server, "")
    try:
        demo.database_url = _central_database(server_url)
        say("Central database: schema, roles (wms_app, wms_sync, wms_report) and the demo warehouse")
        engine = make_engine(demo.database_url)
        try:
            migrate.upgrade(engine)
            with engine.begin() as conn:
                apply_grants(conn, Roles())
            build_demo(engine)
            secrets = {terminal_id: add_terminal(engine, terminal_id, WAREHOUSE) for terminal_id in TERMINALS}
        finally:
            engine.dispose()
        say("Sync service on 127.0.0.1")
        _start_service(demo, port or free_port())
        for number, (terminal_id, secret) in enumerate(secrets.items()):
            say(f"Terminal {terminal_id}: enrolled, its own SQLite file, first sync")
            _terminal(demo, terminal_id, secret, 1 + number * SSCC_BLOCK)
    except BaseException:
        demo.stop()
        raise
    return demo


def instructions(demo: CentralDemo) -> str:
    """What to run in two more windows (or two SSH sessions to this machine) to see it work."""
    pick = demo.pick
    first, second = (f"WMS_CONFIG={shlex.quote(str(demo.configs[t]))} {shlex.join(wms_command())}" for t in TERMINALS)
    return f"""
Central is up: PostgreSQL {demo.database_url}
               sync service {demo.service_url}
               (`{shlex.join(wms_command("central", "status", "--url", demo.database_url))}` lists the terminals)

In a second window (or an SSH session to this machine), terminal HH1, on its own SQLite file:
    {first}
  Type each line and Enter, as a scanner would: BADGE-0001, {DEMO_PIN} (a picker), 1 (Pick),
  {pick.order} (the order's pick list, leased to HH1), then what the screen asks for: the bin
  {pick.bin_scan}, the item {pick.item_scan} ({pick.sku}), {pick.quantity} (the units), {TOTE} (the tote).

In a third window, terminal HH2, on its own SQLite file:
    {second}
  BADGE-0009, {DEMO_PIN} (a supervisor), 7 (What is this?), then the bin's barcode:
      {pick.bin_scan}
  before and after HH1's pick: the bin holds {pick.in_bin} x {pick.sku} before, {pick.left} a second or two after it
  (both terminals sync every second; `wms-tui sync --status` with a terminal's WMS_CONFIG says when).

Ctrl-C here stops the service and PostgreSQL and removes {demo.folder}.
"""


def _leave(_signal: int, _frame: object) -> None:
    raise SystemExit(0)


def run() -> None:
    """Set up, tell what to do, wait; Ctrl-C, a kill or a closed SSH session (also while setting
    up: start() undoes what it did) stops the service and the server and removes the files."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with Ctrl-C ignored
    signal.signal(signal.SIGTERM, _leave)
    signal.signal(signal.SIGHUP, _leave)
    try:
        demo = start()
    except KeyboardInterrupt:
        raise click.Abort from None
    try:
        click.echo(instructions(demo))
        while demo.service.poll() is None:
            time.sleep(0.5)
        click.echo(f"the sync service stopped (see {demo.folder / 'central-serve.log'})", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("stopping the sync service and PostgreSQL, removing the demo's files")
        demo.stop()
