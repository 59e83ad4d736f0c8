"""SSCC building and per-terminal ranges from configuration (the counter itself: tests/outbound/test_sscc_numbering.py)."""

from __future__ import annotations

import pytest
from biip.sscc import Sscc
from hypothesis import given, settings
from hypothesis import strategies as st

from labels import (
    LabelDataError,
    config_from_mapping,
    make_sscc,
    split_ranges,
    validate_sscc,
)
from labels.sscc import SerialRange

PREFIX = "5703538"


def table(**terminals: tuple[int, int]) -> dict:
    return {
        "company_prefix": PREFIX,
        "extension_digit": 3,
        "terminals": {t: {"start": a, "end": b} for t, (a, b) in terminals.items()},
    }


def test_known_sscc() -> None:
    assert make_sscc(1, PREFIX, 141037517) == "157035381410375177"
    with pytest.raises(LabelDataError, match="check digit"):
        validate_sscc("157035381410375170")


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text("0123456789", min_size=6, max_size=12),
    names=st.lists(
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=6),
        min_size=2,
        max_size=20,
        unique=True,
    ),
    data=st.data(),
)
def test_terminal_ranges_never_overlap_and_check_digits_are_right(prefix, names, data) -> None:
    ranges = split_ranges(prefix, names)
    a, b = data.draw(st.sampled_from(names)), data.draw(st.sampled_from(names))
    ra, rb = ranges[a], ranges[b]
    assert a == b or not ra.overlaps(rb)
    serial_a = data.draw(st.integers(ra.start, ra.end))
    serial_b = data.draw(st.integers(rb.start, rb.end))
    ext = data.draw(st.integers(0, 9))
    sscc_a, sscc_b = make_sscc(ext, prefix, serial_a), make_sscc(ext, prefix, serial_b)
    assert (sscc_a == sscc_b) == (serial_a == serial_b)
    for sscc in (sscc_a, sscc_b):
        assert len(sscc) == 18 and sscc[1 : 1 + len(prefix)] == prefix
        assert Sscc.parse(sscc).value == sscc  # biip verifies the check digit independently
    # The configuration loader accepts carved ranges...
    cfg = {
        "company_prefix": prefix,
        "extension_digit": ext,
        "terminals": {n: {"start": r.start, "end": r.end} for n, r in ranges.items()},
    }
    assert config_from_mapping(cfg, a).range == ra


@given(
    a=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
    b=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
)
def test_config_refuses_overlapping_ranges(a, b) -> None:
    (a0, a1), (b0, b1) = sorted(a), sorted(b)
    overlapping = a0 <= b1 and b0 <= a1
    if overlapping:
        with pytest.raises(ValueError, match="overlap"):
            config_from_mapping(table(T1=(a0, a1), T2=(b0, b1)), "T1")
    else:
        assert config_from_mapping(table(T1=(a0, a1), T2=(b0, b1)), "T2").range == SerialRange(
            "T2", b0, b1
        )


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({**table(T1=(1, 9)), "company_prefix": 5703538}, r"sscc\.company_prefix"),
        ({**table(T1=(1, 9)), "extension_digit": 12}, r"sscc\.extension_digit"),
        (table(T1=(9, 1)), r"sscc\.terminals\.T1: start must not be greater"),
        (table(T2=(1, 9)), r"sscc\.terminals\.T1: no SSCC range configured"),
        (table(T1=(1, 10**9)), r"must satisfy"),
    ],
)
def test_config_errors(mapping: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config_from_mapping(mapping, "T1")
