"""The app around the floor screen: a failed worker is shown and survived, a site's own keys
([ui.keys]) do what the bindings they replace did, and upkeep waits until an answer is shown."""

import gc

import pytest

from tests.floor.kit import runtime_on_copy
from tests.ui.floorkit import Floor
from wms_tui.services import print_station
from wms_tui.services.floor import numbering
from wms_tui.services.floor.terminal import Terminal
from wms_tui.ui.app import WmsApp


def fail(*_args, **_kwargs):
    raise RuntimeError("disk on fire")


@pytest.mark.parametrize("where, worker", [(numbering, "range_from_config"), (print_station, "start_for_terminal")],
                         ids=["prepare", "start_printing"])
async def test_a_failing_worker_is_shown_in_red_and_the_app_keeps_running(runtime, tmp_path, monkeypatch, where, worker):
    monkeypatch.setattr(where, worker, fail)
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.settle()
        assert app.is_running
        assert floor.error and "system error in" in floor.message and "disk on fire" in floor.message
        await floor.sign_in("BADGE-0001")  # the terminal still takes scans
        assert floor.flow == "menu"


async def test_prepare_failing_before_the_terminal_exists_answers_inputs(runtime, tmp_path, monkeypatch):
    from wms_tui.services.floor import terminal

    monkeypatch.setattr(terminal, "Terminal", fail)
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.type("BADGE-0001")  # answered at once, not after the 60 s start-up wait
        assert app.is_running
        assert floor.error and "the terminal service did not start" in floor.message


async def test_remapped_keys_do_what_the_f_keys_did(demo_template, tmp_path):
    runtime = runtime_on_copy(demo_template, tmp_path, extra='[ui.keys]\nf1 = "ctrl+n"\nf10 = "f10,ctrl+b"\n')
    try:
        app = WmsApp(runtime)
        async with app.run_test(size=(40, 25)) as pilot:
            floor = Floor(app, pilot, tmp_path)
            await floor.sign_in("BADGE-0001")
            await floor.scan("1")
            assert floor.flow == "pick"
            await floor.key("f1")  # no longer bound: F1 reaches nothing
            assert floor.step != "bin"
            await floor.key("ctrl+n")  # F1's action: the next task
            assert floor.step == "bin" and not floor.error, floor.message
            await floor.key("ctrl+b")  # back, as F10 still does
            assert floor.flow == "menu"
            await floor.key("f10")
            assert floor.flow == "sign_in"
    finally:
        runtime.close()


async def test_once_an_answer_is_shown_the_due_collection_and_the_terminal_upkeep_run(runtime, tmp_path, monkeypatch):
    collected, idle = [], []
    monkeypatch.setattr(gc, "get_count", lambda: (0, 10, 10))  # both older generations are due
    monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation))
    monkeypatch.setattr(Terminal, "idle", lambda terminal: idle.append(terminal))
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        for _ in range(100):  # the input thread takes the upkeep after the answer
            if idle:
                break
            await pilot.pause()
        assert collected and set(collected) == {2}
        assert idle and all(terminal is app.terminal for terminal in idle)


async def test_a_waiting_floor_screen_draws_no_frames(runtime, tmp_path):
    """No blinking cursor: an answer never waits for the frame slot a blink took."""
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        frames = []
        app.screen._compositor_refresh = lambda: frames.append(1)  # what each frame calls
        await pilot.pause(1.2)  # two blinks' time
        assert frames == []
