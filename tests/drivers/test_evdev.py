"""evdev decoding from recorded InputEvent streams (no /dev/input here)."""

from __future__ import annotations

import os

import pytest
from evdev import InputEvent, ecodes

from drivers import TimingSettings
from drivers.evdev_driver import KeyDecoder

E = ecodes
SHIFT, CTRL = E.KEY_LEFTSHIFT, E.KEY_LEFTCTRL


def _ev(t: float, code: int, value: int, etype: int = E.EV_KEY) -> InputEvent:
    sec = int(t)
    return InputEvent(sec, round((t - sec) * 1e6), etype, code, value)


def record(
    keys: list[int | tuple[int, ...]], start: float = 1000.0, gap: float = 0.004
) -> list[InputEvent]:
    """Key presses as a scanner sends them: modifier down, key down/up, modifier up, SYN."""
    out: list[InputEvent] = []
    t = start
    for key in keys:
        *mods, code = key if isinstance(key, tuple) else (key,)
        out += [_ev(t, m, 1) for m in mods]
        out += [_ev(t, code, 1), _ev(t, 0, 0, E.EV_SYN), _ev(t + 0.001, code, 0)]
        out += [_ev(t + 0.001, m, 0) for m in mods]
        t += gap
    return out


def kinds(decoded: list) -> list[tuple[str, str]]:
    return [(d.kind, d.text) for d in decoded]


GS1_KEYS_US = [
    E.KEY_0,
    E.KEY_1,
    E.KEY_0,
    E.KEY_7,
    (SHIFT, E.KEY_A),
    (CTRL, E.KEY_RIGHTBRACE),
    E.KEY_1,
    E.KEY_7,
    E.KEY_ENTER,
]


def test_us_shift_and_ctrl_bracket_gives_gs() -> None:
    assert kinds(KeyDecoder("us").feed_all(record(GS1_KEYS_US))) == [("scan", "0107A\x1d17")]


def test_german_layout_swaps_y_z_and_keeps_gs_on_the_same_key() -> None:
    keys = [
        E.KEY_Z,
        E.KEY_Y,
        (SHIFT, E.KEY_7),
        (SHIFT, E.KEY_SLASH),
        E.KEY_MINUS,
        (CTRL, E.KEY_RIGHTBRACE),
        E.KEY_1,
        E.KEY_TAB,
    ]
    assert kinds(KeyDecoder("de").feed_all(record(keys))) == [("scan", "yz/_ß\x1d1")]
    assert kinds(KeyDecoder("us").feed_all(record(keys))) == [("scan", "zy&?-\x1d1")]


def test_german_altgr() -> None:
    keys = [E.KEY_A, (E.KEY_RIGHTALT, E.KEY_Q), (E.KEY_RIGHTALT, E.KEY_8), E.KEY_B, E.KEY_KPENTER]
    assert kinds(KeyDecoder("de").feed_all(record(keys))) == [("scan", "a@[b")]


def test_alt_keypad_code_for_gs() -> None:
    keys = [E.KEY_0, E.KEY_1, E.KEY_9]
    events = record(keys)
    t = 1000.1
    events += [_ev(t, E.KEY_LEFTALT, 1)]
    for i, kp in enumerate([E.KEY_KP0, E.KEY_KP0, E.KEY_KP2, E.KEY_KP9]):
        events += [_ev(t + i * 0.002, kp, 1), _ev(t + i * 0.002 + 0.001, kp, 0)]
    events += [_ev(t + 0.01, E.KEY_LEFTALT, 0)]
    events += record([E.KEY_1, E.KEY_7, E.KEY_ENTER], start=t + 0.012)
    assert kinds(KeyDecoder("us").feed_all(events)) == [("scan", "019\x1d17")]


def test_autorepeat_is_ignored() -> None:
    events = record([E.KEY_A, E.KEY_B, E.KEY_C, E.KEY_ENTER])
    events.insert(1, _ev(1000.0005, E.KEY_A, 2))
    assert kinds(KeyDecoder("us").feed_all(events)) == [("scan", "abc")]


def test_human_typing_is_not_a_scan() -> None:
    decoded = KeyDecoder("us").feed_all(
        record([E.KEY_A, E.KEY_B, E.KEY_C, E.KEY_D, E.KEY_ENTER], gap=0.18)
    )
    assert kinds(decoded) == [("typed", "abcd")]
    assert "typing speed" in decoded[0].message


def test_stray_key_before_a_scan_is_split_off() -> None:
    events = record([E.KEY_X], start=990.0) + record(
        [E.KEY_1, E.KEY_2, E.KEY_3, E.KEY_ENTER], start=1000.0
    )
    assert kinds(KeyDecoder("us").feed_all(events)) == [("typed", "x"), ("scan", "123")]


def test_short_fast_burst_is_typing() -> None:
    decoded = KeyDecoder("us", TimingSettings(min_length=4)).feed_all(
        record([E.KEY_1, E.KEY_2, E.KEY_ENTER])
    )
    assert kinds(decoded) == [("typed", "12")]


def test_unterminated_burst_expires_as_partial() -> None:
    decoder = KeyDecoder("us")
    assert decoder.feed_all(record([E.KEY_1, E.KEY_2, E.KEY_3, E.KEY_4])) == []
    assert decoder.expire(1000.1) == []  # not idle long enough yet
    expired = decoder.expire(1001.0)
    assert kinds(expired) == [("partial", "1234")]
    assert not decoder.pending


def test_unmapped_key_spoils_the_line() -> None:
    decoded = KeyDecoder("us").feed_all(record([E.KEY_1, E.KEY_F5, E.KEY_2, E.KEY_ENTER]))
    assert decoded[0].kind == "partial" and "KEY_F5" in decoded[0].message


def test_kernel_dropped_events_discard_the_line() -> None:
    events = record([E.KEY_1, E.KEY_2]) + [_ev(1000.01, E.SYN_DROPPED, 0, E.EV_SYN)]
    events += record([E.KEY_3, E.KEY_4, E.KEY_5, E.KEY_ENTER], start=1000.02)
    assert kinds(KeyDecoder("us").feed_all(events)) == [("dropped", "12"), ("scan", "345")]


def test_unknown_layout() -> None:
    with pytest.raises(ValueError, match="unknown layout"):
        KeyDecoder("fr")


@pytest.mark.skipif(not os.path.exists("/dev/uinput"), reason="needs /dev/uinput")
def test_uinput_device_end_to_end() -> None:  # pragma: no cover - hardware-like
    import time

    from evdev import UInput

    from drivers import EvdevSettings, EventQueue
    from drivers.evdev_driver import EvdevDriver

    from .conftest import is_scan, wait_for

    with UInput(name="wms-test-scanner") as ui:
        time.sleep(0.2)
        events = EventQueue()
        with EvdevDriver(EvdevSettings(name="wms-test-scanner"), events):
            time.sleep(0.2)
            for code in (E.KEY_1, E.KEY_2, E.KEY_3, E.KEY_ENTER):
                ui.write(E.EV_KEY, code, 1)
                ui.write(E.EV_KEY, code, 0)
                ui.syn()
            scan = wait_for(events, is_scan)
    assert scan.text == "123"  # type: ignore[union-attr]
