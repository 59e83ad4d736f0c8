"""SSCC ranges of floor terminals: from the [sscc] config, or a free demo block; never moved."""

import pytest
from sqlmodel import Session, select

from wms_tui.domain.errors import ConfigError
from wms_tui.services.floor.numbering import (
    DEMO_BLOCK,
    DEMO_PREFIX,
    ensure_demo_range,
    range_from_config,
)
from wms_tui.store.models import NumberRange

SSCC_CONFIG = {"company_prefix": "5703538", "extension_digit": 3,
               "terminals": {"HH1": {"start": 1, "end": 5000}, "HH2": {"start": 5001, "end": 9000}}}


def ranges(runtime) -> dict[str, tuple[str, int, int]]:
    with Session(runtime.engine) as session:
        return {r.terminal_id: (r.prefix, r.first_value, r.last_value) for r in session.exec(select(NumberRange))}


def test_config_range_becomes_the_terminals_number_range_once(runtime):
    range_from_config(runtime.engine, "HH1", SSCC_CONFIG)
    assert ranges(runtime)["HH1"] == ("35703538", 1, 5000)
    moved = {**SSCC_CONFIG, "terminals": {"HH1": {"start": 20000, "end": 30000}}}
    range_from_config(runtime.engine, "HH1", moved)  # a range in use is kept
    assert ranges(runtime)["HH1"] == ("35703538", 1, 5000)


def test_terminal_missing_from_the_config_is_a_config_error(runtime):
    with pytest.raises(ConfigError, match="sscc.terminals.HH9"):
        range_from_config(runtime.engine, "HH9", SSCC_CONFIG)


def test_demo_terminals_get_disjoint_blocks(runtime):
    ensure_demo_range(runtime.engine, "T1")
    ensure_demo_range(runtime.engine, "T2")
    ensure_demo_range(runtime.engine, "T1")  # again: unchanged
    found = ranges(runtime)
    assert found["T1"][0] == found["T2"][0] == DEMO_PREFIX
    assert found["T1"][2] - found["T1"][1] + 1 == DEMO_BLOCK
    assert found["T2"][1] == found["T1"][2] + 1
