"""Dependencies point one way (DESIGN.md): ui/cli -> services -> store -> domain; drivers and
labels import nothing from wms_tui. Each layer is imported alone in a fresh interpreter and the
modules it pulled in are inspected."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(package.__path__, sys.argv[1] + "."):
    if ".migrations." not in info.name:  # Alembic scripts run only inside Alembic
        importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""

RULES = {
    "drivers": ("wms_tui", "textual", "sqlalchemy", "sqlmodel", "labels"),
    "labels": ("wms_tui", "textual", "sqlalchemy", "sqlmodel", "drivers"),
    "wms_tui.domain": ("wms_tui.store", "wms_tui.services", "wms_tui.ui", "wms_tui.cli", "sqlalchemy", "sqlmodel", "textual"),
    "wms_tui.store": ("wms_tui.services", "wms_tui.ui", "wms_tui.cli", "textual"),
    "wms_tui.services": ("wms_tui.ui", "wms_tui.cli", "textual"),
}


@pytest.mark.parametrize("layer", RULES)
def test_layer_imports_point_one_way(layer):
    result = subprocess.run([sys.executable, "-c", PROBE, layer], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    offending = sorted(
        name for name in loaded for banned in RULES[layer] if name == banned or name.startswith(banned + ".")
    )
    assert offending == [], f"{layer} must not import {offending}"
