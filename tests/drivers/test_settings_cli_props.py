"""Settings validation, the CLI, import isolation, and property tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers import Suffix, SuffixFramer, create_driver, interpret, settings_from_mapping
from drivers.scan import Scan
from drivers.serial_driver import SerialDriver
from wms_tui.cli import main


def test_settings_from_mapping_builds_typed_settings() -> None:
    s = settings_from_mapping(
        {
            "driver": "serial",
            "duplicate_window_ms": 500,
            "interpretation": {"gs_replacement": "|", "require_aim": True},
            "serial": {
                "vendor_id": "05e0",
                "product_id": "0x1200",
                "baud": 115200,
                "suffix": "crlf",
            },
        }
    )
    assert s.serial is not None and s.serial.vendor_id == 0x05E0 and s.serial.product_id == 0x1200
    assert s.serial.suffix is Suffix.CRLF and s.interpretation.require_aim
    assert isinstance(create_driver(s, lambda e: None), SerialDriver)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"serial": {"port": "/dev/x", "baudd": 1}}, "scanner.serial.baudd: unknown key"),
        (
            {"serial": {"port": "/dev/x", "baud": "fast"}},
            "scanner.serial.baud: expected an integer",
        ),
        ({"driver": "usb"}, "scanner.driver: expected one of"),
        ({"driver": "tcp"}, "no [scanner.tcp] section"),
        ({"evdev": {"vendor_id": "zz"}}, "scanner.evdev.vendor_id"),
        ({"evdev": {"path": "/dev/input/event3", "layout": "fr"}}, "scanner.evdev.layout"),
        ({"serial": {"port": "/dev/x", "suffix": "ETX"}}, "scanner.serial.suffix"),
        ({"interpretation": {"require_aim": "yes"}}, "scanner.interpretation.require_aim"),
        ({"serial": "COM1"}, "scanner.serial: expected a table"),
    ],
)
def test_settings_errors_name_the_key(mapping: dict, message: str) -> None:
    with pytest.raises(ValueError) as info:
        settings_from_mapping(mapping)
    assert message in str(info.value)


def test_scanners_test_replay_json(tmp_path: Path) -> None:
    capture = tmp_path / "field.txt"
    capture.write_text(
        "010703206980498810ABC123\\x1d17270131\n]C100006141411234567890\n4006381333932\n"
    )
    result = CliRunner().invoke(main, ["scanners", "test", "--replay", str(capture), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows[0]["kind"] == "gs1" and rows[0]["ais"] == {
        "01": "07032069804988",
        "10": "ABC123",
        "17": "270131",
    }
    assert rows[0]["raw"] == "010703206980498810ABC123\x1d17270131"
    assert rows[1]["symbology"] == "]C1" and rows[1]["sscc"] == "006141411234567890"
    assert rows[2]["kind"] == "invalid" and "check digit" in rows[2]["error"]


def test_scanners_test_needs_one_source_and_list_runs() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["scanners", "test"]).exit_code != 0
    listed = runner.invoke(main, ["scanners", "list"])
    assert listed.exit_code == 0 and "Serial ports:" in listed.output


def test_drivers_package_imports_nothing_from_wms_tui() -> None:
    code = (
        "import sys, drivers, drivers.serial_driver, drivers.evdev_driver, drivers.tcp_driver, "
        "drivers.wedge, drivers.replay, drivers.discovery;"
        "print([m for m in sys.modules if m.startswith('wms_tui')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(list(Suffix)), st.integers(1, 50))
def test_any_bytes_through_framer_and_interpreter(data: bytes, suffix: Suffix, chunk: int) -> None:
    framer = SuffixFramer(suffix, max_frame=64)
    out: list = []
    for i in range(0, len(data), chunk):
        out += framer.feed(data[i : i + chunk])
    partial = framer.take_partial()
    for frame in out:
        if isinstance(frame, bytes):
            assert suffix.bytes not in frame and frame
            result = Scan.from_bytes(frame, "prop").interpret()
            assert result.ok or result.reason
    if partial is not None:
        assert len(partial) <= 64


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789]CEdQ1023\x1d|ABX-"), max_size=60))
def test_gs1_shaped_text_never_raises(text: str) -> None:
    for result in (interpret(text), Scan.from_text(text, "prop").interpret()):
        assert result.ok or result.reason


def test_documented_scanner_section_is_valid_for_every_driver() -> None:
    import tomllib

    doc = (Path(__file__).parents[2] / "docs" / "scanners.md").read_text()
    table = tomllib.loads(doc.split("```toml")[1].split("```")[0])["scanner"]
    for driver in ("evdev", "serial", "tcp", "replay", "wedge"):
        assert settings_from_mapping({**table, "driver": driver}).driver == driver
