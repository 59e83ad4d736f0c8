"""`wms-tui demo --central` set up without waiting: the two terminals it prints commands for sync
through its service, the pick it tells the newcomer to type on HH1 shows on HH2 (and reaches
central's order line), `wms-tui sync --status` and `central status` report them, and stopping it
leaves nothing behind."""

from __future__ import annotations

import os
import socket
import subprocess
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.floor.kit import Desk
from wms_tui.commands import central_demo
from wms_tui.commands.central_demo import TOTE
from wms_tui.runtime import open_runtime
from wms_tui.services.floor.numbering import range_from_config
from wms_tui.store.db import make_engine
from wms_tui.store.models import SalesOrder, SalesOrderLine
from wms_tui.store.session import reading

pytestmark = pytest.mark.pg


def wms(demo, terminal: str | None, *args: str) -> str:
    """A `wms-tui` command as the instructions run it (WMS_CONFIG naming the terminal's config)."""
    env = {**os.environ, **({"WMS_CONFIG": str(demo.configs[terminal])} if terminal else {})}
    result = subprocess.run(central_demo.wms_command(*args), capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def in_bin(desk: Desk, bin_scan: str, sku: str) -> str:
    """The bin's units of `sku` as "What is this?" shows them (before any "(n free)")."""
    desk.scan(bin_scan)
    assert not desk.error, desk.message
    [line] = [line for line in desk.shown.details if line.startswith(f"{sku}: ")]
    return line.removeprefix(f"{sku}: ").split(" ")[0]


def picked_centrally(demo, order: str) -> Decimal:
    engine = make_engine(demo.database_url)
    try:
        with reading(engine) as session:
            return session.scalar(select(func.sum(SalesOrderLine.picked_quantity))
                                  .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id).where(SalesOrder.number == order))
    finally:
        engine.dispose()


def test_the_central_demo_syncs_a_pick_on_one_terminal_to_the_other(tmp_path):
    demo = central_demo.start(tmp_path / "demo", say=lambda _line: None)
    runtimes = []
    try:
        told = central_demo.instructions(demo)
        pick = demo.pick
        for terminal in ("HH1", "HH2"):
            assert f"WMS_CONFIG={demo.configs[terminal]}" in told
        assert all(scan in told for scan in (pick.order, pick.bin_scan, pick.item_scan, TOTE))
        hh1, hh2 = (open_runtime(str(demo.configs[terminal])) for terminal in ("HH1", "HH2"))
        runtimes += [hh1, hh2]
        range_from_config(hh1.engine, "HH1", hh1.settings.sscc)  # as the app does when it starts
        watcher = Desk(hh2)
        watcher.sign_in("BADGE-0009")
        watcher.scan("7")
        assert in_bin(watcher, pick.bin_scan, pick.sku) == pick.in_bin
        before = picked_centrally(demo, pick.order)

        picker = Desk(hh1)  # exactly what the instructions say to type
        picker.sign_in("BADGE-0001")
        picker.scan("1", pick.order)
        picker.scan(pick.bin_scan, pick.item_scan, pick.quantity, TOTE)
        assert not picker.error and f"picked {pick.quantity} {pick.sku} into {TOTE}" in picker.message, picker.message

        assert "to send" in wms(demo, "HH1", "sync", "--status")
        assert "pushed 1 moves" in wms(demo, "HH1", "sync")
        assert "pulled 1 moves" in wms(demo, "HH2", "sync")
        assert in_bin(watcher, pick.bin_scan, pick.sku) == pick.left
        assert picked_centrally(demo, pick.order) == before + Decimal(pick.quantity)  # the completion reached central
        assert "synced" in wms(demo, "HH2", "sync", "--status")
        status = wms(demo, None, "central", "status", "--url", demo.database_url).splitlines()
        assert [line.split()[:3] for line in status[1:3]] == [["HH1", "WH1", "active"], ["HH2", "WH1", "active"]]
        assert "central ledger:" in status[3]
    finally:
        for runtime in runtimes:
            runtime.close()
        demo.stop()
    assert not demo.folder.exists() and not demo.server.root.exists()
    assert demo.service.poll() is not None
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", demo.server.port)) != 0  # PostgreSQL is gone
