"""The floor app syncs in its own thread and says how it stands on the status line: offline
while the network is broken (scanning goes on), then synced once it is back."""

from __future__ import annotations

import time

import pytest

from tests.sync.kit import moves_by_id
from tests.ui.floorkit import Floor
from wms_tui.bench.faultproxy import FaultProxy
from wms_tui.runtime import open_runtime
from wms_tui.ui.app import WmsApp

pytestmark = pytest.mark.pg


async def wait_for_status(floor: Floor, pilot, words: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        if words in (text := floor.widget("status")):
            return text
    raise AssertionError(f"status line stayed {floor.widget('status')!r}, never showed {words!r}")


async def test_status_line_shows_offline_then_synced(central, service, terminals, tmp_path):
    t1 = terminals("T1")
    t1.receive_and_pick(6, 2)
    proxy = FaultProxy(service.port)
    proxy.mode = "reset"
    config = tmp_path / "T1.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "T1.db"}"\n[terminal]\nid = "T1"\nwarehouse = "WH1"\n'
                      f'[central]\nurl = "{proxy.url}"\nsecret = "{t1.secret}"\ninterval_s = 0.2\n')
    runtime = open_runtime(str(config))
    try:
        app = WmsApp(runtime)
        async with app.run_test(size=(20, 16)) as pilot:
            floor = Floor(app, pilot, tmp_path)
            assert "offline 0 s, 2 to send" in await wait_for_status(floor, pilot, "offline")
            await floor.type("NO-SUCH-BADGE")  # the floor answers while sync is offline
            assert floor.step == "pin" and floor.input_focused()
            assert moves_by_id(central) == {}
            proxy.mode = "pass"
            await wait_for_status(floor, pilot, "synced")
            assert len(moves_by_id(central)) == 2
        assert app._sync is None  # stopped and joined on unmount
    finally:
        runtime.close()
        proxy.close()
