"""`wms-tui demo --central` set up without waiting: the two terminals it prints commands for sync
through its service, the receipt it tells the newcomer to type on HH1 shows on HH2, `wms-tui
sync --status` and `central status` report them, and stopping it leaves nothing behind."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

from tests.floor.kit import Desk
from wms_tui.commands import central_demo
from wms_tui.commands.central_demo import RECEIPT
from wms_tui.runtime import open_runtime
from wms_tui.services.floor.numbering import range_from_config

pytestmark = pytest.mark.pg


def wms(demo, terminal: str | None, *args: str) -> str:
    """A `wms-tui` command as the instructions run it (WMS_CONFIG naming the terminal's config)."""
    env = {**os.environ, **({"WMS_CONFIG": str(demo.configs[terminal])} if terminal else {})}
    result = subprocess.run(central_demo.wms_command(*args), capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def what_is_there(desk: Desk) -> list[str]:
    desk.scan(RECEIPT.where)
    assert not desk.error, desk.message
    return list(desk.shown.details)


def test_the_central_demo_syncs_a_receipt_on_one_terminal_to_the_other(tmp_path):
    demo = central_demo.start(tmp_path / "demo", say=lambda _line: None)
    runtimes = []
    try:
        told = central_demo.instructions(demo)
        for terminal in ("HH1", "HH2"):
            assert f"WMS_CONFIG={demo.configs[terminal]}" in told
        assert RECEIPT.item_scan in told and RECEIPT.where in told
        hh1, hh2 = (open_runtime(str(demo.configs[terminal])) for terminal in ("HH1", "HH2"))
        runtimes += [hh1, hh2]
        range_from_config(hh1.engine, "HH1", hh1.settings.sscc)  # as the app does when it starts
        watcher = Desk(hh2)
        watcher.sign_in("BADGE-0009")
        watcher.scan("7")
        assert f"{RECEIPT.sku}: {RECEIPT.quantity}" not in what_is_there(watcher)

        receiver = Desk(hh1)  # exactly what the instructions say to type
        receiver.sign_in("BADGE-0003")
        receiver.scan("1")
        receiver.key("f1")
        receiver.scan(RECEIPT.item_scan, RECEIPT.quantity)
        receiver.key("f2")
        receiver.key("f5")
        assert not receiver.error and "done" in receiver.message, receiver.message

        assert "to send" in wms(demo, "HH1", "sync", "--status")
        assert "pushed 1 moves" in wms(demo, "HH1", "sync")
        assert "pulled 1 moves" in wms(demo, "HH2", "sync")
        assert f"{RECEIPT.sku}: {RECEIPT.quantity}" in what_is_there(watcher)
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
