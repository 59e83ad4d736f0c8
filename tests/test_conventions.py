"""Source rules no other test would notice breaking: states, kinds, reasons and flow steps are
compared through their enums in services/, and the floor flows leave queries to the services."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[1] / "wms_tui" / "services"
FLOOR = SERVICES / "floor"

# A state, kind, reason, status or step compared with (or looked up in a tuple of) bare strings.
BARE_LITERALS = (
    re.compile(r'(state|reason|kind|status)[^=]*[!=]= *"'),
    re.compile(r'in \("[a-z_]+"'),
)
QUERIES = re.compile(r"select\(|session\.exec\b|session\.execute\b|session\.get\(")


def offending(root: Path, patterns: tuple[re.Pattern[str], ...]) -> list[str]:
    return [
        f"{path.relative_to(root.parent)}:{number}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(pattern.search(line) for pattern in patterns)
    ]


def test_services_compare_states_kinds_reasons_and_steps_through_enums():
    assert offending(SERVICES, BARE_LITERALS) == []


def test_floor_flows_do_not_query():
    assert offending(FLOOR, (QUERIES,)) == []


@pytest.mark.parametrize(
    ("line", "pattern"),
    [
        ('    if state.step == "pin":', BARE_LITERALS),
        ('        .where(Task.kind != "pallet")', BARE_LITERALS),
        ('    if result.kind in ("item", "lot"):', BARE_LITERALS),
        ("    rows = session.exec(query)", (QUERIES,)),
        ("    found = session.get(Task, task_id)", (QUERIES,)),
    ],
)
def test_the_rules_catch_what_they_are_for(tmp_path, line, pattern):
    (tmp_path / "flow.py").write_text(f"def f():\n{line}\n", encoding="utf-8")
    assert offending(tmp_path, pattern) == [f"{tmp_path.name}/flow.py:2: {line.strip()}"]
