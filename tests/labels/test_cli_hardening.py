"""Label options a hostile or careless user may give: one-line errors, never a traceback, and
a label whose text and barcode say the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.labels.conftest import GTIN, SSCC
from wms_tui.cli import main


def container(out: Path, *options: str):
    return CliRunner().invoke(main, ["label", "container", "--sscc", SSCC, "--out", str(out), *options])


@pytest.mark.parametrize(
    "weight, message",
    [
        ("NaN", "expected a finite number, got 'NaN'"),
        ("Infinity", "expected a finite number"),
        ("1e400", "does not fit AI 330n (max 999999 kg)"),
        ("0.0004", "gross weight 0.0004 kg is under 1 g, the finest AI 3303 holds"),
        ("-2", "gross weight must be a positive number"),
        ("heavy", "expected a number, got 'heavy'"),
    ],
)
def test_bad_weights_are_one_line_errors(tmp_path, weight, message):
    result = container(tmp_path / "c.zpl", "--weight", weight)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "c.zpl").exists()


def test_the_weight_in_text_is_the_weight_in_the_barcode(tmp_path):
    out = tmp_path / "c.zpl"
    assert container(out, "--weight", "1234.5678").exit_code == 0
    zpl = out.read_text()
    assert "1234.57 kg" in zpl and "3302123457" in zpl  # 6 digits hold 2 decimals at this weight


def test_out_into_a_missing_folder_is_a_one_line_error(tmp_path):
    result = container(tmp_path / "missing" / "c.zpl")
    assert result.exit_code == 1
    assert result.output.strip().endswith(f"cannot write {tmp_path / 'missing' / 'c.zpl'}: No such file or directory")


text = st.text(st.characters(codec="utf-8"), max_size=30)
numbers = st.one_of(text, st.decimals(allow_nan=True).map(str), st.floats().map(str), st.integers().map(str))
dates = st.one_of(text, st.dates().map(str))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(weight=numbers, count=numbers, gtin=st.one_of(st.just(GTIN), text), lot=text, best_before=dates)
def test_any_label_options_give_a_label_or_a_one_line_error(tmp_path, weight, count, gtin, lot, best_before):
    result = container(tmp_path / "c.zpl", "--weight", weight, "--count", count, "--gtin", gtin, "--lot", lot,
                       "--best-before", best_before)
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
