"""The rules of operator authentication (domain.auth) and their [security] settings."""

from datetime import UTC, datetime, timedelta

import pytest

from wms_tui import config
from wms_tui.domain.auth import SecurityPolicy, badge_digest
from wms_tui.domain.errors import ConfigError


@pytest.mark.parametrize(("pin", "problem"), [
    ("4739", None), ("0987", None), ("12121", None), ("123456789", "simple sequence"),
    ("0000", "one digit repeated"), ("1234", "simple sequence"), ("8642", "simple sequence"),
    ("123", "4 to 12 digits"), ("1234567890123", "4 to 12 digits"), ("47a9", "4 to 12 digits"),
    ("٤٧٣٩", "4 to 12 digits"),  # Arabic-Indic digits are digits to Python, not on a keypad
])
def test_pin_rules(pin, problem):
    found = SecurityPolicy().pin_problem(pin)
    assert (found is None) if problem is None else (problem in found), found


def test_the_minimum_pin_length_is_configurable():
    assert "6 to 12 digits" in SecurityPolicy(pin_min_length=6).pin_problem("47391")


def test_locks_start_after_the_allowed_failures_and_double_up_to_the_maximum():
    policy = SecurityPolicy(max_failures=3, lockout_s=30, max_lockout_s=100)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    waits = [policy.locked_until(failures, now) for failures in range(1, 7)]
    assert waits[:2] == [None, None]
    assert [wait - now for wait in waits[2:]] == [timedelta(seconds=s) for s in (30, 60, 100, 100)]
    assert policy.locked_until(10_000, now) == now + timedelta(seconds=100)  # no overflow


def test_badge_digest_is_keyed():
    assert badge_digest("00" * 32, "B-77") != badge_digest("01" * 32, "B-77")
    assert badge_digest("00" * 32, " B-77 ") == badge_digest("00" * 32, "B-77")


def test_security_settings_are_read_and_checked():
    policy = config.parse({"security": {"max_failures": 3, "lockout_s": 10, "max_lockout_s": 60,
                                        "pin_min_length": 6}}).security
    assert policy == SecurityPolicy(3, 10, 60, 6)
    for table, words in (({"max_failures": 0}, "max_failures: must be between 1"),
                         ({"pin_min_length": 3}, "pin_min_length: must be between 4"),
                         ({"lockout_s": 100, "max_lockout_s": 50}, "max_lockout_s (50) is shorter"),
                         ({"lockout": 5}, "unknown setting(s): lockout")):
        with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
            config.parse({"security": table})
